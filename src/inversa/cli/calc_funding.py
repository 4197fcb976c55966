"""`inversa calc funding-rate|funding-payment|fair-price|carry`: funding and carry kinds.

Registered on the ``calc`` app by :func:`register` (see :mod:`inversa.cli.calc`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import typer

from inversa import contracts as c
from inversa import domain as d
from inversa.cli._calc import (
    COIN,
    PRICE,
    RATE,
    USD,
    Calc,
    D,
    FundingRate,
    ImpactAsk,
    ImpactBid,
    Index,
    Mark,
    calc_options,
    emit,
    first,
    num,
)
from inversa.cli._options import Json, number, text
from inversa.contracts import pricing
from inversa.errors import InputError

__all__ = ["register"]


@calc_options()
def funding_rate(
    calc: Calc,
    premium: Annotated[D, number(d.SIGNED_RATE, "Premium index, a fraction.")] = None,
    interest: Annotated[D, number(d.SIGNED_RATE, "Interest rate per interval, a fraction.")] = None,
    clamp: Annotated[D, number(d.FRACTION, "Clamp half-width, a fraction.")] = None,
    cap: Annotated[D, number(d.FRACTION, "Cap on |rate| per interval, a fraction.")] = None,
    dead_band: Annotated[D, number(d.FRACTION, "Deribit dead band, a fraction.")] = None,
    impact_bid: ImpactBid = None,
    impact_ask: ImpactAsk = None,
    mark: Mark = None,
    index: Index = None,
    model: Annotated[str | None, text("clamp or deribit (default: the venue's)")] = None,
) -> None:
    """Funding rate per interval: clamp model (BitMEX/Bybit/Binance) or Deribit's dead-band.

    The premium is --premium, or computed from --impact-bid/--impact-ask/--mark/--index
    (clamp model) or --mark/--index (Deribit).
    """
    # an instrument's own funding rule carries its cap (Bybit BTCUSD, BitMEX XBTUSD)
    rules = calc.rules
    funding = getattr(rules.instrument, "funding", None) or getattr(rules.venue, "funding", None)
    name = model if model is not None else (funding.model if funding is not None else None)
    if name not in ("clamp", "deribit"):
        raise InputError("--model", name, "give --model clamp|deribit or a --venue")
    given = {"impact_bid": impact_bid, "impact_ask": impact_ask, "mark": mark, "index": index}
    p = _premium(name, premium, given)
    cap_value = cap if cap is not None else getattr(funding, "cap", None)
    if name == "clamp":
        if dead_band is not None:
            raise InputError("dead_band", dead_band, "applies to --model deribit, not clamp")
        i = num("interest", interest, first(getattr(funding, "interest", None), Decimal("0.0001")))
        width = num("clamp", clamp, first(getattr(funding, "clamp", None), Decimal("0.0005")))
        rate = c.clamp_funding_rate(p, i, width, cap_value)
    else:
        for flag, value in (("interest", interest), ("clamp", clamp)):
            if value is not None:
                raise InputError(flag, value, "applies to --model clamp, not deribit")
        band = num(
            "dead_band", dead_band, first(getattr(funding, "dead_band", None), Decimal("0.00025"))
        )
        rate = c.deribit_funding_rate(p, band, cap_value)
    result = {"funding_rate": rate, "premium": p, "model": name}
    calc.emit(result, "Funding rate", {"funding_rate": RATE, "premium": RATE})


def _premium(model: str, premium: Decimal | None, given: dict[str, Decimal | None]) -> Decimal:
    if premium is not None:
        others = [k for k, v in given.items() if v is not None]
        if others:
            raise InputError(
                others[0], given[others[0]], "give either --premium or prices, not both"
            )
        return premium
    if model == "deribit":
        m, i = num("mark", given["mark"]), num("index", given["index"])
        return (m - i) / i
    bid, ask = num("impact_bid", given["impact_bid"]), num("impact_ask", given["impact_ask"])
    if bid > ask:
        raise InputError("impact_bid", bid, f"is above --impact-ask {ask}")
    return c.premium_index(bid, ask, num("mark", given["mark"]), num("index", given["index"]))


@calc_options("side", "contracts", "contract_value")
def funding_payment(
    calc: Calc,
    rate: FundingRate = None,
    mark: Mark = None,
    elapsed_hours: Annotated[D, number(d.HOURS, "Hours of continuous accrual.")] = None,
    interval_hours: Annotated[D, number(d.HOURS, "Hours the rate is quoted for.")] = None,
) -> None:
    """Funding cash flow to the holder in coin (negative: the holder pays).

    Discrete at a funding timestamp, or accrued over --elapsed-hours of a rate quoted per
    --interval-hours (continuous accrual, Deribit).
    """
    sd, n, cv = calc.sign(), calc.need("contracts"), calc.contract_value_or()
    m, r = num("mark", mark), num("rate", rate)
    if elapsed_hours is None:
        if interval_hours is not None:
            raise InputError("interval_hours", interval_hours, "needs --elapsed-hours")
        paid = c.funding_payment(sd, n, cv, m, r)
    else:
        funding = getattr(calc.rules.venue, "funding", None)
        interval = num(
            "interval_hours",
            interval_hours,
            first(getattr(funding, "interval_hours", None), Decimal(8)),
        )
        paid = c.funding_accrual(sd, n, cv, m, r, elapsed_hours, interval)
    result = {"payment": paid, "value": c.position_value(n, m, cv)}
    calc.emit(result, "Funding payment (received > 0)", {"payment": COIN, "value": COIN})


def fair_price(
    index: Index = None,
    impact_bid: ImpactBid = None,
    impact_ask: ImpactAsk = None,
    days_to_expiry: Annotated[D, number(d.DAYS, "Days to the dated future's expiry.")] = None,
    funding_rate: FundingRate = None,
    hours_to_funding: Annotated[
        D, number(d.HOURS_OR_ZERO, "Hours to the next funding time.")
    ] = None,
    interval_hours: Annotated[D, number(d.HOURS, "Funding interval, hours.")] = None,
    json: Json = False,
) -> None:
    """Fair (mark) price: a dated future from the impact mid, or a perpetual from funding."""
    i = num("index", index)
    dated = days_to_expiry is not None or impact_bid is not None or impact_ask is not None
    perpetual = [
        k
        for k, v in (
            ("funding_rate", funding_rate),
            ("hours_to_funding", hours_to_funding),
            ("interval_hours", interval_hours),
        )
        if v is not None
    ]
    if dated and perpetual:
        raise InputError(
            perpetual[0],
            "given",
            "a dated future (--impact-bid/--impact-ask/--days-to-expiry) "
            "takes no perpetual funding options",
        )
    if dated:
        days = num("days_to_expiry", days_to_expiry)
        bid, ask = num("impact_bid", impact_bid), num("impact_ask", impact_ask)
        if bid > ask:
            raise InputError("impact_bid", bid, f"is above --impact-ask {ask}")
        rate = c.dated_fair_basis(i, bid, ask, days)
        result: dict[str, Any] = {
            "fair_price": c.dated_fair_price(i, rate, days),
            "basis_rate": rate,
        }
    else:
        result = {
            "fair_price": c.perpetual_fair_price(
                i,
                num("funding_rate", funding_rate),
                num("hours_to_funding", hours_to_funding),
                num("interval_hours", interval_hours, Decimal(8)),
            )
        }
    result["fair_basis"] = result["fair_price"] - i
    units = {"fair_price": PRICE, "basis_rate": RATE, "fair_basis": USD}
    emit(result, json, "Fair price (basis rate per year, simple)", units)


def carry(
    spot: Annotated[D, number(d.PRICE, "Spot price, USD per coin.")] = None,
    rate: Annotated[D, number(d.ANNUAL_RATE, "Interest rate per year (continuous).")] = None,
    days: Annotated[D, number(d.DAYS, "Days to delivery.")] = None,
    coin_yield: Annotated[D, number(d.ANNUAL_RATE, "Coin yield per year (continuous).")] = None,
    future: Annotated[D, number(d.PRICE, "Quoted future price, USD per coin.")] = None,
    json: Json = False,
) -> None:
    """Cost-of-carry forward S*exp((r-q)T), and the basis of a quoted future if given."""
    s, r, dd = num("spot", spot), num("rate", rate), num("days", days)
    forward = c.carry_forward(s, r, dd, coin_yield)
    result: dict[str, Any] = {"forward": forward, "basis": forward - s}
    if future is not None:
        # pricing.basis: once imported, the submodule contracts.basis shadows c.basis
        result["future_basis"] = pricing.basis(future, s)
        result["annualised_basis"] = c.annualised_basis(future, s, dd)
        result["implied_rate"] = c.implied_carry_rate(future, s, dd)
    units = {"forward": PRICE, "basis": USD, "future_basis": USD}
    emit(result, json, "Cost of carry", {**units, "annualised_basis": RATE, "implied_rate": RATE})


def register(app: typer.Typer) -> None:
    """Mount the funding and carry kinds on the ``calc`` app."""
    app.command("funding-rate")(funding_rate)
    app.command("funding-payment")(funding_payment)
    app.command("fair-price")(fair_price)
    app.command()(carry)
