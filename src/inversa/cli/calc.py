"""`inversa calc KIND`: the contract calculator.

Every kind takes explicit parameters, or ``--venue``/``--symbol`` to fill them from a
venue rule set (explicit flags win).  Numbers are parsed as exact Decimals and the maths
runs in Decimal; ``--json`` prints one JSON object, otherwise a table.  The flags follow
the calculator CLI contract of the design notes: an acceptance vector's input key
``contract_value`` is the flag ``--contract-value``, list inputs are comma-joined.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import typer

from inversa import contracts as c
from inversa.cli._output import emit, parse_decimal, user_errors
from inversa.errors import InputError

__all__ = ["app"]

app = typer.Typer(
    help="Contract calculator: value, pnl, entry, fee, margin, liq, funding, fair price, carry.",
    no_args_is_help=True,
)

Num = Annotated[str | None, typer.Option(show_default=False)]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
VenueOpt = Annotated[
    str | None, typer.Option("--venue", help="Venue rule set, e.g. bybit.", show_default=False)
]
SymbolOpt = Annotated[
    str | None,
    typer.Option("--symbol", help="Unified symbol or venue id, e.g. BTCUSD.", show_default=False),
]

COIN = "coin"
USD_PER_COIN = "USD/coin"


@dataclass(frozen=True)
class _Rules:
    """Parameters a venue rule set supplies to the calculator."""

    contract_value: Decimal | None = None
    maker: Decimal | None = None
    taker: Decimal | None = None
    max_leverage: Decimal | None = None
    tick: Decimal | None = None
    instrument: Any = None
    venue: Any = None


def _rules(venue: str | None, symbol: str | None) -> _Rules:
    if venue is None and symbol is None:
        return _Rules()
    from inversa.venues import load_venue, resolve

    if symbol is None:
        assert venue is not None
        return _Rules(venue=load_venue(venue))
    ven, inst = resolve(symbol, venue)
    return _Rules(
        contract_value=inst.contract_value,
        maker=inst.maker,
        taker=inst.taker,
        max_leverage=inst.max_leverage,
        tick=inst.tick,
        instrument=inst,
        venue=ven,
    )


def _num(field: str, text: str | None, fallback: Decimal | None = None) -> Decimal:
    """A required number: the flag, else the venue's value, else an error naming the flag."""
    if text is not None:
        return parse_decimal(field, text)
    if fallback is not None:
        return fallback
    raise InputError(field, None, "is required (give the flag or --venue/--symbol)")


def _first(*values: Decimal | None) -> Decimal:
    """The first value that is not None (a venue's sourced 0 is a value, not a gap)."""
    for value in values:
        if value is not None:
            return Decimal(value)
    raise InputError("value", None, "no value given")


def _opt(field: str, text: str | None) -> Decimal | None:
    return None if text is None else parse_decimal(field, text)


def _leverage(text: str | None, rules: _Rules, field: str = "leverage") -> Decimal | None:
    if text is None:
        return None
    return c.check_leverage(parse_decimal(field, text), rules.max_leverage, field)


def _side(text: str | None) -> int:
    if text is None:
        raise InputError("side", None, "is required: long or short")
    return c.parse_side(text)


@app.command()
def value(
    contracts: Num = None,
    price: Num = None,
    contract_value: Num = None,
    venue: VenueOpt = None,
    symbol: SymbolOpt = None,
    json: Json = False,
) -> None:
    """Coin value of an inverse position: N * CV / P."""
    with user_errors():
        rules = _rules(venue, symbol)
        n, p = _num("contracts", contracts), _num("price", price)
        cv = _num("contract_value", contract_value, rules.contract_value)
        result = {"value": c.position_value(n, p, cv), "usd_notional": n * cv}
        emit(
            result,
            as_json=json,
            title="Position value",
            units={"value": COIN, "usd_notional": "USD"},
        )


@app.command()
def pnl(
    side: Annotated[str | None, typer.Option(help="long or short", show_default=False)] = None,
    contracts: Num = None,
    entry: Num = None,
    exit: Num = None,
    contract_value: Num = None,
    venue: VenueOpt = None,
    symbol: SymbolOpt = None,
    json: Json = False,
) -> None:
    """PnL in coin: side * N * CV * (1/entry - 1/exit)."""
    with user_errors():
        rules = _rules(venue, symbol)
        sd = _side(side)
        n, e, x = _num("contracts", contracts), _num("entry", entry), _num("exit", exit)
        cv = _num("contract_value", contract_value, rules.contract_value)
        result_coin = c.inverse_pnl(sd, n, e, x, cv)
        margin_free_roe = result_coin / c.position_value(n, e, cv)
        result = {
            "pnl": result_coin,
            "pnl_usd_at_exit": result_coin * x,
            "return_on_entry_value": margin_free_roe,
            "value_at_entry": c.position_value(n, e, cv),
            "value_at_exit": c.position_value(n, x, cv),
        }
        emit(
            result,
            as_json=json,
            title="Inverse PnL",
            units={
                "pnl": COIN,
                "pnl_usd_at_exit": "USD",
                "return_on_entry_value": "fraction",
                "value_at_entry": COIN,
                "value_at_exit": COIN,
            },
        )


@app.command()
def entry(
    fills: Annotated[
        list[str] | None,
        typer.Option(
            help="CONTRACTS@PRICE, comma-joined or repeated; negative sells.", show_default=False
        ),
    ] = None,
    contract_value: Num = None,
    venue: VenueOpt = None,
    symbol: SymbolOpt = None,
    json: Json = False,
) -> None:
    """Harmonic average entry over fills, and the PnL realised by reducing fills."""
    with user_errors():
        rules = _rules(venue, symbol)
        items = [f for group in (fills or []) for f in group.split(",") if f.strip()]
        if not items:
            raise InputError("fills", fills, "give at least one CONTRACTS@PRICE")
        cv = _num("contract_value", contract_value, rules.contract_value or Decimal(1))
        state, realised = c.PositionState(), Decimal(0)
        for i, item in enumerate(items):
            step = c.apply_fill(state, c.Fill.parse(item, f"fills[{i}]"), cv)
            state, realised = step.position, realised + step.realised_pnl
        result: dict[str, Any] = {
            "entry_price": state.entry if state.size else None,
            "position": state.size,
            "realised_pnl": realised,
        }
        emit(
            result,
            as_json=json,
            title="Average entry (harmonic)",
            units={
                "entry_price": USD_PER_COIN,
                "position": "contracts (signed)",
                "realised_pnl": COIN,
            },
        )


@app.command()
def fee(
    contracts: Num = None,
    price: Num = None,
    contract_value: Num = None,
    rate: Num = None,
    liquidity: Annotated[
        str, typer.Option(help="maker or taker: which venue rate to use without --rate")
    ] = "taker",
    venue: VenueOpt = None,
    symbol: SymbolOpt = None,
    json: Json = False,
) -> None:
    """Trading fee in coin: N * CV / P * rate (a negative rate is a rebate)."""
    with user_errors():
        rules = _rules(venue, symbol)
        if liquidity not in ("maker", "taker"):
            raise InputError("liquidity", liquidity, "must be maker or taker")
        venue_rate = rules.maker if liquidity == "maker" else rules.taker
        n, p = _num("contracts", contracts), _num("price", price)
        cv = _num("contract_value", contract_value, rules.contract_value)
        r = _num("rate", rate, venue_rate)
        result = {"fee": c.trading_fee(n, p, cv, r), "value": c.position_value(n, p, cv), "rate": r}
        emit(
            result,
            as_json=json,
            title="Trading fee",
            units={"fee": COIN + " (paid)", "value": COIN, "rate": "fraction"},
        )


@app.command()
def margin(
    contracts: Num = None,
    price: Num = None,
    contract_value: Num = None,
    leverage: Num = None,
    imr: Num = None,
    mmr: Num = None,
    maintenance_amount: Num = None,
    tiers: Annotated[
        list[str] | None,
        typer.Option(
            help="UPPER:RATE tiers by position value in coin, e.g. 10:0.01,20:0.02",
            show_default=False,
        ),
    ] = None,
    venue: VenueOpt = None,
    symbol: SymbolOpt = None,
    json: Json = False,
) -> None:
    """Initial and maintenance margin in coin, flat, tiered or from the venue's rules."""
    with user_errors():
        rules = _rules(venue, symbol)
        n, p = _num("contracts", contracts), _num("price", price)
        cv = _num("contract_value", contract_value, rules.contract_value)
        pv = c.position_value(n, p, cv)
        lev = _leverage(leverage, rules)
        rate_im = _opt("imr", imr)
        result: dict[str, Any] = {"value": pv}
        if lev is not None or rate_im is not None:
            result["initial_margin"] = c.initial_margin(pv, leverage=lev, imr=rate_im)
        elif rules.instrument is not None:
            result["initial_margin"] = pv * rules.instrument.initial_rate(pv)
        rate_mm, cum = _maintenance_rate(pv, mmr, maintenance_amount, tiers, rules)
        result["maintenance_margin"] = c.maintenance_margin(pv, rate_mm, cum=cum)
        result["mmr"] = rate_mm
        result["maintenance_amount"] = cum
        emit(
            result,
            as_json=json,
            title="Margin",
            units={
                "value": COIN,
                "initial_margin": COIN,
                "maintenance_margin": COIN,
                "mmr": "fraction",
                "maintenance_amount": COIN,
            },
        )


def _maintenance_rate(
    pv: Decimal,
    mmr: str | None,
    maintenance_amount: str | None,
    tiers: list[str] | None,
    rules: _Rules,
) -> tuple[Decimal, Decimal]:
    """(MMR, cum) of the bracket holding ``pv``: explicit, from --tiers, or the venue's."""
    if mmr is not None and tiers:
        raise InputError("mmr", mmr, "give either --mmr or --tiers, not both")
    if mmr is not None:
        return parse_decimal("mmr", mmr), _opt("maintenance_amount", maintenance_amount) or Decimal(
            0
        )
    if tiers:
        return c.TierTable.parse(",".join(tiers)).rate_and_cum(pv)
    if rules.instrument is not None:
        rate, cum = rules.instrument.maintenance_rate_and_cum(pv)
        return Decimal(rate), Decimal(cum)
    raise InputError("mmr", None, "give --mmr, --tiers or --venue/--symbol")


def _tier_table(tiers: list[str] | None, rules: _Rules) -> c.TierTable | None:
    if tiers:
        return c.TierTable.parse(",".join(tiers))
    if rules.instrument is not None:
        table = getattr(rules.instrument.margin, "table", None)
        return table if isinstance(table, c.TierTable) else None
    return None


@app.command()
def liq(
    model: Annotated[
        str | None,
        typer.Option(
            help="bybit-classic, bybit-uta-a, bybit-uta-b, binance-coinm or generic",
            show_default=False,
        ),
    ] = None,
    mode: Annotated[str, typer.Option(help="isolated or cross")] = "isolated",
    side: Annotated[str | None, typer.Option(help="long or short", show_default=False)] = None,
    contracts: Num = None,
    entry: Num = None,
    contract_value: Num = None,
    leverage: Num = None,
    mmr: Num = None,
    maintenance_amount: Num = None,
    tiers: Annotated[list[str] | None, typer.Option(show_default=False)] = None,
    wallet_balance: Num = None,
    extra_margin: Num = None,
    taker: Num = None,
    order_margin: Num = None,
    other_maintenance: Num = None,
    other_upnl: Num = None,
    hedge_contracts: Num = None,
    hedge_entry: Num = None,
    venue: VenueOpt = None,
    symbol: SymbolOpt = None,
    json: Json = False,
) -> None:
    """Liquidation and bankruptcy price (USD per coin) under a named venue model.

    Explicit --mmr/--maintenance-amount fix one bracket; otherwise --tiers or the venue's
    table is used (binance-coinm and generic re-choose the bracket at the liquidation
    price).  Binance hedge mode: --hedge-contracts/--hedge-entry give the opposite leg.
    """
    with user_errors():
        rules = _rules(venue, symbol)
        name = model or (rules.venue.liquidation_model if rules.venue is not None else None)
        if name not in c.LIQUIDATION_MODELS:
            raise InputError("model", name, f"must be one of {', '.join(c.LIQUIDATION_MODELS)}")
        if mode not in ("isolated", "cross"):
            raise InputError("mode", mode, "must be isolated or cross")
        sd = _side(side)
        e = _num("entry", entry)
        n = _num("contracts", contracts, Decimal(1))
        cv = _num("contract_value", contract_value, rules.contract_value or Decimal(1))
        c.check_positive("contracts", n)
        c.check_positive("entry", e)
        pv = c.position_value(n, e, cv)
        lev = _leverage(leverage, rules)
        fee_rate = _num("taker", taker, _first(rules.taker, Decimal(0)))
        result = _liquidation(
            name,
            mode,
            sd,
            n,
            e,
            cv,
            pv,
            lev,
            fee_rate,
            rules,
            mmr=mmr,
            maintenance_amount=maintenance_amount,
            tiers=tiers,
            wallet_balance=_opt("wallet_balance", wallet_balance),
            extra=_opt("extra_margin", extra_margin),
            order_margin=_opt("order_margin", order_margin),
            other_mm=_opt("other_maintenance", other_maintenance),
            other_upnl=_opt("other_upnl", other_upnl),
            hedge=(_opt("hedge_contracts", hedge_contracts), _opt("hedge_entry", hedge_entry)),
        )
        out: dict[str, Any] = {
            "liquidation_price": result.liquidation_price,
            "bankruptcy_price": result.bankruptcy_price,
        }
        if result.liquidation_price.is_finite():
            out["distance_to_liquidation"] = result.liquidation_price / e - 1
        _add_rounded(out, rules, sd)
        out["model"] = name
        out["mode"] = mode
        emit(
            out,
            as_json=json,
            title=f"Liquidation ({name}, {mode})",
            units={
                "liquidation_price": USD_PER_COIN,
                "bankruptcy_price": USD_PER_COIN,
                "liquidation_price_rounded": USD_PER_COIN,
                "bankruptcy_price_rounded": USD_PER_COIN,
                "distance_to_liquidation": "fraction of entry",
            },
        )


def _add_rounded(out: dict[str, Any], rules: _Rules, side: int) -> None:
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


def _liquidation(
    name: str,
    mode: str,
    side: int,
    n: Decimal,
    e: Decimal,
    cv: Decimal,
    pv: Decimal,
    lev: Decimal | None,
    taker: Decimal,
    rules: _Rules,
    *,
    mmr: str | None,
    maintenance_amount: str | None,
    tiers: list[str] | None,
    wallet_balance: Decimal | None,
    extra: Decimal | None,
    order_margin: Decimal | None,
    other_mm: Decimal | None,
    other_upnl: Decimal | None,
    hedge: tuple[Decimal | None, Decimal | None],
) -> c.LiquidationResult[Decimal]:
    zero = Decimal(0)
    if name.startswith("bybit"):
        rate, cum = _maintenance_rate(pv, mmr, maintenance_amount, tiers, rules)
        if mode == "cross":
            if name != "bybit-classic":
                raise InputError("mode", mode, f"model {name} is isolated only here")
            balance = _num(
                "wallet_balance", None if wallet_balance is None else str(wallet_balance)
            )
            return c.bybit_classic_cross_prices(side, e, n, cv, balance, rate, taker, order_margin)
        if lev is None:
            raise InputError("leverage", None, f"is required for {name} isolated")
        if name == "bybit-classic" and (cum or extra):
            raise InputError(
                "model", name, "classic has no deduction or added margin: use bybit-uta-a"
            )
        return c.bybit_isolated_prices(
            side,
            e,
            lev,
            rate,
            n,
            cv,
            deduction=cum,
            extra_margin=extra,
            mm_at="mark" if name == "bybit-uta-b" else "entry",
            taker=taker if name == "bybit-uta-b" else None,
        )
    collateral = _collateral(mode, wallet_balance, lev, pv, extra)
    table = None if mmr is not None else _tier_table(tiers, rules)
    rate_given = _opt("mmr", mmr)
    cum = _opt("maintenance_amount", maintenance_amount) or zero
    if rate_given is None and table is None:
        # Risk-step or linear venue margin: the rate of the position's size at entry.
        rate_given, cum = _maintenance_rate(pv, None, None, tiers, rules)
    if name == "binance-coinm":
        legs = [c.Leg(side, n, e, rate_given, cum if rate_given is not None else None)]
        hn, he = hedge
        if (hn is None) != (he is None):
            raise InputError("hedge_contracts", hn, "give both --hedge-contracts and --hedge-entry")
        if hn is not None and he is not None:
            legs.append(c.Leg(-side, hn, he, rate_given, cum if rate_given is not None else None))
        return c.binance_coinm_prices(
            legs, collateral, cv, tiers=table, other_maintenance=other_mm, other_upnl=other_upnl
        )
    if other_mm is not None or other_upnl is not None:
        collateral = collateral - (other_mm or zero) + (other_upnl or zero)
    if rate_given is not None and cum:
        raise InputError(
            "maintenance_amount", cum, "the generic model takes a flat --mmr or --tiers"
        )
    return c.generic_prices(side, e, n, cv, collateral, mmr=rate_given, tiers=table)


def _collateral(
    mode: str, wallet: Decimal | None, lev: Decimal | None, pv: Decimal, extra: Decimal | None
) -> Decimal:
    """Isolated: the wallet given, else IM from leverage plus added margin; cross: the wallet."""
    if wallet is not None:
        return wallet
    if mode == "cross":
        raise InputError("wallet_balance", None, "is required in cross mode")
    if lev is None:
        raise InputError("leverage", None, "give --leverage or --wallet-balance")
    return c.initial_margin(pv, leverage=lev) + (extra or Decimal(0))


@app.command("funding-rate")
def funding_rate(
    premium: Num = None,
    interest: Num = None,
    clamp: Num = None,
    cap: Num = None,
    dead_band: Num = None,
    impact_bid: Num = None,
    impact_ask: Num = None,
    mark: Num = None,
    index: Num = None,
    model: Annotated[
        str | None, typer.Option(help="clamp or deribit (default: the venue's)", show_default=False)
    ] = None,
    venue: VenueOpt = None,
    symbol: SymbolOpt = None,
    json: Json = False,
) -> None:
    """Funding rate per interval: clamp model (BitMEX/Bybit/Binance) or Deribit's dead-band.

    The premium is --premium, or computed from --impact-bid/--impact-ask/--mark/--index
    (clamp model) or --mark/--index (Deribit).
    """
    with user_errors():
        rules = _rules(venue, symbol)
        # an instrument's own funding rule carries its cap (Bybit BTCUSD, BitMEX XBTUSD)
        funding = getattr(rules.instrument, "funding", None) or getattr(
            rules.venue, "funding", None
        )
        name = model or (funding.model if funding is not None else None)
        if name not in ("clamp", "deribit"):
            raise InputError("model", name, "give --model clamp|deribit or a --venue")
        p = _premium(name, premium, impact_bid, impact_ask, mark, index)
        venue_cap = getattr(funding, "cap", None)
        cap_value = _opt("cap", cap) if cap is not None else venue_cap
        if name == "clamp":
            i = _num(
                "interest", interest, _first(getattr(funding, "interest", None), Decimal("0.0001"))
            )
            width = _num("clamp", clamp, _first(getattr(funding, "clamp", None), Decimal("0.0005")))
            rate = c.clamp_funding_rate(p, i, width, cap_value)
        else:
            band = _num(
                "dead_band",
                dead_band,
                _first(getattr(funding, "dead_band", None), Decimal("0.00025")),
            )
            rate = c.deribit_funding_rate(p, band, cap_value)
        result = {"funding_rate": rate, "premium": p, "model": name}
        emit(
            result,
            as_json=json,
            title="Funding rate",
            units={"funding_rate": "fraction per interval", "premium": "fraction"},
        )


def _premium(
    model: str,
    premium: str | None,
    impact_bid: str | None,
    impact_ask: str | None,
    mark: str | None,
    index: str | None,
) -> Decimal:
    if premium is not None:
        return parse_decimal("premium", premium)
    if model == "deribit":
        m, i = _num("mark", mark), c.check_positive("index", _num("index", index))
        return (m - i) / i
    return c.premium_index(
        _num("impact_bid", impact_bid),
        _num("impact_ask", impact_ask),
        _num("mark", mark),
        _num("index", index),
    )


@app.command("funding-payment")
def funding_payment(
    side: Annotated[str | None, typer.Option(help="long or short", show_default=False)] = None,
    contracts: Num = None,
    contract_value: Num = None,
    mark: Num = None,
    rate: Num = None,
    elapsed_hours: Num = None,
    interval_hours: Num = None,
    venue: VenueOpt = None,
    symbol: SymbolOpt = None,
    json: Json = False,
) -> None:
    """Funding cash flow to the holder in coin (negative: the holder pays).

    Discrete at a funding timestamp, or accrued over --elapsed-hours of a rate quoted per
    --interval-hours (continuous accrual, Deribit).
    """
    with user_errors():
        rules = _rules(venue, symbol)
        sd = _side(side)
        n, m, r = _num("contracts", contracts), _num("mark", mark), _num("rate", rate)
        cv = _num("contract_value", contract_value, rules.contract_value)
        if elapsed_hours is None:
            paid = c.funding_payment(sd, n, cv, m, r)
        else:
            funding = getattr(rules.venue, "funding", None)
            interval = _num(
                "interval_hours",
                interval_hours,
                _first(getattr(funding, "interval_hours", None), Decimal(8)),
            )
            paid = c.funding_accrual(
                sd, n, cv, m, r, _num("elapsed_hours", elapsed_hours), interval
            )
        emit(
            {"payment": paid, "value": c.position_value(n, m, cv)},
            as_json=json,
            title="Funding payment",
            units={"payment": COIN + " (received > 0)", "value": COIN},
        )


@app.command("fair-price")
def fair_price(
    index: Num = None,
    impact_bid: Num = None,
    impact_ask: Num = None,
    days_to_expiry: Num = None,
    funding_rate: Num = None,
    hours_to_funding: Num = None,
    interval_hours: Num = None,
    json: Json = False,
) -> None:
    """Fair (mark) price: a dated future from the impact mid, or a perpetual from funding."""
    with user_errors():
        i = _num("index", index)
        dated = days_to_expiry is not None or impact_bid is not None or impact_ask is not None
        if dated:
            days = _num("days_to_expiry", days_to_expiry)
            rate = c.dated_fair_basis(
                i, _num("impact_bid", impact_bid), _num("impact_ask", impact_ask), days
            )
            result: dict[str, Any] = {
                "fair_price": c.dated_fair_price(i, rate, days),
                "basis_rate": rate,
            }
        else:
            result = {
                "fair_price": c.perpetual_fair_price(
                    i,
                    _num("funding_rate", funding_rate),
                    _num("hours_to_funding", hours_to_funding),
                    _num("interval_hours", interval_hours, Decimal(8)),
                )
            }
        result["fair_basis"] = result["fair_price"] - i
        emit(
            result,
            as_json=json,
            title="Fair price",
            units={
                "fair_price": USD_PER_COIN,
                "basis_rate": "per year (simple)",
                "fair_basis": "USD",
            },
        )


@app.command()
def carry(
    spot: Num = None,
    rate: Num = None,
    days: Num = None,
    coin_yield: Num = None,
    future: Num = None,
    json: Json = False,
) -> None:
    """Cost-of-carry forward S*exp((r-q)T), and the basis of a quoted future if given."""
    with user_errors():
        s, r, d = _num("spot", spot), _num("rate", rate), _num("days", days)
        forward = c.carry_forward(s, r, d, _opt("coin_yield", coin_yield))
        result: dict[str, Any] = {"forward": forward, "basis": forward - s}
        if future is not None:
            f = _num("future", future)
            result["future_basis"] = c.basis(f, s)
            result["annualised_basis"] = c.annualised_basis(f, s, d)
            result["implied_rate"] = c.implied_carry_rate(f, s, d)
        emit(
            result,
            as_json=json,
            title="Cost of carry",
            units={
                "forward": USD_PER_COIN,
                "basis": "USD",
                "future_basis": "USD",
                "annualised_basis": "per year (simple)",
                "implied_rate": "per year (continuous)",
            },
        )
