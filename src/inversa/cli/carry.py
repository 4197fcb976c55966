"""`inversa carry backtest`: the cash-and-carry trade on the bundled funding histories.

Hold coin, short the perpetual, collect the funding: one run per venue (BitMEX since 2016
on Coinbase daily prices, Bybit, Binance COIN-M, Deribit hourly, and the Binance/Bybit
USDT linear perpetuals for comparison).  ``--json`` prints one JSON object; ``--report``
writes an HTML report.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import pandas as pd

from inversa import domain as d
from inversa.cli._options import Json, Report, Taker, date_option, number, text
from inversa.cli._output import new_app
from inversa.errors import InputError
from inversa.report import check_output_path, print_json, transposed_to_fit
from inversa.report import console as report_console

__all__ = ["app"]

app = new_app("Carry trade: hold coin, short the perpetual, earn funding.")

#: The short's notional over the USD value of the coin hedged (1 = fully hedged).
HEDGE_RATIO = d.Domain("leverage", "x", Decimal(0), Decimal(10), low_open=True)
BAND = d.Domain("fraction", "fraction of the hedge ratio", Decimal(0), Decimal(1), low_open=True)


def _time(when: datetime | None) -> pd.Timestamp | None:
    return None if when is None else pd.Timestamp(when).tz_convert("UTC")


def _stamp(ts: pd.Timestamp | None) -> str | None:
    return None if ts is None else ts.isoformat()


def result_to_dict(r: Any) -> dict[str, Any]:
    """The JSON shape of one venue's run (fractions, USD, timestamps as ISO text)."""
    f = r.funding
    return {
        "venue": r.venue,
        "kind": r.kind,
        "margin_mode": r.margin_mode,
        "start": _stamp(r.start),
        "end": _stamp(r.end),
        "years": r.years,
        "start_value_usd": r.start_value_usd,
        "end_value_usd": r.end_value_usd,
        "pnl_usd": r.pnl_usd,
        "yield_simple_rate": r.yield_simple_rate,
        "yield_compounded_rate": r.yield_compounded_rate,
        "funding_received_usd": r.funding_received_usd,
        "fees_usd": r.fees_usd,
        "rebalances": r.rebalances,
        "topups": r.topups,
        "liquidations": r.liquidations,
        "liquidation_loss_usd": r.liquidation_loss_usd,
        "max_drawdown": r.max_drawdown,
        "drawdown_peak": _stamp(r.drawdown_peak),
        "drawdown_trough": _stamp(r.drawdown_trough),
        "margin_used_mean": r.margin_used_mean,
        "margin_used_max": r.margin_used_max,
        "max_margin_ratio": r.max_margin_ratio,
        "max_margin_ratio_at": _stamp(r.max_margin_ratio_at),
        "funding": {
            "rows": f.rows,
            "mean_annualised_rate": f.mean_annualised_rate,
            "median_annualised_rate": f.median_annualised_rate,
            "std_annualised_rate": f.std_annualised_rate,
            "p05_annualised_rate": f.p05_annualised_rate,
            "p95_annualised_rate": f.p95_annualised_rate,
            "share_negative": f.share_negative,
            "longest_negative_hours": f.longest_negative_hours,
            "longest_negative_start": _stamp(f.longest_negative_start),
            "longest_negative_end": _stamp(f.longest_negative_end),
        },
        "price_note": r.price_note,
        "funding_note": r.funding_note,
        "assumptions": list(r.assumptions),
    }


@app.command()
def backtest(
    venue: Annotated[
        str,
        text(
            "bitmex, bybit, binance-coinm, deribit, binance-usdt, bybit-usdt, or all.",
            "--venue",
            show_default=True,
        ),
    ] = "all",
    coin: Annotated[
        Decimal, number(d.AMOUNT, "Coin held at the start (BTC).", show_default=True)
    ] = Decimal(1),
    hedge_ratio: Annotated[
        Decimal,
        number(HEDGE_RATIO, "Short notional / USD value of the coin hedged.", show_default=True),
    ] = Decimal(1),
    band: Annotated[
        Decimal, number(BAND, "Rebalance when the ratio leaves +-band.", show_default=True)
    ] = Decimal("0.05"),
    margin: Annotated[str, text("cross or isolated.", "--margin", show_default=True)] = "cross",
    leverage: Annotated[
        Decimal,
        number(d.LEVERAGE, "Isolated: margin = value / leverage.", show_default=True),
    ] = Decimal(1),
    topup_at: Annotated[
        Decimal,
        number(
            d.FRACTION,
            "Isolated: top up below this fraction of the target margin.",
            show_default=True,
        ),
    ] = Decimal("0.5"),
    spot_fee: Annotated[
        Decimal,
        number(d.FEE_RATE, "Fee rate of coin<->USDT conversions.", show_default=True),
    ] = Decimal("0.001"),
    taker: Taker = None,
    mmr: Annotated[
        Decimal | None, number(d.RATE, "Maintenance rate override (default: the venue's).")
    ] = None,
    start: Annotated[datetime | None, date_option("First day (UTC).", "--start")] = None,
    end: Annotated[datetime | None, date_option("Last day (UTC).", "--end")] = None,
    report: Report = None,
    json: Json = False,
) -> None:
    """Backtest the carry trade on each bundled funding history (or one --venue).

    With --start/--end and --venue all, venues whose history does not cover the dates
    are skipped (and named); a named venue that does not cover them is an error.
    """
    from inversa.sim.carry import (
        CARRY_VENUES,
        CarryConfig,
        carry_backtest,
        carry_inputs,
        covers,
    )

    if report is not None:
        check_output_path(report, "--report")
    if margin not in ("cross", "isolated"):
        raise InputError("margin", margin, "must be 'cross' or 'isolated'")
    config = CarryConfig(
        coin=float(coin),
        hedge_ratio=float(hedge_ratio),
        band=float(band),
        margin_mode=margin,  # type: ignore[arg-type]
        leverage=float(leverage),
        topup_at=float(topup_at),
        spot_fee_rate=float(spot_fee),
        start=_time(start),
        end=_time(end),
        taker_rate=None if taker is None else float(taker),
        mmr=None if mmr is None else float(mmr),
    )
    if config.start is not None and config.end is not None and config.end <= config.start:
        raise InputError("end", end, f"must be after --start {start}")
    names = CARRY_VENUES if venue.strip().lower() == "all" else (venue,)
    results, skipped = [], []
    for name in names:
        inputs = carry_inputs(name)
        if len(names) > 1 and not covers(inputs, config):
            skipped.append(
                f"{inputs.venue} ({inputs.times[0]:%Y-%m-%d} .. {inputs.times[-1]:%Y-%m-%d})"
            )
            continue
        results.append(carry_backtest(inputs, config))
    if not results:
        raise InputError(
            "start", start, f"no funding history covers the dates: {', '.join(skipped)}"
        )
    if report is not None:
        from inversa.report.analytics import carry_report

        carry_report(results, report, skipped=skipped)
    if json:
        payload = {
            "results": [result_to_dict(r) for r in results],
            "skipped": skipped,
        }
        print_json(payload)
        return
    _print(results, skipped, report)


def _print(results: list[Any], skipped: list[str], report: Path | None) -> None:
    """The report's four tables (same columns, headers and units), one column per venue."""
    from inversa.report.analytics import CARRY_TABLES

    console = report_console()
    for caption, columns in CARRY_TABLES:
        for item in transposed_to_fit(f"Carry trade: {caption}", columns, results, console.width):
            console.print(item)
    for r in results:
        console.print(f"{r.venue}: prices: {r.price_note}. Funding: {r.funding_note}.")
        for note in r.assumptions:
            console.print(f"{r.venue}: {note}")
    if skipped:
        console.print(f"skipped (history does not cover the dates): {', '.join(skipped)}")
    if report is not None:
        console.print(f"report: {report}")
