"""Carry of a hedge plan: funding of perpetual legs, basis of dated-future legs.

Funding (perpetual legs): the expected rate is the **mean over the last N days** of a
funding history (:func:`mean_daily_funding`): each row's rate (fraction per funding
interval) is scaled to a day by ``24 / interval_hours`` and the rows with timestamps in
``(end - N days, end]`` are averaged.  The leg's daily cash flow is then
``funding_payment(side, N, CV, price, daily_rate)`` (``-side * N*CV/price * rate``): a
positive rate means longs pay shorts.

Basis (legs on a dated future): given the annualised simple basis ``b`` (an input; no
dated-futures history is bundled) and the days to expiry ``T``, the future is entered at
``dated_fair_price(S, b, T)`` and converges to spot; its carry over ``T`` is the leg's
PnL from that price to ``S`` (``inverse_pnl``), spread evenly per day.  A short in
contango earns it, a long pays it.

Sign convention: cash flows as seen by the holder, positive received, negative paid.
Per day and per month (30 days); in the leg's settlement coin and in USD at the plan's
price.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from inversa.contracts import dated_fair_price, funding_payment
from inversa.errors import DataError, InputError
from inversa.hedging._common import ZERO, NumberLike, asset_key, to_decimal
from inversa.hedging.planner import HedgeLeg, HedgePlan

__all__ = [
    "DAYS_PER_MONTH",
    "DEFAULT_FUNDING_DAYS",
    "Carry",
    "FundingEstimate",
    "LegCarry",
    "carry_costs",
    "mean_daily_funding",
]

DAYS_PER_MONTH = 30
DEFAULT_FUNDING_DAYS = 30


@dataclass(frozen=True, slots=True)
class FundingEstimate:
    """A funding rate per day (fraction; positive: longs pay shorts) and its origin.

    ``source`` names the history (e.g. ``"bybit BTC inverse perpetual"``); ``start`` and
    ``end`` bound the rows averaged; ``assumed`` marks a rate borrowed from another
    asset's history.
    """

    daily_rate: Decimal
    source: str = "given"
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    rows: int = 0
    assumed: bool = False

    def borrowed(self, note: str) -> FundingEstimate:
        """The same rate, marked as an assumption for another asset."""
        return FundingEstimate(
            self.daily_rate, f"{self.source} ({note})", self.start, self.end, self.rows, True
        )


def mean_daily_funding(
    history: pd.DataFrame,
    days: int = DEFAULT_FUNDING_DAYS,
    end: pd.Timestamp | str | None = None,
    source: str = "history",
) -> FundingEstimate:
    """Mean funding rate per day over the last ``days`` days of ``history``.

    ``history``: tz-aware UTC index, ``funding_rate`` (fraction per interval) and
    ``interval_hours`` columns (as :func:`inversa.data.funding_history` returns).
    ``end``: the last instant included (default: the last row).  DataError when no row
    falls in the window.
    """
    if days <= 0:
        raise InputError("days", days, "must be > 0")
    for column in ("funding_rate", "interval_hours"):
        if column not in history.columns:
            raise DataError(source, f"no {column!r} column")
    index = pd.DatetimeIndex(history.index)
    if len(index) == 0:
        raise DataError(source, "empty funding history")
    stop = index[-1] if end is None else pd.Timestamp(end)
    if stop.tzinfo is None:
        stop = stop.tz_localize("UTC")
    mask = (index > stop - pd.Timedelta(days=days)) & (index <= stop)
    window = history.loc[mask]
    if window.empty:
        raise DataError(
            source, f"no funding rows in the {days} days to {stop} ({index[0]} .. {index[-1]})"
        )
    per_day = (
        window["funding_rate"].to_numpy(float) * 24.0 / window["interval_hours"].to_numpy(float)
    )
    rate = Decimal(repr(float(np.mean(per_day))))
    when = pd.DatetimeIndex(window.index)
    return FundingEstimate(rate, source, when[0], when[-1], len(window))


@dataclass(frozen=True, slots=True)
class LegCarry:
    """One leg's expected carry.

    Attributes:
        asset: the leg's asset.
        kind: ``"funding"`` (perpetual) or ``"basis"`` (dated future).
        rate: funding fraction per day, or annualised basis.
        per_day, per_month: cash flow to the holder in the settlement coin (USD for a
            linear leg); negative: the holder pays.
        per_day_usd, per_month_usd: the same in USD at the plan's price.
        source: where the rate comes from (and whether it is assumed).
        horizon, horizon_usd: the cash flow over the carry's ``horizon_days``.
    """

    asset: str
    kind: str
    rate: Decimal
    per_day: Decimal
    per_day_usd: Decimal
    per_month: Decimal
    per_month_usd: Decimal
    source: str
    horizon: Decimal = ZERO
    horizon_usd: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Carry:
    """Carry of every leg and the USD totals (cash flows: negative is a cost).

    ``horizon_days``: the holding period asked for (``horizon_usd`` its total);
    ``skipped``: legs without a contract (shown in USD and coin only), which carry
    nothing here.
    """

    legs: Mapping[str, LegCarry]
    per_day_usd: Decimal
    per_month_usd: Decimal
    horizon_days: Decimal = Decimal(DAYS_PER_MONTH)
    horizon_usd: Decimal = ZERO
    skipped: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "legs": {
                a: {k: getattr(c, k) for k in LegCarry.__dataclass_fields__ if k != "asset"}
                for a, c in self.legs.items()
            },
            "per_day_usd": self.per_day_usd,
            "per_month_usd": self.per_month_usd,
            "horizon_days": self.horizon_days,
            "horizon_usd": self.horizon_usd,
            "skipped": list(self.skipped),
        }


def _funding_per_day(leg: HedgeLeg, rate: Decimal) -> Decimal:
    count, cv = leg.size
    if count == 0:
        return ZERO
    if leg.is_inverse:
        return funding_payment(leg.side, count, cv, leg.price, rate)
    return -leg.side * abs(leg.hedge_usd) * rate


def _estimate(value: FundingEstimate | NumberLike, asset: str) -> FundingEstimate:
    if isinstance(value, FundingEstimate):
        return value
    return FundingEstimate(to_decimal(f"funding.{asset}", value))


def carry_costs(
    plan: HedgePlan,
    funding: Mapping[str, FundingEstimate | NumberLike] | FundingEstimate | NumberLike,
    *,
    basis: Mapping[str, NumberLike] | None = None,
    expiry_days: NumberLike = 90,
    horizon_days: NumberLike = DAYS_PER_MONTH,
) -> Carry:
    """Expected carry of the plan's legs per day and per 30-day month.

    Args:
        plan: the hedge plan.
        funding: daily funding rate (fraction) per asset, or one for every leg; a
            :class:`FundingEstimate` keeps its source.  Needed for every perpetual leg.
        basis: asset -> annualised simple basis of a dated future (fraction); those legs
            carry basis instead of funding.
        expiry_days: days to the dated future's expiry (> 0).
        horizon_days: the holding period to total the carry over (> 0 days).

    Legs without a contract (no venue lists one and no contract value was given) are
    skipped (``Carry.skipped``): there is nothing to pay funding on.
    """
    days = to_decimal("expiry_days", expiry_days)
    if days <= 0:
        raise InputError("expiry_days", days, "must be > 0")
    horizon = to_decimal("days", horizon_days)
    if not 0 < horizon <= 36525:
        raise InputError("days", horizon, "must lie in (0, 36525] days")
    dated = {asset_key("basis", k): to_decimal(f"basis.{k}", v) for k, v in (basis or {}).items()}
    rates: Mapping[str, FundingEstimate | NumberLike]
    if isinstance(funding, Mapping):
        rates = {asset_key("funding", k): v for k, v in funding.items()}
    else:
        rates = dict.fromkeys(plan.legs, funding)
    out: dict[str, LegCarry] = {}
    skipped: list[str] = []
    for asset, leg in plan.legs.items():
        if leg.instrument is None:
            skipped.append(asset)
            continue
        to_usd = leg.price if leg.is_inverse else Decimal(1)
        if asset in dated:
            b = dated[asset]
            future = dated_fair_price(leg.price, b, days)
            per_day = leg.pnl(leg.price, entry=future) / days
            kind, rate, source = "basis", b, f"annualised basis {b}, {days} days to expiry"
        else:
            if asset not in rates:
                raise InputError(f"funding.{asset}", None, f"no funding rate for {asset}")
            est = _estimate(rates[asset], asset)
            kind, rate, source = "funding", est.daily_rate, est.source
            per_day = _funding_per_day(leg, rate)
        out[asset] = LegCarry(
            asset,
            kind,
            rate,
            per_day,
            per_day * to_usd,
            per_day * DAYS_PER_MONTH,
            per_day * to_usd * DAYS_PER_MONTH,
            source,
            per_day * horizon,
            per_day * to_usd * horizon,
        )
    total = sum((c.per_day_usd for c in out.values()), ZERO)
    return Carry(out, total, total * DAYS_PER_MONTH, horizon, total * horizon, tuple(skipped))
