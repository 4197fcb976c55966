"""TB1 (tests/vectors/token_backtest_coin_band.json): 240 real hourly Binance mark closes
of March 2020, a -1x coin-collateral vault with a band plus a daily reset, reproduced
fill by fill through the keeper and the engine, within the vector's 1e-10 BTC.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from inversa.contracts import TierTable
from inversa.data import mark_hourly
from inversa.token import BandParams, backtest
from inversa.token.keeper import (
    BacktestResult,
    Execution,
    MarketData,
    TokenBacktestSpec,
    run_keeper,
)
from inversa.token.policy import Policy
from inversa.token.vault import VaultSpec
from inversa.venues import Instrument

TB1 = json.loads(
    (Path(__file__).parents[1] / "vectors" / "token_backtest_coin_band.json").read_text()
)
D = Decimal


def _times() -> tuple[datetime, ...]:
    return tuple(
        datetime.fromisoformat(t.replace("Z", "+00:00")) for t in TB1["inputs"]["timestamps_utc"]
    )


def tb1_spec() -> TokenBacktestSpec:
    i = TB1["inputs"]
    perp = Instrument.custom(
        "BTC/USD:BTC",
        D(str(i["contract_value_usd"])),
        TierTable.parse("inf:0.005"),
        taker=D(str(i["taker_fee"])),
        tick=D(str(i["tick"])),
    )
    lower, upper = (D(str(x)) for x in i["band"])
    band = BandParams(D(str(i["leverage"])), upper, lower, D(1), D("Infinity"))
    policy = Policy("hybrid", D(str(i["leverage"])), band=band)
    return TokenBacktestSpec(
        perp,
        VaultSpec("BTC/USD:BTC"),
        policy,
        Execution(D(str(i["tick"]))),
        D(str(i["start_wallet_btc"])),
    )


def check_tb1(result: BacktestResult) -> None:
    e: dict[str, Any] = TB1["expected"]
    tol = D(str(TB1["tol"]))
    assert len(result.fills) == e["trades"]
    reasons = [f.reason for f in result.fills]
    assert {k: reasons.count(k) for k in e["trades_by_reason"]} == e["trades_by_reason"]
    for got, want in zip(result.fills, e["fills"], strict=True):
        assert got.bar == want["bar"]
        assert got.time.isoformat().replace("+00:00", "Z") == want["timestamp_utc"]
        assert got.reason == want["reason"]
        assert got.contracts_sold == want["contracts_sold"]
        assert got.price == D(str(want["price"]))
        assert abs(got.fee - D(str(want["fee_btc"]))) <= tol
    assert abs(result.final_equity - D(str(e["final_equity_btc"]))) <= tol
    assert abs(result.final_wallet - D(str(e["final_wallet_btc"]))) <= tol
    assert -result.final_size == e["final_short_contracts"]
    assert abs(result.total_fees - D(str(e["total_fees_btc"]))) <= tol


def test_tb1_inputs_are_the_bundled_marks() -> None:
    times = _times()
    bars = mark_hourly("BTC", times[0], None).iloc[: len(times)]
    assert tuple(bars.index.to_pydatetime()) == times
    np.testing.assert_array_equal(
        bars["close"].to_numpy(), np.array(TB1["inputs"]["close"], dtype=np.float64)
    )


def test_tb1_fill_by_fill_through_the_engine() -> None:
    market = MarketData(_times(), np.array(TB1["inputs"]["close"], dtype=np.float64))
    check_tb1(run_keeper(market, tb1_spec()))


def test_tb1_from_its_shipped_config() -> None:
    run = backtest(Path(__file__).parents[2] / "examples" / "token_tb1.toml")
    check_tb1(run.result)
    assert run.summary.as_dict()["fills"] == 19


def test_tb1_broken_rule_is_caught() -> None:
    """The check can fail: a band that never breaches drops the band fills."""
    spec = tb1_spec()
    assert spec.policy.band is not None
    wide = BandParams(D(-1), D("-0.5"), D("-2"), D(1), D("Infinity"))
    spec = TokenBacktestSpec(
        spec.instrument,
        spec.vault,
        Policy("hybrid", D(-1), band=wide),
        spec.execution,
        spec.start_equity,
    )
    market = MarketData(_times(), np.array(TB1["inputs"]["close"], dtype=np.float64))
    with pytest.raises(AssertionError):
        check_tb1(run_keeper(market, spec))
