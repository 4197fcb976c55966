"""`inversa stress replay --guard` / `--vol-margin`: JSON, report, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inversa.cli import app

runner = CliRunner()
REPLAY = ["stress", "replay"]


def test_json_and_report(tmp_path: Path) -> None:
    report = tmp_path / "guard.html"
    res = runner.invoke(
        app,
        [*REPLAY, "--window", "2020-03", "--guard", "--guard-threshold", "0.05",
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
        (["--guard-reduce", "0"], "guard-reduce"),
        (["--guard-reserve", "-1"], "guard-reserve"),
        (["--window", "2019-01"], "window"),
        (["--mode", "cross"], "mode"),
        (["--fills", "impact"], "fills"),
    ],
)
def test_bad_options_are_one_line(args: list[str], needle: str) -> None:
    res = runner.invoke(app, [*REPLAY, "--guard", *args])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert needle in lines[0]


def test_vol_margin_alone_and_all_windows_default() -> None:
    res = runner.invoke(app, [*REPLAY, "--vol-margin", "--window", "2022-11", "--json"])
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert "guard" not in out
    assert [m["model"] for m in out["vol_margin"][0]["models"]] == ["static", "vol-scaled"]
