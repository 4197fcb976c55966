"""The four historical crash windows, defined once (UTC, half-open ``[start, end)``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

__all__ = ["CRASH_WINDOWS", "CrashWindow"]


@dataclass(frozen=True, slots=True)
class CrashWindow:
    """A crash window: hourly bars with ``start <= timestamp < end`` (UTC).

    ``btc_low``/``eth_low`` are the lowest hourly mark-price lows inside the window (USDT
    per coin, Binance USD-M mark price, bundled data) and ``btc_low_at`` the hour of the BTC
    low; the data README names the same lows (rounded).
    """

    name: str
    start: pd.Timestamp
    end: pd.Timestamp
    description: str
    btc_low: float
    btc_low_at: pd.Timestamp
    eth_low: float

    @property
    def hours(self) -> int:
        """Number of hourly bars in the window."""
        return int((self.end - self.start) / pd.Timedelta(hours=1))


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_localize("UTC")


def _window(name: str, span: str, description: str, lows: tuple[float, str, float]) -> CrashWindow:
    start, end = span.split(" .. ")
    btc, at, eth = lows
    return CrashWindow(name, _utc(start), _utc(end), description, btc, _utc(at), eth)


CRASH_WINDOWS: Mapping[str, CrashWindow] = MappingProxyType(
    {
        w.name: w
        for w in (
            _window(
                "2020-03",
                "2020-03-11 .. 2020-03-14",
                "COVID crash ('Black Thursday'), lows on 2020-03-12/13",
                (3801.83057975, "2020-03-13T02:00", 87.0929191),
            ),
            _window(
                "2021-05",
                "2021-05-18 .. 2021-05-21",
                "May 2021 sell-off, low on 2021-05-19",
                (29563.37, "2021-05-19T13:00", 1764.25818052),
            ),
            _window(
                "2022-05",
                "2022-05-07 .. 2022-05-13",
                "LUNA/UST collapse, lows on 2022-05-09..12",
                (26730.0665912, "2022-05-12T07:00", 1788.11993017),
            ),
            _window(
                "2022-11",
                "2022-11-07 .. 2022-11-11",
                "FTX collapse, lows on 2022-11-08..10",
                (15542.88310226, "2022-11-09T22:00", 1073.41622613),
            ),
        )
    }
)
