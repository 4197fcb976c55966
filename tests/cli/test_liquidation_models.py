"""One liquidation-model registry: calc, the hedge planner and the demo agree per model.

For every registered model name and two venues (a tier table with deductions, a bracket
table), the same isolated position at 10x gives the same liquidation and bankruptcy price
through ``inversa calc liq --json``, the planner and the demo.  The demo once valued
``bybit-uta-b`` at entry; going through the registry fixes that by construction.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from inversa import contracts as c
from inversa.cli import app
from inversa.cli import demo as demo_module
from inversa.errors import InputError
from inversa.hedging import instruments
from inversa.hedging import planner as planner_module
from inversa.venues import load_venue

ENTRY = Decimal("64123.5")
LEVERAGE = Decimal(10)


def _inputs(contracts: Decimal) -> c.PositionInputs:
    return c.PositionInputs(
        1, contracts, ENTRY, Decimal(1), leverage=LEVERAGE, mmr=Decimal("0.005")
    )


def _calc(venue: str, model: str, side: str, contracts: Decimal) -> dict[str, Decimal]:
    args = ["calc", "liq", "--venue", venue, "--symbol", "BTC/USD:BTC", "--model", model]
    args += ["--side", side, "--entry", str(ENTRY), "--leverage", "10"]
    args += ["--contracts", str(contracts), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout, parse_float=Decimal)
    return {k: out[k] for k in ("liquidation_price", "bankruptcy_price")}


def _as_dict(r: c.LiquidationResult[Decimal]) -> dict[str, Decimal | None]:
    return {
        "liquidation_price": r.liquidation_price if r.liquidation_price.is_finite() else None,
        "bankruptcy_price": r.bankruptcy_price if r.bankruptcy_price.is_finite() else None,
    }


@pytest.mark.parametrize("venue_name", ["bybit", "binance-coinm"])
@pytest.mark.parametrize("model", c.LIQUIDATION_MODELS)
@pytest.mark.parametrize("side", [1, -1])
def test_every_model_gives_the_same_prices_everywhere(
    venue_name: str, model: str, side: int
) -> None:
    venue = replace(load_venue(venue_name), liquidation_model=model)
    inst = venue.instrument("BTC/USD:BTC")
    n = demo_module.NOTIONAL_USD / inst.contract_value
    demo = _as_dict(demo_module._liquidation(venue, inst, side, ENTRY))
    hedge_inst = replace(instruments.venue_instrument("BTC", venue_name), liquidation_model=model)
    pv = c.position_value(n, ENTRY, inst.contract_value)
    mmr, cum = instruments.maintenance_rate(hedge_inst, pv)
    margin = c.initial_margin(pv, leverage=LEVERAGE)
    plan = _as_dict(
        planner_module._liquidation(hedge_inst, side, n, ENTRY, LEVERAGE, margin, mmr, cum)
    )
    calc = _calc(venue_name, model, "long" if side == 1 else "short", n)
    assert demo == plan == calc
    assert demo["bankruptcy_price"] is not None


def test_bybit_uta_b_is_valued_at_the_mark() -> None:
    model = c.liquidation_model("bybit-uta-b")
    assert model.valuation == "mark"
    assert c.liquidation_model("bybit-classic").valuation == "entry"
    inputs = c.PositionInputs(
        1, Decimal(1000), ENTRY, Decimal(1), leverage=LEVERAGE, mmr=Decimal("0.005")
    )
    at_mark = c.liquidation_prices("bybit-uta-b", "isolated", inputs)
    at_entry = c.liquidation_prices("bybit-uta-a", "isolated", inputs)
    # MM valued at a (lower) liquidation mark is larger in coin: a long is liquidated earlier.
    assert at_mark.liquidation_price > at_entry.liquidation_price
    assert at_mark.bankruptcy_price == at_entry.bankruptcy_price


def test_registry_is_open_and_refuses_duplicates() -> None:
    base = c.liquidation_model("generic")
    extra = replace(base, name="test-scaled", description="a test model")
    assert c.register_model(extra) is extra
    assert "test-scaled" in c.liquidation_model_names()
    with pytest.raises(InputError, match="exists"):
        c.register_model(replace(base, name="test-scaled"))
    with pytest.raises(InputError, match="must be one of"):
        c.liquidation_model("nope")


def test_mode_not_supported_is_named() -> None:
    inputs = c.PositionInputs(
        1, Decimal(1), ENTRY, Decimal(1), leverage=LEVERAGE, mmr=Decimal("0.005")
    )
    with pytest.raises(InputError, match="mode='cross': model bybit-uta-b supports isolated"):
        c.liquidation_prices("bybit-uta-b", "cross", inputs)
