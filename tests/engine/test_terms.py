"""The engine's reading of a venues.Instrument: what it trades, its defaults, initial rate."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from inversa.contracts import TierTable
from inversa.engine import (
    Engine,
    FormulaFunding,
    contract_lot,
    fee_rate,
    funding_interval,
    initial_rate,
    leverage_cap,
    tradable,
)
from inversa.errors import InputError
from inversa.sim.replay import opening_deposit
from inversa.venues import Funding, Instrument, load_venue

from ._support import SYMBOL, D, binance_perp, linear_perp


def test_tradable_takes_instruments_only() -> None:
    perp = binance_perp()
    assert tradable(perp) is perp
    with pytest.raises(InputError, match=r"inversa\.venues\.Instrument"):
        tradable("BTC/USD:BTC")
    with pytest.raises(InputError, match="kind"):
        tradable(binance_perp(kind="quanto"))
    with pytest.raises(InputError, match="max_leverage"):
        Engine(binance_perp(max_leverage=None))
    with pytest.raises(InputError, match="margin"):
        tradable(replace(binance_perp(), margin=None))


def test_defaults_where_the_rule_file_sources_nothing() -> None:
    bare = Instrument.custom(SYMBOL, 1, TierTable.parse("inf:0.005"))
    assert bare.venue == "custom"
    assert bare.funding is None
    assert fee_rate(bare, "maker") == fee_rate(bare, "taker") == fee_rate(bare, "none") == 0
    assert contract_lot(replace(bare, spec=replace(bare.spec, lot=None))) == 1
    assert funding_interval(bare) == 8
    assert leverage_cap(bare) == 100
    assert FormulaFunding(D("0.01")).rate(bare, _now()) is None
    perp = binance_perp()
    assert (fee_rate(perp, "maker"), fee_rate(perp, "taker")) == (D("0.0002"), D("0.0005"))
    hourly = binance_perp(funding=Funding(interval_hours=D(1)))
    assert funding_interval(hourly) == 1


def test_initial_rate_is_the_higher_of_leverage_and_the_tier_floor() -> None:
    perp = binance_perp()  # tier caps 125x to 5 BTC, ... 20x to 50 BTC, 10x to 100 BTC
    assert initial_rate(perp, D(1), D(10)) == D("0.1")
    assert initial_rate(perp, D(1), D(125)) == D("0.008")
    assert initial_rate(perp, D(30), D(100)) == D("0.05")  # 1 / 20x from 20 to 50 BTC
    assert initial_rate(perp, D(60), D(5)) == D("0.2")  # 5x is below the 10x cap
    flat = binance_perp(margin=TierTable.parse("inf:0.005"), max_leverage=50)
    assert initial_rate(flat, D(1), D(100)) == D("0.02")  # the leverage cap is the floor


def test_rule_file_instruments_value_maintenance_by_their_venue_model() -> None:
    bybit = load_venue("bybit").instrument("BTCUSD")
    binance = load_venue("binance-coinm").instrument("BTC/USD:BTC")
    assert (bybit.mm_at, binance.mm_at) == ("entry", "mark")
    assert Engine(bybit).instrument(bybit.symbol).mm_at == "entry"


def test_opening_deposit_is_margin_plus_maker_fee_in_the_settlement_currency() -> None:
    inverse = binance_perp()  # 100 USD contracts
    # 500 contracts at 50,000 = 1 BTC; 10x: 0.1 BTC + maker 0.02 % of 1 BTC
    assert opening_deposit(inverse, D(500), D(50_000), D(10)) == D("0.1002")
    linear = linear_perp()  # 0.001 BTC contracts, USDT
    # 1,000 contracts = 1 BTC = 50,000 USDT; 10x: 5,000 USDT + 0.02 % of 50,000 USDT
    assert opening_deposit(linear, D(1000), D(50_000), D(10)) == D(5010)
    rebate = binance_perp(maker=D("-0.0001"))
    assert opening_deposit(rebate, D(500), D(50_000), D(10)) == D("0.1")


def _now() -> datetime:
    return datetime(2024, 1, 1, tzinfo=UTC)
