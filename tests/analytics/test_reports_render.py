"""The analytics reports render in headless Chromium: Plotly draws its SVG figures.

Skipped where no Chromium is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from inversa.contracts.basis import futures_curve, parse_expiry
from inversa.report.analytics import carry_report, curve_report, guard_report
from inversa.sim.carry import CarryConfig, carry_backtest, carry_inputs
from inversa.sim.guard import GuardConfig, guard_replay
from inversa.sim.vol_margin import compare_vol_margin

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no headless Chromium installed")


def _rendered_figures(path: Path) -> int:
    assert CHROMIUM is not None
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=8000",
         "--dump-dom", path.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return out.stdout.count('class="main-svg"')


def test_curve_report_renders(tmp_path: Path) -> None:
    curve = futures_curve(
        datetime(2025, 1, 2, tzinfo=UTC),
        Decimal(96000),
        {parse_expiry("250328"): Decimal(98000), parse_expiry("250627"): Decimal(100500)},
    )
    assert _rendered_figures(curve_report(curve, tmp_path / "curve.html")) >= 1


def test_carry_report_renders(tmp_path: Path) -> None:
    runs = [carry_backtest(carry_inputs(v), CarryConfig()) for v in ("deribit", "bybit-usdt")]
    assert _rendered_figures(carry_report(runs, tmp_path / "carry.html")) >= 1


def test_guard_report_renders(tmp_path: Path) -> None:
    run = guard_replay("2022-11", GuardConfig(order=("reduce",)))
    cmp = compare_vol_margin("2022-11")
    assert _rendered_figures(guard_report([run], tmp_path / "guard.html", [cmp])) >= 2
