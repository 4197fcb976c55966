"""Loader for bundled inverse-perpetual funding histories, in one uniform shape, and
:class:`FundingSeries`, the rates with the interval each one covers.

Every frame: tz-aware UTC ``DatetimeIndex`` named ``timestamp``; ``funding_rate`` as a
fraction per funding interval (0.0001 = 0.01 %, positive = longs pay shorts);
``interval_hours`` (float64); then venue-specific extra columns.  All values float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import numpy as np
import pandas as pd

from inversa.data._catalog import bundled_path, resolve
from inversa.data._validate import check_spacing, parse_table, read_text_table, validate_series

__all__ = [
    "DERIBIT_MISSING_HOURS",
    "FUNDING_VENUES",
    "FundingSeries",
    "funding_history",
    "funding_series",
]

FUNDING_VENUES = ("bitmex", "deribit", "bybit", "binance-coinm")

# The Deribit file lacks these two hours (upstream gap): the regular-hourly check allows
# exactly these and no other gap.  Funding accrued in them is not in the data.
DERIBIT_MISSING_HOURS = (
    pd.Timestamp("2020-08-27T06:00:00Z"),
    pd.Timestamp("2020-08-27T07:00:00Z"),
)

_BAR_PRICES = (
    "spot_open",
    "spot_high",
    "spot_low",
    "spot_close",
    "perp_open",
    "perp_high",
    "perp_low",
    "perp_close",
)


def _uniform(frame: pd.DataFrame, rate: str, hours: float | str) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    out["funding_rate"] = frame[rate]
    out["interval_hours"] = np.float64(hours) if isinstance(hours, float) else frame[hours]
    rest = [c for c in frame.columns if c not in (rate, hours)]
    return pd.concat([out, frame[rest]], axis=1)


def _bitmex() -> pd.DataFrame:
    path = bundled_path("funding/bitmex_xbtusd_funding")
    src = str(path)
    frame = parse_table(
        read_text_table(path),
        src,
        time_column="timestamp_utc",
        price_columns=(),
        value_columns=("funding_interval_hours", "funding_rate"),
    )
    validate_series(frame, src)
    # 24-hourly until 2016-06-04, then 8-hourly: each step must equal the row's interval.
    steps = pd.to_timedelta(frame["funding_interval_hours"].to_numpy()[1:], unit="h")
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    check_spacing(pd.DatetimeIndex(frame.index), pd.TimedeltaIndex(steps), src, rows)
    return _uniform(frame, "funding_rate", "funding_interval_hours")


def _deribit() -> pd.DataFrame:
    path = bundled_path("funding/deribit_btc_perpetual_funding_1h")
    src = str(path)
    frame = parse_table(
        read_text_table(path),
        src,
        time_column="timestamp_utc",
        price_columns=("index_price",),
        value_columns=("interest_1h", "interest_8h"),
    )
    validate_series(
        frame,
        src,
        price_columns=("index_price",),
        freq="1h",
        allow_missing=DERIBIT_MISSING_HOURS,
    )
    frame = frame.rename(columns={"interest_8h": "funding_rate_8h"})
    return _uniform(frame, "interest_1h", 1.0)


def _bars_8h(name: str, extra: tuple[str, ...]) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        path = bundled_path(name)
        src = str(path)
        frame = parse_table(
            read_text_table(path),
            src,
            time_column="timestamp_utc",
            price_columns=_BAR_PRICES,
            value_columns=("funding_rate", *extra),
        )
        validate_series(frame, src, price_columns=_BAR_PRICES, freq="8h")
        return _uniform(frame, "funding_rate", 8.0)

    return load


_LOADERS: dict[str, Callable[[], pd.DataFrame]] = {
    "bitmex": _bitmex,
    "deribit": _deribit,
    "bybit": _bars_8h("funding/bybit_btcusd_inverse_perp_8h", ()),
    "binance-coinm": _bars_8h("funding/binance_coinm_btcusd_perp_8h", ("spot_volume_btc",)),
}


@cache
def _funding(venue: str) -> pd.DataFrame:
    return _LOADERS[venue]()


def _normalize(venue: str) -> str:
    return venue.lower().replace("_", "-")


def funding_history(venue: str) -> pd.DataFrame:
    """Funding history of the BTC inverse (coin-margined) perpetual on ``venue``.

    ``venue``: ``"bitmex"``, ``"deribit"``, ``"bybit"`` or ``"binance-coinm"``.  Columns:

    - ``funding_rate``: fraction per funding interval, positive = longs pay shorts;
    - ``interval_hours``: hours of that interval (BitMEX 24 until 2016-06-04T12Z, then 8;
      Deribit 1; Bybit and Binance COIN-M 8);
    - ``bitmex`` XBTUSD, 2016-05-14T12Z .. 2020-11-05T04Z: index = funding time.
    - ``deribit`` BTC-PERPETUAL, 2019-04-30T10Z .. 2021-02-25T11Z: ``funding_rate`` is the
      funding accrued over the hour (``interest_1h``), ``funding_rate_8h`` Deribit's
      8-hour-equivalent rate, ``index_price`` USD per BTC.  Two hours are missing upstream
      (2020-08-27T06Z and T07Z, ``DERIBIT_MISSING_HOURS``): allowed, not filled.
    - ``bybit`` BTCUSD (2018-11-15 .. 2025-04-27T16Z) and ``binance-coinm`` BTCUSD_PERP
      (2020-08-11 .. 2025-04-28): index = 8h bar open; ``perp_open/high/low/close``
      (inverse perp, USD per BTC), ``spot_open/high/low/close`` (USD(T) per BTC), Binance
      also ``spot_volume_btc``.  Caveat: the source does not say whether a row's funding
      settles at the bar's open or close; check before relying on exact timing.
    """
    return _funding(resolve("venue", venue, FUNDING_VENUES, _normalize)).copy()


def check_rates(series: pd.Series, source: str) -> pd.Series:
    """A float series indexed by strictly increasing tz-aware timestamps, all finite.

    Raises :class:`DataError` naming ``source``, the 1-based row and the value.
    """
    from inversa.errors import DataError

    if not isinstance(series, pd.Series):
        raise DataError(source, f"rates must be a pandas Series, not {type(series).__name__}")
    if not isinstance(series.index, pd.DatetimeIndex):
        raise DataError(source, "index must be a DatetimeIndex of UTC timestamps")
    if series.index.tz is None:
        raise DataError(source, "index must be timezone-aware (UTC)")
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.argmax(bad))
        shown = series.iloc[row]
        shown = shown.item() if isinstance(shown, np.generic) else shown
        raise DataError(source, f"value {shown!r} is not a finite number", row + 1)
    stamps = series.index.asi8
    steps = np.diff(stamps)
    if (steps <= 0).any():
        row = int(np.argmax(steps <= 0)) + 1
        what = "duplicate" if steps[row - 1] == 0 else "out of order"
        raise DataError(source, f"timestamp {series.index[row]} is {what}", row + 1)
    index = pd.DatetimeIndex(series.index).tz_convert("UTC").as_unit("ns")
    return pd.Series(values, index=index, name=series.name)


@dataclass(frozen=True, eq=False)
class FundingSeries:
    """A funding history that carries the interval each rate covers.

    An hourly accrual and an 8-hour rate are different numbers for the same market: a
    consumer converts with :meth:`rate_per` instead of guessing.

    Attributes:
        rates: fraction per row interval, positive = longs pay shorts; tz-aware UTC index,
            strictly increasing.  A row stamped ``t`` settles the positions open at ``t``
            (at the mark of the bar that starts at ``t``, in :func:`inversa.engine.run_bars`).
        interval_hours: hours each row's rate covers (aligned with ``rates``; BitMEX 24
            until 2016-06-04T12Z then 8, Deribit 1, Bybit and Binance COIN-M 8).
        venue: where the history comes from (``"bybit"``, ...; ``"custom"`` for user data).
    """

    rates: pd.Series
    interval_hours: pd.Series
    venue: str = "custom"

    def __post_init__(self) -> None:
        from inversa.errors import DataError

        source = f"funding:{self.venue}"
        rates = check_rates(self.rates, source)
        hours = pd.Series(
            pd.to_numeric(self.interval_hours, errors="coerce").to_numpy(dtype=np.float64)
            if isinstance(self.interval_hours, pd.Series)
            else np.full(len(rates), float(self.interval_hours)),
            index=rates.index,
        )
        bad = ~(np.isfinite(hours.to_numpy()) & (hours.to_numpy() > 0))
        if len(hours) != len(rates) or bad.any():
            row = int(np.argmax(bad)) + 1 if bad.any() else len(rates)
            raise DataError(source, "interval_hours must be one finite number > 0 per row", row)
        object.__setattr__(self, "rates", rates)
        object.__setattr__(self, "interval_hours", hours)

    @classmethod
    def constant(
        cls, rates: pd.Series, interval_hours: float, venue: str = "custom"
    ) -> FundingSeries:
        """Rates that all cover ``interval_hours`` hours."""
        return cls(rates, pd.Series(float(interval_hours), index=rates.index), venue)

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.rates.index[0])

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(self.rates.index[-1])

    def covers(self, start: datetime | pd.Timestamp, end: datetime | pd.Timestamp) -> bool:
        """True when rows run from at or before ``start`` to at or after ``end``."""
        if self.rates.empty:
            return False
        return bool(self.start <= pd.Timestamp(start) and self.end >= pd.Timestamp(end))

    def per_hour(self) -> pd.Series:
        """Each row's rate per hour (fraction per hour)."""
        return self.rates / self.interval_hours

    def rate_per(self, hours: float) -> pd.Series:
        """Each row's rate restated per ``hours`` hours (e.g. 8 for an 8-hour rate)."""
        return self.per_hour() * float(hours)


def funding_series(venue: str) -> FundingSeries:
    """:func:`funding_history` of ``venue`` as a :class:`FundingSeries` (rate + interval)."""
    name = resolve("venue", venue, FUNDING_VENUES, _normalize)
    frame = _funding(name)
    return FundingSeries(frame["funding_rate"].copy(), frame["interval_hours"].copy(), name)
