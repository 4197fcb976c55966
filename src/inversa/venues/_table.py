"""Strict reading of TOML tables with sourced numbers, for the venue rule files.

:class:`Table` wraps one TOML table: reading a key consumes it and :meth:`Table.done`
rejects what is left (typos fail loudly).  A number is written
``{ value = "0.0005", source = "<id>" }`` (optionally ``note``), the value as text so that
it loads as an exact Decimal; lists of hours or months are
``{ value = ["4", "12", "20"], source = "<id>" }``.  Every failure is a
:class:`RuleFileError` naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from inversa.errors import DataError
from inversa.venues._model import Source, Sourced

__all__ = ["Ctx", "RuleFileError", "Table", "as_date", "reject_bare_numbers"]


class RuleFileError(DataError):
    """A venue rule file is malformed: names the file (``path``) and the key (``key``)."""

    def __init__(self, path: str, key: str, reason: str) -> None:
        self.path = path
        self.key = key
        self.reason = reason
        super().__init__(path, f"{key}: {reason}")


@dataclass
class Ctx:
    """State shared while reading one file: its name, its sources and which were used."""

    origin: str
    sources: dict[str, Source] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def fail(self, key: str, reason: str) -> NoReturn:
        raise RuleFileError(self.origin, key, reason)


class Table:
    """One TOML table; reading a key consumes it, :meth:`done` rejects the leftovers.

    Sourced numbers are recorded in ``prov`` under ``prefix + name``.
    """

    def __init__(
        self, ctx: Ctx, data: Any, key: str, prov: dict[str, Sourced], prefix: str = ""
    ) -> None:
        if not isinstance(data, dict):
            ctx.fail(key, f"expected a table, got {type(data).__name__}")
        self.ctx, self.data, self.key, self.prov, self.prefix = ctx, dict(data), key, prov, prefix

    def path(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def fail(self, name: str, reason: str) -> NoReturn:
        self.ctx.fail(self.path(name), reason)

    def has(self, name: str) -> bool:
        return name in self.data

    def done(self) -> None:
        if self.data:
            self.fail(sorted(self.data)[0], "unknown key")

    def text(self, name: str, choices: tuple[str, ...] | None = None) -> str:
        value = self.opt_text(name, choices)
        if value is None:
            self.fail(name, "missing")
        return value

    def opt_text(self, name: str, choices: tuple[str, ...] | None = None) -> str | None:
        if name not in self.data:
            return None
        value = self.data.pop(name)
        if not isinstance(value, str) or not value.strip():
            self.fail(name, f"expected a non-empty string, got {value!r}")
        if choices is not None and value not in choices:
            self.fail(name, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.data.pop(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(name, f"expected a list of strings, got {value!r}")
        return tuple(value)

    def table(self, name: str, prefix: str | None = None) -> Table | None:
        if name not in self.data:
            return None
        sub_prefix = self.prefix + name + "." if prefix is None else prefix
        return Table(self.ctx, self.data.pop(name), self.path(name), self.prov, sub_prefix)

    def tables(self, name: str) -> list[tuple[str, Any]]:
        value = self.data.pop(name, [])
        if not isinstance(value, list):
            self.fail(name, "expected an array of tables")
        return [(f"{self.path(name)}[{i}]", item) for i, item in enumerate(value)]

    def method_source(self, name: str) -> None:
        """An optional ``source = "<id>"`` for a table as a whole (e.g. the margin method)."""
        source_id = self.opt_text("source")
        if source_id is None:
            return
        if source_id not in self.ctx.sources:
            known = ", ".join(sorted(self.ctx.sources)) or "none"
            self.fail("source", f"unknown source id {source_id!r} (known: {known})")
        self.ctx.used.add(source_id)
        self.prov[name] = Sourced(self.ctx.sources[source_id])

    def _sourced(self, name: str) -> Any:
        """The raw ``value`` of a sourced entry; records its provenance."""
        raw = self.data.pop(name)
        key = self.path(name)
        if not isinstance(raw, dict) or "value" not in raw:
            self.ctx.fail(key, 'write numbers as { value = "...", source = "<id>" }')
        extra = set(raw) - {"value", "source", "note"}
        if extra:
            self.ctx.fail(f"{key}.{sorted(extra)[0]}", "unknown key")
        source_id = raw.get("source")
        if not isinstance(source_id, str) or not source_id:
            self.ctx.fail(key, 'number without a source: add source = "<id>"')
        if source_id not in self.ctx.sources:
            known = ", ".join(sorted(self.ctx.sources)) or "none"
            self.ctx.fail(key, f"unknown source id {source_id!r} (known: {known})")
        note = raw.get("note")
        if note is not None and not isinstance(note, str):
            self.ctx.fail(f"{key}.note", "expected a string")
        self.ctx.used.add(source_id)
        self.prov[self.prefix + name] = Sourced(self.ctx.sources[source_id], note)
        return raw["value"]

    def _decimal(self, key: str, raw: Any, allow_inf: bool = False) -> Decimal:
        if not isinstance(raw, str):
            self.ctx.fail(key, f'value must be a string such as "0.0005", got {raw!r}')
        try:
            out = Decimal(raw.strip())
        except InvalidOperation:
            self.ctx.fail(key, f"value {raw!r} is not a number")
        if out.is_nan() or (out.is_infinite() and not (allow_inf and out > 0)):
            self.ctx.fail(key, f"value {raw!r} must be finite")
        return out

    def num(
        self,
        name: str,
        check: Callable[[Decimal], bool] | None = None,
        what: str = "",
        allow_inf: bool = False,
    ) -> Decimal:
        value = self.opt_num(name, check, what, allow_inf)
        if value is None:
            self.fail(name, "missing")
        return value

    def opt_num(
        self,
        name: str,
        check: Callable[[Decimal], bool] | None = None,
        what: str = "",
        allow_inf: bool = False,
    ) -> Decimal | None:
        if name not in self.data:
            return None
        out = self._decimal(self.path(name), self._sourced(name), allow_inf)
        if check is not None and not check(out):
            self.fail(name, f"value {out} {what}")
        return out

    def ints(self, name: str, low: int, high: int) -> tuple[int, ...]:
        if name not in self.data:
            return ()
        raw = self._sourced(name)
        items = raw if isinstance(raw, list) else [raw]
        out: list[int] = []
        for item in items:
            number = self._decimal(self.path(name), item)
            if number != number.to_integral_value() or not low <= number <= high:
                self.fail(name, f"value {item!r} must be a whole number in {low}..{high}")
            out.append(int(number))
        return tuple(out)


def reject_bare_numbers(ctx: Ctx, node: Any, key: str) -> None:
    """Every number must be a sourced string: a bare TOML int/float is an error."""
    if isinstance(node, bool):
        return
    if isinstance(node, int | float):
        ctx.fail(key, f'bare number {node!r}: write {{ value = "{node}", source = "<id>" }}')
    if isinstance(node, dict):
        for name, child in node.items():
            reject_bare_numbers(ctx, child, f"{key}.{name}" if key else name)
    elif isinstance(node, list):
        for i, child in enumerate(node):
            reject_bare_numbers(ctx, child, f"{key}[{i}]")


def as_date(raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return None
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None
