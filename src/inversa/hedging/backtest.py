"""Backtest of monthly rebalancing: on spot, with inverse-futures legs, or never.

Three strategies start from the same portfolio, bought at the target weights on the
first day (that purchase is not counted as a cost), and are valued daily at the closes:

``spot``
    On the first trading day of each month the holdings are traded back to the target
    weights; fee ``spot_fee`` on the traded USD.
``futures``
    The spot coins are never traded.  On the first day of each month one inverse
    perpetual leg per asset is set to ``target * value - holding`` USD (short the
    overweight, long the underweight), rounded to whole contracts when contract values
    are given; fee ``futures_fee`` on the USD of the contracts traded (``trading_fee``,
    paid in the coin).  Each leg's coin PnL (``inverse_pnl``), fees and funding
    (``funding_payment`` with the day's rate, paid or received in the coin) stay in that
    coin's wallet, i.e. in the holdings; a leg's USD exposure is ``side * N * CV / entry``
    coins of the asset.  Margin is assumed available (not enforced; the result reports
    the largest legs).
``never``
    Bought once, held.

Assets without a price yet (listed later) have their target weight held in a proxy
asset (``proxies``) until the first rebalance at which they have a price.

Measures: ``weight_rmse`` = root mean square over days of the distance (sum over assets
of squared weight deviations, square-rooted) between the effective weights (USD
exposure / value) and the targets; ``tracking_error`` = annualised (365 days) standard
deviation of daily returns minus those of a cost-free portfolio rebalanced daily to the
targets; costs in USD (fees + funding paid; funding received counts negative).

Vectorised with NumPy float64 over the days of each month; the formulas are the
:mod:`inversa.contracts` functions on arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from inversa.contracts import funding_payment, inverse_pnl, trading_fee
from inversa.errors import InputError
from inversa.hedging._common import asset_key
from inversa.hedging.portfolio import WEIGHT_TOLERANCE

__all__ = [
    "STRATEGIES",
    "BacktestResult",
    "StrategyResult",
    "daily_funding_rate",
    "hedge_backtest",
]

STRATEGIES = ("spot", "futures", "never")
DAYS_PER_YEAR = 365

Array = NDArray[np.float64]


@dataclass(frozen=True)
class StrategyResult:
    """One strategy's daily path and summary.

    Attributes:
        name: ``spot``, ``futures`` or ``never``.
        value: portfolio value, USD, daily.
        weights: effective weights (USD exposure / value) per asset, daily.
        fees: cumulative trading fees, USD.
        funding: cumulative net funding paid, USD at each payment (negative: received).
        legs: signed USD notional of the futures legs per asset (``futures`` only).
        turnover_usd: USD traded at the rebalances.
        weight_rmse: RMS weight distance to the targets (fraction; 0.01 = 1 point).
        tracking_error: annualised tracking error against the daily-rebalanced target
            portfolio (fraction).
        funding_paid_usd, funding_received_usd: gross funding paid by the legs that pay
            and received by those that receive, USD at each payment.  Each settles in its
            leg's coin, so even when they cancel in USD the holdings shift between coins.
    """

    name: str
    value: pd.Series
    weights: pd.DataFrame
    fees: pd.Series
    funding: pd.Series
    legs: pd.DataFrame | None
    turnover_usd: float
    weight_rmse: float
    tracking_error: float
    funding_paid_usd: float = 0.0
    funding_received_usd: float = 0.0

    @property
    def total_cost_usd(self) -> float:
        """Fees plus net funding paid over the whole window, USD."""
        return float(self.fees.iloc[-1] + self.funding.iloc[-1])

    def summary(self, initial_usd: float) -> dict[str, Any]:
        """One row of the summary table (USD, fractions)."""
        row: dict[str, Any] = {
            "strategy": self.name,
            "final_value_usd": float(self.value.iloc[-1]),
            "return": float(self.value.iloc[-1] / initial_usd - 1),
            "fees_usd": float(self.fees.iloc[-1]),
            "funding_usd": float(self.funding.iloc[-1]),
            "total_cost_usd": self.total_cost_usd,
            "cost_pct_initial": self.total_cost_usd / initial_usd,
            "turnover_usd": self.turnover_usd,
            "weight_rmse": self.weight_rmse,
            "tracking_error": self.tracking_error,
        }
        if self.legs is not None:
            gross = self.legs.abs().sum(axis=1) / self.value
            row["max_gross_legs_pct_value"] = float(gross.max())
            row["funding_paid_usd"] = self.funding_paid_usd
            row["funding_received_usd"] = self.funding_received_usd
        return row


@dataclass(frozen=True)
class BacktestResult:
    """The three strategies, the targets in force each day and the benchmark.

    ``targets``: effective target weights (proxies applied); ``benchmark``: the
    cost-free, daily-rebalanced target portfolio's value (USD); ``rebalances``: the
    rebalance dates; ``assumptions``: what the run assumed, in words.
    """

    strategies: Mapping[str, StrategyResult]
    targets: pd.DataFrame
    benchmark: pd.Series
    rebalances: pd.DatetimeIndex
    initial_usd: float
    assumptions: tuple[str, ...] = field(default=())

    def summary(self) -> list[dict[str, Any]]:
        """One row per strategy (see :meth:`StrategyResult.summary`)."""
        return [s.summary(self.initial_usd) for s in self.strategies.values()]

    def to_dict(self) -> dict[str, Any]:
        """Summary, window and assumptions as plain data (for JSON)."""
        index = pd.DatetimeIndex(self.benchmark.index)
        return {
            "start": index[0].date().isoformat(),
            "end": index[-1].date().isoformat(),
            "days": len(index),
            "rebalances": len(self.rebalances),
            "initial_usd": self.initial_usd,
            "strategies": {row["strategy"]: row for row in self.summary()},
            "assumptions": list(self.assumptions),
        }


def daily_funding_rate(history: pd.DataFrame) -> pd.Series:
    """Funding per UTC day (fraction of the position value, positive: longs pay).

    ``history``: a funding history with ``funding_rate`` per interval (as
    :func:`inversa.data.funding_history` returns); the day's rates are summed.
    """
    if "funding_rate" not in history.columns:
        raise InputError("funding", list(history.columns), "needs a 'funding_rate' column")
    rates = history["funding_rate"].astype(float)
    index = pd.DatetimeIndex(rates.index)
    days = index.floor("D")
    return rates.groupby(days).sum().rename("funding_rate_daily")


def _signed(notional: Array) -> tuple[Array, Array]:
    """(side, count) for the vectorised contract formulas: count 1 where flat (side 0)."""
    side = np.sign(notional).astype(np.float64)
    count = np.where(notional != 0, np.abs(notional), 1.0).astype(np.float64)
    return side, count


def _targets_at(
    weights: Array, listed: Array, proxy_of: list[int | None], assets: list[str], when: Any
) -> Array:
    out = np.where(listed, weights, 0.0)
    for i, j in enumerate(proxy_of):
        if listed[i] or weights[i] == 0:
            continue
        if j is None or not listed[j]:
            raise InputError(
                f"targets.{assets[i]}",
                weights[i],
                f"{assets[i]} has no price on {when} and no proxy with one: give proxies",
            )
        out[j] += weights[i]
    return out


@dataclass
class _Path:
    value: Array
    exposure: Array
    fees: Array
    funding: Array  # USD paid per day and asset (negative: received)
    legs: Array | None = None
    turnover: float = 0.0


def hedge_backtest(
    closes: pd.DataFrame,
    targets: Mapping[str, float],
    *,
    funding: pd.Series | Mapping[str, pd.Series] | float = 0.0,
    proxies: Mapping[str, str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    initial_usd: float = 100_000.0,
    spot_fee: float = 0.001,
    futures_fee: float = 0.0005,
    contract_values: Mapping[str, float] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Monthly rebalancing on spot, with inverse-futures legs, and never; daily closes.

    Args:
        closes: daily closes, USD per coin, one column per asset, tz-aware UTC index;
            NaN before an asset's first price.
        targets: asset -> weight (>= 0, summing to 1).
        funding: daily funding rate (fraction, positive: longs pay) as one series for
            every asset, a mapping asset -> series (missing assets: 0), or a constant.
            Series are aligned on the UTC day; days without a rate count 0.
        proxies: asset -> the asset that holds its weight before its first price.
        start, end: window (inclusive, UTC days).
        initial_usd: starting value, USD.
        spot_fee, futures_fee: taker fee rates, fractions of the traded USD.
        contract_values: asset -> USD per contract to round futures legs to; absent:
            exact USD notional.
        progress: called with (months done, months) after each month.
    """
    assets = [asset_key("targets", a) for a in targets]
    weights = np.array([float(targets[a]) for a in targets], dtype=float)
    if (weights < 0).any() or abs(weights.sum() - 1) > float(WEIGHT_TOLERANCE):
        raise InputError("targets", dict(targets), "weights must be >= 0 and sum to 1")
    frame = closes.rename(columns=lambda c: str(c).upper())
    missing = [a for a in assets if a not in frame.columns]
    if missing:
        raise InputError("closes", missing[0], f"no price series for {missing[0]}")
    frame = frame[assets].sort_index()
    index = pd.DatetimeIndex(frame.index)
    if index.tz is None:
        raise InputError("closes", "index", "needs a tz-aware UTC index")
    lo = index[0] if start is None else pd.Timestamp(start, tz="UTC")
    hi = index[-1] if end is None else pd.Timestamp(end, tz="UTC")
    frame = frame.loc[(index >= lo) & (index <= hi)]
    if len(frame) < 2:
        raise InputError("start/end", (start, end), "the window holds fewer than 2 days")
    for name, rate in (("spot_fee", spot_fee), ("futures_fee", futures_fee)):
        if not 0 <= rate < 1:
            raise InputError(name, rate, "must lie in [0, 1)")
    if initial_usd <= 0:
        raise InputError("initial_usd", initial_usd, "must be > 0")
    days = pd.DatetimeIndex(frame.index)
    raw = frame.to_numpy(dtype=float)
    listed = np.isfinite(raw) & (raw > 0)
    prices = np.where(listed, raw, 1.0)
    proxy_map = {
        asset_key("proxies", k): asset_key("proxies", v) for k, v in (proxies or {}).items()
    }
    proxy_of = [assets.index(proxy_map[a]) if proxy_map.get(a) in assets else None for a in assets]
    rates = _funding_matrix(funding, assets, days)
    cv = np.array([float((contract_values or {}).get(a, 0.0)) for a in assets], dtype=float)
    month = days.year * 12 + days.month
    starts = np.flatnonzero(np.r_[True, month[1:] != month[:-1]])
    bounds = [*starts.tolist(), len(days)]
    target_rows = np.zeros_like(prices)
    for k in range(len(starts)):
        a, b = bounds[k], bounds[k + 1]
        target_rows[a:b] = _targets_at(weights, listed[a], proxy_of, assets, days[a].date())
    paths = _simulate(
        prices, target_rows, rates, bounds, initial_usd, spot_fee, futures_fee, cv, progress
    )
    bench = _benchmark(prices, target_rows, initial_usd)
    benchmark = pd.Series(bench, index=days, name="benchmark")
    results: dict[str, StrategyResult] = {}
    for name, path in paths.items():
        w = path.exposure / path.value[:, None]
        dev = np.sqrt(((w - target_rows) ** 2).sum(axis=1))
        returns = path.value[1:] / path.value[:-1] - bench[1:] / bench[:-1]
        results[name] = StrategyResult(
            name=name,
            value=pd.Series(path.value, index=days, name=name),
            weights=pd.DataFrame(w, index=days, columns=assets),
            fees=pd.Series(np.cumsum(path.fees), index=days, name="fees"),
            funding=pd.Series(np.cumsum(path.funding.sum(axis=1)), index=days, name="funding"),
            funding_paid_usd=float(path.funding[path.funding > 0].sum()),
            funding_received_usd=float(-path.funding[path.funding < 0].sum()),
            legs=None if path.legs is None else pd.DataFrame(path.legs, index=days, columns=assets),
            turnover_usd=float(path.turnover),
            weight_rmse=float(np.sqrt(np.mean(dev**2))),
            tracking_error=float(np.std(returns, ddof=1) * np.sqrt(DAYS_PER_YEAR)),
        )
    assumptions = (
        f"window {days[0].date()} .. {days[-1].date()}, {len(starts)} monthly rebalances "
        "on the first day of each month at the close",
        f"fees: spot {spot_fee:.4%}, futures {futures_fee:.4%} of the traded USD",
        "futures legs: one inverse perpetual per asset, 1x collateral assumed available",
        *(
            f"{assets[i]} weight held in {assets[j]} until {assets[i]} has a price"
            for i, j in enumerate(proxy_of)
            if j is not None and not listed[0, i]
        ),
    )
    return BacktestResult(
        results,
        pd.DataFrame(target_rows, index=days, columns=assets),
        benchmark,
        days[starts],
        initial_usd,
        assumptions,
    )


def _funding_matrix(
    funding: pd.Series | Mapping[str, pd.Series] | float, assets: list[str], days: pd.DatetimeIndex
) -> Array:
    out = np.zeros((len(days), len(assets)))
    if isinstance(funding, int | float):
        out[:] = float(funding)
        return out
    series = (
        dict.fromkeys(assets, funding)
        if isinstance(funding, pd.Series)
        else {asset_key("funding", k): v for k, v in funding.items()}
    )
    for i, asset in enumerate(assets):
        s = series.get(asset)
        if s is None:
            continue
        idx = pd.DatetimeIndex(s.index).floor("D")
        aligned = pd.Series(s.to_numpy(dtype=float), index=idx).groupby(level=0).sum()
        out[:, i] = aligned.reindex(days.floor("D")).fillna(0.0).to_numpy()
    return out


def _benchmark(prices: Array, targets: Array, initial: float) -> Array:
    growth = prices[1:] / prices[:-1]
    daily = (targets[:-1] * growth).sum(axis=1)
    out: Array = initial * np.r_[1.0, np.cumprod(daily)]
    return out


def _simulate(
    prices: Array,
    targets: Array,
    rates: Array,
    bounds: list[int],
    initial: float,
    spot_fee: float,
    futures_fee: float,
    cv: Array,
    progress: Callable[[int, int], None] | None,
) -> dict[str, _Path]:
    n_days, n_assets = prices.shape
    paths = {
        name: _Path(
            np.zeros(n_days),
            np.zeros((n_days, n_assets)),
            np.zeros(n_days),
            np.zeros((n_days, n_assets)),
        )
        for name in STRATEGIES
    }
    paths["futures"].legs = np.zeros((n_days, n_assets))
    x0 = prices[0]
    start_coins = targets[0] * initial / x0
    spot = start_coins.copy()
    never = start_coins.copy()
    hold = start_coins.copy()  # futures: spot + wallet coins
    notional = np.zeros(n_assets)  # signed USD of the legs
    entry = x0.copy()
    months = len(bounds) - 1
    for k in range(months):
        a, b = bounds[k], bounds[k + 1]
        x = prices[a]
        w = targets[a]
        if k > 0:
            # spot: back to the targets, fee on the traded USD
            value = float(spot @ x)
            traded = np.abs(w * value - spot * x).sum()
            fee = spot_fee * traded
            spot = w * (value - fee) / x
            paths["spot"].fees[a] += fee
            paths["spot"].turnover += traded
            # futures: realise the legs at x, re-size them, pay the fee in coin
            side, count = _signed(notional)
            hold = hold + inverse_pnl(side, count, entry, x, 1.0)
            entry = x.copy()
            value = float(hold @ x)
            wanted = w * value - hold * x
            if cv.any():
                rounded = np.round(wanted / np.where(cv > 0, cv, 1.0)) * cv
                wanted = np.where(cv > 0, rounded, wanted)
            change = np.abs(wanted - notional)
            fee_coin = np.where(
                change > 0, trading_fee(np.where(change > 0, change, 1.0), x, 1.0, futures_fee), 0.0
            )
            hold = hold - fee_coin
            paths["futures"].fees[a] += float(fee_coin @ x)
            paths["futures"].turnover += float(change.sum())
            notional = wanted
        p = prices[a:b]
        _fill_spot(paths["spot"], spot, p, a, b)
        _fill_spot(paths["never"], never, p, a, b)
        hold = _fill_futures(paths["futures"], hold, notional, entry, prices, rates, a, b)
        if progress is not None:
            progress(k + 1, months)
    return paths


def _fill_spot(path: _Path, coins: Array, p: Array, a: int, b: int) -> None:
    path.exposure[a:b] = coins * p
    path.value[a:b] = path.exposure[a:b].sum(axis=1)


def _fill_futures(
    path: _Path,
    hold: Array,
    notional: Array,
    entry: Array,
    prices: Array,
    rates: Array,
    a: int,
    b: int,
) -> Array:
    """Value days a..b-1; funding accrues on days a+1..b (the next rebalance day's
    funding is paid before that rebalance).  Returns the holdings at day b."""
    n_days = len(prices)
    side, count = _signed(notional)
    usd = np.ones_like(count)  # counts are USD notionals: 1 USD per "contract"
    stop = min(b + 1, n_days)
    f_prices = prices[a + 1 : stop]
    flows: Array = (
        funding_payment(side, count, usd, f_prices, rates[a + 1 : stop])
        if len(f_prices)
        else np.zeros((0, len(hold)))
    )
    cum = np.vstack([np.zeros((1, len(hold))), np.cumsum(flows, axis=0)])
    p = prices[a:b]
    coins = hold + cum[: b - a]
    leg_pnl = inverse_pnl(side, count, np.broadcast_to(entry, p.shape), p, usd)
    path.exposure[a:b] = (coins + side * count / entry) * p
    path.value[a:b] = ((coins + leg_pnl) * p).sum(axis=1)
    if path.legs is not None:
        path.legs[a:b] = notional
    path.funding[a + 1 : stop] -= flows * f_prices
    held: Array = hold + cum[-1]
    return held
