"""Reading contract terms out of a ccxt market dict, without importing ccxt.

ccxt (an optional extra) describes a market with unified fields; for inverse contracts
``contractSize`` is meant to be the USD value of one contract, and it is for Bybit (1),
Deribit (10), Binance COIN-M and OKX (100).  BitMEX is the exception: ccxt reports the
API's ``multiplier`` there, ``contractSize = 100000000`` for XBTUSD, which is satoshi per
(contract x USD price), not the contract's 1 USD.  Never import the field as it is: use
:func:`ccxt_contract_value`, which converts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from inversa.errors import InputError

__all__ = ["SATOSHI_PER_BTC", "ccxt_contract_value"]

#: BitMEX values XBT contracts in satoshi (XBt): 10^8 per BTC.
SATOSHI_PER_BTC = Decimal(100_000_000)


def _decimal(field: str, raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise InputError(field, raw, "expected a number")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise InputError(field, raw, "not a number") from None
    if not value.is_finite() or value == 0:
        raise InputError(field, raw, "must be a finite, non-zero number")
    return value


def ccxt_contract_value(venue: str, market: Mapping[str, Any]) -> Decimal:
    """USD per contract of an inverse market as ccxt describes it (``fetch_markets`` item).

    Args:
        venue: the venue's rule-set name or ccxt id (``"bitmex"``, ``"bybit"``, ...).
        market: one ccxt market: needs ``inverse`` (true), ``contractSize`` and ``settle``.

    Returns ``contractSize`` as a Decimal, except on BitMEX, where ccxt's ``contractSize``
    is the API multiplier in satoshi: ``|contractSize| / 10^8`` for a BTC-settled contract
    (XBTUSD: 100000000 -> 1 USD).  Raises InputError for a market that is not inverse, a
    missing or non-numeric ``contractSize``, or a BitMEX inverse contract not settled in
    BTC (its multiplier's unit is not known here).
    """
    symbol = market.get("symbol", "?")
    if market.get("inverse") is not True:
        raise InputError("market.inverse", market.get("inverse"), f"{symbol} is not inverse")
    size = _decimal("market.contractSize", market.get("contractSize"))
    if venue.strip().lower() != "bitmex":
        return size
    settle = str(market.get("settle", "")).upper()
    if settle not in ("BTC", "XBT"):
        raise InputError(
            "market.settle", settle, f"{symbol}: BitMEX multiplier unit known only for BTC"
        )
    return abs(size) / SATOSHI_PER_BTC
