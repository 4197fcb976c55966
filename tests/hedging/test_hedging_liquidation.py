"""Liquidation wherever a leg can die: stress, unwind along the path, cross margin."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from inversa.contracts import inverse_pnl
from inversa.errors import InputError
from inversa.hedging import (
    HedgeAmount,
    Portfolio,
    plan_hedge,
    plan_risk,
    price_path,
    stress_table,
    unwind_hedge,
)

#: examples/portfolio.toml, transcribed (tests do not read files outside tests/).
EXAMPLE = {
    "holdings_usd": {"BTC": 80000, "ETH": 35000, "ALT": 15000},
    "targets": {"BTC": "0.5", "ETH": "0.3", "ALT": "0.2"},
    "prices": {"BTC": 40000, "ETH": 2500, "ALT": "0.50"},
    "contract_values": {"ALT": 1},
    "venues": {"BTC": "bybit", "ETH": "binance-coinm:ETHUSD_PERP"},
}


@pytest.fixture
def example() -> Portfolio:
    return Portfolio(**EXAMPLE)  # type: ignore[arg-type]


def test_stress_books_the_alt_leg_liquidated_at_minus_60(example: Portfolio) -> None:
    """The issue: at -60 % the ALT leg lost 33,000 ALT against 22,000 of margin."""
    plan = plan_hedge(example)
    alt = plan.legs["ALT"]
    assert alt.margin == 22000
    # without liquidation the long would have lost more than its margin
    assert inverse_pnl(1, Decimal(11000), Decimal("0.5"), Decimal("0.2"), Decimal(1)) == -33000
    rows = {r.shock: r for r in stress_table(plan, ["-0.6", "-0.9"])}
    row = rows[Decimal("-0.6")]
    assert "ALT" in row.liquidated
    assert row.assets["ALT"].leg_pnl == -22000  # the margin, not 33,000
    assert row.assets["ALT"].hedged_exposure == (30000 - 22000) * Decimal("0.2")
    # at -90 % the ETH leg would lose 14.4 ETH with 14 held: it is liquidated instead
    eth = rows[Decimal("-0.9")].assets["ETH"]
    assert eth.liquidated
    assert eth.leg_pnl == -Decimal("1.6")  # the ETH leg's margin
    assert rows[Decimal("-0.9")].liquidation_loss_usd == (
        Decimal("1.6") * 250 + Decimal(22000) * Decimal("0.05")
    )


def test_stress_at_3x_kills_the_eth_long_and_the_btc_short(example: Portfolio) -> None:
    plan = plan_hedge(example, leverage=3)
    rows = {r.shock: r for r in stress_table(plan, ["-0.3", "0.6"])}
    assert "ETH" in rows[Decimal("-0.3")].liquidated
    assert "BTC" in rows[Decimal("0.6")].liquidated
    assert "BTC" not in rows[Decimal("-0.3")].liquidated


def test_cross_margin_uses_the_whole_wallet(example: Portfolio) -> None:
    plan = plan_hedge(example)
    risk = plan_risk(plan, "cross")
    # short BTC covering 0.375 BTC of the 2 held: never liquidated
    assert risk.legs["BTC"].collateral == 2
    assert risk.legs["BTC"].liquidation_price == Decimal("Infinity")
    # long 11,000 USD of ALT on 30,000 ALT: W + N*CV*(1/E - 1/P) = mmr * N*CV / P
    alt = risk.legs["ALT"]
    assert alt.collateral == 30000
    p = alt.liquidation_price
    assert p is not None
    equity = 30000 + inverse_pnl(1, Decimal(11000), Decimal("0.5"), p, Decimal(1))
    assert abs(equity - Decimal("0.005") * 11000 / p) < Decimal("1e-20")
    assert abs(p - Decimal(11000) * Decimal("1.005") / 52000) < Decimal("1e-25")
    # liquidated in cross, the whole ALT wallet goes: nothing of ALT is left
    (row,) = stress_table(plan, ["-0.6"], margin_mode="cross")
    assert row.liquidated == ("ALT",)
    assert row.assets["ALT"].hedged_usd == 0
    assert row.assets["ALT"].hedged_exposure == 0


def test_distance_warning_flags_1x_longs_not_1x_shorts(example: Portfolio) -> None:
    risk = plan_risk(plan_hedge(example))
    assert risk.legs["ETH"].warn
    assert risk.legs["ALT"].warn
    assert not risk.legs["BTC"].warn
    assert len(risk.warnings) == 2
    assert "ETH leg" in risk.warnings[0]
    # a tighter threshold silences them
    assert not plan_risk(plan_hedge(example), warn_distance="0.4").warnings
    with pytest.raises(InputError, match="warn_distance"):
        plan_risk(plan_hedge(example), warn_distance=0)


@given(lev=st.sampled_from(["1", "2", "3", "5"]), shock=st.decimals("-0.95", "3", places=3))
def test_a_liquidated_leg_never_loses_more_than_its_collateral(lev: str, shock: Decimal) -> None:
    plan = plan_hedge(Portfolio(**EXAMPLE), leverage=lev)  # type: ignore[arg-type]
    (row,) = stress_table(plan, [shock])
    for asset, x in row.assets.items():
        margin = plan.legs[asset].margin
        assert margin is not None
        assert x.leg_pnl >= -margin or not x.liquidated
        if not x.liquidated:
            # a live leg has not crossed its liquidation price
            liq = x.liquidation_price
            side = plan.legs[asset].side
            assert liq is None or (x.price > liq if side > 0 else x.price < liq)


def _close(asset: str, day: str) -> Decimal:
    from inversa.data import spot_daily

    closes = spot_daily(asset)["close"]
    return Decimal(repr(float(closes[pd.Timestamp(day, tz="UTC")])))


def test_unwind_walks_the_path_and_stops_the_eth_leg() -> None:
    """The issue: --amounts BTC=2,ETH=14 --targets BTC=0.4,ETH=0.6 --date 2021-05-10
    --later-date 2021-06-10 --leverage 3: the ETH leg liquidates at ~2,979 and the ETH
    low was ~1,737 on 2021-05-23."""
    prices = {a: _close(a, "2021-05-10") for a in ("BTC", "ETH")}
    later = {a: _close(a, "2021-06-10") for a in ("BTC", "ETH")}
    portfolio = Portfolio(
        targets={"BTC": "0.4", "ETH": "0.6"}, amounts={"BTC": 2, "ETH": 14}, prices=prices
    )
    plan = plan_hedge(portfolio, leverage=3)
    eth = plan.legs["ETH"]
    assert eth.liquidation_price is not None
    assert 2970 < eth.liquidation_price < 2990
    path = price_path(["BTC", "ETH"], "2021-05-10", "2021-06-10")
    assert path["ETH"]["low"].min() < 1800
    out = unwind_hedge(plan, later, days=31, path=path)
    event = out.liquidations["ETH"]
    assert event.when is not None
    assert event.when < pd.Timestamp("2021-05-24", tz="UTC")
    assert event.trigger_price <= eth.liquidation_price
    assert event.collateral_lost == eth.margin
    assert "ETH" not in out.orders
    assert out.liquidation_loss_usd == event.collateral_lost * later["ETH"]
    # without the path only the later price is checked (2,471 is past it too)
    assert unwind_hedge(plan, later, days=31).liquidations["ETH"].when is None
    # a later price above the liquidation and no path: the leg is closed normally
    calm = unwind_hedge(plan, {"BTC": later["BTC"], "ETH": 3500}, days=31)
    assert not calm.liquidations
    assert "ETH" in calm.orders


def test_unwind_errors_name_the_later_flag_and_bad_fee(example: Portfolio) -> None:
    plan = plan_hedge(example)
    with pytest.raises(InputError, match=r"later_prices\.BTC"):
        unwind_hedge(plan, {"ETH": 2500, "ALT": 1})
    with pytest.raises(InputError, match="spot_fee"):
        unwind_hedge(plan, {"BTC": 1, "ETH": 1, "ALT": 1}, spot_fee=2)


def test_hedge_amounts_in_usd_or_coin() -> None:
    """Done-when: --hedge BTC=-14950USD --prices BTC=40000 --venue bybit."""
    bare = Portfolio(targets={}, prices={"BTC": 40000})
    for text in ("-14950USD", "-0.37375BTC", "-0.37375btc"):
        plan = plan_hedge(
            bare, hedges={"BTC": HedgeAmount.parse("BTC", text)}, venue="bybit", taker="0.00055"
        )
        leg = plan.legs["BTC"]
        assert leg.coin == Decimal("-0.37375")
        assert leg.contracts == -14950
        assert leg.instrument is not None
        assert leg.instrument.venue == "bybit"


@pytest.mark.parametrize(
    ("text", "message"),
    [("-14950", "unit"), ("-1ETH", "unit must be USD or BTC"), ("0USD", "not be 0"), ("xUSD", "")],
)
def test_hedge_amount_needs_its_unit(text: str, message: str) -> None:
    with pytest.raises(InputError, match=r"hedge\.BTC"):
        HedgeAmount.parse("BTC", text)
    if message:
        with pytest.raises(InputError, match=message):
            HedgeAmount.parse("BTC", text)


def test_hedge_amounts_and_targets_are_refused_together(example: Portfolio) -> None:
    with pytest.raises(InputError, match="not both"):
        plan_hedge(example, hedges={"BTC": HedgeAmount.parse("BTC", "-1000USD")})


def test_fraction_and_minimum_trade(example: Portfolio) -> None:
    full = plan_hedge(example)
    half = plan_hedge(example, fraction="0.5")
    for asset, leg in full.legs.items():
        assert half.legs[asset].usd == leg.usd / 2
    small = plan_hedge(example, min_trade_usd=5000)
    assert set(small.legs) == {"BTC", "ALT"}  # the 4,000 USD ETH leg is skipped
    assert any("ETH" in n and "minimum trade" in n for n in small.notes)
    with pytest.raises(InputError, match="fraction"):
        plan_hedge(example, fraction="1.5")
