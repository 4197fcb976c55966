"""The Monte Carlo report: a quantile fan chart of NAV and the summary table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from inversa.report.formats import fmt
from inversa.report.html import HtmlTable, Quantity, Section, write_report

if TYPE_CHECKING:
    from inversa.sim.montecarlo import MonteCarloResult

__all__ = [
    "PARAMETER_UNITS",
    "fan_chart",
    "parameter_quantities",
    "summary_quantities",
    "write_montecarlo_report",
]

#: The units of the token and market parameters (``"token.<field>"``,
#: ``"market.<field>"``): (formatter unit, words for the unit or None for the unit's own);
#: a parameter not listed is a plain number, or text.
PARAMETER_UNITS: dict[str, tuple[str, str | None]] = {
    "token.leverage": ("x", "signed"),
    "token.band": ("x", "signed leverage"),
    "token.ripcord": ("x", "signed leverage"),
    "token.trigger": ("x", "signed leverage"),
    "token.interval_bars": ("count", "steps"),
    "token.taker_fee": ("rate", None),
    "token.slippage": ("rate", None),
    "token.tick": ("price", None),
    "token.mmr": ("rate", None),
    "token.contract_value": ("number", "USD per contract (coin) or coin (usd)"),
    "token.start_equity": ("number", "coin (coin) or USD (usd)"),
    "market.s0": ("price", None),
    "market.dt_hours": ("number", "hours"),
    "market.mu": ("rate", "% a year"),
    "market.sigma": ("rate", "% a year"),
    "market.jump_intensity": ("number", "jumps a year"),
    "market.jump_mean": ("rate", "log size"),
    "market.jump_std": ("rate", "log size"),
    "market.block": ("count", "steps"),
    "market.funding_rate": ("rate", "per settlement"),
    "market.funding_every": ("count", "steps"),
    "market.reset_every": ("count", "steps"),
}


def summary_quantities(result: MonteCarloResult) -> list[Quantity]:
    """The headline figures of a run, each with its unit (NAV figures are x start)."""
    q = dict(zip(result.quantiles, result.final_nav_q, strict=True))
    qi = dict(zip(result.quantiles, result.ideal_nav_q, strict=True))
    settle = "coin" if result.coin == "coin" else "usd"
    nav = "x start"
    return [
        Quantity("paths", result.paths, "count"),
        Quantity("steps", result.steps, "count"),
        Quantity("final NAV, median", q.get(0.5), "number", nav),
        Quantity("final NAV, 5th percentile", q.get(0.05), "number", nav),
        Quantity("final NAV, 95th percentile", q.get(0.95), "number", nav),
        Quantity("final NAV, mean", result.final_nav_mean, "number", nav),
        Quantity("ideal path's final NAV, median", qi.get(0.5), "number", nav),
        Quantity("ideal path's final NAV, mean", result.ideal_nav_mean, "number", nav),
        Quantity("final NAV minus ideal, mean", result.tracking_gap_mean, "number", nav),
        Quantity("decay measured, mean", result.decay_mean, "number", "NAV / (S_T/S_0)^L"),
        Quantity(
            "decay by the formula, mean",
            result.decay_formula_mean,
            "number",
            "exp(-(L^2-L) s^2 T/2)",
        ),
        Quantity("P(vault liquidation)", result.liquidation_probability, "rate"),
        Quantity("worst drawdown of any path", result.worst_drawdown, "rate"),
        Quantity("maximum drawdown, mean", result.drawdown_mean, "rate"),
        Quantity(
            "funding paid, mean (negative: received)", result.funding_paid_mean_settle, settle
        ),
        Quantity("fees paid, mean", result.fees_paid_mean_settle, settle),
        Quantity("rebalancing trades, mean", result.trades_mean, "number", "per path"),
    ]


def parameter_quantities(result: MonteCarloResult) -> list[Quantity]:
    """Every token and market parameter of the run, with its unit."""
    cfg = result.config
    items = [("token", k, v) for k, v in cfg.token.model_dump().items()]
    items += [("market", k, v) for k, v in cfg.market.model_dump().items()]
    out = []
    for group, key, value in items:
        name = f"{group}.{key}"
        unit, label = PARAMETER_UNITS.get(
            name, ("text" if isinstance(value, str) else "number", None)
        )
        out.append(Quantity(name, value, unit, label))
    return out


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


def write_montecarlo_report(path: str | Path, result: MonteCarloResult) -> Path:
    """Write the HTML report of a :class:`~inversa.sim.montecarlo.MonteCarloResult`."""
    cfg = result.config
    m, t = cfg.market, cfg.token
    text = (
        f"{result.paths:,} paths x {result.steps:,} steps of {fmt(m.dt_hours)} h ({m.model}), "
        f"{fmt(t.leverage, 'x')} {t.policy} token on {t.collateral} collateral; seed {cfg.seed}, "
        f"{result.chunks} chunk(s) of {result.chunk_paths:,} paths (seed + chunk size "
        "reproduce the run). Quantiles come from log-spaced histograms (0.115 % bins). "
        f"Amounts are in the collateral ({result.coin})."
    )
    fig = fan_chart(result.fan_steps, result.quantiles, result.fan_q, m.dt_hours)
    return write_report(
        path,
        "Token Monte Carlo",
        [
            Section("Summary", text, tables=[HtmlTable.quantities(summary_quantities(result))]),
            Section("NAV fan chart", figures=[fig]),
            Section("Parameters", tables=[HtmlTable.quantities(parameter_quantities(result))]),
        ],
    )
