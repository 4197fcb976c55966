"""Backtest policies: bands, partial hedging, a cap on legs, true-ups, margin on lows,
top-ups, and funding per asset."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inversa.contracts import generic_prices
from inversa.errors import InputError
from inversa.hedging import (
    FORMULA_DAILY_RATE,
    BacktestPolicy,
    asset_funding,
    hedge_backtest,
)


def _closes(days: int = 150, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2021-01-01", periods=days, freq="D", tz="UTC")
    steps = rng.normal(0, 0.03, size=(days, 2))
    steps[:, 0] += 0.01  # A trends up: overweight, shorted
    prices = 100 * np.exp(np.cumsum(steps, axis=0))
    return pd.DataFrame(prices, index=index, columns=["A", "B"])


TARGETS = {"A": 0.5, "B": 0.5}
CROSS = {"margin_mode": "cross", "leverage": 3, "half_spread": 0}


def _run(**options: object) -> dict[str, object]:
    policy = BacktestPolicy.build(**{**CROSS, **options})
    result = hedge_backtest(_closes(), TARGETS, spot_fee=0.001, futures_fee=0.0005, policy=policy)
    return dict(result.strategies)


def test_a_band_trades_less_often() -> None:
    always, banded = _run(), _run(band="0.2")
    for name in ("spot", "futures"):
        assert banded[name].turnover_usd < always[name].turnover_usd  # type: ignore[attr-defined]


def test_partial_hedging_moves_a_fraction_of_the_drift() -> None:
    half = hedge_backtest(
        _closes(),
        TARGETS,
        spot_fee=0,
        futures_fee=0,
        policy=BacktestPolicy.build(fraction="0.5", **CROSS),
    )
    spot = half.strategies["spot"]
    first = half.rebalances[1]
    weights_a = spot.weights["A"].to_numpy()
    day = int(np.flatnonzero(spot.weights.index == first)[0])
    before = float(weights_a[day - 1])  # the weight at the previous close
    # the day's move drifts it first; the trade then closes half the gap
    closes = _closes().to_numpy()
    growth = closes[day] / closes[day - 1]
    drifted = before * growth[0] / (before * growth[0] + (1 - before) * growth[1])
    assert spot.weights.loc[first, "A"] == pytest.approx(drifted + 0.5 * (0.5 - drifted))


def test_gross_cap_limits_the_legs() -> None:
    capped = _run(gross_cap="0.05")["futures"]
    free = _run()["futures"]
    legs = capped.legs  # type: ignore[attr-defined]
    gross = legs.abs().sum(axis=1) / capped.value  # type: ignore[attr-defined]
    # at each check day the gross legs are cut to the cap (then drift with the value)
    checks = legs.index[legs.diff().abs().sum(axis=1) > 0]
    assert (gross.loc[checks] <= 0.05 * 1.001).all()  # the cap is on the value before fees
    free_gross = free.legs.abs().sum(axis=1) / free.value  # type: ignore[attr-defined]
    assert free_gross.max() > 0.05


def test_trueup_on_given_dates_closes_the_legs() -> None:
    result = hedge_backtest(
        _closes(),
        TARGETS,
        policy=BacktestPolicy.build(trueup=None, trueup_dates=(date(2021, 3, 10),), **CROSS),
    )
    trued = result.strategies["futures_trueup"]
    assert trued.legs is not None
    # on the true-up day the legs are closed and the spot holds the targets
    assert (trued.legs.loc["2021-03-10"] == 0).all()
    assert trued.weights.loc["2021-03-10", "A"] == pytest.approx(0.5)
    assert (result.strategies["futures"].legs.loc["2021-03-10"] != 0).any()  # type: ignore[union-attr]


def test_margin_on_daily_lows_books_the_liquidation() -> None:
    closes = _closes()
    lows = closes.copy()
    highs = closes.copy()
    crash = pd.Timestamp("2021-04-20", tz="UTC")
    lows.loc[crash, "B"] = float(closes["B"].loc[crash]) * 0.3  # a wick; close unchanged
    result = hedge_backtest(
        closes, TARGETS, lows=lows, highs=highs, policy=BacktestPolicy.build(leverage=1)
    )
    fut = result.strategies["futures"]
    (event,) = [e for e in fut.liquidations if e.when == crash]
    assert event.asset == "B"
    legs = fut.legs
    assert legs is not None
    before = float(legs["B"].loc[crash - pd.Timedelta(days=1)])
    assert before > 0  # the long leg on the underweight B
    # isolated 1x: margin N/E coins; equity = maintenance at the mark gives
    # P = N(1 + mmr) / (m + N/E) = E * 1.005 / 2 (independent derivation)
    opened = legs.index[(legs.index < crash) & (legs["B"].diff() != 0)][-1]
    entry = float(closes["B"].loc[opened])
    assert event.coins == pytest.approx(before / entry, rel=1e-12)
    assert event.price == pytest.approx(entry * 1.005 / 2, rel=1e-12)
    assert event.price == pytest.approx(
        float(generic_prices(1.0, entry, before, 1.0, before / entry, mmr=0.005).liquidation_price)
    )
    assert legs.loc[crash, "B"] == 0
    assert fut.liquidation is not None
    assert fut.liquidation.loc[crash] == pytest.approx(event.usd)
    # without the wick nothing dies
    calm = hedge_backtest(closes, TARGETS, policy=BacktestPolicy.build(leverage=1))
    assert not [e for e in calm.strategies["futures"].liquidations if e.when == crash]


def test_a_long_leg_without_its_coin_is_topped_up_as_a_spot_trade() -> None:
    closes = _closes()
    closes.loc[closes.index[:45], "B"] = np.nan  # B lists mid-February: none held before
    result = hedge_backtest(closes, TARGETS, proxies={"B": "A"}, spot_fee=0.001)
    fut = result.strategies["futures"]
    topups = fut.topups
    assert topups
    first = topups[0]
    assert first.asset == "B"
    assert first.when == pd.Timestamp("2021-03-01", tz="UTC")
    # charged as two spot trades (sell A, buy B)
    assert fut.fees.diff().loc[first.when] >= 2 * 0.001 * first.usd
    for name, s in result.strategies.items():
        assert min(s.min_wallet_coins.values()) >= -1e-12, name


def test_policy_errors_name_the_option() -> None:
    with pytest.raises(InputError, match="band"):
        BacktestPolicy.build(band="2")
    with pytest.raises(InputError, match="fraction"):
        BacktestPolicy.build(fraction="0")
    with pytest.raises(InputError, match="leverage"):
        BacktestPolicy.build(leverage="0.5")
    with pytest.raises(InputError, match="margin_mode"):
        BacktestPolicy.build(margin_mode="portfolio")


def test_funding_per_asset_and_its_sensitivity() -> None:
    closes = _closes()
    days = closes.index
    btc = pd.Series(0.0003, index=days)
    linear_b = pd.Series(0.001, index=days[:60])
    funding = asset_funding(
        ["A", "B"], inverse={"BTC": btc}, proxy="linear", linear={"B": linear_b}
    )
    assert "BTC" in funding.sources["A"]  # no linear series for A: BTC's rate
    assert "USDT perpetual" in funding.sources["B"]
    rate_b = funding.rates["B"]
    assert isinstance(rate_b, pd.Series)
    assert rate_b.iloc[0] == 0.001
    assert rate_b.iloc[100] == 0.0003  # after its history: BTC's
    result = hedge_backtest(
        closes,
        TARGETS,
        funding=dict(funding.rates),
        funding_sensitivity=(0.9, 1.1),
        funding_sources=funding.sources,
        policy=BacktestPolicy.build(**CROSS),
    )
    fut = result.strategies["futures"]
    assert any("funding B" in a for a in result.assumptions)
    scaled = result.sensitivity["futures"]
    # each funding flow scaled by 0.9 or 1.1: the final value moves about equally each way
    final = fut.value.iloc[-1]
    assert scaled[1.1] != final
    assert scaled[1.1] - final == pytest.approx(-(scaled[0.9] - final), rel=0.05)
    zero = asset_funding(["A"], inverse={"BTC": btc}, proxy="zero")
    assert zero.rates["A"] == 0.0
    formula = asset_funding(["A"], inverse={}, proxy="formula")
    assert formula.rates["A"] == FORMULA_DAILY_RATE
    with pytest.raises(InputError, match="funding_proxy"):
        asset_funding(["A"], inverse={"BTC": btc}, proxy="median")


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    mode=st.sampled_from(["isolated", "cross"]),
    leverage=st.sampled_from(["1", "2", "5"]),
    band=st.sampled_from(["0", "0.05"]),
)
def test_no_wallet_goes_negative_and_the_costs_add_up(
    seed: int, mode: str, leverage: str, band: str
) -> None:
    closes = _closes(days=120, seed=seed)
    rng = np.random.default_rng(seed + 1)
    lows = closes * (1 - rng.uniform(0, 0.15, closes.shape))
    highs = closes * (1 + rng.uniform(0, 0.15, closes.shape))
    result = hedge_backtest(
        closes,
        TARGETS,
        lows=lows,
        highs=highs,
        funding=0.0005,
        policy=BacktestPolicy.build(
            margin_mode=mode, leverage=leverage, band=band, half_spread="0.0001"
        ),
    )
    for name, s in result.strategies.items():
        assert min(s.min_wallet_coins.values()) >= -1e-9, name
        row = s.summary(result.initial_usd)
        split = row["fees_usd"] + row["funding_usd"] + row["spread_rounding_usd"]
        assert row["total_cost_usd"] == pytest.approx(split + row["liquidation_usd"])
        # a liquidation is booked only where the day's extreme reached its price
        for event in s.liquidations:
            assert event.when in closes.index
            assert event.usd > 0
        assert row["worst_margin_ratio"] < 1 or s.liquidations


def test_bundled_history_with_a_funding_proxy() -> None:
    from inversa.hedging import backtest_history

    btc = backtest_history(["BTC", "ETH"], funding_proxy="BTC")
    assert "bybit inverse perpetual" in btc.funding.sources["BTC"]
    assert "proxy" in btc.funding.sources["ETH"]
    assert list(btc.lows.columns) == ["BTC", "ETH"]
    assert ((btc.lows <= btc.closes) | btc.closes.isna()).all().all()
    zero = backtest_history(["ETH"], funding_proxy="zero")
    assert zero.funding.rates["ETH"] == 0.0
    linear = backtest_history(["ETH", "LINK"], funding_proxy="linear")
    assert "ETH binance USDT perpetual (2020-01-01 .. 2023-12-31" in linear.funding.sources["ETH"]
    assert "no LINK" in linear.funding.sources["LINK"]  # none bundled: BTC's rate
    eth = linear.funding.rates["ETH"]
    assert isinstance(eth, pd.Series)
    # Binance ETHUSDT funding on 2021-05-01: three 8-hourly rates summed
    from inversa.data import usdt_funding

    raw = usdt_funding("binance", "ETHUSDT")["funding_rate"]
    day = pd.Timestamp("2021-05-01", tz="UTC")
    expected = raw[(raw.index >= day) & (raw.index < day + pd.Timedelta(days=1))].sum()
    assert eth[day] == pytest.approx(expected)
