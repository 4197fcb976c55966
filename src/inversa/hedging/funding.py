"""Funding per asset for the hedge backtest: the asset's own history, or a named proxy.

Each leg pays or receives its own asset's funding.  An asset with a bundled **inverse**
perpetual funding history uses it (only BTC today).  Any other asset uses the proxy the
user chooses, printed in the backtest's assumptions:

``linear``
    the asset's own USDT-margined perpetual funding (Binance or Bybit, bundled for BTC
    and ETH); days outside that history, and assets without one, fall back to BTC's
    inverse rate (said so in the source line).
``BTC``
    BTC's inverse rate (what every leg used before: net funding ~0 by construction).
``zero``
    no funding.
``formula``
    the interest component of the venues' clamp formula with a zero premium:
    0.01 % per 8 h, i.e. :data:`FORMULA_DAILY_RATE` = 0.03 % per day, longs pay.

Rates are fractions per UTC day (positive: longs pay shorts), as
:func:`~inversa.hedging.daily_funding_rate` gives them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from inversa.errors import InputError

__all__ = [
    "FORMULA_DAILY_RATE",
    "FUNDING_PROXIES",
    "AssetFunding",
    "FundingProxy",
    "asset_funding",
]

FundingProxy = Literal["linear", "BTC", "zero", "formula"]
FUNDING_PROXIES: tuple[FundingProxy, ...] = ("linear", "BTC", "zero", "formula")

#: 0.01 % per 8-hour interval, three a day: the clamp formula's interest term alone.
FORMULA_DAILY_RATE = 0.0003


@dataclass(frozen=True)
class AssetFunding:
    """Daily funding per asset and where each comes from.

    ``rates``: asset -> daily rate series (fraction per day) or a constant;
    ``sources``: asset -> a sentence naming the history or proxy.
    """

    rates: Mapping[str, pd.Series | float]
    sources: Mapping[str, str]


def _check_proxy(proxy: str) -> FundingProxy:
    for name in FUNDING_PROXIES:
        if proxy.lower() == name.lower():
            return name
    raise InputError("funding_proxy", proxy, f"expected one of {', '.join(FUNDING_PROXIES)}")


def _span(series: pd.Series) -> str:
    index = pd.DatetimeIndex(series.index)
    return f"{index[0].date()} .. {index[-1].date()}" if len(index) else "empty"


def asset_funding(
    assets: Iterable[str],
    *,
    inverse: Mapping[str, pd.Series],
    proxy: str = "linear",
    linear: Mapping[str, pd.Series] | None = None,
    inverse_label: str = "inverse perpetual",
    linear_label: str = "USDT perpetual",
) -> AssetFunding:
    """Each asset's daily funding: its inverse history when given, else ``proxy``.

    Args:
        assets: the backtest's assets.
        inverse: asset -> daily rates of its inverse perpetual (e.g. ``{"BTC": ...}``).
        proxy: ``linear``, ``BTC``, ``zero`` or ``formula`` (see the module notes).
        linear: asset -> daily rates of its USDT perpetual (for ``linear``).
        inverse_label, linear_label: how the sources name the histories.
    """
    choice = _check_proxy(proxy)
    btc = inverse.get("BTC")
    if choice in ("linear", "BTC") and btc is None:
        raise InputError("funding_proxy", proxy, "needs BTC's inverse funding history")
    rates: dict[str, pd.Series | float] = {}
    sources: dict[str, str] = {}
    for raw in assets:
        asset = raw.upper()
        own = inverse.get(asset)
        if own is not None:
            rates[asset] = own
            sources[asset] = f"{asset} {inverse_label} ({_span(own)})"
            continue
        if choice == "zero":
            rates[asset], sources[asset] = 0.0, "zero (proxy)"
        elif choice == "formula":
            rates[asset] = FORMULA_DAILY_RATE
            sources[asset] = "formula: 0.01 % per 8 h interest, zero premium (proxy)"
        elif choice == "BTC":
            assert btc is not None
            rates[asset] = btc
            sources[asset] = f"BTC {inverse_label} rate (proxy)"
        else:
            assert btc is not None
            mine = (linear or {}).get(asset)
            if mine is None:
                rates[asset] = btc
                sources[asset] = (
                    f"no {asset} {linear_label} bundled: BTC {inverse_label} rate (proxy)"
                )
            else:
                rates[asset] = mine.combine_first(btc)
                sources[asset] = (
                    f"{asset} {linear_label} ({_span(mine)}; BTC {inverse_label} rate "
                    "outside it) (proxy)"
                )
    return AssetFunding(rates, sources)
