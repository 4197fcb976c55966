"""Every Plotly figure of inversa (domain layers never import Plotly).

Hedge backtest: weights over time, value, cumulative costs.  Stress: PnL per shock
scenario, a cascade's price path, a crash replay's price path with its liquidations.
Plain :class:`plotly.graph_objects.Figure` objects built from typed results;
:func:`inversa.report.write_report` puts them into a self-contained HTML file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from inversa.hedging.backtest import BacktestResult

__all__ = [
    "backtest_figures",
    "cascade_figure",
    "cost_figure",
    "grid_figure",
    "replay_figure",
    "value_figure",
    "weights_figure",
]

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


def grid_figure(scenarios: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Book PnL and weighted PnL (coin) per shock scenario, grouped bars."""
    names = [r["scenario"] for r in scenarios]
    fig = go.Figure()
    fig.add_bar(x=names, y=[float(r["pnl_coin"]) for r in scenarios], name="PnL (coin)")
    fig.add_bar(
        x=names, y=[float(r["weighted_pnl_coin"]) for r in scenarios], name="weighted PnL (coin)"
    )
    fig.update_layout(
        barmode="group",
        title="Book PnL per scenario (coin, from the base price)",
        yaxis_title="coin",
        xaxis_title="scenario",
    )
    return fig


def cascade_figure(start_price: float, rounds: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Price after each cascade round (USD per coin) and the USD liquidated per round."""
    path = [start_price, *(r["next_price"] for r in rounds)]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_scatter(
        x=list(range(len(path))), y=path, mode="lines+markers", name="price after round"
    )
    fig.add_bar(
        x=[r["round"] for r in rounds],
        y=[r["notional_usd"] for r in rounds],
        name="liquidated (USD)",
        opacity=0.4,
        secondary_y=True,
    )
    fig.update_layout(title="Cascade: price per round", xaxis_title="round (0 = start)")
    fig.update_xaxes(dtick=1)  # whole rounds
    fig.update_yaxes(title_text="USD per coin", secondary_y=False)
    fig.update_yaxes(title_text="USD liquidated", secondary_y=True)
    return fig


def replay_figure(
    window: str, bars: Sequence[Mapping[str, Any]], liquidations: Sequence[Mapping[str, Any]]
) -> go.Figure:
    """A crash window's hourly price path (close, high, low) with a marker per liquidation.

    ``bars`` have ``time`` and ``close`` (optionally ``high``/``low``); ``liquidations``
    have ``liquidated_bar_open_utc``, ``marker_price`` and ``account``.
    """
    times = [b["time"] for b in bars]
    fig = go.Figure()
    if bars and all(k in bars[0] for k in ("low", "high")):
        for key in ("high", "low"):
            fig.add_scatter(
                x=times,
                y=[b[key] for b in bars],
                mode="lines",
                name=f"hourly {key}",
                line={"width": 1, "dash": "dot", "color": "grey"},
            )
    if bars:
        fig.add_scatter(
            x=times,
            y=[b["close"] for b in bars],
            mode="lines",
            name="mark (close)",
            line={"color": "royalblue"},
        )
    marked = [r for r in liquidations if r.get("marker_price") is not None]
    if marked:
        fig.add_scatter(
            x=[r["liquidated_bar_open_utc"] for r in marked],
            y=[r["marker_price"] for r in marked],
            mode="markers",
            marker={"symbol": "x", "size": 11, "color": "crimson"},
            name="liquidation",
            text=[str(r["account"]) for r in marked],
            hovertemplate="%{text}<br>%{x}<br>%{y:,.2f} USDT<extra></extra>",
        )
    fig.update_layout(
        title=f"Crash {window}: price path and liquidations",
        yaxis_title="USDT per BTC (Binance USD-M mark)",
        xaxis_title="time (UTC)",
    )
    return fig
