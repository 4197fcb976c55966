"""RiskBook revaluation speed: 1M inverse positions per price tick.

One tick revalues every row at one mark price and materialises PnL, equity,
maintenance margin, margin ratio, liquidation flags and distance to liquidation
(target <= 30 ms per tick for 1M positions on one core).  Reported for the NumPy engine
(the contracts functions on arrays, the reference) and the Numba engine (one fused pass,
parity-tested against NumPy), with a flat MMR and with a 9-tier table; plus a 16-scenario
SPAN grid over the same book.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import numpy as np

from inversa import contracts as c
from inversa.sim.riskbook import Backend, RiskBook
from inversa.sim.shocks import apply_grid, span_grid

ROWS = 1_000_000
TICKS = 15
TARGET_MS = 30.0
TIERS = c.TierTable.parse(
    "5:0.004,10:0.005,20:0.01,50:0.025,100:0.05,200:0.1,400:0.125,1000:0.15,inf:0.25"
)


def _book(tiered: bool) -> RiskBook:
    rng = np.random.default_rng(7)
    side = np.where(rng.random(ROWS) < 0.5, 1.0, -1.0)
    contracts = rng.integers(1, 10_000, ROWS).astype(np.float64)
    entry = rng.uniform(20_000, 40_000, ROWS)
    leverage = rng.uniform(1, 100, ROWS)
    if tiered:
        return RiskBook.from_leverage(side, contracts, entry, 100.0, leverage, tiers=TIERS)
    return RiskBook.from_leverage(side, contracts, entry, 100.0, leverage, mmr=0.005)


def _times(fn: Callable[[int], object], repeat: int) -> list[float]:
    out = []
    for i in range(repeat):
        start = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - start)
    return out


def ticks() -> float:
    """ms per tick (median) of the Numba engine with a flat MMR: the headline figure."""
    headline = float("nan")
    for tiered in (False, True):
        start = time.perf_counter()
        book = _book(tiered)
        _ = book.liquidation_price
        build = time.perf_counter() - start
        rule = "9 tiers" if tiered else "flat MMR"
        print(f"build + liquidation prices, {ROWS:,} rows, {rule}: {build * 1e3:.0f} ms (once)")
        engines: tuple[Backend, ...] = ("numpy", "numba")
        for engine in engines:
            book.revalue(30_000.0, engine=engine)  # warm up (Numba: compile or load cache)

            def tick(i: int, b: RiskBook = book, e: Backend = engine) -> object:
                return b.revalue(30_000.0 + i, engine=e)

            times = _times(tick, TICKS)
            med, best = statistics.median(times) * 1e3, min(times) * 1e3
            rate = ROWS / (med / 1e3)
            verdict = "ok" if med <= TARGET_MS else "MISSES"
            print(
                f"revalue 1 tick, {engine:5s}, {rule:8s}: median {med:6.1f} ms, best {best:6.1f}"
                f" ms = {rate / 1e6:5.1f}M rows/s (target <= {TARGET_MS:.0f} ms: {verdict})"
            )
            if engine == "numba" and not tiered:
                headline = med
    book = _book(False)
    grid = span_grid(0.15)
    apply_grid(book, grid, 30_000.0)
    times = _times(lambda i: apply_grid(book, grid, 30_000.0 + i), 3)
    med = statistics.median(times) * 1e3
    print(
        f"SPAN grid, {len(grid)} scenarios x {ROWS:,} rows (Numba): {med:.0f} ms"
        f" = {med / (len(grid) + 1):.1f} ms per price"
    )
    return headline


def main() -> None:
    print(f"single core (element-wise, no threads); cores on machine: {os.cpu_count()}")
    ticks()


if __name__ == "__main__":
    main()
