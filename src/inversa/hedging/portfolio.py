"""The planner's input: spot holdings, target weights, prices and contract choices.

A :class:`Portfolio` is validated on construction; every error names the field and the
asset.  It can be read from a TOML or CSV file (:func:`load_portfolio`) and overridden
key by key, as the CLI does with its flags.

Units: ``holdings_usd`` in USD, ``amounts`` in coins, ``prices`` in USD per coin,
``targets`` as fractions of the portfolio's USD value (>= 0, summing to 1 within 1e-9),
``contract_values`` in USD per contract (a generic inverse contract for that asset).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import Field

from inversa.data.config import ConfigModel, load_csv, load_toml
from inversa.domain import Amount, ContractValue, Price, Weight
from inversa.errors import DataError, InputError
from inversa.hedging._common import ZERO, NumberLike, asset_key, decimal_map

__all__ = ["WEIGHT_TOLERANCE", "Portfolio", "PortfolioFile", "PortfolioRow", "load_portfolio"]

#: How far the target weights may sum from 1.
WEIGHT_TOLERANCE = Decimal("1e-9")

_NUMBER_FIELDS = ("targets", "holdings_usd", "amounts", "prices", "contract_values")
#: How errors name a field: the CLI flag / TOML table (``--holdings``, ``[holdings]``).
_LABELS = {"holdings_usd": "holdings"}


def _label(name: str) -> str:
    return _LABELS.get(name, name)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value.is_finite() else str(value)


_TOML_SECTIONS = {
    "targets": "targets",
    "holdings": "holdings_usd",
    "holdings_usd": "holdings_usd",
    "amounts": "amounts",
    "prices": "prices",
    "contract_values": "contract_values",
    "venues": "venues",
}
_CSV_COLUMNS = {
    "target": "targets",
    "holding_usd": "holdings_usd",
    "usd": "holdings_usd",
    "amount": "amounts",
    "price": "prices",
    "contract_value": "contract_values",
    "venue": "venues",
}


def _frozen(values: Mapping[str, Any]) -> Mapping[str, Any]:
    return dict(values)


@dataclass(frozen=True, init=False)
class Portfolio:
    """Spot holdings and the weights they should have.

    Numbers may be given as Decimal, int, float or str (converted with ``Decimal(str(x))``)
    and are stored as Decimal; asset names are upper-cased.

    Attributes:
        targets: asset -> target weight (fraction of the USD total).  Every held asset
            needs one (0 to sell it all); an asset with a target but no holding is bought.
            May be empty when the legs are given as hedge amounts instead
            (:class:`~inversa.hedging.amounts.HedgeAmount`).
        holdings_usd: asset -> USD value held (the ``--holdings`` flag, ``[holdings]``).
        amounts: asset -> coins held (an asset is given in ``holdings_usd`` or here).
        prices: asset -> USD per coin.  The planner needs one for every asset.
        contract_values: asset -> USD per contract of a generic inverse contract; wins
            over a venue's contract for that asset.
        venues: asset -> ``"venue"`` or ``"venue:symbol"`` (ccxt symbol or venue id,
            e.g. ``"bybit:BTC/USD:BTC"``), the instrument to hedge that asset with.
    """

    targets: Mapping[str, Decimal]
    holdings_usd: Mapping[str, Decimal]
    amounts: Mapping[str, Decimal]
    prices: Mapping[str, Decimal]
    contract_values: Mapping[str, Decimal]
    venues: Mapping[str, str]

    def __init__(
        self,
        targets: Mapping[str, NumberLike],
        holdings_usd: Mapping[str, NumberLike] | None = None,
        amounts: Mapping[str, NumberLike] | None = None,
        prices: Mapping[str, NumberLike] | None = None,
        contract_values: Mapping[str, NumberLike] | None = None,
        venues: Mapping[str, str] | None = None,
    ) -> None:
        given = {
            "targets": targets,
            "holdings_usd": holdings_usd,
            "amounts": amounts,
            "prices": prices,
            "contract_values": contract_values,
        }
        for name, raw in given.items():
            object.__setattr__(self, name, _frozen(decimal_map(_label(name), raw)))
        names = {asset_key("venues", k): str(v).strip() for k, v in (venues or {}).items()}
        object.__setattr__(self, "venues", _frozen(names))
        self._validate()

    def _validate(self) -> None:
        for asset, weight in self.targets.items():
            if weight < 0 or weight > 1:
                raise InputError(f"targets.{asset}", _plain(weight), "a weight must lie in [0, 1]")
        total = sum(self.targets.values(), ZERO)
        if self.targets and abs(total - 1) > WEIGHT_TOLERANCE:
            given = ",".join(f"{a}={_plain(w)}" for a, w in self.targets.items())
            raise InputError(
                "targets", given, f"weights sum to {_plain(total)}, not 1 (tolerance 1e-9)"
            )
        for name in ("holdings_usd", "amounts"):
            for asset, value in getattr(self, name).items():
                if value < 0:
                    raise InputError(
                        f"{_label(name)}.{asset}", _plain(value), f"{asset}: must be >= 0"
                    )
        both = sorted(set(self.holdings_usd) & set(self.amounts))
        if both:
            raise InputError(
                "amounts", both[0], f"{both[0]} is given both as USD and as a coin amount"
            )
        held = [a for a in (*self.holdings_usd, *self.amounts) if a not in self.targets]
        if held and self.targets:
            raise InputError(
                "targets", held[0], f"{held[0]} is held but has no target weight (give 0 to sell)"
            )
        for name in ("prices", "contract_values"):
            for asset, value in getattr(self, name).items():
                if value <= 0:
                    raise InputError(f"{name}.{asset}", _plain(value), f"{asset}: must be > 0")

    @property
    def assets(self) -> tuple[str, ...]:
        """Every asset with a target, in the order the targets were given; without
        targets (hedge amounts given instead), every asset held or priced."""
        if self.targets:
            return tuple(self.targets)
        return tuple(dict.fromkeys((*self.holdings_usd, *self.amounts, *self.prices)))

    def price(self, asset: str) -> Decimal:
        """USD per coin of ``asset``, or InputError naming the asset."""
        try:
            return self.prices[asset]
        except KeyError:
            raise InputError(
                f"prices.{asset}", None, f"no price for {asset}: give --prices {asset}=USD"
            ) from None

    def coins(self, asset: str) -> Decimal:
        """Coins held of ``asset`` (0 when not held)."""
        if asset in self.amounts:
            return self.amounts[asset]
        usd = self.holdings_usd.get(asset, ZERO)
        return usd / self.price(asset) if usd else ZERO

    def usd(self, asset: str) -> Decimal:
        """USD value held of ``asset`` (0 when not held)."""
        if asset in self.holdings_usd:
            return self.holdings_usd[asset]
        amount = self.amounts.get(asset, ZERO)
        return amount * self.price(asset) if amount else ZERO

    def updated(self, **overrides: Mapping[str, Any] | None) -> Portfolio:
        """A new portfolio with fields overridden key by key (``targets`` as a whole).

        An asset given in ``holdings_usd`` leaves ``amounts`` and vice versa.
        """
        return Portfolio(**_merge(self._fields(), overrides))

    def _fields(self) -> dict[str, dict[str, Any]]:
        return {name: dict(getattr(self, name)) for name in (*_NUMBER_FIELDS, "venues")}


def _merge(
    base: Mapping[str, Mapping[str, Any]], overrides: Mapping[str, Mapping[str, Any] | None]
) -> dict[str, Any]:
    out = {name: dict(values) for name, values in base.items()}
    for name in (*_NUMBER_FIELDS, "venues"):
        out.setdefault(name, {})
    for name, values in overrides.items():
        if name not in out:
            raise InputError("portfolio", name, f"unknown field; known: {', '.join(out)}")
        if not values:
            continue
        keyed = {asset_key(name, k): v for k, v in values.items()}
        if name == "targets":
            out[name] = keyed
            continue
        out[name].update(keyed)
        other = {"holdings_usd": "amounts", "amounts": "holdings_usd"}.get(name)
        if other:
            for asset in keyed:
                out[other].pop(asset, None)
    return out


def load_portfolio(
    path: str | Path | None = None, **overrides: Mapping[str, Any] | None
) -> Portfolio:
    """A portfolio from a TOML or CSV file, then ``overrides`` applied key by key.

    TOML: tables ``[targets]``, ``[holdings]`` (USD), ``[amounts]`` (coins), ``[prices]``,
    ``[contract_values]`` and ``[venues]``, each ``ASSET = value`` (numbers are read
    exactly).  CSV: a header with ``asset`` and any of ``holding_usd`` (or ``usd``),
    ``amount``, ``target``, ``price``, ``contract_value``, ``venue``; empty cells are
    skipped.  ``overrides`` take the :class:`Portfolio` field names; ``targets`` replaces
    the file's weights as a whole.  Errors name the file and row.
    """
    base: dict[str, dict[str, Any]] = {}
    if path is not None:
        file = Path(path)
        suffix = file.suffix.lower()
        if suffix == ".toml":
            base = _read_toml(file)
        elif suffix == ".csv":
            base = _read_csv(file)
        else:
            raise InputError("file", str(path), "expected a .toml or .csv portfolio file")
    return Portfolio(**_merge(base, overrides))


class PortfolioFile(ConfigModel):
    """A TOML portfolio: one table per field, each ``ASSET = value``."""

    targets: dict[str, Weight] = Field(default_factory=dict)
    holdings: dict[str, Amount] = Field(default_factory=dict)
    holdings_usd: dict[str, Amount] = Field(default_factory=dict)
    amounts: dict[str, Amount] = Field(default_factory=dict)
    prices: dict[str, Price] = Field(default_factory=dict)
    contract_values: dict[str, ContractValue] = Field(default_factory=dict)
    venues: dict[str, str] = Field(default_factory=dict)


class PortfolioRow(ConfigModel):
    """One CSV row: an asset and any of its fields (empty cells are left out)."""

    asset: str
    target: Weight | None = None
    holding_usd: Amount | None = None
    amount: Amount | None = None
    price: Price | None = None
    contract_value: ContractValue | None = None
    venue: str | None = None


def _read_toml(path: Path) -> dict[str, dict[str, Any]]:
    doc = load_toml(path, PortfolioFile)
    out: dict[str, dict[str, Any]] = {}
    for section in PortfolioFile.model_fields:
        values = getattr(doc, section)
        if values:
            name = _TOML_SECTIONS[section]
            if name in out:
                raise DataError(
                    str(path), f"[{section}]: give [holdings] or [holdings_usd], not both"
                )
            out[name] = dict(values)
    return out


def _read_csv(path: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    rows = load_csv(path, PortfolioRow, columns={"usd": "holding_usd"})
    # a file that gives holdings gives them on every row: an empty cell is not 0
    held = any(row.holding_usd is not None or row.amount is not None for row in rows)
    for number, row in enumerate(rows, start=1):
        asset = row.asset.strip()
        if not asset:
            raise DataError(str(path), "empty asset", row=number)
        if held and row.holding_usd is None and row.amount is None:
            raise DataError(
                str(path), f"{asset}: give holding_usd or amount (0 for none)", row=number
            )
        for column, name in _CSV_COLUMNS.items():
            value = getattr(row, column, None) if column != "usd" else None
            if value is None:
                continue
            bucket = out.setdefault(name, {})
            if asset_key(name, asset) in {asset_key(name, a) for a in bucket}:
                raise DataError(str(path), f"{asset} appears twice", row=number)
            bucket[asset] = value
    return out
