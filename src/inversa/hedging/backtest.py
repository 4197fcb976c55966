"""Backtest of the policies a portfolio manager runs: never, spot, futures, futures + true-up.

Four strategies start from the same portfolio, bought at the target weights on the first
day (not counted as a cost), and live through the same daily closes, lows and highs under
the same :class:`~inversa.hedging.policy.BacktestPolicy`:

``never``
    Bought once, held.
``spot``
    On each check day (``policy.schedule``) where the drift exceeds ``policy.band``,
    trade ``policy.fraction`` of it on spot; fee ``spot_fee`` and ``half_spread`` on the
    traded USD.
``futures``
    The spot coins are never traded for rebalancing.  On each check day the legs (one
    inverse perpetual per asset) are realised into their coin wallet and re-sized so the
    asset's USD exposure (spot + leg delta ``side * N * CV / entry`` coins) moves
    ``fraction`` of the way to its target; rounded to whole contracts; capped at
    ``policy.gross_cap`` times the value; fee ``futures_fee`` and ``half_spread`` on the
    USD of contracts traded, paid in the coin.  Funding (per asset, positive: longs pay)
    settles daily in the coin.  Margin is enforced on the daily low (long legs) or high
    (short legs), isolated or cross on the whole coin wallet: a leg past its liquidation
    price (``generic`` model: equity = maintenance at the mark) is liquidated and its
    collateral lost.  A wallet short of a leg's initial margin (or negative after
    funding) is **topped up** by a spot trade: the largest other holding is sold for the
    coin, charged as two spot trades.
``futures_trueup``
    ``futures``, plus a periodic spot true-up (``policy.trueup``, ``policy.trueup_dates``):
    the legs are closed and the spot traded to the targets.

Costs, in USD when paid: ``fees`` (trading fees), ``funding`` (net paid; received counts
negative), ``spread`` (half spread on traded USD, plus the PnL the contract rounding left
against exact legs), ``liquidation`` (collateral lost).  Measures: ``weight_rmse`` (RMS
over days of the distance between effective and target weights), ``tracking_error``
(annualised, 365 days, against the cost-free daily-rebalanced target portfolio),
``worst_margin_ratio`` (max over days and legs of maintenance / equity at the day's worst
price; 1 = liquidation).  ``min_wallet_coins``: the lowest coin balance of every wallet,
never negative (a shortfall is topped up and booked).

NumPy float64 over a daily loop; the contract formulas are :mod:`inversa.contracts`'.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from inversa.contracts import funding_payment, generic_prices, inverse_pnl
from inversa.errors import InputError
from inversa.hedging._common import asset_key
from inversa.hedging.policy import BacktestPolicy
from inversa.hedging.portfolio import WEIGHT_TOLERANCE

__all__ = [
    "STRATEGIES",
    "BacktestResult",
    "BookedEvent",
    "StrategyResult",
    "daily_funding_rate",
    "hedge_backtest",
]

STRATEGIES = ("never", "spot", "futures", "futures_trueup")
DAYS_PER_YEAR = 365
_FUTURES = ("futures", "futures_trueup")

Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BookedEvent:
    """A liquidation or a top-up booked by a strategy.

    ``kind``: ``"liquidation"`` or ``"topup"``; ``usd``: collateral lost at the
    liquidation price, or USD of coin bought for the top-up; ``coins``: the same in coins;
    ``price``: USD per coin (liquidation price, or the close of the top-up).
    """

    kind: str
    when: pd.Timestamp
    asset: str
    coins: float
    usd: float
    price: float


@dataclass(frozen=True)
class StrategyResult:
    """One strategy's daily path and summary (USD unless named; see the module notes).

    ``fees``, ``funding``, ``spread``, ``liquidation``: cumulative daily series of the
    cost split.  ``legs``: signed USD notional of the legs per asset (futures only).
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
    spread: pd.Series | None = None
    liquidation: pd.Series | None = None
    worst_margin_ratio: float = 0.0
    events: tuple[BookedEvent, ...] = ()
    min_wallet_coins: Mapping[str, float] = field(default_factory=dict)

    @property
    def total_cost_usd(self) -> float:
        """Fees, net funding, spread/rounding and liquidation losses, USD."""
        extra = 0.0
        for series in (self.spread, self.liquidation):
            if series is not None:
                extra += float(series.iloc[-1])
        return float(self.fees.iloc[-1] + self.funding.iloc[-1]) + extra

    @property
    def liquidations(self) -> tuple[BookedEvent, ...]:
        return tuple(e for e in self.events if e.kind == "liquidation")

    @property
    def topups(self) -> tuple[BookedEvent, ...]:
        return tuple(e for e in self.events if e.kind == "topup")

    def summary(self, initial_usd: float) -> dict[str, Any]:
        """One row of the summary table (USD, fractions)."""
        spread = 0.0 if self.spread is None else float(self.spread.iloc[-1])
        liq = 0.0 if self.liquidation is None else float(self.liquidation.iloc[-1])
        row: dict[str, Any] = {
            "strategy": self.name,
            "final_value_usd": float(self.value.iloc[-1]),
            "return": float(self.value.iloc[-1] / initial_usd - 1),
            "fees_usd": float(self.fees.iloc[-1]),
            "funding_usd": float(self.funding.iloc[-1]),
            "spread_rounding_usd": spread,
            "liquidation_usd": liq,
            "total_cost_usd": self.total_cost_usd,
            "cost_pct_initial": self.total_cost_usd / initial_usd,
            "turnover_usd": self.turnover_usd,
            "weight_rmse": self.weight_rmse,
            "tracking_error": self.tracking_error,
            "worst_margin_ratio": self.worst_margin_ratio,
            "liquidations": len(self.liquidations),
            "topups": len(self.topups),
            "topup_usd": sum(e.usd for e in self.topups),
            "min_wallet_coins": dict(self.min_wallet_coins),
        }
        if self.legs is not None:
            gross = self.legs.abs().sum(axis=1) / self.value
            row["max_gross_legs_pct_value"] = float(gross.max())
            row["funding_paid_usd"] = self.funding_paid_usd
            row["funding_received_usd"] = self.funding_received_usd
        return row


@dataclass(frozen=True)
class BacktestResult:
    """The strategies, the targets in force each day and the benchmark.

    ``targets``: effective target weights (proxies applied); ``benchmark``: the cost-free,
    daily-rebalanced target portfolio's value (USD); ``rebalances``: the first day (the
    purchase at the targets) and the check days;
    ``sensitivity``: strategy -> {funding scale: final value USD} for the futures
    strategies rerun with every funding rate scaled; ``assumptions``: in words.
    """

    strategies: Mapping[str, StrategyResult]
    targets: pd.DataFrame
    benchmark: pd.Series
    rebalances: pd.DatetimeIndex
    initial_usd: float
    assumptions: tuple[str, ...] = field(default=())
    sensitivity: Mapping[str, Mapping[float, float]] = field(default_factory=dict)
    policy: BacktestPolicy = field(default_factory=BacktestPolicy)

    def summary(self) -> list[dict[str, Any]]:
        """One row per strategy (see :meth:`StrategyResult.summary`)."""
        rows = [s.summary(self.initial_usd) for s in self.strategies.values()]
        for row in rows:
            scaled = self.sensitivity.get(row["strategy"])
            if scaled:
                row["funding_sensitivity"] = {
                    f"x{k:g}": v - row["final_value_usd"] for k, v in scaled.items()
                }
        return rows

    def to_dict(self) -> dict[str, Any]:
        """Summary, window, policy and assumptions as plain data (for JSON)."""
        index = pd.DatetimeIndex(self.benchmark.index)
        return {
            "start": index[0].date().isoformat(),
            "end": index[-1].date().isoformat(),
            "days": len(index),
            "rebalances": len(self.rebalances),
            "initial_usd": self.initial_usd,
            "policy": self.policy.model_dump(mode="json"),
            "strategies": {row["strategy"]: row for row in self.summary()},
            "events": {
                name: [
                    {
                        "kind": e.kind,
                        "date": e.when.date().isoformat(),
                        "asset": e.asset,
                        "coins": e.coins,
                        "usd": e.usd,
                        "price": e.price,
                    }
                    for e in s.events
                ]
                for name, s in self.strategies.items()
            },
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
                float(weights[i]),
                f"{assets[i]} has no price on {when} and no proxy with one: give proxies",
            )
        out[j] += weights[i]
    return out


def _period_starts(days: pd.DatetimeIndex, schedule: str) -> NDArray[np.bool_]:
    """True on the first day of each period (the first day itself excluded)."""
    if schedule == "weekly":
        key = np.asarray(days.to_period("W").asi8)
    elif schedule == "monthly":
        key = np.asarray(days.year * 12 + days.month)
    elif schedule == "quarterly":
        key = np.asarray(days.year * 4 + (days.month - 1) // 3)
    elif schedule == "yearly":
        key = np.asarray(days.year)
    else:
        raise InputError("schedule", schedule, "expected weekly, monthly, quarterly or yearly")
    out = np.r_[False, key[1:] != key[:-1]]
    return np.asarray(out, dtype=bool)


def _trueup_days(days: pd.DatetimeIndex, policy: BacktestPolicy) -> NDArray[np.bool_]:
    out = (
        _period_starts(days, policy.trueup)
        if policy.trueup is not None
        else np.zeros(len(days), dtype=bool)
    )
    for when in policy.trueup_dates:
        stamp = pd.Timestamp(when, tz="UTC")
        i = int(days.searchsorted(stamp))
        if 0 < i < len(days):
            out[i] = True
    return out


def hedge_backtest(
    closes: pd.DataFrame,
    targets: Mapping[str, float],
    *,
    funding: pd.Series | Mapping[str, pd.Series | float] | float = 0.0,
    proxies: Mapping[str, str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    initial_usd: float = 100_000.0,
    spot_fee: float = 0.001,
    futures_fee: float = 0.0005,
    contract_values: Mapping[str, float] | None = None,
    progress: Callable[[int, int], None] | None = None,
    policy: BacktestPolicy | None = None,
    lows: pd.DataFrame | None = None,
    highs: pd.DataFrame | None = None,
    funding_sensitivity: Sequence[float] = (),
    funding_sources: Mapping[str, str] | None = None,
) -> BacktestResult:
    """The four strategies side by side on daily closes (see the module notes).

    Args:
        closes: daily closes, USD per coin, one column per asset, tz-aware UTC index;
            NaN before an asset's first price.
        targets: asset -> weight (>= 0, summing to 1).
        funding: daily funding rate (fraction, positive: longs pay) as one series for
            every asset, a mapping asset -> series or constant (missing assets: 0;
            :func:`~inversa.hedging.funding.asset_funding` builds it), or a constant.
        proxies: asset -> the asset that holds its weight before its first price.
        start, end: window (inclusive, UTC days).
        initial_usd: starting value, USD.
        spot_fee, futures_fee: taker fee rates, fractions of the traded USD.
        contract_values: asset -> USD per contract to round legs to; absent: exact.
        progress: called with (days simulated, days to simulate) over all runs.
        policy: the policy options (default :class:`BacktestPolicy`).
        lows, highs: daily lows and highs (same columns) for the margin checks;
            default: the closes.
        funding_sensitivity: funding scales (e.g. ``(0.9, 1.1)``) to rerun the futures
            strategies with; their final values land in ``sensitivity``.
        funding_sources: asset -> where its funding comes from, for the assumptions.
    """
    rules = policy or BacktestPolicy()
    assets = [asset_key("targets", a) for a in targets]
    weights = np.array([float(targets[a]) for a in targets], dtype=float)
    if (weights < 0).any() or abs(weights.sum() - 1) > float(WEIGHT_TOLERANCE):
        raise InputError("targets", dict(targets), "weights must be >= 0 and sum to 1")
    frame = _columns(closes, assets, "closes")
    index = pd.DatetimeIndex(frame.index)
    if index.tz is None:
        raise InputError("closes", "index", "needs a tz-aware UTC index")
    lo = index[0] if start is None else pd.Timestamp(start, tz="UTC")
    hi = index[-1] if end is None else pd.Timestamp(end, tz="UTC")
    frame = frame.loc[(index >= lo) & (index <= hi)]
    if len(frame) < 2:
        raise InputError("start/end", f"{start}..{end}", "the window holds fewer than 2 days")
    for name, rate in (("spot_fee", spot_fee), ("futures_fee", futures_fee)):
        if not 0 <= rate < 1:
            raise InputError(name, f"{rate:g}", "must lie in [0, 1)")
    if initial_usd <= 0:
        raise InputError("initial_usd", f"{initial_usd:g}", "must be > 0")
    days = pd.DatetimeIndex(frame.index)
    raw = frame.to_numpy(dtype=float)
    listed = np.isfinite(raw) & (raw > 0)
    prices = np.where(listed, raw, 1.0)
    low = _extreme(lows, assets, days, prices, np.minimum)
    high = _extreme(highs, assets, days, prices, np.maximum)
    proxy_map = {
        asset_key("proxies", k): asset_key("proxies", v) for k, v in (proxies or {}).items()
    }
    proxy_of = [assets.index(proxy_map[a]) if proxy_map.get(a) in assets else None for a in assets]
    rates = _funding_matrix(funding, assets, days)
    cv = np.array([float((contract_values or {}).get(a, 0.0)) for a in assets], dtype=float)
    checks = _period_starts(days, rules.schedule)
    trueups = _trueup_days(days, rules)
    target_rows = np.zeros_like(prices)
    current = _targets_at(weights, listed[0], proxy_of, assets, days[0].date())
    for t in range(len(days)):
        if t > 0 and (checks[t] or trueups[t]):
            current = _targets_at(weights, listed[t], proxy_of, assets, days[t].date())
        target_rows[t] = current
    market = _Market(
        days, assets, prices, low, high, target_rows, rates, cv, checks, trueups, listed
    )
    costs = _Costs(spot_fee, futures_fee, rules)
    bench = _benchmark(prices, target_rows, initial_usd)
    total_checks = int(checks.sum())
    runs = [(name, 1.0) for name in STRATEGIES]
    runs += [(name, float(s)) for s in funding_sensitivity for name in _FUTURES]
    n_days = len(days)

    def tick_for(k: int) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        report = progress
        return lambda done, _total: report(k * n_days + done, len(runs) * n_days)

    results: dict[str, StrategyResult] = {}
    sensitivity: dict[str, dict[float, float]] = {}
    for k, (name, scale) in enumerate(runs):
        path = _run(name, market, costs, initial_usd, scale, tick_for(k))
        if k < len(STRATEGIES):
            results[name] = _result(name, path, market, bench)
        else:
            sensitivity.setdefault(name, {})[scale] = float(path.value[-1])
    sources = funding_sources or {}
    assumptions = (
        f"window {days[0].date()} .. {days[-1].date()}, {total_checks} {rules.schedule} "
        "checks on the first day of each period at the close",
        rules.describe(),
        f"fees: spot {spot_fee:.4%}, futures {futures_fee:.4%} of the traded USD",
        *(f"funding {a}: {sources[a]}" for a in assets if a in sources),
        *(
            f"{assets[i]} weight held in {assets[j]} until {assets[i]} has a price"
            for i, j in enumerate(proxy_of)
            if j is not None and not listed[0, i]
        ),
    )
    return BacktestResult(
        results,
        pd.DataFrame(target_rows, index=days, columns=assets),
        pd.Series(bench, index=days, name="benchmark"),
        days[np.r_[True, checks[1:]]],
        initial_usd,
        assumptions,
        sensitivity,
        rules,
    )


def _columns(frame: pd.DataFrame, assets: list[str], field: str) -> pd.DataFrame:
    out = frame.rename(columns=lambda c: str(c).upper())
    missing = [a for a in assets if a not in out.columns]
    if missing:
        raise InputError(field, missing[0], f"no price series for {missing[0]}")
    return out[assets].sort_index()


def _extreme(
    given: pd.DataFrame | None,
    assets: list[str],
    days: pd.DatetimeIndex,
    prices: Array,
    pick: Callable[[Array, Array], Array],
) -> Array:
    """Daily lows (or highs) aligned on ``days``; the close where missing."""
    if given is None:
        return prices.copy()
    frame = _columns(given, assets, "lows/highs").reindex(days)
    raw = frame.to_numpy(dtype=float)
    ok = np.isfinite(raw) & (raw > 0)
    return pick(np.where(ok, raw, prices), prices)


def _funding_matrix(
    funding: pd.Series | Mapping[str, pd.Series | float] | float,
    assets: list[str],
    days: pd.DatetimeIndex,
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
        if isinstance(s, int | float):
            out[:, i] = float(s)
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


@dataclass(frozen=True)
class _Market:
    days: pd.DatetimeIndex
    assets: list[str]
    close: Array
    low: Array
    high: Array
    targets: Array
    rates: Array
    cv: Array
    checks: NDArray[np.bool_]
    trueups: NDArray[np.bool_]
    listed: NDArray[np.bool_]


@dataclass(frozen=True)
class _Costs:
    spot_fee: float
    futures_fee: float
    policy: BacktestPolicy

    @property
    def half_spread(self) -> float:
        return float(self.policy.half_spread)


@dataclass
class _Path:
    """A strategy's state (coins, legs) and its daily records."""

    n_days: int
    n_assets: int
    spot: Array = field(init=False)
    notional: Array = field(init=False)  # signed USD of the legs
    exact: Array = field(init=False)  # the unrounded legs they stand for
    entry: Array = field(init=False)
    margin: Array = field(init=False)  # isolated margin, coins (part of spot)
    value: Array = field(init=False)
    exposure: Array = field(init=False)
    legs: Array = field(init=False)
    fees: Array = field(init=False)
    funding: Array = field(init=False)
    spread: Array = field(init=False)
    liquidation: Array = field(init=False)
    ratio: Array = field(init=False)
    min_coins: Array = field(init=False)
    turnover: float = 0.0
    events: list[BookedEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        n, k = self.n_days, self.n_assets
        for name in ("spot", "notional", "exact", "entry", "margin"):
            setattr(self, name, np.zeros(k))
        for name in ("exposure", "legs", "funding"):
            setattr(self, name, np.zeros((n, k)))
        for name in ("value", "fees", "spread", "liquidation", "ratio"):
            setattr(self, name, np.zeros(n))
        self.min_coins = np.full(k, np.inf)

    def delta(self) -> Array:
        """Signed coins the legs stand for: ``N / entry``."""
        out: Array = np.where(self.notional != 0, self.notional / self.entry, 0.0)
        return out

    def upnl(self, price: Array) -> Array:
        side = np.sign(self.notional)
        count = np.where(self.notional != 0, np.abs(self.notional), 1.0)
        usd = np.ones_like(count)  # counts are USD notionals: 1 USD per "contract"
        pnl: Array = np.where(
            self.notional != 0, inverse_pnl(side, count, self.entry, price, usd), 0.0
        )
        return pnl


def _run(
    name: str,
    m: _Market,
    c: _Costs,
    initial: float,
    funding_scale: float,
    progress: Callable[[int, int], None] | None,
) -> _Path:
    n_days, n_assets = m.close.shape
    p = _Path(n_days, n_assets)
    p.spot = m.targets[0] * initial / m.close[0]
    p.entry = m.close[0].copy()
    for t in range(n_days):
        x = m.close[t]
        if t > 0 and name in _FUTURES:
            _settle_funding(p, m, t, funding_scale)
            _check_margin(p, m, c, t)
        if t > 0 and name == "futures_trueup" and m.trueups[t]:
            _close_legs(p, m, c, t)
            _trade_spot(p, m, c, t, 1.0)
        elif t > 0 and m.checks[t] and _drifted(p, m, t, c.policy):
            if name == "spot":
                _trade_spot(p, m, c, t, float(c.policy.fraction))
            elif name in _FUTURES:
                _resize_legs(p, m, c, t)
        if name in _FUTURES:
            _top_up(p, m, c, t)
        if progress is not None and (t % 30 == 29 or t == n_days - 1):
            progress(t + 1, n_days)
        upnl = p.upnl(x)
        p.value[t] = float(((p.spot + upnl) * x).sum())
        p.exposure[t] = (p.spot + p.delta()) * x
        p.legs[t] = p.notional
        p.min_coins = np.minimum(p.min_coins, p.spot)
        if t + 1 < n_days and name in _FUTURES:
            # rounding: the exact legs' delta against the rounded ones, over the next day
            gap = np.where(p.notional != 0, (p.exact - p.notional) / p.entry, 0.0)
            p.spread[t + 1] += float((gap * (m.close[t + 1] - x)).sum())
    return p


def _drifted(p: _Path, m: _Market, t: int, policy: BacktestPolicy) -> bool:
    x = m.close[t]
    value = float(((p.spot + p.upnl(x)) * x).sum())
    if value <= 0:
        return False
    weights = (p.spot + p.delta()) * x / value
    return bool(np.abs(weights - m.targets[t]).max() > float(policy.band))


def _trade_spot(p: _Path, m: _Market, c: _Costs, t: int, share: float) -> None:
    x = m.close[t]
    value = float((p.spot * x).sum())
    trade = share * (m.targets[t] * value - p.spot * x)
    traded = float(np.abs(trade).sum())
    fee = c.spot_fee * traded
    spread = c.half_spread * traded
    after = p.spot + trade / x
    p.spot = after * (value - fee - spread) / value
    p.fees[t] += fee
    p.spread[t] += spread
    p.turnover += traded


def _charge(p: _Path, x: Array, t: int, usd: Array, fee_rate: float, spread_rate: float) -> None:
    """Fees and spread on ``usd`` traded per asset, paid in each asset's coin."""
    fee = fee_rate * usd
    spread = spread_rate * usd
    p.spot = p.spot - (fee + spread) / x
    p.fees[t] += float(fee.sum())
    p.spread[t] += float(spread.sum())
    p.turnover += float(usd.sum())


def _close_legs(p: _Path, m: _Market, c: _Costs, t: int) -> None:
    x = m.close[t]
    p.spot = p.spot + p.upnl(x)
    _charge(p, x, t, np.abs(p.notional), c.futures_fee, c.half_spread)
    p.notional = np.zeros_like(p.notional)
    p.exact = np.zeros_like(p.exact)
    p.margin = np.zeros_like(p.margin)
    p.entry = x.copy()


def _resize_legs(p: _Path, m: _Market, c: _Costs, t: int) -> None:
    x = m.close[t]
    share = float(c.policy.fraction)
    p.spot = p.spot + p.upnl(x)  # realise the legs into their coin wallets
    held = p.notional.copy()
    old_delta = p.delta() * x  # the legs' USD exposure, re-entered at x
    p.entry = x.copy()
    value = float((p.spot * x).sum())
    exposure = p.spot * x + old_delta
    wanted = old_delta + share * (m.targets[t] * value - exposure)
    if c.policy.gross_cap is not None:
        cap = float(c.policy.gross_cap) * value
        gross = float(np.abs(wanted).sum())
        if gross > cap > 0:
            wanted = wanted * cap / gross
    p.exact = wanted.copy()
    if m.cv.any():
        rounded = np.round(wanted / np.where(m.cv > 0, m.cv, 1.0)) * m.cv
        wanted = np.where(m.cv > 0, rounded, wanted)
    wanted = np.where(m.listed[t], wanted, 0.0)
    p.exact = np.where(m.listed[t], p.exact, 0.0)
    _charge(p, x, t, np.abs(wanted - held), c.futures_fee, c.half_spread)
    p.notional = wanted
    p.margin = np.abs(wanted) / x / float(c.policy.leverage)


def _settle_funding(p: _Path, m: _Market, t: int, scale: float) -> None:
    """Funding of day ``t`` on the legs held since the close of day ``t - 1``."""
    if not p.notional.any():
        return
    x = m.close[t]
    side = np.sign(p.notional)
    count = np.where(p.notional != 0, np.abs(p.notional), 1.0)
    flow = np.where(p.notional != 0, funding_payment(side, count, 1.0, x, m.rates[t] * scale), 0.0)
    p.spot = p.spot + flow
    p.funding[t] = -flow * x


def _check_margin(p: _Path, m: _Market, c: _Costs, t: int) -> None:
    """Liquidate the legs whose liquidation price the day's low (long) or high (short)
    reached; record the worst margin ratio of the survivors."""
    mmr = float(c.policy.mmr)
    cross = c.policy.margin_mode == "cross"
    worst = 0.0
    for i in np.flatnonzero(p.notional):
        side = 1.0 if p.notional[i] > 0 else -1.0
        count, entry = abs(float(p.notional[i])), float(p.entry[i])
        collateral = max(float(p.spot[i] if cross else p.margin[i]), 0.0)
        liq = float(generic_prices(side, entry, count, 1.0, collateral, mmr=mmr).liquidation_price)
        extreme = float(m.low[t, i] if side > 0 else m.high[t, i])
        dead = np.isfinite(liq) and (extreme <= liq if side > 0 else extreme >= liq)
        if dead:
            lost = collateral
            p.spot[i] -= lost
            p.liquidation[t] += lost * liq
            p.events.append(
                BookedEvent("liquidation", m.days[t], m.assets[i], lost, lost * liq, liq)
            )
            p.notional[i] = p.exact[i] = p.margin[i] = 0.0
            continue
        equity = collateral + float(inverse_pnl(side, count, entry, extreme, 1.0))
        maintenance = mmr * count / extreme
        worst = max(worst, maintenance / equity if equity > 0 else np.inf)
    p.ratio[t] = worst


def _top_up(p: _Path, m: _Market, c: _Costs, t: int) -> None:
    """Buy the coin a wallet lacks (margin of its leg, or a negative balance) by selling
    the largest other holding: two spot trades, charged as such."""
    x = m.close[t]
    need = np.where(p.notional != 0, p.margin, 0.0)
    if c.policy.margin_mode == "cross":
        need = np.where(p.notional != 0, np.abs(p.notional) / x / float(c.policy.leverage), 0.0)
    for i in np.flatnonzero(p.spot < need - 1e-12):
        coins = float(need[i] - p.spot[i])
        usd = coins * float(x[i])
        others = p.spot * x
        others[i] = -np.inf
        j = int(np.argmax(others))
        cost = usd * (c.spot_fee + c.half_spread)
        if j == i or others[j] < usd + 2 * cost:
            continue  # nothing left to sell: the shortfall stays visible
        p.spot[j] -= (usd + 2 * cost) / x[j]
        p.spot[i] += coins
        p.fees[t] += 2 * usd * c.spot_fee
        p.spread[t] += 2 * usd * c.half_spread
        p.turnover += 2 * usd
        p.events.append(BookedEvent("topup", m.days[t], m.assets[i], coins, usd, float(x[i])))


def _result(name: str, p: _Path, m: _Market, bench: Array) -> StrategyResult:
    days, assets = m.days, m.assets
    w = p.exposure / p.value[:, None]
    dev = np.sqrt(((w - m.targets) ** 2).sum(axis=1))
    returns = p.value[1:] / p.value[:-1] - bench[1:] / bench[:-1]
    futures = name in _FUTURES
    finite = p.ratio[np.isfinite(p.ratio)]
    worst = float(p.ratio.max()) if len(finite) == len(p.ratio) else float("inf")
    return StrategyResult(
        name=name,
        value=pd.Series(p.value, index=days, name=name),
        weights=pd.DataFrame(w, index=days, columns=assets),
        fees=pd.Series(np.cumsum(p.fees), index=days, name="fees"),
        funding=pd.Series(np.cumsum(p.funding.sum(axis=1)), index=days, name="funding"),
        legs=pd.DataFrame(p.legs, index=days, columns=assets) if futures else None,
        turnover_usd=float(p.turnover),
        weight_rmse=float(np.sqrt(np.mean(dev**2))),
        tracking_error=float(np.std(returns, ddof=1) * np.sqrt(DAYS_PER_YEAR)),
        funding_paid_usd=float(p.funding[p.funding > 0].sum()),
        funding_received_usd=float(-p.funding[p.funding < 0].sum()),
        spread=pd.Series(np.cumsum(p.spread), index=days, name="spread"),
        liquidation=pd.Series(np.cumsum(p.liquidation), index=days, name="liquidation"),
        worst_margin_ratio=worst if futures else 0.0,
        events=tuple(p.events),
        min_wallet_coins=dict(zip(assets, (float(v) for v in p.min_coins), strict=True)),
    )
