"""The typed, read-only objects a venue rule file turns into.

Units: contract values in USD per contract, position values in the settlement coin,
rates (fees, margin, funding) as fractions (``0.0005`` = 0.05 %), leverage as a multiple,
hours in UTC.  Every number is a :class:`~decimal.Decimal` and carries a :class:`Source`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from inversa.contracts.spec import ContractSpec
from inversa.errors import InputError, InversaError, UnknownSymbolError
from inversa.venues._margin import Margin
from inversa.venues._symbols import ExpiryRule, format_symbol, match_symbol

__all__ = [
    "CAP_RULES",
    "STATUSES",
    "Alternative",
    "DatedTemplate",
    "Funding",
    "Instrument",
    "Rounding",
    "Source",
    "Sourced",
    "Venue",
]


#: How sure a number is, beyond its source: ``"unconfirmed"`` (the source could not be
#: read in full, e.g. a page cut off before its table) or ``"inferred"`` (reconstructed
#: to reproduce published anchors, not published as such).  A number without a status is
#: stated by its source as written.
STATUSES = ("unconfirmed", "inferred")

#: Funding caps tied to the margin rates (see :func:`inversa.contracts.margin_funding_cap`):
#: ``"mmr-multiple"``: ``|F| <= k * MMR``; ``"im-minus-mm"``: ``|F| <= k * (IMR - MMR)``.
CAP_RULES = ("mmr-multiple", "im-minus-mm")


def _empty() -> Mapping[str, Sourced]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Source:
    """Where a number comes from: a page or API snapshot and the date it describes.

    ``as_of`` is the page or snapshot date the reference states; when it states none
    (``undated``), the date of the stored snapshot it names (the ``note`` then says so).
    """

    id: str
    url: str
    as_of: date
    note: str = ""
    undated: bool = False


@dataclass(frozen=True, slots=True)
class Alternative:
    """The same number as another source publishes it, not the one used.

    The ``note`` says what the other figure is; the used number's own note says why it
    was preferred.
    """

    value: Decimal
    source: Source
    note: str


@dataclass(frozen=True, slots=True)
class Sourced:
    """The provenance of one number: its value, source, remark, status and alternatives.

    Attributes:
        source: where the number comes from.
        note: remark on the value (older values, derivations, why it was chosen).
        value: the number as read (a Decimal, or a tuple for lists of hours or months);
            ``None`` for a table-level source (e.g. a margin method).
        status: ``None`` when the source states the number as written, else one of
            :data:`STATUSES`, or ``"derived"`` for a number the reader computes from
            sourced ones (a funding cap from its rule; never written in a file).
        alternatives: the same number as other sources publish it (a disagreement).
    """

    source: Source
    note: str | None = None
    value: Decimal | tuple[Decimal, ...] | None = None
    status: str | None = None
    alternatives: tuple[Alternative, ...] = ()

    @property
    def disputed(self) -> bool:
        """True when another source publishes a different figure."""
        return bool(self.alternatives)


@dataclass(frozen=True, slots=True)
class Funding:
    """A perpetual's funding rule.

    Attributes:
        model: ``"clamp"``: ``F = P + clamp(I - P, -clamp, +clamp)`` then, if ``cap`` is
            set, ``clamp(F, -cap, +cap)``; ``"deribit"``: no interest,
            ``F = max(dead_band, P) + min(-dead_band, P)`` capped by ``cap``.
        interval_hours: hours one quoted rate covers (8 everywhere here).
        accrual: ``"discrete"`` (paid at ``times_utc``) or ``"continuous"`` (Deribit).
        interest: interest component ``I`` per interval, fraction (clamp model).
        clamp: half-width of the clamp around ``I``, fraction (clamp model).
        cap: absolute cap on the rate, fraction; ``None`` when not sourced.  With a
            ``cap_rule`` and its ``cap_factor`` it is derived per instrument from the
            instrument's base margin rates.
        dead_band: half-width of the dead band, fraction (Deribit model).
        times_utc: funding hours in UTC; empty when unknown or continuous.
        note: remarks (premium-index definition, caps not encoded, ...).
        cap_rule: how the venue ties the cap to margin (one of :data:`CAP_RULES`), or
            ``None``.
        cap_factor: the ``k`` of ``cap_rule`` (a fraction, 0.75 = 75 %); ``None`` when the
            rule is known but its constant is not sourced (then no cap is applied).
    """

    model: str
    interval_hours: Decimal
    accrual: str
    interest: Decimal | None = None
    clamp: Decimal | None = None
    cap: Decimal | None = None
    dead_band: Decimal | None = None
    times_utc: tuple[int, ...] = ()
    note: str = ""
    cap_rule: str | None = None
    cap_factor: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Rounding:
    """A venue's published rounding of the bankruptcy price to its price increment.

    ``bankruptcy_long`` / ``bankruptcy_short`` are ``"up"`` or ``"down"``; ``increment``
    names the grid (``"tick"``: the instrument's tick, USD).
    """

    bankruptcy_long: str
    bankruptcy_short: str
    increment: str
    source: Source


def _to_decimal(field_name: str, value: Decimal | int | str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InputError(field_name, value, "give a Decimal, an int or a numeric string")
    try:
        out = Decimal(value)
    except ArithmeticError:
        raise InputError(field_name, value, "not a number") from None
    return out


@dataclass(frozen=True, slots=True)
class Instrument:
    """One tradable contract of a venue, with provenance for every number.

    Attributes:
        venue: the venue's rule-set name.
        symbol: ccxt unified symbol, e.g. ``"BTC/USD:BTC"`` or ``"BTC/USD:BTC-250627"``.
        aliases: the venue's own ids, e.g. ``("XBTUSD",)``.
        spec: contract terms (kind, USD per contract, coins, expiry, tick, lot).
        max_leverage: the instrument's leverage cap (multiple), ``None`` if not sourced.
        maker, taker: fee rates, fractions of the traded value; negative is a rebate.
        liquidation_fee: fee rate charged on liquidation, fraction, if sourced.
        margin: the maintenance/initial margin model, ``None`` if not sourced.
        funding: the funding rule (perpetuals only).
        provenance: sourced field name -> :class:`Sourced`.
    """

    venue: str
    symbol: str
    aliases: tuple[str, ...]
    spec: ContractSpec
    max_leverage: Decimal | None = None
    maker: Decimal | None = None
    taker: Decimal | None = None
    liquidation_fee: Decimal | None = None
    margin: Margin | None = None
    funding: Funding | None = None
    provenance: Mapping[str, Sourced] = field(default_factory=_empty, compare=False, repr=False)

    @property
    def contract_value(self) -> Decimal:
        """USD per contract (inverse)."""
        return self.spec.contract_value

    @property
    def tick(self) -> Decimal | None:
        """Price increment, USD per coin."""
        return self.spec.tick

    @property
    def lot(self) -> Decimal | None:
        """Contract-count increment."""
        return self.spec.lot

    @property
    def is_perpetual(self) -> bool:
        return self.spec.expiry is None

    def _margin(self) -> Margin:
        if self.margin is None:
            raise InversaError(
                f"{self.venue} {self.symbol}: no margin model is sourced for this instrument"
            )
        return self.margin

    def initial_rate(self, value_coin: Decimal | int | str) -> Decimal:
        """Lowest initial-margin rate (fraction) allowed at position value ``value_coin``."""
        value = _to_decimal("value_coin", value_coin)
        return self._margin().initial_rate(value, self.max_leverage)

    def maintenance_rate_and_cum(self, value_coin: Decimal | int | str) -> tuple[Decimal, Decimal]:
        """(MMR fraction, deduction ``cum`` in coin) at position value ``value_coin``.

        Maintenance margin is then ``value_coin * mmr - cum`` (coin).
        """
        value = _to_decimal("value_coin", value_coin)
        return self._margin().maintenance_rate_and_cum(value)

    def sourced_fields(self) -> list[str]:
        """Names of the fields that carry a source, e.g. ``"tick"``, ``"margin.step"``."""
        return sorted(self.provenance)

    def source(self, field_name: str) -> Source:
        """The :class:`Source` of one number, by field name (see :meth:`sourced_fields`)."""
        return self._provenance(field_name).source

    def note(self, field_name: str) -> str | None:
        """The remark recorded on one value (older values, derivations), if any."""
        return self._provenance(field_name).note

    def sourced(self, field_name: str) -> Sourced:
        """The full provenance of one number: value, source, note, status, alternatives."""
        return self._provenance(field_name)

    def _provenance(self, field_name: str) -> Sourced:
        try:
            return self.provenance[field_name]
        except KeyError:
            known = ", ".join(self.sourced_fields())
            raise InputError(
                "field", field_name, f"no sourced value on {self.symbol} (sourced: {known})"
            ) from None


@dataclass(frozen=True, slots=True)
class DatedTemplate:
    """A family of dated futures: one set of terms and an expiry rule.

    ``prototype`` holds the terms (its symbol is the pattern, its expiry ``None``);
    ``symbol_pattern`` and ``alias_patterns`` use the tokens of
    :mod:`inversa.venues._symbols` (``{YYMMDD}``, ``{DMMMYY}``, ``{MYY}``).
    """

    symbol_pattern: str
    alias_patterns: tuple[str, ...]
    rule: ExpiryRule
    prototype: Instrument

    @property
    def patterns(self) -> tuple[str, ...]:
        return (self.symbol_pattern, *self.alias_patterns)

    def match(self, symbol: str) -> date | None:
        """The date ``symbol`` names if it has this family's shape, else ``None``; the
        date is not checked against :attr:`rule` (see :meth:`parse`)."""
        for pattern in self.patterns:
            matched = match_symbol(pattern, symbol, self.rule)
            if matched is not None:
                return matched
        return None

    def parse(self, symbol: str) -> date | None:
        """The expiry date named by ``symbol`` if it has this family's shape, else ``None``.

        Raises InputError when the shape matches but the date is impossible or is not an
        expiry under :attr:`rule`.
        """
        matched = self.match(symbol)
        if matched is not None and not self.rule.is_expiry(matched):
            raise InputError(
                "symbol",
                symbol,
                f"{matched.isoformat()} is not an expiry on {self.prototype.venue}: "
                f"{self.rule.describe()}",
            )
        return matched

    def instantiate(self, expiry: date) -> Instrument:
        """The instrument expiring on ``expiry`` (UTC, at the rule's settlement hour)."""
        spec = replace(self.prototype.spec, expiry=self.rule.expiry_datetime(expiry))
        return replace(
            self.prototype,
            symbol=format_symbol(self.symbol_pattern, expiry),
            aliases=tuple(format_symbol(p, expiry) for p in self.alias_patterns),
            spec=spec,
        )


@dataclass(frozen=True, slots=True)
class Venue:
    """A venue's rule set: funding, rounding, liquidation model and instruments.

    Look instruments up with :meth:`instrument` (ccxt symbol or venue id, any case; dated
    symbols resolve from :attr:`templates`).
    """

    name: str
    display_name: str
    liquidation_model: str
    default_margin_mode: str
    funding: Funding
    rounding: Rounding | None
    instruments: tuple[Instrument, ...]
    templates: tuple[DatedTemplate, ...]
    sources: Mapping[str, Source] = field(compare=False, repr=False)
    notes: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    provenance: Mapping[str, Sourced] = field(default_factory=_empty, compare=False, repr=False)
    origin: str = field(default="", compare=False, repr=False)
    _index: Mapping[str, Instrument] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, Instrument] = {}
        for inst in self.instruments:
            for key in (inst.symbol, *inst.aliases):
                index[key.upper()] = inst
        object.__setattr__(self, "_index", MappingProxyType(index))

    @property
    def as_of(self) -> date:
        """The newest ``as_of`` among the venue's sources."""
        return max(s.as_of for s in self.sources.values())

    def symbols(self) -> list[str]:
        """Listed symbols, their venue ids and the dated-symbol patterns."""
        out: list[str] = []
        for inst in self.instruments:
            out += [inst.symbol, *inst.aliases]
        for tpl in self.templates:
            out += [p for p in tpl.patterns if p not in out]
        return out

    def instrument(self, symbol: str) -> Instrument:
        """The instrument for a ccxt symbol or venue id (case-insensitive).

        Raises UnknownSymbolError listing the known symbols, or InputError when a dated
        symbol names a date that is not an expiry.
        """
        key = symbol.strip().upper()
        found = self._index.get(key)
        if found is not None:
            return found
        rejected: list[tuple[DatedTemplate, date]] = []
        for tpl in self.templates:  # families may share a shape (weeklies vs monthlies)
            day = tpl.match(key)
            if day is not None:
                if tpl.rule.is_expiry(day):
                    return tpl.instantiate(day)
                rejected.append((tpl, day))
        if rejected:
            rules = "; or ".join(tpl.rule.describe() for tpl, _ in rejected)
            raise InputError(
                "symbol",
                symbol,
                f"{rejected[0][1].isoformat()} is not an expiry on {self.name}: {rules}",
            )
        raise UnknownSymbolError(self.name, symbol, self.symbols())

    def source(self, field_name: str) -> Source:
        """The :class:`Source` of a venue-level number, e.g. ``"funding.interest"``."""
        return self.sourced(field_name).source

    def sourced(self, field_name: str) -> Sourced:
        """The full provenance of a venue-level number (see :class:`Sourced`)."""
        try:
            return self.provenance[field_name]
        except KeyError:
            known = ", ".join(sorted(self.provenance))
            raise InputError(
                "field", field_name, f"no sourced value on venue {self.name} (sourced: {known})"
            ) from None
