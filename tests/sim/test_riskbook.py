"""RiskBook: golden numbers, validation, NumPy/Numba parity and a Decimal reference."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from inversa import contracts as c
from inversa.errors import InputError
from inversa.sim.riskbook import RiskBook

TIERS = c.TierTable.parse(
    "5:0.004,10:0.005,20:0.01,50:0.025,100:0.05,200:0.1,400:0.125,1000:0.15,inf:0.25"
)
FIELDS = (
    "pnl_coin",
    "equity_coin",
    "maintenance_margin_coin",
    "margin_ratio",
    "liquidated",
    "distance_to_liquidation",
)


def _one_long() -> RiskBook:
    # 1,000 contracts of 100 USD (100,000 USD) long at 50,000, 10x: collateral 0.2 BTC.
    return RiskBook.from_leverage([1], [1000], [50_000], 100, [10], mmr=0.005)


def test_one_position_golden_numbers() -> None:
    book = _one_long()
    assert book.collateral[0] == pytest.approx(0.2)  # 100,000 / 50,000 / 10
    r = book.revalue(47_500.0)
    pnl = 100_000 * (1 / 50_000 - 1 / 47_500)  # -2/19 BTC
    assert r.pnl_coin[0] == pytest.approx(pnl, rel=1e-15)
    assert r.equity_coin[0] == pytest.approx(0.2 + pnl, rel=1e-14)
    mm = 100_000 / 47_500 * 0.005
    assert r.maintenance_margin_coin[0] == pytest.approx(mm, rel=1e-15)
    assert r.margin_ratio[0] == pytest.approx(mm / (0.2 + pnl), rel=1e-13)
    assert not r.liquidated[0]
    # Equity = MM at L: 0.2 + 100000/50000 - 100000/L = 100000*0.005/L
    liq = 100_000 * 1.005 / 2.2
    assert book.liquidation_price[0] == pytest.approx(liq, rel=1e-15)
    assert book.bankruptcy_price[0] == pytest.approx(100_000 / 2.2, rel=1e-15)
    assert r.distance_to_liquidation[0] == pytest.approx(liq / 47_500 - 1, rel=1e-14)
    assert r.distance_to_liquidation[0] < 0  # a long is liquidated by a fall
    assert book.revalue(liq * (1 - 1e-12)).liquidated[0]
    assert not book.revalue(liq * (1 + 1e-12)).liquidated[0]


def test_short_sign_conventions_and_no_liquidation_at_one_x() -> None:
    book = RiskBook.from_leverage([-1, -1], [10, 10], [100, 100], 10, [1, 5], mmr=0.01)
    r = book.revalue(110.0)
    assert r.pnl_coin[0] == pytest.approx(100 * (1 / 110 - 1 / 100))  # a short loses on a rise
    assert np.isinf(book.liquidation_price[0])  # fully collateralised short
    assert np.isinf(r.distance_to_liquidation[0])
    assert r.distance_to_liquidation[1] > 0  # a rise liquidates a short


def test_margin_ratio_is_inf_when_equity_is_gone() -> None:
    r = _one_long().revalue(40_000.0)
    assert r.equity_coin[0] < 0
    assert np.isinf(r.margin_ratio[0])
    assert r.liquidated[0]


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_vector_of_prices_gives_rows_per_price(engine: str) -> None:
    book = RiskBook.from_leverage([1, -1, 1], [1, 2, 3], [100, 110, 90], 10, [2, 3, 50], mmr=0.005)
    prices = np.array([80.0, 100.0, 120.0, 150.0])
    two_d = book.revalue(prices, engine=engine)  # type: ignore[arg-type]
    assert two_d.pnl_coin.shape == (4, 3)
    for j, p in enumerate(prices):
        one = book.revalue(float(p), engine=engine)  # type: ignore[arg-type]
        for name in FIELDS:
            np.testing.assert_array_equal(getattr(two_d, name)[j], getattr(one, name))


def test_large_two_d_result_is_refused() -> None:
    book = _one_long()
    with pytest.raises(InputError, match="max_cells"):
        book.revalue(np.linspace(1, 2, 11), max_cells=10)


def test_scan_totals_match_revaluations() -> None:
    book = RiskBook.from_leverage(
        [1, -1, 1, -1], [10, 20, 30, 40], [100, 100, 120, 80], 100, [10, 20, 2, 3], mmr=0.005
    )
    prices = np.array([70.0, 95.0, 100.0, 130.0])
    scan = book.scan(prices)
    for j, p in enumerate(prices):
        r = book.revalue(float(p))
        assert scan.pnl_coin[j] == pytest.approx(r.pnl_coin.sum())
        assert scan.equity_coin[j] == pytest.approx(r.equity_coin.sum())
        assert scan.liquidated[j] == r.liquidated.sum()
        assert scan.liquidated_usd[j] == pytest.approx(book.usd_notional[r.liquidated].sum())


@pytest.mark.parametrize(
    ("column", "bad", "message"),
    [
        ("contracts", np.nan, r"contracts\[row 2\]=nan"),
        ("contracts", -3.0, r"contracts\[row 2\]=-3.0"),
        ("entry", 0.0, r"entry\[row 2\]=0.0"),
        ("collateral", -0.1, r"collateral\[row 2\]=-0.1"),
        ("collateral", np.inf, r"collateral\[row 2\]=inf"),
        ("side", 0.0, r"side\[row 2\]=0.0"),
        ("mmr", 1.5, r"mmr\[row 2\]=1.5"),
    ],
)
def test_validation_names_column_row_and_value(column: str, bad: float, message: str) -> None:
    data = {
        "side": np.array([1.0, -1.0, 1.0]),
        "contracts": np.array([1.0, 2.0, 3.0]),
        "entry": np.array([100.0, 100.0, 100.0]),
        "collateral": np.array([0.1, 0.1, 0.1]),
        "mmr": np.array([0.005, 0.005, 0.005]),
    }
    data[column][2] = bad
    with pytest.raises(InputError, match=message):
        RiskBook(
            data["side"],
            data["contracts"],
            data["entry"],
            10.0,
            data["collateral"],
            mmr=data["mmr"],
        )


def test_needs_exactly_one_maintenance_rule() -> None:
    with pytest.raises(InputError, match="mmr/tiers"):
        RiskBook([1], [1], [1], 1, [1])
    with pytest.raises(InputError, match="mmr/tiers"):
        RiskBook([1], [1], [1], 1, [1], mmr=0.01, tiers=TIERS)


def test_from_frame_with_labels_and_text_sides() -> None:
    frame = pd.DataFrame(
        {
            "side": ["long", "short", "buy"],
            "contracts": [100, 200, 300],
            "entry": [30_000, 31_000, 29_000],
            "leverage": [10, 20, 5],
        },
        index=["alice", "bob", "carol"],
    )
    book = RiskBook.from_frame(frame, contract_value=100, mmr=0.005)
    np.testing.assert_array_equal(book.side, [1, -1, 1])
    assert book.collateral[1] == pytest.approx(200 * 100 / 31_000 / 20)
    frame.loc["bob", "contracts"] = -1
    with pytest.raises(InputError, match=r"contracts\[row bob\]=-1.0"):
        RiskBook.from_frame(frame, contract_value=100, mmr=0.005)
    frame.loc["bob", "contracts"] = 5
    frame.loc["carol", "side"] = "flat"
    with pytest.raises(InputError, match=r"side\[row carol\]='flat'"):
        RiskBook.from_frame(frame, contract_value=100, mmr=0.005)


def test_from_frame_with_collateral_and_columns() -> None:
    frame = pd.DataFrame(
        {
            "side": [1, -1],
            "contracts": [1, 1],
            "entry": [100.0, 100.0],
            "collateral": [0.01, "x"],
            "contract_value": [10, 10],
            "mmr": [0.01, 0.02],
        }
    )
    with pytest.raises(InputError, match=r"collateral\[row 1\]='x': not a number"):
        RiskBook.from_frame(frame)
    frame["collateral"] = [0.01, 0.02]
    book = RiskBook.from_frame(frame)
    assert book.mmr is not None
    np.testing.assert_array_equal(book.mmr, [0.01, 0.02])
    out = book.to_frame()
    assert list(out.columns)[-2:] == ["liquidation_price", "bankruptcy_price"]


def test_tier_bound_exceeded_is_an_input_error() -> None:
    tiers = c.TierTable.parse("1:0.01,2:0.02")
    book = RiskBook.from_leverage([1], [100], [100], 1, [10], tiers=tiers)  # 1 coin at 100
    assert book.revalue(100.0).maintenance_margin_coin[0] == pytest.approx(0.01)
    with pytest.raises(InputError, match="largest tier bound"):
        book.revalue(40.0)  # 2.5 coin


def _random_book(seed: int, n: int, tiers: bool) -> RiskBook:
    rng = np.random.default_rng(seed)
    side = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    contracts = rng.integers(1, 100_000, n).astype(float)
    entry = rng.uniform(1_000, 100_000, n)
    cv = rng.choice([1.0, 10.0, 100.0], n)
    lev = rng.uniform(1, 125, n)
    if tiers:
        return RiskBook.from_leverage(side, contracts, entry, cv, lev, tiers=TIERS)
    return RiskBook.from_leverage(side, contracts, entry, cv, lev, mmr=rng.uniform(0, 0.05, n))


@given(st.integers(0, 2**32 - 1), st.booleans())
@settings(max_examples=30, deadline=None)
def test_numba_matches_numpy(seed: int, tiers: bool) -> None:
    book = _random_book(seed, 301, tiers)
    prices = np.random.default_rng(seed + 1).uniform(500, 200_000, 5)
    a = book.revalue(prices, engine="numpy")
    b = book.revalue(prices, engine="numba")
    for name in FIELDS:
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-15, atol=0)
    one_a = book.revalue(float(prices[0]), engine="numpy")
    one_b = book.revalue(float(prices[0]), engine="numba")
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(one_a, name), getattr(one_b, name))


def test_auto_engine_switches_on_size() -> None:
    from inversa.sim import riskbook

    small = _random_book(1, 10, False)
    big = _random_book(2, riskbook.NUMBA_MIN_ROWS, False)
    assert small._engine(None) == "numpy"
    assert big._engine(None) == "numba"
    r = big.revalue(30_000.0)
    ref = big.revalue(30_000.0, engine="numpy")
    np.testing.assert_array_equal(r.liquidated, ref.liquidated)


position = st.tuples(
    st.sampled_from([1, -1]),
    st.integers(1, 1_000_000),
    st.floats(100, 200_000),
    st.sampled_from([1.0, 10.0, 100.0]),
    st.floats(1, 125),
    st.floats(0, 0.05),
)


@given(st.lists(position, min_size=1, max_size=12), st.floats(50, 400_000), st.booleans())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_flags_match_a_scalar_decimal_computation(
    rows: list[tuple[int, int, float, float, float, float]], price: float, tiered: bool
) -> None:
    side, n, e, cv, lev, mmr = (np.array(col, dtype=float) for col in zip(*rows, strict=True))
    if tiered:
        assume(float(np.max(n * cv)) / price <= 1e6)
        book = RiskBook.from_leverage(side, n, e, cv, lev, tiers=TIERS)
    else:
        book = RiskBook.from_leverage(side, n, e, cv, lev, mmr=mmr)
    r = book.revalue(price)
    dp = Decimal(price)
    for i in range(len(rows)):
        dn, de, dcv = Decimal(n[i]), Decimal(e[i]), Decimal(cv[i])
        coll = Decimal(book.collateral[i])  # the book's float collateral, exactly
        equity = coll + c.inverse_pnl(Decimal(int(side[i])), dn, de, dp, dcv)
        value = c.position_value(dn, dp, dcv)
        if tiered:
            mm = c.maintenance_margin(value, tiers=TIERS)
        else:
            mm = c.maintenance_margin(value, Decimal(mmr[i]))
        gap = abs(equity - mm)
        if gap <= Decimal("1e-9") * (value + coll):
            continue  # within float rounding of the boundary
        assert bool(r.liquidated[i]) == (equity <= mm), i
        tol = 1e-9 * float(value)
        assert float(r.equity_coin[i]) == pytest.approx(float(equity), rel=1e-9, abs=tol)
        liq = c.generic_prices(
            int(side[i]),
            de,
            dn,
            dcv,
            coll,
            **({"tiers": TIERS} if tiered else {"mmr": Decimal(mmr[i])}),
        ).liquidation_price
        if liq.is_infinite() or liq > de * 10**9:
            # none, or only through float rounding of a 1x short's collateral
            assert np.isinf(book.liquidation_price[i]) or book.liquidation_price[i] > e[i] * 1e8
        else:
            assert book.liquidation_price[i] == pytest.approx(float(liq), rel=1e-9)


@given(st.integers(0, 2**32 - 1), st.booleans())
@settings(max_examples=15, deadline=None)
def test_scan_totals_agree_between_engines(seed: int, tiers: bool) -> None:
    book = _random_book(seed, 501, tiers)
    prices = np.random.default_rng(seed + 2).uniform(500, 200_000, 4)
    a = book.scan(prices, engine="numpy")
    b = book.scan(prices, engine="numba")
    np.testing.assert_array_equal(a.liquidated, b.liquidated)
    for name in (
        "pnl_coin",
        "equity_coin",
        "maintenance_margin_coin",
        "liquidated_usd",
        "liquidated_coin",
    ):
        scale = float(book.usd_notional.sum() / prices.min())  # coin, an upper bound
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=0, atol=1e-12 * scale)
