"""Auto-deleveraging: BitMEX's ranking and the allocation of a liquidated order.

Ranking (https://bitmex.com/app/autoDeleveraging), with BitMEX's signed values of an
inverse contract, ``Value(P) = -side * N * CV / P`` (a long holds a negative coin value):

- ``PnL% = (MarkValue - AvgEntryValue) / |AvgEntryValue|``
- ``EffectiveLeverage = |MarkValue| / (MarkValue - BankruptValue)``
- ``score = PnL% * EffectiveLeverage`` if ``PnL% > 0`` else ``PnL% / EffectiveLeverage``

``MarkValue - BankruptValue`` is the position's equity left above its bankruptcy price
(coin); a position with no finite bankruptcy price has ``BankruptValue = 0``.  Positions
on the side opposite the liquidated one are ranked from the highest score down (ties:
account id) and closed, in that order, against the liquidated order at its bankruptcy
price until it is filled (https://testnet.bitmex.com/app/autoDeleveragingExamples).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from inversa.contracts import position_value
from inversa.engine._dec import INF, ZERO, exact
from inversa.engine.state import EngineState

__all__ = ["AdlRank", "adl_queue", "adl_score", "allocate"]


@dataclass(frozen=True, slots=True)
class AdlRank:
    """One position in the ADL queue of a symbol and side."""

    account: str
    symbol: str
    contracts: Decimal
    pnl_pct: Decimal
    effective_leverage: Decimal
    score: Decimal


def _value(
    side: int, contracts: Decimal, price: Decimal, contract_value: Decimal, linear: bool
) -> Decimal:
    """BitMEX's signed value of an inverse position in coin (0 at an infinite price), or
    of a linear one in USD (``side * N * CV * P``, 0 at a zero price)."""
    if linear:
        return side * contracts * contract_value * price
    if not price.is_finite():
        return ZERO
    return -side * position_value(contracts, price, contract_value)


def adl_score(
    side: int,
    contracts: Decimal,
    entry: Decimal,
    mark: Decimal,
    bankruptcy: Decimal,
    contract_value: Decimal,
    *,
    linear: bool = False,
) -> tuple[Decimal, Decimal, Decimal]:
    """(PnL%, effective leverage, score) of one position by BitMEX's rule.

    A position at or beyond its bankruptcy price has infinite effective leverage.
    ``linear``: the same rule on USD values of a linear contract.
    """
    with exact():
        mark_value = _value(side, contracts, mark, contract_value, linear)
        entry_value = _value(side, contracts, entry, contract_value, linear)
        bankrupt_value = _value(side, contracts, bankruptcy, contract_value, linear)
        pnl_pct = (mark_value - entry_value) / abs(entry_value)
        cushion = mark_value - bankrupt_value
        leverage = abs(mark_value) / cushion if cushion > 0 else INF
        score = pnl_pct * leverage if pnl_pct > 0 else pnl_pct / leverage
        return pnl_pct, leverage, score


def adl_queue(
    state: EngineState, symbol: str, side: int, exclude: str, bankruptcy: dict[str, Decimal]
) -> list[AdlRank]:
    """Positions of ``side`` in ``symbol`` (other than account ``exclude``), highest score
    first; ``bankruptcy`` maps account id -> that position's bankruptcy price."""
    inst = state.instruments[symbol]
    mark = state.marks[symbol]
    ranks: list[AdlRank] = []
    for account in state.accounts.values():
        pos = account.positions.get(symbol)
        if account.id == exclude or pos is None or pos.side != side:
            continue
        pnl, lev, score = adl_score(
            side,
            pos.contracts,
            pos.entry,
            mark,
            bankruptcy[account.id],
            inst.contract_value,
            linear=inst.linear,
        )
        ranks.append(AdlRank(account.id, symbol, pos.contracts, pnl, lev, score))
    ranks.sort(key=lambda r: (-r.score, r.account))
    return ranks


def allocate(queue: Sequence[AdlRank], contracts: Decimal) -> list[tuple[str, Decimal]]:
    """Walk the queue, closing each position fully until ``contracts`` are assigned."""
    out: list[tuple[str, Decimal]] = []
    remaining = contracts
    for rank in queue:
        if remaining <= 0:
            break
        take = min(remaining, rank.contracts)
        out.append((rank.account, take))
        remaining -= take
    return out
