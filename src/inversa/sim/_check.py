"""Scalar parameter checks shared by the simulation modules."""

from __future__ import annotations

import math

from inversa.errors import InputError

__all__ = ["finite_float"]


def finite_float(field: str, value: object) -> float:
    """``value`` as a finite float, or InputError naming ``field`` and the value."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(field, value, "must be a number") from None
    if not math.isfinite(number):
        raise InputError(field, value, "must be a finite number")
    return number
