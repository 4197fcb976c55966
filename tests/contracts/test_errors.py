"""Bad inputs: each raises an InputError (an InversaError) whose message names the field
and the offending value."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
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
    funding_payment,
    generic_prices,
    harmonic_entry,
    initial_margin,
    inverse_pnl,
    maintenance_margin,
    parse_side,
    perpetual_fair_price,
    position_value,
    round_to_tick,
    trading_fee,
)
from inversa.errors import InputError, InversaError


def assert_input_error(call: Callable[[], Any], field: str, *shown: str) -> InputError:
    with pytest.raises(InversaError) as info:
        call()
    err = info.value
    assert isinstance(err, InputError)
    assert isinstance(err, ValueError)  # callers may also catch ValueError
    assert err.field == field
    message = str(err)
    assert message.startswith(f"{field}="), message
    for text in shown:
        assert text in message, f"{text!r} not in {message!r}"
    return err


# -- zero, negative, NaN and infinite prices and sizes ---------------------------------
BAD = ["0", "-5", "NaN", "Infinity", "-Infinity"]
OK = {"n": "1000", "p": "20000", "cv": "100", "lev": "10", "mmr": "0.005", "rate": "0.0001"}

# name -> (field, call(value, conv)) where ``conv`` turns a literal into the number type
Case = Callable[[Any, Callable[[str], Any]], Any]
PRICE_CASES: dict[str, tuple[str, Case]] = {
    "position_value.price": ("price", lambda v, c: position_value(c("1000"), v, c("100"))),
    "inverse_pnl.entry": ("entry", lambda v, c: inverse_pnl(1, c("1000"), v, c("20000"), c("1"))),
    "inverse_pnl.exit": ("exit", lambda v, c: inverse_pnl(-1, c("1000"), c("20000"), v, c("1"))),
    "trading_fee.price": ("price", lambda v, c: trading_fee(c("1"), v, c("100"), c("0.0005"))),
    "funding_payment.mark": (
        "mark",
        lambda v, c: funding_payment(1, c("10"), c("100"), v, c("0.0001")),
    ),
    "bybit.entry": (
        "entry",
        lambda v, c: bybit_isolated_prices(1, v, c("10"), c("0.005"), c("1"), c("1")),
    ),
    "generic.entry": (
        "entry",
        lambda v, c: generic_prices(1, v, c("1"), c("100"), c("1"), mmr=c("0.005")),
    ),
    "binance.legs[0].entry": (
        "legs[0].entry",
        lambda v, c: binance_coinm_prices([Leg(1, c("100"), v, c("0.004"))], c("1"), c("100")),
    ),
    "harmonic_entry.fills[1].price": (
        "fills[1].price",
        lambda v, c: harmonic_entry([c("1"), c("2")], [c("5000"), v]),
    ),
    "perpetual_fair_price.index": (
        "index",
        lambda v, c: perpetual_fair_price(v, c("0.0001"), c("2"), c("8")),
    ),
    "carry_forward.spot": ("spot", lambda v, c: carry_forward(v, c("0.05"), c("30"))),
}
SIZE_CASES: dict[str, tuple[str, Case]] = {
    "position_value.contracts": ("contracts", lambda v, c: position_value(v, c("100"), c("1"))),
    "inverse_pnl.contracts": (
        "contracts",
        lambda v, c: inverse_pnl(1, v, c("100"), c("110"), c("1")),
    ),
    "trading_fee.contracts": ("contracts", lambda v, c: trading_fee(v, c("100"), c("1"), c("0"))),
    "funding_payment.contracts": (
        "contracts",
        lambda v, c: funding_payment(-1, v, c("1"), c("100"), c("0.0001")),
    ),
    "bybit.contracts": (
        "contracts",
        lambda v, c: bybit_isolated_prices(-1, c("100"), c("10"), c("0.005"), v, c("1")),
    ),
    "generic.contracts": (
        "contracts",
        lambda v, c: generic_prices(-1, c("100"), v, c("1"), c("1"), mmr=c("0.005")),
    ),
    "binance.legs[0].contracts": (
        "legs[0].contracts",
        lambda v, c: binance_coinm_prices([Leg(-1, v, c("100"), c("0.004"))], c("1"), c("1")),
    ),
    "harmonic_entry.fills[0].contracts": (
        "fills[0].contracts",
        lambda v, c: harmonic_entry([v, c("2")], [c("5000"), c("6000")]),
    ),
}
CASES = {**PRICE_CASES, **SIZE_CASES}


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("case", list(CASES))
def test_bad_price_or_size_decimal(case: str, bad: str) -> None:
    field, call = CASES[case]
    value = Decimal(bad)
    assert_input_error(lambda: call(value, Decimal), field, repr(value))


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("case", list(CASES))
def test_bad_price_or_size_array(case: str, bad: str) -> None:
    """The bad element sits at index 1 of a 3-element array; the message names it."""
    field, call = CASES[case]

    def conv(x: str) -> np.ndarray:
        return np.full(3, float(x))

    values = np.array([100.0, float(bad), 100.0])
    assert_input_error(lambda: call(values, conv), field, str(float(bad)), "index 1")


# -- leverage below 1 -------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["0.99", "0", "-10", "NaN", "Infinity"])
def test_leverage_below_one_decimal(bad: str) -> None:
    lev = Decimal(bad)
    assert_input_error(lambda: initial_margin(Decimal(1), leverage=lev), "leverage", repr(lev))
    assert_input_error(
        lambda: bybit_isolated_prices(
            1, Decimal(100), lev, Decimal("0.005"), Decimal(1), Decimal(1)
        ),
        "leverage",
        repr(lev),
    )


@pytest.mark.parametrize("bad", ["0.99", "0", "-10", "NaN"])
def test_leverage_below_one_array(bad: str) -> None:
    lev = np.array([10.0, 1.0, float(bad)])
    ones = np.ones(3)
    shown = (str(float(bad)), "index 2")
    assert_input_error(lambda: initial_margin(ones, leverage=lev), "leverage", *shown)
    assert_input_error(
        lambda: bybit_isolated_prices(1, ones * 100, lev, ones * 0.005, ones, ones),
        "leverage",
        *shown,
    )


def test_margin_needs_exactly_one_of_leverage_and_imr() -> None:
    assert_input_error(lambda: initial_margin(Decimal(1)), "leverage/imr")
    assert_input_error(
        lambda: initial_margin(Decimal(1), leverage=Decimal(2), imr=Decimal("0.5")),
        "leverage/imr",
        "Decimal('2')",
        "Decimal('0.5')",
    )


def test_negative_position_value_for_margin() -> None:
    assert_input_error(
        lambda: maintenance_margin(Decimal(-1), Decimal("0.01")), "value", "Decimal('-1')"
    )


# -- tier tables ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "field", "shown"),
    [
        ("20:0.01,10:0.02", "tiers[1].upper", "Decimal('10')"),  # bounds fall
        ("10:0.01,10:0.02", "tiers[1].upper", "Decimal('10')"),  # bounds repeat
        ("0:0.01", "tiers[0].upper", "Decimal('0')"),  # first bound not > 0
        ("-5:0.01", "tiers[0].upper", "Decimal('-5')"),
        ("NaN:0.01", "tiers[0].upper", "Decimal('NaN')"),
        ("10:0.02,20:0.01", "tiers[1].mmr", "Decimal('0.01')"),  # rates fall
        ("10:-0.01", "tiers[0].mmr", "Decimal('-0.01')"),
        ("10:1.5", "tiers[0].mmr", "Decimal('1.5')"),
        ("10:NaN", "tiers[0].mmr", "Decimal('NaN')"),
        ("10-0.01", "tiers", "'10-0.01'"),  # malformed item
        ("10:0.01,20", "tiers", "'20'"),
        ("abc:0.01", "tiers", "'abc:0.01'"),
        ("10:", "tiers", "'10:'"),
    ],
)
def test_bad_tier_table(text: str, field: str, shown: str) -> None:
    assert_input_error(lambda: TierTable.parse(text), field, shown)


def test_tier_table_lengths_differ() -> None:
    assert_input_error(
        lambda: TierTable((Decimal(10), Decimal(20)), (Decimal("0.01"),)), "tiers", "2 bounds"
    )


def test_value_beyond_a_closed_table() -> None:
    table = TierTable.parse("10:0.01,20:0.02")
    assert_input_error(
        lambda: maintenance_margin(Decimal(25), tiers=table), "value", "Decimal('25')"
    )
    assert_input_error(
        lambda: maintenance_margin(np.array([5.0, 25.0]), tiers=table), "value", "25.0"
    )


# -- sides, fills -----------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["flat", "", "up", 0, 2, -2, 0.5, True, None])
def test_bad_side(bad: object) -> None:
    assert_input_error(lambda: parse_side(bad), "side", repr(bad))


@pytest.mark.parametrize(
    ("good", "side"), [("long", 1), ("BUY", 1), (" short ", -1), ("sell", -1), (1, 1), (-1, -1)]
)
def test_good_side(good: object, side: int) -> None:
    assert parse_side(good) == side


@pytest.mark.parametrize(
    ("text", "field", "shown"),
    [
        ("1000", "fills", "'1000'"),  # no price
        ("x@5", "fills", "'x@5'"),  # not a number
        ("0@5000", "fills", "'0@5000'"),  # zero contracts
        ("@5000", "fills", "'@5000'"),
        ("1000@", "fills", "'1000@'"),
        ("1000@0", "fills.price", "Decimal('0')"),
        ("1000@-5", "fills.price", "Decimal('-5')"),
        ("1000@nan", "fills.price", "Decimal('NaN')"),
    ],
)
def test_bad_fill(text: str, field: str, shown: str) -> None:
    assert_input_error(lambda: Fill.parse(text), field, shown)


def test_good_fills() -> None:
    assert Fill.parse("1000@5000") == Fill(Decimal(1000), Decimal(5000))
    assert Fill.parse(" -500 @ 6000.5 ") == Fill(Decimal(-500), Decimal("6000.5"))


def test_empty_fills() -> None:
    assert_input_error(lambda: harmonic_entry([], []), "fills", "[]")


# -- other domain checks ----------------------------------------------------------------
def test_bad_model_options() -> None:
    one = Decimal(1)
    assert_input_error(
        lambda: bybit_isolated_prices(1, one, one, one / 100, one, one, mm_at="index"),
        "mm_at",
        "'index'",
    )
    assert_input_error(
        lambda: round_to_tick(Decimal(100), Decimal(0), "up"), "tick", "Decimal('0')"
    )
    assert_input_error(
        lambda: round_to_tick(Decimal(100), Decimal("0.5"), "sideways"), "mode", "'sideways'"
    )
    assert_input_error(lambda: generic_prices(1, one * 100, one, one, one), "mmr", "None")
    assert_input_error(
        lambda: generic_prices(
            1, one * 100, one, one, one, mmr=one / 100, tiers=TierTable.parse("inf:0.01")
        ),
        "mmr",
        "Decimal('0.01')",
    )
    assert_input_error(lambda: binance_coinm_prices([], one, one), "legs", "[]")
    assert_input_error(
        lambda: binance_coinm_prices([Leg(0, one, one * 100, one / 100)], one, one),
        "legs[0].side",
        "0",
    )


# -- contract value and wallet balance --------------------------------------------------
def test_contract_value_checked_by_liquidation_models() -> None:
    one = Decimal(1)
    for bad in BAD:
        cv = Decimal(bad)
        assert_input_error(
            lambda cv=cv: bybit_isolated_prices(1, one * 100, one * 10, one / 200, one, cv),
            "contract_value",
            repr(cv),
        )
        assert_input_error(
            lambda cv=cv: generic_prices(1, one * 100, one, cv, one, mmr=one / 200),
            "contract_value",
            repr(cv),
        )


CV_CALLS: dict[str, Callable[[Any], Any]] = {
    "position_value": lambda cv: position_value(Decimal(1000), Decimal(20000), cv),
    "inverse_pnl": lambda cv: inverse_pnl(1, Decimal(1000), Decimal(20000), Decimal(21000), cv),
    "trading_fee": lambda cv: trading_fee(Decimal(1000), Decimal(20000), cv, Decimal("0.0005")),
    "funding_payment": lambda cv: funding_payment(
        1, Decimal(1000), cv, Decimal(20000), Decimal("0.0001")
    ),
}


@pytest.mark.parametrize("function", list(CV_CALLS))
def test_contract_value_checked_by_value_pnl_fee_funding(function: str) -> None:
    """Regression (fixed in 9ae4935): these accepted any contract value, e.g.
    position_value(1000, 20000, Decimal(-1)) == Decimal('-0.05') with no error."""
    for bad in BAD:
        cv = Decimal(bad)
        assert_input_error(lambda cv=cv: CV_CALLS[function](cv), "contract_value", repr(cv))


@pytest.mark.parametrize("bad", ["-1", "NaN", "Infinity"])
def test_binance_wallet_balance_checked(bad: str) -> None:
    """Regression (fixed in 9ae4935): Infinity/NaN leaked decimal.InvalidOperation and a
    wallet of -1 BTC under a long (already below MM) gave L = B = Infinity, 'never
    liquidated'.  Expected: InputError naming wallet_balance."""
    wallet = Decimal(bad)
    leg = Leg(1, Decimal(100), Decimal(25000), Decimal("0.004"), Decimal(0))
    assert_input_error(
        lambda: binance_coinm_prices([leg], wallet, Decimal(100)), "wallet_balance", repr(wallet)
    )
