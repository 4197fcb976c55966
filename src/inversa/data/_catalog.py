"""What is bundled: one record per file under ``inversa/data/bundled`` (see PROVENANCE.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from inversa.errors import InputError

__all__ = ["BUNDLED_DIR", "DATASETS", "Dataset", "bundled_path", "list_datasets", "resolve"]

BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"


@dataclass(frozen=True, slots=True)
class Dataset:
    """One bundled file: gzip of the original CSV text, values unchanged.

    ``rows`` counts data rows (header excluded); ``start``/``end`` are the first and last
    UTC timestamps (daily files: UTC days); ``loader`` is the call that reads it.
    """

    name: str
    file: str
    description: str
    frequency: str
    rows: int
    start: str
    end: str
    source: str
    loader: str

    @property
    def path(self) -> Path:
        """Absolute path of the bundled ``.csv.gz`` file."""
        return BUNDLED_DIR / self.file


def _ds(name: str, description: str, frequency: str, rows: int, span: str, *rest: str) -> Dataset:
    start, end = span.split(" .. ")
    source, loader = rest
    return Dataset(name, f"{name}.csv.gz", description, frequency, rows, start, end, source, loader)


DATASETS: tuple[Dataset, ...] = (
    _ds(
        "spot_daily/btc_usd_daily_bitstamp_coinbase",
        "BTC/USD daily OHLCV (Bitstamp to 2015-07-21, then Coinbase), USD per BTC",
        "1D",
        5152,
        "2011-08-18 .. 2025-09-24",
        "mathaszip/BTCprice@34486739",
        'spot_daily("BTC")',
    ),
    _ds(
        "spot_daily/eth_usd_daily_yahoo",
        "ETH-USD daily OHLCV (Yahoo Finance), USD per ETH",
        "1D",
        2661,
        "2017-11-09 .. 2025-02-20",
        "budydeveloper/crypto-dataset@11840c50",
        'spot_daily("ETH")',
    ),
    _ds(
        "defi_daily/defi_usd_daily_yahoo_to_2022-02",
        "DeFi basket daily OHLCV, long format (AAVE COMP CRV LINK MKR SNX SUSHI YFI), USD",
        "1D",
        7312,
        "2017-11-09 .. 2022-02-14",
        "benjaminpo/crypto-price@a9d3c86b",
        'spot_daily("COMP") etc.',
    ),
    _ds(
        "defi_daily/defi_usd_daily_yahoo_to_2025-02",
        "AAVE and LINK daily OHLCV to 2025, long format (Yahoo Finance), USD",
        "1D",
        4264,
        "2017-11-09 .. 2025-02-20",
        "budydeveloper/crypto-dataset@11840c50",
        'spot_daily("AAVE"), spot_daily("LINK")',
    ),
    _ds(
        "hourly/btcusdt_binance_usdm_markprice_1h",
        "Binance USD-M BTCUSDT perpetual mark price, 1h OHLC, USDT per BTC",
        "1h",
        35481,
        "2019-12-23T11:00:00Z .. 2024-01-09T19:00:00Z",
        "cdw1p/Binance-OHLC-Live@b0a42c4e",
        'mark_hourly("BTC"), crash_window(name, "BTC")',
    ),
    _ds(
        "hourly/ethusdt_binance_usdm_markprice_1h",
        "Binance USD-M ETHUSDT perpetual mark price, 1h OHLC, USDT per ETH",
        "1h",
        35481,
        "2019-12-23T11:00:00Z .. 2024-01-09T19:00:00Z",
        "cdw1p/Binance-OHLC-Live@b0a42c4e",
        'mark_hourly("ETH"), crash_window(name, "ETH")',
    ),
    _ds(
        "hourly/crash_windows_binance_spot_1h_2020-03_2021-05",
        "Binance spot BTCUSDT/ETHUSDT 1h OHLCV for March 2020 and May 2021, USDT per coin",
        "1h",
        2976,
        "2020-03-01T00:00:00Z .. 2021-05-31T23:00:00Z",
        "andrewsiah/crypto-historical-data@bcf8fc9e",
        'crash_window(name, asset, source="spot")',
    ),
    _ds(
        "funding/bitmex_xbtusd_funding",
        "BitMEX XBTUSD inverse perpetual funding rates, fraction per interval (24h, then 8h)",
        "24h then 8h",
        4866,
        "2016-05-14T12:00:00Z .. 2020-11-05T04:00:00Z",
        "nearridge/Hehmeyer@7744d79f",
        'funding_history("bitmex")',
    ),
    _ds(
        "funding/deribit_btc_perpetual_funding_1h",
        "Deribit BTC-PERPETUAL hourly funding accrued and index price (USD)",
        "1h (2 missing hours)",
        16008,
        "2019-04-30T10:00:00Z .. 2021-02-25T11:00:00Z",
        "nearridge/Hehmeyer@7744d79f",
        'funding_history("deribit")',
    ),
    _ds(
        "funding/bybit_btcusd_inverse_perp_8h",
        "Bybit BTCUSD inverse perpetual 8h bars, spot 8h bars and funding per 8h",
        "8h",
        7068,
        "2018-11-15T00:00:00Z .. 2025-04-27T16:00:00Z",
        "FrancyPengChoco/my-notebook@bd35ce73",
        'funding_history("bybit")',
    ),
    _ds(
        "funding/binance_coinm_btcusd_perp_8h",
        "Binance COIN-M BTCUSD_PERP 8h bars, spot 8h bars and funding per 8h",
        "8h",
        5164,
        "2020-08-11T00:00:00Z .. 2025-04-28T00:00:00Z",
        "FrancyPengChoco/my-notebook@bd35ce73",
        'funding_history("binance-coinm")',
    ),
    _ds(
        "funding/usdt_linear_perp_funding_binance_bybit",
        "Binance USD-M and Bybit BTCUSDT/ETHUSDT linear perpetual funding per 8h, long format",
        "8h",
        15336,
        "2020-01-01T00:00:00Z .. 2023-12-31T16:00:00Z",
        "supervik/historical-funding-rates-fetcher@66a085bc",
        'usdt_funding("binance", "BTCUSDT")',
    ),
)

_BY_NAME = {d.name: d for d in DATASETS}


def list_datasets() -> tuple[Dataset, ...]:
    """Every bundled dataset: name, file, units, rows, UTC range, upstream source, loader."""
    return DATASETS


def bundled_path(name: str) -> Path:
    """Path of a bundled dataset by its name (e.g. ``"funding/bitmex_xbtusd_funding"``)."""
    return _BY_NAME[resolve("dataset", name, _BY_NAME)].path


def resolve(
    field: str, value: object, known: Iterable[str], normalize: Callable[[str], str] = str
) -> str:
    """The known name ``value`` stands for (after ``normalize``), else InputError listing them."""
    names = tuple(known)
    if isinstance(value, str) and normalize(value.strip()) in names:
        return normalize(value.strip())
    raise InputError(field, value, f"unknown {field}; known: {', '.join(names)}")
