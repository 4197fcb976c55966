"""Where funding rates come from: the venue's formula or a historical series.

Rates are fractions per funding interval (0.0001 = 0.01 %), positive when longs pay
shorts.  The engine settles a rate with :meth:`inversa.engine.Engine.settle_funding` at
the venue's timestamps (:meth:`inversa.engine.FundingRules.settlement_times`); only
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

from inversa.engine._dec import ZERO, to_decimal
from inversa.engine.rules import InstrumentRules
from inversa.errors import DataError

__all__ = ["FormulaFunding", "FundingSource", "HistoricalFunding", "validate_series"]


class FundingSource(Protocol):
    """``rate(rules, time)``: the funding rate settled at ``time``, or ``None`` for none."""

    def rate(self, rules: InstrumentRules, time: datetime) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class FormulaFunding:
    """The venue's formula (:meth:`FundingRules.rate`) on a premium index.

    ``premium`` is a constant fraction or a function of the settlement time; with the
    default 0 the clamp model settles the interest rate (0.01 % per 8 h).
    """

    premium: Decimal | Callable[[datetime], Decimal] = ZERO

    def rate(self, rules: InstrumentRules, time: datetime) -> Decimal | None:
        premium = self.premium(time) if callable(self.premium) else self.premium
        return rules.funding.rate(to_decimal("premium", premium))


def validate_series(series: pd.Series, source: str) -> pd.Series:
    """A float series indexed by strictly increasing tz-aware timestamps, all finite.

    Raises :class:`DataError` naming ``source``, the 1-based row and the value.
    """
    if not isinstance(series.index, pd.DatetimeIndex):
        raise DataError(source, "index must be a DatetimeIndex of UTC timestamps")
    if series.index.tz is None:
        raise DataError(source, "index must be timezone-aware (UTC)")
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.argmax(bad))
        shown = series.iloc[row]
        shown = shown.item() if isinstance(shown, np.generic) else shown
        raise DataError(source, f"value {shown!r} is not a finite number", row + 1)
    stamps = series.index.asi8
    steps = np.diff(stamps)
    if (steps <= 0).any():
        row = int(np.argmax(steps <= 0)) + 1
        what = "duplicate" if steps[row - 1] == 0 else "out of order"
        raise DataError(source, f"timestamp {series.index[row]} is {what}", row + 1)
    index = pd.DatetimeIndex(series.index).tz_convert("UTC").as_unit("ns")
    return pd.Series(values, index=index, name=series.name)


class HistoricalFunding:
    """Rates from a historical series (e.g. ``inversa.data.funding_history(...)``).

    ``how="exact"``: a rate settles only at timestamps present in the series;
    ``"asof"`` (default): the last rate at or before the settlement time (none before
    the first row).
    """

    def __init__(
        self, series: pd.Series, *, how: Literal["asof", "exact"] = "asof", source: str = "funding"
    ) -> None:
        self.series = validate_series(series, source)
        self.how = how
        self._stamps = pd.DatetimeIndex(self.series.index).asi8
        self._values = self.series.to_numpy()

    def covers(self, start: datetime, end: datetime) -> bool:
        """True when the series has rows from at or before ``start`` to at or after ``end``."""
        if self.series.empty:
            return False
        first, last = self.series.index[0], self.series.index[-1]
        return bool(first <= pd.Timestamp(start) and last >= pd.Timestamp(end))

    def rate(self, rules: InstrumentRules, time: datetime) -> Decimal | None:
        stamp = pd.Timestamp(time).value
        i = int(np.searchsorted(self._stamps, stamp, side="right")) - 1
        if i < 0 or (self.how == "exact" and self._stamps[i] != stamp):
            return None
        value = float(self._values[i])
        return Decimal(repr(value)) if math.isfinite(value) else None
