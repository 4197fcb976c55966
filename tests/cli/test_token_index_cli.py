"""`inversa token|index`: domain-typed options, strict JSON, tables that fold at 80 columns,
report and CSV paths checked before any work."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inversa.cli import app
from inversa.domain import option_domains
from inversa.index import basket_prices

RUNNER = CliRunner()
ENV = {"COLUMNS": "80"}


def _error(args: list[str]) -> str:
    result = RUNNER.invoke(app, args, env=ENV)
    assert result.exit_code == 2, (args, result.stdout, result.stderr, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["token", "drift", "--index-return", "-1"], "--index-return='-1': out of range"),
        (["token", "drift", "--leverage", "x", "--index-return", "0.1"], "--leverage='x'"),
        (["token", "path", "--prices", "100,-5"], "--prices[1]='-5': out of range"),
        (["token", "decay", "--sigma", "-0.5"], "--sigma='-0.5': out of range"),
        (["token", "band", "--max", "-1.2", "--current", "-1"], "--min=None: is required"),
        (["token", "synth", "--entry", "1", "--spot", "1", "--upper-fraction", "0"], "--upper"),
        (["token", "streaming-fee", "--rate", "2", "--supply", "1", "--days", "1"], "--rate="),
        (["index", "cap", "--weights", "0.5,x", "--cap", "0.5"], "--weights[1]='x'"),
        (["index", "cap", "--weights", "0.5,0.5", "--cap", "1.5"], "--cap='1.5': out of range"),
        (["index", "level", "--glide-days", "-1"], "--glide-days='-1': out of range"),
        (["index", "level", "--start", "2021-02-30"], "--start='2021-02-30'"),
        (["token", "backtest", "--config", "no/such.toml"], "--config='no/such.toml'"),
    ],
)
def test_bad_values_are_one_line_naming_the_option(args: list[str], message: str) -> None:
    assert message in _error(args)


def test_every_token_and_index_number_has_a_domain() -> None:
    found = {(o.command, o.option): o.domain for o in option_domains(app)}
    assert found[("token", "band"), "--target"].signed
    assert found[("token", "band"), "--elapsed-hours"].kind == "duration"
    assert found[("token", "path"), "--prices"].kind == "price"
    assert found[("index", "level"), "--start"].kind == "date"
    assert found[("index", "level"), "--out"].kind == "path"


def test_report_path_is_checked_before_the_backtest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the work ran before the output path was checked")

    monkeypatch.setattr("inversa.token.backtest", no_work)
    monkeypatch.setattr("inversa.index.basket_prices", no_work)
    blocker = tmp_path / "file"
    blocker.write_text("")
    config = Path(__file__).parents[2] / "examples" / "token_c_defi_equal.toml"
    line = _error(
        ["token", "backtest", "--config", str(config), "--report", str(blocker / "r.html")]
    )
    assert line.startswith("error: --report=")
    assert "not a directory" in line
    line = _error(["index", "level", "--out", str(blocker / "x.csv")])
    assert line.startswith("error: --out=")


def test_json_keeps_exact_decimals() -> None:
    result = RUNNER.invoke(app, ["token", "decay", "--sigma", "0.5", "--json"])
    assert result.exit_code == 0, result.output
    factor = json.loads(result.stdout, parse_float=Decimal)["factor"]
    assert len(str(factor)) > 20  # Decimal maths, printed with every digit
    assert abs(factor - Decimal("0.7788007830714049")) < Decimal("1e-15")


def test_index_level_start_end_are_utc_days() -> None:
    result = RUNNER.invoke(
        app, ["index", "level", "--start", "2021-01-01", "--end", "2021-06-01", "--json"]
    )
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert (got["start"], got["end"]) == ("2021-01-01", "2021-05-31")
    closes = basket_prices(("AAVE", "COMP", "CRV", "LINK", "MKR", "SNX", "SUSHI", "YFI"))
    assert got["days"] == int(
        ((closes.index >= "2021-01-01") & (closes.index < "2021-06-01")).sum()
    )


@pytest.mark.parametrize(
    "args",
    [
        ["token", "synth", "--entry", "2714.42", "--spot", "3000"],
        [
            "token",
            "band",
            "--min",
            "-0.8",
            "--max",
            "-1.2",
            "--current",
            "-1.45",
            "--ripcord",
            "-1.4",
        ],
        ["token", "path", "--prices", "100,110,99,123.456789,98.7654321"],
        ["index", "cap", "--weights", "0.28,0.24,0.2,0.16,0.12", "--cap", "0.25"],
        ["index", "level", "--start", "2021-01-01", "--end", "2021-02-01"],
        ["venues", "show", "bybit", "--symbol", "BTCUSD"],
    ],
)
def test_tables_fold_at_80_columns(args: list[str]) -> None:
    result = RUNNER.invoke(app, args, env=ENV)
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
