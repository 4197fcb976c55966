"""The CLI builds the same frozen config objects the Python API takes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inversa import hedging as h
from inversa.cli import app
from inversa.data.config import load_toml
from inversa.errors import InputError


def test_backtest_config_from_toml_runs_like_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "bt.toml"
    path.write_text(
        'start = "2021-01-01"\nend = "2021-04-30"\nspot_fee = 0.002\n'
        "[targets]\nBTC = 0.6\nETH = 0.4\n[proxies]\n"
    )
    config = load_toml(path, h.BacktestConfig)
    assert config.start == datetime(2021, 1, 1, tzinfo=UTC)
    assert config.spot_fee == Decimal("0.002")
    api = h.run_backtest(config).to_dict()
    args = ["hedge", "backtest", "--start", "2021-01-01", "--end", "2021-04-30"]
    args += ["--spot-fee", "0.002", "--targets", "BTC=0.6,ETH=0.4", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    cli = json.loads(result.stdout)
    assert cli["strategies"] == api["strategies"]
    assert cli["rebalances"] == api["rebalances"] == 4


def test_backtest_config_refuses_nonsense_naming_the_field() -> None:
    with pytest.raises(InputError, match=r"^spot_fee='0.5': out of range"):
        h.BacktestConfig.build(spot_fee="0.5")
    with pytest.raises(InputError, match=r"^colour=None: unknown key"):
        h.BacktestConfig.build(colour="red")
    with pytest.raises(InputError, match="proxies form a cycle"):
        h.BacktestConfig.build(proxies={"A": "B", "B": "A"})
