"""The contract each hedge leg trades, resolved from a venue rule set or a contract value.

A :class:`HedgeInstrument` is what the planner needs of one contract: its kind, its
settlement coin, its size, its lot, its fee, its margin rates and the venue's liquidation
model.  It is built from an :class:`inversa.venues.Instrument`
(:func:`venue_instrument`), from a bare contract value (:func:`generic_inverse`), or
chosen by default: the first inverse perpetual ``ASSET/USD:ASSET`` found on the venues
in :data:`DEFAULT_VENUE_ORDER` (:func:`default_instrument`).

Units: ``contract_value`` in USD per contract for inverse contracts, in coin per contract
for linear ones; position values and margin in the settlement coin; rates as fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from inversa.contracts import ContractKind, TierTable, position_value
from inversa.errors import InputError, UnknownSymbolError, UnknownVenueError
from inversa.hedging._common import ONE, ZERO
from inversa.venues import Instrument, TieredMargin, list_venues, load_venue

__all__ = [
    "DEFAULT_MMR",
    "DEFAULT_VENUE_ORDER",
    "HedgeInstrument",
    "default_instrument",
    "describe",
    "generic_inverse",
    "linear_alternative",
    "venue_instrument",
]

#: Venues tried, in order, for an asset's default inverse perpetual (1 USD contracts
#: first: the finest rounding).  Venues without a rule set are skipped.
DEFAULT_VENUE_ORDER = ("bybit", "binance-coinm", "okx", "bitmex", "deribit")

#: Maintenance rate assumed for a generic contract given only by its contract value
#: (the base rate of Bybit's and BitMEX's BTC inverse perpetuals).
DEFAULT_MMR = Decimal("0.005")


@dataclass(frozen=True, slots=True)
class HedgeInstrument:
    """One contract a hedge leg can trade.

    Attributes:
        asset: the coin whose price the contract follows.
        kind: inverse (USD contracts settled in the coin) or linear (coin contracts
            settled in USD(T)).
        settle: the settlement and margin coin (``"BTC"``, ``"USDT"``).
        contract_value: USD per contract (inverse) or coin per contract (linear).
        lot: the contract-count increment orders are rounded to.
        venue, symbol: where it trades; ``None`` for a generic contract.
        taker: taker fee rate (fraction of traded value) used for hedge orders.
        max_leverage: the venue's cap, ``None`` if unknown.
        liquidation_model: a name of :data:`inversa.contracts.LIQUIDATION_MODELS`.
        expiry: UTC expiry of a dated future, ``None`` for a perpetual.
        rules: the venue instrument behind it (margin tiers), ``None`` for a generic one.
        mmr: flat maintenance rate used when ``rules`` has no margin model.
    """

    asset: str
    kind: ContractKind
    settle: str
    contract_value: Decimal
    lot: Decimal = ONE
    venue: str | None = None
    symbol: str | None = None
    taker: Decimal = ZERO
    max_leverage: Decimal | None = None
    liquidation_model: str = "generic"
    expiry: datetime | None = None
    rules: Instrument | None = None
    mmr: Decimal = DEFAULT_MMR

    @property
    def is_inverse(self) -> bool:
        return self.kind is ContractKind.INVERSE

    @property
    def label(self) -> str:
        """``venue:symbol``, or a description of a generic contract."""
        if self.venue is not None:
            return f"{self.venue}:{self.symbol}"
        unit = "USD" if self.is_inverse else self.asset
        return f"generic {self.kind.value} ({_plain(self.contract_value)} {unit}/contract)"

    def usd_per_contract(self, price: Decimal) -> Decimal:
        """USD notional of one contract at ``price``: CV (inverse) or CV * price (linear)."""
        return self.contract_value if self.is_inverse else self.contract_value * price

    def whole_contracts(self, usd: Decimal, price: Decimal) -> Decimal:
        """Signed contract count for a signed USD notional, rounded to the nearest lot."""
        exact = usd / self.usd_per_contract(price)
        lots = (exact / self.lot).to_integral_value(rounding=ROUND_HALF_EVEN)
        return lots * self.lot

    def value_in_settle(self, contracts: Decimal, price: Decimal) -> Decimal:
        """Position value of ``contracts`` (> 0) in the settlement coin at ``price``."""
        if self.is_inverse:
            return position_value(contracts, price, self.contract_value)
        return contracts * self.contract_value * price

    def maintenance(self, value: Decimal) -> tuple[Decimal, Decimal]:
        """(MMR, cum) at position value ``value`` (settlement coin)."""
        if self.rules is not None and self.rules.margin is not None:
            return self.rules.maintenance_rate_and_cum(value)
        return self.mmr, ZERO

    def initial_rate(self, value: Decimal) -> Decimal | None:
        """The venue's lowest initial-margin rate at ``value``, if the venue gives one."""
        if self.rules is not None and self.rules.margin is not None:
            try:
                return self.rules.initial_rate(value)
            except InputError:
                return None
        return None if self.max_leverage is None else 1 / self.max_leverage

    @property
    def tiers(self) -> TierTable | None:
        """The venue's maintenance tier table, when it uses one."""
        margin = None if self.rules is None else self.rules.margin
        return margin.table if isinstance(margin, TieredMargin) else None


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def generic_inverse(asset: str, contract_value: Decimal, taker: Decimal = ZERO) -> HedgeInstrument:
    """An inverse contract of ``contract_value`` USD settled in ``asset``, lot 1.

    No venue: fee ``taker`` (0 unless given), maintenance rate :data:`DEFAULT_MMR`, the
    ``generic`` liquidation model.
    """
    if not (contract_value.is_finite() and contract_value > 0):
        raise InputError(f"contract_values.{asset}", contract_value, "must be > 0")
    return HedgeInstrument(asset, ContractKind.INVERSE, asset, contract_value, taker=taker)


def _from_rules(asset: str, venue_name: str, model: str, inst: Instrument) -> HedgeInstrument:
    spec = inst.spec
    return HedgeInstrument(
        asset=asset,
        kind=spec.kind,
        settle=spec.settle,
        contract_value=spec.contract_value,
        lot=spec.lot if spec.lot is not None else ONE,
        venue=venue_name,
        symbol=inst.symbol,
        taker=inst.taker if inst.taker is not None else ZERO,
        max_leverage=inst.max_leverage,
        liquidation_model=model,
        expiry=spec.expiry,
        rules=inst,
    )


def venue_instrument(asset: str, choice: str) -> HedgeInstrument:
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
    return _from_rules(asset, venue.name, venue.liquidation_model, inst)


def default_instrument(asset: str) -> HedgeInstrument | None:
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
        if found.is_inverse and found.expiry is None:
            return found
    return None


def linear_alternative(asset: str, like: HedgeInstrument | None) -> HedgeInstrument:
    """A linear USDT-margined perpetual on ``asset``, offered when a coin wallet is short.

    Uses the venue's ``ASSET/USDT:USDT`` when its rule set lists one; otherwise a generic
    linear contract of 1 coin per contract with the fee of ``like`` (the inverse contract
    it replaces), an assumption the plan reports.
    """
    if like is not None and like.venue is not None:
        try:
            inst = load_venue(like.venue).instrument(f"{asset}/USDT:USDT")
        except (UnknownSymbolError, UnknownVenueError, InputError):
            inst = None
        if inst is not None and inst.spec.kind is ContractKind.LINEAR:
            venue = load_venue(like.venue)
            return _from_rules(asset, venue.name, venue.liquidation_model, inst)
    taker = like.taker if like is not None else ZERO
    return HedgeInstrument(asset, ContractKind.LINEAR, "USDT", ONE, ONE, taker=taker)


def describe(instrument: HedgeInstrument | None) -> dict[str, Any]:
    """A plain dict of an instrument for reports (``{}`` for none)."""
    if instrument is None:
        return {}
    return {
        "instrument": instrument.label,
        "venue": instrument.venue,
        "symbol": instrument.symbol,
        "kind": instrument.kind.value,
        "settle": instrument.settle,
        "contract_value": instrument.contract_value,
        "lot": instrument.lot,
        "taker": instrument.taker,
    }
