"""The second design (a fixed-entry inverse synth over a path) and the hedge-effectiveness
table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from inversa.token import backtest
from inversa.token.analytics import bs_put, hedge_effectiveness
from inversa.token.synth import synth_path

T0 = datetime(2021, 1, 1, tzinfo=UTC)


def _times(n: int) -> tuple[datetime, ...]:
    return tuple(T0 + timedelta(hours=12 * i) for i in range(n))


def test_synth_follows_freezes_and_resets_with_value_kept() -> None:
    spot = np.array([100.0, 90.0, 45.0, 40.0, 60.0, 66.0])
    path = synth_path(_times(6), spot, start_value=100.0, reset_after_hours=24)
    # 2E - S: 100, 110, then 155 -> frozen at the upper limit 150
    np.testing.assert_allclose(path.price[:3], [100, 110, 150])
    assert path.frozen.tolist()[:4] == [False, False, True, True]
    assert path.freezes == (T0 + timedelta(hours=24),)
    # 24 h later (bar 4) the holders are purged at 150 into a new synth with entry 60
    assert path.resets == (T0 + timedelta(hours=48),)
    assert path.value[4] == pytest.approx(150.0)
    assert path.entry[4] == 60
    # then 2 * 60 - 66 = 54: the value falls 10 %
    assert path.value[5] == pytest.approx(150.0 * 54 / 60)


def test_synth_without_reset_stays_frozen() -> None:
    spot = np.array([100.0, 160.0, 100.0])
    path = synth_path(_times(3), spot, reset_after_hours=None)
    np.testing.assert_allclose(path.price, [100, 50, 50])
    assert path.resets == ()


def test_black_scholes_put_golden() -> None:
    # ATM, sigma 20 %, one year, zero rates: 2 N(0.1) - 1 = 0.0796557
    assert bs_put(100.0, 100.0, 0.2, 1.0) == pytest.approx(7.965567, abs=1e-6)
    assert bs_put(90.0, 100.0, 0.5, 0.0) == 10.0


def test_hedge_table_on_the_defi_basket() -> None:
    run = backtest(Path(__file__).parents[2] / "examples" / "token_c_defi_equal.toml")
    rows = {str(r["strategy"]): r for r in hedge_effectiveness(run.result, run.summary)}
    assert float(rows["unhedged index"]["beta to index"]) == pytest.approx(1.0)
    # a -1x daily token cancels the index day by day: beta near 0, volatility small
    full = rows["index + 100% token"]
    assert abs(float(full["beta to index"])) < 0.05
    assert float(full["volatility /yr"]) < 0.1 * float(rows["unhedged index"]["volatility /yr"])
    # a full short perp without funding is flat
    assert float(rows["index + 100% short perp"]["volatility /yr"]) == pytest.approx(0.0, abs=1e-12)
    put = rows["index + rolling 30-day ATM put"]
    assert float(put["worst 30 days"]) > float(rows["unhedged index"]["worst 30 days"])
