"""Regressions from the independent audit of the crash replays (issue 10, D1-D4, labels)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from inversa.data.config import load_toml
from inversa.engine import FundingSettled
from inversa.errors import DataError, InputError
from inversa.sim.replay import (
    DEFAULT_LEVERAGES,
    ReplayConfig,
    crash_replay,
    replay_crash,
)


def test_d1_deribit_hourly_accruals_are_paid_in_full() -> None:
    """D1: the surviving short-2x on Deribit in March 2020 earns +0.388761 BTC with the
    hourly accruals paid in full (+0.410558 when 1/8 of each was paid)."""
    result = replay_crash("2020-03", venue="deribit", leverages=(2, 5, 10, 25, 50))
    assert result.funding == "deribit history"
    pnl = result.accounts.set_index("account").loc["short-2x", "pnl_coin"]
    assert pnl == pytest.approx(0.388761, abs=5e-7)


def test_d2_default_leverages_are_cut_at_the_venue_cap() -> None:
    result = replay_crash("2020-03", venue="deribit", funding="none")  # cap 50
    levs = sorted(set(result.accounts["leverage"]))
    assert levs == [2.0, 5.0, 10.0, 25.0, 50.0]
    assert DEFAULT_LEVERAGES[-1] == 100
    with pytest.raises(InputError, match=r"leverages='100': above the 50x cap of deribit"):
        replay_crash("2020-03", venue="deribit", leverages=(2, 100), funding="none")


def test_d2_okx_says_it_has_no_margin_model() -> None:
    with pytest.raises(InputError, match="venue='okx': no margin model"):
        crash_replay(ReplayConfig.of("2020-03", venue="okx"))


def test_d3_both_fill_bounds_by_default_show_fund_draws_and_adl() -> None:
    """D3: at the trigger the fund only gains; at the bars' extremes the same crash draws it
    and deleverages.  Both are reported by default."""
    config = ReplayConfig.of("2020-03")
    assert config.fills == ("trigger", "worst-mark")
    result = crash_replay(config)
    bounds = result.bounds().set_index("fills")
    assert bounds.loc["trigger", "insurance_drawn_coin"] == 0
    assert bounds.loc["trigger", "adl_events"] == 0
    assert bounds.loc["worst-mark", "insurance_drawn_coin"] > 0
    assert bounds.loc["worst-mark", "adl_events"] > 0
    # the pessimistic bound never leaves the fund better off
    assert (
        bounds.loc["worst-mark", "insurance_end_coin"] < bounds.loc["trigger", "insurance_end_coin"]
    )


def test_d3_impact_fills_sit_between_trigger_and_worse() -> None:
    deep = replay_crash("2020-03", funding="none", fills="impact", depth_usd=Decimal("1e12"))
    trigger = replay_crash("2020-03", funding="none")
    assert deep.totals["insurance_paid_in_coin"] == pytest.approx(
        trigger.totals["insurance_paid_in_coin"], rel=1e-4
    )
    shallow = replay_crash("2020-03", funding="none", fills="impact", depth_usd=100_000)
    assert shallow.totals["insurance_end_coin"] < trigger.totals["insurance_end_coin"]
    with pytest.raises(InputError, match="depth"):
        ReplayConfig.of("2020-03", fills=("impact",))


def test_d4_auto_funding_falls_back_to_bybit_and_shorts_pay_on_12_march() -> None:
    """D4: Binance COIN-M listed in August 2020, so `auto` takes Bybit's history (and says
    so); on 12-13 March 2020 funding was negative: the shorts paid."""
    result = replay_crash("2020-03")
    assert result.funding.startswith("bybit history (auto: binance-coinm")
    paid = [
        p.amount
        for e in result.events
        if isinstance(e, FundingSettled)
        and e.time is not None
        and pd.Timestamp("2020-03-12", tz="UTC") <= e.time < pd.Timestamp("2020-03-14", tz="UTC")
        for p in e.payments
        if p.account.startswith("short-")
    ]
    assert paid
    assert sum(paid) < 0
    assert replay_crash("2021-05").funding == "binance-coinm history"
    with pytest.raises(InputError, match="funding='venue'"):
        replay_crash("2020-03", funding="venue")
    with pytest.raises(InputError, match="funding='binance-coinm': does not cover"):
        replay_crash("2020-03", funding="binance-coinm")
    with pytest.raises(InputError, match="funding='sometimes'"):
        ReplayConfig.of("2020-03", funding="sometimes")


def test_labels_carry_units_and_say_the_time_is_the_bar_open() -> None:
    result = replay_crash("2020-03", funding="none")
    assert result.coin == "BTC"
    assert "liquidated_bar_open_utc" in result.accounts.columns
    assert {"lost_coin", "pnl_coin", "deposit_coin", "final_equity_coin"} <= set(
        result.accounts.columns
    )
    assert {"insurance_end_coin", "market_maker_pnl_coin", "min_low_usdt"} <= set(result.totals)
    liquidated = result.accounts[result.accounts["liquidated"]]
    stamps = pd.DatetimeIndex(liquidated["liquidated_bar_open_utc"])
    assert stamps.isin(result.prices.index).all()  # bar open times


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"fills": ("best",)}, "fills[0]"),
        ({"mode": "portfolio"}, "mode"),
        ({"leverages": (Decimal("0.5"),)}, "leverages[0]"),
        ({"insurance_fund_coin": Decimal(-1)}, "insurance_fund_coin"),
        ({"size_usd": Decimal("1e400")}, "size_usd"),
        ({"depth_usd": Decimal(0)}, "depth_usd"),
        ({"window": "1999-01"}, "window"),
    ],
)
def test_config_rejects_bad_values_naming_the_option(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = dict(kwargs)
    window = str(args.pop("window", "2020-03"))
    with pytest.raises(InputError, match="^" + re.escape(field) + "="):
        ReplayConfig.of(window, **args)


def test_the_config_loads_from_toml_like_any_config(tmp_path: Path) -> None:
    path = tmp_path / "replay.toml"
    path.write_text(
        'window = "2022-11"\nfunding = "bybit"\nleverages = [5, 50]\nsize_usd = 20000\n'
    )
    config = load_toml(path, ReplayConfig)
    assert config == ReplayConfig.of(
        "2022-11",
        funding="bybit",
        leverages=(Decimal(5), Decimal(50)),
        size_usd=Decimal(20000),
    )
    assert config.fills == ("trigger", "worst-mark")
    path.write_text('window = "2022-11"\ncolour = 1\n')
    with pytest.raises(DataError, match="colour: unknown key"):
        load_toml(path, ReplayConfig)
