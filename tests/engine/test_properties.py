"""Random sequences of deposits, orders, price moves and funding never break the ledger."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inversa.contracts import round_to_tick
from inversa.engine import Engine, FixedBps, check_invariants
from inversa.errors import InputError, OrderRejectedError

from ._support import SYMBOL, D, assert_log_replays, binance_perp

ACCOUNTS = ("a", "b", "c")
account = st.sampled_from(ACCOUNTS)
amount = st.integers(1, 50_000).map(lambda n: Decimal(n) / 10_000)

order = st.tuples(
    st.just("order"),
    account,
    st.sampled_from([1, -1]),
    st.integers(1, 300),
    st.one_of(st.none(), st.integers(-30, 30)),  # None: market, else limit offset bps
    st.sampled_from([None, None, None, *ACCOUNTS]),  # counterparty (None: market maker)
    st.sampled_from([False, False, False, True]),  # reduce only
)
operation = st.one_of(
    order,
    order,
    order,
    st.tuples(st.just("deposit"), account, amount),
    st.tuples(st.just("withdraw"), account, amount),
    st.tuples(
        st.just("leverage"),
        account,
        st.sampled_from([1, 2, 5, 10, 25, 50, 100, 125]),
        st.sampled_from(["cross", "isolated"]),
    ),
    st.tuples(st.just("mark"), st.integers(-1500, 1500)),  # move in bps
    st.tuples(st.just("mark"), st.integers(-300, 300)),
    st.tuples(st.just("funding"), st.integers(-50, 50)),  # rate in 0.01 % steps
    st.tuples(st.just("transfer"), account, st.integers(-5000, 5000)),
)


def _apply(engine: Engine, op: tuple[Any, ...], symbol: str = SYMBOL, scale: int = 1) -> None:
    """Run one generated operation; ``scale`` multiplies amounts (USD wallets)."""
    kind = op[0]
    if kind == "deposit":
        engine.deposit(op[1], op[2] * scale)
    elif kind == "withdraw":
        engine.withdraw(op[1], op[2] * scale)
    elif kind == "leverage":
        engine.set_leverage(op[1], symbol, op[2], op[3])
    elif kind == "order":
        _, who, side, contracts, offset, counter, reduce_only = op
        price = None
        if offset is not None:
            price = round_to_tick(
                engine.mark(symbol) * (1 + D(offset) / 10_000), D("0.1"), "nearest"
            )
        if counter == who:
            counter = None
        engine.trade(
            who, symbol, side, contracts, price, counterparty=counter, reduce_only=reduce_only
        )
    elif kind == "mark":
        engine.set_mark(symbol, engine.mark(symbol) * (1 + D(op[1]) / 10_000))
    elif kind == "funding":
        engine.settle_funding(symbol, D(op[1]) / 10_000)
    elif kind == "transfer":
        engine.transfer_margin(op[1], symbol, D(op[2]) * scale / 100_000)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    ops=st.lists(operation, min_size=8, max_size=30),
    fund=st.sampled_from(["0", "0.01", "5"]),
    partial=st.booleans(),
)
def test_random_sequences_keep_every_invariant(
    ops: list[tuple[Any, ...]], fund: str, partial: bool
) -> None:
    engine = Engine(binance_perp(), partial_liquidation=partial, slippage=FixedBps(D(5)))
    engine.deposit("market-maker", 500)
    if D(fund) > 0:
        engine.fund_insurance(fund)
    engine.set_mark(SYMBOL, 20_000)
    for name in ACCOUNTS:
        engine.deposit(name, "0.1")
    for op in ops:
        before, length = engine.snapshot(), len(engine.events)
        try:
            _apply(engine, op)
        except (OrderRejectedError, InputError):
            assert engine.snapshot() == before
            assert len(engine.events) == length
        check_invariants(engine)
    assert_log_replays(engine)


position = st.tuples(
    st.sampled_from([1, -1]),
    st.integers(1, 500),  # contracts of 100 USD
    st.sampled_from([2, 5, 10, 20, 50, 100]),
    st.sampled_from(["cross", "isolated"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    book=st.lists(position, min_size=2, max_size=8),
    path=st.lists(st.integers(-2500, 2500), min_size=1, max_size=12),
    fund=st.sampled_from(["0", "0.001", "1"]),
    fill_bps=st.integers(-300, 300),
    matched=st.booleans(),
    funding=st.integers(-30, 30),
)
def test_random_books_through_random_crashes_keep_every_invariant(
    book: list[tuple[int, int, int, str]],
    path: list[int],
    fund: str,
    fill_bps: int,
    matched: bool,
    funding: int,
) -> None:
    """Leveraged accounts (each depositing its initial margin and 1 % more), opened
    against the market maker or against each other, marked through large moves with
    liquidation fills off the mark by ``fill_bps``; funding between moves.  Liquidations,
    insurance flows and ADL happen; the ledger must hold after every command."""
    engine = Engine(binance_perp())
    engine.deposit("market-maker", 200)
    if D(fund) > 0:
        engine.fund_insurance(fund)
    engine.set_mark(SYMBOL, 20_000)
    previous: str | None = None
    for i, (side, contracts, lev, mode) in enumerate(book):
        name = f"t{i}"
        value = D(contracts) * 100 / 20_000
        engine.deposit(name, value / lev * D("1.01") + value * D("0.0006"))
        engine.set_leverage(name, SYMBOL, lev, mode)
        counter = previous if matched and previous is not None else None
        with contextlib.suppress(OrderRejectedError):  # the counterparty may lack margin
            engine.trade(name, SYMBOL, side, contracts, 20_000, counterparty=counter)
        previous = name
        check_invariants(engine)
    for move in path:
        mark = engine.mark(SYMBOL) * (1 + D(move) / 10_000)
        fill = mark * (1 + D(fill_bps) / 10_000)
        engine.set_mark(SYMBOL, mark, liquidation_fill=fill)
        check_invariants(engine)
        engine.settle_funding(SYMBOL, D(funding) / 10_000)
        check_invariants(engine)
    assert_log_replays(engine)
