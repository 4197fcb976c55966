"""`inversa calc greeks` and `inversa calc curve`: risk and term-structure calculators.

These commands are attached to the ``calc`` Typer app by :func:`register`, so that they
live apart from the contract calculator in :mod:`inversa.cli.calc`.  Numbers are parsed
as exact Decimals; ``--json`` prints one JSON object, otherwise Rich tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

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
from inversa.report import print_json

__all__ = ["register"]

HOUR = d.Domain("count", "hour of the day, UTC", Decimal(0), Decimal(23), integer=True)

_GREEK_FIELDS = (
    ("equity_coin", "coin"),
    ("equity_usd", "USD"),
    ("delta_coin", "coin per USD/coin"),
    ("gamma_coin", "coin per (USD/coin)^2"),
    ("delta_usd", "coin"),
    ("gamma_usd", "coin per USD/coin"),
    ("effective_leverage", "x (signed)"),
)


def _required(field: str, value: Decimal | None) -> Decimal:
    if value is None:
        raise InputError(field, None, "is required")
    return value


def _greeks_dict(g: Greeks[Decimal]) -> dict[str, Decimal]:
    return {name: getattr(g, name) for name, _ in _GREEK_FIELDS}


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


def _fmt(value: Decimal) -> str:
    if value.is_nan():
        return "undefined"
    if value.is_infinite():
        return "none" if value > 0 else "-inf"
    if value == 0:
        return "0"
    if abs(value) < Decimal("0.001"):
        return f"{value:.6e}"
    return f"{value:,.8f}".rstrip("0").rstrip(".")


def _print_risk(risk: AccountRisk) -> None:
    console = Console()
    table = Table(title="Greeks (derivatives in the price S, USD per coin)", title_justify="left")
    table.add_column("quantity")
    for head in ("inverse + wallet", "inverse alone", "linear + wallet", "linear alone"):
        table.add_column(head, justify="right")
    table.add_column("unit")
    views = (
        risk.with_wallet,
        risk.without_wallet,
        risk.linear_with_wallet,
        risk.linear_without_wallet,
    )
    for name, unit in _GREEK_FIELDS:
        table.add_row(name, *(_fmt(getattr(g, name)) for g in views), unit)
    console.print(table)
    summary = Table(title="Variable leverage", title_justify="left")
    summary.add_column("quantity")
    summary.add_column("value", justify="right")
    summary.add_column("unit")
    summary.add_row("leverage_doubles_at", _fmt(risk.leverage_doubles_at), "USD/coin")
    summary.add_row("liquidation_price", _fmt(risk.liquidation_price), "USD/coin")
    summary.add_row("bankruptcy_price", _fmt(risk.bankruptcy_price), "USD/coin")
    summary.add_row("neutral_short_coin", _fmt(risk.neutral_short_coin), "coin (sell +)")
    console.print(summary)
    if risk.grid:
        grid = Table(title="Effective leverage on a price grid", title_justify="left")
        grid.add_column("price (USD/coin)", justify="right")
        grid.add_column("leverage", justify="right")
        grid.add_column("equity (USD)", justify="right")
        for p, lev, eq in risk.grid:
            grid.add_row(_fmt(p), _fmt(lev), _fmt(eq))
        console.print(grid)


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
            _print_risk(risk)


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
        table = Table(
            title=f"Futures curve at {result.as_of:%Y-%m-%d %H:%M} UTC", title_justify="left"
        )
        for head in ("expiry (UTC)", "days", "future", "basis USD", "ann. basis", "implied rate"):
            table.add_column(head, justify="right")
        for p in result.points:
            table.add_row(
                f"{p.expiry:%Y-%m-%d %H:%M}",
                f"{p.days:.4f}",
                _fmt(p.future),
                _fmt(p.basis),
                f"{p.annualised_basis:.4%}",
                f"{p.implied_rate:.4%}",
            )
        console = Console()
        console.print(table)
        if result.perpetual_rate is not None:
            console.print(f"perpetual funding, annualised: {result.perpetual_rate:.4%}")
        if report is not None:
            console.print(f"report: {report}")


def register(calc: typer.Typer) -> None:
    """Attach ``greeks`` and ``curve`` to the ``calc`` app."""
    calc.command("greeks")(greeks)
    calc.command("curve")(curve)
