"""Books of inverse positions for the stress tools: from a file, or the synthetic default.

A book file is a CSV with a header, or a TOML file with ``[[positions]]`` tables; one
position (one isolated account) per row with ``side`` (long/short, buy/sell or +1/-1),
``contracts``, ``entry`` (USD per coin) and either ``leverage`` (collateral = initial
margin at entry, ``N*CV/entry/leverage`` coin) or ``collateral`` (coin); optional
``contract_value`` (USD per contract) and ``mmr`` (a fraction) per row (TOML: also at the
top level).  Files are validated by :class:`BookFile` / :class:`BookRow`
(:mod:`inversa.data.config`): unknown keys or columns, extra cells, wrong types and
out-of-range values are refused naming the file, the row (1 = first position) and value.

The **synthetic book**: for each leverage in :data:`SYNTHETIC_LEVERAGES` one long of
20,000 and one short of 10,000 contracts (2M and 1M USD at the default contract value of
100 USD), all entered at the first hourly Binance USD-M BTC mark price (bar open) of a
crash window, collateral = initial margin at entry, flat MMR 0.5 %.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pydantic import field_validator, model_validator

from inversa import contracts as c
from inversa.data.config import ConfigModel, load_csv, load_toml
from inversa.domain import Amount, Contracts, ContractValue, Leverage, Price, Rate
from inversa.errors import DataError, InputError
from inversa.sim.riskbook import RiskBook

__all__ = [
    "SYNTHETIC_LEVERAGES",
    "BookFile",
    "BookRow",
    "load_book",
    "read_book",
    "synthetic_book",
]

#: Leverage levels of the synthetic default book.
SYNTHETIC_LEVERAGES: tuple[float, ...] = (2, 3, 5, 10, 20, 25, 50, 100)
SYNTHETIC_LONG_CONTRACTS = 20_000.0
SYNTHETIC_SHORT_CONTRACTS = 10_000.0

_SIDES = {"long": 1, "buy": 1, "+1": 1, "1": 1, "short": -1, "sell": -1, "-1": -1}


class BookRow(ConfigModel):
    """One position of a book (one isolated account)."""

    side: int
    contracts: Contracts
    entry: Price
    leverage: Leverage | None = None
    collateral: Amount | None = None
    contract_value: ContractValue | None = None
    mmr: Rate | None = None

    @field_validator("side", mode="before")
    @classmethod
    def _side(cls, value: Any) -> int:
        key = str(value).strip().lower() if not isinstance(value, bool) else ""
        if key not in _SIDES:
            raise InputError("side", value, "must be long or short (buy/sell, +1/-1)")
        return _SIDES[key]

    @model_validator(mode="after")
    def _funded_once(self) -> BookRow:
        if (self.leverage is None) == (self.collateral is None):
            raise InputError(
                "leverage", self.leverage, "give exactly one of leverage and collateral"
            )
        return self


class BookFile(ConfigModel):
    """A TOML book: optional defaults, then ``[[positions]]``."""

    contract_value: ContractValue | None = None
    mmr: Rate | None = None
    positions: tuple[BookRow, ...]


def read_book(path: str | Path) -> BookFile:
    """The validated contents of a CSV or TOML book file (see the module notes)."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix == ".toml":
        book = load_toml(file, BookFile)
    elif suffix == ".csv":
        book = BookFile(positions=load_csv(file, BookRow))
    else:
        raise InputError("book", str(path), "must be a .csv or .toml file")
    if not book.positions:
        raise DataError(str(path), "no positions (no data rows)")
    funded = {row.leverage is not None for row in book.positions}
    if len(funded) > 1:
        raise DataError(str(path), "give one of leverage and collateral for every row, not both")
    return book


def _column(rows: tuple[BookRow, ...], name: str, default: Any = None) -> np.ndarray:
    values: list[Any] = [getattr(r, name) for r in rows]
    return np.array([float(default if v is None else v) for v in values], dtype=np.float64)


def load_book(
    path: str | Path,
    *,
    contract_value: float,
    mmr: float | None,
    tiers: c.TierTable | None,
) -> RiskBook:
    """A :class:`~inversa.sim.riskbook.RiskBook` from a book file.

    ``contract_value`` and ``mmr`` are the defaults for rows (and files) without them;
    ``tiers`` replaces per-row rates (a file with ``mmr`` and ``tiers`` is refused).
    """
    book = read_book(path)
    rows = book.positions
    has_mmr = book.mmr is not None or any(r.mmr is not None for r in rows)
    if tiers is not None and has_mmr:
        raise DataError(str(path), "an mmr column conflicts with --tiers")
    cv_default = book.contract_value if book.contract_value is not None else contract_value
    mmr_default = book.mmr if book.mmr is not None else (mmr if mmr is not None else 0.0)
    side = np.array([float(r.side) for r in rows])
    contracts = _column(rows, "contracts", None)
    entry = _column(rows, "entry", None)
    cv = _column(rows, "contract_value", cv_default)
    rate = None if tiers is not None else _column(rows, "mmr", mmr_default)
    labels = list(range(1, len(rows) + 1))
    try:
        if rows[0].leverage is not None:
            return RiskBook.from_leverage(
                side,
                contracts,
                entry,
                cv,
                _column(rows, "leverage", None),
                mmr=rate,
                tiers=tiers,
                row_labels=labels,
            )
        collateral = _column(rows, "collateral", None)
        return RiskBook(
            side, contracts, entry, cv, collateral, mmr=rate, tiers=tiers, row_labels=labels
        )
    except InputError as exc:
        raise DataError(str(path), str(exc)) from None


def synthetic_book(
    window: str,
    *,
    contract_value: float = 100.0,
    mmr: float | None = 0.005,
    tiers: c.TierTable | None = None,
) -> tuple[RiskBook, float]:
    """The documented default book (see the module notes) and its entry price."""
    from inversa.data import crash_window

    entry = float(crash_window(window, "BTC")["open"].iloc[0])
    levs = np.array(SYNTHETIC_LEVERAGES, dtype=np.float64)
    k = levs.shape[0]
    side = np.concatenate([np.ones(k), -np.ones(k)])
    contracts = np.concatenate(
        [np.full(k, SYNTHETIC_LONG_CONTRACTS), np.full(k, SYNTHETIC_SHORT_CONTRACTS)]
    )
    labels = [f"long {lev:g}x" for lev in levs] + [f"short {lev:g}x" for lev in levs]
    book = RiskBook.from_leverage(
        side,
        contracts,
        np.full(2 * k, entry),
        contract_value,
        np.concatenate([levs, levs]),
        mmr=None if tiers is not None else mmr,
        tiers=tiers,
        row_labels=labels,
    )
    return book, entry
