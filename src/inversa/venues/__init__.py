"""Venue rule sets as data: contract terms, fees, margin, funding, rounding, liquidation.

Each venue is a TOML file under ``inversa/venues/rules/`` in which every number carries a
source (URL, as-of date, note), a status when it is unconfirmed or inferred, and the
figures other sources publish for it (``alternatives``).  Files are read lazily, on first
use, and cached.  ccxt market data is read through :func:`ccxt_contract_value` (BitMEX's
``contractSize`` is a multiplier, not a contract value).

Units: contract values in USD per contract, position values in the settlement coin,
rates (fees, margin, funding) as fractions, leverage as a multiple, hours in UTC.

>>> venue, inst = resolve("XBTUSD")
>>> venue.name, inst.symbol, inst.contract_value
('bitmex', 'BTC/USD:BTC', Decimal('1'))
"""

from inversa.venues._ccxt import ccxt_contract_value
from inversa.venues._margin import (
    CurveMargin,
    FlatMargin,
    LinearMargin,
    Margin,
    RiskStepMargin,
    TieredMargin,
)
from inversa.venues._model import (
    ACCRUALS,
    CAP_RULES,
    FUNDING_MODELS,
    STATUSES,
    Alternative,
    DatedTemplate,
    Funding,
    Instrument,
    Rounding,
    Source,
    Sourced,
    Venue,
)
from inversa.venues._reader import RuleFileError, load_rules_file
from inversa.venues._registry import list_venues, load_venue, resolve, venue_table
from inversa.venues._sheet import (
    InstrumentSheet,
    NumberRow,
    TierRow,
    VenueSheet,
    VenueSummary,
    venue_sheet,
    venue_summaries,
)
from inversa.venues._symbols import ExpiryRule

__all__ = [
    "ACCRUALS",
    "CAP_RULES",
    "FUNDING_MODELS",
    "STATUSES",
    "Alternative",
    "CurveMargin",
    "DatedTemplate",
    "ExpiryRule",
    "FlatMargin",
    "Funding",
    "Instrument",
    "InstrumentSheet",
    "LinearMargin",
    "Margin",
    "NumberRow",
    "RiskStepMargin",
    "Rounding",
    "RuleFileError",
    "Source",
    "Sourced",
    "TierRow",
    "TieredMargin",
    "Venue",
    "VenueSheet",
    "VenueSummary",
    "ccxt_contract_value",
    "list_venues",
    "load_rules_file",
    "load_venue",
    "resolve",
    "venue_sheet",
    "venue_summaries",
    "venue_table",
]
