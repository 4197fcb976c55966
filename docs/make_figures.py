"""Redraw the PNG figures the README shows, from the bundled data (needs Debian's chromium).

    .venv/bin/python docs/make_figures.py

Each figure is the first chart of a report the CLI writes (``inversa token backtest``),
drawn on its own page and captured by headless Chromium.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from inversa import token as t
from inversa.report.token import token_figures

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"


def _png(fig: go.Figure, out: Path, width: int = 1000) -> None:
    height = int(fig.layout.height or 450)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("error: chromium is missing: sudo apt-get install chromium")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "figure.html"
        fig.update_layout(width=width, height=height, margin={"b": 40})
        html = pio.to_html(fig, include_plotlyjs=True, full_html=True,
                           config={"displayModeBar": False})  # fmt: skip
        page.write_text(html, encoding="utf-8")
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={Path(tmp) / 'profile'}", f"--window-size={width},{height}",
             "--virtual-time-budget=8000", f"--screenshot={out}", page.as_uri()],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip


def main() -> None:
    run = t.backtest(EXAMPLES / "token_a_btc_coin_band.toml")
    nav = token_figures(run.result, run.summary, run.spec.policy)[0]
    _png(nav, HERE / "token_a_nav.png")
    print(HERE / "token_a_nav.png")


if __name__ == "__main__":
    main()
