"""The hedge commands a portfolio manager runs: amounts, liquidation, compare, backtest."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from inversa.cli import app

EXAMPLE = ["--file", "examples/portfolio.toml"]


def _invoke(*args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, ["hedge", *args])
    assert result.exit_code == code, result.output
    return result


def _json(*args: str) -> Any:
    return json.loads(_invoke(*args, "--json").stdout)


def test_done_when_hedge_amount_on_bybit() -> None:
    """`hedge plan --hedge BTC=-14950USD --prices BTC=40000 --venue bybit`."""
    out = _invoke("plan", "--hedge", "BTC=-14950USD", "--prices", "BTC=40000", "--venue", "bybit")
    assert "-0.37375" in out.stdout
    assert "-14,950" in out.stdout
    data = _json("plan", "--hedge", "BTC=-0.37375BTC", "--prices", "BTC=40000", "--venue", "bybit")
    leg = data["legs"]["BTC"]
    assert leg["coin"] == -0.37375
    assert leg["contracts"] == -14950
    assert leg["venue"] == "bybit"


def test_hedge_and_targets_are_refused_together() -> None:
    out = CliRunner().invoke(
        app, ["hedge", "plan", *EXAMPLE, "--hedge", "BTC=-1000USD", "--carry", "--json"]
    )
    assert out.exit_code == 2
    assert "--hedge" in out.stderr
    assert "--targets" in out.stderr
    bad = CliRunner().invoke(app, ["hedge", "plan", "--hedge", "BTC=-1000", "--prices", "BTC=1"])
    assert bad.exit_code == 2
    assert "unit" in bad.stderr
    assert "Traceback" not in bad.output


def test_plan_warns_of_close_liquidations_and_takes_cross_margin() -> None:
    data = _json("plan", *EXAMPLE, "--no-carry")
    assert data["risk"]["legs"]["ALT"]["warn"] is True
    assert any("ALT leg (isolated)" in n for n in data["notes"])
    cross = _json("plan", *EXAMPLE, "--no-carry", "--margin-mode", "cross")
    assert cross["risk"]["legs"]["BTC"]["liquidation_price"] is None  # +inf: none
    assert cross["risk"]["legs"]["ALT"]["collateral"] == 30000


def test_stress_marks_the_legs_it_liquidates() -> None:
    data = _json("stress", *EXAMPLE, "--shocks=-0.6,-0.9")
    rows = {r["shock"]: r for r in data["rows"]}
    assert rows[-0.6]["liquidated"] == ["ETH", "ALT"]
    assert rows[-0.6]["assets"]["ALT"]["leg_pnl"] == -22000
    lev3 = _json("stress", *EXAMPLE, "--leverage", "3", "--shocks=-0.3,0.6")
    by = {r["shock"]: r["liquidated"] for r in lev3["rows"]}
    assert "ETH" in by[-0.3]
    assert "BTC" in by[0.6]


def test_unwind_books_the_eth_liquidation_on_the_path() -> None:
    data = _json(
        "unwind",
        "--amounts", "BTC=2,ETH=14",
        "--targets", "BTC=0.4,ETH=0.6",
        "--date", "2021-05-10",
        "--later-date", "2021-06-10",
        "--leverage", "3",
    )  # fmt: skip
    eth = data["liquidations"]["ETH"]
    assert eth["when"].startswith("2021-05-19")
    assert "ETH" not in data["orders"]
    assert any("hourly mark" in n for n in data["notes"])


def test_compare_marks_the_cheapest_venue() -> None:
    data = _json("compare", "--hedge", "BTC=-14950USD", "--as-of", "2021-06-01")
    venues = data["venues"]
    assert venues["bybit"]["contracts"] == -14950
    assert [v for v, q in venues.items() if q["cheapest"]] == ["bybit"]
    assert "history" in venues["bitmex"]["funding_note"]


def test_carry_over_n_days_from_real_histories() -> None:
    data = _json("plan", *EXAMPLE, "--date", "2021-06-01", "--days", "7", "--funding-proxy", "BTC")
    carry = data["carry"]
    assert carry["horizon_days"] == 7
    assert "bybit BTC inverse perpetual" in carry["legs"]["BTC"]["source"]


def test_no_double_negative_flag() -> None:
    import typer

    group: Any = typer.main.get_command(app)
    plan = group.commands["hedge"].commands["plan"]
    flags = {o for p in plan.params for o in (*p.opts, *p.secondary_opts)}
    assert "--no-default-venues" in flags
    assert "--no-no-default-venues" not in flags
