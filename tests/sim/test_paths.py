"""Statistical properties of the seeded path generators (tolerances of several standard
errors, seeds fixed so the tests are deterministic)."""

from __future__ import annotations

import numpy as np
import pytest

from inversa.errors import InputError
from inversa.sim.paths import (
    HOURS_PER_YEAR,
    GarchFit,
    block_bootstrap,
    fit_garch,
    garch,
    gbm,
    merton,
    real_log_returns,
)

DT = 1 / 365.25


def log_returns(prices: np.ndarray) -> np.ndarray:
    return np.diff(np.log(prices), axis=1)


def test_gbm_moments() -> None:
    mu, sigma = 0.1, 0.8
    p = gbm(4000, 250, s0=100.0, mu=mu, sigma=sigma, dt=DT, rng=np.random.default_rng(1))
    assert p.shape == (4000, 251)
    assert (p[:, 0] == 100.0).all()
    r = log_returns(p).ravel()
    sd = sigma * np.sqrt(DT)
    assert r.mean() == pytest.approx((mu - sigma**2 / 2) * DT, abs=5 * sd / np.sqrt(r.size))
    assert r.std() == pytest.approx(sd, rel=5 / np.sqrt(2 * r.size))
    # E[S_T] = s0 exp(mu T)
    t = 250 * DT
    st = p[:, -1]
    assert st.mean() == pytest.approx(100 * np.exp(mu * t), rel=5 * st.std() / st.mean() / 63)
    # independent steps
    x = log_returns(p)
    corr = np.corrcoef(x[:, :-1].ravel(), x[:, 1:].ravel())[0, 1]
    assert abs(corr) < 5 / np.sqrt(r.size)


def test_seeds_reproduce_and_differ() -> None:
    a = gbm(3, 10, s0=1.0, mu=0.0, sigma=0.5, dt=DT, rng=np.random.default_rng(7))
    b = gbm(3, 10, s0=1.0, mu=0.0, sigma=0.5, dt=DT, rng=np.random.default_rng(7))
    c = gbm(3, 10, s0=1.0, mu=0.0, sigma=0.5, dt=DT, rng=np.random.default_rng(8))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_merton_variance_fat_tails_and_mean() -> None:
    sigma, lam, jm, js = 0.5, 20.0, -0.05, 0.08
    p = merton(
        4000, 365, s0=50.0, mu=0.0, sigma=sigma, jump_intensity=lam, jump_mean=jm,
        jump_std=js, dt=DT, rng=np.random.default_rng(2),
    )  # fmt: skip
    r = log_returns(p).ravel()
    var = sigma**2 * DT + lam * DT * (jm**2 + js**2)
    assert r.var() == pytest.approx(var, rel=0.03)
    kurt = np.mean((r - r.mean()) ** 4) / r.var() ** 2
    assert kurt > 4  # a GBM has 3
    mean = (-0.5 * sigma**2 - lam * np.expm1(jm + js**2 / 2) + lam * jm) * DT
    assert r.mean() == pytest.approx(mean, abs=5 * np.sqrt(var / r.size))
    # compensated drift: E[S_T] = s0 with mu = 0
    st = p[:, -1]
    assert st.mean() == pytest.approx(50.0, abs=5 * st.std() / np.sqrt(st.size))


def test_merton_without_jumps_is_gbm() -> None:
    kw = {"s0": 10.0, "mu": 0.05, "sigma": 0.3, "dt": DT}
    a = merton(5, 20, jump_intensity=0.0, jump_mean=0.0, jump_std=0.1,
               rng=np.random.default_rng(3), **kw)  # fmt: skip
    b = gbm(5, 20, rng=np.random.default_rng(3), **kw)
    assert np.allclose(a, b, rtol=1e-12)


def test_block_bootstrap_uses_contiguous_real_blocks() -> None:
    src = real_log_returns("BTC", "1h")
    assert src.size == 35_480
    block = 24
    p = block_bootstrap(src, 50, 240, s0=1.0, block=block, rng=np.random.default_rng(4))
    r = log_returns(p)
    assert r.shape == (50, 240)
    for row in r:
        for b in range(0, 240, block):
            piece = row[b : b + block]
            starts = np.flatnonzero(
                np.isclose(src[: src.size - block + 1], piece[0], rtol=0, atol=1e-15)
            )
            assert any(np.allclose(src[s : s + block], piece, rtol=0, atol=1e-13) for s in starts)


def test_block_bootstrap_keeps_the_distribution() -> None:
    src = real_log_returns("BTC", "1h")
    p = block_bootstrap(src, 400, 1000, s0=1.0, block=48, rng=np.random.default_rng(5))
    r = log_returns(p).ravel()
    assert r.std() == pytest.approx(src.std(), rel=0.05)
    assert np.quantile(r, 0.01) == pytest.approx(np.quantile(src, 0.01), rel=0.1)


def test_garch_recovers_known_parameters() -> None:
    true = GarchFit(mu=0.0002, omega=2e-6, alpha=0.08, beta=0.9, loglik=0.0, n=0)
    p = garch(true, 1, 20_000, s0=1.0, rng=np.random.default_rng(6))
    fit = fit_garch(log_returns(p)[0])
    assert fit.alpha == pytest.approx(0.08, abs=0.02)
    assert fit.beta == pytest.approx(0.9, abs=0.03)
    assert fit.unconditional_variance == pytest.approx(1e-4, rel=0.25)
    assert fit.persistence < 1


def test_garch_fit_beats_constant_variance_on_real_data() -> None:
    r = real_log_returns("BTC", "1d")[-2000:]
    fit = fit_garch(r)
    assert 0 < fit.alpha < 0.5
    assert 0.5 < fit.persistence < 1
    e = r - r.mean()
    const_ll = -0.5 * e.size * (np.log(2 * np.pi * e.var()) + 1)
    assert fit.loglik > const_ll + 10  # volatility clusters in real BTC returns


def test_garch_paths_have_volatility_clustering() -> None:
    fit = GarchFit(mu=0.0, omega=1e-5, alpha=0.1, beta=0.85, loglik=0.0, n=0)
    r = log_returns(garch(fit, 200, 1000, s0=1.0, rng=np.random.default_rng(8)))
    sq = r**2
    ac = np.corrcoef(sq[:, :-1].ravel(), sq[:, 1:].ravel())[0, 1]
    assert ac > 0.05
    assert r.var() == pytest.approx(fit.unconditional_variance, rel=0.1)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: gbm(0, 5, s0=1, mu=0, sigma=0.1, dt=DT, rng=np.random.default_rng()), "paths"),
        (lambda: gbm(1, 5, s0=-1, mu=0, sigma=0.1, dt=DT, rng=np.random.default_rng()), "s0"),
        (lambda: gbm(1, 5, s0=1, mu=0, sigma=np.nan, dt=DT, rng=np.random.default_rng()), "sigma"),
        (
            lambda: block_bootstrap(
                np.zeros(10), 1, 5, s0=1, block=11, rng=np.random.default_rng()
            ),
            "block",
        ),
        (lambda: fit_garch(np.zeros(10)), "log_returns"),
        (lambda: real_log_returns("BTC", "5m"), "freq"),
    ],
)
def test_bad_inputs_name_the_field(call: object, name: str) -> None:
    with pytest.raises(InputError, match=name):
        call()  # type: ignore[operator]


def test_hours_per_year() -> None:
    assert HOURS_PER_YEAR == 8766.0
