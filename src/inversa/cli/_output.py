"""Shared CLI plumbing: one-line errors, JSON or Rich output, list-valued options."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from inversa.errors import InputError, InversaError

__all__ = [
    "emit",
    "fail",
    "parse_decimal",
    "parse_mapping",
    "to_jsonable",
    "user_errors",
]


def fail(message: str) -> NoReturn:
    """Print one line on stderr and exit with status 2 (a user error, never a traceback)."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"error: {message}", markup=False)
    raise typer.Exit(code=2)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn inversa's errors (and bad numbers) into :func:`fail`."""
    try:
        yield
    except InversaError as exc:
        fail(str(exc))
    except (InvalidOperation, ArithmeticError) as exc:
        fail(f"invalid number: {exc}")


def parse_decimal(field: str, text: str | float | int | Decimal) -> Decimal:
    """A Decimal from a command-line value, or InputError naming the flag."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise InputError(field, text, "not a number") from None
    if value.is_nan():
        raise InputError(field, text, "not a number")
    return value


def parse_mapping(field: str, items: list[str] | str | None) -> dict[str, Decimal]:
    """``["BTC=80000", "ETH=35000"]`` or ``"BTC=80000,ETH=35000"`` -> {asset: Decimal}."""
    if items is None:
        return {}
    parts = items.split(",") if isinstance(items, str) else [p for i in items for p in i.split(",")]
    out: dict[str, Decimal] = {}
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise InputError(field, part, "expected ASSET=VALUE")
        asset = key.strip().upper()
        if asset in out:
            raise InputError(field, part, f"{asset} given twice")
        out[asset] = parse_decimal(f"{field}.{asset}", value)
    return out


def to_jsonable(value: Any) -> Any:
    """Decimals and NumPy numbers to JSON numbers (inf as null), recursively."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [to_jsonable(v) for v in value]
    return str(value)


def _fmt(value: Any) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            return "none" if value.is_nan() else "no liquidation" if value > 0 else "-inf"
        text = format(value.normalize(), "f") if abs(value) < Decimal("1e16") else str(value)
        whole, _, frac = text.partition(".")
        return f"{whole}.{frac[:12]}" if frac else whole
    if isinstance(value, float):
        return f"{value:.12g}"
    if isinstance(value, list | tuple):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def emit(
    result: Mapping[str, Any],
    *,
    as_json: bool,
    title: str,
    units: Mapping[str, str] | None = None,
    echo: Callable[[str], None] | None = None,
) -> None:
    """Print ``result`` as one JSON object (``--json``) or as a readable Rich table."""
    if as_json:
        (echo or sys.stdout.write)(json.dumps(to_jsonable(result)) + "\n")
        return
    table = Table(title=title, title_justify="left", show_header=True)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for key, value in result.items():
        table.add_row(key, _fmt(value), (units or {}).get(key, ""))
    Console().print(table)
