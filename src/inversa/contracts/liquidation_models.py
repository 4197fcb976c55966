"""The one registry of liquidation models: "liquidation price under model X, mode Y".

Every caller (the calculator, the hedge planner, the demo, the engine) goes through
:func:`liquidation_prices`, so a model name means one thing everywhere.  A
:class:`LiquidationModel` names its valuation basis (maintenance margin valued at the
**entry** price or at the liquidation **mark**), the margin modes it supports and the
function that prices a position (:class:`PositionInputs`).  New models (a
volatility-scaled maintenance rate, for example) join with :func:`register_model`.

Units: prices USD per coin; margins, collateral and balances in the settlement coin;
rates as fractions; ``side`` +1 long, -1 short.  Results are exact and unrounded,
``+inf`` where no liquidation (or bankruptcy) price exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from inversa.contracts._check import check_positive
from inversa.contracts.liquidation import (
    Leg,
    LiquidationResult,
    binance_coinm_prices,
    bybit_classic_cross_prices,
    bybit_isolated_prices,
    generic_prices,
)
from inversa.contracts.margin import TierTable, initial_margin
from inversa.errors import InputError

__all__ = [
    "LIQUIDATION_MODELS",
    "LiquidationModel",
    "MarginMode",
    "PositionInputs",
    "Valuation",
    "liquidation_model",
    "liquidation_model_names",
    "liquidation_prices",
    "register_model",
]

Valuation = Literal["entry", "mark"]
MarginMode = Literal["isolated", "cross"]
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PositionInputs:
    """One position and its margin, as every liquidation model reads it.

    Attributes:
        side: +1 long, -1 short.
        contracts: contract count (> 0); ``contract_value`` in USD per contract.
        entry: average entry price, USD per coin.
        leverage: initial margin is ``PV_E / leverage`` (isolated).
        collateral: coin backing the position: the isolated margin, or the cross wallet
            balance.  ``None`` in isolated mode: initial margin plus ``extra_margin``.
        mmr, maintenance_amount: one explicit bracket (rate, fraction; deduction ``cum``,
            coin).  Without ``mmr`` the bracket comes from ``tiers``.
        tiers: maintenance tier table by position value in coin.
        taker: taker fee rate (Bybit UTA B funds added margin net of it; Bybit cross
            holds back the closing fee).
        extra_margin: margin added to an isolated position, coin.
        order_margin: margin held by open orders (Bybit cross), coin.
        other_maintenance, other_upnl: the cross wallet's other contracts (coin).
        hedge_contracts, hedge_entry: the opposite leg in Binance hedge mode.
    """

    side: int
    contracts: Decimal
    entry: Decimal
    contract_value: Decimal
    leverage: Decimal | None = None
    collateral: Decimal | None = None
    mmr: Decimal | None = None
    maintenance_amount: Decimal | None = None
    tiers: TierTable | None = None
    taker: Decimal | None = None
    extra_margin: Decimal | None = None
    order_margin: Decimal | None = None
    other_maintenance: Decimal | None = None
    other_upnl: Decimal | None = None
    hedge_contracts: Decimal | None = None
    hedge_entry: Decimal | None = None

    @property
    def value_at_entry(self) -> Decimal:
        """Position value at entry, coin: ``N * CV / E``."""
        return self.contracts * self.contract_value / self.entry

    def bracket_at_entry(self) -> tuple[Decimal, Decimal]:
        """(MMR, cum): the explicit bracket, else the tier holding the value at entry."""
        if self.mmr is not None:
            return self.mmr, self.maintenance_amount or ZERO
        if self.tiers is None:
            raise InputError("mmr", None, "give --mmr, --tiers or --venue/--symbol")
        rate, cum = self.tiers.rate_and_cum(self.value_at_entry)
        return Decimal(rate), Decimal(cum)

    def collateral_for(self, mode: MarginMode) -> Decimal:
        """Isolated: ``collateral`` if given, else IM at ``leverage`` plus extra margin."""
        if self.collateral is not None:
            return self.collateral
        if mode == "cross":
            raise InputError("wallet_balance", None, "is required in cross mode")
        if self.leverage is None:
            raise InputError("leverage", None, "give --leverage or --wallet-balance")
        im = initial_margin(self.value_at_entry, leverage=self.leverage)
        return im + (self.extra_margin or ZERO)


PriceFunction = Callable[[PositionInputs, MarginMode], LiquidationResult[Decimal]]


@dataclass(frozen=True, slots=True)
class LiquidationModel:
    """A named venue model: valuation basis, supported modes and its price function."""

    name: str
    valuation: Valuation
    modes: tuple[MarginMode, ...]
    description: str
    prices: PriceFunction

    def __call__(self, inputs: PositionInputs, mode: MarginMode) -> LiquidationResult[Decimal]:
        """Liquidation and bankruptcy price of ``inputs`` in ``mode`` under this model."""
        if mode not in self.modes:
            raise InputError("mode", mode, f"model {self.name} supports {'|'.join(self.modes)}")
        check_positive("contracts", inputs.contracts)
        check_positive("entry", inputs.entry)
        check_positive("contract_value", inputs.contract_value)
        if inputs.mmr is not None and inputs.tiers is not None:
            raise InputError("mmr", inputs.mmr, "give either --mmr or --tiers, not both")
        if inputs.maintenance_amount is not None and inputs.mmr is None:
            raise InputError(
                "maintenance_amount", inputs.maintenance_amount, "needs --mmr (one bracket)"
            )
        return self.prices(inputs, mode)


def _bybit(name: str, valuation: Valuation) -> PriceFunction:
    def prices(p: PositionInputs, mode: MarginMode) -> LiquidationResult[Decimal]:
        rate, cum = p.bracket_at_entry()
        taker = p.taker if p.taker is not None else ZERO
        if mode == "cross":
            balance = p.collateral
            if balance is None:
                raise InputError("wallet_balance", None, "is required in cross mode")
            return bybit_classic_cross_prices(
                p.side, p.entry, p.contracts, p.contract_value, balance, rate, taker, p.order_margin
            )
        if p.leverage is None:
            raise InputError("leverage", None, f"is required for {name} isolated")
        if name == "bybit-classic" and (p.maintenance_amount or p.extra_margin):
            raise InputError(
                "model", name, "classic has no deduction or added margin: use bybit-uta-a"
            )
        return bybit_isolated_prices(
            Decimal(p.side),
            p.entry,
            p.leverage,
            rate,
            p.contracts,
            p.contract_value,
            deduction=cum,
            extra_margin=p.extra_margin,
            mm_at=valuation,
            taker=taker if valuation == "mark" else None,
        )

    return prices


def _binance(p: PositionInputs, mode: MarginMode) -> LiquidationResult[Decimal]:
    collateral = p.collateral_for(mode)
    rate, cum = (p.mmr, p.maintenance_amount or ZERO) if p.mmr is not None else (None, None)
    if p.mmr is None and p.tiers is None:
        raise InputError("mmr", None, "give --mmr, --tiers or --venue/--symbol")
    legs = [Leg(p.side, p.contracts, p.entry, rate, cum)]
    if (p.hedge_contracts is None) != (p.hedge_entry is None):
        raise InputError(
            "hedge_contracts", p.hedge_contracts, "give both --hedge-contracts and --hedge-entry"
        )
    if p.hedge_contracts is not None and p.hedge_entry is not None:
        legs.append(Leg(-p.side, p.hedge_contracts, p.hedge_entry, rate, cum))
    return binance_coinm_prices(
        legs,
        collateral,
        p.contract_value,
        tiers=p.tiers,
        other_maintenance=p.other_maintenance,
        other_upnl=p.other_upnl,
    )


def _generic(p: PositionInputs, mode: MarginMode) -> LiquidationResult[Decimal]:
    collateral = p.collateral_for(mode)
    if p.other_maintenance is not None or p.other_upnl is not None:
        collateral = collateral - (p.other_maintenance or ZERO) + (p.other_upnl or ZERO)
    if p.mmr is not None and p.maintenance_amount:
        raise InputError(
            "maintenance_amount",
            p.maintenance_amount,
            "the generic model takes a flat --mmr or --tiers",
        )
    if p.hedge_contracts is not None or p.hedge_entry is not None:
        raise InputError("hedge_contracts", p.hedge_contracts, "only binance-coinm has hedge mode")
    return generic_prices(
        Decimal(p.side),
        p.entry,
        p.contracts,
        p.contract_value,
        collateral,
        mmr=p.mmr,
        tiers=p.tiers,
    )


_BUILT_IN = (
    LiquidationModel(
        "bybit-classic",
        "entry",
        ("isolated", "cross"),
        "Bybit inverse (before UTA): MM valued at entry; cross holds back the closing fee",
        _bybit("bybit-classic", "entry"),
    ),
    LiquidationModel(
        "bybit-uta-a",
        "entry",
        ("isolated",),
        "Bybit UTA version A: MM at entry, with the tier deduction and added margin",
        _bybit("bybit-uta-a", "entry"),
    ),
    LiquidationModel(
        "bybit-uta-b",
        "mark",
        ("isolated",),
        "Bybit UTA version B: MM valued at the liquidation mark, added margin net of taker fee",
        _bybit("bybit-uta-b", "mark"),
    ),
    LiquidationModel(
        "binance-coinm",
        "mark",
        ("isolated", "cross"),
        "Binance COIN-M: MM at the liquidation price, bracket re-chosen there; hedge mode",
        _binance,
    ),
    LiquidationModel(
        "generic",
        "mark",
        ("isolated", "cross"),
        "Equity = maintenance margin solved exactly on a tier table (MM at the mark)",
        _generic,
    ),
)

#: Names of the built-in models (the registry may hold more, see :func:`register_model`).
LIQUIDATION_MODELS: tuple[str, ...] = tuple(m.name for m in _BUILT_IN)

_REGISTRY: dict[str, LiquidationModel] = {m.name: m for m in _BUILT_IN}


def register_model(model: LiquidationModel) -> LiquidationModel:
    """Add ``model`` to the registry (a name may be registered once); returns it."""
    known = _REGISTRY.get(model.name)
    if known is not None and known is not model:
        raise InputError("model", model.name, "a liquidation model of that name exists")
    _REGISTRY[model.name] = model
    return model


def liquidation_model_names() -> tuple[str, ...]:
    """Every registered model name, built-ins first."""
    return tuple(_REGISTRY)


def liquidation_model(name: str | None) -> LiquidationModel:
    """The model registered under ``name``, or InputError listing the known names."""
    model = _REGISTRY.get(name or "")
    if model is None:
        raise InputError("model", name, f"must be one of {', '.join(_REGISTRY)}")
    return model


def liquidation_prices(
    model: str | LiquidationModel, mode: MarginMode, inputs: PositionInputs
) -> LiquidationResult[Decimal]:
    """Liquidation and bankruptcy price (USD per coin) of ``inputs`` under ``model``, ``mode``."""
    chosen = model if isinstance(model, LiquidationModel) else liquidation_model(model)
    return chosen(inputs, mode)
