"""Shared helpers of the contract tests: number conversion, tolerances, the tier table."""

from __future__ import annotations

import os
from decimal import Decimal

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from inversa.contracts import TierTable

#: Hypothesis settings of this folder: enough examples to matter, fast enough for CI.
#: INVERSA_HYPOTHESIS_SCALE=20 multiplies the examples for a soak run.
_SCALE = int(os.environ.get("INVERSA_HYPOTHESIS_SCALE", "1"))
_QUIET = [HealthCheck.too_slow]
FAST = settings(max_examples=60 * _SCALE, deadline=None, suppress_health_check=_QUIET)
THOROUGH = settings(max_examples=150 * _SCALE, deadline=None, suppress_health_check=_QUIET)

ARRAY_LEN = 3


def D(x: object) -> Decimal:  # noqa: N802
    """Exact Decimal of a literal: ``Decimal(str(x))`` (never the binary float's expansion)."""
    return x if isinstance(x, Decimal) else Decimal(str(x))


def A(x: object) -> np.ndarray:  # noqa: N802
    """A float64 array repeating ``x``: the vectorised path of the same formula."""
    return np.full(ARRAY_LEN, float(x))


def rel_close(a: Decimal, b: Decimal, rel: Decimal, scale: Decimal | None = None) -> bool:
    """|a - b| <= rel * max(|a|, |b|, scale); equal infinities are close."""
    if a.is_infinite() or b.is_infinite():
        return a == b
    size = max(abs(a), abs(b), scale if scale is not None else Decimal(0))
    return abs(a - b) <= rel * size


def agree(exact: list[Decimal], fast: np.ndarray, rel: float = 1e-12, scale=None) -> None:
    """Assert a float64 result agrees with the Decimal results row by row.

    ``scale`` (per row) is the magnitude of the terms that a difference cancels, e.g.
    ``N*CV/min(E, X)`` for a PnL: relative agreement is judged against it.
    """
    fast = np.asarray(fast, dtype=np.float64)
    assert fast.shape == (len(exact),)
    for i, (d, f) in enumerate(zip(exact, fast, strict=True)):
        if d.is_infinite():
            assert np.isinf(f), f"row {i}: Decimal {d}, float {f}"
            assert (f > 0) == (d > 0), f"row {i}: Decimal {d}, float {f}"
            continue
        size = max(abs(float(d)), 0.0 if scale is None else float(scale[i]))
        assert abs(float(d) - f) <= rel * size, f"row {i}: Decimal {d}, float {f!r}"


# -- Binance COIN-M BTCUSD maintenance brackets (reference §2.6, INFERRED table) ----------
# Upper bound of each bracket in BTC of notional and its MMR; the last bound is open.
BINANCE_BTCUSD_BRACKETS: list[tuple[str, str]] = [
    ("5", "0.004"),
    ("10", "0.005"),
    ("20", "0.01"),
    ("50", "0.025"),
    ("100", "0.05"),
    ("200", "0.1"),
    ("400", "0.125"),
    ("1000", "0.15"),
    ("Infinity", "0.25"),
]
BINANCE_TABLE = TierTable(
    tuple(Decimal(u) for u, _ in BINANCE_BTCUSD_BRACKETS),
    tuple(Decimal(r) for _, r in BINANCE_BTCUSD_BRACKETS),
)

# -- Hypothesis strategies in realistic ranges (exact Decimals) ------------------------
prices = st.integers(10_000, 20_000_000).map(lambda i: Decimal(i) / 100)  # 100 .. 200,000
contracts = st.integers(1, 10_000_000).map(Decimal)  # 1 .. 1e7
contract_values = st.sampled_from([Decimal(1), Decimal(10), Decimal(100)])
leverages = st.integers(100, 10_000).map(lambda i: Decimal(i) / 100)  # 1 .. 100
mmrs = st.integers(10, 500).map(lambda i: Decimal(i) / 10_000)  # 0.001 .. 0.05
sides = st.sampled_from([1, -1])
fractions_01 = st.integers(0, 1000).map(lambda i: Decimal(i) / 1000)  # 0 .. 1
