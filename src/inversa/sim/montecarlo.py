"""Monte Carlo of a token policy: N simulated paths x T steps through the token kernels.

The run is chunked: paths are generated and simulated ``chunk_paths`` at a time, and
only fixed-size accumulators survive a chunk (counts, sums, extremes and log-spaced
histograms of NAV), so memory stays bounded whatever N is.  Chunk ``i`` draws from
``numpy.random.default_rng(SeedSequence(seed, spawn_key=(i,)))``: the seed and the chunk
size, both recorded in the result, reproduce a run exactly.

Reported (all NAVs in USD, relative to the starting NAV):

- the distribution of final NAV against the ideal path ``prod(1 + L* r)`` over the
  reset-to-reset returns of the same path (quantiles from histograms of ``log10(NAV)``
  with :data:`HIST_BIN` bins: a relative resolution of about 0.1 %);
- decay against the formula: the measured ``(NAV_T / NAV_0) / (S_T / S_0)^L*`` and
  ``exp(-(L*^2 - L*) sigma^2 T / 2)`` with ``sigma^2`` the path's realised variance of
  log returns between reset bars, annualised over a 365.25-day year;
- the probability of vault liquidation, the worst drawdown and funding and fees paid.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from inversa.data.config import ConfigModel, read_text, validate
from inversa.errors import DataError, InputError
from inversa.sim import paths as gen
from inversa.sim.token_kernels import STATS, KernelSpec, kernel_params, run_paths, start_nav_usd

__all__ = [
    "HIST_BIN",
    "MarketModel",
    "MonteCarloConfig",
    "MonteCarloResult",
    "TokenPolicy",
    "load_config",
    "run_montecarlo",
    "simulate_chunk",
]

F64 = NDArray[np.float64]
M = TypeVar("M", bound=ConfigModel)

#: Width of a histogram bin in log10(NAV / NAV_0) (0.0005: about 0.115 % relative).
HIST_BIN = 0.0005
_HIST_LO, _HIST_HI = -8.0, 4.0  # NAV/NAV0 from 1e-8 to 1e4; below (and 0) -> first bin
#: Bin width of the fan chart's histograms (0.002: about 0.46 % relative).
FAN_BIN = 0.002
#: Quantiles drawn in the fan chart and reported.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Bytes of price data a chunk may hold (the path array of one chunk).
CHUNK_BYTES = 64 * 2**20


class _Model(ConfigModel):
    """Frozen, unknown keys refused, strict types (the project's config base)."""


class TokenPolicy(_Model):
    """A token policy in the fast kernel's terms (see :class:`~.token_kernels.KernelSpec`)."""

    collateral: Literal["coin", "usd"] = "coin"
    contract_value: float = Field(
        default=1.0, gt=0, description="USD per contract (coin) or coin (usd)"
    )
    leverage: float = Field(default=-1.0, description="target signed leverage")
    policy: Literal["daily_reset", "band", "hybrid"] = "band"
    band: tuple[float, float] | None = (-1.2, -0.8)
    recentering_speed: float = Field(default=1.0, gt=0, le=1)
    ripcord: float | None = None
    trigger: float | None = None
    interval_bars: int = Field(default=0, ge=0)
    taker_fee: float = Field(default=0.00075, ge=0, le=0.1)
    slippage: float = Field(default=0.0, ge=0, le=0.5)
    tick: float = Field(default=0.0, ge=0)
    mmr: float = Field(default=0.005, ge=0, lt=1)
    start_equity: float = Field(default=1.0, gt=0, description="coin (coin) or USD (usd)")

    def spec(self) -> KernelSpec:
        """The kernel's spec (validated when the kernel parameters are built)."""
        return KernelSpec(
            **{k: v for k, v in self.model_dump().items() if k != "band"},
            band=None if self.policy == "daily_reset" else self.band,
        )


class MarketModel(_Model):
    """How prices and funding are simulated, per step of ``dt_hours``.

    ``model``: ``gbm``, ``merton``, ``bootstrap`` (blocks of the bundled hourly BTC mark
    returns; needs ``dt_hours = 1``) or ``garch`` (GARCH(1,1) fitted to the same returns).
    ``mu`` and ``sigma`` are annual; jumps are per year with log-normal sizes.
    ``funding_rate`` is settled every ``funding_every`` steps (a fraction; positive:
    longs pay shorts).
    """

    model: Literal["gbm", "merton", "bootstrap", "garch"] = "gbm"
    s0: float = Field(default=30_000.0, gt=0)
    dt_hours: float = Field(default=1.0, gt=0)
    mu: float = 0.0
    sigma: float = Field(default=0.7, ge=0)
    jump_intensity: float = Field(default=12.0, ge=0)
    jump_mean: float = -0.03
    jump_std: float = Field(default=0.06, ge=0)
    block: int = Field(default=24, ge=1)
    funding_rate: float = Field(default=0.0001, ge=-0.1, le=0.1)
    funding_every: int = Field(default=8, ge=0)
    reset_every: int = Field(default=24, ge=1, description="steps between daily-reset bars")

    @model_validator(mode="after")
    def _hourly_data(self) -> MarketModel:
        if self.model in ("bootstrap", "garch") and self.dt_hours != 1:
            raise ValueError(f"model {self.model!r} uses hourly data: dt_hours must be 1")
        return self


class MonteCarloConfig(_Model):
    """A Monte Carlo run: ``paths`` x ``steps`` of ``token`` on ``market``, from ``seed``."""

    token: TokenPolicy = Field(default_factory=TokenPolicy)
    market: MarketModel = Field(default_factory=MarketModel)
    paths: int = Field(default=10_000, ge=1)
    steps: int = Field(default=24 * 90, ge=1)
    seed: int = Field(default=20_260_101, ge=0)
    chunk_paths: int | None = Field(default=None, ge=1, description="default: 64 MB of prices")
    checkpoints: int = Field(default=60, ge=2, le=1000, description="points of the fan chart")


def load_config(path: str | Path, model: type[M]) -> M:
    """Read a TOML file into ``model`` (a :class:`~inversa.data.config.ConfigModel`):
    unknown keys, wrong types and out-of-range values are one DataError naming the file,
    the key and the value.  Numbers are read as floats (simulation parameters)."""
    text = read_text(path, field="config")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(str(path), f"not valid TOML: {exc}") from None
    if not doc:
        raise DataError(str(path), "empty config: no keys (defaults are not a config)")
    return validate(model, doc, str(path))


def validate_config(raw: Mapping[str, Any], model: type[M], source: str = "config") -> M:
    """Validate a mapping (TOML arrays as tuples) with ``model``; errors as in
    :func:`load_config`."""
    return validate(model, raw, source)


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class _Inputs:
    spec: KernelSpec
    reset: NDArray[np.uint8]
    funding: F64
    checkpoints: NDArray[np.int64]
    years: float
    dt_years: float
    bootstrap: F64 | None
    garch: gen.GarchFit | None


def _inputs(cfg: MonteCarloConfig) -> _Inputs:
    spec = cfg.token.spec()
    kernel_params(spec)  # refuse a bad policy before any work
    m = cfg.market
    bars = cfg.steps + 1
    idx = np.arange(bars)
    reset = (idx % m.reset_every == 0).astype(np.uint8)
    funding = np.zeros(bars)
    if m.funding_every:
        funding[(idx % m.funding_every == 0) & (idx > 0)] = m.funding_rate
    cps = np.unique(np.linspace(0, cfg.steps, min(cfg.checkpoints, bars)).round().astype(np.int64))
    dt_years = m.dt_hours / gen.HOURS_PER_YEAR
    boot = gen.real_log_returns("BTC", "1h") if m.model in ("bootstrap", "garch") else None
    if boot is not None and m.block > boot.size:
        raise InputError("market.block", m.block, f"must be <= {boot.size} returns")
    fit = gen.fit_garch(boot) if m.model == "garch" and boot is not None else None
    return _Inputs(spec, reset, funding, cps, cfg.steps * dt_years, dt_years, boot, fit)


def _prices(cfg: MonteCarloConfig, inp: _Inputs, n: int, rng: np.random.Generator) -> F64:
    m = cfg.market
    if m.model == "gbm":
        return gen.gbm(n, cfg.steps, s0=m.s0, mu=m.mu, sigma=m.sigma, dt=inp.dt_years, rng=rng)
    if m.model == "merton":
        return gen.merton(
            n,
            cfg.steps,
            s0=m.s0,
            mu=m.mu,
            sigma=m.sigma,
            jump_intensity=m.jump_intensity,
            jump_mean=m.jump_mean,
            jump_std=m.jump_std,
            dt=inp.dt_years,
            rng=rng,
        )
    if m.model == "bootstrap":
        assert inp.bootstrap is not None
        return gen.block_bootstrap(inp.bootstrap, n, cfg.steps, s0=m.s0, block=m.block, rng=rng)
    assert inp.garch is not None
    return gen.garch(inp.garch, n, cfg.steps, s0=m.s0, rng=rng)


@dataclass(frozen=True, eq=False)
class _Chunk:
    stats: F64  # (n, len(STATS)) from the kernel
    nav_at: F64  # (n, checkpoints) USD NAV / starting USD NAV
    final: F64  # final USD NAV / starting USD NAV
    ideal: F64  # the ideal path's final NAV / starting USD NAV
    decay: F64  # measured decay per path
    decay_formula: F64  # formula decay per path


def simulate_chunk(cfg: MonteCarloConfig, chunk: int, n: int, inp: _Inputs | None = None) -> _Chunk:
    """Simulate ``n`` paths of chunk number ``chunk`` (its own seeded generator)."""
    inp = inp or _inputs(cfg)
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(chunk,)))
    prices = _prices(cfg, inp, n, rng)
    stats, nav_at = run_paths(inp.spec, prices, inp.reset, inp.funding, inp.checkpoints)
    tok = cfg.token
    s0 = prices[:, 0]
    nav0 = start_nav_usd(inp.spec, s0)
    nav_at /= nav0[:, None]
    lt = tok.leverage
    final = stats[:, STATS.index("final_nav_usd")] / nav0
    ideal = stats[:, STATS.index("ideal_nav_usd")] / nav0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        decay = final / (prices[:, -1] / s0) ** lt
    marks = prices[:, inp.reset.astype(bool)]
    if not inp.reset[-1]:
        marks = np.concatenate([marks, prices[:, -1:]], axis=1)
    logr = np.diff(np.log(marks), axis=1)
    # realised variance of log returns between resets, annualised (zero-mean estimator)
    var = (logr**2).sum(axis=1) / inp.years
    formula = np.exp(-(lt * lt - lt) * var * inp.years / 2)
    return _Chunk(stats, nav_at, final, ideal, decay, formula)


@dataclass
class _Hist:
    """Histograms of log10(NAV / NAV_0), one per column, ``width`` wide bins from
    1e-8 to 1e4; NAV at or below 1e-8 (and 0: wiped out) falls in bin 0."""

    counts: NDArray[np.int64]
    width: float

    @classmethod
    def new(cls, cols: int, width: float = HIST_BIN) -> _Hist:
        return cls(np.zeros((cols, round((_HIST_HI - _HIST_LO) / width)), np.int64), width)

    def add(self, rel: F64) -> None:
        """Add NAV / NAV_0 values: a vector (one histogram) or (paths, columns)."""
        x = rel[:, None] if rel.ndim == 1 else rel
        nb = self.counts.shape[1]
        with np.errstate(divide="ignore", invalid="ignore"):
            b = np.floor((np.log10(np.maximum(x, 0.0)) - _HIST_LO) / self.width)
        b = np.clip(np.nan_to_num(b, nan=0.0, neginf=0.0), 0, nb - 1).astype(np.int64)
        for j in range(b.shape[1]):
            self.counts[j] += np.bincount(b[:, j], minlength=nb)

    def quantiles(self, qs: tuple[float, ...]) -> F64:
        """(columns, len(qs)) quantiles at bin centres (bin 0 reads as 0: wiped out)."""
        nb = self.counts.shape[1]
        out = np.empty((self.counts.shape[0], len(qs)))
        centres = 10 ** (_HIST_LO + (np.arange(nb) + 0.5) * self.width)
        centres[0] = 0.0
        for j, row in enumerate(self.counts):
            cum = np.cumsum(row)
            for k, q in enumerate(qs):
                i = int(np.searchsorted(cum, q * cum[-1], side="left"))
                out[j, k] = centres[min(i, nb - 1)]
        return out


@dataclass(frozen=True)
class MonteCarloResult:
    """A Monte Carlo run's figures.

    Every ``nav`` figure is a path's USD NAV divided by its starting USD NAV (1 = where it
    started; 0 = wiped out), so it has no unit.  Amounts in the token's collateral carry
    ``_settle``; ``coin`` names that unit (``"coin"`` or ``"USD"``).

    Attributes:
        config: the run's configuration (seed, chunk size and all parameters).
        chunk_paths: paths per chunk (with the seed, what reproduces the run).
        chunks: number of chunks.
        paths, steps: N and T.
        quantiles: the quantile levels of the ``*_q`` fields.
        final_nav_q, ideal_nav_q: quantiles of final NAV and of the ideal path's.
        final_nav_mean, ideal_nav_mean: means.
        tracking_gap_mean: mean of final NAV minus ideal NAV.
        decay_mean, decay_formula_mean: measured and formula decay, means over paths
            that were not liquidated.
        liquidation_probability: share of paths whose vault was liquidated.
        worst_drawdown: the largest drawdown of any path, a fraction of the USD NAV's
            peak (1 = wiped out).
        drawdown_mean: mean of the paths' maximum drawdowns (fraction).
        funding_paid_mean_settle, fees_paid_mean_settle: means per path, settlement unit
            (funding < 0: received).
        coin: the settlement unit of the ``_settle`` fields, ``"coin"`` or ``"USD"``.
        trades_mean: mean number of rebalancing trades per path.
        fan_steps: the steps of the fan chart; fan_q: (steps, quantiles) NAV quantiles.
    """

    config: MonteCarloConfig
    chunk_paths: int
    chunks: int
    paths: int
    steps: int
    quantiles: tuple[float, ...]
    final_nav_q: tuple[float, ...]
    ideal_nav_q: tuple[float, ...]
    final_nav_mean: float
    ideal_nav_mean: float
    tracking_gap_mean: float
    decay_mean: float
    decay_formula_mean: float
    liquidation_probability: float
    worst_drawdown: float
    drawdown_mean: float
    funding_paid_mean_settle: float
    fees_paid_mean_settle: float
    coin: str
    trades_mean: float
    fan_steps: tuple[int, ...]
    fan_q: tuple[tuple[float, ...], ...]

    def summary(self) -> dict[str, Any]:
        """The headline figures as a flat mapping (JSON-friendly)."""
        q = dict(zip(self.quantiles, self.final_nav_q, strict=True))
        qi = dict(zip(self.quantiles, self.ideal_nav_q, strict=True))
        return {
            "paths": self.paths,
            "steps": self.steps,
            "seed": self.config.seed,
            "chunk_paths": self.chunk_paths,
            "model": self.config.market.model,
            "policy": self.config.token.policy,
            "final_nav_median": q[0.5],
            "final_nav_p05": q[0.05],
            "final_nav_p95": q[0.95],
            "ideal_nav_median": qi[0.5],
            "final_nav_mean": self.final_nav_mean,
            "ideal_nav_mean": self.ideal_nav_mean,
            "tracking_gap_mean": self.tracking_gap_mean,
            "decay_mean": self.decay_mean,
            "decay_formula_mean": self.decay_formula_mean,
            "liquidation_probability": self.liquidation_probability,
            "worst_drawdown": self.worst_drawdown,
            "drawdown_mean": self.drawdown_mean,
            "funding_paid_mean_settle": self.funding_paid_mean_settle,
            "fees_paid_mean_settle": self.fees_paid_mean_settle,
            "coin": self.coin,
            "trades_mean": self.trades_mean,
        }


def default_chunk(cfg: MonteCarloConfig) -> int:
    """Paths per chunk: the configured size, or as many as fit in :data:`CHUNK_BYTES`."""
    if cfg.chunk_paths is not None:
        return min(cfg.chunk_paths, cfg.paths)
    return max(1, min(cfg.paths, CHUNK_BYTES // (8 * (cfg.steps + 1))))


def run_montecarlo(
    cfg: MonteCarloConfig, progress: Callable[[int, int], None] | None = None
) -> MonteCarloResult:
    """Run ``cfg`` chunk by chunk; ``progress(done_paths, total_paths)`` after each chunk."""
    inp = _inputs(cfg)
    size = default_chunk(cfg)
    n_chunks = -(-cfg.paths // size)
    ncp = inp.checkpoints.size
    fan, final_h, ideal_h = _Hist.new(ncp, FAN_BIN), _Hist.new(1), _Hist.new(1)
    col = {name: k for k, name in enumerate(STATS)}
    sums: dict[str, float] = dict.fromkeys(
        (
            "final",
            "ideal",
            "gap",
            "decay",
            "formula",
            "alive",
            "liq",
            "dd",
            "fund",
            "fee",
            "trades",
        ),
        0.0,
    )
    worst = 0.0
    done = 0
    for chunk in range(n_chunks):
        n = min(size, cfg.paths - done)
        res = simulate_chunk(cfg, chunk, n, inp)
        st = res.stats
        fan.add(res.nav_at)
        final_h.add(res.final)
        ideal_h.add(res.ideal)
        alive = st[:, col["liquidated_bar"]] < 0
        sums["final"] += res.final.sum()
        sums["ideal"] += res.ideal.sum()
        sums["gap"] += (res.final - res.ideal).sum()
        sums["decay"] += res.decay[alive].sum()
        sums["formula"] += res.decay_formula[alive].sum()
        sums["alive"] += alive.sum()
        sums["liq"] += (~alive).sum()
        sums["dd"] += st[:, col["max_drawdown"]].sum()
        sums["fund"] += st[:, col["funding"]].sum()
        sums["fee"] += st[:, col["fees"]].sum()
        sums["trades"] += st[:, col["trades"]].sum()
        worst = max(worst, float(st[:, col["max_drawdown"]].max()))
        done += n
        if progress is not None:
            progress(done, cfg.paths)
    n_all = float(cfg.paths)
    alive_n = max(sums["alive"], 1.0)
    return MonteCarloResult(
        config=cfg,
        chunk_paths=size,
        chunks=n_chunks,
        paths=cfg.paths,
        steps=cfg.steps,
        quantiles=QUANTILES,
        final_nav_q=tuple(float(x) for x in final_h.quantiles(QUANTILES)[0]),
        ideal_nav_q=tuple(float(x) for x in ideal_h.quantiles(QUANTILES)[0]),
        final_nav_mean=sums["final"] / n_all,
        ideal_nav_mean=sums["ideal"] / n_all,
        tracking_gap_mean=sums["gap"] / n_all,
        decay_mean=sums["decay"] / alive_n,
        decay_formula_mean=sums["formula"] / alive_n,
        liquidation_probability=sums["liq"] / n_all,
        worst_drawdown=worst,
        drawdown_mean=sums["dd"] / n_all,
        funding_paid_mean_settle=sums["fund"] / n_all,
        fees_paid_mean_settle=sums["fee"] / n_all,
        coin="coin" if cfg.token.collateral == "coin" else "USD",
        trades_mean=sums["trades"] / n_all,
        fan_steps=tuple(int(x) for x in inp.checkpoints),
        fan_q=tuple(tuple(float(v) for v in row) for row in fan.quantiles(QUANTILES)),
    )
