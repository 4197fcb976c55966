"""Basket weights: fixed, equal, market-cap, and the iterated cap.

Weights are fractions of the basket's USD value that sum to 1.  Functions take and
return exact :class:`~decimal.Decimal` values keyed by position (sequences) or by asset
(mappings); :func:`cap_weights` also accepts float64 arrays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np

from inversa.contracts._num import Array
from inversa.errors import InputError

__all__ = ["cap_weights", "equal_weights", "market_cap_weights", "normalise"]

#: Decimal rounding slack of the cap test: a weight at most this far above the cap (an
#: artefact of the 28-digit division, e.g. 0.6 * 49 / 147) counts as at the cap.
_SLACK = Decimal("1e-24")


def normalise(weights: Sequence[Decimal], field: str = "weights") -> list[Decimal]:
    """Weights scaled to sum to 1; each must be >= 0 and at least one > 0."""
    if not weights:
        raise InputError(field, [], "need at least one weight")
    for i, w in enumerate(weights):
        if not w.is_finite() or w < 0:
            raise InputError(f"{field}[{i}]", w, "must be a finite number >= 0")
    total = sum(weights, Decimal(0))
    if total <= 0:
        raise InputError(field, list(weights), "must not all be 0")
    return [w / total for w in weights]


def equal_weights(assets: Sequence[str]) -> dict[str, Decimal]:
    """1/n for each of the n assets."""
    if not assets:
        raise InputError("assets", [], "need at least one asset")
    if len(set(assets)) != len(assets):
        raise InputError("assets", list(assets), "an asset is listed twice")
    n = Decimal(len(assets))
    return dict.fromkeys(assets, 1 / n)


def market_cap_weights(
    prices: Mapping[str, Decimal], supplies: Mapping[str, Decimal]
) -> dict[str, Decimal]:
    """Weights proportional to ``price * circulating supply`` (USD market cap)."""
    missing = sorted(set(prices) ^ set(supplies))
    if missing:
        raise InputError("supplies", missing, "prices and supplies must name the same assets")
    assets = sorted(prices)
    caps = [prices[a] * supplies[a] for a in assets]
    return dict(zip(assets, normalise(caps, "market_caps"), strict=True))


def cap_weights(weights: Sequence[Decimal] | Array, cap: Decimal | float) -> list[Decimal] | Array:
    """Cap every weight at ``cap``, re-normalising the others pro rata, until none exceeds it.

    One pass of redistribution (Index Coop's DPI helper) can push an uncapped name over
    the cap; this iterates: capped names hold ``cap`` exactly and the remainder
    ``1 - k cap`` is shared by the others in proportion to their input weights.  The input
    is normalised first.  Needs ``cap * n >= 1``.  A weight within 1e-24 above the cap
    (Decimal rounding) counts as at the cap.
    """
    if isinstance(weights, np.ndarray):
        out = cap_weights([Decimal(repr(float(w))) for w in weights], Decimal(repr(float(cap))))
        return np.array([float(w) for w in out], dtype=np.float64)
    c = cap if isinstance(cap, Decimal) else Decimal(repr(cap))
    if not c.is_finite() or not 0 < c <= 1:
        raise InputError("cap", cap, "must lie in (0, 1]")
    w = normalise(list(weights))
    n = len(w)
    if c * n < 1:
        raise InputError("cap", cap, f"cap * {n} assets < 1: the weights cannot sum to 1")
    capped: set[int] = set()
    while True:
        free = [i for i in range(n) if i not in capped]
        rest = 1 - c * len(capped)
        base = sum((w[i] for i in free), Decimal(0))
        if base <= 0:
            raise InputError("cap", cap, "too few non-zero weights to hold the excess")
        out_w = [c if i in capped else w[i] * rest / base for i in range(n)]
        over = {i for i in free if out_w[i] - c > _SLACK}
        if not over:
            return out_w
        capped |= over
