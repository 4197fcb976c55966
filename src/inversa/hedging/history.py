"""Bundled price paths for the hedging layer: lows and highs between two instants.

:func:`price_path` gives, per asset, the bars a leg lives through between the plan and
its unwind: Binance USD-M **hourly mark** highs and lows where they are bundled (BTC, ETH,
2019-2024; the price a venue liquidates on) and the **daily** spot highs and lows
otherwise.  Reads bundled files on call (never at import); frames carry ``low`` and
``high`` in USD per coin, tz-aware UTC index, and a ``source`` name in ``attrs``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pandas as pd

from inversa.errors import DataError, InputError
from inversa.hedging.backtest import daily_funding_rate
from inversa.hedging.carry import FundingEstimate, mean_daily_funding
from inversa.hedging.funding import FORMULA_DAILY_RATE, FUNDING_PROXIES, AssetFunding, asset_funding
from inversa.hedging.instruments import venue_of
from inversa.hedging.planner import HedgePlan

__all__ = [
    "BacktestHistory",
    "backtest_history",
    "inverse_funding_histories",
    "leg_funding_estimates",
    "price_path",
]


def _utc(when: str | datetime | pd.Timestamp, field: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(when)
    except ValueError:
        raise InputError(field, str(when), "expected YYYY-MM-DD") from None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def price_path(
    assets: Iterable[str], start: str | datetime | pd.Timestamp, end: str | datetime | pd.Timestamp
) -> dict[str, pd.DataFrame]:
    """Each asset's ``low``/``high`` bars after ``start`` up to the end of ``end``'s day.

    ``start`` is the plan's instant (a day means its close, so bars start the next day),
    ``end`` the unwind's day (its bar included).  Hourly marks when bundled and covering
    the window, daily spot bars otherwise; an asset with neither is left out.
    """
    from inversa.data import MARK_ASSETS, SPOT_ASSETS, mark_hourly, spot_daily

    lo = _utc(start, "date")
    hi = _utc(end, "later_date")
    if hi <= lo:
        raise InputError("later_date", str(end), f"must be after {lo.date()}")
    day_end = hi.normalize() + pd.Timedelta(days=1)
    out: dict[str, pd.DataFrame] = {}
    for asset in assets:
        key = asset.upper()
        frame: pd.DataFrame | None = None
        source = ""
        if key in MARK_ASSETS:
            hourly = mark_hourly(key)
            index = pd.DatetimeIndex(hourly.index)
            if len(index) and index[0] <= lo + pd.Timedelta(days=1) and index[-1] >= hi:
                start_bar = lo.normalize() + pd.Timedelta(days=1)
                frame = hourly.loc[(index >= start_bar) & (index < day_end), ["low", "high"]]
                source = f"Binance USD-M {key}USDT hourly mark"
        if frame is None and key in SPOT_ASSETS:
            daily = spot_daily(key)
            index = pd.DatetimeIndex(daily.index)
            frame = daily.loc[(index > lo.normalize()) & (index <= hi), ["low", "high"]]
            source = f"{key} daily spot"
        if frame is None:
            continue
        frame = frame.copy()
        frame.attrs["source"] = source
        out[key] = frame
    return out


@dataclass(frozen=True)
class BacktestHistory:
    """Bundled daily closes, lows, highs and per-asset funding for a backtest."""

    closes: pd.DataFrame
    lows: pd.DataFrame
    highs: pd.DataFrame
    funding: AssetFunding


def _usdt_history(exchange: str, asset: str) -> pd.DataFrame | None:
    """``asset``'s bundled USDT-perpetual funding on ``exchange`` (``funding_rate`` and
    ``interval_hours``), ``None`` when none is bundled (only BTC and ETH are)."""
    from inversa.data import USDT_FUNDING, usdt_funding

    if (exchange.lower(), f"{asset.upper()}USDT") not in USDT_FUNDING:
        return None
    frame = usdt_funding(exchange, f"{asset.upper()}USDT")
    if "interval_hours" not in frame.columns:
        frame = frame.assign(interval_hours=8.0)
    return frame


def backtest_history(
    assets: Iterable[str],
    *,
    funding_venue: str = "bybit",
    funding_proxy: str = "linear",
    linear_exchange: str = "binance",
) -> BacktestHistory:
    """Daily closes/lows/highs of ``assets`` and each asset's funding.

    BTC's funding is ``funding_venue``'s bundled inverse history; the other assets use
    ``funding_proxy`` (:func:`~inversa.hedging.funding.asset_funding`); ``linear`` reads
    ``linear_exchange``'s bundled USDT-perpetual funding (:func:`inversa.data.usdt_funding`:
    BTC, ETH).
    """
    from inversa.data import funding_history, spot_daily

    names = [a.upper() for a in assets]
    frames = {a: spot_daily(a) for a in names}
    pick = {c: pd.DataFrame({a: f[c] for a, f in frames.items()}) for c in ("close", "low", "high")}
    inverse = {"BTC": daily_funding_rate(funding_history(funding_venue))}
    linear: dict[str, pd.Series] = {}
    if funding_proxy.lower() == "linear":
        for asset in names:
            history = _usdt_history(linear_exchange, asset)
            if history is not None:
                linear[asset] = daily_funding_rate(history)
    funding = asset_funding(
        names,
        inverse=inverse,
        proxy=funding_proxy,
        linear=linear,
        inverse_label=f"{funding_venue} inverse perpetual",
        linear_label=f"{linear_exchange} USDT perpetual",
    )
    return BacktestHistory(pick["close"], pick["low"], pick["high"], funding)


def inverse_funding_histories(asset: str) -> dict[str, pd.DataFrame]:
    """venue -> the bundled inverse-perpetual funding history of ``asset`` (BTC only
    today: BitMEX, Deribit, Bybit, Binance COIN-M); empty for other assets."""
    from inversa.data import FUNDING_VENUES, funding_history

    if asset.upper() != "BTC":
        return {}
    return {venue: funding_history(venue) for venue in FUNDING_VENUES}


def leg_funding_estimates(
    plan: HedgePlan,
    *,
    days: int,
    end: str | datetime | pd.Timestamp | None = None,
    venue: str | None = None,
    proxy: str = "linear",
    linear_exchange: str = "binance",
) -> tuple[dict[str, FundingEstimate], list[str]]:
    """Each leg's expected funding from real bundled histories, and notes.

    A BTC leg uses its venue's inverse history when bundled (else ``venue``, else
    bybit); other assets use ``proxy``: ``linear`` (their own USDT perpetual on
    ``linear_exchange``, BTC's inverse rate when none is bundled), ``BTC``, ``zero`` or
    ``formula``.  Each rate is the mean over the ``days`` days to ``end`` (the history's
    last ``days`` days when it stops earlier, said in a note).
    """
    from inversa.data import FUNDING_VENUES, funding_history

    choice = next((p for p in FUNDING_PROXIES if p.lower() == proxy.lower()), None)
    if choice is None:
        raise InputError("funding_proxy", proxy, f"expected one of {', '.join(FUNDING_PROXIES)}")
    stop = None if end is None else _utc(end, "date")
    notes: list[str] = []

    def mean(history: pd.DataFrame, label: str) -> FundingEstimate:
        try:
            est = mean_daily_funding(history, days, stop, label)
        except DataError:
            est = mean_daily_funding(history, days, None, label)
            notes.append(f"{label}: no history to {stop:%Y-%m-%d}; its last {days} days used")
        window = f"{est.start:%Y-%m-%d}..{est.end:%Y-%m-%d}"
        return FundingEstimate(
            est.daily_rate,
            f"{label}, mean daily rate over {days} days {window} ({est.rows} rates)",
            est.start,
            est.end,
            est.rows,
            est.assumed,
        )

    out: dict[str, FundingEstimate] = {}
    for asset, leg in plan.legs.items():
        leg_venue = venue_of(leg.instrument)
        name = venue or (leg_venue if leg_venue in FUNDING_VENUES else "bybit")
        btc_label = f"{name} BTC inverse perpetual"
        if asset == "BTC":
            out[asset] = mean(funding_history(name), btc_label)
        elif choice == "zero":
            out[asset] = FundingEstimate(Decimal(0), "zero (proxy)", assumed=True)
        elif choice == "formula":
            rate = Decimal(repr(FORMULA_DAILY_RATE))
            out[asset] = FundingEstimate(rate, "formula: 0.01 % per 8 h (proxy)", assumed=True)
        else:
            history = _usdt_history(linear_exchange, asset) if choice == "linear" else None
            if history is not None:
                label = f"{linear_exchange} {asset} USDT perpetual (proxy)"
                out[asset] = mean(history, label).borrowed("own USDT perpetual")
            else:
                est = mean(funding_history(name), btc_label)
                out[asset] = est.borrowed(f"BTC rate assumed for {asset}")
    return out, notes
