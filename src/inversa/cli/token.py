"""``inversa token KIND``: the token calculators and the token backtest.

Every number, date and path option is parsed by a domain of :mod:`inversa.domain` before
the command runs (one ``error:`` line naming the option, exit 2); the maths runs in
Decimal and ``--json`` prints one strict JSON object with exact Decimals
(:mod:`inversa.report`), otherwise a typed table that folds.  Flags follow the calculator
CLI contract of the design notes (input key ``index_return`` is ``--index-return``, lists
comma-joined).  Leverages are signed: -1 for an inverse token.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from inversa import token as t
from inversa.cli._options import Json, number, path_option
from inversa.cli._output import new_app
from inversa.domain import (
    AMOUNT,
    DAYS_OR_ZERO,
    FEE_PER_YEAR,
    HOURS,
    HOURS_OR_ZERO,
    NAV,
    POSITIVE_FRACTION,
    PRICE,
    SHOCK,
    SIGNED_LEVERAGE,
    VOLATILITY,
    YEARS,
    ListParser,
)
from inversa.errors import InputError
from inversa.report import (
    Column,
    HtmlTable,
    Section,
    check_output_path,
    fmt,
    key_value_table,
    print_json,
    print_tables,
)

if TYPE_CHECKING:
    from inversa.token.backtest import TokenBacktest

__all__ = ["app"]

app = new_app("Inverse index token: path, drift, reset trade, decay, band, fees, synth, backtest.")


Leverage = Annotated[
    Decimal, number(SIGNED_LEVERAGE, "Signed target leverage (-1: inverse token).", "--leverage")
]
SignedLeverage = Annotated[Decimal | None, number(SIGNED_LEVERAGE, "Signed leverage.")]
IndexReturn = Annotated[
    Decimal | None, number(SHOCK, "Simple index return over the period (0.1 = +10 %).")
]
Nav = Annotated[Decimal, number(NAV, "NAV before the move (USD).", show_default=True)]


def _req(field: str, value: Decimal | None) -> Decimal:
    if value is None:
        raise InputError(field, None, "is required")
    return value


def _show(title: str, out: dict[str, Any], json: bool, units: dict[str, str]) -> None:
    if json:
        print_json(out)
    else:
        print_tables([key_value_table(title, out, units)])


@app.command()
def path(
    prices: Annotated[
        Any,
        typer.Option(
            parser=ListParser(PRICE),
            help=f"Index closes, comma-separated [{PRICE.describe()}].",
            show_default=False,
            metavar="P1,P2,...",
        ),
    ] = None,
    leverage: Leverage = Decimal(-1),
    start_nav: Annotated[
        Decimal, number(NAV, "NAV at the first price (USD).", show_default=True)
    ] = Decimal(100),
    json: Json = False,
) -> None:
    """NAV of a token reset to LEVERAGE at every price, no costs (NAV starts at 100)."""
    if prices is None:
        raise InputError("prices", None, "is required (comma-separated numbers)")
    series = t.reset_path(list(prices), leverage, start_nav)
    if json:
        print_json({"nav": series, "nav_final": series[-1]})
        return
    rows = [
        {"day": i, "price": p, "nav": n}
        for i, (p, n) in enumerate(zip(prices, series, strict=True))
    ]
    cols = [Column("day", "day", "count"), Column("price", "index", "price")]
    print_tables([_table("token path", [*cols, Column("nav", "NAV", "usd")], rows)])


def _table(title: str, cols: list[Column], rows: list[dict[str, Any]]) -> Any:
    from inversa.report import table

    return table(title, cols, rows)


@app.command()
def drift(
    leverage: Leverage = Decimal(-1), index_return: IndexReturn = None, json: Json = False
) -> None:
    """Leverage after an index move without a rebalance: L(1+r)/(1+Lr)."""
    out = {"leverage": t.drift_leverage(leverage, _req("index_return", index_return))}
    _show("token drift", out, json, {"leverage": "x"})


@app.command("reset-trade")
def reset_trade(
    leverage: Leverage = Decimal(-1),
    nav: Nav = Decimal(100),
    index_return: IndexReturn = None,
    json: Json = False,
) -> None:
    """NAV after the move and the USD trade that restores the target (> 0 buys)."""
    after, trade = t.reset_trade(leverage, nav, _req("index_return", index_return))
    _show(
        "token reset-trade",
        {"nav": after, "trade": trade},
        json,
        dict.fromkeys(("nav", "trade"), "usd"),
    )


@app.command()
def decay(
    leverage: Leverage = Decimal(-1),
    sigma: Annotated[
        Decimal | None, number(VOLATILITY, "Annualised volatility (0.8 = 80 %).")
    ] = None,
    years: Annotated[
        Decimal, number(YEARS, "Horizon in years of 365.25 days.", show_default=True)
    ] = Decimal(1),
    json: Json = False,
) -> None:
    """Decay factor on a flat index: exp(-(L^2-L) sigma^2 T / 2)."""
    out = {"factor": t.decay_factor(leverage, _req("sigma", sigma), years)}
    _show("token decay (factor on NAV)", out, json, {"factor": "number"})


@app.command()
def band(
    target: Annotated[
        Decimal, number(SIGNED_LEVERAGE, "Signed target leverage.", show_default=True)
    ] = Decimal(-1),
    minimum: Annotated[
        Decimal | None, number(SIGNED_LEVERAGE, "Band edge nearer zero (-0.8 for -1x).", "--min")
    ] = None,
    maximum: Annotated[
        Decimal | None,
        number(SIGNED_LEVERAGE, "Band edge farther from zero (-1.2 for -1x).", "--max"),
    ] = None,
    recentering_speed: Annotated[
        Decimal,
        number(
            POSITIVE_FRACTION,
            "Fraction of the gap to the target closed per rebalance.",
            show_default=True,
        ),
    ] = Decimal("0.05"),
    interval_hours: Annotated[
        Decimal,
        number(HOURS, "Hours after the last rebalance before a timed one.", show_default=True),
    ] = Decimal(24),
    current: Annotated[Decimal | None, number(SIGNED_LEVERAGE, "Current signed leverage.")] = None,
    elapsed_hours: Annotated[
        Decimal, number(HOURS_OR_ZERO, "Hours since the last rebalance.", show_default=True)
    ] = Decimal(0),
    ripcord: Annotated[
        Decimal | None, number(SIGNED_LEVERAGE, "Signed ripcord leverage (beyond --max).")
    ] = None,
    json: Json = False,
) -> None:
    """The band policy's decision: none, rebalance (recentered, clamped) or ripcord."""
    params = t.BandParams(
        target=target,
        minimum=_req("minimum", minimum),
        maximum=_req("maximum", maximum),
        recentering_speed=recentering_speed,
        interval_hours=interval_hours,
        ripcord=ripcord,
    )
    d = t.band_decision(params, _req("current", current), elapsed_hours)
    out = {"action": d.action, "new_leverage": d.new_leverage, "reason": d.reason}
    _show("token band", out, json, {"action": "text", "new_leverage": "x", "reason": "text"})


@app.command("streaming-fee")
def streaming_fee(
    rate: Annotated[
        Decimal | None, number(FEE_PER_YEAR, "Annual fee rate (0.0195 = 1.95 %).")
    ] = None,
    supply: Annotated[Decimal | None, number(AMOUNT, "Tokens outstanding.")] = None,
    days: Annotated[Decimal | None, number(DAYS_OR_ZERO, "Days since the last accrual.")] = None,
    json: Json = False,
) -> None:
    """Tokens minted to the fee recipient: fee*supply/(1-fee), fee = rate*days/365.25."""
    r, s, d = _req("rate", rate), _req("supply", supply), _req("days", days)
    out = {
        "minted": t.streaming_fee_minted(r, s, d),
        "fee_fraction": t.streaming_fee_fraction(r, d),
    }
    _show("token streaming-fee (minted in tokens)", out, json, {"fee_fraction": "rate"})


@app.command()
def synth(
    entry: Annotated[Decimal | None, number(PRICE, "Entry price (USD).")] = None,
    spot: Annotated[Decimal | None, number(PRICE, "Spot price (USD).")] = None,
    upper_fraction: Annotated[
        Decimal, number(POSITIVE_FRACTION, "Upper limit above entry.", show_default=True)
    ] = Decimal("0.5"),
    lower_fraction: Annotated[
        Decimal, number(POSITIVE_FRACTION, "Lower limit below entry.", show_default=True)
    ] = Decimal("0.5"),
    json: Json = False,
) -> None:
    """Synthetix-style inverse synth: 2*entry - spot within limits, frozen at a limit."""
    q = t.synth_price(_req("entry", entry), _req("spot", spot), upper_fraction, lower_fraction)
    out = {"price": q.price, "upper": q.upper, "lower": q.lower, "frozen": q.frozen}
    units = {**dict.fromkeys(("price", "upper", "lower"), "price"), "frozen": "text"}
    _show("token synth", out, json, units)


@app.command("backtest")
def backtest_cmd(
    config: Annotated[
        Path | None, path_option("TOML config (see examples/token_*.toml).", "--config")
    ] = None,
    report: Annotated[
        Path | None,
        path_option(
            "HTML report path (default reports/<config name>.html).", "--report", must_exist=False
        ),
    ] = None,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Write neither the HTML report nor the CSV log.")
    ] = False,
    json: Json = False,
) -> None:
    """Backtest a token from a config: summary table (or --json), HTML report, rebalance CSV."""
    from inversa.report import write_report
    from inversa.token.analytics import write_rebalance_log

    if config is None:
        raise InputError("config", None, "is required (a TOML file)")
    if report is not None and no_report:
        raise InputError("--report", str(report), "contradicts --no-report: give one of them")
    html = report if report is not None else Path("reports") / f"{config.stem}.html"
    if not no_report:
        check_output_path(html, "report")
        check_output_path(html.with_name(f"{html.stem}_rebalances.csv"), "report")
    run = t.backtest(config)
    summary = run.summary
    paths: dict[str, str] = {}
    if not no_report:
        log = html.with_name(f"{html.stem}_rebalances.csv")
        sections = _sections(run, log.name)
        paths["report"] = str(
            write_report(html, f"inversa token backtest: {config.stem}", sections)
        )
        paths["rebalance_log"] = str(write_rebalance_log(run.result, log))
    if json:
        print_json({**summary.as_dict(), **paths})
        return
    notes = [f"{label.replace('_', ' ')}: {where}" for label, where in paths.items()]
    print_tables([_table(summary.name, _METRIC_COLUMNS, _metric_rows(run))], notes)


_METRIC_COLUMNS = [
    Column("figure", "figure", "text"),
    Column("value", "value", "text"),
    Column("unit", "unit", "text"),
]


def _metric_rows(run: TokenBacktest) -> list[dict[str, Any]]:
    return [
        {"figure": m.label, "value": fmt(m.value, "number"), "unit": m.unit}
        for m in run.summary.metrics
    ]


def _columns(rows: list[dict[str, Any]], units: dict[str, str]) -> list[Column]:
    """Typed columns for records: ``units`` by key, text otherwise."""
    keys = list(rows[0]) if rows else list(units)
    return [Column(k, k.replace("_", " "), units.get(k, "text")) for k in keys]


_HEDGE_UNITS = {
    "total return": "rate",
    "volatility /yr": "rate",
    "max drawdown": "rate",
    "worst 30 days": "rate",
    "beta to index": "number",
}
_FAULT_UNITS = {
    "final NAV (USD)": "number",
    "rebalances": "count",
    "refused: stale": "count",
    "refused: slippage": "count",
    "vs oracle without fault": "rate",
}


def _sections(run: TokenBacktest, log_name: str) -> list[Section]:
    """The HTML report of a token backtest: summary, figures, faults, log, hedges, synth."""
    from inversa.report.token import synth_figure, token_figures
    from inversa.token.analytics import hedge_effectiveness, rebalance_rows
    from inversa.token.synth import synth_path

    summary = run.summary
    rows = rebalance_rows(run.result)
    hedge = hedge_effectiveness(run.result, summary, funding=run.market.funding)
    synth = synth_path(run.result.times, run.result.price, start_value=float(run.result.nav_usd[0]))
    sections = [
        Section(
            "Summary",
            run.config.name,
            tables=[HtmlTable(_METRIC_COLUMNS, _metric_rows(run))],
        ),
        Section(
            "Figures",
            "NAV against the ideal path, leverage with its band and the rebalances, "
            "cumulative funding and fees, drawdown, decay against the formula.",
            figures=token_figures(run.result, summary, run.spec.policy),
        ),
        Section(
            f"Rebalance log ({len(rows)} rows; also {log_name})",
            tables=[HtmlTable(_columns(rows, {}), rows[:500])],
        ),
        Section(
            "Hedge effectiveness",
            "An index holder per unit of capital over the daily closes: unhedged, with "
            "the token, with a short perpetual (funding received), and with a rolling "
            "30-day at-the-money put (Black-Scholes on trailing 30-day realised volatility).",
            tables=[HtmlTable(_columns(hedge, _HEDGE_UNITS), hedge)],
        ),
        Section(
            "Second design: a fixed-entry inverse synth",
            f"Synthetix-style: 2 x entry - spot within ±50 % of the entry, frozen at a "
            f"limit and reset 24 h later at the spot ({len(synth.freezes)} freezes, "
            f"{len(synth.resets)} resets); holder's value against the token's NAV.",
            figures=[synth_figure(run.result, synth)],
        ),
    ]
    faults = t.oracle_fault_table(run)
    if faults:
        sections.insert(
            2,
            Section(
                "Oracle faults",
                "The same backtest without an oracle, with the oracle model and no fault, "
                "and with each configured fault alone.",
                tables=[HtmlTable(_columns(faults, _FAULT_UNITS), faults)],
            ),
        )
    return sections
