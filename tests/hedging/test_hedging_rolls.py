"""Dated-future legs: the roll schedule, convergence at expiry and roll costs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from inversa.errors import InputError
from inversa.hedging import HedgeAmount, HedgeLeg, Portfolio, dated_carry, plan_hedge

#: Quarterly expiries (last Fridays, 08:00 UTC) of 2021, written out by hand.
EXPIRIES = tuple(
    datetime(2021, m, d, 8, tzinfo=UTC) for m, d in ((3, 26), (6, 25), (9, 24), (12, 31))
)


@dataclass(frozen=True)
class Flat:
    """A constant annualised basis (stands in for contracts.basis.ConstantBasis)."""

    rate: Decimal

    def rate_at(self, when: datetime) -> Decimal:
        return self.rate


def _short_leg() -> HedgeLeg:
    plan = plan_hedge(
        Portfolio(targets={}, prices={"BTC": 40000}),
        hedges={"BTC": HedgeAmount.parse("BTC", "-14950USD")},
        venue="bybit",
    )
    return plan.legs["BTC"]


def test_held_to_expiry_the_short_earns_the_whole_basis() -> None:
    leg = _short_leg()
    start = datetime(2021, 1, 1, 8, tzinfo=UTC)
    days = Decimal((EXPIRIES[1] - start).days)  # to the June expiry exactly
    basis = Flat(Decimal("0.1"))
    out = dated_carry(leg, start, days, EXPIRIES, basis, roll_days=0)
    assert out.rolls == 1
    first, second = out.segments
    # each segment converges: it leaves at spot (the future's expiry)
    assert first.exit == second.exit == 40000
    # independent: a short of N USD from F0 to S earns N (1/S - 1/F0) coin
    f0 = Decimal(40000) * (1 + Decimal("0.1") * Decimal(84) / 365)
    assert first.entry == f0
    assert first.carry == Decimal(14950) * (1 / Decimal(40000) - 1 / f0)
    assert out.carry > 0
    # one roll: close and reopen, the venue's taker fee on 14,950 USD each way
    assert leg.instrument is not None
    fee = Decimal(14950) / 40000 * leg.instrument.taker
    assert out.roll_fees == 2 * fee
    assert out.net_usd == (out.carry - out.roll_fees) * 40000


def test_rolling_early_leaves_part_of_the_basis() -> None:
    leg = _short_leg()
    start = datetime(2021, 1, 1, 8, tzinfo=UTC)
    basis = Flat(Decimal("0.1"))
    held = dated_carry(leg, start, 170, EXPIRIES, basis, roll_days=0)
    early = dated_carry(leg, start, 170, EXPIRIES, basis, roll_days=5)
    assert early.segments[0].end == datetime(2021, 3, 21, 8, tzinfo=UTC)
    assert early.segments[0].exit > 40000  # basis left in the price at the roll
    assert early.rolls == held.rolls == 1
    # a long pays what the short earns
    assert held.carry > 0


def test_a_horizon_past_the_last_expiry_is_refused() -> None:
    leg = _short_leg()
    start = datetime(2021, 1, 1, 8, tzinfo=UTC)
    with pytest.raises(InputError, match="expiries"):
        dated_carry(leg, start, 400, EXPIRIES, Flat(Decimal("0.1")))
    with pytest.raises(InputError, match="horizon_days"):
        dated_carry(leg, start, 0, EXPIRIES, Flat(Decimal("0.1")))
