"""Simulated venue speed: ``set_mark`` and a vault driven bar by bar (issue 10).

Each figure is measured in the same run for the incremental engine (liquidation triggers
in ordered structures, the default) and for full recomputation (``risk="full"``: every
unit re-margined on every mark, the engine's behaviour before the triggers), and the
ratio is printed.  Targets: ``set_mark`` <= 10 us with one account, <= 20 us with
10,000 accounts none near liquidation; the -1x band + daily-reset vault (rules TB1) over
the 35,481 bundled hourly BTC marks 10x faster than full recomputation.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from decimal import Decimal

from benchmarks.band_vault import run_band_vault, tick_price
from inversa import data
from inversa.contracts import TierTable
from inversa.engine import Engine
from inversa.venues import Funding, Instrument

SYMBOL = "BTC/USD:BTC"
PERP = Instrument.custom(
    SYMBOL,
    Decimal(100),
    TierTable.parse("inf:0.005"),
    taker=Decimal("0.0005"),
    max_leverage=Decimal(125),
    funding=Funding(),
)
PRICES = [Decimal(50_000 + (i % 11) * 5) for i in range(64)]  # a quiet market, +-0.1 %


def _book(accounts: int) -> Engine:
    """``accounts`` 2x isolated accounts, alternately long and short 1 BTC at 50,000
    (liquidation near 33,500 and 99,500), against a market maker."""
    engine = Engine(PERP)
    engine.deposit("market-maker", 10**9)
    engine.set_mark(SYMBOL, 50_000)
    for i in range(accounts):
        name = f"acct-{i:05d}"
        engine.deposit(name, 1)
        engine.set_leverage(name, SYMBOL, 2, "isolated")
        (engine.buy if i % 2 else engine.sell)(name, SYMBOL, 500)
    return engine


def _per_call(engine: Engine, calls: int) -> float:
    """Median microseconds per ``set_mark`` over 5 rounds of ``calls`` marks."""
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for i in range(calls):
            engine.set_mark(SYMBOL, PRICES[i % len(PRICES)])
        rounds.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(rounds)


def _line(name: str, fast: float, slow: float, unit: str, target: str) -> None:
    print(
        f"{name:<44} incremental {fast:>10.2f} {unit}   full {slow:>12.2f} {unit}   "
        f"ratio {slow / fast:>8.1f}x   target {target}"
    )


def _set_mark(accounts: int, calls_fast: int, calls_full: int, target: str) -> None:
    fast = _book(accounts)
    assert fast.set_mark(SYMBOL, 50_000) == 0
    full = Engine.from_events(fast.events, risk="full")  # the same book, re-margined in full
    _line(
        f"set_mark, {accounts:,} account(s) + market maker",
        _per_call(fast, calls_fast),
        _per_call(full, calls_full),
        "us",
        target,
    )


def _vault() -> None:
    marks = data.mark_hourly("BTC")
    times = [t.to_pydatetime() for t in marks.index]
    prices = [tick_price(c) for c in marks["close"].tolist()]
    timings: dict[str, float] = {}
    runs = {}
    for risk in ("incremental", "full"):
        start = time.perf_counter()
        runs[risk] = run_band_vault(times, prices, risk)  # type: ignore[arg-type]
        timings[risk] = time.perf_counter() - start
    fast, full = runs["incremental"], runs["full"]
    assert fast == full, "the two risk modes disagree"
    _line(
        f"band vault, {len(prices):,} hourly marks, {fast.trades:,} trades",
        timings["incremental"],
        timings["full"],
        "s ",
        "10x",
    )
    per_bar = timings["incremental"] / len(prices) * 1e6
    print(
        f"    {per_bar:.1f} us a bar; final equity {fast.final_equity:.12f} BTC, "
        f"short {fast.short_contracts} contracts, fees {fast.fees:.12f} BTC"
    )


def main(sections: tuple[Callable[[], None], ...] | None = None) -> None:
    for run in sections or (
        lambda: _set_mark(1, 20_000, 2_000, "<= 10 us"),
        lambda: _set_mark(10_000, 20_000, 3, "<= 20 us"),
        _vault,
    ):
        run()


if __name__ == "__main__":
    main()
