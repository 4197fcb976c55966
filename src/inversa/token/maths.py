"""Pure maths of a leveraged (or inverse) token: one formula, two number types.

Every function runs on exact :class:`~decimal.Decimal` scalars (the calculator, ledgers)
and on NumPy ``float64`` (simulation) with the same arithmetic, as
:mod:`inversa.contracts` does.  Conventions:

- ``leverage`` ``L`` is *signed*: -1 for an inverse token, -3 for a "BEAR", +2 for a 2x;
  it is net USD delta over USD equity.
- returns are simple returns of the index over a period (0.1 = +10 %);
- NAV is equity per token, in USD unless said otherwise;
- a ``trade`` > 0 buys (adds USD delta), < 0 sells.

Sources: ``shared/reference/inverse_tokens.md`` sections 1.4, 1.6, 2.1-2.9.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

import numpy as np

from inversa.contracts._check import check_nonnegative, check_positive
from inversa.contracts._num import Array, Num, exp, like
from inversa.errors import InputError

__all__ = [
    "BandAction",
    "BandDecision",
    "BandParams",
    "SynthQuote",
    "band_decision",
    "decay_factor",
    "drift_leverage",
    "recenter",
    "reset_path",
    "reset_trade",
    "round_half_up",
    "streaming_fee_fraction",
    "streaming_fee_minted",
    "synth_price",
]

#: Days in a year for fees and decay (crypto trades every day).
YEAR_DAYS = Decimal("365.25")

BandAction = Literal["none", "rebalance", "ripcord"]


def round_half_up(x: Num) -> Num:
    """``floor(x + 1/2)``: half rounds up (never NumPy's half-to-even ``np.round``).

    Used for contract counts (on the absolute count) and, as
    ``round_half_up(p / tick) * tick``, for prices on a tick.
    """
    if isinstance(x, Decimal):
        return (x + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR)
    if isinstance(x, np.ndarray):
        return np.floor(x + 0.5)
    return float(np.floor(x + 0.5))


def reset_path(prices: Sequence[Num] | Array, leverage: Num, start_nav: Num) -> list[Num]:
    """NAV of a token reset to ``leverage`` at every price, without costs.

    ``NAV_i = NAV_{i-1} * (1 + L * (P_i / P_{i-1} - 1))``; returns the whole series,
    ``start_nav`` first (one value per price).  A NAV that would go to or below zero
    stays at zero (the token is wiped out).
    """
    if len(prices) < 1:
        raise InputError("prices", list(prices), "need at least one price")
    for i, p in enumerate(prices):
        check_positive(f"prices[{i}]", p)
    zero = like(start_nav, 0)
    one = like(start_nav, 1)
    nav = [start_nav]
    for prev, cur in itertools.pairwise(prices):
        step = nav[-1] * (one + leverage * (cur / prev - one))
        nav.append(step if step > zero else zero)
    return nav


def drift_leverage(leverage: Num, index_return: Num) -> Num:
    """Leverage after an index return ``r`` without a rebalance: ``L(1+r) / (1+Lr)``.

    Raises InputError when ``1 + L r <= 0`` (equity wiped out).
    """
    one = like(leverage, 1)
    equity = one + leverage * index_return
    if not isinstance(equity, np.ndarray) and equity <= 0:
        raise InputError("index_return", index_return, "wipes out the equity (1 + L r <= 0)")
    return leverage * (one + index_return) / equity


def reset_trade(leverage: Num, nav: Num, index_return: Num) -> tuple[Num, Num]:
    """NAV after the move and the USD notional that restores the target leverage.

    ``NAV' = NAV (1 + L r)``; exposure before the trade ``L NAV (1 + r)``, target
    ``L NAV'``; trade = target - exposure = ``(L^2 - L) NAV r`` (> 0 buys).
    """
    one = like(leverage, 1)
    after = nav * (one + leverage * index_return)
    exposure = leverage * nav * (one + index_return)
    return after, leverage * after - exposure


def decay_factor(leverage: Num, sigma: Num, years: Num) -> Num:
    """Continuous-rebalancing decay on a flat index: ``exp(-(L^2 - L) sigma^2 T / 2)``.

    ``sigma`` is the annualised volatility (a 365.25-day year when estimated from daily
    log returns), ``years`` the horizon T.
    """
    check_nonnegative("sigma", sigma)
    check_nonnegative("years", years)
    two = like(leverage, 2)
    return exp(-(leverage * leverage - leverage) * sigma * sigma * years / two)


def streaming_fee_fraction(rate: Num, days: Num) -> Num:
    """The fee accrued linearly since the last accrual: ``rate * days / 365.25``."""
    check_nonnegative("rate", rate)
    check_nonnegative("days", days)
    year = YEAR_DAYS if isinstance(rate, Decimal) else float(YEAR_DAYS)
    return rate * days / year


def streaming_fee_minted(rate: Num, supply: Num, days: Num) -> Num:
    """Tokens minted to the fee recipient (Set's StreamingFeeModule).

    ``fee = rate * days / 365.25``; minted ``fee * supply / (1 - fee)``, so holders are
    diluted by exactly ``fee``.
    """
    check_nonnegative("supply", supply)
    fee = streaming_fee_fraction(rate, days)
    one = like(rate, 1)
    if not isinstance(fee, np.ndarray) and fee >= one:
        raise InputError("days", days, "accrues a fee of 100 % or more")
    return fee * supply / (one - fee)


@dataclass(frozen=True)
class BandParams:
    """A band policy (PerpV2 leverage strategy extension), all leverages signed.

    ``minimum`` is the edge nearer zero, ``maximum`` the farther one (for -1x: -0.8 and
    -1.2), ``ripcord`` (optional) at or beyond the farther edge.  ``recentering_speed``
    in (0, 1]; ``interval_hours`` > 0 (``Decimal("Infinity")``: no timed rebalance).
    """

    target: Decimal
    minimum: Decimal
    maximum: Decimal
    recentering_speed: Decimal
    interval_hours: Decimal
    ripcord: Decimal | None = None

    def __post_init__(self) -> None:
        t, lo, hi = self.target, self.minimum, self.maximum
        if t == 0:
            raise InputError("target", t, "must not be 0")
        for name, v in (("min", lo), ("max", hi), ("ripcord", self.ripcord)):
            if v is not None and (v == 0 or (v > 0) != (t > 0)):
                raise InputError(name, v, f"must have the sign of the target {t}")
        if not abs(lo) <= abs(t) <= abs(hi):
            raise InputError("min", lo, f"need |min| <= |target| <= |max| (max={hi}, target={t})")
        if self.ripcord is not None and abs(self.ripcord) < abs(hi):
            raise InputError("ripcord", self.ripcord, f"need |ripcord| >= |max| ({hi})")
        if not 0 < self.recentering_speed <= 1:
            raise InputError("recentering_speed", self.recentering_speed, "must lie in (0, 1]")
        if self.interval_hours.is_nan() or not self.interval_hours > 0:
            raise InputError("interval_hours", self.interval_hours, "must be > 0")

    @property
    def lower(self) -> Decimal:
        """The lower signed edge (for -1x: -1.2)."""
        return min(self.minimum, self.maximum)

    @property
    def upper(self) -> Decimal:
        """The upper signed edge (for -1x: -0.8)."""
        return max(self.minimum, self.maximum)


@dataclass(frozen=True)
class BandDecision:
    """What the band policy does at a given leverage: ``action`` and ``new_leverage``
    (``None`` for ``none``), ``reason`` one of ``ripcord``, ``breach``, ``interval``,
    ``none``."""

    action: BandAction
    new_leverage: Decimal | None
    reason: str


def recenter(params: BandParams, current: Decimal) -> Decimal:
    """``clamp(L (1 - RS) + L* RS, lower, upper)`` (signed; same as the |.| form)."""
    rs = params.recentering_speed
    raw = current * (1 - rs) + params.target * rs
    return min(max(raw, params.lower), params.upper)


def band_decision(params: BandParams, current: Decimal, elapsed_hours: Decimal) -> BandDecision:
    """The PerpV2 ``shouldRebalance`` decision.

    1. ``|L| >= |ripcord|`` (same sign): ``ripcord`` to the farther band edge;
    2. a strict breach (``L < lower`` or ``L > upper``): ``rebalance`` to the recentered
       leverage clamped to the band;
    3. ``elapsed_hours > interval_hours`` (strictly): timed ``rebalance``, recentered;
    4. otherwise ``none``.
    """
    check_nonnegative("elapsed_hours", elapsed_hours)
    rip = params.ripcord
    if rip is not None and (current > 0) == (rip > 0) and abs(current) >= abs(rip):
        return BandDecision("ripcord", params.maximum, "ripcord")
    if current < params.lower or current > params.upper:
        return BandDecision("rebalance", recenter(params, current), "breach")
    if elapsed_hours > params.interval_hours:
        return BandDecision("rebalance", recenter(params, current), "interval")
    return BandDecision("none", None, "none")


@dataclass(frozen=True)
class SynthQuote:
    """A fixed-entry inverse synth's quote: ``price`` (USD), its ``upper`` and ``lower``
    limits, and whether it is ``frozen`` at one of them."""

    price: Decimal
    upper: Decimal
    lower: Decimal
    frozen: bool


def synth_price(
    entry: Decimal,
    spot: Decimal,
    upper_fraction: Decimal = Decimal("0.5"),
    lower_fraction: Decimal = Decimal("0.5"),
) -> SynthQuote:
    """Synthetix inverse synth: ``price = 2 entry - spot`` clamped to
    ``[entry (1 - lower_fraction), entry (1 + upper_fraction)]``; touching a limit
    freezes the synth at it (until a reset sets a new entry).  Limits must satisfy
    ``0 < lower < entry < upper < 2 entry`` (the ±50 % default does).
    """
    check_positive("entry", entry)
    check_positive("spot", spot)
    if not 0 < upper_fraction < 1:
        raise InputError("upper_fraction", upper_fraction, "must lie in (0, 1)")
    if not 0 < lower_fraction < 1:
        raise InputError("lower_fraction", lower_fraction, "must lie in (0, 1)")
    upper = entry * (1 + upper_fraction)
    lower = entry * (1 - lower_fraction)
    raw = 2 * entry - spot
    if raw >= upper:
        return SynthQuote(upper, upper, lower, True)
    if raw <= lower:
        return SynthQuote(lower, upper, lower, True)
    return SynthQuote(raw, upper, lower, False)
