"""`inversa demo` runs on the bundled data and prints what it computed."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter


def _demo(columns: int) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "inversa", "demo"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"COLUMNS": str(columns), "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_demo_runs_and_shows_each_venue() -> None:
    out = _demo(160)
    for venue in ("bitmex", "bybit", "deribit", "binance-coinm", "okx"):
        assert venue in out
    # The last bundled BTC close (Coinbase daily, 2025-09-24) is the demo's entry price.
    assert "113,700.11 USD on 2025-09-24" in out
    # Bybit classic 10x long at that price: B = E*lev/(lev+1), derived here independently.
    assert f"{113700.11 * 10 / 11:,.1f}" in out


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?%?")


def test_demo_at_80_columns_keeps_every_number_on_one_line() -> None:
    """Every number the demo prints on a wide terminal is printed whole at 80 columns
    (a number folded over two lines, "11,751.4" over "0", reads as another number)."""
    narrow, wide = _demo(80), _demo(400)
    assert "…" not in narrow
    assert max(len(line) for line in narrow.splitlines()) <= 80
    missing = Counter(_NUMBER.findall(wide)) - Counter(_NUMBER.findall(narrow))
    assert not missing, missing
    assert f"{113700.11 * 10 / 11:,.1f}" in narrow  # Bybit's 10x long bankruptcy
