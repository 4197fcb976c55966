"""A venue's rule set as typed rows: every number with its unit, source, as-of date,
status, and the figures other sources publish for it.

This is what ``inversa venues list`` and ``inversa venues show`` render; it reads the
loaded :class:`~inversa.venues._model.Venue` only (no I/O of its own).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from inversa.venues._margin import TieredMargin
from inversa.venues._model import Alternative, Instrument, Source, Sourced, Venue
from inversa.venues._registry import list_venues, load_venue

__all__ = [
    "InstrumentSheet",
    "NumberRow",
    "TierRow",
    "VenueSheet",
    "VenueSummary",
    "venue_sheet",
    "venue_summaries",
]

#: Unit of a number, by the last part of its field name (``"coin"``: the settlement coin).
_UNITS = {
    "contract_value": "USD/contract",
    "tick": "USD/coin",
    "lot": "contracts",
    "max_leverage": "x",
    "upper": "coin",
    "base_limit": "coin",
    "step": "coin",
    "slope": "fraction/coin",
    "interval_hours": "hours",
    "times_utc": "UTC hours",
    "hour_utc": "UTC hour",
    "months": "months",
}


def unit_of(field_name: str) -> str:
    """The unit of a sourced number: ``"fraction"`` for every rate, else from :data:`_UNITS`."""
    last = re.sub(r"\[\d+\]", "", field_name.rsplit(".", 1)[-1])
    return _UNITS.get(last, "fraction")


@dataclass(frozen=True, slots=True)
class NumberRow:
    """One sourced number.

    Attributes:
        where: ``"venue"`` or the instrument's symbol (a pattern for a dated family).
        field: the number's name, e.g. ``"taker"``, ``"margin.tiers[1].mmr"``.
        value: the number (a tuple for hours and months); ``None`` for a method source.
        unit: ``"fraction"`` (rates: 0.0005 = 0.05 %), ``"USD/coin"``, ``"coin"``, ...
        source: the :class:`Source` (id, URL, as-of date, ``undated``).
        status: ``"published"``, ``"unconfirmed"``, ``"inferred"`` or ``"derived"``.
        note: the remark on the value ('' when none).
        alternatives: other sources' figures for the same number (a disagreement).
    """

    where: str
    field: str
    value: Decimal | tuple[Decimal, ...] | None
    unit: str
    source: Source
    status: str
    note: str
    alternatives: tuple[Alternative, ...]

    @property
    def flagged(self) -> bool:
        """True when the number is not simply published as written, or is disputed."""
        return self.status in ("unconfirmed", "inferred") or bool(self.alternatives)


@dataclass(frozen=True, slots=True)
class TierRow:
    """One margin tier: position values up to ``upper`` (coin) pay ``mmr`` on their slice;
    ``cum`` (coin) is derived; ``status`` is the tier's rate's status."""

    upper: Decimal
    mmr: Decimal
    cum: Decimal
    max_leverage: Decimal | None
    status: str


@dataclass(frozen=True, slots=True)
class InstrumentSheet:
    """One instrument or dated family: its ids, terms and tier table."""

    symbol: str
    aliases: tuple[str, ...]
    settle: str
    expiry: str
    contract_value: Decimal
    tick: Decimal | None
    lot: Decimal | None
    max_leverage: Decimal | None
    maker: Decimal | None
    taker: Decimal | None
    tiers: tuple[TierRow, ...]


@dataclass(frozen=True, slots=True)
class VenueSheet:
    """Everything ``inversa venues show`` prints for one venue."""

    name: str
    display_name: str
    liquidation_model: str
    default_margin_mode: str
    funding_model: str
    funding_accrual: str
    as_of: date
    origin: str
    instruments: tuple[InstrumentSheet, ...]
    numbers: tuple[NumberRow, ...]
    sources: tuple[Source, ...]
    notes: tuple[tuple[str, str], ...]

    @property
    def disputed(self) -> tuple[NumberRow, ...]:
        return tuple(row for row in self.numbers if row.alternatives)

    @property
    def unconfirmed(self) -> tuple[NumberRow, ...]:
        return tuple(r for r in self.numbers if r.status in ("unconfirmed", "inferred"))


@dataclass(frozen=True, slots=True)
class VenueSummary:
    """One line of ``inversa venues list``."""

    name: str
    display_name: str
    venue_ids: tuple[str, ...]
    liquidation_model: str
    funding_model: str
    numbers: int
    unconfirmed: int
    inferred: int
    disputed: int
    as_of: date


def _status(sourced: Sourced) -> str:
    return sourced.status or "published"


def _rows(where: str, provenance: Mapping[str, Sourced]) -> list[NumberRow]:
    out: list[NumberRow] = []
    for field_name, sourced in provenance.items():
        out.append(
            NumberRow(
                where=where,
                field=field_name,
                value=sourced.value,
                unit="" if sourced.value is None else unit_of(field_name),
                source=sourced.source,
                status=_status(sourced),
                note=sourced.note or "",
                alternatives=sourced.alternatives,
            )
        )
    return out


def _tiers(inst: Instrument) -> tuple[TierRow, ...]:
    if not isinstance(inst.margin, TieredMargin):
        return ()
    rows = []
    for i, tier in enumerate(inst.margin.table.tiers):
        sourced = inst.provenance.get(f"margin.tiers[{i}].mmr")
        status = _status(sourced) if sourced is not None else "published"
        rows.append(TierRow(tier.upper, tier.mmr, tier.cum, tier.max_leverage, status))
    return tuple(rows)


def _sheet(inst: Instrument, expiry: str) -> InstrumentSheet:
    return InstrumentSheet(
        symbol=inst.symbol,
        aliases=inst.aliases,
        settle=inst.spec.settle,
        expiry=expiry,
        contract_value=inst.contract_value,
        tick=inst.tick,
        lot=inst.lot,
        max_leverage=inst.max_leverage,
        maker=inst.maker,
        taker=inst.taker,
        tiers=_tiers(inst),
    )


def _instruments(venue: Venue, symbol: str | None) -> list[tuple[Instrument, str]]:
    if symbol is not None:
        inst = venue.instrument(symbol)
        when = "perpetual" if inst.spec.expiry is None else f"{inst.spec.expiry:%Y-%m-%d %H:%M} UTC"
        return [(inst, when)]
    out = [(inst, "perpetual") for inst in venue.instruments]
    out += [(tpl.prototype, tpl.rule.describe()) for tpl in venue.templates]
    return out


def venue_sheet(name: str, symbol: str | None = None) -> VenueSheet:
    """The rule set of venue ``name`` as rows; ``symbol`` (ccxt symbol, venue id or a
    dated symbol) keeps one instrument and the venue-level numbers.

    Raises UnknownVenueError / UnknownSymbolError, or InputError for a dated symbol whose
    date is not an expiry.
    """
    venue = load_venue(name)
    chosen = _instruments(venue, symbol)
    numbers = _rows("venue", venue.provenance)
    for inst, _ in chosen:
        numbers += _rows(inst.symbol, inst.provenance)
    used = {row.source.id for row in numbers} | {
        a.source.id for row in numbers for a in row.alternatives
    }
    if venue.rounding is not None:
        used.add(venue.rounding.source.id)
    notes = list(venue.notes.items())
    if venue.funding.note:
        notes.insert(0, ("funding", venue.funding.note))
    if venue.rounding is not None:
        r = venue.rounding
        notes.insert(
            0,
            (
                "rounding",
                f"bankruptcy price of a long rounded {r.bankruptcy_long}, of a short "
                f"{r.bankruptcy_short}, to the instrument's {r.increment} ({r.source.id})",
            ),
        )
    return VenueSheet(
        name=venue.name,
        display_name=venue.display_name,
        liquidation_model=venue.liquidation_model,
        default_margin_mode=venue.default_margin_mode,
        funding_model=venue.funding.model,
        funding_accrual=venue.funding.accrual,
        as_of=venue.as_of,
        origin=venue.origin,
        instruments=tuple(_sheet(inst, when) for inst, when in chosen),
        numbers=tuple(numbers),
        sources=tuple(s for s in venue.sources.values() if s.id in used),
        notes=tuple(notes),
    )


def venue_summaries() -> list[VenueSummary]:
    """One summary per bundled venue, sorted by name."""
    out: list[VenueSummary] = []
    for name in list_venues():
        sheet = venue_sheet(name)
        statuses = [row.status for row in sheet.numbers]
        ids = [a for inst in sheet.instruments for a in inst.aliases[:1]]
        out.append(
            VenueSummary(
                name=sheet.name,
                display_name=sheet.display_name,
                venue_ids=tuple(dict.fromkeys(ids)),
                liquidation_model=sheet.liquidation_model,
                funding_model=sheet.funding_model,
                numbers=sum(row.value is not None for row in sheet.numbers),
                unconfirmed=statuses.count("unconfirmed"),
                inferred=statuses.count("inferred"),
                disputed=len(sheet.disputed),
                as_of=sheet.as_of,
            )
        )
    return out
