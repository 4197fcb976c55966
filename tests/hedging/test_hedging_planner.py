"""The hedge planner on the worked example, the acceptance vectors and venue contracts."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from inversa.contracts import (
    ContractKind,
    bybit_isolated_prices,
    generic_prices,
    initial_margin,
    position_value,
    trading_fee,
)
from inversa.errors import InputError
from inversa.hedging import (
    GENERIC_VENUE,
    Portfolio,
    default_instrument,
    generic_inverse,
    plan_hedge,
    whole_contracts,
)
from inversa.hedging.instruments import DEFAULT_MMR, describe
from inversa.report.hedge import contract_label
from inversa.venues import FlatMargin, Instrument, load_venue

VECTORS = Path(__file__).parents[1] / "vectors" / "acceptance.jsonl"


def _vector(vid: str) -> dict[str, Any]:
    for line in VECTORS.read_text().splitlines():
        if line.strip() and json.loads(line)["id"] == vid:
            return json.loads(line)  # type: ignore[no-any-return]
    raise KeyError(vid)


def _pairs(items: list[str]) -> dict[str, str]:
    return dict(item.split("=") for item in items)


def _lookup(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


@pytest.mark.parametrize("vid", ["H1", "P6"])
def test_acceptance_vectors_through_the_api(vid: str) -> None:
    vector = _vector(vid)
    inputs = vector["inputs"]
    portfolio = Portfolio(
        holdings_usd=_pairs(inputs["holdings"]),
        targets=_pairs(inputs["targets"]),
        prices=_pairs(inputs["prices"]),
        contract_values=_pairs(inputs.get("contract_values", [])),
    )
    plan = plan_hedge(portfolio).to_dict()
    for key, expected in vector["expected"].items():
        assert Decimal(str(_lookup(plan, key))) == Decimal(str(expected)), key


def test_worked_example_legs(worked_cv1: Portfolio) -> None:
    plan = plan_hedge(worked_cv1)
    btc, eth, alt = plan.legs["BTC"], plan.legs["ETH"], plan.legs["ALT"]
    assert [btc.usd, btc.coin, btc.contracts, btc.side] == [-15000, Decimal("-0.375"), -15000, -1]
    assert [eth.usd, eth.coin, eth.contracts, eth.side] == [4000, Decimal("1.6"), 4000, 1]
    assert [alt.usd, alt.coin, alt.contracts] == [11000, 22000, 11000]
    assert all(leg.residual_usd == 0 for leg in plan.legs.values())
    for asset, exposure in plan.exposure.items():
        assert exposure.after_usd == exposure.target_usd, asset
    # 1x legs: margin = coin value of the leg; a 1x short is never liquidated
    assert btc.margin == Decimal("0.375")
    assert btc.liquidation_price == Decimal("Infinity")
    assert btc.bankruptcy_price == Decimal("Infinity")
    assert plan.wallets["BTC"].available == 2
    assert plan.wallets["ETH"].available == 14
    assert all(w.ok for w in plan.wallets.values())
    assert not plan.alternatives


def test_default_venue_contracts_and_their_model(worked: Portfolio) -> None:
    inst = default_instrument("BTC")
    assert inst is not None
    assert inst.venue == "bybit"
    assert inst.kind is ContractKind.INVERSE
    plan = plan_hedge(worked, leverage=5)
    btc = plan.legs["BTC"]
    assert btc.instrument is not None
    assert btc.instrument.venue == "bybit"
    assert btc.contracts == -15000  # Bybit BTCUSD: 1 USD contracts, lot 1
    value = position_value(Decimal(15000), Decimal(40000), Decimal(1))
    assert btc.margin == initial_margin(value, leverage=Decimal(5))
    # Bybit BTCUSD base taker 0.055 % (Bybit fees article 2024-10-16, in the rule file)
    assert btc.fee == trading_fee(Decimal(15000), Decimal(40000), Decimal(1), Decimal("0.00055"))
    expected = bybit_isolated_prices(
        -1,
        Decimal(40000),
        Decimal(5),
        Decimal("0.005"),
        Decimal(15000),
        Decimal(1),
        deduction=Decimal(0),
    )
    assert btc.liquidation_price == expected.liquidation_price
    assert btc.bankruptcy_price == expected.bankruptcy_price
    # ALT: no venue anywhere, no contract value: USD/coin only, with a note
    alt = plan.legs["ALT"]
    assert alt.instrument is None
    assert alt.contracts is None
    assert alt.usd == 11000
    assert alt.coin == 22000
    assert any(n.startswith("ALT:") for n in plan.notes)


def test_contract_rounding_leaves_a_residual() -> None:
    portfolio = Portfolio(
        holdings_usd={"BTC": 80001, "ETH": 34999},
        targets={"BTC": "0.6", "ETH": "0.4"},
        prices={"BTC": 40000, "ETH": 2500},
        contract_values={"BTC": 100, "ETH": 10},
    )
    plan = plan_hedge(portfolio)
    btc = plan.legs["BTC"]  # excess 80001 - 69000 = 11001 -> short 110 x 100 USD
    assert btc.usd == -11001
    assert btc.contracts == -110
    assert btc.residual_usd == -1
    assert btc.residual_coin == Decimal(-1) / 40000
    assert plan.exposure["BTC"].residual_usd == 1
    eth = plan.legs["ETH"]  # 46000 - 34999 = 11001 -> long 1100 x 10 USD
    assert eth.contracts == 1100
    assert eth.residual_usd == 1


def test_contracts_required_names_the_asset(worked: Portfolio) -> None:
    with pytest.raises(InputError, match=r"contract_values\.ALT.*ALT has no contract"):
        plan_hedge(worked.updated(contract_values={"BTC": 1}))
    with pytest.raises(InputError, match="ALT has no contract"):
        plan_hedge(worked, require_contracts=True)


def test_no_drift_no_legs() -> None:
    portfolio = Portfolio(
        holdings_usd={"BTC": 500, "ETH": 500},
        targets={"BTC": "0.5", "ETH": "0.5"},
        prices={"BTC": 3, "ETH": 7},
    )
    plan = plan_hedge(portfolio)
    assert plan.legs == {}
    assert plan.wallets == {}


def test_short_wallet_offers_a_linear_alternative() -> None:
    # Holds only BTC, wants 40 % ETH: the long ETH inverse leg needs ETH margin.
    portfolio = Portfolio(
        holdings_usd={"BTC": 100000},
        targets={"BTC": "0.6", "ETH": "0.4"},
        prices={"BTC": 40000, "ETH": 2500},
        contract_values={"BTC": 1, "ETH": 1},
    )
    plan = plan_hedge(portfolio, leverage=2, taker="0.0005")
    eth = plan.wallets["ETH"]
    assert eth.available == 0
    assert eth.margin == Decimal(16) / 2  # 40,000 USD = 16 ETH at 2x
    assert eth.shortfall == eth.required
    assert not eth.ok
    alt = plan.alternatives["ETH"]
    assert alt.instrument.kind is ContractKind.LINEAR
    assert alt.instrument.settle == "USDT"
    assert alt.collateral_usd == 20000
    assert alt.fee_usd == Decimal(40000) * Decimal("0.0005")
    assert plan.wallets["BTC"].ok
    assert any("ETH wallet short" in n for n in plan.notes)


def test_custom_instrument_uses_its_lot_and_model() -> None:
    inst = Instrument.custom(
        "BTC/USD:BTC",
        100,
        FlatMargin(Decimal("0.01")),
        settle="BTC",
        lot=10,
        taker="0.0005",
        liquidation_model="generic",
    )
    portfolio = Portfolio(
        holdings_usd={"BTC": 90000, "ETH": 10000},
        targets={"BTC": "0.5", "ETH": "0.5"},
        prices={"BTC": 40000, "ETH": 2000},
    )
    plan = plan_hedge(
        portfolio,
        instruments={"BTC": inst, "ETH": generic_inverse("ETH", Decimal(10))},
        leverage={"BTC": 4},
    )
    btc = plan.legs["BTC"]
    assert btc.contracts == -400  # 40,000 USD / 100 USD, a multiple of the 10-contract lot
    margin = position_value(Decimal(400), Decimal(40000), Decimal(100)) / 4
    assert btc.margin == margin
    expected = generic_prices(
        -1, Decimal(40000), Decimal(400), Decimal(100), margin, mmr=Decimal("0.01")
    )
    assert btc.liquidation_price == expected.liquidation_price
    assert plan.legs["ETH"].leverage == 1


def test_a_generic_contract_is_a_venues_instrument() -> None:
    inst = generic_inverse("ETH", Decimal(10), Decimal("0.0004"))
    assert isinstance(inst, Instrument)
    assert (inst.venue, inst.symbol, inst.spec.base, inst.settle) == (
        GENERIC_VENUE,
        "ETH/USD:ETH",
        "ETH",
        "ETH",
    )
    assert inst.liquidation_model == "generic"
    assert inst.max_leverage is None
    assert inst.maintenance_rate_and_cum(Decimal(5)) == (DEFAULT_MMR, 0)
    assert describe(inst) == {
        "instrument": "generic inverse (10 USD/contract)",
        "venue": None,
        "symbol": None,
        "kind": "inverse",
        "settle": "ETH",
        "contract_value": Decimal(10),
        "lot": Decimal(1),
        "taker": Decimal("0.0004"),
    }
    assert contract_label(inst) == "generic 10 USD"
    with pytest.raises(InputError, match=r"contract_values\.ETH"):
        generic_inverse("ETH", Decimal(0))


def test_a_venue_contract_keeps_its_rule_file_instrument() -> None:
    inst = default_instrument("BTC")
    assert inst is not None
    assert inst == load_venue(inst.venue).instrument("BTC/USD:BTC")
    assert describe(inst)["venue"] == inst.venue
    assert describe(inst)["instrument"] == f"{inst.venue}:{inst.symbol}"


def test_lot_rounding_is_half_even_on_whole_lots() -> None:
    inst = Instrument.custom("BTC/USD:BTC", 100, FlatMargin(Decimal("0.01")), lot=10)
    # 1,500 USD = 15 contracts = 1.5 lots -> 2 lots; 2,500 USD = 2.5 lots -> 2 lots
    assert whole_contracts(inst, Decimal(1500), Decimal(40000)) == 20
    assert whole_contracts(inst, Decimal(-2500), Decimal(40000)) == -20
    linear = Instrument.custom(
        "ETH/USDT:USDT", "0.1", FlatMargin(Decimal("0.01")), kind="linear", settle="USDT"
    )
    # linear: USD per contract is CV * price = 250 USD
    assert whole_contracts(linear, Decimal(1000), Decimal(2500)) == 4


def test_leverage_beyond_the_venue_cap(worked: Portfolio) -> None:
    with pytest.raises(InputError, match="leverage"):
        plan_hedge(worked, leverage=1000)
    with pytest.raises(InputError, match="leverage"):
        plan_hedge(worked, leverage="0.5")


def test_unknown_venue_or_wrong_coin(worked: Portfolio) -> None:
    from inversa.errors import UnknownVenueError

    with pytest.raises(UnknownVenueError):
        plan_hedge(worked.updated(venues={"BTC": "nowhere"}, contract_values={"ALT": 1}))
    with pytest.raises(InputError, match="follows BTC, not ETH"):
        plan_hedge(worked.updated(venues={"ETH": "bybit:BTCUSD"}, contract_values={"ALT": 1}))
