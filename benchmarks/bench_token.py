"""Token keeper speed: the TB1 rules (-1x, coin collateral, band [-1.2, -0.8] + daily
reset, 0.075 % taker, 0.5 tick, whole 1-USD contracts) over all 35,481 bundled hourly
Binance BTC marks, through the keeper and the Decimal engine (the reference path a
fast kernel must match)."""

from __future__ import annotations

import time
from decimal import Decimal

import pandas as pd

from inversa.contracts import TierTable
from inversa.data import mark_hourly
from inversa.token import (
    BandParams,
    Execution,
    MarketData,
    Policy,
    TokenBacktestSpec,
    VaultSpec,
    run_keeper,
)
from inversa.venues import Instrument

D = Decimal


def main() -> None:
    bars = mark_hourly("BTC")
    perp = Instrument.custom(
        "BTC/USD:BTC",
        D(1),
        TierTable.parse("inf:0.005"),
        taker=D("0.00075"),
        tick=D("0.5"),
    )
    band = BandParams(D(-1), D("-0.8"), D("-1.2"), D(1), D("Infinity"))
    spec = TokenBacktestSpec(
        perp,
        VaultSpec("BTC/USD:BTC"),
        Policy("hybrid", D(-1), band=band),
        Execution(D("0.5")),
        D(1),
    )
    market = MarketData(
        tuple(pd.DatetimeIndex(bars.index).to_pydatetime()), bars["close"].to_numpy()
    )
    start = time.perf_counter()
    result = run_keeper(market, spec)
    wall = time.perf_counter() - start
    print(
        f"TB1 rules over {len(bars):,} hourly bars (keeper + engine): {wall:.2f} s wall, "
        f"{wall / len(bars) * 1e6:.0f} us/bar, {len(result.fills):,} fills, "
        f"final equity {float(result.final_equity):.6f} BTC"
    )


if __name__ == "__main__":
    main()
