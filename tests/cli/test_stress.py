"""`inversa stress`: JSON output, book files, reports, one-line errors with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from inversa.cli.stress import SYNTHETIC_LEVERAGES, app

runner = CliRunner()


def _json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n") == 1  # one JSON object, nothing else on stdout
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def _error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_grid_default_synthetic_book() -> None:
    out = _json(["grid"])
    assert out["grid"] == "span"
    assert out["positions"] == 2 * len(SYNTHETIC_LEVERAGES)
    assert out["price"] == pytest.approx(7893.20321722)  # first 2020-03 hourly mark open
    assert len(out["scenarios"]) == 16
    assert out["scenarios"][0]["pnl_coin"] == 0.0
    losses = [-r["weighted_pnl_coin"] for r in out["scenarios"]]
    assert out["margin_coin"] == pytest.approx(max(losses))
    assert out["worst_scenario"] == out["scenarios"][losses.index(max(losses))]["scenario"]


def test_grid_one_position_book_csv(tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text("side,contracts,entry,leverage\nlong,1000,50000,10\n")
    out = _json(["grid", "--book", str(book), "--scan-range", "0.15"])
    assert out["price"] == pytest.approx(50_000)  # the book's average entry
    row = out["scenarios"][4]
    assert row["scenario"] == "down 1/3, vol up"
    assert row["pnl_coin"] == pytest.approx(-2 / 19)  # 100,000*(1/50,000 - 1/47,500)
    assert out["margin_coin"] == pytest.approx(6 / 17)


def test_grid_deribit_toml_book(tmp_path: Path) -> None:
    long_only = "contract_value = 10\n[[positions]]\nside = 'long'\ncontracts = 100\n"
    long_only += "entry = 100.0\ncollateral = 1.0\n"
    book = tmp_path / "long.toml"
    book.write_text(long_only)
    out = _json(["grid", "--book", str(book), "--grid", "deribit", "--price", "100"])
    assert out["grid"] == "deribit"
    assert len(out["scenarios"]) == 17
    # 1,000 USD long from 100: PnL = 1,000 * (1/100 - 1/P) coin at every scenario price
    for row in out["scenarios"]:
        assert row["pnl_coin"] == pytest.approx(1000 * (1 / 100 - 1 / row["price"]), abs=1e-12)
    table = [row["move"] for row in out["scenarios"] if row["kind"] != "extended"]
    assert min(table) == pytest.approx(-0.16)
    assert any(abs(row["pnl_coin"]) > 0.1 for row in out["scenarios"])
    # an equal short beside it hedges the book: every scenario nets to zero
    both = tmp_path / "both.toml"
    both.write_text(
        long_only + "[[positions]]\nside = 'short'\ncontracts = 100\nentry = 100.0\n"
        "collateral = 1.0\n"
    )
    out = _json(["grid", "--book", str(both), "--grid", "deribit", "--price", "100"])
    assert all(abs(r["pnl_coin"]) < 1e-12 for r in out["scenarios"])


def test_book_columns_with_blanks_take_the_flag_defaults(tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text(
        "side,contracts,entry,collateral,contract_value,mmr\n"
        "long,10,100,0.5,,\n"
        "short,10,100,0.5,10,0.01\n"
    )
    out = _json(["grid", "--book", str(book), "--contract-value", "100", "--no-vol-pairs"])
    # long: 1,000 USD, short: 100 USD; -5% from 100: 1,000*(1/100-1/95) - 100*(1/100-1/95)
    expected = 900 * (1 / 100 - 1 / 95)
    assert out["scenarios"][2]["pnl_coin"] == pytest.approx(expected)


def test_cascade_json_two_longs(tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text("side,contracts,entry,leverage\nlong,1000,100,10\nlong,1000,100,5\n")
    args = ["--book", str(book), "--start-price", "91", "--depth", "1000000"]
    out = _json(["cascade", *args, "--contract-value", "100", "--mmr", "0.005"])
    assert out["final_price"] == pytest.approx(72.8)  # see tests/sim/test_cascade.py
    assert [r["liquidated"] for r in out["rounds"]] == [1, 1]
    assert out["liquidated_usd"] == 200_000
    assert out["converged"] is True


def test_cascade_default_book_and_shock() -> None:
    out = _json(["cascade", "--shock", "-0.1"])
    assert out["start_price"] == pytest.approx(7893.20321722 * 0.9)
    assert out["final_price"] < out["start_price"]
    assert out["liquidated"] >= 1


def test_rich_tables_by_default() -> None:
    result = runner.invoke(app, ["grid", "--no-vol-pairs"])
    assert result.exit_code == 0
    assert "Scenarios" in result.stdout
    assert "down 1/3" in result.stdout
    result = runner.invoke(app, ["cascade"])
    assert result.exit_code == 0
    assert "Rounds" in result.stdout


def test_reports_are_written(tmp_path: Path) -> None:
    grid_html = tmp_path / "grid.html"
    result = runner.invoke(app, ["grid", "--report", str(grid_html), "--json"])
    assert result.exit_code == 0
    json.loads(result.stdout)
    text = grid_html.read_text()
    assert "plotly" in text.lower()
    assert "Book PnL per scenario" in text
    cascade_html = tmp_path / "out" / "cascade.html"
    assert runner.invoke(app, ["cascade", "--report", str(cascade_html)]).exit_code == 0
    assert "Cascade: price per round" in cascade_html.read_text()


@pytest.mark.parametrize(
    ("content", "suffix", "expected"),
    [
        ("side,contracts,entry,leverage\nlong,1,100,10\nflat,1,100,10\n", ".csv", "row 2: side"),
        ("side,contracts,entry,leverage\nlong,-5,100,10\n", ".csv", "row 1: contracts='-5'"),
        ("side,contracts,entry,leverage\nlong,1,abc,10\n", ".csv", "row 1: entry='abc'"),
        ("side,contracts,entry,leverage\nlong,1,100,0.5\n", ".csv", "row 1: leverage='0.5'"),
        ("side,contracts,entry,leverage\nshort,1,nan,2\n", ".csv", "row 1: entry='nan'"),
        ("side,contracts,entry\nlong,1,100\n", ".csv", "leverage and collateral"),
        ("side,contracts,price,leverage\nlong,1,100,2\n", ".csv", "row 1: price: unknown key"),
        ("side,contracts,entry,leverage\n", ".csv", "no data rows"),
        ("side,contracts,entry,leverage\nlong,,100,2\n", ".csv", "row 1: contracts: missing"),
        (
            "side,contracts,entry,leverage\nlong,1,100,2\nlong,1,100,0\nflat,-1,100,2\n",
            ".csv",
            "row 2: leverage='0'",  # the first bad row wins
        ),
        ("side,contracts,entry,collateral,mmr\nshort,1,100,0.1,1.5\n", ".csv", "mmr='1.5'"),
        (
            "[[positions]]\nside='long'\ncontracts=1\nentry=0\nleverage=2\n",
            ".toml",
            "positions[0].entry='0': out of range",
        ),
        ("positions = 3\n", ".toml", "positions=3: input should be a valid tuple"),
        ("[[positions]\n", ".toml", "not valid TOML"),
        ("x", ".txt", "must be a .csv or .toml file"),
    ],
)
def test_bad_book_files(tmp_path: Path, content: str, suffix: str, expected: str) -> None:
    book = tmp_path / f"book{suffix}"
    book.write_text(content)
    line = _error(["grid", "--book", str(book)])
    assert expected in line
    if suffix != ".txt":
        assert str(book) in line  # the file is named


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["grid", "--price", "abc"], "price='abc'"),
        (["grid", "--price", "-5"], "price"),
        (["grid", "--grid", "cme"], "grid='cme'"),
        (["grid", "--scan-range", "1.5"], "--scan-range='1.5': out of range"),
        (["grid", "--scan-range", "0.4", "--extreme-multiple", "3"], "--extreme-multiple"),
        (["grid", "--grid", "deribit", "--buckets", "4"], "buckets"),
        (["grid", "--window", "1999-01"], "window='1999-01'"),
        (["grid", "--mmr", "0.01", "--tiers", "10:0.01"], "either --mmr or --tiers"),
        (["grid", "--tiers", "10:0.01,5:0.02"], "tiers"),
        (["grid", "--book", "/nonexistent/book.csv"], "/nonexistent/book.csv': no such file"),
        (["cascade", "--depth", "0"], "depth"),
        (["cascade", "--impact", "cubic"], "impact='cubic'"),
        (["cascade", "--shock", "-1.5"], "shock"),
        (["cascade", "--max-rounds", "0"], "--max-rounds='0': out of range"),
        (["cascade", "--max-rounds", "x"], "--max-rounds='x': not a number"),
        (["grid", "--grid", "deribit", "--buckets", "4.5"], "buckets='4.5'"),
        (["grid", "--book", "/"], "--book='/': is a directory"),
        (["replay"], "window=None: is required"),
        (["cascade", "--report", "/proc/nope/report.html"], "report"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], expected: str) -> None:
    assert expected in _error(args)


def test_subprocess_error_has_no_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "inversa", "stress", "grid", "--scan-range", "nan", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


@pytest.fixture
def recorded_replay(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Record the config the command builds, and run the real replay of its window at
    100x only (about a second), so the JSON and the tables come from a real result."""
    from inversa.sim.replay import ReplayConfig
    from inversa.sim.replay import crash_replay as real

    calls: list[tuple[Any, ...]] = []

    def crash_replay(config: Any, **kwargs: Any) -> Any:
        calls.append((config.window, config))
        return real(ReplayConfig(window=config.window, leverages=(100,)))

    monkeypatch.setattr("inversa.sim.replay.crash_replay", crash_replay)
    return calls


def test_replay_report_marks_each_liquidation(tmp_path: Path) -> None:
    """The HTML report is built from the typed replay (not its JSON): the price path
    carries a marker per liquidated account at its bar's low."""
    from inversa.sim.replay import ReplayConfig, crash_replay

    report = tmp_path / "replay.html"
    args = ["replay", "--window", "2020-03", "--leverages", "100", "--report", str(report)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    run = crash_replay(ReplayConfig(window="2020-03", leverages=(100,))).runs[0]
    liquidated = run.accounts[run.accounts["liquidated"]]
    assert len(liquidated) > 0
    html = report.read_text()
    assert "price path and liquidations" in html
    name = html.index('"name":"liquidation"')
    start = html.rindex('{"hovertemplate"', 0, name)
    end = html.index('"type":"scatter"}', name) + len('"type":"scatter"}')
    trace = json.loads(html[start:end])
    assert trace["text"] == list(liquidated["account"])
    for when, side, x, y in zip(
        liquidated["liquidated_bar_open_utc"],
        liquidated["side"],
        trace["x"],
        trace["y"],
        strict=True,
    ):
        assert x == when.isoformat()
        assert y == run.prices.loc[when, "low" if side == "long" else "high"]


def test_replay_command_plumbing(recorded_replay: list[tuple[Any, ...]]) -> None:
    out = _json(["replay", "--window", "2020-03", "--leverages", "5, 20,100"])
    assert out["totals"]["liquidated"] == 2  # the long and the short at 100x
    window, config = recorded_replay[-1]
    assert window == "2020-03"
    assert (config.venue, config.symbol, config.leverages) == (
        "binance-coinm",
        "BTC/USD:BTC",
        (5, 20, 100),
    )
    assert config.fills == ("trigger", "worst-mark")  # both bounds by default
    assert config.funding == "auto"
    _json(["replay", "--window", "2022-11"])
    assert recorded_replay[-1][1].leverages is None  # the replay's own default
    result = runner.invoke(app, ["replay", "--window", "2020-03"])
    assert result.exit_code == 0, result.stderr
    assert "By leverage" in result.stdout
    assert "long-100x" in result.stdout
    assert "lost by liquidated accounts" in result.stdout  # the totals in words
    assert "leverages[0]" in _error(["replay", "--window", "2020-03", "--leverages", "0.5"])
    assert "leverages" in _error(["replay", "--window", "2020-03", "--leverages", ","])


def test_replay_runs_the_real_engine(tmp_path: Path) -> None:
    out = _json(["replay", "--window", "2020-03", "--leverages", "5,20,100"])
    assert out["window"] == "2020-03"
    assert out["prices"]
    report = tmp_path / "replay.html"
    result = runner.invoke(app, ["replay", "--window", "2020-03", "--report", str(report)])
    assert result.exit_code == 0, result.stderr
    assert "price path and liquidations" in report.read_text()
    assert "window" in _error(["replay", "--window", "1999-01"])


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--venue", "deribit", "--leverages", "2,100"], "leverages"),
        (["--funding", "sometimes"], "funding"),
        (["--fills", "best"], "fills"),
        (["--fills", "impact"], "depth"),
        (["--mode", "portfolio"], "mode"),
        (["--insurance-fund", "-1"], "insurance_fund"),
        (["--size", "abc"], "size"),
        (["--venue", "okx"], "venue"),
    ],
)
def test_replay_bad_options_are_one_line_naming_the_option(args: list[str], field: str) -> None:
    message = _error(["replay", "--window", "2020-03", *args])
    option = "--" + field.replace("_", "-")  # options parsed by their domain name the flag
    assert f"{field}=" in message or f"{option}=" in message, message
