"""`inversa calc greeks` and `inversa calc curve`: risk and term-structure calculators.

These commands are attached to the ``calc`` Typer app by :func:`register`, so that they
live apart from the contract calculator in :mod:`inversa.cli.calc`.  Numbers are parsed
as exact Decimals; ``--json`` prints one JSON object, otherwise Rich tables.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

from inversa import domain as d
from inversa.cli._options import (
    CONTRACT_VALUE,
    CONTRACTS,
    Json,
    Pairs,
    Report,
    Venue,
    date_option,
    mapping,
    number,
    pairs,
    text,
)
from inversa.cli._output import user_errors
from inversa.contracts import parse_side
from inversa.contracts.basis import EXPIRY_HOUR_UTC, Curve, futures_curve, parse_expiry
from inversa.contracts.greeks import AccountRisk, Greeks, account_risk
from inversa.errors import InputError
from inversa.report import Column, fmt, print_json, print_tables, table, transposed
from inversa.report import console as report_console

__all__ = ["register"]

HOUR = d.Domain("count", "hour of the day, UTC", Decimal(0), Decimal(23), integer=True)


def _required(field: str, value: Decimal | None) -> Decimal:
    if value is None:
        raise InputError(field, None, "is required")
    return value


def _greeks_dict(g: Greeks[Decimal]) -> dict[str, Decimal]:
    return {col.key: col.value(g) for col in GREEK_COLUMNS}


def risk_to_dict(risk: AccountRisk) -> dict[str, Any]:
    """The JSON shape of ``calc greeks`` (infinite prices are ``null``)."""
    return {
        "with_collateral": _greeks_dict(risk.with_wallet),
        "without_collateral": _greeks_dict(risk.without_wallet),
        "linear_with_collateral": _greeks_dict(risk.linear_with_wallet),
        "linear_without_collateral": _greeks_dict(risk.linear_without_wallet),
        "effective_leverage": risk.with_wallet.effective_leverage,
        "leverage_doubles_at": risk.leverage_doubles_at,
        "liquidation_price": risk.liquidation_price,
        "bankruptcy_price": risk.bankruptcy_price,
        "neutral_short_coin": risk.neutral_short_coin,
        "grid": [
            {"price": p, "effective_leverage": lev, "equity_usd": eq} for p, lev, eq in risk.grid
        ],
    }


def _undefined_as_null(value: Any) -> Any:
    """NaN (an undefined leverage, no liquidation price without margin) as JSON null."""
    if isinstance(value, dict):
        return {k: _undefined_as_null(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_undefined_as_null(v) for v in value]
    if isinstance(value, Decimal) and value.is_nan():
        return None
    return value


#: The Greeks table: one row per quantity, one column per view (:class:`Greeks`).
#: Derivatives in the price carry their unit in the header and print at 6 significant
#: digits (``number``): 8 decimal places would round a gamma of 1e-9 coin to zero.
GREEK_COLUMNS = (
    Column("equity_coin", "equity", "coin"),
    Column("equity_usd", "equity", "usd"),
    Column("delta_coin", "delta, coin per USD/coin", "number"),
    Column("gamma_coin", "gamma, coin per (USD/coin)^2", "number"),
    Column("delta_usd", "USD delta", "coin"),
    Column("gamma_usd", "USD gamma, coin per USD/coin", "number"),
    Column("effective_leverage", "effective leverage (signed)", "x"),
)

#: The Greeks tables: (title, the :class:`AccountRisk` views, one column each).  Two
#: tables of two views, not one of four: at 80 columns four views leave each number too
#: narrow a column and a gamma such as -0.00000000125 would fold over two lines.
_VIEW_TABLES = (
    ("Greeks with the coin wallet", ("with_wallet", "linear_with_wallet")),
    ("Greeks of the position alone", ("without_wallet", "linear_without_wallet")),
)

#: The variable-leverage summary (one :class:`AccountRisk`).
LEVERAGE_COLUMNS = (
    Column("leverage_doubles_at", "leverage doubles at", "price"),
    Column("liquidation_price", "liquidation price", "price"),
    Column("bankruptcy_price", "bankruptcy price", "price"),
    Column("neutral_short_coin", "USD-neutral short (sell +)", "coin"),
)

#: The effective leverage on a price grid: rows of (price, leverage, USD equity).
GRID_COLUMNS = (
    Column("price", "price", "price", get=lambda row: row[0], align="right"),
    Column("effective_leverage", "effective leverage", "x", get=lambda row: row[1]),
    Column("equity_usd", "equity", "usd", get=lambda row: row[2]),
)


def _at_tick(columns: tuple[Column, ...], tick: Decimal | None) -> list[Column]:
    """``columns`` with prices at the instrument's ``tick`` (when there is one)."""
    return [replace(c, tick=tick) if c.unit == "price" else c for c in columns]


def _print_risk(risk: AccountRisk, tick: Decimal | None = None) -> None:
    """The Greeks, the variable leverage and the grid; prices at ``tick`` when known."""
    tables = [
        transposed(
            f"{title} (derivatives in the price S, USD per coin)",
            GREEK_COLUMNS,
            [getattr(risk, name) for name in views],
            labels=["inverse", "linear"],
        )
        for title, views in _VIEW_TABLES
    ]
    tables.append(
        transposed("Variable leverage", _at_tick(LEVERAGE_COLUMNS, tick), [risk], labels=["value"])
    )
    if risk.grid:
        tables.append(
            table("Effective leverage on a price grid", _at_tick(GRID_COLUMNS, tick), risk.grid)
        )
    print_tables(tables)


def greeks(
    side: Annotated[str | None, text("long or short", "--side")] = None,
    contracts: Annotated[Decimal | None, number(CONTRACTS, "Contracts.")] = None,
    entry: Annotated[Decimal | None, number(d.PRICE, "Entry, USD per coin.")] = None,
    price: Annotated[Decimal | None, number(d.PRICE, "Mark, USD per coin.")] = None,
    contract_value: Annotated[
        Decimal | None, number(CONTRACT_VALUE, "USD per inverse contract.")
    ] = None,
    wallet: Annotated[
        Decimal, number(d.AMOUNT, "Coin collateral in the wallet.", show_default=True)
    ] = Decimal(0),
    mmr: Annotated[
        Decimal | None,
        number(
            d.FRACTION,
            "Maintenance rate for the liquidation price (default: the --symbol's tier at "
            "the position value, else 0.005).",
        ),
    ] = None,
    venue: Venue = None,
    symbol: Annotated[
        str | None, text("Inverse contract whose value and tiers apply.", "--symbol")
    ] = None,
    grid: Annotated[
        Any,
        typer.Option(
            parser=d.ListParser(d.PRICE),
            help="Prices (USD per coin, comma-joined) for the leverage table; default 0.3x..1.5x "
            f"the price in 0.1 steps [{d.PRICE.describe()}].",
            show_default=False,
        ),
    ] = None,
    json: Json = False,
) -> None:
    """Delta and gamma in coin and USD, collateral included, and the variable leverage.

    An inverse position on a coin wallet: its Greeks with the wallet and without it, a
    linear position of the same coin size for comparison, the effective leverage on a
    price grid, the price where it doubles, the liquidation price (cross on the whole
    wallet, generic model at --mmr) and the spot or linear short that makes it USD-neutral.
    """
    with user_errors():
        sd = parse_side(side) if side is not None else None
        if sd is None:
            raise InputError("side", None, "is required: long or short")
        n = _required("contracts", contracts)
        e = _required("entry", entry)
        s = _required("price", price)
        if wallet < 0:
            raise InputError("wallet", wallet, "must be >= 0")
        inst = None
        if symbol is not None:
            from inversa.venues import resolve

            inst = resolve(symbol, venue)[1]
        elif venue is not None:
            raise InputError("symbol", None, "--venue needs --symbol (the inverse contract)")
        if contract_value is not None:
            cv = contract_value
        elif inst is not None:
            cv = inst.contract_value
        else:
            raise InputError("contract_value", None, "is required (or give --symbol)")
        w = wallet
        if mmr is not None:
            rate = mmr
        elif inst is not None and inst.margin is not None:
            rate = inst.margin.maintenance_rate_and_cum(n * cv / e)[0]
        else:
            rate = Decimal("0.005")
        if not Decimal(0) <= rate < 1:
            raise InputError("mmr", rate, "must lie in [0, 1)")
        points = tuple(grid) if grid else tuple(s * Decimal(k) / 10 for k in range(3, 16))
        risk = account_risk(sd, n, e, s, cv, w, rate, points)
        if json:
            print_json(_undefined_as_null(risk_to_dict(risk)))
        else:
            _print_risk(risk, None if inst is None else inst.tick)


def _futures(items: list[Pairs] | None, hour_utc: int) -> dict[datetime, Decimal]:
    quotes = pairs(items, "futures")
    if not quotes:
        raise InputError("futures", None, "give EXPIRY=PRICE pairs, e.g. 250328=98000")
    out: dict[datetime, Decimal] = {}
    for code, value in quotes.items():
        expiry = parse_expiry(code, "futures", hour_utc)
        if expiry in out:
            raise InputError("futures", code, "expiry given twice")
        out[expiry] = value
    return out


def _expiry_hour(venue: str | None, hour_utc: int | None) -> int:
    if hour_utc is not None:
        return hour_utc
    if venue is None:
        return EXPIRY_HOUR_UTC
    from inversa.venues import load_venue

    templates = load_venue(venue).templates
    if not templates:
        raise InputError("venue", venue, "lists no dated futures; give --hour-utc")
    return templates[0].rule.hour_utc


def curve_to_dict(curve: Curve) -> dict[str, Any]:
    """The JSON shape of ``calc curve``."""
    return {
        "as_of": curve.as_of.isoformat(),
        "spot": curve.spot,
        "perpetual_annualised_funding": curve.perpetual_rate,
        "points": [
            {
                "expiry": p.expiry.isoformat(),
                "days": p.days,
                "future": p.future,
                "basis": p.basis,
                "annualised_basis": p.annualised_basis,
                "implied_rate": p.implied_rate,
            }
            for p in curve.points
        ],
    }


def curve(
    as_of: Annotated[datetime | None, date_option("Curve date (00:00 UTC).", "--as-of")] = None,
    spot: Annotated[Decimal | None, number(d.PRICE, "Spot, USD per coin.")] = None,
    futures: Annotated[
        list[Pairs] | None, mapping(d.PRICE, "Quoted dated futures:", "YYMMDD=PRICE")
    ] = None,
    funding_rate: Annotated[
        Decimal | None, number(d.SIGNED_RATE, "A perpetual's funding rate per interval.")
    ] = None,
    interval_hours: Annotated[
        Decimal, number(d.HOURS, "Funding interval, hours.", show_default=True)
    ] = Decimal(8),
    hour_utc: Annotated[
        int | None, number(HOUR, "Expiry hour UTC (default 8, or the --venue's).")
    ] = None,
    venue: Annotated[str | None, text("Venue whose expiry hour applies.", "--venue")] = None,
    report: Report = None,
    json: Json = False,
) -> None:
    """Annualised basis (F/S - 1)*365/days and implied rate ln(F/S)*365/days per expiry.

    Expiries settle at 08:00 UTC on the expiry date unless --hour-utc or the --venue's
    rule says otherwise; an expiry at or before --as-of is refused.
    """
    with user_errors():
        if as_of is None:
            raise InputError("as-of", None, "is required: YYYY-MM-DD")
        when = as_of if as_of.tzinfo is not None else as_of.replace(tzinfo=UTC)
        s = _required("spot", spot)
        hour = _expiry_hour(venue, hour_utc)
        quotes = _futures(futures, hour)
        result = futures_curve(
            when, s, quotes, funding_rate=funding_rate, interval_hours=interval_hours
        )
        if report is not None:
            from inversa.report.analytics import curve_report

            curve_report(result, report)
        if json:
            print_json(curve_to_dict(result))
            return
        from inversa.report.analytics import CURVE_COLUMNS

        title = f"Futures curve at {fmt(result.as_of, 'time')} UTC"
        console = report_console()
        console.print(table(title, CURVE_COLUMNS, result.points))
        if result.perpetual_rate is not None:
            rate = fmt(result.perpetual_rate, "rate")
            console.print(f"perpetual funding, annualised: {rate}", markup=False)
        if report is not None:
            console.print(f"report: {report}")


def register(calc: typer.Typer) -> None:
    """Attach ``greeks`` and ``curve`` to the ``calc`` app."""
    calc.command("greeks")(greeks)
    calc.command("curve")(curve)
