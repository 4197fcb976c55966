"""Seeded price-path generators for Monte Carlo: GBM, Merton jump-diffusion, a block
bootstrap of real returns, and GARCH(1,1) fitted by maximum likelihood in NumPy.

Every generator returns prices of shape ``(paths, steps + 1)`` in USD per coin, the first
column equal to ``s0``; time steps are ``dt`` years (a 365.25-day year: crypto trades every
day, so an hour is ``1 / (365.25 * 24)``).  Randomness comes only from the
``numpy.random.Generator`` passed in, so a seed reproduces a run exactly.

Drifts are of the price: ``E[S_t] = s0 exp(mu t)`` for GBM and Merton (the jump term is
compensated).  GARCH works on log returns ``r_t = mu + e_t``,
``e_t = sqrt(h_t) z_t``, ``h_t = omega + alpha e_{t-1}^2 + beta h_{t-1}`` per step, fitted
by Gaussian (quasi-)maximum likelihood with variance targeting and a Nelder-Mead search
in NumPy: no SciPy or
statsmodels (the ``arch`` package, an optional extra, gives the same estimates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

from inversa.errors import InputError

__all__ = [
    "HOURS_PER_YEAR",
    "GarchFit",
    "block_bootstrap",
    "fit_garch",
    "garch",
    "gbm",
    "merton",
    "real_log_returns",
]

F64 = NDArray[np.float64]

#: Hours in a 365.25-day year.
HOURS_PER_YEAR = 365.25 * 24


def _check_shape(n_paths: int, n_steps: int) -> None:
    if int(n_paths) != n_paths or n_paths < 1:
        raise InputError("paths", n_paths, "must be a whole number >= 1")
    if int(n_steps) != n_steps or n_steps < 1:
        raise InputError("steps", n_steps, "must be a whole number >= 1")


def _check(name: str, value: float, lo: float = -np.inf, positive: bool = False) -> float:
    v = float(value)
    if not np.isfinite(v) or v < lo or (positive and v <= 0):
        raise InputError(
            name, value, f"must be a finite number {'> 0' if positive else f'>= {lo}'}"
        )
    return v


def _prices(s0: float, log_returns: F64) -> F64:
    out = np.empty((log_returns.shape[0], log_returns.shape[1] + 1))
    out[:, 0] = s0
    np.cumsum(log_returns, axis=1, out=out[:, 1:])
    np.exp(out[:, 1:], out=out[:, 1:])
    out[:, 1:] *= s0
    return out


def gbm(
    n_paths: int,
    n_steps: int,
    *,
    s0: float,
    mu: float,
    sigma: float,
    dt: float,
    rng: np.random.Generator,
) -> F64:
    """Geometric Brownian motion: log return per step ``(mu - sigma^2/2) dt + sigma sqrt(dt) Z``.

    ``mu`` and ``sigma`` are annual (fractions), ``dt`` in years.
    """
    _check_shape(n_paths, n_steps)
    s0 = _check("s0", s0, positive=True)
    sigma = _check("sigma", sigma, 0.0)
    dt = _check("dt", dt, positive=True)
    mu = _check("mu", mu)
    z = rng.standard_normal((n_paths, n_steps))
    z *= sigma * np.sqrt(dt)
    z += (mu - 0.5 * sigma * sigma) * dt
    return _prices(s0, z)


def merton(
    n_paths: int,
    n_steps: int,
    *,
    s0: float,
    mu: float,
    sigma: float,
    jump_intensity: float,
    jump_mean: float,
    jump_std: float,
    dt: float,
    rng: np.random.Generator,
) -> F64:
    """Merton jump-diffusion: GBM plus a compound Poisson of log-normal jumps.

    ``jump_intensity`` is jumps per year; a jump multiplies the price by ``exp(Y)`` with
    ``Y ~ N(jump_mean, jump_std^2)``.  The drift is compensated by
    ``jump_intensity * (exp(jump_mean + jump_std^2 / 2) - 1)`` so ``E[S_t] = s0 exp(mu t)``.
    """
    _check_shape(n_paths, n_steps)
    s0 = _check("s0", s0, positive=True)
    sigma = _check("sigma", sigma, 0.0)
    dt = _check("dt", dt, positive=True)
    mu = _check("mu", mu)
    lam = _check("jump_intensity", jump_intensity, 0.0)
    jm = _check("jump_mean", jump_mean)
    js = _check("jump_std", jump_std, 0.0)
    kappa = np.expm1(jm + 0.5 * js * js)
    x = rng.standard_normal((n_paths, n_steps))
    x *= sigma * np.sqrt(dt)
    x += (mu - 0.5 * sigma * sigma - lam * kappa) * dt
    counts = rng.poisson(lam * dt, (n_paths, n_steps))
    hit = counts > 0
    k = counts[hit]
    # the sum of k normal jumps is N(k jm, k js^2)
    x[hit] += k * jm + np.sqrt(k) * js * rng.standard_normal(k.size)
    return _prices(s0, x)


def block_bootstrap(
    log_returns: ArrayLike,
    n_paths: int,
    n_steps: int,
    *,
    s0: float,
    block: int,
    rng: np.random.Generator,
) -> F64:
    """Paths built from blocks of ``block`` consecutive real log returns, each block
    starting at a uniformly drawn position (a moving-block bootstrap); keeps the
    returns' short-range dependence (volatility clusters, funding cycles) within a block."""
    _check_shape(n_paths, n_steps)
    s0 = _check("s0", s0, positive=True)
    r = np.asarray(log_returns, dtype=np.float64)
    if r.ndim != 1 or not np.isfinite(r).all():
        raise InputError("log_returns", r.shape, "must be a 1-D array of finite numbers")
    if int(block) != block or not 1 <= block <= r.size:
        raise InputError("block", block, f"must be a whole number in [1, {r.size}]")
    n_blocks = -(-n_steps // block)
    starts = rng.integers(0, r.size - block + 1, (n_paths, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)).reshape(n_paths, -1)[:, :n_steps]
    return _prices(s0, r[idx])


def real_log_returns(asset: str = "BTC", freq: str = "1h") -> F64:
    """Log returns of the bundled real prices: ``"1h"`` the Binance USD-M hourly marks,
    ``"1d"`` the daily spot closes (see ``inversa/data/bundled/PROVENANCE.md``)."""
    from inversa import data

    if freq == "1h":
        close = data.mark_hourly(asset)["close"].to_numpy(dtype=np.float64)
    elif freq == "1d":
        close = data.spot_daily(asset)["close"].to_numpy(dtype=np.float64)
    else:
        raise InputError("freq", freq, "must be '1h' or '1d'")
    return np.diff(np.log(close))


# --------------------------------------------------------------------------- GARCH(1,1)


@dataclass(frozen=True)
class GarchFit:
    """A GARCH(1,1) on per-step log returns (units of the returns it was fitted on).

    Attributes:
        mu: mean log return per step.
        omega, alpha, beta: ``h_t = omega + alpha e_{t-1}^2 + beta h_{t-1}``.
        loglik: the Gaussian log-likelihood at the estimate.
        n: number of returns fitted.
    """

    mu: float
    omega: float
    alpha: float
    beta: float
    loglik: float
    n: int

    @property
    def persistence(self) -> float:
        """``alpha + beta`` (< 1: stationary)."""
        return self.alpha + self.beta

    @property
    def unconditional_variance(self) -> float:
        """``omega / (1 - alpha - beta)`` per step."""
        return self.omega / (1.0 - self.persistence)


@numba.njit(cache=True, nogil=True)
def _garch_nll_nb(
    e: F64, omega: float, alpha: float, beta: float, h0: float
) -> float:  # pragma: no cover
    """Negative Gaussian log-likelihood (without the constant) of residuals ``e``."""
    h = h0
    total = 0.0
    for t in range(e.shape[0]):
        total += np.log(h) + e[t] * e[t] / h
        h = omega + alpha * e[t] * e[t] + beta * h
    return 0.5 * total


def _unpack(theta: F64, var: float) -> tuple[float, float, float]:
    """Unconstrained -> (omega, alpha, beta) with alpha, beta >= 0, alpha + beta < 1 and
    omega = var (1 - alpha - beta) (variance targeting: the unconditional variance is
    the sample variance)."""
    persistence = 1.0 / (1.0 + np.exp(-theta[0]))
    share = 1.0 / (1.0 + np.exp(-theta[1]))
    alpha = persistence * share
    beta = persistence - alpha
    omega = var * (1.0 - persistence)
    return float(omega), float(alpha), float(beta)


def _nelder_mead(fn: Callable[[F64], float], x0: F64, iters: int = 600, tol: float = 1e-10) -> F64:
    """A plain Nelder-Mead minimiser (standard coefficients)."""
    n = x0.size
    simplex = np.vstack([x0, x0 + np.eye(n) * 0.5])
    values = np.array([fn(x) for x in simplex])
    for _ in range(iters):
        order = np.argsort(values)
        simplex, values = simplex[order], values[order]
        if abs(values[-1] - values[0]) <= tol * (abs(values[0]) + tol):
            break
        centroid = simplex[:-1].mean(axis=0)
        xr = centroid + (centroid - simplex[-1])
        fr = fn(xr)
        if fr < values[0]:
            xe = centroid + 2.0 * (centroid - simplex[-1])
            fe = fn(xe)
            simplex[-1], values[-1] = (xe, fe) if fe < fr else (xr, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = xr, fr
        else:
            xc = centroid + 0.5 * (simplex[-1] - centroid)
            fc = fn(xc)
            if fc < values[-1]:
                simplex[-1], values[-1] = xc, fc
            else:
                simplex[1:] = simplex[0] + 0.5 * (simplex[1:] - simplex[0])
                values[1:] = [fn(x) for x in simplex[1:]]
    best: F64 = simplex[int(np.argmin(values))]
    return best


def fit_garch(log_returns: ArrayLike) -> GarchFit:
    """Fit a GARCH(1,1) with constant mean by Gaussian maximum likelihood.

    The mean is the sample mean; the variance recursion starts at the sample variance,
    which is also the unconditional variance (variance targeting:
    ``omega = var (1 - alpha - beta)``); (alpha, beta) are searched in an unconstrained
    parametrisation that keeps ``alpha, beta >= 0`` and ``alpha + beta < 1``.
    """
    r = np.asarray(log_returns, dtype=np.float64)
    if r.ndim != 1 or r.size < 50 or not np.isfinite(r).all():
        raise InputError("log_returns", r.shape, "need a 1-D array of >= 50 finite returns")
    mu = float(r.mean())
    e = np.ascontiguousarray(r - mu)
    var = float(e.var())
    if var <= 0:
        raise InputError("log_returns", "constant", "have no variance to model")

    def nll(theta: F64) -> float:
        omega, alpha, beta = _unpack(theta, var)
        return float(_garch_nll_nb(e, omega, alpha, beta, var))

    best = None
    for start in ([2.5, -2.0], [1.5, -1.0], [4.0, -3.0]):
        theta = _nelder_mead(nll, np.array(start, dtype=np.float64))
        theta = _nelder_mead(nll, theta)  # restart: Nelder-Mead can stall
        value = nll(theta)
        if best is None or value < best[0]:
            best = (value, theta)
    assert best is not None
    omega, alpha, beta = _unpack(best[1], var)
    loglik = -best[0] - 0.5 * e.size * np.log(2 * np.pi)
    return GarchFit(mu, omega, alpha, beta, float(loglik), int(e.size))


@numba.njit(cache=True, nogil=True)
def _garch_returns_nb(
    z: F64, mu: float, omega: float, alpha: float, beta: float, h0: float
) -> None:  # pragma: no cover
    """Turn standard normals ``z`` (paths, steps) into GARCH log returns, in place."""
    for k in range(z.shape[0]):
        h = h0
        for t in range(z.shape[1]):
            e = np.sqrt(h) * z[k, t]
            z[k, t] = mu + e
            h = omega + alpha * e * e + beta * h


def garch(
    fit: GarchFit,
    n_paths: int,
    n_steps: int,
    *,
    s0: float,
    rng: np.random.Generator,
    h0: float | None = None,
) -> F64:
    """Price paths whose log returns follow ``fit`` (one step of the fitted data per
    step), starting from variance ``h0`` (default: the unconditional variance)."""
    _check_shape(n_paths, n_steps)
    s0 = _check("s0", s0, positive=True)
    if not (fit.omega > 0 and fit.alpha >= 0 and fit.beta >= 0 and fit.persistence < 1):
        raise InputError("fit", fit, "needs omega > 0, alpha, beta >= 0, alpha + beta < 1")
    start = fit.unconditional_variance if h0 is None else _check("h0", h0, positive=True)
    z = rng.standard_normal((n_paths, n_steps))
    _garch_returns_nb(z, fit.mu, fit.omega, fit.alpha, fit.beta, start)
    return _prices(s0, z)
