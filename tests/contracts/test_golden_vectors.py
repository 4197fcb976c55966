"""Every ``calc ...`` acceptance vector, run through the Python API.

Each vector of ``tests/vectors/acceptance.jsonl`` whose kind starts with ``calc`` is
evaluated twice: with exact ``Decimal`` inputs (``Decimal(str(x))``) and with float64
arrays, and every ``expected`` key is compared within the vector's ``tol``.  The vector's
``source`` names the venue document the number was transcribed from.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from inversa.contracts import (
    Fill,
    Leg,
    TierTable,
    binance_coinm_prices,
    bybit_isolated_prices,
    carry_forward,
    clamp_funding_rate,
    dated_fair_basis,
    dated_fair_price,
    deribit_funding_rate,
    funding_payment,
    generic_prices,
    harmonic_entry,
    initial_margin,
    inverse_pnl,
    maintenance_margin,
    parse_side,
    perpetual_fair_price,
    position_value,
    trading_fee,
)

from ._support import ARRAY_LEN, A, D

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "acceptance.jsonl"


def _load() -> list[dict[str, Any]]:
    with VECTORS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


CALC = [v for v in _load() if v["kind"].startswith("calc ")]

Conv = Callable[[object], Any]


def _value(x: dict[str, Any], n: Conv) -> dict[str, Any]:
    return {"value": position_value(n(x["contracts"]), n(x["price"]), n(x["contract_value"]))}


def _pnl(x: dict[str, Any], n: Conv) -> dict[str, Any]:
    side = parse_side(x["side"])
    return {
        "pnl": inverse_pnl(
            side, n(x["contracts"]), n(x["entry"]), n(x["exit"]), n(x["contract_value"])
        )
    }


def _entry(x: dict[str, Any], n: Conv) -> dict[str, Any]:
    fills = [Fill.parse(text) for text in x["fills"]]
    return {
        "entry_price": harmonic_entry([n(f.quantity) for f in fills], [n(f.price) for f in fills])
    }


def _fee(x: dict[str, Any], n: Conv) -> dict[str, Any]:
    fee = trading_fee(n(x["contracts"]), n(x["price"]), n(x["contract_value"]), n(x["rate"]))
    return {"fee": fee}


def _margin(x: dict[str, Any], n: Conv) -> dict[str, Any]:
    value = position_value(n(x["contracts"]), n(x["price"]), n(x["contract_value"]))
    out: dict[str, Any] = {"value": value}
    if "leverage" in x:
        out["initial_margin"] = initial_margin(value, leverage=n(x["leverage"]))
    elif "imr" in x:
        out["initial_margin"] = initial_margin(value, imr=n(x["imr"]))
    if "tiers" in x:
        out["maintenance_margin"] = maintenance_margin(value, tiers=TierTable.parse(x["tiers"]))
    else:
        out["maintenance_margin"] = maintenance_margin(value, n(x["mmr"]))
    return out


def _liq(x: dict[str, Any], n: Conv) -> dict[str, Any]:
    model, side = x["model"], parse_side(x["side"])
    # V15 gives no size: the Bybit classic formula does not depend on it, use 1 x 1 USD.
    size, cv = n(x.get("contracts", 1)), n(x.get("contract_value", 1))
    if model in ("bybit-classic", "bybit-uta-a", "bybit-uta-b"):
        mm_at = "mark" if model == "bybit-uta-b" else "entry"
        res = bybit_isolated_prices(
            side, n(x["entry"]), n(x["leverage"]), n(x["mmr"]), size, cv, mm_at=mm_at
        )
    elif model == "binance-coinm":
        leg = Leg(side, size, n(x["entry"]), n(x["mmr"]), n(x.get("maintenance_amount", 0)))
        res = binance_coinm_prices([leg], n(x["wallet_balance"]), cv)
    elif model == "generic":
        res = generic_prices(side, n(x["entry"]), size, cv, n(x["wallet_balance"]), mmr=n(x["mmr"]))
    else:
        raise AssertionError(f"unknown liquidation model {model!r}")
    return {"liquidation_price": res.liquidation_price, "bankruptcy_price": res.bankruptcy_price}


def _funding_rate(x: dict[str, Any], n: Conv) -> dict[str, Any]:
    if x["venue"] == "bitmex":
        rate = clamp_funding_rate(n(x["premium"]), n(x["interest"]), clamp=n("0.0005"))
    elif x["venue"] == "deribit":
        rate = deribit_funding_rate(n(x["premium"]))
    else:
        raise AssertionError(f"unknown funding venue {x['venue']!r}")
    return {"funding_rate": rate}


def _funding_payment(x: dict[str, Any], n: Conv) -> dict[str, Any]:
    side = parse_side(x["side"])
    payment = funding_payment(
        side, n(x["contracts"]), n(x["contract_value"]), n(x["mark"]), n(x["rate"])
    )
    return {"payment": payment}


def _fair_price(x: dict[str, Any], n: Conv) -> dict[str, Any]:
    index = n(x["index"])
    if "impact_bid" in x:
        days = n(x["days_to_expiry"])
        rate = dated_fair_basis(index, n(x["impact_bid"]), n(x["impact_ask"]), days)
        return {"basis_rate": rate, "fair_price": dated_fair_price(index, rate, days)}
    fair = perpetual_fair_price(
        index, n(x["funding_rate"]), n(x["hours_to_funding"]), n(x["interval_hours"])
    )
    return {"fair_price": fair}


def _carry(x: dict[str, Any], n: Conv) -> dict[str, Any]:
    return {"forward": carry_forward(n(x["spot"]), n(x["rate"]), n(x["days"]))}


KINDS: dict[str, Callable[[dict[str, Any], Conv], dict[str, Any]]] = {
    "calc value": _value,
    "calc pnl": _pnl,
    "calc entry": _entry,
    "calc fee": _fee,
    "calc margin": _margin,
    "calc liq": _liq,
    "calc funding-rate": _funding_rate,
    "calc funding-payment": _funding_payment,
    "calc fair-price": _fair_price,
    "calc carry": _carry,
}


def _ids(v: dict[str, Any]) -> str:
    return f"{v['id']}-{v['kind'].removeprefix('calc ')}"


def test_vector_file_has_calc_vectors_of_known_kinds() -> None:
    assert len(CALC) >= 30
    ids = [v["id"] for v in CALC]
    assert len(ids) == len(set(ids)), "duplicate vector ids"
    assert {v["kind"] for v in CALC} <= set(KINDS), "a calc kind has no mapping to the API"
    assert all(v["source"] for v in CALC), "every vector names its source"


@pytest.mark.parametrize("vector", CALC, ids=_ids)
def test_calc_vector_decimal(vector: dict[str, Any]) -> None:
    out = KINDS[vector["kind"]](vector["inputs"], D)
    tol = D(vector["tol"])
    for key, expected in vector["expected"].items():
        got = out[key]
        assert isinstance(got, Decimal), f"{key}: Decimal in, {type(got).__name__} out"
        assert abs(got - D(expected)) <= tol, (
            f"{vector['id']} {key}: got {got}, expected {expected} +- {tol} ({vector['source']})"
        )


@pytest.mark.parametrize("vector", CALC, ids=_ids)
def test_calc_vector_float_array(vector: dict[str, Any]) -> None:
    out = KINDS[vector["kind"]](vector["inputs"], A)
    for key, expected in vector["expected"].items():
        got = np.asarray(out[key])
        assert got.shape == (ARRAY_LEN,), f"{key}: shape {got.shape}"
        assert got.dtype == np.float64
        np.testing.assert_allclose(
            got, expected, rtol=0, atol=vector["tol"], err_msg=f"{vector['id']} {key}"
        )
