"""A simulated venue for inverse (coin-margined) futures and perpetuals.

Accounts hold one wallet per settlement coin; positions are cross or isolated; orders
fill at a price (market orders through a slippage model, limit orders at their price)
with maker/taker fees; positions are marked to market at the mark price; funding
settles at the venue's times from its formula or a historical series; units at or
below maintenance margin are liquidated at the bankruptcy price, with the insurance
fund and BitMEX-ranked auto-deleveraging behind them.  Every state change is a frozen
event in an append-only log, and :meth:`Engine.from_events` rebuilds the state from it.

Conventions: prices in USD per coin; contracts positive counts (signed sizes: + long,
- short); every amount a :class:`~decimal.Decimal` in the settlement coin, positive when
received by the account named; a positive funding rate means longs pay shorts.  All
formulas come from :mod:`inversa.contracts`.

Quick start::

    from decimal import Decimal as D
    from inversa.contracts import TierTable
    from inversa.engine import Engine, InstrumentRules, check_invariants

    rules = InstrumentRules("BTC/USD:BTC", D(100), TierTable.parse("inf:0.005"))
    venue = Engine(rules)                       # "market-maker" takes the other side
    venue.deposit("market-maker", 1000)
    venue.deposit("alice", 1)
    venue.set_mark("BTC/USD:BTC", 50_000)
    venue.set_leverage("alice", "BTC/USD:BTC", 10, "isolated")
    venue.buy("alice", "BTC/USD:BTC", 1000)     # market order, taker fee
    venue.set_mark("BTC/USD:BTC", 45_000)       # liquidates alice
    check_invariants(venue, replay=True)
"""

from inversa.engine._dec import TOLERANCE
from inversa.engine.accounts import MarginMode, Position, PositionSettings
from inversa.engine.adl import AdlRank, adl_score
from inversa.engine.events import (
    AccountOpened,
    ClockAdvanced,
    Deposited,
    Event,
    Filled,
    FillReason,
    FillSide,
    FundingPayment,
    FundingSettled,
    InsuranceFlow,
    InsuranceFunded,
    LeverageSet,
    LiquidationStarted,
    LossUncovered,
    MarginTransferred,
    MarkPriceSet,
    VenueOpened,
    Withdrawn,
)
from inversa.engine.funding import FormulaFunding, FundingSource, HistoricalFunding
from inversa.engine.invariants import InvariantError, check_invariants
from inversa.engine.liquidation import LiquidationFill, LiquidationQuote, market_fill_size
from inversa.engine.orders import (
    FixedBps,
    LinearImpact,
    NoSlippage,
    Order,
    OrderKind,
    SlippageModel,
)
from inversa.engine.path import run_bars, validate_bars
from inversa.engine.rules import FundingRules, InstrumentRules, MaintenanceCurve
from inversa.engine.state import AccountSnapshot, EngineSnapshot
from inversa.engine.venue import Engine, MarginStatus

__all__ = [
    "TOLERANCE",
    "AccountOpened",
    "AccountSnapshot",
    "AdlRank",
    "ClockAdvanced",
    "Deposited",
    "Engine",
    "EngineSnapshot",
    "Event",
    "FillReason",
    "FillSide",
    "Filled",
    "FixedBps",
    "FormulaFunding",
    "FundingPayment",
    "FundingRules",
    "FundingSettled",
    "FundingSource",
    "HistoricalFunding",
    "InstrumentRules",
    "InsuranceFlow",
    "InsuranceFunded",
    "InvariantError",
    "LeverageSet",
    "LinearImpact",
    "LiquidationFill",
    "LiquidationQuote",
    "LiquidationStarted",
    "LossUncovered",
    "MaintenanceCurve",
    "MarginMode",
    "MarginStatus",
    "MarginTransferred",
    "MarkPriceSet",
    "NoSlippage",
    "Order",
    "OrderKind",
    "Position",
    "PositionSettings",
    "SlippageModel",
    "VenueOpened",
    "Withdrawn",
    "adl_score",
    "check_invariants",
    "market_fill_size",
    "run_bars",
    "validate_bars",
]
