"""Throughput of the contract maths.

- vectorised: inverse PnL plus the liquidation price (generic model, flat MMR) over
  10M rows of float64 arrays, on one core (target >= 50M rows/s);
- exact: the Decimal scalar path, one PnL plus one liquidation price per call
  (target >= 50k calls/s).
"""

from __future__ import annotations

import os
import time
from decimal import Decimal

import numpy as np

from inversa import contracts as c
from inversa.sim.kernels import isolated_pnl_and_liquidation

ROWS = 10_000_000


def _best_of(fn: object, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


def vectorised() -> float:
    rng = np.random.default_rng(7)
    side = np.where(rng.random(ROWS) < 0.5, 1.0, -1.0)
    contracts = rng.integers(1, 1_000_000, ROWS).astype(np.float64)
    entry = rng.uniform(5_000, 100_000, ROWS)
    mark = entry * rng.uniform(0.5, 1.5, ROWS)
    leverage = rng.uniform(1, 100, ROWS)
    cv = np.full(ROWS, 100.0)
    mmr = np.full(ROWS, 0.005)

    def numpy_path() -> None:
        c.inverse_pnl(side, contracts, entry, mark, cv)
        collateral = c.initial_margin(c.position_value(contracts, entry, cv), leverage=leverage)
        c.generic_prices(side, entry, contracts, cv, collateral, mmr=mmr)

    def kernel() -> None:
        isolated_pnl_and_liquidation(side, contracts, entry, mark, cv, leverage, mmr)

    kernel()  # compile (cached on disk after the first run)
    rate = 0.0
    for label, fn in (
        ("NumPy contracts functions", numpy_path),
        ("Numba fused kernel, rows checked in the loop", kernel),
    ):
        seconds = _best_of(fn, 3)
        rate = ROWS / seconds
        print(
            f"vectorised PnL + liquidation price, {label}: {ROWS:,} rows in "
            f"{seconds * 1e3:.0f} ms = {rate / 1e6:.1f}M rows/s (target >= 50M rows/s)"
        )
    return rate


def scalar() -> float:
    side, n, e, x = 1, Decimal(60000), Decimal(50000), Decimal("51234.5")
    lev, mmr, cv = Decimal(10), Decimal("0.005"), Decimal(1)
    calls = 20_000

    def run() -> None:
        for _ in range(calls):
            c.inverse_pnl(side, n, e, x, cv)
            c.bybit_isolated_prices(side, e, lev, mmr, n, cv)

    seconds = _best_of(run, 3)
    rate = calls / seconds
    print(f"Decimal scalar PnL + liquidation: {rate:,.0f} calls/s (target >= 50,000 calls/s)")
    return rate


def main() -> None:
    print(
        f"single core (OMP/BLAS threads are not used by these element-wise kernels); "
        f"cores on machine: {os.cpu_count()}"
    )
    vectorised()
    scalar()


if __name__ == "__main__":
    main()
