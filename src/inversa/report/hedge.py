"""Tables and the HTML report of the hedge results (plan, carry, stress, unwind, backtest).

Built from the typed results of :mod:`inversa.hedging`; every number is formatted by its
unit (:mod:`inversa.report.formats`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from rich.console import Group

from inversa.hedging import (
    BacktestResult,
    Carry,
    HedgePlan,
    StrategyResult,
    StressRow,
    Unwind,
    contract_size,
    is_generic,
)
from inversa.report.formats import fmt
from inversa.report.html import HtmlTable, Section
from inversa.report.terminal import Column, table
from inversa.venues import Instrument

__all__ = [
    "STRATEGY_WORDS",
    "Metric",
    "backtest_metrics",
    "backtest_sections",
    "backtest_table",
    "backtest_title",
    "carry_notes",
    "carry_table",
    "contract_label",
    "plan_tables",
    "stress_tables",
    "unwind_tables",
]


def contract_label(inst: Instrument | None) -> str:
    """Short name of a leg's contract: ``bybit BTCUSD``, ``generic 1 USD`` (inverse) or
    ``generic 1 BTC`` (linear: coins per contract)."""
    if inst is None:
        return "none"
    if is_generic(inst):
        return f"generic {contract_size(inst)}"
    alias = inst.aliases[0] if inst.aliases else inst.symbol
    return f"{inst.venue} {alias}"


def _c(key: str, header: str, unit: str = "usd") -> Column:
    return Column(key, header, unit)


def plan_tables(plan: HedgePlan) -> list[Any]:
    """Drift, legs, margin and liquidation, wallets, alternatives and exposure."""
    drift = table(
        f"Drift (portfolio {fmt(plan.drift.total_usd, 'usd')} USD)",
        [
            _c("asset", "asset", "text"),
            _c("price", "price", "price"),
            _c("coin", "held", "coin"),
            _c("usd", "held"),
            _c("weight", "weight", "rate"),
            _c("target", "target", "rate"),
            _c("excess_usd", "excess"),
            _c("excess_coin", "excess", "coin"),
        ],
        (
            {"asset": a, **{k: getattr(r, k) for k in ("price", "coin", "usd", "weight")}}
            | {"target": r.target, "excess_usd": r.excess_usd, "excess_coin": r.excess_coin}
            for a, r in plan.drift.rows.items()
        ),
    )
    if not plan.legs:
        return [drift]
    legs = table(
        "Hedge legs (negative: short)",
        [
            _c("asset", "asset", "text"),
            _c("usd", "leg"),
            _c("coin", "leg", "coin"),
            _c("contracts", "contracts", "count"),
            _c("residual_usd", "residual"),
            _c("contract", "contract", "text"),
        ],
        (
            {
                "asset": a,
                "usd": leg.usd,
                "coin": leg.coin,
                "contracts": leg.contracts,
                "residual_usd": leg.residual_usd,
                "contract": contract_label(leg.instrument),
            }
            for a, leg in plan.legs.items()
        ),
    )
    risk = table(
        "Margin and liquidation per leg (isolated, venue model; none: no such price)",
        [
            _c("asset", "asset", "text"),
            _c("leverage", "leverage", "x"),
            _c("margin", "margin", "coin"),
            _c("settle", "coin", "text"),
            _c("fee", "fee", "coin"),
            _c("liq", "liquidation", "price"),
            _c("bk", "bankruptcy", "price"),
        ],
        (
            {
                "asset": a,
                "leverage": leg.leverage,
                "margin": leg.margin,
                "settle": leg.settle,
                "fee": leg.fee,
                "liq": leg.liquidation_price,
                "bk": leg.bankruptcy_price,
            }
            for a, leg in plan.legs.items()
            if leg.margin is not None
        ),
    )
    wallets = table(
        "Margin by wallet",
        [
            _c("coin", "wallet", "text"),
            *(_c(k, k, "coin") for k in ("margin", "fees", "required", "available")),
            _c("status", "status", "text"),
        ],
        (
            {
                "coin": c,
                "margin": w.margin,
                "fees": w.fees,
                "required": w.required,
                "available": w.available,
                "status": "ok" if w.ok else f"SHORT {fmt(w.shortfall, 'coin')}",
            }
            for c, w in plan.wallets.items()
        ),
    )
    keys = ("before_usd", "hedge_usd", "after_usd", "target_usd", "residual_usd")
    exposure = table(
        "Exposure after the hedge",
        [_c("asset", "asset", "text"), *(_c(k, k.removesuffix("_usd")) for k in keys)],
        ({"asset": a, **{k: getattr(e, k) for k in keys}} for a, e in plan.exposure.items()),
    )
    tables = [drift, legs, risk, wallets, exposure]
    if plan.alternatives:
        alt = table(
            "Alternative for a short wallet: linear (USDT) perpetual",
            [
                _c("asset", "asset", "text"),
                _c("contract", "contract", "text"),
                _c("usd", "leg"),
                _c("collateral_usd", "collateral (USDT)"),
                _c("fee_usd", "fee"),
            ],
            (
                {
                    "asset": a,
                    "contract": contract_label(x.instrument),
                    "usd": x.usd,
                    "collateral_usd": x.collateral_usd,
                    "fee_usd": x.fee_usd,
                }
                for a, x in plan.alternatives.items()
            ),
        )
        tables.insert(4, alt)
    return tables


def carry_table(carry: Carry) -> Any:
    """Expected carry per leg (received; negative: paid)."""
    horizon = fmt(carry.horizon_days, "count")
    return table(
        f"Carry (received; negative: paid): {fmt(carry.per_day_usd, 'usd')} USD/day, "
        f"{fmt(carry.horizon_usd, 'usd')} USD over {horizon} days",
        [
            _c("asset", "asset", "text"),
            _c("kind", "kind", "text"),
            _c("rate", "rate (per day: funding, per year: basis)", "rate"),
            _c("per_day", "per day", "coin"),
            _c("per_day_usd", "per day"),
            _c("horizon_usd", f"over {horizon} days"),
        ],
        (
            {
                "asset": a,
                "kind": c.kind,
                "rate": c.rate,
                "per_day": c.per_day,
                "per_day_usd": c.per_day_usd,
                "horizon_usd": c.horizon_usd,
            }
            for a, c in carry.legs.items()
        ),
    )


def carry_notes(carry: Carry) -> list[str]:
    """Where each leg's carry rate comes from."""
    return [f"carry {a}: {c.source}" for a, c in carry.legs.items()]


def stress_tables(plan: HedgePlan, rows: Sequence[StressRow]) -> list[Any]:
    """Totals per move, per-asset exposure, and each leg's PnL in its settlement coin."""
    keys = ("unhedged_usd", "hedged_usd", "unhedged_exposure", "hedged_exposure", "synthetic_usd")
    headers = ("unhedged value", "hedged value", "unhedged expo.", "hedged expo.", "synth. USD")
    totals = table(
        "Stress: prices moved, legs held (past their liquidation: liquidated)",
        [_c("shock", "move", "rate"), *(_c(k, h) for k, h in zip(keys, headers, strict=True))],
        ({"shock": r.shock, **{k: getattr(r, k) for k in keys}} for r in rows),
    )
    assets = list(plan.drift.rows)
    per_asset = table(
        "Per asset: USD exposure unhedged -> hedged",
        [_c("shock", "move", "rate"), *(_c(a, a, "text") for a in assets)],
        (
            {"shock": r.shock}
            | {
                a: f"{fmt(x.unhedged_exposure, 'usd')} -> {fmt(x.hedged_exposure, 'usd')}"
                + (" LIQUIDATED" if x.liquidated else "")
                for a, x in r.assets.items()
            }
            for r in rows
        ),
    )
    legs = list(plan.legs)
    leg_pnl = table(
        "Leg PnL in the settlement coin (inverse_pnl)",
        [
            _c("shock", "move", "rate"),
            *(_c(a, f"{a} ({plan.legs[a].settle})", "coin") for a in legs),
        ],
        ({"shock": r.shock} | {a: r.assets[a].leg_pnl for a in legs} for r in rows),
    )
    tables = [totals, per_asset, leg_pnl]
    dead = [r for r in rows if r.liquidated]
    if dead:
        tables.insert(
            1,
            table(
                "Legs liquidated by the move (collateral lost, the rest unhedged)",
                [
                    _c("shock", "move", "rate"),
                    _c("legs", "legs", "text"),
                    _c("lost", "collateral lost"),
                ],
                (
                    {"shock": r.shock, "legs": ", ".join(r.liquidated)}
                    | {"lost": r.liquidation_loss_usd}
                    for r in dead
                ),
            ),
        )
    return tables


def unwind_tables(plan: HedgePlan, outcome: Unwind) -> list[Any]:
    """Closing orders and the comparison with rebalancing on spot at the start."""
    orders = table(
        "Closing orders",
        [
            _c("asset", "asset", "text"),
            _c("order", "order", "text"),
            _c("contracts", "contracts", "count"),
            _c("price", "price", "price"),
            _c("pnl", "realised PnL", "coin"),
            _c("settle", "coin", "text"),
            _c("pnl_usd", "realised PnL"),
            _c("fee_usd", "fee"),
            _c("remaining", "left", "count"),
        ],
        (
            {
                "asset": a,
                "order": "buy" if o.side > 0 else "sell",
                "contracts": o.contracts,
                "price": o.price,
                "pnl": o.realised_pnl,
                "settle": plan.legs[a].settle,
                "pnl_usd": o.realised_pnl_usd,
                "fee_usd": o.fee_usd,
                "remaining": o.remaining,
            }
            for a, o in outcome.orders.items()
        ),
    )
    rows = [
        ("hedged route value", outcome.hedged_value_usd),
        ("spot rebalance at start, value", outcome.spot_value_usd),
        ("difference (hedged - spot)", outcome.difference_usd),
        ("  futures fees", -outcome.fees_usd),
        ("  funding", -outcome.funding_usd),
        ("  basis", -outcome.basis_usd),
        ("  contract rounding", outcome.rounding_usd),
        ("  spot fees saved at start", outcome.spot_fees_start_usd),
        ("  spot fees paid later", -outcome.spot_fees_later_usd),
        ("realised futures PnL", outcome.realised_pnl_usd),
        ("spot sales deferred (at start prices)", outcome.deferred_sales_usd),
        ("gain deferred (with cost basis)", outcome.deferred_gain_usd),
    ]
    comparison = table(
        f"Against rebalancing on spot at the start ({fmt(outcome.days, 'count')} days)",
        [_c("item", "", "text"), _c("usd", "amount")],
        ({"item": k, "usd": v} for k, v in rows),
    )
    tables = [orders, comparison]
    if outcome.liquidations:
        dead = table(
            f"Liquidated before the unwind ({outcome.margin_mode} margin)",
            [
                _c("asset", "asset", "text"),
                _c("when", "when", "text"),
                _c("trigger", "low/high", "price"),
                _c("liq", "liquidation", "price"),
                _c("lost", "collateral lost", "coin"),
                _c("usd", "lost"),
            ],
            (
                {
                    "asset": a,
                    "when": "-" if x.when is None else f"{x.when:%Y-%m-%d %H:%M}",
                    "trigger": x.trigger_price,
                    "liq": x.liquidation_price,
                    "lost": x.collateral_lost,
                    "usd": x.loss_usd,
                }
                for a, x in outcome.liquidations.items()
            ),
        )
        tables.insert(0, dead)
    return tables


#: Strategy names in words (:data:`inversa.hedging.backtest.STRATEGIES`).
STRATEGY_WORDS = {"futures_trueup": "futures + true-up"}


@dataclass(frozen=True, slots=True)
class Metric:
    """One backtest figure for every strategy: its name in words, its unit and the raw
    value per strategy (None where the figure does not apply, e.g. funding without legs)."""

    name: str
    unit: str
    values: Mapping[str, Any]


def _last(series: pd.Series | None) -> float:
    return 0.0 if series is None else float(series.iloc[-1])


def _sensitivity(result: BacktestResult, name: str, scale: float) -> float | None:
    scaled = result.sensitivity.get(name) or {}
    value = scaled.get(scale)
    return None if value is None else value - _last(result.strategies[name].value)


def _gross_legs(s: StrategyResult) -> float | None:
    if s.legs is None:
        return None
    return float((s.legs.abs().sum(axis=1) / s.value).max())


_FIGURES: tuple[tuple[str, str, Callable[[BacktestResult, str, StrategyResult], Any]], ...] = (
    ("final value", "usd", lambda r, n, s: _last(s.value)),
    ("final value vs spot", "usd", lambda r, n, s: _vs_spot(r, s)),
    ("fees", "usd", lambda r, n, s: _last(s.fees)),
    ("funding, net", "usd", lambda r, n, s: _last(s.funding)),
    ("funding paid by long legs", "usd", lambda r, n, s: _legs_only(s, s.funding_paid_usd)),
    (
        "funding received by short legs",
        "usd",
        lambda r, n, s: _legs_only(s, s.funding_received_usd),
    ),
    ("spread and rounding", "usd", lambda r, n, s: _last(s.spread)),
    ("liquidation losses", "usd", lambda r, n, s: _last(s.liquidation)),
    ("total cost", "usd", lambda r, n, s: s.total_cost_usd),
    ("turnover", "usd", lambda r, n, s: s.turnover_usd),
    ("spot bought for margin top-ups", "usd", lambda r, n, s: sum(e.usd for e in s.topups)),
    ("final value, funding x0.9 (vs x1)", "usd", lambda r, n, s: _sensitivity(r, n, 0.9)),
    ("final value, funding x1.1 (vs x1)", "usd", lambda r, n, s: _sensitivity(r, n, 1.1)),
    ("total cost, share of start", "rate", lambda r, n, s: s.total_cost_usd / r.initial_usd),
    ("weight RMSE", "rate", lambda r, n, s: s.weight_rmse),
    ("tracking error per year", "rate", lambda r, n, s: s.tracking_error),
    ("largest legs / value", "rate", lambda r, n, s: _gross_legs(s)),
    ("worst margin ratio (100%: liquidation)", "rate", lambda r, n, s: s.worst_margin_ratio),
    ("liquidations", "count", lambda r, n, s: len(s.liquidations)),
    ("margin top-ups (spot trades)", "count", lambda r, n, s: len(s.topups)),
)

#: The backtest tables: one per unit, metrics as rows and strategies as columns.
_GROUPS = (
    ("usd", "Amounts"),
    ("rate", "Shares and ratios"),
    ("count", "Counts"),
)


def _vs_spot(result: BacktestResult, s: StrategyResult) -> float | None:
    spot = result.strategies.get("spot")
    return None if spot is None else _last(s.value) - _last(spot.value)


def _legs_only(s: StrategyResult, value: float) -> float | None:
    return None if s.legs is None else value


def backtest_metrics(result: BacktestResult) -> list[Metric]:
    """Every summary figure of a backtest, each with its unit, for every strategy."""
    return [
        Metric(name, unit, {n: get(result, n, s) for n, s in result.strategies.items()})
        for name, unit, get in _FIGURES
    ]


def _strategy_columns(result: BacktestResult, unit: str) -> list[Column]:
    def reader(name: str) -> Callable[[Metric], Any]:
        return lambda m: m.values.get(name)

    return [
        Column("name", "metric", "text"),
        *(Column(n, STRATEGY_WORDS.get(n, n), unit, get=reader(n)) for n in result.strategies),
    ]


def backtest_title(result: BacktestResult) -> str:
    """Window, checks and start value of a backtest in one line."""
    days = pd.DatetimeIndex(result.benchmark.index)
    return (
        f"Backtest {days[0]:%Y-%m-%d} .. {days[-1]:%Y-%m-%d}, {len(result.rebalances) - 1} "
        f"{result.policy.schedule} checks, start {fmt(result.initial_usd, 'usd')} USD"
    )


def _grouped(result: BacktestResult) -> list[tuple[str, list[Column], list[Metric]]]:
    metrics = backtest_metrics(result)
    return [
        (words, _strategy_columns(result, unit), [m for m in metrics if m.unit == unit])
        for unit, words in _GROUPS
    ]


def backtest_table(result: BacktestResult) -> Any:
    """One table per unit (USD, %, counts): one column per strategy, one row per metric."""
    groups = _grouped(result)
    return Group(
        *(
            table(f"{backtest_title(result)}: {words.lower()}" if i == 0 else words, cols, rows)
            for i, (words, cols, rows) in enumerate(groups)
        )
    )


def backtest_sections(result: BacktestResult, assumptions: Sequence[str]) -> list[Section]:
    """Summary tables and the three figures of a backtest report."""
    from inversa.report.figures import backtest_figures

    tables = [HtmlTable.of(cols, rows, caption=words) for words, cols, rows in _grouped(result)]
    weights, value, costs = backtest_figures(result)
    return [
        Section("Summary", f"{backtest_title(result)}.", tables=tables),
        Section("Assumptions", items=list(assumptions)),
        Section("Weights over time", figures=[weights]),
        Section("Portfolio value", figures=[value]),
        Section("Cumulative costs", figures=[costs]),
    ]
