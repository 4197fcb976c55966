"""`inversa calc greeks` and `inversa calc curve`: JSON output, reports, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from inversa.cli import app

runner = CliRunner()

GREEKS = ["calc", "greeks", "--contracts", "400", "--entry", "40000", "--contract-value", "100"]


def _json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n") == 1
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def _error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_greeks_long_on_coin_collateral() -> None:
    out = _json([*GREEKS, "--side", "long", "--price", "40000", "--wallet", "1"])
    w = out["with_collateral"]
    assert w["delta_usd"] == 2.0
    assert w["gamma_usd"] == 0.0
    assert w["effective_leverage"] == 2.0
    assert out["without_collateral"]["delta_usd"] == 1.0
    # 2*S/(2*S - 40000) = 4 at S = 80000/3.
    assert out["leverage_doubles_at"] == pytest.approx(80000 / 3, rel=1e-12)
    # Cross on the whole wallet, 0.5 % MM at the mark: (1 + 0.005) * 40000 / 2.
    assert out["liquidation_price"] == pytest.approx(40000 * 1.005 / 2, rel=1e-12)
    assert out["bankruptcy_price"] == pytest.approx(20000, rel=1e-12)
    assert out["neutral_short_coin"] == 2.0
    assert len(out["grid"]) == 13


def test_greeks_short_hedge_is_usd_neutral_on_the_grid() -> None:
    out = _json(
        [*GREEKS, "--side", "short", "--price", "40000", "--wallet", "1", "--grid", "5000,80000"]
    )
    assert out["with_collateral"]["gamma_usd"] == 0.0
    assert [g["equity_usd"] for g in out["grid"]] == [40000.0, 40000.0]
    assert out["liquidation_price"] is None  # a fully collateralised short never liquidates


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--side", "long", "--price", "0", "--wallet", "1"], "price"),
        (["--side", "flat", "--price", "1"], "side"),
        (["--side", "long", "--price", "1", "--wallet", "-1"], "wallet"),
        (["--side", "long", "--price", "1", "--mmr", "1.5"], "mmr"),
        (["--side", "long", "--price", "1", "--mmr", "1"], "mmr"),
        (["--side", "long"], "price"),
        (["--side", "long", "--price", "1", "--venue", "bybit"], "symbol"),
    ],
)
def test_greeks_bad_input(args: list[str], field: str) -> None:
    assert field in _error([*GREEKS, *args])


CURVE = ["calc", "curve", "--as-of", "2025-01-02", "--spot", "96000"]


def test_curve_json_and_report(tmp_path: Path) -> None:
    report = tmp_path / "curve.html"
    out = _json([*CURVE, "--futures", "250627=100500,250328=98000", "--report", str(report)])
    first, second = out["points"]
    assert first["expiry"] == "2025-03-28T08:00:00+00:00"
    # 2025-01-02T00:00 -> 2025-03-28T08:00 is 85 days and 8 hours.
    assert first["days"] == pytest.approx(85 + 8 / 24, rel=1e-15)
    assert first["annualised_basis"] == pytest.approx((98000 / 96000 - 1) * 365 / (85 + 1 / 3))
    assert second["days"] == pytest.approx(176 + 1 / 3)
    text = report.read_text()
    assert "Futures curve" in text
    assert "plotly" in text.lower()


def test_curve_venue_hour(tmp_path: Path) -> None:
    out = _json([*CURVE, "--futures", "250328=98000", "--venue", "bitmex"])
    assert out["points"][0]["expiry"] == "2025-03-28T12:00:00+00:00"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--futures", "241227=95000,250328=98000"], "futures='241227'"),
        (["--futures", "250328"], "futures"),
        (["--futures", "251399=1"], "futures"),
        (["--futures", "250328=-5"], "futures.250328"),
    ],
)
def test_curve_bad_input(args: list[str], needle: str) -> None:
    assert needle in _error([*CURVE, *args])


def test_curve_past_as_of_names_the_expiry() -> None:
    line = _error(
        ["calc", "curve", "--as-of", "2025-03-29", "--spot", "1", "--futures", "250328=1"]
    )
    assert "futures='250328'" in line
    assert "expired" in line


def test_greeks_from_a_venue_symbol() -> None:
    base = ["calc", "greeks", "--contracts", "400", "--entry", "40000", "--price", "40000"]
    out = _json([*base, "--side", "long", "--wallet", "1", "--symbol", "BTCUSD_PERP"])
    # Binance COIN-M: 100 USD per contract, so 40,000 USD = 1 BTC long on 1 BTC.
    assert out["with_collateral"]["delta_usd"] == 2.0
    res = runner.invoke(app, [*base, "--side", "long"])
    assert res.exit_code == 2
    assert "contract_value" in res.stderr
