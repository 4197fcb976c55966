"""Symbol lookup: ccxt symbols, venue ids, case, dated symbols, cross-venue resolution."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inversa.errors import InputError, UnknownSymbolError, UnknownVenueError
from inversa.venues import load_venue, resolve

PERPETUALS = [
    ("bitmex", "XBTUSD"),
    ("bybit", "BTCUSD"),
    ("deribit", "BTC-PERPETUAL"),
    ("binance-coinm", "BTCUSD_PERP"),
    ("okx", "BTC-USD-SWAP"),
]


@pytest.mark.parametrize(("name", "vid"), PERPETUALS)
def test_alias_and_symbol_name_the_same_instrument(name: str, vid: str) -> None:
    venue = load_venue(name)
    by_alias = venue.instrument(vid)
    assert by_alias.symbol == "BTC/USD:BTC"
    assert vid in by_alias.aliases
    assert venue.instrument("BTC/USD:BTC") is by_alias
    assert venue.instrument(vid.lower()) is by_alias
    assert venue.instrument(f" {vid.swapcase()} ") is by_alias
    assert venue.instrument("btc/usd:btc") is by_alias


@pytest.mark.parametrize(("name", "vid"), PERPETUALS)
def test_resolve_venue_id_without_venue(name: str, vid: str) -> None:
    venue, inst = resolve(vid.lower())
    assert venue.name == name
    assert inst.aliases == (vid,)


def test_resolve_with_venue_and_venue_alias() -> None:
    venue, inst = resolve("btc/usd:btc", venue="Binance")
    assert venue.name == "binance-coinm"
    assert inst.contract_value == 100
    assert load_venue("binance") is load_venue("BINANCE-COINM")


def test_resolve_ambiguous_lists_candidates() -> None:
    with pytest.raises(InputError, match="ambiguous") as info:
        resolve("BTC/USD:BTC")
    for name in ("binance-coinm", "bitmex", "bybit", "deribit", "okx"):
        assert name in str(info.value)
    with pytest.raises(InputError, match="ambiguous"):
        resolve("ETH/USD:ETH")


def test_resolve_dated_venue_id_is_unique() -> None:
    venue, inst = resolve("BTC-27JUN25")
    assert venue.name == "deribit"
    assert inst.symbol == "BTC/USD:BTC-250627"
    venue, inst = resolve("xbtu25")
    assert (venue.name, inst.spec.expiry) == ("bitmex", datetime(2025, 9, 26, 12, tzinfo=UTC))


def test_resolve_dated_rejected_everywhere_raises_input_error() -> None:
    with pytest.raises(InputError, match="BTCUSD_250620"):
        resolve("BTCUSD_250620")


def test_unknown_symbol_names_value_and_lists_known() -> None:
    with pytest.raises(UnknownSymbolError) as info:
        load_venue("bitmex").instrument("DOGEUSD")
    message = str(info.value)
    assert "DOGEUSD" in message
    assert "bitmex" in message
    assert "XBTUSD" in message
    assert "BTC/USD:BTC" in message
    assert "XBT{MYY}" in message
    with pytest.raises(UnknownSymbolError, match=r"DOGEUSD.*bybit:BTCUSD"):
        resolve("DOGEUSD")


def test_unknown_venue_names_value_and_lists_known() -> None:
    with pytest.raises(UnknownVenueError) as info:
        load_venue("kraken")
    message = str(info.value)
    assert "kraken" in message
    for name in ("binance-coinm", "bitmex", "bybit", "deribit", "okx"):
        assert name in message
    with pytest.raises(UnknownVenueError):
        resolve("XBTUSD", venue="ftx")


def test_dated_symbol_round_trip_and_forms() -> None:
    bitmex = load_venue("bitmex")
    assert bitmex.instrument("XBTM25") == bitmex.instrument("btc/usd:btc-250627")
    deribit = load_venue("deribit")
    assert deribit.instrument("BTC-4JUL25").aliases == ("BTC-4JUL25",)
    assert deribit.instrument("btc-04jul25").symbol == "BTC/USD:BTC-250704"


@pytest.mark.parametrize(
    ("name", "symbol"),
    [
        ("bitmex", "BTC/USD:BTC-250620"),  # a Friday, not the last of June
        ("bitmex", "XBTN25"),  # July: not a quarterly month
        ("binance-coinm", "BTCUSD_250725"),  # last Friday of July: not a quarter month
        ("binance-coinm", "BTCUSD_250626"),  # a Thursday
        ("deribit", "BTC-26JUN25"),  # a Thursday
        ("okx", "BTC-USD-250628"),  # a Saturday
        ("deribit", "BTC-31JUN25"),  # no such day
        ("okx", "BTC-USD-251327"),  # no month 13
        ("deribit", "BTC-27JUX25"),  # no such month
    ],
)
def test_non_expiry_dates_are_rejected(name: str, symbol: str) -> None:
    with pytest.raises(InputError) as info:
        load_venue(name).instrument(symbol)
    assert symbol in str(info.value)
    assert info.value.field == "symbol"


_DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2040, 12, 31))


@given(_DAYS.filter(lambda d: d.weekday() == 4))
def test_any_friday_resolves_on_deribit(day: date) -> None:
    deribit = load_venue("deribit")
    ccxt = f"BTC/USD:BTC-{day:%y%m%d}"
    inst = deribit.instrument(ccxt)
    assert inst.symbol == ccxt
    assert inst.spec.expiry == datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
    assert deribit.instrument(inst.aliases[0]) == inst
    months = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    month = months[day.month - 1]
    assert inst.aliases[0] == f"BTC-{day.day}{month}{day:%y}"


@given(_DAYS.filter(lambda d: d.weekday() != 4))
def test_any_other_weekday_is_rejected_on_deribit(day: date) -> None:
    with pytest.raises(InputError, match="not an expiry"):
        load_venue("deribit").instrument(f"BTC/USD:BTC-{day:%y%m%d}")


@given(_DAYS)
def test_binance_accepts_exactly_last_fridays_of_quarter_months(day: date) -> None:
    is_expiry = (
        day.weekday() == 4
        and day.month in (3, 6, 9, 12)
        and (day + timedelta(7)).month != day.month
    )
    symbol = f"BTCUSD_{day:%y%m%d}"
    if is_expiry:
        assert load_venue("binance-coinm").instrument(symbol).spec.expiry is not None
    else:
        with pytest.raises(InputError):
            load_venue("binance-coinm").instrument(symbol)


@given(st.integers(2019, 2040), st.sampled_from([("H", 3), ("M", 6), ("U", 9), ("Z", 12)]))
def test_bitmex_month_code_is_the_last_friday(year: int, code: tuple[str, int]) -> None:
    inst = load_venue("bitmex").instrument(f"XBT{code[0]}{year % 100:02d}")
    expiry = inst.spec.expiry
    assert expiry is not None
    assert (expiry.year, expiry.month, expiry.weekday(), expiry.hour) == (year, code[1], 4, 12)
    assert (expiry + timedelta(7)).month != code[1]


def test_no_file_is_read_at_import() -> None:
    code = (
        "import inversa.venues, inversa.venues._registry as r;"
        "assert r._rule_files.cache_info().currsize == 0;"
        "assert r._load.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_venues_are_cached() -> None:
    assert load_venue("bitmex") is load_venue(" BitMEX ")
