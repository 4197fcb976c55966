"""Stress table of a hedge plan: the portfolio after uniform price moves, hedged or not.

Every asset's price (or only those named) is moved by the same fraction ``shock``
(``-0.2`` = a 20 % fall) from the plan's prices; the legs are held, not rebalanced.
Because the legs net to about zero USD, a move of every price together leaves the
hedged and unhedged totals nearly equal; the per-asset rows, or a move of one asset,
show the difference.  Shown per shock:

- the USD value and the USD exposure (``d value / d price * price``) of the unhedged
  holdings and of the holdings plus legs;
- ``synthetic_usd``: the USD value of the coins each **short inverse** leg covers
  (``N * CV / S0``) together with that leg.  It equals ``N * CV`` at every price: the
  short inverse perpetual turns those coins into USD without rebalancing;
- each leg's PnL in its settlement coin (``inverse_pnl``): asymmetric in the price,
  a long's coin PnL gains ``N*CV/S0 * s/(1+s)``, less on a rise than it loses on an
  equal fall (concave); a short's is the mirror image (convex).

A leg the move carries to or past its liquidation price (:mod:`inversa.hedging.risk`,
``isolated`` or ``cross`` margin) is valued as **liquidated**: its collateral is lost (the
isolated margin, or the whole coin wallet in cross mode; both come out of the coins
held), the leg is gone and what remains of the asset is unhedged.  ``liquidated`` names
those legs; ``liquidation_loss_usd`` is the collateral lost, in USD at the moved price.

Exact (Decimal).  USD values in USD, exposures in USD, coin PnL in the leg's coin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from inversa.contracts import position_value
from inversa.errors import InputError
from inversa.hedging._common import ZERO, NumberLike, asset_key, to_decimal
from inversa.hedging.planner import HedgePlan
from inversa.hedging.risk import DEFAULT_WARN_DISTANCE, LegRisk, MarginMode, plan_risk

__all__ = ["DEFAULT_SHOCKS", "StressAsset", "StressRow", "stress_table"]

#: Moves of every price, fractions: -50 %, -20 %, -10 %, 0, +10 %, +20 %, +50 %.
DEFAULT_SHOCKS = tuple(Decimal(s) for s in ("-0.5", "-0.2", "-0.1", "0", "0.1", "0.2", "0.5"))


@dataclass(frozen=True, slots=True)
class StressAsset:
    """One asset after a move.

    Attributes:
        price: USD per coin after the move.
        unhedged_usd, hedged_usd: USD value without / with the leg (leg PnL included).
        unhedged_exposure, hedged_exposure: USD exposure without / with the leg.
        leg_pnl: the leg's PnL in its settlement coin (USD for a linear leg); 0 if none.
        leg_pnl_usd: the same in USD at the new price.
        liquidated: the move reaches the leg's liquidation price; the leg is valued
            as liquidated (``leg_pnl`` = minus the collateral lost).
        liquidation_price: the leg's, under the margin mode (None: not modelled).
    """

    price: Decimal
    unhedged_usd: Decimal
    hedged_usd: Decimal
    unhedged_exposure: Decimal
    hedged_exposure: Decimal
    leg_pnl: Decimal
    leg_pnl_usd: Decimal
    liquidated: bool = False
    liquidation_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class StressRow:
    """The portfolio after one move; totals in USD, per-asset detail in ``assets``;
    ``liquidated``: the legs the move kills; ``liquidation_loss_usd``: their collateral."""

    shock: Decimal
    unhedged_usd: Decimal
    hedged_usd: Decimal
    unhedged_exposure: Decimal
    hedged_exposure: Decimal
    synthetic_usd: Decimal
    assets: Mapping[str, StressAsset]
    liquidated: tuple[str, ...] = ()
    liquidation_loss_usd: Decimal = ZERO

    def to_dict(self) -> dict[str, Any]:
        return {
            "shock": self.shock,
            "unhedged_usd": self.unhedged_usd,
            "hedged_usd": self.hedged_usd,
            "unhedged_exposure": self.unhedged_exposure,
            "hedged_exposure": self.hedged_exposure,
            "synthetic_usd": self.synthetic_usd,
            "liquidated": list(self.liquidated),
            "liquidation_loss_usd": self.liquidation_loss_usd,
            "assets": {
                a: {k: getattr(x, k) for k in StressAsset.__dataclass_fields__}
                for a, x in self.assets.items()
            },
        }


def stress_table(
    plan: HedgePlan,
    shocks: Iterable[NumberLike] = DEFAULT_SHOCKS,
    moved: Iterable[str] | None = None,
    *,
    margin_mode: MarginMode = "isolated",
) -> list[StressRow]:
    """The plan's portfolio after each move in ``shocks`` (fractions > -1).

    ``moved``: the assets whose price moves (default: all of them, together); the
    others keep the plan's price.  ``margin_mode``: how the legs are margined
    (``isolated`` or ``cross``, :mod:`inversa.hedging.risk`), which decides where each
    leg is liquidated.
    """
    risk = plan_risk(plan, margin_mode, DEFAULT_WARN_DISTANCE).legs
    movers = set(plan.drift.rows) if moved is None else {asset_key("moved", a) for a in moved}
    unknown = sorted(movers - set(plan.drift.rows))
    if unknown:
        raise InputError("moved", unknown[0], f"{unknown[0]} is not in the portfolio")
    rows: list[StressRow] = []
    for i, raw in enumerate(shocks):
        shock = to_decimal(f"shocks[{i}]", raw)
        if shock <= -1:
            raise InputError(f"shocks[{i}]", shock, "a move must be > -1 (prices stay > 0)")
        rows.append(_row(plan, shock, movers, risk))
    return rows


def _row(
    plan: HedgePlan, shock: Decimal, movers: set[str], risk: Mapping[str, LegRisk]
) -> StressRow:
    assets: dict[str, StressAsset] = {}
    synthetic = loss_usd = ZERO
    dead: list[str] = []
    for asset, drift in plan.drift.rows.items():
        price = drift.price * (1 + shock) if asset in movers else drift.price
        spot_usd = drift.coin * price
        leg = plan.legs.get(asset)
        if leg is None:
            assets[asset] = StressAsset(price, spot_usd, spot_usd, spot_usd, spot_usd, ZERO, ZERO)
            continue
        r = risk.get(asset)
        liq = None if r is None else r.liquidation_price
        if r is not None and r.past(price):
            # liquidated: the collateral (taken from the coins held) is lost, the leg is
            # gone, what remains of the asset is unhedged
            pnl = -r.collateral
            pnl_usd = pnl * price if leg.is_inverse else pnl
            left = drift.coin - min(r.collateral, drift.coin)
            assets[asset] = StressAsset(
                price, spot_usd, spot_usd + pnl_usd, spot_usd, left * price, pnl, pnl_usd, True, liq
            )
            dead.append(asset)
            loss_usd -= pnl_usd
            continue
        pnl = leg.pnl(price)
        pnl_usd = leg.pnl_usd(price)
        exposure = (drift.coin + leg.delta_coin()) * price
        assets[asset] = StressAsset(
            price, spot_usd, spot_usd + pnl_usd, spot_usd, exposure, pnl, pnl_usd, False, liq
        )
        if leg.side < 0 and leg.is_inverse:
            count, cv = leg.size
            if count:
                covered = position_value(count, leg.price, cv)
                synthetic += covered * price + pnl_usd
    return StressRow(
        shock=shock,
        unhedged_usd=sum((a.unhedged_usd for a in assets.values()), ZERO),
        hedged_usd=sum((a.hedged_usd for a in assets.values()), ZERO),
        unhedged_exposure=sum((a.unhedged_exposure for a in assets.values()), ZERO),
        hedged_exposure=sum((a.hedged_exposure for a in assets.values()), ZERO),
        synthetic_usd=synthetic,
        assets=assets,
        liquidated=tuple(dead),
        liquidation_loss_usd=loss_usd,
    )
