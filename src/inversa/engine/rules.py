"""The rules the simulated venue applies to one instrument, as a small frozen object.

The engine never reads venue files itself: it is built from :class:`InstrumentRules`,
which :meth:`InstrumentRules.from_venue` fills from :mod:`inversa.venues` and tests build
by hand.  Units: ``contract_value`` in USD per contract, prices in USD per coin, fee
and margin rates as fractions, position values and margins in the settlement coin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

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
    maintenance_margin,
    position_value,
    trading_fee,
)
from inversa.engine._dec import ZERO, exact, to_decimal
from inversa.errors import InputError

__all__ = ["FundingRules", "InstrumentRules", "MaintenanceCurve", "MmValuation"]

#: ``value_coin -> (maintenance rate, maintenance amount "cum" in coin)``.
MaintenanceCurve = Callable[[Decimal], tuple[Decimal, Decimal]]
#: Where maintenance margin is valued: at the mark (Binance, OKX, Bybit UTA B) or at the
#: average entry (Bybit classic, Bybit UTA A).
MmValuation = Literal["mark", "entry"]

_ENTRY_MODELS = frozenset({"bybit-classic", "bybit-uta-a"})


def _parse_time(value: object) -> time:
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24:
        return time(value)
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip().removesuffix("Z"))
        except ValueError:
            pass
    raise InputError("funding.times_utc", value, "expected an hour 0-23, 'HH:MM' or a time")


@dataclass(frozen=True, slots=True)
class FundingRules:
    """How a perpetual's funding rate is set and when it settles.

    Attributes:
        model: ``"clamp"`` (BitMEX/Bybit/Binance ``P + clamp(I - P, -c, c)``),
            ``"deribit"`` (dead band, no interest) or ``"none"`` (a dated future).
        interval_hours: the interval a rate is quoted for (8).
        interest: interest rate per interval (clamp model), 0.0001 = 0.01 %.
        clamp: half-width of the clamp around ``I - P`` (clamp model).
        cap: optional cap on ``|F|``.
        dead_band: Deribit's dead band (0.00025 when ``None``).
        times_utc: the settlement times of day (UTC); empty means every
            ``interval_hours`` from 00:00 UTC.
        continuous: funding accrues continuously (Deribit); drivers then settle it at
            every bar with :func:`~inversa.contracts.funding_accrual`.
    """

    model: Literal["clamp", "deribit", "none"] = "clamp"
    interval_hours: Decimal = Decimal(8)
    interest: Decimal = Decimal("0.0001")
    clamp: Decimal | None = Decimal("0.0005")
    cap: Decimal | None = None
    dead_band: Decimal | None = None
    times_utc: tuple[time, ...] = ()
    continuous: bool = False

    def __post_init__(self) -> None:
        if self.model not in ("clamp", "deribit", "none"):
            raise InputError("funding.model", self.model, "must be 'clamp', 'deribit' or 'none'")
        hours = to_decimal("funding.interval_hours", self.interval_hours, positive=True)
        object.__setattr__(self, "interval_hours", hours)
        for name in ("interest", "clamp", "cap", "dead_band"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, to_decimal(f"funding.{name}", value))
        object.__setattr__(self, "times_utc", tuple(_parse_time(t) for t in self.times_utc))

    def rate(self, premium: Decimal) -> Decimal:
        """Funding rate per interval for a premium index ``premium`` (fraction)."""
        with exact():
            if self.model == "clamp":
                return clamp_funding_rate(premium, self.interest, self.clamp, self.cap)
            if self.model == "deribit":
                return deribit_funding_rate(premium, self.dead_band, self.cap)
            return ZERO

    def settlement_times(self, start: datetime, end: datetime) -> list[datetime]:
        """Funding timestamps ``t`` with ``start < t <= end`` (UTC), in order."""
        if self.model == "none" or end <= start:
            return []
        if self.times_utc:
            times = sorted(self.times_utc)
        else:
            step = float(self.interval_hours)
            times = []
            hour = 0.0
            while hour < 24:
                times.append((datetime.min + timedelta(hours=hour)).time())
                hour += step
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
class InstrumentRules:
    """One instrument as the engine trades it: the contract terms of a
    :class:`inversa.venues.Instrument` resolved into the numbers the engine books.

    Build it from a venue instrument with :meth:`from_instrument` (or :meth:`from_venue`);
    tests build it by hand.  ``kind`` selects the contract maths: **inverse** (values,
    PnL, margin, fees and funding in the base coin, harmonic average entry) or **linear**
    (all of them in the quote currency, e.g. USD/USDT, arithmetic average entry).

    Attributes:
        symbol: the engine's name for the instrument, e.g. ``"BTC/USD:BTC"``.
        contract_value: USD per contract (inverse) or coin per contract (linear).
        maintenance: a :class:`~inversa.contracts.TierTable` (deduction form) or a
            callable ``value_coin -> (rate, cum)`` (BitMEX risk steps, Deribit linear).
        settle: the settlement and margin coin.
        maker, taker: fee rates (negative maker = rebate).
        tick: price increment (limit prices must lie on it; ``None`` = any price).
        lot: contract increment.
        max_leverage: the highest leverage a position may be set to.
        initial: optional ``value_coin -> minimum initial rate`` (tiered leverage caps).
        funding: the funding rules (:class:`FundingRules`).
        mm_at: maintenance margin valued at the mark or at the entry price.
        venue: the venue the rules came from, for reports.
        kind: :class:`~inversa.contracts.ContractKind` ``INVERSE`` (default) or ``LINEAR``.
    """

    symbol: str
    contract_value: Decimal
    maintenance: TierTable | MaintenanceCurve
    settle: str = "BTC"
    maker: Decimal = ZERO
    taker: Decimal = ZERO
    tick: Decimal | None = None
    lot: Decimal = Decimal(1)
    max_leverage: Decimal = Decimal(100)
    initial: Callable[[Decimal], Decimal] | None = None
    funding: FundingRules = FundingRules()
    mm_at: MmValuation = "mark"
    venue: str | None = None
    kind: ContractKind = ContractKind.INVERSE

    def __post_init__(self) -> None:
        try:
            kind = ContractKind(self.kind)
        except ValueError:
            raise InputError("kind", self.kind, "must be 'inverse' or 'linear'") from None
        if kind is ContractKind.QUANTO:
            raise InputError("kind", self.kind, "the engine trades inverse and linear contracts")
        object.__setattr__(self, "kind", kind)
        if not self.symbol:
            raise InputError("symbol", self.symbol, "must not be empty")
        for name in ("contract_value", "lot", "max_leverage"):
            object.__setattr__(self, name, to_decimal(name, getattr(self, name), positive=True))
        for name in ("maker", "taker"):
            object.__setattr__(self, name, to_decimal(name, getattr(self, name)))
        if self.tick is not None:
            object.__setattr__(self, "tick", to_decimal("tick", self.tick, positive=True))
        if not (isinstance(self.maintenance, TierTable) or callable(self.maintenance)):
            raise InputError(
                "maintenance", self.maintenance, "must be a TierTable or value -> (rate, cum)"
            )
        if self.max_leverage < 1:
            raise InputError("max_leverage", self.max_leverage, "must be >= 1")
        if self.mm_at not in ("mark", "entry"):
            raise InputError("mm_at", self.mm_at, "must be 'mark' or 'entry'")

    # -- contract maths (one formula each, from inversa.contracts) ------------------------

    @property
    def linear(self) -> bool:
        """True for a linear (quote-settled) contract."""
        return self.kind is ContractKind.LINEAR

    @property
    def spec(self) -> ContractSpec:
        """The contract terms as a :class:`~inversa.contracts.ContractSpec`."""
        return ContractSpec(
            self.kind,
            self.contract_value,
            quote="USD" if not self.linear else self.settle,
            settle=self.settle,
            tick=self.tick,
            lot=self.lot,
        )

    def value(self, contracts: Decimal, price: Decimal) -> Decimal:
        """Value of ``contracts`` at ``price`` in the settlement currency: ``N*CV/P``
        (inverse, coin) or ``N*CV*P`` (linear, USD)."""
        if self.kind is ContractKind.LINEAR:
            return linear_value(contracts, price, self.contract_value)
        return position_value(contracts, price, self.contract_value)

    def contracts_for(self, value: Decimal, price: Decimal) -> Decimal:
        """Contracts (unrounded) worth ``value`` in the settlement currency at ``price``."""
        if self.kind is ContractKind.LINEAR:
            return value / (price * self.contract_value)
        return value * price / self.contract_value

    def pnl(
        self, side: Decimal | int, contracts: Decimal, entry: Decimal, exit: Decimal
    ) -> Decimal:
        """PnL of ``side`` ``contracts`` from ``entry`` to ``exit``, settlement currency."""
        if self.kind is ContractKind.LINEAR:
            return linear_pnl(side, contracts, entry, exit, self.contract_value)
        return inverse_pnl(side, contracts, entry, exit, self.contract_value)

    def fee(self, contracts: Decimal, price: Decimal, rate: Decimal) -> Decimal:
        """Trading fee (paid; negative: rebate) of a fill, settlement currency."""
        if self.kind is ContractKind.LINEAR:
            return linear_fee(contracts, price, self.contract_value, rate)
        return trading_fee(contracts, price, self.contract_value, rate)

    def funding_payment(
        self, side: Decimal | int, contracts: Decimal, mark: Decimal, rate: Decimal
    ) -> Decimal:
        """Funding received by the holder at ``mark`` for ``rate`` (settlement currency)."""
        if self.kind is ContractKind.LINEAR:
            return linear_funding_payment(side, contracts, self.contract_value, mark, rate)
        return funding_payment(side, contracts, self.contract_value, mark, rate)

    def apply_fill(self, position: PositionState, fill: Fill) -> FillResult:
        """The position after ``fill`` (harmonic entry inverse, arithmetic linear)."""
        if self.kind is ContractKind.LINEAR:
            return apply_linear_fill(position, fill, self.contract_value)
        return apply_fill(position, fill, self.contract_value)

    # -- margin ---------------------------------------------------------------------------

    @property
    def tiers(self) -> TierTable | None:
        """The tier table when maintenance is given as one (partial liquidation needs it)."""
        return self.maintenance if isinstance(self.maintenance, TierTable) else None

    def maintenance_rate_and_cum(self, value: Decimal) -> tuple[Decimal, Decimal]:
        """(MMR, cum) of the bracket holding position value ``value`` (coin)."""
        if isinstance(self.maintenance, TierTable):
            return self.maintenance.rate_and_cum(value)
        rate, cum = self.maintenance(value)
        return to_decimal("maintenance.rate", rate), to_decimal("maintenance.cum", cum)

    def maintenance_margin(self, value: Decimal) -> Decimal:
        """Maintenance margin in coin of a position worth ``value`` coin."""
        with exact():
            if isinstance(self.maintenance, TierTable):
                return maintenance_margin(value, tiers=self.maintenance)
            rate, cum = self.maintenance_rate_and_cum(value)
            return maintenance_margin(value, rate, cum=cum)

    def initial_rate(self, value: Decimal, leverage: Decimal) -> Decimal:
        """Initial margin rate for a position worth ``value`` coin at ``leverage``.

        ``1 / leverage``, raised to the tier's minimum (``1 / tier max leverage`` or the
        ``initial`` curve) where that is higher.
        """
        with exact():
            rate = 1 / leverage
            table = self.tiers
            if table is not None and table.max_leverage is not None:
                cap = table.tiers[table.index(value)].max_leverage
                if cap is not None and 1 / cap > rate:
                    rate = 1 / cap
            if self.initial is not None:
                floor = to_decimal("initial_rate", self.initial(value))
                if floor > rate:
                    rate = floor
            return rate

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_instrument(
        cls, inst: Any, *, liquidation_model: str | None = None, **overrides: Any
    ) -> InstrumentRules:
        """The engine's rules for a :class:`inversa.venues.Instrument` (inverse or linear).

        ``liquidation_model`` (the venue's, e.g. ``"bybit-classic"``) decides whether
        maintenance is valued at the entry; ``overrides`` replace fields (e.g. ``maker``,
        ``taker`` where the rule file has no sourced fee, ``maintenance`` where it has no
        margin model).  Fees not sourced are taken as 0; a missing margin model or leverage
        cap raises :class:`~inversa.errors.InputError` unless overridden.
        """
        from inversa.venues import Instrument, TieredMargin

        if not isinstance(inst, Instrument):
            raise InputError("instrument", inst, "must be an inversa.venues.Instrument")
        fields: dict[str, Any] = {
            "symbol": inst.symbol,
            "contract_value": inst.contract_value,
            "settle": inst.spec.settle,
            "kind": inst.spec.kind,
            "maker": ZERO if inst.maker is None else inst.maker,
            "taker": ZERO if inst.taker is None else inst.taker,
            "tick": inst.tick,
            "lot": Decimal(1) if inst.lot is None else inst.lot,
            "funding": _funding_from_venue(inst.funding)
            if inst.is_perpetual
            else FundingRules(model="none"),
            "mm_at": "entry" if liquidation_model in _ENTRY_MODELS else "mark",
            "venue": inst.venue,
        }
        if inst.margin is not None:
            margin = inst.margin
            fields["maintenance"] = (
                margin.table if isinstance(margin, TieredMargin) else inst.maintenance_rate_and_cum
            )
            if inst.max_leverage is not None:
                fields["initial"] = inst.initial_rate
        if inst.max_leverage is not None:
            fields["max_leverage"] = inst.max_leverage
        fields.update(overrides)
        for name in ("maintenance", "max_leverage"):
            if name not in fields:
                raise InputError(
                    name,
                    None,
                    f"{inst.venue} {inst.symbol}: not sourced in the rule file (no margin "
                    f"model); pass {name}=",
                )
        return cls(**fields)

    @classmethod
    def from_venue(cls, venue: str, symbol: str, **overrides: Any) -> InstrumentRules:
        """Rules of ``symbol`` (ccxt symbol or venue id) on ``venue`` from
        :mod:`inversa.venues` (:meth:`from_instrument` with the venue's liquidation model
        and funding rule).  Unknown names raise :class:`~inversa.errors.UnknownVenueError` /
        :class:`~inversa.errors.UnknownSymbolError`.
        """
        from dataclasses import replace as _replace

        from inversa.venues import load_venue

        rule_set = load_venue(venue)
        inst = rule_set.instrument(symbol)
        if inst.is_perpetual and inst.funding is None:
            inst = _replace(inst, funding=rule_set.funding)
        return cls.from_instrument(inst, liquidation_model=rule_set.liquidation_model, **overrides)


def _optional(field: str, value: object) -> Decimal | None:
    return None if value is None else to_decimal(field, value)


def _funding_from_venue(funding: Any) -> FundingRules:
    """Map an :class:`inversa.venues.Funding` onto :class:`FundingRules`."""
    if funding is None:
        return FundingRules(model="none")
    model = str(funding.model).lower()
    if model not in ("clamp", "deribit"):
        raise InputError("funding.model", funding.model, "the engine knows 'clamp' and 'deribit'")
    return FundingRules(
        model="deribit" if model == "deribit" else "clamp",
        interval_hours=to_decimal("funding.interval_hours", funding.interval_hours),
        interest=ZERO if funding.interest is None else to_decimal("interest", funding.interest),
        clamp=_optional("funding.clamp", funding.clamp),
        cap=_optional("funding.cap", funding.cap),
        dead_band=_optional("funding.dead_band", funding.dead_band),
        times_utc=tuple(funding.times_utc),
        continuous=str(funding.accrual).lower() == "continuous",
    )
