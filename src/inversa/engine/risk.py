"""Valuation of positions and margin units at the marks, with the contracts formulas.

A **margin unit** is what gets liquidated as one: the cross wallet of one coin with all
the account's cross positions in that coin, or one isolated position.  At the mark:

- ``equity``: cross: wallet + sum of the cross positions' unrealised PnL; isolated:
  position margin + its unrealised PnL (coin);
- ``maintenance``: sum of the positions' maintenance margins, each
  ``maintenance_margin(position_value(N, P, CV), tiers)`` with ``P`` the mark (or the entry
  when the instrument's ``mm_at`` is ``"entry"``);
- ``initial``: sum of ``initial_margin(position_value(N, mark, CV), imr)`` with ``imr`` the
  rate for the position's leverage and tier.

A unit is liquidated when ``equity <= maintenance``, and an isolated position whose
posted margin a funding debit took below zero is liquidated at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from inversa.contracts import initial_margin
from inversa.engine._dec import ZERO
from inversa.engine.accounts import Account, MarginMode, Position
from inversa.engine.rules import InstrumentRules
from inversa.engine.state import EngineState
from inversa.errors import InputError, UnknownSymbolError

__all__ = [
    "Unit",
    "account_equity",
    "cross_free",
    "initial_requirement",
    "instrument",
    "liquidatable_units",
    "maintenance",
    "mark_of",
    "unit_due",
    "unit_equity",
    "unit_maintenance",
    "unit_positions",
    "unrealised",
]


@dataclass(frozen=True, slots=True, order=True)
class Unit:
    """A margin unit: ``symbol`` is ``None`` for the cross wallet of ``coin``."""

    account: str
    coin: str
    symbol: str | None = None

    @property
    def isolated(self) -> bool:
        return self.symbol is not None


def instrument(state: EngineState, symbol: str) -> InstrumentRules:
    """The rules of ``symbol``, or :class:`UnknownSymbolError`."""
    try:
        return state.instruments[symbol]
    except KeyError:
        raise UnknownSymbolError("engine", symbol, sorted(state.instruments)) from None


def mark_of(state: EngineState, symbol: str) -> Decimal:
    """The current mark of ``symbol``; InputError before the first mark."""
    try:
        return state.marks[symbol]
    except KeyError:
        raise InputError("mark", symbol, "no mark price yet: set one with set_mark") from None


def unrealised(state: EngineState, pos: Position) -> Decimal:
    """Unrealised PnL of ``pos`` at the mark, in coin (positive is a gain)."""
    rules = state.instruments[pos.symbol]
    return rules.pnl(pos.side, pos.contracts, pos.entry, mark_of(state, pos.symbol))


def maintenance(state: EngineState, pos: Position) -> Decimal:
    """Maintenance margin of ``pos`` in coin (valued at the mark or the entry)."""
    rules = state.instruments[pos.symbol]
    price = pos.entry if rules.mm_at == "entry" else mark_of(state, pos.symbol)
    return rules.maintenance_margin(rules.value(pos.contracts, price))


def initial_requirement(state: EngineState, pos: Position) -> Decimal:
    """Initial margin of ``pos`` in coin at the mark, for its leverage and tier."""
    rules = state.instruments[pos.symbol]
    value = rules.value(pos.contracts, mark_of(state, pos.symbol))
    return initial_margin(value, imr=rules.initial_rate(value, pos.leverage))


def _cross(state: EngineState, account: Account, coin: str) -> list[Position]:
    return [
        p
        for s, p in sorted(account.positions.items())
        if not p.isolated and state.instruments[s].settle == coin
    ]


def unit_positions(state: EngineState, unit: Unit) -> list[Position]:
    """Open positions of the unit, by symbol."""
    account = state.accounts[unit.account]
    if unit.symbol is not None:
        pos = account.positions.get(unit.symbol)
        return [pos] if pos is not None and pos.isolated else []
    return _cross(state, account, unit.coin)


def unit_equity(state: EngineState, unit: Unit) -> Decimal:
    """Equity of the unit at the marks, in coin."""
    account = state.accounts[unit.account]
    positions = unit_positions(state, unit)
    base = positions[0].margin if unit.symbol is not None and positions else ZERO
    if unit.symbol is None:
        base = account.wallet(unit.coin)
    return base + sum((unrealised(state, p) for p in positions), ZERO)


def unit_maintenance(state: EngineState, unit: Unit) -> Decimal:
    """Maintenance margin of the unit in coin."""
    return sum((maintenance(state, p) for p in unit_positions(state, unit)), ZERO)


def cross_free(state: EngineState, account_id: str, coin: str) -> Decimal:
    """Cross equity less the cross positions' initial margin: what the wallet can spare."""
    account = state.accounts[account_id]
    positions = _cross(state, account, coin)
    required = sum((initial_requirement(state, p) for p in positions), ZERO)
    return unit_equity(state, Unit(account_id, coin)) - required


def account_equity(state: EngineState, account_id: str, coin: str) -> Decimal:
    """Everything the account owns in ``coin`` at the marks: wallet, isolated margins and
    all unrealised PnL."""
    account = state.accounts[account_id]
    total = account.wallets.get(coin, ZERO)
    for symbol, pos in account.positions.items():
        rules = state.instruments[symbol]
        if rules.settle != coin:
            continue
        total += rules.pnl(pos.side, pos.contracts, pos.entry, state.marks[symbol])
        if pos.mode is MarginMode.ISOLATED:
            total += pos.margin
    return total


def units(state: EngineState) -> list[Unit]:
    """Every unit holding at least one position, in a deterministic order."""
    out: set[Unit] = set()
    for account in state.accounts.values():
        for symbol, pos in account.positions.items():
            coin = state.instruments[symbol].settle
            out.add(Unit(account.id, coin, symbol if pos.isolated else None))
    return sorted(out, key=lambda u: (u.account, u.coin, u.symbol or ""))


def unit_due(state: EngineState, unit: Unit) -> bool:
    """True when ``unit`` must be liquidated: equity at or below maintenance margin at
    the marks, or an isolated position whose posted margin a funding debit took below
    zero (posted isolated margin is never negative: such a position is liquidated at
    the next mark, whatever its unrealised profit)."""
    if unit.symbol is not None:
        pos = state.accounts[unit.account].positions.get(unit.symbol)
        if pos is not None and pos.isolated and pos.margin < 0:
            return True
    return unit_equity(state, unit) <= unit_maintenance(state, unit)


def liquidatable_units(state: EngineState) -> list[Unit]:
    """Units due for liquidation at the marks (:func:`unit_due`)."""
    return [u for u in units(state) if unit_due(state, u)]
