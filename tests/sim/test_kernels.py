"""Parity: the fused Numba kernel against the contracts functions (float64 and Decimal)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inversa import contracts as c
from inversa.errors import InputError
from inversa.sim.kernels import isolated_pnl_and_liquidation


def _rows(seed: int, n: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    side = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    contracts = rng.integers(1, 10**7, n).astype(float)
    entry = rng.uniform(100, 200_000, n)
    mark = entry * rng.uniform(0.3, 2.0, n)
    cv = rng.choice([1.0, 10.0, 100.0], n)
    lev = rng.uniform(1, 100, n)
    mmr = rng.uniform(0.001, 0.05, n)
    return side, contracts, entry, mark, cv, lev, mmr


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=25, deadline=None)
def test_kernel_matches_numpy_contracts(seed: int) -> None:
    side, n, e, x, cv, lev, mmr = _rows(seed, 257)
    pnl, liq, bk = isolated_pnl_and_liquidation(side, n, e, x, cv, lev, mmr)
    np.testing.assert_allclose(pnl, c.inverse_pnl(side, n, e, x, cv), rtol=1e-13)
    ref = c.generic_prices(side, e, n, cv, c.initial_margin(n * cv / e, leverage=lev), mmr=mmr)
    np.testing.assert_allclose(liq, ref.liquidation_price, rtol=1e-12)
    np.testing.assert_allclose(bk, ref.bankruptcy_price, rtol=1e-12)


def test_kernel_matches_decimal_reference() -> None:
    side, n, e, x, cv, lev, mmr = _rows(11, 50)
    pnl, liq, bk = isolated_pnl_and_liquidation(side, n, e, x, cv, lev, mmr)
    for i in range(50):
        d = [Decimal(repr(float(a[i]))) for a in (n, e, x, cv, lev, mmr)]
        sd = int(side[i])
        assert float(c.inverse_pnl(sd, d[0], d[1], d[2], d[3])) == pytest.approx(pnl[i], rel=1e-12)
        ref = c.generic_prices(sd, d[1], d[0], d[3], d[0] * d[3] / d[1] / d[4], mmr=d[5])
        for got, want in ((liq[i], ref.liquidation_price), (bk[i], ref.bankruptcy_price)):
            if want.is_infinite():
                assert np.isinf(got)
            else:
                assert got == pytest.approx(float(want), rel=1e-12)


def test_short_at_one_x_has_no_liquidation() -> None:
    one = np.ones(1)
    _, liq, bk = isolated_pnl_and_liquidation(-one, one, one * 100, one * 90, one, one, one * 0.005)
    # Collateral PV_E/1 exactly covers a rise to infinity: no bankruptcy, no liquidation.
    assert np.isinf(bk[0])
    assert np.isinf(liq[0])


@pytest.mark.parametrize(("column", "bad"), [(1, 0.0), (2, -1.0), (3, np.nan), (5, 0.5)])
def test_kernel_validates_rows(column: int, bad: float) -> None:
    rows = list(_rows(3, 8))
    rows[column] = rows[column].copy()
    rows[column][4] = bad
    with pytest.raises(InputError, match="index 4"):
        isolated_pnl_and_liquidation(*rows)
