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
0; every short has a finite price: :func:`inversa.contracts.generic_prices` with
``kind=ContractKind.LINEAR``.  Every function runs on Decimal scalars and on float64
arrays.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from inversa.contracts._check import check_positive
from inversa.contracts._num import Num
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
