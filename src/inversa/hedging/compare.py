"""Which venue to hedge on: one leg priced on every venue that lists an inverse perpetual.

For a signed hedge (``BTC=-14950USD``) at a price and a date, each venue with an inverse
perpetual ``ASSET/USD:ASSET`` gets the planner's leg (:func:`~inversa.hedging.plan_hedge`):
whole contracts and the rounding residual, taker fee, initial margin and liquidation price
(isolated, the venue's model); and the **mean daily funding over the N days before the
date** from its bundled history, when it has one (a venue whose history ends before the
date says so and gets no funding figure).

The expected cost over the holding period (``horizon_days``), USD at the price::

    cost = 2 * fee (open and close) - funding cash flow * horizon_days

(the funding flow is the leg's: a short receives a positive rate).  The cheapest venue
among those with a sourced fee and a funding figure is marked; a venue whose rule set has
no sourced taker fee (0 assumed) is never marked cheapest.

Exact (Decimal) except the funding mean (a float history, converted exactly).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from inversa.contracts import ContractKind, funding_payment
from inversa.errors import DataError, InputError, UnknownSymbolError
from inversa.hedging._common import ZERO, NumberLike, asset_key, to_decimal
from inversa.hedging.amounts import HedgeAmount
from inversa.hedging.carry import mean_daily_funding
from inversa.hedging.instruments import venue_instrument
from inversa.hedging.planner import HedgeLeg, plan_hedge
from inversa.hedging.portfolio import Portfolio

__all__ = ["VenueComparison", "VenueQuote", "compare_venues"]


@dataclass(frozen=True, slots=True)
class VenueQuote:
    """One venue's leg and its expected cost.

    Attributes:
        venue, instrument: where and what (``venue:symbol``).
        leg: the planner's leg (contracts, residual, margin, fee, liquidation price).
        fee_sourced: the venue's rule set gives a taker fee (else 0 was assumed).
        funding_daily: mean funding rate per day over the window (fraction, positive:
            longs pay); ``None`` without a bundled history covering the date.
        funding_note: the history used and its window, or why there is none.
        funding_usd: the leg's funding cash flow over the horizon, USD (positive:
            received); ``None`` without a rate.
        cost_usd: ``2 * fee - funding_usd`` over the horizon, USD; ``None`` without a rate.
        cheapest: the lowest cost among venues with a sourced fee and a rate.
    """

    venue: str
    instrument: str
    leg: HedgeLeg
    fee_sourced: bool
    funding_daily: Decimal | None
    funding_note: str
    funding_usd: Decimal | None
    cost_usd: Decimal | None
    cheapest: bool = False

    def to_dict(self) -> dict[str, Any]:
        leg = self.leg
        return {
            "instrument": self.instrument,
            "contract_value": None if leg.instrument is None else leg.instrument.contract_value,
            "contracts": leg.contracts,
            "residual_usd": leg.residual_usd,
            "fee": leg.fee,
            "fee_usd": None if leg.fee is None else leg.fee * leg.price,
            "fee_sourced": self.fee_sourced,
            "margin": leg.margin,
            "liquidation_price": leg.liquidation_price,
            "funding_daily": self.funding_daily,
            "funding_note": self.funding_note,
            "funding_usd": self.funding_usd,
            "cost_usd": self.cost_usd,
            "cheapest": self.cheapest,
        }


@dataclass(frozen=True)
class VenueComparison:
    """Every venue's quote for one hedge, keyed by venue name."""

    asset: str
    amount: HedgeAmount
    price: Decimal
    as_of: pd.Timestamp
    days: int
    horizon_days: Decimal
    quotes: Mapping[str, VenueQuote]

    def to_dict(self) -> dict[str, Any]:
        return {
            "asset": self.asset,
            "hedge": str(self.amount),
            "price": self.price,
            "as_of": self.as_of.date().isoformat(),
            "funding_days": self.days,
            "horizon_days": self.horizon_days,
            "venues": {v: q.to_dict() for v, q in self.quotes.items()},
        }


def compare_venues(
    amount: HedgeAmount,
    price: NumberLike,
    as_of: str | pd.Timestamp,
    venues: tuple[str, ...],
    *,
    funding: Mapping[str, pd.DataFrame] | None = None,
    days: int = 30,
    horizon_days: NumberLike = 30,
    leverage: NumberLike = 1,
) -> VenueComparison:
    """Price ``amount`` of its asset on every venue of ``venues`` listing an inverse
    perpetual on it.

    Args:
        amount: the signed hedge (``HedgeAmount.parse("BTC", "-14950USD")``).
        price: USD per coin.
        as_of: the date whose preceding ``days`` days of funding are averaged.
        venues: venue names to try (those without the contract are left out).
        funding: venue -> its bundled funding history of this asset (``funding_rate``,
            ``interval_hours``), as :func:`inversa.data.funding_history` returns.
        days: funding window, days (> 0).
        horizon_days: holding period the cost is totalled over (> 0).
        leverage: of every leg.
    """
    asset = asset_key("hedge", amount.asset)
    spot = to_decimal("prices", price)
    if spot <= 0:
        raise InputError(f"prices.{asset}", spot, "must be > 0")
    if not 0 < days <= 3650:
        raise InputError("days", days, "must lie in 1..3650")
    horizon = to_decimal("horizon_days", horizon_days)
    if horizon <= 0:
        raise InputError("horizon_days", horizon, "must be > 0")
    when = pd.Timestamp(as_of)
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    portfolio = Portfolio(targets={}, prices={asset: spot})
    quotes: dict[str, VenueQuote] = {}
    for venue in venues:
        try:
            inst = venue_instrument(asset, venue)
        except (UnknownSymbolError, InputError):
            continue
        if inst.kind is not ContractKind.INVERSE or not inst.is_perpetual:
            continue
        plan = plan_hedge(
            portfolio, hedges={asset: amount}, instruments={asset: inst}, leverage=leverage
        )
        leg = plan.legs[asset]
        history = (funding or {}).get(venue)
        rate, note = _funding(history, venue, asset, days, when)
        flow = cost = None
        if rate is not None and leg.contracts:
            count, cv = leg.size
            per_day = funding_payment(leg.side, count, cv, leg.price, rate)
            flow = per_day * horizon * leg.price
            cost = 2 * (leg.fee or ZERO) * leg.price - flow
        sourced = inst.taker is not None
        quotes[venue] = VenueQuote(venue, inst.label, leg, sourced, rate, note, flow, cost)
    ranked = [q for q in quotes.values() if q.cost_usd is not None and q.fee_sourced]
    if ranked:
        best = min(ranked, key=lambda q: q.cost_usd or ZERO)
        quotes[best.venue] = VenueQuote(
            best.venue,
            best.instrument,
            best.leg,
            best.fee_sourced,
            best.funding_daily,
            best.funding_note,
            best.funding_usd,
            best.cost_usd,
            True,
        )
    if not quotes:
        raise InputError("hedge", str(amount), f"no venue lists an inverse perpetual on {asset}")
    return VenueComparison(asset, amount, spot, when, days, horizon, quotes)


def _funding(
    history: pd.DataFrame | None, venue: str, asset: str, days: int, when: pd.Timestamp
) -> tuple[Decimal | None, str]:
    if history is None or history.empty:
        return None, f"no bundled {venue} {asset} funding history"
    index = pd.DatetimeIndex(history.index)
    label = f"{venue} {asset} inverse perpetual"
    try:
        est = mean_daily_funding(history, days, when, label)
    except DataError:
        return None, (
            f"{label}: history {index[0].date()} .. {index[-1].date()}, "
            f"none in the {days} days to {when.date()}"
        )
    note = f"{label}: mean over {est.start:%Y-%m-%d} .. {est.end:%Y-%m-%d} ({est.rows} rates)"
    if est.end is not None and est.end < when - pd.Timedelta(days=1):
        note += f"; history ends {index[-1].date()}"
    return est.daily_rate, note
