"""Vol-scaled maintenance: the EWMA recursion against its closed form, clipping, no
look-ahead, the config's bounds, and the liquidation price at the scaled rate."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from tests.contracts._support import FAST

from inversa.contracts import generic_prices
from inversa.contracts.vol_margin import (
    VolMarginConfig,
    VolScaledMargin,
    ewma_variance,
    vol_scaled_prices,
    vol_scaled_rate,
)
from inversa.errors import InputError

returns = st.lists(st.decimals("-0.2", "0.2", places=6), min_size=1, max_size=30)


@FAST
@given(returns, st.decimals("0.5", "0.99", places=3), st.decimals("0", "0.01", places=6))
def test_ewma_matches_the_closed_form(rs: list[Decimal], decay: Decimal, v0: Decimal) -> None:
    got = ewma_variance(rs, decay, v0)
    t = len(rs) - 1
    closed = decay ** (t + 1) * v0 + (1 - decay) * sum(
        decay ** (t - i) * r * r for i, r in enumerate(rs)
    )
    assert isinstance(got, list)
    assert abs(got[-1] - closed) <= Decimal("1e-25")
    arr = ewma_variance(np.array([float(r) for r in rs]), float(decay), float(v0))
    assert isinstance(arr, np.ndarray)
    assert arr[-1] == pytest.approx(float(closed), rel=1e-9, abs=1e-15)


def test_rate_is_clipped() -> None:
    assert vol_scaled_rate(Decimal("0.0001"), Decimal(1), Decimal(1), Decimal("0.005"),
                           Decimal("0.25")) == Decimal("0.01")  # fmt: skip
    assert vol_scaled_rate(Decimal(0), Decimal(1), Decimal(3), Decimal("0.005"),
                           Decimal("0.25")) == Decimal("0.005")  # fmt: skip
    assert vol_scaled_rate(Decimal(1), Decimal(24), Decimal(3), Decimal("0.005"),
                           Decimal("0.25")) == Decimal("0.25")  # fmt: skip
    with pytest.raises(InputError, match="cap"):
        vol_scaled_rate(Decimal(1), Decimal(1), Decimal(1), Decimal("0.3"), Decimal("0.2"))


def test_rates_use_no_future_prices() -> None:
    rng = np.random.default_rng(11)
    closes = 30000 * np.exp(np.cumsum(rng.normal(0, 0.01, 200)))
    model = VolScaledMargin(scale=Decimal(3))
    rates = model.rates_for_bars(closes, 50)
    assert len(rates) == 150
    moved = closes.copy()
    moved[120:] *= 0.5  # a crash at close 120
    again = model.rates_for_bars(moved, 50)
    # Bar k (close index k) opens at close k-1: bars up to index 120 cannot see it.
    np.testing.assert_array_equal(rates[: 120 - 50 + 1], again[: 120 - 50 + 1])
    assert again[121 - 50] > rates[121 - 50]
    assert np.all((rates >= 0.005) & (rates <= 0.25))


def test_config_bounds_and_model() -> None:
    cfg = VolMarginConfig()
    assert cfg.decay == Decimal("0.94")
    model = cfg.model()
    assert model.horizon_bars == 1
    with pytest.raises(ValidationError):
        VolMarginConfig(decay=Decimal(1))
    with pytest.raises(ValidationError):
        VolMarginConfig(scale=Decimal(0))
    with pytest.raises(InputError, match="floor/cap"):
        VolScaledMargin(floor=Decimal("0.3"), cap=Decimal("0.2"))
    with pytest.raises(InputError, match="warmup"):
        model.rates_for_bars(np.array([1.0, 2.0, 3.0]), 3)


def test_liquidation_at_the_scaled_rate_is_generic() -> None:
    args = (1, Decimal(40000), Decimal(400), Decimal(100), Decimal("0.1"))
    got = vol_scaled_prices(*args, Decimal("0.03"))
    assert got == generic_prices(*args, mmr=Decimal("0.03"))
    # A higher rate liquidates a long earlier (at a higher price).
    assert got.liquidation_price > vol_scaled_prices(*args, Decimal("0.005")).liquidation_price


def test_registry_price_function_reads_the_position_inputs() -> None:
    from dataclasses import dataclass

    from inversa.contracts.vol_margin import registry_prices

    @dataclass
    class Inputs:  # the fields of the registry's PositionInputs this model reads
        side: int = -1
        contracts: Decimal = Decimal(400)
        entry: Decimal = Decimal(40000)
        contract_value: Decimal = Decimal(100)
        mmr: Decimal | None = Decimal("0.02")

        def collateral_for(self, mode: str) -> Decimal:
            return Decimal("0.2")

    got = registry_prices(Inputs(), "isolated")
    assert got == generic_prices(-1, Decimal(40000), Decimal(400), Decimal(100), Decimal("0.2"),
                                 mmr=Decimal("0.02"))  # fmt: skip
    with pytest.raises(InputError, match="mmr"):
        registry_prices(Inputs(mmr=None), "isolated")


def test_registered_in_the_liquidation_registry() -> None:
    from inversa.contracts import PositionInputs, liquidation_model_names, liquidation_prices

    assert "vol-scaled" in liquidation_model_names()
    inputs = PositionInputs(
        side=1,
        contracts=Decimal(400),
        entry=Decimal(40000),
        contract_value=Decimal(100),
        leverage=Decimal(10),
        mmr=Decimal("0.03"),
    )
    got = liquidation_prices("vol-scaled", "isolated", inputs)
    assert got == generic_prices(1, Decimal(40000), Decimal(400), Decimal(100), Decimal("0.1"),
                                 mmr=Decimal("0.03"))  # fmt: skip
