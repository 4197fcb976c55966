"""The second design: a Synthetix-style fixed-entry inverse synth over a price history.

Exact semantics, bar by bar (``S_i`` USD per coin): the synth's price is
:func:`inversa.token.maths.synth_price` of the entry in force (``2 E - S`` within
``[E (1 - lower), E (1 + upper)]``).  On touching a limit it freezes at that limit and
stops following the price.  ``reset_after_hours`` after a freeze (``None``: never) the
holders are purged at the frozen price, less ``purge_fee``, into a new synth whose entry
is the spot of that bar (its price then equals the spot).  A holder starts with
``start_value`` USD; the holder's value is units x synth price.  No rebalancing: a
path-independent payoff between resets, hence no volatility decay but a bounded range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from inversa.errors import InputError
from inversa.token.maths import synth_price

__all__ = ["SynthPath", "synth_path"]


@dataclass(frozen=True)
class SynthPath:
    """Per bar: synth ``price`` (USD), holder ``value`` (USD), ``entry`` (USD/coin) in
    force and ``frozen``; the freeze and reset times."""

    price: NDArray[np.float64]
    value: NDArray[np.float64]
    entry: NDArray[np.float64]
    frozen: NDArray[np.bool_]
    freezes: tuple[datetime, ...]
    resets: tuple[datetime, ...]


def synth_path(
    times: tuple[datetime, ...],
    spot: NDArray[np.float64],
    *,
    start_value: float = 100.0,
    upper_fraction: str = "0.5",
    lower_fraction: str = "0.5",
    reset_after_hours: float | None = 24.0,
    purge_fee: float = 0.0,
) -> SynthPath:
    """Run the synth over ``spot`` (see the module docstring)."""
    n = len(times)
    if n < 1 or len(spot) != n:
        raise InputError("spot", len(spot), f"need one price per time ({n})")
    if reset_after_hours is not None and not reset_after_hours >= 0:
        raise InputError("reset_after_hours", reset_after_hours, "must be >= 0")
    up, lo = Decimal(upper_fraction), Decimal(lower_fraction)
    price, value = np.empty(n), np.empty(n)
    entry_out, frozen_out = np.empty(n), np.zeros(n, dtype=bool)
    freezes: list[datetime] = []
    resets: list[datetime] = []
    entry = Decimal(repr(float(spot[0])))
    units = start_value / float(entry)
    frozen_at: datetime | None = None
    frozen_price = 0.0
    for i, when in enumerate(times):
        s = Decimal(repr(float(spot[i])))
        if (
            frozen_at is not None
            and reset_after_hours is not None
            and (when - frozen_at).total_seconds() >= reset_after_hours * 3600
        ):
            worth = units * frozen_price * (1.0 - purge_fee)
            entry, frozen_at = s, None
            units = worth / float(s)
            resets.append(when)
        if frozen_at is None:
            q = synth_price(entry, s, up, lo)
            p = float(q.price)
            if q.frozen:
                frozen_at, frozen_price = when, p
                freezes.append(when)
        else:
            p = frozen_price
        price[i] = p
        value[i] = units * p
        entry_out[i] = float(entry)
        frozen_out[i] = frozen_at is not None
    return SynthPath(price, value, entry_out, frozen_out, tuple(freezes), tuple(resets))
