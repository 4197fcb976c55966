"""Unwind: closing orders, realised PnL, and the comparison with spot at the start."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inversa.contracts import inverse_pnl, trading_fee
from inversa.errors import InputError
from inversa.hedging import Portfolio, carry_costs, plan_hedge, unwind_hedge

LATER: dict[str, int | str] = {"BTC": 45000, "ETH": 3000, "ALT": "0.6"}
EXACT = Decimal("1e-20")  # Decimal keeps 28 significant digits


def close(a: Decimal, b: Decimal | int) -> bool:
    return abs(a - b) < EXACT


def test_full_unwind_of_the_worked_example(worked_cv1: Portfolio) -> None:
    plan = plan_hedge(worked_cv1, taker="0.0005")
    carry = carry_costs(plan, "0.0003")
    out = unwind_hedge(plan, LATER, days=30, carry=carry)
    btc = out.orders["BTC"]
    assert btc.side == 1
    assert btc.contracts == 15000
    assert btc.remaining == 0
    assert btc.realised_pnl == inverse_pnl(
        -1, Decimal(15000), Decimal(40000), Decimal(45000), Decimal(1)
    )
    assert close(btc.realised_pnl_usd, -1875)
    assert btc.fee == trading_fee(Decimal(15000), Decimal(45000), Decimal(1), Decimal("0.0005"))
    assert close(out.orders["ETH"].realised_pnl_usd, 800)
    assert close(out.orders["ALT"].realised_pnl_usd, 2200)
    assert close(out.realised_pnl_usd, 1125)
    assert out.unrealised_pnl_usd == 0
    assert out.trades == {"BTC": Decimal("-0.375"), "ETH": Decimal("1.6"), "ALT": 22000}
    # funding: 30 days at 0.03 %/day, each leg's coin valued at the later price
    assert (
        out.funding_usd
        == -(
            carry.legs["BTC"].per_day * 45000
            + carry.legs["ETH"].per_day * 3000
            + carry.legs["ALT"].per_day * Decimal("0.6")
        )
        * 30
    )
    # hedged - spot at start = rounding - hedge cost + spot fees saved - spot fees paid
    identity = (
        out.rounding_usd - out.hedge_cost_usd + out.spot_fees_start_usd - out.spot_fees_later_usd
    )
    assert close(out.difference_usd, identity)
    assert out.hedge_cost_usd == out.fees_usd + out.funding_usd + out.basis_usd
    assert out.deferred_sales_usd == 15000
    assert out.spot_fees_start_usd == Decimal("0.001") * 30000


def test_partial_unwind_keeps_the_rest_open(worked_cv1: Portfolio) -> None:
    plan = plan_hedge(worked_cv1)
    out = unwind_hedge(plan, LATER, trades={"BTC": "-0.1"}, spot_fee=0)
    btc = out.orders["BTC"]
    assert btc.contracts == 4000  # 0.1 BTC x 40,000 entry / 1 USD
    assert btc.remaining == -11000
    assert set(out.orders) == {"BTC"}
    open_pnl = (
        inverse_pnl(-1, Decimal(11000), Decimal(40000), Decimal(45000), Decimal(1)) * 45000
        + 800
        + 2200
    )
    assert close(out.unrealised_pnl_usd, open_pnl)
    assert close(out.difference_usd, 0)  # no fees, no carry, no rounding


def test_rounding_residual_is_the_only_difference() -> None:
    portfolio = Portfolio(
        holdings_usd={"BTC": 80050, "ETH": 34950},
        targets={"BTC": "0.7", "ETH": "0.3"},
        prices={"BTC": 40000, "ETH": 2500},
        contract_values={"BTC": 100, "ETH": 100},
    )
    plan = plan_hedge(portfolio)  # excess 50 USD: 0 or 1 contract of 100 USD
    out = unwind_hedge(plan, {"BTC": 48000, "ETH": 2500}, spot_fee=0)
    residual = plan.legs["BTC"].residual_usd
    assert residual is not None
    assert residual != 0
    assert out.rounding_usd == -(residual / 40000) * 8000
    assert close(out.difference_usd, out.rounding_usd)


def test_cost_basis_values_the_deferred_gain(worked_cv1: Portfolio) -> None:
    plan = plan_hedge(worked_cv1)
    out = unwind_hedge(plan, LATER, cost_basis={"BTC": 10000})
    assert out.deferred_gain_usd == Decimal("0.375") * 30000
    with pytest.raises(InputError, match=r"cost_basis\.BTC"):
        unwind_hedge(plan, LATER, cost_basis={"ETH": 1})


def test_bad_unwinds(worked_cv1: Portfolio) -> None:
    plan = plan_hedge(worked_cv1)
    with pytest.raises(InputError, match=r"prices\.ALT"):
        unwind_hedge(plan, {"BTC": 1, "ETH": 1})
    with pytest.raises(InputError, match="unwound by selling spot"):
        unwind_hedge(plan, LATER, trades={"BTC": "0.1"})
    with pytest.raises(InputError, match="not in the portfolio"):
        unwind_hedge(plan, LATER, trades={"SOL": 1})
    with pytest.raises(InputError, match="days"):
        unwind_hedge(plan, LATER, days=-1)
