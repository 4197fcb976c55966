"""What a token backtest measured: the ideal path, decay against the formula, tracking
error, funding and fee contributions, turnover, drawdown, rebalances.

Definitions (a 365.25-day year throughout; crypto trades every day):

- *daily closes*: the bars stamped at the policy's reset time of day (00:00 UTC by
  default), or every bar for daily data.
- *ideal path*: ``NAV_0 * prod(1 + L* r_d)`` over the index's daily close-to-close
  returns ``r_d``, from the first daily close.
- *decay*: ``(V_T / V_0) / (S_T / S_0)^L*`` (what is left after the index's own move);
  *formula*: ``exp(-(L*^2 - L*) sigma^2 T / 2)`` with ``sigma^2`` the sample variance of
  daily log returns times 365.25 and ``T`` the span in years.
- *tracking error*: annualised standard deviation of (daily NAV return - ``L* r_d``).
- *funding*, *fees*: coin received (funding) and paid (taker fees); and their
  compounded contribution to NAV, ``prod(1 + x_i / E_{i-1}) - 1`` with ``x_i`` the bar's
  funding received (or minus its fees) and ``E_{i-1}`` the coin equity after the previous
  bar (a coin vault's equity shrinks as the coin rises, so coin sums mislead).
- *turnover*: traded USD notional (``sum |n| V`` inverse, ``sum |n| q S`` linear) over
  the mean USD equity, per year.
- *max drawdown*: the largest fall of the USD NAV from a running peak.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from inversa.token.keeper import BacktestResult

__all__ = [
    "Metric",
    "Summary",
    "daily_mask",
    "ideal_path",
    "rebalance_rows",
    "summarise",
    "write_rebalance_log",
]

YEAR = 365.25


@dataclass(frozen=True)
class Metric:
    """One summary figure: a key (JSON), a label and a unit (tables)."""

    key: str
    label: str
    unit: str
    value: float | int | str


@dataclass(frozen=True)
class Summary:
    """The backtest's figures, in order, plus the daily series the report draws."""

    name: str
    metrics: tuple[Metric, ...]
    daily_index: NDArray[np.int64]
    ideal_nav: NDArray[np.float64]

    def as_dict(self) -> dict[str, float | int | str]:
        """``{key: value}`` (the ``--json`` output)."""
        return {m.key: m.value for m in self.metrics}


def daily_mask(result: BacktestResult, reset_time: time = time(0, 0)) -> NDArray[np.bool_]:
    """Bars that are daily closes (every bar when bars are a day or more apart)."""
    times = result.times
    if len(times) > 1 and (times[1] - times[0]).total_seconds() >= 86400:
        return np.ones(len(times), dtype=bool)
    return np.array([t.time() == reset_time for t in times], dtype=bool)


def ideal_path(prices: NDArray[np.float64], leverage: float, nav0: float) -> NDArray[np.float64]:
    """``nav0 * cumprod(1 + L r)`` over the close-to-close returns of ``prices``."""
    r = prices[1:] / prices[:-1] - 1.0
    steps = np.maximum(1.0 + leverage * r, 0.0)
    return nav0 * np.concatenate(([1.0], np.cumprod(steps)))


def _max_drawdown(x: NDArray[np.float64]) -> float:
    peak = np.maximum.accumulate(x)
    return float(np.max(1.0 - x / peak)) if len(x) else 0.0


def summarise(
    result: BacktestResult,
    leverage: Decimal,
    start_equity: Decimal,
    contract_value: Decimal,
    name: str = "token backtest",
    reset_time: time = time(0, 0),
    linear: bool = False,
) -> Summary:
    """The figures of :class:`Summary` for ``result`` (see the module docstring)."""
    lev = float(leverage)
    mask = daily_mask(result, reset_time)
    idx = np.nonzero(mask)[0]
    if len(idx) < 2:
        idx = np.array([0, len(result.times) - 1])
    s = result.price[idx]
    nav = result.nav_usd[idx]
    ideal = ideal_path(s, lev, float(nav[0]))
    years = (result.times[idx[-1]] - result.times[idx[0]]).total_seconds() / 86400 / YEAR
    logr = np.diff(np.log(s))
    sigma2 = float(np.var(logr, ddof=1) * YEAR) if len(logr) > 1 else 0.0
    index_move = float(s[-1] / s[0]) ** lev
    decay = float(nav[-1] / nav[0]) / index_move
    ideal_decay = float(ideal[-1] / ideal[0]) / index_move
    formula = math.exp(-(lev * lev - lev) * sigma2 * years / 2)
    nav_r = nav[1:] / nav[:-1] - 1.0
    ideal_r = lev * (s[1:] / s[:-1] - 1.0)
    te = float(np.std(nav_r - ideal_r, ddof=1) * math.sqrt(YEAR)) if len(nav_r) > 1 else 0.0
    cv = float(contract_value)
    if linear:  # q coin per contract: USD notional n q S
        traded = sum(abs(float(f.contracts_sold)) * cv * float(f.price) for f in result.fills)
    else:  # V USD per contract
        traded = sum(abs(float(f.contracts_sold)) * cv for f in result.fills)
    mean_eq = float(np.mean(result.nav_usd * result.supply))
    full_years = max((result.times[-1] - result.times[0]).total_seconds() / 86400 / YEAR, 1e-9)
    reasons = Counter(r.reason for r in result.rebalances)
    prev_eq = result.equity[:-1]
    fund_c = float(np.prod(1.0 + np.diff(result.funding) / prev_eq) - 1.0)
    fees_c = float(np.prod(1.0 - np.diff(result.fees) / prev_eq) - 1.0)
    m = [
        Metric("start", "first bar", "UTC", result.times[0].isoformat()),
        Metric("end", "last bar", "UTC", result.times[-1].isoformat()),
        Metric("bars", "bars", "", len(result.times)),
        Metric("years", "span", "years", round(full_years, 4)),
        Metric("index_start", "index at start", "USD", float(result.price[0])),
        Metric("index_end", "index at end", "USD", float(result.price[-1])),
        Metric("nav_start_usd", "NAV at start", "USD/token", float(result.nav_usd[0])),
        Metric("nav_end_usd", "NAV at end", "USD/token", float(result.nav_usd[-1])),
        Metric("nav_end_coin", "NAV at end", "coin/token", float(result.nav_coin[-1])),
        Metric("ideal_end_usd", f"ideal {lev:g}x path at end", "USD/token", float(ideal[-1])),
        Metric("nav_vs_ideal", "NAV / ideal at end", "x", float(nav[-1] / ideal[-1])),
        Metric("decay_measured", "decay measured (NAV)", "x", decay),
        Metric("decay_ideal", "decay of the ideal path", "x", ideal_decay),
        Metric("decay_formula", "decay formula exp(-(L²-L)σ²T/2)", "x", formula),
        Metric("sigma_annual", "realised volatility (daily log returns)", "/yr", math.sqrt(sigma2)),
        Metric("tracking_error", "tracking error vs ideal", "/yr", te),
        Metric("funding", "funding received", result.unit, float(result.total_funding)),
        Metric("funding_return", "funding contribution to NAV", "compounded", fund_c),
        Metric("fees", "trading fees paid", result.unit, float(result.total_fees)),
        Metric("fees_return", "fee contribution to NAV", "compounded", fees_c),
        Metric(
            "streaming_minted",
            "streaming-fee tokens minted",
            "tokens",
            float(result.streaming_minted),
        ),
        Metric(
            "turnover",
            "turnover",
            "x equity/yr",
            traded / mean_eq / full_years if mean_eq > 0 else 0.0,
        ),
        Metric("rebalances", "rebalances", "", len(result.rebalances)),
        Metric("fills", "fills", "", len(result.fills)),
        *(Metric(f"rebalances_{k}", f"rebalances: {k}", "", v) for k, v in sorted(reasons.items())),
        Metric("max_drawdown", "max drawdown (USD NAV)", "", _max_drawdown(result.nav_usd)),
        Metric("liquidations", "liquidation events", "", result.liquidations),
        Metric("final_equity", "final equity", result.unit, float(result.final_equity)),
        Metric("final_size", "final position", "contracts", float(result.final_size)),
    ]
    return Summary(name, tuple(m), idx.astype(np.int64), ideal)


def rebalance_rows(result: BacktestResult) -> list[dict[str, str]]:
    """The rebalance log, one row per rebalance (exact Decimal text), shaped like
    PerpV2's ``Rebalanced`` events: time, reason, leverage before/after/target,
    contracts (signed, > 0 buys), chunks and fees (coin)."""
    return [
        {
            "time_utc": r.time.isoformat().replace("+00:00", "Z"),
            "bar": str(r.bar),
            "reason": r.reason,
            "leverage_before": str(r.leverage_before),
            "leverage_after": str(r.leverage_after),
            "target_leverage": str(r.target_leverage),
            "contracts": str(r.contracts),
            "chunks": str(r.chunks),
            "fees_coin": str(r.fees),
        }
        for r in result.rebalances
    ]


def write_rebalance_log(result: BacktestResult, path: str | Path) -> Path:
    """Write :func:`rebalance_rows` as CSV to ``path``; returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = rebalance_rows(result)
    fields = list(rows[0]) if rows else ["time_utc"]
    with target.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return target


def _norm_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def bs_put(spot: float, strike: float, sigma: float, years: float) -> float:
    """Black-Scholes put (zero rates): ``K N(-d2) - S N(-d1)``; intrinsic at expiry."""
    if years <= 0 or sigma <= 0:
        return max(strike - spot, 0.0)
    sd = sigma * math.sqrt(years)
    d1 = (math.log(spot / strike) + sd * sd / 2) / sd
    return strike * _norm_cdf(-(d1 - sd)) - spot * _norm_cdf(-d1)


def _stats(
    name: str, value: NDArray[np.float64], index_r: NDArray[np.float64]
) -> dict[str, str | float]:
    r = value[1:] / value[:-1] - 1.0
    beta = float(np.cov(r, index_r)[0, 1] / np.var(index_r, ddof=1)) if len(r) > 2 else 0.0
    worst30 = float(np.min(value[30:] / value[:-30] - 1.0)) if len(value) > 30 else 0.0
    return {
        "strategy": name,
        "total return": float(value[-1] / value[0] - 1.0),
        "volatility /yr": float(np.std(r, ddof=1) * math.sqrt(YEAR)) if len(r) > 1 else 0.0,
        "max drawdown": _max_drawdown(value),
        "worst 30 days": worst30,
        "beta to index": beta,
    }


def hedge_effectiveness(
    result: BacktestResult,
    summary: Summary,
    fractions: tuple[float, ...] = (0.5, 1.0),
    put_days: int = 30,
    funding: NDArray[np.float64] | None = None,
) -> list[dict[str, str | float]]:
    """An index holder's outcomes over the backtest's daily closes, per unit of capital:

    - *unhedged*: the index alone;
    - *token x*: 1 of index plus ``x`` of the token (its NAV path), capital ``1 + x``,
      the mix restored daily;
    - *short perp x*: 1 of index plus a short perpetual of notional ``x`` times the
      index value, reset daily, its margin ``x`` held in cash, receiving the funding
      ``funding`` (rate per bar, summed over each day; ``None``: no funding);
    - *put*: 1 of index plus a ``put_days``-day at-the-money put, rolled at expiry,
      priced by Black-Scholes (zero rates) on the trailing ``put_days``-day realised
      volatility of daily log returns (365.25-day year), marked daily at that volatility.
    """
    idx = summary.daily_index
    s = result.price[idx].astype(np.float64)
    nav = result.nav_usd[idx].astype(np.float64)
    if len(s) < put_days + 2:
        return []
    index_r = s[1:] / s[:-1] - 1.0
    tok_r = nav[1:] / nav[:-1] - 1.0
    rows = [_stats("unhedged index", s / s[0], index_r)]
    for x in fractions:
        r = (index_r + x * tok_r) / (1 + x)
        rows.append(
            _stats(f"index + {x:.0%} token", np.concatenate(([1.0], np.cumprod(1 + r))), index_r)
        )
    fund_d = np.zeros(len(index_r))
    if funding is not None:
        csum = np.concatenate(([0.0], np.cumsum(funding)))
        fund_d = csum[idx[1:] + 1] - csum[idx[:-1] + 1]
    for x in fractions:
        r = ((1 - x) * index_r + x * fund_d) / (1 + x)
        rows.append(
            _stats(
                f"index + {x:.0%} short perp", np.concatenate(([1.0], np.cumprod(1 + r))), index_r
            )
        )
    logr = np.diff(np.log(s))
    value = np.empty(len(s))
    units, strike, sigma, start = 1.0, float(s[0]), 0.8, 0

    def trailing(t: int) -> float:
        window = logr[max(0, t - put_days) : t]
        return float(np.std(window, ddof=1) * math.sqrt(YEAR)) if len(window) > 2 else 0.8

    for t in range(len(s)):
        st = float(s[t])
        if t == 0 or t - start >= put_days:
            # the old put expires at its intrinsic value; a new ATM put is bought with
            # one put per index unit, paid from the holder's value
            worth = st + bs_put(st, strike, sigma, 0.0) if t else 0.0
            worth *= units
            sigma, strike, start = trailing(t), st, t
            premium = bs_put(st, strike, sigma, put_days / YEAR)
            if t == 0:
                worth = st + premium
            units = worth / (st + premium)
            value[t] = worth
        else:
            left = (put_days - (t - start)) / YEAR
            value[t] = units * (st + bs_put(st, strike, sigma, left))
    rows.append(_stats(f"index + rolling {put_days}-day ATM put", value / value[0], index_r))
    return rows
