"""Funding: payments at the timestamps, sources, schedules and bad series."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from inversa.data import FundingSeries
from inversa.engine import (
    FormulaFunding,
    FundingSettled,
    HistoricalFunding,
    run_bars,
)
from inversa.errors import DataError, InputError
from inversa.venues import Funding

from ._support import MM, SYMBOL, D, assert_log_replays, binance_perp, new_engine


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_longs_pay_shorts_receive_and_only_open_positions_count() -> None:
    engine = new_engine(binance_perp(maker=0, taker=0))
    for name in ("cross", "iso", "flat"):
        engine.deposit(name, 1)
    engine.set_mark(SYMBOL, 40_000)
    engine.set_leverage("iso", SYMBOL, 10, "isolated")
    engine.buy("cross", SYMBOL, 400)
    engine.sell("iso", SYMBOL, 200)
    engine.buy("flat", SYMBOL, 100)
    engine.sell("flat", SYMBOL, 100)  # closed again before the timestamp
    event = engine.settle_funding(SYMBOL, "0.0001")
    paid = {p.account: p for p in event.payments}
    assert set(paid) == {"cross", "iso", MM}
    # N * CV / mark * rate, signed -side: 400 x 100 / 40,000 x 0.0001 = 0.0001
    assert paid["cross"].amount == D("-0.0001")
    assert not paid["cross"].isolated
    assert paid["iso"].amount == D("0.00005")
    assert paid["iso"].isolated
    assert paid[MM].amount == D("0.00005")
    assert sum(p.amount for p in event.payments) == 0
    assert engine.wallet("cross") == D("0.9999")
    assert engine.position("iso", SYMBOL).margin == D("0.05005")  # type: ignore[union-attr]
    assert_log_replays(engine)


def test_continuous_accrual_pays_the_elapsed_fraction() -> None:
    engine = new_engine(binance_perp(maker=0, taker=0))
    engine.deposit("a", 1)
    engine.set_mark(SYMBOL, 50_000)
    engine.buy("a", SYMBOL, 500)
    event = engine.settle_funding(SYMBOL, "0.0008", elapsed_hours=1)
    assert event.fraction == Fraction(1, 8)
    assert {p.account: p.amount for p in event.payments}["a"] == D("-0.0001")


def test_settlement_times_follow_the_venue_schedule() -> None:
    bitmex = Funding(times_utc=(4, 12, 20))
    assert bitmex.times_utc == (4, 12, 20)
    times = bitmex.settlement_times(_utc("2020-03-11T04:00"), _utc("2020-03-12T04:00"))
    assert [t.hour for t in times] == [12, 20, 4]  # start excluded, end included
    every8 = Funding()
    times = every8.settlement_times(_utc("2020-03-11T23:00"), _utc("2020-03-12T16:00"))
    assert [t.hour for t in times] == [0, 8, 16]
    assert every8.settlement_times(_utc("2021-01-01"), _utc("2020-01-01")) == []


def test_formula_rates_clamp_and_deribit() -> None:
    perp = binance_perp()
    assert FormulaFunding().rate(perp, _utc("2020-01-01")) == D("0.0001")
    # P + clamp(I - P, -0.05 %, 0.05 %) = 0.3 % - 0.05 %
    assert FormulaFunding(D("0.003")).rate(perp, _utc("2020-01-01")) == D("0.0025")
    deribit = binance_perp(funding=Funding(model="deribit", accrual="continuous"))
    assert FormulaFunding(D("0.0002")).rate(deribit, _utc("2020-01-01")) == 0
    assert FormulaFunding(D("0.001")).rate(deribit, _utc("2020-01-01")) == D("0.00075")
    # an instrument without funding (a dated future) settles none
    assert FormulaFunding(D("0.003")).rate(binance_perp(funding=None), _utc("2020-01-01")) is None


def test_historical_series_exact_and_asof() -> None:
    index = pd.DatetimeIndex([_utc("2022-11-07T00:00"), _utc("2022-11-07T08:00")])
    series = pd.Series([0.0001, -0.0003], index=index)
    perp = binance_perp()
    exact = HistoricalFunding(series, interval_hours=8, how="exact")
    assert exact.rate(perp, _utc("2022-11-07T08:00")) == D("-0.0003")
    assert exact.rate(perp, _utc("2022-11-07T09:00")) is None
    asof = HistoricalFunding(series, interval_hours=8)
    assert asof.rate(perp, _utc("2022-11-07T09:00")) == D("-0.0003")
    assert asof.rate(perp, _utc("2022-11-06T23:00")) is None
    assert asof.covers(_utc("2022-11-07T00:00"), _utc("2022-11-07T08:00"))
    assert not asof.covers(_utc("2022-11-06T00:00"), _utc("2022-11-07T08:00"))


@pytest.mark.parametrize(
    ("values", "stamps", "match"),
    [
        ([0.1, np.nan, 0.2], None, r"funding\S*, row 2: value nan"),
        ([0.1, 0.2, 0.3], [2, 1, 3], r"funding\S*, row 2: timestamp .* out of order"),
        ([0.1, 0.2, 0.3], [1, 1, 3], r"funding\S*, row 2: timestamp .* duplicate"),
    ],
)
def test_bad_funding_series_name_row_and_value(
    values: list[float], stamps: list[int] | None, match: str
) -> None:
    hours = stamps or [1, 2, 3]
    index = pd.DatetimeIndex(
        [pd.Timestamp("2022-01-01", tz="UTC") + pd.Timedelta(hours=h) for h in hours]
    )
    with pytest.raises(DataError, match=match):
        HistoricalFunding(pd.Series(values, index=index), interval_hours=8)
    naive = pd.Series(values, index=pd.date_range("2022-01-01", periods=3, freq="h"))
    with pytest.raises(DataError, match="timezone-aware"):
        HistoricalFunding(naive, interval_hours=8)


def test_run_bars_settles_at_the_venue_times_only_for_open_positions() -> None:
    """24 flat hourly bars from 00:00: funding at 08:00 and 16:00 (00:00 is the start)."""
    index = pd.date_range("2022-11-07", periods=24, freq="h", tz="UTC")
    bars = pd.DataFrame(dict.fromkeys(("open", "high", "low", "close"), 20000.0), index=index)
    engine = new_engine(binance_perp(maker=0, taker=0), start=index[0])
    engine.deposit("long", 1)
    engine.set_mark(SYMBOL, 20_000, time=index[0])
    engine.buy("long", SYMBOL, 200)  # 1 BTC
    run_bars(engine, SYMBOL, bars, funding=FormulaFunding())
    settled = [e for e in engine.events if isinstance(e, FundingSettled)]
    assert [e.time.hour for e in settled if e.time] == [8, 16]
    # two payments of 1 BTC x 0.01 %
    assert engine.wallet("long") == Decimal(1) - 2 * D("0.0001")
    assert_log_replays(engine)


# -- regressions from the audit (issue 10) ----------------------------------------------


def test_d1_hourly_accruals_are_not_taken_for_8_hour_rates() -> None:
    """D1: a Deribit row is the funding accrued over one hour.  On a continuous 8-hour
    instrument one hour of accrual pays the row's rate, not 1/8 of it."""
    deribit = binance_perp(maker=0, taker=0, funding=Funding(model="deribit", accrual="continuous"))
    index = pd.date_range("2020-03-12", periods=3, freq="h", tz="UTC")
    hourly = FundingSeries.constant(pd.Series([0.0, 0.0008, 0.0008], index=index), 1.0)
    source = HistoricalFunding(hourly)
    assert source.rate(deribit, index[1].to_pydatetime()) == D("0.0064")  # per 8 h
    bars = pd.DataFrame(dict.fromkeys(("open", "high", "low", "close"), 50_000.0), index=index)
    engine = new_engine(deribit, start=index[0])
    engine.deposit("a", 1)
    engine.set_mark(SYMBOL, 50_000, time=index[0])
    engine.buy("a", SYMBOL, 500)  # 1 BTC long
    run_bars(engine, SYMBOL, bars, funding=source)
    # two hours at 0.08 % each on 1 BTC
    assert engine.wallet("a") == 1 - 2 * D("0.0008")
    assert_log_replays(engine)


def test_d1_a_bare_series_must_say_its_interval() -> None:
    index = pd.date_range("2020-03-12", periods=2, freq="8h", tz="UTC")
    with pytest.raises(InputError, match="interval_hours"):
        HistoricalFunding(pd.Series([0.0001, 0.0001], index=index))


def test_d1_discrete_settlement_sums_a_finer_series() -> None:
    """Hourly rows settled on an 8-hour schedule: the sum of the eight hours."""
    index = pd.date_range("2020-03-12", periods=9, freq="h", tz="UTC")
    hourly = FundingSeries.constant(pd.Series(np.arange(9) * 1e-5, index=index), 1.0)
    rate = HistoricalFunding(hourly).rate(binance_perp(), index[8].to_pydatetime())
    assert rate is not None
    assert float(rate) == pytest.approx(sum(range(1, 9)) * 1e-5)


def test_d6_the_same_instant_settles_once() -> None:
    """D6: a second settlement at the same clock time would charge everyone again,
    including positions opened after the first."""
    engine = new_engine(binance_perp(maker=0, taker=0), start=_utc("2020-03-12T08:00"))
    engine.deposit("a", 1)
    engine.set_mark(SYMBOL, 40_000, time=_utc("2020-03-12T08:00"))
    engine.buy("a", SYMBOL, 400)
    engine.settle_funding(SYMBOL, "0.0001")
    engine.deposit("late", 1)
    engine.buy("late", SYMBOL, 400)
    before, length = engine.snapshot(), len(engine.events)
    with pytest.raises(InputError, match=r"time.*already settled"):
        engine.settle_funding(SYMBOL, "0.0001")
    assert engine.snapshot() == before
    assert len(engine.events) == length
    engine.advance_time(_utc("2020-03-12T16:00"))
    engine.settle_funding(SYMBOL, "0.0001")
    assert_log_replays(engine)
