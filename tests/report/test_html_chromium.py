"""Every HTML report opens in headless Chromium without a console error.

The reports are written by the commands themselves (``--report``).  A small script is
injected at the top of a copy of each report: it records uncaught errors and
``console.error`` calls, and after the page has loaded writes them into an attribute
that ``--dump-dom`` prints.  Chromium is required: ``make test`` installs Debian's
``chromium`` when it runs as root, and this test fails (never skips) without it.
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

_PROBE = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push('error: ' + e.message));
window.addEventListener('unhandledrejection', e => window.__errors.push('rejection: ' + e.reason));
const __err = console.error;
console.error = (...a) => { window.__errors.push('console: ' + a.join(' ')); __err(...a); };
window.addEventListener('load', () => setTimeout(() => {
  document.documentElement.setAttribute('data-errors', JSON.stringify(window.__errors));
  document.documentElement.setAttribute('data-plots',
    String(document.querySelectorAll('.js-plotly-plot').length));
}, 500));
</script>"""


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(
            "chromium is missing: run `make test` as root (it installs it) or "
            "`sudo apt-get install chromium`",
            pytrace=False,
        )
    return path


def _console_errors(page: Path, tmp: Path) -> tuple[list[str], int]:
    probed = tmp / f"probed-{page.name}"
    text = page.read_text(encoding="utf-8")
    probed.write_text(text.replace("<head>", "<head>" + _PROBE, 1), encoding="utf-8")
    done = subprocess.run(
        [
            _chromium(),
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
        timeout=180,
        check=False,
    )
    match = re.search(r"data-errors=\"([^\"]*)\"", done.stdout)
    assert match is not None, f"the page did not finish loading: {done.stderr[-2000:]}"
    errors = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    plots = re.search(r'data-plots="(\d+)"', done.stdout)
    return errors, int(plots.group(1)) if plots else 0


REPORTS = {
    "grid": (["stress", "grid", "--no-vol-pairs"], 1),
    "cascade": (["stress", "cascade"], 1),
    "replay": (["stress", "replay", "--window", "2020-03"], 1),
    "backtest": (["hedge", "backtest", "--start", "2021-01-01", "--end", "2021-06-30"], 3),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_report_renders_without_console_errors(name: str, tmp_path: Path) -> None:
    args, figures = REPORTS[name]
    page = tmp_path / f"{name}.html"
    result = CliRunner().invoke(app, [*args, "--report", str(page)])
    assert result.exit_code == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    assert "e+0" not in re.sub(r"<script.*?</script>", "", text, flags=re.S)  # no 1e+08
    assert "class='scroll'" in text
    errors, plots = _console_errors(page, tmp_path)
    assert errors == []
    assert plots == figures


def test_the_probe_sees_a_broken_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        "<!doctype html><html><head></head><body><script>nope();</script></body></html>"
    )
    errors, _ = _console_errors(page, tmp_path)
    assert errors
    assert "nope" in errors[0]
