"""Fuzz cases known to fail on main, each with the lane that owns the fix.

The in-``make test`` sample treats a failing case that matches an entry as an expected
failure and any other failing case as an error; ``make fuzz`` prints the entries that
matched only passing cases, so the lead can delete them as lanes land.  Patterns are
``fnmatch`` patterns on the command (``"calc *"``) and the option (``"--price"``, ``"*"``).
Empty this list; never add to it to make a new failure pass.
"""

# ruff: noqa: E501  (the notes quote what failed)
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
        "--coin-yield inf accepted; --future multi-line; 1e999999999 gives 'invalid number: [<class decimal.Overflow>]' (no field); unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "calc entry",
        "*",
        "structure",
        "2026-12-01",
        "--contract-value bad values accepted; unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "calc fair-price",
        "*",
        "structure",
        "2026-12-01",
        "--funding-rate/--hours-to-funding/--interval-hours ignored for a dated future (nan accepted); 1e999999999 gives 'invalid number: [<class decimal.Overflow>]' (no field); unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "calc fee",
        "*",
        "structure",
        "2026-12-01",
        "--rate inf, tiny --price accepted; 1e999999999 gives 'invalid number: [<class decimal.Overflow>]' (no field); unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "calc funding-payment",
        "*",
        "structure",
        "2026-12-01",
        "--interval-hours, --rate, --mark bad values accepted; 1e999999999 gives 'invalid number: [<class decimal.Overflow>]' (no field); unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "calc funding-rate",
        "*",
        "structure",
        "2026-12-01",
        "--premium/--interest inf, --mark -1, --dead-band/--impact-* bad accepted; 1e999999999 gives 'invalid number: [<class decimal.Overflow>]' (no field); unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "calc liq",
        "*",
        "structure",
        "2026-12-01",
        "--wallet-balance/--order-margin/--other-*/--taker/--hedge-*/--leverage inf or <0 accepted; 1e999999999 gives 'invalid number: [<class decimal.Overflow>]' (no field); unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "calc margin",
        "*",
        "structure",
        "2026-12-01",
        "--maintenance-amount inf ignored, --leverage/--price bad accepted; 1e999999999 gives 'invalid number: [<class decimal.Overflow>]' (no field); unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "calc pnl",
        "*",
        "structure",
        "2026-12-01",
        "1e999999999 gives 'invalid number: [<class decimal.Overflow>]' (no field); unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "calc value",
        "*",
        "structure",
        "2026-12-01",
        "tiny --price accepted; 1e999999999 gives 'invalid number: [<class decimal.Overflow>]' (no field); unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "demo",
        "*",
        "structure",
        "2026-12-01",
        "unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "hedge backtest",
        "*",
        "structure",
        "2026-12-01",
        "--start/--end abc, 2021-02-30: pandas traceback; --report ''/dir traceback; --initial inf: warnings first; --funding-venue error names 'venue'; unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "hedge plan",
        "*",
        "structure",
        "2026-12-01",
        "--file non-UTF-8: UnicodeDecodeError traceback, 1e309 prints Infinity, bad cells unnamed; --date/--venues/--taker bad accepted; --funding-days multi-line; unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "hedge stress",
        "*",
        "structure",
        "2026-12-01",
        "--file non-UTF-8 traceback; --date/--move/--shocks/--taker bad accepted; unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "hedge unwind",
        "*",
        "structure",
        "2026-12-01",
        "--later-date/--date/--venues/--taker bad accepted; --funding-days multi-line; --funding-venue error names 'venue'; unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "stress cascade",
        "*",
        "structure",
        "2026-12-01",
        "--max-rounds 1e999999999 hangs; failed --report leaves a tmp file; bad --book cells accepted or unnamed; unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "stress grid",
        "*",
        "structure",
        "2026-12-01",
        "--buckets/--price-range/--extended-fraction bad accepted; failed --report leaves a tmp file; bad --book cells; unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "stress replay",
        "--no-such-option",
        "structure",
        "2026-12-01",
        "unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "stress replay",
        "--report",
        "structure",
        "2026-12-01",
        "failed --report write leaves a tmp file (cli/stress.py _write_report); --report without value: usage box",
    ),
    Known(
        "venues list",
        "--no-such-option",
        "structure",
        "2026-12-01",
        "unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "venues show",
        "--no-such-option",
        "structure",
        "2026-12-01",
        "unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "venues show",
        "--symbol",
        "structure",
        "2026-12-01",
        "unknown option / option without value: click's multi-line usage box",
    ),
    Known(
        "venues show",
        "<venue>",
        "structure",
        "2026-12-01",
        "'-inf' as the venue is parsed as an option: usage box",
    ),
    Known(
        "index *",
        "*",
        "token",
        "2026-12-01",
        "index level --start/--end abc: pandas DateParseError traceback; --out '' traceback, --out/--supply-csv/--start declare no domain; --glide-days usage box; --base-level inf accepted (level null); index cap --weights 1e999999999: Overflow unnamed; unknown option / no value: usage box (app-wide, structure)",
    ),
    Known(
        "token *",
        "*",
        "token",
        "2026-12-01",
        "numbers not declared: 1e999999999 gives Overflow unnamed (decay, drift, path, reset-trade, streaming-fee, synth); band --current/--elapsed-hours/--interval-hours/--max/--ripcord, path --prices/--start-nav, reset-trade --index-return inf or out of range accepted; backtest --config bad keys unnamed, --report is str; unknown option / no value: usage box (app-wide, structure)",
    ),
]


def owner_of(case: Any) -> Known | None:
    """The first entry matching the case's command and option, or None."""
    for entry in KNOWN:
        if fnmatchcase(case.command, entry.command) and fnmatchcase(case.option, entry.option):
            return entry
    return None
