"""Issue 8: the engine under hypothesis with extreme magnitudes, magnitude checks at its
boundary, and the isolated-margin invariant.  Built on the one instrument type,
:class:`inversa.venues.Instrument`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inversa.contracts import ContractKind, ContractSpec, TierTable
from inversa.engine import Engine, check_invariants
from inversa.errors import InputError, OrderRejectedError
from inversa.venues import Funding, Instrument, TieredMargin

from ._support import MM, SYMBOL, D, assert_log_replays

HUGE = "1e999999999"


def _instrument() -> Instrument:
    return Instrument(
        venue="sim",
        symbol=SYMBOL,
        aliases=(),
        spec=ContractSpec(ContractKind.INVERSE, D(100), tick=D("0.1"), lot=D(1)),
        max_leverage=D(100),
        taker=D("0.0005"),
        maker=D("0.0002"),
        margin=TieredMargin(TierTable((D("Infinity"),), (D("0.005"),))),
        funding=Funding("clamp", D(8), "discrete", interest=D("0.0001"), clamp=D("0.0005")),
    )


def _engine() -> Engine:
    engine = Engine(_instrument())
    engine.deposit(MM, 1000)
    engine.deposit("a", 1)
    engine.set_mark(SYMBOL, 20_000)
    return engine


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda e: e.deposit("a", HUGE), "amount"),
        (lambda e: e.fund_insurance(HUGE), "amount"),
        (lambda e: e.withdraw("a", HUGE), "amount"),
        (lambda e: e.transfer_margin("iso", SYMBOL, HUGE), "amount"),
        (lambda e: e.settle_funding(SYMBOL, HUGE), "rate"),
        (lambda e: e.settle_funding(SYMBOL, "1e999"), "rate"),
        (lambda e: e.settle_funding(SYMBOL, "2"), "rate"),
        (lambda e: e.set_mark(SYMBOL, HUGE), "price"),
        (lambda e: e.set_mark(SYMBOL, "1e13"), "price"),
        (lambda e: e.set_mark(SYMBOL, "1e-40"), "price"),
        (lambda e: e.buy("a", SYMBOL, HUGE), "contracts"),
        (lambda e: e.buy("a", SYMBOL, 1, price=HUGE), "price"),
        (lambda e: e.set_leverage("a", SYMBOL, HUGE), "leverage"),
    ],
)
def test_overflowing_inputs_are_refused_at_the_boundary(call: Any, field: str) -> None:
    """Issue 8: these raised decimal.Overflow / InvalidOperation, or were accepted and broke
    a later command or coin conservation."""
    engine = _engine()
    engine.deposit("iso", 1)
    engine.set_leverage("iso", SYMBOL, 10, "isolated")
    engine.buy("iso", SYMBOL, 10)
    before, length = engine.snapshot(), len(engine.events)
    with pytest.raises(InputError, match=rf"^{field}="):
        call(engine)
    assert engine.snapshot() == before
    assert len(engine.events) == length
    engine.buy("a", SYMBOL, 10)  # the engine still works
    check_invariants(engine, replay=True)


def test_a_funding_debit_beyond_isolated_margin_liquidates_at_once() -> None:
    """Posted isolated margin is never negative: a long deep in profit whose margin a
    funding debit exceeds is liquidated at the mark, not left with negative margin."""
    engine = _engine()
    engine.deposit("iso", 1)
    engine.set_leverage("iso", SYMBOL, 100, "isolated")
    engine.buy("iso", SYMBOL, 200)  # 1 BTC at 20,000, margin 0.01 BTC
    engine.set_mark(SYMBOL, 40_000)  # +0.5 BTC unrealised
    margin = engine.position("iso", SYMBOL).margin  # type: ignore[union-attr]
    status = engine.margin("iso", SYMBOL)
    assert status.equity > status.maintenance
    engine.settle_funding(SYMBOL, "0.05")  # 5 % of 0.5 BTC: 0.025 BTC > margin
    assert margin < D("0.025")
    assert engine.position("iso", SYMBOL) is None
    check_invariants(engine, replay=True)


magnitude = st.one_of(
    st.integers(-40, 40).map(lambda e: Decimal(f"1e{e}")),
    st.integers(-40, 40).map(lambda e: Decimal(f"-3.7e{e}")),
    st.sampled_from([Decimal(HUGE), Decimal("1e999"), Decimal("1e-999"), Decimal(0)]),
    st.integers(1, 500).map(Decimal),
)
account = st.sampled_from(["a", "b"])
operation = st.one_of(
    st.tuples(st.just("deposit"), account, magnitude),
    st.tuples(st.just("withdraw"), account, magnitude),
    st.tuples(st.just("insurance"), magnitude),
    st.tuples(st.just("mark"), magnitude),
    st.tuples(st.just("move"), st.integers(-3000, 3000)),
    st.tuples(st.just("funding"), magnitude),
    st.tuples(st.just("funding"), st.integers(-100, 100).map(lambda n: Decimal(n) / 10_000)),
    st.tuples(st.just("buy"), account, magnitude),
    st.tuples(st.just("sell"), account, magnitude),
    st.tuples(st.just("buy"), account, st.integers(1, 400).map(Decimal)),
    st.tuples(st.just("sell"), account, st.integers(1, 400).map(Decimal)),
    st.tuples(st.just("limit"), account, st.integers(1, 400).map(Decimal), magnitude),
    st.tuples(st.just("leverage"), account, magnitude, st.sampled_from(["cross", "isolated"])),
    st.tuples(st.just("transfer"), account, magnitude),
)


def _run(engine: Engine, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "deposit":
        engine.deposit(op[1], op[2])
    elif kind == "withdraw":
        engine.withdraw(op[1], op[2])
    elif kind == "insurance":
        engine.fund_insurance(op[1])
    elif kind == "mark":
        engine.set_mark(SYMBOL, op[1])
    elif kind == "move":
        engine.set_mark(SYMBOL, engine.mark(SYMBOL) * (1 + D(op[1]) / 10_000))
    elif kind == "funding":
        engine.settle_funding(SYMBOL, op[1])
    elif kind in ("buy", "sell"):
        (engine.buy if kind == "buy" else engine.sell)(op[1], SYMBOL, op[2])
    elif kind == "limit":
        engine.buy(op[1], SYMBOL, op[2], price=op[3])
    elif kind == "leverage":
        engine.set_leverage(op[1], SYMBOL, op[2], op[3])
    elif kind == "transfer":
        engine.transfer_margin(op[1], SYMBOL, op[2])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=5, max_size=30))
def test_extreme_and_ordinary_magnitudes_keep_every_invariant(ops: list[tuple[Any, ...]]) -> None:
    """Every command either applies (and every invariant holds) or raises one of the
    engine's own errors and changes nothing; never a decimal signal or another type."""
    engine = _engine()
    engine.deposit("b", "0.5")
    for op in ops:
        before, length = engine.snapshot(), len(engine.events)
        try:
            _run(engine, op)
        except (InputError, OrderRejectedError):
            assert engine.snapshot() == before
            assert len(engine.events) == length
        check_invariants(engine)
    assert_log_replays(engine)
