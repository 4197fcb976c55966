"""HTML reports of the analytics commands: the futures curve, the carry backtest and the
margin guard.  Each builds typed results into :class:`inversa.report.html.Section` objects
and Plotly figures and writes one self-contained file.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from inversa.contracts.basis import Curve, convergence_path
from inversa.report.html import Section, write_report

__all__ = ["curve_figure", "curve_report"]


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
    section = Section("Futures curve", text, rows, (curve_figure(curve),))
    return write_report(path, "inversa futures curve", [section])
