"""Tables and HTML sections for the stress results: shock grids, cascades, crash replays.

Each result field has one unit (:data:`UNITS`): prices in USD per coin, PnL and losses in
coin, notionals in USD, moves and weights as %, counts as whole numbers.  The terminal
tables and the HTML report print the same columns, formatted the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from inversa.report.formats import UNIT_LABELS, fmt
from inversa.report.html import HtmlTable, Section
from inversa.report.terminal import Column, key_value_table, table

__all__ = [
    "UNITS",
    "cascade_sections",
    "cascade_tables",
    "columns",
    "grid_sections",
    "grid_tables",
    "replay_sections",
    "replay_tables",
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


def grid_sections(out: Mapping[str, Any]) -> list[Section]:
    """HTML sections of a shock grid: summary, PnL figure, every scenario."""
    from inversa.report.figures import grid_figure

    rows = out["scenarios"]
    text = (
        f"Book: {out['book']}, {out['positions']} positions; base price "
        f"{fmt(out['price'], 'price')} USD per coin. Margin (worst weighted loss): "
        f"{fmt(out['margin_coin'], 'coin')} coin in scenario {out['worst_scenario']!r}."
    )
    keys = list(rows[0]) if rows else list(_GRID_COLUMNS)
    return [
        Section("Summary", text, tables=[_summary(out)]),
        Section("PnL per scenario", figures=[grid_figure(rows)]),
        Section("Scenarios", tables=[HtmlTable(columns(keys), rows)]),
    ]


def cascade_tables(out: Mapping[str, Any]) -> list[Any]:
    """Summary and rounds of a liquidation cascade."""
    return [
        key_value_table("Liquidation cascade", _scalars(out), UNITS),
        table("Rounds", columns(_CASCADE_COLUMNS), out["rounds"]),
    ]


def cascade_sections(out: Mapping[str, Any]) -> list[Section]:
    """HTML sections of a cascade: summary, price path, every round."""
    from inversa.report.figures import cascade_figure

    rows = out["rounds"]
    text = (
        f"Book: {out['book']}, {out['positions']} positions. Start "
        f"{fmt(out['start_price'], 'price')}, final {fmt(out['final_price'], 'price')} USD per "
        f"coin after {out['rounds_count']} round(s); {out['liquidated']} positions, "
        f"{fmt(out['liquidated_usd'], 'usd')} USD liquidated ({out['model']} impact, "
        f"k={fmt(out['k'])}, depth {fmt(out['depth_usd'], 'usd')} USD)."
    )
    keys = list(rows[0]) if rows else list(_CASCADE_COLUMNS)
    return [
        Section("Summary", text, tables=[_summary(out)]),
        Section("Price path", figures=[cascade_figure(out["start_price"], rows)]),
        Section("Rounds", tables=[HtmlTable(columns(keys), rows)]),
    ]


def _summary(out: Mapping[str, Any]) -> HtmlTable:
    values = _scalars(out)
    cols = [
        Column("quantity", "quantity", "text"),
        Column("value", "value", "text"),
        Column("unit", "unit", "text"),
    ]
    rows = [
        {
            "quantity": k.replace("_", " "),
            "value": fmt(v, UNITS.get(k, "number")),
            "unit": UNIT_LABELS.get(UNITS.get(k, "text"), ""),
        }
        for k, v in values.items()
    ]
    return HtmlTable(cols, rows)


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


def _bars(out: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = out.get("prices")
    if isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
        return [v for v in value if v.get("close") is not None and v.get("time") is not None]
    return []


def _liquidations(
    out: Mapping[str, Any], bars: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Liquidated accounts with a marker price: the low (long) or high (short) of the bar
    in which the account was liquidated, the extreme the venue checks."""
    by_time = {str(b["time"]): b for b in bars}
    rows: list[dict[str, Any]] = []
    for acc in out.get("accounts") or []:
        if not isinstance(acc, Mapping) or not acc.get("liquidated"):
            continue
        when = acc.get("liquidated_bar_open_utc")
        bar = by_time.get(str(when))
        short = str(acc.get("side", "")).lower() in ("short", "-1")
        price = None if bar is None else bar.get("high" if short else "low", bar.get("close"))
        rows.append(
            {
                "account": acc.get("account"),
                "side": acc.get("side"),
                "leverage": acc.get("leverage"),
                "liquidated_bar_open_utc": when,
                "marker_price": price,
                "lost_coin": acc.get("lost_coin"),
            }
        )
    return rows


def replay_sections(window: str, out: Mapping[str, Any]) -> list[Section]:
    """HTML sections of a crash replay: summary, price path with liquidations, tables."""
    from inversa.report.figures import replay_figure

    bars = _bars(out)
    liquidations = _liquidations(out, bars)
    totals = out.get("totals")
    summary = {**_scalars(out), **(totals if isinstance(totals, Mapping) else {})}
    sections = [
        Section(
            "Summary",
            f"Window {window}: {len(liquidations)} account(s) liquidated. Markers sit at the "
            "hourly low (longs) or high (shorts) of the bar of each liquidation.",
            tables=[_summary(summary)],
        ),
        Section("Price path", figures=[replay_figure(window, bars, liquidations)]),
    ]
    by_leverage = out.get("by_leverage") or []
    if by_leverage:
        cols = columns(list(by_leverage[0]))
        sections.append(Section("By leverage", tables=[HtmlTable(cols, by_leverage)]))
    if liquidations:
        cols = columns(list(liquidations[0]))
        sections.append(
            Section("Liquidations", tables=[HtmlTable(cols, _short_time(liquidations))])
        )
    return sections
