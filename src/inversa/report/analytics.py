"""HTML reports of the analytics commands: the futures curve, the carry backtest and the
margin guard.  Each builds typed results into :class:`inversa.report.html.Section` objects
and Plotly figures and writes one self-contained file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from inversa.contracts.basis import Curve, convergence_path
from inversa.report.formats import fmt
from inversa.report.html import HtmlTable, Section, write_report
from inversa.report.terminal import Column
from inversa.sim.carry import CarryResult
from inversa.sim.guard import GuardResult
from inversa.sim.vol_margin import VolMarginComparison

_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")

__all__ = [
    "CARRY_TABLES",
    "CURVE_COLUMNS",
    "GUARD_ACCOUNT_COLUMNS",
    "GUARD_COLUMNS",
    "VOL_MARGIN_COLUMNS",
    "carry_figure",
    "carry_report",
    "curve_figure",
    "curve_report",
    "guard_figure",
    "guard_report",
    "vol_margin_figure",
]


def curve_figure(curve: Curve) -> go.Figure:
    """Annualised basis and implied rate against days to expiry; the convergence of each
    future to spot (constant spot and basis) in a second panel."""
    fig = make_subplots(
        rows=2,
        cols=1,
        subplot_titles=("Term structure (annualised)", "Convergence to spot at expiry"),
        vertical_spacing=0.15,
    )
    days = [float(p.days) for p in curve.points]
    fig.add_trace(
        go.Scatter(
            x=days,
            y=[float(p.annualised_basis) * 100 for p in curve.points],
            mode="lines+markers",
            name="annualised basis (F/S-1)*365/days, %",
            text=[f"{p.expiry:%Y-%m-%d %H:%M} UTC" for p in curve.points],
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=days,
            y=[float(p.implied_rate) * 100 for p in curve.points],
            mode="lines+markers",
            name="implied rate ln(F/S)*365/days, %",
        ),
        row=1,
        col=1,
    )
    if curve.perpetual_rate is not None:
        fig.add_trace(
            go.Scatter(
                x=[0.0],
                y=[float(curve.perpetual_rate) * 100],
                mode="markers",
                marker={"symbol": "diamond", "size": 10},
                name="perpetual funding, annualised %",
            ),
            row=1,
            col=1,
        )
    for p in curve.points:
        path = convergence_path(curve.spot, p.annualised_basis, curve.as_of, p.expiry, steps=40)
        fig.add_trace(
            go.Scatter(
                x=[t for t, _, _ in path],
                y=[float(f) for _, _, f in path],
                name=f"fair {p.expiry:%y%m%d}",
                line={"width": 1.2},
            ),
            row=2,
            col=1,
        )
    fig.update_xaxes(title_text="days to expiry", row=1, col=1)
    fig.update_yaxes(title_text="% per year", row=1, col=1)
    fig.update_yaxes(title_text="USD per coin", row=2, col=1)
    fig.update_layout(height=760, margin={"t": 60})
    return fig


#: The futures curve: one row per expiry (a :class:`~inversa.contracts.basis.CurvePoint`).
CURVE_COLUMNS = (
    Column("expiry", "expiry", "time"),
    Column("days", "to expiry", "days"),
    Column("future", "future", "price"),
    Column("basis", "basis F - S", "price"),
    Column("annualised_basis", "annualised basis", "rate"),
    Column("implied_rate", "implied rate, continuous", "rate"),
)


def curve_report(curve: Curve, path: str | Path) -> Path:
    """Write the curve's table and figure to ``path`` (HTML)."""
    text = (
        f"Spot {fmt(curve.spot, 'price')} USD per coin at {fmt(curve.as_of, 'time')} UTC. "
        "Days run to the settlement instant (08:00 UTC unless the venue says otherwise). "
        "Annualised basis: (F/S - 1) x 365/days; implied rate: ln(F/S) x 365/days. "
        "The lower panel holds spot and each expiry's basis fixed: the fair future "
        "S*(1+b*days/365) meets spot at expiry."
    )
    if curve.perpetual_rate is not None:
        text += f" Perpetual funding annualised: {fmt(curve.perpetual_rate, 'rate')}."
    table = HtmlTable.of(CURVE_COLUMNS, curve.points)
    section = Section("Futures curve", text, tables=[table], figures=(curve_figure(curve),))
    return write_report(path, "inversa futures curve", [section])


def carry_figure(results: Sequence[CarryResult]) -> go.Figure:
    """Account value (USD, as a multiple of the start), hedge ratio and margin ratio per
    venue, and the distribution of annualised funding."""
    fig = make_subplots(
        rows=4,
        cols=1,
        subplot_titles=(
            "Account value / start value (USD)",
            "Hedge ratio (short notional / USD value of the coin hedged)",
            "Margin ratio at the bar's worst price (MM / margin balance; 1 = liquidation)",
            "Funding, annualised per row (rate x 24/interval x 365)",
        ),
        vertical_spacing=0.07,
    )
    for k, r in enumerate(results):
        name = f"{r.venue} ({r.margin_mode})"
        colour = _COLOURS[k % len(_COLOURS)]
        group: dict[str, Any] = {"legendgroup": name}
        line = {"color": colour, "width": 1.2}
        fig.add_trace(
            go.Scatter(
                x=r.times, y=r.equity_usd / r.start_value_usd, name=name, line=line, **group
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(x=r.times, y=r.hedge_ratio, name=name, showlegend=False, line=line, **group),
            row=2,
            col=1,
        )
        ratio = np.where(np.isfinite(r.margin_ratio), r.margin_ratio, np.nan)
        fig.add_trace(
            go.Scatter(x=r.times, y=ratio, name=name, showlegend=False, line=line, **group),
            row=3,
            col=1,
        )
        fig.add_trace(
            go.Histogram(
                x=r.funding_annualised_rate * 100,
                name=name,
                showlegend=False,
                opacity=0.5,
                marker={"color": colour},
                nbinsx=120,
                histnorm="probability",
                **group,
            ),
            row=4,
            col=1,
        )
    fig.update_layout(height=1400, barmode="overlay", margin={"t": 60})
    fig.update_xaxes(title_text="% per year", row=4, col=1)
    return fig


def _venue(r: CarryResult) -> str:
    return f"{r.venue} ({r.kind}, {r.margin_mode})"


def _funding(name: str) -> Callable[[CarryResult], Any]:
    return lambda r: getattr(r.funding, name)


_VENUE = Column("venue", "venue (kind, margin)", "text", get=_venue)

#: The carry backtest, four tables of :class:`~inversa.sim.carry.CarryResult` rows.
CARRY_TABLES: tuple[tuple[str, tuple[Column, ...]], ...] = (
    (
        "Value and yield",
        (
            _VENUE,
            Column("start", "from", "time"),
            Column("end", "to", "time"),
            Column("start_value_usd", "start value", "usd"),
            Column("end_value_usd", "end value", "usd"),
            Column("pnl_usd", "PnL", "usd"),
            Column("yield_simple_rate", "yield a year, simple", "rate"),
            Column("yield_compounded_rate", "yield a year, compounded", "rate"),
        ),
    ),
    (
        "Drawdown and margin",
        (
            _VENUE,
            Column("max_drawdown", "max drawdown", "rate"),
            Column("drawdown_peak", "drawdown from", "time"),
            Column("drawdown_trough", "drawdown to", "time"),
            Column("margin_used_mean", "margin used / value, mean", "rate"),
            Column("margin_used_max", "margin used / value, max", "rate"),
            Column("max_margin_ratio", "max MM / margin balance", "rate"),
            Column("max_margin_ratio_at", "max MM / margin at", "time"),
        ),
    ),
    (
        "Funding, fees and events",
        (
            _VENUE,
            Column("funding_received_usd", "funding received", "usd"),
            Column("fees_usd", "fees", "usd"),
            Column("rebalances", "rebalances", "count"),
            Column("topups", "top-ups", "count"),
            Column("liquidations", "liquidations", "count"),
            Column("liquidation_loss_usd", "liquidation losses", "usd"),
        ),
    ),
    (
        "Funding rate, annualised per row",
        (
            _VENUE,
            Column("rows", "rows", "count", get=_funding("rows")),
            Column("mean", "mean", "rate", get=_funding("mean_annualised_rate")),
            Column("median", "median", "rate", get=_funding("median_annualised_rate")),
            Column("p05", "5th percentile", "rate", get=_funding("p05_annualised_rate")),
            Column("p95", "95th percentile", "rate", get=_funding("p95_annualised_rate")),
            Column("share_negative", "rows negative", "rate", get=_funding("share_negative")),
            Column(
                "longest_negative",
                "longest negative run",
                "days",
                get=lambda r: r.funding.longest_negative_hours / 24,
            ),
            Column(
                "longest_negative_start",
                "longest negative run from",
                "time",
                get=_funding("longest_negative_start"),
            ),
        ),
    ),
)


def carry_report(
    results: Sequence[CarryResult], path: str | Path, skipped: Sequence[str] = ()
) -> Path:
    """Write the carry backtest's summary, notes and figures to ``path`` (HTML)."""
    notes = [
        f"{r.venue}: prices: {r.price_note}. Funding: {r.funding_note}."
        + "".join(f" {a}." for a in r.assumptions)
        for r in results
    ]
    text = (
        "Hold the coin, short the perpetual worth hedge-ratio x its USD value, rebalance "
        "outside the band. Yields on the start value: simple (V_T/V0 - 1)/years and "
        "compounded (V_T/V0)^(1/years) - 1. Linear runs hold the coin and short the same "
        "coin amount of the USDT perpetual; their funding and PnL are USD cash (no "
        "interest charged on a negative USD balance). Margin used is the margin balance "
        "behind the short over the account's value; MM / margin balance reaches 100 % at "
        "liquidation. "
    )
    if skipped:
        text += f"Skipped (history does not cover the dates): {', '.join(skipped)}. "
    sections = [
        Section(
            "Summary",
            text,
            tables=[HtmlTable.of(cols, results, caption) for caption, cols in CARRY_TABLES],
        ),
        Section("Data and assumptions", items=notes),
        Section("Paths", "", figures=(carry_figure(results),)),
    ]
    return write_report(path, "inversa carry trade backtest", sections)


def guard_figure(result: GuardResult) -> go.Figure:
    """Margin ratio (MM / margin balance) at each hourly close per account: dashed
    without the guard, solid with it; the threshold as a horizontal line."""
    fig = go.Figure()
    accounts = [c for c in result.ratios.columns if not c.endswith("+guard")]
    palette = qualitative.Dark24
    for k, account in enumerate(accounts):
        colour = palette[k % len(palette)]
        for suffix, dash in (("", "dot"), ("+guard", "solid")):
            series = result.ratios[account + suffix]
            fig.add_trace(
                go.Scatter(
                    x=series.index,
                    y=series.to_numpy(dtype=float),
                    name=f"{account}{' (guard)' if suffix else ''}",
                    legendgroup=account,
                    line={"color": colour, "dash": dash, "width": 1.3},
                )
            )
    fig.add_hline(
        y=float(result.config.threshold), line={"color": "#d62728", "dash": "dash", "width": 1}
    )
    fig.update_layout(
        title=f"{result.window}: margin ratio at hourly closes (dotted: no guard; solid: guard)",
        yaxis={"title": "MM / margin balance (1 = liquidation)"},
        height=560,
    )
    return fig


def vol_margin_figure(cmp: VolMarginComparison) -> go.Figure:
    """The vol-scaled maintenance rate per bar against the static rate, with the price."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Scatter(
            x=cmp.rates.index, y=cmp.rates["vol_scaled_rate"] * 100, name="vol-scaled MMR %"
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=cmp.rates.index,
            y=cmp.rates["static_rate_1_coin"] * 100,
            name="static tier MMR % (1 coin)",
            line={"dash": "dash"},
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=cmp.static.bars.index,
            y=cmp.static.bars["close"],
            name="close (USD)",
            line={"color": "#999", "width": 1},
        ),
        secondary_y=True,
    )
    fig.update_layout(title=f"{cmp.window}: maintenance rate", height=420)
    fig.update_yaxes(title_text="% of position value", secondary_y=False)
    fig.update_yaxes(title_text="USD per coin", secondary_y=True)
    return fig


def _summary(key: str) -> Callable[[GuardResult], Any]:
    return lambda r: r.summary[key]


#: The guard per window (:class:`~inversa.sim.guard.GuardResult`, its ``summary``).
GUARD_COLUMNS = (
    Column("window", "window", "text"),
    Column("without", "liquidations without", "count", get=_summary("liquidations_without")),
    Column("with", "with guard", "count", get=_summary("liquidations_with")),
    Column("avoided", "avoided", "count", get=_summary("liquidations_avoided")),
    Column("saved", "saved, all accounts", "coin", get=_summary("saved_coin")),
    Column("saved_liq", "saved, liquidated", "coin", get=_summary("saved_on_liquidated_coin")),
    Column("fees", "guard fees", "coin", get=_summary("guard_fees_coin")),
    Column("topped_up", "topped up", "coin", get=_summary("topped_up_coin")),
    Column("actions", "actions", "count", get=_summary("actions")),
    Column("not_saved", "not saved", "text", get=_summary("not_saved")),
)

#: The guard per account: rows of ``GuardResult.accounts.itertuples()``.
GUARD_ACCOUNT_COLUMNS = (
    Column("account", "account", "text"),
    Column("liquidated_at_without", "liquidated without (bar open)", "time"),
    Column("liquidated_at_with", "liquidated with (bar open)", "time"),
    Column("final_equity_without_coin", "final equity without", "coin"),
    Column("final_equity_with_coin", "final equity with", "coin"),
    Column("topped_up_coin", "topped up", "coin"),
    Column("reduced_contracts", "reduced (contracts)", "count"),
)

#: Vol-scaled vs static maintenance: rows of ``VolMarginComparison.summary.itertuples()``.
VOL_MARGIN_COLUMNS = (
    Column("model", "model", "text"),
    Column("liquidated", "liquidated", "count"),
    Column("refused_at_open", "refused at open", "count"),
    Column("first_liquidation", "first (bar open)", "time"),
    Column("last_liquidation", "last (bar open)", "time"),
    Column("lost_coin", "lost", "coin"),
    Column("insurance_paid_in_coin", "insurance paid in", "coin"),
    Column("insurance_drawn_coin", "insurance drawn", "coin"),
    Column("uncovered_coin", "uncovered", "coin"),
)


def _liquidated_at(mine: pd.DataFrame, model: str) -> Any:
    """When ``model`` liquidated the account: a time, NaT (never), or why not applicable."""
    if model not in mine.index:
        return "not run"
    if bool(mine.loc[model, "refused_at_open"]):
        return "refused at open"
    return mine.loc[model, "liquidated_at"]


def _timing(cmp: VolMarginComparison) -> HtmlTable:
    frame = cmp.accounts
    records = []
    for account in dict.fromkeys(frame["account"]):
        mine = frame[frame["account"] == account].set_index("model")
        records.append(
            {
                "account": str(account),
                "static": _liquidated_at(mine, "static"),
                "vol-scaled": _liquidated_at(mine, "vol-scaled"),
            }
        )
    cols = (
        Column("account", "account", "text"),
        Column("static", "liquidated, static tiers (bar open)", "time"),
        Column("vol-scaled", "liquidated, vol-scaled (bar open)", "time"),
    )
    return HtmlTable.of(cols, records)


def guard_report(
    results: Sequence[GuardResult],
    path: str | Path,
    comparisons: Sequence[VolMarginComparison] = (),
) -> Path:
    """Write the guard's results (and the vol-scaled margin comparisons) to ``path``."""
    sections = []
    if results:
        first = results[0].config
        text = (
            f"Guard: threshold {first.threshold} (MM / margin balance), target {first.target}, "
            f"actions {','.join(first.order)}, latency {first.latency_bars} bar(s), reserve "
            f"{first.reserve_coin} coin per account, reduce {first.reduce_fraction} of the "
            f"position per action; venue {results[0].venue}, isolated, one long and one short "
            "of 1 coin per leverage. Coin saved: final equity with the guard less without. "
            "A time of - means the account was not liquidated."
        )
        table = HtmlTable.of(GUARD_COLUMNS, results)
        sections.append(Section("Margin guard through the crash windows", text, tables=[table]))
        for r in results:
            acc = HtmlTable.of(GUARD_ACCOUNT_COLUMNS, r.accounts.itertuples())
            sections.append(
                Section(f"{r.window}: accounts", "", tables=[acc], figures=(guard_figure(r),))
            )
    for cmp in comparisons:
        c = cmp.config
        text = (
            f"EWMA decay {c.decay}, scale {c.scale}, floor {c.floor}, cap {c.cap}, horizon "
            f"{c.horizon_hours} h; rates from the hourly closes before each bar."
        )
        sections.append(
            Section(
                f"{cmp.window}: vol-scaled maintenance vs static tiers ({cmp.venue})",
                text,
                tables=[HtmlTable.of(VOL_MARGIN_COLUMNS, cmp.summary.itertuples())],
                figures=(vol_margin_figure(cmp),),
            )
        )
        sections.append(
            Section(f"{cmp.window}: liquidation time per account", "", tables=[_timing(cmp)])
        )
    return write_report(path, "inversa margin guard and vol-scaled margin", sections)
