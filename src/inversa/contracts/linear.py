"""Linear (USD-settled) contracts: value, PnL, arithmetic entry, fees, funding, liquidation.

A linear contract is ``contract_value`` (CV) coin of the underlying, quoted and settled in
the quote currency (USD, USDT): its value is ``N * CV * P`` USD, its PnL
``side * N * CV * (X - E)`` USD (:func:`inversa.contracts.linear_pnl`), and the average
entry of several fills is the contract-weighted **arithmetic** mean (the only average
under which the PnL at the average equals the sum of the per-fill PnLs, as the harmonic
mean is for inverse contracts).  Fees and funding are rates on the USD value.  Margin
tiers are bounds in USD; maintenance margin ``value * mmr - cum``.

Liquidation (Binance USD-M form, one position, maintenance valued at the mark): with
``q = N * CV`` and ``C`` the collateral backing the position in USD (isolated margin, or
the cross wallet less the other positions' maintenance plus their unrealised PnL),
equity equals maintenance margin at ``L = (C + cum - side*q*E) / (q * (mmr - side))``
and is zero at ``B = E - side * C / q``.  A long that no positive price liquidates gets
0; every short has a finite price.  Every function runs on Decimal scalars and on
float64 arrays.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

import numpy as np

from inversa.contracts._check import check_positive
from inversa.contracts._num import Num, like, maximum
from inversa.contracts.liquidation import LiquidationResult, flat_rate
from inversa.contracts.margin import TierTable
from inversa.contracts.pnl import (
    Fill,
    FillResult,
    PositionState,
    checked_fills,
    fill_position,
    linear_pnl,
)

__all__ = [
    "apply_linear_fill",
    "arithmetic_entry",
    "linear_fee",
    "linear_funding_payment",
    "linear_prices",
    "linear_value",
]


def linear_value(contracts: Num, price: Num, contract_value: Num) -> Num:
    """USD value of ``contracts`` linear contracts at ``price``: ``N * CV * P``."""
    check_positive("contracts", contracts)
    check_positive("price", price)
    check_positive("contract_value", contract_value)
    return contracts * contract_value * price


def linear_fee(contracts: Num, price: Num, contract_value: Num, rate: Num) -> Num:
    """Fee in USD on a linear fill: ``N * CV * P * rate`` (negative rate: a rebate)."""
    return linear_value(contracts, price, contract_value) * rate


def linear_funding_payment(
    side: Num | int, contracts: Num, contract_value: Num, mark: Num, rate: Num
) -> Num:
    """USD received by the holder at a funding time: ``-side * N * CV * M * F``."""
    return -side * linear_value(contracts, mark, contract_value) * rate


def arithmetic_entry(contracts: Iterable[Num], prices: Iterable[Num]) -> Num:
    """Average entry of linear fills: ``sum(N_i * P_i) / sum(N_i)``."""
    sizes, pxs = checked_fills(contracts, prices)
    total = sizes[0] - sizes[0]
    usd = total
    for n, p in zip(sizes, pxs, strict=True):
        total = total + n
        usd = usd + n * p
    return usd / total


def apply_linear_fill(position: PositionState, fill: Fill, contract_value: Decimal) -> FillResult:
    """Add a fill to a linear position (the twin of :func:`inversa.contracts.apply_fill`).

    Same direction: arithmetic mean entry; opposite: the closed part realises
    :func:`~inversa.contracts.linear_pnl` (USD) at the unchanged entry; a flip opens the
    excess at the fill price.
    """
    return fill_position(position, fill, contract_value, arithmetic_entry, linear_pnl)


def _price(side: Num | int, q: Num, entry: Num, collateral: Num, mmr: Num, cum: Num) -> Num:
    """Equity = ``q*P*mmr - cum`` solved for ``P``; 0 when no positive price solves it."""
    price = (collateral + cum - side * q * entry) / (q * (mmr - side))
    return maximum(price, price - price)


def linear_prices(
    side: Num | int,
    entry: Num,
    contracts: Num,
    contract_value: Num,
    collateral: Num,
    *,
    mmr: Num | None = None,
    cum: Num | None = None,
    tiers: TierTable | None = None,
) -> LiquidationResult[Num]:
    """Liquidation and bankruptcy price (USD per coin) of one linear position.

    ``collateral`` (USD, any sign) backs the position besides its own PnL.  Give either
    one bracket (``mmr``, optional ``cum``) or a tier table (bounds in USD); with tiers
    each bracket is solved in closed form and the one holding the position value at its
    own solution is kept (equity - MM is monotone in ``P``).  0 means "no price": a long
    whose collateral covers any fall.
    """
    check_positive("entry", entry)
    q = check_positive("contracts", contracts) * check_positive("contract_value", contract_value)
    zero = q - q
    bankrupt = _price(side, q, entry, collateral, zero, zero)
    flat = flat_rate(mmr, tiers)
    if flat is not None:
        return LiquidationResult(
            _price(side, q, entry, collateral, flat, zero + (cum or zero)), bankrupt
        )
    tiers = cast(TierTable, tiers)
    if isinstance(q, np.ndarray) or isinstance(collateral, np.ndarray):
        qa: Any = q
        result = np.zeros(np.broadcast(q, collateral).shape)
        found = np.zeros(result.shape, dtype=bool)
        for tier in tiers.tiers:
            price: Any = _price(side, qa, entry, collateral, float(tier.mmr), float(tier.cum))
            value = qa * price
            inside = (value > float(tier.floor)) & (value <= float(tier.upper)) & ~found
            result = np.where(inside, price, result)
            found |= inside
        return LiquidationResult(cast(Any, result), bankrupt)
    exact = isinstance(q, Decimal)
    for tier in tiers.tiers:
        rate: Any = tier.mmr if exact else float(tier.mmr)
        ded: Any = tier.cum if exact else float(tier.cum)
        price = _price(side, q, entry, collateral, rate, ded)
        if price <= 0:
            return LiquidationResult(price, bankrupt)  # the long is never liquidated
        if tier.floor < q * price <= tier.upper:
            return LiquidationResult(price, bankrupt)
    return LiquidationResult(like(q, 0), bankrupt)  # pragma: no cover - top tier is open
