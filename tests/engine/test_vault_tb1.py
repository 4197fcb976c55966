"""Golden: the TB1 band-and-daily-reset vault through the public engine API matches the
independent 50-digit Decimal ledger (the vector is copied from the shared acceptance set)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from benchmarks.band_vault import run_band_vault, tick_price

VECTOR = json.loads((Path(__file__).parent / "data" / "token_backtest_coin_band.json").read_text())


@pytest.mark.parametrize("risk", ["incremental", "full"])
def test_tb1_vault_matches_the_independent_ledger(risk: str) -> None:
    inputs, want = VECTOR["inputs"], VECTOR["expected"]
    times = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in inputs["timestamps_utc"]]
    prices = [tick_price(c) for c in inputs["close"]]
    run = run_band_vault(times, prices, risk)  # type: ignore[arg-type]
    assert run.trades == want["trades"]
    assert run.by_reason == want["trades_by_reason"]
    assert run.short_contracts == want["final_short_contracts"]
    assert float(run.final_equity) == pytest.approx(want["final_equity_btc"], abs=1e-10)
    assert float(run.final_wallet) == pytest.approx(want["final_wallet_btc"], abs=1e-10)
    assert float(run.fees) == pytest.approx(want["total_fees_btc"], abs=1e-10)
