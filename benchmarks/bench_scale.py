"""Simulation at scale: token kernels, risk book, fused PnL kernel and sweeps.

Prints a table and saves it as JSON under ``bench/results/`` (with the core count and
the load average, since the figures depend on what else runs on the machine):

- TB1 rules (coin collateral, band [-1.2, -0.8] + daily reset, 0.5 tick, taker fee) over
  the 35,481 bundled hourly BTC marks, one path (target <= 0.3 ms), and the ratio to the
  reference token backtest when :mod:`inversa.token` provides one;
- path-steps per second of the band policy with funding and fees on 2,000 x 5,000 GBM
  paths, all cores and one core (target >= 1e8 on both cores);
- the RiskBook at 1M positions per tick, Numba engine, flat MMR (target <= 10 ms);
- vectorised PnL + liquidation price on one core, 10M rows (target >= 200M rows/s);
- sweep throughput, tasks per second, local processes against a 2-worker LocalCluster.

Each timing is the best of several repeats (the least disturbed by other processes).
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def tb1_full() -> dict[str, Any]:
    from inversa import data
    from inversa.sim.token_kernels import KernelSpec, kernel_params, token_path_nb

    frame = data.mark_hourly("BTC")
    close = frame["close"].to_numpy(dtype=np.float64)
    idx = pd.DatetimeIndex(frame.index)
    reset = np.asarray((idx.hour == 0) & (idx.minute == 0), dtype=np.uint8)
    n = close.size
    spec = KernelSpec(
        collateral="coin", contract_value=1.0, leverage=-1.0, policy="hybrid",
        band=(-1.2, -0.8), taker_fee=0.00075, tick=0.5, mmr=0.0, start_equity=1.0,
    )  # fmt: skip
    p = kernel_params(spec)
    fund = np.zeros(n)
    bufs = (
        np.empty(n), np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64),
        np.empty(n), np.empty(n), np.empty(n),
    )  # fmt: skip
    fills = token_path_nb(close, reset, fund, p, *bufs)[0]
    seconds = _best(lambda: token_path_nb(close, reset, fund, p, *bufs), 200)
    ref, ref_fills = _tb1_reference(frame)
    return {
        "name": "TB1 rules, 35,481 hourly marks, one path",
        "value": seconds * 1e3,
        "unit": "ms",
        "target": "<= 0.3",
        "ok": seconds * 1e3 <= 0.3,
        "note": f"{n:,} bars, {fills} fills; reference (keeper + engine): "
        + (
            f"{ref:.2f} s, {ref_fills} fills, kernel {ref / seconds:,.0f}x faster"
            if ref is not None
            else "n/a (inversa.token not installed)"
        ),
        "reference_seconds": ref,
    }


def _tb1_reference(frame: pd.DataFrame) -> tuple[float | None, int | None]:
    """Wall time of the same job through the token keeper on the engine (once)."""
    from decimal import Decimal as Dec

    try:
        from inversa import token as tok  # type: ignore[attr-defined]
        from inversa.contracts import TierTable
        from inversa.venues import Instrument
    except ImportError:
        return None, None
    if not hasattr(tok, "run_keeper"):
        return None, None
    perp = Instrument.custom(
        "BTC/USD:BTC", Dec(1), TierTable.parse("inf:0.005"), taker=Dec("0.00075"),
        tick=Dec("0.5"),
    )  # fmt: skip
    band = tok.BandParams(Dec(-1), Dec("-0.8"), Dec("-1.2"), Dec(1), Dec("Infinity"))
    spec = tok.TokenBacktestSpec(
        perp, tok.VaultSpec("BTC/USD:BTC"), tok.Policy("hybrid", Dec(-1), band=band),
        tok.Execution(Dec("0.5")), Dec(1),
    )  # fmt: skip
    market = tok.MarketData(
        tuple(pd.DatetimeIndex(frame.index).to_pydatetime()), frame["close"].to_numpy()
    )
    t0 = time.perf_counter()
    result = tok.run_keeper(market, spec)
    return time.perf_counter() - t0, len(result.fills)


def path_steps() -> list[dict[str, Any]]:
    from inversa.sim.paths import gbm
    from inversa.sim.token_kernels import STATS, KernelSpec, kernel_params, token_paths_nb

    paths, steps = 2000, 5000
    close = gbm(paths, steps - 1, s0=30_000.0, mu=0.0, sigma=0.8, dt=1 / 8766,
                rng=np.random.default_rng(1))  # fmt: skip
    reset = np.zeros(steps, np.uint8)
    funding = np.where(np.arange(steps) % 8 == 0, 1e-4, 0.0)
    funding[0] = 0.0
    p = kernel_params(KernelSpec(policy="band", taker_fee=0.00075, mmr=0.005))
    stats = np.empty((paths, len(STATS)))
    cps = np.arange(0, dtype=np.int64)
    nav = np.empty((paths, 0))
    token_paths_nb(close, reset, funding, p, stats, cps, nav)
    out = []
    max_threads = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    for threads in (max_threads, 1):
        numba.set_num_threads(threads)
        seconds = _best(lambda: token_paths_nb(close, reset, funding, p, stats, cps, nav), 7)
        rate = paths * steps / seconds
        out.append(
            {
                "name": f"band + funding + fees, path-steps/s, {threads} thread(s)",
                "value": rate,
                "unit": "path-steps/s",
                "target": ">= 1e8" if threads > 1 else "(single core)",
                "ok": rate >= 1e8 if threads > 1 else None,
                "note": f"{paths:,} paths x {steps:,} steps",
            }
        )
    numba.set_num_threads(max_threads)
    return out


def riskbook_tick() -> dict[str, Any]:
    from inversa.sim.riskbook import RiskBook

    rows = 1_000_000
    rng = np.random.default_rng(7)
    side = np.where(rng.random(rows) < 0.5, 1.0, -1.0)
    contracts = rng.integers(1, 10_000, rows).astype(np.float64)
    entry = rng.uniform(20_000, 40_000, rows)
    leverage = rng.uniform(1, 100, rows)
    book = RiskBook.from_leverage(side, contracts, entry, 100.0, leverage, mmr=0.005)
    prices = iter(np.linspace(25_000, 35_000, 1000))
    book.revalue(30_000.0, engine="numba")
    seconds = _best(lambda: book.revalue(float(next(prices)), engine="numba"), 30)
    return {
        "name": "RiskBook, 1M positions, one tick (Numba, flat MMR)",
        "value": seconds * 1e3,
        "unit": "ms",
        "target": "<= 10",
        "ok": seconds * 1e3 <= 10,
        "note": "PnL, equity, margin, ratio, flags, distance to liquidation",
    }


def pnl_rows() -> dict[str, Any]:
    from inversa.sim.kernels import isolated_pnl_and_liquidation

    rows = 10_000_000
    rng = np.random.default_rng(7)
    side = np.where(rng.random(rows) < 0.5, 1.0, -1.0)
    contracts = rng.integers(1, 1_000_000, rows).astype(np.float64)
    entry = rng.uniform(5_000, 100_000, rows)
    mark = entry * rng.uniform(0.5, 1.5, rows)
    leverage = rng.uniform(1, 100, rows)
    cv = np.full(rows, 100.0)
    mmr = np.full(rows, 0.005)
    args = (side, contracts, entry, mark, cv, leverage, mmr)
    isolated_pnl_and_liquidation(*args)
    seconds = _best(lambda: isolated_pnl_and_liquidation(*args), 7)
    rate = rows / seconds
    return {
        "name": "vectorised PnL + liquidation price, one core",
        "value": rate,
        "unit": "rows/s",
        "target": ">= 2e8",
        "ok": rate >= 2e8,
        "note": f"{rows:,} rows, 7 input and 3 output float64 arrays",
    }


_SWEEP = {
    "name": "bench",
    "token": {"policy": "band", "taker_fee": 0.00075},
    "grid": {"band": [[-1.1, -0.9], [-1.2, -0.8], [-1.3, -0.7], [-1.5, -0.5]],
             "recentering_speed": [1.0, 0.5]},
    "scenarios": [
        {"kind": "montecarlo", "name": "gbm", "paths": 2000, "steps": 2160, "seed": 1,
         "market": {"model": "gbm", "sigma": 0.8}},
    ],
}  # fmt: skip


def sweep_throughput() -> list[dict[str, Any]]:
    from distributed import LocalCluster

    from inversa.sim.montecarlo import validate_config
    from inversa.sim.sweep import SweepConfig, run_sweep

    cfg = validate_config(_SWEEP, SweepConfig)
    n = len(cfg.points())
    out = []
    for label, kwargs in (
        ("local, 1 process", {"workers": 1}),
        ("local, 2 processes", {"workers": 2}),
    ):
        seconds = _best(lambda kw=kwargs: run_sweep(cfg, **kw), 2)  # type: ignore[misc]
        out.append(_sweep_row(label, n, seconds, "includes starting the processes"))
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=":0") as cluster:  # fmt: skip
        address = cluster.scheduler_address
        run_sweep(cfg, scheduler=address)  # workers import and compile once
        seconds = _best(lambda: run_sweep(cfg, scheduler=address), 2)
    out.append(_sweep_row("Dask LocalCluster, 2 workers", n, seconds, "cluster already up"))
    return out


def _sweep_row(label: str, tasks: int, seconds: float, note: str) -> dict[str, Any]:
    return {
        "name": f"sweep throughput, {label}",
        "value": tasks / seconds,
        "unit": "tasks/s",
        "target": "",
        "ok": None,
        "note": f"{tasks} tasks of 2,000 paths x 2,160 steps; {note}",
    }


def _fmt(v: float, unit: str) -> str:
    if unit in ("ms",):
        return f"{v:.3f} ms"
    if v >= 1e6:
        return f"{v / 1e6:,.1f}M {unit}"
    return f"{v:,.2f} {unit}"


def main() -> None:
    rows: list[dict[str, Any]] = []
    for fn in (tb1_full, path_steps, riskbook_tick, pnl_rows, sweep_throughput):
        got = fn()
        rows.extend(got if isinstance(got, list) else [got])
    width = max(len(r["name"]) for r in rows)
    print(f"{'benchmark':<{width}}  {'figure':>22}  {'target':>8}  ok")
    for r in rows:
        ok = "" if r["ok"] is None else ("yes" if r["ok"] else "NO")
        print(f"{r['name']:<{width}}  {_fmt(r['value'], r['unit']):>22}  {r['target']:>8}  {ok}")
    info = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "numba_threads": numba.config.NUMBA_NUM_THREADS,  # type: ignore[attr-defined]
        "load_average": os.getloadavg(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "results": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"scale-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(info, indent=1) + "\n")
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}; saved {path}")


if __name__ == "__main__":
    main()
