"""Basket index: level continuity across reconstitutions (divisor), glide path, buffers,
market-cap weights from a supply table, and the bundled DeFi basket."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inversa.errors import InputError
from inversa.index import BasketSpec, index_level

DATES = pd.date_range("2021-01-28", periods=10, freq="D", tz="UTC")


def _prices() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    steps = np.exp(rng.normal(0, 0.05, size=(10, 3)))
    return pd.DataFrame(100 * np.cumprod(steps, axis=0), index=DATES, columns=["A", "B", "C"])


def test_equal_weights_first_day_return_is_the_mean_return() -> None:
    px = _prices()
    lvl = index_level(px, BasketSpec(("A", "B", "C")))
    r = (px.iloc[1] / px.iloc[0] - 1).mean()
    assert lvl.level[0] == 1000.0
    assert lvl.level[1] == pytest.approx(1000 * (1 + r), rel=1e-14)


def test_reconstitution_keeps_the_level_continuous() -> None:
    px = _prices()
    held = index_level(px, BasketSpec(("A", "B", "C")))
    monthly = index_level(px, BasketSpec(("A", "B", "C"), schedule="monthly"))
    (when,) = monthly.reconstitutions
    assert when == pd.Timestamp("2021-02-01", tz="UTC")
    t = list(DATES).index(when)
    # the reconstitution date's level is the level the old units give at its prices
    assert monthly.level[t] == pytest.approx(held.level[t], rel=1e-14)
    assert monthly.divisor[t] != monthly.divisor[t - 1]
    np.testing.assert_allclose(monthly.weights.iloc[t].to_numpy(), [1 / 3] * 3, rtol=1e-14)
    assert not np.allclose(held.weights.iloc[t].to_numpy(), [1 / 3] * 3)


def test_glide_path_moves_weights_linearly() -> None:
    px = _prices()
    target = {"A": 0.2, "B": 0.4, "C": 0.4}
    fixed = BasketSpec(("A", "B", "C"), "fixed", target)
    glide = BasketSpec(("A", "B", "C"), "fixed", target, schedule="monthly", glide_days=4)
    held_run = index_level(px, fixed)
    g = index_level(px, glide)
    t = list(DATES).index(g.reconstitutions[0])
    held = held_run.weights.iloc[t].to_numpy()  # drifted weights on the reconstitution date
    goal = np.array([0.2, 0.4, 0.4])
    for k in range(4):
        want = (1 - (k + 1) / 4) * held + (k + 1) / 4 * goal
        # weights right after step k, at that date's prices
        np.testing.assert_allclose(g.weights.iloc[t + k].to_numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(g.level[: t + 1], held_run.level[: t + 1], rtol=1e-14)


def test_market_cap_weights_with_cap_and_buffers() -> None:
    px = _prices()
    supplies = pd.DataFrame(
        {
            "date": pd.to_datetime(["2021-01-01"] * 3 + ["2021-01-31"], utc=True),
            "asset": ["A", "B", "C", "C"],
            "supply": [10.0, 5.0, 0.1, 50.0],
        }
    )
    spec = BasketSpec(
        ("A", "B", "C"), "market-cap", cap=0.6, drop_below=0.05, add_above=0.2, schedule="monthly"
    )
    out = index_level(px, spec, supplies)
    w0 = out.weights.iloc[0]
    assert w0["A"] == pytest.approx(0.6)  # capped
    assert w0["C"] > 0  # 0.1 supply: tiny but a member from the start
    t = list(DATES).index(out.reconstitutions[0])
    wt = out.weights.iloc[t]
    assert wt.max() <= 0.6 + 1e-12
    assert wt.sum() == pytest.approx(1.0)
    assert wt["C"] > 0.2  # supply grew to 50: C is now a large member


def test_bad_basket_inputs_name_the_key() -> None:
    with pytest.raises(InputError) as err:
        BasketSpec(("A", "A"))
    assert err.value.field == "index.assets"
    with pytest.raises(InputError) as err:
        BasketSpec(("A", "B"), "fixed", {"A": 1.0})
    assert err.value.field == "index.weights"
    with pytest.raises(InputError) as err:
        index_level(_prices(), BasketSpec(("A", "B", "C"), "market-cap"))
    assert err.value.field == "index.supply_csv"
