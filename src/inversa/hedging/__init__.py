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
- :func:`stress_table`: value and exposure after price moves, hedged and unhedged.
- :func:`mean_daily_funding`, :func:`carry_costs`: funding and basis carry per day/month.
- :func:`unwind_hedge`: closing orders, realised PnL, comparison with rebalancing on spot.
- :func:`hedge_backtest`: monthly rebalancing on spot, with inverse legs, or never.

Conventions: exact Decimal arithmetic in the planner (floats only in the backtest);
prices in USD per coin; legs signed (negative: short); margin, fees and coin PnL in the
leg's settlement coin; cash flows positive when received.  Every contract formula is a
call into :mod:`inversa.contracts`.
"""

from inversa.hedging.backtest import (
    STRATEGIES,
    BacktestResult,
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
from inversa.hedging.drift import Drift, DriftRow, drift_table
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
    HedgeInstrument,
    default_instrument,
    generic_inverse,
    linear_alternative,
    venue_instrument,
)
from inversa.hedging.planner import (
    Alternative,
    Exposure,
    HedgeLeg,
    HedgePlan,
    WalletNeed,
    plan_hedge,
)
from inversa.hedging.portfolio import WEIGHT_TOLERANCE, Portfolio, load_portfolio
from inversa.hedging.stress import DEFAULT_SHOCKS, StressAsset, StressRow, stress_table
from inversa.hedging.unwind import ClosingOrder, Unwind, unwind_hedge

__all__ = [
    "DAYS_PER_MONTH",
    "DEFAULT_FUNDING_DAYS",
    "DEFAULT_SHOCKS",
    "DEFAULT_VENUE_ORDER",
    "STRATEGIES",
    "WEIGHT_TOLERANCE",
    "Alternative",
    "BacktestConfig",
    "BacktestResult",
    "Carry",
    "ClosingOrder",
    "Drift",
    "DriftRow",
    "Exposure",
    "FundingEstimate",
    "HedgeInstrument",
    "HedgeLeg",
    "HedgePlan",
    "LegCarry",
    "Portfolio",
    "StrategyResult",
    "StressAsset",
    "StressRow",
    "Unwind",
    "WalletNeed",
    "backtest_inputs",
    "bundled_carry",
    "bundled_close",
    "carry_costs",
    "daily_funding_rate",
    "default_instrument",
    "drift_table",
    "generic_inverse",
    "hedge_backtest",
    "linear_alternative",
    "load_portfolio",
    "mean_daily_funding",
    "plan_hedge",
    "run_backtest",
    "stress_table",
    "unwind_hedge",
    "venue_instrument",
    "with_bundled_prices",
]
