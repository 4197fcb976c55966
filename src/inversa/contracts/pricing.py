"""Fair prices of perpetual and dated futures, cost of carry and basis.

Prices in USD per coin; rates are fractions (per funding interval for funding rates,
per year for annualised ones, with a 365-day year).
"""

from __future__ import annotations

from inversa.contracts._check import check_nonnegative, check_positive
from inversa.contracts._num import Num, exp, log

__all__ = [
    "annualised_basis",
    "basis",
    "carry_forward",
    "dated_fair_basis",
    "dated_fair_price",
    "implied_carry_rate",
    "perpetual_fair_price",
]

DAYS_PER_YEAR = 365


def perpetual_fair_price(
    index: Num, funding_rate: Num, hours_to_funding: Num, interval_hours: Num
) -> Num:
    """BitMEX fair price of a perpetual: ``index * (1 + F * t / interval)``.

    ``F * t / interval`` is the funding basis: the part of the next funding still due.
    """
    check_positive("index", index)
    check_nonnegative("hours_to_funding", hours_to_funding)
    check_positive("interval_hours", interval_hours)
    return index * (1 + funding_rate * hours_to_funding / interval_hours)


def dated_fair_basis(index: Num, impact_bid: Num, impact_ask: Num, days_to_expiry: Num) -> Num:
    """Annualised fair basis of a dated future (BitMEX/Gate method), simple interest:
    ``(mid / index - 1) * 365 / days`` with ``mid`` the impact mid price."""
    check_positive("index", index)
    check_positive("impact_bid", impact_bid)
    check_positive("impact_ask", impact_ask)
    check_positive("days_to_expiry", days_to_expiry)
    mid = (impact_bid + impact_ask) / 2
    return (mid / index - 1) * DAYS_PER_YEAR / days_to_expiry


def dated_fair_price(index: Num, basis_rate: Num, days_to_expiry: Num) -> Num:
    """``index * (1 + basis_rate * days / 365)``: the mark of a dated future."""
    check_positive("index", index)
    check_nonnegative("days_to_expiry", days_to_expiry)
    return index * (1 + basis_rate * days_to_expiry / DAYS_PER_YEAR)


def carry_forward(spot: Num, rate: Num, days: Num, coin_yield: Num | None = None) -> Num:
    """Cost-of-carry forward, continuous compounding: ``S * exp((r - q) * days/365)``.

    ``rate`` is the USD rate r, ``coin_yield`` the coin lending rate q (0 if omitted).
    """
    check_positive("spot", spot)
    check_nonnegative("days", days)
    q = rate - rate if coin_yield is None else coin_yield
    return spot * exp((rate - q) * days / DAYS_PER_YEAR)


def basis(future: Num, spot: Num) -> Num:
    """``F - S`` in USD per coin."""
    return check_positive("future", future) - check_positive("spot", spot)


def annualised_basis(future: Num, spot: Num, days: Num) -> Num:
    """Simple annualised basis ``(F/S - 1) * 365 / days``."""
    check_positive("days", days)
    return (
        (check_positive("future", future) / check_positive("spot", spot) - 1) * DAYS_PER_YEAR / days
    )


def implied_carry_rate(future: Num, spot: Num, days: Num) -> Num:
    """Continuously compounded carry ``ln(F/S) * 365 / days`` (inverse of carry_forward)."""
    check_positive("days", days)
    ratio = check_positive("future", future) / check_positive("spot", spot)
    return log(ratio) * DAYS_PER_YEAR / days
