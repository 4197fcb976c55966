"""Volatility-scaled maintenance margin: a rate that follows EWMA realised volatility.

The RiskMetrics recursion on log returns ``r_t = ln(P_t / P_{t-1})`` of one bar:

    ``var_t = decay * var_{t-1} + (1 - decay) * r_t**2``   (``decay`` 0.94 by default)

gives a per-bar volatility ``sqrt(var_t)``; over a horizon of ``h`` bars it scales to
``sqrt(var_t * h)``.  The maintenance rate is that move times ``scale``, held between a
``floor`` and a ``cap``:

    ``rate_t = min(max(scale * sqrt(var_t * h), floor), cap)``

The rate applies flat to the whole position value (no tiers, no deduction) and maintenance
margin is valued at the mark: the liquidation price is the ``generic`` model's at that rate
(:func:`vol_scaled_prices`).  A rate used during bar ``t`` must be known at its open, so
:meth:`VolScaledMargin.rates_for_bars` uses returns up to the previous close only.

Rates are fractions of the position value; prices USD per coin; ``horizon_hours`` hours.
Every function runs on Decimal and on float64 arrays (the recursion on 1-D arrays or
Decimal sequences).  Importing this module registers the model as ``vol-scaled`` in the
liquidation-model registry of :mod:`inversa.contracts` (:data:`VOL_SCALED`); its ``mmr``
is the vol-scaled rate in force.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator

from inversa.contracts._check import check_nonnegative, check_positive
from inversa.contracts._num import Array, Num, maximum, minimum
from inversa.contracts.liquidation import LiquidationResult, generic_prices
from inversa.contracts.liquidation_models import LiquidationModel, register_model
from inversa.data.config import ConfigModel
from inversa.domain import Amount, Fraction, Hours, Rate
from inversa.errors import InputError

__all__ = [
    "VOL_SCALED",
    "VOL_SCALED_DESCRIPTION",
    "VOL_SCALED_MODEL",
    "VolMarginConfig",
    "VolScaledMargin",
    "ewma_variance",
    "registry_prices",
    "vol_scaled_prices",
    "vol_scaled_rate",
]

#: The name the model registers under in the liquidation-model registry.
VOL_SCALED_MODEL = "vol-scaled"
#: Its one-line description in that registry.
VOL_SCALED_DESCRIPTION = (
    "maintenance rate from EWMA realised volatility (scale, floor, cap), flat, valued at "
    "the mark; the position's mmr is the rate in force"
)


def _positive_scale(value: Decimal) -> Decimal:
    if not value > 0:
        raise ValueError("scale must be > 0")
    return value


class VolMarginConfig(ConfigModel):
    """The model's parameters as a config file (TOML table) gives them.

    Attributes:
        decay: EWMA decay per bar, in (0, 1); 0.94 (RiskMetrics).
        scale: multiple of the horizon's volatility charged as maintenance (> 0).
        floor, cap: bounds of the rate, fractions of position value (floor <= cap).
        horizon_hours: the move the margin must cover, hours (1: the hour a
            liquidation engine needs to close a position out).
    """

    decay: Rate = Decimal("0.94")
    scale: Annotated[Amount, AfterValidator(_positive_scale)] = Decimal(1)
    floor: Fraction = Decimal("0.005")
    cap: Fraction = Decimal("0.25")
    horizon_hours: Hours = Decimal(1)

    def model(self, bar_hours: Decimal = Decimal(1)) -> VolScaledMargin:
        """The frozen model for bars of ``bar_hours`` hours."""
        return VolScaledMargin(
            decay=self.decay,
            scale=self.scale,
            floor=self.floor,
            cap=self.cap,
            horizon_bars=self.horizon_hours / bar_hours,
        )


def ewma_variance(returns: Sequence[Num] | Array, decay: Num, initial: Num) -> list[Num] | Array:
    """``var_t = decay * var_{t-1} + (1 - decay) * r_t**2`` from ``var_{-1} = initial``.

    ``returns`` per bar (log returns, fractions); the output has one variance per return,
    each including that return.  A float64 array in gives an array out.
    """
    if isinstance(returns, np.ndarray):
        d = float(decay)
        if not 0 < d < 1:
            raise InputError("decay", decay, "must lie in (0, 1)")
        out = np.empty(len(returns))
        var = float(check_nonnegative("initial", float(initial)))
        for i, r in enumerate(returns):
            var = d * var + (1 - d) * r * r
            out[i] = var
        return out
    if not 0 < decay < 1:
        raise InputError("decay", decay, "must lie in (0, 1)")
    var_d = check_nonnegative("initial", initial)
    series: list[Num] = []
    for r in returns:
        var_d = decay * var_d + (1 - decay) * r * r
        series.append(var_d)
    return series


def vol_scaled_rate(variance: Num, horizon_bars: Num, scale: Num, floor: Num, cap: Num) -> Num:
    """``min(max(scale * sqrt(variance * horizon_bars), floor), cap)``: the maintenance
    rate (fraction of position value) for a per-bar variance.  All arguments of one
    number type (Decimal, float, or float64 arrays)."""
    check_nonnegative("floor", floor)
    if not isinstance(floor, np.ndarray) and not isinstance(cap, np.ndarray) and cap < floor:
        raise InputError("cap", cap, f"must be >= floor {floor}")
    move = variance * horizon_bars
    root: Num = move.sqrt() if isinstance(move, Decimal) else np.sqrt(move)
    return minimum(maximum(scale * root, floor), cap)


@dataclass(frozen=True, slots=True)
class VolScaledMargin:
    """The model for one bar length: parameters as in :class:`VolMarginConfig`."""

    decay: Decimal = Decimal("0.94")
    scale: Decimal = Decimal(1)
    floor: Decimal = Decimal("0.005")
    cap: Decimal = Decimal("0.25")
    horizon_bars: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        if not 0 < self.decay < 1:
            raise InputError("decay", self.decay, "must lie in (0, 1)")
        check_positive("scale", self.scale)
        check_positive("horizon_bars", self.horizon_bars)
        if not 0 <= self.floor <= self.cap < 1:
            raise InputError("floor/cap", (self.floor, self.cap), "need 0 <= floor <= cap < 1")

    def rates_for_bars(self, closes: Array, warmup: int) -> Array:
        """The rate in force during each bar after the first ``warmup`` closes.

        ``closes`` (USD per coin, float64) hold ``warmup`` bars of history, then the bars
        to price.  The variance starts as the mean squared return of the warm-up and the
        recursion runs over it; the rate of bar ``t`` uses returns up to close ``t-1``.
        """
        if warmup < 2 or len(closes) <= warmup:
            raise InputError("warmup", warmup, f"needs 2 <= warmup < {len(closes)} closes")
        check_positive("closes", closes)
        returns = np.diff(np.log(closes))
        seed = float(np.mean(returns[: warmup - 1] ** 2))
        var = ewma_variance(returns, float(self.decay), seed)
        assert isinstance(var, np.ndarray)
        # Bar k (k >= warmup) opens at close k-1: the variance through return k-1.
        known = var[warmup - 2 : len(closes) - 2]

        def full(x: Decimal) -> Array:
            return np.full(len(known), float(x))

        return vol_scaled_rate(
            known, full(self.horizon_bars), full(self.scale), full(self.floor), full(self.cap)
        )


def vol_scaled_prices(
    side: Num | int, entry: Num, contracts: Num, contract_value: Num, collateral: Num, rate: Num
) -> LiquidationResult[Num]:
    """Liquidation and bankruptcy price (USD per coin) at the current vol-scaled ``rate``:
    equity = ``rate`` x position value at the mark (the ``generic`` model, one flat rate)."""
    return generic_prices(side, entry, contracts, contract_value, collateral, mmr=rate)


def registry_prices(inputs: Any, mode: str) -> LiquidationResult[Decimal]:
    """The registry's price function: ``inputs`` is the registry's ``PositionInputs``
    (``side``, ``entry``, ``contracts``, ``contract_value``, ``mmr`` = the vol-scaled rate
    in force, ``collateral_for(mode)``)."""
    if inputs.mmr is None:
        raise InputError("mmr", None, "give the vol-scaled rate in force as --mmr")
    collateral = inputs.collateral_for(mode)
    return vol_scaled_prices(
        inputs.side, inputs.entry, inputs.contracts, inputs.contract_value, collateral, inputs.mmr
    )


#: The model in the liquidation-model registry (MM valued at the mark, both modes).
VOL_SCALED = register_model(
    LiquidationModel(
        VOL_SCALED_MODEL, "mark", ("isolated", "cross"), VOL_SCALED_DESCRIPTION, registry_prices
    )
)
