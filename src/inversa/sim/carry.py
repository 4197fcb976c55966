"""The carry trade on real funding: hold coin, short the perpetual, collect the funding.

The account starts with ``coin`` C coin (worth ``V0 = C * S0`` USD) and shorts perpetuals
worth ``hedge_ratio * V0`` USD.  At each funding time of the venue's bundled history:

1. the bar's worst price for a short (its high) is checked against the margin: at or
   beyond ``maintenance margin >= margin balance`` the short is liquidated at its
   bankruptcy price (the margin behind it is lost: isolated, the posted margin; cross, the
   whole account);
2. funding settles at the bar's price: the short receives ``rate * position value``
   (``contracts.funding_payment``; a negative rate makes it pay);
3. the account is marked at the bar's price; when the hedge ratio (short notional over the
   USD value of the coin it hedges: the whole account for inverse, whose equity is coin;
   the coin held for linear, whose funding and margin are USD cash) leaves
   ``hedge_ratio +- band`` the short is resized to the target,
   paying the taker fee (a **rebalance**); isolated margin is reset to ``value / leverage``
   at each rebalance and topped up to it from the coin held when the margin balance falls
   below ``topup_at`` of it.

Two kinds: ``inverse`` (the venue's coin-margined perpetual; PnL, margin and funding in
coin) and ``linear`` (a USDT perpetual on the bundled Binance/Bybit USDT funding; PnL,
margin and funding in USD; coin converted to USDT margin at ``spot_fee_rate``).  Margin
mode ``cross`` backs the short with all the coin (inverse: the coin is the collateral; linear:
coin as cross collateral, "unified account" style); ``isolated`` posts ``value /
leverage`` of margin and keeps the rest as coin.

Prices (said in :attr:`CarryResult.price_note`): Bybit and Binance COIN-M use the bundled
inverse perpetual 8 h bars (close; high for the liquidation check); Deribit its hourly
index price (no high: the check uses the same price); BitMEX has no prices in its file and
uses the bundled Coinbase daily close of the previous UTC day (high: the day's high);
the linear runs use Binance USD-M hourly mark prices (close at the funding time; high: the
highest hourly high since the previous funding).  Deribit's series is the funding accrued
over each hour (``interest_1h``), paid hourly here, not an 8-hour rate.

Simulation in float64 (units: USD per coin; coin; USD); yields are annualised on a 365-day
year: simple ``(V_T/V0 - 1) / years`` and compounded ``(V_T/V0)**(1/years) - 1``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from inversa.contracts import funding_payment, harmonic_entry, inverse_pnl, linear_pnl
from inversa.contracts._num import Array
from inversa.errors import InputError

__all__ = [
    "CARRY_VENUES",
    "CarryConfig",
    "CarryInputs",
    "CarryResult",
    "FundingStats",
    "carry_backtest",
    "carry_inputs",
    "covers",
    "funding_stats",
]

#: Inverse venues with a bundled funding history, then the linear USDT comparisons.
CARRY_VENUES = ("bitmex", "bybit", "binance-coinm", "deribit", "binance-usdt", "bybit-usdt")

_INVERSE_SYMBOL = "BTC/USD:BTC"
_ASSUMED_TAKER = 0.0005
_ASSUMED_MMR = 0.005
_LINEAR_LOT = 0.001  # BTC per contract of the USDT perpetuals (Binance, Bybit)


@dataclass(frozen=True)
class CarryInputs:
    """One venue's history aligned at its funding times.

    ``price`` is the mark used for funding, valuation and trades; ``worst`` the highest
    price seen since the previous row (the short's liquidation check); ``rate`` the funding
    rate per row (fraction of position value, positive: longs pay shorts);
    ``interval_hours`` the hours each row covers; ``taker_rate`` and ``mmr`` the taker fee
    and maintenance rate (fractions of position value).
    """

    venue: str
    kind: Literal["inverse", "linear"]
    times: pd.DatetimeIndex
    price: Array
    worst: Array
    rate: Array
    interval_hours: Array
    contract_value: float
    taker_rate: float
    mmr: float
    price_note: str
    funding_note: str
    assumptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class CarryConfig:
    """The strategy.

    Attributes:
        coin: coin held at the start (C > 0).
        hedge_ratio: short notional / account USD value targeted (0 < h <= 3).
        band: rebalance when the ratio leaves ``hedge_ratio +- band`` (>= 0).
        margin_mode: ``cross`` or ``isolated``.
        leverage: isolated only: margin posted = position value / leverage (>= 1).
        topup_at: isolated only: top the margin back up to ``value / leverage`` when the
            margin balance falls below this fraction of it (in (0, 1)).
        spot_fee_rate: fee rate on coin<->USDT conversions (linear isolated margin).
        start, end: optional UTC bounds (inclusive); the history must cover them.
        taker_rate, mmr: override the venue's taker fee and maintenance rate (fractions).
    """

    coin: float = 1.0
    hedge_ratio: float = 1.0
    band: float = 0.05
    margin_mode: Literal["cross", "isolated"] = "cross"
    leverage: float = 1.0
    topup_at: float = 0.5
    spot_fee_rate: float = 0.001
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    taker_rate: float | None = None
    mmr: float | None = None

    def __post_init__(self) -> None:
        if not (np.isfinite(self.coin) and self.coin > 0):
            raise InputError("coin", self.coin, "must be a finite number > 0")
        if not (0 < self.hedge_ratio <= 3):
            raise InputError("hedge-ratio", self.hedge_ratio, "must lie in (0, 3]")
        if not (0 <= self.band < self.hedge_ratio):
            raise InputError("band", self.band, "must lie in [0, hedge-ratio)")
        if self.margin_mode not in ("cross", "isolated"):
            raise InputError("margin", self.margin_mode, "must be 'cross' or 'isolated'")
        if not (np.isfinite(self.leverage) and self.leverage >= 1):
            raise InputError("leverage", self.leverage, "must be a finite number >= 1")
        if not (0 < self.topup_at < 1):
            raise InputError("topup-at", self.topup_at, "must lie in (0, 1)")
        for name, value in (("spot-fee", self.spot_fee_rate), ("taker", self.taker_rate)):
            if value is not None and not (0 <= value < 0.1):
                raise InputError(name, value, "must lie in [0, 0.1)")
        if self.mmr is not None and not (0 <= self.mmr < 1):
            raise InputError("mmr", self.mmr, "must lie in [0, 1)")


@dataclass(frozen=True)
class FundingStats:
    """Distribution of the funding rate, each row annualised (``rate * 24/hours * 365``).

    The ``_annualised_rate`` fields are fractions a year (0.1 = 10 %): mean, median,
    standard deviation and percentiles over the rows.  ``share_negative`` is the fraction
    of rows with a negative rate.  ``longest_negative_hours`` is the longest stretch of
    consecutive negative rows, in hours, from ``longest_negative_start`` to
    ``longest_negative_end`` (the end of its last interval).
    """

    rows: int
    mean_annualised_rate: float
    median_annualised_rate: float
    std_annualised_rate: float
    p05_annualised_rate: float
    p25_annualised_rate: float
    p75_annualised_rate: float
    p95_annualised_rate: float
    share_negative: float
    longest_negative_hours: float
    longest_negative_start: pd.Timestamp | None
    longest_negative_end: pd.Timestamp | None


@dataclass(frozen=True)
class CarryResult:
    """What the carry trade did on one venue.

    Every amount is USD (``_usd``), whatever the kind: inverse runs are converted at the
    bar's price.  Yields are annualised fractions (``_rate``, 0.05 = 5 % a year).

    Attributes:
        venue, kind: the venue and ``"inverse"`` or ``"linear"``.
        margin_mode: ``"cross"`` or ``"isolated"``.
        price_note, funding_note, assumptions: where the prices and the funding come
            from, and the terms assumed for want of a rule set.
        start, end: the first and last funding times of the run (UTC); ``years`` between.
        start_value_usd, end_value_usd: the account's value at the start and the end.
        pnl_usd: ``end_value_usd - start_value_usd``.
        yield_simple_rate: ``(end/start - 1) / years``.
        yield_compounded_rate: ``(end/start) ** (1 / years) - 1``.
        funding_received_usd: funding received by the short (negative: paid), at each
            settlement's price.
        fees_usd: taker fees and coin<->USDT conversion fees.
        rebalances, topups, liquidations: counts.
        liquidation_loss_usd: what liquidations took from the account (isolated: the
            posted margin; cross: the whole account), valued at the bar's worst price.
        max_drawdown: the largest fall of the account's USD value from a peak, a fraction
            of the peak; from ``drawdown_peak`` to ``drawdown_trough``.
        margin_used_mean, margin_used_max: margin balance behind the short (cross: the
            whole account) / account USD value, a ratio.
        max_margin_ratio: the highest maintenance margin / margin balance, at
            ``max_margin_ratio_at`` (>= 1 means liquidation).
        funding: the distribution of the funding rate over the run.
        times: the funding times; per time ``equity_usd`` (account value), ``hedge_ratio``
            and ``margin_ratio``; ``funding_annualised_rate`` (one fewer: the rates settled
            after the first row, ``rate * 24 / hours * 365``).
    """

    venue: str
    kind: str
    margin_mode: str
    price_note: str
    funding_note: str
    assumptions: tuple[str, ...]
    start: pd.Timestamp
    end: pd.Timestamp
    years: float
    start_value_usd: float
    end_value_usd: float
    pnl_usd: float
    yield_simple_rate: float
    yield_compounded_rate: float
    funding_received_usd: float
    fees_usd: float
    rebalances: int
    topups: int
    liquidations: int
    liquidation_loss_usd: float
    max_drawdown: float
    drawdown_peak: pd.Timestamp
    drawdown_trough: pd.Timestamp
    margin_used_mean: float
    margin_used_max: float
    max_margin_ratio: float
    max_margin_ratio_at: pd.Timestamp
    funding: FundingStats
    times: pd.DatetimeIndex = field(repr=False)
    equity_usd: Array = field(repr=False)
    hedge_ratio: Array = field(repr=False)
    margin_ratio: Array = field(repr=False)
    funding_annualised_rate: Array = field(repr=False)


def _short_pnl(linear: bool, size: float, entry: float, price: float) -> float:
    """PnL of a short of ``size`` (inverse: USD notional, in coin; linear: coin, in USD)."""
    if linear:
        return float(linear_pnl(-1, size, entry, price, 1.0))
    return float(inverse_pnl(-1, size, entry, price, 1.0))


def _venue_terms(venue: str) -> tuple[float, float | None, float | None]:
    """(USD per contract, taker or None, maintenance rate at 1 BTC or None) from the rules."""
    from decimal import Decimal

    from inversa.venues import resolve

    _, inst = resolve(_INVERSE_SYMBOL, venue)
    taker = None if inst.taker is None else float(inst.taker)
    mmr = None
    if inst.margin is not None:
        mmr = float(inst.margin.maintenance_rate_and_cum(Decimal(1))[0])
    return float(inst.contract_value), taker, mmr


def _bars_inputs(venue: str) -> tuple[pd.DatetimeIndex, Array, Array, Array, Array, str]:
    from inversa.data import funding_history, spot_daily

    frame = funding_history(venue)
    times = pd.DatetimeIndex(frame.index)
    rate = frame["funding_rate"].to_numpy(np.float64)
    hours = frame["interval_hours"].to_numpy(np.float64)
    if venue in ("bybit", "binance-coinm"):
        note = (
            f"{venue} inverse perpetual 8 h bars bundled with the funding (close; high for "
            "the liquidation check); funding applied at each bar"
        )
        return (
            times,
            frame["perp_close"].to_numpy(np.float64),
            frame["perp_high"].to_numpy(np.float64),
            rate,
            hours,
            note,
        )
    if venue == "deribit":
        price = frame["index_price"].to_numpy(np.float64)
        note = "Deribit hourly index price from the funding file (no high: checked at the index)"
        return times, price, price.copy(), rate, hours, note
    daily = spot_daily("BTC")
    days = times.normalize()
    prev = daily["close"].reindex(days - pd.Timedelta(days=1)).to_numpy(np.float64)
    high = daily["high"].reindex(days).to_numpy(np.float64)
    if np.isnan(prev).any() or np.isnan(high).any():  # pragma: no cover - bundled data cover
        raise InputError("venue", venue, "the bundled Coinbase daily series does not cover it")
    note = (
        "BitMEX's funding file has no prices: bundled Coinbase BTC/USD daily close of the "
        "previous UTC day at each funding time, the day's high for the liquidation check"
    )
    return times, prev, np.maximum(high, prev), rate, hours, note


def _linear_inputs(exchange: str) -> tuple[pd.DatetimeIndex, Array, Array, Array, Array, str]:
    from inversa.data import mark_hourly, usdt_funding

    frame = usdt_funding(exchange, "BTCUSDT")
    marks = mark_hourly("BTC")
    times = pd.DatetimeIndex(frame.index)
    # The hourly bar opening at the funding time starts at that price: use its open;
    # the worst price is the highest high of the bars since the previous funding.
    price = marks["open"].reindex(times).to_numpy(np.float64)
    highs = marks["high"].rolling("8h").max().shift(1).reindex(times).to_numpy(np.float64)
    if np.isnan(price).any():  # pragma: no cover - mark prices cover the funding file
        raise InputError("venue", f"{exchange}-usdt", "mark prices do not cover the funding")
    highs = np.where(np.isnan(highs), price, np.maximum(highs, price))
    note = (
        "Binance USD-M BTCUSDT hourly mark price (open at each funding time; highest hourly "
        "high since the previous funding for the liquidation check)"
    )
    return (
        times,
        price,
        highs,
        frame["funding_rate"].to_numpy(np.float64),
        np.full(len(frame), 8.0),  # rates per 8 h
        note,
    )


def carry_inputs(venue: str) -> CarryInputs:
    """The bundled history of ``venue`` (one of :data:`CARRY_VENUES`) aligned for the run."""
    name = venue.strip().lower()
    if name not in CARRY_VENUES:
        raise InputError("venue", venue, f"unknown; known: {', '.join(CARRY_VENUES)}")
    assumptions: list[str] = []
    if name.endswith("-usdt"):
        exchange = name.removesuffix("-usdt")
        times, price, worst, rate, hours, note = _linear_inputs(exchange)
        kind: Literal["inverse", "linear"] = "linear"
        cv, taker, mmr = _LINEAR_LOT, None, None
        funding_note = f"{exchange} BTCUSDT linear perpetual funding per 8 h (bundled)"
    else:
        times, price, worst, rate, hours, note = _bars_inputs(name)
        kind = "inverse"
        cv, taker, mmr = _venue_terms(name)
        funding_note = (
            "Deribit funding accrued over each hour (interest_1h), paid hourly; not an 8 h rate"
            if name == "deribit"
            else f"{name} BTC inverse perpetual funding per interval (bundled)"
        )
    if taker is None:
        taker = _ASSUMED_TAKER
        assumptions.append(f"taker fee not in the rule set: assumed {_ASSUMED_TAKER:.4%}")
    if mmr is None:
        mmr = _ASSUMED_MMR
        assumptions.append(f"maintenance rate not in the rule set: assumed {_ASSUMED_MMR:.2%}")
    return CarryInputs(
        name, kind, times, price, worst, rate, hours, cv, taker, mmr, note, funding_note,
        tuple(assumptions),
    )  # fmt: skip


def funding_stats(times: pd.DatetimeIndex, rate: Array, hours: Array) -> FundingStats:
    """Distribution of annualised funding and the longest run of negative funding."""
    if len(rate) == 0:
        raise InputError("funding", "[]", "no funding rows in the period")
    annual = rate * 24.0 / hours * 365.0
    best_hours = 0.0
    best: tuple[pd.Timestamp | None, pd.Timestamp | None] = (None, None)
    run_start: int | None = None
    for i in range(len(rate) + 1):
        negative = i < len(rate) and rate[i] < 0
        if negative and run_start is None:
            run_start = i
        elif not negative and run_start is not None:
            last = i - 1
            end = times[last] + pd.Timedelta(hours=float(hours[last]))
            span = (end - times[run_start]).total_seconds() / 3600.0
            if span > best_hours:
                best_hours, best = span, (times[run_start], end)
            run_start = None
    q = np.percentile(annual, [5, 25, 50, 75, 95])
    return FundingStats(
        rows=len(rate),
        mean_annualised_rate=float(annual.mean()),
        median_annualised_rate=float(q[2]),
        std_annualised_rate=float(annual.std()),
        p05_annualised_rate=float(q[0]),
        p25_annualised_rate=float(q[1]),
        p75_annualised_rate=float(q[3]),
        p95_annualised_rate=float(q[4]),
        share_negative=float((rate < 0).mean()),
        longest_negative_hours=best_hours,
        longest_negative_start=best[0],
        longest_negative_end=best[1],
    )


def covers(inputs: CarryInputs, config: CarryConfig) -> bool:
    """Whether the history spans ``config.start`` .. ``config.end`` (each if given)."""
    first, last = inputs.times[0], inputs.times[-1]
    ok_start = config.start is None or first <= config.start <= last
    ok_end = config.end is None or first <= config.end <= last
    return ok_start and ok_end


def _window(inputs: CarryInputs, config: CarryConfig) -> slice:
    times = inputs.times
    first, last = times[0], times[-1]
    for name, when in (("start", config.start), ("end", config.end)):
        if when is not None and not first <= when <= last:
            raise InputError(
                name,
                when.isoformat(),
                f"{inputs.venue} funding history covers {first:%Y-%m-%d %H:%M} .. "
                f"{last:%Y-%m-%d %H:%M} UTC",
            )
    lo = 0 if config.start is None else int(times.searchsorted(config.start, side="left"))
    hi = len(times) if config.end is None else int(times.searchsorted(config.end, side="right"))
    if hi - lo < 2:
        raise InputError("end", str(config.end), "the period holds fewer than two funding rows")
    return slice(lo, hi)


def carry_backtest(inputs: CarryInputs, config: CarryConfig | None = None) -> CarryResult:
    """Run the carry trade of ``config`` over ``inputs`` (see the module notes)."""
    cfg = config or CarryConfig()
    part = _window(inputs, cfg)
    times = inputs.times[part]
    price = inputs.price[part]
    worst = inputs.worst[part]
    rate = inputs.rate[part]
    hours = inputs.interval_hours[part]
    taker = inputs.taker_rate if cfg.taker_rate is None else cfg.taker_rate
    mmr = inputs.mmr if cfg.mmr is None else cfg.mmr
    linear = inputs.kind == "linear"
    cv = inputs.contract_value
    isolated = cfg.margin_mode == "isolated"
    n = len(times)

    # State.  ``size``: short size (inverse: USD notional; linear: coin); ``entry``: its
    # average entry; ``margin``: settlement-currency balance behind the short (inverse:
    # coin, linear: USD); ``coin``: coin held besides it (cross: collateral too).
    size = entry = margin = 0.0
    coin = cfg.coin
    fees = funding_usd = liq_loss = 0.0
    rebalances = topups = liquidations = 0
    equity = np.empty(n)
    ratio_path = np.empty(n)
    mratio_path = np.zeros(n)
    used = np.zeros(n)

    def upnl(s: float) -> float:
        if size == 0:
            return 0.0
        return _short_pnl(linear, size, entry, s)

    def value(s: float) -> float:  # position value in the settlement currency
        return size / s if not linear else size * s

    def balance(s: float) -> float:  # margin balance backing the short, settlement ccy
        collateral = (coin if not linear else coin * s) if not isolated else 0.0
        return margin + upnl(s) + collateral

    def total_usd(s: float) -> float:
        settle = margin + upnl(s)
        return coin * s + (settle * s if not linear else settle)

    def hedged(s: float) -> float:
        """USD value of what the short hedges: all the account's coin for an inverse
        account (its equity is coin), the coin held for a linear one (USD cash is not)."""
        return total_usd(s) if not linear else coin * s

    def hedge_ratio(s: float) -> float:
        base = hedged(s)
        notional = size if not linear else size * s
        return notional / base if base > 0 else 0.0

    def to_usd(x: float, s: float) -> float:
        return x * s if not linear else x

    def set_isolated_margin(s: float) -> None:
        nonlocal margin, coin, fees
        want = value(s) / cfg.leverage - upnl(s)  # margin balance = value / leverage
        move = want - margin  # settlement currency into the margin (negative: out)
        if linear:
            coins = move / s
            coins = min(coins, coin)
            cost = abs(coins) * s * cfg.spot_fee_rate
            coin -= coins
            margin += coins * s - cost
            fees += cost
        else:
            move = min(move, coin)
            coin -= move
            margin += move

    def trade_to(target: float, s: float) -> None:
        nonlocal size, entry, margin, fees
        lot = cv
        new = round(target / lot) * lot
        delta = new - size
        if delta == 0:
            return
        traded = abs(delta)
        fee = taker * (traded / s if not linear else traded * s)
        if size and delta < 0:  # buying back part of the short realises its PnL
            margin += _short_pnl(linear, traded, entry, s)
        elif delta > 0:
            if not size:
                entry = s
            elif linear:
                entry = (size * entry + delta * s) / new
            else:
                entry = float(harmonic_entry([size, delta], [entry, s]))
        size = new
        margin -= fee
        fees += to_usd(fee, s)
        if size == 0:
            entry = 0.0

    s0 = price[0]
    start_value = cfg.coin * s0
    if not isolated and not linear:
        margin, coin = cfg.coin, 0.0  # the coin is the account's wallet
    trade_to(cfg.hedge_ratio * start_value if not linear else cfg.hedge_ratio * cfg.coin, s0)
    rebalances = 0  # the opening trade is not a rebalance
    if isolated:
        set_isolated_margin(s0)

    for i in range(n):
        s, hi = price[i], worst[i]
        if i > 0 and size > 0:
            eq = balance(hi)
            if eq <= mmr * value(hi):  # liquidated at the bankruptcy price
                # What leaves the account: the margin behind the short (cross: all of it).
                lost = to_usd(margin, hi) + (0.0 if isolated else coin * hi)
                liq_loss += lost
                liquidations += 1
                if isolated:
                    margin = 0.0
                else:
                    margin, coin = 0.0, 0.0
                size = entry = 0.0
        if i > 0 and size > 0:
            # Inverse: size is USD notional (1 USD "contracts"); linear: coin (price in USD).
            unit, mark = (1.0, s) if not linear else (s, 1.0)
            pay = float(funding_payment(-1, size, unit, mark, rate[i]))
            margin += pay
            funding_usd += to_usd(pay, s)
        equity[i] = total_usd(s)
        ratio = hedge_ratio(s)
        if hedged(s) > 0 and abs(ratio - cfg.hedge_ratio) > cfg.band:
            target = cfg.hedge_ratio * hedged(s)
            trade_to(target if not linear else target / s, s)
            rebalances += 1
            if isolated:
                set_isolated_margin(s)
            equity[i] = total_usd(s)
            ratio = hedge_ratio(s)
        if isolated and size > 0:
            eq = balance(s)
            if eq < cfg.topup_at * value(s) / cfg.leverage:
                set_isolated_margin(s)
                topups += 1
        ratio_path[i] = ratio
        if size > 0:
            eq_w = balance(hi if i > 0 else s)
            mratio_path[i] = mmr * value(hi) / eq_w if eq_w > 0 else np.inf
            used[i] = to_usd(max(balance(s), 0.0), s) / equity[i] if equity[i] > 0 else 1.0
    end_value = equity[-1]
    years = (times[-1] - times[0]).total_seconds() / (365 * 86400)
    growth = end_value / start_value
    peak = np.maximum.accumulate(equity)
    dd = 1 - equity / peak
    trough = int(np.argmax(dd))
    peak_at = int(np.argmax(equity[: trough + 1]))
    worst_i = int(np.argmax(mratio_path))
    return CarryResult(
        venue=inputs.venue,
        kind=inputs.kind,
        margin_mode=cfg.margin_mode,
        price_note=inputs.price_note,
        funding_note=inputs.funding_note,
        assumptions=inputs.assumptions,
        start=times[0],
        end=times[-1],
        years=years,
        start_value_usd=start_value,
        end_value_usd=end_value,
        pnl_usd=end_value - start_value,
        yield_simple_rate=(growth - 1) / years,
        yield_compounded_rate=growth ** (1 / years) - 1 if growth > 0 else -1.0,
        funding_received_usd=funding_usd,
        fees_usd=fees,
        rebalances=rebalances,
        topups=topups,
        liquidations=liquidations,
        liquidation_loss_usd=liq_loss,
        max_drawdown=float(dd[trough]),
        drawdown_peak=times[peak_at],
        drawdown_trough=times[trough],
        margin_used_mean=float(np.mean(used)),
        margin_used_max=float(np.max(used)),
        max_margin_ratio=float(mratio_path[worst_i]),
        max_margin_ratio_at=times[worst_i],
        funding=funding_stats(times[1:], rate[1:], hours[1:]),
        times=times,
        equity_usd=equity,
        hedge_ratio=ratio_path,
        margin_ratio=mratio_path,
        funding_annualised_rate=rate[1:] * 24.0 / hours[1:] * 365.0,
    )
