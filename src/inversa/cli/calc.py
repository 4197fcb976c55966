"""`inversa calc KIND`: the contract calculator (funding and carry kinds: calc_funding).

Every kind takes explicit parameters, or ``--venue``/``--symbol`` to fill them from a
venue rule set (explicit flags win).  Numbers are parsed as exact Decimals and the maths
runs in Decimal; ``--json`` prints one JSON object, otherwise a table.  The flags follow
the calculator CLI contract of the design notes: an acceptance vector's input key
``contract_value`` is the flag ``--contract-value``, list inputs are comma-joined.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from inversa import contracts as c
from inversa import domain as d
from inversa.cli import calc_funding
from inversa.cli._calc import (
    COIN,
    PRICE,
    RATE,
    USD,
    Calc,
    D,
    FeeRate,
    Imr,
    Leverage,
    MaintenanceAmount,
    Mmr,
    Rules,
    Tiers,
    calc_options,
    first,
    leverage_of,
    num,
)
from inversa.cli._options import CONTRACTS, number, text
from inversa.cli._output import new_app
from inversa.errors import InputError
from inversa.report import fmt

__all__ = ["app"]

app = new_app(
    "Contract calculator: value, pnl, entry, fee, margin, liq, funding, fair price, carry."
)


@app.command()
@calc_options("contracts", "price", "contract_value")
def value(calc: Calc) -> None:
    """Coin value of an inverse position: N * CV / P."""
    n, p, cv = calc.need("contracts"), calc.need("price"), calc.contract_value_or()
    result = {"value": c.position_value(n, p, cv), "usd_notional": n * cv}
    calc.emit(result, "Position value", {"value": COIN, "usd_notional": USD})


@app.command()
@calc_options("side", "contracts", "entry", "exit", "contract_value")
def pnl(calc: Calc) -> None:
    """PnL in coin: side * N * CV * (1/entry - 1/exit)."""
    sd = calc.sign()
    n, e, x = calc.need("contracts"), calc.need("entry"), calc.need("exit")
    cv = calc.contract_value_or()
    result_coin = c.inverse_pnl(sd, n, e, x, cv)
    result = {
        "pnl": result_coin,
        "pnl_usd_at_exit": c.inverse_pnl_usd(sd, n, e, x, cv),
        "return_on_entry_value": result_coin / c.position_value(n, e, cv),
        "value_at_entry": c.position_value(n, e, cv),
        "value_at_exit": c.position_value(n, x, cv),
    }
    units = {"pnl": COIN, "pnl_usd_at_exit": USD, "return_on_entry_value": RATE}
    calc.emit(result, "Inverse PnL", {**units, "value_at_entry": COIN, "value_at_exit": COIN})


@app.command()
@calc_options("contract_value")
def entry(
    calc: Calc,
    fills: Annotated[
        list[str] | None, text("CONTRACTS@PRICE, comma-joined or repeated; negative sells.")
    ] = None,
) -> None:
    """Harmonic average entry over fills, and the PnL realised by reducing fills."""
    items = [f for group in (fills or []) for f in group.split(",") if f.strip()]
    if not items:
        raise InputError("fills", fills, "give at least one CONTRACTS@PRICE")
    cv = calc.contract_value_or(Decimal(1))
    state, realised = c.PositionState(), Decimal(0)
    for i, item in enumerate(items):
        count, _, price = item.partition("@")
        d.SIGNED_AMOUNT.parse(f"fills[{i}].contracts", count)
        d.PRICE.parse(f"fills[{i}].price", price)
        step = c.apply_fill(state, c.Fill.parse(item, f"fills[{i}]"), cv)
        state, realised = step.position, realised + step.realised_pnl
    result: dict[str, Any] = {
        "entry_price": state.entry if state.size else None,
        "position": state.size,
        "realised_pnl": realised,
    }
    units = {"entry_price": PRICE, "position": "count", "realised_pnl": COIN}
    calc.emit(result, "Average entry (harmonic)", units)


@app.command()
@calc_options("contracts", "price", "contract_value")
def fee(
    calc: Calc,
    rate: FeeRate = None,
    liquidity: Annotated[
        str, text("maker or taker: which venue rate to use without --rate", show_default=True)
    ] = "taker",
) -> None:
    """Trading fee in coin: N * CV / P * rate (a negative rate is a rebate)."""
    if liquidity not in ("maker", "taker"):
        raise InputError("liquidity", liquidity, "must be maker or taker")
    venue_rate = calc.rules.maker if liquidity == "maker" else calc.rules.taker
    n, p, cv = calc.need("contracts"), calc.need("price"), calc.contract_value_or()
    r = num("rate", rate, venue_rate)
    result = {"fee": c.trading_fee(n, p, cv, r), "value": c.position_value(n, p, cv), "rate": r}
    calc.emit(result, "Trading fee", {"fee": COIN, "value": COIN, "rate": RATE})


@app.command()
@calc_options("contracts", "price", "contract_value")
def margin(
    calc: Calc,
    leverage: Leverage = None,
    imr: Imr = None,
    mmr: Mmr = None,
    maintenance_amount: MaintenanceAmount = None,
    tiers: Tiers = None,
) -> None:
    """Initial and maintenance margin in coin, flat, tiered or from the venue's rules."""
    rules = calc.rules
    n, p, cv = calc.need("contracts"), calc.need("price"), calc.contract_value_or()
    pv = c.position_value(n, p, cv)
    lev = leverage_of(leverage, rules)
    if lev is not None and imr is not None:
        raise InputError("imr", imr, "give either --imr or --leverage, not both")
    result: dict[str, Any] = {"value": pv}
    if lev is not None or imr is not None:
        result["initial_margin"] = c.initial_margin(pv, leverage=lev, imr=imr)
    elif rules.instrument is not None:
        result["initial_margin"] = pv * rules.instrument.initial_rate(pv)
    rate_mm, cum = _maintenance_rate(pv, mmr, maintenance_amount, tiers, rules)
    if cum > pv * rate_mm:
        raise InputError(
            "maintenance_amount", f"{cum}", f"exceeds value x mmr ({fmt(pv * rate_mm, COIN)} coin)"
        )
    result["maintenance_margin"] = c.maintenance_margin(pv, rate_mm, cum=cum)
    result["mmr"] = rate_mm
    result["maintenance_amount"] = cum
    units = {"value": COIN, "initial_margin": COIN, "maintenance_margin": COIN}
    calc.emit(result, "Margin", {**units, "mmr": RATE, "maintenance_amount": COIN})


def _maintenance_rate(
    pv: Decimal,
    mmr: Decimal | None,
    maintenance_amount: Decimal | None,
    tiers: list[str] | None,
    rules: Rules,
) -> tuple[Decimal, Decimal]:
    """(MMR, cum) of the bracket holding ``pv``: explicit, from --tiers, or the venue's."""
    if mmr is not None and tiers:
        raise InputError("mmr", mmr, "give either --mmr or --tiers, not both")
    if mmr is not None:
        return mmr, maintenance_amount or Decimal(0)
    if maintenance_amount is not None:
        raise InputError("maintenance_amount", maintenance_amount, "needs --mmr (one bracket)")
    if tiers:
        return c.TierTable.parse(",".join(tiers)).rate_and_cum(pv)
    if rules.instrument is not None:
        rate, cum = rules.instrument.maintenance_rate_and_cum(pv)
        return Decimal(rate), Decimal(cum)
    raise InputError("mmr", None, "give --mmr, --tiers or --venue/--symbol")


def _tier_table(rules: Rules) -> c.TierTable | None:
    table = getattr(rules.instrument.margin, "table", None) if rules.instrument else None
    return table if isinstance(table, c.TierTable) else None


@app.command()
@calc_options("side", "contracts", "entry", "contract_value")
def liq(
    calc: Calc,
    model: Annotated[
        str | None, text(f"Liquidation model: {', '.join(c.LIQUIDATION_MODELS)}.")
    ] = None,
    mode: Annotated[str, text("isolated or cross", show_default=True)] = "isolated",
    leverage: Leverage = None,
    mmr: Mmr = None,
    maintenance_amount: MaintenanceAmount = None,
    tiers: Tiers = None,
    wallet_balance: Annotated[D, number(d.AMOUNT, "Wallet balance (cross), coin.")] = None,
    extra_margin: Annotated[D, number(d.AMOUNT, "Margin added to the position, coin.")] = None,
    taker: FeeRate = None,
    order_margin: Annotated[D, number(d.AMOUNT, "Margin held by open orders, coin.")] = None,
    other_maintenance: Annotated[
        D, number(d.AMOUNT, "Maintenance margin of the wallet's other contracts, coin.")
    ] = None,
    other_upnl: Annotated[
        D, number(d.SIGNED_AMOUNT, "Unrealised PnL of the wallet's other contracts, coin.")
    ] = None,
    hedge_contracts: Annotated[
        D, number(CONTRACTS, "Binance hedge mode: contracts of the opposite leg.")
    ] = None,
    hedge_entry: Annotated[
        D, number(d.PRICE, "Binance hedge mode: entry of the opposite leg, USD per coin.")
    ] = None,
) -> None:
    """Liquidation and bankruptcy price (USD per coin) under a named venue model.

    Explicit --mmr/--maintenance-amount fix one bracket; otherwise --tiers or the venue's
    table is used (binance-coinm and generic re-choose the bracket at the liquidation
    price).  Binance hedge mode: --hedge-contracts/--hedge-entry give the opposite leg.
    In JSON an infinite price (no liquidation) is null.
    """
    rules = calc.rules
    name = model or (rules.venue.liquidation_model if rules.venue is not None else None)
    chosen = c.liquidation_model(name)
    if mode not in ("isolated", "cross"):
        raise InputError("mode", mode, "must be isolated or cross")
    sd = calc.sign()
    e, n = calc.need("entry"), calc.need("contracts", Decimal(1))
    cv = calc.contract_value_or(Decimal(1))
    rate, cum = mmr, maintenance_amount
    table = c.TierTable.parse(",".join(tiers)) if tiers else None
    if rate is None and table is None and cum is None and rules.instrument is not None:
        table = _tier_table(rules)
        if table is None:  # risk-step or linear venue margin: the bracket at entry
            rate, cum = _maintenance_rate(c.position_value(n, e, cv), None, None, None, rules)
    inputs = c.PositionInputs(
        side=sd,
        contracts=n,
        entry=e,
        contract_value=cv,
        leverage=leverage_of(leverage, rules),
        collateral=wallet_balance,
        mmr=rate,
        maintenance_amount=cum,
        tiers=table,
        taker=num("taker", taker, first(rules.taker, Decimal(0))),
        extra_margin=extra_margin,
        order_margin=order_margin,
        other_maintenance=other_maintenance,
        other_upnl=other_upnl,
        hedge_contracts=hedge_contracts,
        hedge_entry=hedge_entry,
    )
    result = c.liquidation_prices(chosen, mode, inputs)  # type: ignore[arg-type]
    out: dict[str, Any] = {
        "liquidation_price": result.liquidation_price,
        "bankruptcy_price": result.bankruptcy_price,
    }
    if result.liquidation_price.is_finite():
        out["distance_to_liquidation"] = result.liquidation_price / e - 1
    _add_rounded(out, rules, sd)
    out["model"] = chosen.name
    out["mode"] = mode
    units = {k: PRICE for k in out if k.endswith(("_price", "_rounded"))}
    calc.emit(
        out,
        f"Liquidation ({chosen.name}, {mode})",
        {**units, "distance_to_liquidation": RATE},
    )


def _add_rounded(out: dict[str, Any], rules: Rules, side: int) -> None:
    """Venue-rounded prices, under their own keys, where the venue publishes a rule."""
    if rules.venue is None or rules.tick is None:
        return
    rounding = getattr(rules.venue, "rounding", None)
    long_mode = getattr(rounding, "bankruptcy_long", None) if rounding else None
    short_mode = getattr(rounding, "bankruptcy_short", None) if rounding else None
    mode = long_mode if side == 1 else short_mode
    if mode is None:
        return
    for key in ("bankruptcy_price", "liquidation_price"):
        out[f"{key}_rounded"] = c.round_to_tick(out[key], rules.tick, mode)


calc_funding.register(app)
