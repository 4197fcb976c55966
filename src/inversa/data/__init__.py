"""Real market data bundled with inversa, and validating loaders for user files.

Bundled (gzip of the original CSV text; sources and licences in
``inversa/data/bundled/PROVENANCE.md``): BTC/ETH/DeFi daily spot, Binance USD-M hourly
mark prices for BTC and ETH, hourly spot for two crash months, and BitMEX, Deribit, Bybit
and Binance COIN-M inverse funding histories.

Conventions: prices in USD (or USDT) per coin; funding rates as fractions per funding
interval; frames indexed by a tz-aware UTC ``DatetimeIndex`` named ``timestamp``; float64
values.  Nothing is read at import; files are read and validated on first use, cached,
and each call returns a copy.  Bad data raises :class:`inversa.errors.DataError` (file,
data row, value); unknown names raise :class:`inversa.errors.InputError` listing the
known ones.
"""

from inversa.data._catalog import Dataset, list_datasets
from inversa.data._funding import (
    DERIBIT_MISSING_HOURS,
    FUNDING_VENUES,
    FundingSeries,
    funding_history,
    funding_series,
)
from inversa.data._prices import (
    DEFI_ASSETS,
    MARK_ASSETS,
    SPOT_ASSETS,
    crash_window,
    mark_hourly,
    spot_daily,
)
from inversa.data._usdt_funding import USDT_FUNDING, usdt_funding
from inversa.data._validate import read_price_csv, validate_series
from inversa.data._windows import CRASH_WINDOWS, CrashWindow

__all__ = [
    "CRASH_WINDOWS",
    "DEFI_ASSETS",
    "DERIBIT_MISSING_HOURS",
    "FUNDING_VENUES",
    "MARK_ASSETS",
    "SPOT_ASSETS",
    "USDT_FUNDING",
    "CrashWindow",
    "Dataset",
    "FundingSeries",
    "crash_window",
    "funding_history",
    "funding_series",
    "list_datasets",
    "mark_hourly",
    "read_price_csv",
    "spot_daily",
    "usdt_funding",
    "validate_series",
]
