"""Funding history of the linear (USDT-margined) BTC and ETH perpetuals on Binance and Bybit."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from inversa.data._catalog import bundled_path, resolve
from inversa.data._validate import parse_table, read_text_table, validate_series

__all__ = ["USDT_FUNDING", "usdt_funding"]

#: (exchange, symbol) pairs in the bundled file.
USDT_FUNDING = (
    ("binance", "BTCUSDT"),
    ("binance", "ETHUSDT"),
    ("bybit", "BTCUSDT"),
    ("bybit", "ETHUSDT"),
)


@cache
def _load(exchange: str, symbol: str) -> pd.DataFrame:
    path = bundled_path("funding/usdt_linear_perp_funding_binance_bybit")
    src = str(path)
    text = read_text_table(path)
    rows = np.arange(1, len(text) + 1, dtype=np.int64)
    mask = (text["exchange"] == exchange) & (text["symbol"] == symbol)
    part = text.loc[mask]
    frame = parse_table(
        part,
        src,
        time_column="timestamp_utc",
        price_columns=(),
        value_columns=("funding_rate",),
        rows=rows[mask.to_numpy()],
    )
    return validate_series(frame, src, freq="8h")


def usdt_funding(exchange: str, symbol: str = "BTCUSDT") -> pd.DataFrame:
    """Funding of a linear USDT perpetual: ``exchange`` ``"binance"`` (2020-01-01 ..
    2023-12-31T16Z) or ``"bybit"`` (2021-01-01 ..), ``symbol`` ``BTCUSDT`` or ``ETHUSDT``.

    Index: tz-aware UTC ``timestamp`` = funding time, every 8 h; column ``funding_rate``:
    fraction per 8 h, positive = longs pay shorts.
    """
    ex = resolve("exchange", exchange, sorted({e for e, _ in USDT_FUNDING}), str.lower)
    sym = resolve("symbol", symbol, sorted({s for _, s in USDT_FUNDING}), str.upper)
    return _load(ex, sym).copy()
