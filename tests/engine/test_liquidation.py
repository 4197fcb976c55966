"""Liquidation at maintenance, the bankruptcy price, the insurance fund and ADL."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inversa.contracts import TierTable, bybit_isolated_prices, generic_prices
from inversa.engine import (
    Engine,
    Event,
    Filled,
    InsuranceFlow,
    InvariantError,
    LiquidationStarted,
    LossUncovered,
    adl_score,
    check_invariants,
)
from inversa.engine import liquidation as liq
from inversa.engine.risk import Unit
from inversa.engine.state import EngineState

from ._support import (
    BINANCE_TIERS,
    MM,
    SYMBOL,
    D,
    assert_log_replays,
    binance_perp,
    flat_perp,
    new_engine,
    valued_at,
)


def _open(
    engine: Engine,
    account: str,
    side: int,
    contracts: object,
    price: object,
    lev: object,
    mode: str = "isolated",
    deposit: object = 100,
) -> None:
    if SYMBOL not in engine.state.marks:
        engine.set_mark(SYMBOL, price)
    engine.deposit(account, deposit)
    engine.set_leverage(account, SYMBOL, lev, mode)
    engine.trade(account, SYMBOL, side, contracts, price)


def _liquidated(engine: Engine, start: int) -> list[str]:
    return [e.account for e in engine.events[start:] if isinstance(e, LiquidationStarted)]


@settings(max_examples=150, deadline=None)
@given(
    side=st.sampled_from([1, -1]),
    lev=st.integers(2, 100),
    entry=st.integers(5_000, 90_000),
    contracts=st.integers(1, 200),
    mm_at=st.sampled_from(["mark", "entry"]),
    mode=st.sampled_from(["isolated", "cross"]),
)
def test_liquidation_happens_exactly_when_equity_crosses_maintenance(
    side: int, lev: int, entry: int, contracts: int, mm_at: str, mode: str
) -> None:
    """The liquidation price comes from the contracts formulas (isolated: margin =
    PV_E / lev; cross: the whole wallet backs the position), not from the engine; the
    engine must keep the position a hair on the safe side of it and liquidate a hair
    beyond it."""
    perp = binance_perp(maker=0, taker=0, liquidation_model=valued_at(mm_at))
    engine = new_engine(perp, mm_deposit=10**6)
    cv, e, n, lev_d = D(100), D(entry), D(contracts), D(lev)
    pv = n * cv / e
    collateral = pv / lev_d  # the isolated margin, and the cross wallet below
    _open(engine, "t", side, contracts, entry, lev, mode, deposit=collateral)
    engine.set_mark(SYMBOL, entry)
    if mm_at == "mark":
        level = generic_prices(side, e, n, cv, collateral, tiers=BINANCE_TIERS).liquidation_price
    else:
        rate, cum = BINANCE_TIERS.rate_and_cum(pv)
        level = bybit_isolated_prices(
            side, e, lev_d, rate, n, cv, deduction=cum, mm_at="entry"
        ).liquidation_price
    assert abs(engine.liquidation_price("t", SYMBOL) / level - 1) < D("1e-25")
    safe, beyond = (level * D("1.000000001"), level * D("0.999999999"))
    if side == -1:
        safe, beyond = beyond, safe
    start = len(engine.events)
    engine.set_mark(SYMBOL, safe)
    assert engine.position("t", SYMBOL) is not None
    status = engine.margin("t", SYMBOL)
    assert status.equity > status.maintenance
    engine.set_mark(SYMBOL, beyond)
    assert engine.position("t", SYMBOL) is None
    assert _liquidated(engine, start) == ["t"]
    assert abs(engine.equity("t")) <= D("1e-20")  # closed at the bankruptcy price
    check_invariants(engine, replay=True)


@pytest.mark.parametrize(("side", "lev"), [(1, 10), (1, 3), (-1, 10), (-1, 4)])
def test_isolated_bankruptcy_price_and_surplus_to_the_fund(side: int, lev: int) -> None:
    """Isolated margin PV_E/lev goes bankrupt at E*lev/(lev+1) (long) or E*lev/(lev-1)
    (short); filled at the mark instead, the fund keeps N*CV*side*(1/B - 1/X)."""
    engine = new_engine(flat_perp())
    _open(engine, "t", side, 10_000, 10_000, lev)
    e = Fraction(10_000)
    bankrupt = e * lev / (lev + side)
    assert Fraction(engine.bankruptcy_price("t", SYMBOL)) == pytest.approx(bankrupt, rel=1e-30)
    level = engine.liquidation_price("t", SYMBOL)
    mark = level * (1 - side * D("0.001"))
    engine.set_mark(SYMBOL, mark)
    assert engine.position("t", SYMBOL) is None
    surplus = 10_000 * side * (1 / bankrupt - 1 / Fraction(mark))
    assert surplus > 0
    assert Fraction(engine.insurance_fund()) == pytest.approx(surplus, abs=1e-30)
    assert Fraction(engine.wallet("t")) == pytest.approx(100 - Fraction(1, lev), abs=1e-30)
    assert engine.position(MM, SYMBOL) is None  # the market maker took the close
    assert_log_replays(engine)


def test_fill_worse_than_bankruptcy_draws_from_the_fund() -> None:
    engine = new_engine(flat_perp())
    engine.fund_insurance(1)
    _open(engine, "t", 1, 10_000, 10_000, 10)
    bankrupt = Fraction(100_000, 11)
    engine.set_mark(SYMBOL, 9000, liquidation_fill=D(8000))
    loss = 10_000 * (Fraction(1, 8000) - 1 / bankrupt)
    assert Fraction(engine.insurance_fund()) == pytest.approx(1 - loss, abs=1e-30)
    fill = next(e for e in engine.events if isinstance(e, Filled) and e.reason == "liquidation")
    assert fill.price == 8000
    assert fill.buyer.account == MM
    assert fill.contracts == 10_000
    flows = [e.amount for e in engine.events if isinstance(e, InsuranceFlow)]
    assert len(flows) == 1
    assert Fraction(flows[0]) == pytest.approx(-loss, abs=1e-30)
    assert engine.wallet("t") == D("99.9")
    assert_log_replays(engine)


def test_exhausted_fund_fills_what_it_can_and_deleverages_the_rest() -> None:
    """Long 100 @ 1,000 at 10x: B = 909.09...; a gap fill at 800 loses
    1/800 - 1/B = 0.00015 coin per contract.  A fund of 0.0005 pays for 3 contracts at
    the market; 97 are deleveraged at B: first the 20x isolated short (higher effective
    leverage), then the market maker."""
    engine = new_engine(flat_perp())
    engine.fund_insurance("0.0005")
    _open(engine, "t", 1, 100, 1000, 10)
    engine.deposit("l2", 10)
    _open(engine, "s2", -1, 50, 1000, 20, deposit=1)
    # s2 sold to the market maker; hand those contracts to l2 so the maker is short 100
    engine.buy("l2", SYMBOL, 50, price=1000)
    assert engine.position(MM, SYMBOL).size == -100  # type: ignore[union-attr]
    start = len(engine.events)
    engine.set_mark(SYMBOL, 800)
    fills = [e for e in engine.events[start:] if isinstance(e, Filled)]
    market = [f for f in fills if f.reason == "liquidation"]
    adl = [f for f in fills if f.reason == "adl"]
    assert [(f.contracts, f.price, f.buyer.account) for f in market] == [(3, 800, MM)]
    bankrupt = Fraction(10_000, 11)
    assert [(f.buyer.account, f.contracts) for f in adl] == [("s2", 50), (MM, 47)]
    assert all(Fraction(f.price) == pytest.approx(bankrupt, rel=1e-30) for f in adl)
    fund = Fraction("0.0005") - 3 * (Fraction(1, 800) - 1 / bankrupt)
    assert Fraction(engine.insurance_fund()) == pytest.approx(fund, abs=1e-30)
    assert engine.position("s2", SYMBOL) is None
    assert not [e for e in engine.events if isinstance(e, LossUncovered)]
    assert_log_replays(engine)


def test_without_a_market_maker_liquidations_go_to_adl() -> None:
    engine = Engine(flat_perp(), market_maker=None)
    engine.deposit("l", 1)
    engine.deposit("s", 1)
    engine.set_mark(SYMBOL, 1000)
    engine.set_leverage("l", SYMBOL, 50, "isolated")
    engine.buy("l", SYMBOL, 100, price=1000, counterparty="s")
    engine.set_mark(SYMBOL, 970)
    fills = [e for e in engine.events if isinstance(e, Filled) and e.reason == "adl"]
    assert len(fills) == 1
    assert fills[0].buyer.account == "s"
    assert Fraction(fills[0].price) == pytest.approx(Fraction(50_000, 51), rel=1e-30)
    assert engine.insurance_fund() == 0  # closed at B: nothing left to sweep
    assert_log_replays(engine)


def test_bitmex_adl_worked_example() -> None:
    """BitMEX's ADL example: six longs with quantities 10, 10, 20, 30, 20, 10 (accounts
    1..6) ranked 3, 6, 1, 4, 5, 2; a liquidated short of 20 with bankruptcy price 650 is
    filled against account 2 (all 10) and account 5 (10 of its 20).

    Construction (1 USD contracts, 0.5 % maintenance, no fees, empty insurance fund):
    accounts 2, 5, 4, 1 and 6 go long at 500 with isolated leverage 50, 25, 20, 10 and 5;
    account 3 goes long at 700 with leverage 2.  At the mark of 648 the five longs from 500
    have the same PnL% = 1 - 500/648 > 0, so the score PnL% x EffLev orders them by
    effective leverage, i.e. by leverage (2 > 5 > 4 > 1 > 6); account 3 is losing (entry
    700 > 648), so its score PnL%/EffLev is negative and it ranks last.  The short sells
    20 at 600 with isolated leverage 13, so B = 600 x 13 / 12 = 650; its liquidation price
    (maintenance at the mark) is 650 x 0.995 = 646.75, so the mark of 648 liquidates it.
    The liquidation fills at 660, worse than B, and the fund is empty: all 20 contracts
    are auto-deleveraged at 650.
    """
    engine = new_engine(flat_perp())
    engine.set_mark(SYMBOL, 700)
    _open(engine, "3", 1, 20, 700, 2)
    engine.set_mark(SYMBOL, 500)
    for account, qty, lev in (("2", 10, 50), ("5", 20, 25), ("4", 30, 20), ("1", 10, 10)):
        _open(engine, account, 1, qty, 500, lev)
    _open(engine, "6", 1, 10, 500, 5)
    engine.set_mark(SYMBOL, 600)
    _open(engine, "short", -1, 20, 600, 13)
    assert Fraction(engine.bankruptcy_price("short", SYMBOL)) == pytest.approx(650, rel=1e-30)
    engine.set_mark(SYMBOL, 646)  # still above maintenance: rank the longs here
    ranks = engine.adl_ranking(SYMBOL, "long")
    assert [(r.account, r.contracts) for r in ranks] == [
        ("2", 10),
        ("5", 20),
        ("4", 30),
        ("1", 10),
        ("6", 10),
        ("3", 20),
    ]
    assert ranks[-1].score < 0 < ranks[-2].score
    engine.set_mark(SYMBOL, 648, liquidation_fill=D(660))
    adl = [e for e in engine.events if isinstance(e, Filled) and e.reason == "adl"]
    assert [(f.seller.account, f.contracts) for f in adl] == [("2", 10), ("5", 10)]
    assert all(f.buyer.account == "short" for f in adl)
    assert all(abs(f.price - 650) < D("1e-30") for f in adl)
    assert engine.position("2", SYMBOL) is None
    assert engine.position("5", SYMBOL).size == 10  # type: ignore[union-attr]
    assert engine.position("short", SYMBOL) is None
    assert engine.insurance_fund() == 0
    assert_log_replays(engine)


def test_adl_score_by_hand() -> None:
    """Long 100 x 1 USD: entry 500, mark 600, bankrupt 450 -> PnL% 1/6, EffLev 3, score
    1/2.  Entry 700, mark 600, bankrupt 500 -> PnL% -1/6, EffLev 5, score -1/30."""
    pnl, lev, score = adl_score(1, D(100), D(500), D(600), D(450), D(1))
    assert Fraction(pnl) == pytest.approx(Fraction(1, 6), abs=1e-35)
    assert Fraction(lev) == pytest.approx(3, abs=1e-35)
    assert Fraction(score) == pytest.approx(Fraction(1, 2), abs=1e-35)
    pnl, lev, score = adl_score(1, D(100), D(700), D(600), D(500), D(1))
    assert Fraction(pnl) == pytest.approx(Fraction(-1, 6), abs=1e-35)
    assert Fraction(lev) == pytest.approx(5, abs=1e-35)
    assert Fraction(score) == pytest.approx(Fraction(-1, 30), abs=1e-35)
    # a short mirrors it: entry 600, mark 500, bankrupt 700
    pnl, lev, score = adl_score(-1, D(100), D(600), D(500), D(700), D(1))
    assert pnl > 0
    assert lev > 0
    assert Fraction(score) == pytest.approx(Fraction(pnl) * Fraction(lev), rel=1e-30)


PARTIAL_TIERS = TierTable((D(10), D("Infinity")), (D("0.01"), D("0.05")))


@pytest.mark.parametrize("partial", [True, False])
def test_partial_liquidation_steps_down_a_tier(partial: bool) -> None:
    """15 BTC long at 10,000, 10x isolated, tiers 1 % to 10 BTC then 5 %.  At 9,300 the
    equity 0.371 is below MM 0.4065; closing 570 contracts brings the value to exactly
    10 BTC (tier 1, MM 0.1) with the equity unchanged, so the rest survives."""
    perp = binance_perp(maker=0, taker=0, margin=PARTIAL_TIERS)
    engine = new_engine(perp, mm_deposit=10**4, partial_liquidation=partial)
    _open(engine, "t", 1, 1500, 10_000, 10)
    engine.set_mark(SYMBOL, 9300)
    pos = engine.position("t", SYMBOL)
    if partial:
        assert pos is not None
        assert pos.size == 930
        step = [e for e in engine.events if isinstance(e, Filled) and e.reason != "order"]
        assert [(f.reason, f.contracts) for f in step] == [("partial_liquidation", 570)]
        status = engine.margin("t", SYMBOL)
        assert Fraction(status.equity) == pytest.approx(Fraction(16.5) - Fraction(150_000, 9300))
        assert status.maintenance == D("0.1")
    else:
        assert pos is None
    assert_log_replays(engine)


def test_cross_liquidation_closes_every_cross_position_and_spares_isolated_ones() -> None:
    """Cross longs of 2 BTC (perpetual) and 1 BTC (quarterly) on a 0.25 BTC wallet, and an
    isolated 1 BTC short: a 12 % fall of the perpetual liquidates the cross wallet; the
    perpetual (the loser) closes first at its bankruptcy price, the quarterly at its mark,
    the wallet ends at zero and the isolated position keeps its margin."""
    symbols = (SYMBOL, "BTC/USD:BTC-Q", "BTC/USD:BTC-M")
    engine = Engine([binance_perp(symbol=s, maker=0, taker=0) for s in symbols])
    engine.deposit(MM, 10**4)
    engine.deposit("t", "0.3")
    for s in symbols:
        engine.set_mark(s, 10_000)
        engine.set_leverage("t", s, 20, "isolated" if s.endswith("M") else "cross")
    engine.buy("t", SYMBOL, 200)
    engine.buy("t", "BTC/USD:BTC-Q", 100)
    engine.sell("t", "BTC/USD:BTC-M", 100)
    start = len(engine.events)
    engine.set_mark(SYMBOL, 8800)
    closed = [(e.symbol, e.reason) for e in engine.events[start:] if isinstance(e, Filled)]
    assert closed == [(SYMBOL, "adl"), ("BTC/USD:BTC-Q", "liquidation")]
    assert engine.position("t", SYMBOL) is None
    assert engine.position("t", "BTC/USD:BTC-Q") is None
    iso = engine.position("t", "BTC/USD:BTC-M")
    assert iso is not None
    assert iso.margin == D("0.05")
    assert abs(engine.wallet("t")) <= D("1e-20")
    check_invariants(engine, replay=True)


@dataclass
class _Recorder:
    state: EngineState
    emitted: list[Event] = field(default_factory=list)

    def _emit(self, event: Event) -> None:
        self.emitted.append(event)


def test_sweep_covers_from_the_fund_then_reports_the_uncovered_rest() -> None:
    engine = new_engine(flat_perp())
    engine.deposit("t", 1)
    engine.fund_insurance("0.3")
    unit = Unit("t", "BTC")
    venue = _Recorder(engine.state)
    liq._sweep(venue, unit, D("-0.5"), last=True)
    assert venue.emitted == [
        InsuranceFlow("t", "BTC", None, D("-0.3")),
        LossUncovered("t", "BTC", D("0.2")),
    ]
    venue = _Recorder(engine.state)
    liq._sweep(venue, unit, D("-1e-30"), last=True)  # dust: the fund takes it
    assert venue.emitted == [InsuranceFlow("t", "BTC", None, D("-1e-30"))]
    venue = _Recorder(engine.state)
    liq._sweep(venue, unit, D("0.25"), last=False)
    assert venue.emitted == [InsuranceFlow("t", "BTC", None, D("0.25"))]


def test_settled_invariant_accepts_only_reported_negative_balances() -> None:
    engine = new_engine(flat_perp())
    engine.apply(InsuranceFlow(MM, "BTC", None, D(1001)))  # the maker's wallet: -1
    check_invariants(engine, settled=False)
    with pytest.raises(InvariantError, match="below zero"):
        check_invariants(engine)
    engine.apply(LossUncovered(MM, "BTC", D(1)))
    check_invariants(engine)


def test_market_fill_size_rounds_down_to_lots() -> None:
    # loss per contract 1/800 - 1/1000 = 0.00025; a fund of 0.001 pays for 4
    size = liq.market_fill_size(1, D(10), D(1000), D(800), D(1), D("0.001"), D(1))
    assert size == 4
    assert liq.market_fill_size(1, D(10), D(1000), D(1100), D(1), D(0), D(1)) == 10
    assert liq.market_fill_size(-1, D(10), D("Infinity"), D(900), D(1), D(0), D(1)) == 10
    assert liq.market_fill_size(1, D(10), D(1000), D(800), D(1), D(0), D(1)) == 0


def test_d5_a_gap_liquidates_in_the_order_the_fall_crossed_the_triggers() -> None:
    """D5: ``a-5x`` (liquidation near 41,875) and ``z-50x`` (near 49,265) both fall due on a
    gap to 38,000.  Continuous trading reaches z-50x first, so it goes first (and is the
    one that draws the fund first), whatever the account ids say."""
    engine = new_engine(flat_perp(), mm_deposit=10_000)
    engine.fund_insurance("0.01")
    for name in ("a-5x", "z-50x"):
        engine.deposit(name, 1)
        engine.deposit(f"short-{name}", 10)
    engine.set_mark(SYMBOL, 50_000)
    for name, lev in (("a-5x", 5), ("z-50x", 50)):
        engine.set_leverage(name, SYMBOL, lev, "isolated")
        engine.buy(name, SYMBOL, 50_000, price=50_000, counterparty=f"short-{name}")
    assert engine.liquidation_price("a-5x", SYMBOL) < engine.liquidation_price("z-50x", SYMBOL)
    engine.set_mark(SYMBOL, 38_000)
    started = [e.account for e in engine.events if isinstance(e, LiquidationStarted)]
    assert started == ["z-50x", "a-5x"]
    check_invariants(engine, replay=True)
