"""One renderer: formatters per unit and the strict JSON encoder."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from inversa.errors import InputError
from inversa.report import dumps, fmt
from inversa.report.formats import fmt_price


def _strict(text: str) -> Any:
    def refuse(name: str) -> None:
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse, parse_float=Decimal)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (Decimal("0.476190476190476"), "coin", "0.47619048"),
        (Decimal("-12345.5"), "coin", "-12,345.50000000"),
        (Decimal("1234567.891"), "usd", "1,234,567.89"),
        (1e8, "usd", "100,000,000.00"),
        (Decimal("0.000123"), "price", "0.000123"),
        (Decimal("64123.456"), "price", "64,123.5"),
        (Decimal("123456789"), "price", "123,457,000"),
        (Decimal("Infinity"), "price", "none"),
        (float("inf"), "price", "none"),
        (Decimal("0.0001"), "rate", "0.01%"),
        (-0.2, "rate", "-20%"),
        (20000.0, "count", "20,000"),
        (True, "number", "yes"),
        (None, "usd", "-"),
        (Decimal(10), "x", "10x"),
    ],
)
def test_formatters(value: Any, unit: str, expected: str) -> None:
    assert fmt(value, unit) == expected


def test_price_at_the_tick() -> None:
    assert fmt_price(Decimal("103363.7364"), Decimal("0.5")) == "103,363.7"
    assert fmt_price(Decimal("103363.7364"), Decimal("0.01")) == "103,363.74"


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_no_exponent_notation_in_tables(x: float) -> None:
    for unit in ("coin", "usd", "price", "rate", "number"):
        assert "e" not in fmt(x, unit).lower().replace("none", "")


def test_json_keeps_every_decimal_digit() -> None:
    value = Decimal(100000) / Decimal(210000)
    text = dumps({"pnl": value, "ok": True, "n": np.int64(3), "x": np.float64(0.5)})
    out = _strict(text)
    assert out["pnl"] == value
    assert out["ok"] is True
    assert (out["n"], out["x"]) == (3, Decimal("0.5"))


def test_json_infinite_price_is_null_and_nan_refused() -> None:
    assert _strict(dumps({"p": Decimal("Infinity"), "q": float("inf")})) == {"p": None, "q": None}
    with pytest.raises(InputError, match=r"^a\.b="):
        dumps({"a": {"b": float("nan")}})
    with pytest.raises(InputError, match="too large"):
        dumps({"v": Decimal("1e309")})


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(10**20), 10**20)
        | st.floats(allow_nan=False)
        | st.decimals(allow_nan=False, min_value=-(10**300), max_value=10**300)
        | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=8,
    )
)
def test_json_always_strict_and_finite(value: Any) -> None:
    out = _strict(dumps(value))

    def finite(x: Any) -> None:
        if isinstance(x, Decimal):
            assert math.isfinite(float(x))
        elif isinstance(x, list):
            for item in x:
                finite(item)
        elif isinstance(x, dict):
            for item in x.values():
                finite(item)

    finite(out)


@pytest.mark.parametrize(
    ("key", "title"),
    [
        ("pnl_coin", "PnL (coin)"),
        ("weighted_pnl_coin", "weighted PnL (coin)"),
        ("liquidated_usd", "liquidated notional (USD)"),
        ("liquidated", "accounts liquidated"),  # a count: no unit
        ("scenario", "scenario"),
    ],
)
def test_stress_headers_say_the_unit_once(key: str, title: str) -> None:
    from inversa.report.stress import SCENARIO_COLUMNS

    (column,) = [c for c in SCENARIO_COLUMNS if c.key == key]
    assert column.title() == title
