"""The keeper's policies on synthetic paths: intraday trigger, band with recentering,
ripcord, TWAP chunks with cooldown and the advantageous-move early exit, funding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from inversa.contracts import TierTable
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
SYMBOL = "BTC/USD:BTC"
T0 = datetime(2021, 1, 1, tzinfo=UTC)


def _market(prices: list[float], funding: list[float] | None = None) -> MarketData:
    times = tuple(T0 + timedelta(hours=i) for i in range(len(prices)))
    f = None if funding is None else np.array(funding)
    return MarketData(times, np.array(prices, dtype=np.float64), f)


def _spec(
    policy: Policy, ex: Execution | None = None, taker: str = "0", equity: str = "10"
) -> TokenBacktestSpec:
    perp = Instrument.custom(
        SYMBOL,
        D(1),
        TierTable.parse("inf:0.005"),
        taker=D(taker),
        tick=D("0.5"),
    )
    return TokenBacktestSpec(perp, VaultSpec(SYMBOL), policy, ex or Execution(D("0.5")), D(equity))


def test_daily_reset_and_intraday_trigger() -> None:
    # 00:00 first bar, +10 % (L = -1.22, |L/L* - 1| = 0.22 < 0.25), then +20 % from start
    prices = [40_000, 44_000, 48_000, 48_000]
    policy = Policy("daily", D(-1), trigger=D("0.25"))
    res = run_keeper(_market(prices), _spec(policy))
    assert [r.reason for r in res.rebalances] == ["first", "trigger"]
    assert res.rebalances[1].bar == 2
    assert float(res.rebalances[1].leverage_before) < -1.25
    assert abs(res.leverage[2] + 1) < 1e-3


def test_band_recenters_and_clamps() -> None:
    band = BandParams(D(-1), D("-0.8"), D("-1.2"), D("0.5"), D("Infinity"))
    prices = [40_000, 40_000, 44_000]  # +10 %: L = -1.222, a strict breach
    res = run_keeper(_market(prices), _spec(Policy("band", D(-1), band=band)))
    assert [r.reason for r in res.rebalances] == ["first", "band"]
    r = res.rebalances[1]
    want = max(min(r.leverage_before * D("0.5") + D("-0.5"), D("-0.8")), D("-1.2"))
    assert r.target_leverage == want
    assert abs(float(r.leverage_after - want)) < 1e-3


def test_ripcord_goes_to_the_band_edge() -> None:
    band = BandParams(D(-1), D("-0.8"), D("-1.2"), D("0.1"), D("Infinity"), D("-1.4"))
    prices = [40_000, 40_000, 48_000]  # +20 %: L = -1.5
    res = run_keeper(_market(prices), _spec(Policy("band", D(-1), band=band)))
    assert [r.reason for r in res.rebalances] == ["first", "ripcord"]
    assert res.rebalances[1].target_leverage == D("-1.2")
    assert abs(res.leverage[2] + 1.2) < 1e-3


def test_twap_chunks_with_cooldown() -> None:
    ex = Execution(D("0.5"), twap_max=D(100_000), twap_cooldown_hours=D(2))
    res = run_keeper(_market([40_000.0] * 12), _spec(Policy("daily", D(-1)), ex))
    # first: 2 * 10 BTC * 40,000 = 800,000 contracts in chunks of 100,000, every 2 hours
    assert len(res.rebalances) == 1
    assert res.rebalances[0].chunks == 6
    assert [f.bar for f in res.fills] == [0, 2, 4, 6, 8, 10]
    assert all(f.contracts_sold == 100_000 for f in res.fills)
    assert res.final_size == -600_000


def test_twap_early_exit_on_an_advantageous_move() -> None:
    ex = Execution(D("0.5"), twap_max=D(5_000), twap_cooldown_hours=D(1))
    band = BandParams(D(-1), D("-0.8"), D("-1.2"), D(1), D("Infinity"))
    # 1 BTC: the first short of 80,000 contracts takes 16 hourly chunks; then +20 %
    # (L = -1.5: buy back about 16,000 in chunks of 5,000); then the price falls back and
    # the stored -1x target needs a sell: the TWAP stops instead of buying more.
    prices = [40_000.0] * 16 + [48_000.0, 40_000.0, 40_000.0]
    res = run_keeper(_market(prices), _spec(Policy("band", D(-1), band=band), ex, equity="1"))
    assert [r.reason for r in res.rebalances] == ["first", "band"]
    assert res.rebalances[0].chunks == 16
    assert res.rebalances[1].chunks == 1
    assert res.fills[-1].bar == 16
    assert res.fills[-1].contracts_sold == -5_000
    assert res.final_size == -75_000


def test_funding_is_the_engines() -> None:
    prices = [40_000.0] * 3
    res = run_keeper(_market(prices, [0.0, 0.001, 0.001]), _spec(Policy("daily", D(-1))))
    # short 800,000 contracts of 1 USD at 40,000: value 20 BTC, receives 0.1 % twice
    assert abs(res.total_funding - D("0.04")) < D("1e-12")
    assert abs(res.final_equity - D("10.04")) < D("1e-12")


@pytest.mark.parametrize("target", ["-3", "-2", "-1", "2", "3"])
def test_any_signed_leverage_resets_to_its_target(target: str) -> None:
    rng = np.random.default_rng(3)
    prices = list(40_000 * np.exp(np.cumsum(rng.normal(0, 0.01, 72))))
    times = tuple(T0 + timedelta(hours=i) for i in range(72))
    market = MarketData(times, np.array(prices))
    res = run_keeper(market, _spec(Policy("daily", D(target)), taker="0.00075"))
    assert [r.bar for r in res.rebalances] == [0, 24, 48]
    for r in res.rebalances:
        # after the trade: the target, moved by the fee f paid after sizing at equity
        # E + f: L = 1 + (L* - 1) (E + f) / E (half a contract of rounding aside)
        lev, e = float(target), res.equity[r.bar]
        want = 1 + (lev - 1) * (e + float(r.fees)) / e
        half_contract = 0.5 / (e * res.price[r.bar])  # rounding of 1-USD contracts
        assert float(r.leverage_after) == pytest.approx(want, abs=half_contract * 1.01)
    # between resets the leverage drifts as L(1+r)/(1+Lr) says
    lev0, p0, p1 = float(target), prices[0], prices[5]
    r5 = p1 / p0 - 1
    assert res.leverage[5] == pytest.approx(lev0 * (1 + r5) / (1 + lev0 * r5), abs=0.01)
