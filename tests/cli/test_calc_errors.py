"""The calculator never shows a traceback for a user error: one stderr line, exit 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

CASES = [
    (
        [
            "calc",
            "pnl",
            "--side",
            "flat",
            "--contracts",
            "1",
            "--entry",
            "1",
            "--exit",
            "2",
            "--contract-value",
            "1",
        ],
        "side='flat'",
    ),
    (
        [
            "calc",
            "pnl",
            "--side",
            "long",
            "--contracts",
            "-5",
            "--entry",
            "1",
            "--exit",
            "2",
            "--contract-value",
            "1",
        ],
        "contracts",
    ),
    (["calc", "value", "--contracts", "10", "--price", "0", "--contract-value", "1"], "price"),
    (["calc", "value", "--contracts", "10", "--price", "nan", "--contract-value", "1"], "price"),
    (["calc", "value", "--contracts", "abc", "--price", "1", "--contract-value", "1"], "contracts"),
    (
        [
            "calc",
            "margin",
            "--contracts",
            "10",
            "--price",
            "400",
            "--contract-value",
            "1",
            "--tiers",
            "20:0.01,10:0.02",
        ],
        "tiers[1].upper",
    ),
    (
        [
            "calc",
            "liq",
            "--model",
            "bybit-classic",
            "--side",
            "long",
            "--entry",
            "8000",
            "--leverage",
            "0.5",
            "--mmr",
            "0.005",
        ],
        "leverage",
    ),
    (["calc", "liq", "--model", "nope", "--side", "long", "--entry", "8000"], "model='nope'"),
    (["calc", "entry", "--fills", "1000@5000,x@1"], "fills[1]"),
]


@pytest.mark.parametrize(("argv", "needle"), CASES, ids=[" ".join(c[0][:2]) + c[1] for c in CASES])
def test_user_error_is_one_line(argv: list[str], needle: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "inversa", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert needle in lines[0]
    assert done.stdout == ""
