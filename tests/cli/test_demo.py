"""`inversa demo` runs on the bundled data and prints what it computed."""

from __future__ import annotations

import subprocess
import sys


def test_demo_runs_and_shows_each_venue() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "inversa", "demo"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"COLUMNS": "160", "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    for venue in ("bitmex", "bybit", "deribit", "binance-coinm", "okx"):
        assert venue in done.stdout
    # The last bundled BTC close (Coinbase daily, 2025-09-24) is the demo's entry price.
    assert "113,700.11 USD on 2025-09-24" in done.stdout
    # Bybit classic 10x long at that price: B = E*lev/(lev+1), derived here independently.
    assert f"{113700.11 * 10 / 11:,.1f}" in done.stdout
