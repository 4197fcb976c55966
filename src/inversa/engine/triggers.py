"""Incremental risk: each margin unit keeps its liquidation trigger in ordered structures.

Real venues do not re-margin every account on every mark: they keep each position's
liquidation price and compare the mark against it.  :class:`TriggerIndex` does the same.

A unit is **simple** when its equity minus maintenance margin depends on one mark only
and its liquidation price is an exact number: an isolated position, or a cross wallet
holding one position, whose maintenance is a tier table (solved exactly, tier by tier)
or is valued at the entry (a constant).  Its trigger ``L`` is
:func:`~inversa.engine.liquidation.liquidation_price`: a long is due when the mark is at
or below ``L``, a short when it is at or above.  Longs' and shorts' triggers of each
symbol sit in two sorted lists, so a mark that crosses none is two comparisons.

Every other unit (a cross wallet across several positions, a maintenance curve that
is not a tier table and is valued at the mark, a unit due at any price) is **complex**:
it is re-margined in full whenever one of its symbols is marked.

Triggers are recomputed from the state whenever an event touches the unit's account
(fills, funding, deposits, withdrawals, margin transfers, leverage, fund sweeps); the
index only tells which units to check.  The check itself is always the exact
``equity <= maintenance`` of :mod:`inversa.engine.risk`, and the candidate thresholds are
widened by a relative ``1e-12``, so the incremental engine liquidates exactly the units
:func:`~inversa.engine.risk.liquidatable_units` finds (a property test checks it against
``risk="full"``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from inversa.engine._dec import exact
from inversa.engine.accounts import Position
from inversa.engine.events import (
    AccountOpened,
    Deposited,
    Event,
    Filled,
    FundingSettled,
    InsuranceFlow,
    LeverageSet,
    MarginTransferred,
    Withdrawn,
)
from inversa.engine.liquidation import liquidation_price, no_price
from inversa.engine.risk import Unit, unit_due
from inversa.engine.state import EngineState
from inversa.errors import InputError

__all__ = ["TriggerIndex", "touched_accounts"]

_WIDEN = Decimal("1e-12")


def touched_accounts(event: Event) -> tuple[str, ...]:
    """Accounts whose ledger ``event`` changes (for triggers and transaction rollback)."""
    if isinstance(event, Filled):
        return (event.buyer.account, event.seller.account)
    if isinstance(event, FundingSettled):
        return tuple(p.account for p in event.payments)
    if isinstance(
        event,
        AccountOpened | Deposited | Withdrawn | LeverageSet | MarginTransferred | InsuranceFlow,
    ):
        return (event.account,)
    return ()


#: A sort key ``(threshold, account, coin, symbol or "")`` of one trigger.
_Key = tuple[Decimal, str, str, str]


def _key(threshold: Decimal, unit: Unit) -> _Key:
    return (threshold, unit.account, unit.coin, unit.symbol or "")


def _unit(key: _Key) -> Unit:
    return Unit(key[1], key[2], key[3] or None)


@dataclass(slots=True)
class _Book:
    """Triggers of one symbol: sort keys ascending, longs and shorts."""

    longs: list[_Key] = field(default_factory=list)
    shorts: list[_Key] = field(default_factory=list)
    complex: set[Unit] = field(default_factory=set)


@dataclass(slots=True)
class _Entry:
    symbols: tuple[str, ...]
    side: int = 0  # +1 long trigger, -1 short trigger, 0 complex or none
    key: _Key | None = None


class TriggerIndex:
    """Liquidation triggers of every unit (see the module docstring)."""

    def __init__(self) -> None:
        self._books: dict[str, _Book] = {}
        self._units: dict[Unit, _Entry] = {}
        self._by_account: dict[str, set[Unit]] = {}
        self._dirty: set[str] = set()
        self._stale = True

    # -- invalidation ---------------------------------------------------------------------

    def touch(self, event: Event) -> None:
        """Note the accounts ``event`` changes; their triggers are recomputed lazily."""
        for account in touched_accounts(event):
            self._dirty.add(account)

    def invalidate(self, accounts: Iterable[str] | None = None) -> None:
        """Recompute ``accounts`` (after a rollback), or everything when ``None``."""
        if accounts is None:
            self._stale = True
        else:
            self._dirty.update(accounts)

    # -- maintenance of the structure ----------------------------------------------------

    def _book(self, symbol: str) -> _Book:
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = _Book()
        return book

    def _drop(self, unit: Unit) -> None:
        entry = self._units.pop(unit, None)
        if entry is None:
            return
        for symbol in entry.symbols:
            book = self._books[symbol]
            book.complex.discard(unit)
            if entry.key is not None:
                side = book.longs if entry.side > 0 else book.shorts
                i = bisect_left(side, entry.key)
                if i < len(side) and side[i] == entry.key:
                    del side[i]

    def _add(self, state: EngineState, unit: Unit, positions: list[Position]) -> None:
        symbols = tuple(p.symbol for p in positions)
        entry = _Entry(symbols)
        self._units[unit] = entry
        simple = (
            len(positions) == 1
            and _exact_trigger(state, positions[0])
            and not (positions[0].isolated and positions[0].margin < 0)
        )
        level: Decimal | None = None
        if simple:
            try:
                level = liquidation_price(state, unit.account, positions[0])
            except InputError:  # e.g. collateral below zero: no closed form, check always
                level = None
        if level is not None:
            pos = positions[0]
            book = self._book(pos.symbol)
            if pos.side > 0:
                if no_price(level) and level.is_finite():  # 0: never liquidated
                    return
                if level.is_finite():
                    entry.side, entry.key = 1, _key(level * (1 + _WIDEN), unit)
                    insort(book.longs, entry.key)
                    return
            else:
                if not level.is_finite():  # a short covered against any rise
                    return
                if level > 0:
                    entry.side, entry.key = -1, _key(level * (1 - _WIDEN), unit)
                    insort(book.shorts, entry.key)
                    return
        for symbol in symbols:  # complex, or due at any price: always checked
            self._book(symbol).complex.add(unit)

    def _refresh_account(self, state: EngineState, account_id: str) -> None:
        for unit in self._by_account.pop(account_id, set()):
            self._drop(unit)
        account = state.accounts.get(account_id)
        if account is None:
            return
        cross: dict[str, list[Position]] = {}
        units: set[Unit] = set()
        for symbol in sorted(account.positions):
            pos = account.positions[symbol]
            coin = state.instruments[symbol].settle
            if pos.isolated:
                unit = Unit(account_id, coin, symbol)
                units.add(unit)
                self._add(state, unit, [pos])
            else:
                cross.setdefault(coin, []).append(pos)
        for coin, positions in cross.items():
            unit = Unit(account_id, coin)
            units.add(unit)
            self._add(state, unit, positions)
        if units:
            self._by_account[account_id] = units

    def refresh(self, state: EngineState) -> None:
        """Recompute the triggers of every account touched since the last refresh."""
        if not (self._stale or self._dirty):
            return
        if self._stale:
            self._books.clear()
            self._units.clear()
            self._by_account.clear()
            self._dirty = set(state.accounts)
            self._stale = False
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, set()
        with exact():
            for account_id in sorted(dirty):
                self._refresh_account(state, account_id)

    # -- queries -------------------------------------------------------------------------

    def quiet(self, symbol: str, price: Decimal) -> bool:
        """True when marking ``symbol`` at ``price`` crosses no trigger and no complex or
        touched unit needs a check (then nothing can be liquidated)."""
        if self._stale or self._dirty:
            return False
        book = self._books.get(symbol)
        if book is None:
            return True
        if book.complex:
            return False
        if book.longs and price <= book.longs[-1][0]:
            return False
        return not (book.shorts and price >= book.shorts[0][0])

    def settled_quiet(self, state: EngineState, symbol: str, price: Decimal) -> bool:
        """:meth:`refresh`, then :meth:`quiet` (one call on the per-mark hot path)."""
        if self._stale or self._dirty:
            self.refresh(state)
        return self.quiet(symbol, price)

    def candidates(self, state: EngineState) -> set[Unit]:
        """Units that may be at or below maintenance at the current marks."""
        self.refresh(state)
        out: set[Unit] = set()
        for symbol, book in self._books.items():
            out |= book.complex
            mark = state.marks.get(symbol)
            if mark is None:
                continue
            if book.longs and mark <= book.longs[-1][0]:
                i = bisect_left(book.longs, (mark,))
                out.update(_unit(k) for k in book.longs[i:])
            if book.shorts and mark >= book.shorts[0][0]:
                j = bisect_right(book.shorts, (mark, _TOP, _TOP, _TOP))
                out.update(_unit(k) for k in book.shorts[:j])
        return out

    def due(self, state: EngineState) -> list[Unit]:
        """The units at or below maintenance, in the order of
        :func:`~inversa.engine.risk.liquidatable_units`."""
        found = [
            u for u in self.candidates(state) if u.account in state.accounts and unit_due(state, u)
        ]
        return sorted(found, key=lambda u: (u.account, u.coin, u.symbol or ""))

    def units(self) -> Iterable[Unit]:
        return self._units.keys()


#: A string that sorts after every account id, coin and symbol.
_TOP = "\U0010ffff"


def _exact_trigger(state: EngineState, pos: Position) -> bool:
    """True when the position's liquidation price is an exact closed form."""
    inst = state.instruments[pos.symbol]
    return inst.mm_at == "entry" or inst.tiers is not None
