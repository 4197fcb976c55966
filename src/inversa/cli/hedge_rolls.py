"""`inversa hedge carry-dated`: the plan's legs held on dated futures, rolled quarterly.

Each leg of ``hedge plan`` (same portfolio options) is held on the venue's quarterly
futures from ``--as-of`` for ``--days``, closed ``--roll-days`` before each expiry and
reopened on the next (:func:`inversa.hedging.dated_carry`).  The basis is an input: a
constant annualised rate (``--basis``) or a user CSV of ``timestamp,basis_rate`` rows
(``--basis-csv``, :func:`inversa.contracts.basis.read_basis_csv`); the future converges to
spot at expiry.  Expiries are the last Fridays of March, June, September and December at
the venue's settlement hour (from its dated-future rule, 08:00 UTC when none is sourced).
Spot is held at the plan's price: the figures are the carry alone (positive: earned).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from inversa import domain as d
from inversa import hedging as h
from inversa.cli._options import (
    Json,
    PortfolioOptions,
    date_option,
    number,
    path_option,
    portfolio_options,
)
from inversa.cli._portfolio import plan_of, risk_of
from inversa.contracts.basis import (
    EXPIRY_HOUR_UTC,
    QUARTER_MONTHS,
    ConstantBasis,
    SeriesBasis,
    quarterly_expiries,
    read_basis_csv,
)
from inversa.data.config import read_text
from inversa.errors import InputError
from inversa.report import Column, fmt, print_json, print_tables, table

__all__ = ["carry_dated", "register"]

#: Roll at most this many days before an expiry (quarterly expiries are ~91 days apart).
ROLL_DAYS = d.Domain("duration", "days", Decimal(0), Decimal(60))

BasisRateOption = Annotated[
    Decimal | None,
    number(d.ANNUAL_RATE, "Constant annualised basis of the futures (e.g. 0.08).", "--basis"),
]
BasisCsv = Annotated[
    Path | None,
    path_option("CSV of the annualised basis over time: timestamp,basis_rate.", "--basis-csv"),
]
HorizonDays = Annotated[
    Decimal, number(d.DAYS, "Holding period, days.", "--days", show_default=True)
]
RollDays = Annotated[
    Decimal,
    number(ROLL_DAYS, "Roll this many days before each expiry.", "--roll-days", show_default=True),
]
AsOf = Annotated[
    datetime | None, date_option("Enter the legs at 00:00 UTC of this day (default: --date).")
]


def _basis(rate: Decimal | None, csv_path: Path | None, start: datetime) -> Any:
    if rate is not None and csv_path is not None:
        raise InputError("basis", str(rate), "give --basis or --basis-csv, not both")
    if csv_path is not None:
        text = read_text(csv_path, "basis_csv")  # UTF-8 with or without BOM, else one line
        series: SeriesBasis = read_basis_csv(text, str(csv_path))
        if start < series.times[0]:
            raise InputError(
                "basis_csv",
                str(csv_path),
                f"starts {series.times[0]:%Y-%m-%d %H:%M}, after --as-of {start:%Y-%m-%d}",
            )
        return series
    if rate is None:
        raise InputError("basis", None, "give --basis RATE or --basis-csv FILE")
    return ConstantBasis(rate)


def _expiry_hour(venue: str | None) -> tuple[int, str]:
    """The settlement hour of the venue's quarterly futures, and where it comes from."""
    from inversa.venues import load_venue

    if venue is None:
        return EXPIRY_HOUR_UTC, f"generic contract: expiries at {EXPIRY_HOUR_UTC:02d}:00 UTC"
    for template in load_venue(venue).templates:
        rule = template.rule
        if rule.kind == "last-friday" and set(QUARTER_MONTHS) <= set(rule.months or range(1, 13)):
            return rule.hour_utc, f"{venue}: {rule.describe()}"
    return EXPIRY_HOUR_UTC, (
        f"{venue}: no dated-future rule sourced, expiries at {EXPIRY_HOUR_UTC:02d}:00 UTC assumed"
    )


def _when(value: datetime) -> str:
    return f"{value:%y%m%d %H:%M}"


def _segments_table(asset: str, coin: str, result: h.DatedCarry) -> Any:
    columns = [
        Column("expiry", "expiry", "text"),
        Column("start", "from", "text"),
        Column("end", "to", "text"),
        Column("basis", "basis/yr", "rate"),
        Column("entry", "entry", "price"),
        Column("exit", "exit", "price"),
        Column("carry", "carry", "coin"),
        Column("roll_fee", "roll fee", "coin"),
    ]
    rows = (
        {
            "expiry": f"{s.expiry:%y%m%d}",
            "start": _when(s.start),
            "end": _when(s.end),
            "basis": s.basis,
            "entry": s.entry,
            "exit": s.exit,
            "carry": s.carry,
            "roll_fee": s.roll_fee,
        }
        for s in result.segments
    )
    title = (
        f"{asset} on dated futures, {result.rolls} roll(s); dates YYMMDD UTC, "
        f"prices fair, carry and fee in {coin}"
    )
    return table(title, columns, rows)


def _totals_table(legs: dict[str, tuple[str, h.DatedCarry]], net_usd: Decimal) -> Any:
    columns = [
        Column("asset", "asset", "text"),
        Column("coin", "coin", "text"),
        Column("carry", "carry", "coin"),
        Column("roll_fees", "roll fees", "coin"),
        Column("carry_usd", "carry", "usd"),
        Column("roll_fees_usd", "roll fees", "usd"),
        Column("net_usd", "net", "usd"),
    ]
    rows = (
        {
            "asset": a,
            "coin": coin,
            "carry": r.carry,
            "roll_fees": r.roll_fees,
            "carry_usd": r.carry_usd,
            "roll_fees_usd": r.roll_fees_usd,
            "net_usd": r.net_usd,
        }
        for a, (coin, r) in legs.items()
    )
    title = f"Dated carry (earned; negative: paid): net {fmt(net_usd, 'usd')} USD"
    return table(title, columns, rows)


def carry_dated(
    portfolio: PortfolioOptions,
    basis: BasisRateOption = None,
    basis_csv: BasisCsv = None,
    days: HorizonDays = Decimal(90),
    roll_days: RollDays = Decimal(1),
    as_of: AsOf = None,
    json: Json = False,
) -> None:
    """Each leg on the venue's quarterly futures: roll schedule, basis carried, roll fees."""
    start = as_of if as_of is not None else portfolio.date
    if start is None:
        raise InputError("as_of", None, "give --as-of (or --date) to date the entry")
    model = _basis(basis, basis_csv, start)
    plan = plan_of(portfolio)
    risk = risk_of(plan, portfolio)  # checks --margin-mode; its warnings join the notes
    count = int(days / 91) + 3
    legs: dict[str, tuple[str, h.DatedCarry]] = {}
    notes = [*plan.notes, *risk.warnings]
    hours: dict[str, str] = {}
    for asset, leg in plan.legs.items():
        venue = h.venue_of(leg.instrument)
        hour, source = _expiry_hour(venue)
        hours.setdefault(venue or "", source)
        expiries = quarterly_expiries(start, count, hour)
        legs[asset] = (
            leg.settle,
            h.dated_carry(leg, start, days, expiries, model, roll_days=roll_days),
        )
    notes += list(hours.values())
    notes.append("contract value and taker fee: the leg's instrument; spot held at the plan price")
    net = sum((r.net_usd for _, r in legs.values()), Decimal(0))
    if json:
        print_json(
            {
                "as_of": start.isoformat(),
                "horizon_days": days,
                "roll_days": roll_days,
                "basis": str(basis_csv) if basis_csv is not None else basis,
                "legs": {a: {"coin": c, **r.to_dict()} for a, (c, r) in legs.items()},
                "carry_usd": sum((r.carry_usd for _, r in legs.values()), Decimal(0)),
                "roll_fees_usd": sum((r.roll_fees_usd for _, r in legs.values()), Decimal(0)),
                "net_usd": net,
                "notes": notes,
            }
        )
        return
    if not legs:
        notes.append("every asset is at its target weight: no legs")
    tables = [_segments_table(a, c, r) for a, (c, r) in legs.items()]
    print_tables([*tables, _totals_table(legs, net)], notes)


def register(app: typer.Typer) -> None:
    """Mount ``carry-dated`` on the ``hedge`` app, with the portfolio options of ``plan``."""
    app.command("carry-dated")(portfolio_options(carry_dated))
