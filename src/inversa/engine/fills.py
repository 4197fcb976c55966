"""Build the :class:`~inversa.engine.events.Filled` event of one trade from the state.

Each side's position moves by :meth:`InstrumentRules.apply_fill` (harmonic entry for
inverse, arithmetic for linear contracts; realised PnL at the unchanged entry); fees are
:meth:`InstrumentRules.fee`.  Amounts are in the settlement currency.  Moves, per side:

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
from typing import Literal

from inversa.contracts import Fill, PositionState, initial_margin
from inversa.engine._dec import ZERO
from inversa.engine.accounts import MarginMode
from inversa.engine.events import Filled, FillReason, FillSide
from inversa.engine.state import EngineState

__all__ = ["Liquidity", "build_fill", "fill_side"]

Liquidity = Literal["maker", "taker", "none"]


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
    rules = state.instruments[symbol]
    account = state.accounts[account_id]
    pos = account.positions.get(symbol)
    result = rules.apply_fill(pos.state if pos else PositionState(), Fill(quantity, price))
    size = abs(quantity)
    rate = {"maker": rules.maker, "taker": rules.taker, "none": ZERO}[liquidity]
    fee = rules.fee(size, price, rate) if rate != 0 else ZERO
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
            total = rules.value(abs(new.size), price)
            imr = rules.initial_rate(total, leverage)
            margin_delta += initial_margin(rules.value(opened, price), imr=imr)
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
