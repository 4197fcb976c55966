"""Stress table: synthetic USD, coin-PnL asymmetry, exposures hedged and unhedged."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inversa.contracts import inverse_pnl
from inversa.errors import InputError
from inversa.hedging import DEFAULT_SHOCKS, Portfolio, plan_hedge, stress_table


def test_default_shocks_cover_10_20_50_both_ways() -> None:
    assert set(DEFAULT_SHOCKS) == {
        Decimal(s) for s in ("-0.5", "-0.2", "-0.1", "0", "0.1", "0.2", "0.5")
    }


def test_worked_example_stress(worked_cv1: Portfolio) -> None:
    plan = plan_hedge(worked_cv1)
    rows = {r.shock: r for r in stress_table(plan)}
    for shock, row in rows.items():
        # 15,000 contracts short cover 0.375 BTC: that block is always worth 15,000 USD
        assert row.synthetic_usd == 15000, shock
        btc = row.assets["BTC"]
        price = Decimal(40000) * (1 + shock)
        assert btc.price == price
        assert btc.unhedged_exposure == 2 * price
        assert btc.hedged_exposure == Decimal("1.625") * price  # 2 - 0.375 BTC
        assert btc.leg_pnl == inverse_pnl(-1, Decimal(15000), Decimal(40000), price, Decimal(1))
        assert btc.hedged_usd == btc.unhedged_usd + btc.leg_pnl * price
        # hedged exposures stay at the target weights of the value before the move,
        # unless the move liquidates the leg: then the coins left are unhedged
        for asset, target in worked_cv1.targets.items():
            x = row.assets[asset]
            if x.liquidated:
                margin = plan.legs[asset].margin
                assert margin is not None
                held = plan.drift.rows[asset].coin
                assert x.hedged_exposure == (held - margin) * x.price
                assert x.leg_pnl == -margin
            else:
                assert x.hedged_exposure == target * 130000 * (1 + shock)
    # -50 % reaches the 1x long legs' liquidation prices (just above their bankruptcy
    # prices at -50 %): both are liquidated, the short BTC leg is not
    assert rows[Decimal("-0.5")].liquidated == ("ETH", "ALT")
    assert all(not rows[s].liquidated for s in rows if s > Decimal("-0.5"))
    # a uniform move: the legs net to zero USD, the totals agree (a 1x long loses its
    # whole margin at -50 % either way)
    assert rows[Decimal("-0.5")].hedged_usd == rows[Decimal("-0.5")].unhedged_usd == 65000


def test_long_coin_pnl_is_concave_short_convex(worked_cv1: Portfolio) -> None:
    plan = plan_hedge(worked_cv1)
    rows = {r.shock: r for r in stress_table(plan)}
    for s in (Decimal("0.1"), Decimal("0.2"), Decimal("0.5")):
        up, down = rows[s].assets, rows[-s].assets
        # long ETH: gains less coin on a rise than it loses on an equal fall
        assert up["ETH"].leg_pnl < -down["ETH"].leg_pnl
        # short BTC: the mirror image
        assert down["BTC"].leg_pnl > -up["BTC"].leg_pnl
    # +50 %: long 4,000 USD at 2,500 gains 1.6 * 0.5/1.5 ETH; -50 % loses 1.6 ETH
    gain = rows[Decimal("0.5")].assets["ETH"].leg_pnl
    assert abs(gain - Decimal("1.6") / 3) < Decimal("1e-26")
    assert rows[Decimal("-0.5")].assets["ETH"].leg_pnl == Decimal("-1.6")  # margin lost


def test_moving_one_asset(worked_cv1: Portfolio) -> None:
    plan = plan_hedge(worked_cv1)
    (row,) = stress_table(plan, ["-0.5"], moved=["btc"])
    assert row.assets["ETH"].price == 2500
    assert row.unhedged_usd == 130000 - 40000
    assert row.hedged_usd == 130000 - Decimal("32500")  # only 65,000 of BTC exposure


def test_bad_shocks(worked_cv1: Portfolio) -> None:
    plan = plan_hedge(worked_cv1)
    with pytest.raises(InputError, match=r"shocks\[0\]"):
        stress_table(plan, ["-1"])
    with pytest.raises(InputError, match="XRP is not in the portfolio"):
        stress_table(plan, moved=["XRP"])
