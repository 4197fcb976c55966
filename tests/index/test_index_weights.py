"""Index weights: the ``index cap`` vector through the API, and properties of the cap."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inversa import index as ix
from inversa.errors import InputError

VECTORS = Path(__file__).parents[1] / "vectors" / "acceptance.jsonl"
INDEX = [
    v
    for v in (json.loads(x) for x in VECTORS.read_text().splitlines() if x.strip())
    if v["kind"].startswith("index ")
]


@pytest.mark.parametrize("vector", INDEX, ids=lambda v: v["id"])
def test_index_cap_vector(vector: dict) -> None:  # type: ignore[type-arg]
    i = vector["inputs"]
    out = ix.cap_weights([Decimal(str(w)) for w in i["weights"]], Decimal(str(i["cap"])))
    assert isinstance(out, list)
    for e, a in zip(vector["expected"]["weights"], out, strict=True):
        assert abs(float(a) - e) <= vector["tol"]
    arr = ix.cap_weights(np.array(i["weights"]), float(i["cap"]))
    np.testing.assert_allclose(arr, vector["expected"]["weights"], atol=vector["tol"])


def test_one_pass_would_break_the_cap_iterating_does_not() -> None:
    # one pass: 0.6 -> 0.35, the 0.65 left spread over 0.3/0.1 gives 0.4875 (breaks)
    out = ix.cap_weights([Decimal("0.6"), Decimal("0.3"), Decimal("0.1")], Decimal("0.35"))
    assert isinstance(out, list)
    assert out == [Decimal("0.35"), Decimal("0.35"), Decimal("0.3")]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=10_000), min_size=2, max_size=12).filter(
        lambda w: sum(1 for x in w if x > 0) >= 2
    ),
    st.integers(min_value=1, max_value=100),
)
def test_cap_properties(raw: list[int], cap_pct: int) -> None:
    cap = Decimal(cap_pct) / 100
    weights = [Decimal(x) for x in raw]
    positive = sum(1 for x in raw if x > 0)
    if cap * positive < 1:
        with pytest.raises(InputError):
            ix.cap_weights(weights, cap)
        return
    out = ix.cap_weights(weights, cap)
    assert isinstance(out, list)
    assert abs(sum(out) - 1) < Decimal("1e-20")
    assert all(w <= cap + Decimal("1e-25") for w in out)
    # names below the cap keep their relative proportions
    free = [(w, o) for w, o in zip(weights, out, strict=True) if o < cap and w > 0]
    for (w1, o1), (w2, o2) in itertools.pairwise(free):
        assert abs(o1 * w2 - o2 * w1) < Decimal("1e-20")


def test_cap_exactly_one_over_n_with_rounding() -> None:
    # 0.6 * 49 / 147 rounds above 0.2 at 28 digits: still a valid 5-way 20 % split
    out = ix.cap_weights([Decimal(x) for x in (49, 49, 49, 54, 10_000)], Decimal("0.2"))
    assert isinstance(out, list)
    assert all(abs(w - Decimal("0.2")) < Decimal("1e-24") for w in out)


def test_equal_and_market_cap() -> None:
    assert ix.equal_weights(["A", "B", "C", "D"]) == {k: Decimal("0.25") for k in "ABCD"}
    w = ix.market_cap_weights(
        {"A": Decimal(2), "B": Decimal(1)}, {"A": Decimal(1), "B": Decimal(2)}
    )
    assert w == {"A": Decimal("0.5"), "B": Decimal("0.5")}
    with pytest.raises(InputError):
        ix.market_cap_weights({"A": Decimal(1)}, {"B": Decimal(1)})
