"""Linear contract maths: golden figures from independent arithmetic and Decimal/NumPy parity."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from inversa.contracts import (
    ContractKind,
    Fill,
    PositionState,
    TierTable,
    apply_linear_fill,
    arithmetic_entry,
    generic_prices,
    linear_fee,
    linear_funding_payment,
    linear_value,
)

D = Decimal
TIERS = TierTable.parse(["50000:0.004", "500000:0.005", "8000000:0.01", "inf:0.025"])


def test_value_fee_funding_golden() -> None:
    assert linear_value(D(2000), D(45_000), D("0.001")) == 90_000
    assert linear_fee(D(2000), D(45_000), D("0.001"), D("0.0005")) == 45
    assert linear_funding_payment(1, D(2000), D("0.001"), D(45_000), D("0.0001")) == -9
    assert linear_funding_payment(-1, D(2000), D("0.001"), D(45_000), D("0.0001")) == 9


def test_fill_arithmetic_and_flip() -> None:
    pos = apply_linear_fill(PositionState(), Fill(D(3), D(100)), D(1)).position
    pos = apply_linear_fill(pos, Fill(D(1), D(200)), D(1)).position
    assert pos.entry == 125  # (3*100 + 1*200) / 4
    result = apply_linear_fill(pos, Fill(D(-6), D(150)), D(1))
    assert result.realised_pnl == 4 * (150 - 125)
    assert result.closed == 4
    assert result.position == PositionState(D(-2), D(150))
    assert arithmetic_entry([D(1), D(3)], [D(10), D(30)]) == 25


@pytest.mark.parametrize("side", [1, -1])
@pytest.mark.parametrize("collateral", ["1000", "25000", "400000"])
def test_tier_solution_is_where_equity_meets_maintenance(side: int, collateral: str) -> None:
    entry, contracts, cv = D(40_000), D(10_000), D("0.001")  # 10 BTC, 400,000 USD
    result = generic_prices(
        side, entry, contracts, cv, D(collateral), tiers=TIERS, kind=ContractKind.LINEAR
    )
    price = Fraction(result.liquidation_price)
    if price == 0:
        assert side == 1  # the long is covered against any fall
        return
    q = Fraction(contracts * cv)
    value = q * price
    rate, cum = TIERS.rate_and_cum(D(float(value)))
    equity = Fraction(D(collateral)) + side * q * (price - Fraction(entry))
    mm = value * Fraction(rate) - Fraction(cum)
    assert abs(equity - mm) < Fraction(1, 10**20)
    assert Fraction(result.bankruptcy_price) == max(
        Fraction(entry) - side * Fraction(D(collateral)) / q, Fraction(0)
    )


def test_numpy_matches_decimal() -> None:
    collateral = np.array([1000.0, 25000.0, 400000.0, 5.0])
    for side in (1, -1):
        arr = generic_prices(
            side, 40_000.0, 10_000.0, 0.001, collateral, tiers=TIERS, kind=ContractKind.LINEAR
        )
        for i, c in enumerate(collateral):
            exact = generic_prices(
                side,
                D(40_000),
                D(10_000),
                D("0.001"),
                D(str(float(c))),
                tiers=TIERS,
                kind=ContractKind.LINEAR,
            )
            assert arr.liquidation_price[i] == pytest.approx(float(exact.liquidation_price))
            assert arr.bankruptcy_price[i] == pytest.approx(float(exact.bankruptcy_price))
    flat = generic_prices(1, D(100), D(1), D(1), D(10), mmr=D("0.01"), kind=ContractKind.LINEAR)
    assert flat.liquidation_price == (D(90) / D("0.99"))
