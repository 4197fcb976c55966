"""Terminal output: Rich tables that fold instead of cutting, JSON lines, one progress bar.

* :func:`table` builds a Rich table from records and typed :class:`Column` s: every cell
  is formatted by its unit (:mod:`inversa.report.formats`) and folds (``overflow="fold"``)
  rather than ending in an ellipsis, at 80 columns and when piped.  It renders through
  :func:`table_to_fit` at the console's width: where a number would fold over two lines
  the columns are printed in parts (the first column repeats in each).
* :func:`transposed` shows the same columns the other way round, one row per column and
  one column per record, for a few records with many quantities (a venue, a window);
  :func:`transposed_to_fit` splits it by records at a width.
* :func:`print_json` writes one line of strict JSON (:mod:`inversa.report.jsonout`).
* :func:`progress` shows a bar with a real total on stderr, only when stderr is a
  terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table

from inversa.report.formats import UNIT_LABELS, fmt
from inversa.report.jsonout import dumps

__all__ = [
    "Column",
    "console",
    "key_value_table",
    "print_json",
    "print_notes",
    "print_tables",
    "progress",
    "table",
    "table_to_fit",
    "transposed",
    "transposed_to_fit",
]


@dataclass(frozen=True, slots=True)
class Column:
    """One column: what to read off a record, the header in words and the unit.

    A record may be a typed result (a dataclass, a named tuple from
    ``DataFrame.itertuples()``) or a mapping: :meth:`value` reads ``get(record)`` when
    ``get`` is given, else the mapping's ``key``, else the attribute ``key``.  A table's
    first column is aligned left and the others right unless ``align`` says otherwise.
    """

    key: str
    header: str
    unit: str = "number"
    tick: Decimal | None = None
    get: Callable[[Any], Any] | None = None
    align: Literal["left", "right"] | None = None

    def value(self, record: Any) -> Any:
        """The raw value of this column in ``record`` (None when it has none)."""
        if self.get is not None:
            return self.get(record)
        if isinstance(record, Mapping):
            return record.get(self.key)
        return getattr(record, self.key, None)

    def cell(self, record: Any) -> str:
        """The value in ``record`` formatted by this column's unit."""
        return fmt(self.value(record), self.unit, tick=self.tick)

    def alignment(self, first: bool = False) -> Literal["left", "right"]:
        """``align`` when given, else left for a table's first column, right otherwise."""
        if self.align is not None:
            return self.align
        return "left" if first else "right"

    def title(self) -> str:
        """The header with its unit, e.g. ``"liquidation price (USD per coin)"``."""
        label = UNIT_LABELS.get(self.unit, self.unit)
        return f"{self.header} ({label})" if label else self.header


#: The widest the label column of :func:`transposed_to_fit` is planned at (its words fold).
_LABEL_WIDTH = 16


def console(stderr: bool = False) -> Console:
    """A Rich console (no markup guessing, no highlighting of numbers)."""
    return Console(stderr=stderr, highlight=False)


def _new(title: str | None) -> Table:
    return Table(title=title, title_justify="left", show_header=True)


class _FittingTable(Table):
    """A :class:`rich.table.Table` of typed records that renders through
    :func:`table_to_fit` at the width it is given, so no number folds over two lines."""

    def __init__(self, title: str | None, columns: Sequence[Column], records: list[Any]):
        super().__init__(title=title, title_justify="left", show_header=True)
        self.typed = (list(columns), records)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        columns, records = self.typed
        title = None if self.title is None else str(self.title)
        yield from table_to_fit(title, columns, records, options.max_width)


def table(title: str | None, columns: Sequence[Column], rows: Iterable[Any]) -> Table:
    """Records (typed results or mappings) as a table, each cell formatted by its column's
    unit; cells fold, never cut, and where a number would fold the table is printed in
    parts by columns (:func:`table_to_fit`, at the console's width)."""
    records = list(rows)
    out = _FittingTable(title, columns, records)
    for i, col in enumerate(columns):
        out.add_column(col.title(), justify=col.alignment(first=i == 0), overflow="fold")
    for row in records:
        out.add_row(*(col.cell(row) for col in columns))
    return out


def _labelled(
    columns: Sequence[Column], rows: Iterable[Any], labels: Sequence[str] | None
) -> tuple[list[Any], list[Column], Sequence[str]]:
    """(records, the columns shown as rows, a header per record) for a transposed table:
    ``labels`` when given, else the first column's cells (that column is then not a row)."""
    records = list(rows)
    body = list(columns)
    if labels is None:
        first, body = body[0], body[1:]
        labels = [first.cell(record) for record in records]
    if len(labels) != len(records):
        raise ValueError(f"{len(labels)} labels for {len(records)} records")
    return records, body, labels


def table_to_fit(
    title: str | None, columns: Sequence[Column], rows: Iterable[Any], width: int, keep: int = 1
) -> list[Table]:
    """:func:`table`, its columns split over as many tables as it takes for every cell and
    header word to fit ``width`` columns on one line; the first ``keep`` columns (what
    names a row) repeat in each.

    A number folded over two lines reads as another number (``0.4940961`` over ``8``):
    columns are packed greedily while each one's widest number (or, in a text column, its
    longest word) and its header's longest word fit, and every column gets a fixed width
    so Rich does not narrow a number to make room for a header.  Split tables are titled
    ``"<title>, 1 of 2"``, ``"<title>, 2 of 2"``.
    """
    records = list(rows)
    cols = list(columns)
    cells = [[col.cell(record) for record in records] for col in cols]
    need = [
        max(
            max((len(word) for word in col.title().split()), default=1),
            max((_unbroken(cell, col.unit) for cell in column), default=1),
        )
        for col, column in zip(cols, cells, strict=True)
    ]
    full = [
        max(len(col.title()), max((len(cell) for cell in column), default=1), n)
        for col, column, n in zip(cols, cells, need, strict=True)
    ]
    head = list(range(min(keep, len(cols))))
    base = 1 + sum(need[i] + 3 for i in head)
    groups: list[list[int]] = []
    used = 0
    for i in range(len(head), len(cols)):
        if not groups or used + need[i] + 3 > width:
            groups.append([])
            used = base
        groups[-1].append(i)
        used += need[i] + 3
    if not groups:
        groups = [[]]
    out: list[Table] = []
    for k, group in enumerate(groups):
        picked = head + group
        widths = {i: full[i] for i in picked}
        excess = 1 + sum(w + 3 for w in widths.values()) - width
        while excess > 0:
            slack = [i for i in picked if widths[i] > need[i]]
            if not slack:
                break
            widest = max(slack, key=lambda i: widths[i] - need[i])
            widths[widest] -= 1
            excess -= 1
        name = title if title is None or len(groups) < 2 else f"{title}, {k + 1} of {len(groups)}"
        part = _new(name)
        for j, i in enumerate(picked):
            col = cols[i]
            part.add_column(
                col.title(), justify=col.alignment(first=j == 0), overflow="fold", width=widths[i]
            )
        for r in range(len(records)):
            part.add_row(*(cells[i][r] for i in picked))
        out.append(part)
    return out


def transposed(
    title: str | None,
    columns: Sequence[Column],
    rows: Iterable[Any],
    labels: Sequence[str] | None = None,
) -> Table:
    """The same typed columns the other way round: one row per column (its header with
    the unit), one column per record.

    Each record's header is ``labels`` when given, else the cell of the first column
    (which then gets no row of its own).  Cells are formatted by unit and fold.
    """
    records, body, labels = _labelled(columns, rows, labels)
    out = _new(title)
    out.add_column("", overflow="fold")
    for label in labels:
        out.add_column(label, justify="right", overflow="fold")
    for col in body:
        out.add_row(col.title(), *(col.cell(record) for record in records))
    return out


def transposed_to_fit(
    title: str | None,
    columns: Sequence[Column],
    rows: Iterable[Any],
    width: int,
    labels: Sequence[str] | None = None,
) -> list[Table]:
    """:func:`transposed`, split into as many tables as it takes for every cell to fit
    ``width`` columns on one line (a record per table at the least).

    Folding keeps every character, but a number folded over two lines reads as another
    number (``11,751.4`` over ``0``): records are packed greedily while the label
    column (at most :data:`_LABEL_WIDTH` wide, its words fold) and each record's widest
    number (or, in a text cell, its longest word) fit.  Split tables are titled
    ``"<title>, 1 of 2"``, ``"<title>, 2 of 2"``.
    """
    records, body, labels = _labelled(columns, rows, labels)
    label_width = min(_LABEL_WIDTH, max((len(c.title()) for c in body), default=1))
    groups: list[list[int]] = []
    used = 0
    for i, (record, label) in enumerate(zip(records, labels, strict=True)):
        need = max(_unbroken(col.cell(record), col.unit) for col in body)
        need = max(need, _unbroken(label, "text")) + 3  # padding and border
        if not groups or used + need > width:
            groups.append([])
            used = 1 + label_width + 3
        groups[-1].append(i)
        used += need
    if len(groups) < 2:
        return [transposed(title, body, records, labels)]
    return [
        transposed(
            None if title is None else f"{title}, {k + 1} of {len(groups)}",
            body,
            [records[i] for i in group],
            [labels[i] for i in group],
        )
        for k, group in enumerate(groups)
    ]


def _unbroken(cell: str, unit: str) -> int:
    """The width ``cell`` needs on one line: all of a number, the longest word of text."""
    if unit != "text":
        return len(cell)
    return max((len(word) for word in cell.split()), default=0)


def key_value_table(
    title: str | None, values: Mapping[str, Any], units: Mapping[str, str] | None = None
) -> Table:
    """One quantity per row: name, value (formatted by unit) and the unit in words."""
    out = _new(title)
    out.add_column("quantity", overflow="fold")
    out.add_column("value", justify="right", overflow="fold")
    out.add_column("unit", overflow="fold")
    for key, value in values.items():
        unit = (units or {}).get(key, "number")
        out.add_row(key.replace("_", " "), fmt(value, unit), UNIT_LABELS.get(unit, unit))
    return out


def print_tables(tables: Iterable[Table], notes: Iterable[str] = ()) -> None:
    """Print tables, then ``note: ...`` lines, on stdout."""
    out = console()
    for item in tables:
        out.print(item)
    print_notes(notes, out)


def print_notes(notes: Iterable[str], out: Console | None = None) -> None:
    """``note: ...`` lines, verbatim (no markup)."""
    target = out or console()
    for note in notes:
        target.print(f"note: {note}", markup=False, highlight=False)


def print_json(value: Any) -> None:
    """One line of strict JSON on stdout."""
    sys.stdout.write(dumps(value) + "\n")


@contextmanager
def progress(total: int, description: str) -> Iterator[Callable[[int], None]]:
    """Yield ``update(done)``: a Rich bar out of ``total`` on stderr, only on a terminal.

    Nothing is shown when stderr is not a terminal (piped, captured) or ``total`` < 2.
    """
    err = Console(stderr=True)
    if not err.is_terminal or total < 2:
        yield lambda done: None
        return
    from rich.progress import Progress

    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.update(task, completed=done)
