"""`inversa index level` and backtest (c) (the DeFi basket, USD collateral, synthetic
linear index perpetual), equal and capped market-cap."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from inversa.index import BasketSpec, basket_prices, index_level
from inversa.token import backtest

ROOT = Path(__file__).parents[2]
DEFI = ("AAVE", "COMP", "CRV", "LINK", "MKR", "SNX", "SUSHI", "YFI")


def test_basket_dates_are_where_all_eight_have_prices() -> None:
    px = basket_prices(DEFI)
    assert str(px.index[0].date()) == "2020-10-03"
    assert str(px.index[-1].date()) == "2022-02-14"
    assert len(px) == 500


def test_cli_index_level_json(tmp_path: Path) -> None:
    out = tmp_path / "level.csv"
    argv = [sys.executable, "-m", "inversa", "index", "level", "--json", "--out", str(out)]
    done = subprocess.run(
        [*argv, "--schedule", "monthly", "--cap", "0.2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["days"] == 500
    assert got["reconstitutions"] == 16
    lvl = index_level(basket_prices(DEFI), BasketSpec(DEFI, cap=0.2, schedule="monthly"))
    assert got["level_end"] == pytest.approx(lvl.level[-1], rel=1e-12)
    assert len(out.read_text().splitlines()) == 501


def test_cli_index_level_bad_weighting_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "inversa", "index", "level", "--weighting", "bogus"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "index.weighting" in done.stderr


@pytest.mark.parametrize("name", ["token_c_defi_equal", "token_c_defi_mcap"])
def test_backtest_c_tracks_its_daily_ideal(name: str) -> None:
    run = backtest(ROOT / "examples" / f"{name}.toml")
    s = run.summary.as_dict()
    assert s["bars"] == 500
    assert run.result.unit == "USD"
    assert s["rebalances_first"] == 1
    # a daily reset with no funding: NAV is the ideal path less fees and contract rounding
    assert 0.95 < float(s["nav_vs_ideal"]) < 1.0
    assert float(s["tracking_error"]) < 0.02
    # and the decay measured agrees with exp(-(L²-L) σ² T / 2) to a few per cent
    assert float(s["decay_measured"]) == pytest.approx(float(s["decay_formula"]), rel=0.05)
    assert np.all(run.result.supply > 0)
