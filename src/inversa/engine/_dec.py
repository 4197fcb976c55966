"""Exact numbers for the ledger: the engine's Decimal context, parsing and lot rounding.

Every amount the engine books (wallets, margins, fees, funding, insurance fund) is a
:class:`~decimal.Decimal` computed in :data:`CONTEXT` (40 significant digits, half-even,
traps on invalid operations).  Divisions (``N * CV / P``) round at the 40th digit, so
ledger identities hold to about ``1e-30`` coin; :data:`TOLERANCE` (``1e-20`` coin) is the
slack the invariant checks allow, far below one satoshi.
"""

from __future__ import annotations

import math
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from decimal import (
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

import numpy as np
import pandas as pd

from inversa.errors import InputError

__all__ = [
    "CONTEXT",
    "INF",
    "MAX_AMOUNT",
    "MAX_PRICE",
    "MIN_PRICE",
    "TOLERANCE",
    "ZERO",
    "exact",
    "floor_to",
    "fmt",
    "to_decimal",
    "to_price",
    "to_utc",
]

CONTEXT = Context(
    prec=40, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)
TOLERANCE = Decimal("1e-20")
ZERO = Decimal(0)
#: The largest magnitude the engine accepts for an amount, count or rate (issue 8: a
#: value that would overflow later is refused when it arrives).
MAX_AMOUNT = Decimal("1e15")
#: The largest price (USD per coin) the engine accepts.
MAX_PRICE = Decimal("1e12")
#: The smallest price: below it one contract's coin value outgrows the ledger's 40 digits
#: at the precision the invariants check (1e-20 coin).
MIN_PRICE = Decimal("1e-8")
INF = Decimal("Infinity")


def exact() -> AbstractContextManager[Context]:
    """Run the enclosed ledger arithmetic in :data:`CONTEXT` (``with exact(): ...``)."""
    return localcontext(CONTEXT)


def to_decimal(
    field: str,
    value: object,
    *,
    positive: bool = False,
    nonnegative: bool = False,
    limit: Decimal = MAX_AMOUNT,
) -> Decimal:
    """``value`` as a finite Decimal with ``|value| <= limit``, else :class:`InputError`
    naming ``field``.

    Accepts Decimal, int, str and floats (converted through ``repr``, so ``0.1`` becomes
    ``Decimal("0.1")``); rejects booleans, NaN, infinities and magnitudes above ``limit``
    (:data:`MAX_AMOUNT`; prices :data:`MAX_PRICE`), and nonzero magnitudes below
    ``1e-30``, so that no later product or quotient overflows the ledger's context.
    """
    if isinstance(value, bool):
        raise InputError(field, value, "must be a number, not a boolean")
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int | np.integer):
            number = Decimal(int(value))
        elif isinstance(value, float | np.floating):
            if not math.isfinite(float(value)):
                raise InputError(field, value, "must be a finite number")
            number = Decimal(repr(float(value)))
        elif isinstance(value, str):
            number = Decimal(value.strip())
        else:
            raise InputError(field, value, "must be a number")
    except ArithmeticError:
        raise InputError(field, value, "must be a number") from None
    if not number.is_finite():
        raise InputError(field, value, "must be a finite number")
    if number.adjusted() > limit.adjusted() or abs(number) > limit:
        raise InputError(field, value, f"magnitude must be at most {fmt(limit)}")
    if number and number.adjusted() < -30:
        raise InputError(field, value, "magnitude must be at least 1e-30 (or exactly 0)")
    if positive and not number > 0:
        raise InputError(field, value, "must be > 0")
    if nonnegative and number < 0:
        raise InputError(field, value, "must be >= 0")
    return number


def to_price(field: str, value: object) -> Decimal:
    """A price in USD per coin within ``[MIN_PRICE, MAX_PRICE]``, else InputError."""
    price = to_decimal(field, value, positive=True, limit=MAX_PRICE)
    if price < MIN_PRICE:
        raise InputError(field, value, f"must be at least {fmt(MIN_PRICE)} (USD per coin)")
    return price


def fmt(value: Decimal) -> str:
    """``value`` without trailing zeros or exponent, for messages (``0.0101``)."""
    if not value.is_finite():
        return str(value)
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """Largest multiple of ``step`` not above ``value``."""
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def to_utc(field: str, value: object) -> datetime:
    """A timezone-aware UTC :class:`datetime` from a datetime or pandas Timestamp."""
    if type(value) is datetime and value.tzinfo is UTC:
        return value
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is None:
            raise InputError(field, value, "must be timezone-aware (UTC)")
        return value.tz_convert("UTC").to_pydatetime()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InputError(field, value, "must be timezone-aware (UTC)")
        return value.astimezone(UTC)
    raise InputError(field, value, "must be a timezone-aware datetime")
