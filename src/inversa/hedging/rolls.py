"""Hedging on dated futures: a roll schedule, the basis carried and what each roll costs.

A leg on a dated future is entered at the future's fair price and **rolled** before each
expiry into the next one: closed ``roll_days`` before the expiry and reopened on the next
expiry of the venue's cycle.  The basis is an input (no basis history is bundled): any
object with ``rate_at(when) -> Decimal`` (annualised simple basis), e.g.
:class:`inversa.contracts.basis.ConstantBasis` or a user CSV read by
:func:`inversa.contracts.basis.read_basis_csv`; expiries come from
:func:`inversa.contracts.basis.quarterly_expiries` (the one basis model, in
``contracts/``).

With spot held at the plan's price ``S`` (the carry alone, as for funding), a segment
entered at ``t0`` on the future expiring at ``T`` and left at ``t1`` earns the leg's PnL
from ``F(t0) = S (1 + b(t0) d(t0, T) / 365)`` to ``F(t1)``
(:func:`inversa.contracts.dated_fair_price`): a future held to expiry converges to ``S``
and carries the whole basis; a short in contango earns it, a long pays it.  Each roll
pays the taker fee twice (close and reopen) on the leg's value.

Exact (Decimal); coin amounts in the leg's settlement coin, USD at ``S``; days are
fractional (seconds / 86,400).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any, Protocol

from inversa.contracts import dated_fair_price, trading_fee
from inversa.engine.terms import fee_rate
from inversa.errors import InputError
from inversa.hedging._common import ZERO, NumberLike, to_decimal
from inversa.hedging.planner import HedgeLeg

__all__ = ["BasisRate", "DatedCarry", "RollSegment", "dated_carry"]

_DAY = Decimal(86400)


class BasisRate(Protocol):
    """An annualised simple basis (fraction per 365 days) as a function of time."""

    def rate_at(self, when: datetime) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class RollSegment:
    """The leg on one future between two instants.

    ``expiry``: the future's; ``start``/``end``: held from/to; ``entry``/``exit``: the
    fair prices there (USD per coin); ``carry``: the leg's PnL over the segment (coin);
    ``roll_fee``: fees paid at ``end`` to roll into the next future (coin; 0 for the
    last segment).
    """

    expiry: datetime
    start: datetime
    end: datetime
    basis: Decimal
    entry: Decimal
    exit: Decimal
    carry: Decimal
    roll_fee: Decimal


@dataclass(frozen=True)
class DatedCarry:
    """A dated-future leg held over a horizon: segments, total carry and roll costs.

    ``carry`` and ``roll_fees`` in the settlement coin, ``*_usd`` at the plan's price;
    ``net_usd = carry_usd - roll_fees_usd`` (positive: the holder earns).
    """

    asset: str
    segments: tuple[RollSegment, ...]
    carry: Decimal
    roll_fees: Decimal
    carry_usd: Decimal
    roll_fees_usd: Decimal
    net_usd: Decimal

    @property
    def rolls(self) -> int:
        return max(len(self.segments) - 1, 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "segments": [
                {
                    "expiry": s.expiry.isoformat(),
                    "start": s.start.isoformat(),
                    "end": s.end.isoformat(),
                    "basis": s.basis,
                    "entry": s.entry,
                    "exit": s.exit,
                    "carry": s.carry,
                    "roll_fee": s.roll_fee,
                }
                for s in self.segments
            ],
            "rolls": self.rolls,
            "carry": self.carry,
            "roll_fees": self.roll_fees,
            "carry_usd": self.carry_usd,
            "roll_fees_usd": self.roll_fees_usd,
            "net_usd": self.net_usd,
        }


def _days(start: datetime, end: datetime) -> Decimal:
    delta = end - start
    return (Decimal(delta.days) * _DAY + Decimal(delta.seconds)) / _DAY


def _utc(when: datetime, field: str) -> datetime:
    if when.tzinfo is None:
        raise InputError(field, when.isoformat(), "needs a UTC time zone")
    return when.astimezone(UTC)


def _fee(leg: HedgeLeg, count: Decimal, cv: Decimal, taker: Decimal) -> Decimal:
    """Taker fee of trading ``count`` contracts of the leg once, settlement coin."""
    if leg.is_inverse:
        return trading_fee(count, leg.price, cv, taker)
    return count * cv * leg.price * taker


def dated_carry(
    leg: HedgeLeg,
    start: datetime,
    horizon_days: NumberLike,
    expiries: Sequence[datetime],
    basis: BasisRate,
    *,
    roll_days: NumberLike = 1,
) -> DatedCarry:
    """Carry of ``leg`` held on dated futures from ``start`` for ``horizon_days``.

    Args:
        leg: the planner's leg (contracts, contract value, side, price, fee rate).
        start: UTC instant the leg is entered.
        horizon_days: holding period, days (> 0).
        expiries: the venue's expiries after ``start``, ascending, reaching past the
            horizon (e.g. ``quarterly_expiries(start, 8)``).
        basis: annualised basis as a function of time.
        roll_days: roll this many days before each expiry (>= 0).
    """
    t0 = _utc(start, "start")
    horizon = to_decimal("horizon_days", horizon_days)
    if horizon <= 0:
        raise InputError("horizon_days", horizon, "must be > 0")
    early = to_decimal("roll_days", roll_days)
    if early < 0:
        raise InputError("roll_days", early, "must be >= 0")
    stop = t0 + timedelta(seconds=float(horizon * _DAY))
    ahead = early * _DAY
    cycle = [_utc(e, "expiries") for e in expiries]
    if any(b <= a for a, b in pairwise(cycle)):
        raise InputError("expiries", [e.isoformat() for e in cycle], "must increase")
    inst = leg.instrument
    count, cv = leg.size
    taker = ZERO if inst is None else fee_rate(inst, "taker")
    spot = leg.price
    segments: list[RollSegment] = []
    now = t0
    for expiry in cycle:
        roll_at = expiry - timedelta(seconds=float(ahead))
        if roll_at <= now:
            continue
        end = min(roll_at, stop)
        rate_in = basis.rate_at(now)
        entry = dated_fair_price(spot, rate_in, _days(now, expiry))
        exit_price = dated_fair_price(spot, basis.rate_at(end), _days(end, expiry))
        carry = leg.pnl(exit_price, entry=entry)
        last = end >= stop
        fee = ZERO if last or count == 0 else 2 * _fee(leg, count, cv, taker)
        segments.append(RollSegment(expiry, now, end, rate_in, entry, exit_price, carry, fee))
        now = end
        if last:
            break
    if now < stop:
        raise InputError(
            "expiries",
            cycle[-1].isoformat() if cycle else None,
            f"do not reach the end of the horizon ({stop.isoformat()})",
        )
    carry = sum((s.carry for s in segments), ZERO)
    fees = sum((s.roll_fee for s in segments), ZERO)
    to_usd = spot if leg.is_inverse else Decimal(1)
    return DatedCarry(
        leg.asset,
        tuple(segments),
        carry,
        fees,
        carry * to_usd,
        fees * to_usd,
        (carry - fees) * to_usd,
    )
