"""Historical crash replays: a book of leveraged accounts walked through a crash window.

:func:`replay_crash` takes the hourly bars of one of the four crash windows
(``"2020-03"``, ``"2021-05"``, ``"2022-05"``, ``"2022-11"``;
:func:`inversa.data.crash_window`, Binance USD-M mark prices used as the inverse
contract's mark: USDT per BTC, taken as USD), opens a :class:`Book` at the window's
first open on a simulated venue (:class:`inversa.engine.Engine`), and walks the bars
through it with funding at the venue's times (:func:`inversa.engine.run_bars`): longs are
checked for liquidation at each hourly **low**, shorts at each hourly **high**.

Hourly bars cannot tell where inside a bar a liquidation filled, so the replay
(:func:`crash_replay`, the API the CLI calls with one frozen :class:`ReplayConfig`) runs
the window under both bounds by default: ``"trigger"`` (at the liquidation price
clamped to the bar: the optimistic bound, the fund gains) and ``"worst-mark"`` (at the
bar's extreme: the pessimistic bound, where gaps draw the fund and ADL), plus
``"impact"`` (the trigger price moved by the notional against a book ``depth_usd``
deep) when a depth is given.

Funding (``ReplayConfig.funding``): ``"auto"`` uses the venue's own bundled history when
it covers the window and otherwise Bybit's (the only one covering all four windows);
``"venue"`` or a venue name insists on one history; ``"formula"`` is the venue's formula
at zero premium (interest only); ``"none"``.  The result says which was used.  A funding
row stamped ``t`` settles the positions open at ``t``, at the mark of the bar that starts
at ``t`` (its open).

The default book holds, for each leverage, one long and one short account of equal size
(``notional_coin`` coin at entry, isolated margin unless ``mode="cross"``) that open by
trading with each other, so open interest balances, plus a well-capitalised market maker
that takes the other side of liquidation fills.  Each book account deposits exactly its
initial margin plus its opening fee, so a liquidated account loses its whole deposit.

Units: prices USD (USDT) per coin; amounts in the settlement coin (exact Decimals in the
engine, floats in the report tables); result fields carry their unit as a suffix
(``_coin``, ``_usd``, ``_usdt``) and the ``coin`` field names the coin.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
from pydantic import ValidationError, model_validator

from inversa.contracts import initial_margin, round_to_tick
from inversa.data import FundingSeries
from inversa.data.config import ConfigModel
from inversa.domain import Amount, Leverage
from inversa.engine import (
    FILL_MODELS,
    Deposited,
    Engine,
    Event,
    Filled,
    FillModel,
    FormulaFunding,
    FundingSource,
    HistoricalFunding,
    InsuranceFlow,
    LiquidationStarted,
    LossUncovered,
    MarginMode,
    check_invariants,
    contract_lot,
    exact,
    fee_rate,
    floor_to,
    initial_rate,
    leverage_cap,
    run_bars,
    to_decimal,
    tradable,
    validate_bars,
)
from inversa.errors import InputError
from inversa.venues import Instrument, load_venue

__all__ = [
    "DEFAULT_LEVERAGES",
    "FILL_MODELS",
    "FUNDING_CHOICES",
    "MARKET_MAKER",
    "Book",
    "BookEntry",
    "CrashReplay",
    "ReplayConfig",
    "ReplayResult",
    "crash_replay",
    "default_leverages",
    # opening_deposit .. venue_instrument but replay_crash: the steps of a book walk,
    # shared with sim._book_run (guard, vol-margin studies)
    "opening_deposit",
    "replay_crash",
    "resolve_funding",
    "start_book",
    "summarise_book",
    "venue_instrument",
]

ZERO = Decimal(0)

#: Account id of the replay's market maker.
MARKET_MAKER = "market-maker"
#: The default book's leverages, cut at the venue's cap (:func:`default_leverages`).
DEFAULT_LEVERAGES = (2, 5, 10, 25, 50, 100)
#: What ``funding`` may name (see the module docstring); ``"history"`` is an alias of
#: ``"venue"``.
FUNDING_CHOICES = (
    "auto",
    "venue",
    "bitmex",
    "bybit",
    "binance-coinm",
    "deribit",
    "formula",
    "none",
)
_FALLBACK_HISTORY = "bybit"
FundingChoice = str | FundingSource | FundingSeries | None


def default_leverages(inst: Instrument) -> tuple[Decimal, ...]:
    """:data:`DEFAULT_LEVERAGES` at or below the instrument's leverage cap."""
    return tuple(Decimal(x) for x in DEFAULT_LEVERAGES if x <= leverage_cap(inst))


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
    """Accounts to replay, the market maker's deposit and the starting insurance fund
    (both in the settlement coin)."""

    entries: tuple[BookEntry, ...]
    market_maker_deposit: Decimal = Decimal(10_000)
    insurance_fund: Decimal = ZERO

    @classmethod
    def default(
        cls,
        leverages: Iterable[object],
        inst: Instrument,
        entry: Decimal,
        *,
        notional_coin: Decimal = Decimal(1),
        size_usd: Decimal | None = None,
        mode: MarginMode | str = MarginMode.ISOLATED,
        market_maker_deposit: Decimal = Decimal(10_000),
        insurance_fund: Decimal = ZERO,
    ) -> Book:
        """For each leverage a long (``long-<L>x``) and a short (``short-<L>x``) of
        ``size_usd`` USD notional (or ``notional_coin`` coin at ``entry``), whole lots and
        at least one, matched with each other."""
        with exact():
            if size_usd is not None:
                raw = size_usd / (entry * inst.contract_value) if inst.linear else None
                raw = size_usd / inst.contract_value if raw is None else raw
            else:
                raw = inst.contracts_for(
                    notional_coin * entry if inst.linear else notional_coin, entry
                )
            lot = contract_lot(inst)
            size = max(floor_to(raw, lot), lot)
            margin_mode = MarginMode(mode)
            entries: list[BookEntry] = []
            for raw_lev in leverages:
                lev = to_decimal("leverages", raw_lev, positive=True)
                tag = f"{lev.normalize():f}x"
                long_id, short_id = f"long-{tag}", f"short-{tag}"
                entries.append(BookEntry(long_id, 1, lev, size, margin_mode, counterparty=short_id))
                entries.append(BookEntry(short_id, -1, lev, size, margin_mode))
        return cls(tuple(entries), market_maker_deposit, insurance_fund)


WindowName = Literal["2020-03", "2021-05", "2022-05", "2022-11"]
FundingName = Literal[
    "auto", "venue", "history", "bitmex", "bybit", "binance-coinm", "deribit", "formula", "none"
]
FillName = Literal["trigger", "worst-mark", "impact"]


class ReplayConfig(ConfigModel):
    """Everything a crash replay needs, frozen (a :class:`~inversa.data.config.ConfigModel`):
    the CLI builds it from its options (:meth:`of`), a TOML file can hold it
    (:func:`~inversa.data.config.load_toml`), and :func:`crash_replay` takes it.
    :meth:`of` turns a bad value into one :class:`~inversa.errors.InputError` naming the
    field.

    Attributes:
        window: ``"2020-03"``, ``"2021-05"``, ``"2022-05"`` or ``"2022-11"``.
        venue, symbol: the instrument (:func:`venue_instrument`).
        leverages: the default book's leverages; ``None``: :data:`DEFAULT_LEVERAGES` cut
            at the venue's cap.  One above the cap is an error naming ``leverages``.
        mode: ``"isolated"`` or ``"cross"`` margin for every book account.
        funding: one of :data:`FUNDING_CHOICES`.
        fills: fill models to run (:data:`FILL_MODELS`, ``"mark"`` meaning
            ``"worst-mark"``); ``None``: both bounds (``trigger``, ``worst-mark``) plus
            ``impact`` when ``depth_usd`` is given.
        depth_usd: book depth for the ``impact`` fill model, USD, > 0.
        insurance_fund_coin: the insurance fund at the start, coin.
        size_usd: USD notional per account, > 0; ``None``: 1 coin at the entry price.
        market_maker_deposit_coin: the market maker's wallet, coin, > 0.
        asset: the crash window's asset (``"BTC"``).
    """

    window: WindowName
    venue: str = "binance-coinm"
    symbol: str = "BTC/USD:BTC"
    leverages: tuple[Leverage, ...] | None = None
    mode: Literal["isolated", "cross"] = "isolated"
    funding: FundingName = "auto"
    fills: tuple[FillName, ...] | None = None
    depth_usd: Amount | None = None
    insurance_fund_coin: Amount = ZERO
    size_usd: Amount | None = None
    market_maker_deposit_coin: Amount = Decimal(10_000)
    asset: str = "BTC"

    @classmethod
    def of(cls, window: str, **fields: Any) -> ReplayConfig:
        """The config for ``window`` and ``fields``; a bad value raises one
        :class:`~inversa.errors.InputError` naming the field (``leverages[0]``)."""
        try:
            return cls(window=window, **fields)  # type: ignore[arg-type]
        except ValidationError as exc:
            raise _input_error(exc) from None

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for name in ("leverages", "fills"):
            if isinstance(data.get(name), list):
                data[name] = tuple(data[name])
        fills = data.get("fills")
        if fills is None:
            depth = data.get("depth_usd")
            fills = ("trigger", "worst-mark", *(("impact",) if depth is not None else ()))
        if isinstance(fills, tuple):
            fills = tuple(dict.fromkeys("worst-mark" if f == "mark" else f for f in fills))
        data["fills"] = fills
        return data

    @model_validator(mode="after")
    def _consistent(self) -> ReplayConfig:
        if self.leverages is not None and not self.leverages:
            raise InputError("leverages", "()", "give at least one leverage")
        for name in ("depth_usd", "size_usd", "market_maker_deposit_coin"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise InputError(name, f"{value}", "must be > 0")
        if self.fills is not None and "impact" in self.fills and self.depth_usd is None:
            raise InputError("depth", None, "the impact fill model needs --depth (USD)")
        return self


def _input_error(exc: ValidationError) -> InputError:
    """The first error of ``exc`` as one InputError naming the field (``leverages[0]``)."""
    err = exc.errors(include_url=False)[0]
    key = ""
    for part in err["loc"]:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, InputError):
        return InputError(key or cause.field, cause.value, cause.reason)
    if err["type"] == "literal_error":
        return InputError(key or "value", err.get("input"), err["msg"].lower())
    return InputError(key or "value", err.get("input"), err["msg"].lower())


def _check_funding_name(choice: str) -> None:
    if choice not in (*FUNDING_CHOICES, "history"):
        raise InputError("funding", choice, f"must be one of {', '.join(FUNDING_CHOICES)}")


@dataclass(frozen=True, eq=False)
class ReplayResult:
    """What a crash replay did under one fill model, per account, per leverage and in total.

    Attributes:
        window, venue, symbol: what was replayed; ``coin`` the settlement coin.
        funding: the funding source used, e.g. ``"bybit history (auto: binance-coinm's
            history starts after the window)"``, ``"formula"``, ``"none"``.
        fills: the liquidation fill model (``"trigger"``, ``"worst-mark"``, ``"impact"``).
        entry_price_usdt: the book's entry (the first open rounded to the tick), USDT per
            coin (the Binance USD-M mark, used as the inverse contract's USD mark).
        prices: the hourly OHLC bars walked (USDT per coin, UTC index = bar open).
        accounts: one row per book account: ``account, side, leverage, mode, contracts,
            deposit_coin, liquidated, liquidated_bar_open_utc`` (the open time of the
            hourly bar in which it was liquidated), ``lost_coin, pnl_coin,
            final_equity_coin, deleveraged_contracts, insurance_paid_in_coin,
            insurance_drawn_coin, adl_events, adl_contracts, uncovered_coin``.
            ``lost_coin`` is deposit less final equity for liquidated accounts (0
            otherwise); ``pnl_coin`` is final equity less deposit at the last close.
        by_leverage: per leverage and side: ``accounts, liquidated, lost_coin, pnl_coin,
            insurance_paid_in_coin, insurance_drawn_coin, adl_events, adl_contracts,
            deleveraged_accounts, uncovered_coin``; ``adl_events`` counts ADL fills caused
            by the bucket's liquidations, ``deleveraged_accounts`` the bucket's accounts
            that were deleveraged.
        totals: the same sums over the whole book plus ``insurance_start_coin``,
            ``insurance_end_coin``, ``market_maker_pnl_coin``, ``fees_coin``,
            ``min_low_usdt``, ``max_high_usdt``.
        events: the engine's event log.
    """

    window: str
    venue: str | None
    symbol: str
    coin: str
    funding: str
    fills: str
    entry_price_usdt: Decimal
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
            "coin": self.coin,
            "funding": self.funding,
            "fills": self.fills,
            "entry_price_usdt": float(self.entry_price_usdt),
            "totals": {k: _plain(v) for k, v in self.totals.items()},
            "by_leverage": _records(self.by_leverage),
            "accounts": _records(self.accounts),
            "prices": prices,
        }


#: The per-bound figures :meth:`CrashReplay.bounds` lists.
BOUND_FIELDS = (
    "liquidated",
    "lost_coin",
    "insurance_paid_in_coin",
    "insurance_drawn_coin",
    "insurance_end_coin",
    "adl_events",
    "adl_contracts",
    "deleveraged_accounts",
    "uncovered_coin",
)


@dataclass(frozen=True, eq=False)
class CrashReplay:
    """One window replayed under each fill model of ``config.fills`` (:func:`crash_replay`)."""

    config: ReplayConfig
    runs: tuple[ReplayResult, ...]

    @property
    def funding(self) -> str:
        return self.runs[0].funding

    def run(self, fills: str) -> ReplayResult:
        """The run under one fill model."""
        for result in self.runs:
            if result.fills == fills:
                return result
        raise InputError("fills", fills, f"not run (ran: {[r.fills for r in self.runs]})")

    def bounds(self) -> pd.DataFrame:
        """Fund flows, draws and ADL per fill model (rows: fill models)."""
        rows = [{"fills": r.fills, **{k: r.totals[k] for k in BOUND_FIELDS}} for r in self.runs]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The first run in full (accounts, prices) and every run's totals as ``bounds``."""
        first = self.runs[0].to_dict()
        first["fills"] = [r.fills for r in self.runs]
        first["bounds"] = _records(self.bounds())
        first["runs"] = {
            r.fills: {
                "totals": {k: _plain(v) for k, v in r.totals.items()},
                "by_leverage": _records(r.by_leverage),
            }
            for r in self.runs
        }
        return first


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


def _history(name: str, start: datetime, end: datetime) -> HistoricalFunding | None:
    from inversa import data

    if name not in data.FUNDING_VENUES:
        return None
    source = HistoricalFunding(data.funding_series(name))
    return source if source.covers(start, end) else None


def _span(name: str) -> str:
    from inversa import data

    if name not in data.FUNDING_VENUES:
        return "no bundled funding history"
    series = data.funding_series(name)
    return f"bundled history covers {series.start:%Y-%m-%d} .. {series.end:%Y-%m-%d}"


def resolve_funding(
    choice: FundingChoice, venue: str | None, start: datetime, end: datetime
) -> tuple[FundingSource | None, str]:
    """The funding source and a label that says which one was used and why."""
    if choice is None or (isinstance(choice, str) and choice == "none"):
        return None, "none"
    if isinstance(choice, FundingSeries):
        return HistoricalFunding(choice), f"{choice.venue} series"
    if isinstance(choice, pd.Series):
        raise InputError(
            "funding", "Series", "pass a FundingSeries (the rates with their interval_hours)"
        )
    if not isinstance(choice, str):
        return choice, type(choice).__name__
    _check_funding_name(choice)
    if choice == "formula":
        return FormulaFunding(), "formula"
    if choice in ("venue", "history", "auto"):
        own = _history(venue, start, end) if venue is not None else None
        if own is not None:
            return own, f"{own.venue} history"
        why = f"{venue}: {_span(venue)}" if venue is not None else "no venue"
        if choice != "auto":
            raise InputError("funding", choice, f"no own history covers the window ({why})")
        fallback = _history(_FALLBACK_HISTORY, start, end)
        if fallback is None:  # pragma: no cover - Bybit's file covers every window
            return FormulaFunding(), f"formula (auto: {why}; {_FALLBACK_HISTORY} neither)"
        return fallback, f"{_FALLBACK_HISTORY} history (auto: {why})"
    named = _history(choice, start, end)
    if named is None:
        raise InputError("funding", choice, f"does not cover the window ({_span(choice)})")
    return named, f"{choice} history"


def venue_instrument(venue: str, symbol: str) -> Instrument:
    """``symbol`` on ``venue`` from its rule file, checked tradable by the engine
    (:func:`inversa.engine.tradable`: an instrument without a sourced margin model or
    leverage cap raises :class:`~inversa.errors.InputError` naming that field)."""
    return tradable(load_venue(venue).instrument(symbol))


def opening_deposit(
    inst: Instrument, contracts: Decimal, entry: Decimal, leverage: Decimal
) -> Decimal:
    """What an account deposits to open ``contracts`` of ``inst`` at ``entry`` (USD per
    coin) and ``leverage``, in the settlement currency: the initial margin at the
    position's tier plus the opening maker fee when the maker rate is a charge."""
    with exact():
        value = inst.value(contracts, entry)
        deposit = initial_margin(value, imr=initial_rate(inst, value, leverage))
        maker = fee_rate(inst, "maker")
        if maker > 0:
            deposit += inst.fee(contracts, entry, maker)
        return deposit


def start_book(book: Book, inst: Instrument, entry: Decimal, first: datetime) -> Engine:
    """A fresh engine at ``first``: the market maker's deposit, the insurance fund, the
    mark at ``entry`` (USD per coin) and every account of ``book`` opened at ``entry``."""
    engine = Engine(inst, market_maker=MARKET_MAKER, start=first)
    engine.deposit(MARKET_MAKER, book.market_maker_deposit, inst.settle)
    if book.insurance_fund > 0:
        engine.fund_insurance(book.insurance_fund, inst.settle)
    engine.set_mark(inst.symbol, entry, time=first)
    _open_book(engine, book, inst, entry)
    return engine


def _open_book(engine: Engine, book: Book, inst: Instrument, entry: Decimal) -> None:
    symbol = inst.symbol
    cap = leverage_cap(inst)
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
            if e.leverage > cap:
                raise InputError(
                    "leverages",
                    f"{e.leverage.normalize():f}",
                    f"above the {cap.normalize():f}x cap of {inst.venue} {symbol}",
                )
            deposit = e.deposit
            if deposit is None:
                deposit = opening_deposit(inst, e.contracts, entry, e.leverage)
            engine.deposit(e.account, deposit, inst.settle)
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
        engine.trade(e.account, symbol, e.side, e.contracts, entry, counterparty=e.counterparty)


def _deposits(events: Sequence[Event]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for event in events:
        if isinstance(event, Deposited):
            out[event.account] = out.get(event.account, ZERO) + event.amount
    return out


def summarise_book(
    engine: Engine, book: Book, inst: Instrument
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """After the walk: (accounts, by_leverage, totals) of ``book``, as in
    :class:`ReplayResult` (coin amounts, liquidation times, insurance and ADL flows)."""
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
        equity = engine.equity(e.account, inst.settle)
        deposit = deposits.get(e.account, ZERO)
        liquidated = e.account in liquidated_at
        rows.append(
            {
                "account": e.account,
                "side": "long" if e.side == 1 else "short",
                "leverage": float(e.leverage),
                "mode": MarginMode(e.mode).value,
                "contracts": float(e.contracts),
                "deposit_coin": float(deposit),
                "liquidated": liquidated,
                "liquidated_bar_open_utc": _stamp(liquidated_at.get(e.account)),
                "lost_coin": float(deposit - equity) if liquidated else 0.0,
                "pnl_coin": float(equity - deposit),
                "final_equity_coin": float(equity),
                "deleveraged_contracts": float(deleveraged.get(e.account, ZERO)),
                "insurance_paid_in_coin": float(paid_in.get(e.account, ZERO)),
                "insurance_drawn_coin": float(drawn.get(e.account, ZERO)),
                "adl_events": adl_events.get(e.account, 0),
                "adl_contracts": float(adl_contracts.get(e.account, ZERO)),
                "uncovered_coin": float(uncovered.get(e.account, ZERO)),
            }
        )
    accounts = pd.DataFrame(rows)
    grouped = accounts.groupby(["leverage", "side"], sort=True)
    by_leverage = grouped.agg(
        accounts=("account", "count"),
        liquidated=("liquidated", "sum"),
        lost_coin=("lost_coin", "sum"),
        pnl_coin=("pnl_coin", "sum"),
        insurance_paid_in_coin=("insurance_paid_in_coin", "sum"),
        insurance_drawn_coin=("insurance_drawn_coin", "sum"),
        adl_events=("adl_events", "sum"),
        adl_contracts=("adl_contracts", "sum"),
        deleveraged_accounts=("deleveraged_contracts", lambda s: int((s > 0).sum())),
        uncovered_coin=("uncovered_coin", "sum"),
    ).reset_index()
    by_leverage["liquidated"] = by_leverage["liquidated"].astype(int)
    maker_equity = engine.equity(MARKET_MAKER, inst.settle)
    totals: dict[str, Any] = {
        "accounts": len(accounts),
        "liquidated": int(accounts["liquidated"].sum()),
        "lost_coin": float(accounts["lost_coin"].sum()),
        "pnl_coin": float(accounts["pnl_coin"].sum()),
        "insurance_paid_in_coin": float(sum(paid_in.values(), ZERO)),
        "insurance_drawn_coin": float(sum(drawn.values(), ZERO)),
        "insurance_start_coin": float(book.insurance_fund),
        "insurance_end_coin": float(engine.insurance_fund(inst.settle)),
        "adl_events": int(sum(adl_events.values())),
        "adl_contracts": float(sum(adl_contracts.values(), ZERO)),
        "deleveraged_accounts": len([a for a, q in deleveraged.items() if q > 0]),
        "uncovered_coin": float(sum(uncovered.values(), ZERO)),
        "market_maker_pnl_coin": float(maker_equity - deposits.get(MARKET_MAKER, ZERO)),
        "fees_coin": float(engine.fees_collected(inst.settle)),
    }
    return accounts, by_leverage, totals


def replay_crash(
    window: str,
    book: Book | None = None,
    venue: str | None = "binance-coinm",
    symbol: str = "BTC/USD:BTC",
    leverages: Sequence[object] | None = None,
    *,
    instrument: Instrument | None = None,
    prices: pd.DataFrame | None = None,
    asset: str = "BTC",
    funding: FundingChoice = "auto",
    fills: FillModel = "trigger",
    depth_usd: object | None = None,
    mode: MarginMode | str = MarginMode.ISOLATED,
    notional_coin: object = 1,
    size_usd: object | None = None,
    insurance_fund: object = 0,
    market_maker_deposit: object = 10_000,
    check: bool = False,
) -> ReplayResult:
    """Replay crash ``window`` under one fill model and report the damage.

    Args:
        window: ``"2020-03"``, ``"2021-05"``, ``"2022-05"`` or ``"2022-11"``.
        book: the accounts; ``None`` builds :meth:`Book.default` over ``leverages``
            (``None``: :data:`DEFAULT_LEVERAGES` cut at the venue's cap).
        venue, symbol: the instrument (:func:`venue_instrument`), unless ``instrument``
            is given; ``venue`` also names the funding history of ``funding="auto"``.
        instrument: the instrument to trade (any :class:`inversa.venues.Instrument` the
            engine can trade, e.g. :meth:`Instrument.custom`).
        prices: OHLC bars to use instead of ``inversa.data.crash_window(window, asset)``.
        funding: one of :data:`FUNDING_CHOICES`, ``None``, a :class:`FundingSource` or a
            :class:`~inversa.data.FundingSeries`.
        fills: ``"trigger"``, ``"worst-mark"`` (alias ``"mark"``) or ``"impact"`` (needs
            ``depth_usd``, USD).
        mode: the default book's margin mode.
        notional_coin: the default book's position size, coin at entry (unless
            ``size_usd``, USD notional per account, is given).
        insurance_fund: coin in the insurance fund at the start (default book).
        market_maker_deposit: the market maker's wallet (default book), coin.
        check: run :func:`inversa.engine.check_invariants` after every step (slow).
    """
    if instrument is None:
        if venue is None:
            raise InputError("venue", None, "give a venue or an instrument")
        inst = venue_instrument(venue, symbol)
    else:
        inst = tradable(instrument)
    if prices is None:
        from inversa import data

        prices = data.crash_window(window, asset)
    if fills == "mark":
        fills = "worst-mark"
    if fills not in FILL_MODELS:
        raise InputError("fills", fills, f"must be one of {', '.join(FILL_MODELS)}")
    bars = validate_bars(prices, f"crash window {window}")
    first = bars.index[0].to_pydatetime()
    source, label = resolve_funding(funding, venue, first, bars.index[-1].to_pydatetime())
    with exact():
        entry = to_decimal("open", float(bars["open"].iloc[0]), positive=True)
        if inst.tick is not None:
            entry = round_to_tick(entry, inst.tick, "nearest")
    if book is None:
        levs = default_leverages(inst) if leverages is None else leverages
        book = Book.default(
            levs,
            inst,
            entry,
            notional_coin=to_decimal("notional_coin", notional_coin, positive=True),
            size_usd=None if size_usd is None else to_decimal("size", size_usd, positive=True),
            mode=mode,
            market_maker_deposit=to_decimal(
                "market_maker_deposit", market_maker_deposit, positive=True
            ),
            insurance_fund=to_decimal("insurance_fund", insurance_fund, nonnegative=True),
        )
    engine = start_book(book, inst, entry, first)

    def verify(eng: Engine, _time: datetime, _label: str) -> None:
        check_invariants(eng)

    run_bars(
        engine,
        inst.symbol,
        bars,
        funding=source,
        fills=fills,
        depth_usd=depth_usd if fills == "impact" else None,
        source=f"crash window {window}",
        after_step=verify if check else None,
    )
    accounts, by_leverage, totals = summarise_book(engine, book, inst)
    totals["min_low_usdt"] = float(bars["low"].min())
    totals["max_high_usdt"] = float(bars["high"].max())
    return ReplayResult(
        window=window,
        venue=inst.venue,
        symbol=inst.symbol,
        coin=inst.settle,
        funding=label,
        fills=fills,
        entry_price_usdt=entry,
        prices=bars,
        accounts=accounts,
        by_leverage=by_leverage,
        totals=totals,
        events=engine.events,
    )


def crash_replay(config: ReplayConfig, *, check: bool = False) -> CrashReplay:
    """Replay ``config.window`` under each of ``config.fills`` (the CLI's API).

    A venue with no sourced margin model (OKX today) or a leverage above the venue's cap
    raises :class:`~inversa.errors.InputError` naming ``venue`` or ``leverages``.
    """
    try:
        inst = venue_instrument(config.venue, config.symbol)
    except InputError as exc:
        if exc.field in ("margin", "max_leverage"):
            raise InputError(
                "venue",
                config.venue,
                f"no margin model is sourced for {config.symbol}: it cannot be replayed",
            ) from None
        raise
    runs = tuple(
        replay_crash(
            config.window,
            venue=config.venue,
            symbol=config.symbol,
            leverages=config.leverages,
            instrument=inst,
            asset=config.asset,
            funding=config.funding,
            fills=fill,
            depth_usd=config.depth_usd,
            mode=config.mode,
            size_usd=config.size_usd,
            insurance_fund=config.insurance_fund_coin,
            market_maker_deposit=config.market_maker_deposit_coin,
            check=check,
        )
        for fill in config.fills or ()
    )
    return CrashReplay(config, runs)
