"""Token backtest reports open in headless Chromium without console errors.

A minimal copy of the structure lane's probe (tests/report/test_html_chromium.py, not on
main when this was written): a script injected at the top of the page records uncaught
errors and ``console.error`` calls and, after load, writes them and the number of Plotly
plots into attributes that ``--dump-dom`` prints.  Chromium is required (never skipped).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inversa.cli import app

ROOT = Path(__file__).parents[2]
_PROBE = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push('error: ' + e.message));
const __err = console.error;
console.error = (...a) => { window.__errors.push('console: ' + a.join(' ')); __err(...a); };
window.addEventListener('load', () => setTimeout(() => {
  document.documentElement.setAttribute('data-errors', JSON.stringify(window.__errors));
  document.documentElement.setAttribute('data-plots',
    String(document.querySelectorAll('.js-plotly-plot').length));
}, 500));
</script>"""


def _render(page: Path, tmp: Path) -> tuple[list[str], int]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("chromium is missing: `sudo apt-get install chromium`", pytrace=False)
    probed = tmp / f"probed-{page.name}"
    probed.write_text(
        page.read_text(encoding="utf-8").replace("<head>", "<head>" + _PROBE, 1), "utf-8"
    )
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp / 'profile'}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            probed.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    match = re.search(r"data-errors=\"([^\"]*)\"", done.stdout)
    assert match is not None, f"the page did not finish loading: {done.stderr[-2000:]}"
    errors = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    plots = re.search(r'data-plots="(\d+)"', done.stdout)
    return errors, int(plots.group(1)) if plots else 0


CONFIGS = ["token_tb1", "token_c_defi_mcap", "token_a_btc_coin_band"]


@pytest.mark.slow
@pytest.mark.parametrize("name", CONFIGS)
def test_token_report_renders_without_console_errors(name: str, tmp_path: Path) -> None:
    page = tmp_path / f"{name}.html"
    config = ROOT / "examples" / f"{name}.toml"
    result = CliRunner().invoke(
        app, ["token", "backtest", "--config", str(config), "--report", str(page), "--json"]
    )
    assert result.exit_code == 0, result.output
    errors, plots = _render(page, tmp_path)
    assert errors == []
    assert plots == 6  # five token figures and the synth comparison


def test_the_probe_sees_a_broken_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        "<!doctype html><html><head></head><body><script>nope();</script></body></html>"
    )
    errors, _ = _render(page, tmp_path)
    assert errors
    assert "nope" in errors[0]
