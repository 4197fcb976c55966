"""Backtest of monthly rebalancing: spot, inverse-futures legs, never."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from inversa.errors import InputError
from inversa.hedging import daily_funding_rate, hedge_backtest
from inversa.report.figures import backtest_figures


def _closes(days: int = 120, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2021-01-01", periods=days, freq="D", tz="UTC")
    steps = rng.normal(0, 0.04, size=(days, 3))
    steps[:, 1] += 0.01  # B trends up: the portfolio drifts
    prices = 100 * np.exp(np.cumsum(steps, axis=0))
    return pd.DataFrame(prices, index=index, columns=["A", "B", "C"])


TARGETS = {"A": 0.5, "B": 0.3, "C": 0.2}


def test_without_costs_futures_legs_replicate_spot_rebalancing() -> None:
    result = hedge_backtest(_closes(), TARGETS, spot_fee=0, futures_fee=0)
    spot, fut, never = (result.strategies[k] for k in ("spot", "futures", "never"))
    np.testing.assert_allclose(fut.value, spot.value, rtol=1e-12)
    np.testing.assert_allclose(fut.weights, spot.weights, atol=1e-12)
    assert fut.legs is not None
    assert fut.legs.abs().to_numpy().max() > 0
    assert spot.total_cost_usd == fut.total_cost_usd == 0
    assert never.weight_rmse > spot.weight_rmse
    assert never.tracking_error > spot.tracking_error
    # rebalanced on the first day of each month, to the targets
    first = result.rebalances[1]
    assert first == pd.Timestamp("2021-02-01", tz="UTC")
    np.testing.assert_allclose(spot.weights.loc[first], list(TARGETS.values()), atol=1e-12)


def test_never_is_buy_and_hold() -> None:
    closes = _closes()
    result = hedge_backtest(closes, TARGETS, initial_usd=1000)
    never = result.strategies["never"]
    coins = np.array(list(TARGETS.values())) * 1000 / closes.iloc[0].to_numpy()
    np.testing.assert_allclose(never.value, closes.to_numpy() @ coins, rtol=1e-12)
    assert never.total_cost_usd == 0
    assert never.turnover_usd == 0


def test_fees_are_charged_on_the_traded_usd() -> None:
    result = hedge_backtest(_closes(), TARGETS, spot_fee=0.001, futures_fee=0.0005)
    spot, fut = result.strategies["spot"], result.strategies["futures"]
    assert spot.fees.iloc[-1] == pytest.approx(0.001 * spot.turnover_usd)
    assert fut.fees.iloc[-1] == pytest.approx(0.0005 * fut.turnover_usd, rel=1e-6)
    assert 0 < fut.fees.iloc[-1] < spot.fees.iloc[-1]


def test_funding_on_the_legs_timing_and_sign() -> None:
    closes = _closes()
    days = closes.index
    rate = pd.Series(0.0003, index=days)
    result = hedge_backtest(closes, TARGETS, funding={"B": rate}, spot_fee=0, futures_fee=0)
    fut = result.strategies["futures"]
    assert fut.legs is not None
    legs_b = fut.legs["B"].to_numpy()
    # funding of day t is paid on the leg held since the close of day t-1
    expected = np.cumsum(np.r_[0.0, legs_b[:-1] * 0.0003])
    np.testing.assert_allclose(fut.funding.to_numpy(), expected, rtol=1e-9, atol=1e-9)
    # B trends up, it is overweight at rebalances: a short leg, which receives funding
    assert legs_b[-1] < 0
    assert fut.funding.iloc[-1] < 0
    assert fut.funding_received_usd > 0
    assert fut.funding_paid_usd == 0


def test_contract_values_round_the_legs() -> None:
    result = hedge_backtest(_closes(), TARGETS, contract_values={"A": 100, "B": 10})
    legs = result.strategies["futures"].legs
    assert legs is not None
    assert np.allclose(np.mod(legs["A"], 100), 0)
    assert np.allclose(np.mod(legs["B"], 10), 0)


def test_a_late_listing_is_held_in_its_proxy() -> None:
    closes = _closes()
    closes.loc[closes.index[:40], "C"] = np.nan  # C lists on 2021-02-10
    with pytest.raises(InputError, match="C has no price"):
        hedge_backtest(closes, TARGETS)
    result = hedge_backtest(closes, TARGETS, proxies={"C": "A"})
    assert result.targets["A"].loc["2021-01-15"] == pytest.approx(0.7)
    assert result.targets["C"].loc["2021-03-01"] == pytest.approx(0.2)
    spot = result.strategies["spot"]
    assert spot.weights["C"].loc["2021-03-01"] == pytest.approx(0.2)
    assert any("C weight held in A" in a for a in result.assumptions)


def test_progress_and_errors() -> None:
    calls: list[tuple[int, int]] = []
    hedge_backtest(_closes(), TARGETS, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (4, 4)
    assert len(calls) == 4
    with pytest.raises(InputError, match="sum to 1"):
        hedge_backtest(_closes(), {"A": 0.5, "B": 0.4})
    with pytest.raises(InputError, match="no price series for D"):
        hedge_backtest(_closes(), {"A": 0.5, "D": 0.5})
    with pytest.raises(InputError, match="fewer than 2 days"):
        hedge_backtest(_closes(), TARGETS, start="2030-01-01")
    naive = _closes().tz_localize(None)
    with pytest.raises(InputError, match="tz-aware"):
        hedge_backtest(naive, TARGETS)


def test_daily_funding_sums_the_days_rates() -> None:
    index = pd.date_range("2024-01-01", periods=6, freq="8h", tz="UTC")
    history = pd.DataFrame({"funding_rate": [1e-4, 2e-4, 3e-4, 1e-4, 1e-4, 1e-4]}, index=index)
    daily = daily_funding_rate(history)
    assert daily.to_list() == pytest.approx([6e-4, 3e-4])


def test_bundled_2020_2024_portfolio(tmp_path: Path) -> None:
    """BTC/ETH + AAVE/LINK basket on the bundled closes and Bybit's BTC funding."""
    from inversa.data import funding_history, spot_daily
    from inversa.report.html import Section, write_report

    closes = pd.DataFrame({a: spot_daily(a)["close"] for a in ("BTC", "ETH", "AAVE", "LINK")})
    result = hedge_backtest(
        closes,
        {"BTC": 0.5, "ETH": 0.3, "AAVE": 0.1, "LINK": 0.1},
        funding=daily_funding_rate(funding_history("bybit")),
        proxies={"AAVE": "LINK"},
        start="2020-01-01",
        end="2024-12-31",
    )
    data = result.to_dict()
    assert (data["start"], data["end"], data["rebalances"]) == ("2020-01-01", "2024-12-31", 60)
    rows = data["strategies"]
    assert rows["futures"]["fees_usd"] < rows["spot"]["fees_usd"]
    assert rows["never"]["weight_rmse"] > 5 * rows["spot"]["weight_rmse"]
    assert rows["futures"]["funding_paid_usd"] > 0
    assert rows["futures"]["funding_received_usd"] > 0
    assert rows["futures"]["max_gross_legs_pct_value"] > 0.5  # legs grow: spot never traded
    figures = backtest_figures(result)
    assert len(figures) == 3
    assert all(isinstance(f, go.Figure) for f in figures)
    path = write_report(tmp_path / "bt.html", "backtest", [Section("figures", figures=figures)])
    assert "AAVE" in path.read_text()
