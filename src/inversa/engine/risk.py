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

from inversa.contracts import ContractKind, initial_margin
from inversa.engine._dec import CONTEXT, ZERO, exact
from inversa.engine.accounts import Account, MarginMode, Position
from inversa.engine.state import EngineState
from inversa.errors import InputError, UnknownSymbolError
from inversa.venues import Instrument

__all__ = [
    "EquityTerms",
    "Unit",
    "account_equity",
    "cross_free",
    "cross_initial",
    "initial_rate",
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


def instrument(state: EngineState, symbol: str) -> Instrument:
    """The instrument traded as ``symbol``, or :class:`UnknownSymbolError`."""
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
    inst = state.instruments[pos.symbol]
    return inst.pnl(pos.side, pos.contracts, pos.entry, mark_of(state, pos.symbol))


def maintenance(state: EngineState, pos: Position) -> Decimal:
    """Maintenance margin of ``pos`` in coin (valued at the mark or the entry)."""
    inst = state.instruments[pos.symbol]
    price = pos.entry if inst.mm_at == "entry" else mark_of(state, pos.symbol)
    return inst.maintenance_margin(inst.value(pos.contracts, price))


def initial_rate(inst: Instrument, value: Decimal, leverage: Decimal) -> Decimal:
    """Initial margin rate (fraction) of a position in ``inst`` worth ``value`` (settlement
    currency) at ``leverage``: ``1 / leverage``, raised to the instrument's lowest initial
    rate at that value (``1 / tier max leverage``, a risk step, a curve) where higher."""
    with exact():
        rate = 1 / leverage
        floor = inst.initial_rate(value)
        return floor if floor > rate else rate


def initial_requirement(state: EngineState, pos: Position) -> Decimal:
    """Initial margin of ``pos`` in coin at the mark, for its leverage and tier."""
    inst = state.instruments[pos.symbol]
    value = inst.value(pos.contracts, mark_of(state, pos.symbol))
    return initial_margin(value, imr=initial_rate(inst, value, pos.leverage))


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


def cross_initial(state: EngineState, account_id: str, coin: str) -> Decimal:
    """Initial margin of the account's cross positions in ``coin``."""
    positions = _cross(state, state.accounts[account_id], coin)
    return sum((initial_requirement(state, p) for p in positions), ZERO)


def cross_free(state: EngineState, account_id: str, coin: str) -> Decimal:
    """Cross equity less the cross positions' initial margin: what the wallet can spare."""
    return unit_equity(state, Unit(account_id, coin)) - cross_initial(state, account_id, coin)


def account_equity(state: EngineState, account_id: str, coin: str) -> Decimal:
    """Everything the account owns in ``coin`` at the marks: wallet, isolated margins and
    all unrealised PnL."""
    account = state.accounts[account_id]
    total = account.wallets.get(coin, ZERO)
    for symbol, pos in account.positions.items():
        inst = state.instruments[symbol]
        if inst.settle != coin:
            continue
        total += inst.pnl(pos.side, pos.contracts, pos.entry, state.marks[symbol])
        if pos.mode is MarginMode.ISOLATED:
            total += pos.margin
    return total


_Term = tuple[str, Position, Decimal | None, Decimal, Decimal | None]


@dataclass(frozen=True, slots=True)
class EquityTerms:
    """:func:`account_equity` with everything but the marks computed once.

    For inverse positions ``inverse_pnl = side * N * CV * (1/entry - 1/mark)``: the
    factors ``side * N * CV`` and ``1/entry`` are kept, so a query at new marks runs the
    same Decimal operations, in the same order and :data:`CONTEXT`, as
    :func:`account_equity` (the result is identical to the last digit), minus the
    argument checks the stored, already validated position passed when it was booked.

    The terms hold the account, its wallet and every position object they were built
    from; all of these are immutable or replaced on change (the reducer replaces a
    position or a wallet balance, a rollback replaces the account), so :meth:`valid`
    is an identity check.
    """

    account: Account
    wallet: Decimal | None
    #: ``(symbol, position, side * N * CV or None for another coin, 1/entry, margin)``.
    terms: tuple[_Term, ...]

    @classmethod
    def of(cls, state: EngineState, account_id: str, coin: str) -> EquityTerms | None:
        """The terms, or ``None`` when a position is not an inverse contract."""
        account = state.accounts[account_id]
        terms: list[_Term] = []
        for symbol, pos in account.positions.items():
            inst = state.instruments[symbol]
            if inst.settle != coin:
                terms.append((symbol, pos, None, ZERO, None))
                continue
            if inst.kind is not ContractKind.INVERSE:
                return None
            factor = CONTEXT.multiply(
                CONTEXT.multiply(Decimal(pos.side), pos.contracts), inst.contract_value
            )
            inverse_entry = CONTEXT.divide(Decimal(1), pos.entry)
            margin = pos.margin if pos.mode is MarginMode.ISOLATED else None
            terms.append((symbol, pos, factor, inverse_entry, margin))
        return cls(account, account.wallets.get(coin), tuple(terms))

    def valid(self, state: EngineState, account_id: str, coin: str) -> bool:
        """True while the account's wallet and positions are the ones the terms hold."""
        account = state.accounts.get(account_id)
        if account is not self.account or account.wallets.get(coin) is not self.wallet:
            return False
        positions = account.positions
        if len(positions) != len(self.terms):
            return False
        for term in self.terms:  # noqa: SIM110 (no generator on the hot path)
            if positions.get(term[0]) is not term[1]:
                return False
        return True

    def equity(self, marks: dict[str, Decimal]) -> Decimal:
        """:func:`account_equity` at ``marks``, in coin."""
        total = ZERO if self.wallet is None else self.wallet
        for symbol, _pos, factor, inverse_entry, margin in self.terms:
            if factor is None:
                continue
            pnl = _MUL(factor, _SUB(inverse_entry, _DIV(_ONE, marks[symbol])))
            total = _ADD(total, pnl)
            if margin is not None:
                total = _ADD(total, margin)
        return total


_ONE = Decimal(1)
_ADD, _SUB, _MUL, _DIV = CONTEXT.add, CONTEXT.subtract, CONTEXT.multiply, CONTEXT.divide


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
