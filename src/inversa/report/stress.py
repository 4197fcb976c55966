"""Tables and HTML sections for the stress results: shock grids, cascades, crash replays.

The HTML sections read the typed results (:class:`~inversa.sim.shocks.ShockResult`,
:class:`~inversa.sim.cascade.CascadeResult`, :class:`~inversa.sim.replay.CrashReplay`)
through typed columns and quantities: headers in words with their unit, every number
formatted by its unit (prices in USD or USDT per coin, PnL and losses in coin, notionals
in USD, moves and weights as %, counts as whole numbers).

The terminal tables (``*_tables``) still read the ``to_dict()`` records, with a unit per
key from :data:`UNITS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from inversa.report.formats import fmt
from inversa.report.html import HtmlTable, Quantity, Section
from inversa.report.terminal import Column, key_value_table, table
from inversa.sim.cascade import CascadeResult
from inversa.sim.replay import CrashReplay, ReplayResult
from inversa.sim.shocks import Scenario, ShockResult

__all__ = [
    "LEVERAGE_COLUMNS",
    "LIQUIDATION_COLUMNS",
    "ROUND_COLUMNS",
    "SCENARIO_COLUMNS",
    "UNITS",
    "Liquidation",
    "ScenarioOutcome",
    "cascade_quantities",
    "cascade_sections",
    "cascade_tables",
    "columns",
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

_USDT = ("entry_price_usdt", "min_low_usdt", "max_high_usdt")
_PRICE = (
    "price",
    "start_price",
    "final_price",
    "next_price",
    "entry_price",
    "min_low",
    "max_high",
    "marker_price",
)
_COIN = (
    "lost_coin",
    "pnl_coin",
    "final_equity_coin",
    "deposit_coin",
    "insurance_paid_in_coin",
    "insurance_drawn_coin",
    "insurance_start_coin",
    "insurance_end_coin",
    "market_maker_pnl_coin",
    "fees_coin",
    "uncovered_coin",
    "weighted_pnl_coin",
    "margin_coin",
    "notional_coin",
    "liquidated_coin",
)
_USD = ("liquidated_usd", "notional_usd", "net_flow_usd", "depth_usd")
_RATE = (
    "move",
    "vol",
    "weight",
    "price_move",
    "scan_range",
    "price_range",
    "extreme_weight",
    "extended_fraction",
)
_COUNT = (
    "liquidated",
    "positions",
    "accounts",
    "round",
    "longs",
    "shorts",
    "adl_events",
    "buckets",
    "rounds_count",
    "fills",
    "deleveraged_accounts",
)

#: The unit of every stress result field (others print as numbers or text).
UNITS: dict[str, str] = {
    **dict.fromkeys(_PRICE, "price"),
    **dict.fromkeys(_USDT, "usdt_price"),
    **dict.fromkeys(_COIN, "coin"),
    **dict.fromkeys(_USD, "usd"),
    **dict.fromkeys(_RATE, "rate"),
    **dict.fromkeys(_COUNT, "count"),
    "leverage": "x",
    "extreme_multiple": "x",
    "k": "number",
    "contracts": "count",
    "adl_contracts": "count",
    "deleveraged_contracts": "count",
}


#: The key suffix that a unit's header label already says (``pnl_coin`` -> "pnl (coin)").
_SUFFIXES = {"coin": "_coin", "usd": "_usd", "usdt_price": "_usdt"}


def _words(key: str, unit: str) -> str:
    """A key as header words, less the unit suffix the header's unit label repeats."""
    suffix = _SUFFIXES.get(unit)
    if suffix is not None and key.endswith(suffix) and len(key) > len(suffix):
        key = key.removesuffix(suffix)
    return key.replace("_", " ")


def columns(keys: Sequence[str]) -> list[Column]:
    """Typed columns for result keys: header in words, unit from :data:`UNITS`."""
    return [Column(k, _words(k, UNITS.get(k, "text")), UNITS.get(k, "text")) for k in keys]


def _scalars(out: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in out.items() if not isinstance(v, list | tuple | Mapping)}


_GRID_COLUMNS = ("scenario", "weight", "price", "pnl_coin", "weighted_pnl_coin", "liquidated")
_CASCADE_COLUMNS = ("round", "price", "liquidated", "notional_usd", "notional_coin", "next_price")
_BY_LEVERAGE = ("leverage", "side", "accounts", "liquidated", "lost_coin", "pnl_coin", "adl_events")
_ACCOUNTS = ("account", "liquidated", "liquidated_bar_open_utc", "lost_coin", "pnl_coin")
_BOUNDS = (
    "fills",
    "liquidated",
    "insurance_paid_in_coin",
    "insurance_drawn_coin",
    "adl_events",
    "uncovered_coin",
)


def grid_tables(out: Mapping[str, Any]) -> list[Any]:
    """Summary and scenarios of a shock grid (``{"book": ..., **ShockResult.to_dict()}``)."""
    return [
        key_value_table("Shock grid (margin: worst weighted loss)", _scalars(out), UNITS),
        table("Scenarios", columns(_GRID_COLUMNS), out["scenarios"]),
    ]


def cascade_tables(out: Mapping[str, Any]) -> list[Any]:
    """Summary and rounds of a liquidation cascade."""
    return [
        key_value_table("Liquidation cascade", _scalars(out), UNITS),
        table("Rounds", columns(_CASCADE_COLUMNS), out["rounds"]),
    ]


def _present(keys: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> list[str]:
    return [k for k in keys if rows and k in rows[0]]


def _short_time(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: (v[:16].replace("T", " ") if k.endswith("_utc") and v else v) for k, v in r.items()}
        for r in rows
    ]


def replay_tables(window: str, out: Mapping[str, Any]) -> list[Any]:
    """Summary, totals, by-leverage and per-account tables of a crash replay."""
    tables: list[Any] = [key_value_table(f"Crash replay {window}", _scalars(out), UNITS)]
    totals = out.get("totals")
    if isinstance(totals, Mapping):
        tables.append(key_value_table(f"Crash replay {window}: totals", totals, UNITS))
    for key, keys in (("bounds", _BOUNDS), ("by_leverage", _BY_LEVERAGE), ("accounts", _ACCOUNTS)):
        rows = out.get(key) or []
        if rows:
            cols = _present(keys, rows) or list(rows[0])
            tables.append(table(key.replace("_", " "), columns(cols), _short_time(rows)))
    return tables


# -- HTML: typed columns and quantities read off the typed results ----------------------

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
