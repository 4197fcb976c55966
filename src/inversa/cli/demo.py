"""`inversa demo`: a short tour on the venues' real parameters and bundled real data.

Everything printed is computed: the venue rule sets (with their as-of dates), the last
bundled BTC close, and the last bundled funding rate of each venue.
"""

from __future__ import annotations

from decimal import Decimal

import typer
from rich.console import Console
from rich.table import Table

from inversa import contracts as c
from inversa.cli._output import user_errors
from inversa.errors import InversaError

__all__ = ["demo"]

NOTIONAL_USD = Decimal(1_000_000)
LEVERAGE = Decimal(10)
MOVES = (Decimal("-0.2"), Decimal("-0.1"), Decimal("0.1"), Decimal("0.2"))
FUNDING_VENUES = ("bitmex", "bybit", "binance-coinm", "deribit")


def _fmt(x: Decimal, places: int = 6) -> str:
    if not x.is_finite():
        return "none"
    return f"{x:,.{places}f}"


def _liquidation(venue: object, inst: object, side: int, entry: Decimal) -> c.LiquidationResult:  # type: ignore[type-arg]
    """The venue's own model for an isolated position margined at 1/LEVERAGE."""
    cv: Decimal = inst.contract_value  # type: ignore[attr-defined]
    n = NOTIONAL_USD / cv
    pv = c.position_value(n, entry, cv)
    mmr, cum = inst.maintenance_rate_and_cum(pv)  # type: ignore[attr-defined]
    model: str = venue.liquidation_model  # type: ignore[attr-defined]
    if model.startswith("bybit"):
        return c.bybit_isolated_prices(side, entry, LEVERAGE, mmr, n, cv, deduction=cum)
    collateral = c.initial_margin(pv, leverage=LEVERAGE)
    table = getattr(inst.margin, "table", None)  # type: ignore[attr-defined]
    if model == "binance-coinm":
        return c.binance_coinm_prices([c.Leg(side, n, entry)], collateral, cv, tiers=table)
    if isinstance(table, c.TierTable):
        return c.generic_prices(side, entry, n, cv, collateral, tiers=table)
    return c.generic_prices(side, entry, n, cv, collateral, mmr=mmr)


def demo() -> None:
    """A tour: venues, inverse PnL convexity, liquidation prices and funding, on real data."""
    from inversa.data import funding_history, funding_series, spot_daily
    from inversa.venues import load_venue, venue_table

    console = Console()
    with user_errors():
        console.rule("[bold]inversa demo: coin-margined maths on real venue parameters")
        venues = Table(title="Venue rule sets (every number has a source; see `venues/rules`)")
        for col in (
            "venue",
            "BTC perpetual",
            "contract value",
            "liquidation model",
            "funding",
            "as of",
        ):
            venues.add_column(col)
        perps = {}
        for row in venue_table():
            venue = load_venue(row["venue"])
            inst = venue.instrument("BTC/USD:BTC")
            perps[row["venue"]] = (venue, inst)
            venues.add_row(
                row["venue"],
                f"{inst.symbol} ({', '.join(inst.aliases)})",
                f"{inst.contract_value} USD",
                row["liquidation_model"],
                row["funding_model"],
                row["as_of"],
            )
        console.print(venues)

        btc = spot_daily("BTC")
        day = btc.index[-1]
        price = Decimal(repr(float(btc["close"].iloc[-1])))
        console.print(
            f"\nLast bundled BTC close: [bold]{price:,} USD[/] on {day:%Y-%m-%d} "
            "(Coinbase daily, see data/bundled/PROVENANCE.md)"
        )

        pnl = Table(
            title=f"PnL in BTC of {NOTIONAL_USD:,} USD of inverse perpetual entered "
            f"at {price:,}: the long's coin payoff is concave, the short's convex"
        )
        pnl.add_column("move")
        pnl.add_column("long", justify="right")
        pnl.add_column("short", justify="right")
        for move in MOVES:
            exit_price = price * (1 + move)
            long_ = c.inverse_pnl(1, NOTIONAL_USD, price, exit_price, Decimal(1))
            short = c.inverse_pnl(-1, NOTIONAL_USD, price, exit_price, Decimal(1))
            pnl.add_row(f"{move:+.0%}", _fmt(long_), _fmt(short))
        console.print(pnl)

        liq = Table(
            title=f"Isolated {LEVERAGE}x, {NOTIONAL_USD:,} USD at {price:,}: "
            "each venue's own model, tiers and contract value"
        )
        for col in (
            "venue",
            "model",
            "long liquidation",
            "long bankruptcy",
            "short liquidation",
            "short bankruptcy",
        ):
            liq.add_column(
                col, justify="right" if "liquidation " in col or "bankr" in col else "left"
            )
        for name, (venue, inst) in perps.items():
            try:
                lg = _liquidation(venue, inst, 1, price)
                sh = _liquidation(venue, inst, -1, price)
            except InversaError as exc:
                liq.add_row(
                    name,
                    venue.liquidation_model,
                    "n/a: no sourced margin model" if "margin" in str(exc) else f"n/a: {exc}",
                    "",
                    "",
                    "",
                )
                continue
            liq.add_row(
                name,
                venue.liquidation_model,
                _fmt(lg.liquidation_price, 1),
                _fmt(lg.bankruptcy_price, 1),
                _fmt(sh.liquidation_price, 1),
                _fmt(sh.bankruptcy_price, 1),
            )
        console.print(liq)

        fund = Table(
            title=f"Last bundled funding rate, and what a {NOTIONAL_USD:,} USD long "
            "receives (< 0: pays) at the BTC price of that time"
        )
        for col in (
            "venue",
            "time (UTC)",
            "rate per interval",
            "interval",
            "price",
            "long receives BTC",
        ):
            fund.add_column(col, justify="right" if col != "venue" else "left")
        for name in FUNDING_VENUES:
            hist = funding_history(name)
            series = funding_series(name)  # the rate with the hours it covers
            last = hist.iloc[-1]
            rate = Decimal(repr(float(series.rates.iloc[-1])))
            hours = int(series.interval_hours.iloc[-1])
            if "perp_close" in hist.columns:
                mark = float(last["perp_close"])
            elif "index_price" in hist.columns:
                mark = float(last["index_price"])
            else:  # BitMEX's file has no price: the day's spot close
                mark = float(btc["close"].loc[: hist.index[-1]].iloc[-1])
            at = Decimal(repr(mark))
            paid = c.funding_payment(1, NOTIONAL_USD, Decimal(1), at, rate)
            fund.add_row(
                name,
                f"{hist.index[-1]:%Y-%m-%d %H:%M}",
                f"{rate:.8f}",
                f"{hours} h",
                f"{at:,.2f}",
                _fmt(paid, 8),
            )
        console.print(fund)
        _replay_section(console)
        console.print(
            "\nNext: `inversa calc --help`, `inversa stress --help`, `inversa hedge --help`."
        )


def _replay_section(console: Console) -> None:
    """March 2020 on the simulated Binance COIN-M venue: who was liquidated, and when, and
    the insurance fund and ADL under both liquidation fill bounds."""
    from inversa.sim.replay import ReplayConfig, crash_replay

    replay = crash_replay(ReplayConfig.of("2020-03"))
    result = replay.runs[0]
    totals = result.totals
    table = Table(
        title=f"Crash replay 2020-03 on the simulated binance-coinm venue (hourly mark low "
        f"{totals['min_low_usdt']:,.1f} USDT/BTC): a long and a short account per leverage"
    )
    for col in ("account", "liquidated in bar opening (UTC)", "coin lost", "PnL (coin)"):
        table.add_column(col, justify="left" if col == "account" else "right")
    for row in result.accounts.itertuples():
        when = f"{row.liquidated_bar_open_utc:%Y-%m-%d %H:%M}" if row.liquidated else "survived"
        table.add_row(str(row.account), when, f"{row.lost_coin:.6f}", f"{row.pnl_coin:+.6f}")
    console.print(table)
    console.print(f"Funding: {result.funding}.")
    for bound in replay.runs:
        t = bound.totals
        console.print(
            f"fills={bound.fills}: {t['liquidated']} of {t['accounts']} accounts liquidated; "
            f"insurance fund +{t['insurance_paid_in_coin']:.6f} BTC, drawn "
            f"{t['insurance_drawn_coin']:.6f} BTC; ADL events {t['adl_events']}."
        )
    console.print("More: `inversa stress replay --window 2022-11`.")


def register(app: typer.Typer) -> None:
    """Mount ``inversa demo`` on the root app."""
    app.command("demo")(demo)
