"""Shock grids: SPAN and Deribit layouts, hand-derived PnL and margin, inverse asymmetry."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inversa.errors import InputError
from inversa.sim.riskbook import RiskBook
from inversa.sim.shocks import (
    DERIBIT_EXTENDED_MOVES,
    Scenario,
    ScenarioGrid,
    apply_grid,
    deribit_grid,
    span_grid,
)


def _one_long() -> RiskBook:
    # 1,000 contracts x 100 USD = 100,000 USD long at 50,000, 10x: collateral 0.2 BTC.
    return RiskBook.from_leverage([1], [1000], [50_000], 100, [10], mmr=0.005)


def test_span_grid_has_the_sixteen_scenarios_in_order() -> None:
    grid = span_grid(0.15)
    assert len(grid) == 16
    fractions = [0, 0, 1, 1, -1, -1, 2, 2, -2, -2, 3, 3, -3, -3]
    np.testing.assert_allclose(grid.moves[:14], [f * 0.05 for f in fractions], rtol=1e-15)
    assert [s.vol for s in grid][:4] == [1, -1, 1, -1]
    assert grid.moves[14] == pytest.approx(0.30)  # extreme up: 2 x 15%
    assert grid.moves[15] == pytest.approx(-0.30)
    assert list(grid.weights) == [1.0] * 14 + [0.35, 0.35]
    assert [s.kind for s in grid][-2:] == ["extreme", "extreme"]
    assert grid.scenarios[4].name == "down 1/3, vol up"
    unpaired = span_grid(0.15, vol_pairs=False, extreme_multiple=3, extreme_weight=0.3)
    assert len(unpaired) == 9
    assert {s.vol for s in unpaired} == {0}
    assert unpaired.moves[-1] == pytest.approx(-0.45)
    assert unpaired.weights[-1] == 0.3


def test_deribit_grid_buckets_and_extended_table() -> None:
    grid = deribit_grid()
    moves = grid.moves
    np.testing.assert_allclose(moves[:9], np.arange(-4, 5) * 0.04, atol=1e-15)
    assert moves[4] == 0.0  # a bucket for no move
    np.testing.assert_allclose(moves[9:], DERIBIT_EXTENDED_MOVES)
    assert list(grid.weights[9:]) == [0.35] * 8
    assert {s.vol for s in grid.scenarios[9:]} == {1}  # extended: vol up only
    with_vol = deribit_grid(vol_scenarios=True, extended=False)
    assert len(with_vol) == 27  # 9 buckets x (up, unchanged, down)
    assert [s.vol for s in with_vol][:3] == [1, 0, -1]
    small = deribit_grid(0.1, buckets=5, extended_fraction=0.5, extended_moves=(-0.5,))
    np.testing.assert_allclose(small.moves, [-0.1, -0.05, 0, 0.05, 0.1, -0.5], atol=1e-15)
    assert small.weights[-1] == 0.5


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: span_grid(0), "scan_range"),
        (lambda: span_grid(float("nan")), "scan_range"),
        (lambda: span_grid(0.4, extreme_multiple=3), "extreme_multiple"),
        (lambda: span_grid(0.15, extreme_weight=1.5), "extreme_weight"),
        (lambda: deribit_grid(buckets=8), "buckets"),
        (lambda: deribit_grid(extended_moves=(-1.0,)), "extended_moves"),
        (lambda: deribit_grid(extended_fraction=-0.1), "extended_fraction"),
        (lambda: Scenario("x", -1.0), "move"),
        (lambda: ScenarioGrid("empty", ()), "scenarios"),
    ],
)
def test_bad_grid_parameters(call: object, field: str) -> None:
    with pytest.raises(InputError, match=field):
        call()  # type: ignore[operator]


def test_one_position_pnl_at_minus_one_third_of_a_15pct_scan_range() -> None:
    result = apply_grid(_one_long(), span_grid(0.15), 50_000.0)
    # -1/3 of 15% is -5%: price 47,500.  PnL = N*CV*(1/E - 1/X) = 100,000*(1/50,000 - 1/47,500)
    # = 2 - 40/19 = -2/19 BTC.
    i = 4
    assert result.prices[i] == pytest.approx(47_500)
    assert result.pnl_coin[i] == pytest.approx(-2 / 19, rel=1e-12)
    # +1/3: 52,500: 2 - 40/21 = +2/21 BTC, smaller than the 2/19 lost on the way down.
    assert result.pnl_coin[2] == pytest.approx(2 / 21, rel=1e-12)
    assert -result.pnl_coin[4] > result.pnl_coin[2]
    # Liquidation price 100,000*1.005/(0.2 + 2) = 45,681.82: -2/3 (45,000) liquidates.
    assert list(result.liquidated[:14]) == [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]
    assert result.liquidated_usd[8] == 100_000
    # Margin: down 3/3 at 42,500 loses 100,000/42,500 - 2 = 6/17; the extreme down 2x (35,000)
    # loses 100,000/35,000 - 2 = 6/7, counted at 35% = 0.3 < 6/17.
    assert result.margin_coin == pytest.approx(6 / 17, rel=1e-12)
    assert result.grid.scenarios[result.worst or 0].name == "down 3/3, vol up"
    assert result.weighted_pnl_coin[15] == pytest.approx(-0.3, rel=1e-12)


def test_extreme_multiple_three_sets_the_margin() -> None:
    result = apply_grid(_one_long(), span_grid(0.15, extreme_multiple=3), 50_000.0)
    # -45%: 27,500; loss 100,000/27,500 - 2 = 18/11, at 35% = 0.572727... > 6/17
    assert result.margin_coin == pytest.approx(18 / 11 * 0.35, rel=1e-12)
    assert result.grid.scenarios[result.worst or 0].kind == "extreme"


def test_pnl_is_measured_from_the_base_price_not_the_entry() -> None:
    book = _one_long()
    result = apply_grid(book, span_grid(0.15), 40_000.0)
    assert result.pnl_coin[0] == 0.0
    # from 40,000 to 38,000: 100,000*(1/40,000 - 1/38,000)
    assert result.pnl_coin[4] == pytest.approx(100_000 * (1 / 40_000 - 1 / 38_000), rel=1e-12)
    assert result.liquidated[0] == 1  # already past its liquidation price at the base


@given(
    st.sampled_from([1, -1]),
    st.floats(0.01, 0.9),
    st.floats(1_000, 100_000),
    st.integers(1, 10**6),
)
@settings(max_examples=60, deadline=None)
def test_inverse_asymmetry_in_coin(side: int, x: float, price: float, contracts: int) -> None:
    """A long loses more coin on -x than it gains on +x; a short gains more than it loses."""
    book = RiskBook.from_leverage([side], [contracts], [price], 100, [1], mmr=0.005)
    grid = ScenarioGrid("pm", (Scenario("down", -x), Scenario("up", x)))
    down, up = apply_grid(book, grid, price).pnl_coin
    if side == 1:
        assert -down > up > 0
    else:
        assert down > -up > 0


@given(
    st.integers(1, 10**6),
    st.floats(100, 200_000),
    st.floats(1, 100),
    st.floats(1, 100),
    st.floats(0.2, 5.0),
    st.floats(0.01, 0.5),
    st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_long_plus_equal_short_has_zero_pnl_in_every_scenario(
    contracts: int,
    entry: float,
    lev_long: float,
    lev_short: float,
    base_ratio: float,
    scan: float,
    deribit: bool,
) -> None:
    book = RiskBook.from_leverage(
        [1, -1], [contracts] * 2, [entry] * 2, 100, [lev_long, lev_short], mmr=0.005
    )
    grid = deribit_grid() if deribit else span_grid(min(scan, 0.49))
    result = apply_grid(book, grid, entry * base_ratio, per_position=True)
    scale = contracts * 100 / entry
    np.testing.assert_allclose(result.pnl_coin, 0.0, atol=1e-12 * scale)
    assert result.margin_coin <= 1e-12 * scale
    assert result.position_margin_coin is not None
    assert (result.position_margin_coin > 0).all()  # each leg alone loses somewhere


def test_per_position_margin_and_progress() -> None:
    book = RiskBook.from_leverage([1, -1], [1000, 1000], [100, 100], 100, [10, 10], mmr=0.005)
    seen: list[tuple[int, int]] = []
    grid = span_grid(0.15, vol_pairs=False)
    result = apply_grid(
        book, grid, 100.0, per_position=True, progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (9, 9)
    assert result.position_margin_coin is not None
    # the long's worst: -15% (85): 100,000*(1/85 - 1/100); the short's: +15% (115)
    assert result.position_margin_coin[0] == pytest.approx(100_000 * (1 / 85 - 1 / 100))
    assert result.position_margin_coin[1] == pytest.approx(100_000 * (1 / 100 - 1 / 115))
    assert result.margin_coin == pytest.approx(0.0, abs=1e-12)
    assert result.worst is None
    d = result.to_dict()
    assert d["grid"] == "span"
    assert len(d["scenarios"]) == 9
    assert d["scenarios"][0]["scenario"] == "unchanged"
