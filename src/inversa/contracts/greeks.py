"""Greeks of a coin-margined account: delta and gamma in coin and in USD, collateral included.

An account holds ``wallet`` coin of collateral (and, for the linear comparison, ``cash``
USD) and one position: ``side`` +1 long / -1 short, ``contracts`` > 0 of ``contract_value``
each, opened at ``entry``; ``price`` S is USD per coin.

- Inverse (CV in USD per contract): coin equity ``W + side*N*CV*(1/E - 1/S)``.
- Linear (CV in coin per contract): USD equity ``U + W*S + side*N*CV*(S - E)``.

USD equity is ``S * coin equity``.  Definitions (all derivatives with respect to S):

- ``delta_coin = d(coin equity)/dS`` in coin per (USD/coin), ``gamma_coin`` its derivative;
- ``delta_usd = d(USD equity)/dS`` in coin (the coin-equivalent exposure), ``gamma_usd``
  its derivative, in coin per (USD/coin);
- ``effective_leverage = delta_usd * S / USD equity`` (signed: negative is net short).

USD equity of both kinds is affine in S, ``equity_usd = D*S - K`` with ``D = delta_usd``:
for an inverse position ``D = W + side*N*CV/E`` and ``K = side*N*CV``; for a linear one
``D = W + side*N*CV`` and ``K = side*N*CV*E - U``.  So ``gamma_usd`` is exactly 0 (an
inverse short on coin collateral included: the coin rises with S, the short's coin value
falls with S, and the two cancel in USD), while the leverage ``D*S/(D*S - K)`` varies with
S: it rises as the price falls for a net long.  Every function runs on Decimal scalars and
on float64 arrays alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Generic

import numpy as np

from inversa.contracts._check import check_nonnegative, check_positive
from inversa.contracts._num import Num, like, where
from inversa.contracts.liquidation import generic_prices
from inversa.contracts.spec import ContractKind
from inversa.errors import InputError

__all__ = [
    "AccountRisk",
    "AffineEquity",
    "Greeks",
    "account_risk",
    "affine_equity",
    "effective_leverage",
    "greeks",
    "price_at_leverage",
    "usd_neutral_short",
]


@dataclass(frozen=True, slots=True)
class Greeks(Generic[Num]):
    """Equity and its sensitivities to the price S at one price.

    Attributes:
        equity_coin: account equity in coin.
        equity_usd: account equity in USD (``S * equity_coin``).
        delta_coin: d(equity_coin)/dS, coin per USD/coin.
        gamma_coin: d²(equity_coin)/dS², coin per (USD/coin)².
        delta_usd: d(equity_usd)/dS, in coin.
        gamma_usd: d²(equity_usd)/dS², coin per USD/coin (0 for both kinds).
        effective_leverage: ``delta_usd * S / equity_usd``, signed; NaN (undefined)
            where USD equity is not positive.
    """

    equity_coin: Num
    equity_usd: Num
    delta_coin: Num
    gamma_coin: Num
    delta_usd: Num
    gamma_usd: Num
    effective_leverage: Num


@dataclass(frozen=True, slots=True)
class AffineEquity(Generic[Num]):
    """USD equity as ``slope * S - offset``: slope in coin, offset in USD."""

    slope: Num
    offset: Num


def _zero(x: Num) -> Num:
    return x - x


def _from_affine(equity: AffineEquity[Num], price: Num) -> Greeks[Num]:
    """Greeks of USD equity ``D*S - K``: in coin ``D - K/S``, so ``delta_coin = K/S²``
    and ``gamma_coin = -2K/S³``; ``delta_usd = D``, ``gamma_usd = 0``."""
    slope, offset = equity.slope, equity.offset
    equity_coin = slope - offset / price  # exactly 0 at the entry of a bare inverse position
    equity_usd = price * equity_coin
    return Greeks(
        equity_coin=equity_coin,
        equity_usd=equity_usd,
        delta_coin=offset / (price * price),
        gamma_coin=-2 * offset / (price * price * price),
        delta_usd=slope,
        gamma_usd=_zero(price),
        effective_leverage=effective_leverage(slope, price, equity_usd),
    )


def effective_leverage(delta_usd: Num, price: Num, equity_usd: Num) -> Num:
    """``delta_usd * S / equity_usd``; where equity <= 0 the leverage is undefined: NaN.

    Positive is net long, negative net short; 0 is USD-neutral.
    """
    exposure = delta_usd * price
    if isinstance(equity_usd, np.ndarray) or isinstance(exposure, np.ndarray):
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.asarray(exposure / equity_usd, dtype=np.float64)
        return np.where(np.asarray(equity_usd) > 0, ratio, np.nan)
    if equity_usd > 0:
        return exposure / equity_usd
    return like(equity_usd, "NaN")


def affine_equity(
    kind: ContractKind,
    side: Num | int,
    contracts: Num,
    entry: Num,
    contract_value: Num,
    wallet: Num,
    cash: Num | None = None,
) -> AffineEquity[Num]:
    """The (slope, offset) of USD equity ``slope*S - offset`` for one position.

    ``wallet`` is coin collateral, ``cash`` USD collateral (linear comparison only).
    """
    notional = side * contracts * contract_value
    usd = _zero(wallet) if cash is None else cash
    if kind is ContractKind.INVERSE:
        if cash is not None:
            raise InputError("cash", cash, "an inverse account holds coin collateral only")
        return AffineEquity(wallet + notional / entry, notional)
    return AffineEquity(wallet + notional, notional * entry - usd)


def greeks(
    kind: ContractKind,
    side: Num | int,
    contracts: Num,
    entry: Num,
    price: Num,
    contract_value: Num,
    wallet: Num | None = None,
    cash: Num | None = None,
) -> Greeks[Num]:
    """Greeks at ``price`` of ``wallet`` coin (0 if omitted) plus one position of ``kind``.

    Inverse (CV in USD per contract): ``delta_coin = side*N*CV/S²``,
    ``gamma_coin = -2*side*N*CV/S³``, ``delta_usd = W + side*N*CV/E``, ``gamma_usd = 0``.

    Linear (CV in coin per contract), plus ``cash`` USD (>= 0; an inverse account holds
    coin only): ``delta_usd = W + side*N*CV``, ``gamma_usd = 0``; in coin
    ``equity_coin = W + (U - side*N*CV*E)/S + side*N*CV``, so
    ``delta_coin = (side*N*CV*E - U)/S²`` and ``gamma_coin = -2*(side*N*CV*E - U)/S³``.
    """
    check_positive("contracts", contracts)
    check_positive("entry", entry)
    check_positive("price", price)
    check_positive("contract_value", contract_value)
    w = check_nonnegative("wallet", _zero(price) if wallet is None else wallet)
    if cash is not None:
        check_nonnegative("cash", cash)
    return _from_affine(affine_equity(kind, side, contracts, entry, contract_value, w, cash), price)


def price_at_leverage(equity: AffineEquity[Num], target: Num) -> Num:
    """The price S > 0 at which ``effective_leverage`` equals ``target`` (USD per coin).

    Solves ``D*S / (D*S - K) = T``: ``S = K*T / (D*(T - 1))``.  Where no positive price
    with positive equity solves it (a neutral account, a target of 1 or 0, or a target on
    the other side of the exposure), the result is +inf (NumPy: ``inf``).
    """
    slope, offset = equity.slope, equity.offset
    numerator = offset * target
    denominator = slope * (target - 1)
    if isinstance(numerator, np.ndarray) or isinstance(denominator, np.ndarray):
        with np.errstate(divide="ignore", invalid="ignore"):
            price = np.asarray(numerator / denominator, dtype=np.float64)
            ok = (price > 0) & np.isfinite(price) & (slope * price - offset > 0)
        return np.where(ok, price, np.inf)
    if denominator == 0:
        return like(numerator, "Infinity")
    price = numerator / denominator
    return where(price > 0 and slope * price - offset > 0, price, like(price, "Infinity"))


def usd_neutral_short(delta_usd: Num) -> Num:
    """Coin to sell short (spot or a linear perpetual, delta 1 coin per coin) so that the
    account's USD delta is 0; negative means buy.  Since ``gamma_usd`` is 0 the hedge stays
    neutral at every price (fees, funding and the hedge's own margin aside)."""
    return delta_usd


@dataclass(frozen=True, slots=True)
class AccountRisk:
    """Greeks and variable leverage of one inverse position on a coin wallet (Decimal).

    Attributes:
        with_wallet / without_wallet: the inverse position's Greeks with the wallet and
            with wallet 0.
        linear_with_wallet / linear_without_wallet: a linear position of the same coin
            size at entry (``N*CV/E`` coin, same side and entry), on the same coin wallet.
        grid: (price, effective leverage, USD equity) on the price grid.
        leverage_doubles_at: the price where the effective leverage is twice today's
            (USD per coin; +inf if none).
        liquidation_price / bankruptcy_price: cross margin on the whole wallet, equity =
            ``mmr`` times the position value at the mark (``generic`` model); +inf if none.
        neutral_short_coin: spot or linear short (coin) making the account USD-neutral.
    """

    with_wallet: Greeks[Decimal]
    without_wallet: Greeks[Decimal]
    linear_with_wallet: Greeks[Decimal]
    linear_without_wallet: Greeks[Decimal]
    grid: tuple[tuple[Decimal, Decimal, Decimal], ...]
    leverage_doubles_at: Decimal
    liquidation_price: Decimal
    bankruptcy_price: Decimal
    neutral_short_coin: Decimal


def account_risk(
    side: int,
    contracts: Decimal,
    entry: Decimal,
    price: Decimal,
    contract_value: Decimal,
    wallet: Decimal,
    mmr: Decimal,
    grid: tuple[Decimal, ...] = (),
) -> AccountRisk:
    """Everything ``inversa calc greeks`` prints, from the formulas above (exact Decimals).

    ``wallet`` coin collateral (> 0 for a liquidation price; with 0 the position has no
    margin and the liquidation fields are NaN), ``mmr`` the maintenance rate, ``grid``
    prices (USD per coin) at which to tabulate the leverage.
    """
    inverse, linear = ContractKind.INVERSE, ContractKind.LINEAR
    with_w = greeks(inverse, side, contracts, entry, price, contract_value, wallet)
    bare = greeks(inverse, side, contracts, entry, price, contract_value)
    coins = contracts * contract_value / entry
    lin_w = greeks(linear, side, coins, entry, price, Decimal(1), wallet)
    lin_bare = greeks(linear, side, coins, entry, price, Decimal(1))
    rows = []
    for p in grid:
        g = greeks(
            inverse, side, contracts, entry, check_positive("grid", p), contract_value, wallet
        )
        rows.append((p, g.effective_leverage, g.equity_usd))
    eq = affine_equity(ContractKind.INVERSE, side, contracts, entry, contract_value, wallet)
    lev = with_w.effective_leverage
    doubles = (
        price_at_leverage(eq, 2 * lev) if lev.is_finite() and lev != 0 else Decimal("Infinity")
    )
    if wallet > 0:
        liq = generic_prices(side, entry, contracts, contract_value, wallet, mmr=mmr)
        liq_price, bankrupt = liq.liquidation_price, liq.bankruptcy_price
    else:
        liq_price = bankrupt = Decimal("NaN")
    return AccountRisk(
        with_wallet=with_w,
        without_wallet=bare,
        linear_with_wallet=lin_w,
        linear_without_wallet=lin_bare,
        grid=tuple(rows),
        leverage_doubles_at=doubles,
        liquidation_price=liq_price,
        bankruptcy_price=bankrupt,
        neutral_short_coin=usd_neutral_short(with_w.delta_usd),
    )
