"""The bundled USDT linear funding: four series, regular 8 h, names checked."""

from __future__ import annotations

import pytest

from inversa.data import linear_funding_history
from inversa.errors import InputError


@pytest.mark.parametrize(
    ("exchange", "asset", "rows", "start"),
    [
        ("binance", "BTC", 4383, "2020-01-01"),
        ("binance", "ETH", 4383, "2020-01-01"),
        ("bybit", "BTC", 3285, "2021-01-01"),
        ("Bybit", "eth", 3285, "2021-01-01"),
    ],
)
def test_series(exchange: str, asset: str, rows: int, start: str) -> None:
    frame = linear_funding_history(exchange, asset)
    assert len(frame) == rows
    assert str(frame.index[0].date()) == start
    assert str(frame.index[-1]) == "2023-12-31 16:00:00+00:00"
    assert (frame["interval_hours"] == 8.0).all()
    assert frame["funding_rate"].abs().max() < 0.01


def test_unknown_names() -> None:
    with pytest.raises(InputError, match="exchange"):
        linear_funding_history("okx")
    with pytest.raises(InputError, match="asset"):
        linear_funding_history("binance", "SOL")
