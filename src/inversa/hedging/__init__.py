"""Portfolio rebalancing with inverse futures.

Instead of selling the overweight coins and buying the underweight ones on spot, hold
the spot and trade one futures leg per asset: short the overweight, long the
underweight.  A short inverse perpetual of ``N * CV`` USD keeps the USD value of the
``N * CV / S0`` coins it covers fixed at every later price (synthetic USD), without
rebalancing.

- :class:`Portfolio`, :func:`load_portfolio`: holdings (USD or coins), target weights,
  prices, contract choices; TOML or CSV files.
- :func:`drift_table`: current vs target weight, excess in USD and coin.
- :func:`plan_hedge`: the legs in USD, coin and whole contracts, the residual, margin
  per settlement-coin wallet (with a linear alternative when the holder lacks the coin),
  liquidation prices under the venue's model, exposure after the hedge.
- :class:`HedgeAmount`: a leg given directly (``BTC=-14950USD``) instead of targets.
- :func:`plan_risk`: each leg's liquidation isolated or on the whole coin wallet
  (cross), with a warning when it lies closer than a distance.
- :func:`stress_table`: value and exposure after price moves, hedged and unhedged,
  legs past their liquidation valued as liquidated.
- :func:`price_path`: bundled lows and highs between two dates (hourly marks or daily).
- :func:`compare_venues`: one hedge priced on every venue listing the contract, with
  funding from bundled history before a date; the cheapest marked.
- :func:`mean_daily_funding`, :func:`carry_costs`: funding and basis carry per day/month.
- :func:`dated_carry`: a leg on dated futures rolled before each expiry, basis carried
  and roll fees (basis and expiries from :mod:`inversa.contracts`).
- :func:`unwind_hedge`: closing orders, realised PnL, comparison with rebalancing on spot.
- :func:`hedge_backtest`: never, spot, futures and futures with a spot true-up side by
  side under one :class:`BacktestPolicy` (bands, partial hedging, a cap on legs, margin
  enforced on daily lows, liquidations and top-ups booked), funding per asset
  (:func:`asset_funding`), bundled inputs from :func:`backtest_history`.

Conventions: exact Decimal arithmetic in the planner (floats only in the backtest);
prices in USD per coin; legs signed (negative: short); margin, fees and coin PnL in the
leg's settlement coin; cash flows positive when received.  Every contract formula is a
call into :mod:`inversa.contracts`.
"""

from inversa.hedging.amounts import HedgeAmount, parse_hedge_amounts
from inversa.hedging.backtest import (
    STRATEGIES,
    BacktestResult,
    BookedEvent,
    StrategyResult,
    daily_funding_rate,
    hedge_backtest,
)
from inversa.hedging.carry import (
    DAYS_PER_MONTH,
    DEFAULT_FUNDING_DAYS,
    Carry,
    FundingEstimate,
    LegCarry,
    carry_costs,
    mean_daily_funding,
)
from inversa.hedging.compare import VenueComparison, VenueQuote, compare_venues
from inversa.hedging.drift import Drift, DriftRow, amounts_drift, drift_table
from inversa.hedging.funding import (
    FORMULA_DAILY_RATE,
    FUNDING_PROXIES,
    AssetFunding,
    FundingProxy,
    asset_funding,
)
from inversa.hedging.history import (
    BacktestHistory,
    backtest_history,
    inverse_funding_histories,
    leg_funding_estimates,
    price_path,
)
from inversa.hedging.inputs import (
    BacktestConfig,
    backtest_inputs,
    bundled_carry,
    bundled_close,
    run_backtest,
    with_bundled_prices,
)
from inversa.hedging.instruments import (
    DEFAULT_VENUE_ORDER,
    GENERIC_VENUE,
    contract_size,
    default_instrument,
    generic_inverse,
    instrument_label,
    is_generic,
    linear_alternative,
    venue_instrument,
    venue_of,
)
from inversa.hedging.planner import (
    Alternative,
    Exposure,
    HedgeLeg,
    HedgePlan,
    WalletNeed,
    plan_hedge,
    whole_contracts,
)
from inversa.hedging.policy import BacktestPolicy
from inversa.hedging.portfolio import WEIGHT_TOLERANCE, Portfolio, load_portfolio
from inversa.hedging.risk import (
    DEFAULT_WARN_DISTANCE,
    MARGIN_MODES,
    LegRisk,
    MarginMode,
    RiskReport,
    plan_risk,
)
from inversa.hedging.rolls import BasisRate, DatedCarry, RollSegment, dated_carry
from inversa.hedging.stress import DEFAULT_SHOCKS, StressAsset, StressRow, stress_table
from inversa.hedging.unwind import ClosingOrder, LegLiquidation, Unwind, unwind_hedge

__all__ = [
    "DAYS_PER_MONTH",
    "DEFAULT_FUNDING_DAYS",
    "DEFAULT_SHOCKS",
    "DEFAULT_VENUE_ORDER",
    "DEFAULT_WARN_DISTANCE",
    "FORMULA_DAILY_RATE",
    "FUNDING_PROXIES",
    "GENERIC_VENUE",
    "MARGIN_MODES",
    "STRATEGIES",
    "WEIGHT_TOLERANCE",
    "Alternative",
    "AssetFunding",
    "BacktestConfig",
    "BacktestHistory",
    "BacktestPolicy",
    "BacktestResult",
    "BasisRate",
    "BookedEvent",
    "Carry",
    "ClosingOrder",
    "DatedCarry",
    "Drift",
    "DriftRow",
    "Exposure",
    "FundingEstimate",
    "FundingProxy",
    "HedgeAmount",
    "HedgeLeg",
    "HedgePlan",
    "LegCarry",
    "LegLiquidation",
    "LegRisk",
    "MarginMode",
    "Portfolio",
    "RiskReport",
    "RollSegment",
    "StrategyResult",
    "StressAsset",
    "StressRow",
    "Unwind",
    "VenueComparison",
    "VenueQuote",
    "WalletNeed",
    "amounts_drift",
    "asset_funding",
    "backtest_history",
    "backtest_inputs",
    "bundled_carry",
    "bundled_close",
    "carry_costs",
    "compare_venues",
    "contract_size",
    "daily_funding_rate",
    "dated_carry",
    "default_instrument",
    "drift_table",
    "generic_inverse",
    "hedge_backtest",
    "instrument_label",
    "inverse_funding_histories",
    "is_generic",
    "leg_funding_estimates",
    "linear_alternative",
    "load_portfolio",
    "mean_daily_funding",
    "parse_hedge_amounts",
    "plan_hedge",
    "plan_risk",
    "price_path",
    "run_backtest",
    "stress_table",
    "unwind_hedge",
    "venue_instrument",
    "venue_of",
    "whole_contracts",
    "with_bundled_prices",
]
