"""The simulated venue: commands that decide events, queries that read the state.

Counterparty model: every fill has two named sides, so long open interest always equals
short open interest.  An order either names its ``counterparty`` (a matched trade) or
fills against the venue's designated **market maker** account, an ordinary account
(it needs a wallet, pays the maker fee and can itself be liquidated or deleveraged) that
also takes the other side of liquidation fills.  Without a market maker every order must
name its counterparty and liquidations go straight to ADL.

Each command runs as a transaction: it either appends its events and changes the state,
or raises (:class:`~inversa.errors.OrderRejectedError`, :class:`~inversa.errors.InputError`,
...) and leaves state and log exactly as they were.  After every command that can lower
equity (marks, fills, funding) units at or below maintenance margin are liquidated
(:mod:`inversa.engine.liquidation`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal, TypedDict, Unpack

from inversa.contracts import parse_side, round_to_tick
from inversa.engine._dec import (
    MAX_PRICE,
    MIN_PRICE,
    TOLERANCE,
    ZERO,
    exact,
    fmt,
    to_decimal,
    to_price,
    to_utc,
)
from inversa.engine.accounts import Account, MarginMode, Position
from inversa.engine.adl import AdlRank, adl_queue
from inversa.engine.events import (
    AccountOpened,
    ClockAdvanced,
    Deposited,
    Event,
    Filled,
    FundingPayment,
    FundingSettled,
    InsuranceFunded,
    LeverageSet,
    MarginTransferred,
    MarkPriceSet,
    VenueOpened,
    Withdrawn,
)
from inversa.engine.fills import build_fill
from inversa.engine.liquidation import (
    LiquidationFill,
    bankruptcy_price,
    liquidation_price,
    run_liquidations,
)
from inversa.engine.orders import NoSlippage, Order, OrderKind, SlippageModel
from inversa.engine.risk import (
    EquityTerms,
    Unit,
    account_equity,
    cross_free,
    cross_initial,
    initial_requirement,
    instrument,
    liquidatable_units,
    mark_of,
    unit_equity,
    unit_maintenance,
    unit_positions,
)
from inversa.engine.state import EngineSnapshot, EngineState, apply_event
from inversa.engine.terms import (
    Liquidity,
    contract_lot,
    funding_interval,
    leverage_cap,
    tradable,
)
from inversa.engine.triggers import TriggerIndex, touched_accounts
from inversa.errors import InputError, OrderRejectedError
from inversa.venues import Instrument

__all__ = ["Engine", "MarginStatus", "OrderTerms", "RiskMode"]

#: How the engine finds units to liquidate (see :class:`Engine`).
RiskMode = Literal["incremental", "full"]


class OrderTerms(TypedDict, total=False):
    """The optional terms of :meth:`Engine.buy` / :meth:`Engine.sell`, by keyword.

    Attributes:
        price: limit price, USD per coin (on the tick); omitted or None: a market order.
        counterparty: the account on the other side (default: the venue's book).
        reduce_only: refuse the order unless it only reduces the position.
    """

    price: object | None
    counterparty: str | None
    reduce_only: bool


@dataclass(frozen=True, slots=True)
class MarginStatus:
    """A margin unit at the marks, in coin: ``equity``, ``maintenance`` and ``initial``
    margin; ``free = equity - initial``; liquidated when ``equity <= maintenance``."""

    account: str
    coin: str
    symbol: str | None
    equity: Decimal
    maintenance: Decimal
    initial: Decimal

    @property
    def free(self) -> Decimal:
        return self.equity - self.initial


class Engine:
    """A simulated venue for inverse (coin-margined) and linear (USD-settled) contracts.

    Args:
        instruments: the instruments traded (one or several), each an
            :class:`inversa.venues.Instrument` (from a rule file, e.g.
            ``load_venue("binance-coinm").instrument("BTC/USD:BTC")``, or built with
            :meth:`Instrument.custom <inversa.venues.Instrument.custom>`); maintenance is
            valued at the entry or the mark by its liquidation model
            (:attr:`Instrument.mm_at <inversa.venues.Instrument.mm_at>`).
        market_maker: id of the account that takes the other side of orders without a
            named counterparty and of liquidation fills (``None``: no such account).
            The account is opened empty: deposit into it before it trades.
        partial_liquidation: step positions down their risk tiers before closing them
            (needs a tier table; off by default).
        slippage: fill price of market orders (:class:`NoSlippage` by default).
        start: the clock's initial UTC time (optional).
        risk: ``"incremental"`` (default): units keep their liquidation triggers in
            ordered structures (:mod:`inversa.engine.triggers`), so a mark that crosses
            none costs O(1) plus the event append; ``"full"``: every unit is re-margined
            after every command (the reference the incremental engine is tested
            against).

    Positions of an account that never called :meth:`set_leverage` for a symbol are
    cross at the instrument's maximum leverage.  Units: prices USD per coin, contracts
    positive counts, amounts in the instrument's settlement currency (the coin for
    inverse contracts, USD/USDT for linear ones); an account holds one wallet per
    settlement currency.
    """

    #: The live state (read it through :meth:`snapshot` and the queries; never mutate).
    state: EngineState

    def __init__(
        self,
        instruments: Instrument | Iterable[Instrument],
        *,
        market_maker: str | None = "market-maker",
        partial_liquidation: bool = False,
        slippage: SlippageModel | None = None,
        start: datetime | None = None,
        risk: RiskMode = "incremental",
    ) -> None:
        items = (instruments,) if isinstance(instruments, Instrument) else tuple(instruments)
        if not items:
            raise InputError("instruments", "()", "need at least one instrument")
        traded = tuple(tradable(item) for item in items)
        symbols = [inst.symbol for inst in traded]
        for symbol in symbols:
            if symbols.count(symbol) > 1:
                raise InputError("instruments", symbol, "symbol listed twice")
        when = None if start is None else to_utc("start", start)
        self._open(
            VenueOpened(traded, market_maker, bool(partial_liquidation), when), slippage, risk
        )
        if market_maker is not None:
            self._emit(AccountOpened(market_maker))

    def _open(self, event: VenueOpened, slippage: SlippageModel | None, risk: RiskMode) -> None:
        if risk not in ("incremental", "full"):
            raise InputError("risk", risk, "must be 'incremental' or 'full'")
        self.state = EngineState.opened(event)
        self._log: list[Event] = [event]
        self.slippage: SlippageModel = slippage if slippage is not None else NoSlippage()
        self.risk: RiskMode = risk
        self._coins = sorted({inst.settle for inst in self.state.instruments.values()})
        self._index: TriggerIndex | None = TriggerIndex() if risk == "incremental" else None
        #: Accounts as they were before the running command first touched them.
        self._journal: dict[str, Account | None] | None = None
        #: :meth:`equity`'s mark-independent terms per (account, coin) (checked on use).
        self._equity_terms: dict[tuple[str, str], EquityTerms | None] = {}

    # -- event log ------------------------------------------------------------------------

    @classmethod
    def from_events(
        cls,
        events: Iterable[Event],
        *,
        slippage: SlippageModel | None = None,
        risk: RiskMode = "incremental",
    ) -> Engine:
        """Rebuild an engine by replaying a log that starts with :class:`VenueOpened`.

        Fills record their prices, so the slippage model is not in the log: pass it
        again to price further market orders the same way.
        """
        items = list(events)
        if not items or not isinstance(items[0], VenueOpened):
            first = type(items[0]).__name__ if items else "nothing"
            raise InputError("events[0]", first, "a log must start with VenueOpened")
        engine = cls.__new__(cls)
        engine._open(items[0], slippage, risk)
        for event in items[1:]:
            engine.apply(event)
        return engine

    replay = from_events

    def apply(self, event: Event) -> None:
        """Apply one recorded event and append it to the log (replay; no checks)."""
        journal = self._journal
        if journal is not None:
            for account_id in touched_accounts(event):
                if account_id not in journal:
                    account = self.state.accounts.get(account_id)
                    journal[account_id] = None if account is None else account.copy()
        apply_event(self.state, event)
        self._log.append(event)
        if self._index is not None:
            self._index.touch(event)

    def _emit(self, event: Event) -> None:
        self.apply(event)

    @property
    def events(self) -> tuple[Event, ...]:
        """The append-only log, oldest first."""
        return tuple(self._log)

    def snapshot(self) -> EngineSnapshot:
        """The full state as immutable, comparable values."""
        return EngineSnapshot.of(self.state)

    def transaction(self) -> AbstractContextManager[None]:
        """Group several commands into one all-or-nothing step.

        A caller that must, say, trade and then withdraw (a vault redeeming tokens) wraps
        both: if the withdrawal is refused, the trade is undone too and the state and the
        event log are as they were.  Nested use joins the outer transaction.
        """
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """All or nothing: on an exception the accounts the command touched (kept in the
        journal before their first change), the books and the log are restored."""
        if self._journal is not None:  # nested: the outer command owns the rollback
            with exact():
                yield
            return
        state = self.state
        books = state.books()
        length = len(self._log)
        journal: dict[str, Account | None] = {}
        self._journal = journal
        try:
            with exact():
                yield
        except BaseException:
            for account_id, account in journal.items():
                if account is None:
                    state.accounts.pop(account_id, None)
                else:
                    state.accounts[account_id] = account
            state.restore_books(books)
            del self._log[length:]
            if self._index is not None:
                self._index.invalidate(journal)
            raise
        finally:
            self._journal = None

    def _due_units(self, state: EngineState) -> list[Unit]:
        """Units at or below maintenance: from the trigger index, or all re-margined."""
        if self._index is not None:
            return self._index.due(state)
        return liquidatable_units(state)

    # -- lookups --------------------------------------------------------------------------

    def instrument(self, symbol: str) -> Instrument:
        """The instrument traded as ``symbol``; :class:`~inversa.errors.UnknownSymbolError`
        if unlisted."""
        return instrument(self.state, symbol)

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(sorted(self.state.instruments))

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(sorted(self.state.accounts))

    @property
    def market_maker(self) -> str | None:
        return self.state.market_maker

    @property
    def time(self) -> datetime | None:
        return self.state.time

    def _account(self, account_id: str, field: str = "account") -> None:
        if account_id not in self.state.accounts:
            known = ", ".join(sorted(self.state.accounts)) or "none"
            raise InputError(field, account_id, f"unknown account (known: {known})")

    def _coin(self, coin: str | None) -> str:
        coins = self._coins
        if coin is not None and coin in coins:
            return coin
        if coin is None:
            if len(coins) == 1:
                return coins[0]
            raise InputError("coin", None, f"name the coin: the venue settles in {coins}")
        if coin not in coins:
            raise InputError("coin", coin, f"no instrument settles in it (coins: {coins})")
        return coin

    # -- money in and out -----------------------------------------------------------------

    def open_account(self, account_id: str) -> None:
        """Open an empty account."""
        with self._transaction():
            if not isinstance(account_id, str) or not account_id:
                raise InputError("account", account_id, "must be a non-empty string")
            if account_id in self.state.accounts:
                raise InputError("account", account_id, "already open")
            self._emit(AccountOpened(account_id))

    def deposit(self, account_id: str, amount: object, coin: str | None = None) -> None:
        """Credit ``amount`` > 0 coin to the account's wallet (opening the account if new)."""
        with self._transaction():
            value = to_decimal("amount", amount, positive=True)
            settle = self._coin(coin)
            if not isinstance(account_id, str) or not account_id:
                raise InputError("account", account_id, "must be a non-empty string")
            if account_id not in self.state.accounts:
                self._emit(AccountOpened(account_id))
            self._emit(Deposited(account_id, settle, value))

    def withdraw(self, account_id: str, amount: object, coin: str | None = None) -> None:
        """Debit ``amount`` > 0 coin; at most the wallet and the cross free margin."""
        with self._transaction():
            value = to_decimal("amount", amount, positive=True)
            settle = self._coin(coin)
            self._account(account_id)
            wallet = self.state.accounts[account_id].wallet(settle)
            available = min(wallet, cross_free(self.state, account_id, settle))
            if value > available + TOLERANCE:
                raise InputError(
                    "amount",
                    value,
                    f"exceeds the {fmt(max(available, ZERO))} {settle} account {account_id!r} "
                    "can withdraw",
                )
            self._emit(Withdrawn(account_id, settle, value))

    def fund_insurance(self, amount: object, coin: str | None = None) -> None:
        """Pay ``amount`` > 0 coin from outside into the insurance fund of ``coin``."""
        with self._transaction():
            value = to_decimal("amount", amount, positive=True)
            self._emit(InsuranceFunded(self._coin(coin), value))

    # -- settings -------------------------------------------------------------------------

    def set_leverage(
        self,
        account_id: str,
        symbol: str,
        leverage: object,
        mode: MarginMode | str = MarginMode.CROSS,
    ) -> None:
        """Choose margin mode and leverage (1 ..= max leverage) for ``symbol``.

        With a position open, only a cross position's leverage may change (and only if
        the account still meets initial margin).
        """
        with self._transaction():
            self._account(account_id)
            inst = self.instrument(symbol)
            lev = to_decimal("leverage", leverage)
            cap = leverage_cap(inst)
            if not 1 <= lev <= cap:
                raise InputError("leverage", lev, f"must lie in [1, {cap}]")
            try:
                margin_mode = MarginMode(mode)
            except ValueError:
                raise InputError("mode", mode, "must be 'cross' or 'isolated'") from None
            pos = self.state.accounts[account_id].positions.get(symbol)
            if pos is not None and pos.mode is not margin_mode:
                raise InputError(
                    "mode", mode, f"cannot change the mode of an open {symbol} position"
                )
            if pos is not None and pos.isolated and pos.leverage != lev:
                raise InputError(
                    "leverage", lev, f"cannot change an open isolated {symbol} position's leverage"
                )
            self._emit(LeverageSet(account_id, symbol, margin_mode, lev))
            if pos is not None and cross_free(self.state, account_id, inst.settle) < -TOLERANCE:
                raise InputError("leverage", lev, "the account would breach initial margin")

    def transfer_margin(self, account_id: str, symbol: str, amount: object) -> None:
        """Move ``amount`` coin from the wallet into an isolated position (negative: out)."""
        with self._transaction():
            self._account(account_id)
            inst = self.instrument(symbol)
            value = to_decimal("amount", amount)
            pos = self.state.accounts[account_id].positions.get(symbol)
            if pos is None or not pos.isolated:
                raise InputError("symbol", symbol, "no isolated position open in it")
            if value == 0:
                raise InputError("amount", value, "must not be 0")
            self._emit(MarginTransferred(account_id, symbol, value))
            if cross_free(self.state, account_id, inst.settle) < -TOLERANCE:
                raise InputError("amount", value, "exceeds the wallet's free margin")
            moved = self.state.accounts[account_id].positions[symbol]
            status = self._status(Unit(account_id, inst.settle, symbol))
            if value < 0 and status.equity < initial_requirement(self.state, moved):
                raise InputError("amount", value, "would leave the position below initial margin")
            if moved.margin < 0:  # unrealised profit is not posted margin: it cannot leave
                raise InputError(
                    "amount", value, f"exceeds the {fmt(pos.margin)} {inst.settle} posted"
                )

    # -- clock and marks ------------------------------------------------------------------

    def _check_time(self, time: datetime | None) -> datetime | None:
        if time is None:
            return None
        when = to_utc("time", time)
        if self.state.time is not None and when < self.state.time:
            raise InputError("time", when, f"is before the engine's clock {self.state.time}")
        return when

    def advance_time(self, time: datetime) -> None:
        """Move the clock forward to ``time`` (UTC)."""
        with self._transaction():
            when = self._check_time(time)
            assert when is not None
            self._emit(ClockAdvanced(when))

    def set_mark(
        self,
        symbol: str,
        price: object,
        *,
        time: datetime | None = None,
        liquidation_fill: LiquidationFill = None,
    ) -> int:
        """Mark ``symbol`` at ``price`` (USD/coin), then liquidate what falls to
        maintenance; returns the number of units liquidated.

        ``liquidation_fill``: where liquidations fill (:data:`LiquidationFill`; the mark
        when ``None``).
        """
        index = self._index
        state = self.state
        if index is not None and self._journal is None and symbol in state.instruments:
            if type(price) is Decimal and price.is_finite() and MIN_PRICE <= price <= MAX_PRICE:
                value = price
            else:
                value = to_price("price", price)
            if time is None:
                when = None
            elif type(time) is datetime and time.tzinfo is UTC and state.time is not None:
                if time < state.time:  # refused with _check_time's message
                    self._check_time(time)
                when = time
            else:
                when = self._check_time(time)
            if index.settled_quiet(state, symbol, value):  # no trigger crossed: O(1) + append
                event = MarkPriceSet(symbol, value, when)
                apply_event(state, event)  # touches no account: nothing to journal
                self._log.append(event)
                return 0
        with self._transaction():
            self.instrument(symbol)
            value = to_price("price", price)
            when = self._check_time(time)
            previous = self.state.marks.get(symbol)
            self._emit(MarkPriceSet(symbol, value, when))
            moved = None if previous is None else (symbol, previous)
            return run_liquidations(self, liquidation_fill, moved=moved)

    # -- orders ---------------------------------------------------------------------------

    def submit(self, order: Order) -> Filled:
        """Fill ``order`` against its counterparty (or the market maker).

        Raises :class:`~inversa.errors.OrderRejectedError` (state unchanged) when a side
        that adds risk would breach initial margin, when an isolated position would be
        liquidated at once, or when a side's cross equity would turn negative.
        """
        with self._transaction():
            state = self.state
            inst = self.instrument(order.symbol)
            self._account(order.account)
            counter = order.counterparty if order.counterparty is not None else state.market_maker
            if counter is None:
                raise InputError(
                    "counterparty", None, "the venue has no market maker: name a counterparty"
                )
            self._account(counter, "counterparty")
            if counter == order.account:
                raise InputError("counterparty", counter, "an account cannot trade itself")
            mark = mark_of(state, order.symbol)
            lot = contract_lot(inst)
            if order.contracts % lot != 0:
                raise InputError(
                    "contracts", order.contracts, f"must be a multiple of the lot {lot}"
                )
            price = self._fill_price(order, inst, mark)
            pos = state.accounts[order.account].positions.get(order.symbol)
            if order.reduce_only and (
                pos is None or pos.side == order.side or order.contracts > pos.contracts
            ):
                raise OrderRejectedError(
                    f"account {order.account!r}: order ({order.describe()}) rejected: "
                    "reduce-only would increase the position"
                )
            order_id = state.next_order_id
            buyer, seller = (
                (order.account, counter) if order.side == 1 else (counter, order.account)
            )
            own: Liquidity = "taker" if order.kind is OrderKind.MARKET else "maker"
            before = {
                party: state.accounts[party].positions.get(order.symbol)
                for party in (order.account, counter)
            }
            event = build_fill(
                state,
                order.symbol,
                buyer,
                seller,
                order.contracts,
                price,
                "order",
                buyer_liquidity=own if buyer == order.account else "maker",
                seller_liquidity=own if seller == order.account else "maker",
                order_id=order_id,
            )
            self._emit(event)
            for party, old in before.items():
                self._check_order_margin(party, old, order, order_id, inst)
            run_liquidations(self)
            return event

    def buy(
        self, account_id: str, symbol: str, contracts: object, **terms: Unpack[OrderTerms]
    ) -> Filled:
        """Buy ``contracts``: a limit order at ``price``, or a market order without one."""
        return self.trade(account_id, symbol, 1, contracts, **terms)

    def sell(
        self, account_id: str, symbol: str, contracts: object, **terms: Unpack[OrderTerms]
    ) -> Filled:
        """Sell ``contracts``: a limit order at ``price``, or a market order without one."""
        return self.trade(account_id, symbol, -1, contracts, **terms)

    def trade(
        self,
        account_id: str,
        symbol: str,
        side: int,
        contracts: object,
        price: object | None = None,
        *,
        counterparty: str | None = None,
        reduce_only: bool = False,
    ) -> Filled:
        """:meth:`buy` (``side`` +1) or :meth:`sell` (-1) ``contracts`` (> 0), for callers
        that hold the side as a number."""
        if side not in (1, -1):
            raise InputError("side", side, "must be 1 (buy) or -1 (sell)")
        with exact():
            order = Order(
                account=account_id,
                symbol=symbol,
                side=1 if side == 1 else -1,
                contracts=to_decimal("contracts", contracts, positive=True),
                kind=OrderKind.MARKET if price is None else OrderKind.LIMIT,
                price=None if price is None else to_price("price", price),
                counterparty=counterparty,
                reduce_only=reduce_only,
            )
        return self.submit(order)

    def _fill_price(self, order: Order, inst: Instrument, mark: Decimal) -> Decimal:
        if order.kind is OrderKind.LIMIT:
            assert order.price is not None
            if inst.tick is not None and order.price % inst.tick != 0:
                raise InputError("price", order.price, f"must lie on the tick {inst.tick}")
            return order.price
        price = self.slippage(order.side, order.contracts, mark, inst.contract_value)
        if inst.tick is not None:
            price = round_to_tick(price, inst.tick, "up" if order.side == 1 else "down")
        if not price > 0:
            raise InputError("price", price, "the slippage model gave a price <= 0")
        return price

    def _check_order_margin(
        self,
        party: str,
        old: Position | None,
        order: Order,
        order_id: int,
        inst: Instrument,
    ) -> None:
        state = self.state
        coin = inst.settle
        new = state.accounts[party].positions.get(order.symbol)
        head = f"account {party!r}: order #{order_id} ({order.describe()}"
        if party != order.account:
            head += f" from {order.account!r}"
        head += ") rejected"
        adds_risk = new is not None and (
            old is None or old.side != new.side or new.contracts > old.contracts
        )
        cross = unit_equity(state, Unit(party, coin))
        if adds_risk:
            assert new is not None
            free = cross - cross_initial(state, party, coin)  # cross_free, equity reused
            if free < -TOLERANCE:
                raise OrderRejectedError(
                    f"{head}: initial margin short by {fmt(-free)} {coin} (cross equity "
                    f"after the fill {fmt(cross)} {coin})"
                )
            if new.isolated:
                status = self._status(Unit(party, coin, order.symbol))
                if status.equity <= status.maintenance:
                    raise OrderRejectedError(
                        f"{head}: the isolated position would be liquidated at once: equity "
                        f"{fmt(status.equity)} {coin} <= maintenance {fmt(status.maintenance)} "
                        f"{coin}, short by {fmt(status.maintenance - status.equity)} {coin}"
                    )
        if cross < -TOLERANCE:
            raise OrderRejectedError(
                f"{head}: cross equity would turn negative ({fmt(cross)} {coin})"
            )

    # -- funding --------------------------------------------------------------------------

    def settle_funding(
        self,
        symbol: str,
        rate: object,
        *,
        elapsed_hours: object | None = None,
        liquidation_fill: LiquidationFill = None,
    ) -> FundingSettled:
        """Settle funding ``rate`` (per interval, positive: longs pay) at the mark.

        With a clock, one settlement per symbol and instant: a second one at the same
        time raises :class:`~inversa.errors.InputError` (it would charge everyone again).

        Every open position receives ``funding_payment(side, N, CV, mark, rate)`` (or
        :func:`~inversa.contracts.funding_accrual` for ``elapsed_hours`` of continuous
        accrual); isolated positions settle into their margin, cross ones into the
        wallet.  Units that fall to maintenance are then liquidated.
        """
        with self._transaction():
            inst = self.instrument(symbol)
            value = to_decimal("rate", rate, limit=Decimal(1))
            mark = mark_of(self.state, symbol)
            now = self.state.time
            if now is not None and self.state.funded.get(symbol) == now:
                raise InputError(
                    "time",
                    now,
                    f"funding of {symbol} is already settled at this time: advance the clock",
                )
            interval = funding_interval(inst)
            elapsed = None
            fraction = Decimal(1)
            if elapsed_hours is not None:
                elapsed = to_decimal("elapsed_hours", elapsed_hours, nonnegative=True)
                fraction = elapsed / interval
            payments: list[FundingPayment] = []
            for account_id in sorted(self.state.accounts):
                pos = self.state.accounts[account_id].positions.get(symbol)
                if pos is None:
                    continue
                side = Decimal(pos.side)
                amount = inst.funding_payment(side, pos.contracts, mark, value)
                if elapsed is not None:  # funding_accrual: the payment * elapsed / interval
                    amount = amount * elapsed / interval
                payments.append(FundingPayment(account_id, amount, pos.isolated))
            event = FundingSettled(symbol, self.state.time, value, mark, fraction, tuple(payments))
            self._emit(event)
            run_liquidations(self, liquidation_fill)
            return event

    # -- queries --------------------------------------------------------------------------

    def wallet(self, account_id: str, coin: str | None = None) -> Decimal:
        """Wallet balance in coin (excludes isolated margins and unrealised PnL)."""
        self._account(account_id)
        return self.state.accounts[account_id].wallet(self._coin(coin))

    def position(self, account_id: str, symbol: str) -> Position | None:
        """The open position of the account in ``symbol``, or ``None`` when flat."""
        account = self.state.accounts.get(account_id)
        if account is None:
            self._account(account_id)
        if symbol not in self.state.instruments:
            self.instrument(symbol)
        assert account is not None
        return account.positions.get(symbol)

    def equity(self, account_id: str, coin: str | None = None) -> Decimal:
        """Wallet + isolated margins + all unrealised PnL at the marks, in coin."""
        state = self.state
        if account_id not in state.accounts:
            self._account(account_id)
        coins = self._coins
        settle = coins[0] if coin is None and len(coins) == 1 else self._coin(coin)
        key = (account_id, settle)
        terms = self._equity_terms.get(key)
        if terms is None or not terms.valid(state, account_id, settle):
            terms = EquityTerms.of(state, account_id, settle)
            if terms is None:  # linear positions: the general valuation
                with exact():
                    return account_equity(state, account_id, settle)
            self._equity_terms[key] = terms
        return terms.equity(state.marks)

    def _status(self, unit: Unit) -> MarginStatus:
        positions = unit_positions(self.state, unit)
        initial = sum((initial_requirement(self.state, p) for p in positions), ZERO)
        return MarginStatus(
            unit.account,
            unit.coin,
            unit.symbol,
            unit_equity(self.state, unit),
            unit_maintenance(self.state, unit),
            initial,
        )

    def margin(
        self, account_id: str, symbol: str | None = None, coin: str | None = None
    ) -> MarginStatus:
        """The margin unit holding ``symbol`` (its isolated position or the cross wallet),
        or the cross wallet of ``coin`` when no symbol is given."""
        self._account(account_id)
        with exact():
            if symbol is not None:
                inst = self.instrument(symbol)
                pos = self.state.accounts[account_id].positions.get(symbol)
                isolated = pos is not None and pos.isolated
                unit = Unit(account_id, inst.settle, symbol if isolated else None)
            else:
                unit = Unit(account_id, self._coin(coin))
            return self._status(unit)

    def insurance_fund(self, coin: str | None = None) -> Decimal:
        return self.state.insurance.get(self._coin(coin), ZERO)

    def fees_collected(self, coin: str | None = None) -> Decimal:
        return self.state.fees.get(self._coin(coin), ZERO)

    def mark(self, symbol: str) -> Decimal:
        self.instrument(symbol)
        return mark_of(self.state, symbol)

    def _open_position(self, account_id: str, symbol: str) -> Position:
        pos = self.position(account_id, symbol)
        if pos is None:
            raise InputError("symbol", symbol, f"account {account_id!r} has no position in it")
        return pos

    def liquidation_price(self, account_id: str, symbol: str) -> Decimal:
        """Mark (USD/coin) at which the position's unit reaches maintenance margin, the
        unit's other positions held at their marks (``Infinity``: none)."""
        pos = self._open_position(account_id, symbol)
        with exact():
            return liquidation_price(self.state, account_id, pos)

    def bankruptcy_price(self, account_id: str, symbol: str) -> Decimal:
        """Price (USD/coin) at which the position's unit has zero equity."""
        pos = self._open_position(account_id, symbol)
        with exact():
            return bankruptcy_price(self.state, account_id, pos)

    def adl_ranking(self, symbol: str, side: object) -> list[AdlRank]:
        """The ADL queue of ``side`` (+1 longs, -1 shorts) in ``symbol``, first out first."""
        self.instrument(symbol)
        which = parse_side(side)
        with exact():
            bankrupt = {
                a.id: bankruptcy_price(self.state, a.id, a.positions[symbol])
                for a in self.state.accounts.values()
                if symbol in a.positions and a.positions[symbol].side == which
            }
            return adl_queue(self.state, symbol, which, "", bankrupt)
