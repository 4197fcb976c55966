"""Loaders for bundled prices: daily spot, hourly mark price, crash windows.

Nothing is read at import time; each file is read and validated once on first use
(cached) and every call returns a fresh copy.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from inversa.data._catalog import bundled_path, resolve
from inversa.data._validate import (
    OHLC,
    TimeLike,
    parse_table,
    read_text_table,
    to_utc,
    validate_series,
)
from inversa.data._windows import CRASH_WINDOWS
from inversa.errors import InputError

__all__ = ["DEFI_ASSETS", "MARK_ASSETS", "SPOT_ASSETS", "crash_window", "mark_hourly", "spot_daily"]

DEFI_ASSETS = ("AAVE", "COMP", "CRV", "LINK", "MKR", "SNX", "SUSHI", "YFI")
SPOT_ASSETS = ("BTC", "ETH", *DEFI_ASSETS)
MARK_ASSETS = ("BTC", "ETH")

_SPOT_FILES = {
    "BTC": ("spot_daily/btc_usd_daily_bitstamp_coinbase", "volume_btc"),
    "ETH": ("spot_daily/eth_usd_daily_yahoo", "volume_usd"),
}
_DEFI_OLD = "defi_daily/defi_usd_daily_yahoo_to_2022-02"
_DEFI_NEW = "defi_daily/defi_usd_daily_yahoo_to_2025-02"
# Known Yahoo artefacts dropped before use (PROVENANCE.md): (symbol, date).
DEFI_ARTEFACTS = frozenset({("AAVE", "2020-10-02")})
_SPOT_HOURLY = "hourly/crash_windows_binance_spot_1h_2020-03_2021-05"


def _daily_file(name: str, volume: str) -> pd.DataFrame:
    path = bundled_path(name)
    text = read_text_table(path)
    frame = parse_table(
        text, str(path), time_column="date", price_columns=OHLC, value_columns=(volume,)
    )
    return validate_series(frame, str(path), price_columns=OHLC, freq="1D")


@cache
def _defi_file(name: str) -> dict[str, pd.DataFrame]:
    """Each symbol of a long-format DeFi file, artefact rows dropped, validated."""
    path = bundled_path(name)
    source = str(path)
    text = read_text_table(path)
    drop = np.zeros(len(text), dtype=bool)
    for symbol, day in DEFI_ARTEFACTS:
        drop |= ((text["symbol"] == symbol) & (text["date"] == day)).to_numpy()
    rows = np.flatnonzero(~drop).astype(np.int64) + 1
    frame = parse_table(
        text[~drop],
        source,
        time_column="date",
        price_columns=OHLC,
        value_columns=("volume_usd",),
        text_columns=("symbol",),
        rows=rows,
    )
    out: dict[str, pd.DataFrame] = {}
    for symbol in frame["symbol"].unique():
        mask = (frame["symbol"] == symbol).to_numpy()
        part = frame.loc[mask].drop(columns="symbol")
        out[str(symbol)] = validate_series(
            part, source, price_columns=OHLC, freq="1D", row_numbers=rows[mask]
        )
    return out


@cache
def _spot(asset: str) -> pd.DataFrame:
    if asset in _SPOT_FILES:
        return _daily_file(*_SPOT_FILES[asset])
    old = _defi_file(_DEFI_OLD)[asset]
    new = _defi_file(_DEFI_NEW).get(asset)
    if new is None:
        return old
    # The newer download wins where both have a day (they agree on prices except the
    # older file's last, still-open day 2022-02-14); older days it lacks are kept.
    merged = pd.concat([old.loc[~old.index.isin(new.index)], new]).sort_index()
    source = f"{bundled_path(_DEFI_OLD)} + {bundled_path(_DEFI_NEW)}"
    return validate_series(merged, source, price_columns=OHLC, freq="1D")


def spot_daily(asset: str) -> pd.DataFrame:
    """Daily spot OHLCV bars of ``asset``: BTC, ETH or a DeFi symbol (AAVE, COMP, CRV, LINK,
    MKR, SNX, SUSHI, YFI); names are case-insensitive.

    Index: tz-aware UTC ``DatetimeIndex`` named ``timestamp``, one row per UTC day stamped
    at 00:00Z, no gaps.  Columns (float64): ``open``, ``high``, ``low``, ``close`` in USD per
    coin, and the volume: ``volume_btc`` (BTC traded) for BTC, ``volume_usd`` otherwise.

    Sources (PROVENANCE.md): BTC Bitstamp (to 2015-07-21) then Coinbase, 2011-08-18 ..
    2025-09-24; ETH Yahoo, 2017-11-09 .. 2025-02-20; DeFi Yahoo to 2022-02-14, AAVE and
    LINK to 2025-02-20 (two files merged).  AAVE starts 2020-10-03: the 2020-10-02 row
    (open 0) is a known Yahoo artefact and is dropped.
    """
    key = resolve("asset", asset, SPOT_ASSETS, str.upper)
    return _spot(key).copy()


@cache
def _mark(asset: str) -> pd.DataFrame:
    path = bundled_path(f"hourly/{asset.lower()}usdt_binance_usdm_markprice_1h")
    text = read_text_table(path)
    frame = parse_table(text, str(path), time_column="timestamp_utc", price_columns=OHLC)
    return validate_series(frame, str(path), price_columns=OHLC, freq="1h")


def _between(frame: pd.DataFrame, start: TimeLike | None, end: TimeLike | None) -> pd.DataFrame:
    lo = None if start is None else to_utc(start, "start")
    hi = None if end is None else to_utc(end, "end")
    if lo is not None and hi is not None and hi <= lo:
        raise InputError("end", end, f"must be after start {start!r}")
    mask = np.ones(len(frame), dtype=bool)
    if lo is not None:
        mask &= np.asarray(frame.index >= lo)
    if hi is not None:
        mask &= np.asarray(frame.index < hi)
    return frame.loc[mask].copy()


def mark_hourly(
    asset: str, start: TimeLike | None = None, end: TimeLike | None = None
) -> pd.DataFrame:
    """Binance USD-M perpetual **mark price** hourly bars for ``"BTC"`` or ``"ETH"``.

    Rows with ``start <= timestamp < end`` (UTC; naive times read as UTC; ``None`` = open
    end).  Index: tz-aware UTC ``timestamp`` of the bar open, continuous hourly,
    2019-12-23T11:00Z .. 2024-01-09T19:00Z (35,481 bars).  Columns (float64): ``open``,
    ``high``, ``low``, ``close`` in USDT per coin (the price Binance liquidates on, not
    traded prices).
    """
    key = resolve("asset", asset, MARK_ASSETS, str.upper)
    return _between(_mark(key), start, end)


@cache
def _spot_hourly(window: str, symbol: str) -> pd.DataFrame:
    path = bundled_path(_SPOT_HOURLY)
    source = str(path)
    text = read_text_table(path)
    mask = ((text["window"] == window) & (text["symbol"] == symbol)).to_numpy()
    rows = np.flatnonzero(mask).astype(np.int64) + 1
    frame = parse_table(
        text[mask],
        source,
        time_column="timestamp_utc",
        price_columns=OHLC,
        value_columns=("volume_base", "volume_usdt"),
        rows=rows,
    )
    return validate_series(frame, source, price_columns=OHLC, freq="1h", row_numbers=rows)


_SPOT_WINDOWS = ("2020-03", "2021-05")


def crash_window(name: str, asset: str = "BTC", source: str = "mark") -> pd.DataFrame:
    """Hourly bars of ``asset`` (``"BTC"``/``"ETH"``) over the crash window ``name``.

    Windows (``CRASH_WINDOWS``, UTC, ``start <= timestamp < end``): ``"2020-03"``
    (2020-03-11..14), ``"2021-05"`` (2021-05-18..21), ``"2022-05"`` (LUNA, 2022-05-07..13),
    ``"2022-11"`` (FTX, 2022-11-07..11).  ``source="mark"`` (default): Binance USD-M mark
    price, columns ``open``/``high``/``low``/``close`` in USDT per coin.  ``source="spot"``
    (only 2020-03 and 2021-05): Binance spot bars, plus ``volume_base`` (coin) and
    ``volume_usdt``.  Index: tz-aware UTC ``timestamp`` (bar open).
    """
    window = CRASH_WINDOWS[resolve("window", name, CRASH_WINDOWS)]
    key = resolve("asset", asset, MARK_ASSETS, str.upper)
    kind = resolve("source", source, ("mark", "spot"), str.lower)
    if kind == "mark":
        return _between(_mark(key), window.start, window.end)
    if window.name not in _SPOT_WINDOWS:
        reason = f"no hourly spot bars bundled for this window; spot has {', '.join(_SPOT_WINDOWS)}"
        raise InputError("window", name, reason)
    return _between(_spot_hourly(window.name, f"{key}USDT"), window.start, window.end)
