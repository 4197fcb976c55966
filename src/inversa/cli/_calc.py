"""Shared pieces of ``inversa calc``: option aliases, venue defaults, one-line output.

Every calculator kind takes explicit parameters, or ``--venue``/``--symbol`` to fill them
from a venue rule set (explicit flags win): :func:`rules_for` looks them up and
:func:`num` picks "the flag, else the venue's value, else an error naming the flag".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from inversa import contracts as c
from inversa import domain as d
from inversa.cli._options import (
    CONTRACT_VALUE,
    CONTRACTS,
    Json,
    Symbol,
    Venue,
    number,
    text,
    with_options,
)
from inversa.errors import InputError
from inversa.report import key_value_table, print_json, print_tables

__all__ = [
    "COIN",
    "PRICE",
    "RATE",
    "USD",
    "Calc",
    "ContractValue",
    "Contracts",
    "Rules",
    "calc_options",
    "emit",
    "first",
    "leverage_of",
    "num",
    "rules_for",
    "side_of",
]

D = Decimal | None
Contracts = Annotated[D, number(CONTRACTS, "Contract count.")]
ContractValue = Annotated[D, number(CONTRACT_VALUE, "Contract value, USD per contract.")]
Price = Annotated[D, number(d.PRICE, "Price, USD per coin.")]
Entry = Annotated[D, number(d.PRICE, "Average entry price, USD per coin.")]
Exit = Annotated[D, number(d.PRICE, "Exit price, USD per coin.")]
Mark = Annotated[D, number(d.PRICE, "Mark price, USD per coin.")]
Index = Annotated[D, number(d.PRICE, "Index (spot) price, USD per coin.")]
ImpactBid = Annotated[D, number(d.PRICE, "Impact bid price, USD per coin.")]
ImpactAsk = Annotated[D, number(d.PRICE, "Impact ask price, USD per coin.")]
Leverage = Annotated[D, number(d.LEVERAGE, "Leverage: initial margin is value / leverage.")]
Imr = Annotated[D, number(d.RATE, "Initial margin rate, a fraction.")]
Mmr = Annotated[D, number(d.RATE, "Maintenance margin rate, a fraction.")]
MaintenanceAmount = Annotated[
    D, number(d.AMOUNT, "Maintenance amount (deduction, cum) of the bracket, coin.")
]
Coin = Annotated[D, number(d.AMOUNT, "Coin amount.")]
FeeRate = Annotated[D, number(d.FEE_RATE, "Fee rate, a fraction (negative: rebate).")]
FundingRate = Annotated[D, number(d.SIGNED_RATE, "Funding rate per interval, a fraction.")]
Hours = Annotated[D, number(d.HOURS, "Hours.")]
Days = Annotated[D, number(d.DAYS, "Days.")]
Tiers = Annotated[
    list[str] | None,
    text("UPPER:RATE tiers by position value in coin, e.g. 10:0.01,20:0.02"),
]
Side = Annotated[str | None, text("long or short")]

COIN = "coin"
USD = "usd"
PRICE = "price"
RATE = "rate"


@dataclass(frozen=True)
class Rules:
    """Parameters a venue rule set supplies to the calculator."""

    contract_value: Decimal | None = None
    maker: Decimal | None = None
    taker: Decimal | None = None
    max_leverage: Decimal | None = None
    tick: Decimal | None = None
    instrument: Any = None
    venue: Any = None


def rules_for(venue: str | None, symbol: str | None) -> Rules:
    if venue is None and symbol is None:
        return Rules()
    from inversa.venues import load_venue, resolve

    if symbol is None:
        assert venue is not None
        return Rules(venue=load_venue(venue))
    ven, inst = resolve(symbol, venue)
    return Rules(
        contract_value=inst.contract_value,
        maker=inst.maker,
        taker=inst.taker,
        max_leverage=inst.max_leverage,
        tick=inst.tick,
        instrument=inst,
        venue=ven,
    )


def num(field: str, given: Decimal | None, fallback: Decimal | None = None) -> Decimal:
    """A required number: the flag, else the venue's value, else an error naming the flag."""
    if given is not None:
        return given
    if fallback is not None:
        return fallback
    raise InputError(field, None, "is required (give the flag or --venue/--symbol)")


def first(*values: Decimal | None) -> Decimal:
    """The first value that is not None (a venue's sourced 0 is a value, not a gap)."""
    for value in values:
        if value is not None:
            return Decimal(value)
    raise InputError("value", None, "no value given")


def leverage_of(given: Decimal | None, rules: Rules, field: str = "leverage") -> Decimal | None:
    if given is None:
        return None
    return c.check_leverage(given, rules.max_leverage, field)


def emit(result: dict[str, Any], as_json: bool, title: str, units: dict[str, str]) -> None:
    """One JSON object (exact Decimals; an infinite price is null), or a quantity table."""
    if as_json:
        print_json(result)
    else:
        print_tables([key_value_table(title, result, units)])


def side_of(text: str | None) -> int:
    if text is None:
        raise InputError("side", None, "is required: long or short")
    return c.parse_side(text)


@dataclass(frozen=True)
class Calc:
    """What a calculator kind is handed by :func:`calc_options`: the venue's defaults
    (``rules``), ``--json``, and the position options it declared (None: not given).

    ``side`` is ``long``/``short``; ``contracts`` a count; ``price``, ``entry`` and
    ``exit`` USD per coin; ``contract_value`` USD per contract.
    """

    rules: Rules
    json: bool
    side: str | None = None
    contracts: Decimal | None = None
    price: Decimal | None = None
    entry: Decimal | None = None
    exit: Decimal | None = None
    contract_value: Decimal | None = None

    def sign(self) -> int:
        """``--side`` as +1 (long) or -1 (short); an error naming ``side`` if missing."""
        return side_of(self.side)

    def need(self, field: str, fallback: Decimal | None = None) -> Decimal:
        """The position option ``field``, else ``fallback``, else an error naming it."""
        return num(field, getattr(self, field), fallback)

    def contract_value_or(self, default: Decimal | None = None) -> Decimal:
        """``--contract-value``, else the venue's, else ``default``, else an error."""
        return num("contract_value", self.contract_value, self.rules.contract_value or default)

    def emit(self, result: dict[str, Any], title: str, units: dict[str, str]) -> None:
        """The result as one JSON object (``--json``) or a quantity table."""
        emit(result, self.json, title, units)


#: Each shared position option, declared once (help text, unit, domain).
_POSITION: dict[str, Any] = {
    "side": Side,
    "contracts": Contracts,
    "price": Price,
    "entry": Entry,
    "exit": Exit,
    "contract_value": ContractValue,
}


def calc_options(*position: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--venue``, ``--symbol``, ``--json`` and the named ``position`` options (keys of
    :class:`Calc`, e.g. ``"side", "contracts"``) of a calculator kind: the command lists
    only its own options and gets one ``calc`` (:class:`Calc`, venue defaults looked up
    once)."""
    options: dict[str, tuple[Any, Any]] = {name: (_POSITION[name], None) for name in position}
    options |= {"venue": (Venue, None), "symbol": (Symbol, None), "json": (Json, False)}

    def combine(values: dict[str, Any]) -> dict[str, Any]:
        rules = rules_for(values.pop("venue"), values.pop("symbol"))
        return {"calc": Calc(rules, **values)}

    return with_options(options, combine, ("calc",), first=True)
