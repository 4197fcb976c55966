"""Properties of inversa.contracts, on exact Decimals and on float64 arrays.

Every property is checked against an independent derivation (a closed form written out
here, exact fractions, or a symmetry), never against the function's own output.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from inversa.contracts import (
    Fill,
    Leg,
    PositionState,
    TierTable,
    annualised_basis,
    apply_fill,
    binance_coinm_prices,
    bybit_classic_cross_prices,
    bybit_isolated_prices,
    carry_forward,
    clamp_funding_rate,
    dated_fair_basis,
    dated_fair_price,
    deribit_funding_rate,
    funding_accrual,
    funding_payment,
    generic_prices,
    harmonic_entry,
    implied_carry_rate,
    initial_margin,
    inverse_pnl,
    inverse_pnl_usd,
    linear_pnl,
    linear_rate,
    maintenance_margin,
    perpetual_fair_price,
    position_value,
    premium_index,
    risk_step_rates,
    trading_fee,
)

from ._support import (
    BINANCE_BTCUSD_BRACKETS,
    BINANCE_TABLE,
    FAST,
    THOROUGH,
    agree,
    contract_values,
    contracts,
    fractions_01,
    leverages,
    mmrs,
    prices,
    rel_close,
    sides,
)

EXACT = Decimal("1e-24")  # Decimal (28 digits) relative tolerance for rearranged formulas
INF = Decimal("Infinity")


def col(rows: list[tuple[Any, ...]], i: int) -> np.ndarray:
    """Column ``i`` of the drawn rows as a float64 array (the vectorised path)."""
    return np.array([float(r[i]) for r in rows], dtype=np.float64)


def mm_by_slices(value: Decimal) -> Decimal:
    """Tiered MM of the Binance table charged slice by slice (independent of TierTable)."""
    total, floor = Decimal(0), Decimal(0)
    for upper, rate in BINANCE_BTCUSD_BRACKETS:
        top = min(value, Decimal(upper))
        if top > floor:
            total += (top - floor) * Decimal(rate)
        floor = Decimal(upper)
    return total


pnl_rows = st.tuples(contracts, prices, prices, contract_values)


# ---------------------------------------------------------------------------------------
# PnL
# ---------------------------------------------------------------------------------------
@FAST
@given(st.lists(pnl_rows, min_size=1, max_size=5))
def test_long_and_short_sum_to_zero(rows) -> None:
    for n, e, x, cv in rows:
        long_, short = inverse_pnl(1, n, e, x, cv), inverse_pnl(-1, n, e, x, cv)
        assert long_ + short == 0
        assert (long_ > 0) == (x > e) or e == x
    n, e, x, cv = (col(rows, i) for i in range(4))
    assert np.array_equal(inverse_pnl(1, n, e, x, cv), -inverse_pnl(-1, n, e, x, cv))


@FAST
@given(st.lists(pnl_rows, min_size=1, max_size=5), sides)
def test_inverse_pnl_is_linear_pnl_on_reciprocal_price_side_swapped(rows, side) -> None:
    one = Decimal(1)
    for n, e, x, cv in rows:
        inv = inverse_pnl(side, n, e, x, cv)
        lin = linear_pnl(-side, n * cv, one / e, one / x, one)
        # independent closed form: side * N * CV * (X - E) / (E * X)
        exact = side * n * cv * (x - e) / (e * x)
        scale = n * cv / min(e, x)
        assert rel_close(inv, lin, EXACT, scale)
        assert rel_close(inv, exact, EXACT, scale)
    n, e, x, cv = (col(rows, i) for i in range(4))
    inv = inverse_pnl(side, n, e, x, cv)
    lin = linear_pnl(-side, n * cv, 1 / e, 1 / x, np.ones_like(n))
    np.testing.assert_allclose(inv, lin, rtol=0, atol=1e-12 * np.max(n * cv / np.minimum(e, x)))


@FAST
@given(st.lists(pnl_rows, min_size=1, max_size=5), sides)
def test_inverse_pnl_usd_is_the_coin_pnl_at_the_exit_price(rows, side) -> None:
    for n, e, x, cv in rows:
        usd = inverse_pnl_usd(side, n, e, x, cv)
        assert rel_close(usd, inverse_pnl(side, n, e, x, cv) * x, EXACT, n * cv * x / e)
    n, e, x, cv = (col(rows, i) for i in range(4))
    np.testing.assert_allclose(
        inverse_pnl_usd(side, n, e, x, cv),
        inverse_pnl(side, n, e, x, cv) * x,
        rtol=1e-12,
        atol=1e-12 * np.max(n * cv * x / e),
    )


def test_inverse_pnl_usd_keeps_a_round_result_round() -> None:
    # 100,000 USD long from 10,000 to 10,500: 0.476190... BTC, worth exactly 5,000 USD
    usd = inverse_pnl_usd(1, Decimal(100000), Decimal(10000), Decimal(10500), Decimal(1))
    assert usd == Decimal(5000)
    coin_times_exit = inverse_pnl(1, Decimal(100000), Decimal(10000), Decimal(10500), 1) * 10500
    assert coin_times_exit != Decimal(5000)  # the reciprocal form loses the last digit


fills = st.lists(st.tuples(contracts, prices), min_size=1, max_size=6)


@FAST
@given(fills, prices, contract_values)
def test_harmonic_entry_keeps_pnl_additive(fs, exit_, cv) -> None:
    sizes, pxs = [n for n, _ in fs], [p for _, p in fs]
    entry = harmonic_entry(sizes, pxs)
    total = sum(sizes)
    combined = inverse_pnl(1, total, entry, exit_, cv)
    one_by_one = sum(inverse_pnl(1, n, p, exit_, cv) for n, p in fs)
    # exact value with fractions: sum n*CV*(1/p - 1/X)
    exact = sum(Fraction(n) * Fraction(cv) * (1 / Fraction(p) - 1 / Fraction(exit_)) for n, p in fs)
    scale = sum(n * cv / p for n, p in fs) + total * cv / exit_
    assert rel_close(combined, one_by_one, EXACT, scale)
    assert abs(Fraction(combined) - exact) <= Fraction(EXACT * scale)
    # the arithmetic (contract-weighted) mean does not, unless all prices are equal
    arithmetic = sum(n * p for n, p in fs) / total
    if len(set(pxs)) > 1:
        assert arithmetic > entry  # AM > HM
        assert inverse_pnl(1, total, arithmetic, exit_, cv) < one_by_one
    else:
        assert rel_close(entry, pxs[0], EXACT)
    # float arrays: each fill a column, three scenarios as rows (scaled copies)
    k = [np.array([float(n)] * 3) for n in sizes]
    p = [np.array([float(q), float(q) * 1.5, float(q) * 0.75]) for q in pxs]
    fe = harmonic_entry(k, p)
    fx = np.array([float(exit_)] * 3)
    fcomb = inverse_pnl(1.0, sum(k), fe, fx, float(cv))
    fsum = sum(inverse_pnl(1.0, a, b, fx, float(cv)) for a, b in zip(k, p, strict=True))
    np.testing.assert_allclose(fcomb, fsum, rtol=0, atol=1e-12 * 2 * float(scale))


signed_fills = st.lists(
    st.tuples(
        st.integers(-1_000_000, 1_000_000).filter(bool).map(Decimal),
        prices,
    ),
    min_size=1,
    max_size=8,
)


@THOROUGH
@given(signed_fills, prices, contract_values)
def test_apply_fill_realised_plus_unrealised_is_per_fill_sum(fs, mark, cv) -> None:
    state, realised = PositionState(), Decimal(0)
    for q, p in fs:
        result = apply_fill(state, Fill(q, p), cv)
        state, realised = result.position, realised + result.realised_pnl
        if result.closed:
            assert result.closed <= abs(q)
    assert state.size == sum(q for q, _ in fs)
    unrealised = Decimal(0)
    if state.size != 0:
        unrealised = inverse_pnl(state.side, abs(state.size), state.entry, mark, cv)
    exact = sum(Fraction(q) * Fraction(cv) * (1 / Fraction(p) - 1 / Fraction(mark)) for q, p in fs)
    scale = sum(abs(q) * cv / p for q, p in fs) + sum(abs(q) for q, _ in fs) * cv / mark
    assert abs(Fraction(realised + unrealised) - exact) <= Fraction(Decimal("1e-22") * scale)


# ---------------------------------------------------------------------------------------
# Liquidation models: (side, entry, contracts, CV, leverage, mmr) -> LiquidationResult.
# Collateral of the Binance / generic models is the initial margin PV_E / leverage.
# ---------------------------------------------------------------------------------------
def _collateral(n, e, cv, lev):
    return n * cv / e / lev


def _zero(x):
    return x - x


def _taker(x):
    return x - x + (Decimal("0.00075") if isinstance(x, Decimal) else 0.00075)


MODELS: dict[str, Callable[..., Any]] = {
    "bybit-classic/uta-a": lambda s, e, n, cv, lev, m: bybit_isolated_prices(
        s, e, lev, m, n, cv, mm_at="entry"
    ),
    "bybit-uta-b": lambda s, e, n, cv, lev, m: bybit_isolated_prices(
        s, e, lev, m, n, cv, mm_at="mark"
    ),
    "binance-coinm": lambda s, e, n, cv, lev, m: binance_coinm_prices(
        [Leg(s, n, e, m, _zero(m))], _collateral(n, e, cv, lev), cv
    ),
    "binance-coinm-tiered": lambda s, e, n, cv, lev, m: binance_coinm_prices(
        [Leg(s, n, e)], _collateral(n, e, cv, lev), cv, tiers=BINANCE_TABLE
    ),
    "generic": lambda s, e, n, cv, lev, m: generic_prices(
        s, e, n, cv, _collateral(n, e, cv, lev), mmr=m
    ),
    "generic-tiered": lambda s, e, n, cv, lev, m: generic_prices(
        s, e, n, cv, _collateral(n, e, cv, lev), tiers=BINANCE_TABLE
    ),
    "bybit-classic-cross": lambda s, e, n, cv, lev, m: bybit_classic_cross_prices(
        s, e, n, cv, _collateral(n, e, cv, lev), m, _taker(m)
    ),
}
TIERED = {"binance-coinm-tiered", "generic-tiered"}


@pytest.mark.parametrize("model", list(MODELS))
@FAST
@given(
    side=sides,
    e=prices,
    n=contracts,
    cv=contract_values,
    m=mmrs,
    levs=st.lists(leverages, min_size=2, max_size=2, unique=True).map(sorted),
)
def test_liquidation_moves_away_as_leverage_falls(model, side, e, n, cv, m, levs) -> None:
    lo, hi = levs
    f = MODELS[model]
    l_lo = f(side, e, n, cv, lo, m).liquidation_price
    l_hi = f(side, e, n, cv, hi, m).liquidation_price
    if side == 1:
        assert l_lo < l_hi, (l_lo, l_hi)
    else:
        assert l_lo > l_hi, (l_lo, l_hi)
    # the same on float arrays: [low leverage, high leverage]
    res = f(
        side,
        np.full(2, float(e)),
        np.full(2, float(n)),
        float(cv),
        np.array([float(lo), float(hi)]),
        np.full(2, float(m)),
    )
    fl = np.asarray(res.liquidation_price)
    assert fl[0] < fl[1] if side == 1 else fl[0] > fl[1]


@pytest.mark.parametrize("model", [m for m in MODELS if m != "bybit-classic-cross"])
@FAST
@given(side=sides, e=prices, n=contracts, cv=contract_values, lev=leverages, m=mmrs)
def test_bankruptcy_lies_beyond_liquidation(model, side, e, n, cv, lev, m) -> None:
    assume(lev > 1)
    if model in TIERED:
        pv = n * cv / e
        assume(mm_by_slices(pv) < Decimal("0.999") * pv / lev)  # MM at entry < margin
    else:
        assume(m * lev < Decimal("0.999"))  # MMR < IMR: L lies between B and E
    res = MODELS[model](side, e, n, cv, lev, m)
    b, liq = res.bankruptcy_price, res.liquidation_price
    if side == 1:
        assert b < liq < e
    else:
        assert e < liq < b
    fres = MODELS[model](side, *(np.array([float(v)]) for v in (e, n, cv, lev, m)))
    fb, fl = float(fres.bankruptcy_price[0]), float(fres.liquidation_price[0])
    fe = float(e)
    assert (fb < fl < fe) if side == 1 else (fe < fl < fb)


@THOROUGH
@given(side=sides, e=prices, n=contracts, cv=contract_values, lev=leverages)
def test_generic_tiered_solves_equity_equals_mm(side, e, n, cv, lev) -> None:
    """At the returned price, collateral + PnL equals the tiered MM (slices) exactly."""
    coll = n * cv / e / lev
    res = generic_prices(side, e, n, cv, coll, tiers=BINANCE_TABLE)
    liq = res.liquidation_price
    if side == -1 and lev == 1:
        assert liq == INF  # a 1x short is fully collateralised
        return
    assert liq.is_finite()
    equity = coll + side * n * cv * (1 / e - 1 / liq)
    mm = mm_by_slices(n * cv / liq)
    assert abs(equity - mm) <= Decimal("1e-20") * mm


@THOROUGH
@given(side=sides, e=prices, n=contracts, cv=contract_values, lev=leverages)
def test_generic_one_bracket_with_cum_is_that_tier(side, e, n, cv, lev) -> None:
    """A flat bracket ``(mmr, cum)`` gives the tier table's price when ``L`` lies in it."""
    coll = n * cv / e / lev
    tiered = generic_prices(side, e, n, cv, coll, tiers=BINANCE_TABLE).liquidation_price
    if not tiered.is_finite():
        return
    mmr, cum = BINANCE_TABLE.rate_and_cum(n * cv / tiered)
    flat = generic_prices(side, e, n, cv, coll, mmr=mmr, cum=cum).liquidation_price
    assert abs(flat - tiered) <= Decimal("1e-20") * tiered
    if cum:
        assert generic_prices(side, e, n, cv, coll, mmr=mmr).liquidation_price != flat


@THOROUGH
@given(
    st.lists(st.tuples(prices, contracts, leverages), min_size=1, max_size=5),
    sides,
    contract_values,
)
# a low-leverage short in a high bracket next to a well-funded one (the 9ae4935 regressions)
@example(
    rows=[(Decimal(20000), Decimal(100000), Decimal("1.02")), (Decimal(20000), Decimal(60000), 2)],
    side=-1,
    cv=Decimal(100),
)
@example(rows=[(Decimal(20000), Decimal(60000), Decimal(1))], side=-1, cv=Decimal(100))
def test_generic_tiered_equals_binance_tiered(rows, side, cv) -> None:
    for e, n, lev in rows:
        coll = n * cv / e / lev
        g = generic_prices(side, e, n, cv, coll, tiers=BINANCE_TABLE)
        b = binance_coinm_prices([Leg(side, n, e)], coll, cv, tiers=BINANCE_TABLE)
        assert rel_close(g.liquidation_price, b.liquidation_price, Decimal("1e-20"))
        assert rel_close(g.bankruptcy_price, b.bankruptcy_price, Decimal("1e-20"))
        liq = b.liquidation_price
        if liq.is_infinite():
            assert (side, lev) == (-1, 1)  # only a 1x short is never liquidated
            continue
        equity = coll + side * n * cv * (1 / e - 1 / liq)
        mm = mm_by_slices(n * cv / liq)
        assert abs(equity - mm) <= Decimal("1e-20") * mm
    e, n, lev = (col(rows, i) for i in range(3))
    coll = n * float(cv) / e / lev
    g = generic_prices(side, e, n, float(cv), coll, tiers=BINANCE_TABLE)
    b = binance_coinm_prices([Leg(side, n, e)], coll, float(cv), tiers=BINANCE_TABLE)
    np.testing.assert_allclose(g.liquidation_price, b.liquidation_price, rtol=1e-12)


@FAST
@given(side=sides, e=prices, n=contracts, cv=contract_values, lev=leverages, m=mmrs)
def test_generic_flat_equals_binance_one_bracket(side, e, n, cv, lev, m) -> None:
    coll = n * cv / e / lev
    g = generic_prices(side, e, n, cv, coll, mmr=m)
    b = binance_coinm_prices([Leg(side, n, e, m, Decimal(0))], coll, cv)
    assert rel_close(g.liquidation_price, b.liquidation_price, Decimal("1e-20"))
    if g.liquidation_price.is_finite():
        liq = g.liquidation_price
        equity = coll + side * n * cv * (1 / e - 1 / liq)
        assert abs(equity - n * cv / liq * m) <= Decimal("1e-20") * n * cv / liq * m


# ---------------------------------------------------------------------------------------
# Funding sign
# ---------------------------------------------------------------------------------------
rates = st.integers(-7500, 7500).filter(bool).map(lambda i: Decimal(i) / 1_000_000)


@FAST
@given(st.lists(st.tuples(contracts, contract_values, prices, rates), min_size=1, max_size=5))
def test_funding_sign_longs_pay_when_positive(rows) -> None:
    for n, cv, mark, rate in rows:
        long_ = funding_payment(1, n, cv, mark, rate)
        short = funding_payment(-1, n, cv, mark, rate)
        assert long_ + short == 0
        assert (long_ < 0 < short) if rate > 0 else (short < 0 < long_)
        assert rel_close(abs(long_), n * cv * abs(rate) / mark, EXACT)
    n, cv, mark, rate = (col(rows, i) for i in range(4))
    fl, fs = funding_payment(1, n, cv, mark, rate), funding_payment(-1, n, cv, mark, rate)
    assert np.array_equal(fl, -fs)
    assert np.all(np.where(rate > 0, fl < 0, fl > 0))


# ---------------------------------------------------------------------------------------
# Decimal and float64 agree (1e-12 relative) for every formula, on batches of rows.
# ---------------------------------------------------------------------------------------
def batch(*strategies):
    return st.lists(st.tuples(*strategies), min_size=1, max_size=5)


@FAST
@given(batch(contracts, prices, prices, contract_values, st.integers(-250, 1000)), sides)
def test_agree_value_pnl_fee(rows, side) -> None:
    rows = [(n, e, x, cv, Decimal(r) / 1_000_000) for n, e, x, cv, r in rows]
    n, e, x, cv, r = (col(rows, i) for i in range(5))
    agree([position_value(a[0], a[1], a[3]) for a in rows], position_value(n, e, cv))
    scale = [a[0] * a[3] / min(a[1], a[2]) for a in rows]
    agree([inverse_pnl(side, *a[:4]) for a in rows], inverse_pnl(side, n, e, x, cv), scale=scale)
    agree([trading_fee(a[0], a[1], a[3], a[4]) for a in rows], trading_fee(n, e, cv, r))


@FAST
@given(batch(contracts, prices, contract_values, leverages, mmrs, fractions_01))
def test_agree_margins(rows) -> None:
    pv = [a[0] * a[2] / a[1] for a in rows]
    cum = [p * a[4] * a[5] for p, a in zip(pv, rows, strict=True)]
    fpv = col(rows, 0) * col(rows, 2) / col(rows, 1)
    lev, m = col(rows, 3), col(rows, 4)
    fcum = np.array([float(c) for c in cum])
    agree(
        [initial_margin(p, leverage=a[3]) for p, a in zip(pv, rows, strict=True)],
        initial_margin(fpv, leverage=lev),
    )
    agree(
        [initial_margin(p, imr=1 / a[3]) for p, a in zip(pv, rows, strict=True)],
        initial_margin(fpv, imr=1 / lev),
    )
    agree(
        [maintenance_margin(p, a[4]) for p, a in zip(pv, rows, strict=True)],
        maintenance_margin(fpv, m),
    )
    agree(
        [maintenance_margin(p, a[4], cum=c) for p, a, c in zip(pv, rows, cum, strict=True)],
        maintenance_margin(fpv, m, cum=fcum),
        scale=[p * a[4] for p, a in zip(pv, rows, strict=True)],
    )
    agree(
        [maintenance_margin(p, tiers=BINANCE_TABLE) for p in pv],
        maintenance_margin(fpv, tiers=BINANCE_TABLE),
    )
    args = [Decimal(200), Decimal(150), Decimal("0.01"), Decimal("0.005"), Decimal("0.005")]
    steps = [risk_step_rates(p, *args) for p in pv]
    fi, fm = risk_step_rates(fpv, *(float(a) for a in args))
    agree([s[0] for s in steps], fi)
    agree([s[1] for s in steps], fm)
    agree(
        [linear_rate(p, Decimal("0.02"), Decimal("0.00005")) for p in pv],
        linear_rate(fpv, 0.02, 0.00005),
    )


@pytest.mark.parametrize("model", list(MODELS))
@FAST
@given(batch(prices, contracts, leverages, mmrs), sides, contract_values)
def test_agree_liquidation_models(model, rows, side, cv) -> None:
    f = MODELS[model]
    dec = [f(side, e, n, cv, lev, m) for e, n, lev, m in rows]
    e, n, lev, m = (col(rows, i) for i in range(4))
    flt = f(side, e, n, float(cv), lev, m)
    agree([d.liquidation_price for d in dec], flt.liquidation_price)
    agree([d.bankruptcy_price for d in dec], flt.bankruptcy_price)


@FAST
@given(batch(prices, contracts, leverages, mmrs, fractions_01, fractions_01), contract_values)
def test_agree_bybit_with_deduction_and_added_margin(rows, cv) -> None:
    """Longs (well conditioned: every term of the denominator is positive)."""
    taker = Decimal("0.00055")
    for mm_at in ("entry", "mark"):
        dec = []
        for e, n, lev, m, fx, fd in rows:
            pv = n * cv / e
            extra, ded = fx * pv / lev, fd * pv * m
            dec.append(
                bybit_isolated_prices(
                    1, e, lev, m, n, cv, deduction=ded, extra_margin=extra, mm_at=mm_at, taker=taker
                )
            )
        e, n, lev, m, fx, fd = (col(rows, i) for i in range(6))
        pv = n * float(cv) / e
        flt = bybit_isolated_prices(
            1,
            e,
            lev,
            m,
            n,
            float(cv),
            deduction=fd * pv * m,
            extra_margin=fx * pv / lev,
            mm_at=mm_at,
            taker=float(taker),
        )
        agree([d.liquidation_price for d in dec], flt.liquidation_price)
        agree([d.bankruptcy_price for d in dec], flt.bankruptcy_price)


premiums = st.integers(-3000, 3000).map(lambda i: Decimal(i) / 1_000_000)


@FAST
@given(batch(premiums, premiums, contracts, contract_values, prices, st.integers(0, 480)))
def test_agree_funding(rows) -> None:
    p, i, n, cv, mark, minutes = (col(rows, k) for k in range(6))
    clamp, cap = Decimal("0.0005"), Decimal("0.00375")
    agree(
        [clamp_funding_rate(a[0], a[1], clamp, cap) for a in rows],
        clamp_funding_rate(p, i, float(clamp), float(cap)),
        scale=[1e-3] * len(rows),
    )
    agree(
        [deribit_funding_rate(a[0], cap=cap) for a in rows],
        deribit_funding_rate(p, cap=float(cap)),
        scale=[1e-3] * len(rows),
    )
    agree(
        [funding_payment(-1, a[2], a[3], a[4], a[0]) for a in rows],
        funding_payment(-1, n, cv, mark, p),
        scale=[a[2] * a[3] / a[4] * Decimal("1e-3") for a in rows],
    )
    hours = [Decimal(a[5]) / 60 for a in rows]
    agree(
        [
            funding_accrual(1, a[2], a[3], a[4], a[0], h, Decimal(8))
            for a, h in zip(rows, hours, strict=True)
        ],
        funding_accrual(1, n, cv, mark, p, minutes / 60, 8.0),
        scale=[a[2] * a[3] / a[4] * Decimal("1e-3") for a in rows],
    )
    # impact bid / ask around the mark: premium index
    ib = [a[4] * (1 + a[0]) for a in rows]
    ia = [a[4] * (1 + a[1]) for a in rows]
    agree(
        [premium_index(b, s, a[4], a[4]) for b, s, a in zip(ib, ia, rows, strict=True)],
        premium_index(
            np.array([float(v) for v in ib]), np.array([float(v) for v in ia]), mark, mark
        ),
        scale=[1e-3] * len(rows),
    )


@FAST
@given(batch(prices, premiums, st.integers(0, 8), st.integers(1, 365), st.integers(-500, 500)))
def test_agree_fair_price_and_carry(rows) -> None:
    rows = [(s, f, h, d, Decimal(r) / 1000) for s, f, h, d, r in rows]
    s, f, h, d, r = (col(rows, k) for k in range(5))
    agree(
        [perpetual_fair_price(a[0], a[1], Decimal(a[2]), Decimal(8)) for a in rows],
        perpetual_fair_price(s, f, h, 8.0),
    )
    # annualised rates from a price ratio R over d days: a float rounding of R (1e-16)
    # moves them by 1e-16 * 365 / d, so they are judged relative to 365 / d
    annual = [Decimal(365) / a[3] for a in rows]
    bid = [a[0] * (1 + a[1]) for a in rows]
    ask = [b + Decimal(1) for b in bid]
    dec_basis = [
        dated_fair_basis(a[0], b, k, Decimal(a[3])) for a, b, k in zip(rows, bid, ask, strict=True)
    ]
    fb = dated_fair_basis(
        s, np.array([float(v) for v in bid]), np.array([float(v) for v in ask]), d
    )
    agree(dec_basis, fb, scale=annual)
    agree(
        [dated_fair_price(a[0], b, Decimal(a[3])) for a, b in zip(rows, dec_basis, strict=True)],
        dated_fair_price(s, fb, d),
    )
    fwd = [carry_forward(a[0], a[4], Decimal(a[3]), a[4] / 3) for a in rows]
    ffwd = carry_forward(s, r, d, r / 3)
    agree(fwd, ffwd)
    agree(
        [annualised_basis(fw, a[0], Decimal(a[3])) for fw, a in zip(fwd, rows, strict=True)],
        annualised_basis(ffwd, s, d),
        scale=annual,
    )
    agree(
        [implied_carry_rate(fw, a[0], Decimal(a[3])) for fw, a in zip(fwd, rows, strict=True)],
        implied_carry_rate(ffwd, s, d),
        scale=annual,
    )


@given(
    side=st.sampled_from([1, -1]),
    contracts=st.integers(1, 5_000),
    entry=st.integers(5_000, 80_000),
    shortfall=st.integers(1, 10_000),
)
def test_binance_tiered_single_leg_solves_with_negative_cross_collateral(
    side: int, contracts: int, entry: int, shortfall: int
) -> None:
    """A cross wallet whose other positions lose more than it holds gives the leg a
    negative collateral; the exact tier solution must still put equity at maintenance
    (hypothesis found the engine's random crash books failing here on a short)."""
    tiers = TierTable(
        (Decimal(5), Decimal(10), Decimal("Infinity")),
        (Decimal("0.005"), Decimal("0.01"), Decimal("0.02")),
    )
    cv, e, n = Decimal(100), Decimal(entry), Decimal(contracts)
    pv_entry = n * cv / e
    other_upnl = -pv_entry * Decimal(shortfall) / 10_000  # below zero wallet
    leg = Leg(side, n, e, None, None)
    liq = binance_coinm_prices([leg], Decimal(0), cv, tiers=tiers, other_upnl=other_upnl)
    price = liq.liquidation_price
    if not price.is_finite():
        assert side == 1 or other_upnl + pv_entry > 0
        return
    value = n * cv / price
    rate, cum = tiers.rate_and_cum(value)
    equity = other_upnl + side * n * cv * (1 / e - 1 / price)
    assert abs(equity - (value * rate - cum)) <= Decimal("1e-20") * (1 + pv_entry)
