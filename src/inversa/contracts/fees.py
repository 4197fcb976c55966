"""Trading fees of inverse contracts, in the settlement coin."""

from __future__ import annotations

from inversa.contracts._num import Num
from inversa.contracts.pnl import position_value

__all__ = ["trading_fee"]


def trading_fee(contracts: Num, price: Num, contract_value: Num, rate: Num) -> Num:
    """Fee in coin charged on a fill: ``N * CV / P_fill * rate``.

    The result is the amount the trader pays; a negative ``rate`` (a maker rebate on
    BitMEX) gives a negative fee, i.e. coin received.
    """
    return position_value(contracts, price, contract_value) * rate
