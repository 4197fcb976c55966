"""The basis model of dated futures: expiries, time to expiry, and a basis that converges.

No basis history is bundled, so the basis is an input: a constant annualised rate
(:class:`ConstantBasis`) or a user series of annualised rates (:class:`SeriesBasis`, read
from a CSV by :func:`read_basis_csv`).  The fair price of a future expiring at ``T`` seen at
``t`` is ``S * (1 + b(t) * days(t, T) / 365)`` (simple interest, the venues' convention,
:func:`inversa.contracts.dated_fair_price`), so it converges to spot at expiry whatever
``b`` is.  Expiries are quarterly (the last Friday of March, June, September and December)
at ``hour_utc`` (08:00 UTC unless the venue says otherwise).

The curve of a set of quoted futures (:func:`futures_curve`) gives per expiry the simple
annualised basis ``(F/S - 1) * 365 / days`` and the continuously compounded implied rate
``ln(F/S) * 365 / days``; a perpetual's funding rate annualises as
``rate * 24 / interval_hours * 365``.

Units: prices USD per coin; rates annualised fractions (365-day year) unless named per
interval; times tz-aware UTC datetimes; days fractional (seconds / 86,400).
Hedging (``hedging/``) and analytics (``sim/carry``, ``calc curve``) both use this module.
"""

from __future__ import annotations

import calendar
import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, DecimalException
from typing import Protocol

from inversa.contracts._check import check_positive
from inversa.contracts._num import Num, maximum
from inversa.contracts.pricing import (
    DAYS_PER_YEAR,
    annualised_basis,
    dated_fair_price,
    implied_carry_rate,
)
from inversa.errors import DataError, InputError

__all__ = [
    "EXPIRY_HOUR_UTC",
    "QUARTER_MONTHS",
    "BasisModel",
    "ConstantBasis",
    "Curve",
    "CurvePoint",
    "SeriesBasis",
    "annualised_funding",
    "convergence_path",
    "days_between",
    "expiry_datetime",
    "fair_future",
    "futures_curve",
    "last_friday",
    "parse_expiry",
    "quarterly_expiries",
    "read_basis_csv",
]

#: Default settlement hour of dated futures, UTC (Binance, Deribit, OKX).
EXPIRY_HOUR_UTC = 8
#: Months of the quarterly cycle.
QUARTER_MONTHS = (3, 6, 9, 12)
_SECONDS_PER_DAY = Decimal(86400)
#: Largest annualised basis a CSV may give (1000 % a year; the CLI's --basis domain too).
MAX_BASIS_RATE = Decimal(10)


def _utc(when: datetime, field: str) -> datetime:
    if when.tzinfo is None:
        raise InputError(field, when.isoformat(), "needs a UTC time zone")
    return when.astimezone(UTC)


def last_friday(year: int, month: int) -> date:
    """The last Friday of a month."""
    last = calendar.monthrange(year, month)[1]
    day = date(year, month, last)
    return day - timedelta(days=(day.weekday() - calendar.FRIDAY) % 7)


def expiry_datetime(day: date, hour_utc: int = EXPIRY_HOUR_UTC) -> datetime:
    """The settlement instant of a future expiring on ``day``: ``hour_utc``:00 UTC."""
    if not 0 <= hour_utc <= 23:
        raise InputError("hour_utc", hour_utc, "must lie in 0..23")
    return datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC)


def parse_expiry(text: str, field: str = "expiry", hour_utc: int = EXPIRY_HOUR_UTC) -> datetime:
    """``"250328"`` (YYMMDD, the venues' symbol suffix) or ``"2025-03-28"`` -> its expiry
    instant at ``hour_utc`` UTC."""
    raw = text.strip()
    try:
        if len(raw) == 6 and raw.isdigit():
            day = date(2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:]))
        else:
            day = date.fromisoformat(raw)
    except ValueError:
        raise InputError(field, text, "expected YYMMDD or YYYY-MM-DD") from None
    return expiry_datetime(day, hour_utc)


def quarterly_expiries(
    after: datetime, count: int, hour_utc: int = EXPIRY_HOUR_UTC
) -> tuple[datetime, ...]:
    """The next ``count`` quarterly expiries strictly after ``after`` (last Fridays of
    March, June, September, December at ``hour_utc`` UTC)."""
    start = _utc(after, "after")
    if count < 0:
        raise InputError("count", count, "must be >= 0")
    out: list[datetime] = []
    year, month = start.year, start.month
    while len(out) < count:
        if month in QUARTER_MONTHS:
            when = expiry_datetime(last_friday(year, month), hour_utc)
            if when > start:
                out.append(when)
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return tuple(out)


def days_between(start: datetime, end: datetime) -> Decimal:
    """Exact fractional days from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    delta = _utc(end, "end") - _utc(start, "start")
    seconds = Decimal(delta.days) * _SECONDS_PER_DAY + Decimal(delta.seconds)
    return (seconds + Decimal(delta.microseconds) / 10**6) / _SECONDS_PER_DAY


class BasisModel(Protocol):
    """An annualised simple basis rate as a function of time (fraction per 365 days)."""

    def rate_at(self, when: datetime) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class ConstantBasis:
    """The same annualised basis at all times."""

    rate: Decimal

    def rate_at(self, when: datetime) -> Decimal:
        return self.rate


@dataclass(frozen=True, slots=True)
class SeriesBasis:
    """A user series of annualised basis rates, stepwise: the last rate at or before ``when``."""

    times: tuple[datetime, ...]
    rates: tuple[Decimal, ...]
    source: str = "basis series"

    def __post_init__(self) -> None:
        if not self.times or len(self.times) != len(self.rates):
            raise DataError(self.source, "needs at least one (time, rate) row, equal lengths")
        for i in range(1, len(self.times)):
            if self.times[i] <= self.times[i - 1]:
                raise DataError(self.source, "times must increase strictly", row=i + 1)

    def rate_at(self, when: datetime) -> Decimal:
        at = _utc(when, "when")
        if at < self.times[0]:
            raise InputError(
                "basis", self.source, f"starts {self.times[0].isoformat()}, after {at.isoformat()}"
            )
        lo, hi = 0, len(self.times) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.times[mid] <= at:
                lo = mid
            else:
                hi = mid - 1
        return self.rates[lo]


def read_basis_csv(text: str, source: str = "basis CSV") -> SeriesBasis:
    """A :class:`SeriesBasis` from CSV text with columns ``timestamp`` (ISO-8601 UTC, or a
    date) and ``basis_rate`` (annualised fraction); a byte-order mark is ignored."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [c.strip() for c in reader.fieldnames or ()]
    if "timestamp" not in columns or "basis_rate" not in columns:
        raise DataError(source, "header needs 'timestamp' and 'basis_rate' columns", row=1)
    unknown = sorted(set(columns) - {"timestamp", "basis_rate"})
    if unknown:
        raise DataError(source, f"unknown column {unknown[0]!r}", row=1)
    times: list[datetime] = []
    rates: list[Decimal] = []
    for i, row in enumerate(reader, start=2):
        if None in row:
            raise DataError(source, "more cells than header columns", i)
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        try:
            when = datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00"))
        except ValueError:
            raise DataError(source, f"timestamp {row['timestamp']!r} is not ISO-8601", i) from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        try:
            rate = Decimal(row["basis_rate"]) if "_" not in row["basis_rate"] else None
        except DecimalException:
            rate = None
        if rate is None:
            raise DataError(source, f"basis_rate {row['basis_rate']!r} is not a number", i)
        if not rate.is_finite() or not -MAX_BASIS_RATE <= rate <= MAX_BASIS_RATE:
            raise DataError(
                source, f"basis_rate {row['basis_rate']!r} is not in [-10, 10] per year", i
            )
        when = when.astimezone(UTC)
        if times and when <= times[-1]:
            raise DataError(source, f"timestamp {row['timestamp']!r} does not increase", i)
        times.append(when)
        rates.append(rate)
    return SeriesBasis(tuple(times), tuple(rates), source)


def fair_future(spot: Num, rate: Num, days_to_expiry: Num) -> Num:
    """Fair price of the future: ``S * (1 + rate * max(days, 0) / 365)``; equals ``S`` at
    and after expiry (convergence)."""
    days = maximum(days_to_expiry, days_to_expiry - days_to_expiry)
    return dated_fair_price(spot, rate, days)


def annualised_funding(rate: Num, interval_hours: Num) -> Num:
    """A perpetual's funding rate per interval as a simple annual rate:
    ``rate * 24 / interval_hours * 365`` (positive: longs pay, the curve's carry)."""
    check_positive("interval_hours", interval_hours)
    return rate * 24 / interval_hours * DAYS_PER_YEAR


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """One dated future on the curve.

    Attributes:
        expiry: settlement instant (UTC).
        days: days from the curve date to expiry.
        future: quoted price, USD per coin.
        basis: ``F - S`` USD per coin.
        annualised_basis: ``(F/S - 1) * 365 / days``, simple.
        implied_rate: ``ln(F/S) * 365 / days``, continuously compounded.
    """

    expiry: datetime
    days: Decimal
    future: Decimal
    basis: Decimal
    annualised_basis: Decimal
    implied_rate: Decimal


@dataclass(frozen=True, slots=True)
class Curve:
    """The term structure at ``as_of``: points sorted by expiry, and the perpetual's
    annualised funding (``None`` if not given)."""

    as_of: datetime
    spot: Decimal
    points: tuple[CurvePoint, ...]
    perpetual_rate: Decimal | None = None


def futures_curve(
    as_of: datetime,
    spot: Decimal,
    futures: Mapping[datetime, Decimal],
    *,
    funding_rate: Decimal | None = None,
    interval_hours: Decimal = Decimal(8),
    field: str = "futures",
) -> Curve:
    """Annualised basis and implied rate per expiry; expiries at or before ``as_of`` are
    refused (InputError naming ``field``)."""
    at = _utc(as_of, "as_of")
    check_positive("spot", spot)
    if not futures:
        raise InputError(field, "{}", "give at least one EXPIRY=PRICE")
    points = []
    for expiry, price in sorted(futures.items()):
        days = days_between(at, expiry)
        if days <= 0:
            raise InputError(
                field,
                f"{expiry:%y%m%d}",
                f"expired at {expiry:%Y-%m-%d %H:%M} UTC, not after as-of {at:%Y-%m-%d %H:%M}",
            )
        check_positive(f"{field}.{expiry:%y%m%d}", price)
        points.append(
            CurvePoint(
                expiry=expiry,
                days=days,
                future=price,
                basis=price - spot,
                annualised_basis=annualised_basis(price, spot, days),
                implied_rate=implied_carry_rate(price, spot, days),
            )
        )
    perp = None if funding_rate is None else annualised_funding(funding_rate, interval_hours)
    return Curve(at, spot, tuple(points), perp)


def convergence_path(
    spot: Decimal, rate: Decimal, as_of: datetime, expiry: datetime, steps: int = 20
) -> Sequence[tuple[datetime, Decimal, Decimal]]:
    """(time, days to expiry, fair future) at ``steps + 1`` evenly spaced times from
    ``as_of`` to ``expiry`` with spot and the annualised basis held fixed: the future's
    premium shrinks linearly in time to 0 at expiry."""
    if steps < 1:
        raise InputError("steps", steps, "must be >= 1")
    total = days_between(as_of, expiry)
    if total <= 0:
        raise InputError("expiry", expiry.isoformat(), "must be after as_of")
    out = []
    span = expiry - as_of
    for k in range(steps + 1):
        when = as_of + span * k / steps
        left = total * (steps - k) / steps
        out.append((when, left, fair_future(spot, rate, left)))
    return out
