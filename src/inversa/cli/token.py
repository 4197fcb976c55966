"""`inversa token KIND`: the token calculator (and, later, backtests).

Numbers are parsed as exact Decimals and the maths runs in Decimal; ``--json`` prints
one JSON object, otherwise a table.  Flags follow the calculator CLI contract of the
design notes (input key ``index_return`` is ``--index-return``, lists comma-joined).
Leverages are signed: -1 for an inverse token.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer

from inversa import token as t
from inversa.cli._output import emit, parse_decimal, user_errors
from inversa.errors import InputError

__all__ = ["app"]

app = typer.Typer(
    help="Inverse index token: path, drift, reset trade, decay, band, fees, synth, backtest.",
    no_args_is_help=True,
)

Json = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
Leverage = Annotated[str, typer.Option(help="Signed target leverage (-1: inverse token).")]
IndexReturn = Annotated[
    str | None, typer.Option(help="Simple index return over the period (0.1 = +10 %).")
]


def _req(field: str, text: str | None) -> Decimal:
    if text is None:
        raise InputError(field, None, "is required")
    return parse_decimal(field, text)


def _list(field: str, text: str | None) -> list[Decimal]:
    if text is None or not text.strip():
        raise InputError(field, text, "is required (comma-separated numbers)")
    return [parse_decimal(f"{field}[{i}]", p) for i, p in enumerate(text.split(","))]


@app.command()
def path(
    prices: Annotated[str | None, typer.Option(help="Index closes, comma-separated (USD).")] = None,
    leverage: Leverage = "-1",
    start_nav: Annotated[str, typer.Option(help="NAV at the first price (USD).")] = "100",
    json: Json = False,
) -> None:
    """NAV of a token reset to LEVERAGE at every price, no costs (NAV starts at 100)."""
    with user_errors():
        series = t.reset_path(
            _list("prices", prices),
            parse_decimal("leverage", leverage),
            parse_decimal("start_nav", start_nav),
        )
        out = {"nav": series, "nav_final": series[-1]}
    emit(out, as_json=json, title="token path", units={"nav": "USD", "nav_final": "USD"})


@app.command()
def drift(leverage: Leverage = "-1", index_return: IndexReturn = None, json: Json = False) -> None:
    """Leverage after an index move without a rebalance: L(1+r)/(1+Lr)."""
    with user_errors():
        out = {
            "leverage": t.drift_leverage(
                parse_decimal("leverage", leverage), _req("index_return", index_return)
            )
        }
    emit(out, as_json=json, title="token drift", units={"leverage": "x"})


@app.command("reset-trade")
def reset_trade(
    leverage: Leverage = "-1",
    nav: Annotated[str, typer.Option(help="NAV before the move (USD).")] = "100",
    index_return: IndexReturn = None,
    json: Json = False,
) -> None:
    """NAV after the move and the USD trade that restores the target (> 0 buys)."""
    with user_errors():
        after, trade = t.reset_trade(
            parse_decimal("leverage", leverage),
            parse_decimal("nav", nav),
            _req("index_return", index_return),
        )
    emit(
        {"nav": after, "trade": trade},
        as_json=json,
        title="token reset-trade",
        units={"nav": "USD", "trade": "USD"},
    )


@app.command()
def decay(
    leverage: Leverage = "-1",
    sigma: Annotated[str | None, typer.Option(help="Annualised volatility (0.8 = 80 %).")] = None,
    years: Annotated[str, typer.Option(help="Horizon in years of 365.25 days.")] = "1",
    json: Json = False,
) -> None:
    """Decay factor on a flat index: exp(-(L^2-L) sigma^2 T / 2)."""
    with user_errors():
        out = {
            "factor": t.decay_factor(
                parse_decimal("leverage", leverage),
                _req("sigma", sigma),
                parse_decimal("years", years),
            )
        }
    emit(out, as_json=json, title="token decay", units={"factor": "x NAV"})


@app.command()
def band(
    target: Annotated[str, typer.Option(help="Signed target leverage.")] = "-1",
    minimum: Annotated[
        str | None, typer.Option("--min", help="Band edge nearer zero (-0.8 for -1x).")
    ] = None,
    maximum: Annotated[
        str | None, typer.Option("--max", help="Band edge farther from zero (-1.2 for -1x).")
    ] = None,
    recentering_speed: Annotated[
        str, typer.Option(help="Fraction of the gap to the target closed per rebalance.")
    ] = "0.05",
    interval_hours: Annotated[
        str, typer.Option(help="Hours after the last rebalance before a timed one.")
    ] = "24",
    current: Annotated[str | None, typer.Option(help="Current signed leverage.")] = None,
    elapsed_hours: Annotated[str, typer.Option(help="Hours since the last rebalance.")] = "0",
    ripcord: Annotated[
        str | None, typer.Option(help="Signed ripcord leverage (beyond --max).")
    ] = None,
    json: Json = False,
) -> None:
    """The band policy's decision: none, rebalance (recentered, clamped) or ripcord."""
    with user_errors():
        params = t.BandParams(
            target=parse_decimal("target", target),
            minimum=_req("min", minimum),
            maximum=_req("max", maximum),
            recentering_speed=parse_decimal("recentering_speed", recentering_speed),
            interval_hours=parse_decimal("interval_hours", interval_hours),
            ripcord=None if ripcord is None else parse_decimal("ripcord", ripcord),
        )
        d = t.band_decision(
            params, _req("current", current), parse_decimal("elapsed_hours", elapsed_hours)
        )
        out = {"action": d.action, "new_leverage": d.new_leverage, "reason": d.reason}
    emit(out, as_json=json, title="token band", units={"new_leverage": "x"})


@app.command("streaming-fee")
def streaming_fee(
    rate: Annotated[str | None, typer.Option(help="Annual fee rate (0.0195 = 1.95 %).")] = None,
    supply: Annotated[str | None, typer.Option(help="Tokens outstanding.")] = None,
    days: Annotated[str | None, typer.Option(help="Days since the last accrual.")] = None,
    json: Json = False,
) -> None:
    """Tokens minted to the fee recipient: fee*supply/(1-fee), fee = rate*days/365.25."""
    with user_errors():
        r, s, d = _req("rate", rate), _req("supply", supply), _req("days", days)
        out = {
            "minted": t.streaming_fee_minted(r, s, d),
            "fee_fraction": t.streaming_fee_fraction(r, d),
        }
    emit(out, as_json=json, title="token streaming-fee", units={"minted": "tokens"})


@app.command()
def synth(
    entry: Annotated[str | None, typer.Option(help="Entry price (USD).")] = None,
    spot: Annotated[str | None, typer.Option(help="Spot price (USD).")] = None,
    upper_fraction: Annotated[str, typer.Option(help="Upper limit above entry.")] = "0.5",
    lower_fraction: Annotated[str, typer.Option(help="Lower limit below entry.")] = "0.5",
    json: Json = False,
) -> None:
    """Synthetix-style inverse synth: 2*entry - spot within limits, frozen at a limit."""
    with user_errors():
        q = t.synth_price(
            _req("entry", entry),
            _req("spot", spot),
            parse_decimal("upper_fraction", upper_fraction),
            parse_decimal("lower_fraction", lower_fraction),
        )
        out = {"price": q.price, "upper": q.upper, "lower": q.lower, "frozen": q.frozen}
    emit(
        out,
        as_json=json,
        title="token synth",
        units=dict.fromkeys(("price", "upper", "lower"), "USD"),
    )


@app.command("backtest")
def backtest_cmd(
    config: Annotated[
        str | None, typer.Option("--config", help="TOML config (see examples/token_*.toml).")
    ] = None,
    report: Annotated[
        str | None,
        typer.Option(help="HTML report path (default reports/<config name>.html)."),
    ] = None,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Write neither the HTML report nor the CSV log.")
    ] = False,
    json: Json = False,
) -> None:
    """Backtest a token from a config: Rich summary (or --json), HTML report, rebalance CSV."""
    from pathlib import Path

    from rich.console import Console
    from rich.table import Table

    from inversa.report import Section, write_report
    from inversa.token.analytics import (
        hedge_effectiveness,
        rebalance_rows,
        write_rebalance_log,
    )
    from inversa.token.figures import synth_figure, token_figures
    from inversa.token.synth import synth_path

    with user_errors():
        if config is None:
            raise InputError("config", None, "is required (a TOML file)")
        run = t.backtest(config)
    summary = run.summary
    paths: dict[str, str] = {}
    if not no_report:
        stem = Path(config).stem
        html = Path(report) if report else Path("reports") / f"{stem}.html"
        log = html.with_name(f"{html.stem}_rebalances.csv")
        rows = rebalance_rows(run.result)
        sections = [
            Section(
                "Summary",
                run.config.name,
                rows=[
                    {"figure": m.label, "value": m.value, "unit": m.unit} for m in summary.metrics
                ],
            ),
            Section(
                "Figures",
                "NAV against the ideal path, leverage with its band and the rebalances, "
                "cumulative funding and fees, drawdown, decay against the formula.",
                figures=token_figures(run.result, summary, run.spec.policy),
            ),
            Section(f"Rebalance log ({len(rows)} rows; also {log.name})", rows=rows[:500]),
        ]
        hedge = hedge_effectiveness(run.result, summary, funding=run.market.funding)
        synth = synth_path(
            run.result.times, run.result.price, start_value=float(run.result.nav_usd[0])
        )
        sections.append(
            Section(
                "Hedge effectiveness",
                "An index holder per unit of capital over the daily closes: unhedged, with "
                "the token, with a short perpetual (funding received), and with a rolling "
                "30-day at-the-money put (Black-Scholes on trailing 30-day realised volatility).",
                rows=hedge,
            )
        )
        sections.append(
            Section(
                "Second design: a fixed-entry inverse synth",
                f"Synthetix-style: 2 x entry - spot within ±50 % of the entry, frozen at a "
                f"limit and reset 24 h later at the spot ({len(synth.freezes)} freezes, "
                f"{len(synth.resets)} resets); holder's value against the token's NAV.",
                figures=[synth_figure(run.result, synth)],
            )
        )
        faults = t.oracle_fault_table(run)
        if faults:
            sections.insert(
                2,
                Section(
                    "Oracle faults",
                    "The same backtest without an oracle, with the oracle model and no fault, "
                    "and with each configured fault alone.",
                    rows=faults,
                ),
            )
        paths["report"] = str(write_report(html, f"inversa token backtest: {stem}", sections))
        paths["rebalance_log"] = str(write_rebalance_log(run.result, log))
    if json:
        emit({**summary.as_dict(), **paths}, as_json=True, title="token backtest")
        return
    table = Table(title=summary.name, title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for m in summary.metrics:
        value = f"{m.value:.6g}" if isinstance(m.value, float) else str(m.value)
        table.add_row(m.label, value, m.unit)
    console = Console()
    console.print(table)
    for label, where in paths.items():
        console.print(f"{label.replace('_', ' ')}: {where}")
