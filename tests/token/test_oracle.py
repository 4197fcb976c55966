"""The oracle model: deviation and heartbeat publication, TWAP, staleness, and the three
faults; in the keeper, a manipulated print is refused by the slippage bound and moves the
vault when there is none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from inversa.contracts import TierTable
from inversa.errors import InputError
from inversa.token import (
    Execution,
    Fault,
    MarketData,
    OracleSpec,
    Policy,
    TokenBacktestSpec,
    VaultSpec,
    backtest,
    oracle_fault_table,
    oracle_feed,
    run_keeper,
)
from inversa.venues import Instrument

T0 = datetime(2021, 1, 1, tzinfo=UTC)
TIMES = tuple(T0 + timedelta(hours=i) for i in range(8))
D = Decimal


def _at(h: int) -> datetime:
    return T0 + timedelta(hours=h)


def test_deviation_heartbeat_and_twap() -> None:
    p = np.array([100, 100.4, 101, 101.2, 101.3, 101.3, 101.3, 101.3])
    f = oracle_feed(TIMES, p, OracleSpec(deviation=0.005, heartbeat_hours=3))
    # publishes 100, skips 100.4 (< 0.5 %), 101 (1 %), skips 101.2, heartbeat at 3 h
    # after 101 (hour 5: 101.3), then nothing new
    np.testing.assert_allclose(f.price, [100, 100, 101, 101, 101, 101.3, 101.3, 101.3])
    np.testing.assert_allclose(f.age_hours, [0, 1, 0, 1, 2, 0, 1, 2])
    t = oracle_feed(TIMES, p, OracleSpec(twap_bars=2))
    assert t.price[1] == pytest.approx((100 + 100.4) / 2)


def test_faults() -> None:
    p = np.arange(100.0, 108.0)
    stale = oracle_feed(
        TIMES, p, OracleSpec(staleness_hours=1.5, faults=(Fault("stale", _at(2), _at(5)),))
    )
    np.testing.assert_allclose(stale.price, [100, 101, 101, 101, 101, 105, 106, 107])
    assert stale.stale.tolist() == [False, False, False, True, True, False, False, False]
    delay = oracle_feed(TIMES, p, OracleSpec(faults=(Fault("delay", _at(3), _at(6), 2),)))
    np.testing.assert_allclose(delay.price, [100, 101, 102, 101, 102, 103, 106, 107])
    bad = oracle_feed(TIMES, p, OracleSpec(faults=(Fault("manipulate", _at(4), _at(5), 0, 0.5),)))
    assert bad.price[4] == 104 * 1.5
    assert bad.price[5] == 105


def test_bad_fault_names_the_key() -> None:
    with pytest.raises(InputError) as err:
        Fault("delay", _at(1), _at(2))
    assert err.value.field == "oracle.faults.lag_hours"


def _spec(oracle: OracleSpec | None) -> TokenBacktestSpec:
    perp = Instrument.custom(
        "BTC/USD:BTC", D(1), TierTable.parse("inf:0.005"), tick=D("0.5"),
    )  # fmt: skip
    return TokenBacktestSpec(
        perp, VaultSpec("BTC/USD:BTC"), Policy("daily", D(-1), trigger=D("0.1")),
        Execution(D("0.5")), D(1), oracle=oracle,
    )  # fmt: skip


def test_manipulated_print_refused_by_the_slippage_bound() -> None:
    market = MarketData(TIMES, np.full(8, 40_000.0))
    fault = (Fault("manipulate", _at(3), _at(4), 0, 0.3),)
    # without a bound, the keeper sees +30 % and buys back a third of its short at the
    # (unchanged) market price; with a 5 % bound it refuses
    naive = run_keeper(market, _spec(OracleSpec(faults=fault)))
    assert [r.reason for r in naive.rebalances][:2] == ["first", "trigger"]
    assert naive.rebalances[1].bar == 3
    bounded = run_keeper(market, _spec(OracleSpec(slippage_tolerance=0.05, faults=fault)))
    assert [r.reason for r in bounded.rebalances] == ["first"]
    assert bounded.skipped_slippage == 1
    assert bounded.final_size == -80_000


def test_fault_table_from_the_example() -> None:
    run = backtest(Path(__file__).parents[2] / "examples" / "token_a_oracle_faults.toml")
    rows = oracle_fault_table(run)
    assert [r["case"] for r in rows][:2] == ["no oracle (bar prices)", "oracle, no fault"]
    assert len(rows) == 5
    stale = rows[2]
    assert str(stale["case"]).startswith("stale")
    assert int(stale["refused: stale"]) > 0
