"""The hedge planner: drift -> futures legs, their margin, fees and liquidation prices.

Instead of selling the overweight coins and buying the underweight ones on spot, the
holder keeps the spot and trades one futures leg per asset: **short the overweight, long
the underweight**, each of ``-excess_usd`` USD.  A short inverse perpetual of ``N * CV``
USD turns ``N * CV / S0`` coins of the holding into synthetic USD: their USD value stays
``N * CV`` at every later price, without rebalancing.

All exact (Decimal).  Signs: a leg's ``usd``, ``coin`` and ``contracts`` are negative
for a short.  Units: ``usd`` in USD, ``coin`` in coins of the asset, ``contracts`` in
whole contracts (multiples of the lot), margin and fees in the leg's settlement coin
(USD(T) for linear legs), prices in USD per coin.  Every formula is a call into
:mod:`inversa.contracts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from inversa.contracts import (
    ContractKind,
    LiquidationResult,
    PositionInputs,
    check_leverage,
    initial_margin,
    inverse_pnl,
    linear_pnl,
    liquidation_prices,
    maintenance_margin,
    position_value,
)
from inversa.engine.terms import fee_rate
from inversa.errors import InputError, UnknownSymbolError
from inversa.hedging._common import ONE, ZERO, NumberLike, asset_key, to_decimal
from inversa.hedging.amounts import HedgeAmount
from inversa.hedging.drift import Drift, amounts_drift, drift_table
from inversa.hedging.instruments import (
    default_instrument,
    describe,
    generic_inverse,
    initial_rate_or_none,
    instrument_label,
    linear_alternative,
    maintenance_rate,
    round_to_lot,
    venue_instrument,
    venue_of,
)
from inversa.hedging.portfolio import Portfolio
from inversa.venues import Instrument

__all__ = [
    "MAX_TAKER",
    "Alternative",
    "Exposure",
    "HedgeLeg",
    "HedgePlan",
    "WalletNeed",
    "plan_hedge",
    "whole_contracts",
]


#: The largest taker fee rate accepted (5 %: no venue charges more).
MAX_TAKER = Decimal("0.05")


@dataclass(frozen=True, slots=True)
class HedgeLeg:
    """One futures leg of a hedge plan.

    Attributes:
        asset: the coin hedged.
        price: entry price assumed, USD per coin (the plan's price).
        usd: exact signed USD notional, ``-excess_usd`` (< 0 short).
        coin: ``usd / price``, signed coins.
        instrument: the contract traded; ``None`` when no venue lists one and no
            contract value was given (the leg is then shown in USD and coin only).
        contracts: signed whole contracts (multiples of the lot), ``None`` without an
            instrument.
        contracts_usd: signed USD notional of ``contracts`` at ``price``.
        residual_usd: ``usd - contracts_usd``: left unhedged by the rounding (USD).
        residual_coin: ``residual_usd / price``.
        leverage: the leg's leverage; initial margin is position value / leverage.
        margin: initial margin, settlement coin (USD(T) for a linear leg).
        fee: taker fee to open the leg, settlement coin.
        maintenance_margin: at entry, settlement coin.
        liquidation_price, bankruptcy_price: USD per coin under the venue's model,
            isolated margin equal to ``margin``; ``Decimal('Infinity')`` when none exists
            (a fully collateralised short); ``None`` when not modelled (linear legs).
    """

    asset: str
    price: Decimal
    usd: Decimal
    coin: Decimal
    instrument: Instrument | None
    contracts: Decimal | None
    contracts_usd: Decimal | None
    residual_usd: Decimal | None
    residual_coin: Decimal | None
    leverage: Decimal
    margin: Decimal | None = None
    fee: Decimal | None = None
    maintenance_margin: Decimal | None = None
    liquidation_price: Decimal | None = None
    bankruptcy_price: Decimal | None = None

    @property
    def side(self) -> int:
        """+1 long (buy the underweight), -1 short (sell the overweight)."""
        return 1 if self.usd > 0 else -1

    @property
    def settle(self) -> str:
        """The wallet coin the leg is margined and settled in."""
        return self.asset if self.instrument is None else self.instrument.settle

    @property
    def is_inverse(self) -> bool:
        return self.instrument is None or self.instrument.kind is ContractKind.INVERSE

    @property
    def size(self) -> tuple[Decimal, Decimal]:
        """(contract count > 0 or 0, contract value) used for PnL and stress.

        Without an instrument the exact USD notional is used as a count of 1-USD
        inverse contracts.
        """
        if self.instrument is None or self.contracts is None:
            return abs(self.usd), ONE
        return abs(self.contracts), self.instrument.contract_value

    @property
    def hedge_usd(self) -> Decimal:
        """Signed USD notional actually hedged: ``contracts_usd``, else the exact ``usd``."""
        return self.usd if self.contracts_usd is None else self.contracts_usd

    def pnl(
        self, exit_price: Decimal, entry: Decimal | None = None, contracts: Decimal | None = None
    ) -> Decimal:
        """PnL if ``contracts`` of the leg (default: all) entered at ``entry`` (default:
        the plan's price) are closed at ``exit_price``: settlement coin for an inverse leg
        (``inverse_pnl``), USD for a linear one (``linear_pnl``)."""
        count, cv = self.size
        if contracts is not None:
            count = contracts
        if count == 0:
            return ZERO
        start = self.price if entry is None else entry
        if self.is_inverse:
            return inverse_pnl(self.side, count, start, exit_price, cv) + ZERO  # no -0
        return linear_pnl(self.side, count, start, exit_price, cv) + ZERO

    def pnl_usd(self, exit_price: Decimal) -> Decimal:
        """:meth:`pnl` in USD at ``exit_price`` (coin PnL valued at the exit price)."""
        value = self.pnl(exit_price)
        return value * exit_price if self.is_inverse else value

    def delta_coin(self) -> Decimal:
        """Signed coins of the asset the leg is equivalent to (its USD value moves as
        that many coins): ``side * N * CV / entry`` for an inverse leg, ``side * N * CV``
        for a linear one.  Constant while the leg is held."""
        count, cv = self.size
        if count == 0:
            return ZERO
        if self.is_inverse:
            return self.side * position_value(count, self.price, cv)
        return self.side * count * cv


@dataclass(frozen=True, slots=True)
class WalletNeed:
    """What the legs settled in one coin need from the holder's wallet of that coin.

    Attributes:
        coin: the settlement coin.
        margin: initial margin of the legs, coin.
        fees: opening fees of the legs, coin.
        required: ``margin + fees``.
        available: coins of it the holder has (spot holdings; 0 if none).
        shortfall: ``max(required - available, 0)``; > 0 means the holder lacks it.
        legs: the assets whose legs settle here.
    """

    coin: str
    margin: Decimal
    fees: Decimal
    required: Decimal
    available: Decimal
    shortfall: Decimal
    legs: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.shortfall == 0


@dataclass(frozen=True, slots=True)
class Alternative:
    """A linear (USDT-margined) perpetual offered for a leg whose coin wallet is short.

    Attributes:
        asset: the asset of the leg it replaces.
        instrument: the linear contract (a venue's, or a generic one with the leg's fee).
        usd: signed USD notional (the leg's).
        collateral_usd: USDT initial margin, ``|usd| / leverage``.
        fee_usd: taker fee to open, ``|usd| * taker``.
        note: what it changes for the holder.
    """

    asset: str
    instrument: Instrument
    usd: Decimal
    collateral_usd: Decimal
    fee_usd: Decimal
    note: str


@dataclass(frozen=True, slots=True)
class Exposure:
    """An asset's USD exposure before and after the hedge (at the plan's prices).

    ``after_usd = before_usd + hedge_usd``; ``residual_usd = after_usd - target_usd`` is
    what the contract rounding leaves (within one contract's value).
    """

    asset: str
    before_usd: Decimal
    hedge_usd: Decimal
    after_usd: Decimal
    target_usd: Decimal
    residual_usd: Decimal


@dataclass(frozen=True)
class HedgePlan:
    """The planner's answer; :meth:`to_dict` gives the JSON the CLI prints."""

    portfolio: Portfolio
    drift: Drift
    legs: Mapping[str, HedgeLeg]
    wallets: Mapping[str, WalletNeed]
    alternatives: Mapping[str, Alternative]
    exposure: Mapping[str, Exposure]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Nested plain dict (Decimals kept): drift, legs, wallets, alternatives,
        exposure and notes, keyed by asset (wallets by coin)."""
        return {
            "total_usd": self.drift.total_usd,
            "drift": {a: _row_dict(r) for a, r in self.drift.rows.items()},
            "legs": {a: _leg_dict(leg) for a, leg in self.legs.items()},
            "wallets": {c: _wallet_dict(w) for c, w in self.wallets.items()},
            "alternatives": {a: _alt_dict(x) for a, x in self.alternatives.items()},
            "exposure": {
                a: {
                    "before_usd": e.before_usd,
                    "hedge_usd": e.hedge_usd,
                    "after_usd": e.after_usd,
                    "target_usd": e.target_usd,
                    "residual_usd": e.residual_usd,
                }
                for a, e in self.exposure.items()
            },
            "notes": list(self.notes),
        }


def _row_dict(row: Any) -> dict[str, Any]:
    keys = ("price", "coin", "usd", "weight", "target", "target_usd", "excess_usd", "excess_coin")
    return {k: getattr(row, k) for k in keys}


def _leg_dict(leg: HedgeLeg) -> dict[str, Any]:
    return {
        "side": "long" if leg.side > 0 else "short",
        "usd": leg.usd,
        "coin": leg.coin,
        "contracts": _whole(leg.contracts),
        "contracts_usd": leg.contracts_usd,
        "residual_usd": leg.residual_usd,
        "residual_coin": leg.residual_coin,
        **describe(leg.instrument),
        "margin_coin": leg.settle,
        "leverage": leg.leverage,
        "margin": leg.margin,
        "fee": leg.fee,
        "maintenance_margin": leg.maintenance_margin,
        "liquidation_price": leg.liquidation_price,
        "bankruptcy_price": leg.bankruptcy_price,
    }


def _whole(contracts: Decimal | None) -> int | Decimal | None:
    """Whole contract counts as ints (JSON integers); other lots stay Decimal."""
    if contracts is not None and contracts == contracts.to_integral_value():
        return int(contracts)
    return contracts


def _wallet_dict(w: WalletNeed) -> dict[str, Any]:
    return {
        "margin": w.margin,
        "fees": w.fees,
        "required": w.required,
        "available": w.available,
        "shortfall": w.shortfall,
        "ok": w.ok,
        "legs": list(w.legs),
    }


def _alt_dict(x: Alternative) -> dict[str, Any]:
    return {
        **describe(x.instrument),
        "usd": x.usd,
        "collateral_usd": x.collateral_usd,
        "fee_usd": x.fee_usd,
        "note": x.note,
    }


def _leverages(
    leverage: NumberLike | Mapping[str, NumberLike], assets: tuple[str, ...]
) -> dict[str, Decimal]:
    if isinstance(leverage, Mapping):
        given = {
            asset_key("leverage", k): to_decimal(f"leverage.{k}", v) for k, v in leverage.items()
        }
        out = {a: given.get(a, ONE) for a in assets}
    else:
        value = to_decimal("leverage", leverage)
        out = dict.fromkeys(assets, value)
    for asset, value in out.items():
        check_leverage(value, field=f"leverage.{asset}")
    return out


def _venue_leg(asset: str, portfolio: Portfolio, venue: str) -> Instrument | None:
    """The portfolio's own venue choice for ``asset`` if any, else ``venue``'s inverse
    perpetual (None when that venue lists none: the leg falls back to the defaults)."""
    if asset in portfolio.venues:
        return venue_instrument(asset, portfolio.venues[asset])
    try:
        return venue_instrument(asset, venue)
    except UnknownSymbolError:
        return None


def _instrument_for(
    asset: str,
    portfolio: Portfolio,
    chosen: Mapping[str, Instrument | None],
    default_venues: bool,
    taker: Decimal,
) -> Instrument | None:
    if asset in chosen:
        return chosen[asset]
    if asset in portfolio.contract_values:
        return generic_inverse(asset, portfolio.contract_values[asset], taker)
    if asset in portfolio.venues:
        return venue_instrument(asset, portfolio.venues[asset])
    return default_instrument(asset) if default_venues else None


def whole_contracts(inst: Instrument, usd: Decimal, price: Decimal) -> Decimal:
    """Signed contract count of ``inst`` for a signed USD notional ``usd`` at ``price``
    (USD per coin), rounded half-even to the nearest lot."""
    return round_to_lot(inst, usd / inst.usd_per_contract(price))


def _liquidation(
    inst: Instrument,
    side: int,
    count: Decimal,
    price: Decimal,
    leverage: Decimal,
    margin: Decimal,
    mmr: Decimal,
    cum: Decimal,
) -> LiquidationResult[Decimal]:
    """Isolated liquidation and bankruptcy prices under the venue's named model.

    The bracket comes from the venue's tier table when it has one (mark-valued models
    re-choose it at the liquidation price), else the explicit ``(mmr, cum)``.
    """
    tiers = inst.tiers
    inputs = PositionInputs(
        side=side,
        contracts=count,
        entry=price,
        contract_value=inst.contract_value,
        leverage=leverage,
        collateral=margin,
        mmr=None if tiers is not None else mmr,
        maintenance_amount=None if tiers is not None or not cum else cum,
        tiers=tiers,
        taker=fee_rate(inst, "taker"),
    )
    return liquidation_prices(inst.liquidation_model or "generic", "isolated", inputs)


def _build_leg(
    asset: str, price: Decimal, usd: Decimal, inst: Instrument | None, leverage: Decimal
) -> HedgeLeg:
    coin = usd / price
    if inst is None:
        return HedgeLeg(asset, price, usd, coin, None, None, None, None, None, leverage)
    contracts = whole_contracts(inst, usd, price)
    contracts_usd = contracts * inst.usd_per_contract(price)
    residual = usd - contracts_usd
    base = HedgeLeg(
        asset,
        price,
        usd,
        coin,
        inst,
        contracts,
        contracts_usd,
        residual,
        residual / price,
        leverage,
    )
    count = abs(contracts)
    if count == 0:
        return replace(base, margin=ZERO, fee=ZERO)
    cap = inst.max_leverage
    check_leverage(leverage, cap, field=f"leverage.{asset}")
    value = inst.value(count, price)
    floor_rate = initial_rate_or_none(inst, value)
    if floor_rate is not None and floor_rate > 0 and 1 / leverage < floor_rate:
        raise InputError(
            f"leverage.{asset}",
            str(leverage),
            f"{instrument_label(inst)} allows at most {(1 / floor_rate).normalize()}x at this size",
        )
    margin = initial_margin(value, leverage=leverage)
    if inst.linear:
        fee = value * fee_rate(inst, "taker")
        return replace(base, margin=margin, fee=fee)
    fee = inst.fee(count, price, fee_rate(inst, "taker"))
    mmr, cum = maintenance_rate(inst, value)
    mm = maintenance_margin(value, mmr, cum=cum)
    prices = _liquidation(inst, base.side, count, price, leverage, margin, mmr, cum)
    return replace(
        base,
        margin=margin,
        fee=fee,
        maintenance_margin=mm,
        liquidation_price=prices.liquidation_price,
        bankruptcy_price=prices.bankruptcy_price,
    )


def _wallets(portfolio: Portfolio, legs: Mapping[str, HedgeLeg]) -> dict[str, WalletNeed]:
    grouped: dict[str, list[HedgeLeg]] = {}
    for leg in legs.values():
        if leg.margin is not None:
            grouped.setdefault(leg.settle, []).append(leg)
    out: dict[str, WalletNeed] = {}
    for coin, members in grouped.items():
        margin = sum((leg.margin or ZERO for leg in members), ZERO)
        fees = sum((leg.fee or ZERO for leg in members), ZERO)
        required = margin + fees
        held = (*portfolio.targets, *portfolio.holdings_usd, *portfolio.amounts)
        available = portfolio.coins(coin) if coin in held else ZERO
        shortfall = max(required - available, ZERO)
        out[coin] = WalletNeed(
            coin, margin, fees, required, available, shortfall, tuple(m.asset for m in members)
        )
    return out


def _alternative(leg: HedgeLeg, wallet: WalletNeed) -> Alternative:
    alt = linear_alternative(leg.asset, leg.instrument)
    notional = abs(leg.usd)
    collateral = initial_margin(notional, leverage=leg.leverage)
    note = (
        f"the {wallet.coin} wallet needs {wallet.required.normalize():f} {wallet.coin} and the "
        f"holder has {wallet.available.normalize():f}; a linear perpetual is margined and "
        f"settled in {alt.settle} instead: no {wallet.coin} needed"
    )
    if venue_of(alt) is None:
        note += " (no venue rule set lists one: fee assumed equal to the inverse leg's)"
    return Alternative(leg.asset, alt, leg.usd, collateral, notional * fee_rate(alt, "taker"), note)


def plan_hedge(
    portfolio: Portfolio,
    *,
    leverage: NumberLike | Mapping[str, NumberLike] = 1,
    instruments: Mapping[str, Instrument | None] | None = None,
    default_venues: bool = True,
    require_contracts: bool | None = None,
    taker: NumberLike = 0,
    hedges: Mapping[str, HedgeAmount] | None = None,
    fraction: NumberLike = 1,
    min_trade_usd: NumberLike = 0,
    venue: str | None = None,
) -> HedgePlan:
    """Plan the futures legs that bring each asset's exposure to its target weight.

    Args:
        portfolio: holdings, targets and prices (every asset needs a price).
        leverage: one leverage for all legs or ``{asset: leverage}`` (1 by default:
            a fully collateralised leg, so a short inverse leg is never liquidated).
        instruments: explicit contracts per asset (``None`` value: no contract); win over
            the portfolio's ``contract_values`` and ``venues``, which win over defaults.
        default_venues: look up a default inverse perpetual per asset
            (:func:`~inversa.hedging.instruments.default_instrument`).
        require_contracts: every leg must trade whole contracts; InputError naming the
            first asset with neither a venue contract nor a contract value.  By default
            (``None``) required as soon as the portfolio names any contract value or
            venue.
        taker: fee rate of generic contracts (given by contract value only), fraction.
        hedges: the legs given directly as signed amounts (``BTC=-14950USD``) instead of
            target weights; InputError when the portfolio also has targets.
        fraction: hedge this share of each drift (0 < fraction <= 1; partial hedging).
        min_trade_usd: legs smaller than this USD notional are not traded (a note says
            which).
        venue: the venue every leg uses unless chosen otherwise (``instruments``,
            the portfolio's contract values or venues).

    Returns:
        A :class:`HedgePlan`.  Assets already at target get no leg.
    """
    share = to_decimal("fraction", fraction)
    if not 0 < share <= 1:
        raise InputError("fraction", share, "must lie in (0, 1]")
    smallest = to_decimal("min_trade_usd", min_trade_usd)
    if smallest < 0:
        raise InputError("min_trade_usd", smallest, "must be >= 0")
    if hedges:
        if portfolio.targets:
            given = ", ".join(portfolio.targets)
            raise InputError(
                "hedge", ", ".join(hedges), f"give --hedge or --targets ({given}), not both"
            )
        drift = amounts_drift(portfolio, {a: h.usd(portfolio.price(a)) for a, h in hedges.items()})
    else:
        drift = drift_table(portfolio)
    chosen = {asset_key("instruments", k): v for k, v in (instruments or {}).items()}
    required = (
        bool(portfolio.contract_values or portfolio.venues)
        if require_contracts is None
        else require_contracts
    )
    generic_taker = to_decimal("taker", taker)
    if not 0 <= generic_taker <= MAX_TAKER:
        raise InputError("taker", generic_taker, f"a taker fee must lie in [0, {MAX_TAKER}]")
    levers = _leverages(leverage, tuple(drift.rows))
    if venue is not None:
        for asset in drift.rows:
            if asset not in chosen and asset not in portfolio.contract_values:
                chosen.setdefault(asset, _venue_leg(asset, portfolio, venue))
    legs: dict[str, HedgeLeg] = {}
    notes: list[str] = []
    for asset, row in drift.rows.items():
        if row.excess_usd == 0:
            continue
        if abs(row.excess_usd * share) < smallest:
            notes.append(
                f"{asset}: a {abs(row.excess_usd * share).normalize():f} USD leg is below the "
                f"minimum trade of {smallest.normalize():f} USD: not traded"
            )
            continue
        inst = _instrument_for(asset, portfolio, chosen, default_venues, generic_taker)
        if inst is None:
            if required:
                raise InputError(
                    f"contract_values.{asset}",
                    None,
                    f"{asset} has no contract to hedge with: give --contract-values "
                    f"{asset}=USD or --venues {asset}=VENUE[:SYMBOL]",
                )
            notes.append(
                f"{asset}: no venue lists an inverse perpetual and no contract value was "
                "given: the leg is in USD and coin only"
            )
        if inst is not None and venue_of(inst) is not None and inst.taker is None:
            notes.append(f"{asset}: {inst.label} has no sourced taker fee: 0 assumed")
        legs[asset] = _build_leg(asset, row.price, -row.excess_usd * share, inst, levers[asset])
    wallets = _wallets(portfolio, legs)
    alternatives: dict[str, Alternative] = {}
    for coin, wallet in wallets.items():
        if wallet.ok:
            continue
        notes.append(
            f"{coin} wallet short by {wallet.shortfall.normalize():f} {coin}: "
            f"the holder lacks the margin coin for {', '.join(wallet.legs)}"
        )
        for asset in wallet.legs:
            alternatives[asset] = _alternative(legs[asset], wallet)
    exposure: dict[str, Exposure] = {}
    for asset, row in drift.rows.items():
        hedge = legs[asset].hedge_usd if asset in legs else ZERO
        after = row.usd + hedge
        exposure[asset] = Exposure(
            asset, row.usd, hedge, after, row.target_usd, after - row.target_usd
        )
    return HedgePlan(portfolio, drift, legs, wallets, alternatives, exposure, tuple(notes))
