"""Bankruptcy and liquidation prices of inverse positions under named venue models.

Definitions shared by every venue: a position is liquidated when the mark reaches the
liquidation price ``L`` (equity = maintenance margin) and closed at the bankruptcy price
``B`` (equity = 0).  All prices are USD per coin; margins and balances are in the
settlement coin; ``side`` is +1 long, -1 short.  Outputs are exact and unrounded; venue
rounding (:func:`round_to_tick`) is applied only at the venue boundary.

A short whose collateral covers any rise has no liquidation or bankruptcy price: the
functions return positive infinity for it.

Models (see ``reference/inverse_contracts.md`` section 2.7; callers choose one by name through
:mod:`inversa.contracts.liquidation_models`):

``bybit-classic`` / ``bybit-uta-a``
    Isolated, maintenance margin valued at the **entry** price:
    ``L = N*CV / (PV_E + side*(IM + extra - MM_E))``, ``MM_E = PV_E*MMR - ded``.
    For ``extra = ded = 0`` this is Bybit's classic ``E*lev/(lev + side*(1 - MMR*lev))``.
``bybit-uta-b``
    Isolated, maintenance margin valued at the **liquidation mark**, fees on added margin:
    ``L = N*CV*(1 + side*MMR) / (PV_E + side*(IM + extra/(1 + side*taker) + ded))``.
``binance-coinm``
    Cross or isolated, MM valued at ``L``, one bracket ``(MMR, cum)`` per leg:
    ``L = (sum_legs side*N*CV*(1 + side*MMR)) / (WB - TMM1 + UPNL1 + sum cum + sum side*N*CV/E)``;
    with a bracket table the bracket is re-chosen at ``L`` until it is stable.
``generic``
    Equity = MM solved exactly on a tier table (MM valued at the mark), by solving each
    tier in closed form and keeping the one whose position value at ``L`` lies in it;
    :func:`generic_prices` also solves a linear position (``kind=ContractKind.LINEAR``,
    the form of :mod:`inversa.contracts.linear`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any, Generic, Literal, cast

import numpy as np

from inversa.contracts._check import check_leverage, check_nonnegative, check_positive
from inversa.contracts._num import Num, like, maximum, where
from inversa.contracts.margin import TierTable
from inversa.contracts.spec import ContractKind
from inversa.errors import InputError

__all__ = [
    "Leg",
    "LiquidationResult",
    "binance_coinm_prices",
    "bybit_classic_cross_prices",
    "bybit_isolated_prices",
    "flat_rate",
    "generic_prices",
    "round_to_tick",
]


@dataclass(frozen=True, slots=True)
class LiquidationResult(Generic[Num]):
    """Liquidation and bankruptcy price (USD per coin); ``inf`` where none exists."""

    liquidation_price: Num
    bankruptcy_price: Num


def bybit_isolated_prices(
    side: Num | int,
    entry: Num,
    leverage: Num,
    mmr: Num,
    contracts: Num,
    contract_value: Num,
    *,
    deduction: Num | None = None,
    extra_margin: Num | None = None,
    mm_at: Literal["entry", "mark"] = "entry",
    taker: Num | None = None,
) -> LiquidationResult[Num]:
    """Bybit isolated margin: ``mm_at="entry"`` is classic / UTA version A, ``"mark"`` UTA B.

    Args:
        side: +1 long, -1 short.
        entry: average entry price, USD per coin.
        leverage: initial margin is ``PV_E / leverage``.
        mmr: maintenance rate of the position's tier.
        contracts: contract count (> 0); CV in USD per contract.
        deduction: the tier's MM deduction in coin (0 by default).
        extra_margin: margin added to the position in coin (0 by default).
        mm_at: where maintenance margin is valued.
        taker: taker fee rate, used by version B on added margin (0 by default).
    """
    check_positive("entry", entry)
    check_leverage(leverage)
    check_nonnegative("mmr", mmr)
    zero = entry - entry
    ded = zero if deduction is None else deduction
    extra = zero if extra_margin is None else check_nonnegative("extra_margin", extra_margin)
    fee = zero if taker is None else taker
    usd = check_positive("contracts", contracts) * check_positive("contract_value", contract_value)
    pv_entry = usd / entry
    im = pv_entry / leverage
    if mm_at == "entry":
        mm = pv_entry * mmr - ded
        liq = _signed_price(usd, pv_entry + side * (im + extra - mm))
        bankrupt = _signed_price(usd, pv_entry + side * (im + extra))
    elif mm_at == "mark":
        funded = extra / (1 + side * fee)
        liq = _signed_price(usd * (1 + side * mmr), pv_entry + side * (im + funded + ded))
        bankrupt = _signed_price(usd, pv_entry + side * (im + funded))
    else:
        raise InputError("mm_at", mm_at, "must be 'entry' or 'mark'")
    return LiquidationResult(liq, bankrupt)


def bybit_classic_cross_prices(
    side: Num | int,
    entry: Num,
    contracts: Num,
    contract_value: Num,
    balance: Num,
    mmr: Num,
    taker: Num,
    order_margin: Num | None = None,
) -> LiquidationResult[Num]:
    """Bybit inverse cross margin (standard account, before UTA).

    The whole ``balance`` (coin) less ``order_margin`` backs the position; the taker fee
    to close at the bankruptcy price is held back:
    ``B = N*CV*(1 + side*taker) / (PV_E + side*available)`` and
    ``side*N*CV*(1/E - 1/L) = -(available - PV_E*MMR - N*CV*taker/B)``.
    """
    check_positive("entry", entry)
    check_nonnegative("balance", balance)
    usd = check_positive("contracts", contracts) * check_positive("contract_value", contract_value)
    available = balance if order_margin is None else balance - order_margin
    pv_entry = usd / entry
    bankrupt = _signed_price(usd * (1 + side * taker), pv_entry + side * available)
    close_fee = where(_finite(bankrupt), usd * taker / bankrupt, entry - entry)
    cushion = available - pv_entry * mmr - close_fee
    liq = _signed_price(usd, pv_entry + side * cushion)
    return LiquidationResult(liq, bankrupt)


def _finite(x: Num) -> bool | np.ndarray:
    if isinstance(x, np.ndarray):
        return np.isfinite(x)
    return bool(x.is_finite()) if isinstance(x, Decimal) else bool(np.isfinite(x))


@dataclass(frozen=True, slots=True)
class Leg(Generic[Num]):
    """One leg of a Binance COIN-M position (hedge mode has a long and a short leg).

    ``mmr`` and ``cum`` fix the bracket; leave them ``None`` to choose it from a table.
    """

    side: int
    contracts: Num
    entry: Num
    mmr: Num | None = None
    cum: Num | None = None


def _leg_sums(
    legs: Sequence[Leg[Num]], contract_value: Num, rates: Sequence[tuple[Num, Num]]
) -> tuple[Num, Num, Num]:
    """(sum side*N*CV*(1+side*MMR), sum cum, sum side*N*CV/E) over the legs."""
    first = legs[0].entry
    num = den_pv = cum_total = first - first
    for leg, (mmr, cum) in zip(legs, rates, strict=True):
        usd = leg.contracts * contract_value
        num = num + leg.side * usd * (1 + leg.side * mmr)
        den_pv = den_pv + leg.side * usd / leg.entry
        cum_total = cum_total + cum
    return num, cum_total, den_pv


def _signed_price(numerator: Num, denominator: Num) -> Num:
    """The price solving ``denominator = numerator / P`` when it is positive, else +inf."""
    if isinstance(numerator, np.ndarray) or isinstance(denominator, np.ndarray):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(numerator / denominator)
        return np.where(out > 0, out, np.inf)
    if denominator == 0:
        return like(denominator, "Infinity") if isinstance(denominator, Decimal) else float("inf")
    value = numerator / denominator
    if value > 0:
        return value
    return like(value, "Infinity") if isinstance(value, Decimal) else float("inf")


def _validate_legs(legs: Sequence[Leg[Num]]) -> None:
    if not legs:
        raise InputError("legs", "[]", "need at least one position leg")
    for i, leg in enumerate(legs):
        if leg.side not in (1, -1):
            raise InputError(f"legs[{i}].side", leg.side, "must be +1 (long) or -1 (short)")
        check_positive(f"legs[{i}].contracts", leg.contracts)
        check_positive(f"legs[{i}].entry", leg.entry)


def binance_coinm_prices(
    legs: Sequence[Leg[Num]],
    wallet_balance: Num,
    contract_value: Num,
    *,
    tiers: TierTable | None = None,
    other_maintenance: Num | None = None,
    other_upnl: Num | None = None,
    max_iterations: int = 32,
) -> LiquidationResult[Num]:
    """Binance COIN-M liquidation price, one-way (one leg) or hedge mode (two legs).

    ``wallet_balance`` is the cross wallet (then ``other_maintenance`` and ``other_upnl``
    are TMM1 and UPNL1 of the wallet's other contracts) or the isolated wallet.  Legs
    without an explicit bracket take it from ``tiers`` at the position value at entry,
    then at the liquidation price, until the bracket used is the one at the result.
    """
    _validate_legs(legs)
    check_nonnegative("wallet_balance", wallet_balance)
    zero = wallet_balance - wallet_balance
    collateral = wallet_balance - (zero if other_maintenance is None else other_maintenance)
    collateral = collateral + (zero if other_upnl is None else other_upnl)
    check_positive("contract_value", contract_value)

    def bracket(leg: Leg[Num], price: Num) -> tuple[Num, Num]:
        if leg.mmr is not None:
            return leg.mmr, zero + (zero if leg.cum is None else leg.cum)
        if tiers is None:
            raise InputError("mmr", None, "give --mmr (and --maintenance-amount) or a tier table")
        return tiers.rate_and_cum(leg.contracts * contract_value / price)

    rates = [bracket(leg, leg.entry) for leg in legs]
    converged = False
    for _ in range(max_iterations):
        num, cum, pv = _leg_sums(legs, contract_value, rates)
        liq = _signed_price(num, collateral + cum + pv)
        finite = _finite(liq)
        # Where this bracket has no solution, the next probe stays at the entry bracket.
        new_rates = [bracket(leg, where(finite, liq, leg.entry)) for leg in legs]
        if _same(new_rates, rates):
            converged = True
            break
        rates = new_rates
    single = len(legs) == 1 and legs[0].mmr is None and tiers is not None
    if single:
        # The bracket whose own solution lies in it is unique (equity - MM is monotone in
        # 1/P), so the exact piecewise solution is the fixed point the search looks for; it
        # also settles the cases the search cannot: brackets alternating at a boundary, and
        # a short with no solution in its entry bracket but one in a lower bracket.
        leg = legs[0]
        assert tiers is not None
        # The tier solver itself, not generic_prices: a cross wallet's collateral net of
        # its other positions may be negative (a short can still be solvent below entry).
        usd = leg.contracts * contract_value
        exact = _solve_tiers(leg.side, usd, collateral + leg.side * usd / leg.entry, tiers)
        liq = where(finite, liq, exact) if converged else exact
    elif not converged:
        raise InputError("tiers", "bracket search", "did not converge")
    bnum, _, bpv = _leg_sums(legs, contract_value, [(zero, zero)] * len(legs))
    bankrupt = _signed_price(bnum, collateral + bpv)
    return LiquidationResult(liq, bankrupt)


def _same(a: Sequence[tuple[Num, Num]], b: Sequence[tuple[Num, Num]]) -> bool:
    for (r1, c1), (r2, c2) in zip(a, b, strict=True):
        if isinstance(r1, np.ndarray):
            if not (
                np.array_equal(r1, cast(Any, r2)) and np.array_equal(cast(Any, c1), cast(Any, c2))
            ):
                return False
        elif r1 != r2 or c1 != c2:
            return False
    return True


def flat_rate(mmr: Num | None, tiers: TierTable | None) -> Num | None:
    """Check that exactly one of a flat maintenance rate ``mmr`` (fraction, >= 0) and a
    tier table is given; the checked rate, or None with a tier table."""
    if tiers is None:
        if mmr is None:
            raise InputError("mmr", None, "give a maintenance rate or a tier table")
        return check_nonnegative("mmr", mmr)
    if mmr is not None:
        raise InputError("mmr", mmr, "give either a flat mmr or a tier table, not both")
    return None


def generic_prices(
    side: Num | int,
    entry: Num,
    contracts: Num,
    contract_value: Num,
    collateral: Num,
    *,
    mmr: Num | None = None,
    cum: Num | None = None,
    tiers: TierTable | None = None,
    kind: ContractKind = ContractKind.INVERSE,
) -> LiquidationResult[Num]:
    """Equity = maintenance margin solved exactly, MM valued at the liquidation price.

    Give either one bracket (``mmr``, optional deduction ``cum``) or a tier table: each
    tier is solved in closed form and the tier containing the position value at its own
    solution is kept (equity minus MM is monotone in the price, so it is unique).

    Inverse (``kind`` INVERSE, CV in USD): ``collateral`` is the margin backing the
    position in coin, >= 0 (isolated: the position margin; cross: wallet balance less
    other positions' MM plus their UPnL); MM ``value*mmr - cum`` in coin; a covered short
    gets ``inf``.  Linear (``kind`` LINEAR, CV in coin, tiers in USD): ``collateral`` is
    USD of any sign (Binance USD-M form, see :mod:`inversa.contracts.linear`); a long
    that no positive price liquidates gets 0.
    """
    check_positive("entry", entry)
    if kind is ContractKind.LINEAR:
        q = check_positive("contracts", contracts) * check_positive(
            "contract_value", contract_value
        )
        return _linear_prices(side, entry, q, collateral, flat_rate(mmr, tiers), cum, tiers)
    check_nonnegative("collateral", collateral)
    usd = check_positive("contracts", contracts) * check_positive("contract_value", contract_value)
    pv_entry = usd / entry
    base = collateral + side * pv_entry
    bankrupt = _signed_price(side * usd, base)
    rate = flat_rate(mmr, tiers)
    if rate is not None:
        backing = base if cum is None else base + cum
        return LiquidationResult(_signed_price(usd * (side + rate), backing), bankrupt)
    return LiquidationResult(_solve_tiers(side, usd, base, cast(TierTable, tiers)), bankrupt)


def _solve_tiers(side: Num | int, usd: Num, base: Num, tiers: TierTable) -> Num:
    if isinstance(usd, np.ndarray) or isinstance(base, np.ndarray):
        result = np.full(np.broadcast(usd, base).shape, np.inf)
        found = np.zeros(result.shape, dtype=bool)
        for tier in tiers.tiers:
            mmr, cum = float(tier.mmr), float(tier.cum)
            price = _signed_price(usd * (side + mmr), base + cum)
            value = usd / price
            inside = (value > float(tier.floor)) & (value <= float(tier.upper)) & ~found
            result = np.where(inside, price, result)
            found |= inside
        return result
    for tier in tiers.tiers:
        mmr_k = tier.mmr if isinstance(usd, Decimal) else float(tier.mmr)
        cum_k = tier.cum if isinstance(usd, Decimal) else float(tier.cum)
        price = _signed_price(usd * (side + mmr_k), base + cum_k)
        if not _finite(price):
            continue
        value = usd / price
        if tier.floor < value <= tier.upper:
            return price
    # No tier holds its own solution: equity never falls to MM (a well-funded short).
    return like(usd, "Infinity") if isinstance(usd, Decimal) else float("inf")


def _linear_price(side: Num | int, q: Num, entry: Num, collateral: Num, mmr: Num, cum: Num) -> Num:
    """Equity = ``q*P*mmr - cum`` solved for ``P``; 0 when no positive price solves it."""
    price = (collateral + cum - side * q * entry) / (q * (mmr - side))
    return maximum(price, price - price)


def _linear_prices(
    side: Num | int,
    entry: Num,
    q: Num,
    collateral: Num,
    flat: Num | None,
    cum: Num | None,
    tiers: TierTable | None,
) -> LiquidationResult[Num]:
    """:func:`generic_prices` of a linear position of ``q = N*CV`` coin: equity
    ``C + side*q*(P - E)`` = MM ``q*P*mmr - cum``, bracket ``flat`` or a tier table."""
    zero = q - q
    bankrupt = _linear_price(side, q, entry, collateral, zero, zero)
    if flat is not None:
        return LiquidationResult(
            _linear_price(side, q, entry, collateral, flat, zero + (cum or zero)), bankrupt
        )
    tiers = cast(TierTable, tiers)
    if isinstance(q, np.ndarray) or isinstance(collateral, np.ndarray):
        qa: Any = q
        result = np.zeros(np.broadcast(q, collateral).shape)
        found = np.zeros(result.shape, dtype=bool)
        for tier in tiers.tiers:
            price: Any = _linear_price(
                side, qa, entry, collateral, float(tier.mmr), float(tier.cum)
            )
            value = qa * price
            inside = (value > float(tier.floor)) & (value <= float(tier.upper)) & ~found
            result = np.where(inside, price, result)
            found |= inside
        return LiquidationResult(cast(Any, result), bankrupt)
    exact = isinstance(q, Decimal)
    for tier in tiers.tiers:
        rate: Any = tier.mmr if exact else float(tier.mmr)
        ded: Any = tier.cum if exact else float(tier.cum)
        price = _linear_price(side, q, entry, collateral, rate, ded)
        if price <= 0:
            return LiquidationResult(price, bankrupt)  # the long is never liquidated
        if tier.floor < q * price <= tier.upper:
            return LiquidationResult(price, bankrupt)
    return LiquidationResult(like(q, 0), bankrupt)  # pragma: no cover - top tier is open


def round_to_tick(price: Decimal, tick: Decimal, mode: Literal["up", "down", "nearest"]) -> Decimal:
    """Round ``price`` to a multiple of ``tick`` (venue boundary only).

    Bybit rounds a long's bankruptcy price up and a short's down.
    """
    check_positive("tick", tick)
    if not price.is_finite():
        return price
    rounding = {"up": ROUND_CEILING, "down": ROUND_FLOOR, "nearest": ROUND_HALF_EVEN}.get(mode)
    if rounding is None:
        raise InputError("mode", mode, "must be 'up', 'down' or 'nearest'")
    return (price / tick).to_integral_value(rounding=rounding) * tick
