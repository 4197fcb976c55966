"""The inverse (or leveraged) index token: maths, vault, policies, keeper and backtests.

Leverage is signed (-1 for an inverse token) and is net USD delta over USD equity;
NAV is equity per token.  See :mod:`inversa.token.maths` for the closed-form pieces.
"""

from inversa.token.backtest import TokenBacktest, backtest, backtest_config, oracle_fault_table
from inversa.token.keeper import (
    BacktestResult,
    Execution,
    FillRecord,
    MarketData,
    RebalanceRecord,
    TokenBacktestSpec,
    run_keeper,
)
from inversa.token.maths import (
    BandAction,
    BandDecision,
    BandParams,
    SynthQuote,
    band_decision,
    decay_factor,
    drift_leverage,
    recenter,
    reset_path,
    reset_trade,
    round_half_up,
    streaming_fee_fraction,
    streaming_fee_minted,
    synth_price,
)
from inversa.token.oracle import Fault, OracleFeed, OracleSpec, oracle_feed
from inversa.token.policy import Decision, Policy, decide
from inversa.token.vault import CollateralKind, Vault, VaultSpec

__all__ = [
    "BacktestResult",
    "BandAction",
    "BandDecision",
    "BandParams",
    "CollateralKind",
    "Decision",
    "Execution",
    "Fault",
    "FillRecord",
    "MarketData",
    "OracleFeed",
    "OracleSpec",
    "Policy",
    "RebalanceRecord",
    "SynthQuote",
    "TokenBacktest",
    "TokenBacktestSpec",
    "Vault",
    "VaultSpec",
    "backtest",
    "backtest_config",
    "band_decision",
    "decay_factor",
    "decide",
    "drift_leverage",
    "oracle_fault_table",
    "oracle_feed",
    "recenter",
    "reset_path",
    "reset_trade",
    "round_half_up",
    "run_keeper",
    "streaming_fee_fraction",
    "streaming_fee_minted",
    "synth_price",
]
