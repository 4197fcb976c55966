"""The oracle the keeper reads: a deviation/heartbeat feed, a TWAP over it, a staleness
limit, and injected faults (a stale feed, a delayed feed, a manipulated print).

Exact semantics, bar by bar (``p_i`` the bar price, USD per coin):

1. The *source* price at bar ``i`` is ``p_i``, except inside a fault's ``[start, end)``:
   ``manipulate`` reports ``p_i * (1 + size)``; ``delay`` reports the bar price
   ``lag_hours`` earlier (the first bar's price before the data starts); ``stale`` reports
   nothing (the feed is down).
2. The *feed* publishes the source price when it moved by at least ``deviation`` from the
   last published value (Chainlink's deviation threshold), or when ``heartbeat_hours``
   have passed since the last publication, or on the first bar.  A stale fault blocks
   publications.
3. The keeper's price is the mean of the last ``twap_bars`` published values, one per bar
   (the last published value repeats on bars without a publication).
4. ``age_hours`` is the time since the last publication; when it exceeds
   ``staleness_hours`` the keeper refuses to rebalance on that bar.

The keeper sizes and decides at the oracle price, while the engine marks and fills at the
bar price; with ``slippage_tolerance`` a trade whose fill price is further than that
fraction from the oracle price is refused (PerpV2's oracle-bounded slippage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from inversa.errors import InputError

__all__ = ["Fault", "OracleFeed", "OracleSpec", "oracle_feed"]

FaultKind = Literal["stale", "delay", "manipulate"]


@dataclass(frozen=True)
class Fault:
    """One injected fault over ``[start, end)`` (UTC); ``lag_hours`` for ``delay``,
    ``size`` (relative, 0.2 = +20 %) for ``manipulate``."""

    kind: FaultKind
    start: datetime
    end: datetime
    lag_hours: float = 0.0
    size: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in ("stale", "delay", "manipulate"):
            raise InputError("oracle.faults.kind", self.kind, "stale, delay or manipulate")
        if not self.end > self.start:
            raise InputError("oracle.faults.end", self.end, "must be after start")
        if self.kind == "delay" and not self.lag_hours > 0:
            raise InputError("oracle.faults.lag_hours", self.lag_hours, "must be > 0")
        if self.kind == "manipulate" and not self.size > -1:
            raise InputError("oracle.faults.size", self.size, "must be > -1")

    def label(self) -> str:
        """A short description for tables."""
        extra = {
            "stale": "",
            "delay": f" {self.lag_hours:g} h",
            "manipulate": f" {self.size:+.0%}",
        }[self.kind]
        return f"{self.kind}{extra} {self.start:%Y-%m-%d %H:%M} .. {self.end:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class OracleSpec:
    """The oracle model (see the module docstring); ``None`` fields disable a rule."""

    staleness_hours: float | None = None
    deviation: float = 0.0
    heartbeat_hours: float | None = None
    twap_bars: int = 1
    slippage_tolerance: float | None = None
    faults: tuple[Fault, ...] = ()

    def __post_init__(self) -> None:
        if self.staleness_hours is not None and not self.staleness_hours > 0:
            raise InputError("oracle.staleness_hours", self.staleness_hours, "must be > 0")
        if not 0 <= self.deviation < 1:
            raise InputError("oracle.deviation", self.deviation, "must lie in [0, 1)")
        if self.heartbeat_hours is not None and not self.heartbeat_hours > 0:
            raise InputError("oracle.heartbeat_hours", self.heartbeat_hours, "must be > 0")
        if self.twap_bars < 1:
            raise InputError("oracle.twap_bars", self.twap_bars, "must be >= 1")
        if self.slippage_tolerance is not None and not self.slippage_tolerance > 0:
            raise InputError("oracle.slippage_tolerance", self.slippage_tolerance, "must be > 0")


@dataclass(frozen=True)
class OracleFeed:
    """The oracle over the bars: ``price`` (keeper's price, USD per coin) and
    ``age_hours`` (since the last publication) per bar, and ``stale`` (age beyond the
    limit)."""

    price: NDArray[np.float64]
    age_hours: NDArray[np.float64]
    stale: NDArray[np.bool_]


def oracle_feed(
    times: tuple[datetime, ...], prices: NDArray[np.float64], spec: OracleSpec
) -> OracleFeed:
    """Run the oracle model over the bars (see the module docstring)."""
    n = len(times)
    stamps = np.array([t.timestamp() for t in times])
    source = prices.astype(np.float64).copy()
    down = np.zeros(n, dtype=bool)
    for f in spec.faults:
        inside = np.array([f.start <= t < f.end for t in times])
        if f.kind == "manipulate":
            source[inside] = prices[inside] * (1.0 + f.size)
        elif f.kind == "delay":
            for k in np.nonzero(inside)[0]:
                past = times[int(k)] - timedelta(hours=f.lag_hours)
                j = int(np.searchsorted(stamps, past.timestamp(), side="right")) - 1
                source[k] = prices[max(j, 0)]
        else:
            down |= inside
    published = np.empty(n)
    age = np.empty(n)
    last_value, last_time = np.nan, -np.inf
    for i in range(n):
        s = source[i]
        due = i == 0 or (
            spec.heartbeat_hours is not None
            and stamps[i] - last_time >= spec.heartbeat_hours * 3600
        )
        moved = not np.isnan(last_value) and abs(s / last_value - 1.0) >= spec.deviation
        if not down[i] and (due or moved or spec.deviation == 0):
            last_value, last_time = s, stamps[i]
        if np.isnan(last_value):  # down from the first bar: fall back to the bar price
            last_value, last_time = prices[i], stamps[i]
        published[i] = last_value
        age[i] = (stamps[i] - last_time) / 3600
    window = spec.twap_bars
    csum = np.concatenate(([0.0], np.cumsum(published)))
    lo = np.maximum(np.arange(n) + 1 - window, 0)
    twap = (csum[np.arange(n) + 1] - csum[lo]) / (np.arange(n) + 1 - lo)
    stale = age > spec.staleness_hours if spec.staleness_hours is not None else np.zeros(n, bool)
    return OracleFeed(twap, age, stale)
