"""Loader for the bundled USDT-margined (linear) perpetual funding histories.

Same shape as :func:`inversa.data.funding_history`: tz-aware UTC ``DatetimeIndex`` named
``timestamp``; ``funding_rate`` as a fraction per 8 h (positive = longs pay shorts);
``interval_hours`` = 8.0.  The file has no prices.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from inversa.data._catalog import bundled_path, resolve
from inversa.data._validate import parse_table, read_text_table, validate_series

__all__ = ["LINEAR_FUNDING", "linear_funding_history"]

#: (exchange, asset) pairs in the bundled file.
LINEAR_FUNDING = (("binance", "BTC"), ("binance", "ETH"), ("bybit", "BTC"), ("bybit", "ETH"))
_NAME = "funding/usdt_linear_perp_funding_binance_bybit"


@cache
def _all() -> dict[tuple[str, str], pd.DataFrame]:
    path = bundled_path(_NAME)
    source = str(path)
    text = read_text_table(path)
    rows = np.arange(1, len(text) + 1, dtype=np.int64)
    frame = parse_table(
        text,
        source,
        time_column="timestamp_utc",
        price_columns=(),
        value_columns=("funding_rate",),
        text_columns=("exchange", "symbol"),
        rows=rows,
    )
    out: dict[tuple[str, str], pd.DataFrame] = {}
    for exchange, asset in LINEAR_FUNDING:
        mask = ((frame["exchange"] == exchange) & (frame["symbol"] == f"{asset}USDT")).to_numpy()
        part = pd.DataFrame(index=frame.index[mask])
        part["funding_rate"] = frame["funding_rate"].to_numpy()[mask]
        part["interval_hours"] = np.float64(8.0)
        out[(exchange, asset)] = validate_series(part, source, freq="8h", row_numbers=rows[mask])
    return out


def linear_funding_history(exchange: str, asset: str = "BTC") -> pd.DataFrame:
    """Funding of ``asset``'s USDT linear perpetual on ``exchange`` (``"binance"``:
    2020-01-01 .. 2023-12-31T16Z; ``"bybit"``: 2021-01-01 .. 2023-12-31T16Z), every 8 h."""
    ex = resolve("exchange", exchange, sorted({e for e, _ in LINEAR_FUNDING}), str.lower)
    coin = resolve("asset", asset, sorted({a for _, a in LINEAR_FUNDING}), str.upper)
    return _all()[(ex, coin)].copy()
