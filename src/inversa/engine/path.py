"""Drive an engine along a price path of OHLC bars, with funding at the venue's times.

Each bar (index: its UTC open time) is walked as ``open -> extremes -> close``: a bar
that closes at or above its open is taken to visit its low first (``open, low, high,
close``), one that closes below to visit its high first (``open, high, low, close``).
So longs are checked for liquidation at each bar's **low** and shorts at its **high**
(a long is no closer to liquidation at the high, nor a short at the low).

Liquidation fills (:data:`FILL_MODELS`; hourly bars cannot tell where inside the bar a
fill happened, so the first two bound it):

- at the open and the close, at the mark (a gap through the liquidation price fills at
  the bar's open);
- at an extreme, ``fills="trigger"`` (default: the optimistic bound) fills at the
  position's liquidation price clamped to the bar's range, as a venue watching the mark
  continuously would; ``"worst-mark"`` (alias ``"mark"``: the pessimistic bound) fills at
  the extreme itself (the worst price of the bar); ``"impact"`` fills at the trigger
  price moved against the liquidated position by its USD notional over ``depth_usd``
  (:class:`~inversa.engine.orders.DepthImpact`).

Funding: at every settlement time ``t`` of the instrument's :class:`~inversa.venues.Funding` with
``previous bar < t <= this bar`` the rate of the
:class:`~inversa.engine.funding.FundingSource` at ``t`` settles, **after the bar's open
is marked**: a funding row stamped ``t`` settles the positions open at ``t`` at the mark
of the bar that starts at ``t`` (the open).  Continuous (Deribit-style) funding accrues at
every bar for the hours since the previous one, at the rate stamped at the bar's open.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd

from inversa.engine._dec import to_decimal, to_price
from inversa.engine.funding import FundingSource
from inversa.engine.liquidation import LiquidationQuote
from inversa.engine.orders import DepthImpact
from inversa.engine.venue import Engine
from inversa.errors import DataError, InputError

__all__ = ["FILL_MODELS", "OHLC", "FillModel", "run_bars", "validate_bars"]

OHLC = ("open", "high", "low", "close")
#: Liquidation fill models at a bar's extreme (``"mark"`` is an alias of ``"worst-mark"``).
FILL_MODELS = ("trigger", "worst-mark", "impact")
FillModel = Literal["trigger", "worst-mark", "impact", "mark"]


def validate_bars(bars: pd.DataFrame, source: str = "bars") -> pd.DataFrame:
    """Bars with a strictly increasing tz-aware index and finite positive OHLC prices,
    ``low <= open, close <= high``; else :class:`DataError` naming source, row and value
    (rows count from 1)."""
    if not isinstance(bars, pd.DataFrame):
        raise InputError(source, type(bars).__name__, "must be a DataFrame of OHLC bars")
    missing = [c for c in OHLC if c not in bars.columns]
    if missing:
        raise DataError(source, f"missing columns {missing} (need {list(OHLC)})")
    if not isinstance(bars.index, pd.DatetimeIndex) or bars.index.tz is None:
        raise DataError(source, "index must be timezone-aware UTC timestamps")
    if bars.empty:
        raise DataError(source, "no bars")
    frame = bars.loc[:, list(OHLC)].apply(pd.to_numeric, errors="coerce").astype(np.float64)
    values = frame.to_numpy()
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        shown = bars.iloc[row][OHLC[col]]
        shown = shown.item() if isinstance(shown, np.generic) else shown
        raise DataError(source, f"{OHLC[col]}={shown!r} must be a finite price > 0", row + 1)
    o, h, lo, c = values.T
    inconsistent = (lo > np.minimum(o, c)) | (h < np.maximum(o, c))
    if inconsistent.any():
        row = int(np.argmax(inconsistent))
        raise DataError(
            source, f"bar {values[row].tolist()} has low/high outside open/close", row + 1
        )
    steps = np.diff(bars.index.asi8)
    if (steps <= 0).any():
        row = int(np.argmax(steps <= 0)) + 1
        what = "duplicate" if steps[row - 1] == 0 else "out of order"
        raise DataError(source, f"timestamp {bars.index[row]} is {what}", row + 1)
    frame.index = bars.index.tz_convert("UTC")
    out: pd.DataFrame = frame
    return out


def _price(value: float) -> Decimal:
    return to_price("price", value)


def _trigger(
    low: Decimal, high: Decimal, impact: DepthImpact | None = None
) -> Callable[[LiquidationQuote], Decimal]:
    def rule(quote: LiquidationQuote) -> Decimal:
        level = quote.liquidation_price
        price = high if not level.is_finite() else min(max(level, low), high)
        if impact is None:
            return price
        # The liquidation closes the position: a long's sells, a short's buys.
        return impact(-quote.side, quote.contracts, price, quote.contract_value)

    return rule


def run_bars(
    engine: Engine,
    symbol: str,
    bars: pd.DataFrame,
    *,
    funding: FundingSource | None = None,
    fills: FillModel = "trigger",
    depth_usd: object | None = None,
    source: str = "bars",
    after_step: Callable[[Engine, datetime, str], None] | None = None,
) -> None:
    """Walk ``bars`` (see the module docstring) through ``engine`` for ``symbol``.

    ``fills``: :data:`FILL_MODELS`; ``"impact"`` needs ``depth_usd`` (USD of book depth).
    ``after_step(engine, time, label)`` runs after each mark (labels ``open``, ``low``,
    ``high``, ``close``) and funding settlement (``funding``).
    """
    if fills == "mark":
        fills = "worst-mark"
    if fills not in FILL_MODELS:
        raise InputError("fills", fills, f"must be one of {', '.join(FILL_MODELS)}")
    impact = None
    if fills == "impact":
        if depth_usd is None:
            raise InputError("depth", None, "the impact fill model needs a depth (USD)")
        inst = engine.instrument(symbol)
        impact = DepthImpact(to_decimal("depth", depth_usd, positive=True), linear=inst.linear)
    elif depth_usd is not None:
        raise InputError("depth", depth_usd, f"only the impact fill model uses it, not {fills!r}")
    engine.instrument(symbol)
    frame = validate_bars(bars, source)
    previous = engine.time
    for stamp, o, h, lo, c in frame.itertuples(name=None):
        when = pd.Timestamp(stamp).to_pydatetime()
        open_, high, low, close = _price(o), _price(h), _price(lo), _price(c)
        engine.set_mark(symbol, open_, time=when)
        if after_step:
            after_step(engine, when, "open")
        if funding is not None and previous is not None:
            _settle(engine, symbol, funding, previous, when)
            if after_step:
                after_step(engine, when, "funding")
        rule = None if fills == "worst-mark" else _trigger(low, high, impact)
        path = (("low", low), ("high", high)) if close >= open_ else (("high", high), ("low", low))
        for label, price in path:
            engine.set_mark(symbol, price, liquidation_fill=rule)
            if after_step:
                after_step(engine, when, label)
        engine.set_mark(symbol, close)
        if after_step:
            after_step(engine, when, "close")
        previous = when


def _settle(
    engine: Engine, symbol: str, funding: FundingSource, previous: datetime, now: datetime
) -> None:
    inst = engine.instrument(symbol)
    rule = inst.funding
    if rule is None:
        return
    if rule.continuous:
        rate = funding.rate(inst, now)
        if rate is not None:
            hours = Decimal(int((now - previous).total_seconds())) / 3600
            engine.settle_funding(symbol, rate, elapsed_hours=hours)
        return
    for stamp in rule.settlement_times(previous, now):
        rate = funding.rate(inst, stamp)
        if rate is not None:
            engine.settle_funding(symbol, rate)
