"""A crash-window run of a replay book with a per-step hook (for agents and live rules).

:func:`inversa.sim.replay.replay_crash` walks a book through a window with no way to act
between bars.  :func:`run_book` does the same walk (same book opening, funding choice and
summary as ``stress replay``, through the replay module's helpers) and calls
``after_step(engine, time, label)`` after each mark and funding step, so the margin guard
and the vol-scaled maintenance rate can act on the engine's public API between bars.

Units as in :mod:`inversa.sim.replay`: prices USD per coin, amounts in the settlement coin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from inversa.contracts import round_to_tick
from inversa.engine import (
    Engine,
    MarginMode,
    exact,
    run_bars,
    to_decimal,
    validate_bars,
)
from inversa.sim.replay import (
    DEFAULT_LEVERAGES,
    Book,
    opening_deposit,
    resolve_funding,
    start_book,
    summarise_book,
    venue_instrument,
)
from inversa.venues import Instrument

__all__ = [
    "DEFAULT_LEVERAGES",
    "BookRun",
    "BookSetup",
    "default_book",
    "entry_price",
    "run_book",
    "study_book",
    "window_bars",
]


StepHook = Callable[[Engine, datetime, str], None]


@dataclass(frozen=True)
class BookSetup:
    """What a book study (guard, vol-scaled margin) replays a window on, declared once.

    Attributes:
        venue, symbol: the instrument (:func:`inversa.sim.replay.venue_instrument`).
        leverages: the default book's leverages (one long and one short account each).
        funding: the funding source (:data:`inversa.sim.replay.FUNDING_CHOICES`).
        fills: the liquidation fill model, ``"trigger"`` or ``"worst-mark"``.
    """

    venue: str = "binance-coinm"
    symbol: str = "BTC/USD:BTC"
    leverages: tuple[object, ...] = DEFAULT_LEVERAGES
    funding: str = "auto"
    fills: str = "trigger"


@dataclass(frozen=True, eq=False)
class BookRun:
    """The engine after the walk and the replay summary of its book.

    ``accounts`` / ``by_leverage`` / ``totals``: as :class:`inversa.sim.replay.ReplayResult`.
    """

    window: str
    instrument: Instrument
    book: Book
    entry: Decimal
    bars: pd.DataFrame
    funding: str
    engine: Engine = field(repr=False)
    accounts: pd.DataFrame = field(repr=False)
    by_leverage: pd.DataFrame = field(repr=False)
    totals: dict[str, Any] = field(repr=False)


def window_bars(window: str, asset: str = "BTC") -> pd.DataFrame:
    """The crash window's hourly bars (validated)."""
    from inversa import data

    return validate_bars(data.crash_window(window, asset), f"crash window {window}")


def entry_price(bars: pd.DataFrame, inst: Instrument) -> Decimal:
    """The book's entry: the first open, on the tick."""
    with exact():
        entry = to_decimal("open", float(bars["open"].iloc[0]), positive=True)
        if inst.tick is not None:
            entry = round_to_tick(entry, inst.tick, "nearest")
    return entry


def default_book(
    inst: Instrument,
    entry: Decimal,
    leverages: Sequence[object] = DEFAULT_LEVERAGES,
    *,
    mode: MarginMode | str = MarginMode.ISOLATED,
    reserve_coin: Decimal = Decimal(0),
) -> Book:
    """:meth:`Book.default` (1 coin at entry per account), each account also depositing
    ``reserve_coin`` coin that stays in its wallet (what a guard can top up from)."""
    book = Book.default(leverages, inst, entry, mode=mode)
    if reserve_coin == 0:
        return book
    entries = []
    with exact():
        for e in book.entries:
            deposit = opening_deposit(inst, e.contracts, entry, e.leverage)
            entries.append(replace(e, deposit=deposit + reserve_coin))
    return replace(book, entries=tuple(entries))


def study_book(
    window: str,
    setup: BookSetup,
    *,
    reserve_coin: Decimal = Decimal(0),
    insurance_fund: Decimal = Decimal(0),
) -> tuple[Instrument, pd.DataFrame, Book]:
    """The instrument of ``setup``, the bars of ``window`` and the default book on them
    (entry: the first open; each account's ``reserve_coin`` and the venue's starting
    ``insurance_fund``, coin): what every book study starts from."""
    inst = venue_instrument(setup.venue, setup.symbol)
    bars = window_bars(window)
    book = default_book(inst, entry_price(bars, inst), setup.leverages, reserve_coin=reserve_coin)
    if insurance_fund:
        book = replace(book, insurance_fund=insurance_fund)
    return inst, bars, book


def run_book(
    window: str,
    inst: Instrument,
    book: Book,
    setup: BookSetup | None = None,
    *,
    bars: pd.DataFrame | None = None,
    after_step: StepHook | None = None,
    before: Callable[[Engine], None] | None = None,
) -> BookRun:
    """Walk ``book`` through ``window`` (hourly bars) with ``after_step`` between steps.

    ``setup`` gives the funding source (its ``venue``'s history) and the fill model;
    ``before(engine)`` runs once after the book is opened, before the first bar.
    """
    setup = setup or BookSetup()
    frame = window_bars(window) if bars is None else validate_bars(bars, f"window {window}")
    first = frame.index[0].to_pydatetime()
    last = frame.index[-1].to_pydatetime()
    source, label = resolve_funding(setup.funding, setup.venue, first, last)
    entry = entry_price(frame, inst)
    engine = start_book(book, inst, entry, first)
    if before is not None:
        before(engine)
    run_bars(
        engine,
        inst.symbol,
        frame,
        funding=source,
        fills=setup.fills,  # type: ignore[arg-type]
        source=f"crash window {window}",
        after_step=after_step,
    )
    accounts, by_leverage, totals = summarise_book(engine, book, inst)
    return BookRun(window, inst, book, entry, frame, label, engine, accounts, by_leverage, totals)
