"""Margin models of the rule files, dispatching to :mod:`inversa.contracts.margin`.

Each model answers two questions for a position value ``PV`` in the settlement coin:

- ``initial_rate(PV, max_leverage)``: the lowest initial-margin rate (fraction) allowed;
- ``maintenance_rate_and_cum(PV)``: the maintenance rate (fraction) and the deduction
  ``cum`` (coin), so that maintenance margin is ``PV * mmr - cum``.

The formulas live in :mod:`inversa.contracts.margin`; this module only picks one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from inversa.contracts.margin import TierTable, linear_rate, risk_step_rates
from inversa.errors import InputError

__all__ = [
    "CurveMargin",
    "FlatMargin",
    "LinearMargin",
    "Margin",
    "RiskStepMargin",
    "TieredMargin",
]

_ZERO = Decimal(0)


def _from_leverage(max_leverage: Decimal | None, where: str) -> Decimal:
    if max_leverage is None:
        raise InputError("max_leverage", None, f"{where}: no leverage cap is sourced")
    return 1 / max_leverage


@dataclass(frozen=True, slots=True)
class TieredMargin:
    """Deduction-form tiers (Binance, Bybit): bounds in coin, one rate per slice.

    The initial rate is ``1 / cap`` of the tier holding ``PV`` when the table gives a cap,
    else ``1 / max_leverage`` of the instrument.
    """

    kind: ClassVar[str] = "tiers"
    table: TierTable

    def initial_rate(self, value: Decimal, max_leverage: Decimal | None) -> Decimal:
        _check_value(value)
        cap = self.table.tiers[self.table.index(value)].max_leverage
        return 1 / cap if cap is not None else _from_leverage(max_leverage, "tiers")

    def maintenance_rate_and_cum(self, value: Decimal) -> tuple[Decimal, Decimal]:
        _check_value(value)
        return self.table.rate_and_cum(value)


@dataclass(frozen=True, slots=True)
class RiskStepMargin:
    """BitMEX risk limits: each ``step`` (coin) above ``base_limit`` adds ``step_rate``."""

    kind: ClassVar[str] = "risk-step"
    base_limit: Decimal
    step: Decimal
    base_imr: Decimal
    base_mmr: Decimal
    step_rate: Decimal

    def _rates(self, value: Decimal) -> tuple[Decimal, Decimal]:
        return risk_step_rates(
            value, self.base_limit, self.step, self.base_imr, self.base_mmr, self.step_rate
        )

    def initial_rate(self, value: Decimal, max_leverage: Decimal | None) -> Decimal:
        return self._rates(value)[0]

    def maintenance_rate_and_cum(self, value: Decimal) -> tuple[Decimal, Decimal]:
        return self._rates(value)[1], _ZERO


@dataclass(frozen=True, slots=True)
class LinearMargin:
    """Deribit standard margin: ``rate = base + slope * PV`` (slope per coin of PV)."""

    kind: ClassVar[str] = "linear"
    im_base: Decimal
    mm_base: Decimal
    slope: Decimal

    def initial_rate(self, value: Decimal, max_leverage: Decimal | None) -> Decimal:
        return linear_rate(value, self.im_base, self.slope)

    def maintenance_rate_and_cum(self, value: Decimal) -> tuple[Decimal, Decimal]:
        return linear_rate(value, self.mm_base, self.slope), _ZERO


@dataclass(frozen=True, slots=True)
class FlatMargin:
    """One maintenance rate at every size; ``imr`` when sourced, else ``1/max_leverage``."""

    kind: ClassVar[str] = "flat"
    mmr: Decimal
    imr: Decimal | None = None

    def initial_rate(self, value: Decimal, max_leverage: Decimal | None) -> Decimal:
        _check_value(value)
        return self.imr if self.imr is not None else _from_leverage(max_leverage, "flat")

    def maintenance_rate_and_cum(self, value: Decimal) -> tuple[Decimal, Decimal]:
        _check_value(value)
        return self.mmr, _ZERO


@dataclass(frozen=True, slots=True)
class CurveMargin:
    """Margin given as functions of the position value (no rule file states these).

    For models computed elsewhere: a volatility-scaled maintenance rate
    (:mod:`inversa.sim.vol_margin`), or a hand-built curve in a test.

    Attributes:
        maintenance: ``value_coin -> (MMR fraction, deduction cum in coin)``.
        initial: ``value_coin -> lowest initial rate`` (fraction); ``None``: the
            instrument's ``1 / max_leverage``.
    """

    kind: ClassVar[str] = "curve"
    maintenance: Callable[[Decimal], tuple[Decimal, Decimal]]
    initial: Callable[[Decimal], Decimal] | None = None

    def initial_rate(self, value: Decimal, max_leverage: Decimal | None) -> Decimal:
        _check_value(value)
        if self.initial is not None:
            return _number("margin.initial", self.initial(value))
        return _from_leverage(max_leverage, "curve")

    def maintenance_rate_and_cum(self, value: Decimal) -> tuple[Decimal, Decimal]:
        _check_value(value)
        rate, cum = self.maintenance(value)
        return _number("margin.mmr", rate), _number("margin.cum", cum)


def _number(field: str, value: object) -> Decimal:
    """A curve's output as a finite Decimal (floats through ``repr``: 0.1 is 0.1)."""
    if isinstance(value, float):
        value = repr(value)
    try:
        out = Decimal(value)  # type: ignore[arg-type]
    except (ArithmeticError, TypeError, ValueError):
        raise InputError(field, value, "the margin curve must return numbers") from None
    if not out.is_finite():
        raise InputError(field, value, "the margin curve must return finite numbers")
    return out


def _check_value(value: Decimal) -> None:
    if not (value.is_finite() and value >= 0):
        raise InputError("value", value, "must be a finite number >= 0")


Margin = TieredMargin | RiskStepMargin | LinearMargin | FlatMargin | CurveMargin
