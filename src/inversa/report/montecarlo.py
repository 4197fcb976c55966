"""The Monte Carlo report: a quantile fan chart of NAV and the summary table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from inversa.report.html import Section, write_report

__all__ = ["fan_chart", "write_montecarlo_report"]

_LABELS = {
    "final_nav_median": ("final NAV, median", "x start"),
    "final_nav_p05": ("final NAV, 5th percentile", "x start"),
    "final_nav_p95": ("final NAV, 95th percentile", "x start"),
    "ideal_nav_median": ("ideal path's final NAV, median", "x start"),
    "final_nav_mean": ("final NAV, mean", "x start"),
    "ideal_nav_mean": ("ideal path's final NAV, mean", "x start"),
    "tracking_gap_mean": ("final NAV minus ideal, mean", "x start"),
    "decay_mean": ("decay measured, mean", "NAV / (S_T/S_0)^L"),
    "decay_formula_mean": ("decay by the formula, mean", "exp(-(L^2-L) s^2 T/2)"),
    "liquidation_probability": ("P(vault liquidation)", ""),
    "worst_drawdown": ("worst drawdown of any path", "fraction"),
    "drawdown_mean": ("maximum drawdown, mean", "fraction"),
    "funding_paid_mean_settle": ("funding paid, mean (negative: received)", "collateral"),
    "fees_paid_mean_settle": ("fees paid, mean", "collateral"),
    "coin": ("settlement unit of the amounts", ""),
    "trades_mean": ("rebalancing trades, mean", "per path"),
}


def fan_chart(
    steps: tuple[int, ...],
    quantiles: tuple[float, ...],
    fan: tuple[tuple[float, ...], ...],
    dt_hours: float,
) -> go.Figure:
    """NAV quantile bands (outer pair lightest) against time in days."""
    days = [s * dt_hours / 24 for s in steps]
    fig = go.Figure()
    k = len(quantiles)
    for lo in range(k // 2):
        hi = k - 1 - lo
        shade = 0.15 + 0.2 * lo
        fig.add_trace(
            go.Scatter(
                x=days,
                y=[row[hi] for row in fan],
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=days,
                y=[row[lo] for row in fan],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=f"rgba(31,119,180,{shade:.2f})",
                name=f"{quantiles[lo]:.0%}-{quantiles[hi]:.0%}",
            )
        )
    if k % 2:
        mid = k // 2
        fig.add_trace(
            go.Scatter(
                x=days,
                y=[row[mid] for row in fan],
                mode="lines",
                line={"color": "rgb(31,119,180)"},
                name=f"median ({quantiles[mid]:.0%})",
            )
        )
    fig.update_layout(
        title="NAV quantiles across paths (1 = starting NAV, USD)",
        xaxis_title="days",
        yaxis_title="NAV / starting NAV",
        template="plotly_white",
    )
    return fig


def write_montecarlo_report(path: str | Path, result: Any) -> Path:
    """Write the HTML report of a :class:`~inversa.sim.montecarlo.MonteCarloResult`."""
    cfg = result.config
    summary = result.summary()
    rows = [
        {"quantity": _LABELS.get(k, (k, ""))[0], "value": v, "unit": _LABELS.get(k, (k, ""))[1]}
        for k, v in summary.items()
    ]
    m, t = cfg.market, cfg.token
    text = (
        f"{result.paths:,} paths x {result.steps:,} steps of {m.dt_hours:g} h ({m.model}), "
        f"{t.leverage:g}x {t.policy} token on {t.collateral} collateral; seed {cfg.seed}, "
        f"{result.chunks} chunk(s) of {result.chunk_paths:,} paths (seed + chunk size "
        "reproduce the run). Quantiles come from log-spaced histograms (0.115 % bins)."
    )
    fig = fan_chart(result.fan_steps, result.quantiles, result.fan_q, m.dt_hours)
    params = [{"parameter": f"token.{k}", "value": str(v)} for k, v in t.model_dump().items()]
    params += [{"parameter": f"market.{k}", "value": str(v)} for k, v in m.model_dump().items()]
    return write_report(
        path,
        "Token Monte Carlo",
        [
            Section("Summary", text, rows=rows),
            Section("NAV fan chart", figures=[fig]),
            Section("Parameters", rows=params),
        ],
    )
