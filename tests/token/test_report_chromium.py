"""Token backtest reports open in headless Chromium without console errors.

A minimal copy of the structure lane's probe (tests/report/test_html_chromium.py, not on
main when this was written): a script injected at the top of the page records uncaught
errors and ``console.error`` calls and, after load, writes them and the number of Plotly
plots into attributes that ``--dump-dom`` prints.  Chromium is required (never skipped).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from inversa.cli import app

if TYPE_CHECKING:
    from conftest import Render

ROOT = Path(__file__).parents[2]
CONFIGS = ["token_tb1", "token_c_defi_mcap", "token_a_btc_coin_band"]


@pytest.mark.slow
@pytest.mark.parametrize("name", CONFIGS)
def test_token_report_renders_without_console_errors(
    name: str, tmp_path: Path, render: Render
) -> None:
    page = tmp_path / f"{name}.html"
    config = ROOT / "examples" / f"{name}.toml"
    result = CliRunner().invoke(
        app, ["token", "backtest", "--config", str(config), "--report", str(page), "--json"]
    )
    assert result.exit_code == 0, result.output
    errors, plots = render(page, tmp_path)
    assert errors == []
    assert plots == 6  # five token figures and the synth comparison


def test_the_probe_sees_a_broken_page(tmp_path: Path, render: Render) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        "<!doctype html><html><head></head><body><script>nope();</script></body></html>"
    )
    errors, _ = render(page, tmp_path)
    assert errors
    assert "nope" in errors[0]
