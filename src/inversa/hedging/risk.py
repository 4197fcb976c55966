"""Where each hedge leg dies: liquidation prices isolated or on the whole coin wallet.

Two margin modes, a named choice (never mixed):

``isolated``
    Each leg is backed by its own initial margin (``HedgeLeg.margin``); its liquidation
    and bankruptcy prices are the planner's, under the venue's model.  Liquidated, the
    leg loses that margin; the spot is untouched.
``cross``
    An inverse leg settled in coin ``C`` is backed by the **whole** ``C`` wallet: every
    coin of ``C`` the holder keeps there (the usual way to "use the BTC you hold as
    collateral").  The wallet's liquidation price solves wallet equity = maintenance
    margin valued at the mark (:func:`inversa.contracts.generic_prices` with the
    wallet as collateral and the venue's maintenance bracket, the ``generic`` model for
    every venue); liquidated, the wallet is lost to the bankruptcy price: the spot coins
    of ``C`` go with the leg.  A short leg covering no more coins than the wallet holds
    is never liquidated (infinite price).

The **distance** of a liquidation price ``L`` from the price ``S`` is ``L / S - 1``
(``-0.4``: the leg dies 40 % lower; ``+inf`` none).  A warning is raised when
``|distance|`` is below ``warn_distance`` (default 50 %: a 1x long inverse leg
liquidates near -50 %, so it is always flagged).

Exact (Decimal); prices USD per coin, collateral in the leg's settlement coin.  Linear
legs (USDT-margined) are not modelled here (``liquidation_price`` None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from inversa.contracts import ContractKind, generic_prices
from inversa.errors import InputError
from inversa.hedging._common import ZERO, NumberLike, to_decimal
from inversa.hedging.instruments import maintenance_rate
from inversa.hedging.planner import HedgeLeg, HedgePlan

__all__ = [
    "DEFAULT_WARN_DISTANCE",
    "MARGIN_MODES",
    "LegRisk",
    "MarginMode",
    "RiskReport",
    "is_past",
    "leg_risk",
    "plan_risk",
]

MarginMode = Literal["isolated", "cross"]
MARGIN_MODES: tuple[MarginMode, ...] = ("isolated", "cross")

#: Warn when a leg's liquidation lies closer to the price than this fraction.
DEFAULT_WARN_DISTANCE = Decimal("0.5")


@dataclass(frozen=True, slots=True)
class LegRisk:
    """One leg's liquidation under a margin mode.

    Attributes:
        asset: the leg's asset; ``side`` +1 long, -1 short.
        mode: ``isolated`` or ``cross``.
        collateral: coin backing the leg (isolated margin, or the whole wallet),
            settlement coin; this is what a liquidation loses.
        liquidation_price, bankruptcy_price: USD per coin; ``Infinity`` when none
            exists; ``None`` when not modelled (linear leg, leg without a contract).
        distance: ``liquidation_price / price - 1`` (signed fraction), ``None`` when
            there is no finite liquidation price.
        warn: ``|distance| < warn_distance``.
    """

    asset: str
    side: int
    mode: MarginMode
    price: Decimal
    collateral: Decimal
    liquidation_price: Decimal | None
    bankruptcy_price: Decimal | None
    distance: Decimal | None
    warn: bool

    def past(self, price: Decimal) -> bool:
        """Whether ``price`` is at or beyond the liquidation price (the leg is dead)."""
        return is_past(self.side, price, self.liquidation_price)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in LegRisk.__slots__ if k != "asset"}


@dataclass(frozen=True)
class RiskReport:
    """Every leg's :class:`LegRisk` under one margin mode, and the warnings in words."""

    mode: MarginMode
    warn_distance: Decimal
    legs: Mapping[str, LegRisk]
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "warn_distance": self.warn_distance,
            "legs": {a: r.to_dict() for a, r in self.legs.items()},
            "warnings": list(self.warnings),
        }


def is_past(side: int, price: Decimal, liquidation: Decimal | None) -> bool:
    """A long dies at or below its liquidation price, a short at or above it."""
    if liquidation is None or not liquidation.is_finite():
        return False
    return price <= liquidation if side > 0 else price >= liquidation


def _check_mode(mode: str) -> MarginMode:
    if mode == "isolated":
        return "isolated"
    if mode == "cross":
        return "cross"
    raise InputError("margin_mode", mode, "expected isolated or cross")


def wallet_coins(plan: HedgePlan, coin: str) -> Decimal:
    """Coins of ``coin`` the holder keeps (the cross wallet), 0 when not held."""
    rows = plan.drift.rows
    return rows[coin].coin if coin in rows else ZERO


def leg_risk(
    plan: HedgePlan,
    leg: HedgeLeg,
    mode: MarginMode = "isolated",
    warn_distance: Decimal = DEFAULT_WARN_DISTANCE,
) -> LegRisk:
    """The liquidation of ``leg`` of ``plan`` under ``mode`` (see the module notes)."""
    mode = _check_mode(mode)
    inst = leg.instrument
    count = abs(leg.contracts) if leg.contracts is not None else ZERO
    if inst is None or inst.kind is not ContractKind.INVERSE or count == 0 or leg.margin is None:
        return LegRisk(leg.asset, leg.side, mode, leg.price, ZERO, None, None, None, False)
    if mode == "isolated":
        collateral = leg.margin
        liq, bankrupt = leg.liquidation_price, leg.bankruptcy_price
    else:
        collateral = wallet_coins(plan, leg.settle)
        value = inst.value(count, leg.price)
        if collateral + leg.side * value <= 0:
            # nothing backs a long that large: it is dead at entry
            liq, bankrupt = leg.price, leg.price
        else:
            tiers = inst.tiers
            mmr = None if tiers is not None else maintenance_rate(inst, value)[0]
            prices = generic_prices(
                Decimal(leg.side),
                leg.price,
                count,
                inst.contract_value,
                collateral,
                mmr=mmr,
                tiers=tiers,
            )
            liq, bankrupt = prices.liquidation_price, prices.bankruptcy_price
    distance = None
    if liq is not None and liq.is_finite():
        distance = liq / leg.price - 1
    warn = distance is not None and abs(distance) < warn_distance
    return LegRisk(leg.asset, leg.side, mode, leg.price, collateral, liq, bankrupt, distance, warn)


def plan_risk(
    plan: HedgePlan,
    mode: MarginMode = "isolated",
    warn_distance: NumberLike = DEFAULT_WARN_DISTANCE,
) -> RiskReport:
    """:func:`leg_risk` for every leg, and one warning per leg closer than
    ``warn_distance`` (fraction in (0, 10]) to its liquidation."""
    distance = to_decimal("warn_distance", warn_distance)
    if not 0 < distance <= 10:
        raise InputError("warn_distance", distance, "must lie in (0, 10] (0.5 = 50 %)")
    legs = {a: leg_risk(plan, leg, mode, distance) for a, leg in plan.legs.items()}
    warnings = []
    for asset, r in legs.items():
        if r.warn and r.distance is not None and r.liquidation_price is not None:
            warnings.append(
                f"{asset} leg ({mode}) liquidates at {_fmt(r.liquidation_price)} USD, "
                f"{_pct(r.distance)} from {_fmt(r.price)}: closer than {_pct(distance)}"
            )
    return RiskReport(_check_mode(mode), distance, legs, tuple(warnings))


def _fmt(value: Decimal) -> str:
    return f"{float(value):,.6g}"


def _pct(value: Decimal) -> str:
    return f"{float(value):+.1%}" if value < 0 else f"{float(value):.1%}"
