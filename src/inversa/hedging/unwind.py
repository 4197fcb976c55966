"""Unwinding a hedge once the spot trades are made, and what the hedge cost.

Later, at new prices, the holder makes the spot trades the plan deferred (sells the
overweight, buys the underweight).  Each spot trade of ``q`` coins replaces the part of
the leg that covered ``q`` coins: ``|q| * entry / CV`` contracts of an inverse leg
(``|q| / CV`` of a linear one), rounded to the lot and capped at the leg.  Closing them
realises ``inverse_pnl(side, n, entry, exit, CV)`` coin (valued in USD at the exit).

Compared with having rebalanced on spot at the start (the same target coins bought and
sold at the plan's prices), the hedged route ends with (all in USD at the later prices):

``difference = hedged - spot_at_start = -(fees + funding + basis) + rounding + spot_fees``

where ``rounding`` is the PnL of the part the contract rounding left unhedged and
``spot_fees`` the spot fee saved at the start minus the spot fee paid later.  The spot
sales the hedge deferred (``deferred_sales_usd``, at the plan's prices) and, with a cost
basis, the gain they would have realised (``deferred_gain_usd``) are reported too.

Funding and basis are expected values (:mod:`inversa.hedging.carry`) times the days
held, valued in USD at the later price.  Exact (Decimal); cash flows positive received.

**Liquidation along the path.**  With ``path`` (each asset's lows and highs between the
two dates, e.g. :func:`inversa.hedging.history.price_path`: hourly marks where bundled,
daily otherwise) a long leg dies at the first low at or below its liquidation price, a
short at the first high at or above it (:mod:`inversa.hedging.risk`, ``isolated`` or
``cross``); the later price itself is checked too.  A dead leg has no closing order: its
collateral is lost (``liquidations``, counted in ``liquidation_loss_usd`` and in the
realised PnL), and the rest of the asset went unhedged from then on.  Its expected
funding is still counted for the whole period (an upper bound on that cost).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from inversa.engine.terms import fee_rate
from inversa.errors import InputError
from inversa.hedging._common import ZERO, NumberLike, decimal_map, to_decimal
from inversa.hedging.carry import Carry
from inversa.hedging.instruments import round_to_lot
from inversa.hedging.planner import HedgeLeg, HedgePlan
from inversa.hedging.risk import DEFAULT_WARN_DISTANCE, LegRisk, MarginMode, plan_risk

__all__ = ["ClosingOrder", "LegLiquidation", "Unwind", "unwind_hedge"]


@dataclass(frozen=True, slots=True)
class LegLiquidation:
    """A leg that died before the unwind.

    Attributes:
        asset: the leg's asset; ``mode``: isolated or cross.
        when: the first bar that reached the liquidation price (``None``: only the
            later price did).
        trigger_price: that bar's low (long) or high (short), USD per coin.
        liquidation_price: the leg's, USD per coin.
        collateral_lost: settlement coin lost (isolated margin or the whole wallet).
        loss_usd: the same in USD at the later price.
    """

    asset: str
    mode: MarginMode
    when: pd.Timestamp | None
    trigger_price: Decimal
    liquidation_price: Decimal
    collateral_lost: Decimal
    loss_usd: Decimal


@dataclass(frozen=True, slots=True)
class ClosingOrder:
    """The order that closes (part of) one leg.

    Attributes:
        asset: the leg's asset.
        side: +1 buy (closes a short), -1 sell (closes a long).
        contracts: contracts to trade (> 0; an exact USD count for a leg without
            contracts); ``remaining`` is the signed leg left open.
        price: exit price, USD per coin.
        realised_pnl: PnL of the closed part, settlement coin (USD for a linear leg).
        realised_pnl_usd: the same in USD at ``price``.
        fee: taker fee of the closing order, settlement coin.
        fee_usd: the same in USD.
    """

    asset: str
    side: int
    contracts: Decimal
    remaining: Decimal
    price: Decimal
    realised_pnl: Decimal
    realised_pnl_usd: Decimal
    fee: Decimal
    fee_usd: Decimal


@dataclass(frozen=True)
class Unwind:
    """Closing orders, realised PnL and the comparison with rebalancing at the start.

    USD amounts are at the later prices unless named otherwise.  ``hedge_cost_usd`` is
    ``fees_usd + funding_usd + basis_usd`` (positive: a cost).
    """

    orders: Mapping[str, ClosingOrder]
    trades: Mapping[str, Decimal]
    prices: Mapping[str, Decimal]
    days: Decimal
    realised_pnl_usd: Decimal
    unrealised_pnl_usd: Decimal
    fees_usd: Decimal
    funding_usd: Decimal
    basis_usd: Decimal
    hedge_cost_usd: Decimal
    spot_fees_start_usd: Decimal
    spot_fees_later_usd: Decimal
    hedged_value_usd: Decimal
    spot_value_usd: Decimal
    difference_usd: Decimal
    rounding_usd: Decimal
    deferred_sales_usd: Decimal
    deferred_gain_usd: Decimal | None
    liquidations: Mapping[str, LegLiquidation] = field(default_factory=dict)
    liquidation_loss_usd: Decimal = ZERO
    margin_mode: MarginMode = "isolated"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "orders": {
                a: {k: getattr(o, k) for k in ClosingOrder.__dataclass_fields__ if k != "asset"}
                for a, o in self.orders.items()
            },
            "trades": dict(self.trades),
            "prices": dict(self.prices),
        }
        data["liquidations"] = {
            a: {
                "mode": x.mode,
                "when": None if x.when is None else x.when.isoformat(),
                "trigger_price": x.trigger_price,
                "liquidation_price": x.liquidation_price,
                "collateral_lost": x.collateral_lost,
                "loss_usd": x.loss_usd,
            }
            for a, x in self.liquidations.items()
        }
        for name in self.__dataclass_fields__:
            if name not in data and name != "orders":
                data[name] = getattr(self, name)
        for order in data["orders"].values():
            order["side"] = "buy" if order["side"] > 0 else "sell"
        return data


def _closing_count(leg: HedgeLeg, coins: Decimal) -> Decimal:
    """Contracts of ``leg`` that ``coins`` of spot replace, rounded to the lot, capped."""
    count, cv = leg.size
    inst = leg.instrument
    exact = abs(coins) * leg.price / cv if leg.is_inverse else abs(coins) / cv
    if inst is not None and leg.contracts is not None:
        exact = round_to_lot(inst, exact)
    return min(exact, count)


def _settle_to_usd(leg: HedgeLeg, amount: Decimal, price: Decimal) -> Decimal:
    return amount * price if leg.is_inverse else amount


def unwind_hedge(
    plan: HedgePlan,
    prices: Mapping[str, NumberLike],
    *,
    trades: Mapping[str, NumberLike] | None = None,
    days: NumberLike = 0,
    carry: Carry | None = None,
    spot_fee: NumberLike = "0.001",
    cost_basis: Mapping[str, NumberLike] | None = None,
    path: Mapping[str, pd.DataFrame] | None = None,
    margin_mode: MarginMode = "isolated",
) -> Unwind:
    """Close the legs against the spot trades made later, and compare with spot.

    Args:
        plan: the hedge plan entered at its prices.
        prices: asset -> USD per coin at the unwind (needed for every asset).
        trades: asset -> coins traded on spot later (+ bought, - sold).  Default: the
            full deferred rebalance, ``-excess_coin`` of the plan for every asset.  A
            trade must go the way of its leg (sell against a short).
        days: days the legs were held (for funding and basis).
        carry: expected carry (:func:`~inversa.hedging.carry.carry_costs`); none: 0.
        spot_fee: spot fee rate (fraction of the traded USD), both routes.
        cost_basis: asset -> USD per coin paid, to value the deferred gain.
        path: asset -> a frame of ``low`` and ``high`` (USD per coin) between the plan
            and the unwind, time-indexed; the legs are liquidated along it.
        margin_mode: ``isolated`` or ``cross`` (:mod:`inversa.hedging.risk`).
    """
    later = decimal_map("later_prices", prices)
    for asset in plan.drift.rows:
        if asset not in later:
            raise InputError(
                f"later_prices.{asset}",
                None,
                f"no later price for {asset}: give --later-prices {asset}=USD or --later-date",
            )
        if later[asset] <= 0:
            raise InputError(f"later_prices.{asset}", later[asset], f"{asset}: must be > 0")
    held = to_decimal("days", days)
    if held < 0:
        raise InputError("days", held, "must be >= 0")
    fee_rate = to_decimal("spot_fee", spot_fee)
    if not 0 <= fee_rate < 1:
        raise InputError("spot_fee", fee_rate, "a fee rate must lie in [0, 1) (0.001 = 0.1 %)")
    risk = plan_risk(plan, margin_mode, DEFAULT_WARN_DISTANCE).legs
    if trades is None:
        traded = {a: -r.excess_coin for a, r in plan.drift.rows.items() if r.excess_coin}
    else:
        traded = decimal_map("trades", trades)
    for asset in traded:
        if asset not in plan.drift.rows:
            raise InputError(f"trades.{asset}", traded[asset], f"{asset} is not in the portfolio")

    orders: dict[str, ClosingOrder] = {}
    dead: dict[str, LegLiquidation] = {}
    realised = unrealised = fees = lost = ZERO
    for asset, leg in plan.legs.items():
        exit_price = later[asset]
        coins = traded.get(asset, ZERO)
        if coins and (coins > 0) != (leg.side > 0):
            way = "buying" if leg.side > 0 else "selling"
            raise InputError(f"trades.{asset}", coins, f"the {asset} leg is unwound by {way} spot")
        count, _ = leg.size
        n = _closing_count(leg, coins) if coins else ZERO
        open_fee = _settle_to_usd(leg, leg.fee or ZERO, exit_price)
        fees += open_fee
        r = risk.get(asset)
        event = None if r is None else _liquidation(r, (path or {}).get(asset), exit_price)
        if event is not None:
            dead[asset] = event
            realised -= event.loss_usd
            lost += event.loss_usd
            continue
        if n:
            pnl = leg.pnl(exit_price, contracts=n)
            pnl_usd = _settle_to_usd(leg, pnl, exit_price)
            close_fee = _close_fee(leg, n, exit_price)
            close_fee_usd = _settle_to_usd(leg, close_fee, exit_price)
            remaining = (count - n) * leg.side if count > n else ZERO
            orders[asset] = ClosingOrder(
                asset, -leg.side, n, remaining, exit_price, pnl, pnl_usd, close_fee, close_fee_usd
            )
            realised += pnl_usd
            fees += close_fee_usd
        left = count - n
        if left:
            unrealised += _settle_to_usd(leg, leg.pnl(exit_price, contracts=left), exit_price)

    funding = basis = ZERO
    if carry is not None:
        for asset, c in carry.legs.items():
            flow = -c.per_day * held
            leg = plan.legs[asset]
            cost = _settle_to_usd(leg, flow, later[asset])
            if c.kind == "basis":
                basis += cost
            else:
                funding += cost
    hedge_cost = fees + funding + basis

    spot_start = spot_later = hedged = at_start = rounding = ZERO
    for asset, row in plan.drift.rows.items():
        x = later[asset]
        spot_start += abs(row.excess_usd) * fee_rate
        coins = traded.get(asset, ZERO)
        spot_later += abs(coins) * x * fee_rate
        # hedged route: original coins, spot traded later for cash at x
        hedged += row.coin * x
        at_start += (row.coin - row.excess_coin) * x
        residual = plan.legs[asset].residual_usd if asset in plan.legs else None
        if residual:
            rounding += -(residual / row.price) * (x - row.price)
    hedged += realised + unrealised - hedge_cost - spot_later
    at_start += -spot_start
    deferred = sum((r.excess_usd for r in plan.drift.rows.values() if r.excess_usd > 0), ZERO)
    gain: Decimal | None = None
    if cost_basis is not None:
        paid = decimal_map("cost_basis", cost_basis)
        gain = ZERO
        for asset, row in plan.drift.rows.items():
            if row.excess_usd > 0:
                if asset not in paid:
                    raise InputError(f"cost_basis.{asset}", None, f"no cost basis for {asset}")
                gain += row.excess_coin * (row.price - paid[asset])
    return Unwind(
        orders=orders,
        trades=traded,
        prices=later,
        days=held,
        realised_pnl_usd=realised,
        unrealised_pnl_usd=unrealised,
        fees_usd=fees,
        funding_usd=funding,
        basis_usd=basis,
        hedge_cost_usd=hedge_cost,
        spot_fees_start_usd=spot_start,
        spot_fees_later_usd=spot_later,
        hedged_value_usd=hedged,
        spot_value_usd=at_start,
        difference_usd=hedged - at_start,
        rounding_usd=rounding,
        deferred_sales_usd=deferred,
        deferred_gain_usd=gain,
        liquidations=dead,
        liquidation_loss_usd=lost,
        margin_mode=margin_mode,
    )


def _liquidation(
    risk: LegRisk, bars: pd.DataFrame | None, exit_price: Decimal
) -> LegLiquidation | None:
    """The first bar of ``bars`` (or the exit price) past the leg's liquidation price."""
    liq = risk.liquidation_price
    if liq is None or not liq.is_finite():
        return None
    when: pd.Timestamp | None = None
    trigger: Decimal | None = None
    if bars is not None and len(bars):
        for column in ("low", "high"):
            if column not in bars.columns:
                raise InputError("path", list(bars.columns), f"needs a {column!r} column")
        column = "low" if risk.side > 0 else "high"
        values = bars[column].to_numpy(dtype=float)
        hit = values <= float(liq) if risk.side > 0 else values >= float(liq)
        if hit.any():
            i = int(hit.argmax())
            when = pd.Timestamp(bars.index[i])
            trigger = Decimal(repr(float(values[i])))
    if trigger is None and risk.past(exit_price):
        trigger = exit_price
    if trigger is None:
        return None
    loss = risk.collateral * exit_price
    return LegLiquidation(risk.asset, risk.mode, when, trigger, liq, risk.collateral, loss)


def _close_fee(leg: HedgeLeg, n: Decimal, exit_price: Decimal) -> Decimal:
    inst = leg.instrument
    if inst is None:
        return ZERO
    return inst.fee(n, exit_price, fee_rate(inst, "taker"))
