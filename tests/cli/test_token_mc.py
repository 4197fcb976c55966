"""`inversa token montecarlo`: JSON, report, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from inversa.cli.token_mc import register

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "token_mc.toml"
runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
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
        (["--chunk-paths", "-1"], "chunk_paths"),
    ],
)
def test_errors_are_one_line_exit_2(args: list[str], needle: str) -> None:
    result = runner.invoke(_app(), ["montecarlo", *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert needle in lines[0]
