"""Policy sweeps: a grid of token-policy parameters x a set of scenarios, run in local
processes or on a Dask cluster, results in the runs store (Parquet, DuckDB).

A sweep config (TOML, :class:`SweepConfig`)::

    name = "band width"
    [token]                  # the base policy (TokenPolicy fields)
    policy = "band"
    [grid]                   # each key a TokenPolicy field, each value a list of values
    band = [[-1.1, -0.9], [-1.2, -0.8], [-1.4, -0.6]]
    recentering_speed = [1.0, 0.5]
    [[scenarios]]            # a historical window of the bundled hourly BTC marks
    kind = "historical"
    name = "2020-03 crash"
    start = "2020-03-01"
    end = "2020-04-01"
    funding = "bybit"        # none | bybit | bitmex | deribit | binance-coinm
    [[scenarios]]            # or Monte Carlo paths (MarketModel fields)
    kind = "montecarlo"
    name = "gbm 70 %"
    paths = 500
    steps = 720
    market = { model = "gbm", sigma = 0.7 }

Every task (one grid point on one scenario) yields the same figures, from the same
kernel statistics, so historical and simulated rows compare:

- ``tracking_error``: annualised (population) standard deviation of the difference
  between the NAV return and ``L*`` times the index return over each complete period
  from one daily-reset bar to the next (one year = 8,766 hours), pooled over a
  scenario's paths;
- ``cost``: fees plus slippage (turnover x slippage rate), as a fraction of the
  starting equity, mean over paths; ``funding`` the same for funding paid (< 0: received);
- ``liquidation_probability``: share of paths whose vault was liquidated (0 or 1 for a
  historical window); ``final_nav`` and ``ideal_nav`` (means, x start), ``max_drawdown``
  (mean) and ``trades`` (mean).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from inversa.data.config import ConfigModel
from inversa.errors import InputError
from inversa.sim.montecarlo import MarketModel, MonteCarloConfig, TokenPolicy, _inputs, _prices
from inversa.sim.token_kernels import STATS, run_paths, start_nav_usd

__all__ = [
    "HistoricalScenario",
    "MonteCarloScenario",
    "SweepConfig",
    "SweepResult",
    "SweepTask",
    "frontier",
    "run_sweep",
    "run_task",
    "tasks",
]

_HOURS_PER_YEAR = 8766.0


class _Model(ConfigModel):
    """Frozen, unknown keys refused, strict types (the project's config base)."""


class HistoricalScenario(_Model):
    """A window of the bundled Binance USD-M hourly BTC marks (UTC, end exclusive)."""

    kind: Literal["historical"]
    name: str
    start: str
    end: str
    funding: Literal["none", "bybit", "bitmex", "deribit", "binance-coinm"] = "none"
    reset_hour_utc: int = Field(default=0, ge=0, le=23, description="the daily-reset bar")


class MonteCarloScenario(_Model):
    """``paths`` simulated paths of ``steps`` steps of ``market``, from ``seed``."""

    kind: Literal["montecarlo"]
    name: str
    paths: int = Field(default=200, ge=1, le=1_000_000)
    steps: int = Field(default=720, ge=1)
    seed: int = Field(default=1, ge=0)
    market: MarketModel = Field(default_factory=MarketModel)


Scenario = HistoricalScenario | MonteCarloScenario


class SweepConfig(_Model):
    """A sweep: ``grid`` (TokenPolicy field -> values) applied to ``token`` on every
    scenario."""

    name: str = "sweep"
    token: TokenPolicy = Field(default_factory=TokenPolicy)
    grid: dict[str, tuple[Any, ...]]
    scenarios: tuple[HistoricalScenario | MonteCarloScenario, ...] = Field(min_length=1)

    @field_validator("grid")
    @classmethod
    def _grid_keys(cls, grid: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
        if not grid:
            raise ValueError("empty grid: give at least one parameter with a list of values")
        known = sorted(TokenPolicy.model_fields)
        for key, values in grid.items():
            if key not in TokenPolicy.model_fields:
                raise ValueError(f"unknown parameter {key!r} (known: {', '.join(known)})")
            if not values:
                raise ValueError(f"parameter {key!r} has an empty list of values")
        return grid

    @model_validator(mode="after")
    def _points_valid(self) -> SweepConfig:
        for point in self.points():
            try:
                policy = TokenPolicy.model_validate({**self.token.model_dump(), **point})
                from inversa.sim.token_kernels import kernel_params

                kernel_params(policy.spec())
            except InputError as exc:
                raise ValueError(f"grid point {point}: {exc}") from None
        return self

    def points(self) -> list[dict[str, Any]]:
        """Every grid point (the cartesian product), in a stable order."""
        keys = list(self.grid)
        return [
            dict(zip(keys, vals, strict=True)) for vals in itertools.product(*self.grid.values())
        ]


@dataclass(frozen=True)
class SweepTask:
    """One grid point on one scenario (picklable: plain dicts)."""

    index: int
    point: dict[str, Any]
    policy: dict[str, Any]
    scenario: dict[str, Any]


def tasks(cfg: SweepConfig) -> list[SweepTask]:
    """Every task of ``cfg``: grid points x scenarios, grid point major."""
    out: list[SweepTask] = []
    for point in cfg.points():
        policy = {**cfg.token.model_dump(), **point}
        for sc in cfg.scenarios:
            out.append(SweepTask(len(out), point, policy, sc.model_dump()))
    return out


def _historical(sc: HistoricalScenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from inversa import data

    frame = data.mark_hourly("BTC", sc.start, sc.end)
    frame = frame[frame.index < pd.Timestamp(sc.end, tz="UTC")]
    if len(frame) < 2:
        raise InputError(f"scenario {sc.name!r}: start", sc.start, "window has < 2 hourly bars")
    close = frame["close"].to_numpy(dtype=np.float64)
    idx = pd.DatetimeIndex(frame.index)
    reset = np.asarray((idx.hour == sc.reset_hour_utc) & (idx.minute == 0), dtype=np.uint8)
    funding = np.zeros(close.size)
    if sc.funding != "none":
        f = data.funding_history(sc.funding)["funding_rate"]
        if idx[0] < f.index[0] or idx[-1] > f.index[-1]:
            raise InputError(
                f"scenario {sc.name!r}: funding",
                sc.funding,
                f"history covers {f.index[0]:%Y-%m-%d} to {f.index[-1]:%Y-%m-%d} only",
            )
        rates = f.reindex(idx).fillna(0.0).to_numpy(dtype=np.float64)
        funding[1:] = rates[1:]  # the first bar opens the position: nothing to settle
    return close[None, :], reset, funding


def run_task(task: SweepTask, threads: int | None = None) -> dict[str, Any]:
    """Run one task and return its row (grid point values, scenario, figures)."""
    if threads is not None:
        import numba

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    policy = TokenPolicy.model_validate(task.policy)
    spec = policy.spec()
    sc_raw = task.scenario
    if sc_raw["kind"] == "historical":
        hist = HistoricalScenario.model_validate(sc_raw)
        sc: Scenario = hist
        prices, reset, funding = _historical(hist)
        per_year = _HOURS_PER_YEAR / 24
    else:
        sc = MonteCarloScenario.model_validate(sc_raw)
        mc = MonteCarloConfig(
            token=policy, market=sc.market, paths=sc.paths, steps=sc.steps, seed=sc.seed
        )
        inp = _inputs(mc)
        rng = np.random.default_rng(np.random.SeedSequence(sc.seed, spawn_key=(0,)))
        prices = _prices(mc, inp, sc.paths, rng)
        reset, funding = inp.reset, inp.funding
        per_year = _HOURS_PER_YEAR / (sc.market.dt_hours * sc.market.reset_every)
    stats, _ = run_paths(spec, prices, reset, funding)
    col = {k: i for i, k in enumerate(STATS)}
    start_usd = start_nav_usd(spec, prices[:, 0])
    n = stats[:, col["te_count"]].sum()
    s1, s2 = stats[:, col["te_sum"]].sum(), stats[:, col["te_sum2"]].sum()
    te = float(np.sqrt(max(s2 / n - (s1 / n) ** 2, 0.0) * per_year)) if n > 1 else float("nan")
    start_eq = policy.start_equity
    fees = stats[:, col["fees"]] / start_eq
    slip = policy.slippage * stats[:, col["turnover_usd"]] / start_usd
    row: dict[str, Any] = {
        "task": task.index,
        **{f"p_{k}": (str(v) if isinstance(v, list | tuple) else v) for k, v in task.point.items()},
        "scenario": sc.name,
        "scenario_kind": sc.kind,
        "paths": int(prices.shape[0]),
        "bars": int(prices.shape[1]),
        "tracking_error": te,
        "cost": float((fees + slip).mean()),
        "funding": float((stats[:, col["funding"]] / start_eq).mean()),
        "liquidation_probability": float((stats[:, col["liquidated_bar"]] >= 0).mean()),
        "final_nav": float((stats[:, col["final_nav_usd"]] / start_usd).mean()),
        "ideal_nav": float((stats[:, col["ideal_nav_usd"]] / start_usd).mean()),
        "max_drawdown": float(stats[:, col["max_drawdown"]].mean()),
        "trades": float(stats[:, col["trades"]].mean()),
        "seconds": time.perf_counter() - t0,
    }
    return row


def _run_local_one(task: SweepTask) -> dict[str, Any]:
    return run_task(task, threads=1)


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: its rows (one per task), where it ran and how long it took."""

    config: SweepConfig
    results: pd.DataFrame
    scheduler: str
    workers: int
    seconds: float


def _dask_client(address: str, timeout: float) -> Any:
    from distributed import Client

    if not address.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise InputError("scheduler", address, "expected tcp://host:port")
    try:
        return Client(address, timeout=f"{timeout}s", set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            "scheduler", address, f"unreachable within {timeout:g} s ({reason})"
        ) from None


def run_sweep(
    cfg: SweepConfig,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    connect_timeout: float = 5.0,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run every task of ``cfg``: in ``workers`` local processes (default: the core
    count; 1 runs in this process), or on the Dask scheduler at ``scheduler``
    (``tcp://host:port``).  Rows come back in task order whatever ran them."""
    todo = tasks(cfg)
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    if scheduler is not None:
        client = _dask_client(scheduler, connect_timeout)
        try:
            n_workers = len(client.scheduler_info().get("workers", {}))
            futures = client.map(_run_local_one, todo, pure=False)
            from distributed import as_completed

            done = as_completed(futures, loop=client.loop)  # type: ignore[no-untyped-call]
            for i, fut in enumerate(done, 1):
                rows.append(fut.result())
                if progress is not None:
                    progress(i, len(todo))
        finally:
            client.close()
        where = scheduler
    else:
        n_workers = workers if workers is not None else (os.cpu_count() or 1)
        if n_workers < 1:
            raise InputError("workers", n_workers, "must be >= 1")
        if n_workers == 1:
            for i, task in enumerate(todo, 1):
                rows.append(run_task(task))
                if progress is not None:
                    progress(i, len(todo))
        else:
            # spawn, not fork: a process that already ran a parallel Numba kernel holds
            # an OpenMP runtime that cannot be forked
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx) as pool:
                for i, row in enumerate(pool.map(_run_local_one, todo), 1):
                    rows.append(row)
                    if progress is not None:
                        progress(i, len(todo))
        where = "local"
    rows.sort(key=lambda r: int(r["task"]))
    frame = pd.DataFrame(rows)
    return SweepResult(cfg, frame, where, n_workers, time.perf_counter() - t0)


def frontier(
    results: pd.DataFrame, columns: Sequence[str] = ("tracking_error", "cost")
) -> pd.Series:
    """Per scenario, whether each row is on the Pareto frontier (no other row has both
    lower or equal tracking error and cost, one strictly lower)."""
    on = pd.Series(False, index=results.index)
    for _, group in results.groupby("scenario"):
        vals = group[list(columns)].to_numpy()
        for i, idx in enumerate(group.index):
            dominated = ((vals <= vals[i]).all(axis=1) & (vals < vals[i]).any(axis=1)).any()
            on[idx] = not dominated
    return on
