"""Dated-symbol patterns and expiry rules.

A pattern is a symbol with one date token:

- ``{YYMMDD}``: ``250627`` (ccxt ``BTC/USD:BTC-250627``, Binance ``BTCUSD_250627``,
  OKX ``BTC-USD-250627``);
- ``{DMMMYY}``: Deribit's ``27JUN25`` (day without a leading zero, ``4JUL25``);
- ``{MYY}``: BitMEX's month code and year, ``M25``; the day comes from the expiry rule.

Matching is case-insensitive.  Times are UTC.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

from inversa.contracts.basis import last_friday
from inversa.errors import InputError

__all__ = [
    "RULE_KINDS",
    "TOKENS",
    "ExpiryRule",
    "check_pattern",
    "format_symbol",
    "match_symbol",
]

#: BitMEX/CME futures month codes.
MONTH_CODES = "FGHJKMNQUVXZ"
MONTH_NAMES = tuple(calendar.month_abbr[m].upper() for m in range(1, 13))
TOKENS = ("{YYMMDD}", "{DMMMYY}", "{MYY}")
RULE_KINDS = ("last-friday", "friday", "weekly-friday")

_FRIDAY = 4
_TOKEN_REGEX = {
    "{YYMMDD}": r"(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})",
    "{DMMMYY}": r"(?P<dd>\d{1,2})(?P<mon>[A-Z]{3})(?P<yy>\d{2})",
    "{MYY}": rf"(?P<code>[{MONTH_CODES}])(?P<yy>\d{{2}})",
}


@dataclass(frozen=True, slots=True)
class ExpiryRule:
    """Which dates are expiries, and at what UTC hour the contract settles.

    Attributes:
        kind: ``"last-friday"`` (the last Friday of one of ``months``: monthly and
            quarterly listings), ``"friday"`` (any Friday: weekly, monthly and quarterly
            listings) or ``"weekly-friday"`` (a Friday that is not the month's last: the
            weeklies, where they have terms of their own).
        hour_utc: settlement hour, UTC.
        months: calendar months (1-12) that hold an expiry; empty means every month.
    """

    kind: str
    hour_utc: int
    months: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in RULE_KINDS:
            raise InputError("expiry.rule", self.kind, f"expected one of {', '.join(RULE_KINDS)}")
        if not 0 <= self.hour_utc <= 23:
            raise InputError("expiry.hour_utc", self.hour_utc, "must lie in 0..23")
        if any(not 1 <= m <= 12 for m in self.months):
            raise InputError("expiry.months", self.months, "months must lie in 1..12")

    def _month_ok(self, month: int) -> bool:
        return not self.months or month in self.months

    def is_expiry(self, day: date) -> bool:
        if day.weekday() != _FRIDAY or not self._month_ok(day.month):
            return False
        last = day == last_friday(day.year, day.month)
        return {"friday": True, "last-friday": last, "weekly-friday": not last}[self.kind]

    def expiry_in_month(self, year: int, month: int) -> date | None:
        """The one expiry of a month (``last-friday`` rules), else ``None``."""
        if self.kind != "last-friday" or not self._month_ok(month):
            return None
        return last_friday(year, month)

    def expiry_datetime(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, self.hour_utc, tzinfo=UTC)

    def describe(self) -> str:
        months = (
            "/".join(calendar.month_abbr[m] for m in self.months) if self.months else "any month"
        )
        when = {
            "last-friday": "the last Friday of",
            "friday": "a Friday in",
            "weekly-friday": "a Friday other than the last of",
        }[self.kind]
        return f"expiries fall on {when} {months}, {self.hour_utc:02d}:00 UTC"


def _token_of(pattern: str) -> str:
    found = [t for t in TOKENS if t in pattern]
    if len(found) != 1 or pattern.count(found[0]) != 1:
        raise InputError("pattern", pattern, f"needs exactly one date token of {TOKENS}")
    return found[0]


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    token = _token_of(pattern)
    head, _, tail = pattern.partition(token)
    return re.compile(re.escape(head) + _TOKEN_REGEX[token] + re.escape(tail), re.IGNORECASE)


def check_pattern(pattern: str, rule: ExpiryRule) -> None:
    """Raise InputError unless ``pattern`` can name a date under ``rule``."""
    if _token_of(pattern) == "{MYY}" and rule.kind != "last-friday":
        raise InputError("pattern", pattern, "{MYY} names a month: needs a last-friday rule")


def format_symbol(pattern: str, day: date) -> str:
    """``pattern`` with its date token filled in for ``day``."""
    yy = f"{day.year % 100:02d}"
    values = {
        "{YYMMDD}": f"{yy}{day.month:02d}{day.day:02d}",
        "{DMMMYY}": f"{day.day}{MONTH_NAMES[day.month - 1]}{yy}",
        "{MYY}": f"{MONTH_CODES[day.month - 1]}{yy}",
    }
    token = _token_of(pattern)
    return pattern.replace(token, values[token])


def match_symbol(pattern: str, symbol: str, rule: ExpiryRule) -> date | None:
    """The date ``symbol`` names if it has the shape of ``pattern``, else ``None``.

    Raises InputError (naming the symbol) when the shape matches but the date does not
    exist, or a month code names a month without an expiry.
    """
    found = _compile(pattern).fullmatch(symbol.strip())
    if found is None:
        return None
    parts = found.groupdict()
    year = 2000 + int(parts["yy"])
    try:
        if "code" in parts:
            month = MONTH_CODES.index(parts["code"].upper()) + 1
            day = rule.expiry_in_month(year, month)
            if day is None:
                raise InputError("symbol", symbol, f"no expiry in that month: {rule.describe()}")
            return day
        if "mon" in parts:
            mon = parts["mon"].upper()
            if mon not in MONTH_NAMES:
                raise InputError("symbol", symbol, f"unknown month {mon!r}")
            return date(year, MONTH_NAMES.index(mon) + 1, int(parts["dd"]))
        return date(year, int(parts["mm"]), int(parts["dd"]))
    except InputError:
        raise
    except ValueError as exc:
        raise InputError("symbol", symbol, f"not a calendar date ({exc})") from None
