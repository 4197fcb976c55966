"""Greeks of a coin-margined account against finite differences of the PnL formulas.

The references are built here from ``inverse_pnl`` / ``linear_pnl`` alone (equity = wallet +
PnL, USD equity = S * coin equity) and differentiated numerically in 40-digit Decimal; the
Greeks under test come from their closed forms.  Tolerance: 1e-9 relative with a small
absolute floor (for values that are 0).
"""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from tests.contracts._support import THOROUGH

from inversa.contracts import ContractKind, inverse_pnl, linear_pnl
from inversa.contracts.greeks import (
    affine_equity,
    effective_leverage,
    greeks,
    price_at_leverage,
    usd_neutral_short,
)

INVERSE, LINEAR = ContractKind.INVERSE, ContractKind.LINEAR
REL = Decimal("1e-9")
ABS = Decimal("1e-20")

prices = st.decimals(min_value="100", max_value="200000", places=2)
sizes = st.integers(min_value=1, max_value=10**6).map(Decimal)
wallets = st.decimals(min_value="0", max_value="50", places=4)
sides = st.sampled_from([1, -1])


def close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= ABS + REL * max(abs(a), abs(b))


def _inverse_equity_coin(
    side: int, n: Decimal, e: Decimal, s: Decimal, cv: Decimal, w: Decimal
) -> Decimal:
    return w + inverse_pnl(Decimal(side), n, e, s, cv)


def _linear_equity_usd(
    side: int, n: Decimal, e: Decimal, s: Decimal, cv: Decimal, w: Decimal
) -> Decimal:
    return w * s + linear_pnl(Decimal(side), n, e, s, cv)


def _derivatives(f, s: Decimal) -> tuple[Decimal, Decimal]:  # type: ignore[no-untyped-def]
    """Central first and second differences of f at s, in 40-digit Decimal."""
    with localcontext() as ctx:
        ctx.prec = 40
        h1 = s * Decimal("1e-12")
        h2 = s * Decimal("1e-8")
        first = (f(s + h1) - f(s - h1)) / (2 * h1)
        second = (f(s + h2) - 2 * f(s) + f(s - h2)) / (h2 * h2)
    return first, second


@THOROUGH
@given(sides, sizes, prices, prices, sizes, wallets)
def test_inverse_greeks_match_finite_differences(
    side: int, n: Decimal, e: Decimal, s: Decimal, cv: Decimal, w: Decimal
) -> None:
    cv = cv / 1000  # USD per contract, 0.001 .. 1000
    g = greeks(INVERSE, side, n, e, s, cv, w)
    d_coin, g_coin = _derivatives(lambda x: _inverse_equity_coin(side, n, e, x, cv, w), s)
    d_usd, g_usd = _derivatives(lambda x: x * _inverse_equity_coin(side, n, e, x, cv, w), s)
    assert close(g.delta_coin, d_coin)
    assert close(g.gamma_coin, g_coin)
    assert close(g.delta_usd, d_usd)
    assert g.gamma_usd == 0
    assert abs(g_usd) <= ABS + REL * abs(g.delta_usd) / s
    assert close(g.equity_usd, s * _inverse_equity_coin(side, n, e, s, cv, w))
    # Without collateral: the position alone.
    bare = greeks(INVERSE, side, n, e, s, cv)
    assert close(bare.delta_usd, g.delta_usd - w)
    assert close(bare.delta_coin, g.delta_coin)


@THOROUGH
@given(sides, sizes, prices, prices, sizes, wallets)
def test_linear_greeks_match_finite_differences(
    side: int, n: Decimal, e: Decimal, s: Decimal, cv: Decimal, w: Decimal
) -> None:
    cv = cv / 10**6  # coin per contract
    g = greeks(LINEAR, side, n, e, s, cv, w)
    d_usd, g_usd = _derivatives(lambda x: _linear_equity_usd(side, n, e, x, cv, w), s)
    d_coin, g_coin = _derivatives(lambda x: _linear_equity_usd(side, n, e, x, cv, w) / x, s)
    assert close(g.delta_usd, d_usd)
    assert g.gamma_usd == 0
    assert abs(g_usd) <= ABS + REL * abs(g.delta_usd) / s
    assert close(g.delta_coin, d_coin)
    assert close(g.gamma_coin, g_coin)


@THOROUGH
@given(sizes, prices, prices, sizes)
def test_inverse_long_is_linear_short_on_reciprocal_price(
    n: Decimal, e: Decimal, s: Decimal, cv: Decimal
) -> None:
    with localcontext() as ctx:
        ctx.prec = 40
        inverse = inverse_pnl(Decimal(1), n, e, s, cv)
        linear = linear_pnl(Decimal(-1), n, 1 / e, 1 / s, cv)
    assert close(inverse, linear)
    # And the Greeks: the inverse long's coin delta is the linear short's delta in 1/S
    # times d(1/S)/dS = -1/S².
    g = greeks(INVERSE, 1, n, e, s, cv)
    assert close(g.delta_coin, (-n * cv) * (-1 / (s * s)))


def test_inverse_short_on_coin_collateral_has_zero_usd_gamma_and_is_hedged() -> None:
    # 1 BTC held, short 40,000 USD of inverse contracts at 40,000: a synthetic dollar.
    g = greeks(INVERSE, -1, Decimal(400), Decimal(40000), Decimal(25000), Decimal(100), Decimal(1))
    assert g.gamma_usd == 0
    assert g.delta_usd == 0
    assert g.effective_leverage == 0
    assert g.equity_usd == Decimal(40000)  # USD value locked whatever the price
    assert usd_neutral_short(g.delta_usd) == 0


def test_inverse_long_on_coin_collateral_is_long_twice() -> None:
    # 1 BTC collateral + a 1x long of 40,000 USD at 40,000: 2 BTC of USD delta.
    g = greeks(INVERSE, 1, Decimal(400), Decimal(40000), Decimal(40000), Decimal(100), Decimal(1))
    assert g.delta_usd == 2
    assert g.effective_leverage == 2
    eq = affine_equity(
        ContractKind.INVERSE, 1, Decimal(400), Decimal(40000), Decimal(100), Decimal(1)
    )
    # Leverage 2*S/(2*S - 40000) = 4 at S = 26,666.67: doubles after a third off the price.
    s4 = price_at_leverage(eq, Decimal(4))
    assert close(s4, Decimal(80000) / 3)
    at = greeks(INVERSE, 1, Decimal(400), Decimal(40000), s4, Decimal(100), Decimal(1))
    assert close(at.effective_leverage, Decimal(4))
    # Neutral account: leverage never doubles.
    flat = affine_equity(
        ContractKind.INVERSE, -1, Decimal(400), Decimal(40000), Decimal(100), Decimal(1)
    )
    assert price_at_leverage(flat, Decimal(0)).is_infinite()


@THOROUGH
@given(sides, sizes, prices, prices, sizes, wallets, st.decimals("1.1", "20", places=2))
@example(1, Decimal(1), Decimal("160209.62"), Decimal("160209.62"), Decimal(249), Decimal(0),
         Decimal("1.10"))  # fmt: skip
def test_price_at_leverage_solves_the_leverage(
    side: int, n: Decimal, e: Decimal, s: Decimal, cv: Decimal, w: Decimal, mult: Decimal
) -> None:
    g = greeks(INVERSE, side, n, e, s, cv, w)
    eq = affine_equity(ContractKind.INVERSE, side, n, e, cv, w)
    # Equal up to rounding of the two terms (which cancel at the entry of a bare position).
    scale = abs(eq.slope * s) + abs(eq.offset)
    assert abs(eq.slope * s - eq.offset - g.equity_usd) <= REL * scale
    if g.equity_usd <= 0 or g.effective_leverage == 0 or abs(g.effective_leverage) > 10**6:
        return  # no leverage, or one so large that the equity is rounding noise
    target = g.effective_leverage * mult
    price = price_at_leverage(eq, target)
    if price.is_finite():
        again = greeks(INVERSE, side, n, e, price, cv, w)
        assert abs(again.effective_leverage - target) <= Decimal("1e-9") * abs(target)


def test_arrays_match_decimals() -> None:
    rng = np.random.default_rng(7)
    s = rng.uniform(1000, 90000, 50)
    w = rng.uniform(0, 3, 50)
    g = greeks(INVERSE, -1, np.full(50, 300.0), np.full(50, 30000.0), s, np.full(50, 100.0), w)
    for i in (0, 17, 49):
        d = greeks(
            INVERSE, -1, Decimal(300), Decimal(30000), Decimal(s[i]), Decimal(100), Decimal(w[i])
        )
        assert g.delta_coin[i] == pytest.approx(float(d.delta_coin), rel=1e-12)
        assert g.gamma_coin[i] == pytest.approx(float(d.gamma_coin), rel=1e-12)
        assert g.delta_usd[i] == pytest.approx(float(d.delta_usd), rel=1e-12, abs=1e-12)
        lev = float(d.effective_leverage)
        assert g.effective_leverage[i] == pytest.approx(lev, rel=1e-9, abs=1e-12, nan_ok=True)
    assert np.all(g.gamma_usd == 0)


def test_leverage_undefined_without_equity() -> None:
    assert effective_leverage(Decimal(1), Decimal(10), Decimal(0)).is_nan()
    out = effective_leverage(np.array([1.0, 1.0]), np.array([10.0, 10.0]), np.array([5.0, -1.0]))
    assert out[0] == 2.0
    assert np.isnan(out[1])


def test_bad_inputs_name_the_field() -> None:
    from inversa.errors import InputError

    with pytest.raises(InputError, match="price"):
        greeks(INVERSE, 1, Decimal(1), Decimal(1), Decimal(0), Decimal(1))
    with pytest.raises(InputError, match="wallet"):
        greeks(INVERSE, 1, Decimal(1), Decimal(1), Decimal(1), Decimal(1), Decimal(-1))
    with pytest.raises(InputError, match="cash"):
        affine_equity(
            ContractKind.INVERSE, 1, Decimal(1), Decimal(1), Decimal(1), Decimal(0), Decimal(1)
        )
