"""Bundled price paths for the hedging layer: lows and highs between two instants.

:func:`price_path` gives, per asset, the bars a leg lives through between the plan and
its unwind: Binance USD-M **hourly mark** highs and lows where they are bundled (BTC, ETH,
2019-2024; the price a venue liquidates on) and the **daily** spot highs and lows
otherwise.  Reads bundled files on call (never at import); frames carry ``low`` and
``high`` in USD per coin, tz-aware UTC index, and a ``source`` name in ``attrs``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from inversa.errors import InputError

__all__ = ["price_path"]


def _utc(when: str | pd.Timestamp, field: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(when)
    except ValueError:
        raise InputError(field, str(when), "expected YYYY-MM-DD") from None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def price_path(
    assets: Iterable[str], start: str | pd.Timestamp, end: str | pd.Timestamp
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
