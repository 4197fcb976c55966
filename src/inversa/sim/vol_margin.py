"""Volatility-scaled maintenance margin against the venue's static tiers, on crash replays.

The same book (one long and one short per leverage, isolated) walks a crash window twice:
once under the venue's tier table, once with the maintenance rate of each bar set by
:class:`inversa.contracts.vol_margin.VolScaledMargin` from EWMA volatility of the hourly
closes before it (a warm-up of ``warmup_bars`` hours of Binance USD-M mark prices before
the window seeds the recursion).  Reported: liquidations, their timing, insurance fund
flows, and the rate path.

Units: rates are fractions of position value; amounts in coin; times UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from inversa.contracts._num import Array
from inversa.contracts.vol_margin import VolMarginConfig
from inversa.engine import Engine
from inversa.errors import InputError
from inversa.sim._book_run import BookRun, BookSetup, run_book, study_book
from inversa.venues import CurveMargin

__all__ = ["VolMarginComparison", "compare_vol_margin"]


class _LiveRate:
    """A maintenance curve whose flat rate the run sets before each bar (no deduction)."""

    def __init__(self, rate: Decimal) -> None:
        self.rate = rate

    def __call__(self, value: Decimal) -> tuple[Decimal, Decimal]:
        return self.rate, Decimal(0)


@dataclass(frozen=True, eq=False)
class VolMarginComparison:
    """Static tiers against the vol-scaled rate on one window.

    ``summary``: one row per model (``static``, ``vol-scaled``) with liquidations, first
    and last liquidation time, coin lost, insurance paid in / drawn and at the end,
    uncovered loss (``_coin`` columns, the settlement coin), and accounts refused at the
    open (a leverage whose initial margin ``1/L`` does not exceed the first bar's
    vol-scaled rate cannot be opened: its pair is left out of that run).
    ``accounts``: per account and model, liquidated and when.  ``rates``: the vol-scaled
    rate per bar (fraction), with the static rate at 1 coin for reference.
    """

    window: str
    venue: str
    config: VolMarginConfig
    summary: pd.DataFrame
    accounts: pd.DataFrame
    rates: pd.DataFrame
    static: BookRun = field(repr=False)
    scaled: BookRun = field(repr=False)


def _summary_row(name: str, run: BookRun) -> dict[str, Any]:
    acc = run.accounts
    times = acc.loc[acc["liquidated"], "liquidated_bar_open_utc"]
    return {
        "model": name,
        "liquidated": int(acc["liquidated"].sum()),
        "first_liquidation": times.min() if len(times) else pd.NaT,
        "last_liquidation": times.max() if len(times) else pd.NaT,
        "lost_coin": float(acc["lost_coin"].sum()),
        "insurance_paid_in_coin": float(run.totals["insurance_paid_in_coin"]),
        "insurance_drawn_coin": float(run.totals["insurance_drawn_coin"]),
        "insurance_end_coin": float(run.totals["insurance_end_coin"]),
        "uncovered_coin": float(run.totals["uncovered_coin"]),
        "adl_events": int(run.totals["adl_events"]),
    }


def compare_vol_margin(
    window: str,
    config: VolMarginConfig | None = None,
    setup: BookSetup | None = None,
    *,
    warmup_bars: int = 168,
    insurance_fund: Decimal = Decimal(0),
) -> VolMarginComparison:
    """Run ``window`` on ``setup`` under the venue's tiers and under the vol-scaled rate
    (same book)."""
    from inversa import data

    cfg = config or VolMarginConfig()
    if warmup_bars < 2:
        raise InputError("warmup", warmup_bars, "must be >= 2 bars")
    setup = setup or BookSetup()
    inst, bars, book = study_book(window, setup, insurance_fund=insurance_fund)
    marks = data.mark_hourly("BTC")
    before = marks.loc[marks.index < bars.index[0], "close"].iloc[-warmup_bars:]
    if len(before) < warmup_bars:
        raise InputError("warmup", warmup_bars, f"only {len(before)} hours before {window}")
    closes = np.concatenate([before.to_numpy(np.float64), bars["close"].to_numpy(np.float64)])
    # One rate per window bar, known at its open (the previous close).
    per_bar: Array = cfg.model(Decimal(1)).rates_for_bars(closes, warmup_bars)
    static = run_book(window, inst, book, setup, bars=bars)
    # A venue charging the vol-scaled rate refuses leverage whose initial margin does not
    # cover it at the open: those pairs are not opened in the scaled run.
    first_rate = Decimal(repr(float(per_bar[0])))
    refused = tuple(e.account for e in book.entries if 1 / e.leverage <= first_rate)
    kept = tuple(
        e
        for e in book.entries
        if e.account not in refused and (e.counterparty is None or e.counterparty not in refused)
    )
    scaled_book = replace(book, entries=kept)
    live = _LiveRate(first_rate)
    # The live rate replaces the maintenance tiers; the initial rates stay the venue's.
    scaled_margin = CurveMargin(live, inst.initial_rate)
    scaled_inst = replace(inst, margin=scaled_margin, venue=f"{inst.venue} (vol-scaled)")
    index = {pd.Timestamp(t).to_pydatetime(): i for i, t in enumerate(bars.index)}

    def step(engine: Engine, when: Any, label: str) -> None:
        if label == "close":
            i = index.get(when)
            if i is not None and i + 1 < len(per_bar):
                live.rate = Decimal(repr(float(per_bar[i + 1])))

    scaled = run_book(
        window,
        scaled_inst,
        scaled_book,
        setup,
        bars=bars,
        after_step=step,
    )
    static_rate, _ = inst.maintenance_rate_and_cum(Decimal(1))
    rate_frame = pd.DataFrame(
        {"vol_scaled_rate": per_bar, "static_rate_1_coin": float(static_rate)}, index=bars.index
    )
    both = []
    for name, run in (("static", static), ("vol-scaled", scaled)):
        part = run.accounts[
            ["account", "side", "leverage", "liquidated", "liquidated_bar_open_utc"]
        ].rename(columns={"liquidated_bar_open_utc": "liquidated_at"})
        part.insert(0, "model", name)
        part["refused_at_open"] = False
        both.append(part)
    gone = [e for e in book.entries if e not in kept]
    if gone:
        both.append(
            pd.DataFrame(
                {
                    "model": "vol-scaled",
                    "account": [e.account for e in gone],
                    "side": ["long" if e.side == 1 else "short" for e in gone],
                    "leverage": [float(e.leverage) for e in gone],
                    "liquidated": False,
                    "liquidated_at": pd.NaT,
                    "refused_at_open": True,
                }
            )
        )
    rows = [_summary_row("static", static), _summary_row("vol-scaled", scaled)]
    rows[0]["refused_at_open"] = 0
    rows[1]["refused_at_open"] = len(gone)
    summary = pd.DataFrame(rows)
    return VolMarginComparison(
        window=window,
        venue=setup.venue,
        config=cfg,
        summary=summary,
        accounts=pd.concat(both, ignore_index=True),
        rates=rate_frame,
        static=static,
        scaled=scaled,
    )
