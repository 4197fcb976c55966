"""Fuzz cases known to fail on main, each with the lane that owns the fix.

The in-``make test`` sample treats a failing case that matches an entry as an expected
failure and any other failing case as an error; ``make fuzz`` prints the entries that
matched only passing cases, so the lead can delete them as lanes land.  Patterns are
``fnmatch`` patterns on the command (``"calc *"``) and the option (``"--price"``, ``"*"``).
Empty this list; never add to it to make a new failure pass.
"""

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


KNOWN: list[Known] = []


def owner_of(case: Any) -> Known | None:
    """The first entry matching the case's command and option, or None."""
    for entry in KNOWN:
        if fnmatchcase(case.command, entry.command) and fnmatchcase(case.option, entry.option):
            return entry
    return None
