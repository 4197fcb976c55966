"""Shared fixtures of the hedging tests: the worked example of the issue."""

from __future__ import annotations

import pytest

from inversa.hedging import Portfolio

WORKED = {
    "holdings_usd": {"BTC": 80000, "ETH": 35000, "ALT": 15000},
    "targets": {"BTC": "0.5", "ETH": "0.3", "ALT": "0.2"},
    "prices": {"BTC": 40000, "ETH": 2500, "ALT": "0.5"},
}


@pytest.fixture
def worked() -> Portfolio:
    """80k BTC / 35k ETH / 15k ALT at 40,000 / 2,500 / 0.50, target 50/30/20."""
    return Portfolio(**WORKED)  # type: ignore[arg-type]


@pytest.fixture
def worked_cv1(worked: Portfolio) -> Portfolio:
    """The worked example with 1-USD generic inverse contracts for every asset."""
    return worked.updated(contract_values={"BTC": 1, "ETH": 1, "ALT": 1})
