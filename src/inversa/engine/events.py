"""The engine's append-only event log: one frozen dataclass per kind of state change.

Replaying the events in order through :meth:`inversa.engine.Engine.from_events` rebuilds
the state exactly.  Amounts are Decimals in the settlement coin, signed as seen by the
account named in the event (positive: the account receives) unless stated otherwise;
prices are USD per coin; quantities are contracts (signed: + buys, - sells).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from inversa.engine.accounts import MarginMode
from inversa.venues import Instrument

__all__ = [
    "AccountOpened",
    "ClockAdvanced",
    "Deposited",
    "Event",
    "FillReason",
    "FillSide",
    "Filled",
    "FundingPayment",
    "FundingSettled",
    "InsuranceFlow",
    "InsuranceFunded",
    "LeverageSet",
    "LiquidationStarted",
    "LossUncovered",
    "MarginTransferred",
    "MarkPriceSet",
    "VenueOpened",
    "Withdrawn",
]

#: Why a fill happened: a submitted order, a liquidation's market fill, a step down the
#: risk tiers (partial liquidation), or an auto-deleveraging fill at a bankruptcy price.
FillReason = Literal["order", "liquidation", "partial_liquidation", "adl"]


@dataclass(frozen=True, slots=True)
class VenueOpened:
    """First event of every log: the instruments and the venue's configuration.

    ``market_maker`` names the account that takes the other side of orders without a
    named counterparty and of liquidation fills (``None``: every order must name its
    counterparty and liquidations go straight to ADL).
    """

    instruments: tuple[Instrument, ...]
    market_maker: str | None
    partial_liquidation: bool
    time: datetime | None


@dataclass(frozen=True, slots=True)
class AccountOpened:
    account: str


@dataclass(frozen=True, slots=True)
class Deposited:
    """External coin into an account's wallet (``amount`` > 0)."""

    account: str
    coin: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """Coin out of an account's wallet to the outside (``amount`` > 0)."""

    account: str
    coin: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class InsuranceFunded:
    """External coin paid into the insurance fund of ``coin`` (``amount`` > 0)."""

    coin: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class LeverageSet:
    """Margin mode and leverage an account uses for ``symbol``."""

    account: str
    symbol: str
    mode: MarginMode
    leverage: Decimal


@dataclass(frozen=True, slots=True)
class MarginTransferred:
    """Coin moved from the wallet into an isolated position (negative: back out)."""

    account: str
    symbol: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ClockAdvanced:
    time: datetime


@dataclass(frozen=True, slots=True)
class MarkPriceSet:
    """The mark price of ``symbol`` (USD per coin); positions are valued at it."""

    symbol: str
    price: Decimal
    time: datetime | None


@dataclass(frozen=True, slots=True)
class FillSide:
    """One side of a fill.

    ``quantity`` is signed (+ bought, - sold).  ``realised_pnl`` is the PnL of the part
    of the position the fill closed (at the unchanged entry); ``fee`` is paid to the venue
    (negative: a rebate).  The account's coin moves as ``wallet_delta`` (wallet) and
    ``margin_delta`` (the isolated position's margin), and
    ``wallet_delta + margin_delta == realised_pnl - fee``.
    """

    account: str
    quantity: Decimal
    fee: Decimal
    realised_pnl: Decimal
    wallet_delta: Decimal
    margin_delta: Decimal
    liquidity: Literal["maker", "taker", "none"]


@dataclass(frozen=True, slots=True)
class Filled:
    """``contracts`` of ``symbol`` changed hands at ``price`` between two accounts."""

    symbol: str
    price: Decimal
    contracts: Decimal
    buyer: FillSide
    seller: FillSide
    reason: FillReason
    order_id: int | None
    time: datetime | None


@dataclass(frozen=True, slots=True)
class FundingPayment:
    """Coin received (negative: paid) by one position at a funding timestamp."""

    account: str
    amount: Decimal
    isolated: bool


@dataclass(frozen=True, slots=True)
class FundingSettled:
    """Funding of ``symbol`` at ``time``: ``rate`` per interval on positions valued at
    ``mark``; ``fraction`` of the interval (1 for a discrete settlement, elapsed/interval
    for continuous accrual)."""

    symbol: str
    time: datetime | None
    rate: Decimal
    mark: Decimal
    fraction: Decimal
    payments: tuple[FundingPayment, ...]


@dataclass(frozen=True, slots=True)
class LiquidationStarted:
    """A margin unit hit maintenance: the cross wallet of ``coin`` (``symbol`` None) or
    the isolated position in ``symbol``.  ``equity`` <= ``maintenance`` at the marks."""

    account: str
    coin: str
    symbol: str | None
    equity: Decimal
    maintenance: Decimal
    bankruptcy_prices: tuple[tuple[str, Decimal], ...]
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class InsuranceFlow:
    """The liquidated unit's remainder swept to the fund (``amount`` > 0: surplus paid
    in by the account) or a shortfall covered by the fund (``amount`` < 0)."""

    account: str
    coin: str
    symbol: str | None
    amount: Decimal


@dataclass(frozen=True, slots=True)
class LossUncovered:
    """A loss neither the insurance fund nor ADL could absorb: the account keeps a
    negative balance of ``-amount`` (``amount`` > 0)."""

    account: str
    coin: str
    amount: Decimal


Event = (
    VenueOpened
    | AccountOpened
    | Deposited
    | Withdrawn
    | InsuranceFunded
    | LeverageSet
    | MarginTransferred
    | ClockAdvanced
    | MarkPriceSet
    | Filled
    | FundingSettled
    | LiquidationStarted
    | InsuranceFlow
    | LossUncovered
)
