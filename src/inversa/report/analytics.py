"""HTML reports of the analytics commands: the futures curve, the carry backtest and the
margin guard.  Each builds typed results into :class:`inversa.report.html.Section` objects
and Plotly figures and writes one self-contained file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from inversa.contracts.basis import Curve, convergence_path
from inversa.report.html import Section, write_report
from inversa.sim.carry import CarryResult
from inversa.sim.guard import GuardResult
from inversa.sim.vol_margin import VolMarginComparison

_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")

__all__ = [
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


def curve_report(curve: Curve, path: str | Path) -> Path:
    """Write the curve's table and figure to ``path`` (HTML)."""
    rows = [
        {
            "expiry (UTC)": f"{p.expiry:%Y-%m-%d %H:%M}",
            "days": f"{p.days:.4f}",
            "future (USD)": f"{p.future:,.2f}",
            "basis (USD)": f"{p.basis:,.2f}",
            "annualised basis": f"{p.annualised_basis:.4%}",
            "implied rate (cont.)": f"{p.implied_rate:.4%}",
        }
        for p in curve.points
    ]
    text = (
        f"Spot {curve.spot:,} USD at {curve.as_of:%Y-%m-%d %H:%M} UTC. Days run to the "
        "settlement instant (08:00 UTC unless the venue says otherwise). The lower panel "
        "holds spot and each expiry's basis fixed: the fair future S*(1+b*days/365) meets "
        "spot at expiry."
    )
    if curve.perpetual_rate is not None:
        text += f" Perpetual funding annualised: {curve.perpetual_rate:.4%}."
    section = Section("Futures curve", text, rows=rows, figures=(curve_figure(curve),))
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


def _carry_rows(results: Sequence[CarryResult]) -> list[dict[str, str]]:
    rows = []
    for r in results:
        f = r.funding
        neg = (
            f"{f.longest_negative_hours / 24:.1f} d from {f.longest_negative_start:%Y-%m-%d}"
            if f.longest_negative_start is not None
            else "none"
        )
        rows.append(
            {
                "venue": f"{r.venue} ({r.kind}, {r.margin_mode})",
                "period (UTC)": f"{r.start:%Y-%m-%d} .. {r.end:%Y-%m-%d}",
                "start USD": f"{r.start_value_usd:,.0f}",
                "end USD": f"{r.end_value_usd:,.0f}",
                "yield simple": f"{r.yield_simple_rate:.2%}",
                "yield compounded": f"{r.yield_compounded_rate:.2%}",
                "max drawdown": f"{r.max_drawdown:.2%} ({r.drawdown_peak:%Y-%m-%d} .. "
                f"{r.drawdown_trough:%Y-%m-%d})",
                "funding USD": f"{r.funding_received_usd:,.0f}",
                "fees USD": f"{r.fees_usd:,.2f}",
                "rebalances": str(r.rebalances),
                "top-ups": str(r.topups),
                "liquidations": f"{r.liquidations} ({r.liquidation_loss_usd:,.0f} USD)",
                "margin used mean / max": f"{r.margin_used_mean:.2f} / {r.margin_used_max:.2f}",
                "max MM/margin": f"{r.max_margin_ratio:.4f} ({r.max_margin_ratio_at:%Y-%m-%d})",
                "funding mean / median ann.": (
                    f"{f.mean_annualised_rate:.2%} / {f.median_annualised_rate:.2%}"
                ),
                "funding p5 / p95 ann.": (
                    f"{f.p05_annualised_rate:.2%} / {f.p95_annualised_rate:.2%}"
                ),
                "share negative": f"{f.share_negative:.1%}",
                "longest negative run": neg,
            }
        )
    return rows


def carry_report(
    results: Sequence[CarryResult], path: str | Path, skipped: Sequence[str] = ()
) -> Path:
    """Write the carry backtest's summary, notes and figures to ``path`` (HTML)."""
    notes = " ".join(
        f"{r.venue}: prices: {r.price_note}. Funding: {r.funding_note}."
        + "".join(f" {a}." for a in r.assumptions)
        for r in results
    )
    text = (
        "Hold the coin, short the perpetual worth hedge-ratio x its USD value, rebalance "
        "outside the band. Yields on the start value: simple (V_T/V0 - 1)/years and "
        "compounded (V_T/V0)^(1/years) - 1. Linear runs hold the coin and short the same "
        "coin amount of the USDT perpetual; their funding and PnL are USD cash (no "
        "interest charged on a negative USD balance). "
    )
    if skipped:
        text += f"Skipped (history does not cover the dates): {', '.join(skipped)}. "
    sections = [
        Section("Summary", text, rows=_carry_rows(results)),
        Section("Data and assumptions", notes),
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


def _fmt_time(value: Any) -> str:
    import pandas as pd

    if value is None or value is pd.NaT:
        return ""
    return f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"


def guard_report(
    results: Sequence[GuardResult],
    path: str | Path,
    comparisons: Sequence[VolMarginComparison] = (),
) -> Path:
    """Write the guard's results (and the vol-scaled margin comparisons) to ``path``."""
    sections = []
    if results:
        first = results[0].config
        rows = [
            {
                "window": r.window,
                "liquidations without": str(r.summary["liquidations_without"]),
                "with guard": str(r.summary["liquidations_with"]),
                "avoided": str(r.summary["liquidations_avoided"]),
                "coin saved (all)": f"{r.summary['saved_coin']:+.4f}",
                "coin saved (liquidated)": f"{r.summary['saved_on_liquidated_coin']:+.4f}",
                "guard fees (coin)": f"{r.summary['guard_fees_coin']:.6f}",
                "topped up (coin)": f"{r.summary['topped_up_coin']:.4f}",
                "actions": str(r.summary["actions"]),
                "not saved": ", ".join(r.summary["not_saved"]),
            }
            for r in results
        ]
        text = (
            f"Guard: threshold {first.threshold} (MM / margin balance), target {first.target}, "
            f"actions {','.join(first.order)}, latency {first.latency_bars} bar(s), reserve "
            f"{first.reserve_coin} coin per account, reduce {first.reduce_fraction} of the "
            f"position per action; venue {results[0].venue}, isolated, one long and one short "
            "of 1 coin per leverage. Coin saved: final equity with the guard less without."
        )
        sections.append(Section("Margin guard through the crash windows", text, rows=rows))
        for r in results:
            acc = [
                {
                    "account": row.account,
                    "liquidated without": _fmt_time(row.liquidated_at_without) or "no",
                    "liquidated with": _fmt_time(row.liquidated_at_with) or "no",
                    "final equity without": f"{row.final_equity_without_coin:.6f}",
                    "final equity with": f"{row.final_equity_with_coin:.6f}",
                    "topped up": f"{row.topped_up_coin:.6f}",
                    "reduced (contracts)": f"{row.reduced_contracts:g}",
                }
                for row in r.accounts.itertuples()
            ]
            sections.append(
                Section(f"{r.window}: accounts", "", rows=acc, figures=(guard_figure(r),))
            )
    for cmp in comparisons:
        rows = [
            {
                "model": str(row.model),
                "liquidated": str(row.liquidated),
                "refused at open": str(row.refused_at_open),
                "first": _fmt_time(row.first_liquidation),
                "last": _fmt_time(row.last_liquidation),
                "coin lost": f"{row.lost_coin:.6f}",
                "insurance paid in": f"{row.insurance_paid_in_coin:.6f}",
                "insurance drawn": f"{row.insurance_drawn_coin:.6f}",
                "uncovered": f"{row.uncovered_coin:.6f}",
            }
            for row in cmp.summary.itertuples()
        ]
        c = cmp.config
        text = (
            f"EWMA decay {c.decay}, scale {c.scale}, floor {c.floor}, cap {c.cap}, horizon "
            f"{c.horizon_hours} h; rates from the hourly closes before each bar."
        )
        sections.append(
            Section(
                f"{cmp.window}: vol-scaled maintenance vs static tiers ({cmp.venue})",
                text,
                rows=rows,
                figures=(vol_margin_figure(cmp),),
            )
        )
        timing = []
        frame = cmp.accounts
        for account in dict.fromkeys(frame["account"]):
            mine = frame[frame["account"] == account].set_index("model")
            cells = {"account": str(account)}
            for model in ("static", "vol-scaled"):
                if model not in mine.index:
                    cells[model] = ""
                elif bool(mine.loc[model, "refused_at_open"]):
                    cells[model] = "refused at open"
                else:
                    cells[model] = _fmt_time(mine.loc[model, "liquidated_at"]) or "no"
            timing.append(cells)
        sections.append(Section(f"{cmp.window}: liquidation time per account", "", rows=timing))
    return write_report(path, "inversa margin guard and vol-scaled margin", sections)
