"""Build the :class:`~inversa.engine.events.Filled` event of one trade from the state.

Each side's position moves by :meth:`inversa.venues.Instrument.apply_fill` (harmonic
entry for inverse, arithmetic for linear contracts; realised PnL at the unchanged entry);
fees are :meth:`inversa.venues.Instrument.fee` at :func:`~inversa.engine.terms.fee_rate`.
Amounts are in the settlement currency.  Moves, per side:

- cross: ``wallet += realised - fee``;
- isolated, opening or adding ``n`` contracts at ``P``: the wallet posts
  ``initial_margin(position_value(n, P, CV), imr)`` into the position's margin;
- isolated, reducing by ``n`` of ``N``: the closed share ``margin * n / N`` goes back to the
  wallet with the realised PnL (all of it when the position closes or flips);
- isolated, partial liquidation: the realised PnL stays in the margin, nothing is
  released.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from inversa.contracts import Fill, PositionState, initial_margin
from inversa.engine._dec import ZERO
from inversa.engine.accounts import MarginMode
from inversa.engine.events import Filled, FillReason, FillSide
from inversa.engine.risk import initial_rate
from inversa.engine.state import EngineState
from inversa.engine.terms import Liquidity, fee_rate

__all__ = ["build_fill", "fill_side"]


def fill_side(
    state: EngineState,
    account_id: str,
    symbol: str,
    quantity: Decimal,
    price: Decimal,
    liquidity: Liquidity,
    *,
    keep_in_margin: bool = False,
) -> FillSide:
    """One side of a fill of signed ``quantity`` at ``price`` for ``account_id``."""
    inst = state.instruments[symbol]
    account = state.accounts[account_id]
    pos = account.positions.get(symbol)
    result = inst.apply_fill(pos.state if pos else PositionState(), Fill(quantity, price))
    size = abs(quantity)
    rate = fee_rate(inst, liquidity)
    fee = inst.fee(size, price, rate) if rate != 0 else ZERO
    realised = result.realised_pnl
    settings = account.settings.get(symbol) or state.default_settings(symbol)
    isolated = pos.isolated if pos is not None else settings.mode is MarginMode.ISOLATED
    margin_delta = ZERO
    if isolated:
        new = result.position
        flipped = pos is not None and new.size != 0 and (new.size > 0) != (pos.size > 0)
        if pos is not None and result.closed > 0:
            if keep_in_margin and not flipped and new.size != 0:
                margin_delta += realised
            elif new.size == 0 or flipped:
                margin_delta -= pos.margin
            else:
                margin_delta -= pos.margin * result.closed / pos.contracts
        opened = size - result.closed
        if opened > 0:
            leverage = pos.leverage if pos is not None and not flipped else settings.leverage
            total = inst.value(abs(new.size), price)
            imr = initial_rate(inst, total, leverage)
            margin_delta += initial_margin(inst.value(opened, price), imr=imr)
    return FillSide(
        account=account_id,
        quantity=quantity,
        fee=fee,
        realised_pnl=realised,
        wallet_delta=realised - fee - margin_delta,
        margin_delta=margin_delta,
        liquidity=liquidity,
    )


def build_fill(
    state: EngineState,
    symbol: str,
    buyer: str,
    seller: str,
    contracts: Decimal,
    price: Decimal,
    reason: FillReason,
    *,
    buyer_liquidity: Liquidity = "none",
    seller_liquidity: Liquidity = "none",
    order_id: int | None = None,
    time: datetime | None = None,
    keep_in_margin: str | None = None,
) -> Filled:
    """The event of ``buyer`` buying ``contracts`` from ``seller`` at ``price``.

    ``keep_in_margin`` names the account (if any) whose isolated realised PnL stays in
    the position margin (partial liquidation).
    """
    return Filled(
        symbol=symbol,
        price=price,
        contracts=contracts,
        buyer=fill_side(
            state,
            buyer,
            symbol,
            contracts,
            price,
            buyer_liquidity,
            keep_in_margin=keep_in_margin == buyer,
        ),
        seller=fill_side(
            state,
            seller,
            symbol,
            -contracts,
            price,
            seller_liquidity,
            keep_in_margin=keep_in_margin == seller,
        ),
        reason=reason,
        order_id=order_id,
        time=time if time is not None else state.time,
    )
