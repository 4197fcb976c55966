"""Fuzz cases known to fail on main, each with the lane that owns the fix.

The in-``make test`` sample treats a failing case that matches an entry as an expected
failure and any other failing case as an error; ``make fuzz`` prints the entries that
matched only passing cases, so the lead can delete them as lanes land.  Patterns are
``fnmatch`` patterns on the command (``"calc *"``) and the option (``"--price"``, ``"*"``).
Empty this list; never add to it to make a new failure pass.
"""

# ruff: noqa: E501  (one entry per line is easier to delete)
from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

__all__ = ["KNOWN", "Known", "owner_of"]


@dataclass(frozen=True)
class Known:
    """One known failure: command and option patterns, owning lane, date seen, why."""

    command: str
    option: str
    owner: str
    seen: str
    note: str


KNOWN: list[Known] = [
    Known(
        "calc carry",
        "*",
        "structure",
        "2026-12-01",
        "numbers not declared: 1e999999999 says 'invalid number: [<class decimal.Overflow>]'; --coin-yield inf accepted; usage box",
    ),
    Known(
        "calc entry",
        "*",
        "structure",
        "2026-12-01",
        "--contract-value accepts bad values; usage box for unknown option / --symbol without value",
    ),
    Known(
        "calc fair-price",
        "*",
        "structure",
        "2026-12-01",
        "--funding-rate/--hours-to-funding/--interval-hours ignored for a dated future (nan, inf accepted); Overflow message unnamed",
    ),
    Known(
        "calc fee",
        "*",
        "structure",
        "2026-12-01",
        "--rate inf and --price 1e-400-ish accepted; Overflow message unnamed; usage box",
    ),
    Known(
        "calc funding-payment",
        "*",
        "structure",
        "2026-12-01",
        "--interval-hours, --rate, --mark bad values accepted; Overflow unnamed",
    ),
    Known(
        "calc funding-rate",
        "*",
        "structure",
        "2026-12-01",
        "--premium/--interest inf accepted; --mark/--index/--impact-* ignored or accepted when bad",
    ),
    Known(
        "calc liq",
        "*",
        "structure",
        "2026-12-01",
        "--wallet-balance/--order-margin/--other-*/--taker/--hedge-* inf accepted; Overflow unnamed",
    ),
    Known(
        "calc margin",
        "*",
        "structure",
        "2026-12-01",
        "--maintenance-amount inf ignored, --leverage/--price bad accepted; Overflow unnamed",
    ),
    Known(
        "calc pnl",
        "*",
        "structure",
        "2026-12-01",
        "1e999999999 gives 'invalid number: [<class decimal.Overflow>]' (no field); usage box",
    ),
    Known(
        "calc value",
        "*",
        "structure",
        "2026-12-01",
        "bad --price accepted; Overflow unnamed; usage box",
    ),
    Known("demo", "*", "structure", "2026-12-01", "unknown option prints click's usage box"),
    Known(
        "hedge backtest",
        "*",
        "structure",
        "2026-12-01",
        "--start/--end abc, 2021-02-30: pandas traceback; --report dir/'' traceback; --initial inf warnings first; usage box",
    ),
    Known(
        "hedge plan",
        "*",
        "structure",
        "2026-12-01",
        "--file non-UTF-8: UnicodeDecodeError traceback; 1E+309 prints Infinity; --date/--venues/--taker bad accepted; --funding-days multi-line",
    ),
    Known(
        "hedge stress",
        "*",
        "structure",
        "2026-12-01",
        "--file non-UTF-8 traceback; --date, --move, --shocks, --taker bad values accepted",
    ),
    Known(
        "hedge unwind",
        "*",
        "structure",
        "2026-12-01",
        "--later-date/--date/--venues/--taker bad accepted; --funding-days multi-line; --funding-venue error says 'venue'",
    ),
    Known(
        "stress cascade",
        "*",
        "structure",
        "2026-12-01",
        "--max-rounds 1e999999999 hangs; --report failure leaves tmp file; bad --book cells accepted or unnamed",
    ),
    Known(
        "stress grid",
        "*",
        "structure",
        "2026-12-01",
        "--buckets/--price-range/--extended-fraction bad values accepted; --report leaves tmp file; bad --book cells",
    ),
    Known(
        "stress replay",
        "--no-such-option",
        "structure",
        "2026-12-01",
        "unknown option prints click's usage box",
    ),
    Known(
        "stress replay",
        "--report",
        "structure",
        "2026-12-01",
        "'--report' without value prints the usage box",
    ),
    Known(
        "stress replay",
        "*",
        "engine",
        "2026-12-01",
        "no valid baseline: `stress replay --window 2020-03` fails with interval_hours=None since FundingSeries carries its interval (sim/replay.py)",
    ),
]


def owner_of(case: Any) -> Known | None:
    """The first entry matching the case's command and option, or None."""
    for entry in KNOWN:
        if fnmatchcase(case.command, entry.command) and fnmatchcase(case.option, entry.option):
            return entry
    return None
