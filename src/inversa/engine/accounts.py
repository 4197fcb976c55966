"""Accounts and positions of the simulated venue.

An account holds one wallet per settlement coin and at most one position per symbol
(one-way mode).  A position is either **cross** (backed by the whole wallet of its
coin, together with the account's other cross positions in that coin) or **isolated**
(backed only by its own ``margin``).  Sizes are signed contracts (+ long, - short);
entries are harmonic averages in USD per coin (:func:`inversa.contracts.apply_fill`);
wallets and margins are Decimals in the settlement coin.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from inversa.contracts import PositionState
from inversa.engine._dec import ZERO

__all__ = ["Account", "MarginMode", "Position", "PositionSettings"]


class MarginMode(StrEnum):
    """Cross: the wallet backs the position.  Isolated: the position's own margin does."""

    CROSS = "cross"
    ISOLATED = "isolated"


@dataclass(frozen=True, slots=True)
class PositionSettings:
    """Margin mode and leverage an account uses for one symbol (kept while flat)."""

    mode: MarginMode
    leverage: Decimal


@dataclass(frozen=True, slots=True)
class Position:
    """An open position: signed ``size`` (contracts), harmonic ``entry`` (USD/coin),
    margin ``mode`` and ``leverage``, and ``margin`` (coin; isolated positions only)."""

    symbol: str
    size: Decimal
    entry: Decimal
    mode: MarginMode
    leverage: Decimal
    margin: Decimal = ZERO

    @property
    def side(self) -> int:
        """+1 long, -1 short."""
        return 1 if self.size > 0 else -1

    @property
    def contracts(self) -> Decimal:
        """Absolute contract count."""
        return abs(self.size)

    @property
    def isolated(self) -> bool:
        return self.mode is MarginMode.ISOLATED

    @property
    def state(self) -> PositionState:
        """The position as :class:`inversa.contracts.PositionState`."""
        return PositionState(self.size, self.entry)

    def with_state(self, state: PositionState) -> Position:
        return replace(self, size=state.size, entry=state.entry)


@dataclass(slots=True)
class Account:
    """Mutable ledger of one account (the engine owns it; read it via snapshots)."""

    id: str
    wallets: dict[str, Decimal] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    settings: dict[str, PositionSettings] = field(default_factory=dict)

    def wallet(self, coin: str) -> Decimal:
        return self.wallets.get(coin, ZERO)

    def copy(self) -> Account:
        """An independent copy (positions and settings are immutable and shared)."""
        return Account(self.id, dict(self.wallets), dict(self.positions), dict(self.settings))
