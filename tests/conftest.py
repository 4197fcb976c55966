"""Suite-wide test settings.

Hypothesis runs without a per-example deadline: CI shares two cores with the other test
worker and the first call of a Numba kernel compiles it, so wall-clock deadlines would
make the suite flaky without making it stricter.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "inversa", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("inversa")


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

#: ``render(page, tmp) -> (console errors, Plotly plots drawn)``
Render = Callable[[Path, Path], tuple[list[str], int]]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(
            "chromium is missing: run `make test` as root (it installs it) or "
            "`sudo apt-get install chromium`",
            pytrace=False,
        )
    return path


def _render(page: Path, tmp: Path) -> tuple[list[str], int]:
    """Open a copy of ``page`` with an error probe injected in headless Chromium; return
    the uncaught errors and ``console.error`` calls, and the number of Plotly plots."""
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
        timeout=240,
        check=False,
    )
    match = re.search(r"data-errors=\"([^\"]*)\"", done.stdout)
    assert match is not None, f"the page did not finish loading: {done.stderr[-2000:]}"
    errors = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    plots = re.search(r'data-plots="(\d+)"', done.stdout)
    return errors, int(plots.group(1)) if plots else 0


@pytest.fixture
def render() -> Render:
    """Headless Chromium with an error probe (required: a missing browser fails, never
    skips; ``make test`` installs Debian's ``chromium`` when it runs as root)."""
    return _render


#: A sweep of two band policies on one small simulated scenario (two tasks, seconds).
SMALL_SWEEP = """
name = "cli test"
[token]
policy = "band"
[grid]
band = [[-1.2, -0.8], [-1.5, -0.5]]
[[scenarios]]
kind = "montecarlo"
name = "gbm"
paths = 20
steps = 48
market = { model = "gbm", sigma = 0.8 }
"""


@pytest.fixture
def small_sweep(tmp_path: Path) -> Path:
    """A sweep config file (:data:`SMALL_SWEEP`) in the test's directory."""
    path = tmp_path / "sweep.toml"
    path.write_text(SMALL_SWEEP, encoding="utf-8")
    return path
