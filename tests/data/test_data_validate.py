"""read_price_csv / validate_series reject bad input, naming file, data row and value."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inversa.data import read_price_csv, validate_series
from inversa.errors import DataError, InputError

HEADER = "timestamp_utc,open,high,low,close"
GOOD = [
    "2021-01-01T00:00:00Z,10,11,9,10.5",
    "2021-01-01T01:00:00Z,10.5,12,10,11",
    "2021-01-01T02:00:00Z,11,11.5,10.5,11.25",
    "2021-01-01T03:00:00Z,11.25,11.5,11,11.1",
]


def write(tmp_path: Path, rows: list[str], header: str = HEADER, name: str = "p.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def with_row(index: int, line: str) -> list[str]:
    rows = list(GOOD)
    rows[index] = line
    return rows


def rejects(path: Path, row: int | None, *fragments: str, **kwargs: Any) -> DataError:
    with pytest.raises(DataError) as err:
        read_price_csv(path, **kwargs)
    message = str(err.value)
    assert str(path) in message
    assert err.value.row == row
    if row is not None:
        assert f"row {row}:" in message
    for fragment in fragments:
        assert fragment in message
    return err.value


def test_good_file_reads_to_float64_utc_frame(tmp_path: Path) -> None:
    frame = read_price_csv(write(tmp_path, GOOD), freq="1h")
    assert list(frame.columns) == ["open", "high", "low", "close"]
    assert frame.index.name == "timestamp"
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert str(frame.index.tz) == "UTC"
    assert all(dtype == np.float64 for dtype in frame.dtypes)
    assert frame["close"].tolist() == [10.5, 11.0, 11.25, 11.1]


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("2021-01-01T02:00:00Z,11,11.5,10.5,", "close='': empty value"),
        ("2021-01-01T02:00:00Z,11,,10.5,11", "high='': empty value"),
        ("2021-01-01T02:00:00Z,11,11.5,10.5,NaN", "close='NaN': not a finite number"),
        ("2021-01-01T02:00:00Z,11,11.5,10.5,inf", "close='inf': not a finite number"),
        ("2021-01-01T02:00:00Z,11,11.5,10.5,abc", "close='abc': not a finite number"),
        ("2021-01-01T02:00:00Z,11,11.5,-3.5,11", "low='-3.5': not a positive price"),
        ("2021-01-01T02:00:00Z,0,11.5,10.5,11", "open='0': not a positive price"),
        ("2021-01-01T02:00:00Z,0.0,11.5,10.5,11", "open='0.0': not a positive price"),
        (",11,11.5,10.5,11", "timestamp_utc='': empty value"),
        ("2021-13-01T02:00:00Z,11,11.5,10.5,11", "timestamp_utc='2021-13-01T02:00:00Z'"),
        ("yesterday,11,11.5,10.5,11", "timestamp_utc='yesterday': not an ISO-8601"),
    ],
)
def test_bad_cells_name_file_row_and_value(tmp_path: Path, line: str, fragment: str) -> None:
    rejects(write(tmp_path, with_row(2, line)), 3, fragment)


def test_first_bad_row_is_reported(tmp_path: Path) -> None:
    rows = with_row(3, "2021-01-01T03:00:00Z,1,1,1,")
    rows[1] = "2021-01-01T01:00:00Z,10.5,-12,10,11"
    rejects(write(tmp_path, rows), 2, "high='-12'")


def test_short_row_is_refused_not_padded(tmp_path: Path) -> None:
    rejects(write(tmp_path, with_row(1, "2021-01-01T01:00:00Z,10.5,12")), 2, "3 cells")


def test_value_columns_may_be_negative_but_must_be_numbers(tmp_path: Path) -> None:
    header = "timestamp_utc,close,funding_rate"
    rows = ["2021-01-01T00:00:00Z,10,-0.0001", "2021-01-01T08:00:00Z,11,0.0003"]
    frame = read_price_csv(
        write(tmp_path, rows, header),
        price_columns=("close",),
        value_columns=("funding_rate",),
        freq="8h",
    )
    assert frame["funding_rate"].tolist() == [-0.0001, 0.0003]
    rows[1] = "2021-01-01T08:00:00Z,11,"
    rejects(
        write(tmp_path, rows, header),
        2,
        "funding_rate='': empty",
        price_columns=("close",),
        value_columns=("funding_rate",),
    )


def test_duplicated_timestamp(tmp_path: Path) -> None:
    line = "2021-01-01T01:00:00Z,11,11.5,10.5,11"
    err = rejects(
        write(tmp_path, with_row(2, line)), 3, "timestamp=2021-01-01T01:00:00Z", "duplicated"
    )
    assert "first at row 2" in str(err)


def test_unsorted_rows(tmp_path: Path) -> None:
    rows = [GOOD[0], GOOD[2], GOOD[1], GOOD[3]]
    rejects(write(tmp_path, rows), 3, "timestamp=2021-01-01T01:00:00Z", "ascending time order")


def test_gap_rejected_only_for_a_regular_series(tmp_path: Path) -> None:
    path = write(tmp_path, [GOOD[0], GOOD[1], GOOD[3]])
    assert len(read_price_csv(path)) == 3  # no freq: gaps allowed
    rejects(path, 3, "timestamp=2021-01-01T03:00:00Z", "gap after 2021-01-01T01:00:00Z", freq="1h")
    frame = read_price_csv(path, freq="1h", allow_missing=["2021-01-01T02:00"])
    assert len(frame) == 3
    # an allowance covers only the listed hours
    path = write(tmp_path, [GOOD[0], GOOD[3]])
    rejects(path, 2, "2 missing at 1h", freq="1h", allow_missing=["2021-01-01T02:00Z"])


def test_irregular_spacing_rejected(tmp_path: Path) -> None:
    line = "2021-01-01T01:30:00Z,10.5,12,10,11"
    rejects(write(tmp_path, with_row(1, line)), 2, "2021-01-01T01:30:00Z", freq="1h")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "prices.csv"
    rejects(path, None, "file not found")


def test_missing_column_empty_file_and_header_only(tmp_path: Path) -> None:
    path = write(tmp_path, ["2021-01-01T00:00:00Z,10,11,9"], header="timestamp_utc,open,high,low")
    rejects(path, None, "missing column(s) close")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    rejects(empty, None, "empty")
    rejects(write(tmp_path, [], name="h.csv"), None, "no data rows")


def test_garbage_gzip_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv.gz"
    path.write_bytes(b"not gzip at all")
    rejects(path, None, "cannot be read as CSV")


def test_gzip_daily_naive_and_offset_times(tmp_path: Path) -> None:
    path = tmp_path / "d.csv.gz"
    text = "date,close\n2021-01-01,1.5\n2021-01-02,2.5\n"
    path.write_bytes(gzip.compress(text.encode()))
    frame = read_price_csv(path, time_column="date", price_columns=("close",), freq="1D")
    assert list(frame.index) == [
        pd.Timestamp("2021-01-01", tz="UTC"),
        pd.Timestamp("2021-01-02", tz="UTC"),
    ]
    path = write(tmp_path, ["2021-01-01T02:00:00+02:00,1", "2021-01-01T01:00:00,2"], "t,close")
    frame = read_price_csv(path, time_column="t", price_columns=("close",), freq="1h")
    assert frame.index[0] == pd.Timestamp("2021-01-01T00:00", tz="UTC")


def test_source_label_replaces_the_path(tmp_path: Path) -> None:
    path = write(tmp_path, with_row(0, "2021-01-01T00:00:00Z,10,11,9,-1"))
    with pytest.raises(DataError, match=r"^upload\.csv, row 1: close='-1'"):
        read_price_csv(path, source="upload.csv")


# --- validate_series on frames -------------------------------------------------------


def frame_of(times: list[pd.Timestamp], close: list[float] | None = None) -> pd.DataFrame:
    values = close if close is not None else [1.0] * len(times)
    return pd.DataFrame({"close": values}, index=pd.DatetimeIndex(times, name="timestamp"))


def hours(n: int) -> list[pd.Timestamp]:
    return list(pd.date_range("2022-05-07", periods=n, freq="h", tz="UTC"))


def test_validate_series_frame_checks() -> None:
    good = frame_of(hours(3))
    assert validate_series(good, "f", price_columns=["close"], freq="1h") is good
    with pytest.raises(DataError, match=r"^f, row 2: close=nan"):
        validate_series(frame_of(hours(3), [1.0, float("nan"), 2.0]), "f")
    with pytest.raises(DataError, match=r"^f, row 3: close=-2.0: not a positive price"):
        validate_series(frame_of(hours(3), [1.0, 1.0, -2.0]), "f", price_columns=["close"])
    naive = pd.DataFrame({"close": [1.0]}, index=pd.DatetimeIndex(["2022-01-01"]))
    with pytest.raises(DataError, match="timezone-aware"):
        validate_series(naive, "f")
    with pytest.raises(DataError, match="DatetimeIndex"):
        validate_series(pd.DataFrame({"close": [1.0]}), "f")
    with pytest.raises(DataError, match="missing price column"):
        validate_series(good, "f", price_columns=["open"])
    with pytest.raises(DataError, match=r"row 1: timestamp=NaT"):
        validate_series(frame_of([pd.NaT, *hours(1)]), "f")  # type: ignore[list-item]
    with pytest.raises(InputError):
        validate_series(good, "f", freq="-1h")


def test_validate_series_reports_file_row_numbers() -> None:
    frame = frame_of(hours(3), [1.0, 1.0, 0.0])
    with pytest.raises(DataError) as err:
        validate_series(frame, "long.csv", price_columns=["close"], row_numbers=[10, 12, 14])
    assert err.value.row == 14
    with pytest.raises(InputError):
        validate_series(frame, "long.csv", row_numbers=[1, 2])


def test_validate_series_other_time_zone_is_compared_in_utc() -> None:
    # Spring forward in London (2022-03-27 01:00 UTC): hourly in UTC, but the wall clock
    # jumps from 00:00 to 02:00.  The series is regular and comes back unchanged.
    spring = pd.date_range("2022-03-27 00:00", periods=3, freq="h", tz="UTC")
    local = list(spring.tz_convert("Europe/London"))
    assert [t.hour for t in local] == [0, 2, 3]
    good = frame_of(local)
    assert validate_series(good, "f", freq="1h") is good
    # Fall back (2022-10-30 01:00 UTC): wall clock 00:00 BST then 01:00 GMT looks hourly,
    # but the instants are two hours apart: a gap, reported in UTC.
    autumn = pd.DatetimeIndex(["2022-10-29 23:00", "2022-10-30 01:00"], tz="UTC")
    wall = list(autumn.tz_convert("Europe/London"))
    assert [t.hour for t in wall] == [0, 1]
    with pytest.raises(DataError, match=r"row 2: .*gap after 2022-10-29T23:00:00Z, 1 missing"):
        validate_series(frame_of(wall), "f", freq="1h")


@settings(max_examples=200, deadline=None)
@given(st.permutations(list(range(8))))
def test_shuffled_rows_are_rejected_unless_sorted(order: list[int]) -> None:
    times = hours(8)
    frame = frame_of([times[i] for i in order], [float(i + 1) for i in order])
    if order == sorted(order):
        validate_series(frame, "shuffled", freq="1h")
        return
    first_back = next(i for i in range(1, 8) if order[i] < order[i - 1])
    with pytest.raises(DataError, match="ascending time order") as err:
        validate_series(frame, "shuffled", freq="1h")
    assert err.value.row == first_back + 1


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.floats(min_value=1e-8, max_value=1e7, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=30,
    )
)
def test_positive_prices_round_trip_exactly(closes: list[float]) -> None:
    lines = [f"2020-03-{1 + i // 24:02d}T{i % 24:02d}:00:00Z,{c!r}" for i, c in enumerate(closes)]
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), lines, header="timestamp_utc,close")
        frame = read_price_csv(path, price_columns=("close",), freq="1h")
    assert frame["close"].tolist() == closes


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(min_value=1.0, max_value=1e5), min_size=2, max_size=20),
    st.data(),
)
def test_one_non_positive_price_is_always_found(closes: list[float], data: st.DataObject) -> None:
    bad_row = data.draw(st.integers(min_value=0, max_value=len(closes) - 1))
    bad_value = data.draw(st.sampled_from([0.0, -1.0, -1e-9, -5e4]))
    closes[bad_row] = bad_value
    with pytest.raises(DataError) as err:
        validate_series(frame_of(hours(len(closes)), closes), "f", price_columns=["close"])
    assert err.value.row == bad_row + 1
    assert f"close={bad_value!r}" in str(err.value)


# -- found by the fuzz suite (issue 8): untyped errors, dropped cells, bad encodings ------


@pytest.mark.parametrize("freq", ["bogus", "", "1x", object()])
def test_bad_freq_is_an_input_error_before_the_file_is_read(tmp_path: Path, freq: Any) -> None:
    with pytest.raises(InputError) as err:
        read_price_csv(tmp_path / "does-not-exist.csv", freq=freq)
    assert str(err.value).startswith("freq=")


def test_bad_freq_in_validate_series_is_an_input_error() -> None:
    frame = read_price_csv_frame()
    with pytest.raises(InputError, match="freq="):
        validate_series(frame, "s", price_columns=("close",), freq="bogus")


def read_price_csv_frame() -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        return read_price_csv(write(Path(tmp), GOOD))


def test_extra_cell_is_refused_not_dropped(tmp_path: Path) -> None:
    rejects(write(tmp_path, with_row(2, GOOD[2] + ",99")), 3, "6 cells", "header has 5")


def test_extra_cell_in_every_row_is_refused_not_taken_as_an_index(tmp_path: Path) -> None:
    rows = [row + ",99" for row in GOOD]
    rejects(write(tmp_path, rows), 1, "6 cells")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\xff", "not UTF-8"),
        (HEADER.encode() + b"\n2021-01-01T00:00:00Z,10,11,9,10.5\xff\n", "not UTF-8"),
        ((HEADER + "\n" + GOOD[0] + "\n").encode("utf-16"), "not UTF-8"),
        (b"\x00\x00\n", "NUL byte"),
        (b"", "empty"),
        (b"\xef\xbb\xbf", "empty"),
        (HEADER.encode() + b"\n", "no data rows"),
        (b"timestamp_utc,close,close\n2021-01-01,1,1\n", "repeated column"),
    ],
)
def test_unreadable_files_give_one_line_naming_the_file(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as err:
        read_price_csv(path, price_columns=("close",))
    message = str(err.value)
    assert str(path) in message
    assert fragment in message
    assert "\n" not in message


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join([HEADER, *GOOD]) + "\n").encode())
    frame = read_price_csv(path, freq="1h")
    assert frame["close"].tolist() == [10.5, 11, 11.25, 11.1]


def test_gzip_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "p.csv.gz"
    path.write_bytes(gzip.compress(("\n".join([HEADER, *GOOD]) + "\n").encode()))
    assert len(read_price_csv(path, freq="1h")) == 4


def test_broken_gzip_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "p.csv.gz"
    path.write_bytes(b"\x1f\x8b\x08garbage")
    with pytest.raises(DataError, match="cannot be read") as err:
        read_price_csv(path)
    assert "\n" not in str(err.value)
