"""The engine's reading of a :class:`inversa.venues.Instrument`, and its fill policy.

The engine trades venue instruments as they are: the contract maths (value, PnL, fees,
funding payments, fills), the margin model and the funding rule are the instrument's own
(:mod:`inversa.venues`, formulas from :mod:`inversa.contracts`).  This module holds only
what the engine adds: the defaults it applies where a rule file sources no number (a fee
not sourced is 0, a lot not sourced is 1 contract, a perpetual without a funding rule
is quoted per 8 hours) and :data:`Liquidity`, which fee a fill side pays.

Units: fee rates as fractions, lots in contracts, leverage as a multiple, hours.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from inversa.contracts import ContractKind
from inversa.engine._dec import ZERO
from inversa.errors import InputError
from inversa.venues import Instrument

__all__ = [
    "Liquidity",
    "contract_lot",
    "fee_rate",
    "funding_interval",
    "leverage_cap",
    "tradable",
]

#: Which fee a fill side pays: the instrument's ``maker`` or ``taker`` rate, or none
#: (liquidation and ADL fills, transfers between the engine's own accounts).
Liquidity = Literal["maker", "taker", "none"]

_ONE = Decimal(1)
_EIGHT_HOURS = Decimal(8)


def tradable(item: object) -> Instrument:
    """``item`` if the engine can trade it, else :class:`~inversa.errors.InputError`.

    The engine trades inverse and linear :class:`~inversa.venues.Instrument` objects with
    a margin model and a leverage cap (a rule file that sources neither names the
    instrument but cannot be traded: give them with :meth:`Instrument.custom` or
    :func:`dataclasses.replace`).
    """
    if not isinstance(item, Instrument):
        raise InputError("instruments", item, "must be an inversa.venues.Instrument")
    if item.kind is ContractKind.QUANTO:
        raise InputError("kind", item.kind, "the engine trades inverse and linear contracts")
    for name in ("margin", "max_leverage"):
        if getattr(item, name) is None:
            raise InputError(
                name,
                None,
                f"{item.venue} {item.symbol}: not sourced in the rule file (no margin model); "
                f"give it with dataclasses.replace(instrument, {name}=...)",
            )
    return item


def leverage_cap(inst: Instrument) -> Decimal:
    """The highest leverage (multiple) a position in ``inst`` may be set to."""
    cap = inst.max_leverage
    if cap is None:  # tradable() refuses such instruments
        raise InputError("max_leverage", None, f"{inst.label}: no leverage cap is sourced")
    return cap


def contract_lot(inst: Instrument) -> Decimal:
    """Contract-count increment of ``inst`` (1 contract where the rule file has none)."""
    lot = inst.spec.lot
    return _ONE if lot is None else lot


def fee_rate(inst: Instrument, liquidity: Liquidity) -> Decimal:
    """Fee rate (fraction; negative: rebate) a fill side with ``liquidity`` pays on
    ``inst``; a rate the rule file does not source is 0."""
    if liquidity == "maker":
        rate = inst.maker
    elif liquidity == "taker":
        rate = inst.taker
    else:
        return ZERO
    return ZERO if rate is None else rate


def funding_interval(inst: Instrument) -> Decimal:
    """Hours one quoted funding rate of ``inst`` covers (8 when it has no funding rule)."""
    funding = inst.funding
    return _EIGHT_HOURS if funding is None else funding.interval_hours
