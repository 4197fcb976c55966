"""Golden rows transcribed from venue documentation (reference/inverse_contracts.md).

Each row names its source.  "published" numbers appear in the source as written;
"derived" numbers were computed here from the source's own formula, by hand, in exact
decimal arithmetic (never by calling the function under test).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from inversa.contracts import (
    Fill,
    Leg,
    TierTable,
    binance_coinm_prices,
    bybit_classic_cross_prices,
    bybit_isolated_prices,
    clamp_funding_rate,
    funding_payment,
    generic_prices,
    harmonic_entry,
    initial_margin,
    inverse_pnl,
    linear_rate,
    maintenance_margin,
    position_value,
    risk_step_rates,
    round_to_tick,
)

from ._support import BINANCE_BTCUSD_BRACKETS, BINANCE_TABLE, A, D

BINANCE_FAQ = (
    "https://www.binance.com/es-MX/support/faq/"
    "how-to-calculate-liquidation-price-of-coin-m-futures-contracts-ceccfcfb4e3a45e3b48b0b1bb1a8ae46"
)
BYBIT_LIQ = "https://help.bybit.com/hc/en-us/articles/360039261334"
BYBIT_BANKRUPTCY = "https://help.bybit.com/hc/en-us/articles/360037757474"
BITMEX_RISK = "https://bitmex.com/app/riskLimitsExamples"
DERIBIT_MARGIN = "https://test.deribit.com/pages/docs/futures"


# ---------------------------------------------------------------------------------------
# Binance COIN-M BTCUSD brackets: cum derived from the table.
# Reference §2.6 lists these cum values next to the (INFERRED) bracket table.  The rule
# "cum_n = cum_{n-1} + floor_n * (MMR_n - MMR_{n-1})" (Binance FAQ) reproduces every one of
# them except the last: for the >1000 BTC bracket (MMR 25 %) it gives
#     21.605 + 1000 * (0.25 - 0.15) = 121.605,
# while the reference prints 171.605 (which would need MMR 30 %).  We test the rule, so
# the expected value below is 121.605; the disagreement is recorded here on purpose.
# ---------------------------------------------------------------------------------------
REFERENCE_CUMS = ["0", "0.005", "0.055", "0.355", "1.605", "6.605", "11.605", "21.605", "171.605"]
DERIVED_CUMS = ["0", "0.005", "0.055", "0.355", "1.605", "6.605", "11.605", "21.605", "121.605"]


def _cums_by_rule(brackets: list[tuple[str, str]]) -> list[Decimal]:
    """cum_n = cum_{n-1} + floor_n * (MMR_n - MMR_{n-1}), written out independently."""
    out, floor, prev, cum = [], Decimal(0), Decimal(0), Decimal(0)
    for upper, rate in brackets:
        cum += floor * (Decimal(rate) - prev)
        out.append(cum)
        floor, prev = Decimal(upper), Decimal(rate)
    return out


def test_binance_cum_rule_matches_hand_derivation() -> None:
    """The product derives each bracket's cum from the rates alone, as written out by hand,
    and the result keeps maintenance margin continuous at every bracket boundary."""
    by_hand = _cums_by_rule(BINANCE_BTCUSD_BRACKETS)
    assert by_hand == [Decimal(c) for c in DERIVED_CUMS]
    parsed = TierTable.parse(",".join(f"{u}:{r}" for u, r in BINANCE_BTCUSD_BRACKETS))
    assert list(parsed.cums) == by_hand
    for (upper, rate), (_, next_rate), cum, next_cum in zip(
        BINANCE_BTCUSD_BRACKETS, BINANCE_BTCUSD_BRACKETS[1:], by_hand, by_hand[1:], strict=False
    ):
        value = Decimal(upper)
        assert parsed.rate_and_cum(value) == (Decimal(rate), cum)  # bounds are inclusive
        below = maintenance_margin(value, Decimal(rate), cum=cum)
        above = maintenance_margin(value, Decimal(next_rate), cum=next_cum)
        assert below == above


@pytest.mark.parametrize(
    ("index", "expected"), list(enumerate(DERIVED_CUMS)), ids=[f"tier{i}" for i in range(9)]
)
def test_binance_table_cum_derived(index: int, expected: str) -> None:
    """Source: Binance COIN-M liquidation FAQ (maintenance amount rule), reference §2.6."""
    assert BINANCE_TABLE.cums[index] == Decimal(expected)


def test_binance_reference_cum_disagreement_is_only_the_top_bracket() -> None:
    same = [r == d for r, d in zip(REFERENCE_CUMS, DERIVED_CUMS, strict=True)]
    assert same == [True] * 8 + [False]
    assert Decimal(REFERENCE_CUMS[-1]) - Decimal(DERIVED_CUMS[-1]) == 50


@pytest.mark.parametrize(
    ("value", "mmr", "cum", "mm", "source"),
    [
        # published: 300 BTC -> MMR 12.5 %, maintenance amount 11.605 BTC (newer FAQ page)
        ("300", "0.125", "11.605", "25.895", BINANCE_FAQ),
        # published: 100 contracts x 100 USD at mark 25,000 = 0.4 BTC, tier 1, MM 0.0016
        ("0.4", "0.004", "0", "0.0016", BINANCE_FAQ),
        # derived: bounds are inclusive; 5 BTC is still tier 1, 5.0001 the next one
        ("5", "0.004", "0", "0.02", "derived, bracket upper bound inclusive"),
        ("5.0001", "0.005", "0.005", "0.0200005", "derived, MM continuous at the bound"),
        ("1000", "0.15", "21.605", "128.395", "derived"),
        ("2000", "0.25", "121.605", "378.395", "derived (top bracket, cum by the rule)"),
    ],
)
def test_binance_bracket_lookup_and_mm(value, mmr, cum, mm, source) -> None:
    v = Decimal(value)
    assert BINANCE_TABLE.rate_and_cum(v) == (Decimal(mmr), Decimal(cum)), source
    assert maintenance_margin(v, tiers=BINANCE_TABLE) == Decimal(mm), source
    # the slice-by-slice charge gives the same MM (the deduction form is its shortcut)
    sliced, floor = Decimal(0), Decimal(0)
    for upper, rate in BINANCE_BTCUSD_BRACKETS:
        top = min(v, Decimal(upper))
        if top > floor:
            sliced += (top - floor) * Decimal(rate)
        floor = Decimal(upper)
    assert sliced == Decimal(mm)
    got = maintenance_margin(np.array([float(value)]), tiers=BINANCE_TABLE)
    np.testing.assert_allclose(got, [float(mm)], rtol=1e-14)


def test_bracket_bounds_are_inclusive_on_arrays() -> None:
    """Same tier choice on the vectorised path: 5 -> tier 1, 5.0001 -> tier 2, 400 -> 12.5 %."""
    rates, cums = BINANCE_TABLE.rate_and_cum(np.array([5.0, 5.0001, 400.0, 400.5]))
    np.testing.assert_array_equal(rates, [0.004, 0.005, 0.125, 0.15])
    np.testing.assert_allclose(cums, [0.0, 0.005, 11.605, 21.605], rtol=1e-15)


def test_bybit_tier_slices_example() -> None:
    """Bybit 'Maintenance Margin (Inverse Contract)': tiers 0-10/10-20/20-30 at 1/2/3 %,
    10,000 contracts at 400 -> PV 25, MM = 10*1% + 10*2% + 5*3% = 0.45 (published)."""
    table = TierTable.parse("10:0.01,20:0.02,30:0.03")
    pv = position_value(Decimal(10000), Decimal(400), Decimal(1))
    assert pv == 25
    assert maintenance_margin(pv, tiers=table) == Decimal("0.45")
    assert table.cums == (0, Decimal("0.1"), Decimal("0.3"))


# ---------------------------------------------------------------------------------------
# BitMEX risk steps, XBTUSD 2024: base 200 XBT, step 150 XBT, IM 1 %, MM 0.5 %,
# +0.5 % to both per started step (https://bitmex.com/app/riskLimitsExamples).
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "imr", "mmr"),
    [
        ("0", "0.01", "0.005"),
        ("100", "0.01", "0.005"),
        ("200", "0.01", "0.005"),  # at the base limit: no step
        ("200.01", "0.015", "0.01"),  # just above: one step
        ("350", "0.015", "0.01"),  # risk limit 350 XBT
        ("350.5", "0.02", "0.015"),
        ("500", "0.02", "0.015"),
        ("1000", "0.04", "0.035"),  # ceil(800/150) = 6 steps -> +3 %
    ],
)
def test_bitmex_risk_steps(value: str, imr: str, mmr: str) -> None:
    args = (D(200), D(150), D("0.01"), D("0.005"), D("0.005"))
    assert risk_step_rates(D(value), *args) == (D(imr), D(mmr)), BITMEX_RISK
    fi, fm = risk_step_rates(A(value), *(float(a) for a in args))
    np.testing.assert_allclose(fi, float(imr), rtol=1e-15)
    np.testing.assert_allclose(fm, float(mmr), rtol=1e-15)


# ---------------------------------------------------------------------------------------
# Deribit legacy standard margin: IM 2 % + 0.5 % per 100 BTC, MM 1.5 % + 0.5 % per 100 BTC.
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("size", "base", "rate", "margin", "kind"),
    [
        ("25", "0.02", "0.02125", "0.53125", "IM published"),
        ("350", "0.02", "0.0375", "13.125", "IM published"),
        ("25", "0.015", "0.01625", "0.40625", "MM derived"),
        ("350", "0.015", "0.0325", "11.375", "MM derived"),
    ],
)
def test_deribit_linear_margin(size: str, base: str, rate: str, margin: str, kind: str) -> None:
    slope = D("0.00005")  # 0.5 % per 100 BTC
    got = linear_rate(D(size), D(base), slope)
    assert got == D(rate), f"{kind}: {DERIBIT_MARGIN}"
    assert initial_margin(D(size), imr=got) == D(margin)
    np.testing.assert_allclose(
        linear_rate(A(size), float(base), float(slope)) * A(size), float(margin), rtol=1e-14
    )


# ---------------------------------------------------------------------------------------
# PnL: convexity, the synthetic USD hedge, NautilusTrader's ETH case.
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("exit", "pnl"),
    [
        # 600,000 * (1/6000 - 1/7000) = 100 - 85.714285... = 14.285714... (published +14.286)
        ("7000", Decimal(100) / 7),
        # 600,000 * (1/6000 - 1/5000) = 100 - 120 = -20 (published)
        ("5000", Decimal(-20)),
    ],
)
def test_58coin_convexity(exit: str, pnl: Decimal) -> None:
    """58coin standard contract: long 600,000 USD contracts at 6,000."""
    got = inverse_pnl(1, D(600000), D(6000), D(exit), D(1))
    assert abs(got - pnl) < Decimal("1e-24")
    assert round(got, 3) in (Decimal("14.286"), Decimal("-20.000"))
    np.testing.assert_allclose(
        inverse_pnl(1, A(600000), A(6000), A(exit), A(1)), float(pnl), rtol=1e-14
    )


def test_58coin_long_loses_more_down_than_it_gains_up() -> None:
    up = inverse_pnl(1, D(600000), D(6000), D(7000), D(1))
    down = inverse_pnl(1, D(600000), D(6000), D(5000), D(1))
    assert -down > up > 0


@pytest.mark.parametrize("price", ["5000", "2000", "8000", "12000", "50000"])
def test_synthetic_usd_hedge(price: str) -> None:
    """Romano RNR: 2 BTC + short 16,000 contracts at 8,000 keep 16,000 USD at any price;
    at 5,000 the PnL is +1.2 BTC and the total 3.2 BTC (published)."""
    x = D(price)
    coins = Decimal(2) + inverse_pnl(-1, D(16000), D(8000), x, D(1))
    assert coins * x == Decimal(16000)
    if price == "5000":
        assert coins == Decimal("3.2")
    fc = 2.0 + inverse_pnl(-1, A(16000), A(8000), A(price), A(1))
    np.testing.assert_allclose(fc * float(price), 16000.0, rtol=1e-14)


def test_nautilus_eth_inverse_short() -> None:
    """NautilusTrader ETHUSD.BITMEX stub (inverse, ETH-settled): short 100,000 @ 375.95,
    mark 370: UPnL 4.27745208 ETH, notional 270.27027027 ETH (published, 8 dp).
    Derived: 100,000 * (1/370 - 1/375.95) = 595,000 / 139,101.5 = 4.2774520907..."""
    exact_pnl = Decimal(595000) / Decimal("139101.5")
    pnl = inverse_pnl(-1, D(100000), D("375.95"), D(370), D(1))
    assert abs(pnl - exact_pnl) < Decimal("1e-24")
    assert round(pnl, 8) == Decimal("4.27745208")
    value = position_value(D(100000), D(370), D(1))
    assert round(value, 8) == Decimal("270.27027027")
    np.testing.assert_allclose(
        inverse_pnl(-1, A(100000), A("375.95"), A(370), A(1)), 4.27745208, atol=5e-9
    )


@pytest.mark.parametrize(
    ("fills", "entry", "arithmetic", "source"),
    [
        (["1000@5000", "2000@6000"], Decimal(5625), Decimal(17000) / 3, "Bybit P&L (inverse)"),
        (["50@10000", "50@15000"], Decimal(12000), Decimal(12500), "Bybit average entry price"),
    ],
)
def test_harmonic_entry_published(fills, entry, arithmetic, source) -> None:
    """Bybit: 'Average entry price = Total contracts / Total contract value in BTC'.
    NautilusTrader's arithmetic mean (5,666.67 / 12,500) is not what the venue uses."""
    parsed = [Fill.parse(f) for f in fills]
    got = harmonic_entry([f.quantity for f in parsed], [f.price for f in parsed])
    assert abs(got - entry) < Decimal("1e-20"), source
    assert abs(got - arithmetic) > 1


# ---------------------------------------------------------------------------------------
# Bybit closed forms (classic / UTA-A, MM at entry; UTA-B, MM at the mark).
# ---------------------------------------------------------------------------------------
BYBIT_CASES = [
    (1, "8000", "50", "0.005"),  # V15 inputs
    (-1, "8000", "50", "0.005"),
    (1, "50000", "10", "0.005"),  # V17 inputs
    (-1, "50000", "10", "0.005"),
    (1, "10000", "100", "0.005"),
    (-1, "10000", "100", "0.005"),
    (1, "30000", "1", "0.01"),
    (-1, "30000", "1", "0.01"),  # a 1x short never goes bankrupt
    (1, "123.45", "3.3", "0.025"),
    (-1, "123.45", "3.3", "0.025"),
]


def _inf() -> Decimal:
    return Decimal("Infinity")


@pytest.mark.parametrize(("side", "entry", "lev", "mmr"), BYBIT_CASES)
def test_bybit_classic_closed_forms(side: int, entry: str, lev: str, mmr: str) -> None:
    """B_long = E*lev/(lev+1), L_long = E*lev/(lev+1-MMR*lev); shorts mirror:
    B_short = E*lev/(lev-1), L_short = E*lev/(lev-1+MMR*lev) (Bybit help centre)."""
    e, lv, m = D(entry), D(lev), D(mmr)
    if side == 1:
        b, liq = e * lv / (lv + 1), e * lv / (lv + 1 - m * lv)
    else:
        b = e * lv / (lv - 1) if lv > 1 else _inf()
        liq = e * lv / (lv - 1 + m * lv)
    # the classic formula is independent of size: check several sizes and CVs
    for n, cv in [(D(1), D(1)), (D(60000), D(1)), (D(37), D(100))]:
        res = bybit_isolated_prices(side, e, lv, m, n, cv, mm_at="entry")
        for got, want in [(res.liquidation_price, liq), (res.bankruptcy_price, b)]:
            if want.is_infinite():
                assert got == want
            else:
                assert abs(got - want) <= want * Decimal("1e-25"), (BYBIT_LIQ, got, want)
    fres = bybit_isolated_prices(side, A(entry), A(lev), A(mmr), A(10), A(1), mm_at="entry")
    np.testing.assert_allclose(fres.liquidation_price, float(liq), rtol=1e-13)
    np.testing.assert_allclose(fres.bankruptcy_price, float(b), rtol=1e-13)


@pytest.mark.parametrize(("side", "entry", "lev", "mmr"), BYBIT_CASES)
def test_bybit_uta_b_closed_forms(side: int, entry: str, lev: str, mmr: str) -> None:
    """UTA version B (MM at mark), no added margin: L = E*lev*(1+side*MMR)/(lev+side);
    derived from IM + PnL(L) = PV(L)*MMR (kbybit UTA isolated liquidation page)."""
    e, lv, m = D(entry), D(lev), D(mmr)
    denominator = lv + side
    liq = e * lv * (1 + side * m) / denominator if denominator > 0 else _inf()
    b = e * lv / denominator if denominator > 0 else _inf()
    res = bybit_isolated_prices(side, e, lv, m, D(60000), D(1), mm_at="mark")
    for got, want in [(res.liquidation_price, liq), (res.bankruptcy_price, b)]:
        if want.is_infinite():
            assert got == want
        else:
            assert abs(got - want) <= want * Decimal("1e-25")


def test_bybit_published_v15_v17() -> None:
    """V15 (classic) 8000*50/50.75 = 7881.77, B = 8000*50/51 = 7843.14; V17 vs V17b:
    45662.10 (MM at entry) vs 45681.82 (MM at mark)."""
    c = bybit_isolated_prices(1, D(8000), D(50), D("0.005"), D(1), D(1))
    assert round(c.liquidation_price, 2) == Decimal("7881.77")
    assert round(c.bankruptcy_price, 2) == Decimal("7843.14")
    a = bybit_isolated_prices(1, D(50000), D(10), D("0.005"), D(60000), D(1), mm_at="entry")
    b = bybit_isolated_prices(1, D(50000), D(10), D("0.005"), D(60000), D(1), mm_at="mark")
    assert round(a.liquidation_price, 2) == Decimal("45662.10")
    assert round(b.liquidation_price, 2) == Decimal("45681.82")


# Bybit: long bankruptcy price rounded UP to the 0.5 tick, short rounded DOWN.
@pytest.mark.parametrize(
    ("price", "mode", "expected"),
    [
        (Decimal(400000) / 51, "up", "7843.5"),  # long 8000 x50: 7843.137...
        (Decimal(400000) / 49, "down", "8163.0"),  # short 8000 x50: 8163.265...
        (Decimal(500000) / 11, "up", "45455.0"),  # long 50000 x10: 45454.545...
        (Decimal(500000) / 9, "down", "55555.5"),  # short 50000 x10: 55555.555...
        (Decimal("7843.5"), "up", "7843.5"),  # already on the tick: unchanged
        (Decimal("7843.5"), "down", "7843.5"),
        (Decimal("7843.25"), "nearest", "7843.0"),  # half-even
        (Decimal("7843.26"), "nearest", "7843.5"),
    ],
)
def test_bybit_round_to_tick(price: Decimal, mode: str, expected: str) -> None:
    """Source: Bybit 'How to calculate Bankruptcy Price' (tick 0.5)."""
    got = round_to_tick(price, Decimal("0.5"), mode)
    assert got == Decimal(expected), BYBIT_BANKRUPTCY


def test_bybit_bankruptcy_rounding_is_conservative() -> None:
    tick = Decimal("0.5")
    long_b = bybit_isolated_prices(1, D(8000), D(50), D("0.005"), D(1), D(1)).bankruptcy_price
    short_b = bybit_isolated_prices(-1, D(8000), D(50), D("0.005"), D(1), D(1)).bankruptcy_price
    assert round_to_tick(long_b, tick, "up") == Decimal("7843.5") > long_b
    assert round_to_tick(short_b, tick, "down") == Decimal("8163.0") < short_b


# ---------------------------------------------------------------------------------------
# Funding: BitMEX perpetual guide example, both sides (peer to peer, nothing to ADL or fees).
# ---------------------------------------------------------------------------------------
def test_bitmex_funding_example_both_sides() -> None:
    """15,000 contracts at mark 750 = 20 XBT; rate 0.25 %: the long pays 0.05 XBT and the
    short receives exactly 0.05 XBT (https://bitmex.com/app/perpetualContractsGuideExamples)."""
    long_ = funding_payment(1, D(15000), D(1), D(750), D("0.0025"))
    short = funding_payment(-1, D(15000), D(1), D(750), D("0.0025"))
    assert long_ == Decimal("-0.05")
    assert short == Decimal("0.05")
    assert long_ + short == 0
    # negative rate: shorts pay longs
    assert funding_payment(1, D(15000), D(1), D(750), D("-0.0025")) == Decimal("0.05")
    fl = funding_payment(1, A(15000), A(1), A(750), A("0.0025"))
    np.testing.assert_allclose(fl, -0.05, rtol=1e-15)


@pytest.mark.parametrize(
    ("premium", "rate"),
    [
        ("0.0003", "0.0001"),  # V28a: I - P = -0.0002 inside the clamp -> F = I
        ("0.001", "0.0005"),  # V28b: I - P = -0.0009 -> -0.0005 -> F = 0.0005
        ("-0.0002", "0.0001"),  # V28c
        ("-0.001", "-0.0005"),  # derived: I - P = 0.0011 -> +0.0005 -> F = -0.0005
    ],
)
def test_funding_clamp_default_is_five_bp(premium: str, rate: str) -> None:
    """BitMEX/Bybit/Binance: F = P + clamp(I - P, -0.05 %, +0.05 %) with I = 0.01 %; without
    an explicit clamp the function must use 0.05 % (Bybit funding-rate help page)."""
    assert clamp_funding_rate(D(premium), D("0.0001")) == D(rate)
    np.testing.assert_allclose(clamp_funding_rate(A(premium), 0.0001), float(rate), atol=1e-18)


def test_bydfi_coinm_funding_example() -> None:
    """BYDFi COIN-M: 100 contracts x 100 USD / 10,000 x 0.01 % = 0.0001 BTC (published)."""
    assert funding_payment(1, D(100), D(100), D(10000), D("0.0001")) == Decimal("-0.0001")


def test_bybit_classic_cross_derived() -> None:
    """Bybit inverse cross (standard account), https://help.bybit.com/hc/en-us/articles/
    360039261334: B_long = 1.00075*N / (N/E + AvailableBalance) and L_long solves
    N*(1/E - 1/L) = -(Balance - OrderMargin - (N/E)*MMR - N*0.00075/B).
    Long 10,000 contracts at 8,000 (1.25 BTC), balance 0.1 BTC, MMR 0.5 %, taker 0.075 %:
    B = 10,007.5 / 1.35 = 7412.96296...; fee to close = 7.5 / B;
    L = 10,000 / (1.25 + 0.1 - 0.00625 - 7.5 / B)  (derived).  The short mirrors it:
    B_short = 0.99925*N / (N/E - Avail) = 9992.5 / 1.15."""
    n, e, bal, m, t = D(10000), D(8000), D("0.1"), D("0.005"), D("0.00075")
    b = Decimal("10007.5") / Decimal("1.35")
    liq = n / (Decimal("1.25") + bal - Decimal("0.00625") - Decimal("7.5") / b)
    res = bybit_classic_cross_prices(1, e, n, D(1), bal, m, t)
    assert abs(res.bankruptcy_price - b) < Decimal("1e-20")
    assert abs(res.liquidation_price - liq) < Decimal("1e-20")
    assert b < res.liquidation_price < e
    bs = Decimal("9992.5") / Decimal("1.15")
    ls = n / (Decimal("1.25") - (bal - Decimal("0.00625") - Decimal("7.5") / bs))
    short = bybit_classic_cross_prices(-1, e, n, D(1), bal, m, t)
    assert abs(short.bankruptcy_price - bs) < Decimal("1e-20")
    assert abs(short.liquidation_price - ls) < Decimal("1e-20")
    assert e < short.liquidation_price < bs


# ---------------------------------------------------------------------------------------
# Binance COIN-M liquidation with the bracket table, derived by hand.
# ---------------------------------------------------------------------------------------
def test_binance_one_bracket_p1_matches_generic() -> None:
    """P1: long 100 x 100 USD at 25,000, wallet 1 BTC, MMR 0.4 %, cum 0:
    L = 10,000 * 1.004 / (1 + 0.4) = 7171.428571... (derived from equity = MM)."""
    want = Decimal(10040) / Decimal("1.4")
    b = binance_coinm_prices([Leg(1, D(100), D(25000), D("0.004"), D(0))], D(1), D(100))
    g = generic_prices(1, D(25000), D(100), D(100), D(1), mmr=D("0.004"))
    assert abs(b.liquidation_price - want) < Decimal("1e-22")
    assert abs(g.liquidation_price - want) < Decimal("1e-22")
    # bankruptcy: 10,000 / (1 + 0.4)
    assert abs(b.bankruptcy_price - Decimal(10000) / Decimal("1.4")) < Decimal("1e-22")


def test_binance_bracket_reselected_at_liquidation_price() -> None:
    """Short 300 BTC of notional at 20,000 (60,000 x 100 USD) on an isolated wallet of
    150 BTC.  The entry bracket (12.5 %, cum 11.605) would give
    L = 6e6*0.875/(300-161.605) = 37,934.90, where the notional is 158.2 BTC: the
    100-200 bracket (10 %, cum 6.605) applies instead, and
    L = 6e6 * 0.9 / (300 - 150 - 6.605) = 5.4e6 / 143.395 = 37,658.2168... (derived)."""
    want = Decimal("5.4e6") / Decimal("143.395")
    res = binance_coinm_prices([Leg(-1, D(60000), D(20000))], D(150), D(100), tiers=BINANCE_TABLE)
    assert abs(res.liquidation_price - want) < Decimal("1e-20")
    assert Decimal(100) < Decimal("6e6") / res.liquidation_price <= Decimal(200)
    assert res.bankruptcy_price == Decimal(40000)  # 6e6 / (300 - 150)


def test_binance_low_leverage_short_in_high_bracket() -> None:
    """Short 500 BTC of notional at 20,000 (100,000 x 100 USD), wallet 500/1.02 BTC.

    The entry bracket (15 %, cum 21.605) has WB + cum - PV_E = 490.196 + 21.605 - 500 > 0,
    i.e. no price on that line; but the equity WB - PV_E < 0 at a high enough price, so
    the position is liquidated.  The 5-10 BTC bracket (0.5 %, cum 0.005) holds it:
        L = 1e7 * 0.995 / (500 - 500/1.02 - 0.005) = 1,015,417.8631...
    and the notional at L, 9.85 BTC, lies in (5, 10].  binance_coinm_prices returns
    L = Infinity (while B = 1,020,000 is finite), generic_prices returns the value above.
    Regression: returned L = Infinity before 9ae4935 (the search stopped at the entry bracket).
    """
    wallet = Decimal(500) / Decimal("1.02")
    want = Decimal("9.95e6") / (Decimal(500) - wallet - Decimal("0.005"))
    g = generic_prices(-1, D(20000), D(100000), D(100), wallet, tiers=BINANCE_TABLE)
    assert abs(g.liquidation_price - want) < Decimal("1e-15")  # the reference solver agrees
    res = binance_coinm_prices([Leg(-1, D(100000), D(20000))], wallet, D(100), tiers=BINANCE_TABLE)
    assert abs(res.liquidation_price - want) < Decimal("1e-15")


def test_binance_array_bracket_search_per_element() -> None:
    """Element 0 is the 300 BTC short above (L = 37,658.2168..., derived); element 1 is the
    same short on a 1,000 BTC wallet, never liquidated (inf).  Element 0 must not depend on
    element 1.  Regression: before 9ae4935 the array call returned 37,934.896... (the entry
    bracket's line) because one infinite element stopped the search for all."""
    want = float(Decimal("5.4e6") / Decimal("143.395"))
    res = binance_coinm_prices(
        [Leg(-1, np.array([60000.0, 60000.0]), np.array([20000.0, 20000.0]))],
        np.array([150.0, 1000.0]),
        100.0,
        tiers=BINANCE_TABLE,
    )
    assert np.isinf(res.liquidation_price[1])
    np.testing.assert_allclose(res.liquidation_price[0], want, rtol=1e-12)


def test_tiered_mm_on_numpy_float_scalar() -> None:
    """np.float64 is a float; the float branch must give 25 * 3 % - 0.3 = 0.45 (V20 tiers).
    Regression: before 9ae4935, Decimal(repr(np.float64(25.0))) raised InvalidOperation."""
    table = TierTable.parse("10:0.01,20:0.02,30:0.03")
    got = maintenance_margin(np.float64(25.0), tiers=table)
    assert abs(got - 0.45) < 1e-15
