"""The one JSON encoder: strict, exact, and finite.

* :class:`~decimal.Decimal` values are written with every digit they have, as JSON numbers
  (``0.47619047619047619047619047619``), never through a float.
* An infinite price (a position with no liquidation or bankruptcy price) is ``null``:
  **null means "no such price"**.  Infinite non-price numbers are ``null`` as well; NaN is
  refused.
* Booleans are JSON booleans; dates and times ISO 8601 strings (UTC); NumPy scalars and
  arrays become numbers and lists; dataclasses become objects.
* A number too large to be a finite float (``1E+309``) is refused with an
  :class:`~inversa.errors.InputError` naming the key, so every number in the output is
  usable by any JSON reader.

The output parses with ``json.loads(text, parse_constant=<raise>, parse_float=Decimal)``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any

import numpy as np

from inversa.errors import InputError

__all__ = ["dumps", "to_plain"]

_FLOAT_MAX = Decimal("1.7976931348623157e308")


def _decimal(value: Decimal, where: str) -> str:
    if value.is_nan():
        raise InputError(where, "NaN", "result is not a number")
    if value.is_infinite():
        return "null"
    if abs(value) > _FLOAT_MAX:
        raise InputError(where, str(value), "result too large to print as a finite number")
    return str(value)


def _float(value: float, where: str) -> str:
    if math.isnan(value):
        raise InputError(where, "nan", "result is not a number")
    if math.isinf(value):
        return "null"
    return repr(value)


def _encode(value: Any, where: str, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif isinstance(value, bool | np.bool_):
        out.append("true" if value else "false")
    elif isinstance(value, Decimal):
        out.append(_decimal(value, where))
    elif isinstance(value, int | np.integer):
        out.append(str(int(value)))
    elif isinstance(value, float | np.floating):
        out.append(_float(float(value), where))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, Enum):
        _encode(value.value, where, out)
    elif isinstance(value, datetime | date) or hasattr(value, "isoformat"):
        out.append(json.dumps(value.isoformat()))
    elif isinstance(value, PurePath):
        out.append(json.dumps(str(value), ensure_ascii=False))
    elif isinstance(value, Mapping):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(", ")
            out.append(json.dumps(str(key), ensure_ascii=False) + ": ")
            _encode(item, f"{where}.{key}" if where else str(key), out)
        out.append("}")
    elif isinstance(value, list | tuple | set | frozenset | np.ndarray):
        items = value.tolist() if isinstance(value, np.ndarray) else list(value)
        out.append("[")
        for i, item in enumerate(items):
            if i:
                out.append(", ")
            _encode(item, f"{where}[{i}]", out)
        out.append("]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        _encode(fields, where, out)
    else:
        out.append(json.dumps(str(value), ensure_ascii=False))


def dumps(value: Any) -> str:
    """``value`` as one line of strict JSON (see the module notes)."""
    out: list[str] = []
    _encode(value, "", out)
    return "".join(out)


def to_plain(value: Any) -> Any:
    """``value`` as plain Python (what :func:`dumps` writes), e.g. for HTML table rows."""
    return json.loads(dumps(value), parse_float=Decimal)
