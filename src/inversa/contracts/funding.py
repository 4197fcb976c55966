"""Funding of perpetual swaps: the rate and the payment, in the settlement coin.

Sign convention (all venues): a positive rate means longs pay shorts.  Payments are
cash flows to the holder: positive is received.  Rates are fractions per funding
interval (0.0001 = 0.01 %).
"""

from __future__ import annotations

from inversa.contracts._check import check_nonnegative, check_positive
from inversa.contracts._num import Num, like, maximum, minimum

__all__ = [
    "clamp_funding_rate",
    "deribit_funding_rate",
    "funding_accrual",
    "funding_payment",
    "margin_funding_cap",
    "premium_index",
]


def _clip(x: Num, low: Num, high: Num) -> Num:
    return minimum(maximum(x, low), high)


def clamp_funding_rate(
    premium: Num, interest: Num, clamp: Num | None = None, cap: Num | None = None
) -> Num:
    """BitMEX / Bybit / Binance: ``F = P + clamp(I - P, -c, +c)``, then ``clamp(F, -cap, cap)``.

    Args:
        premium: premium index P over the interval (fraction).
        interest: interest rate I per interval, e.g. 0.0001 (0.01 % per 8 h).
        clamp: half-width c of the clamp around I - P; 0.0005 when omitted.
        cap: optional cap on |F| (Binance: a multiple of the maintenance rate).
    """
    c = like(premium, "0.0005") if clamp is None else check_nonnegative("clamp", clamp)
    rate = premium + _clip(interest - premium, -c, c)
    if cap is not None:
        check_nonnegative("cap", cap)
        rate = _clip(rate, -cap, cap)
    return rate


def margin_funding_cap(factor: Num, maintenance_rate: Num, initial_rate: Num | None = None) -> Num:
    """A funding cap tied to the margin rates: the ``cap`` of :func:`clamp_funding_rate`.

    - Without ``initial_rate``: ``k * MMR`` (Binance: ``clamp(F, -k MMR, +k MMR)``, ``k`` = 1
      on older listings, 0.75 on newer ones).
    - With ``initial_rate``: ``k * (IMR - MMR)`` (BitMEX since 2020-04-17: 75 % of the gap
      between initial and maintenance margin; XBTUSD 0.75 x (1 % - 0.5 %) = 0.375 %).

    Args:
        factor: ``k``, a fraction >= 0 (0.75 = 75 %).
        maintenance_rate: maintenance-margin rate MMR, fraction >= 0.
        initial_rate: initial-margin rate IMR, fraction >= MMR, or ``None``.

    Returns the cap on ``|F|`` per funding interval, a fraction >= 0.
    """
    check_nonnegative("factor", factor)
    check_nonnegative("maintenance_rate", maintenance_rate)
    if initial_rate is None:
        return factor * maintenance_rate
    gap = check_nonnegative("initial_rate - maintenance_rate", initial_rate - maintenance_rate)
    return factor * gap


def deribit_funding_rate(premium: Num, dead_band: Num | None = None, cap: Num | None = None) -> Num:
    """Deribit: no interest term, a dead-band of +-``dead_band`` around zero, a cap.

    ``F = max(d, P) + min(-d, P)``, clamped to ``[-cap, cap]`` when a cap is given;
    ``d`` is 0.00025 (0.025 %) when omitted.  ``premium = (mark - index) / index``.
    """
    d = like(premium, "0.00025") if dead_band is None else check_nonnegative("dead_band", dead_band)
    rate = maximum(d, premium) + minimum(-d, premium)
    if cap is not None:
        check_nonnegative("cap", cap)
        rate = _clip(rate, -cap, cap)
    return rate


def premium_index(impact_bid: Num, impact_ask: Num, mark: Num, index: Num) -> Num:
    """BitMEX/Bybit premium: ``(max(0, IB - M) - max(0, M - IA)) / index``."""
    check_positive("index", index)
    zero = index - index
    return (maximum(zero, impact_bid - mark) - maximum(zero, mark - impact_ask)) / index


def funding_payment(
    side: Num | int, contracts: Num, contract_value: Num, mark: Num, rate: Num
) -> Num:
    """Coin received by the holder at a funding timestamp: ``-side * N*CV/M * F``.

    Only positions open at the timestamp pay or receive; ``mark`` is the mark price then.
    """
    check_positive("contracts", contracts)
    check_positive("mark", mark)
    check_positive("contract_value", contract_value)
    return -side * contracts * contract_value / mark * rate


def funding_accrual(
    side: Num | int,
    contracts: Num,
    contract_value: Num,
    price: Num,
    rate: Num,
    elapsed_hours: Num,
    interval_hours: Num,
) -> Num:
    """Continuous accrual (Deribit): the payment for ``elapsed_hours`` of a rate quoted
    per ``interval_hours`` (8 h), on the coin value of the position at ``price``."""
    check_nonnegative("elapsed_hours", elapsed_hours)
    check_positive("interval_hours", interval_hours)
    return (
        funding_payment(side, contracts, contract_value, price, rate)
        * elapsed_hours
        / interval_hours
    )
