"""The config base: UTF-8 with or without BOM, unknown keys, extra cells, one-line errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

import pytest

from inversa.data.config import ConfigModel, load_csv, load_toml, read_text
from inversa.domain import Leverage, Price
from inversa.errors import DataError, InputError


class _Pos(ConfigModel):
    side: Literal["long", "short"]
    entry: Price
    leverage: Leverage | None = None


class _Book(ConfigModel):
    name: str = "book"
    positions: tuple[_Pos, ...]


def test_toml_reads_exact_numbers(tmp_path: Path) -> None:
    path = tmp_path / "b.toml"
    path.write_text('[[positions]]\nside = "long"\nentry = 8000.1\nleverage = 10\n')
    book = load_toml(path, _Book)
    assert book.positions[0].entry == Decimal("8000.1")
    with pytest.raises(Exception, match="frozen"):
        book.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[positions]]\nside = "long"\nentry = -1\n', r"positions\[0\]\.entry='-1': out of range"),
        ('[[positions]]\nside = "flat"\nentry = 1\n', r"positions\[0\]\.side='flat'"),
        (
            '[[positions]]\nside = "long"\nentry = 1\ncolour = 2\n',
            r"colour: unknown key",
        ),
        ('oops = 1\n[[positions]]\nside = "long"\nentry = 1\n', r"oops: unknown key"),
        ("name = 5\npositions = []\n", r"name=5: input should be a valid string"),
        ("[[positions]\n", r"not valid TOML"),
    ],
)
def test_toml_errors_name_file_key_and_value(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "b.toml"
    path.write_text(text)
    with pytest.raises(DataError, match=message) as info:
        load_toml(path, _Book)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_utf8_with_bom_and_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"\xef\xbb\xbfside,entry\nlong,8000\n")
    assert load_csv(path, _Pos)[0].entry == Decimal(8000)
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"[holdings]\nBTC=1\n#\xff\n")
    with pytest.raises(DataError, match=r"bad.toml: not UTF-8 text \(byte 0xff"):
        read_text(bad)
    with pytest.raises(InputError, match="no such file"):
        read_text(tmp_path / "missing.toml")
    with pytest.raises(InputError, match="is a directory"):
        read_text(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("side,entry\nlong,8000,9\n", r"row 1: 3 cells for 2 columns"),
        ("side,entry\nlong,8000\nshort\n", r"row 2: 1 cells for 2 columns"),
        ("side,entry,colour\nlong,8000,red\n", r"row 1: colour: unknown key"),
        ("side,entry\nlong,1e999999999\n", r"row 1: entry='1e999999999': out of range"),
        ("side,side\nlong,long\n", r"row 0: header"),
        ("", r"row 0: empty file"),
    ],
)
def test_csv_errors_name_the_row(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "b.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        load_csv(path, _Pos)
