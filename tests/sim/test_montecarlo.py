"""Monte Carlo of a token policy: figures equal a direct computation, seeds reproduce,
memory stays bounded by the chunk, decay follows the formula, errors name the key."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from inversa.errors import InversaError
from inversa.sim import paths as gen
from inversa.sim.montecarlo import (
    MarketModel,
    MonteCarloConfig,
    TokenPolicy,
    load_config,
    run_montecarlo,
)
from inversa.sim.token_kernels import STATS, run_paths

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def small(**kw: object) -> MonteCarloConfig:
    base: dict[str, object] = {
        "paths": 600,
        "steps": 24 * 10,
        "seed": 11,
        "market": MarketModel(model="gbm", sigma=0.9),
    }
    base.update(kw)
    return MonteCarloConfig.model_validate(base)


def test_one_chunk_equals_a_direct_computation() -> None:
    jumps = MarketModel(model="merton", jump_intensity=30.0, jump_mean=0.15, jump_std=0.1)
    token = TokenPolicy(leverage=-3.0, band=(-3.6, -2.4), mmr=0.05)
    cfg = small(chunk_paths=600, token=token, market=jumps)
    res = run_montecarlo(cfg)
    m = cfg.market
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(0,)))
    prices = gen.merton(
        600, cfg.steps, s0=m.s0, mu=m.mu, sigma=m.sigma, jump_intensity=30.0,
        jump_mean=0.15, jump_std=0.1, dt=1 / 8766, rng=rng,
    )  # fmt: skip
    idx = np.arange(cfg.steps + 1)
    reset = idx % 24 == 0
    funding = np.where((idx % 8 == 0) & (idx > 0), m.funding_rate, 0.0)
    stats, _ = run_paths(cfg.token.spec(), prices, reset, funding)
    col = {k: i for i, k in enumerate(STATS)}
    nav0 = cfg.token.start_equity * m.s0
    final = stats[:, col["final_nav_usd"]] / nav0
    liq = stats[:, col["liquidated_bar"]] >= 0
    assert 0 < liq.sum() < 600  # the case exercises liquidations
    assert res.liquidation_probability == liq.mean()
    assert res.final_nav_mean == pytest.approx(final.mean(), rel=1e-12)
    assert res.worst_drawdown == stats[:, col["max_drawdown"]].max() == 1.0
    funding_mean = stats[:, col["funding"]].mean()
    assert res.funding_paid_mean_settle == pytest.approx(funding_mean, rel=1e-12)
    assert res.coin == "coin"  # the collateral of the kernel's funding and fees
    assert res.trades_mean == pytest.approx(stats[:, col["trades"]].mean(), rel=1e-12)
    # histogram quantiles within a bin (0.115 %) of the exact ones
    for q, got in zip(res.quantiles, res.final_nav_q, strict=True):
        want = np.quantile(final, q, method="inverted_cdf")
        assert got == pytest.approx(want, rel=2.5e-3, abs=1e-9)


def test_seed_and_chunk_size_reproduce_a_run() -> None:
    a = run_montecarlo(small(chunk_paths=100))
    b = run_montecarlo(small(chunk_paths=100))
    c = run_montecarlo(small(chunk_paths=100, seed=12))
    assert a.summary() == b.summary()
    assert a.fan_q == b.fan_q
    assert a.summary() != c.summary()
    assert a.chunks == 6


def test_memory_is_bounded_by_the_chunk() -> None:
    """20,000 paths x 400 steps (64 MB of prices) run in chunks of 500 paths (1.6 MB)."""
    cfg = MonteCarloConfig(paths=20_000, steps=400, chunk_paths=500, seed=3)
    run_montecarlo(small(paths=10, steps=400))  # compile outside the measurement
    tracemalloc.start()
    res = run_montecarlo(cfg)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert res.paths == 20_000
    assert res.chunks == 40
    all_prices = 20_000 * 401 * 8
    assert peak < all_prices / 8, f"peak {peak / 2**20:.1f} MB"


def test_progress_reports_every_chunk_with_the_total() -> None:
    seen: list[tuple[int, int]] = []
    run_montecarlo(small(chunk_paths=250), lambda done, total: seen.append((done, total)))
    assert seen == [(250, 600), (500, 600), (600, 600)]


def test_decay_follows_the_formula_for_a_continuously_reset_token() -> None:
    """Reset every step, no costs, fine contracts: NAV is the ideal path and the decay
    matches exp(-(L^2-L) sigma^2 T / 2) on average."""
    token = TokenPolicy(
        collateral="usd", contract_value=1e-9, leverage=-2.0, policy="daily_reset",
        taker_fee=0.0, mmr=0.0, start_equity=1000.0,
    )  # fmt: skip
    market = MarketModel(model="gbm", sigma=0.8, funding_rate=0.0, reset_every=1)
    res = run_montecarlo(MonteCarloConfig(token=token, market=market, paths=2000, steps=24 * 30))
    assert res.final_nav_mean == pytest.approx(res.ideal_nav_mean, rel=1e-6)
    assert res.decay_mean == pytest.approx(res.decay_formula_mean, rel=0.01)
    assert res.decay_formula_mean == pytest.approx(np.exp(-6 * 0.64 * (720 / 8766) / 2), rel=0.01)
    assert res.liquidation_probability == 0


@pytest.mark.parametrize("model", ["merton", "bootstrap", "garch"])
def test_every_market_model_runs(model: str) -> None:
    res = run_montecarlo(small(paths=50, market=MarketModel(model=model)))  # type: ignore[arg-type]
    assert 0 < res.final_nav_mean < 5
    assert res.fan_q[0][2] == pytest.approx(1.0, rel=0.01)  # step 0: the start (one fee)


def test_example_config_loads() -> None:
    cfg = load_config(EXAMPLES / "token_mc.toml", MonteCarloConfig)
    assert cfg.market.model == "bootstrap"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("paths = 0", "paths"),
        ("colour = 1", "colour"),
        ("[token]\npolicy = 'weekly'", "token.policy"),
        ("[market]\nmodel = 'garch'\ndt_hours = 4", "market"),
        ("[token]\nband = [-0.8, -1.2]", "band"),
    ],
)
def test_bad_configs_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "mc.toml"
    path.write_text(text)
    with pytest.raises(InversaError, match=key):
        run_montecarlo(load_config(path, MonteCarloConfig))
