"""The bundled rule files: listing, lazy cached loading, cross-venue lookup.

Nothing is read at import; each venue's file is parsed on first use and cached.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from inversa.errors import InputError, UnknownSymbolError, UnknownVenueError
from inversa.venues._model import Instrument, Venue
from inversa.venues._reader import RuleFileError, parse_rules

__all__ = ["list_venues", "load_venue", "resolve", "venue_table"]

_RULES = "rules"


@cache
def _rule_files() -> dict[str, Any]:
    folder = resources.files(__package__).joinpath(_RULES)
    return {
        entry.name.removesuffix(".toml"): entry
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }


def list_venues() -> list[str]:
    """Names of the bundled venue rule sets, sorted."""
    return sorted(_rule_files())


def _canonical(name: str) -> str:
    """Exact name (any case), or the one rule set whose name starts ``<name>-``."""
    key = name.strip().lower()
    known = list_venues()
    if key in known:
        return key
    matches = [v for v in known if v.split("-")[0] == key]
    if len(matches) == 1:
        return matches[0]
    raise UnknownVenueError(name, known)


def load_venue(name: str) -> Venue:
    """The rule set of venue ``name`` (``"binance"`` means ``"binance-coinm"``)."""
    return _load(_canonical(name))


@cache
def _load(name: str) -> Venue:
    entry = _rule_files()[name]
    origin = f"{_RULES}/{entry.name}"
    venue = parse_rules(entry.read_text(encoding="utf-8"), origin)
    if venue.name != name:
        raise RuleFileError(origin, "name", f"{venue.name!r} differs from the file name {name!r}")
    return venue


def resolve(symbol: str, venue: str | None = None) -> tuple[Venue, Instrument]:
    """Find an instrument by ccxt symbol or venue id, on one venue or across all.

    Without ``venue`` the symbol must name an instrument on exactly one venue:
    ``"XBTUSD"`` resolves to BitMEX, ``"BTC/USD:BTC"`` is ambiguous (InputError listing
    the candidate venues); nothing found raises UnknownSymbolError.
    """
    if venue is not None:
        found = load_venue(venue)
        return found, found.instrument(symbol)
    hits: list[tuple[Venue, Instrument]] = []
    known: list[str] = []
    rejected: list[InputError] = []
    for name in list_venues():
        candidate = load_venue(name)
        try:
            hits.append((candidate, candidate.instrument(symbol)))
        except UnknownSymbolError:
            known += [f"{name}:{s}" for s in candidate.symbols()]
        except InputError as exc:  # a dated symbol whose date this venue does not list
            rejected.append(exc)
    if len(hits) == 1:
        return hits[0]
    if hits:
        names = ", ".join(v.name for v, _ in hits)
        raise InputError("symbol", symbol, f"ambiguous: found on {names}; pass venue=")
    if rejected:
        raise rejected[0]
    raise UnknownSymbolError("any venue", symbol, known)


def venue_table() -> list[dict[str, Any]]:
    """One row per venue for the README: instruments, models and the as-of date."""
    rows: list[dict[str, Any]] = []
    for name in list_venues():
        venue = load_venue(name)
        rows.append(
            {
                "venue": venue.name,
                "instruments": _unique(
                    [i.symbol for i in venue.instruments]
                    + [t.symbol_pattern for t in venue.templates]
                ),
                "venue_ids": _unique(
                    [a for i in venue.instruments for a in i.aliases[:1]]
                    + [a for t in venue.templates for a in t.alias_patterns[:1]]
                ),
                "liquidation_model": venue.liquidation_model,
                "funding_model": venue.funding.model,
                "as_of": venue.as_of.isoformat(),
            }
        )
    return rows


def _unique(items: list[str]) -> list[str]:
    """``items`` without repeats, first occurrence kept (weekly and monthly families
    share a symbol pattern)."""
    return list(dict.fromkeys(items))
