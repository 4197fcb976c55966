"""Portfolio drift: current weights against targets, and the excess to trade away.

All exact (Decimal).  Sign convention: ``excess_usd > 0`` means the asset is overweight
(hold more than the target; a hedge shorts it), ``< 0`` underweight (a hedge buys it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from inversa.errors import InputError
from inversa.hedging._common import ZERO
from inversa.hedging.portfolio import Portfolio

__all__ = ["Drift", "DriftRow", "amounts_drift", "drift_table"]


@dataclass(frozen=True, slots=True)
class DriftRow:
    """One asset's position against its target.

    Attributes:
        asset: the coin.
        price: USD per coin.
        coin: coins held.
        usd: USD value held (``coin * price``).
        weight: current weight, ``usd / total``.
        target: target weight.
        target_usd: ``target * total`` (USD).
        excess_usd: ``usd - target_usd``; > 0 overweight.
        excess_coin: ``excess_usd / price`` (coins).
    """

    asset: str
    price: Decimal
    coin: Decimal
    usd: Decimal
    weight: Decimal
    target: Decimal
    target_usd: Decimal
    excess_usd: Decimal
    excess_coin: Decimal


@dataclass(frozen=True, slots=True)
class Drift:
    """The drift table of a portfolio: one row per asset and the USD total."""

    total_usd: Decimal
    rows: Mapping[str, DriftRow]

    def __getitem__(self, asset: str) -> DriftRow:
        return self.rows[asset]


def drift_table(portfolio: Portfolio) -> Drift:
    """Current and target weights of every asset, and the excess in USD and coin.

    Every asset needs a price (InputError naming the first one without); the portfolio
    must be worth more than 0.
    """
    if not portfolio.targets:
        raise InputError("targets", None, "give target weights (or hedge amounts)")
    prices = {asset: portfolio.price(asset) for asset in portfolio.assets}
    usd = {asset: portfolio.usd(asset) for asset in portfolio.assets}
    total = sum(usd.values(), ZERO)
    if total <= 0:
        raise InputError("holdings", total, "the portfolio is worth nothing: nothing to weigh")
    rows: dict[str, DriftRow] = {}
    for asset in portfolio.assets:
        target = portfolio.targets[asset]
        target_usd = target * total
        excess = usd[asset] - target_usd
        rows[asset] = DriftRow(
            asset=asset,
            price=prices[asset],
            coin=portfolio.coins(asset),
            usd=usd[asset],
            weight=usd[asset] / total,
            target=target,
            target_usd=target_usd,
            excess_usd=excess,
            excess_coin=excess / prices[asset],
        )
    return Drift(total, rows)


def amounts_drift(portfolio: Portfolio, hedges: Mapping[str, Decimal]) -> Drift:
    """The drift a set of signed hedge notionals (``{asset: usd}``) stands for.

    Used when the holder gives hedge amounts instead of target weights: each asset's
    ``excess_usd`` is ``-hedge`` (the leg is ``-excess``), ``target_usd`` the USD exposure
    left after the leg, weights relative to the holdings' total (0 when nothing is
    held).  Every asset held or hedged needs a price.
    """
    assets = tuple(dict.fromkeys((*portfolio.holdings_usd, *portfolio.amounts, *hedges)))
    prices = {asset: portfolio.price(asset) for asset in assets}
    usd = {asset: portfolio.usd(asset) for asset in assets}
    total = sum(usd.values(), ZERO)
    rows: dict[str, DriftRow] = {}
    for asset in assets:
        hedge = hedges.get(asset, ZERO)
        after = usd[asset] + hedge
        rows[asset] = DriftRow(
            asset=asset,
            price=prices[asset],
            coin=portfolio.coins(asset),
            usd=usd[asset],
            weight=usd[asset] / total if total > 0 else ZERO,
            target=after / total if total > 0 else ZERO,
            target_usd=after,
            excess_usd=-hedge,
            excess_coin=-hedge / prices[asset],
        )
    return Drift(total, rows)
