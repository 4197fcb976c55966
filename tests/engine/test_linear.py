"""Linear (USD-settled) perpetuals on the engine: golden figures, liquidation, funding,
a mixed coin + USD venue, and the same random-sequence invariants as the inverse ones."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inversa.contracts import (
    ContractKind,
    ContractSpec,
    TierTable,
    arithmetic_entry,
    generic_prices,
)
from inversa.engine import Engine, FixedBps, check_invariants
from inversa.errors import InputError, OrderRejectedError
from inversa.venues import Funding, Instrument, TieredMargin

from ._support import (
    LINEAR,
    MM,
    SYMBOL,
    D,
    assert_log_replays,
    binance_perp,
    linear_perp,
)
from .test_properties import ACCOUNTS, _apply, operation


def flat_linear(mmr: str = "0.005", **overrides: Any) -> Instrument:
    fields: dict[str, Any] = {"margin": TierTable((D("Infinity"),), (D(mmr),)), "tick": None}
    fields.update(overrides)
    return linear_perp(**fields)


def usd_engine(instrument: Instrument | None = None) -> Engine:
    engine = Engine(instrument or linear_perp())
    engine.deposit(MM, 10_000_000, "USDT")
    return engine


def test_arithmetic_entry_fees_and_realised_pnl_in_usd() -> None:
    """1 BTC @ 50,000 + 1 BTC @ 60,000 averages to 55,000 (arithmetic, not harmonic
    54,545.45); selling at 66,000 realises 2 * (66,000 - 55,000) = 22,000 USDT."""
    engine = usd_engine()
    engine.deposit("bob", 100_000, "USDT")
    engine.set_mark(LINEAR, 50_000)
    fill = engine.buy("bob", LINEAR, 1000)  # 1,000 x 0.001 BTC = 1 BTC, taker
    assert fill.buyer.fee == D("25.0000")  # 50,000 USD x 0.05 %
    assert fill.seller.fee == D("10.0000")  # maker 0.02 %
    engine.set_mark(LINEAR, 60_000)
    engine.buy("bob", LINEAR, 1000, price=60_000)  # limit: maker fee 12 USDT
    pos = engine.position("bob", LINEAR)
    assert pos is not None
    assert pos.entry == 55_000
    assert pos.size == 2000
    assert arithmetic_entry([D(1000), D(1000)], [D(50_000), D(60_000)]) == 55_000
    engine.set_mark(LINEAR, 66_000)
    assert engine.equity("bob", "USDT") == 100_000 - 25 - 12 + 22_000
    sold = engine.sell("bob", LINEAR, 2000, price=66_000)
    assert sold.seller.realised_pnl == 22_000
    assert engine.wallet("bob", "USDT") == D(100_000) - 25 - 12 + 22_000 - D("26.4")
    assert engine.position("bob", LINEAR) is None
    assert_log_replays(engine)


def _liq_long(entry: Fraction, lev: Fraction, mmr: Fraction) -> Fraction:
    """Isolated long with margin q*E/lev: q*E/lev + q*(L - E) = q*L*mmr."""
    return entry * (1 - 1 / lev) / (1 - mmr)


def _liq_short(entry: Fraction, lev: Fraction, mmr: Fraction) -> Fraction:
    """Isolated short: q*E/lev - q*(L - E) = q*L*mmr."""
    return entry * (1 + 1 / lev) / (1 + mmr)


@pytest.mark.parametrize("side", [1, -1])
@pytest.mark.parametrize("lev", [2, 10, 50])
def test_isolated_liquidation_price_matches_hand_derivation(side: int, lev: int) -> None:
    engine = usd_engine(flat_linear(taker="0", maker="0"))
    engine.deposit("alice", 100_000, "USDT")
    engine.set_mark(LINEAR, 40_000)
    engine.set_leverage("alice", LINEAR, lev, "isolated")
    engine.trade("alice", LINEAR, side, 500, 40_000)
    found = engine.liquidation_price("alice", LINEAR)
    derive = _liq_long if side == 1 else _liq_short
    expected = derive(Fraction(40_000), Fraction(lev), Fraction(5, 1000))
    assert abs(Fraction(found) - expected) <= expected * Fraction(1, 10**30)
    bankrupt = engine.bankruptcy_price("alice", LINEAR)
    assert Fraction(bankrupt) == Fraction(40_000) * (1 - Fraction(side, lev))
    # One tick before the trigger nothing happens; at it the position goes.
    before = found + D(side)
    assert engine.set_mark(LINEAR, before) == 0
    assert engine.position("alice", LINEAR) is not None
    assert engine.set_mark(LINEAR, found - side * D("1e-9")) == 1
    assert engine.position("alice", LINEAR) is None
    check_invariants(engine, replay=True)


def test_tiered_liquidation_price_lands_in_its_own_tier() -> None:
    """A 300 BTC long at 50,000 (15 M USDT, tier 4) is liquidated in the tier that holds
    its value at the liquidation price, exactly where equity equals maintenance."""
    engine = usd_engine()
    engine.deposit(MM, 100_000_000, "USDT")
    engine.deposit("whale", 3_000_000, "USDT")
    engine.set_mark(LINEAR, 50_000)
    engine.set_leverage("whale", LINEAR, 10, "isolated")
    engine.buy("whale", LINEAR, 300_000, price=50_000)
    price = engine.liquidation_price("whale", LINEAR)
    status_at = generic_prices(
        1,
        D(50_000),
        D(300_000),
        D("0.001"),
        engine.position("whale", LINEAR).margin,  # type: ignore[union-attr]
        tiers=linear_perp().tiers,
        kind=ContractKind.LINEAR,
    )
    assert abs(status_at.liquidation_price - price) < D("1e-20")
    assert 8_000_000 < 300 * price <= 50_000_000  # the tier the whale is in at L
    engine.set_mark(LINEAR, price + 1)
    status = engine.margin("whale", LINEAR)
    assert status.equity > status.maintenance
    engine.set_mark(LINEAR, price)
    assert engine.position("whale", LINEAR) is None
    check_invariants(engine, replay=True)


def test_long_that_no_price_liquidates_reports_zero() -> None:
    engine = usd_engine(flat_linear())
    engine.deposit("safe", 1_000_000, "USDT")
    engine.set_mark(LINEAR, 30_000)
    engine.set_leverage("safe", LINEAR, 1, "cross")
    engine.buy("safe", LINEAR, 1000)
    assert engine.liquidation_price("safe", LINEAR) == 0
    assert engine.bankruptcy_price("safe", LINEAR) == 0


def test_funding_pays_usd_on_the_usd_value() -> None:
    """0.01 % on 2 BTC at 45,000: 9 USDT from the long to the short."""
    engine = usd_engine(flat_linear(maker="0", taker="0"))
    engine.deposit("long", 50_000, "USDT")
    engine.deposit("short", 50_000, "USDT")
    engine.set_mark(LINEAR, 40_000)
    engine.buy("long", LINEAR, 2000, price=40_000, counterparty="short")
    engine.set_mark(LINEAR, 45_000)
    event = engine.settle_funding(LINEAR, "0.0001")
    paid = {p.account: p.amount for p in event.payments}
    assert paid == {"long": D(-9), "short": D(9)}
    assert_log_replays(engine)


def test_gap_through_bankruptcy_draws_the_fund_then_deleverages_in_usd() -> None:
    engine = usd_engine(flat_linear(maker="0", taker="0"))
    engine.fund_insurance(50, "USDT")
    for name in ("l1", "s1", "s2"):
        engine.deposit(name, 10_000, "USDT")
    engine.set_mark(LINEAR, 40_000)
    engine.set_leverage("l1", LINEAR, 20, "isolated")
    engine.buy("l1", LINEAR, 1000, price=40_000, counterparty="s1")
    engine.sell("s2", LINEAR, 1000, price=40_000)  # MM long 1 BTC
    engine.set_mark(LINEAR, 37_000)  # bankrupt at 38,000: 1,000 USDT short of it
    assert engine.position("l1", LINEAR) is None
    assert engine.insurance_fund("USDT") == 0
    kinds = [
        e.reason for e in engine.events if getattr(e, "reason", None) in ("liquidation", "adl")
    ]
    assert "adl" in kinds
    check_invariants(engine, replay=True)


def test_venue_instrument_trades_directly_and_mixed_wallets_stay_apart() -> None:
    """The engine takes inversa.venues.Instrument: a coin-margined inverse perpetual and a
    USDT-margined linear one side by side, each wallet conserved on its own."""
    funding = Funding("clamp", D(8), "discrete", interest=D("0.0001"), clamp=D("0.0005"))
    linear = Instrument(
        venue="sim",
        symbol=LINEAR,
        aliases=(),
        spec=ContractSpec(ContractKind.LINEAR, D("0.001"), quote="USDT", settle="USDT"),
        max_leverage=D(100),
        taker=D("0.0005"),
        margin=TieredMargin(TierTable.parse("inf:0.005")),
        funding=funding,
    )
    engine = Engine([binance_perp(), linear])
    assert engine.instrument(LINEAR).linear
    engine.deposit(MM, 1000, "BTC")
    engine.deposit(MM, 10_000_000, "USDT")
    engine.deposit("vault-coin", 1, "BTC")
    engine.deposit("vault-usd", 50_000, "USDT")
    engine.set_mark(SYMBOL, 50_000)
    engine.set_mark(LINEAR, 50_000)
    engine.sell("vault-coin", SYMBOL, 500)  # short 50,000 USD of inverse
    engine.sell("vault-usd", LINEAR, 1000)  # short 1 BTC linear
    engine.set_mark(SYMBOL, 40_000)
    engine.set_mark(LINEAR, 40_000)
    engine.settle_funding(SYMBOL, "0.0001")
    engine.settle_funding(LINEAR, "0.0001")
    assert engine.equity("vault-usd", "USDT") > 50_000 + 9_000
    assert engine.equity("vault-coin", "BTC") > 1
    with pytest.raises(InputError, match="coin"):
        engine.wallet("vault-usd")  # two currencies: name one
    check_invariants(engine, replay=True)


def test_quanto_is_refused_with_one_line() -> None:
    with pytest.raises(InputError, match="kind"):
        Engine(linear_perp(kind=ContractKind.QUANTO))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(operation, min_size=8, max_size=30),
    fund=st.sampled_from(["0", "100", "50000"]),
    partial=st.booleans(),
)
def test_random_linear_sequences_keep_every_invariant(
    ops: list[tuple[Any, ...]], fund: str, partial: bool
) -> None:
    """The inverse property test's operations on a linear perpetual (USDT amounts)."""
    engine = Engine(linear_perp(), partial_liquidation=partial, slippage=FixedBps(D(5)))
    engine.deposit(MM, 5_000_000)
    if D(fund) > 0:
        engine.fund_insurance(fund)
    engine.set_mark(LINEAR, 20_000)
    for name in ACCOUNTS:
        engine.deposit(name, 1000)
    for op in ops:
        before, length = engine.snapshot(), len(engine.events)
        try:
            _apply(engine, op, LINEAR, scale=10_000)
        except (OrderRejectedError, InputError):
            assert engine.snapshot() == before
            assert len(engine.events) == length
        check_invariants(engine)
    assert_log_replays(engine)


def test_package_docstring_example_runs() -> None:
    """The quick start in ``inversa.engine``'s docstring is the token lane's contract."""
    import textwrap

    import inversa.engine

    doc = inversa.engine.__doc__ or ""
    block = doc.split("one venue::", 1)[1]
    code = textwrap.dedent(block)
    namespace: dict[str, Any] = {}
    exec(compile(code, "inversa.engine docstring", "exec"), namespace)
    venue = namespace["venue"]
    assert venue.position("vault-usd", "BTC/USDT:USDT").size == -1000
    assert venue.equity("vault-btc", "BTC") > 1
