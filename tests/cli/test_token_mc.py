"""`inversa token montecarlo`: JSON, report, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from inversa.cli._output import new_app
from inversa.cli.token_mc import register
from inversa.domain import option_domains

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "token_mc.toml"
runner = CliRunner()


def _app() -> typer.Typer:
    app = new_app("test")
    register(app)
    app.command("other")(lambda: None)  # keep "montecarlo" a sub-command
    return app


def test_example_runs_and_writes_its_report(tmp_path: Path) -> None:
    report = tmp_path / "mc.html"
    args = ["montecarlo", "--config", str(EXAMPLE), "--paths", "300", "--steps", "240"]
    result = runner.invoke(_app(), [*args, "--report", str(report), "--json"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["paths"] == 300
    assert out["steps"] == 240
    assert out["seed"] == 20260101
    assert 0 <= out["liquidation_probability"] <= 1
    assert out["coin"] == "coin"  # the example holds coin collateral
    assert out["final_nav_p05"] <= out["final_nav_median"] <= out["final_nav_p95"]
    html = report.read_text()
    assert "NAV fan chart" in html
    assert "plotly" in html.lower()
    # the same seed reproduces the figures
    again = runner.invoke(_app(), [*args, "--json"])
    assert json.loads(again.stdout) == {k: v for k, v in out.items() if k != "report"}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--paths", "0"], "paths"),
        (["--config", "nope.toml"], "no such file"),
        (["--chunk-paths", "-1"], "--chunk-paths='-1'"),
        (["--seed", "1.5"], "--seed='1.5': must be a whole number"),
        (["--steps", "nan"], "--steps="),
    ],
)
def test_errors_are_one_line_exit_2(args: list[str], needle: str) -> None:
    result = runner.invoke(_app(), ["montecarlo", *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert needle in lines[0]


def test_every_option_declares_a_domain() -> None:
    found = {o.option: o.domain for o in option_domains(_app())}
    assert set(found) == {"--config", "--paths", "--steps", "--seed", "--chunk-paths", "--report"}
    assert found["--config"].must_exist
    assert found["--seed"].parse("--seed", "0") == 0  # seed 0 is valid, unlike a count


def test_bad_report_path_refused_before_any_work(tmp_path: Path) -> None:
    args = ["montecarlo", "--paths", "10", "--steps", "5", "--report", str(tmp_path)]
    result = runner.invoke(_app(), args)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: --report={str(tmp_path)!r}: is a directory"
    assert result.stdout == ""


def test_table_folds_at_80_columns() -> None:
    args = ["montecarlo", "--config", str(EXAMPLE), "--paths", "50", "--steps", "24"]
    result = runner.invoke(_app(), args, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "liquidation probability" in result.stdout
    assert "%" in result.stdout  # probabilities and drawdowns are rates
