"""Liquidation cascades: hand-derived rounds, direction of flows, monotonicity in depth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inversa.errors import InputError
from inversa.sim.cascade import PriceImpact, run_cascade
from inversa.sim.riskbook import RiskBook


def _two_longs() -> RiskBook:
    # Both 1,000 contracts x 100 USD = 100,000 USD long at 100, MMR 0.5%.
    # A at 10x: collateral 100 coin, L_A = 100,000*1.005/(100 + 1,000) = 91.3636...
    # B at 5x:  collateral 200 coin, L_B = 100,000*1.005/(200 + 1,000) = 83.75
    return RiskBook.from_leverage([1, 1], [1000, 1000], [100, 100], 100, [10, 5], mmr=0.005)


def test_first_liquidation_triggers_the_second() -> None:
    book = _two_longs()
    assert book.liquidation_price == pytest.approx([100_500 / 1_100, 83.75])
    result = run_cascade(book, 91.0, PriceImpact(depth_usd=1_000_000, k=1.0))
    # Round 1 at 91: A (L 91.36) is liquidated and sells 100,000 USD.
    # Impact 1 * 100,000 / 1,000,000 = 10%: the price goes to 91 * 0.9 = 81.9 <= 83.75.
    # Round 2 at 81.9: B sells 100,000 USD; cumulative 200,000: 20%, 91 * 0.8 = 72.8.
    # Round 3 at 72.8: nothing left.
    assert [r.liquidated for r in result.rounds] == [1, 1]
    assert [r.price for r in result.rounds] == pytest.approx([91.0, 81.9])
    assert [r.notional_usd for r in result.rounds] == [100_000, 100_000]
    assert result.rounds[0].notional_coin == pytest.approx(100_000 / 91)
    assert result.final_price == pytest.approx(72.8)
    assert result.price_path == pytest.approx([91.0, 81.9, 72.8])
    assert result.liquidated == 2
    assert result.liquidated_usd == 200_000
    assert result.liquidated_coin == pytest.approx(100_000 / 91 + 100_000 / 81.9)
    assert result.converged
    assert result.mask.tolist() == [True, True]


def test_deep_book_stops_after_the_first() -> None:
    result = run_cascade(_two_longs(), 91.0, PriceImpact(depth_usd=10_000_000))
    # 1% impact: 90.09 > 83.75, B survives.
    assert result.final_price == pytest.approx(90.09)
    assert result.liquidated == 1
    assert result.mask.tolist() == [True, False]


def test_sqrt_impact() -> None:
    result = run_cascade(_two_longs(), 91.0, PriceImpact(depth_usd=4_000_000, k=0.2, model="sqrt"))
    # 0.2 * sqrt(100,000 / 4,000,000) = 0.2 * 0.158114 = 3.16%: 88.12 > 83.75, B survives.
    assert result.final_price == pytest.approx(91.0 * (1 - 0.2 * math.sqrt(0.025)))
    assert result.liquidated == 1


def test_nothing_liquidated_means_no_rounds() -> None:
    result = run_cascade(_two_longs(), 95.0, PriceImpact(depth_usd=1e6))
    assert result.rounds == ()
    assert result.final_price == 95.0
    assert result.converged


def test_short_liquidations_buy_and_push_the_price_up() -> None:
    # Shorts of 100,000 USD at 100: 10x L = 100,000*(1 - 0.005)/(1,000 - 100) = 110.55...,
    # 5x L = 99,500/800 = 124.375
    book = RiskBook.from_leverage([-1, -1], [1000, 1000], [100, 100], 100, [10, 5], mmr=0.005)
    result = run_cascade(book, 111.0, PriceImpact(depth_usd=1_000_000))
    # 111 -> +10% = 122.1 < 124.375: the 5x short survives.
    assert result.rounds[0].net_flow_usd == -100_000
    assert result.final_price == pytest.approx(122.1)
    assert result.liquidated == 1
    result = run_cascade(book, 113.5, PriceImpact(depth_usd=1_000_000))
    # 113.5 * 1.1 = 124.85 >= 124.375: both go, final 113.5 * 1.2.
    assert result.final_price == pytest.approx(136.2)
    assert result.liquidated == 2


def test_max_rounds_bounds_the_cascade() -> None:
    n = 20
    # Longs liquidated one after another: leverage rising from 2x to 21x.
    book = RiskBook.from_leverage([1] * n, [1000] * n, [100] * n, 100, np.arange(2, 2 + n), mmr=0)
    impact = PriceImpact(depth_usd=5_000_000)
    full = run_cascade(book, 95.0, impact)
    assert full.converged
    assert len(full.rounds) > 2
    short = run_cascade(book, 95.0, impact, max_rounds=2)
    assert len(short.rounds) == 2
    assert not short.converged
    assert short.rounds == full.rounds[:2]


def test_the_price_stays_positive() -> None:
    book = RiskBook.from_leverage([1], [1000], [100], 100, [10], mmr=0.005)
    result = run_cascade(book, 90.0, PriceImpact(depth_usd=1.0, k=1.0))
    assert result.final_price == pytest.approx(90.0 * 0.01)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"depth_usd": 0}, "depth"),
        ({"depth_usd": float("nan")}, "depth"),
        ({"depth_usd": 1, "k": -1}, "k"),
        ({"depth_usd": 1, "model": "cubic"}, "model"),
        ({"depth_usd": 1, "max_move": 1.0}, "max_move"),
    ],
)
def test_bad_impact_parameters(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError, match=field):
        PriceImpact(**kwargs)  # type: ignore[arg-type]


def test_bad_cascade_arguments() -> None:
    with pytest.raises(InputError, match="start_price"):
        run_cascade(_two_longs(), -1.0, PriceImpact(depth_usd=1))
    with pytest.raises(InputError, match="max_rounds"):
        run_cascade(_two_longs(), 90.0, PriceImpact(depth_usd=1), max_rounds=0)


books = st.lists(
    st.tuples(
        st.sampled_from([1, -1]),
        st.integers(1, 10_000),
        st.floats(80, 120),
        st.floats(1, 100),
    ),
    min_size=1,
    max_size=10,
)


@given(
    books,
    st.floats(-0.3, 0.3),
    st.floats(1e4, 1e7),
    st.floats(1.0, 50.0),
    st.sampled_from(["linear", "sqrt"]),
)
@settings(max_examples=100, deadline=None)
def test_final_price_is_monotone_in_depth(
    rows: list[tuple[int, int, float, float]],
    shock: float,
    depth: float,
    ratio: float,
    model: str,
) -> None:
    side, n, e, lev = (list(col) for col in zip(*rows, strict=True))
    book = RiskBook.from_leverage(side, n, e, 100, lev, mmr=0.005)
    start = 100.0 * (1 + shock)
    shallow = run_cascade(book, start, PriceImpact(depth_usd=depth, model=model))  # type: ignore[arg-type]
    deep = run_cascade(book, start, PriceImpact(depth_usd=depth * ratio, model=model))  # type: ignore[arg-type]
    assert shallow.converged
    assert deep.converged
    move_shallow = shallow.final_price - start
    move_deep = deep.final_price - start
    assert move_shallow * move_deep >= 0  # the same direction
    assert abs(move_deep) <= abs(move_shallow) * (1 + 1e-12)
    assert deep.liquidated <= shallow.liquidated
    # deterministic
    again = run_cascade(book, start, PriceImpact(depth_usd=depth, model=model))  # type: ignore[arg-type]
    assert again.final_price == shallow.final_price
    assert again.rounds == shallow.rounds


def test_d7_a_flow_beyond_the_depth_is_reported() -> None:
    """D7: two 100,000 USD shorts liquidated into a 50,000 USD book: the flow is 4x the
    depth and the price an extrapolation (+400 %), which the result now says."""
    book = RiskBook.from_leverage([-1, -1], [1000, 1000], [100, 100], 100, [10, 5], mmr=0.005)
    result = run_cascade(book, 120.0, PriceImpact(depth_usd=50_000))
    assert result.flow_to_depth == pytest.approx(4.0)
    assert result.depth_exceeded
    out = result.to_dict()
    assert out["depth_exceeded"] is True
    assert "4.00x the book depth" in out["warning"]
    calm = run_cascade(_two_longs(), 91.0, PriceImpact(depth_usd=10_000_000))
    assert not calm.depth_exceeded
    assert calm.to_dict()["warning"] is None
