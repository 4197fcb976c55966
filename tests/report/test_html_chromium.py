"""Every HTML report opens in headless Chromium without a console error.

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

REPORTS = {
    "grid": (["stress", "grid", "--no-vol-pairs"], 1),
    "cascade": (["stress", "cascade"], 1),
    "replay": (["stress", "replay", "--window", "2020-03"], 1),
    "backtest": (["hedge", "backtest", "--start", "2021-01-01", "--end", "2021-06-30"], 3),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_report_renders_without_console_errors(name: str, tmp_path: Path, render: Render) -> None:
    args, figures = REPORTS[name]
    page = tmp_path / f"{name}.html"
    result = CliRunner().invoke(app, [*args, "--report", str(page)])
    assert result.exit_code == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    assert "e+0" not in re.sub(r"<script.*?</script>", "", text, flags=re.S)  # no 1e+08
    assert "class='scroll'" in text
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
