"""Plotly figures of a token backtest; :func:`inversa.report.write_report` puts them in a
self-contained HTML file.

NAV against the ideal path (USD per token, log scale), leverage with its band and the
rebalances, cumulative funding and fees (coin), drawdown, and decay against the
Avellaneda-Zhang formula with the realised variance accumulated so far.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from inversa.token.analytics import Summary
from inversa.token.keeper import BacktestResult
from inversa.token.policy import Policy
from inversa.token.synth import SynthPath

__all__ = ["synth_figure", "token_figures"]

_MARKERS = {
    "first": "#2ca02c",
    "daily": "#1f77b4",
    "trigger": "#9467bd",
    "band": "#d62728",
    "interval": "#ff7f0e",
    "ripcord": "#000000",
}


def _layout(fig: go.Figure, title: str, y: str, log: bool = False) -> go.Figure:
    fig.update_layout(
        title=title,
        yaxis_title=y,
        yaxis_type="log" if log else "linear",
        height=380,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h"},
    )
    return fig


def token_figures(result: BacktestResult, summary: Summary, policy: Policy) -> list[go.Figure]:
    """The five figures of the report, in order."""
    times = list(result.times)
    idx = summary.daily_index
    daily_times = [times[i] for i in idx]
    lev = float(policy.target)

    nav = go.Figure()
    nav.add_trace(go.Scatter(x=times, y=result.nav_usd, name="NAV (USD/token)"))
    nav.add_trace(
        go.Scatter(
            x=daily_times,
            y=summary.ideal_nav,
            name=f"ideal {lev:g}x daily path",
            line={"dash": "dash"},
        )
    )
    _layout(nav, "NAV against the ideal path", "USD per token", log=True)

    lv = go.Figure()
    lv.add_trace(
        go.Scatter(x=times, y=result.leverage, name="leverage after the bar", line={"width": 1})
    )
    if policy.band is not None:
        for edge in (policy.band.lower, policy.band.upper):
            lv.add_hline(y=float(edge), line={"dash": "dot", "color": "grey"})
    if policy.band is not None and policy.band.ripcord is not None:
        lv.add_hline(y=float(policy.band.ripcord), line={"dash": "dot", "color": "black"})
    for reason, colour in _MARKERS.items():
        recs = [r for r in result.rebalances if r.reason == reason]
        if recs:
            lv.add_trace(
                go.Scatter(
                    x=[r.time for r in recs],
                    y=[float(r.leverage_before) for r in recs],
                    mode="markers",
                    marker={"color": colour, "size": 5},
                    name=f"rebalance: {reason} (leverage before)",
                )
            )
    _layout(lv, "Leverage, band and rebalances", "net USD delta / USD equity")

    costs = go.Figure()
    costs.add_trace(go.Scatter(x=times, y=result.funding, name="funding received (coin)"))
    costs.add_trace(go.Scatter(x=times, y=-result.fees, name="trading fees (coin, negative: paid)"))
    _layout(costs, "Cumulative funding and fees", "coin")

    peak = np.maximum.accumulate(result.nav_usd)
    dd = go.Figure()
    dd.add_trace(
        go.Scatter(x=times, y=-(1 - result.nav_usd / peak), name="drawdown", fill="tozeroy")
    )
    _layout(dd, "Drawdown of the USD NAV", "fraction")

    s = result.price[idx]
    navd = result.nav_usd[idx]
    move = (s / s[0]) ** lev
    realised = np.concatenate(([0.0], np.cumsum(np.diff(np.log(s)) ** 2)))
    formula = np.exp(-(lev * lev - lev) * realised / 2)
    dec = go.Figure()
    dec.add_trace(
        go.Scatter(x=daily_times, y=navd / navd[0] / move, name="measured: NAV / (S/S0)^L")
    )
    dec.add_trace(
        go.Scatter(
            x=daily_times,
            y=summary.ideal_nav / summary.ideal_nav[0] / move,
            name="ideal path / (S/S0)^L",
            line={"dash": "dash"},
        )
    )
    dec.add_trace(
        go.Scatter(
            x=daily_times, y=formula, name="exp(-(L²-L) Σ(log r)² / 2)", line={"dash": "dot"}
        )
    )
    _layout(dec, "Decay against the formula", "x")
    return [nav, lv, costs, dd, dec]


def synth_figure(result: BacktestResult, synth: SynthPath) -> go.Figure:
    """The synth holder's value against the token's NAV (USD, log scale), freezes marked."""
    times = list(result.times)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=times, y=result.nav_usd, name="token NAV (USD)"))
    fig.add_trace(go.Scatter(x=times, y=synth.value, name="synth holder value (USD)"))
    if synth.freezes:
        at = [times.index(t) for t in synth.freezes]
        fig.add_trace(
            go.Scatter(
                x=list(synth.freezes),
                y=[synth.value[i] for i in at],
                mode="markers",
                marker={"color": "black", "size": 6},
                name="freeze",
            )
        )
    return _layout(fig, "Token against a fixed-entry inverse synth", "USD", log=True)
