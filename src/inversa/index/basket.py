"""A basket index: weights (fixed, equal or capped market-cap), scheduled reconstitution
with drop/add buffers and a glide path, and the level kept continuous by a divisor.

Exact semantics (prices USD per coin, one row per date, no gaps):

- The index holds ``units[a]`` of each member and ``level = sum(units * P) / divisor``.
- On the first date the members are the assets with the target weights ``w``; units are
  ``w * base_level / P`` and the divisor 1.
- On each scheduled date (the first date of a month or of a quarter, UTC) new target
  weights are computed at that date's prices: *fixed* (the given weights), *equal*, or
  *market-cap* (price x circulating supply as of that date from the supply table).
  Buffers: a member stays unless its candidate weight is below ``drop_below``; a
  non-member joins only at or above ``add_above``.  The weights of the members are
  re-normalised and then capped iteratively (:func:`~inversa.index.cap_weights`).
- A reconstitution moves the weights from the old to the new ones over ``glide_days``
  dates (0: at once), ``w_k = (1 - k/H) w_old + (k/H) w_new``.  At every step the units
  are reset to ``w_k * base_level / P`` and the divisor is set so that the level computed
  with the new units equals the level with the old ones at the same prices: the index
  neither gains nor loses from the reconstitution (FTX's published method).
- Weights drift with prices between reconstitutions (units are held).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from inversa.errors import InputError
from inversa.index.weights import cap_weights

__all__ = [
    "BasketSpec",
    "IndexLevel",
    "basket_prices",
    "index_level",
    "load_supplies",
    "supplies_as_of",
]

Weighting = Literal["fixed", "equal", "market-cap"]
Schedule = Literal["none", "monthly", "quarterly"]


@dataclass(frozen=True)
class BasketSpec:
    """How the basket is built (see the module docstring).

    ``weights`` (fixed weighting): asset -> weight; ``cap``: largest weight (``None``: no
    cap); ``drop_below``/``add_above``: buffer thresholds (fractions); ``base_level``: the
    level on the first date.
    """

    assets: tuple[str, ...]
    weighting: Weighting = "equal"
    weights: Mapping[str, float] = field(default_factory=dict)
    cap: float | None = None
    drop_below: float = 0.0
    add_above: float = 0.0
    schedule: Schedule = "none"
    glide_days: int = 0
    base_level: float = 1000.0

    def __post_init__(self) -> None:
        if len(self.assets) < 1 or len(set(self.assets)) != len(self.assets):
            raise InputError("index.assets", list(self.assets), "need distinct assets")
        if self.weighting not in ("fixed", "equal", "market-cap"):
            raise InputError("index.weighting", self.weighting, "fixed, equal or market-cap")
        if self.weighting == "fixed" and set(self.weights) != set(self.assets):
            raise InputError("index.weights", dict(self.weights), "give one weight per asset")
        if self.cap is not None and not 0 < self.cap <= 1:
            raise InputError("index.cap", self.cap, "must lie in (0, 1]")
        if not 0 <= self.drop_below <= self.add_above <= 1:
            raise InputError(
                "index.drop_below", self.drop_below, "need 0 <= drop_below <= add_above <= 1"
            )
        if self.schedule not in ("none", "monthly", "quarterly"):
            raise InputError("index.schedule", self.schedule, "none, monthly or quarterly")
        if self.glide_days < 0:
            raise InputError("index.glide_days", self.glide_days, "must be >= 0")
        if not self.base_level > 0:
            raise InputError("index.base_level", self.base_level, "must be > 0")


@dataclass(frozen=True)
class IndexLevel:
    """The index over its dates: ``level``, ``divisor``, ``weights`` (date x asset, after
    each date's reconstitution step) and the reconstitution dates."""

    dates: pd.DatetimeIndex
    level: NDArray[np.float64]
    divisor: NDArray[np.float64]
    weights: pd.DataFrame
    reconstitutions: tuple[pd.Timestamp, ...]


def supplies_as_of(
    supplies: pd.DataFrame, when: pd.Timestamp, assets: tuple[str, ...]
) -> dict[str, float]:
    """Circulating supply of each asset from its latest row dated on or before ``when``.

    ``supplies``: columns ``date`` (UTC), ``asset``, ``supply`` (coins).  An asset without
    a row by ``when`` is missing from the result (it cannot be weighted yet).
    """
    out: dict[str, float] = {}
    past = supplies[supplies["date"] <= when]
    for asset in assets:
        rows = past[past["asset"] == asset]
        if len(rows):
            out[asset] = float(rows.sort_values("date")["supply"].iloc[-1])
    return out


def _candidates(
    spec: BasketSpec, prices: pd.Series, supplies: pd.DataFrame | None, when: pd.Timestamp
) -> dict[str, float]:
    if spec.weighting == "equal":
        return {a: 1.0 / len(spec.assets) for a in spec.assets}
    if spec.weighting == "fixed":
        total = sum(spec.weights.values())
        return {a: spec.weights[a] / total for a in spec.assets}
    if supplies is None:
        raise InputError("index.supply_csv", None, "market-cap weights need a supply table")
    sup = supplies_as_of(supplies, when, spec.assets)
    caps = {a: sup[a] * float(prices[a]) for a in spec.assets if a in sup}
    if not caps:
        raise InputError("index.supply_csv", str(when.date()), "no supply on or before this date")
    total = sum(caps.values())
    return {a: c / total for a, c in caps.items()}


def _target(
    spec: BasketSpec,
    prices: pd.Series,
    supplies: pd.DataFrame | None,
    when: pd.Timestamp,
    members: set[str] | None,
) -> dict[str, float]:
    cand = _candidates(spec, prices, supplies, when)
    if members is None:
        keep = set(cand)
    else:
        keep = {a for a in cand if (a in members and cand[a] >= spec.drop_below)}
        keep |= {a for a in cand if a not in members and cand[a] >= spec.add_above}
    if not keep:
        raise InputError("index.drop_below", spec.drop_below, f"drops every asset on {when.date()}")
    names = sorted(keep)
    raw = np.array([cand[a] for a in names])
    raw = raw / raw.sum()
    if spec.cap is not None:
        raw = np.asarray(cap_weights(raw, spec.cap))
    return dict(zip(names, (float(x) for x in raw), strict=True))


def _scheduled(prev: pd.Timestamp, cur: pd.Timestamp, schedule: Schedule) -> bool:
    if schedule == "monthly":
        return (cur.year, cur.month) != (prev.year, prev.month)
    if schedule == "quarterly":
        return (cur.year, (cur.month - 1) // 3) != (prev.year, (prev.month - 1) // 3)
    return False


def index_level(
    prices: pd.DataFrame, spec: BasketSpec, supplies: pd.DataFrame | None = None
) -> IndexLevel:
    """The index level over ``prices`` (dates x assets, USD per coin; see the module
    docstring for every rule)."""
    missing = [a for a in spec.assets if a not in prices.columns]
    if missing:
        raise InputError("index.assets", missing, "no prices for these assets")
    px = prices[list(spec.assets)]
    if px.isna().to_numpy().any() or (px.to_numpy() <= 0).any():
        raise InputError("prices", "NaN or <= 0", "every asset needs a price on every date")
    dates = pd.DatetimeIndex(px.index)
    n, assets = len(dates), list(spec.assets)
    level = np.empty(n)
    divisor = np.empty(n)
    wrows = np.zeros((n, len(assets)))
    recon: list[pd.Timestamp] = []
    first = px.iloc[0]
    w = _target(spec, first, supplies, dates[0], None)
    units = {a: w[a] * spec.base_level / float(first[a]) for a in w}
    div = 1.0
    glide: tuple[dict[str, float], dict[str, float], int] | None = None
    for t in range(n):
        p = px.iloc[t]
        value = sum(u * float(p[a]) for a, u in units.items())
        lev = value / div
        if t > 0 and _scheduled(dates[t - 1], dates[t], spec.schedule):
            held = {a: units[a] * float(p[a]) / value for a in units}
            new = _target(spec, p, supplies, dates[t], set(units))
            recon.append(dates[t])
            glide = (held, new, 0)
        if glide is not None:
            old, new, k = glide
            steps = max(spec.glide_days, 1)
            k += 1
            frac = k / steps
            names = set(old) | set(new)
            wk = {a: (1 - frac) * old.get(a, 0.0) + frac * new.get(a, 0.0) for a in names}
            wk = {a: x for a, x in wk.items() if x > 0}
            units = {a: wk[a] * spec.base_level / float(p[a]) for a in wk}
            div = sum(u * float(p[a]) for a, u in units.items()) / lev  # level unchanged
            glide = None if k >= steps else (old, new, k)
        value = sum(u * float(p[a]) for a, u in units.items())
        level[t] = value / div
        divisor[t] = div
        for j, a in enumerate(assets):
            wrows[t, j] = units.get(a, 0.0) * float(p[a]) / value
    weights = pd.DataFrame(wrows, index=dates, columns=assets)
    return IndexLevel(dates, level, divisor, weights, tuple(recon))


def load_supplies(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a supply CSV (``date``, ``asset``, ``supply`` > 0 coins) into a frame with
    those columns (``date`` a UTC timestamp, ``asset`` upper case).  Bad cells raise
    :class:`~inversa.errors.DataError` naming the file and the data row."""
    from inversa.data._validate import parse_table, read_text_table

    text = read_text_table(path)
    frame = parse_table(
        text, str(path), time_column="date", price_columns=("supply",), text_columns=("asset",)
    )
    return pd.DataFrame(
        {
            "date": frame.index,
            "asset": frame["asset"].str.upper().to_numpy(),
            "supply": frame["supply"].to_numpy(),
        }
    )


def basket_prices(
    assets: tuple[str, ...], start: object | None = None, end: object | None = None
) -> pd.DataFrame:
    """Bundled daily closes (USD per coin) of ``assets`` on the dates all of them have,
    ``start <= date < end``."""
    from inversa.data import spot_daily

    closes = {a: spot_daily(a)["close"] for a in assets}
    frame = pd.concat(closes, axis=1, join="inner")
    if start is not None:
        frame = frame[frame.index >= pd.Timestamp(start)]  # type: ignore[arg-type]
    if end is not None:
        frame = frame[frame.index < pd.Timestamp(end)]  # type: ignore[arg-type]
    if len(frame) < 2:
        raise InputError("index.assets", list(assets), "fewer than 2 common dates in range")
    return frame
