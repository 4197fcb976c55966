"""``inversa venues list|show``: the venue rule sets, every number with its source.

``show`` prints the instruments, the tier tables, every sourced number (value, unit,
source id, as-of date, status), the numbers another source publishes differently
(disagreements: the value used, the other figure and its source), the unconfirmed and
inferred numbers with their notes, and the sources.  ``--json`` prints one JSON object:
Decimal numbers keep every digit (JSON numbers, rates as fractions), an unbounded tier is
``null``, dates are ``"YYYY-MM-DD"``.  Tables fold long cells instead of cutting them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from inversa.cli._options import Json, text
from inversa.cli._output import new_app
from inversa.report import console as report_console
from inversa.report import print_json

if TYPE_CHECKING:
    from inversa.venues import NumberRow, Source, VenueSheet

__all__ = ["app"]

app = new_app("Venue rule sets: symbols, tiers, fees, funding; every number with its source.")


# -- formatting --------------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    if not value.is_finite():
        return "unbounded" if value > 0 else str(value)
    return format(value.normalize(), "f") if value else "0"


def _number(value: Decimal | tuple[Decimal, ...] | None, unit: str) -> str:
    """A number for a table: fractions as %, exactly; others with their unit."""
    if value is None:
        return "(method)"
    if isinstance(value, tuple):
        joined = ", ".join(f"{int(v):02d}" if unit == "UTC hours" else _plain(v) for v in value)
        return f"{joined} {unit}"
    if unit == "fraction":
        return f"{_plain(value * 100)} %"
    if unit == "fraction/coin":
        return f"{_plain(value * 100)} %/coin"
    return f"{_plain(value)} {unit}"


def _opt(value: Decimal | None, suffix: str = "") -> str:
    return "--" if value is None else f"{_plain(value)}{suffix}"


def _as_of(source: Source) -> str:
    """The as-of date; ``*`` marks an undated page (see :data:`_UNDATED`)."""
    return f"{source.as_of:%Y-%m-%d}" + ("*" if source.undated else "")


_UNDATED = (
    "* undated page: the as-of date is the snapshot month of the research notes that cite "
    "it (the source's note says so)."
)


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    for name in columns:
        table.add_column(name, overflow="fold")
    return table


def _console() -> Console:
    return report_console()


# -- list --------------------------------------------------------------------------------


@app.command("list")
def list_command(as_json: Json = False) -> None:
    """The bundled venues: instruments, models, counts of flagged numbers, as-of date."""
    from inversa.venues import venue_summaries

    rows = venue_summaries()
    if as_json:
        print_json({"venues": rows})
        return
    table = _table(
        "Venue rule sets: `inversa venues show VENUE` lists every number and its source",
        "venue",
        "instruments",
        "models",
        "numbers",
        "as of",
    )
    for row in rows:
        flags = [f"{row.numbers} sourced"]
        flags += [
            f"{n} {what}"
            for n, what in (
                (row.unconfirmed, "unconfirmed"),
                (row.inferred, "inferred"),
                (row.disputed, "disputed"),
            )
            if n
        ]
        table.add_row(
            f"{row.name}\n({row.display_name})",
            ", ".join(row.venue_ids),
            f"liquidation {row.liquidation_model}; funding {row.funding_model}",
            "; ".join(flags),
            f"{row.as_of:%Y-%m-%d}",
        )
    _console().print(table)


# -- show --------------------------------------------------------------------------------


@app.command("show", context_settings={"ignore_unknown_options": True})
def show_command(
    venue: Annotated[str, typer.Argument(help="Venue rule set, e.g. bybit, bitmex, binance.")],
    symbol: Annotated[
        str | None, text("One instrument: ccxt symbol or venue id (dated ones too).", "--symbol")
    ] = None,
    as_json: Json = False,
) -> None:
    """A venue's symbols, tiers, fees and funding: each number with source and as-of date;
    disagreements and unconfirmed numbers are shown as such."""
    from inversa.venues import venue_sheet

    sheet = venue_sheet(venue, symbol)
    if as_json:
        print_json(sheet)
        return
    console = _console()
    console.print(
        f"[bold]{sheet.display_name}[/] ({sheet.name}): liquidation model "
        f"{sheet.liquidation_model}, default margin {sheet.default_margin_mode}, funding "
        f"{sheet.funding_model} ({sheet.funding_accrual}); newest source {sheet.as_of}; "
        f"rule file {sheet.origin}"
    )
    _print_instruments(console, sheet)
    _print_tiers(console, sheet)
    _print_numbers(console, sheet)
    _print_disputed(console, sheet)
    _print_unconfirmed(console, sheet)
    _print_sources(console, sheet)
    for key, note in sheet.notes:
        console.print(f"[bold]{key}[/]: {note}")


def _print_instruments(console: Console, sheet: VenueSheet) -> None:
    table = _table(
        "Instruments (contract value USD; tick USD/coin; fees % of traded value)",
        "symbol (venue ids)",
        "expiry",
        "value",
        "tick",
        "lot",
        "max lev.",
        "maker / taker",
    )
    for inst in sheet.instruments:
        fees = f"{_opt(_pct(inst.maker), ' %')} / {_opt(_pct(inst.taker), ' %')}"
        table.add_row(
            f"{inst.symbol} ({', '.join(inst.aliases)})",
            inst.expiry,
            _plain(inst.contract_value),
            _opt(inst.tick),
            _opt(inst.lot),
            _opt(inst.max_leverage, "x"),
            fees,
        )
    console.print(table)


def _pct(value: Decimal | None) -> Decimal | None:
    return None if value is None else value * 100


def _print_tiers(console: Console, sheet: VenueSheet) -> None:
    for inst in sheet.instruments:
        if not inst.tiers:
            continue
        table = _table(
            f"{inst.symbol} margin tiers (position value in {inst.settle}; cum derived)",
            f"up to ({inst.settle})",
            "MMR",
            f"cum ({inst.settle})",
            "max lev.",
            "status",
        )
        for tier in inst.tiers:
            table.add_row(
                _plain(tier.upper),
                f"{_plain(tier.mmr * 100)} %",
                _plain(tier.cum),
                _opt(tier.max_leverage, "x"),
                tier.status,
            )
        console.print(table)


def _flag(row: NumberRow) -> str:
    marks = [] if row.status == "published" else [row.status]
    if row.alternatives:
        marks.append("disputed")
    return ", ".join(marks) or "published"


def _print_numbers(console: Console, sheet: VenueSheet) -> None:
    groups: dict[str, list[NumberRow]] = {}
    for row in sheet.numbers:
        groups.setdefault(row.where, []).append(row)
    for where, rows in groups.items():
        label = "venue-wide" if where == "venue" else where
        table = _table(
            f"Numbers ({label}): value, source, as-of date, status",
            "number",
            "value",
            "source",
            "as of",
            "status",
        )
        for row in rows:
            table.add_row(
                row.field,
                _number(row.value, row.unit),
                row.source.id,
                _as_of(row.source),
                _flag(row),
            )
        console.print(table)
    if any(row.source.undated for row in sheet.numbers):
        console.print(_UNDATED)


def _print_disputed(console: Console, sheet: VenueSheet) -> None:
    rows = sheet.disputed
    if not rows:
        console.print("Disagreements: none recorded.")
        return
    table = _table(
        "Disagreements: another source publishes a different figure (first line: used)",
        "where / number",
        "figure",
        "source (as of)",
        "note",
    )
    for row in rows:
        table.add_row(
            f"{row.where}\n{row.field}",
            f"used: {_number(row.value, row.unit)}",
            f"{row.source.id} ({_as_of(row.source)})",
            row.note,
        )
        for alt in row.alternatives:
            table.add_row(
                "",
                f"other: {_number(alt.value, row.unit)}",
                f"{alt.source.id} ({_as_of(alt.source)})",
                alt.note,
            )
    console.print(table)


def _print_unconfirmed(console: Console, sheet: VenueSheet) -> None:
    rows = sheet.unconfirmed
    if not rows:
        console.print("Unconfirmed or inferred numbers: none.")
        return
    table = _table(
        "Unconfirmed and inferred numbers (use with care)",
        "where / number",
        "value",
        "status",
        "note",
    )
    for row in rows:
        table.add_row(
            f"{row.where}\n{row.field}",
            _number(row.value, row.unit),
            row.status,
            row.note or f"see source {row.source.id}",
        )
    console.print(table)


def _print_sources(console: Console, sheet: VenueSheet) -> None:
    table = _table("Sources", "id", "as of", "url")
    for source in sheet.sources:
        table.add_row(source.id, _as_of(source), source.url)
    console.print(table)
