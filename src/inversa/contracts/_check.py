"""Domain checks shared by the formulas: each failure names the field and the value."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import numpy as np

from inversa.contracts._num import Num
from inversa.errors import InputError

__all__ = ["Side", "check_leverage", "check_nonnegative", "check_positive", "parse_side"]

#: +1 long, -1 short.
Side = Literal[1, -1]


def _first_bad(x: np.ndarray, bad: np.ndarray) -> object:
    index = int(np.argmax(bad))
    return f"{x.flat[index]!r} at index {index}"


def check_positive(field: str, x: Num) -> Num:
    """``x`` if it is finite and > 0 (every element, for arrays); else InputError."""
    if type(x) is Decimal and x.is_finite() and x > 0:  # the ledger's hot path
        return x
    if isinstance(x, np.ndarray):
        bad = ~(x > 0) | ~np.isfinite(x)
        if bad.any():
            raise InputError(field, _first_bad(x, bad), "must be a finite number > 0")
        return x
    if isinstance(x, Decimal):
        ok = x.is_finite() and x > 0
    else:
        ok = x > 0 and np.isfinite(x)
    if not ok:
        raise InputError(field, x, "must be a finite number > 0")
    return x


def check_nonnegative(field: str, x: Num) -> Num:
    """``x`` if it is finite and >= 0; else InputError."""
    if isinstance(x, np.ndarray):
        bad = ~(x >= 0) | ~np.isfinite(x)
        if bad.any():
            raise InputError(field, _first_bad(x, bad), "must be a finite number >= 0")
        return x
    ok = x.is_finite() and x >= 0 if isinstance(x, Decimal) else x >= 0 and np.isfinite(x)
    if not ok:
        raise InputError(field, x, "must be a finite number >= 0")
    return x


def check_leverage(x: Num, cap: Decimal | float | None = None, field: str = "leverage") -> Num:
    """Leverage must be >= 1 and at most ``cap`` when a cap is given."""
    if isinstance(x, np.ndarray):
        bad = ~(x >= 1) | ~np.isfinite(x)
        if cap is not None:
            bad |= x > float(cap)
        if bad.any():
            raise InputError(field, _first_bad(x, bad), f"must lie in [1, {cap or 'inf'}]")
        return x
    finite = x.is_finite() if isinstance(x, Decimal) else bool(np.isfinite(x))
    if not finite or not x >= 1:
        raise InputError(field, x, "must be a finite number >= 1")
    if cap is not None and x > type(x)(str(cap)):
        raise InputError(field, x, f"exceeds the venue's maximum leverage {cap}")
    return x


def parse_side(value: object, field: str = "side") -> Side:
    """``"long"``/``"buy"``/``+1`` -> 1, ``"short"``/``"sell"``/``-1`` -> -1."""
    if isinstance(value, str):
        key = value.strip().lower()
        if key in ("long", "buy", "+1", "1"):
            return 1
        if key in ("short", "sell", "-1"):
            return -1
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        if value == 1:
            return 1
        if value == -1:
            return -1
    raise InputError(field, value, "must be 'long' (+1) or 'short' (-1)")
