"""The smaller defects of the hedging audit, each pinned by a test."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inversa.errors import InputError
from inversa.hedging import (
    Portfolio,
    carry_costs,
    hedge_backtest,
    instrument_label,
    linear_alternative,
    load_portfolio,
    plan_hedge,
)


def test_a_csv_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("asset,usd,target,price\nBTC,80000,0.5,40000\nETH,80000,0.5,2500\n")
    plain = load_portfolio(path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_portfolio(path) == plain


@pytest.mark.parametrize("taker", ["-0.1", "0.2"])
def test_a_taker_fee_out_of_range_is_refused(worked: Portfolio, taker: str) -> None:
    with pytest.raises(InputError, match="taker"):
        plan_hedge(worked, taker=taker)


def test_the_linear_fallback_is_labelled_in_coins() -> None:
    alt = linear_alternative("ALT", None)
    assert alt.contract_value == 1
    assert instrument_label(alt) == "generic linear (1 ALT/contract)"


def test_no_carry_for_a_leg_without_a_contract(worked: Portfolio) -> None:
    plan = plan_hedge(worked)  # ALT: no venue lists it, no contract value given
    assert plan.legs["ALT"].instrument is None
    carry = carry_costs(plan, "0.0003", horizon_days=90)
    assert "ALT" not in carry.legs
    assert carry.skipped == ("ALT",)
    btc = carry.legs["BTC"]
    assert btc.horizon == btc.per_day * 90
    assert carry.horizon_usd == carry.per_day_usd * 90
    with pytest.raises(InputError, match="days"):
        carry_costs(plan, "0.0003", horizon_days=100000)


def test_backtest_errors_print_plain_numbers() -> None:
    index = pd.date_range("2021-01-01", periods=40, freq="D", tz="UTC")
    closes = pd.DataFrame({"A": np.linspace(100, 140, 40), "B": np.nan}, index=index)
    with pytest.raises(InputError) as err:
        hedge_backtest(closes, {"A": 0.5, "B": 0.5})
    assert "np.float64" not in str(err.value)
    assert "0.5" in str(err.value)
    with pytest.raises(InputError) as err:
        hedge_backtest(closes.fillna(1.0), {"A": 0.5, "B": 0.5}, spot_fee=2.0)
    assert "np.float64" not in str(err.value)


def test_hedge_amount_plan_needs_a_price() -> None:
    from inversa.hedging import HedgeAmount

    with pytest.raises(InputError, match=r"prices\.BTC"):
        plan_hedge(Portfolio(targets={}), hedges={"BTC": HedgeAmount("BTC", Decimal(-1), "coin")})


def test_compare_venues_for_a_btc_hedge() -> None:
    from inversa.hedging import HedgeAmount, compare_venues, inverse_funding_histories
    from inversa.venues import list_venues

    amount = HedgeAmount.parse("BTC", "-14950USD")
    result = compare_venues(
        amount,
        40000,
        "2021-06-01",
        tuple(list_venues()),
        funding=inverse_funding_histories("BTC"),
        days=30,
    )
    quotes = result.quotes
    assert set(quotes) == {"binance-coinm", "bitmex", "bybit", "deribit", "okx"}
    assert quotes["bybit"].leg.contracts == -14950
    assert quotes["bybit"].leg.residual_usd == 0
    # 100-USD contracts: -149.5 rounds (half even) to -150, 50 USD over-hedged
    assert quotes["binance-coinm"].leg.contracts == -150
    assert quotes["binance-coinm"].leg.residual_usd == 50
    # BitMEX's bundled history ends in 2020: no funding figure, said so
    assert quotes["bitmex"].funding_daily is None
    assert "2020-11-05" in quotes["bitmex"].funding_note
    assert quotes["okx"].funding_daily is None
    # the only venue with a sourced fee and a rate on that date is marked
    cheapest = [v for v, q in quotes.items() if q.cheapest]
    assert cheapest == ["bybit"]
    bybit = quotes["bybit"]
    assert bybit.cost_usd is not None
    assert bybit.funding_usd is not None
    fee_usd = bybit.leg.fee * 40000  # type: ignore[operator]
    assert bybit.cost_usd == 2 * fee_usd - bybit.funding_usd
    with pytest.raises(InputError, match="hedge"):
        compare_venues(HedgeAmount.parse("ALT", "-1USD"), 1, "2021-06-01", ("bybit",))


def test_carry_from_real_histories_per_asset(worked: Portfolio) -> None:
    from inversa.hedging import leg_funding_estimates

    plan = plan_hedge(worked.updated(contract_values={"ALT": 1}))
    rates, notes = leg_funding_estimates(plan, days=30, end="2021-06-01", proxy="BTC")
    assert "bybit BTC inverse perpetual" in rates["BTC"].source
    assert rates["BTC"].end is not None
    assert rates["BTC"].end <= pd.Timestamp("2021-06-01", tz="UTC")
    # ETH trades on Binance COIN-M here: BTC's rate there, marked as assumed
    assert rates["ETH"].assumed
    assert "binance-coinm BTC inverse perpetual" in rates["ETH"].source
    assert not notes
    # its own USDT perpetual with the linear proxy (ALT has none bundled: BTC's rate)
    linear, _ = leg_funding_estimates(plan, days=30, end="2021-06-01", proxy="linear")
    assert "binance ETH USDT perpetual" in linear["ETH"].source
    assert linear["ETH"].daily_rate != rates["ETH"].daily_rate
    assert "BTC rate assumed for ALT" in linear["ALT"].source
    zero, _ = leg_funding_estimates(plan, days=30, end="2021-06-01", proxy="zero")
    assert zero["ALT"].daily_rate == 0
    carry = carry_costs(plan, rates, horizon_days=7)
    assert carry.legs["BTC"].horizon == carry.legs["BTC"].per_day * 7
    # a date past the history: its last 30 days, said in a note
    _, late = leg_funding_estimates(plan, days=30, end="2030-01-01", proxy="zero")
    assert late
    assert "no history to 2030-01-01" in late[0]
    with pytest.raises(InputError, match="funding_proxy"):
        leg_funding_estimates(plan, days=30, proxy="median")
