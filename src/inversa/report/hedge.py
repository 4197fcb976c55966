"""Tables and the HTML report of the hedge results (plan, carry, stress, unwind, backtest).

Built from the typed results of :mod:`inversa.hedging`; every number is formatted by its
unit (:mod:`inversa.report.formats`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inversa.hedging import (
    BacktestResult,
    Carry,
    HedgePlan,
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
    "backtest_sections",
    "backtest_table",
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


_METRICS = (
    ("final_value_usd", "final value", "usd"),
    ("vs_spot_usd", "vs spot", "usd"),
    ("fees_usd", "fees", "usd"),
    ("funding_usd", "funding, net", "usd"),
    ("funding_paid_usd", "  paid by long legs", "usd"),
    ("funding_received_usd", "  received by short legs", "usd"),
    ("spread_rounding_usd", "spread and rounding", "usd"),
    ("liquidation_usd", "liquidation losses", "usd"),
    ("total_cost_usd", "total cost", "usd"),
    ("cost_pct_initial", "total cost, share of start", "rate"),
    ("turnover_usd", "turnover", "usd"),
    ("weight_rmse", "weight RMSE", "rate"),
    ("tracking_error", "tracking error per year", "rate"),
    ("max_gross_legs_pct_value", "largest legs / value", "rate"),
    ("worst_margin_ratio", "worst margin ratio (1: liquidation)", "rate"),
    ("liquidations", "liquidations", "count"),
    ("topups", "margin top-ups (spot trades)", "count"),
    ("topup_usd", "  bought for top-ups", "usd"),
    ("sens_low", "final value, funding x0.9 (vs x1)", "usd"),
    ("sens_high", "final value, funding x1.1 (vs x1)", "usd"),
)


def _metric_rows(result: BacktestResult) -> tuple[list[str], list[dict[str, Any]]]:
    summary = {row["strategy"]: row for row in result.summary()}
    spot_final = summary["spot"]["final_value_usd"]
    for row in summary.values():
        row["vs_spot_usd"] = row["final_value_usd"] - spot_final
        scaled = row.get("funding_sensitivity") or {}
        row["sens_low"], row["sens_high"] = scaled.get("x0.9"), scaled.get("x1.1")
    rows = []
    for key, label, unit in _METRICS:
        suffix = {"usd": " (USD)", "rate": " (%)"}.get(unit, "")
        line: dict[str, Any] = {"metric": f"{label}{suffix}"}
        line.update({name: fmt(s.get(key), unit) for name, s in summary.items()})
        rows.append(line)
    return list(summary), rows


def backtest_table(result: BacktestResult) -> Any:
    """One column per strategy, one row per metric."""
    names, rows = _metric_rows(result)
    data = result.to_dict()
    return table(
        f"Backtest {data['start']} .. {data['end']}, {data['rebalances'] - 1} "
        f"{result.policy.schedule} checks, start {fmt(result.initial_usd, 'usd')} USD",
        [_c("metric", "", "text"), *(_c(n, n, "text") for n in names)],
        rows,
    )


def backtest_sections(result: BacktestResult, assumptions: Sequence[str]) -> list[Section]:
    """Summary table and the three figures of a backtest report."""
    from inversa.report.figures import backtest_figures

    names, rows = _metric_rows(result)
    cols = [Column("metric", "metric", "text"), *(Column(n, n, "text") for n in names)]
    weights, value, costs = backtest_figures(result)
    return [
        Section("Summary", "; ".join(assumptions), tables=[HtmlTable(cols, rows)]),
        Section("Weights over time", figures=[weights]),
        Section("Portfolio value", figures=[value]),
        Section("Cumulative costs", figures=[costs]),
    ]
