"""Ledger invariants of a simulated venue, for tests, the CLI and paranoid callers.

:func:`check_invariants` raises :class:`InvariantError` naming the first broken rule:

1. **Open interest balances**: for every symbol the signed sizes sum to exactly 0.
2. **Coin is conserved**: per settlement coin, wallets + isolated margins + unrealised
   PnL at the marks + insurance fund + collected fees equals net external flows
   (deposits - withdrawals + external insurance funding), to :data:`TOLERANCE`.
   (With open interest balanced the unrealised PnL sums to the same value at any common
   mark, so this is the wallets-fund-fees identity of a flat book.)
3. **The insurance fund is not negative.**
4. When ``settled`` (after a command, not in the middle of one): no margin unit is at or
   below maintenance, no isolated position's posted margin is negative (a funding debit
   beyond it liquidates the position), and no account's equity is below zero unless a
   :class:`~inversa.engine.events.LossUncovered` event reported at least that loss.
5. With ``replay=True``: replaying the event log rebuilds exactly the same state.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from inversa.engine._dec import TOLERANCE, ZERO, exact
from inversa.engine.risk import account_equity, liquidatable_units, unit_equity, unit_maintenance
from inversa.errors import InversaError

if TYPE_CHECKING:
    from inversa.engine.venue import Engine

__all__ = ["InvariantError", "check_invariants"]


class InvariantError(InversaError):
    """An engine invariant does not hold: a bug in the engine or a tampered log."""


def check_invariants(
    engine: Engine,
    *,
    settled: bool = True,
    replay: bool = False,
    tolerance: Decimal = TOLERANCE,
) -> dict[str, Decimal]:
    """Check the invariants above; return the conservation drift per coin (coin)."""
    state = engine.state
    drifts: dict[str, Decimal] = {}
    with exact():
        for symbol in sorted(state.instruments):
            longs = shorts = ZERO
            for account in state.accounts.values():
                pos = account.positions.get(symbol)
                if pos is None:
                    continue
                if pos.size == 0:
                    raise InvariantError(f"account {account.id!r} keeps a flat {symbol} position")
                if pos.size > 0:
                    longs += pos.size
                else:
                    shorts -= pos.size
            if longs != shorts:
                raise InvariantError(
                    f"open interest of {symbol}: longs {longs} != shorts {shorts} contracts"
                )
        coins = {r.settle for r in state.instruments.values()}
        coins |= set(state.external) | set(state.insurance) | set(state.fees)
        for coin in sorted(coins):
            held = sum((account_equity(state, a, coin) for a in state.accounts), ZERO)
            fund = state.insurance.get(coin, ZERO)
            total = held + fund + state.fees.get(coin, ZERO)
            drift = total - state.external.get(coin, ZERO)
            drifts[coin] = drift
            if abs(drift) > tolerance:
                raise InvariantError(
                    f"{coin} not conserved: accounts {held} + insurance {fund} + fees "
                    f"{state.fees.get(coin, ZERO)} - external {state.external.get(coin, ZERO)} "
                    f"= {drift}"
                )
            if fund < -tolerance:
                raise InvariantError(f"insurance fund of {coin} is negative: {fund}")
        if settled:
            for unit in liquidatable_units(state):
                raise InvariantError(
                    f"unit {unit} left at or below maintenance: equity "
                    f"{unit_equity(state, unit)} <= {unit_maintenance(state, unit)}"
                )
            for account in state.accounts.values():
                for pos in account.positions.values():
                    if pos.isolated and pos.margin < -tolerance:
                        raise InvariantError(
                            f"isolated {pos.symbol} position of {account.id!r} keeps a "
                            f"negative posted margin {pos.margin}"
                        )
            for account_id in sorted(state.accounts):
                for coin in sorted(coins):
                    equity = account_equity(state, account_id, coin)
                    reported = state.uncovered.get((account_id, coin), ZERO)
                    if equity < -reported - tolerance:
                        raise InvariantError(
                            f"account {account_id!r} ends at {equity} {coin}, below zero and "
                            f"beyond the {reported} {coin} reported as uncovered"
                        )
    if replay:
        from inversa.engine.venue import Engine

        rebuilt = Engine.from_events(engine.events).snapshot()
        if rebuilt != engine.snapshot():
            raise InvariantError("replaying the event log does not rebuild the state")
    return drifts
