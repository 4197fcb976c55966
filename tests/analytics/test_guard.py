"""The margin guard on the crash replays, and the vol-scaled margin comparison."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from inversa.contracts.vol_margin import VolMarginConfig
from inversa.errors import InputError
from inversa.sim._book_run import BookSetup, default_book, entry_price, run_book, window_bars
from inversa.sim.guard import GuardConfig, guard_replay
from inversa.sim.vol_margin import compare_vol_margin
from inversa.venues import load_venue


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"threshold": Decimal(0)}, "threshold"),
        ({"threshold": Decimal(1)}, "threshold"),
        ({"threshold": Decimal("1.5")}, "threshold"),
        ({"latency_bars": -1}, "latency"),
        ({"order": ("topup", "sell")}, "order"),
        ({"order": ()}, "order"),
        ({"order": ("reduce", "reduce")}, "order"),
        ({"target": Decimal("0.6"), "threshold": Decimal("0.5")}, "target"),
        ({"reduce_fraction": Decimal(0)}, "reduce-fraction"),
        ({"reserve_coin": Decimal(-1)}, "reserve"),
    ],
)
def test_config_errors_name_the_option(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError, match=field):
        GuardConfig(**kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def reduce_run():  # type: ignore[no-untyped-def]
    return guard_replay("2020-03", GuardConfig(threshold=Decimal("0.05"), order=("reduce",)))


def test_reserve_does_not_change_the_unguarded_replay(reduce_run) -> None:  # type: ignore[no-untyped-def]
    perp = load_venue("binance-coinm").instrument("BTC/USD:BTC")
    bars = window_bars("2020-03")
    plain = run_book("2020-03", perp, default_book(perp, entry_price(bars, perp)),
                     BookSetup("binance-coinm"))  # fmt: skip
    base = reduce_run.without.accounts
    assert list(base["liquidated"]) == list(plain.accounts["liquidated"])
    assert list(base["liquidated_bar_open_utc"]) == list(plain.accounts["liquidated_bar_open_utc"])
    # Liquidated accounts keep exactly their reserve.
    lost = base.loc[base["liquidated"], "final_equity_coin"]
    assert np.allclose(lost, 0.1)


def test_guard_cuts_and_saves_some(reduce_run) -> None:  # type: ignore[no-untyped-def]
    s = reduce_run.summary
    acc = reduce_run.accounts
    assert s["liquidations_without"] == 7
    assert s["liquidations_with"] == len(s["not_saved"]) < 7
    assert s["liquidations_avoided"] == int(
        (acc["liquidated_without"] & ~acc["liquidated_with"]).sum()
    )
    saved = acc.loc[acc["liquidated_without"] & ~acc["liquidated_with"]]
    assert (saved["final_equity_with_coin"] > saved["final_equity_without_coin"]).all()
    assert s["coin"] == "BTC"  # the settlement coin of BTC/USD:BTC names the _coin fields
    gain = acc["final_equity_with_coin"] - acc["final_equity_without_coin"]
    assert s["saved_coin"] == pytest.approx(float(gain.sum()))
    assert s["saved_on_liquidated_coin"] == pytest.approx(
        float(gain[acc["liquidated_without"]].sum())
    )
    assert (saved["reduced_contracts"] > 0).all()
    ratios = reduce_run.ratios
    assert {"long-10x", "long-10x+guard"} <= set(ratios.columns)
    assert len(ratios) == 72  # hourly closes of the window


def test_topup_moves_reserve_only() -> None:
    r = guard_replay("2020-03", GuardConfig(threshold=Decimal("0.1"), order=("topup",)))
    acc = r.accounts
    assert (acc["topped_up_coin"] <= 0.1 + 1e-12).all()
    assert r.summary["topped_up_coin"] > 0
    assert (acc["reduced_contracts"] == 0).all()


def test_latency_delays_the_action() -> None:
    fast = guard_replay("2020-03", GuardConfig(threshold=Decimal("0.05"), order=("topup",)))
    slow = guard_replay(
        "2020-03", GuardConfig(threshold=Decimal("0.05"), order=("topup",), latency_bars=2)
    )
    first_fast = fast.ratios["long-25x+guard"]
    first_slow = slow.ratios["long-25x+guard"]
    # The same path until the first action; after it the delayed guard is behind.
    assert not first_fast.equals(first_slow)


def test_vol_scaled_against_static_tiers() -> None:
    cmp = compare_vol_margin("2020-03")
    static, scaled = cmp.summary.iloc[0], cmp.summary.iloc[1]
    assert static["model"] == "static"
    assert static["liquidated"] == 7
    rates = cmp.rates["vol_scaled_rate"]
    assert ((rates >= 0.005) & (rates <= 0.25)).all()
    assert rates.max() > 3 * rates.min()  # the crash raises it
    # Liquidated earlier at a higher rate: more left to the insurance fund.
    assert scaled["insurance_paid_in_coin"] > static["insurance_paid_in_coin"]


def test_high_floor_refuses_high_leverage_at_the_open() -> None:
    cmp = compare_vol_margin("2020-03", VolMarginConfig(floor=Decimal("0.021")))
    refused = cmp.accounts.loc[cmp.accounts["refused_at_open"], "account"]
    assert set(refused) == {"long-50x", "short-50x", "long-100x", "short-100x"}
    assert cmp.summary.iloc[1]["refused_at_open"] == 4
