"""A token backtest from a config file: load, validate, run the keeper, summarise.

``backtest("examples/token_a_btc_coin_band.toml")`` returns a :class:`TokenBacktest`
with the config, the plain spec and bars the keeper ran on, its result and the summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inversa.token.analytics import Summary, summarise
from inversa.token.config import TokenConfig, load_config, market_data, to_spec
from inversa.token.keeper import BacktestResult, MarketData, TokenBacktestSpec, run_keeper

__all__ = ["TokenBacktest", "backtest", "backtest_config"]


@dataclass(frozen=True)
class TokenBacktest:
    """A finished backtest: its config, spec, bars, result and summary."""

    config: TokenConfig
    spec: TokenBacktestSpec
    market: MarketData
    result: BacktestResult
    summary: Summary


def backtest_config(config: TokenConfig, base: Path = Path()) -> TokenBacktest:
    """Run the backtest ``config`` describes (relative CSV paths from ``base``)."""
    spec = to_spec(config)
    market = market_data(config, base)
    result = run_keeper(market, spec)
    summary = summarise(
        result,
        spec.policy.target,
        spec.start_equity,
        spec.instrument.contract_value,
        name=config.name,
        reset_time=spec.policy.reset_time,
        linear=spec.instrument.linear,
    )
    return TokenBacktest(config, spec, market, result, summary)


def backtest(path: str | Path) -> TokenBacktest:
    """Load the TOML config at ``path`` and run it."""
    config, base = load_config(path)
    return backtest_config(config, base)
