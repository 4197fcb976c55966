"""The carry backtest against closed forms on synthetic histories, and on the bundled ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from inversa.cli import app
from inversa.errors import InputError
from inversa.sim.carry import (
    CarryConfig,
    CarryInputs,
    carry_backtest,
    carry_inputs,
    funding_stats,
)

runner = CliRunner()


def _inputs(price: list[float], rate: list[float], *, kind: str = "inverse", worst=None):  # type: ignore[no-untyped-def]
    n = len(price)
    times = pd.date_range("2021-01-01", periods=n, freq="8h", tz="UTC")
    p = np.asarray(price, dtype=float)
    return CarryInputs(
        venue="test",
        kind=kind,  # type: ignore[arg-type]
        times=times,
        price=p,
        worst=p.copy() if worst is None else np.asarray(worst, dtype=float),
        rate=np.asarray(rate, dtype=float),
        interval_hours=np.full(n, 8.0),
        contract_value=1.0 if kind == "inverse" else 0.001,
        taker_rate=0.0,
        mmr=0.005,
        price_note="synthetic",
        funding_note="synthetic",
    )


def test_inverse_short_on_coin_locks_the_usd_value() -> None:
    rng = np.random.default_rng(3)
    price = [30000.0, *(30000 * np.exp(np.cumsum(rng.normal(0, 0.05, 399))))]
    r = carry_backtest(_inputs(price, [0.0] * 400), CarryConfig(coin=2.0))
    # 2 coin at 30,000, short 60,000 whole 1-USD contracts: value fixed whatever the path.
    assert np.allclose(r.equity_usd, 2.0 * price[0], rtol=1e-12)
    assert r.rebalances == 0
    assert abs(r.max_drawdown) < 1e-12
    assert np.allclose(r.hedge_ratio, 1.0)


def test_constant_funding_at_constant_price_is_simple_interest() -> None:
    n, rate = 3 * 365 + 1, 0.0001
    r = carry_backtest(_inputs([20000.0] * n, [rate] * n), CarryConfig(band=0.5))
    # The short stays 20,000 USD; each of the 1,095 fundings pays 2 USD.
    assert r.funding_received_usd == pytest.approx(2.0 * (n - 1), rel=1e-9)
    assert r.end_value_usd == pytest.approx(20000 * (1 + rate * (n - 1)), rel=1e-9)
    assert r.years == pytest.approx(1.0)
    assert r.yield_simple_rate == pytest.approx(rate * 1095, rel=1e-9)
    assert r.yield_compounded_rate == pytest.approx(rate * 1095, rel=1e-9)


def test_rebalancing_reinvests_funding_and_pays_fees() -> None:
    n, rate = 400, 0.001
    inputs = _inputs([20000.0] * n, [rate] * n)
    inputs = CarryInputs(**{**inputs.__dict__, "taker_rate": 0.001})
    r = carry_backtest(inputs, CarryConfig(band=0.02))
    assert r.rebalances > 0
    assert r.fees_usd > 0
    # With a tight band the funding compounds: more than simple interest, less the fees.
    simple = 20000 * rate * (n - 1)
    assert r.pnl_usd > simple - r.fees_usd - 20  # rounding of whole 1-USD contracts
    assert r.pnl_usd < 20000 * ((1 + rate) ** (n - 1) - 1)


def test_linear_short_pays_usd_funding_on_the_coin() -> None:
    price = [10000.0, 20000.0, 40000.0]
    r = carry_backtest(_inputs(price, [0.0, 0.001, 0.001], kind="linear"), CarryConfig())
    # 1 coin held, 1 coin short: USD value fixed at 10,000 plus funding on 1 coin.
    assert r.funding_received_usd == pytest.approx(20 + 40)
    assert r.end_value_usd == pytest.approx(10000 + 60)


def test_isolated_short_is_liquidated_on_a_rally() -> None:
    price = [10000.0, 10000.0, 16000.0, 16000.0]
    worst = [10000.0, 10000.0, 16000.0, 16000.0]
    cfg = CarryConfig(margin_mode="isolated", leverage=2.0)
    r = carry_backtest(_inputs(price, [0.0] * 4, worst=worst), cfg)
    # 2x isolated: margin 0.5 coin behind a 10,000 USD short at 10,000; at 16,000 the loss
    # is 10,000*(1/10,000 - 1/16,000) = 0.375 coin, the margin balance 0.125 > MM 0.003125:
    # alive, and topped up because 0.125 < 0.5 * (0.625 / 2).
    assert r.liquidations == 0
    assert r.topups >= 1
    jump = [10000.0, 10000.0, 30000.0, 30000.0]
    r = carry_backtest(_inputs(jump, [0.0] * 4, worst=jump), cfg)
    assert r.liquidations == 1
    # Lost: the isolated margin, 0.5 coin, at 30,000; the other 0.5 coin is held and
    # re-hedged at 30,000.
    assert r.liquidation_loss_usd == pytest.approx(0.5 * 30000)
    assert r.end_value_usd == pytest.approx(0.5 * 30000)


def test_funding_stats_longest_negative_run() -> None:
    times = pd.date_range("2021-01-01", periods=8, freq="8h", tz="UTC")
    rate = np.array([0.1, -1, -1, 0.1, -1, -1, -1, 0.1]) * 1e-4
    s = funding_stats(times, rate, np.full(8, 8.0))
    assert s.longest_negative_hours == 24.0
    assert s.longest_negative_start == times[4]
    assert s.share_negative == pytest.approx(5 / 8)
    assert s.mean_annualised_rate == pytest.approx(rate.mean() * 3 * 365)


def test_config_errors_name_the_option() -> None:
    with pytest.raises(InputError, match="hedge-ratio"):
        CarryConfig(hedge_ratio=0)
    with pytest.raises(InputError, match="band"):
        CarryConfig(band=-0.1)
    with pytest.raises(InputError, match="leverage"):
        CarryConfig(leverage=0.5)
    with pytest.raises(InputError, match="topup-at"):
        CarryConfig(topup_at=1.5)


def test_history_must_cover_the_dates() -> None:
    inputs = carry_inputs("deribit")
    with pytest.raises(InputError, match=r"start=.*deribit funding history covers 2019-04-30"):
        carry_backtest(inputs, CarryConfig(start=pd.Timestamp("2018-01-01", tz="UTC")))
    with pytest.raises(InputError, match="end="):
        carry_backtest(inputs, CarryConfig(end=pd.Timestamp("2022-01-01", tz="UTC")))


@pytest.mark.parametrize("venue", ["bitmex", "bybit", "binance-coinm", "deribit", "binance-usdt"])
def test_bundled_runs_are_sane(venue: str) -> None:
    r = carry_backtest(carry_inputs(venue))
    assert r.liquidations == 0  # cross margin on the coin: no liquidation at 1x
    assert 0 < r.yield_simple_rate < 1
    assert 0 <= r.max_drawdown < 0.5
    assert r.funding.rows == len(r.times) - 1
    if venue == "bitmex":
        assert r.start.year == 2016
        assert "Coinbase" in r.price_note
    if venue == "deribit":
        assert "hour" in r.funding_note
        assert r.funding.rows > 15000


def _cli(args: list[str]) -> tuple[int, str, str]:
    res = runner.invoke(app, ["carry", "backtest", *args])
    return res.exit_code, res.stdout, res.stderr


def test_cli_json_and_report(tmp_path: Path) -> None:
    report = tmp_path / "carry.html"
    code, out, err = _cli(
        ["--venue", "all", "--start", "2021-01-01", "--end", "2021-12-31", "--json",
         "--report", str(report)]
    )  # fmt: skip
    assert code == 0, err
    payload = json.loads(out)
    venues = [r["venue"] for r in payload["results"]]
    assert venues == ["bybit", "binance-coinm", "binance-usdt", "bybit-usdt"]
    assert any("bitmex" in s for s in payload["skipped"])
    assert "Paths" in report.read_text()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--venue", "bitmex", "--start", "2021-01-01"], "start="),
        (["--venue", "deribit", "--end", "2024-01-01"], "end="),
        (["--start", "2030-01-01"], "start="),
        (["--venue", "okx"], "venue="),
        (["--band", "-1"], "band="),
        (["--margin", "portfolio"], "margin="),
        (["--start", "yesterday-ish"], "start="),
        (["--start", "2021-02-01", "--end", "2021-01-01"], "end="),
    ],
)
def test_cli_bad_input(args: list[str], needle: str) -> None:
    code, _, err = _cli(args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert needle in lines[0]
