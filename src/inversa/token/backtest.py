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

__all__ = ["TokenBacktest", "backtest", "backtest_config", "oracle_fault_table"]


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


def oracle_fault_table(run: TokenBacktest) -> list[dict[str, str | int | float]]:
    """What each configured oracle fault does: the backtest without an oracle, with the
    oracle model and no fault, and with each fault alone (final NAV in USD, its change
    against the fault-free oracle, rebalances, refused trades)."""
    from dataclasses import replace

    from inversa.token.config import oracle_spec

    spec = run.spec
    clean = oracle_spec(run.config.oracle, with_faults=False)
    if clean is None:
        return []
    rows: list[dict[str, str | int | float]] = []
    cases: list[tuple[str, TokenBacktestSpec]] = [
        ("no oracle (bar prices)", replace(spec, oracle=None)),
        ("oracle, no fault", replace(spec, oracle=clean)),
    ]
    assert spec.oracle is not None
    for fault in spec.oracle.faults:
        cases.append((fault.label(), replace(spec, oracle=replace(clean, faults=(fault,)))))
    base_nav = None
    for label, case in cases:
        res = run_keeper(run.market, case)
        nav = float(res.nav_usd[-1])
        if label == "oracle, no fault":
            base_nav = nav
        rows.append(
            {
                "case": label,
                "final NAV (USD)": nav,
                "rebalances": len(res.rebalances),
                "refused: stale": res.skipped_stale,
                "refused: slippage": res.skipped_slippage,
            }
        )
    for row in rows:
        row["vs oracle without fault"] = (
            float(row["final NAV (USD)"]) / base_nav - 1.0 if base_nav else 0.0
        )
    return rows
