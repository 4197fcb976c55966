"""Historical crash replays: a book of leveraged accounts walked through a crash window.

:func:`replay_crash` takes the hourly bars of one of the four crash windows
(``"2020-03"``, ``"2021-05"``, ``"2022-05"``, ``"2022-11"``;
:func:`inversa.data.crash_window`, Binance USD-M mark prices used as the inverse
contract's mark), opens a :class:`Book` at the window's first open on a simulated venue
(:class:`inversa.engine.Engine`), and walks the bars through it with funding at the
venue's times (:func:`inversa.engine.run_bars`): longs are checked for liquidation at
each hourly **low**, shorts at each hourly **high**, and liquidations at an extreme fill
at the liquidation price clamped to the bar (``fills="trigger"``) or at the extreme
itself (``fills="mark"``).

The default book holds, for each leverage, one long and one short account of equal size
(``notional_coin`` coin at entry, isolated margin unless ``mode="cross"``) that open by
trading with each other, so open interest balances, plus a well-capitalised market maker
that takes the other side of liquidation fills.  Each book account deposits exactly its
initial margin plus its opening fee, so a liquidated account loses its whole deposit.

Units: prices USD per coin; amounts in the settlement coin (exact Decimals in the
engine, floats in the report tables).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import pandas as pd

from inversa.contracts import initial_margin, position_value, round_to_tick, trading_fee
from inversa.engine import (
    Engine,
    Event,
    Filled,
    FormulaFunding,
    FundingSource,
    HistoricalFunding,
    InstrumentRules,
    InsuranceFlow,
    LiquidationStarted,
    LossUncovered,
    MarginMode,
    check_invariants,
    run_bars,
    validate_bars,
)
from inversa.engine._dec import ZERO, exact, floor_to, to_decimal
from inversa.errors import InputError

__all__ = ["MARKET_MAKER", "Book", "BookEntry", "ReplayResult", "replay_crash"]

#: Account id of the replay's market maker.
MARKET_MAKER = "market-maker"
FundingChoice = Literal["auto", "history", "formula", "none"] | FundingSource | pd.Series | None


@dataclass(frozen=True, slots=True)
class BookEntry:
    """One account of a replay book.

    ``side`` +1 long, -1 short; ``contracts`` opened at the entry price.  ``deposit``
    ``None`` means exactly the initial margin plus the opening (maker) fee.  An entry
    with a ``counterparty`` opens by trading with that account (which must be an entry
    of the opposite side and the same size, and opens no order of its own); an entry
    that no one names and that names no one trades with the market maker.
    """

    account: str
    side: int
    leverage: Decimal
    contracts: Decimal
    mode: MarginMode = MarginMode.ISOLATED
    deposit: Decimal | None = None
    counterparty: str | None = None


@dataclass(frozen=True, slots=True)
class Book:
    """Accounts to replay, the market maker's deposit and the starting insurance fund."""

    entries: tuple[BookEntry, ...]
    market_maker_deposit: Decimal = Decimal(10_000)
    insurance_fund: Decimal = ZERO

    @classmethod
    def default(
        cls,
        leverages: Iterable[object],
        rules: InstrumentRules,
        entry: Decimal,
        *,
        notional_coin: Decimal = Decimal(1),
        mode: MarginMode | str = MarginMode.ISOLATED,
        market_maker_deposit: Decimal = Decimal(10_000),
        insurance_fund: Decimal = ZERO,
    ) -> Book:
        """For each leverage a long (``long-<L>x``) and a short (``short-<L>x``) of
        ``notional_coin`` coin at ``entry`` (whole lots, at least one), matched."""
        with exact():
            size = floor_to(notional_coin * entry / rules.contract_value, rules.lot)
            size = max(size, rules.lot)
            margin_mode = MarginMode(mode)
            entries: list[BookEntry] = []
            for raw in leverages:
                lev = to_decimal("leverages", raw, positive=True)
                tag = f"{lev.normalize():f}x"
                long_id, short_id = f"long-{tag}", f"short-{tag}"
                entries.append(BookEntry(long_id, 1, lev, size, margin_mode, counterparty=short_id))
                entries.append(BookEntry(short_id, -1, lev, size, margin_mode))
        return cls(tuple(entries), market_maker_deposit, insurance_fund)


@dataclass(frozen=True, eq=False)
class ReplayResult:
    """What a crash replay did, per account, per leverage and in total.

    Attributes:
        window, venue, symbol: what was replayed.
        funding: how funding was set (``"history:<venue>"``, ``"formula"``, ``"none"``).
        fills: the liquidation fill rule (``"trigger"`` or ``"mark"``).
        entry_price: the book's entry (the first open rounded to the tick), USD/coin.
        prices: the hourly OHLC bars walked (USD/coin, UTC index).
        accounts: one row per book account: ``account, side, leverage, mode,
            contracts, deposit, liquidated, liquidated_at, coin_lost, pnl,
            final_equity, deleveraged_contracts`` (coin).  ``coin_lost`` is deposit less
            final equity for liquidated accounts (0 otherwise); ``pnl`` is final equity
            less deposit at the last close for every account.
        by_leverage: per leverage and side: ``accounts, liquidated, coin_lost, pnl,
            insurance_paid_in, insurance_drawn, adl_events, adl_contracts,
            deleveraged_accounts, uncovered``; ``adl_events`` counts ADL fills caused by
            the bucket's liquidations, ``deleveraged_accounts`` the bucket's accounts that
            were deleveraged.
        totals: the same sums over the whole book plus ``insurance_start``,
            ``insurance_end``, ``market_maker_pnl``, ``min_low``, ``max_high``.
        events: the engine's event log.
    """

    window: str
    venue: str | None
    symbol: str
    funding: str
    fills: str
    entry_price: Decimal
    prices: pd.DataFrame
    accounts: pd.DataFrame
    by_leverage: pd.DataFrame
    totals: dict[str, Any]
    events: tuple[Event, ...] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (floats, ints, strings, ISO timestamps, lists)."""
        prices = [
            {"time": pd.Timestamp(t).isoformat(), "open": o, "high": h, "low": lo, "close": c}
            for t, o, h, lo, c in self.prices.loc[:, ["open", "high", "low", "close"]]
            .astype(float)
            .itertuples(name=None)
        ]
        return {
            "window": self.window,
            "venue": self.venue,
            "symbol": self.symbol,
            "funding": self.funding,
            "fills": self.fills,
            "entry_price": float(self.entry_price),
            "totals": {k: _plain(v) for k, v in self.totals.items()},
            "by_leverage": _records(self.by_leverage),
            "accounts": _records(self.accounts),
            "prices": prices,
        }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, pd.Timestamp | datetime):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    if isinstance(value, Decimal | float):
        return float(value)
    return str(value)


def _stamp(value: datetime | None) -> Any:
    return pd.NaT if value is None else pd.Timestamp(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _resolve_funding(
    choice: FundingChoice, venue: str | None, start: datetime, end: datetime
) -> tuple[FundingSource | None, str]:
    if choice is None or (isinstance(choice, str) and choice == "none"):
        return None, "none"
    if isinstance(choice, pd.Series):
        return HistoricalFunding(choice, source="funding"), "series"
    if not isinstance(choice, str):
        return choice, type(choice).__name__
    if choice not in ("auto", "history", "formula"):
        raise InputError("funding", choice, "must be 'auto', 'history', 'formula' or 'none'")
    if choice in ("auto", "history") and venue is not None:
        from inversa import data

        if venue in data.FUNDING_VENUES:
            history = data.funding_history(venue)
            source = HistoricalFunding(history["funding_rate"], source=f"funding:{venue}")
            if source.covers(start, end):
                return source, f"history:{venue}"
        if choice == "history":
            raise InputError(
                "funding", choice, f"no bundled funding history of {venue!r} covers the window"
            )
    elif choice == "history":
        raise InputError("funding", choice, "needs a venue with bundled funding history")
    return FormulaFunding(), "formula"


def _open_book(engine: Engine, book: Book, rules: InstrumentRules, entry: Decimal) -> None:
    symbol = rules.symbol
    named = {e.counterparty for e in book.entries if e.counterparty is not None}
    by_id = {e.account: e for e in book.entries}
    if len(by_id) != len(book.entries):
        raise InputError("book", "entries", "account ids must be unique")
    with exact():
        for e in book.entries:
            if e.account == MARKET_MAKER:
                raise InputError("book.account", e.account, "reserved for the market maker")
            if e.side not in (1, -1):
                raise InputError(f"book[{e.account}].side", e.side, "must be +1 or -1")
            value = position_value(e.contracts, entry, rules.contract_value)
            deposit = e.deposit
            if deposit is None:
                imr = rules.initial_rate(value, e.leverage)
                deposit = initial_margin(value, imr=imr)
                if rules.maker > 0:
                    deposit += trading_fee(e.contracts, entry, rules.contract_value, rules.maker)
            engine.deposit(e.account, deposit, rules.settle)
            engine.set_leverage(e.account, symbol, e.leverage, e.mode)
    for e in book.entries:
        if e.account in named:
            continue
        if e.counterparty is not None:
            other = by_id.get(e.counterparty)
            if other is None or other.side != -e.side or other.contracts != e.contracts:
                raise InputError(
                    f"book[{e.account}].counterparty",
                    e.counterparty,
                    "must be an entry of the opposite side and the same size",
                )
        trade = engine.buy if e.side == 1 else engine.sell
        trade(e.account, symbol, e.contracts, entry, counterparty=e.counterparty)


def _deposits(events: Sequence[Event]) -> dict[str, Decimal]:
    from inversa.engine import Deposited

    out: dict[str, Decimal] = {}
    for event in events:
        if isinstance(event, Deposited):
            out[event.account] = out.get(event.account, ZERO) + event.amount
    return out


def _summarise(
    engine: Engine, book: Book, rules: InstrumentRules
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    events = engine.events
    deposits = _deposits(events)
    liquidated_at: dict[str, datetime | None] = {}
    paid_in: dict[str, Decimal] = {}
    drawn: dict[str, Decimal] = {}
    adl_events: dict[str, int] = {}
    adl_contracts: dict[str, Decimal] = {}
    deleveraged: dict[str, Decimal] = {}
    uncovered: dict[str, Decimal] = {}
    current: str | None = None
    for event in events:
        if isinstance(event, LiquidationStarted):
            current = event.account
            liquidated_at.setdefault(event.account, event.time)
        elif isinstance(event, InsuranceFlow):
            book_ = paid_in if event.amount > 0 else drawn
            book_[event.account] = book_.get(event.account, ZERO) + abs(event.amount)
        elif isinstance(event, LossUncovered):
            uncovered[event.account] = uncovered.get(event.account, ZERO) + event.amount
        elif isinstance(event, Filled) and event.reason == "adl" and current is not None:
            other = event.seller if event.buyer.account == current else event.buyer
            adl_events[current] = adl_events.get(current, 0) + 1
            adl_contracts[current] = adl_contracts.get(current, ZERO) + event.contracts
            deleveraged[other.account] = deleveraged.get(other.account, ZERO) + event.contracts
    rows = []
    for e in book.entries:
        equity = engine.equity(e.account, rules.settle)
        deposit = deposits.get(e.account, ZERO)
        liquidated = e.account in liquidated_at
        rows.append(
            {
                "account": e.account,
                "side": "long" if e.side == 1 else "short",
                "leverage": float(e.leverage),
                "mode": MarginMode(e.mode).value,
                "contracts": float(e.contracts),
                "deposit": float(deposit),
                "liquidated": liquidated,
                "liquidated_at": _stamp(liquidated_at.get(e.account)),
                "coin_lost": float(deposit - equity) if liquidated else 0.0,
                "pnl": float(equity - deposit),
                "final_equity": float(equity),
                "deleveraged_contracts": float(deleveraged.get(e.account, ZERO)),
                "insurance_paid_in": float(paid_in.get(e.account, ZERO)),
                "insurance_drawn": float(drawn.get(e.account, ZERO)),
                "adl_events": adl_events.get(e.account, 0),
                "adl_contracts": float(adl_contracts.get(e.account, ZERO)),
                "uncovered": float(uncovered.get(e.account, ZERO)),
            }
        )
    accounts = pd.DataFrame(rows)
    grouped = accounts.groupby(["leverage", "side"], sort=True)
    by_leverage = grouped.agg(
        accounts=("account", "count"),
        liquidated=("liquidated", "sum"),
        coin_lost=("coin_lost", "sum"),
        pnl=("pnl", "sum"),
        insurance_paid_in=("insurance_paid_in", "sum"),
        insurance_drawn=("insurance_drawn", "sum"),
        adl_events=("adl_events", "sum"),
        adl_contracts=("adl_contracts", "sum"),
        deleveraged_accounts=("deleveraged_contracts", lambda s: int((s > 0).sum())),
        uncovered=("uncovered", "sum"),
    ).reset_index()
    by_leverage["liquidated"] = by_leverage["liquidated"].astype(int)
    maker_equity = engine.equity(MARKET_MAKER, rules.settle)
    totals: dict[str, Any] = {
        "accounts": len(accounts),
        "liquidated": int(accounts["liquidated"].sum()),
        "coin_lost": float(accounts["coin_lost"].sum()),
        "pnl": float(accounts["pnl"].sum()),
        "insurance_paid_in": float(sum(paid_in.values(), ZERO)),
        "insurance_drawn": float(sum(drawn.values(), ZERO)),
        "insurance_start": float(book.insurance_fund),
        "insurance_end": float(engine.insurance_fund(rules.settle)),
        "adl_events": int(sum(adl_events.values())),
        "adl_contracts": float(sum(adl_contracts.values(), ZERO)),
        "deleveraged_accounts": len([a for a, q in deleveraged.items() if q > 0]),
        "uncovered": float(sum(uncovered.values(), ZERO)),
        "market_maker_pnl": float(maker_equity - deposits.get(MARKET_MAKER, ZERO)),
        "fees": float(engine.fees_collected(rules.settle)),
    }
    return accounts, by_leverage, totals


def replay_crash(
    window: str,
    book: Book | None = None,
    venue: str | None = "binance-coinm",
    symbol: str = "BTC/USD:BTC",
    leverages: Sequence[object] = (2, 5, 10, 25, 50, 100),
    *,
    rules: InstrumentRules | None = None,
    prices: pd.DataFrame | None = None,
    asset: str = "BTC",
    funding: FundingChoice = "auto",
    fills: Literal["trigger", "mark"] = "trigger",
    mode: MarginMode | str = MarginMode.ISOLATED,
    notional_coin: object = 1,
    insurance_fund: object = 0,
    market_maker_deposit: object = 10_000,
    check: bool = False,
) -> ReplayResult:
    """Replay crash ``window`` on a simulated venue and report the damage.

    Args:
        window: ``"2020-03"``, ``"2021-05"``, ``"2022-05"`` or ``"2022-11"``.
        book: the accounts; ``None`` builds :meth:`Book.default` over ``leverages``.
        venue, symbol: the rules, via :meth:`InstrumentRules.from_venue`, unless
            ``rules`` is given.
        prices: OHLC bars to use instead of ``inversa.data.crash_window(window, asset)``.
        funding: ``"auto"`` (the venue's bundled history if it covers the window, else
            the formula at zero premium), ``"history"``, ``"formula"``, ``"none"``/``None``,
            a :class:`FundingSource` or a Series of rates.
        fills: liquidation fills at an hourly extreme: ``"trigger"`` or ``"mark"``.
        mode: the default book's margin mode.
        notional_coin: the default book's position size, coin at entry.
        insurance_fund: coin in the insurance fund at the start (default book).
        market_maker_deposit: the market maker's wallet (default book).
        check: run :func:`inversa.engine.check_invariants` after every step (slow).
    """
    if rules is None:
        if venue is None:
            raise InputError("venue", None, "give a venue or explicit rules")
        rules = InstrumentRules.from_venue(venue, symbol)
    if prices is None:
        from inversa import data

        prices = data.crash_window(window, asset)
    bars = validate_bars(prices, f"crash window {window}")
    first = bars.index[0].to_pydatetime()
    with exact():
        entry = to_decimal("open", float(bars["open"].iloc[0]), positive=True)
        if rules.tick is not None:
            entry = round_to_tick(entry, rules.tick, "nearest")
    if book is None:
        book = Book.default(
            leverages,
            rules,
            entry,
            notional_coin=to_decimal("notional_coin", notional_coin, positive=True),
            mode=mode,
            market_maker_deposit=to_decimal(
                "market_maker_deposit", market_maker_deposit, positive=True
            ),
            insurance_fund=to_decimal("insurance_fund", insurance_fund, nonnegative=True),
        )
    engine = Engine(rules, market_maker=MARKET_MAKER, start=first)
    engine.deposit(MARKET_MAKER, book.market_maker_deposit, rules.settle)
    if book.insurance_fund > 0:
        engine.fund_insurance(book.insurance_fund, rules.settle)
    engine.set_mark(rules.symbol, entry, time=first)
    _open_book(engine, book, rules, entry)
    source, label = _resolve_funding(funding, venue, first, bars.index[-1].to_pydatetime())

    def verify(eng: Engine, _time: datetime, _label: str) -> None:
        check_invariants(eng)

    run_bars(
        engine,
        rules.symbol,
        bars,
        funding=source,
        fills=fills,
        source=f"crash window {window}",
        after_step=verify if check else None,
    )
    accounts, by_leverage, totals = _summarise(engine, book, rules)
    totals["min_low"] = float(bars["low"].min())
    totals["max_high"] = float(bars["high"].max())
    return ReplayResult(
        window=window,
        venue=rules.venue if rules.venue is not None else venue,
        symbol=rules.symbol,
        funding=label,
        fills=fills,
        entry_price=entry,
        prices=bars,
        accounts=accounts,
        by_leverage=by_leverage,
        totals=totals,
        events=engine.events,
    )
