"""Every HTML report the command line writes opens in headless Chromium without a console
error, draws all its figures, has no number in exponent notation and scrolls every table.

The reports are written by the commands themselves (``--report``).  A small script is
injected at the top of a copy of each report: it records uncaught errors and
``console.error`` calls, and after the page has loaded writes them into an attribute
that ``--dump-dom`` prints.  Chromium is required: ``make test`` installs Debian's
``chromium`` when it runs as root, and this test fails (never skips) without it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from inversa.cli import app

if TYPE_CHECKING:
    from conftest import Render

ROOT = Path(__file__).parents[2]

#: Every HTML report the command line writes: its arguments (``{sweep}``, ``{store}``:
#: the small sweep config and a store in the test's directory) and its Plotly figures.
REPORTS: dict[str, tuple[list[str], int]] = {
    "curve": (
        ["calc", "curve", "--as-of", "2025-01-02", "--spot", "96000",
         "--futures", "250627=100500,250328=98000", "--funding-rate", "0.0001"],
        1,
    ),
    "carry": (
        ["carry", "backtest", "--venue", "all", "--start", "2021-01-01", "--end", "2021-06-30"],
        1,
    ),
    "guard": (["stress", "replay", "--window", "2020-03", "--guard", "--guard-order", "reduce"], 1),
    "vol-margin": (["stress", "replay", "--window", "2020-03", "--vol-margin"], 1),
    "montecarlo": (
        ["token", "montecarlo", "--config", str(ROOT / "examples" / "token_mc.toml"),
         "--paths", "300", "--steps", "240"],
        1,
    ),
    "sweep": (["sweep", "--config", "{sweep}", "--store", "{store}", "--workers", "1"], 1),
    "grid": (["stress", "grid", "--no-vol-pairs"], 1),
    "cascade": (["stress", "cascade"], 1),
    "replay": (["stress", "replay", "--window", "2020-03"], 1),
    "backtest": (["hedge", "backtest", "--start", "2021-01-01", "--end", "2021-06-30"], 3),
    "token": (["token", "backtest", "--config", str(ROOT / "examples" / "token_tb1.toml")], 6),
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_report_renders_without_console_errors(
    name: str, tmp_path: Path, render: Render, small_sweep: Path
) -> None:
    args, figures = REPORTS[name]
    fill = {"{sweep}": str(small_sweep), "{store}": str(tmp_path / "store")}
    page = tmp_path / f"{name}.html"
    result = CliRunner().invoke(app, [*(fill.get(a, a) for a in args), "--report", str(page)])
    assert result.exit_code == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    body = re.sub(r"<script.*?</script>", "", text, flags=re.S)
    assert "e+0" not in body  # no 1e+08
    tables = body.count("<table")
    assert tables >= 1
    assert body.count("<div class='scroll'><table") == tables  # every table scrolls
    errors, plots = render(page, tmp_path)
    assert errors == []
    assert plots == figures


def test_the_probe_sees_a_broken_page(tmp_path: Path, render: Render) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        "<!doctype html><html><head></head><body><script>nope();</script></body></html>"
    )
    errors, _ = render(page, tmp_path)
    assert errors
    assert "nope" in errors[0]
