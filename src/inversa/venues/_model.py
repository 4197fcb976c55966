"""The typed, read-only objects a venue rule file turns into.

Units: contract values in USD per contract, position values in the settlement coin,
rates (fees, margin, funding) as fractions (``0.0005`` = 0.05 %), leverage as a multiple,
hours in UTC.  Every number is a :class:`~decimal.Decimal` and carries a :class:`Source`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, localcontext
from types import MappingProxyType

from inversa.contracts import (
    ContractKind,
    ContractSpec,
    Fill,
    FillResult,
    PositionState,
    TierTable,
    apply_fill,
    apply_linear_fill,
    clamp_funding_rate,
    deribit_funding_rate,
    funding_payment,
    inverse_pnl,
    linear_fee,
    linear_funding_payment,
    linear_pnl,
    linear_value,
    liquidation_model,
    maintenance_margin,
    position_value,
    trading_fee,
)
from inversa.contracts.liquidation_models import Valuation
from inversa.errors import InputError, InversaError, UnknownSymbolError
from inversa.venues._margin import CurveMargin, Margin, TieredMargin
from inversa.venues._symbols import ExpiryRule, format_symbol, match_symbol

__all__ = [
    "ACCRUALS",
    "CAP_RULES",
    "FUNDING_MODELS",
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

#: Funding-rate formulas (see :class:`Funding`).
FUNDING_MODELS = ("clamp", "deribit")
#: How funding is paid: at the settlement hours, or accrued continuously (Deribit).
ACCRUALS = ("discrete", "continuous")


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
    """A perpetual's funding rule: how the rate is set and when it settles.

    The one funding-rule type: rule files, the engine, the calculators and the token
    configs all use it.  A dated future has none (``Instrument.funding is None``).

    Attributes:
        model: ``"clamp"``: ``F = P + clamp(I - P, -clamp, +clamp)`` then, if ``cap`` is
            set, ``clamp(F, -cap, +cap)``; ``"deribit"``: no interest,
            ``F = max(dead_band, P) + min(-dead_band, P)`` capped by ``cap``.
        interval_hours: hours one quoted rate covers (8 everywhere here).
        accrual: ``"discrete"`` (paid at ``times_utc``) or ``"continuous"`` (Deribit;
            drivers settle it at every bar with :func:`~inversa.contracts.funding_accrual`).
        interest: interest component ``I`` per interval, fraction (clamp model; ``None``
            is 0).  The default is the BitMEX/Bybit/Binance 0.01 % per 8 h.
        clamp: half-width of the clamp around ``I``, fraction (clamp model).
        cap: absolute cap on the rate, fraction; ``None`` when not sourced.  With a
            ``cap_rule`` and its ``cap_factor`` it is derived per instrument from the
            instrument's base margin rates.
        dead_band: half-width of the dead band, fraction (Deribit model; 0.025 % when
            ``None``).
        times_utc: funding hours in UTC (0-23); empty: every ``interval_hours`` from
            00:00 UTC.
        note: remarks (premium-index definition, caps not encoded, ...).
        cap_rule: how the venue ties the cap to margin (one of :data:`CAP_RULES`), or
            ``None``.
        cap_factor: the ``k`` of ``cap_rule`` (a fraction, 0.75 = 75 %); ``None`` when the
            rule is known but its constant is not sourced (then no cap is applied).
    """

    model: str = "clamp"
    interval_hours: Decimal = Decimal(8)
    accrual: str = "discrete"
    interest: Decimal | None = Decimal("0.0001")
    clamp: Decimal | None = Decimal("0.0005")
    cap: Decimal | None = None
    dead_band: Decimal | None = None
    times_utc: tuple[int, ...] = ()
    note: str = ""
    cap_rule: str | None = None
    cap_factor: Decimal | None = None

    def __post_init__(self) -> None:
        if self.model not in FUNDING_MODELS:
            raise InputError("funding.model", self.model, f"must be one of {FUNDING_MODELS}")
        if self.accrual not in ACCRUALS:
            raise InputError("funding.accrual", self.accrual, f"must be one of {ACCRUALS}")
        hours = _to_decimal("funding.interval_hours", self.interval_hours)
        if not (hours.is_finite() and 0 < hours <= 24 * 366):
            raise InputError("funding.interval_hours", hours, "must be > 0 hours (at most a year)")
        object.__setattr__(self, "interval_hours", hours)
        for name in ("interest", "clamp", "cap", "dead_band", "cap_factor"):
            value = getattr(self, name)
            if value is not None:
                number = _to_decimal(f"funding.{name}", value)
                if not (number.is_finite() and abs(number) <= 1):
                    raise InputError(f"funding.{name}", value, "must be a fraction in [-1, 1]")
                object.__setattr__(self, name, number)
        hours_utc = tuple(self.times_utc)
        for hour in hours_utc:
            if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
                raise InputError("funding.times_utc", hour, "must be whole hours 0-23")
        object.__setattr__(self, "times_utc", hours_utc)
        if self.cap_rule is not None and self.cap_rule not in CAP_RULES:
            raise InputError("funding.cap_rule", self.cap_rule, f"must be one of {CAP_RULES}")

    @property
    def continuous(self) -> bool:
        """True when funding accrues continuously (Deribit) rather than at set hours."""
        return self.accrual == "continuous"

    def rate(self, premium: Decimal) -> Decimal:
        """Funding rate per interval (fraction) for a premium index ``premium``."""
        with localcontext(prec=40):
            if self.model == "clamp":
                interest = self.interest if self.interest is not None else _ZERO
                return clamp_funding_rate(premium, interest, self.clamp, self.cap)
            return deribit_funding_rate(premium, self.dead_band, self.cap)

    def settlement_times(self, start: datetime, end: datetime) -> list[datetime]:
        """Funding timestamps ``t`` with ``start < t <= end`` (UTC), in order."""
        if end <= start:
            return []
        if self.times_utc:
            times = [time(h) for h in sorted(set(self.times_utc))]
        else:
            step = timedelta(hours=float(self.interval_hours))
            times, offset = [], timedelta(0)
            while offset < timedelta(days=1):
                times.append((datetime.min + offset).time())
                offset += step
        out: list[datetime] = []
        day = start.astimezone(UTC).date()
        last = end.astimezone(UTC).date()
        while day <= last:
            for t in times:
                stamp = datetime.combine(day, t, tzinfo=UTC)
                if start < stamp <= end:
                    out.append(stamp)
            day += timedelta(days=1)
        return out


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


_ZERO = Decimal(0)


def _optional(field_name: str, value: object) -> Decimal | None:
    return None if value is None else _to_decimal(field_name, value)


def _positive(field_name: str, value: object) -> Decimal:
    out = _to_decimal(field_name, value)
    if not (out.is_finite() and out > 0):
        raise InputError(field_name, value, "must be > 0")
    return out


def _to_decimal(field_name: str, value: object) -> Decimal:
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

    The one instrument type: calculators, the hedge planner, the simulated venue
    (:mod:`inversa.engine`), the token keeper and the sim drivers all take it.  It carries
    the contract maths for its kind (:meth:`value`, :meth:`pnl`, :meth:`fee`,
    :meth:`funding_payment`, :meth:`apply_fill`): **inverse** values, PnL, margin, fees and
    funding in the base coin with a harmonic average entry, **linear** ones in the quote
    currency with an arithmetic average entry.  Build one by hand with :meth:`custom`.

    Attributes:
        venue: the venue's rule-set name.
        symbol: ccxt unified symbol, e.g. ``"BTC/USD:BTC"`` or ``"BTC/USD:BTC-250627"``.
        aliases: the venue's own ids, e.g. ``("XBTUSD",)``.
        spec: contract terms (kind, USD per contract, coins, expiry, tick, lot).
        max_leverage: the instrument's leverage cap (multiple), ``None`` if not sourced.
        maker, taker: fee rates, fractions of the traded value; negative is a rebate.
        liquidation_fee: fee rate charged on liquidation, fraction, if sourced.
        margin: the maintenance/initial margin model, ``None`` if not sourced.
        funding: the funding rule (perpetuals only; ``None``: no funding is paid).
        liquidation_model: the venue's model name in the registry
            (:func:`inversa.contracts.liquidation_model`); it decides whether maintenance
            margin is valued at the entry or at the mark (:attr:`mm_at`).  ``None``: the
            mark.
        provenance: sourced field name -> :class:`Sourced`.
        mm_at: ``"entry"`` or ``"mark"``, from ``liquidation_model`` (not an argument).
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
    liquidation_model: str | None = None
    mm_at: Valuation = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.symbol:
            raise InputError("symbol", self.symbol, "must not be empty")
        for name in ("maker", "taker", "liquidation_fee"):
            value = getattr(self, name)
            if value is not None:
                rate = _to_decimal(name, value)
                if not (rate.is_finite() and abs(rate) < 1):
                    raise InputError(name, value, "must be a fraction in (-1, 1)")
                object.__setattr__(self, name, rate)
        if self.max_leverage is not None:
            cap = _to_decimal("max_leverage", self.max_leverage)
            if not (cap.is_finite() and cap >= 1):
                raise InputError("max_leverage", self.max_leverage, "must be >= 1")
            object.__setattr__(self, "max_leverage", cap)
        valuation: Valuation = "mark"
        if self.liquidation_model is not None:
            valuation = liquidation_model(self.liquidation_model).valuation
        object.__setattr__(self, "mm_at", valuation)

    @classmethod
    def custom(
        cls,
        symbol: str,
        contract_value: Decimal | int | str,
        margin: Margin | TierTable | Callable[[Decimal], tuple[Decimal, Decimal]],
        *,
        kind: ContractKind | str = ContractKind.INVERSE,
        settle: str = "BTC",
        base: str | None = None,
        tick: Decimal | int | str | None = None,
        lot: Decimal | int | str = 1,
        maker: Decimal | int | str | None = None,
        taker: Decimal | int | str | None = None,
        max_leverage: Decimal | int | str | None = 100,
        funding: Funding | None = None,
        liquidation_model: str | None = None,
        venue: str = "custom",
        initial: Callable[[Decimal], Decimal] | None = None,
    ) -> Instrument:
        """An instrument not read from a rule file (tests, what-if studies, configs).

        ``margin`` is a margin model, a :class:`~inversa.contracts.TierTable` (deduction
        form) or a callable ``value_coin -> (MMR, cum)``; ``initial`` optionally gives the
        lowest initial rate for a callable.  ``base`` defaults to the settlement coin of
        an inverse contract (else ``"BTC"``).  No funding unless ``funding`` is given.
        """
        try:
            contract_kind = ContractKind(kind)
        except ValueError:
            raise InputError("kind", kind, "must be 'inverse', 'linear' or 'quanto'") from None
        if isinstance(margin, TierTable):
            margin = TieredMargin(margin)
        elif callable(margin) and not isinstance(margin, CurveMargin):
            margin = CurveMargin(margin, initial)
        if not isinstance(margin, Margin):
            raise InputError("margin", margin, "must be a margin model, a TierTable or a curve")
        spec = ContractSpec(
            contract_kind,
            _to_decimal("contract_value", contract_value),
            base=base or (settle if contract_kind is ContractKind.INVERSE else "BTC"),
            quote="USD" if contract_kind is ContractKind.INVERSE else settle,
            settle=settle,
            tick=None if tick is None else _positive("tick", tick),
            lot=_positive("lot", lot),
        )
        return cls(
            venue,
            symbol,
            (),
            spec,
            max_leverage=_optional("max_leverage", max_leverage),
            maker=_optional("maker", maker),
            taker=_optional("taker", taker),
            margin=margin,
            funding=funding,
            liquidation_model=liquidation_model,
        )

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

    @property
    def kind(self) -> ContractKind:
        return self.spec.kind

    @property
    def linear(self) -> bool:
        """True for a linear (quote-settled) contract."""
        return self.spec.kind is ContractKind.LINEAR

    @property
    def settle(self) -> str:
        """The settlement and margin coin."""
        return self.spec.settle

    @property
    def label(self) -> str:
        """``venue:symbol``."""
        return f"{self.venue}:{self.symbol}"

    # -- contract maths: one formula each, from inversa.contracts --------------------------

    def value(self, contracts: Decimal, price: Decimal) -> Decimal:
        """Value of ``contracts`` at ``price`` in the settlement currency: ``N*CV/P``
        (inverse, coin) or ``N*CV*P`` (linear, quote)."""
        if self.spec.kind is ContractKind.LINEAR:
            return linear_value(contracts, price, self.spec.contract_value)
        return position_value(contracts, price, self.spec.contract_value)

    def contracts_for(self, value: Decimal, price: Decimal) -> Decimal:
        """Contracts (unrounded) worth ``value`` in the settlement currency at ``price``."""
        if self.spec.kind is ContractKind.LINEAR:
            return value / (price * self.spec.contract_value)
        return value * price / self.spec.contract_value

    def usd_per_contract(self, price: Decimal) -> Decimal:
        """USD notional of one contract at ``price``: CV (inverse) or CV * price (linear)."""
        if self.spec.kind is ContractKind.LINEAR:
            return self.spec.contract_value * price
        return self.spec.contract_value

    def pnl(
        self, side: Decimal | int, contracts: Decimal, entry: Decimal, exit: Decimal
    ) -> Decimal:
        """PnL of ``side`` ``contracts`` from ``entry`` to ``exit``, settlement currency."""
        if self.spec.kind is ContractKind.LINEAR:
            return linear_pnl(side, contracts, entry, exit, self.spec.contract_value)
        return inverse_pnl(side, contracts, entry, exit, self.spec.contract_value)

    def fee(self, contracts: Decimal, price: Decimal, rate: Decimal) -> Decimal:
        """Trading fee (paid; negative: rebate) of a fill, settlement currency."""
        if self.spec.kind is ContractKind.LINEAR:
            return linear_fee(contracts, price, self.spec.contract_value, rate)
        return trading_fee(contracts, price, self.spec.contract_value, rate)

    def funding_payment(
        self, side: Decimal | int, contracts: Decimal, mark: Decimal, rate: Decimal
    ) -> Decimal:
        """Funding received by the holder at ``mark`` for ``rate`` (settlement currency)."""
        cv = self.spec.contract_value
        if self.spec.kind is ContractKind.LINEAR:
            return linear_funding_payment(side, contracts, cv, mark, rate)
        return funding_payment(side, contracts, cv, mark, rate)

    def apply_fill(self, position: PositionState, fill: Fill) -> FillResult:
        """The position after ``fill`` (harmonic entry inverse, arithmetic linear)."""
        if self.spec.kind is ContractKind.LINEAR:
            return apply_linear_fill(position, fill, self.spec.contract_value)
        return apply_fill(position, fill, self.spec.contract_value)

    # -- margin ----------------------------------------------------------------------------

    @property
    def tiers(self) -> TierTable | None:
        """The tier table when maintenance is given as one (partial liquidation needs it)."""
        return self.margin.table if isinstance(self.margin, TieredMargin) else None

    def maintenance_margin(self, value_coin: Decimal) -> Decimal:
        """Maintenance margin (settlement currency) of a position worth ``value_coin``."""
        margin = self._margin()
        with localcontext(prec=40):
            if isinstance(margin, TieredMargin):
                return maintenance_margin(value_coin, tiers=margin.table)
            rate, cum = margin.maintenance_rate_and_cum(value_coin)
            return maintenance_margin(value_coin, rate, cum=cum)

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
