"""Validation of price and rate series read from CSV text.

Every check names the file (``source``), the 1-based *data row* (the header line is not
counted: data row 1 is line 2 of the file) and the offending value, through
:class:`inversa.errors.DataError`.  Times are UTC.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from inversa.errors import DataError, InputError

__all__ = ["read_price_csv", "validate_series"]

FreqLike = str | timedelta | pd.Timedelta
TimeLike = str | datetime | pd.Timestamp
RowNumbers = npt.NDArray[np.int64]

OHLC = ("open", "high", "low", "close")


def fmt_time(ts: pd.Timestamp) -> str:
    """ISO-8601 text of a UTC timestamp, e.g. ``2020-03-13T02:00:00Z``."""
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _fmt_step(step: pd.Timedelta) -> str:
    hours = step / pd.Timedelta(hours=1)
    return f"{hours:g}h" if hours == int(hours) else str(step)


def to_utc(value: TimeLike, field: str) -> pd.Timestamp:
    """A timestamp in UTC; naive input is read as UTC.  Bad input raises InputError."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InputError(field, value, f"not a timestamp ({exc})") from exc
    if pd.isna(ts):
        raise InputError(field, value, "not a timestamp")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def read_text_table(path: str | os.PathLike[str], source: str | None = None) -> pd.DataFrame:
    """Read a CSV (optionally ``.gz``) as text cells, without interpreting any value.

    The file is UTF-8, with or without a byte-order mark; every row has exactly as many
    cells as the header (an extra or a missing cell is refused, never dropped or padded).
    Any problem raises one-line :class:`~inversa.errors.DataError` naming the file.
    """
    p = Path(path)
    label = source or str(p)
    if not p.is_file():
        raise DataError(str(p), "file not found")
    try:
        raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(label, f"not UTF-8 text (byte {exc.start})") from None
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataError(label, f"cannot be read as CSV: {_one_line(exc)}") from None
    if "\x00" in content:
        raise DataError(label, "not a text file (NUL byte)")
    try:
        rows = [row for row in csv.reader(io.StringIO(content, newline="")) if row]
    except csv.Error as exc:
        raise DataError(label, f"cannot be read as CSV: {_one_line(exc)}") from None
    if not rows:
        raise DataError(label, "file is empty (no header line)")
    header = [cell.strip() for cell in rows[0]]
    if len(set(header)) != len(header) or not all(header):
        raise DataError(label, f"header {','.join(header)!r}: empty or repeated column names")
    for number, row in enumerate(rows[1:], start=1):
        if len(row) != len(header):
            raise DataError(
                label, f"{len(row)} cells where the header has {len(header)}", row=number
            )
    if len(rows) == 1:
        raise DataError(label, "no data rows after the header")
    return pd.DataFrame(rows[1:], columns=header, dtype=str)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def parse_freq(freq: FreqLike) -> pd.Timedelta:
    """A positive time step from ``"1h"``, ``"8h"``, ``"1D"`` or a timedelta, else InputError."""
    try:
        step = pd.Timedelta(freq)
    except (TypeError, ValueError):
        raise InputError("freq", freq, "not a time step (e.g. '1h', '8h', '1D')") from None
    if pd.isna(step) or step <= pd.Timedelta(0):
        raise InputError("freq", freq, "must be a positive time step")
    return step


def parse_table(
    text: pd.DataFrame,
    source: str,
    *,
    time_column: str,
    price_columns: Sequence[str],
    value_columns: Sequence[str] = (),
    text_columns: Sequence[str] = (),
    rows: RowNumbers | None = None,
) -> pd.DataFrame:
    """Turn text cells into a float64 frame indexed by UTC ``timestamp``.

    Rejects missing columns, empty cells, non-numbers, non-finite numbers, non-positive
    prices and unparseable timestamps; the first offending data row is reported.  Only
    cell contents are checked here (order and spacing: :func:`validate_series`).
    """
    rows = np.arange(1, len(text) + 1, dtype=np.int64) if rows is None else rows
    needed = [time_column, *price_columns, *value_columns, *text_columns]
    missing = [c for c in needed if c not in text.columns]
    if missing:
        header = ", ".join(str(c) for c in text.columns)
        raise DataError(source, f"missing column(s) {', '.join(missing)} (header: {header})")
    problems: list[tuple[int, str]] = []
    cells = {c: text[c].fillna("").astype(str).str.strip() for c in needed}
    for col in needed:
        empty = (cells[col] == "").to_numpy()
        if empty.any():
            problems.append((int(np.argmax(empty)), f"{col}='': empty value"))
    numbers: dict[str, npt.NDArray[np.float64]] = {}
    for col in [*price_columns, *value_columns]:
        raw = cells[col]
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(values) & (raw != "").to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            problems.append((i, f"{col}={raw.iloc[i]!r}: not a finite number"))
        if col in price_columns:
            nonpos = np.isfinite(values) & (values <= 0)
            if nonpos.any():
                i = int(np.argmax(nonpos))
                msg = f"{col}={raw.iloc[i]!r}: not a positive price (USD per coin)"
                problems.append((i, msg))
        numbers[col] = values
    stamps = pd.to_datetime(cells[time_column], utc=True, format="ISO8601", errors="coerce")
    unparsed = (stamps.isna() & (cells[time_column] != "")).to_numpy()
    if unparsed.any():
        i = int(np.argmax(unparsed))
        raw_time = cells[time_column].iloc[i]
        problems.append((i, f"{time_column}={raw_time!r}: not an ISO-8601 timestamp"))
    if problems:
        i, msg = min(problems, key=lambda p: p[0])
        raise DataError(source, msg, row=int(rows[i]))
    frame = pd.DataFrame(numbers, index=pd.DatetimeIndex(stamps, name="timestamp"))
    for col in text_columns:
        frame[col] = cells[col].to_numpy()
    return frame


def validate_series(
    frame: pd.DataFrame,
    source: str,
    *,
    price_columns: Sequence[str] = (),
    freq: FreqLike | None = None,
    allow_missing: Iterable[TimeLike] = (),
    row_numbers: Sequence[int] | RowNumbers | None = None,
) -> pd.DataFrame:
    """Check a time-indexed frame and return it unchanged, or raise ``DataError``.

    Rejected, with ``source``, the 1-based row (``row_numbers[i]`` if given, else
    ``i + 1``) and the value in the message:

    - an index that is not a timezone-aware ``DatetimeIndex`` (times must be UTC), or NaT;
    - NaN or infinite values in any numeric column;
    - non-positive values in ``price_columns`` (prices are USD per coin, must be > 0);
    - duplicated timestamps and rows not in ascending time order;
    - when ``freq`` is given (a regular series, e.g. ``"1h"``, ``"8h"``, ``"1D"``): any
      step between consecutive rows other than ``freq``, except gaps whose missing
      timestamps are all listed in ``allow_missing`` (naive times read as UTC).
    """
    n = len(frame)
    rows = (
        np.arange(1, n + 1, dtype=np.int64)
        if row_numbers is None
        else np.asarray(row_numbers, dtype=np.int64)
    )
    if len(rows) != n:
        raise InputError("row_numbers", len(rows), f"must have one number per row ({n})")
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(source, f"index must be a DatetimeIndex, got {type(index).__name__}")
    if index.tz is None:
        raise DataError(source, "timestamps are not timezone-aware (expected UTC)")
    index = index.tz_convert("UTC")
    nat = np.asarray(index.isna())
    if nat.any():
        raise DataError(source, "timestamp=NaT: missing timestamp", row=int(rows[nat.argmax()]))
    _check_values(frame, source, price_columns, rows)
    _check_order(index, source, rows)
    if freq is not None:
        step = parse_freq(freq)
        check_spacing(index, step, source, rows, allow_missing)
    return frame


def _check_values(
    frame: pd.DataFrame, source: str, price_columns: Sequence[str], rows: RowNumbers
) -> None:
    absent = [c for c in price_columns if c not in frame.columns]
    if absent:
        raise DataError(source, f"missing price column(s) {', '.join(absent)}")
    problems: list[tuple[int, str]] = []
    for col in frame.columns:
        series = frame[col]
        if not pd.api.types.is_numeric_dtype(series.dtype):
            continue
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(bad.argmax())
            problems.append((i, f"{col}={float(values[i])!r}: empty or not a finite number"))
        if col in price_columns:
            nonpos = values <= 0
            if nonpos.any():
                i = int(nonpos.argmax())
                msg = f"{col}={float(values[i])!r}: not a positive price (USD per coin)"
                problems.append((i, msg))
    if problems:
        i, msg = min(problems, key=lambda p: p[0])
        raise DataError(source, msg, row=int(rows[i]))


def _check_order(index: pd.DatetimeIndex, source: str, rows: RowNumbers) -> None:
    problems: list[tuple[int, str]] = []
    dup = np.asarray(index.duplicated(keep="first"))
    if dup.any():
        i = int(dup.argmax())
        first = int(np.flatnonzero(index == index[i])[0])
        msg = f"timestamp={fmt_time(index[i])}: duplicated (first at row {rows[first]})"
        problems.append((i, msg))
    back = np.flatnonzero(np.asarray(index[1:] < index[:-1]))
    if back.size:
        i = int(back[0]) + 1
        msg = (
            f"timestamp={fmt_time(index[i])}: earlier than the previous row's "
            f"{fmt_time(index[i - 1])} (rows must be in ascending time order)"
        )
        problems.append((i, msg))
    if problems:
        i, msg = min(problems, key=lambda p: p[0])
        raise DataError(source, msg, row=int(rows[i]))


def check_spacing(
    index: pd.DatetimeIndex,
    step: pd.Timedelta | pd.TimedeltaIndex,
    source: str,
    rows: RowNumbers,
    allow_missing: Iterable[TimeLike] = (),
) -> None:
    """Every step between consecutive rows must equal ``step`` (one value, or one per step).

    A larger whole-multiple gap passes only if all its missing times are in
    ``allow_missing``.  Assumes a sorted, duplicate-free UTC index.
    """
    if len(index) < 2:
        return
    diffs = pd.TimedeltaIndex(index[1:] - index[:-1])
    expected = pd.TimedeltaIndex([step] * len(diffs)) if isinstance(step, pd.Timedelta) else step
    allowed = {to_utc(t, "allow_missing") for t in allow_missing}
    for k in (int(j) for j in np.flatnonzero(np.asarray(diffs != expected))):
        prev, cur, want, got = index[k], index[k + 1], expected[k], diffs[k]
        row = int(rows[k + 1])
        if got > want and got % want == pd.Timedelta(0):
            missing = pd.date_range(prev + want, cur - want, freq=want)
            if all(t in allowed for t in missing):
                continue
            msg = (
                f"timestamp={fmt_time(cur)}: gap after {fmt_time(prev)}, {len(missing)} "
                f"missing at {_fmt_step(want)} spacing (first {fmt_time(missing[0])})"
            )
        else:
            msg = (
                f"timestamp={fmt_time(cur)}: {_fmt_step(got)} after {fmt_time(prev)}, "
                f"expected a regular {_fmt_step(want)} spacing"
            )
        raise DataError(source, msg, row=row)


def read_price_csv(
    path: str | os.PathLike[str],
    *,
    time_column: str = "timestamp_utc",
    price_columns: Sequence[str] = OHLC,
    value_columns: Sequence[str] = (),
    freq: FreqLike | None = None,
    allow_missing: Iterable[TimeLike] = (),
    source: str | None = None,
) -> pd.DataFrame:
    """Read and validate a price CSV (plain or ``.gz``) into a float64 frame.

    ``time_column`` holds ISO-8601 times (``2020-03-13T02:00:00Z`` or ``2020-03-13``;
    naive times are read as UTC, offsets converted to UTC).  ``price_columns`` are prices
    in USD (or USDT) per coin and must be finite and > 0; ``value_columns`` (volumes, rates)
    must be finite numbers of any sign.  Other columns are ignored.  With ``freq`` the
    series must be regular (see :func:`validate_series`).

    Returns a frame indexed by a tz-aware UTC ``DatetimeIndex`` named ``timestamp`` with
    the price columns, then the value columns, as float64.  Any problem raises
    :class:`inversa.errors.DataError` naming the file (or ``source``), the 1-based data
    row (header not counted) and the offending value; a missing file names its path.
    """
    label = source or str(path)
    if freq is not None:
        parse_freq(freq)  # a bad step is refused before the file is read
    text = read_text_table(path, label)
    frame = parse_table(
        text,
        label,
        time_column=time_column,
        price_columns=price_columns,
        value_columns=value_columns,
    )
    return validate_series(
        frame, label, price_columns=price_columns, freq=freq, allow_missing=allow_missing
    )
