"""Position value, PnL, and the harmonic average entry of inverse contracts.

Units: prices in USD per coin; ``contract_value`` (CV) in USD per contract; contract
counts positive with ``side`` +1 (long) or -1 (short).  Values and PnL of inverse
contracts are in the settlement coin; PnL is signed as seen by the holder (positive is
a gain).  Every function runs on Decimal scalars and on float64 arrays alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from inversa.contracts._check import Side, check_positive, parse_side
from inversa.contracts._num import Num
from inversa.contracts.spec import ContractKind
from inversa.errors import InputError

__all__ = [
    "Fill",
    "FillResult",
    "PositionState",
    "apply_fill",
    "contract_pnl",
    "harmonic_entry",
    "inverse_pnl",
    "inverse_pnl_usd",
    "linear_pnl",
    "position_value",
    "quanto_pnl",
]


def position_value(contracts: Num, price: Num, contract_value: Num) -> Num:
    """Coin value of ``contracts`` inverse contracts at ``price``: ``N * CV / P``.

    It falls as the price rises; the USD notional ``N * CV`` is constant.
    """
    check_positive("contracts", contracts)
    check_positive("price", price)
    check_positive("contract_value", contract_value)
    return contracts * contract_value / price


def inverse_pnl(side: Num | int, contracts: Num, entry: Num, exit: Num, contract_value: Num) -> Num:
    """PnL in coin of an inverse position: ``side * N * CV * (1/entry - 1/exit)``.

    A long gains ``N*CV*(1/E - 1/X)``; a short the opposite.  The long's payoff in coin is
    concave in the exit price and the short's convex.
    """
    check_positive("contracts", contracts)
    check_positive("entry", entry)
    check_positive("exit", exit)
    check_positive("contract_value", contract_value)
    return side * contracts * contract_value * (1 / entry - 1 / exit)


def inverse_pnl_usd(
    side: Num | int, contracts: Num, entry: Num, exit: Num, contract_value: Num
) -> Num:
    """The coin PnL of :func:`inverse_pnl` valued at the exit price, in USD:
    ``side * N * CV * (exit - entry) / entry``.

    Algebraically ``inverse_pnl * exit``, written without the reciprocals so that Decimal
    keeps a round result round (100,000 USD long from 10,000 to 10,500 is 5,000 USD, not
    4,999.99...98).
    """
    check_positive("contracts", contracts)
    check_positive("entry", entry)
    check_positive("exit", exit)
    check_positive("contract_value", contract_value)
    return side * contracts * contract_value * (exit - entry) / entry


def linear_pnl(side: Num | int, contracts: Num, entry: Num, exit: Num, contract_value: Num) -> Num:
    """PnL in quote (USD) of a linear position: ``side * N * CV * (exit - entry)``.

    ``contract_value`` is in coin per contract here.
    """
    check_positive("contracts", contracts)
    check_positive("entry", entry)
    check_positive("exit", exit)
    check_positive("contract_value", contract_value)
    return side * contracts * contract_value * (exit - entry)


def quanto_pnl(side: Num | int, contracts: Num, entry: Num, exit: Num, multiplier: Num) -> Num:
    """PnL in the settlement coin of a quanto position: ``side * N * mult * (exit - entry)``.

    ``multiplier`` is settlement coin per USD of price move per contract (BitMEX ETHUSD).
    """
    return linear_pnl(side, contracts, entry, exit, multiplier)


def contract_pnl(
    kind: ContractKind,
    side: Num | int,
    contracts: Num,
    entry: Num,
    exit: Num,
    contract_value: Num,
) -> Num:
    """PnL for any contract kind, in its settlement currency."""
    if kind is ContractKind.INVERSE:
        return inverse_pnl(side, contracts, entry, exit, contract_value)
    return linear_pnl(side, contracts, entry, exit, contract_value)


def harmonic_entry(contracts: Iterable[Num], prices: Iterable[Num]) -> Num:
    """Average entry of inverse fills: the contract-weighted harmonic mean.

    ``E = sum(N_i) / sum(N_i / P_i)``.  This is the only average under which
    ``inverse_pnl`` at the average equals the sum of the per-fill PnLs (Bybit: "Total
    quantity of contracts / Total contract value in BTC").  An arithmetic mean breaks
    that additivity.  With arrays, each argument is a sequence of equal-shape arrays and
    the mean is taken element-wise.
    """
    sizes = list(contracts)
    pxs = list(prices)
    if not sizes:
        raise InputError("fills", "[]", "need at least one fill")
    if len(sizes) != len(pxs):
        raise InputError("fills", f"{len(sizes)} sizes, {len(pxs)} prices", "lengths differ")
    for i, (n, p) in enumerate(zip(sizes, pxs, strict=True)):
        check_positive(f"fills[{i}].contracts", n)
        check_positive(f"fills[{i}].price", p)
    total = sizes[0] - sizes[0]
    coin = total
    for n, p in zip(sizes, pxs, strict=True):
        total = total + n
        coin = coin + n / p
    return total / coin


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution: signed ``quantity`` in contracts (+ buys, - sells) at ``price``."""

    quantity: Decimal
    price: Decimal

    @classmethod
    def parse(cls, text: str, field: str = "fills") -> Fill:
        """``"1000@5000"`` (buy 1,000 at 5,000) or ``"-500@6000"`` (sell 500)."""
        qty, sep, px = text.partition("@")
        try:
            quantity, price = Decimal(qty.strip()), Decimal(px.strip())
        except ArithmeticError:
            quantity = price = Decimal("NaN")
        if not sep or not quantity.is_finite() or quantity == 0:
            raise InputError(field, text, "expected CONTRACTS@PRICE with CONTRACTS != 0")
        check_positive(f"{field}.price", price)
        return cls(quantity, price)


@dataclass(frozen=True, slots=True)
class PositionState:
    """A one-way position: signed ``size`` in contracts and its harmonic ``entry``.

    ``entry`` is meaningless (kept as 0) while ``size`` is 0.
    """

    size: Decimal = Decimal(0)
    entry: Decimal = Decimal(0)

    @property
    def side(self) -> Side | None:
        if self.size == 0:
            return None
        return 1 if self.size > 0 else -1


@dataclass(frozen=True, slots=True)
class FillResult:
    """The position after a fill and the PnL (coin) realised by it."""

    position: PositionState
    realised_pnl: Decimal
    closed: Decimal


def apply_fill(position: PositionState, fill: Fill, contract_value: Decimal) -> FillResult:
    """Add a fill to an inverse position.

    - Same direction (or flat): the entry becomes the harmonic mean of old and new.
    - Opposite direction: the reduced part realises ``inverse_pnl`` at the unchanged
      entry; the remaining part keeps that entry; a flip opens the excess at the fill
      price.
    """
    check_positive("contract_value", contract_value)
    size, entry = position.size, position.entry
    q = fill.quantity
    if size == 0 or (size > 0) == (q > 0):
        if size == 0:
            new_entry = fill.price
        else:
            new_entry = harmonic_entry([abs(size), abs(q)], [entry, fill.price])
        return FillResult(PositionState(size + q, new_entry), Decimal(0), Decimal(0))
    closed = min(abs(q), abs(size))
    side = parse_side(1 if size > 0 else -1)
    realised = inverse_pnl(Decimal(side), closed, entry, fill.price, contract_value)
    remaining = size + q
    if remaining == 0:
        return FillResult(PositionState(), realised, closed)
    if (remaining > 0) == (size > 0):
        return FillResult(PositionState(remaining, entry), realised, closed)
    return FillResult(PositionState(remaining, fill.price), realised, closed)
