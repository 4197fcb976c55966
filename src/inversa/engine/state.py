"""The engine's state, its one reducer (event -> state change), and frozen snapshots.

Every change to :class:`EngineState` goes through :func:`apply_event`; commands on
:class:`inversa.engine.Engine` only decide which events happen.  Replaying a log is
therefore running :func:`apply_event` over it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from inversa.contracts import Fill, PositionState
from inversa.engine import events as ev
from inversa.engine._dec import ZERO, exact
from inversa.engine.accounts import Account, MarginMode, Position, PositionSettings
from inversa.engine.terms import leverage_cap
from inversa.errors import InversaError
from inversa.venues import Instrument

__all__ = ["AccountSnapshot", "EngineSnapshot", "EngineState", "apply_event"]


@dataclass(slots=True)
class EngineState:
    """All mutable state of a simulated venue.

    ``insurance``, ``fees`` and ``external`` (net deposits less withdrawals, including
    coin paid into the insurance fund from outside) are per settlement coin;
    ``uncovered`` accumulates losses reported by :class:`LossUncovered` per
    (account, coin).
    """

    instruments: dict[str, Instrument]
    market_maker: str | None
    partial_liquidation: bool
    accounts: dict[str, Account] = field(default_factory=dict)
    insurance: dict[str, Decimal] = field(default_factory=dict)
    fees: dict[str, Decimal] = field(default_factory=dict)
    external: dict[str, Decimal] = field(default_factory=dict)
    marks: dict[str, Decimal] = field(default_factory=dict)
    time: datetime | None = None
    next_order_id: int = 1
    uncovered: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    #: The time of the last funding settlement per symbol (clocked settlements only).
    funded: dict[str, datetime] = field(default_factory=dict)

    @classmethod
    def opened(cls, event: ev.VenueOpened) -> EngineState:
        return cls(
            instruments={r.symbol: r for r in event.instruments},
            market_maker=event.market_maker,
            partial_liquidation=event.partial_liquidation,
            time=event.time,
        )

    def copy(self) -> EngineState:
        """An independent copy, for rolling back a rejected command."""
        return EngineState(
            instruments=self.instruments,
            market_maker=self.market_maker,
            partial_liquidation=self.partial_liquidation,
            accounts={k: a.copy() for k, a in self.accounts.items()},
            insurance=dict(self.insurance),
            fees=dict(self.fees),
            external=dict(self.external),
            marks=dict(self.marks),
            time=self.time,
            next_order_id=self.next_order_id,
            uncovered=dict(self.uncovered),
            funded=dict(self.funded),
        )

    def books(self) -> tuple[object, ...]:
        """Everything but the accounts, copied (a transaction's backup)."""
        return (
            dict(self.insurance),
            dict(self.fees),
            dict(self.external),
            dict(self.marks),
            self.time,
            self.next_order_id,
            dict(self.uncovered),
            dict(self.funded),
        )

    def restore_books(self, books: tuple[object, ...]) -> None:
        """Put back what :meth:`books` saved."""
        (
            self.insurance,
            self.fees,
            self.external,
            self.marks,
            self.time,
            self.next_order_id,
            self.uncovered,
            self.funded,
        ) = books  # type: ignore[assignment]

    def default_settings(self, symbol: str) -> PositionSettings:
        """Cross margin at the instrument's maximum leverage."""
        return PositionSettings(MarginMode.CROSS, leverage_cap(self.instruments[symbol]))


def _add(book: dict[str, Decimal], key: str, amount: Decimal) -> None:
    book[key] = book.get(key, ZERO) + amount


def _apply_side(state: EngineState, event: ev.Filled, side: ev.FillSide) -> None:
    inst = state.instruments[event.symbol]
    account = state.accounts[side.account]
    old = account.positions.get(event.symbol)
    result = inst.apply_fill(
        old.state if old else PositionState(), Fill(side.quantity, event.price)
    )
    if result.realised_pnl != side.realised_pnl:
        raise InversaError(
            f"event log inconsistent: fill of {side.quantity} {event.symbol} for account "
            f"{side.account!r} realises {result.realised_pnl}, the event says {side.realised_pnl}"
        )
    margin = (old.margin if old else ZERO) + side.margin_delta
    new = result.position
    if new.size == 0:
        if margin != 0:
            raise InversaError(
                f"event log inconsistent: closed position {event.symbol} of account "
                f"{side.account!r} keeps margin {margin}"
            )
        account.positions.pop(event.symbol, None)
    elif old is None or (old.size > 0) != (new.size > 0):
        settings = account.settings.get(event.symbol) or state.default_settings(event.symbol)
        account.positions[event.symbol] = Position(
            event.symbol, new.size, new.entry, settings.mode, settings.leverage, margin
        )
    else:
        # Position(...) rather than two dataclasses.replace calls: the fill path is hot
        account.positions[event.symbol] = Position(
            old.symbol, new.size, new.entry, old.mode, old.leverage, margin
        )
    _add(account.wallets, inst.settle, side.wallet_delta)
    _add(state.fees, inst.settle, side.fee)


def apply_event(state: EngineState, event: ev.Event) -> None:
    """Apply one event to ``state`` in place (the only way the state changes)."""
    if type(event) is ev.MarkPriceSet:  # the hot path: no arithmetic
        state.marks[event.symbol] = event.price
        if event.time is not None:
            state.time = event.time
        return
    with exact():
        _apply(state, event)


def _apply(state: EngineState, event: ev.Event) -> None:
    if isinstance(event, ev.AccountOpened):
        state.accounts[event.account] = Account(event.account)
    elif isinstance(event, ev.Deposited):
        _add(state.accounts[event.account].wallets, event.coin, event.amount)
        _add(state.external, event.coin, event.amount)
    elif isinstance(event, ev.Withdrawn):
        _add(state.accounts[event.account].wallets, event.coin, -event.amount)
        _add(state.external, event.coin, -event.amount)
    elif isinstance(event, ev.InsuranceFunded):
        _add(state.insurance, event.coin, event.amount)
        _add(state.external, event.coin, event.amount)
    elif isinstance(event, ev.LeverageSet):
        account = state.accounts[event.account]
        account.settings[event.symbol] = PositionSettings(event.mode, event.leverage)
        pos = account.positions.get(event.symbol)
        if pos is not None:
            account.positions[event.symbol] = replace(pos, leverage=event.leverage)
    elif isinstance(event, ev.MarginTransferred):
        account = state.accounts[event.account]
        pos = account.positions[event.symbol]
        coin = state.instruments[event.symbol].settle
        _add(account.wallets, coin, -event.amount)
        account.positions[event.symbol] = replace(pos, margin=pos.margin + event.amount)
    elif isinstance(event, ev.ClockAdvanced):
        state.time = event.time
    elif isinstance(event, ev.MarkPriceSet):
        state.marks[event.symbol] = event.price
        if event.time is not None:
            state.time = event.time
    elif isinstance(event, ev.Filled):
        _apply_side(state, event, event.buyer)
        _apply_side(state, event, event.seller)
        if event.order_id is not None:
            state.next_order_id = max(state.next_order_id, event.order_id + 1)
    elif isinstance(event, ev.FundingSettled):
        if event.time is not None:
            state.funded[event.symbol] = event.time
        coin = state.instruments[event.symbol].settle
        for pay in event.payments:
            account = state.accounts[pay.account]
            if pay.isolated:
                pos = account.positions[event.symbol]
                account.positions[event.symbol] = replace(pos, margin=pos.margin + pay.amount)
            else:
                _add(account.wallets, coin, pay.amount)
    elif isinstance(event, ev.InsuranceFlow):
        _add(state.accounts[event.account].wallets, event.coin, -event.amount)
        _add(state.insurance, event.coin, event.amount)
    elif isinstance(event, ev.LossUncovered):
        key = (event.account, event.coin)
        state.uncovered[key] = state.uncovered.get(key, ZERO) + event.amount
    elif isinstance(event, ev.LiquidationStarted):
        pass  # a report: the fills and flows that follow change the state
    elif isinstance(event, ev.VenueOpened):
        raise InversaError("event log inconsistent: VenueOpened may only start a log")
    else:  # pragma: no cover - the union is exhaustive
        raise InversaError(f"unknown event {event!r}")


# -- snapshots --------------------------------------------------------------------------


def _items(book: dict[str, Decimal]) -> tuple[tuple[str, Decimal], ...]:
    return tuple(sorted(book.items()))


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """One account, frozen: wallets by coin, open positions and settings by symbol."""

    id: str
    wallets: tuple[tuple[str, Decimal], ...]
    positions: tuple[Position, ...]
    settings: tuple[tuple[str, PositionSettings], ...]

    def wallet(self, coin: str) -> Decimal:
        return dict(self.wallets).get(coin, ZERO)

    def position(self, symbol: str) -> Position | None:
        for pos in self.positions:
            if pos.symbol == symbol:
                return pos
        return None


@dataclass(frozen=True, slots=True)
class EngineSnapshot:
    """The full state of an engine as comparable, immutable values."""

    instruments: tuple[Instrument, ...]
    market_maker: str | None
    partial_liquidation: bool
    accounts: tuple[AccountSnapshot, ...]
    insurance: tuple[tuple[str, Decimal], ...]
    fees: tuple[tuple[str, Decimal], ...]
    external: tuple[tuple[str, Decimal], ...]
    marks: tuple[tuple[str, Decimal], ...]
    time: datetime | None
    next_order_id: int
    uncovered: tuple[tuple[tuple[str, str], Decimal], ...]
    funded: tuple[tuple[str, datetime], ...] = ()

    @classmethod
    def of(cls, state: EngineState) -> EngineSnapshot:
        accounts = tuple(
            AccountSnapshot(
                a.id,
                _items(a.wallets),
                tuple(a.positions[s] for s in sorted(a.positions)),
                tuple(sorted(a.settings.items())),
            )
            for a in sorted(state.accounts.values(), key=lambda a: a.id)
        )
        return cls(
            instruments=tuple(state.instruments[s] for s in sorted(state.instruments)),
            market_maker=state.market_maker,
            partial_liquidation=state.partial_liquidation,
            accounts=accounts,
            insurance=_items(state.insurance),
            fees=_items(state.fees),
            external=_items(state.external),
            marks=_items(state.marks),
            time=state.time,
            next_order_id=state.next_order_id,
            uncovered=tuple(sorted(state.uncovered.items())),
            funded=tuple(sorted(state.funded.items())),
        )

    def account(self, account_id: str) -> AccountSnapshot:
        for acc in self.accounts:
            if acc.id == account_id:
                return acc
        raise KeyError(account_id)
