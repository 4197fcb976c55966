"""Carry: the mean daily funding of a history window, funding and basis per leg."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from inversa.contracts import dated_fair_price, funding_payment, inverse_pnl
from inversa.errors import DataError, InputError
from inversa.hedging import FundingEstimate, Portfolio, carry_costs, mean_daily_funding, plan_hedge


def _history(rates: list[float], hours: float) -> pd.DataFrame:
    index = pd.date_range("2024-01-01", periods=len(rates), freq=f"{int(hours)}h", tz="UTC")
    return pd.DataFrame({"funding_rate": rates, "interval_hours": hours}, index=index)


def test_mean_daily_funding_scales_each_interval_to_a_day() -> None:
    history = _history([0.0001] * 6 + [0.0003] * 3, 8)  # 3 days of 8-hourly rates
    est = mean_daily_funding(history, days=1)
    assert float(est.daily_rate) == pytest.approx(0.0009)  # the last day: 3 x 0.0003
    assert est.rows == 3
    assert est.end == history.index[-1]
    est = mean_daily_funding(history, days=3)
    assert float(est.daily_rate) == pytest.approx(np.mean([0.0003] * 6 + [0.0009] * 3))
    hourly = _history([0.00001] * 48, 1)
    assert float(mean_daily_funding(hourly, days=2).daily_rate) == pytest.approx(0.00024)


def test_mean_daily_funding_window_and_errors() -> None:
    history = _history([0.0001] * 30, 8)
    est = mean_daily_funding(history, days=2, end="2024-01-03T00:00:00Z")
    assert est.end == pd.Timestamp("2024-01-03T00:00:00Z")
    assert est.rows == 6
    with pytest.raises(DataError, match="no funding rows"):
        mean_daily_funding(history, days=2, end="2030-01-01")
    with pytest.raises(DataError, match="funding_rate"):
        mean_daily_funding(history.drop(columns="funding_rate"))
    with pytest.raises(InputError):
        mean_daily_funding(history, days=0)


def test_funding_sign_longs_pay_shorts_receive(worked_cv1: Portfolio) -> None:
    plan = plan_hedge(worked_cv1)
    rate = Decimal("0.0003")
    carry = carry_costs(plan, FundingEstimate(rate, "test"))
    btc, eth = carry.legs["BTC"], carry.legs["ETH"]
    assert btc.per_day == funding_payment(-1, Decimal(15000), Decimal(1), Decimal(40000), rate)
    assert btc.per_day > 0
    assert eth.per_day < 0
    assert btc.per_day_usd == Decimal("4.5")  # 15,000 USD x 0.03 %
    assert eth.per_day_usd == Decimal("-1.2")
    assert carry.legs["ALT"].per_day_usd == Decimal("-3.3")
    assert carry.per_day_usd == Decimal(0)  # legs net to zero USD, one rate
    assert btc.per_month_usd == 30 * btc.per_day_usd
    assert btc.source == "test"


def test_basis_of_a_dated_future(worked_cv1: Portfolio) -> None:
    plan = plan_hedge(worked_cv1)
    carry = carry_costs(plan, {"ETH": "0.0001", "ALT": 0}, basis={"BTC": "0.08"}, expiry_days=90)
    btc = carry.legs["BTC"]
    future = dated_fair_price(Decimal(40000), Decimal("0.08"), Decimal(90))
    total = inverse_pnl(-1, Decimal(15000), future, Decimal(40000), Decimal(1))
    assert btc.kind == "basis"
    assert btc.per_day == total / 90
    assert btc.per_day > 0  # a short in contango earns the basis
    assert float(btc.per_day_usd) == pytest.approx(15000 * 0.08 / 365, rel=0.03)


def test_missing_funding_rate(worked_cv1: Portfolio) -> None:
    plan = plan_hedge(worked_cv1)
    with pytest.raises(InputError, match=r"funding\.ALT"):
        carry_costs(plan, {"BTC": 0, "ETH": 0})
