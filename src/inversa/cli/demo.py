"""`inversa demo`: a short tour on the venues' real parameters and bundled real data.

Everything printed is computed: the venue rule sets (with their as-of dates), the last
bundled BTC close, and the last bundled funding rate of each venue.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import typer

from inversa import contracts as c
from inversa.errors import InversaError
from inversa.report import Column, console, fmt, table
from inversa.venues import Instrument, Venue

__all__ = ["demo"]

NOTIONAL_USD = Decimal(1_000_000)
LEVERAGE = Decimal(10)
MOVES = (Decimal("-0.2"), Decimal("-0.1"), Decimal("0.1"), Decimal("0.2"))
FUNDING_VENUES = ("bitmex", "bybit", "binance-coinm", "deribit")


def _liquidation(
    venue: Venue, inst: Instrument, side: int, entry: Decimal
) -> c.LiquidationResult[Decimal]:
    """The venue's own model for an isolated position margined at 1/LEVERAGE."""
    cv = inst.contract_value
    n = NOTIONAL_USD / cv
    table = getattr(inst.margin, "table", None)
    tiers = table if isinstance(table, c.TierTable) else None
    mmr, cum = inst.maintenance_rate_and_cum(c.position_value(n, entry, cv))
    inputs = c.PositionInputs(
        side=side,
        contracts=n,
        entry=entry,
        contract_value=cv,
        leverage=LEVERAGE,
        mmr=None if tiers is not None else mmr,
        maintenance_amount=None if tiers is not None or not cum else cum,
        tiers=tiers,
        taker=inst.taker,
    )
    return c.liquidation_prices(venue.liquidation_model, "isolated", inputs)


def demo() -> None:
    """A tour: venues, inverse PnL convexity, liquidation prices and funding, on real data."""
    from inversa.data import spot_daily
    from inversa.venues import load_venue, venue_table

    out = console()
    out.rule("[bold]inversa demo: coin-margined maths on real venue parameters")
    perps: dict[str, tuple[Venue, Instrument]] = {}
    venue_rows = []
    for row in venue_table():
        venue = load_venue(row["venue"])
        inst = venue.instrument("BTC/USD:BTC")
        perps[row["venue"]] = (venue, inst)
        venue_rows.append({**row, "perp": ", ".join(inst.aliases), "cv": inst.contract_value})
    venue_cols = [
        Column("venue", "venue", "text"),
        Column("perp", "venue's symbol", "text"),
        Column("cv", "contract value", "usd"),
        Column("liquidation_model", "liquidation model", "text"),
        Column("funding_model", "funding", "text"),
    ]
    dates = sorted({str(row["as_of"]) for row in venue_rows})
    if len(dates) == 1:
        when = f", as of {dates[0]}"
    else:
        when = ""
        venue_cols.append(Column("as_of", "as of", "text"))
    title = (
        f"Venue rule sets, BTC/USD:BTC perpetual{when} (every number has a source; see "
        "`inversa venues show <venue>`)"
    )
    out.print(table(title, venue_cols, venue_rows))

    btc = spot_daily("BTC")
    day = btc.index[-1]
    price = Decimal(repr(float(btc["close"].iloc[-1])))
    out.print(
        f"\nLast bundled BTC close: [bold]{fmt(price, 'usd')} USD[/] on {day:%Y-%m-%d} "
        "(Coinbase daily, see data/bundled/PROVENANCE.md)"
    )
    pnl_rows = []
    for move in MOVES:
        exit_price = price * (1 + move)
        pnl_rows.append(
            {
                "move": move,
                "long": c.inverse_pnl(1, NOTIONAL_USD, price, exit_price, Decimal(1)),
                "short": c.inverse_pnl(-1, NOTIONAL_USD, price, exit_price, Decimal(1)),
            }
        )
    cols = [Column("move", "move", "rate"), Column("long", "long", "coin")]
    title = (
        f"PnL in BTC of {fmt(NOTIONAL_USD, 'usd')} USD of inverse perpetual entered at "
        f"{fmt(price, 'price')}: the long's coin payoff is concave, the short's convex"
    )
    out.print(table(title, [*cols, Column("short", "short", "coin")], pnl_rows))
    out.print(table(*_liquidation_table(perps, price)))
    out.print(table(*_funding_table(btc)))
    _replay_section()
    out.print("\nNext: `inversa calc --help`, `inversa stress --help`, `inversa hedge --help`.")


def _liquidation_table(
    perps: dict[str, tuple[Venue, Instrument]], price: Decimal
) -> tuple[str, list[Column], list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    for name, (venue, inst) in perps.items():
        row: dict[str, Any] = {"venue": name}
        try:
            lg = _liquidation(venue, inst, 1, price)
            sh = _liquidation(venue, inst, -1, price)
        except InversaError as exc:
            why = "no sourced margin model" if "margin" in str(exc) else "no price"
            row["venue"] = f"{name} (n/a: {why})"
            rows.append(row)
            continue
        prices = {
            "long_liq": lg.liquidation_price,
            "long_bk": lg.bankruptcy_price,
            "short_liq": sh.liquidation_price,
            "short_bk": sh.bankruptcy_price,
        }
        row.update({k: fmt(v, "price", tick=inst.tick) for k, v in prices.items()})
        rows.append(row)
    cols = [
        Column("venue", "venue", "text"),
        Column("long_liq", "long liquidation", "price"),
        Column("long_bk", "long bankruptcy", "price"),
        Column("short_liq", "short liquidation", "price"),
        Column("short_bk", "short bankruptcy", "price"),
    ]
    title = (
        f"Isolated {LEVERAGE}x, {fmt(NOTIONAL_USD, 'usd')} USD at {fmt(price, 'price')}: "
        "each venue's own liquidation model (above), tiers and contract value (-: no such price)"
    )
    return title, cols, rows


def _funding_table(btc: Any) -> tuple[str, list[Column], list[dict[str, Any]]]:
    from inversa.data import funding_history, funding_series

    rows = []
    for name in FUNDING_VENUES:
        hist = funding_history(name)
        series = funding_series(name)  # the rate with the hours it covers
        last = hist.iloc[-1]
        rate = Decimal(repr(float(series.rates.iloc[-1])))
        if "perp_close" in hist.columns:
            mark = float(last["perp_close"])
        elif "index_price" in hist.columns:
            mark = float(last["index_price"])
        else:  # BitMEX's file has no price: the day's spot close
            mark = float(btc["close"].loc[: hist.index[-1]].iloc[-1])
        at = Decimal(repr(mark))
        rows.append(
            {
                "venue": f"{name} (every {int(series.interval_hours.iloc[-1])} h)",
                "time": hist.index[-1].to_pydatetime(),
                "rate": rate,
                "price": at,
                "paid": c.funding_payment(1, NOTIONAL_USD, Decimal(1), at, rate),
            }
        )
    cols = [
        Column("venue", "venue", "text"),
        Column("time", "time", "time"),
        Column("rate", "rate per interval", "rate"),
        Column("price", "price", "price"),
        Column("paid", "long receives", "coin"),
    ]
    title = (
        f"Last bundled funding rate, and what a {fmt(NOTIONAL_USD, 'usd')} USD long "
        "receives (< 0: pays) at the BTC price of that time"
    )
    return title, cols, rows


def _replay_section() -> None:
    """March 2020 on the simulated Binance COIN-M venue: who was liquidated, and when, and
    the insurance fund and ADL under both liquidation fill bounds."""
    from inversa.sim.replay import ReplayConfig, crash_replay

    replay = crash_replay(ReplayConfig.of("2020-03"))
    result = replay.runs[0]
    totals = result.totals
    rows = [
        {
            "account": row["account"],
            "when": row["liquidated_bar_open_utc"] if row["liquidated"] else "survived",
            "lost": row["lost_coin"],
            "pnl": row["pnl_coin"],
        }
        for row in result.accounts.to_dict("records")
    ]
    cols = [
        Column("account", "account", "text"),
        Column("when", "liquidated in bar opening (UTC)", "text"),
        Column("lost", "coin lost", "coin"),
        Column("pnl", "PnL", "coin"),
    ]
    title = (
        f"Crash replay 2020-03 on the simulated binance-coinm venue (hourly mark low "
        f"{fmt(totals['min_low_usdt'], 'price')} USDT/BTC): a long and a short account per "
        "leverage"
    )
    out = console()
    out.print(table(title, cols, rows))
    out.print(f"Funding: {result.funding}.", markup=False)
    for bound in replay.runs:
        t = bound.totals
        out.print(
            f"fills={bound.fills}: {t['liquidated']} of {t['accounts']} accounts liquidated; "
            f"insurance fund +{fmt(t['insurance_paid_in_coin'], 'coin')} BTC, drawn "
            f"{fmt(t['insurance_drawn_coin'], 'coin')} BTC; ADL events {t['adl_events']}.",
            markup=False,
        )
    out.print("More: `inversa stress replay --window 2022-11`.")


def register(app: typer.Typer) -> None:
    """Mount ``inversa demo`` on the root app."""
    app.command("demo")(demo)
