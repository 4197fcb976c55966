"""Properties of the planner and of the short inverse hedge (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from inversa.hedging import Portfolio, plan_hedge, stress_table

ASSETS = ("A", "B", "C", "D")

money = st.decimals(min_value=0, max_value=10**7, places=2)
price = st.decimals(min_value=Decimal("0.0001"), max_value=10**5, places=4)
parts = st.integers(min_value=0, max_value=1000)
contract_value = st.sampled_from([Decimal(1), Decimal(10), Decimal(100)])
shock = st.decimals(min_value=Decimal("-0.95"), max_value=Decimal(5), places=3)


@st.composite
def portfolios(draw: st.DrawFn) -> Portfolio:
    n = draw(st.integers(min_value=1, max_value=len(ASSETS)))
    assets = ASSETS[:n]
    # weights in thousandths summing to exactly 1 (a random partition of 1000)
    cuts = sorted(draw(st.lists(parts, min_size=n - 1, max_size=n - 1)))
    edges = [0, *cuts, 1000]
    targets = {a: Decimal(edges[i + 1] - edges[i]) / 1000 for i, a in enumerate(assets)}
    holdings = {a: draw(money) for a in assets}
    if sum(holdings.values()) == 0:
        holdings[assets[0]] = Decimal(1)
    return Portfolio(
        targets=targets,
        holdings_usd=holdings,
        prices={a: draw(price) for a in assets},
        contract_values={a: draw(contract_value) for a in assets},
    )


@settings(max_examples=60, deadline=None)
@given(portfolios())
def test_net_exposure_hits_the_target_within_one_contract(portfolio: Portfolio) -> None:
    plan = plan_hedge(portfolio)
    for asset, exposure in plan.exposure.items():
        cv = portfolio.contract_values[asset]
        assert abs(exposure.after_usd - exposure.target_usd) <= cv / 2 + Decimal("1e-18"), asset
        leg = plan.legs.get(asset)
        if leg is not None:
            assert leg.contracts is not None
            assert leg.contracts == leg.contracts.to_integral_value()
            assert leg.usd == -plan.drift[asset].excess_usd
            assert abs(leg.residual_usd or Decimal(0)) <= cv / 2
    # the legs move value between assets: they sum to zero USD
    assert abs(sum((leg.usd for leg in plan.legs.values()), Decimal(0))) <= Decimal("1e-18")


@settings(max_examples=40, deadline=None)
@given(portfolios(), st.decimals(min_value=1, max_value=10**6, places=2))
def test_no_drift_means_no_legs(portfolio: Portfolio, total: Decimal) -> None:
    at_target = Portfolio(
        targets=portfolio.targets,
        holdings_usd={a: w * total for a, w in portfolio.targets.items()},
        prices=portfolio.prices,
        contract_values=portfolio.contract_values,
    )
    plan = plan_hedge(at_target)
    assert plan.legs == {}
    assert all(e.hedge_usd == 0 for e in plan.exposure.values())


@settings(max_examples=60, deadline=None)
@given(
    st.decimals(min_value=1, max_value=10**6, places=0),
    price,
    contract_value,
    st.lists(shock, min_size=1, max_size=5),
)
def test_short_inverse_hedge_is_synthetic_usd(
    excess_contracts: Decimal, spot: Decimal, cv: Decimal, shocks: list[Decimal]
) -> None:
    """Short N contracts against N*CV/S0 coins: that block stays worth N*CV USD."""
    over = excess_contracts * cv
    portfolio = Portfolio(
        targets={"A": "0.5", "B": "0.5"},
        holdings_usd={"A": 10**9 + over, "B": 10**9 - over},
        prices={"A": spot, "B": 1},
        contract_values={"A": cv, "B": cv},
    )
    plan = plan_hedge(portfolio)
    leg = plan.legs["A"]
    assert leg.contracts == -excess_contracts
    rounding = Decimal("1e-12")  # USD: Decimal keeps 28 digits
    for row in stress_table(plan, shocks, moved=["A"]):
        assert abs(row.synthetic_usd - over) <= rounding, row.shock
        # the hedged holding of A is its target (moving with A) plus the fixed USD block
        hedged_target = Decimal(10**9) * (1 + row.shock)
        assert abs(row.assets["A"].hedged_usd - (hedged_target + over)) <= rounding
