"""Config files as frozen pydantic models: one base, one loader, one-line errors.

Every user file (portfolios, books, and later token, analytics and sweep configs) is read
the same way:

1. :func:`read_text` reads UTF-8 (with or without a byte-order mark); anything else is one
   :class:`~inversa.errors.DataError` naming the file.
2. :func:`load_toml` / :func:`load_csv` parse the text and validate it with a
   :class:`ConfigModel` subclass.  Unknown keys, wrong types and out-of-range values are
   refused with one line naming the file, the key (or the CSV row) and the value, e.g.
   ``book.toml: positions[2].entry='-5': out of range: USD per coin, in [1e-12, 1e12]``.

A subclass declares its fields with the domain types of :mod:`inversa.domain` (so the file
and the command line accept exactly the same values) and is itself the frozen config
object that the Python API takes::

    from inversa.data.config import ConfigModel, load_toml
    from inversa.domain import Leverage, Price

    class Position(ConfigModel):
        side: Literal["long", "short"]
        entry: Price
        leverage: Leverage | None = None

    position = load_toml("pos.toml", Position)    # the CLI and the API share this object

Numbers in TOML may be bare (``0.005``; read exactly, never through a float) or quoted.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from inversa.errors import DataError, InputError

__all__ = [
    "ConfigModel",
    "config_error",
    "load_csv",
    "load_toml",
    "read_text",
    "validate",
]

M = TypeVar("M", bound="ConfigModel")

_BOM = "\ufeff"


class ConfigModel(BaseModel):
    """Base of every config model: frozen, unknown keys refused, no type coercion.

    Booleans must be TOML booleans, strings strings; numeric fields use the
    :mod:`inversa.domain` types, which accept a number or a quoted number.  Sequences
    are tuples (TOML arrays are converted by :func:`validate`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    @classmethod
    def build(cls: type[M], **values: Any) -> M:
        """The model from keyword values (what the CLI or Python code gives), or one
        :class:`~inversa.errors.InputError` naming the field and the value."""
        try:
            return cls.model_validate(_tuples(values))
        except ValidationError as exc:
            error = config_error("", exc)
            key, _, reason = str(error).removeprefix(": ").partition(": ")
            field, _, value = key.partition("=")
            raise InputError(field, value.strip("'") or None, reason) from None


def read_text(path: str | Path, field: str = "file") -> str:
    """The text of ``path`` decoded as UTF-8 (a leading BOM dropped), else a one-line error."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise InputError(field, str(path), "no such file") from None
    except IsADirectoryError:
        raise InputError(field, str(path), "is a directory") from None
    except OSError as exc:
        raise InputError(field, str(path), exc.strerror or "cannot be read") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            str(path), f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    if "\x00" in text:
        raise DataError(str(path), f"NUL byte at offset {text.index(chr(0))}: not a text file")
    return text.removeprefix(_BOM)


def _where(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "value"


def config_error(
    source: str, exc: ValidationError, row: int | None = None, prefix: str = ""
) -> DataError:
    """The first error of a pydantic ValidationError as one DataError line.

    Names the key path (``positions[2].entry``), the value given and the reason.
    """
    errors = exc.errors(include_url=False)
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    err = (unknown or errors)[0]  # an unknown key (a typo) explains a missing one
    loc = [*([prefix] if prefix else []), *err["loc"]]
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, InputError):
        if cause.field and cause.field not in loc:
            loc.append(cause.field)  # a model-level check names its own field
        return DataError(source, f"{_where(loc)}={cause.value!r}: {cause.reason}", row)
    key = _where(loc)
    if err["type"] == "extra_forbidden":
        return DataError(source, f"{key}: unknown key", row)
    if err["type"] == "missing":
        return DataError(source, f"{key}: missing", row)
    value = err.get("input")
    return DataError(source, f"{key}={value!r}: {err['msg'].lower()}", row)


def _tuples(value: Any) -> Any:
    """TOML arrays as tuples (strict models take tuples: frozen, hashable)."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def validate(model: type[M], data: Mapping[str, Any], source: str, *, row: int | None = None) -> M:
    """``model`` validated from ``data`` (a parsed file or row), errors naming ``source``."""
    try:
        return model.model_validate(_tuples(dict(data)))
    except ValidationError as exc:
        raise config_error(source, exc, row) from None


def load_toml(path: str | Path, model: type[M]) -> M:
    """Read a TOML file into ``model`` (bare TOML floats are read as exact Decimals)."""
    text = read_text(path)
    try:
        doc = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(str(path), f"not valid TOML: {exc}") from None
    return validate(model, doc, str(path))


def load_csv(
    path: str | Path, model: type[M], *, columns: Mapping[str, str] | None = None
) -> tuple[M, ...]:
    """Read a CSV file with a header row into one ``model`` per data row.

    Header names are stripped and lower-cased, then renamed by ``columns`` (aliases); empty
    cells are left out (the field's default applies); a row with more or fewer cells than
    the header is refused.  Errors name the file and the data row (1 = first row after the
    header).
    """
    text = read_text(path)
    source = str(path)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise DataError(source, f"not valid CSV: {exc}") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise DataError(source, "empty file: expected a header row", row=0)
    header = [h.strip().lower() for h in rows[0]]
    header = [(columns or {}).get(h, h) for h in header]
    if len(set(header)) != len(header) or not all(header):
        raise DataError(source, f"header {rows[0]!r}: empty or repeated column", row=0)
    if len(rows) == 1:
        raise DataError(source, f"header {rows[0]!r} and no data rows", row=0)
    out: list[M] = []
    for number, cells in enumerate(rows[1:], start=1):
        if len(cells) != len(header):
            raise DataError(
                source, f"{len(cells)} cells for {len(header)} columns: {cells!r}", row=number
            )
        data = {k: v.strip() for k, v in zip(header, cells, strict=True) if v.strip()}
        out.append(validate(model, data, source, row=number))
    return tuple(out)
