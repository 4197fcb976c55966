"""`inversa carry backtest`: the cash-and-carry trade on the bundled funding histories.

Hold coin, short the perpetual, collect the funding: one run per venue (BitMEX since 2016
on Coinbase daily prices, Bybit, Binance COIN-M, Deribit hourly, and the Binance/Bybit
USDT linear perpetuals for comparison).  ``--json`` prints one JSON object; ``--report``
writes an HTML report.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from inversa.cli._output import user_errors
from inversa.errors import InputError
from inversa.report import print_json

__all__ = ["app"]

app = typer.Typer(help="Carry trade: hold coin, short the perpetual, earn funding.",
                  no_args_is_help=True)  # fmt: skip


def _time(field: str, text: str | None) -> pd.Timestamp | None:
    if text is None:
        return None
    try:
        when = pd.Timestamp(text.strip())
    except ValueError:
        raise InputError(field, text, "expected YYYY-MM-DD or an ISO-8601 UTC time") from None
    return when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")


def _stamp(ts: pd.Timestamp | None) -> str | None:
    return None if ts is None else ts.isoformat()


def result_to_dict(r: Any) -> dict[str, Any]:
    """The JSON shape of one venue's run (fractions, USD, timestamps as ISO text)."""
    f = r.funding
    return {
        "venue": r.venue,
        "kind": r.kind,
        "margin": r.margin,
        "start": _stamp(r.start),
        "end": _stamp(r.end),
        "years": r.years,
        "start_value_usd": r.start_value,
        "end_value_usd": r.end_value,
        "pnl_usd": r.pnl,
        "yield_simple": r.yield_simple,
        "yield_compounded": r.yield_compounded,
        "funding_received_usd": r.funding_received,
        "fees_usd": r.fees,
        "rebalances": r.rebalances,
        "topups": r.topups,
        "liquidations": r.liquidations,
        "liquidation_loss_usd": r.liquidation_loss,
        "max_drawdown": r.max_drawdown,
        "drawdown_peak": _stamp(r.drawdown_peak),
        "drawdown_trough": _stamp(r.drawdown_trough),
        "margin_used_mean": r.margin_used_mean,
        "margin_used_max": r.margin_used_max,
        "max_margin_ratio": r.max_margin_ratio,
        "max_margin_ratio_at": _stamp(r.max_margin_ratio_at),
        "funding": {
            "rows": f.rows,
            "mean_annualised": f.mean,
            "median_annualised": f.median,
            "std_annualised": f.std,
            "p05_annualised": f.p05,
            "p95_annualised": f.p95,
            "share_negative": f.share_negative,
            "longest_negative_hours": f.longest_negative_hours,
            "longest_negative_start": _stamp(f.negative_start),
            "longest_negative_end": _stamp(f.negative_end),
        },
        "price_note": r.price_note,
        "funding_note": r.funding_note,
        "assumptions": list(r.assumptions),
    }


@app.command()
def backtest(
    venue: Annotated[
        str,
        typer.Option(
            help="bitmex, bybit, binance-coinm, deribit, binance-usdt, bybit-usdt, or all."
        ),
    ] = "all",
    coin: Annotated[float, typer.Option(help="Coin held at the start (BTC).")] = 1.0,
    hedge_ratio: Annotated[
        float, typer.Option(help="Short notional / USD value of the coin hedged.")
    ] = 1.0,
    band: Annotated[float, typer.Option(help="Rebalance when the ratio leaves +-band.")] = 0.05,
    margin: Annotated[str, typer.Option(help="cross or isolated.")] = "cross",
    leverage: Annotated[float, typer.Option(help="Isolated: margin = value / leverage.")] = 1.0,
    topup_at: Annotated[
        float, typer.Option(help="Isolated: top up below this fraction of the target margin.")
    ] = 0.5,
    spot_fee: Annotated[float, typer.Option(help="Fee rate of coin<->USDT conversions.")] = 0.001,
    taker: Annotated[
        float | None, typer.Option(help="Taker fee override (default: the venue's).")
    ] = None,
    mmr: Annotated[
        float | None, typer.Option(help="Maintenance rate override (default: the venue's).")
    ] = None,
    start: Annotated[str | None, typer.Option(help="First day (UTC).", show_default=False)] = None,
    end: Annotated[str | None, typer.Option(help="Last day (UTC).", show_default=False)] = None,
    report: Annotated[Path | None, typer.Option(help="Write an HTML report.")] = None,
    json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
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

    with user_errors():
        if margin not in ("cross", "isolated"):
            raise InputError("margin", margin, "must be 'cross' or 'isolated'")
        config = CarryConfig(
            coin=coin,
            hedge_ratio=hedge_ratio,
            band=band,
            margin=margin,  # type: ignore[arg-type]
            leverage=leverage,
            topup_at=topup_at,
            spot_fee=spot_fee,
            start=_time("start", start),
            end=_time("end", end),
            taker=taker,
            mmr=mmr,
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
    table = Table(title="Carry trade: hold coin, short the perpetual", title_justify="left")
    table.add_column("")
    for r in results:
        table.add_column(f"{r.venue}\n{r.kind}/{r.margin}", justify="right")
    metrics: tuple[tuple[str, Callable[[Any], str]], ...] = (
        ("from", lambda r: f"{r.start:%Y-%m-%d}"),
        ("to", lambda r: f"{r.end:%Y-%m-%d}"),
        ("yield simple", lambda r: f"{r.yield_simple:.2%}"),
        ("yield compounded", lambda r: f"{r.yield_compounded:.2%}"),
        ("max drawdown", lambda r: f"{r.max_drawdown:.2%}"),
        ("funding USD", lambda r: f"{r.funding_received:,.0f}"),
        ("fees USD", lambda r: f"{r.fees:,.2f}"),
        ("rebalances", lambda r: str(r.rebalances)),
        ("liquidations", lambda r: str(r.liquidations)),
        ("max MM/margin", lambda r: f"{r.max_margin_ratio:.4f}"),
        ("margin used max", lambda r: f"{r.margin_used_max:.2f}"),
        ("funding mean ann.", lambda r: f"{r.funding.mean:.2%}"),
        ("share negative", lambda r: f"{r.funding.share_negative:.1%}"),
        ("longest neg. run", lambda r: f"{r.funding.longest_negative_hours / 24:.1f} d"),
    )
    for label, cell in metrics:
        table.add_row(label, *(cell(r) for r in results))
    console = Console()
    console.print(table)
    for r in results:
        console.print(f"{r.venue}: prices: {r.price_note}. Funding: {r.funding_note}.")
        for note in r.assumptions:
            console.print(f"{r.venue}: {note}")
    if skipped:
        console.print(f"skipped (history does not cover the dates): {', '.join(skipped)}")
    if report is not None:
        console.print(f"report: {report}")
