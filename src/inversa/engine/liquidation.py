"""Liquidation: bankruptcy and liquidation prices, the insurance fund, ADL, tier steps.

A margin unit (:class:`~inversa.engine.risk.Unit`) with ``equity <= maintenance`` at the
marks is liquidated.  Its positions are closed one by one, worst unrealised PnL first (so
in a cross wallet the position that made the loss absorbs the unit's equity and the
others close near their marks).  For each position, with ``B`` its bankruptcy price
(the price at which the unit's equity is 0, the unit's other positions held at their
marks) and ``X`` the liquidation fill price (the mark unless the caller gives another):

1. The liquidation engine takes the position over at ``B`` and sells it to the market
   (the venue's market maker) at ``X``.  The fund's result is
   ``inverse_pnl(side, n, B, X, CV)``: a surplus when ``X`` beats ``B``, a loss when not.
2. If the insurance fund cannot pay the loss of filling everything at ``X``, it fills
   only as many lots as it can pay for; the rest is **auto-deleveraged**: closed against
   the opposite side's positions ranked by BitMEX's rule (:mod:`inversa.engine.adl`) at
   ``B``.  With no market maker (or when the market maker is the account liquidated),
   everything goes to ADL.
3. The unit's remaining equity is swept: a surplus into the fund, a deficit out of it.
   A deficit the fund cannot cover stays on the account as a negative balance and is
   reported by a :class:`~inversa.engine.events.LossUncovered` event.

Liquidation and ADL fills pay no trading fee; the liquidated unit's whole remaining
equity goes to the fund instead.  With ``partial_liquidation`` on and a tier table, a
unit first steps down the tiers: each step closes just enough at ``X`` to bring the
position's value at the mark into the next lower tier, and stops once equity exceeds
maintenance again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from inversa.contracts import (
    ContractKind,
    Leg,
    LiquidationResult,
    TierTable,
    binance_coinm_prices,
    generic_prices,
    inverse_pnl,
    linear_pnl,
)
from inversa.engine._dec import TOLERANCE, ZERO, floor_to
from inversa.engine.accounts import Position
from inversa.engine.adl import adl_queue, allocate
from inversa.engine.events import (
    Event,
    FillReason,
    InsuranceFlow,
    LiquidationStarted,
    LossUncovered,
)
from inversa.engine.fills import build_fill
from inversa.engine.risk import (
    Unit,
    liquidatable_units,
    maintenance,
    mark_of,
    unit_equity,
    unit_maintenance,
    unit_positions,
    unrealised,
)
from inversa.engine.state import EngineState
from inversa.engine.terms import contract_lot
from inversa.errors import InversaError

__all__ = [
    "LiquidationFill",
    "LiquidationQuote",
    "bankruptcy_price",
    "collateral",
    "liquidate_unit",
    "liquidation_price",
    "market_fill_size",
    "run_liquidations",
]


@dataclass(frozen=True, slots=True)
class LiquidationQuote:
    """What a liquidation fill rule sees about the position being closed."""

    account: str
    symbol: str
    side: int
    contracts: Decimal
    mark: Decimal
    bankruptcy_price: Decimal
    liquidation_price: Decimal
    contract_value: Decimal = Decimal(1)


#: How liquidations fill: ``None`` at the mark, a price for every position, or a rule
#: ``quote -> price`` (returning ``None`` means the mark).
LiquidationFill = Decimal | Callable[[LiquidationQuote], Decimal | None] | None


class _Venue(Protocol):
    state: EngineState

    def _emit(self, event: Event) -> None: ...


def collateral(
    state: EngineState, account_id: str, pos: Position, *, net_of_maintenance: bool = False
) -> Decimal:
    """Coin backing ``pos`` besides its own PnL: the isolated margin, or the cross wallet
    plus the other cross positions' unrealised PnL at their marks (less their maintenance
    margin when ``net_of_maintenance``: Binance's ``WB - TMM1 + UPNL1``)."""
    if pos.isolated:
        return pos.margin
    coin = state.instruments[pos.symbol].settle
    total = state.accounts[account_id].wallet(coin)
    for other in unit_positions(state, Unit(account_id, coin)):
        if other.symbol != pos.symbol:
            total += unrealised(state, other)
            if net_of_maintenance:
                total -= maintenance(state, other)
    return total


def _leg(pos: Position, mmr: Decimal | None = None, cum: Decimal | None = None) -> Leg[Decimal]:
    return Leg(pos.side, pos.contracts, pos.entry, mmr, cum)


def _solve(
    leg: Leg[Decimal], backing: Decimal, contract_value: Decimal, tiers: TierTable | None = None
) -> LiquidationResult[Decimal]:
    """:func:`~inversa.contracts.binance_coinm_prices` on ``backing`` coin of collateral.

    The wallet balance argument must not be negative, so a negative ``backing`` (a cross
    wallet whose other positions lose more than it holds) is passed as zero wallet plus
    that much of the other positions' unrealised PnL, which the formula adds alike.
    """
    wallet = max(backing, ZERO)
    return binance_coinm_prices(
        [leg], wallet, contract_value, tiers=tiers, other_upnl=backing - wallet
    )


def _solve_linear(
    pos: Position,
    backing: Decimal,
    contract_value: Decimal,
    mmr: Decimal | None,
    cum: Decimal | None = None,
    tiers: TierTable | None = None,
) -> LiquidationResult[Decimal]:
    return generic_prices(
        pos.side,
        pos.entry,
        pos.contracts,
        contract_value,
        backing,
        mmr=mmr,
        cum=cum,
        tiers=tiers,
        kind=ContractKind.LINEAR,
    )


def no_price(price: Decimal) -> bool:
    """True for the "no such price" values: ``Infinity`` (an inverse short covered
    against any rise) or 0 (a linear long covered against any fall)."""
    return not price.is_finite() or price <= 0


def bankruptcy_price(state: EngineState, account_id: str, pos: Position) -> Decimal:
    """Price (USD/coin) at which ``pos``'s unit has zero equity; ``Infinity`` (inverse)
    or 0 (linear long) if none."""
    inst = state.instruments[pos.symbol]
    backing = collateral(state, account_id, pos)
    if inst.linear:
        return _solve_linear(pos, backing, inst.contract_value, ZERO).bankruptcy_price
    return _solve(_leg(pos, ZERO, ZERO), backing, inst.contract_value).bankruptcy_price


def liquidation_price(state: EngineState, account_id: str, pos: Position) -> Decimal:
    """Mark (USD/coin) at which ``pos``'s unit reaches maintenance margin, the unit's
    other positions held at their marks; ``Infinity`` (or 0 for a linear long) if no
    price does."""
    inst = state.instruments[pos.symbol]
    cv = inst.contract_value
    backing = collateral(state, account_id, pos, net_of_maintenance=True)
    if inst.linear:
        return _linear_liquidation_price(state, pos, backing)
    if inst.mm_at == "entry":
        fixed = maintenance(state, pos)
        return _solve(_leg(pos, ZERO, ZERO), backing - fixed, cv).liquidation_price
    if inst.tiers is not None:
        if backing >= 0:  # one leg on a tier table: the exact piecewise solution
            return generic_prices(
                pos.side, pos.entry, pos.contracts, cv, backing, tiers=inst.tiers
            ).liquidation_price
        return _solve(_leg(pos), backing, cv, inst.tiers).liquidation_price
    price = mark_of(state, pos.symbol)
    for _ in range(32):
        rate, cum = inst.maintenance_rate_and_cum(inst.value(pos.contracts, price))
        found = _solve(_leg(pos, rate, cum), backing, cv).liquidation_price
        if not found.is_finite() or found == price:
            return found
        price = found
    return price


def _linear_liquidation_price(state: EngineState, pos: Position, backing: Decimal) -> Decimal:
    inst = state.instruments[pos.symbol]
    cv = inst.contract_value
    if inst.mm_at == "entry":
        fixed = maintenance(state, pos)
        return _solve_linear(pos, backing - fixed, cv, ZERO).liquidation_price
    if inst.tiers is not None:
        return _solve_linear(pos, backing, cv, None, tiers=inst.tiers).liquidation_price
    price = mark_of(state, pos.symbol)
    for _ in range(32):
        rate, cum = inst.maintenance_rate_and_cum(inst.value(pos.contracts, price))
        found = _solve_linear(pos, backing, cv, rate, cum).liquidation_price
        if no_price(found) or found == price:
            return found
        price = found
    return price


def market_fill_size(
    side: int,
    contracts: Decimal,
    bankruptcy: Decimal,
    fill: Decimal,
    contract_value: Decimal,
    fund: Decimal,
    lot: Decimal,
    *,
    linear: bool = False,
) -> Decimal:
    """Contracts the liquidation engine can sell to the market at ``fill``.

    All of them when ``fill`` is at least as good as ``bankruptcy`` for the fund or the
    fund covers the whole loss; otherwise the whole lots whose loss the fund can pay.
    ``linear``: a linear contract (amounts in USD).
    """
    if no_price(bankruptcy):
        return contracts
    pnl = linear_pnl if linear else inverse_pnl
    gain = pnl(side, contracts, bankruptcy, fill, contract_value)
    if gain >= 0 or fund + gain >= 0:
        return contracts
    if fund <= 0:
        return ZERO
    per_contract = -gain / contracts
    return min(contracts, floor_to(fund / per_contract, lot))


def _fill_price(
    state: EngineState, account_id: str, pos: Position, rule: LiquidationFill
) -> Decimal:
    mark = mark_of(state, pos.symbol)
    if rule is None:
        return mark
    if isinstance(rule, Decimal):
        return rule
    quote = LiquidationQuote(
        account=account_id,
        symbol=pos.symbol,
        side=pos.side,
        contracts=pos.contracts,
        mark=mark,
        bankruptcy_price=bankruptcy_price(state, account_id, pos),
        liquidation_price=liquidation_price(state, account_id, pos),
        contract_value=state.instruments[pos.symbol].contract_value,
    )
    price = rule(quote)
    if price is None:
        return mark
    if not (price.is_finite() and price > 0):
        raise InversaError(f"liquidation fill rule returned {price!r} for {quote}")
    return price


def _trade(
    venue: _Venue,
    symbol: str,
    seller_or_buyer: tuple[str, str],
    side: int,
    contracts: Decimal,
    price: Decimal,
    reason: FillReason,
    keep: str | None = None,
) -> None:
    """The liquidated account (first) closes ``contracts`` of its ``side`` position."""
    liquidated, other = seller_or_buyer
    buyer, seller = (other, liquidated) if side > 0 else (liquidated, other)
    venue._emit(
        build_fill(
            venue.state, symbol, buyer, seller, contracts, price, reason, keep_in_margin=keep
        )
    )


def _deleverage(
    venue: _Venue, account_id: str, pos: Position, contracts: Decimal, price: Decimal
) -> None:
    state = venue.state
    counter = -pos.side
    bankrupt: dict[str, Decimal] = {}
    for acc in state.accounts.values():
        other = acc.positions.get(pos.symbol)
        if acc.id != account_id and other is not None and other.side == counter:
            bankrupt[acc.id] = bankruptcy_price(state, acc.id, other)
    queue = adl_queue(state, pos.symbol, counter, account_id, bankrupt)
    plan = allocate(queue, contracts)
    if sum((q for _, q in plan), ZERO) != contracts:  # pragma: no cover - OI balances
        raise InversaError(f"ADL cannot fill {contracts} {pos.symbol}: open interest unbalanced")
    for counterparty, take in plan:
        _trade(venue, pos.symbol, (account_id, counterparty), pos.side, take, price, "adl")


def _sweep(venue: _Venue, unit: Unit, remainder: Decimal, last: bool) -> None:
    """Move the unit's remaining equity to (or its deficit from) the insurance fund."""
    if remainder == 0:
        return
    state = venue.state
    if remainder > 0:
        venue._emit(InsuranceFlow(unit.account, unit.coin, unit.symbol, remainder))
        return
    fund = state.insurance.get(unit.coin, ZERO)
    deficit = -remainder
    cover = min(deficit, max(fund, ZERO))
    if deficit - cover <= TOLERANCE:
        cover = deficit  # rounding dust at the bankruptcy price is the fund's
    if cover > 0:
        venue._emit(InsuranceFlow(unit.account, unit.coin, unit.symbol, -cover))
    if last and deficit - cover > 0:
        venue._emit(LossUncovered(unit.account, unit.coin, deficit - cover))


def _counterparty(state: EngineState, account_id: str) -> str | None:
    maker = state.market_maker
    if maker is None or maker == account_id or maker not in state.accounts:
        return None
    return maker


def _step_down(venue: _Venue, unit: Unit, rule: LiquidationFill, maker: str) -> bool:
    """Partial liquidation by tiers; True when the unit is healthy again."""
    state = venue.state
    while True:
        candidates = []
        for pos in unit_positions(state, unit):
            inst = state.instruments[pos.symbol]
            tiers = inst.tiers
            if tiers is None:
                continue
            mark = mark_of(state, pos.symbol)
            value = inst.value(pos.contracts, mark)
            index = tiers.index(value)
            if index == 0:
                continue
            keep = floor_to(
                inst.contracts_for(tiers.tiers[index - 1].upper, mark), contract_lot(inst)
            )
            if 0 < keep < pos.contracts:
                candidates.append((maintenance(state, pos), pos, pos.contracts - keep))
        if not candidates:
            return False
        candidates.sort(key=lambda c: (-c[0], c[1].symbol))
        _, pos, cut = candidates[0]
        price = _fill_price(state, unit.account, pos, rule)
        _trade(
            venue,
            pos.symbol,
            (unit.account, maker),
            pos.side,
            cut,
            price,
            "partial_liquidation",
            keep=unit.account,
        )
        if unit_equity(state, unit) > unit_maintenance(state, unit):
            return True


def liquidate_unit(venue: _Venue, unit: Unit, rule: LiquidationFill) -> None:
    """Liquidate one unit (see the module docstring)."""
    state = venue.state
    positions = unit_positions(state, unit)
    venue._emit(
        LiquidationStarted(
            account=unit.account,
            coin=unit.coin,
            symbol=unit.symbol,
            equity=unit_equity(state, unit),
            maintenance=unit_maintenance(state, unit),
            bankruptcy_prices=tuple(
                (p.symbol, bankruptcy_price(state, unit.account, p)) for p in positions
            ),
            time=state.time,
        )
    )
    maker = _counterparty(state, unit.account)
    if state.partial_liquidation and maker is not None and _step_down(venue, unit, rule, maker):
        return
    order = sorted(unit_positions(state, unit), key=lambda p: (unrealised(state, p), p.symbol))
    account = state.accounts[unit.account]
    for i, first in enumerate(order):
        pos = account.positions[first.symbol]
        inst = state.instruments[pos.symbol]
        wallet_before = account.wallet(unit.coin)
        bankrupt = bankruptcy_price(state, unit.account, pos)
        fill = _fill_price(state, unit.account, pos, rule)
        fund = state.insurance.get(unit.coin, ZERO)
        size = pos.contracts
        at_market = ZERO
        if maker is not None:
            at_market = market_fill_size(
                pos.side,
                size,
                bankrupt,
                fill,
                inst.contract_value,
                fund,
                contract_lot(inst),
                linear=inst.linear,
            )
        if at_market > 0 and maker is not None:
            _trade(
                venue, pos.symbol, (unit.account, maker), pos.side, at_market, fill, "liquidation"
            )
        if size - at_market > 0:
            # No finite bankruptcy price: the unit is insolvent at any price (or, for a
            # short, never bankrupt); counterparties then take it at the fill price.
            price = fill if no_price(bankrupt) else bankrupt
            _deleverage(venue, unit.account, pos, size - at_market, price)
        if unit.isolated:
            remainder = account.wallet(unit.coin) - wallet_before
        else:
            remainder = unit_equity(state, unit)
        _sweep(venue, unit, remainder, last=i == len(order) - 1)


def _crossing_order(
    state: EngineState, due: list[Unit], moved: tuple[str, Decimal] | None
) -> list[Unit]:
    """``due`` in the order continuous trading would have reached them.

    After a mark move of ``moved = (symbol, previous mark)``: by how far the mark had to
    travel from the previous mark to each unit's liquidation price (the nearest trigger
    first).  Otherwise (funding, fills): the unit furthest below maintenance first,
    relative to its maintenance.  Ties: account id.
    """

    def shortfall(unit: Unit) -> Decimal:
        need = unit_maintenance(state, unit)
        gap = unit_equity(state, unit) - need
        return gap / need if need > 0 else gap

    def distance(unit: Unit) -> Decimal:
        assert moved is not None
        symbol, previous = moved
        best: Decimal | None = None
        for pos in unit_positions(state, unit):
            if pos.symbol != symbol:
                continue
            price = liquidation_price(state, unit.account, pos)
            if no_price(price):
                continue
            gap = abs(previous - price)
            best = gap if best is None or gap < best else best
        return ZERO if best is None else best

    key = distance if moved is not None else shortfall
    return sorted(due, key=lambda u: (key(u), u.account, u.coin, u.symbol or ""))


def run_liquidations(
    venue: _Venue,
    rule: LiquidationFill = None,
    limit: int = 100_000,
    *,
    moved: tuple[str, Decimal] | None = None,
) -> int:
    """Liquidate units until none is at or below maintenance; returns how many were.

    Units due at the same time go in the order the move reached them
    (:func:`_crossing_order`; ``moved`` is the symbol just marked and its previous mark),
    so a 50x long whose trigger the fall crossed first uses the fund before a 5x long.
    """
    finder = getattr(venue, "_due_units", None) or liquidatable_units
    count = 0
    while True:
        due = finder(venue.state)
        if not due:
            return count
        if len(due) > 1:
            due = _crossing_order(venue.state, due, moved)
        liquidate_unit(venue, due[0], rule)
        count += 1
        if count > limit:  # pragma: no cover - each round closes a position
            raise InversaError("liquidation did not settle")
