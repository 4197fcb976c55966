"""The sweep report: the policy frontier (tracking error against cost, coloured by the
probability of vault liquidation) per scenario, and the table of every task."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from inversa.report.html import HtmlTable, Section, write_report
from inversa.report.montecarlo import PARAMETER_UNITS
from inversa.report.terminal import Column

if TYPE_CHECKING:
    from inversa.sim.sweep import SweepResult

__all__ = ["TASK_COLUMNS", "frontier_chart", "task_columns", "write_sweep_report"]


def _label(row: pd.Series) -> str:
    return ", ".join(f"{k[2:]}={row[k]}" for k in row.index if str(k).startswith("p_"))


def frontier_chart(results: pd.DataFrame, on_frontier: pd.Series) -> go.Figure:
    """One marker per task: x tracking error, y cost, colour P(liquidation); the
    frontier of each scenario joined by a line."""
    fig = go.Figure()
    symbols = ("circle", "square", "diamond", "triangle-up", "x", "star")
    for k, (name, group) in enumerate(results.groupby("scenario", sort=False)):
        labels = [_label(r) for _, r in group.iterrows()]
        fig.add_trace(
            go.Scatter(
                x=group["tracking_error"],
                y=group["cost"],
                mode="markers",
                name=str(name),
                text=labels,
                marker={
                    "symbol": symbols[k % len(symbols)],
                    "size": 10,
                    "color": group["liquidation_probability"],
                    "cmin": 0,
                    "cmax": max(0.01, float(results["liquidation_probability"].max())),
                    "colorscale": "Reds",
                    "showscale": k == 0,
                    "colorbar": {"title": "P(liq)"},
                    "line": {"width": 1, "color": "#333"},
                },
                hovertemplate="%{text}<br>TE %{x:.4f}<br>cost %{y:.5f}<extra></extra>",
            )
        )
        front = group[on_frontier.loc[group.index]].sort_values("tracking_error")
        fig.add_trace(
            go.Scatter(
                x=front["tracking_error"],
                y=front["cost"],
                mode="lines",
                line={"dash": "dot", "width": 1},
                name=f"{name}: frontier",
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        title="Policy frontier: tracking error vs trading cost (colour: P(vault liquidation))",
        xaxis_title="tracking error (annualised)",
        yaxis_title="fees + slippage (fraction of starting equity)",
        template="plotly_white",
    )
    return fig


#: The figures of every task (rows of ``SweepResult.results.itertuples()``).
TASK_COLUMNS = (
    Column("scenario", "scenario", "text"),
    Column("tracking_error", "tracking error a year", "rate"),
    Column("cost", "fees + slippage, of start equity", "rate"),
    Column("funding", "funding paid, of start equity", "rate"),
    Column("liquidation_probability", "P(vault liquidation)", "rate"),
    Column("final_nav", "final NAV, mean, x start", "number"),
    Column("trades", "trades, mean per path", "number"),
)


def task_columns(results: pd.DataFrame, on_frontier: pd.Series) -> list[Column]:
    """The grid's parameters (units as in the Monte Carlo report), the frontier flag and
    :data:`TASK_COLUMNS`."""
    params = []
    for name in results.columns:
        if not str(name).startswith("p_"):
            continue
        key = str(name)[2:]
        unit, label = PARAMETER_UNITS.get(f"token.{key}", ("number", None))
        header = key.replace("_", " ") + (f", {label}" if label else "")
        params.append(Column(str(name), header, unit))
    frontier = Column(
        "frontier", "on the frontier", "text", get=lambda r: bool(on_frontier[r.Index])
    )
    return [*params, frontier, *TASK_COLUMNS]


def write_sweep_report(
    path: str | Path, result: SweepResult, on_frontier: pd.Series, run_id: str
) -> Path:
    """Write the HTML report of a :class:`~inversa.sim.sweep.SweepResult`."""
    df = result.results
    cfg = result.config
    text = (
        f"run {run_id}: {len(df)} tasks = {len(cfg.points())} grid points x "
        f"{len(cfg.scenarios)} scenarios, on {result.scheduler} ({result.workers} workers) "
        f"in {result.seconds:.1f} s. Frontier: no other policy of the same scenario has "
        "both lower tracking error and lower cost."
    )
    tasks = HtmlTable.of(task_columns(df, on_frontier), df.itertuples())
    return write_report(
        path,
        f"Policy sweep: {cfg.name}",
        [
            Section("Policy frontier", text, figures=[frontier_chart(df, on_frontier)]),
            Section("Every task", tables=[tasks]),
        ],
    )
