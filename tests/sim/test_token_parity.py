"""The fast kernel against the reference token backtest (keeper on the simulated venue):
TB1, the three real-data backtests, and the kernel's refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from inversa.sim.token_kernels import run_path
from inversa.token import backtest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    "name",
    [
        "token_tb1.toml",
        "token_a_btc_coin_band.toml",
        "token_b_btc_usd_linear_band.toml",
        "token_c_defi_equal.toml",
    ],
)
def test_kernel_equals_the_reference_backtest(name: str) -> None:
    from inversa.sim.token_parity import kernel_inputs

    ref = backtest(EXAMPLES / name)
    spec, close, reset, funding = kernel_inputs(ref, equity_only=True)
    got = run_path(spec, close, reset, funding)
    want = np.asarray(ref.result.equity, dtype=np.float64)
    assert got.trades == len(ref.result.fills)
    assert np.max(np.abs(got.equity_settle - want) / np.abs(want)) <= 1e-9


def test_options_the_kernel_lacks_are_refused() -> None:
    from inversa.errors import InputError
    from inversa.sim.token_parity import kernel_inputs

    ref = backtest(EXAMPLES / "token_a_btc_coin_band.toml")
    with pytest.raises(InputError, match=r"vault\.streaming_fee"):
        kernel_inputs(ref)  # a streaming fee changes NAV per token: refused by default
