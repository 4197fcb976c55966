"""The contract each hedge leg trades: a :class:`inversa.venues.Instrument`, resolved.

A leg trades one :class:`~inversa.venues.Instrument` (the one instrument type of the
project): a venue's (:func:`venue_instrument`), a generic contract given only by its
contract value (:func:`generic_inverse`, or the generic linear fallback of
:func:`linear_alternative`), or the default one: the first inverse perpetual
``ASSET/USD:ASSET`` found on the venues in :data:`DEFAULT_VENUE_ORDER`
(:func:`default_instrument`).  The asset a contract follows is ``inst.spec.base``.

A generic contract is an ``Instrument.custom`` on venue :data:`GENERIC_VENUE`: the
``generic`` liquidation model, a flat maintenance rate :data:`DEFAULT_MMR`, no leverage
cap, lot 1 and the fee it is given.  The few planner questions a rule file may leave
open (no margin model, no initial rate) are answered here, once:
:func:`maintenance_rate`, :func:`initial_rate_or_none`; a fee or lot the file does not
source takes the engine's default (:func:`inversa.engine.terms.fee_rate`, ``contract_lot``).

Units: ``contract_value`` in USD per contract for inverse contracts, in coin per contract
for linear ones; position values and margin in the settlement coin; rates as fractions.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from inversa.contracts import ContractKind
from inversa.engine.terms import contract_lot, fee_rate
from inversa.errors import InputError, UnknownSymbolError, UnknownVenueError
from inversa.hedging._common import ONE, ZERO
from inversa.venues import FlatMargin, Instrument, list_venues, load_venue

__all__ = [
    "DEFAULT_MMR",
    "DEFAULT_VENUE_ORDER",
    "GENERIC_VENUE",
    "contract_size",
    "default_instrument",
    "describe",
    "generic_inverse",
    "initial_rate_or_none",
    "instrument_label",
    "is_generic",
    "linear_alternative",
    "maintenance_rate",
    "round_to_lot",
    "venue_instrument",
    "venue_of",
]

#: Venues tried, in order, for an asset's default inverse perpetual (1 USD contracts
#: first: the finest rounding).  Venues without a rule set are skipped.
DEFAULT_VENUE_ORDER = ("bybit", "binance-coinm", "okx", "bitmex", "deribit")

#: Maintenance rate assumed for a generic contract given only by its contract value
#: (the base rate of Bybit's and BitMEX's BTC inverse perpetuals).
DEFAULT_MMR = Decimal("0.005")

#: The ``venue`` of a generic contract (no rule set behind it).
GENERIC_VENUE = "generic"


def _generic(
    asset: str, kind: ContractKind, settle: str, contract_value: Decimal, taker: Decimal
) -> Instrument:
    quote = "USD" if kind is ContractKind.INVERSE else settle
    return Instrument.custom(
        f"{asset}/{quote}:{settle}",
        contract_value,
        FlatMargin(DEFAULT_MMR),
        kind=kind,
        settle=settle,
        base=asset,
        lot=ONE,
        taker=taker,
        max_leverage=None,
        liquidation_model="generic",
        venue=GENERIC_VENUE,
    )


def is_generic(inst: Instrument) -> bool:
    """True for a generic contract (no venue rule set behind it)."""
    return inst.venue == GENERIC_VENUE


def venue_of(inst: Instrument | None) -> str | None:
    """The venue rule set a contract comes from; ``None`` for none or a generic one."""
    return None if inst is None or is_generic(inst) else inst.venue


def contract_size(inst: Instrument) -> str:
    """One contract in words: ``"100 USD"`` (inverse: USD per contract) or ``"1 ETH"``
    (linear: coins per contract)."""
    unit = "USD" if inst.kind is ContractKind.INVERSE else inst.spec.base
    return f"{inst.contract_value.normalize():f} {unit}"


def instrument_label(inst: Instrument) -> str:
    """``venue:symbol``, or for a generic contract its description, e.g.
    ``"generic inverse (100 USD/contract)"``, ``"generic linear (1 ETH/contract)"``."""
    if not is_generic(inst):
        return inst.label
    return f"generic {inst.kind.value} ({contract_size(inst)}/contract)"


def round_to_lot(inst: Instrument, contracts: Decimal) -> Decimal:
    """``contracts`` (signed, unrounded) rounded half-even to a whole number of lots."""
    lot = contract_lot(inst)
    return (contracts / lot).to_integral_value(rounding=ROUND_HALF_EVEN) * lot


def maintenance_rate(inst: Instrument, value: Decimal) -> tuple[Decimal, Decimal]:
    """(MMR, cum) at position value ``value`` (settlement coin); a contract whose rule
    file sources no margin model is given the flat :data:`DEFAULT_MMR`."""
    if inst.margin is None:
        return DEFAULT_MMR, ZERO
    return inst.maintenance_rate_and_cum(value)


def initial_rate_or_none(inst: Instrument, value: Decimal) -> Decimal | None:
    """The venue's lowest initial-margin rate at ``value``; ``None`` when the venue gives
    none (no margin model and no leverage cap, or a model that needs an absent cap)."""
    if inst.margin is None:
        return None if inst.max_leverage is None else 1 / inst.max_leverage
    try:
        return inst.initial_rate(value)
    except InputError:
        return None


def generic_inverse(asset: str, contract_value: Decimal, taker: Decimal = ZERO) -> Instrument:
    """An inverse contract ``ASSET/USD:ASSET`` of ``contract_value`` USD settled in
    ``asset``, lot 1, on venue :data:`GENERIC_VENUE`.

    Fee ``taker`` (0 unless given), maintenance rate :data:`DEFAULT_MMR`, the ``generic``
    liquidation model, no leverage cap.
    """
    if not (contract_value.is_finite() and contract_value > 0):
        raise InputError(f"contract_values.{asset}", contract_value, "must be > 0")
    return _generic(asset, ContractKind.INVERSE, asset, contract_value, taker)


def venue_instrument(asset: str, choice: str) -> Instrument:
    """The instrument named by ``choice``: ``"venue"`` (its ``ASSET/USD:ASSET`` inverse
    perpetual) or ``"venue:symbol"`` (a ccxt symbol or venue id).

    Raises UnknownVenueError / UnknownSymbolError, or InputError when the contract is on
    another coin or is a quanto contract (not supported by the planner).
    """
    venue_name, _, symbol = choice.partition(":")
    venue = load_venue(venue_name)
    inst = venue.instrument(symbol or f"{asset}/USD:{asset}")
    if inst.spec.base.upper() != asset:
        raise InputError(
            f"venues.{asset}", choice, f"{inst.symbol} follows {inst.spec.base}, not {asset}"
        )
    if inst.spec.kind is ContractKind.QUANTO:
        raise InputError(f"venues.{asset}", choice, "quanto contracts are not planned here")
    return inst


def default_instrument(asset: str) -> Instrument | None:
    """The first inverse perpetual ``ASSET/USD:ASSET`` on the venues of
    :data:`DEFAULT_VENUE_ORDER` that have a rule set; ``None`` if there is none."""
    known = set(list_venues())
    for name in DEFAULT_VENUE_ORDER:
        if name not in known:
            continue
        try:
            found = venue_instrument(asset, name)
        except (UnknownSymbolError, UnknownVenueError, InputError):
            continue
        if found.kind is ContractKind.INVERSE and found.is_perpetual:
            return found
    return None


def linear_alternative(asset: str, like: Instrument | None) -> Instrument:
    """A linear USDT-margined perpetual on ``asset``, offered when a coin wallet is short.

    Uses the venue's ``ASSET/USDT:USDT`` when its rule set lists one; otherwise a generic
    linear contract of 1 coin per contract with the fee of ``like`` (the inverse contract
    it replaces), an assumption the plan reports.
    """
    venue = venue_of(like)
    if venue is not None:
        try:
            inst = load_venue(venue).instrument(f"{asset}/USDT:USDT")
        except (UnknownSymbolError, UnknownVenueError, InputError):
            inst = None
        if inst is not None and inst.kind is ContractKind.LINEAR:
            return inst
    taker = fee_rate(like, "taker") if like is not None else ZERO
    return _generic(asset, ContractKind.LINEAR, "USDT", ONE, taker)


def describe(instrument: Instrument | None) -> dict[str, Any]:
    """A plain dict of an instrument for reports (``{}`` for none; a generic contract
    has ``venue`` and ``symbol`` ``None``)."""
    if instrument is None:
        return {}
    venue = venue_of(instrument)
    return {
        "instrument": instrument_label(instrument),
        "venue": venue,
        "symbol": None if venue is None else instrument.symbol,
        "kind": instrument.kind.value,
        "settle": instrument.settle,
        "contract_value": instrument.contract_value,
        "lot": contract_lot(instrument),
        "taker": fee_rate(instrument, "taker"),
    }
