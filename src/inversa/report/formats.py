"""One number formatter per unit: what every table (terminal or HTML) prints.

========== ======================================================== ==================
unit       format                                                   example
========== ======================================================== ==================
``coin``   8 decimal places, thousands separators                   ``0.47619048``
``usd``    2 decimal places, thousands separators                   ``1,234,567.89``
``price``  at the instrument's tick when known, else 6 significant  ``0.000123``,
           digits, never in exponent notation                       ``64,123.5``
``rate``   a fraction shown as a percentage, 6 significant digits   ``0.01%``
``count``  a whole number with separators                           ``20,000``
``x``      leverage                                                 ``10x``
``number`` 6 significant digits, no exponent                        ``1.5``
``days``   a duration in days, 6 significant digits                 ``84.7917``
``time``   an instant in UTC to the minute                          ``2025-03-28 08:00``
``text``   as given; booleans as ``yes``/``no``                     ``yes``
========== ======================================================== ==================

``None``, a missing time (``NaT``) and an empty list print as ``-``; an infinite price as
``none`` (no such price: a position that cannot be liquidated); NaN as ``n/a``.  Dates and
times print as dates and times whatever the unit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

import numpy as np

__all__ = [
    "UNIT_LABELS",
    "Unit",
    "fmt",
    "fmt_coin",
    "fmt_count",
    "fmt_number",
    "fmt_price",
    "fmt_rate",
    "fmt_usd",
]

Unit = Literal[
    "coin", "usd", "price", "usdt_price", "rate", "count", "x", "number", "days", "time", "text"
]

#: The words a header shows for each unit (HTML and terminal tables).
UNIT_LABELS: dict[str, str] = {
    "coin": "coin",
    "usd": "USD",
    "price": "USD per coin",
    "usdt_price": "USDT per coin",
    "rate": "%",
    "count": "",
    "x": "",
    "number": "",
    "days": "days",
    "time": "UTC",
    "text": "",
}


def _dec(value: Any) -> Decimal | None:
    """A finite Decimal from a Decimal/int/float/NumPy scalar, None when not finite."""
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    number = float(value)
    if not math.isfinite(number):
        return None
    return Decimal(repr(number))


def _special(value: Any, infinite: str = "none") -> str | None:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return str(value)
    if math.isnan(number):
        return "n/a"
    if math.isinf(number) and not (isinstance(value, Decimal) and value.is_finite()):
        return infinite if number > 0 else f"-{infinite}"
    return None


def _fixed(value: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{value.quantize(quantum, rounding=ROUND_HALF_EVEN):,.{places}f}"


def _significant(value: Decimal, digits: int = 6, strip: bool = True) -> str:
    if value == 0:
        return "0"
    places = digits - 1 - value.adjusted()
    if places < 0:  # round the integer digits too: 123456789 -> 123,457,000
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
        return f"{rounded:,.0f}"
    text = _fixed(value, places)
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_coin(value: Any) -> str:
    """A coin amount: 8 decimal places with separators."""
    special = _special(value, "inf")
    if special is not None:
        return special
    number = _dec(value)
    return "-" if number is None else _fixed(number, 8)


def fmt_usd(value: Any) -> str:
    """A USD amount: 2 decimal places with separators."""
    special = _special(value, "inf")
    if special is not None:
        return special
    number = _dec(value)
    return "-" if number is None else _fixed(number, 2)


def fmt_price(value: Any, tick: Decimal | None = None) -> str:
    """USD per coin at ``tick`` when given, else 6 significant digits (``none``: +inf)."""
    special = _special(value)
    if special is not None:
        return special
    number = _dec(value)
    if number is None:
        return "-"
    if tick is not None and tick > 0:
        return _fixed(number, max(0, -tick.normalize().as_tuple().exponent))  # type: ignore[operator]
    return _significant(number)


def fmt_rate(value: Any) -> str:
    """A fraction as a percentage with up to 6 significant digits: 0.0001 -> ``0.01%``."""
    special = _special(value, "inf")
    if special is not None:
        return special
    number = _dec(value)
    return "-" if number is None else f"{_significant(number * 100)}%"


def fmt_count(value: Any) -> str:
    """A whole number with separators (6 significant digits if it is not whole)."""
    special = _special(value, "inf")
    if special is not None:
        return special
    number = _dec(value)
    if number is None:
        return "-"
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return _significant(number)


def fmt_number(value: Any) -> str:
    """Any other number: 6 significant digits, never in exponent notation."""
    special = _special(value, "inf")
    if special is not None:
        return special
    number = _dec(value)
    return "-" if number is None else _significant(number)


def _fmt_x(value: Any) -> str:
    special = _special(value, "inf")
    return special if special is not None else f"{fmt_number(value)}x"


def _missing(value: Any) -> bool:
    """None, or a missing time: pandas' ``NaT`` (a datetime unequal to itself) or NumPy's."""
    if value is None:
        return True
    if isinstance(value, datetime):
        return value != value  # NaT
    return isinstance(value, np.datetime64) and bool(np.isnat(value))


def _fmt_text(value: Any) -> str:
    if _missing(value):
        return "-"
    if isinstance(value, np.datetime64):
        value = value.astype("datetime64[us]").item()
    if isinstance(value, datetime):
        moment: datetime = value.astimezone(UTC) if value.tzinfo is not None else value
        return moment.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    special = _special(value)
    if special is not None:
        return special
    return str(value)


_FORMATTERS: dict[str, Callable[[Any], str]] = {
    "coin": fmt_coin,
    "usd": fmt_usd,
    "price": fmt_price,
    "usdt_price": fmt_price,
    "rate": fmt_rate,
    "count": fmt_count,
    "x": _fmt_x,
    "number": fmt_number,
    "days": fmt_number,
    "time": _fmt_text,
    "text": _fmt_text,
}


def fmt(value: Any, unit: str = "number", *, tick: Decimal | None = None) -> str:
    """``value`` formatted for ``unit`` (text, booleans and times print as such whatever
    the unit; None and NaT as ``-``)."""
    if isinstance(value, str | bool) or _missing(value):
        return _fmt_text(value)
    if isinstance(value, datetime | date | np.datetime64):
        return _fmt_text(value)
    if isinstance(value, list | tuple):
        return ", ".join(fmt(v, unit, tick=tick) for v in value) or "-"
    if unit == "price" and tick is not None:
        return fmt_price(value, tick)
    try:
        return _FORMATTERS[unit](value)
    except (KeyError, TypeError, ValueError):
        return str(value)
