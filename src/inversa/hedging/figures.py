"""Plotly figures of a hedge backtest: weights over time, value, cumulative costs.

Plain :class:`plotly.graph_objects.Figure` objects; :func:`inversa.report.write_report`
puts them into a self-contained HTML file.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from inversa.hedging.backtest import BacktestResult

__all__ = ["backtest_figures", "cost_figure", "value_figure", "weights_figure"]

_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")


def weights_figure(result: BacktestResult) -> go.Figure:
    """Effective weights per asset over time, one panel per strategy, targets dashed."""
    names = list(result.strategies)
    fig = make_subplots(
        rows=len(names), cols=1, shared_xaxes=True, subplot_titles=names, vertical_spacing=0.06
    )
    for row, name in enumerate(names, start=1):
        weights = result.strategies[name].weights
        for i, asset in enumerate(weights.columns):
            colour = _COLOURS[i % len(_COLOURS)]
            fig.add_trace(
                go.Scatter(
                    x=weights.index,
                    y=weights[asset],
                    name=asset,
                    legendgroup=asset,
                    showlegend=row == 1,
                    line={"color": colour, "width": 1.2},
                ),
                row=row,
                col=1,
            )
            fig.add_trace(
                go.Scatter(
                    x=result.targets.index,
                    y=result.targets[asset],
                    name=f"{asset} target",
                    legendgroup=asset,
                    showlegend=False,
                    line={"color": colour, "width": 1, "dash": "dash"},
                ),
                row=row,
                col=1,
            )
        fig.update_yaxes(title_text="weight", tickformat=".0%", row=row, col=1)
    fig.update_layout(title="Weights over time (dashed: target)", height=300 * len(names))
    return fig


def value_figure(result: BacktestResult) -> go.Figure:
    """Portfolio value (USD, log scale) of each strategy and of the cost-free benchmark."""
    fig = go.Figure()
    for name, strategy in result.strategies.items():
        fig.add_trace(go.Scatter(x=strategy.value.index, y=strategy.value, name=name))
    fig.add_trace(
        go.Scatter(
            x=result.benchmark.index,
            y=result.benchmark,
            name="daily-rebalanced, no costs",
            line={"dash": "dot", "color": "grey"},
        )
    )
    fig.update_layout(title="Portfolio value", yaxis_title="USD", yaxis_type="log")
    return fig


def cost_figure(result: BacktestResult) -> go.Figure:
    """Cumulative fees and funding (USD; funding received counts negative)."""
    fig = go.Figure()
    for name, strategy in result.strategies.items():
        if strategy.fees.iloc[-1] == 0 and strategy.funding.abs().max() == 0:
            continue
        fig.add_trace(go.Scatter(x=strategy.fees.index, y=strategy.fees, name=f"{name} fees"))
        if strategy.funding.abs().max() > 0:
            fig.add_trace(
                go.Scatter(
                    x=strategy.funding.index,
                    y=strategy.funding,
                    name=f"{name} funding",
                    line={"dash": "dash"},
                )
            )
    fig.update_layout(title="Cumulative costs", yaxis_title="USD")
    return fig


def backtest_figures(result: BacktestResult) -> list[go.Figure]:
    """The three figures of the backtest report, in order."""
    return [weights_figure(result), value_figure(result), cost_figure(result)]
