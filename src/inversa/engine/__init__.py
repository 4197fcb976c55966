"""A simulated venue for inverse (coin-margined) and linear (USD-settled) futures.

Accounts hold one wallet per settlement currency; positions are cross or isolated; orders
fill at a price (market orders through a slippage model, limit orders at their price)
with maker/taker fees; positions are marked to market at the mark price; funding
settles at the venue's times from its formula or a historical series; units at or
below maintenance margin are liquidated at the bankruptcy price, with the insurance
fund and BitMEX-ranked auto-deleveraging behind them.  Every state change is a frozen
event in an append-only log, and :meth:`Engine.from_events` rebuilds the state from it.

Instruments: the engine trades :class:`inversa.venues.Instrument`, the one instrument
model (inverse or linear by its ``spec.kind``), from a venue rule file
(:func:`inversa.venues.load_venue`) or built with :meth:`Instrument.custom
<inversa.venues.Instrument.custom>`; its contract maths, margin model and funding rule
(:class:`inversa.venues.Funding`) are the instrument's own.  Engine-only policy (which
fee a fill pays, :data:`Liquidity`; slippage; liquidation fills) is passed to the engine,
not stored on the instrument; :mod:`inversa.engine.terms` holds the defaults the engine
applies where a rule file sources no number (fee 0, lot 1).

Conventions: prices in USD per coin; contracts positive counts (signed sizes: + long,
- short); every amount a :class:`~decimal.Decimal` in the instrument's settlement
currency (the coin for inverse contracts, USD/USDT for linear ones), positive when
received by the account named; a positive funding rate means longs pay shorts.  Inverse
entries are harmonic averages, linear entries arithmetic ones.  All formulas come from
:mod:`inversa.contracts`.

Quick start: a coin-collateral vault short an inverse perpetual and a USD-collateral
vault short a linear one, on one venue::

    from decimal import Decimal as D
    from inversa.contracts import TierTable
    from inversa.engine import Engine, check_invariants
    from inversa.venues import Instrument, load_venue

    inverse = load_venue("binance-coinm").instrument("BTC/USD:BTC")
    linear = Instrument.custom(
        "BTC/USDT:USDT", D("0.001"), TierTable.parse("inf:0.004"), settle="USDT",
        kind="linear", taker=D("0.0005"), maker=D("0.0002"),
    )  # a hand-built instrument (venue "custom"; no funding unless given)
    venue = Engine([inverse, linear])           # "market-maker" takes the other side
    venue.deposit("market-maker", 1_000, "BTC")
    venue.deposit("market-maker", 50_000_000, "USDT")
    venue.deposit("vault-btc", 1, "BTC")        # coin collateral
    venue.deposit("vault-usd", 50_000, "USDT")  # USD collateral
    venue.set_mark("BTC/USD:BTC", 50_000)
    venue.set_mark("BTC/USDT:USDT", 50_000)
    venue.set_leverage("vault-btc", "BTC/USD:BTC", 2, "cross")
    venue.sell("vault-btc", "BTC/USD:BTC", 500)     # market order: short 50,000 USD, taker fee
    venue.sell("vault-usd", "BTC/USDT:USDT", 1000)  # short 1 BTC (1,000 x 0.001 BTC)
    venue.set_mark("BTC/USD:BTC", 45_000)           # marks liquidate what falls to maintenance
    venue.settle_funding("BTC/USD:BTC", "0.0001")   # 0.01 % per 8 h: the shorts receive
    venue.equity("vault-btc", "BTC")                # wallet + margins + unrealised PnL
    venue.position("vault-usd", "BTC/USDT:USDT")    # Position(size=-1000, entry=50000, ...)
    venue.margin("vault-btc", "BTC/USD:BTC")        # MarginStatus: equity, maintenance, ...
    check_invariants(venue, replay=True)
"""

from inversa.engine._dec import (
    MAX_AMOUNT,
    MAX_PRICE,
    MIN_PRICE,
    TOLERANCE,
    exact,
    floor_to,
    to_decimal,
    to_price,
)
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
    DepthImpact,
    FixedBps,
    LinearImpact,
    NoSlippage,
    Order,
    OrderKind,
    SlippageModel,
)
from inversa.engine.path import FILL_MODELS, FillModel, run_bars, validate_bars
from inversa.engine.risk import initial_rate
from inversa.engine.state import AccountSnapshot, EngineSnapshot
from inversa.engine.terms import (
    Liquidity,
    contract_lot,
    fee_rate,
    funding_interval,
    leverage_cap,
    tradable,
)
from inversa.engine.venue import Engine, MarginStatus

__all__ = [
    "FILL_MODELS",
    "MAX_AMOUNT",
    "MAX_PRICE",
    "MIN_PRICE",
    "TOLERANCE",
    "AccountOpened",
    "AccountSnapshot",
    "AdlRank",
    "ClockAdvanced",
    "Deposited",
    "DepthImpact",
    "Engine",
    "EngineSnapshot",
    "Event",
    "FillModel",
    "FillReason",
    "FillSide",
    "Filled",
    "FixedBps",
    "FormulaFunding",
    "FundingPayment",
    "FundingSettled",
    "FundingSource",
    "HistoricalFunding",
    "InsuranceFlow",
    "InsuranceFunded",
    "InvariantError",
    "LeverageSet",
    "LinearImpact",
    "LiquidationFill",
    "LiquidationQuote",
    "LiquidationStarted",
    "Liquidity",
    "LossUncovered",
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
    "contract_lot",
    "exact",
    "fee_rate",
    "floor_to",
    "funding_interval",
    "initial_rate",
    "leverage_cap",
    "market_fill_size",
    "run_bars",
    "to_decimal",
    "to_price",
    "tradable",
    "validate_bars",
]
