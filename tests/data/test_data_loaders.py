"""Loaders return the rows, ranges and values documented in PROVENANCE.md."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from inversa.data import (
    CRASH_WINDOWS,
    DERIBIT_MISSING_HOURS,
    FUNDING_VENUES,
    SPOT_ASSETS,
    crash_window,
    funding_history,
    mark_hourly,
    read_price_csv,
    spot_daily,
)
from inversa.data._catalog import bundled_path
from inversa.errors import DataError, InputError


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def assert_uniform(frame: pd.DataFrame) -> None:
    index = frame.index
    assert isinstance(index, pd.DatetimeIndex)
    assert index.name == "timestamp"
    assert str(index.tz) == "UTC"
    assert index.is_monotonic_increasing
    assert index.is_unique
    assert all(dtype == np.float64 for dtype in frame.dtypes)
    assert np.isfinite(frame.to_numpy()).all()


SPOT = {
    # asset: rows, first day, last day
    "BTC": (5152, "2011-08-18", "2025-09-24"),
    "ETH": (2661, "2017-11-09", "2025-02-20"),
    "AAVE": (1602, "2020-10-03", "2025-02-20"),  # 1,603 minus the 2020-10-02 artefact
    "LINK": (2661, "2017-11-09", "2025-02-20"),
    "COMP": (609, "2020-06-16", "2022-02-14"),
    "CRV": (550, "2020-08-14", "2022-02-14"),
    "MKR": (1548, "2017-11-20", "2022-02-14"),
    "SNX": (1434, "2018-03-14", "2022-02-14"),
    "SUSHI": (536, "2020-08-28", "2022-02-14"),
    "YFI": (575, "2020-07-20", "2022-02-14"),
}


@pytest.mark.parametrize("asset", SPOT)
def test_spot_daily_rows_and_range(asset: str) -> None:
    rows, first, last = SPOT[asset]
    frame = spot_daily(asset)
    assert_uniform(frame)
    assert len(frame) == rows
    assert frame.index[0] == utc(first)
    assert frame.index[-1] == utc(last)
    assert (frame.index[1:] - frame.index[:-1] == pd.Timedelta(days=1)).all()
    assert list(frame.columns[:4]) == ["open", "high", "low", "close"]
    assert (frame[["open", "high", "low", "close"]] > 0).all().all()


def test_spot_assets_are_all_tested() -> None:
    assert set(SPOT_ASSETS) == set(SPOT)


def test_spot_daily_values_are_the_file_text() -> None:
    btc = spot_daily("btc")  # case-insensitive
    assert btc.loc[utc("2011-08-19")].to_dict() == {
        "open": 10.9,
        "high": 11.85,
        "low": 10.9,
        "close": 11.69,
        "volume_btc": 1.9265781400000002,
    }
    assert btc["close"].iloc[-1] == 113700.11


def test_defi_merge_newer_file_wins_and_keeps_2022_for_others() -> None:
    aave = spot_daily("AAVE")
    assert aave.loc[utc("2020-10-03"), "close"] == 53.1514892578125
    # 2022-02-14: the 2022 download was taken during the day; the 2025 file has the final bar
    link = spot_daily("LINK")
    assert link.loc[utc("2022-02-14"), "close"] == 15.939895629882812
    assert utc("2020-10-02") not in aave.index


def test_mark_hourly_full_files() -> None:
    for asset in ("BTC", "ETH"):
        frame = mark_hourly(asset)
        assert_uniform(frame)
        assert len(frame) == 35_481
        assert frame.index[0] == utc("2019-12-23T11:00")
        assert frame.index[-1] == utc("2024-01-09T19:00")
        assert list(frame.columns) == ["open", "high", "low", "close"]
    assert mark_hourly("BTC")["close"].iloc[0] == 7554.17034744


def test_mark_hourly_slice_is_half_open_utc() -> None:
    frame = mark_hourly("ETH", "2021-01-01", "2021-01-02T00:00:00Z")
    assert len(frame) == 24
    assert frame.index[0] == utc("2021-01-01T00:00")
    assert frame.index[-1] == utc("2021-01-01T23:00")
    later = mark_hourly("BTC", start=pd.Timestamp("2024-01-09T18:00", tz="UTC"))
    assert len(later) == 2
    offset = mark_hourly("BTC", "2021-01-01T01:00+01:00", "2021-01-01T02:00Z")
    assert list(offset.index) == [utc("2021-01-01T00:00"), utc("2021-01-01T01:00")]


def test_mark_hourly_rejects_bad_bounds() -> None:
    with pytest.raises(InputError, match="end"):
        mark_hourly("BTC", "2021-01-02", "2021-01-01")
    with pytest.raises(InputError, match="start"):
        mark_hourly("BTC", "not a time")


# window: hours, BTC low, hour of BTC low, ETH low (README: 3,801.8 / 29,563 / 26,730 /
# 15,542.9 and ETH 87.1 / 1,764 / 1,788 / 1,073)
CRASHES = {
    "2020-03": (72, 3801.83057975, "2020-03-13T02:00", 87.0929191),
    "2021-05": (72, 29563.37, "2021-05-19T13:00", 1764.25818052),
    "2022-05": (144, 26730.0665912, "2022-05-12T07:00", 1788.11993017),
    "2022-11": (96, 15542.88310226, "2022-11-09T22:00", 1073.41622613),
}
README_LOWS = {
    "2020-03": (3801.8, 87.1),
    "2021-05": (29563, 1764),
    "2022-05": (26730, 1788),
    "2022-11": (15542.9, 1073),
}


@pytest.mark.parametrize("name", CRASHES)
def test_crash_window_minima(name: str) -> None:
    hours, btc_low, at, eth_low = CRASHES[name]
    window = CRASH_WINDOWS[name]
    btc = crash_window(name)
    eth = crash_window(name, "ETH")
    for frame in (btc, eth):
        assert_uniform(frame)
        assert len(frame) == hours == window.hours
        assert frame.index[0] == window.start
        assert frame.index[-1] == window.end - pd.Timedelta(hours=1)
    assert btc["low"].min() == btc_low == window.btc_low
    assert btc["low"].idxmin() == utc(at) == window.btc_low_at
    assert eth["low"].min() == eth_low == window.eth_low
    readme_btc, readme_eth = README_LOWS[name]
    decimals = 1 if readme_btc != int(readme_btc) else 0
    assert round(btc_low, decimals) == readme_btc
    assert round(eth_low, 1 if readme_eth != int(readme_eth) else 0) == readme_eth


def test_crash_windows_are_the_four_named() -> None:
    assert list(CRASH_WINDOWS) == ["2020-03", "2021-05", "2022-05", "2022-11"]
    assert CRASH_WINDOWS["2022-05"].start == utc("2022-05-07")
    assert CRASH_WINDOWS["2022-11"].end == utc("2022-11-11")


def test_crash_window_spot_bars() -> None:
    btc = crash_window("2020-03", "BTC", source="spot")
    assert_uniform(btc)
    assert len(btc) == 72
    assert btc["low"].min() == 3782.13
    assert btc["low"].idxmin() == utc("2020-03-13T02:00")
    may = crash_window("2021-05", "BTC", source="spot")
    assert may["low"].min() == 30000.0
    assert may["low"].idxmin() == utc("2021-05-19T13:00")
    assert list(may.columns) == ["open", "high", "low", "close", "volume_base", "volume_usdt"]
    with pytest.raises(InputError, match="2020-03, 2021-05"):
        crash_window("2022-11", source="spot")


FUNDING = {
    # venue: rows, first, last, intervals, extra columns
    "bitmex": (4866, "2016-05-14T12:00", "2020-11-05T04:00", {24.0, 8.0}, []),
    "deribit": (16008, "2019-04-30T10:00", "2021-02-25T11:00", {1.0}, ["index_price"]),
    "bybit": (7068, "2018-11-15T00:00", "2025-04-27T16:00", {8.0}, ["perp_close"]),
    "binance-coinm": (5164, "2020-08-11T00:00", "2025-04-28T00:00", {8.0}, ["perp_close"]),
}


@pytest.mark.parametrize("venue", FUNDING)
def test_funding_history_uniform_frame(venue: str) -> None:
    rows, first, last, intervals, extra = FUNDING[venue]
    frame = funding_history(venue)
    assert_uniform(frame)
    assert list(frame.columns[:2]) == ["funding_rate", "interval_hours"]
    assert set(extra) <= set(frame.columns)
    assert len(frame) == rows
    assert frame.index[0] == utc(first)
    assert frame.index[-1] == utc(last)
    assert set(frame["interval_hours"]) == intervals
    assert frame["funding_rate"].abs().max() < 0.02  # fractions, not percent


def test_funding_values_and_ranges() -> None:
    assert set(FUNDING_VENUES) == set(FUNDING)
    bitmex = funding_history("BitMEX")
    assert bitmex["funding_rate"].iloc[0] == 6.900000000000001e-4
    assert (bitmex["interval_hours"].iloc[:22] == 24).all()
    assert (bitmex["interval_hours"].iloc[22:] == 8).all()
    bybit = funding_history("bybit")
    assert bybit["funding_rate"].min() == -0.00375
    assert bybit["funding_rate"].max() == 0.00375
    coinm = funding_history("binance_coinm")
    assert coinm["funding_rate"].min() == -0.003
    assert coinm["funding_rate"].max() == 0.00186012  # README: 0.00186 (rounded)


def test_deribit_two_missing_hours_are_allowed_and_not_filled() -> None:
    deribit = funding_history("deribit")
    for hour in DERIBIT_MISSING_HOURS:
        assert hour not in deribit.index
    steps = deribit.index[1:] - deribit.index[:-1]
    assert (steps != pd.Timedelta(hours=1)).sum() == 1
    # Without the allowance, the same file fails the regular-hourly check at the gap.
    path = bundled_path("funding/deribit_btc_perpetual_funding_1h")
    prices, values = ("index_price",), ("interest_1h",)
    with pytest.raises(DataError) as err:
        read_price_csv(path, price_columns=prices, value_columns=values, freq="1h")
    assert err.value.row == 11637
    assert "2020-08-27T08:00:00Z" in str(err.value)
    assert str(path) in str(err.value)
    ok = read_price_csv(
        path,
        price_columns=prices,
        value_columns=values,
        freq="1h",
        allow_missing=DERIBIT_MISSING_HOURS,
    )
    assert len(ok) == 16008


@pytest.mark.parametrize(
    ("call", "field", "known"),
    [
        (lambda: spot_daily("DOGE"), "asset", "AAVE, COMP"),
        (lambda: mark_hourly("SOL"), "asset", "BTC, ETH"),
        (lambda: crash_window("2008-09"), "window", "2020-03, 2021-05, 2022-05, 2022-11"),
        (lambda: crash_window("2020-03", "XRP"), "asset", "BTC, ETH"),
        (lambda: crash_window("2020-03", source="last"), "source", "mark, spot"),
        (lambda: funding_history("okx"), "venue", "bitmex, deribit, bybit, binance-coinm"),
        (lambda: spot_daily(42), "asset", "BTC"),  # type: ignore[arg-type]
    ],
)
def test_unknown_names_raise_input_error_listing_known(
    call: Callable[[], object], field: str, known: str
) -> None:
    with pytest.raises(InputError) as err:
        call()
    assert err.value.field == field
    assert known in str(err.value)


def test_callers_get_copies() -> None:
    first = mark_hourly("BTC")
    first.iloc[0, 0] = -1.0
    first["extra"] = 1.0
    again = mark_hourly("BTC")
    assert again.iloc[0, 0] == 7559.44418192
    assert "extra" not in again.columns
    rates = funding_history("bybit")
    rates.iloc[:, 0] = 0.0
    assert funding_history("bybit")["funding_rate"].iloc[0] == -0.00029877
    spot = spot_daily("AAVE")
    spot.iloc[:, :] = 0.0
    assert spot_daily("AAVE")["close"].iloc[0] == 53.1514892578125
