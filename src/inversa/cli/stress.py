"""`inversa stress`: shock grids, liquidation cascades and historical crash replays.

Commands::

    inversa stress grid     [--book FILE] [--grid span|deribit] ...   # PnL per scenario, margin
    inversa stress cascade  [--book FILE] [--shock -0.10] [--depth USD] ...
    inversa stress replay   --window 2020-03 [--leverages 2,5,10,...]

Output is a Rich table by default, one JSON object with ``--json``, and ``--report
PATH.html`` also writes a self-contained HTML report (the path is checked before any
work).  Long work shows a progress bar on stderr when stderr is a terminal.

The book (``grid`` and ``cascade``) is ``--book FILE`` (see :mod:`inversa.sim.books` for
the format) or, without it, the synthetic book of :func:`inversa.sim.books.synthetic_book`
entered at the first hourly mark of ``--window``.  ``--price`` (USD per coin) is the base
of the shocks; by default the synthetic book's entry price, or a file book's harmonic
average entry (USD-weighted).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from inversa import contracts as c
from inversa import domain as d
from inversa.cli import _guard
from inversa.cli._options import (
    CONTRACT_VALUE,
    BookFile,
    Json,
    Report,
    number,
    text,
    with_options,
)
from inversa.cli._output import new_app
from inversa.errors import InputError
from inversa.report import check_output_path, print_json, print_tables, progress, write_report
from inversa.report import stress as views
from inversa.sim.books import SYNTHETIC_LEVERAGES, load_book, synthetic_book

__all__ = ["SYNTHETIC_LEVERAGES", "app"]

app = new_app(
    "Stress a book of inverse positions: shock grids, liquidation cascades, crash replays."
)

DEFAULT_WINDOW = "2020-03"

D = Decimal | None
Window = Annotated[
    str, text("Crash window of the synthetic book's entry price (2020-03, 2021-05, ...).")
]
BasePrice = Annotated[
    D, number(d.PRICE, "Base price, USD per coin (default: the book's entry / average entry).")
]
ContractValue = Annotated[
    Decimal,
    number(CONTRACT_VALUE, "USD per contract, for rows without contract_value.", show_default=True),
]
Mmr = Annotated[D, number(d.RATE, "Flat maintenance rate for rows without mmr (default 0.005).")]
Tiers = Annotated[
    str | None,
    text("Maintenance tiers UPPER:RATE by position value in coin, e.g. 5:0.004,inf:0.25."),
]
Fraction = d.Domain("fraction", "fraction of the price", Decimal(0), Decimal(1), low_open=True)


@dataclass(frozen=True)
class _Book:
    book: Any  # inversa.sim.riskbook.RiskBook
    source: str
    price: float


@dataclass(frozen=True)
class _BookOptions:
    """The book options of ``grid`` and ``cascade``, loaded by :meth:`load`."""

    book: Path | None
    window: str
    price: Decimal | None
    contract_value: Decimal
    mmr: Decimal | None
    tiers: str | None

    def load(self) -> _Book:
        if self.mmr is not None and self.tiers is not None:
            raise InputError("mmr", self.mmr, "give either --mmr or --tiers, not both")
        table = c.TierTable.parse(self.tiers) if self.tiers is not None else None
        rate = None if table is not None else float(self.mmr or Decimal("0.005"))
        cv = float(self.contract_value)
        if self.book is None:
            book, entry = synthetic_book(self.window, contract_value=cv, mmr=rate, tiers=table)
            n = len(SYNTHETIC_LEVERAGES)
            source = f"synthetic: {n} leverages x long/short, window {self.window}"
            return _Book(book, source, entry if self.price is None else float(self.price))
        book = load_book(self.book, contract_value=cv, mmr=rate, tiers=table)
        if self.price is not None:
            return _Book(book, str(self.book), float(self.price))
        value = c.position_value(book.contracts, book.entry, book.contract_value)
        return _Book(book, str(self.book), float(book.usd_notional.sum() / np.sum(value)))


#: ``grid`` and ``cascade``: the book options, declared once, handed over as ``books``.
book_options = with_options(
    {
        "book": (BookFile, None),
        "window": (Window, DEFAULT_WINDOW),
        "price": (BasePrice, None),
        "contract_value": (ContractValue, Decimal(100)),
        "mmr": (Mmr, None),
        "tiers": (Tiers, None),
    },
    lambda values: {"books": _BookOptions(**values)},
    ("books",),
    first=True,
)


def _check_report(report: Path | None) -> None:
    if report is not None:
        check_output_path(report, "--report")


@app.command()
@book_options
def grid(
    books: _BookOptions,
    grid_kind: Annotated[str, typer.Option("--grid", help="span or deribit")] = "span",
    scan_range: Annotated[
        Decimal, number(Fraction, "SPAN scan range, a fraction of the price.", show_default=True)
    ] = Decimal("0.15"),
    vol_pairs: Annotated[
        bool, typer.Option(help="SPAN: each move with vol up and vol down (16 scenarios).")
    ] = True,
    extreme_multiple: Annotated[
        Decimal,
        number(
            d.Domain("x", "scan ranges", Decimal(0), Decimal(100), low_open=True),
            "SPAN extreme move in scan ranges (CME's 3x is unconfirmed).",
            show_default=True,
        ),
    ] = Decimal(2),
    extreme_weight: Annotated[
        Decimal, number(d.FRACTION, "SPAN: share of extreme loss counted.", show_default=True)
    ] = Decimal("0.35"),
    price_range: Annotated[
        Decimal, number(Fraction, "Deribit: +- range, a fraction.", show_default=True)
    ] = Decimal("0.16"),
    buckets: Annotated[
        int,
        number(
            d.Domain("count", "buckets", Decimal(3), Decimal(1001), integer=True),
            "Deribit: odd number of buckets incl. 0.",
            show_default=True,
        ),
    ] = 9,
    vol_scenarios: Annotated[
        bool, typer.Option(help="Deribit: each bucket with vol up, unchanged, down.")
    ] = False,
    extended: Annotated[bool, typer.Option(help="Deribit: include the extended table.")] = True,
    extended_fraction: Annotated[
        Decimal,
        number(d.FRACTION, "Deribit: share of extended-table loss counted.", show_default=True),
    ] = Decimal("0.35"),
    report: Report = None,
    json: Json = False,
) -> None:
    """PnL (coin) per price scenario, accounts liquidated, and the worst weighted loss."""
    from inversa.sim.shocks import apply_grid, deribit_grid, span_grid

    _check_report(report)
    kind = grid_kind.strip().lower()
    if kind not in ("span", "deribit"):
        raise InputError("grid", grid_kind, "must be span or deribit")
    loaded = books.load()
    if kind == "span":
        scenarios = span_grid(
            float(scan_range),
            vol_pairs=vol_pairs,
            extreme_multiple=float(extreme_multiple),
            extreme_weight=float(extreme_weight),
        )
    else:
        scenarios = deribit_grid(
            float(price_range),
            buckets=buckets,
            vol_scenarios=vol_scenarios,
            extended=extended,
            extended_fraction=float(extended_fraction),
        )
    with progress(len(scenarios), "scenarios") as tick:
        result = apply_grid(
            loaded.book, scenarios, loaded.price, progress=lambda done, _t: tick(done)
        )
    out = {"book": loaded.source, **result.to_dict()}
    if report is not None:
        write_report(
            report, f"Shock grid ({scenarios.name})", views.grid_sections(result, loaded.source)
        )
    if json:
        print_json(out)
    else:
        print_tables(views.grid_tables(result, loaded.source))


@app.command()
@book_options
def cascade(
    books: _BookOptions,
    shock: Annotated[
        Decimal,
        number(d.SHOCK, "Initial move from --price that starts the cascade.", show_default=True),
    ] = Decimal("-0.10"),
    start_price: Annotated[D, number(d.PRICE, "Start price (instead of --shock).")] = None,
    depth: Annotated[
        Decimal,
        number(
            d.Domain("amount", "USD", Decimal(0), d.MAX_AMOUNT, low_open=True),
            "Market depth, USD notional.",
            show_default=True,
        ),
    ] = Decimal(100_000_000),
    impact_k: Annotated[
        Decimal,
        number(
            d.Domain("number", "coefficient", Decimal(0), Decimal(1000), low_open=True),
            "Impact coefficient k.",
            "--impact-k",
            show_default=True,
        ),
    ] = Decimal(1),
    impact: Annotated[
        str, text("linear: k*F/depth, sqrt: k*sqrt(F/depth).", show_default=True)
    ] = "linear",
    max_rounds: Annotated[
        int, number(d.COUNT, "Stop after this many rounds.", show_default=True)
    ] = 100,
    report: Report = None,
    json: Json = False,
) -> None:
    """Liquidations trade into a price impact that liquidates more, round by round."""
    from inversa.sim.cascade import PriceImpact, run_cascade

    _check_report(report)
    model = impact.strip().lower()
    if model not in ("linear", "sqrt"):
        raise InputError("impact", impact, "must be linear or sqrt")
    loaded = books.load()
    imp = PriceImpact(float(depth), float(impact_k), model)  # type: ignore[arg-type]
    start = float(start_price) if start_price is not None else loaded.price * (1.0 + float(shock))
    with progress(max_rounds, "cascade rounds") as tick:
        result = run_cascade(
            loaded.book, start, imp, max_rounds=max_rounds, progress=lambda done, _p: tick(done)
        )
    out = {"book": loaded.source, "price": loaded.price, **result.to_dict()}
    if report is not None:
        write_report(
            report,
            "Liquidation cascade",
            views.cascade_sections(result, loaded.source, loaded.price),
        )
    if json:
        print_json(out)
    else:
        print_tables(views.cascade_tables(result, loaded.source, loaded.price))


_REPLAY_OPTIONS = {
    "insurance_fund_coin": "insurance_fund",
    "size_usd": "size",
    "depth_usd": "depth",
}
_REPLAY_VENUES = (
    "Venue rule set: binance-coinm, bitmex, bybit, deribit.  okx: no margin model "
    "(its maintenance tiers are not sourced), so it cannot be replayed."
)
USD = d.Domain("amount", "USD", Decimal(0), d.MAX_AMOUNT, low_open=True)


@app.command()
def replay(
    window: Annotated[str | None, text("Crash window: 2020-03, 2021-05, 2022-05, 2022-11.")] = None,
    leverages: Annotated[
        Any,
        typer.Option(
            parser=d.ListParser(d.LEVERAGE),
            help="Comma-separated leverages (default: 2,5,10,25,50,100 cut at the venue's "
            f"cap) [{d.LEVERAGE.describe()}].",
            show_default=False,
        ),
    ] = None,
    venue: Annotated[str, text(_REPLAY_VENUES, show_default=True)] = "binance-coinm",
    symbol: Annotated[str, text("Symbol on the venue.", show_default=True)] = "BTC/USD:BTC",
    fills: Annotated[
        str,
        text(
            "Liquidation fills at an hourly extreme: trigger (at the liquidation price, the "
            "optimistic bound), worst-mark (at the bar's extreme, the pessimistic bound), "
            "impact (needs --depth), or bounds (trigger and worst-mark, plus impact with "
            "--depth).",
            show_default=True,
        ),
    ] = "bounds",
    mode: Annotated[
        str, text("Margin mode of every account: isolated or cross.", show_default=True)
    ] = "isolated",
    funding: Annotated[
        str,
        text(
            "Funding source: auto (the venue's own history if it covers the window, else "
            "Bybit's), venue, bitmex, bybit, binance-coinm, deribit, formula (interest only) "
            "or none.  A row stamped t settles positions open at t at the open of the bar "
            "starting at t.",
            show_default=True,
        ),
    ] = "auto",
    insurance_fund: Annotated[
        Decimal, number(d.AMOUNT, "Insurance fund at the start, coin.", show_default=True)
    ] = Decimal(0),
    size: Annotated[
        Decimal | None,
        number(USD, "Notional per account, USD (default: 1 coin at the entry price)."),
    ] = None,
    depth: Annotated[
        Decimal | None,
        number(USD, "Book depth for the impact fill model, USD (selling it all moves 100 %)."),
    ] = None,
    report: Report = None,
    json: Json = False,
    guard: _guard.GuardOpt = False,
    guard_threshold: _guard.GuardThreshold = Decimal("0.1"),
    guard_target: _guard.GuardTarget = None,
    guard_order: _guard.GuardOrder = "topup,reduce",
    guard_latency: _guard.GuardLatency = 0,
    guard_reserve: _guard.GuardReserve = Decimal("0.1"),
    guard_reduce: _guard.GuardReduce = Decimal("0.5"),
    vol_margin: _guard.VolMarginOpt = False,
) -> None:
    """Replay a bundled crash window on the simulated venue: who is liquidated, when, and
    what the insurance fund and ADL did under each liquidation fill bound.  With --guard
    (or --vol-margin) and no --window: all four windows."""
    import inversa.sim.replay as sim_replay

    _check_report(report)
    # checked even without --guard, so a bad --guard-* value is never silently ignored
    guard_config = _guard.guard_config(
        guard_threshold, guard_target, guard_order, guard_latency, guard_reserve, guard_reduce
    )
    if guard or vol_margin:
        _guard.run_guard(window, guard_config, venue=venue, symbol=symbol, leverages=leverages,
                         mode=mode, funding=funding, fills=fills, guard=guard,
                         vol_margin=vol_margin, report=report, json=json)  # fmt: skip
        return
    if window is None:
        raise InputError("window", None, "is required: 2020-03, 2021-05, 2022-05 or 2022-11")
    if fills not in ("bounds", *sim_replay.FILL_MODELS, "mark"):
        raise InputError(
            "fills", fills, f"must be bounds or one of {', '.join(sim_replay.FILL_MODELS)}"
        )
    try:
        config = sim_replay.ReplayConfig.of(
            window,
            venue=venue,
            symbol=symbol,
            leverages=None if leverages is None else tuple(leverages),
            mode=mode,
            funding=funding,
            fills=None if fills == "bounds" else (fills,),
            depth_usd=depth,
            insurance_fund_coin=insurance_fund,
            size_usd=size,
        )
    except InputError as exc:  # name the option, not the config field
        option = _REPLAY_OPTIONS.get(exc.field, exc.field)
        raise InputError(option, exc.value, exc.reason) from None
    runs = len(config.fills or ())
    with progress(runs, f"replaying {window}") as tick:
        result = sim_replay.crash_replay(config)
        tick(runs)
    out = result.to_dict()
    if report is not None:
        write_report(report, f"Crash replay {window}", views.replay_sections(window, result))
    if json:
        print_json(out)
    else:
        print_tables(views.replay_tables(window, result))
