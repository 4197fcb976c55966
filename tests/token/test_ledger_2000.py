"""A -1x band + daily-reset backtest on 2,000 real hourly bars against an independent
Decimal ledger written here (50 digits, no inversa code but the data loader): final
equity to 1e-12 relative, trade count and every fill exactly.

The ledger follows the rules TB1 spells out (tests/vectors/token_backtest_coin_band.json)
plus a funding rate paid every bar on the position held into it (short receives
``N * V / S * rate`` coin when the rate is positive) and a streaming fee that dilutes the
supply but not the equity.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal, localcontext

import numpy as np
import pytest

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
START = "2021-04-20T00:00:00Z"  # through the May 2021 crash
BARS = 2000
TAKER = D("0.00075")
TICK = D("0.5")


Fills = list[tuple[int, str, int]]


def _ledger(
    closes: list[str], hours: list[int], rate: Decimal
) -> tuple[Decimal, list[tuple[int, str, int]]]:
    with localcontext() as ctx:
        ctx.prec = 50
        wallet, n, entry = D(1), 0, D(0)  # n: short contracts, entry: harmonic
        fills: Fills = []
        for i, (close, hour) in enumerate(zip(closes, hours, strict=True)):
            s = (D(close) / TICK + D("0.5")).to_integral_value(rounding=ROUND_FLOOR) * TICK
            if n and rate:
                wallet += n / s * rate
            e = wallet + (n * (1 / s - 1 / entry) if n else 0)
            lev = 1 - D(n) / (e * s)
            reason = "first" if i == 0 else "daily" if hour == 0 else None
            if reason is None and (lev < D("-1.2") or lev > D("-0.8")):
                reason = "band"
            if reason is None:
                continue
            target = int((2 * e * s + D("0.5")).to_integral_value(rounding=ROUND_FLOOR))
            d = target - n
            if d == 0:
                continue
            wallet -= TAKER * abs(d) / s
            if d > 0:  # sell more: harmonic entry
                entry = D(n + d) / (D(n) / entry + D(d) / s) if n else s
            else:  # buy back -d: realise
                wallet += -d * (1 / s - 1 / entry)
            n = target
            fills.append((i, reason, d))
        e = wallet + (n * (1 / s - 1 / entry) if n else 0)
        return e, fills


@pytest.mark.parametrize("rate", [D(0), D("0.0000125")])
def test_keeper_equals_independent_ledger(rate: Decimal) -> None:
    bars = mark_hourly("BTC", START, None).iloc[:BARS]
    assert len(bars) == BARS
    closes = [repr(float(x)) for x in bars["close"]]
    hours = [t.hour for t in bars.index]
    want_equity, want_fills = _ledger(closes, hours, rate)

    perp = Instrument.custom(
        "BTC/USD:BTC",
        D(1),
        TierTable.parse("inf:0.005"),
        taker=TAKER,
        tick=TICK,
    )
    band = BandParams(D(-1), D("-0.8"), D("-1.2"), D(1), D("Infinity"))
    spec = TokenBacktestSpec(
        perp,
        VaultSpec("BTC/USD:BTC", streaming_fee=D("0.0195")),
        Policy("hybrid", D(-1), band=band),
        Execution(TICK),
        D(1),
    )
    funding = np.full(BARS, float(rate)) if rate else None
    market = MarketData(tuple(bars.index.to_pydatetime()), bars["close"].to_numpy(), funding)
    result = run_keeper(market, spec)

    got = [(f.bar, f.reason, int(f.contracts_sold)) for f in result.fills]
    assert got == want_fills
    assert len(want_fills) > 60  # the slice exercises many band and daily trades
    assert {r for _, r, _ in want_fills} == {"first", "daily", "band"}
    assert abs(result.final_equity / want_equity - 1) < D("1e-12")
