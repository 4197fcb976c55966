"""Orders and the slippage models that price market orders.

A **limit** order fills at its own price (it must lie on the tick) and pays the maker
rate.  A **market** order fills at the slippage model's price from the mark and pays the
taker rate.  The counterparty (a named account or the venue's market maker) is modelled
as a resting order: it pays the maker rate.  Prices are USD per coin; contracts are
positive counts; ``side`` is +1 buy, -1 sell.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from inversa.contracts import Side, parse_side, position_value
from inversa.engine._dec import ZERO, exact, to_decimal, to_price
from inversa.errors import InputError

__all__ = [
    "DepthImpact",
    "FixedBps",
    "LinearImpact",
    "NoSlippage",
    "Order",
    "OrderKind",
    "SlippageModel",
]


class OrderKind(StrEnum):
    MARKET = "market"
    LIMIT = "limit"


@dataclass(frozen=True, slots=True)
class Order:
    """An order of ``account`` to buy (``side`` +1) or sell (-1) ``contracts`` of ``symbol``.

    ``price`` is required for limit orders and ignored for market orders.
    ``counterparty`` names the account on the other side; ``None`` means the venue's
    market maker.  ``reduce_only`` orders may only shrink the position.
    """

    account: str
    symbol: str
    side: Side
    contracts: Decimal
    kind: OrderKind = OrderKind.MARKET
    price: Decimal | None = None
    counterparty: str | None = None
    reduce_only: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "side", parse_side(self.side))
        object.__setattr__(
            self, "contracts", to_decimal("contracts", self.contracts, positive=True)
        )
        object.__setattr__(self, "kind", OrderKind(self.kind))
        if self.kind is OrderKind.LIMIT:
            if self.price is None:
                raise InputError("price", None, "a limit order needs a price")
            object.__setattr__(self, "price", to_price("price", self.price))
        elif self.price is not None:
            object.__setattr__(self, "price", to_price("price", self.price))
        if self.counterparty == self.account:
            raise InputError("counterparty", self.counterparty, "an account cannot trade itself")

    def describe(self) -> str:
        """``"buy 100 BTC/USD:BTC market"`` for messages."""
        verb = "buy" if self.side == 1 else "sell"
        at = f" @ {self.price}" if self.kind is OrderKind.LIMIT else ""
        return f"{verb} {self.contracts} {self.symbol} {self.kind.value}{at}"


class SlippageModel(Protocol):
    """Fill price of a market order: ``(side, contracts, reference price, contract value)``
    -> USD per coin.  Buys fill at or above the reference, sells at or below."""

    def __call__(
        self, side: int, contracts: Decimal, price: Decimal, contract_value: Decimal
    ) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class NoSlippage:
    """Market orders fill at the mark."""

    def __call__(
        self, side: int, contracts: Decimal, price: Decimal, contract_value: Decimal
    ) -> Decimal:
        return price


@dataclass(frozen=True, slots=True)
class FixedBps:
    """``price * (1 + side * bps / 10_000)``: a constant half-spread."""

    bps: Decimal = Decimal(5)

    def __post_init__(self) -> None:
        object.__setattr__(self, "bps", to_decimal("bps", self.bps, nonnegative=True))

    def __call__(
        self, side: int, contracts: Decimal, price: Decimal, contract_value: Decimal
    ) -> Decimal:
        with exact():
            return price * (1 + side * self.bps / 10_000)


@dataclass(frozen=True, slots=True)
class LinearImpact:
    """``price * (1 + side * (bps + bps_per_coin * PV) / 10_000)``: a half-spread plus an
    impact linear in the order's coin value ``PV = N * CV / price``."""

    bps: Decimal = ZERO
    bps_per_coin: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        object.__setattr__(self, "bps", to_decimal("bps", self.bps, nonnegative=True))
        object.__setattr__(
            self, "bps_per_coin", to_decimal("bps_per_coin", self.bps_per_coin, nonnegative=True)
        )

    def __call__(
        self, side: int, contracts: Decimal, price: Decimal, contract_value: Decimal
    ) -> Decimal:
        with exact():
            value = position_value(contracts, price, contract_value)
            move = (self.bps + self.bps_per_coin * value) / 10_000
            if side < 0 and move >= 1:
                raise InputError("contracts", contracts, "impact would push the price to <= 0")
            return price * (1 + side * move)


@dataclass(frozen=True, slots=True)
class DepthImpact:
    """``price * (1 + side * k * notional_usd / depth_usd)``: an impact linear in the
    order's USD notional against a book ``depth_usd`` deep (with ``k = 1``, selling the
    whole depth would take the price to 0).  A sell never goes below ``min_fraction`` of
    the price.  ``notional_usd`` is ``N * CV`` (inverse) or ``N * CV * price`` (``linear``).
    """

    depth_usd: Decimal
    k: Decimal = Decimal(1)
    linear: bool = False
    min_fraction: Decimal = Decimal("0.01")

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth_usd", to_decimal("depth", self.depth_usd, positive=True))
        object.__setattr__(self, "k", to_decimal("k", self.k, nonnegative=True))
        fraction = to_decimal("min_fraction", self.min_fraction, positive=True)
        if fraction >= 1:
            raise InputError("min_fraction", fraction, "must lie in (0, 1)")
        object.__setattr__(self, "min_fraction", fraction)

    def __call__(
        self, side: int, contracts: Decimal, price: Decimal, contract_value: Decimal
    ) -> Decimal:
        with exact():
            notional = contracts * contract_value * (price if self.linear else 1)
            move = self.k * notional / self.depth_usd
            if side < 0:
                return price * max(1 - move, self.min_fraction)
            return price * (1 + move)
