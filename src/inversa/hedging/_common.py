"""Small shared helpers of the hedging layer: exact numbers and asset-keyed mappings."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from inversa.errors import InputError

__all__ = [
    "ONE",
    "ZERO",
    "AssetMap",
    "NumberLike",
    "asset_key",
    "decimal_map",
    "to_decimal",
]

ZERO = Decimal(0)
ONE = Decimal(1)

#: What the public functions accept for a number: converted with ``Decimal(str(x))``, so
#: ``0.1`` means exactly one tenth.
NumberLike = Decimal | int | float | str

#: Asset symbol (upper case) -> exact number.
AssetMap = Mapping[str, Decimal]


def to_decimal(field: str, value: NumberLike) -> Decimal:
    """``value`` as a finite Decimal, or InputError naming ``field``."""
    if isinstance(value, bool):
        raise InputError(field, value, "not a number")
    try:
        out = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InputError(field, value, "not a number") from None
    if not out.is_finite():
        raise InputError(field, value, "must be a finite number")
    return out


def asset_key(field: str, asset: object) -> str:
    """The canonical (stripped, upper-case) asset symbol; InputError if empty."""
    key = str(asset).strip().upper()
    if not key:
        raise InputError(field, asset, "empty asset name")
    return key


def decimal_map(field: str, values: Mapping[str, NumberLike] | None) -> dict[str, Decimal]:
    """``{asset: number}`` with canonical keys and Decimal values; duplicates rejected."""
    out: dict[str, Decimal] = {}
    for asset, value in (values or {}).items():
        key = asset_key(field, asset)
        if key in out:
            raise InputError(f"{field}.{key}", value, f"{key} given twice")
        out[key] = to_decimal(f"{field}.{key}", value)
    return out
