"""Funding caps tied to margin rates (Binance k x MMR, BitMEX 75 % x (IM - MM)).

Golden numbers: BitMEX's 2020-04-17 announcement gives 0.375 % for XBTUSD (IM 1 %, MM 0.5 %);
Binance's rule clamp(F, -k MMR, +k MMR) with k = 0.75 on a 0.4 % MMR gives 0.3 % (derived),
which is the lowest rate in the bundled BTCUSD_PERP history.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from inversa.contracts import clamp_funding_rate, margin_funding_cap
from inversa.errors import InputError

D = Decimal


@pytest.mark.parametrize(
    ("factor", "mmr", "imr", "cap"),
    [
        ("0.75", "0.005", "0.01", "0.00375"),  # BitMEX XBTUSD (published)
        ("0.75", "0.004", None, "0.003"),  # Binance, newer listings, first bracket
        ("1", "0.004", None, "0.004"),  # Binance, older listings
        ("0.75", "0.015", "0.02", "0.00375"),  # one risk step up: the IM - MM gap is kept
    ],
)
def test_margin_funding_cap_golden(factor: str, mmr: str, imr: str | None, cap: str) -> None:
    got = margin_funding_cap(D(factor), D(mmr), None if imr is None else D(imr))
    assert got == D(cap)
    arr = margin_funding_cap(
        np.array([float(factor)]), np.array([float(mmr)]), None if imr is None else float(imr)
    )
    np.testing.assert_allclose(arr, [float(cap)], rtol=1e-15)


def test_capped_funding_at_the_bitmex_cap() -> None:
    """A 1 % premium: F = P + clamp(I - P, -0.05 %, +0.05 %) = 0.95 %, which BitMEX's cap
    brings to 0.375 %; a -1 % premium gives -0.375 %."""
    cap = margin_funding_cap(D("0.75"), D("0.005"), D("0.01"))
    assert clamp_funding_rate(D("0.01"), D("0.0001")) == D("0.0095")
    assert clamp_funding_rate(D("0.01"), D("0.0001"), cap=cap) == D("0.00375")
    assert clamp_funding_rate(D("-0.01"), D("0.0001"), cap=cap) == D("-0.00375")
    assert clamp_funding_rate(D("0.0003"), D("0.0001"), cap=cap) == D("0.0001")  # inside


@pytest.mark.parametrize(
    ("factor", "mmr", "imr", "field"),
    [
        ("-0.75", "0.005", None, "factor"),
        ("0.75", "-0.005", None, "maintenance_rate"),
        ("0.75", "0.01", "0.005", "initial_rate - maintenance_rate"),
        ("NaN", "0.005", None, "factor"),
    ],
)
def test_margin_funding_cap_rejects(factor: str, mmr: str, imr: str | None, field: str) -> None:
    with pytest.raises(InputError, match=field):
        margin_funding_cap(D(factor), D(mmr), None if imr is None else D(imr))


RATE = st.decimals(min_value=0, max_value=D("0.5"), places=6)
FACTOR = st.decimals(min_value=0, max_value=1, places=4)
PREMIUM = st.decimals(min_value=D("-0.1"), max_value=D("0.1"), places=6)


@given(FACTOR, RATE, RATE, PREMIUM)
def test_cap_is_exact_and_bounds_the_rate(
    factor: Decimal, mmr: Decimal, extra: Decimal, premium: Decimal
) -> None:
    imr = mmr + extra
    gap_cap = margin_funding_cap(factor, mmr, imr)
    mmr_cap = margin_funding_cap(factor, mmr)
    # independent derivation in exact fractions
    assert Fraction(gap_cap) == Fraction(factor) * (Fraction(imr) - Fraction(mmr))
    assert Fraction(mmr_cap) == Fraction(factor) * Fraction(mmr)
    for cap in (gap_cap, mmr_cap):
        rate = clamp_funding_rate(premium, D("0.0001"), cap=cap)
        assert -cap <= rate <= cap
        uncapped = clamp_funding_rate(premium, D("0.0001"))
        assert rate == max(-cap, min(cap, uncapped))
        f = clamp_funding_rate(np.array([float(premium)]), 0.0001, cap=np.array([float(cap)]))
        np.testing.assert_allclose(f, [float(rate)], rtol=1e-12, atol=1e-18)
