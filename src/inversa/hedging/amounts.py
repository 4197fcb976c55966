"""Hedge amounts given directly: ``BTC=-14950USD`` or ``BTC=-0.37375BTC``.

An alternative to target weights: the holder says how much of an asset to hedge, in USD
or in coins of the asset, signed (negative: a short leg).  The unit suffix is required
(``USD`` or the asset's own symbol, case-insensitive), so ``-14950`` alone is refused
rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from inversa.errors import InputError
from inversa.hedging._common import asset_key, to_decimal

__all__ = ["HedgeAmount", "parse_hedge_amounts"]

_AMOUNT = re.compile(r"^\s*([+-]?[0-9.eE+-]+?)\s*([A-Za-z]+)\s*$")


@dataclass(frozen=True, slots=True)
class HedgeAmount:
    """A signed hedge size of one asset.

    Attributes:
        asset: the coin hedged.
        value: signed amount (negative: short).
        unit: ``"usd"`` (USD notional) or ``"coin"`` (coins of ``asset``).
    """

    asset: str
    value: Decimal
    unit: Literal["usd", "coin"]

    def usd(self, price: Decimal) -> Decimal:
        """The signed USD notional at ``price`` (USD per coin)."""
        return self.value if self.unit == "usd" else self.value * price

    def __str__(self) -> str:
        suffix = "USD" if self.unit == "usd" else self.asset
        return f"{format(self.value.normalize(), 'f')}{suffix}"

    @classmethod
    def parse(cls, asset: str, text: str, field: str = "hedge") -> HedgeAmount:
        """``"-14950USD"`` or ``"-0.37375BTC"`` for ``asset``; InputError naming
        ``field.asset`` otherwise (missing or foreign unit, not a number, zero)."""
        key = asset_key(field, asset)
        match = _AMOUNT.match(str(text))
        if match is None:
            raise InputError(
                f"{field}.{key}", text, f"expected a signed amount with a unit: -100USD or -1{key}"
            )
        number, unit = match.groups()
        value = to_decimal(f"{field}.{key}", number)
        if value == 0:
            raise InputError(f"{field}.{key}", text, "a hedge amount must not be 0")
        if unit.upper() == "USD":
            return cls(key, value, "usd")
        if unit.upper() == key:
            return cls(key, value, "coin")
        raise InputError(f"{field}.{key}", text, f"unit must be USD or {key}, not {unit}")


def parse_hedge_amounts(items: Mapping[str, str], field: str = "hedge") -> dict[str, HedgeAmount]:
    """``{"BTC": "-14950USD"}`` -> ``{"BTC": HedgeAmount(...)}`` (keys upper-cased)."""
    out: dict[str, HedgeAmount] = {}
    for asset, text in items.items():
        amount = HedgeAmount.parse(asset, text, field)
        if amount.asset in out:
            raise InputError(f"{field}.{amount.asset}", text, f"{amount.asset} given twice")
        out[amount.asset] = amount
    return out
