"""ccxt market data: BitMEX's contractSize is the multiplier, not the contract value."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from inversa.errors import InputError
from inversa.venues import ccxt_contract_value, load_venue

D = Decimal


def _market(symbol: str, size: Any, settle: str = "BTC", inverse: Any = True) -> dict[str, Any]:
    """A ccxt ``fetch_markets`` item, reduced to the fields the normaliser reads."""
    return {
        "symbol": symbol,
        "inverse": inverse,
        "linear": not inverse,
        "contract": True,
        "contractSize": size,
        "settle": settle,
    }


@pytest.mark.parametrize(
    ("venue", "vid", "market"),
    [
        # ccxt's BitMEX XBTUSD: contractSize 100000000 (the API multiplier in satoshi)
        ("bitmex", "XBTUSD", _market("BTC/USD:BTC", 100000000)),
        ("bitmex", "XBTUSD", _market("BTC/USD:BTC", -100000000.0)),  # signed, as the API
        ("bybit", "BTCUSD", _market("BTC/USD:BTC", 1)),
        ("deribit", "BTC-PERPETUAL", _market("BTC/USD:BTC", 10)),
        ("binance-coinm", "BTCUSD_PERP", _market("BTC/USD:BTC", 100)),
        ("okx", "BTC-USD-SWAP", _market("BTC/USD:BTC", "100")),
    ],
)
def test_ccxt_contract_value_agrees_with_the_rule_files(
    venue: str, vid: str, market: dict[str, Any]
) -> None:
    got = ccxt_contract_value(venue, market)
    assert got == load_venue(venue).instrument(vid).contract_value


def test_bitmex_field_as_it_is_would_be_wrong_by_1e8() -> None:
    raw = _market("BTC/USD:BTC", 100000000)
    assert D(raw["contractSize"]) != ccxt_contract_value("bitmex", raw) == D(1)
    note = load_venue("bitmex").instrument("XBTUSD").note("contract_value")
    assert "contractSize" in (note or "")


@pytest.mark.parametrize(
    ("venue", "market", "field"),
    [
        ("bybit", _market("BTC/USDT:USDT", 1, "USDT", inverse=False), "market.inverse"),
        ("bybit", _market("BTC/USD:BTC", None), "market.contractSize"),
        ("bybit", _market("BTC/USD:BTC", "abc"), "market.contractSize"),
        ("bybit", _market("BTC/USD:BTC", 0), "market.contractSize"),
        ("bybit", _market("BTC/USD:BTC", True), "market.contractSize"),
        ("bitmex", _market("ETH/USD:ETH", 1000000, "ETH"), "market.settle"),
    ],
)
def test_ccxt_contract_value_rejects(venue: str, market: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError, match=field):
        ccxt_contract_value(venue, market)
