"""Historical crash replays: synthetic frames, bad input, and the March 2020 golden test."""

from __future__ import annotations

import json
import math
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from inversa.contracts import TierTable
from inversa.data import FundingSeries
from inversa.engine import Filled, FundingSettled, MarginMode
from inversa.errors import DataError, InputError
from inversa.sim import MARKET_MAKER, Book, BookEntry, replay_crash
from inversa.venues import Funding, Instrument

LEVERAGES = (2, 5, 10, 25, 50, 100)
MAKER = 0.0002
CV = 100


def _perp(**overrides: Any) -> Instrument:
    """Binance COIN-M-like BTCUSD: 100 USD contracts, 0.4 % maintenance up to 5 BTC."""
    tiers = TierTable(
        tuple(Decimal(x) for x in ("5", "10", "20", "50", "Infinity")),
        tuple(Decimal(x) for x in ("0.004", "0.005", "0.01", "0.025", "0.05")),
    )
    fields: dict[str, Any] = {
        "maker": Decimal(str(MAKER)),
        "taker": Decimal("0.0005"),
        "tick": Decimal("0.1"),
        "max_leverage": Decimal(125),
        "funding": Funding(),
        "venue": "test",
    }
    fields.update(overrides)
    return Instrument.custom("BTC/USD:BTC", Decimal(CV), tiers, **fields)


def _bars(closes: list[float], start: str = "2024-01-01") -> pd.DataFrame:
    """Hourly bars opening at the previous close, with 1 % wicks either side."""
    index = pd.date_range(start, periods=len(closes), freq="h", tz="UTC")
    opens = [closes[0], *closes[:-1]]
    high = [max(o, c) * 1.01 for o, c in zip(opens, closes, strict=True)]
    low = [min(o, c) * 0.99 for o, c in zip(opens, closes, strict=True)]
    return pd.DataFrame({"open": opens, "high": high, "low": low, "close": closes}, index=index)


CRASH = _bars([10_000, 9_800, 9_000, 7_500, 6_000, 6_500, 7_000, 7_200])


def test_synthetic_crash_report_is_complete_and_json_ready() -> None:
    result = replay_crash("synthetic", instrument=_perp(), prices=CRASH, funding="none", check=True)
    by = result.by_leverage
    assert list(by["leverage"].unique()) == [float(x) for x in LEVERAGES]
    assert set(by["side"]) == {"long", "short"}
    assert len(by) == 12
    assert list(by.columns) == [
        "leverage",
        "side",
        "accounts",
        "liquidated",
        "lost_coin",
        "pnl_coin",
        "insurance_paid_in_coin",
        "insurance_drawn_coin",
        "adl_events",
        "adl_contracts",
        "deleveraged_accounts",
        "uncovered_coin",
    ]
    longs = by[by["side"] == "long"].set_index("leverage")
    # a 40 % fall (wick to 5,940) liquidates every long from 2x up
    assert longs["liquidated"].tolist() == [1] * 6
    assert result.totals["liquidated"] == int(by["liquidated"].sum())
    assert result.totals["insurance_end_coin"] == pytest.approx(
        result.totals["insurance_start_coin"]
        + result.totals["insurance_paid_in_coin"]
        - result.totals["insurance_drawn_coin"]
    )
    data = json.loads(json.dumps(result.to_dict()))
    assert data["window"] == "synthetic"
    assert data["funding"] == "none"
    assert len(data["prices"]) == len(CRASH)
    assert data["prices"][0]["time"].startswith("2024")
    assert {row["account"] for row in data["accounts"]} == set(result.accounts["account"])
    assert data["accounts"][0]["liquidated_bar_open_utc"] is not None


def test_open_interest_balances_and_every_account_is_in_the_book() -> None:
    result = replay_crash("synthetic", instrument=_perp(), prices=CRASH[:1], funding="none")
    accounts = result.accounts.set_index("account")
    assert len(accounts) == 2 * len(LEVERAGES)
    fills = [e for e in result.events if isinstance(e, Filled) and e.reason == "order"]
    assert len(fills) == len(LEVERAGES)
    assert all(f.buyer.account.startswith("long-") for f in fills)
    assert all(f.seller.account == f.buyer.account.replace("long", "short") for f in fills)
    assert (accounts["contracts"] == 100).all()  # 1 BTC at 10,000 in 100 USD contracts
    assert (accounts["mode"] == "isolated").all()


def test_gap_fills_at_the_extreme_draw_the_fund_and_deleverage() -> None:
    """Filling liquidations at the hourly extreme (``fills="mark"``) with an empty fund
    leaves shortfalls that only ADL of the profitable shorts can absorb."""
    result = replay_crash(
        "synthetic", instrument=_perp(), prices=CRASH, funding="none", fills="mark", check=True
    )
    assert result.totals["adl_events"] > 0
    assert result.totals["deleveraged_accounts"] > 0
    assert result.totals["uncovered_coin"] == 0
    seeded = replay_crash(
        "synthetic",
        instrument=_perp(),
        prices=CRASH,
        funding="none",
        fills="mark",
        insurance_fund=5,
        check=True,
    )
    assert seeded.totals["adl_events"] == 0
    assert seeded.totals["insurance_drawn_coin"] > 0


def test_funding_settles_at_the_venue_times() -> None:
    index = pd.date_range("2024-01-01", periods=30, freq="h", tz="UTC")  # to 05:00 next day
    bars = pd.DataFrame(dict.fromkeys(("open", "high", "low", "close"), 10000.0), index=index)
    result = replay_crash("flat", instrument=_perp(), prices=bars, funding="formula", check=True)
    settled = [e for e in result.events if isinstance(e, FundingSettled)]
    assert [e.time.hour for e in settled if e.time] == [8, 16, 0]
    assert result.funding == "formula"
    longs = result.accounts[result.accounts["side"] == "long"]
    # three payments of 0.01 % on 1 BTC, plus the maker fee, at an unchanged price
    assert longs["pnl_coin"].tolist() == pytest.approx([-3 * 0.0001 - MAKER] * 6, abs=1e-12)
    series = pd.Series(
        [0.001] * 4, index=pd.date_range("2024-01-01", periods=4, freq="8h", tz="UTC")
    )
    custom = replay_crash(
        "flat", instrument=_perp(), prices=bars, funding=FundingSeries.constant(series, 8.0)
    )
    assert custom.funding == "custom series"
    assert custom.accounts["pnl_coin"].iloc[0] == pytest.approx(-3 * 0.001 - MAKER, abs=1e-12)


def test_custom_book_with_cross_accounts_against_the_market_maker() -> None:
    book = Book(
        (
            BookEntry("bull", 1, Decimal(20), Decimal(50), MarginMode.CROSS, Decimal("0.1")),
            BookEntry("bear", -1, Decimal(3), Decimal(50), MarginMode.ISOLATED),
        ),
        market_maker_deposit=Decimal(100),
    )
    result = replay_crash("synthetic", book, instrument=_perp(), prices=CRASH, funding="none")
    rows = result.accounts.set_index("account")
    assert rows.loc["bull", "deposit_coin"] == pytest.approx(0.1)
    assert bool(rows.loc["bull", "liquidated"])
    assert not bool(rows.loc["bear", "liquidated"])
    assert MARKET_MAKER not in rows.index
    assert result.totals["market_maker_pnl_coin"] != 0


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda f: f.assign(low=f["low"].where(f.index != f.index[3], np.nan)), r"row 4: low=nan"),
        (lambda f: f.iloc[[0, 2, 1, 3]], r"row 3: timestamp .* out of order"),
        (lambda f: f.tz_localize(None), "timezone-aware"),
        (lambda f: f.drop(columns="high"), r"missing columns \['high'\]"),
        (lambda f: f.assign(open=-f["open"]), r"row 1: open=-10000\.0"),
    ],
)
def test_bad_price_frames_name_the_row_and_value(mutate: Any, match: str) -> None:
    with pytest.raises(DataError, match=match):
        replay_crash("bad", instrument=_perp(), prices=mutate(CRASH), funding="none")


def test_bad_arguments_are_typed_errors() -> None:
    with pytest.raises(InputError, match="window"):
        replay_crash("1929-10", instrument=_perp())
    with pytest.raises(InputError, match=r"leverages='200': above the 125x cap"):
        replay_crash("synthetic", instrument=_perp(), prices=CRASH, leverages=(200,))
    with pytest.raises(InputError, match="funding"):
        replay_crash("synthetic", instrument=_perp(), prices=CRASH, funding="sometimes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("window", "funding", "bars"),
    [
        # the bundled COIN-M funding starts in August 2020: auto falls back to Bybit's
        ("2020-03", "bybit history (auto: binance-coinm: bundled history covers", 72),
        ("2021-05", "binance-coinm history", 72),
        ("2022-05", "binance-coinm history", 144),
        ("2022-11", "binance-coinm history", 96),
    ],
)
def test_real_windows_on_the_bundled_venue_rules(window: str, funding: str, bars: int) -> None:
    """The default venue (the binance-coinm rule file) over each bundled crash window."""
    result = replay_crash(window, check=True)
    assert result.venue == "binance-coinm"
    assert result.funding.startswith(funding)
    assert len(result.prices) == bars
    rows = result.accounts.set_index("account")
    assert bool(rows.loc["long-100x", "liquidated"])  # every window fell well over 1 %
    assert not bool(rows.loc["short-2x", "liquidated"])
    assert result.totals["insurance_end_coin"] >= 0
    assert result.totals["uncovered_coin"] == 0


# -- golden: March 2020 --------------------------------------------------------------


def _golden_expectations(mm_at: str) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """Closed forms with plain arithmetic, for isolated accounts holding exactly their
    initial margin, no funding, liquidation fills at the liquidation price (or the bar
    open after a gap):

    - entry ``E`` = the window's first open on the 0.1 tick; ``N = floor(E / 100)``
      contracts of 100 USD (1 coin at entry); ``PV = N*100/E``; margin ``PV/lev``; fee
      ``PV * maker``;
    - maintenance rate ``m = 0.4 %`` (the first tier: every value at liquidation is below
      5 coin);
    - MM at the mark: long ``L = E*lev*(1+m)/(lev+1)``, short ``L = E*lev*(1-m)/(lev-1)``;
      MM at the entry: long ``L = E*lev/(lev+1-m*lev)``, short ``L = E*lev/(lev-1+m*lev)``;
    - a long is liquidated iff the window's minimum low <= L (a short: maximum high >= L);
      it loses its deposit, margin + fee;
    - the fund receives ``N*100*side*(1/B - 1/X)`` with ``B = E*lev/(lev+side)`` and ``X``
      the first bar open beyond ``L`` or else ``L`` itself;
    - a survivor's PnL is ``side*N*100*(1/E - 1/last close) - fee``.
    """
    from inversa import data

    bars = data.crash_window("2020-03")
    first_open = Decimal(repr(float(bars["open"].iloc[0])))
    e = float(first_open.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN))
    n = math.floor(e / CV)
    pv = n * CV / e
    m = 0.004
    expected: dict[str, dict[str, Any]] = {}
    for lev in LEVERAGES:
        for side, tag in ((1, "long"), (-1, "short")):
            if mm_at == "mark":
                level = e * lev * (1 + side * m) / (lev + side)
            else:
                level = e * lev / (lev + side - side * m * lev)
            fee = pv * MAKER
            crossed = bars["low"] <= level if side == 1 else bars["high"] >= level
            row: dict[str, Any] = {"liquidated": bool(crossed.any())}
            if row["liquidated"]:
                first = bars[crossed].iloc[0]
                gapped = first["open"] <= level if side == 1 else first["open"] >= level
                fill = first["open"] if gapped else level
                bankrupt = e * lev / (lev + side)
                row["lost_coin"] = pv / lev + fee
                row["insurance_paid_in_coin"] = n * CV * side * (1 / bankrupt - 1 / fill)
            else:
                last = bars["close"].iloc[-1]
                row["pnl_coin"] = side * n * CV * (1 / e - 1 / last) - fee
            expected[f"{tag}-{lev}x"] = row
    return bars, expected


@pytest.mark.parametrize("mm_at", ["mark", "entry"])
def test_golden_march_2020_against_closed_forms(mm_at: str) -> None:
    bars, expected = _golden_expectations(mm_at)
    result = replay_crash(
        "2020-03",
        instrument=_perp(liquidation_model="bybit-classic" if mm_at == "entry" else None),
        funding="none",
        check=True,
    )
    assert len(result.prices) == len(bars) == 72
    rows = result.accounts.set_index("account")
    for account, want in expected.items():
        got = rows.loc[account]
        assert bool(got["liquidated"]) == want["liquidated"], account
        if want["liquidated"]:
            assert got["lost_coin"] == pytest.approx(want["lost_coin"], rel=1e-9), account
            assert got["insurance_paid_in_coin"] == pytest.approx(
                want["insurance_paid_in_coin"], rel=1e-7
            ), account
        else:
            assert got["pnl_coin"] == pytest.approx(want["pnl_coin"], rel=1e-9), account
    liquidated = sum(w["liquidated"] for w in expected.values())
    assert result.totals["liquidated"] == liquidated
    assert 7 <= liquidated <= 8  # every long (BTC fell ~52 %) and the 100x short
    assert result.totals["adl_events"] == 0
    assert result.totals["insurance_drawn_coin"] == 0
    assert result.totals["lost_coin"] == pytest.approx(
        sum(w.get("lost_coin", 0.0) for w in expected.values()), rel=1e-9
    )
