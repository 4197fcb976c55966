"""Issue 8: every bad input gets one line naming the option, exit 2; JSON is strict.

Each reproduction of the fuzzing report that lives in calc, hedge or stress is here,
run in-process through the root app (the same group the console script runs).
"""

from __future__ import annotations

import json
import math
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from inversa.cli import app
from inversa.domain import option_domains

runner = CliRunner()


def _error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (args, result.stdout, result.stderr, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    return lines[0]


CV = ["--contract-value", "1"]
LIQ = ["calc", "liq", "--venue", "bybit", "--symbol", "BTCUSD", "--side", "long"]
PORTFOLIO = ["--holdings", "BTC=1000", "--targets", "BTC=1", "--prices", "BTC=50000"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        # hangs: a billion-digit int is never built
        (["stress", "cascade", "--max-rounds", "1e999999999"], "--max-rounds='1e999999999'"),
        (["stress", "grid", "--grid", "deribit", "--buckets", "1e999999999"], "--buckets="),
        # Infinity in JSON
        (["calc", "value", "--contracts", "1", "--price", "1e-400", *CV, "--json"], "--price="),
        (["hedge", "plan", "--prices", "BTC=1e309", "--holdings", "BTC=1"], "--prices.BTC="),
        # infinities accepted
        (["calc", "funding-rate", "--venue", "bitmex", "--premium", "inf"], "--premium='inf'"),
        ([*LIQ, "--entry", "8000", "--leverage", "50", "--maintenance-amount", "inf"], "--maint"),
        # rates >= 1
        ([*LIQ, "--entry", "8000", "--leverage", "50", "--mmr", "1.5"], "--mmr='1.5'"),
        (["calc", "margin", "--contracts", "1", "--price", "1", *CV, "--imr", "1.5"], "--imr="),
        (["calc", "margin", "--contracts", "1", "--price", "1", *CV, "--mmr", "2"], "--mmr='2'"),
        (["hedge", "unwind", *PORTFOLIO, "--spot-fee", "1.5"], "--spot-fee='1.5'"),
        (["hedge", "unwind", *PORTFOLIO, "--spot-fee", "-1"], "--spot-fee='-1'"),
        # zero or negative prices and amounts
        (["calc", "funding-rate", "--model", "deribit", "--mark", "-1", "--index", "1"], "--mark="),
        (
            [
                "calc",
                "margin",
                "--contracts",
                "100",
                "--price",
                "8000",
                *CV,
                "--mmr",
                "0.005",
                "--maintenance-amount",
                "100",
            ],
            "--maintenance-amount='100': exceeds",
        ),
        (
            [
                "calc",
                "liq",
                "--model",
                "bybit-uta-b",
                "--side",
                "short",
                "--entry",
                "8000",
                "--leverage",
                "10",
                "--mmr",
                "0.005",
                "--maintenance-amount",
                "-1",
            ],
            "--maintenance-amount='-1'",
        ),
        (["hedge", "backtest", "--contract-values", "BTC=-1"], "--contract-values.BTC='-1'"),
        # contradictions named both
        (
            [
                "hedge",
                "plan",
                "--holdings",
                "BTC=1000",
                "--amounts",
                "BTC=1",
                "--targets",
                "BTC=1",
                "--prices",
                "BTC=50000",
                "--no-carry",
            ],
            "--holdings (USD) or --amounts (coins), not both",
        ),
        (
            [
                "calc",
                "funding-rate",
                "--model",
                "clamp",
                "--impact-bid",
                "101",
                "--impact-ask",
                "100",
                "--mark",
                "100",
                "--index",
                "100",
            ],
            "is above --impact-ask",
        ),
        (
            [
                "calc",
                "fair-price",
                "--index",
                "100",
                "--impact-bid",
                "99",
                "--impact-ask",
                "101",
                "--days-to-expiry",
                "30",
                "--funding-rate",
                "0.0001",
            ],
            "takes no perpetual funding options",
        ),
        (
            ["hedge", "unwind", *PORTFOLIO, "--later-prices", "BTC=1", "--trades", "BTC=-1000"],
            "sells more",
        ),
        (["hedge", "backtest", "--proxies", "AAVE=LINK,LINK=AAVE"], "cycle"),
        # tracebacks
        (["hedge", "backtest", "--start", "abc"], "--start='abc'"),
        (["hedge", "backtest", "--start", "2021-02-30"], "--start='2021-02-30': not a calendar"),
        # noise: warnings first, wrong field, Overflow text
        (["hedge", "backtest", "--initial", "inf"], "--initial='inf'"),
        (["calc", "carry", "--spot", "1e999999999", "--rate", "0.05", "--days", "1"], "--spot="),
        # click usage errors: one line, no box
        (["calc", "value", "--bogus", "1"], "No such option: --bogus"),
        (["calc", "nope"], "No such command"),
        (["hedge", "plan", "--file", "/nonexistent.toml"], "--file='/nonexistent.toml': no such"),
        (["stress", "grid", "--book", "/nonexistent.csv"], "no such file"),
        (["stress", "grid", "--no-such-flag"], "--no-such-flag"),
        (["calc", "value", "--price"], "--price"),
    ],
)
def test_issue_8_reproductions_give_one_line(args: list[str], needle: str) -> None:
    assert needle in _error(args)


def test_not_utf8_portfolio_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "b.toml"
    path.write_bytes(b"[holdings]\nBTC=1\n#\xff\n")
    line = _error(["hedge", "plan", "--file", str(path)])
    assert f"{path}: not UTF-8 text" in line


# the fuzz suite's findings (tests/fuzz/known_failures.py, now empty)
FUZZED = ["--holdings", "BTC=80000,ETH=35000", "--targets", "BTC=0.6,ETH=0.4"]
FUZZED += ["--prices", "BTC=40000,ETH=2500"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["calc", "funding-rate", "--model", "", "--premium", "0.001"], "--model=''"),
        (["hedge", "plan", *FUZZED, "--funding-venue", "nope"], "--funding-venue='nope'"),
        (["hedge", "plan", *FUZZED, "--funding-venue", ""], "--funding-venue=''"),
        (["hedge", "backtest", "--funding-venue", "Ω"], "--funding-venue='Ω'"),
        (["hedge", "stress", *FUZZED, "--shocks", "1,000"], "--shocks[1]='000'"),
        (["hedge", "stress", *FUZZED, "--move", ""], "--move=''"),
        (["hedge", "stress", *FUZZED, "--move", " , "], "--move="),
        (["venues", "show", "-inf"], "venue='-inf'"),
        (["stress", "replay", "--window", "2020-03", "--guard-order", "Ω"], "guard-order='Ω'"),
        (["index", "level", "--assets", "nan"], "--assets='NAN'"),
        (
            [
                "token",
                "backtest",
                "--config",
                "examples/token_tb1.toml",
                "--no-report",
                "--report",
                "a",
            ],
            "contradicts --no-report",
        ),
    ],
)
def test_fuzz_findings_give_one_line(args: list[str], needle: str) -> None:
    assert needle in _error(args)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"\x00\x00\x00\x00", "NUL byte at offset 0"),
        (b"asset,holding_usd,target\n", "no data rows"),
        (b"asset,holding_usd,target\nETH,1,0\nBTC,,1\n", "row 2: BTC: give holding_usd or"),
    ],
)
def test_strict_portfolio_csv(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(content)
    line = _error(["hedge", "plan", "--file", str(path)])
    assert str(path) in line
    assert needle in line


def test_calc_carry_future_basis_after_contracts_basis_is_imported() -> None:
    import inversa.contracts.basis  # noqa: F401  (shadowed contracts.basis, the function)

    args = ["calc", "carry", "--spot", "40000", "--rate", "0.05", "--days", "90"]
    result = runner.invoke(app, [*args, "--future", "41000", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["future_basis"] == 1000


def test_shocks_without_leading_zeros_are_read() -> None:
    args = ["hedge", "stress", *FUZZED, "--shocks", "-0.5,0,0.05", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert [r["shock"] for r in json.loads(result.stdout)["rows"]] == [-0.5, 0, 0.05]


def test_utf8_bom_portfolio_is_read(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"\xef\xbb\xbfasset,usd,target,price\nBTC,1000,1,50000\n")
    result = runner.invoke(app, ["hedge", "plan", "--file", str(path), "--no-carry", "--json"])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    "make",
    [
        lambda tmp: tmp,  # a directory
        lambda tmp: Path(""),
        lambda tmp: tmp / "file.txt" / "report.html",  # under a file
        lambda tmp: tmp / ("x" * 300 + ".html"),
    ],
)
def test_bad_report_paths_fail_before_work_and_leave_no_temp(tmp_path: Path, make: Any) -> None:
    (tmp_path / "file.txt").write_text("x")
    before = set(os.listdir(tmp_path))
    line = _error(["stress", "cascade", "--report", str(make(tmp_path))])
    assert "--report" in line
    assert set(os.listdir(tmp_path)) == before


def test_read_only_report_directory(tmp_path: Path, monkeypatch: Any) -> None:
    from inversa.report import html

    monkeypatch.setattr(html.os, "access", lambda path, mode: False)  # as if not root
    assert "not writable" in _error(["stress", "cascade", "--report", str(tmp_path / "r.html")])


def test_failed_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch: Any) -> None:
    from inversa.report import html

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(html.os, "replace", broken)
    line = _error(["stress", "grid", "--no-vol-pairs", "--report", str(tmp_path / "g.html")])
    assert "No space left on device" in line
    assert os.listdir(tmp_path) == []


def test_warnings_never_print_before_an_error() -> None:
    result = runner.invoke(app, ["hedge", "backtest", "--initial", "inf"])
    assert result.stderr.count("\n") == 1
    assert "warning" not in result.stderr.lower()


def _strict(text: str) -> Any:
    def refuse(name: str) -> None:
        raise ValueError(name)

    return json.loads(text, parse_constant=refuse, parse_float=Decimal)


def _numbers(value: Any) -> list[Decimal | int]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return [value]
    return []


@pytest.mark.parametrize(
    "args",
    [
        [
            "calc",
            "pnl",
            "--side",
            "long",
            "--contracts",
            "100000",
            "--entry",
            "10000",
            "--exit",
            "10500",
            *CV,
        ],
        [
            "calc",
            "liq",
            "--model",
            "generic",
            "--side",
            "short",
            "--entry",
            "100",
            "--wallet-balance",
            "100",
            "--mmr",
            "0.005",
            "--mode",
            "cross",
        ],
        ["calc", "entry", "--fills", "1000@5000,2000@6000"],
        [*LIQ, "--entry", "8000", "--leverage", "50"],
        [
            "hedge",
            "plan",
            "--holdings",
            "BTC=1000",
            "--amounts",
            "ETH=2",
            "--targets",
            "BTC=0.5,ETH=0.5",
            "--prices",
            "BTC=50000,ETH=2500",
        ],
        ["hedge", "stress", *PORTFOLIO],
        ["stress", "grid", "--no-vol-pairs"],
        ["stress", "cascade"],
    ],
)
def test_every_json_output_is_strict_and_finite(args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    out = _strict(result.stdout)
    assert all(math.isfinite(float(n)) for n in _numbers(out))


def test_calc_pnl_json_prints_every_digit() -> None:
    args = ["calc", "pnl", "--side", "long", "--contracts", "100000", "--entry", "10000"]
    result = runner.invoke(app, [*args, "--exit", "10500", *CV, "--json"])
    out = _strict(result.stdout)
    assert out["pnl"] == Decimal(100000) * (1 / Decimal(10000) - 1 / Decimal(10500))
    assert len(str(out["pnl"]).replace("0.", "")) >= 27


def test_no_liquidation_is_null_in_json() -> None:
    args = ["calc", "liq", "--model", "generic", "--side", "short", "--entry", "100"]
    args += ["--wallet-balance", "1000", "--mmr", "0.005", "--mode", "cross", "--json"]
    out = _strict(runner.invoke(app, args).stdout)
    assert out["liquidation_price"] is None


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("inversa ")


def test_every_numeric_option_declares_a_domain() -> None:
    found = list(option_domains(app))
    commands = {o.command for o in found}
    assert ("calc", "liq") in commands
    assert ("hedge", "backtest") in commands
    assert ("stress", "cascade") in commands
    names = {(o.command, o.option) for o in found}
    assert (("calc", "liq"), "--mmr") in names
    assert (("hedge", "plan"), "--prices") in names
    assert (("hedge", "backtest"), "--start") in names
    assert (("token", "band"), "--ripcord") in names
    assert (("token", "backtest"), "--report") in names
    assert (("index", "level"), "--supply-csv") in names
    assert (("index", "cap"), "--weights") in names
    # no numeric option is left as free text: every option either has a domain or is
    # a flag, a name or a choice
    import typer.main

    root = typer.main.get_command(app)
    free = []
    commands_to_check = []
    for group_name, group in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(group, "commands", None)
        if subcommands is None:  # a top-level command (demo, sweep)
            commands_to_check.append(((group_name,), group))
        else:
            commands_to_check += [((group_name, n), c) for n, c in subcommands.items()]
    for path, cmd in commands_to_check:
        for param in cmd.params:
            if getattr(param, "param_type_name", "option") != "option":
                continue  # positional arguments (e.g. the venue name) are names
            opt = max(param.opts, key=len)
            if (path, opt) not in names and not param.is_flag and opt not in _TEXT_OPTIONS:
                free.append(f"{' '.join(path)} {opt}")
    assert free == []


_TEXT_OPTIONS = {
    "--side",
    "--venue",
    "--symbol",
    "--model",
    "--mode",
    "--liquidity",
    "--tiers",
    "--fills",
    "--window",
    "--grid",
    "--impact",
    "--funding-venue",
    "--funding",
    "--venues",
    "--proxies",
    "--move",
    "--json",
    "--assets",
    "--weighting",
    "--schedule",
    "--guard-order",
    "--scheduler",
    "--sql",
    "--coin",
    "--margin",
    "--hedge",  # ASSET=-14950USD: an amount with its unit, parsed by HedgeAmount
    "--margin-mode",
    "--funding-proxy",
    "--trueup",
}
