"""Initial and maintenance margin of inverse positions, in the settlement coin.

Position value ``PV`` is in coin (``N * CV / P``).  Three tier shapes are supported,
each a named venue convention (see ``reference/inverse_contracts.md`` section 2.6):

- the deduction form ``MM = PV * MMR_k - cum_k`` (Binance, Bybit, OKX), where the table
  gives each tier's upper bound and rate and ``cum`` is derived so that each slice of
  the position is charged at its own tier's rate;
- BitMEX's risk steps: every ``step`` of value above ``base_limit`` adds ``step_rate`` to
  both the initial and the maintenance rate;
- Deribit's linear-in-size rate: ``rate = base + slope * PV``.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from inversa.contracts._check import check_leverage, check_nonnegative, check_positive
from inversa.contracts._num import Num, ceil, maximum
from inversa.errors import InputError

__all__ = [
    "Tier",
    "TierTable",
    "initial_margin",
    "linear_rate",
    "maintenance_margin",
    "risk_step_rates",
]


def initial_margin(value: Num, leverage: Num | None = None, imr: Num | None = None) -> Num:
    """Initial margin in coin: ``PV / leverage`` or ``PV * imr`` (give exactly one)."""
    check_nonnegative("value", value)
    if (leverage is None) == (imr is None):
        raise InputError("leverage/imr", (leverage, imr), "give exactly one of them")
    if leverage is not None:
        check_leverage(leverage)
        return value / leverage
    assert imr is not None
    check_positive("imr", imr)
    return value * imr


@dataclass(frozen=True, slots=True)
class Tier:
    """One tier: position values in ``(floor, upper]`` (coin) pay ``mmr`` on their slice.

    ``cum`` is the maintenance amount (Binance) or MM deduction (Bybit) that makes the
    deduction form ``PV * mmr - cum`` equal to the slice-by-slice charge.
    """

    floor: Decimal
    upper: Decimal
    mmr: Decimal
    cum: Decimal
    max_leverage: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TierTable:
    """A maintenance-margin tier table in the deduction form.

    Args:
        upper_bounds: strictly increasing upper bounds of position value in coin; the last
            may be ``Decimal("Infinity")``.
        mmrs: maintenance rate of each tier, non-decreasing.
        max_leverage: optional leverage cap per tier.
    """

    upper_bounds: tuple[Decimal, ...]
    mmrs: tuple[Decimal, ...]
    max_leverage: tuple[Decimal | None, ...] | None = None
    tiers: tuple[Tier, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        bounds, rates = self.upper_bounds, self.mmrs
        if not bounds:
            raise InputError("tiers", "[]", "need at least one tier")
        if len(bounds) != len(rates):
            raise InputError("tiers", f"{len(bounds)} bounds, {len(rates)} rates", "lengths differ")
        caps = self.max_leverage or (None,) * len(bounds)
        if len(caps) != len(bounds):
            raise InputError("tiers.max_leverage", caps, "one cap per tier")
        tiers: list[Tier] = []
        floor, cum, prev_rate = Decimal(0), Decimal(0), Decimal(0)
        for i, (upper, rate) in enumerate(zip(bounds, rates, strict=True)):
            if upper.is_nan() or upper <= floor:
                raise InputError(f"tiers[{i}].upper", upper, f"must exceed the previous {floor}")
            if not (rate.is_finite() and 0 <= rate < 1):
                raise InputError(f"tiers[{i}].mmr", rate, "must lie in [0, 1)")
            if rate < prev_rate:
                raise InputError(f"tiers[{i}].mmr", rate, f"must not fall below {prev_rate}")
            cum += floor * (rate - prev_rate)
            tiers.append(Tier(floor, upper, rate, cum, caps[i]))
            floor, prev_rate = upper, rate
        object.__setattr__(self, "tiers", tuple(tiers))

    @classmethod
    def parse(cls, text: str | Sequence[str], field_name: str = "tiers") -> TierTable:
        """``"10:0.01,20:0.02,30:0.03"`` (upper bound in coin : rate); ``inf`` allowed."""
        items = text.split(",") if isinstance(text, str) else list(text)
        bounds: list[Decimal] = []
        rates: list[Decimal] = []
        for item in items:
            upper, sep, rate = item.partition(":")
            try:
                bounds.append(Decimal(upper.strip()))
                rates.append(Decimal(rate.strip()))
            except ArithmeticError:
                raise InputError(field_name, item, "expected UPPER:RATE, e.g. 10:0.01") from None
            if not sep:
                raise InputError(field_name, item, "expected UPPER:RATE, e.g. 10:0.01")
        return cls(tuple(bounds), tuple(rates))

    @property
    def cums(self) -> tuple[Decimal, ...]:
        return tuple(t.cum for t in self.tiers)

    def index(self, value: Decimal) -> int:
        """Index of the tier holding position value ``value`` (coin); upper bound inclusive."""
        i = bisect.bisect_left(self.upper_bounds, value)
        if i >= len(self.tiers):
            raise InputError(
                "value", value, f"exceeds the largest tier bound {self.upper_bounds[-1]}"
            )
        return i

    def indices(self, values: NDArray[np.float64]) -> NDArray[np.intp]:
        """Vectorised :meth:`index` for a float64 array of position values."""
        bounds = np.array([float(b) for b in self.upper_bounds])
        idx = np.searchsorted(bounds, values, side="left")
        if (idx >= len(self.tiers)).any():
            bad = values[idx >= len(self.tiers)][0]
            raise InputError("value", bad, f"exceeds the largest tier bound {bounds[-1]}")
        return idx

    def rate_and_cum(self, value: Num) -> tuple[Num, Num]:
        """(MMR, cum) of the tier holding ``value``, in the number type of ``value``."""
        if isinstance(value, np.ndarray):
            idx = self.indices(value)
            rates = np.array([float(t.mmr) for t in self.tiers])
            cums = np.array([float(t.cum) for t in self.tiers])
            return rates[idx], cums[idx]
        if isinstance(value, Decimal):
            tier = self.tiers[self.index(value)]
            return tier.mmr, tier.cum
        tier = self.tiers[self.index(Decimal(repr(float(value))))]
        return float(tier.mmr), float(tier.cum)


def maintenance_margin(
    value: Num, mmr: Num | None = None, *, tiers: TierTable | None = None, cum: Num | None = None
) -> Num:
    """Maintenance margin in coin.

    - flat: ``PV * mmr`` (minus ``cum`` when given: one explicit bracket);
    - tiered: ``PV * MMR_k - cum_k`` with the tier ``k`` that holds ``PV``.
    """
    check_nonnegative("value", value)
    if tiers is not None:
        if mmr is not None:
            raise InputError("mmr", mmr, "give either a flat mmr or a tier table, not both")
        rate, deduction = tiers.rate_and_cum(value)
        return value * rate - deduction
    if mmr is None:
        raise InputError("mmr", None, "give a maintenance rate or a tier table")
    check_nonnegative("mmr", mmr)
    if cum is None:
        return value * mmr
    return value * mmr - cum


def risk_step_rates(
    value: Num, base_limit: Num, step: Num, base_imr: Num, base_mmr: Num, step_rate: Num
) -> tuple[Num, Num]:
    """BitMEX risk limits: (initial rate, maintenance rate) for position value ``value``.

    Each ``step`` of value (coin) above ``base_limit``, rounded up to whole steps, adds
    ``step_rate`` to both rates.  XBTUSD (2024): base 200 XBT, step 150 XBT, IM 1%,
    MM 0.5%, step rate 0.5%.
    """
    check_nonnegative("value", value)
    check_positive("step", step)
    zero = value - value
    steps = ceil(maximum(value - base_limit, zero) / step)
    return base_imr + steps * step_rate, base_mmr + steps * step_rate


def linear_rate(value: Num, base: Num, slope: Num) -> Num:
    """Deribit standard margin: ``rate = base + slope * PV`` (PV in coin).

    Legacy futures: IM 2% + 0.5% per 100 BTC (slope 0.00005 per BTC), MM 1.5% + the same;
    MM base 1% since 2022-01-11 (the ``deribit`` rule file).
    """
    check_nonnegative("value", value)
    return base + slope * value
