"""Where funding rates come from: the venue's formula or a historical series.

Rates are fractions per funding interval (0.0001 = 0.01 %), positive when longs pay
shorts; a source always answers per the instrument's ``funding.interval_hours``.
The engine settles a rate with :meth:`inversa.engine.Engine.settle_funding` at
the venue's timestamps (:meth:`inversa.venues.Funding.settlement_times`); only
positions open at that moment pay or receive ``funding_payment(side, N, CV, mark, rate)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from inversa.data._funding import FundingSeries, check_rates
from inversa.engine._dec import ZERO, to_decimal
from inversa.engine.terms import funding_interval
from inversa.errors import InputError
from inversa.venues import Instrument

__all__ = ["FormulaFunding", "FundingSource", "HistoricalFunding", "validate_series"]


class FundingSource(Protocol):
    """``rate(inst, time)``: the funding rate settled at ``time``, or ``None`` for none."""

    def rate(self, inst: Instrument, time: datetime) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class FormulaFunding:
    """The instrument's funding formula (:meth:`inversa.venues.Funding.rate`) on a
    premium index; ``None`` for an instrument without funding (a dated future).

    ``premium`` is a constant fraction or a function of the settlement time; with the
    default 0 the clamp model settles the interest rate (0.01 % per 8 h).
    """

    premium: Decimal | Callable[[datetime], Decimal] = ZERO

    def rate(self, inst: Instrument, time: datetime) -> Decimal | None:
        if inst.funding is None:
            return None
        premium = self.premium(time) if callable(self.premium) else self.premium
        return inst.funding.rate(to_decimal("premium", premium))


def validate_series(series: pd.Series, source: str) -> pd.Series:
    """A float series indexed by strictly increasing tz-aware timestamps, all finite
    (:func:`inversa.data._funding.check_rates`)."""
    return check_rates(series, source)


class HistoricalFunding:
    """Rates from a :class:`~inversa.data.FundingSeries` (e.g.
    ``inversa.data.funding_series("bybit")``), restated per the instrument's interval.

    Every row carries the hours its rate covers, so a Deribit hourly accrual and an 8-hour
    rate are never confused: :meth:`rate` returns the rate per
    ``inst.funding.interval_hours``.  For a discrete settlement at ``t`` from a finer
    series (hourly rows, 8-hour settlements) it is the sum of the rows in
    ``(t - interval, t]`` (scaled up for missing rows); otherwise the row at or before
    ``t`` restated per interval.  A bare :class:`pandas.Series` needs ``interval_hours``.

    ``how="exact"``: a rate settles only at timestamps present in the series;
    ``"asof"`` (default): the last rate at or before the settlement time (none before
    the first row).
    """

    def __init__(
        self,
        series: FundingSeries | pd.Series,
        *,
        interval_hours: float | None = None,
        how: Literal["asof", "exact"] = "asof",
        source: str = "funding",
    ) -> None:
        if how not in ("asof", "exact"):
            raise InputError("how", how, "must be 'asof' or 'exact'")
        if isinstance(series, FundingSeries):
            if interval_hours is not None:
                raise InputError(
                    "interval_hours", interval_hours, "a FundingSeries carries its own interval"
                )
            self.funding = series
        else:
            if interval_hours is None:
                raise InputError(
                    "interval_hours",
                    None,
                    "a bare Series of rates needs the hours each rate covers "
                    "(8 for 8-hour rates, 1 for hourly accruals)",
                )
            hours = to_decimal("interval_hours", interval_hours, positive=True)
            self.funding = FundingSeries.constant(series, float(hours), source)
        self.series = self.funding.rates
        self.how = how
        self._stamps = pd.DatetimeIndex(self.series.index).asi8
        self._rates = self.series.to_numpy(dtype=np.float64)
        self._hours = self.funding.interval_hours.to_numpy(dtype=np.float64)
        self._cum_rates = np.concatenate(([0.0], np.cumsum(self._rates)))
        self._cum_hours = np.concatenate(([0.0], np.cumsum(self._hours)))

    @property
    def venue(self) -> str:
        return self.funding.venue

    def covers(self, start: datetime, end: datetime) -> bool:
        """True when the series has rows from at or before ``start`` to at or after ``end``."""
        return self.funding.covers(start, end)

    def rate(self, inst: Instrument, time: datetime) -> Decimal | None:
        stamp = pd.Timestamp(time).value
        i = int(np.searchsorted(self._stamps, stamp, side="right")) - 1
        if i < 0 or (self.how == "exact" and self._stamps[i] != stamp):
            return None
        interval = float(funding_interval(inst))
        continuous = inst.funding is not None and inst.funding.continuous
        if continuous or self._hours[i] >= interval:
            value = self._rates[i] / self._hours[i] * interval
        else:
            since = stamp - int(interval * 3_600_000_000_000)
            j = int(np.searchsorted(self._stamps, since, side="right"))
            total = self._cum_rates[i + 1] - self._cum_rates[j]
            covered = self._cum_hours[i + 1] - self._cum_hours[j]
            value = total * interval / covered
        return Decimal(repr(float(value))) if math.isfinite(value) else None
