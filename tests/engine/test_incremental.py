"""Incremental risk (liquidation triggers in ordered structures) against ``risk="full"``.

The same random operations run on two engines, one re-margining every unit after every
command and one checking only the units whose trigger was crossed: after every operation
both must hold the same state and the same event log (same liquidations, same prices,
same order), and the incremental log must replay.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inversa.contracts import TierTable
from inversa.engine import Engine, FixedBps, check_invariants
from inversa.engine._dec import exact
from inversa.engine.risk import account_equity
from inversa.errors import InputError, OrderRejectedError
from inversa.venues import Funding, Instrument

from ._support import BINANCE_TIERS, LINEAR, MM, SYMBOL, D, assert_log_replays, linear_perp

ACCOUNTS = ("a", "b", "c", "d")
ENTRY = "ETH/USD:ETH"  # maintenance valued at the entry (Bybit classic)
CURVE = "XRP/USD:XRP"  # a maintenance curve valued at the mark: never a single trigger


def _curve(value: Decimal) -> tuple[Decimal, Decimal]:
    return D("0.005") + value / 1_000_000, D(0)


def _instruments() -> list[Instrument]:
    return [
        Instrument.custom(
            SYMBOL,
            D(100),
            BINANCE_TIERS,
            maker=D("0.0002"),
            taker=D("0.0005"),
            tick=D("0.1"),
            max_leverage=D(125),
            funding=Funding(),
        ),
        Instrument.custom(
            ENTRY,
            D(10),
            TierTable.parse("inf:0.01"),
            settle="BTC",
            liquidation_model="bybit-classic",
            taker=D("0.00075"),
            max_leverage=D(100),
            funding=Funding(),
        ),
        Instrument.custom(
            CURVE, D(10), _curve, settle="BTC", max_leverage=D(50), funding=Funding()
        ),
        linear_perp(),
    ]


SYMBOLS = (SYMBOL, ENTRY, CURVE, LINEAR)
START = {SYMBOL: 20_000, ENTRY: 1_000, CURVE: 20_000, LINEAR: 20_000}

account = st.sampled_from(ACCOUNTS)
symbol = st.sampled_from(SYMBOLS)
operation = st.one_of(
    st.tuples(
        st.just("order"),
        account,
        symbol,
        st.sampled_from([1, -1]),
        st.integers(1, 400),
        st.sampled_from([None, None, *ACCOUNTS]),
    ),
    st.tuples(
        st.just("order"), account, symbol, st.sampled_from([1, -1]), st.integers(1, 40), st.none()
    ),
    st.tuples(st.just("deposit"), account, st.sampled_from(["BTC", "USDT"]), st.integers(1, 5000)),
    st.tuples(st.just("withdraw"), account, st.sampled_from(["BTC", "USDT"]), st.integers(1, 5000)),
    st.tuples(
        st.just("leverage"),
        account,
        symbol,
        st.sampled_from([1, 2, 5, 10, 25, 50]),
        st.sampled_from(["cross", "isolated"]),
    ),
    st.tuples(st.just("mark"), symbol, st.integers(-2500, 2500)),
    st.tuples(st.just("mark"), symbol, st.integers(-2500, 2500)),
    st.tuples(st.just("mark"), symbol, st.integers(-800, 800)),
    st.tuples(st.just("mark"), symbol, st.integers(-300, 300)),
    st.tuples(st.just("crash"), st.integers(-3000, 3000)),
    st.tuples(st.just("crash"), st.integers(-3000, 3000)),
    st.tuples(st.just("funding"), symbol, st.integers(-80, 80)),
    st.tuples(st.just("transfer"), account, symbol, st.integers(-3000, 3000)),
)


def _apply(engine: Engine, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "order":
        _, who, sym, side, contracts, counter = op
        if counter == who:
            counter = None
        engine.trade(who, sym, side, contracts, counterparty=counter)
    elif kind == "deposit":
        _, who, coin, units = op
        engine.deposit(who, D(units) / (10_000 if coin == "BTC" else 1), coin)
    elif kind == "withdraw":
        _, who, coin, units = op
        engine.withdraw(who, D(units) / (10_000 if coin == "BTC" else 1), coin)
    elif kind == "leverage":
        engine.set_leverage(op[1], op[2], op[3], op[4])
    elif kind == "mark":
        _, sym, bps = op
        engine.set_mark(sym, engine.mark(sym) * (1 + D(bps) / 10_000))
    elif kind == "crash":  # every symbol moves together
        for sym in SYMBOLS:
            engine.set_mark(sym, engine.mark(sym) * (1 + D(op[1]) / 10_000))
    elif kind == "funding":
        engine.settle_funding(op[1], D(op[2]) / 10_000)
    elif kind == "transfer":
        _, who, sym, units = op
        scale = 100 if sym == LINEAR else 1_000_000
        engine.transfer_margin(who, sym, D(units) / scale)


def _engine(risk: str, partial: bool) -> Engine:
    engine = Engine(_instruments(), risk=risk, partial_liquidation=partial, slippage=FixedBps(D(3)))  # type: ignore[arg-type]
    engine.deposit(MM, 1000, "BTC")
    engine.deposit(MM, 20_000_000, "USDT")
    engine.fund_insurance("0.05", "BTC")
    for sym, price in START.items():
        engine.set_mark(sym, price)
    for name in ACCOUNTS:
        engine.deposit(name, "0.05", "BTC")
        engine.deposit(name, 1000, "USDT")
    return engine


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=10, max_size=40), partial=st.booleans())
def test_incremental_liquidates_exactly_what_full_recomputation_does(
    ops: list[tuple[Any, ...]], partial: bool
) -> None:
    fast, full = _engine("incremental", partial), _engine("full", partial)
    for op in ops:
        outcomes = []
        for engine in (fast, full):
            try:
                _apply(engine, op)
                outcomes.append(None)
            except (OrderRejectedError, InputError) as exc:
                outcomes.append(str(exc))
        assert outcomes[0] == outcomes[1], op
        assert fast.events == full.events, op
        assert fast.snapshot() == full.snapshot(), op
        check_invariants(fast)
    assert_log_replays(fast)
    rebuilt = Engine.from_events(fast.events)
    assert rebuilt.snapshot() == fast.snapshot()
    # the rebuilt engine's triggers work too: one more mark decides the same way
    with contextlib.suppress(InputError):
        for engine in (rebuilt, full):
            engine.set_mark(SYMBOL, engine.mark(SYMBOL) * D("0.8"))
        assert rebuilt.events[len(fast.events) :] == full.events[len(fast.events) :]


def test_a_quiet_mark_appends_one_event_and_touches_no_account() -> None:
    engine = _engine("incremental", False)
    engine.sell("a", SYMBOL, 10)
    engine.set_leverage("b", CURVE, 50)
    engine.buy("b", CURVE, 1, counterparty="c")
    before = len(engine.events)
    assert engine.set_mark(SYMBOL, 20_010) == 0
    assert len(engine.events) == before + 1
    assert engine._index is not None
    assert engine._index.quiet(SYMBOL, Decimal(20_020))
    assert not engine._index.quiet(CURVE, Decimal(20_000))  # a mark-valued curve: complex


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=5, max_size=30))
def test_the_equity_query_equals_the_full_valuation_to_the_last_digit(
    ops: list[tuple[Any, ...]],
) -> None:
    """``Engine.equity`` keeps mark-independent terms between calls (EquityTerms); after
    every command (including refused ones, which roll back) it must equal the
    valuation from scratch exactly, not to a tolerance."""
    engine = _engine("incremental", False)
    for op in ops:
        with contextlib.suppress(OrderRejectedError, InputError):
            _apply(engine, op)
        for name in (*ACCOUNTS, MM):
            for coin in ("BTC", "USDT"):
                with exact():
                    expected = account_equity(engine.state, name, coin)
                assert engine.equity(name, coin) == expected, (op, name, coin)
