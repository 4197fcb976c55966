"""`inversa sweep` and `inversa runs list|show`: the store, the report, one-line errors."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from inversa.cli import runs as runs_cli
from inversa.cli import sweep as sweep_cli

runner = CliRunner()

SMALL = """
name = "cli test"
[token]
policy = "band"
[grid]
band = [[-1.2, -0.8], [-1.5, -0.5]]
[[scenarios]]
kind = "montecarlo"
name = "gbm"
paths = 20
steps = 48
market = { model = "gbm", sigma = 0.8 }
"""


def _app() -> typer.Typer:
    app = typer.Typer()
    sweep_cli.register(app)
    app.add_typer(runs_cli.app, name="runs")
    return app


def _error(args: list[str]) -> str:
    result = runner.invoke(_app(), args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_sweep_then_runs_list_and_show(tmp_path: Path) -> None:
    cfg = tmp_path / "sweep.toml"
    cfg.write_text(SMALL)
    store = tmp_path / "store"
    report = tmp_path / "sweep.html"
    args = ["sweep", "--config", str(cfg), "--store", str(store), "--workers", "1"]
    result = runner.invoke(_app(), [*args, "--report", str(report), "--json"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["tasks"] == 2
    assert out["scheduler"] == "local"
    assert Path(out["results"]).is_file()
    assert "Policy frontier" in report.read_text()
    assert (Path(out["results"]).parent / "report.html").is_file()
    listed = runner.invoke(_app(), ["runs", "list", "--store", str(store), "--json"])
    assert [r["run_id"] for r in json.loads(listed.stdout)] == [out["run_id"]]
    shown = runner.invoke(
        _app(), ["runs", "show", out["run_id"][:16], "--store", str(store), "--json"]
    )
    assert shown.exit_code == 0, shown.stderr
    body = json.loads(shown.stdout)
    assert body["meta"]["config"]["name"] == "cli test"
    assert len(body["rows"]) == 2
    sql = "SELECT count(*) AS n FROM results WHERE frontier"
    q = runner.invoke(
        _app(), ["runs", "show", out["run_id"], "--store", str(store), "--sql", sql, "--json"]
    )
    assert json.loads(q.stdout)["rows"][0]["n"] >= 1


@pytest.mark.parametrize(
    ("grid", "needle"),
    [
        ("[grid]\n", "grid"),
        ("[grid]\nfrobnicate = [1]\n", "unknown parameter 'frobnicate'"),
    ],
)
def test_bad_grid_is_one_line_exit_2(tmp_path: Path, grid: str, needle: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(SMALL.replace("[grid]\nband = [[-1.2, -0.8], [-1.5, -0.5]]\n", grid))
    line = _error(["sweep", "--config", str(cfg), "--store", str(tmp_path / "s")])
    assert needle in line
    assert not (tmp_path / "s").exists()  # nothing written


def test_empty_grid_names_it(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(SMALL.replace("[grid]\nband = [[-1.2, -0.8], [-1.5, -0.5]]\n", "[grid]\n"))
    assert "empty grid" in _error(["sweep", "--config", str(cfg)])


def test_unreachable_scheduler_one_line_within_10_s(tmp_path: Path) -> None:
    cfg = tmp_path / "sweep.toml"
    cfg.write_text(SMALL)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    line = _error(["sweep", "--config", str(cfg), "--scheduler", f"tcp://127.0.0.1:{port}",
                   "--store", str(tmp_path / "s")])  # fmt: skip
    assert time.monotonic() - t0 < 10
    assert f"tcp://127.0.0.1:{port}" in line
    assert "unreachable" in line


def test_runs_show_unknown_run(tmp_path: Path) -> None:
    assert "no such run" in _error(["runs", "show", "nope", "--store", str(tmp_path)])
