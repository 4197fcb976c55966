"""Tables and HTML sections for the stress results: shock grids, cascades, crash replays.

The HTML sections and the terminal tables read the typed results
(:class:`~inversa.sim.shocks.ShockResult`, :class:`~inversa.sim.cascade.CascadeResult`,
:class:`~inversa.sim.replay.CrashReplay`) through the same typed columns and quantities:
headers in words with their unit, every number formatted by its unit (prices in USD or
USDT per coin, PnL and losses in coin, notionals in USD, moves and weights as %, counts as
whole numbers).

The terminal tables (``*_tables``) show the same quantities and columns, split
(:func:`~inversa.report.terminal.table_to_fit`) so that no number folds over two lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from inversa.report.formats import fmt
from inversa.report.html import QUANTITY_COLUMNS, HtmlTable, Quantity, Section
from inversa.report.terminal import Column, console, table_to_fit
from inversa.sim.cascade import CascadeResult
from inversa.sim.replay import CrashReplay, ReplayResult
from inversa.sim.shocks import Scenario, ShockResult

__all__ = [
    "ACCOUNT_COLUMNS",
    "BOUND_COLUMNS",
    "LEVERAGE_COLUMNS",
    "LIQUIDATION_COLUMNS",
    "ROUND_COLUMNS",
    "SCENARIO_COLUMNS",
    "Liquidation",
    "ScenarioOutcome",
    "cascade_quantities",
    "cascade_sections",
    "cascade_tables",
    "grid_quantities",
    "grid_sections",
    "grid_tables",
    "liquidations",
    "replay_quantities",
    "replay_sections",
    "replay_setup",
    "replay_tables",
    "scenario_outcomes",
]

# -- typed columns and quantities read off the typed results ----------------------------

#: Words and unit of each grid-building parameter (:attr:`ScenarioGrid.params`).
_GRID_PARAMS: dict[str, tuple[str, str, str | None]] = {
    "scan_range": ("scan range (price move)", "rate", None),
    "vol_pairs": ("each move with vol up and down", "text", None),
    "extreme_multiple": ("extreme move", "number", "scan ranges"),
    "extreme_weight": ("extreme loss counted", "rate", None),
    "price_range": ("price range (+-)", "rate", None),
    "buckets": ("price buckets", "count", None),
    "vol_scenarios": ("each bucket with vol up, unchanged, down", "text", None),
    "extended": ("extended table", "text", None),
    "extended_fraction": ("extended-table loss counted", "rate", None),
}

_VOLATILITY = {1: "up", 0: "unchanged", -1: "down"}


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    """One scenario of a :class:`~inversa.sim.shocks.ShockResult` and what it did."""

    scenario: Scenario
    price: float
    pnl_coin: float
    weighted_pnl_coin: float
    liquidated: int
    liquidated_usd: float


def scenario_outcomes(result: ShockResult) -> list[ScenarioOutcome]:
    """Every scenario of ``result`` with its price, PnL and liquidations."""
    return [
        ScenarioOutcome(
            s,
            float(result.prices[i]),
            float(result.pnl_coin[i]),
            float(result.weighted_pnl_coin[i]),
            int(result.liquidated[i]),
            float(result.liquidated_usd[i]),
        )
        for i, s in enumerate(result.grid.scenarios)
    ]


SCENARIO_COLUMNS = (
    Column("scenario", "scenario", "text", get=lambda r: r.scenario.name),
    Column("kind", "kind", "text", get=lambda r: r.scenario.kind, align="left"),
    Column("move", "price move", "rate", get=lambda r: r.scenario.move),
    Column("vol", "volatility", "text", get=lambda r: _VOLATILITY.get(r.scenario.vol)),
    Column("weight", "loss weight", "rate", get=lambda r: r.scenario.weight),
    Column("price", "price", "price"),
    Column("pnl_coin", "PnL", "coin"),
    Column("weighted_pnl_coin", "weighted PnL", "coin"),
    Column("liquidated", "accounts liquidated", "count"),
    Column("liquidated_usd", "liquidated notional", "usd"),
)

ROUND_COLUMNS = (
    Column("round", "round", "count", align="left"),
    Column("price", "price", "price"),
    Column("liquidated", "liquidated", "count"),
    Column("longs", "longs", "count"),
    Column("shorts", "shorts", "count"),
    Column("notional_usd", "notional", "usd"),
    Column("notional_coin", "notional", "coin"),
    Column("net_flow_usd", "net sold", "usd"),
    Column("next_price", "next price", "price"),
)

_SIDE = (
    Column("leverage", "leverage", "x", align="left"),
    Column("side", "side", "text", align="left"),
)

#: By leverage and side, in two tables that fit a page: outcomes, then the fund and ADL.
LEVERAGE_COLUMNS = (
    (
        "Accounts, liquidations and PnL",
        (
            *_SIDE,
            Column("accounts", "accounts", "count"),
            Column("liquidated", "liquidated", "count"),
            Column("lost_coin", "lost", "coin"),
            Column("pnl_coin", "PnL", "coin"),
        ),
    ),
    (
        "Insurance fund and auto-deleveraging (ADL)",
        (
            *_SIDE,
            Column("insurance_paid_in_coin", "to insurance", "coin"),
            Column("insurance_drawn_coin", "from insurance", "coin"),
            Column("adl_events", "ADL events", "count"),
            Column("adl_contracts", "ADL contracts", "count"),
            Column("deleveraged_accounts", "deleveraged", "count"),
            Column("uncovered_coin", "uncovered", "coin"),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Liquidation:
    """A liquidated account of a replay and where its marker sits on the price path: the
    low (long) or high (short) of the bar in which it was liquidated."""

    account: str
    side: str
    leverage: float
    bar_open: pd.Timestamp
    marker_price: float | None
    lost_coin: float


LIQUIDATION_COLUMNS = (
    Column("account", "account", "text"),
    Column("side", "side", "text", align="left"),
    Column("leverage", "leverage", "x"),
    Column("bar_open", "liquidated in the hour from", "time"),
    Column("marker_price", "bar low (long) / high (short)", "usdt_price"),
    Column("lost_coin", "lost", "coin"),
)

#: Words and unit of each replay total (:attr:`ReplayResult.totals`).
_TOTALS: dict[str, tuple[str, str]] = {
    "accounts": ("accounts", "count"),
    "liquidated": ("accounts liquidated", "count"),
    "lost_coin": ("lost by liquidated accounts", "coin"),
    "pnl_coin": ("PnL of all accounts", "coin"),
    "insurance_paid_in_coin": ("paid into the insurance fund", "coin"),
    "insurance_drawn_coin": ("drawn from the insurance fund", "coin"),
    "insurance_start_coin": ("insurance fund at the start", "coin"),
    "insurance_end_coin": ("insurance fund at the end", "coin"),
    "adl_events": ("ADL events", "count"),
    "adl_contracts": ("ADL contracts", "count"),
    "deleveraged_accounts": ("accounts deleveraged", "count"),
    "uncovered_coin": ("loss not covered", "coin"),
    "market_maker_pnl_coin": ("market maker PnL", "coin"),
    "fees_coin": ("fees", "coin"),
    "min_low_usdt": ("lowest hourly low", "usdt_price"),
    "max_high_usdt": ("highest hourly high", "usdt_price"),
}


def grid_quantities(result: ShockResult) -> list[Quantity]:
    """The grid's parameters, the base price and the margin (worst weighted loss); the
    book is named in the section's paragraph."""
    worst = None if result.worst is None else result.grid.scenarios[result.worst].name
    params = []
    for key, value in result.grid.params.items():
        name, unit, label = _GRID_PARAMS.get(key, (key.replace("_", " "), "number", None))
        params.append(Quantity(name, value, unit, label))
    return [
        Quantity("grid", result.grid.name, "text"),
        *params,
        Quantity("base price", result.price, "price"),
        Quantity("positions", result.positions, "count"),
        Quantity("margin (worst weighted loss)", result.margin_coin, "coin"),
        Quantity("worst scenario", worst, "text"),
    ]


def grid_sections(result: ShockResult, book: str | None = None) -> list[Section]:
    """HTML sections of a shock grid: summary, PnL figure, every scenario (``book``: where
    the positions came from)."""
    from inversa.report.figures import grid_figure

    outcomes = scenario_outcomes(result)
    worst = None if result.worst is None else result.grid.scenarios[result.worst].name
    text = (
        f"Book: {book}, {result.positions} positions; base price "
        f"{fmt(result.price, 'price')} USD per coin. Margin (worst weighted loss): "
        f"{fmt(result.margin_coin, 'coin')} coin in scenario {worst!r}."
    )
    figure_rows = [
        {
            "scenario": o.scenario.name,
            "pnl_coin": o.pnl_coin,
            "weighted_pnl_coin": o.weighted_pnl_coin,
        }
        for o in outcomes
    ]
    return [
        Section("Summary", text, tables=[HtmlTable.quantities(grid_quantities(result))]),
        Section("PnL per scenario", figures=[grid_figure(figure_rows)]),
        Section("Scenarios", tables=[HtmlTable.of(SCENARIO_COLUMNS, outcomes)]),
    ]


def cascade_quantities(result: CascadeResult, price: float | None) -> list[Quantity]:
    """Where the cascade started and ended, what it liquidated, and the impact model (the
    book and any warning are in the section's text)."""
    items: list[Quantity] = []
    if price is not None:
        items.append(Quantity("book price", price, "price"))
    items += [
        Quantity("positions", result.positions, "count"),
        Quantity("start price", result.start_price, "price"),
        Quantity("final price", result.final_price, "price"),
        Quantity("price move", result.final_price / result.start_price - 1.0, "rate"),
        Quantity("rounds", len(result.rounds), "count"),
        Quantity("accounts liquidated", result.liquidated, "count"),
        Quantity("liquidated notional", result.liquidated_usd, "usd"),
        Quantity("liquidated value (at each round's price)", result.liquidated_coin, "coin"),
        Quantity("impact model", result.impact.model, "text"),
        Quantity("impact coefficient k", result.impact.k, "number"),
        Quantity("market depth", result.impact.depth_usd, "usd"),
        Quantity("largest cumulative flow", result.flow_to_depth, "number", "x depth"),
        Quantity("depth exceeded", result.depth_exceeded, "text"),
        Quantity("converged (nothing more liquidated)", result.converged, "text"),
    ]
    return items


def cascade_sections(
    result: CascadeResult, book: str | None = None, price: float | None = None
) -> list[Section]:
    """HTML sections of a cascade: summary, price path, every round (``book``: where the
    positions came from; ``price``: the book's price before the shock, USD per coin)."""
    from inversa.report.figures import cascade_figure

    imp = result.impact
    text = (
        f"Book: {book}, {result.positions} positions. Start "
        f"{fmt(result.start_price, 'price')}, final {fmt(result.final_price, 'price')} USD per "
        f"coin after {len(result.rounds)} round(s); {result.liquidated} positions, "
        f"{fmt(result.liquidated_usd, 'usd')} USD liquidated ({imp.model} impact, "
        f"k={fmt(imp.k)}, depth {fmt(imp.depth_usd, 'usd')} USD)."
    )
    figure_rows = [
        {"round": r.round, "next_price": r.next_price, "notional_usd": r.notional_usd}
        for r in result.rounds
    ]
    return [
        Section(
            "Summary",
            text,
            items=[f"warning: {result.warning}"] if result.warning else [],
            tables=[HtmlTable.quantities(cascade_quantities(result, price))],
        ),
        Section("Price path", figures=[cascade_figure(result.start_price, figure_rows)]),
        Section("Rounds", tables=[HtmlTable.of(ROUND_COLUMNS, result.rounds)]),
    ]


def replay_setup(run: ReplayResult, fills: Sequence[str]) -> list[str]:
    """What was replayed, in words: one line each (venue, funding, fill models)."""
    return [
        f"venue: {run.venue}, {run.symbol}, settled in {run.coin}",
        f"funding: {run.funding}",
        f"liquidation fills run: {', '.join(fills)}; the totals below are under {run.fills}",
    ]


def replay_quantities(run: ReplayResult) -> list[Quantity]:
    """The book's entry price and the run's totals (under its fill model)."""
    items = [Quantity("entry price", run.entry_price_usdt, "usdt_price")]
    for key, value in run.totals.items():
        name, unit = _TOTALS.get(key, (key.replace("_", " "), "number"))
        items.append(Quantity(name, value, unit))
    return items


def liquidations(run: ReplayResult) -> list[Liquidation]:
    """Liquidated accounts with a marker price: the low (long) or high (short) of the bar
    in which the account was liquidated, the extreme the venue checks."""
    out: list[Liquidation] = []
    accounts: Iterable[Any] = run.accounts.itertuples(index=False)
    for acc in accounts:
        if not acc.liquidated:
            continue
        when = pd.Timestamp(acc.liquidated_bar_open_utc)
        short = str(acc.side).lower() in ("short", "-1")
        price: float | None = None
        if not pd.isna(when) and when in run.prices.index:
            extreme: Any = run.prices.at[when, "high" if short else "low"]
            price = float(extreme)
        out.append(
            Liquidation(
                str(acc.account), str(acc.side), float(acc.leverage), when, price,
                float(acc.lost_coin),
            )
        )  # fmt: skip
    return out


def replay_sections(window: str, result: CrashReplay | ReplayResult) -> list[Section]:
    """HTML sections of a crash replay: summary, price path with liquidations, tables.

    The first run's accounts and totals (``CrashReplay.runs[0]``).
    """
    from inversa.report.figures import replay_figure

    if isinstance(result, CrashReplay):
        run, fills = result.runs[0], [r.fills for r in result.runs]
    else:
        run, fills = result, [result.fills]
    liquidated = liquidations(run)
    hourly: Iterable[Any] = run.prices.itertuples()
    bars = [
        {"time": b.Index.isoformat(), "high": b.high, "low": b.low, "close": b.close}
        for b in hourly
    ]
    marks = [
        {
            "account": x.account,
            "liquidated_bar_open_utc": x.bar_open.isoformat(),
            "marker_price": x.marker_price,
        }
        for x in liquidated
    ]
    sections = [
        Section(
            "Summary",
            f"Window {window}: {len(liquidated)} account(s) liquidated. Markers sit at the "
            "hourly low (longs) or high (shorts) of the bar of each liquidation.",
            items=replay_setup(run, fills or [run.fills]),
            tables=[HtmlTable.quantities(replay_quantities(run))],
        ),
        Section("Price path", figures=[replay_figure(window, bars, marks)]),
    ]
    if len(run.by_leverage):
        sections.append(
            Section(
                "By leverage",
                tables=[
                    HtmlTable.of(cols, run.by_leverage.itertuples(index=False), caption)
                    for caption, cols in LEVERAGE_COLUMNS
                ],
            )
        )
    if liquidated:
        sections.append(
            Section("Liquidations", tables=[HtmlTable.of(LIQUIDATION_COLUMNS, liquidated)])
        )
    return sections


# -- terminal tables: the same quantities and columns, split to fit the width -----------

#: Per fill model of a :class:`~inversa.sim.replay.CrashReplay` (rows of ``bounds()``).
BOUND_COLUMNS = (
    Column("fills", "liquidation fills", "text"),
    Column("liquidated", "accounts liquidated", "count"),
    Column("lost_coin", "lost", "coin"),
    Column("insurance_paid_in_coin", "to insurance", "coin"),
    Column("insurance_drawn_coin", "from insurance", "coin"),
    Column("insurance_end_coin", "insurance at the end", "coin"),
    Column("adl_events", "ADL events", "count"),
    Column("adl_contracts", "ADL contracts", "count"),
    Column("deleveraged_accounts", "deleveraged", "count"),
    Column("uncovered_coin", "uncovered", "coin"),
)

#: Every account of a replay (rows of :attr:`ReplayResult.accounts`).
ACCOUNT_COLUMNS = (
    Column("account", "account", "text"),
    Column("liquidated", "liquidated", "text"),
    Column("liquidated_bar_open_utc", "liquidated in the hour from", "time",
           get=lambda r: _minute(r.liquidated_bar_open_utc)),
    Column("lost_coin", "lost", "coin"),
    Column("pnl_coin", "PnL", "coin"),
)  # fmt: skip


def _minute(value: Any) -> str | None:
    """A bar's open as ``YYYY-MM-DD HH:MM`` (None when the account was not liquidated)."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _width(width: int | None) -> int:
    return console().width if width is None else width


def _quantity_tables(title: str, items: Sequence[Quantity], width: int) -> list[Any]:
    return list(table_to_fit(title, QUANTITY_COLUMNS, items, width))


def grid_tables(result: ShockResult, book: str, width: int | None = None) -> list[Any]:
    """Summary (:func:`grid_quantities`) and every scenario (:data:`SCENARIO_COLUMNS`) of a
    shock grid, at ``width`` columns (default: the console's)."""
    w = _width(width)
    items = [Quantity("book", book, "text"), *grid_quantities(result)]
    return [
        *_quantity_tables("Shock grid (margin: worst weighted loss)", items, w),
        *table_to_fit("Scenarios", SCENARIO_COLUMNS, scenario_outcomes(result), w),
    ]


def cascade_tables(
    result: CascadeResult, book: str, price: float | None = None, width: int | None = None
) -> list[Any]:
    """Summary (:func:`cascade_quantities`, the book, any warning) and every round
    (:data:`ROUND_COLUMNS`) of a liquidation cascade."""
    w = _width(width)
    items = [Quantity("book", book, "text"), *cascade_quantities(result, price)]
    if result.warning:
        items.append(Quantity("warning", result.warning, "text"))
    return [
        *_quantity_tables("Liquidation cascade", items, w),
        *table_to_fit("Rounds", ROUND_COLUMNS, result.rounds, w),
    ]


def replay_tables(
    window: str, result: CrashReplay | ReplayResult, width: int | None = None
) -> list[Any]:
    """Setup, totals (:func:`replay_quantities`), each fill model's bounds, by leverage
    (:data:`LEVERAGE_COLUMNS`) and every account of a crash replay (the first run's)."""
    w = _width(width)
    if isinstance(result, CrashReplay):
        run, fills = result.runs[0], [r.fills for r in result.runs]
    else:
        run, fills = result, [result.fills]
    setup = [
        Quantity("window", run.window, "text"),
        Quantity("venue", run.venue, "text"),
        Quantity("symbol", run.symbol, "text"),
        Quantity("settled in", run.coin, "text"),
        Quantity("funding", run.funding, "text"),
        Quantity("liquidation fills run", ", ".join(fills), "text"),
        Quantity("totals under", run.fills, "text"),
    ]
    tables: list[Any] = [
        *_quantity_tables(f"Crash replay {window}", setup, w),
        *_quantity_tables(f"Crash replay {window}: totals", replay_quantities(run), w),
    ]
    if isinstance(result, CrashReplay):
        bounds: Iterable[Any] = result.bounds().itertuples(index=False)
        tables += table_to_fit("Bounds (per liquidation fill model)", BOUND_COLUMNS, bounds, w)
    if len(run.by_leverage):
        for caption, cols in LEVERAGE_COLUMNS:
            rows: Iterable[Any] = run.by_leverage.itertuples(index=False)
            tables += table_to_fit(f"By leverage: {caption}", cols, rows, w, keep=2)
    if len(run.accounts):
        accounts: Iterable[Any] = run.accounts.itertuples(index=False)
        tables += table_to_fit("Accounts", ACCOUNT_COLUMNS, accounts, w)
    return tables
