"""`inversa hedge carry-dated`: a leg rolled on quarterly futures, through the command line."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from inversa.cli import app

runner = CliRunner()

#: Short 14,950 USD of BTC on Bybit's inverse BTCUSD (1 USD contracts) at 40,000.
LEG = ["--hedge", "BTC=-14950USD", "--prices", "BTC=40000", "--venue", "bybit"]
#: From 2021-01-01 00:00 UTC for 100 days, rolled a day before each expiry.
RUN = [*LEG, "--as-of", "2021-01-01", "--days", "100", "--roll-days", "1"]


def _run(*args: str, env: dict[str, str] | None = None) -> Any:
    result = runner.invoke(app, ["hedge", "carry-dated", *args], env=env)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def _strict(text: str) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_float=Decimal, parse_constant=refuse)


def _error(*args: str) -> str:
    result = runner.invoke(app, ["hedge", "carry-dated", *args])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert result.stdout == ""
    return lines[0]


def test_golden_one_leg_by_hand() -> None:
    """Hand derivation (Decimal): expiries are the last Fridays of March and June 2021 at
    08:00 UTC (26 March, 25 June; Bybit has no dated rule, 08:00 assumed).

    Segment 1: 1 Jan 00:00 -> 25 Mar 08:00 (roll a day early) on the March future:
    days to expiry 84 1/3 at entry, 1 at exit.  Segment 2: 25 Mar 08:00 -> 11 Apr 00:00
    (100 days) on the June future: 92 days to expiry at entry, 75 1/3 at exit.
    Fair price S (1 + b d / 365); a short of N USD earns N (1/F_exit - 1/F_entry) BTC.
    One roll: Bybit's taker 0.055 % on N / S, twice.
    """
    s, b, n = Decimal(40000), Decimal("0.1"), Decimal(14950)

    def fair(days: Decimal) -> Decimal:
        return s * (1 + b * days / 365)

    third = Decimal(1) / 3
    legs = [(84 + third, Decimal(1)), (Decimal(92), 75 + third)]
    carry = sum((n * (1 / fair(x) - 1 / fair(e)) for e, x in legs), Decimal(0))
    fee = 2 * n / s * Decimal("0.00055")

    data = _strict(_run(*RUN, "--basis", "0.1", "--json").stdout)
    leg = data["legs"]["BTC"]
    assert leg["coin"] == "BTC"
    assert leg["rolls"] == 1
    first, second = leg["segments"]
    assert first["expiry"] == "2021-03-26T08:00:00+00:00"
    assert first["end"] == second["start"] == "2021-03-25T08:00:00+00:00"
    assert second["expiry"] == "2021-06-25T08:00:00+00:00"
    assert second["end"] == "2021-04-11T00:00:00+00:00"
    assert abs(first["entry"] - fair(84 + third)) < Decimal("1e-18")
    assert abs(second["exit"] - fair(75 + third)) < Decimal("1e-18")
    assert abs(leg["carry"] - carry) < Decimal("1e-24")
    assert leg["roll_fees"] == fee  # exact: 0.000411125 BTC
    assert abs(data["net_usd"] - (carry - fee) * s) < Decimal("1e-18")
    assert data["net_usd"] == leg["net_usd"]


def test_basis_csv_matches_the_constant_and_converges(tmp_path: Path) -> None:
    csv = tmp_path / "basis.csv"
    csv.write_text("timestamp,basis_rate\n2020-12-01,0.1\n", encoding="utf-8")
    from_csv = _strict(_run(*RUN, "--basis-csv", str(csv), "--json").stdout)
    constant = _strict(_run(*RUN, "--basis", "0.1", "--json").stdout)
    assert from_csv["legs"] == constant["legs"]
    assert from_csv["basis"] == str(csv)
    # held to expiry (no early roll), the future leaves at spot
    held = _strict(_run(*LEG, "--as-of", "2021-01-01", "--days", "84", "--roll-days", "0",
                        "--basis", "0.2", "--json").stdout)  # fmt: skip
    (segment,) = held["legs"]["BTC"]["segments"]
    assert segment["end"] == "2021-03-26T00:00:00+00:00"
    assert segment["exit"] > 40000  # 8 hours of basis left
    to_expiry = _strict(_run(*LEG, "--as-of", "2021-01-01", "--days", "84.5", "--roll-days",
                             "0", "--basis", "0.2", "--json").stdout)  # fmt: skip
    assert to_expiry["legs"]["BTC"]["segments"][0]["exit"] == 40000


def test_tables_fit_80_columns_without_ellipsis() -> None:
    out = _run(*RUN, "--basis", "0.1", env={"COLUMNS": "80"}).stdout
    assert "…" not in out
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "210326" in out
    assert "210625" in out
    assert "Dated carry" in out


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--basis", "0.1", "--basis-csv", "README.md"], ("--basis", "--basis-csv")),
        ([], ("--basis",)),
        (["--basis", "0.1", "--roll-days", "-1"], ("roll-days",)),
        (["--basis", "0.1", "--roll-days", "61"], ("roll-days",)),
        (["--basis", "0.1", "--days", "-5"], ("days",)),
        (["--basis", "0.1", "--as-of", "2021-02-30"], ("as-of",)),
    ],
)
def test_bad_input_is_one_line_naming_the_option(args: list[str], names: tuple[str, ...]) -> None:
    line = _error(*[a for a in RUN if a not in ("--roll-days", "1")], *args)
    for name in names:
        assert name in line or name.lstrip("-").replace("-", "_") in line, line


def test_as_of_is_required_and_a_csv_must_cover_it(tmp_path: Path) -> None:
    line = _error(*LEG, "--basis", "0.1")
    assert "--as-of" in line
    csv = tmp_path / "late.csv"
    csv.write_text("timestamp,basis_rate\n2022-01-01T00:00:00Z,0.05\n", encoding="utf-8")
    line = _error(*LEG, "--as-of", "2021-01-01", "--basis-csv", str(csv))
    assert "--basis-csv" in line
    assert "after --as-of 2021-01-01" in line
    bad = tmp_path / "bad.csv"
    bad.write_text("when,rate\n", encoding="utf-8")
    assert "header" in _error(*LEG, "--as-of", "2021-01-01", "--basis-csv", str(bad))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("timestamp,basis_rate,x\n2020-12-01,0.1,1\n", "unknown column 'x'"),
        ("timestamp,basis_rate\n2020-12-01,0.1,7\n", "more cells than header columns"),
        ("timestamp,basis_rate\n2020-12-01,0_1\n", "is not a number"),
        ("timestamp,basis_rate\n2020-12-01,1e999999999\n", "is not in [-10, 10]"),
        ("timestamp,basis_rate\n2020-12-01,11\n", "is not in [-10, 10]"),
        ("timestamp,basis_rate\n2020-12-01,NaN\n", "is not in [-10, 10]"),
    ],
)
def test_a_bad_basis_csv_is_one_line(tmp_path: Path, body: str, reason: str) -> None:
    csv = tmp_path / "basis.csv"
    csv.write_text(body, encoding="utf-8")
    line = _error(*LEG, "--as-of", "2021-01-01", "--basis-csv", str(csv))
    assert reason in line
    assert "basis.csv" in line


def test_margin_mode_is_checked() -> None:
    assert "--margin-mode" in _error(*RUN, "--basis", "0.1", "--margin-mode", "Ω")
