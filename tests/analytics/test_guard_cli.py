"""The guard's command-line options and run, through a stand-in ``replay`` command (the
``stress replay --guard`` wiring passes the same options to :func:`run_guard`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from inversa.cli._guard import (
    GuardLatency,
    GuardOpt,
    GuardOrder,
    GuardReduce,
    GuardReserve,
    GuardTarget,
    GuardThreshold,
    VolMarginOpt,
    guard_config,
    run_guard,
)
from inversa.cli._output import user_errors

app = typer.Typer()


@app.command()
def replay(
    window: str | None = None,
    guard: GuardOpt = False,
    guard_threshold: GuardThreshold = "0.1",
    guard_target: GuardTarget = None,
    guard_order: GuardOrder = "topup,reduce",
    guard_latency: GuardLatency = "0",
    guard_reserve: GuardReserve = "0.1",
    guard_reduce: GuardReduce = "0.5",
    vol_margin: VolMarginOpt = False,
    report: Path | None = None,
    json: bool = typer.Option(False, "--json"),
) -> None:
    with user_errors():
        assert guard
        config = guard_config(
            guard_threshold, guard_target, guard_order, guard_latency, guard_reserve, guard_reduce
        )
        run_guard(window, config, vol_margin=vol_margin, report=report, json=json)


@app.command()
def other() -> None:  # a second command keeps ``replay`` a sub-command
    pass


runner = CliRunner()


def test_json_and_report(tmp_path: Path) -> None:
    report = tmp_path / "guard.html"
    res = runner.invoke(
        app,
        ["replay", "--window", "2020-03", "--guard", "--guard-threshold", "0.05",
         "--guard-order", "reduce", "--vol-margin", "--json", "--report", str(report)],
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    (g,) = out["guard"]
    assert g["liquidations_without"] == 7
    assert g["liquidations_avoided"] >= 1
    assert out["vol_margin"][0]["models"][0]["model"] == "static"
    text = report.read_text()
    assert "margin ratio at hourly closes" in text
    assert "vol-scaled maintenance vs static tiers" in text


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--guard-threshold", "0"], "guard-threshold"),
        (["--guard-threshold", "1"], "guard-threshold"),
        (["--guard-threshold", "-0.2"], "guard-threshold"),
        (["--guard-threshold", "abc"], "guard-threshold"),
        (["--guard-latency", "-1"], "guard-latency"),
        (["--guard-latency", "1.5"], "guard-latency"),
        (["--guard-order", "topup,sell"], "guard-order"),
        (["--guard-reduce", "0"], "guard-reduce-fraction"),
        (["--guard-reserve", "-1"], "guard-reserve"),
        (["--window", "2019-01"], "window"),
    ],
)
def test_bad_options_are_one_line(args: list[str], needle: str) -> None:
    res = runner.invoke(app, ["replay", "--guard", *args])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert needle in lines[0]
