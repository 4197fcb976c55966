"""The analytics reports render in headless Chromium with no console error, and Plotly
draws their figures (Chromium is required: the ``render`` fixture fails, never skips)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from inversa.contracts.basis import futures_curve, parse_expiry
from inversa.report.analytics import carry_report, curve_report, guard_report
from inversa.sim.carry import CarryConfig, carry_backtest, carry_inputs
from inversa.sim.guard import GuardConfig, guard_replay
from inversa.sim.vol_margin import compare_vol_margin

if TYPE_CHECKING:
    from conftest import Render


def _clean(render: Render, page: Path, tmp: Path) -> int:
    errors, plots = render(page, tmp)
    assert errors == []
    return plots


def test_curve_report_renders(tmp_path: Path, render: Render) -> None:
    curve = futures_curve(
        datetime(2025, 1, 2, tzinfo=UTC),
        Decimal(96000),
        {parse_expiry("250328"): Decimal(98000), parse_expiry("250627"): Decimal(100500)},
    )
    assert _clean(render, curve_report(curve, tmp_path / "curve.html"), tmp_path) >= 1


def test_carry_report_renders(tmp_path: Path, render: Render) -> None:
    runs = [carry_backtest(carry_inputs(v), CarryConfig()) for v in ("deribit", "bybit-usdt")]
    assert _clean(render, carry_report(runs, tmp_path / "carry.html"), tmp_path) >= 1


def test_guard_report_renders(tmp_path: Path, render: Render) -> None:
    run = guard_replay("2022-11", GuardConfig(order=("reduce",)))
    cmp = compare_vol_margin("2022-11")
    assert _clean(render, guard_report([run], tmp_path / "guard.html", [cmp]), tmp_path) >= 2
