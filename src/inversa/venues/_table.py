"""Strict reading of TOML tables with sourced numbers, for the venue rule files.

:class:`Table` wraps one TOML table: reading a key consumes it and :meth:`Table.done`
rejects what is left (typos fail loudly).  A number is written
``{ value = "0.0005", source = "<id>" }``, the value as text so that it loads as an exact
Decimal; lists of hours or months are ``{ value = ["4", "12", "20"], source = "<id>" }``.
Optional keys of a number:

- ``note``: a remark (an older value, a derivation, why this figure is used);
- ``status``: ``"unconfirmed"`` or ``"inferred"`` (see :data:`~inversa.venues._model.STATUSES`);
  a table-level ``status`` (beside a table's ``source``) applies to every number in it;
- ``alternatives = [{ value = "...", source = "<id>", note = "..." }]``: the same number as
  other sources publish it (a disagreement; single numbers only, each with a note, each
  different from the value used).

Every failure is a :class:`RuleFileError` naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from inversa.errors import DataError
from inversa.venues._model import STATUSES, Alternative, Source, Sourced

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

    Sourced numbers are recorded in ``prov`` under ``prefix + name``; ``status`` is the
    default status of the numbers in this table (set by a table-level ``status``).
    """

    def __init__(
        self,
        ctx: Ctx,
        data: Any,
        key: str,
        prov: dict[str, Sourced],
        prefix: str = "",
        status: str | None = None,
    ) -> None:
        if not isinstance(data, dict):
            ctx.fail(key, f"expected a table, got {type(data).__name__}")
        self.ctx, self.data, self.key, self.prov, self.prefix = ctx, dict(data), key, prov, prefix
        self.status = status

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
        return Table(
            self.ctx, self.data.pop(name), self.path(name), self.prov, sub_prefix, self.status
        )

    def tables(self, name: str) -> list[tuple[str, Any]]:
        value = self.data.pop(name, [])
        if not isinstance(value, list):
            self.fail(name, "expected an array of tables")
        return [(f"{self.path(name)}[{i}]", item) for i, item in enumerate(value)]

    def method_source(self, name: str) -> None:
        """An optional ``source = "<id>"`` for a table as a whole (e.g. the margin method),
        with an optional ``note`` and a ``status`` that its numbers inherit."""
        source_id = self.opt_text("source")
        status = self.opt_text("status", STATUSES)
        if source_id is None:
            if status is not None:
                self.fail("status", 'a table-level status needs source = "<id>" beside it')
            return
        if status is not None:
            self.status = status
        note = self.opt_text("note")
        self.prov[name] = Sourced(self._source(self.path("source"), source_id), note, None, status)

    def _source(self, key: str, source_id: Any) -> Source:
        if not isinstance(source_id, str) or not source_id:
            self.ctx.fail(key, 'number without a source: add source = "<id>"')
        if source_id not in self.ctx.sources:
            known = ", ".join(sorted(self.ctx.sources)) or "none"
            self.ctx.fail(key, f"unknown source id {source_id!r} (known: {known})")
        self.ctx.used.add(source_id)
        return self.ctx.sources[source_id]

    def _sourced(self, name: str, allow_inf: bool = False) -> Decimal | tuple[Decimal, ...]:
        """The parsed ``value`` of a sourced entry; records its provenance."""
        raw = self.data.pop(name)
        key = self.path(name)
        if not isinstance(raw, dict) or "value" not in raw:
            self.ctx.fail(key, 'write numbers as { value = "...", source = "<id>" }')
        extra = set(raw) - {"value", "source", "note", "status", "alternatives"}
        if extra:
            self.ctx.fail(f"{key}.{sorted(extra)[0]}", "unknown key")
        source = self._source(key, raw.get("source"))
        note = raw.get("note")
        if note is not None and (not isinstance(note, str) or not note.strip()):
            self.ctx.fail(f"{key}.note", "expected a non-empty string")
        status = raw.get("status", self.status)
        if status is not None and status not in STATUSES:
            self.ctx.fail(f"{key}.status", f"{status!r} is not one of {', '.join(STATUSES)}")
        value: Decimal | tuple[Decimal, ...]
        if isinstance(raw["value"], list):
            value = tuple(self._decimal(key, item) for item in raw["value"])
        else:
            value = self._decimal(key, raw["value"], allow_inf)
        alternatives = self._alternatives(key, raw.get("alternatives"), value)
        self.prov[self.prefix + name] = Sourced(source, note, value, status, alternatives)
        return value

    def _alternatives(
        self, key: str, raw: Any, used: Decimal | tuple[Decimal, ...]
    ) -> tuple[Alternative, ...]:
        if raw is None:
            return ()
        key = f"{key}.alternatives"
        if isinstance(used, tuple):
            self.ctx.fail(key, "alternatives are kept for single numbers only")
        if not isinstance(raw, list) or not raw:
            self.ctx.fail(key, "expected a non-empty array of { value, source, note } tables")
        out: list[Alternative] = []
        for i, item in enumerate(raw):
            where = f"{key}[{i}]"
            if not isinstance(item, dict):
                self.ctx.fail(where, f"expected a table, got {type(item).__name__}")
            extra = set(item) - {"value", "source", "note"}
            if extra:
                self.ctx.fail(f"{where}.{sorted(extra)[0]}", "unknown key")
            value = self._decimal(f"{where}.value", item.get("value"))
            if value == used:
                self.ctx.fail(f"{where}.value", f"{value} is the value used: not an alternative")
            note = item.get("note")
            if not isinstance(note, str) or not note.strip():
                self.ctx.fail(f"{where}.note", "missing: say what this figure is")
            source = self._source(f"{where}.source", item.get("source"))
            out.append(Alternative(value, source, note))
        return tuple(out)

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
        out = self._sourced(name, allow_inf)
        if isinstance(out, tuple):
            self.fail(name, f"expected one number, got a list {[str(x) for x in out]}")
        if check is not None and not check(out):
            self.fail(name, f"value {out} {what}")
        return out

    def ints(self, name: str, low: int, high: int) -> tuple[int, ...]:
        if name not in self.data:
            return ()
        parsed = self._sourced(name)
        items = parsed if isinstance(parsed, tuple) else (parsed,)
        out: list[int] = []
        for number in items:
            if number != number.to_integral_value() or not low <= number <= high:
                self.fail(name, f"value {str(number)!r} must be a whole number in {low}..{high}")
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
