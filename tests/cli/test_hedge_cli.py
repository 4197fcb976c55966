"""`inversa hedge plan|stress|unwind|backtest` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from inversa.cli import app

ROOT = Path(__file__).parents[2]
INVERSA = Path(sys.executable).with_name("inversa")
VECTORS = ROOT / "tests" / "vectors" / "acceptance.jsonl"
WORKED = [
    "--holdings", "BTC=80000,ETH=35000,ALT=15000",
    "--targets", "BTC=0.5,ETH=0.3,ALT=0.2",
    "--prices", "BTC=40000,ETH=2500,ALT=0.5",
]  # fmt: skip
CV1 = ["--contract-values", "BTC=1,ETH=1,ALT=1"]


def _vector(vid: str) -> dict[str, Any]:
    for line in VECTORS.read_text().splitlines():
        if line.strip() and json.loads(line)["id"] == vid:
            return json.loads(line)  # type: ignore[no-any-return]
    raise KeyError(vid)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(INVERSA), *args], capture_output=True, text=True, timeout=120, check=False
    )


def _invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, ["hedge", *args])
    assert result.exit_code == 0, result.stderr or result.stdout
    return result


@pytest.mark.parametrize("vid", ["H1", "P6"])
def test_acceptance_vectors_as_a_subprocess(vid: str) -> None:
    vector = _vector(vid)
    argv = ["hedge", "plan"]
    for key, value in vector["inputs"].items():
        argv += ["--" + key.replace("_", "-"), ",".join(value)]
    done = _run(*argv, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    for key, expected in vector["expected"].items():
        value = out
        for part in key.split("."):
            value = value[part]
        assert value == pytest.approx(expected, abs=vector["tol"] or 0), key
    if vid == "P6":
        assert all(isinstance(out["legs"][a]["contracts"], int) for a in ("BTC", "ETH", "ALT"))


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--targets", "BTC=0.5,ETH=0.3,ALT=0.3"], "weights sum to 1.1, not 1"),
        (["--holdings", "BTC=-80000,ETH=35000,ALT=15000"], "holdings.BTC"),
        (["--prices", "BTC=40000,ETH=2500"], "no price for ALT"),
        (["--contract-values", "BTC=1,ETH=1"], "ALT has no contract"),
        (["--require-contracts"], "ALT has no contract"),
        (["--prices", "BTC=40000,ETH=abc,ALT=1"], "prices.ETH"),
    ],
)
def test_bad_input_one_line_exit_2_no_plan(args: list[str], needle: str) -> None:
    flags = dict(zip(WORKED[::2], WORKED[1::2], strict=True))
    argv: list[str] = []
    for flag, value in flags.items():
        if flag not in args:
            argv += [flag, value]
    done = _run("hedge", "plan", *argv, *args, "--json")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert needle in lines[0]
    assert "Traceback" not in done.stderr


def test_repeated_flags_equal_comma_lists() -> None:
    repeated = [
        "--holdings", "BTC=80000", "--holdings", "ETH=35000", "--holdings", "ALT=15000",
        "--targets", "BTC=0.5", "--targets", "ETH=0.3,ALT=0.2",
        "--prices", "BTC=40000,ETH=2500", "--prices", "ALT=0.5",
    ]  # fmt: skip
    a = json.loads(_invoke("plan", *repeated, *CV1, "--no-carry", "--json").stdout)
    b = json.loads(_invoke("plan", *WORKED, *CV1, "--no-carry", "--json").stdout)
    assert a == b
    assert b["legs"]["BTC"]["usd"] == -15000
    assert b["legs"]["BTC"]["coin"] == -0.375


def test_plan_from_files_and_amounts() -> None:
    for name in ("portfolio.toml", "portfolio.csv"):
        out = json.loads(_invoke("plan", "--file", str(ROOT / "examples" / name), "--json").stdout)
        assert out["legs"]["BTC"]["contracts"] == -15000
        assert out["legs"]["ETH"]["contracts"] == 400  # Binance COIN-M ETHUSD_PERP: 10 USD
        assert out["legs"]["ALT"]["contracts"] == 11000
        assert out["wallets"]["BTC"]["ok"] is True
        assert "carry" in out
        assert out["carry"]["legs"]["BTC"]["kind"] == "funding"
    coins = [
        "--amounts", "BTC=2,ETH=14,ALT=30000", "--targets", "BTC=0.5,ETH=0.3,ALT=0.2",
        "--prices", "BTC=40000,ETH=2500,ALT=0.5", "--no-carry", "--json",
    ]  # fmt: skip
    out = json.loads(_invoke("plan", *coins).stdout)
    assert out["legs"]["ALT"]["coin"] == 22000


def test_plan_with_bundled_prices_and_basis() -> None:
    args = ["--holdings", "BTC=80000,ETH=20000", "--targets", "BTC=0.5,ETH=0.5"]
    out = json.loads(
        _invoke("plan", *args, "--date", "2021-05-19", "--basis", "BTC=0.1", "--json").stdout
    )
    assert out["drift"]["BTC"]["price"] == pytest.approx(36_000, rel=0.2)
    assert out["carry"]["legs"]["BTC"]["kind"] == "basis"
    assert out["carry"]["legs"]["ETH"]["kind"] == "funding"
    assert "2021-05-19" in out["carry"]["legs"]["ETH"]["source"]


def test_plan_tables() -> None:
    text = _invoke("plan", *WORKED).stdout
    for title in ("Drift", "Hedge legs", "Margin by wallet", "Exposure after the hedge", "Carry"):
        assert title in text
    assert "no venue lists an inverse perpetual" in text


def test_stress() -> None:
    out = json.loads(_invoke("stress", *WORKED, *CV1, "--json").stdout)
    rows = {r["shock"]: r for r in out["rows"]}
    assert set(rows) == {-0.5, -0.2, -0.1, 0.0, 0.1, 0.2, 0.5}
    assert all(r["synthetic_usd"] == pytest.approx(15000) for r in rows.values())
    one = json.loads(
        _invoke("stress", *WORKED, *CV1, "--shocks", "-0.5", "--move", "BTC", "--json").stdout
    )
    assert one["rows"][0]["hedged_usd"] == pytest.approx(97500)
    assert "synth. USD" in _invoke("stress", *WORKED, *CV1).stdout


def test_unwind() -> None:
    later = ["--later-prices", "BTC=45000,ETH=3000,ALT=0.6", "--days", "30"]
    out = json.loads(_invoke("unwind", *WORKED, *CV1, *later, "--json").stdout)
    assert out["orders"]["BTC"]["side"] == "buy"
    assert out["orders"]["BTC"]["realised_pnl_usd"] == pytest.approx(-1875)
    assert out["realised_pnl_usd"] == pytest.approx(1125)
    identity = (
        out["rounding_usd"] - out["hedge_cost_usd"]
        + out["spot_fees_start_usd"] - out["spot_fees_later_usd"]
    )  # fmt: skip
    assert out["difference_usd"] == pytest.approx(identity)
    assert "Closing orders" in _invoke("unwind", *WORKED, *CV1, *later).stdout


def test_backtest_json_and_report(tmp_path: Path) -> None:
    report = tmp_path / "backtest.html"
    out = json.loads(
        _invoke(
            "backtest",
            "--start",
            "2023-01-01",
            "--end",
            "2023-06-30",
            "--report",
            str(report),
            "--json",
        ).stdout
    )
    assert out["rebalances"] == 6
    assert set(out["strategies"]) == {"never", "spot", "futures", "futures_trueup"}
    assert out["strategies"]["spot"]["fees_usd"] > out["strategies"]["futures"]["fees_usd"] > 0
    html = report.read_text()
    assert "Weights over time" in html
    assert "Cumulative costs" in html
