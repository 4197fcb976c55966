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
from inversa.cli._output import new_app
from inversa.domain import option_domains

runner = CliRunner()

_GRID = "[grid]\nband = [[-1.2, -0.8], [-1.5, -0.5]]\n"


def _app() -> typer.Typer:
    app = new_app("test")
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


def test_sweep_then_runs_list_and_show(tmp_path: Path, small_sweep: Path) -> None:
    cfg = small_sweep
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
def test_bad_grid_is_one_line_exit_2(
    tmp_path: Path, small_sweep: Path, grid: str, needle: str
) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(small_sweep.read_text().replace(_GRID, grid))
    line = _error(["sweep", "--config", str(cfg), "--store", str(tmp_path / "s")])
    assert needle in line
    assert not (tmp_path / "s").exists()  # nothing written


def test_empty_grid_names_it(tmp_path: Path, small_sweep: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(small_sweep.read_text().replace(_GRID, "[grid]\n"))
    assert "empty grid" in _error(["sweep", "--config", str(cfg)])


def test_unreachable_scheduler_one_line_within_10_s(tmp_path: Path, small_sweep: Path) -> None:
    cfg = small_sweep
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


def test_every_option_declares_a_domain() -> None:
    found = {(o.command, o.option) for o in option_domains(_app())}
    for option in ("--config", "--store", "--workers", "--report"):
        assert (("sweep",), option) in found
    assert (("runs", "list"), "--store") in found
    assert (("runs", "show"), "--store") in found


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--workers", "0"], "--workers='0': out of range"),
        (["--workers", "2.5"], "--workers='2.5'"),
        (["--config", "nope.toml"], "--config='nope.toml': no such file"),
    ],
)
def test_bad_options_are_one_line(
    tmp_path: Path, small_sweep: Path, args: list[str], needle: str
) -> None:
    cfg = small_sweep
    line = _error(["sweep", "--config", str(cfg), "--store", str(tmp_path / "s"), *args])
    assert needle in line
    assert not (tmp_path / "s").exists()


def test_bad_report_path_refused_before_any_work(tmp_path: Path, small_sweep: Path) -> None:
    cfg = small_sweep
    store = tmp_path / "s"
    args = ["sweep", "--config", str(cfg), "--store", str(store), "--report", str(tmp_path)]
    assert _error(args) == f"error: --report={str(tmp_path)!r}: is a directory"
    assert not store.exists()  # nothing run, nothing stored


def test_tables_fold_at_80_columns(tmp_path: Path, small_sweep: Path) -> None:
    cfg = small_sweep
    store = tmp_path / ("a-long-directory-name-" * 3) / "store"
    args = ["sweep", "--config", str(cfg), "--store", str(store), "--workers", "1"]
    env = {"COLUMNS": "80"}
    done = runner.invoke(_app(), args, env=env)
    assert done.exit_code == 0, done.stderr
    listed = runner.invoke(_app(), ["runs", "list", "--store", str(store)], env=env)
    run_id = json.loads(
        runner.invoke(_app(), ["runs", "list", "--store", str(store), "--json"]).stdout
    )[0]["run_id"]
    shown = runner.invoke(_app(), ["runs", "show", run_id, "--store", str(store)], env=env)
    for result in (done, listed, shown):
        assert result.exit_code == 0, result.stderr
        assert "…" not in result.stdout
        assert max(len(line) for line in result.stdout.splitlines()) <= 80
    # a wide result prints one (row, column, value) per line, each name whole
    assert "tracking_error" in shown.stdout
    assert "liquidation_probability" in shown.stdout


def test_runs_show_json_is_strict(tmp_path: Path, small_sweep: Path) -> None:
    cfg = small_sweep
    store = tmp_path / "store"
    args = ["sweep", "--config", str(cfg), "--store", str(store), "--workers", "1", "--json"]
    run_id = json.loads(runner.invoke(_app(), args).stdout)["run_id"]
    sql = "SELECT 'nan'::DOUBLE AS x, 1.5::DECIMAL(4, 2) AS d"
    shown = runner.invoke(
        _app(), ["runs", "show", run_id, "--store", str(store), "--sql", sql, "--json"]
    )
    assert shown.exit_code == 0, shown.stderr

    def refuse(name: str) -> None:
        raise AssertionError(f"non-strict JSON constant {name}")

    rows = json.loads(shown.stdout, parse_constant=refuse)["rows"]
    assert rows == [{"x": None, "d": 1.5}]


def test_runs_and_store_fuzz_findings(tmp_path: Path, small_sweep: Path) -> None:
    cfg = small_sweep
    store = tmp_path / "store"
    args = ["sweep", "--config", str(cfg), "--store", str(store), "--workers", "1", "--json"]
    assert runner.invoke(_app(), args).exit_code == 0
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert "run_id='': give a run id" in _error(["runs", "show", "", "--store", str(store)])
    assert "run_id='-inf': no such run" in _error(["runs", "show", "-inf", "--store", str(store)])
    assert "--sql='': give a DuckDB query" in _error(
        ["runs", "show", "2", "--store", str(store), "--sql", ""]
    )
    under = str(afile / "out")
    assert f"--store='{under}'" in _error(["runs", "list", "--store", under])
    assert "--store=" in _error(["runs", "list", "--store", "a" * 300])
    assert "is not a directory" in _error(["sweep", "--config", str(cfg), "--store", str(afile)])


def test_empty_config_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "empty.toml"
    cfg.write_text("")
    assert "empty config" in _error(["sweep", "--config", str(cfg)])
