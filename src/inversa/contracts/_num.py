"""One formula, two number types.

The pure functions of :mod:`inversa.contracts` are written with plain arithmetic so that
the same code runs on :class:`~decimal.Decimal` scalars (exact: calculators, ledgers) and
on NumPy ``float64`` arrays (fast: simulation).  This module holds the few operations
that plain arithmetic cannot express for both (max, min, choice, exp, logs) and the
conversion of constants to the caller's number type.

Never mix the two types in one call: a Decimal and a float do not add.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Array",
    "Num",
    "ceil",
    "exp",
    "like",
    "log",
    "maximum",
    "minimum",
    "where",
]

Array = NDArray[np.float64]

#: A number the formulas accept: an exact Decimal, a float, or a float64 array.
Num = TypeVar("Num", Decimal, float, Array)


def like(x: Num, value: str | int) -> Num:
    """The constant ``value`` in the number type of ``x`` (Decimal stays exact)."""
    if isinstance(x, Decimal):
        return Decimal(value)
    if isinstance(x, np.ndarray):
        return np.float64(value)  # type: ignore[return-value]
    return float(value)


def maximum(a: Num, b: Num) -> Num:
    """Element-wise maximum."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.maximum(a, b)
    return a if a >= b else b


def minimum(a: Num, b: Num) -> Num:
    """Element-wise minimum."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.minimum(a, b)
    return a if a <= b else b


def where(cond: bool | NDArray[np.bool_], a: Num, b: Num) -> Num:
    """``a`` where ``cond`` holds, else ``b`` (element-wise for arrays)."""
    if isinstance(cond, np.ndarray):
        out: Any = np.where(cond, cast(Any, a), cast(Any, b))
        return cast(Num, out)
    return a if cond else b


def exp(x: Num) -> Num:
    """e**x, exact to the Decimal context for Decimals."""
    if isinstance(x, Decimal):
        with localcontext() as ctx:
            ctx.prec += 10
            result = x.exp()
        return +result
    if isinstance(x, np.ndarray):
        return np.exp(x)
    return math.exp(x)


def log(x: Num) -> Num:
    """Natural logarithm."""
    if isinstance(x, Decimal):
        return x.ln()
    if isinstance(x, np.ndarray):
        return np.log(x)
    return math.log(x)


def ceil(x: Num) -> Num:
    """Smallest integer >= x, in the type of x."""
    if isinstance(x, Decimal):
        from decimal import ROUND_CEILING

        return x.to_integral_value(rounding=ROUND_CEILING)
    if isinstance(x, np.ndarray):
        return np.ceil(x)
    return float(math.ceil(x))
