"""Tables of the hedge risk views: liquidation per leg, venues compared, liquidations booked.

Built from the typed results of :mod:`inversa.hedging`; numbers formatted by unit.
"""

from __future__ import annotations

from typing import Any

from inversa.hedging import BacktestResult, RiskReport, VenueComparison
from inversa.report.formats import fmt
from inversa.report.terminal import Column, table

__all__ = ["backtest_event_tables", "compare_table", "risk_table"]


def _c(key: str, header: str, unit: str = "usd") -> Column:
    return Column(key, header, unit)


def risk_table(risk: RiskReport) -> Any:
    """Each leg's liquidation under the margin mode and its distance from the price."""
    return table(
        f"Liquidation ({risk.mode}; warn closer than {fmt(risk.warn_distance, 'rate')})",
        [
            _c("asset", "asset", "text"),
            _c("collateral", "collateral", "coin"),
            _c("liq", "liquidation", "price"),
            _c("distance", "distance", "rate"),
            _c("warn", "warning", "text"),
        ],
        (
            {
                "asset": a,
                "collateral": r.collateral,
                "liq": r.liquidation_price,
                "distance": r.distance,
                "warn": "CLOSE" if r.warn else "-",
            }
            for a, r in risk.legs.items()
        ),
    )


def compare_table(result: VenueComparison) -> Any:
    """One row per venue: contracts, residual, fee, funding, margin, liquidation, cost."""
    return table(
        f"{result.amount} at {fmt(result.price, 'price')}, as of {result.as_of:%Y-%m-%d}: "
        f"cost over {fmt(result.horizon_days, 'count')} days (* cheapest)",
        [
            _c("venue", "venue", "text"),
            _c("contracts", "contracts", "count"),
            _c("residual", "residual"),
            _c("fee_usd", "fee"),
            _c("funding", "funding/day", "rate"),
            _c("margin", "margin", "coin"),
            _c("liq", "liquidation", "price"),
            _c("cost", "cost"),
        ],
        (
            {
                "venue": ("* " if q.cheapest else "") + q.instrument,
                "contracts": q.leg.contracts,
                "residual": q.leg.residual_usd,
                "fee_usd": None if q.leg.fee is None else q.leg.fee * q.leg.price,
                "funding": q.funding_daily,
                "margin": q.leg.margin,
                "liq": q.leg.liquidation_price,
                "cost": q.cost_usd,
            }
            for q in result.quotes.values()
        ),
    )


def backtest_event_tables(result: BacktestResult) -> list[Any]:
    """The liquidations each strategy booked (top-ups are counted in the summary)."""
    rows = [
        {"strategy": name, "date": f"{e.when:%Y-%m-%d}", "asset": e.asset, "price": e.price}
        | {"usd": e.usd}
        for name, s in result.strategies.items()
        for e in s.liquidations
    ]
    if not rows:
        return []
    return [
        table(
            "Liquidations booked (collateral lost at the liquidation price)",
            [
                _c("strategy", "strategy", "text"),
                _c("date", "date", "text"),
                _c("asset", "asset", "text"),
                _c("price", "price", "price"),
                _c("usd", "lost"),
            ],
            rows,
        )
    ]
