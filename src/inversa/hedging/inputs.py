"""Assembling the hedge commands' inputs from the bundled data (the only I/O in hedging).

* :func:`bundled_close`: an asset's daily close on a UTC day (Coinbase daily).
* :func:`with_bundled_prices`: a portfolio whose missing prices are that day's closes.
* :func:`bundled_carry`: expected carry of a plan from the bundled funding histories.
* :func:`backtest_inputs`: closes, funding and contract values for :func:`hedge_backtest`.

The planner, carry and backtest functions themselves take plain values and stay free of
I/O; these helpers are what the CLI (or a notebook) calls to feed them real data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, model_validator

from inversa.data.config import ConfigModel
from inversa.domain import DATE, MAX_AMOUNT, ContractValue, Domain, FeeRate, Weight
from inversa.errors import DataError, InputError
from inversa.hedging.backtest import BacktestResult
from inversa.hedging.carry import Carry, FundingEstimate, carry_costs, mean_daily_funding
from inversa.hedging.funding import FundingProxy
from inversa.hedging.instruments import default_instrument, venue_of
from inversa.hedging.planner import HedgePlan
from inversa.hedging.policy import BacktestPolicy
from inversa.hedging.portfolio import Portfolio

__all__ = [
    "FUNDING_SENSITIVITY",
    "BacktestConfig",
    "backtest_inputs",
    "bundled_carry",
    "bundled_close",
    "contract_values_for",
    "run_backtest",
    "with_bundled_prices",
]


def _utc(day: datetime | str) -> Any:
    import pandas as pd

    stamp = pd.Timestamp(day)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def bundled_close(asset: str, day: datetime, field: str = "date") -> Decimal:
    """``asset``'s bundled daily close (USD per coin) on the UTC day of ``day``."""
    from inversa.data import SPOT_ASSETS, spot_daily

    if asset not in SPOT_ASSETS:
        raise InputError(
            f"prices.{asset}",
            None,
            f"no price for {asset}: no bundled daily close ({', '.join(SPOT_ASSETS)}); "
            f"give --prices {asset}=USD",
        )
    frame = spot_daily(asset)
    when = _utc(day).normalize()
    if when not in frame.index:
        first, last = frame.index[0].date(), frame.index[-1].date()
        raise InputError(
            field, f"{when:%Y-%m-%d}", f"no {asset} close on that day (bundled {first} .. {last})"
        )
    return Decimal(repr(float(frame.loc[when, "close"])))


def with_bundled_prices(
    portfolio: Portfolio, day: datetime | None, extra: tuple[str, ...] = ()
) -> Portfolio:
    """``portfolio`` with every missing price (of its assets and of ``extra``, e.g. the
    assets of hedge amounts) taken from the bundled closes of ``day``."""
    if day is None:
        return portfolio
    assets = dict.fromkeys((*portfolio.assets, *extra))
    missing = {a: bundled_close(a, day) for a in assets if a not in portfolio.prices}
    return portfolio.updated(prices=missing)


def bundled_carry(
    plan: HedgePlan,
    *,
    days: int,
    venue: str | None,
    basis: Mapping[str, Decimal],
    expiry_days: Decimal,
    end: datetime | None,
) -> tuple[Carry, list[str]]:
    """Expected carry of ``plan`` from the bundled funding histories, and notes.

    Each leg uses its venue's history when bundled (else ``venue``, else bybit), averaged
    over the ``days`` before ``end`` (its last ``days`` when the history stops earlier);
    assets other than BTC borrow BTC's rate (no other inverse funding is bundled).
    """
    from inversa.data import FUNDING_VENUES, funding_history

    notes: list[str] = []
    cache: dict[str, FundingEstimate] = {}

    def estimate(name: str) -> FundingEstimate:
        if name not in cache:
            history = funding_history(name)
            label = f"{name} BTC inverse perpetual"
            try:
                est = mean_daily_funding(history, days, None if end is None else _utc(end), label)
            except DataError:
                est = mean_daily_funding(history, days, None, label)
                stop = "the end" if end is None else f"{end:%Y-%m-%d}"
                notes.append(f"{name}: no funding history to {stop}; its last {days} days used")
            window = f"{est.start:%Y-%m-%d}..{est.end:%Y-%m-%d}"
            label += f", mean daily rate over {days} days {window} ({est.rows} rates)"
            cache[name] = replace(est, source=label)
        return cache[name]

    rates: dict[str, FundingEstimate] = {}
    for asset, leg in plan.legs.items():
        name = venue
        if name is None:
            leg_venue = venue_of(leg.instrument)
            name = leg_venue if leg_venue in FUNDING_VENUES else "bybit"
        est = estimate(name)
        rates[asset] = est if asset == "BTC" else est.borrowed(f"BTC rate assumed for {asset}")
    return carry_costs(plan, rates, basis=dict(basis), expiry_days=expiry_days), notes


def backtest_inputs(
    assets: list[str], funding_venue: str, contract_values: Mapping[str, Decimal]
) -> tuple[Any, Any, dict[str, float], list[str]]:
    """(daily closes, daily funding rates, USD per contract, assumption notes)."""
    import pandas as pd

    from inversa.data import funding_history, spot_daily
    from inversa.hedging.backtest import daily_funding_rate

    closes = pd.DataFrame({a: spot_daily(a)["close"] for a in assets})
    funding = daily_funding_rate(funding_history(funding_venue))
    cvs, label = contract_values_for(assets, contract_values)
    others = [a for a in assets if a != "BTC"]
    notes = [
        f"funding: {funding_venue} BTC inverse perpetual, daily sum of its rates, for every "
        f"leg{'; BTC rate assumed for ' + ', '.join(others) if others else ''} (no other "
        "inverse funding is bundled); the legs net to ~0 USD, so the funding paid and "
        "received nearly cancel in USD, but each settles in its leg's coin: 'vs spot' "
        "includes the effect of those coin flows",
        label,
    ]
    return closes, funding, cvs, notes


def contract_values_for(
    assets: list[str], given: Mapping[str, Decimal]
) -> tuple[dict[str, float], str]:
    """USD per contract per asset (given, else the default venue's inverse perpetual;
    none: exact notional) and the assumption line saying which."""
    cvs: dict[str, float] = {}
    labels: list[str] = []
    for asset in assets:
        if asset in given:
            cvs[asset] = float(given[asset])
            labels.append(f"{asset} {given[asset]} USD/contract (given)")
            continue
        inst = default_instrument(asset)
        if inst is not None:
            cvs[asset] = float(inst.contract_value)
            labels.append(f"{asset} {inst.contract_value} USD/contract ({inst.label})")
        else:
            labels.append(f"{asset} exact USD notional (no venue contract)")
    return cvs, "contracts: " + "; ".join(labels)


_USD = Domain("amount", "USD", Decimal(1), MAX_AMOUNT)
#: Funding scales the futures strategies are rerun with.
FUNDING_SENSITIVITY = (0.9, 1.1)
_DEFAULT_TARGETS = {"BTC": Decimal("0.5"), "ETH": Decimal("0.3")}
_DEFAULT_TARGETS |= {"AAVE": Decimal("0.1"), "LINK": Decimal("0.1")}


class BacktestConfig(ConfigModel):
    """A hedge backtest on the bundled data, frozen: the CLI builds it from its options,
    :func:`run_backtest` takes it (or read one from TOML with
    :func:`inversa.data.config.load_toml`).

    Attributes:
        targets: asset -> target weight (fractions summing to 1).
        start, end: first and last UTC day.
        initial_usd: starting value, USD.
        spot_fee, futures_fee: taker fee rates, fractions.
        funding_venue: bundled BTC inverse funding history.
        funding_proxy: funding of the other assets (:mod:`inversa.hedging.funding`).
        policy: bands, partial hedging, cap, true-up, margin (:class:`BacktestPolicy`).
        proxies: asset -> the asset holding its weight before it has a price.
        contract_values: asset -> USD per contract (default: the default venue's).
    """

    targets: dict[str, Weight] = Field(default_factory=lambda: dict(_DEFAULT_TARGETS))
    start: Annotated[datetime, DATE] = datetime(2020, 1, 1, tzinfo=UTC)
    end: Annotated[datetime, DATE] = datetime(2024, 12, 31, tzinfo=UTC)
    initial_usd: Annotated[Decimal, _USD] = Decimal(100_000)
    spot_fee: FeeRate = Decimal("0.001")
    futures_fee: FeeRate = Decimal("0.0005")
    funding_venue: str = "bybit"
    proxies: dict[str, str] = Field(default_factory=lambda: {"AAVE": "LINK"})
    contract_values: dict[str, ContractValue] = Field(default_factory=dict)
    funding_proxy: FundingProxy = "linear"
    policy: BacktestPolicy = Field(default_factory=BacktestPolicy)

    @model_validator(mode="after")
    def _consistent(self) -> BacktestConfig:
        if self.end <= self.start:
            raise InputError("end", f"{self.end:%Y-%m-%d}", "must be after start")
        for asset in self.proxies:
            seen, current = {asset}, self.proxies[asset]
            while current in self.proxies:
                if current in seen:
                    raise InputError(
                        "proxies", f"{asset}={self.proxies[asset]}", "proxies form a cycle"
                    )
                seen.add(current)
                current = self.proxies[current]
        return self


def run_backtest(
    config: BacktestConfig, progress: Callable[[int, int], None] | None = None
) -> BacktestResult:
    """Run ``config`` on the bundled closes, lows, highs and per-asset funding (with the
    x0.9 / x1.1 funding sensitivity); assumptions in the result."""
    from inversa.hedging.backtest import hedge_backtest
    from inversa.hedging.history import backtest_history

    assets = list(config.targets)
    history = backtest_history(
        assets, funding_venue=config.funding_venue, funding_proxy=config.funding_proxy
    )
    cvs, label = contract_values_for(assets, config.contract_values)
    result = hedge_backtest(
        history.closes,
        {a: float(w) for a, w in config.targets.items()},
        funding=dict(history.funding.rates),
        funding_sources=history.funding.sources,
        proxies=config.proxies,
        start=f"{config.start:%Y-%m-%d}",
        end=f"{config.end:%Y-%m-%d}",
        initial_usd=float(config.initial_usd),
        spot_fee=float(config.spot_fee),
        futures_fee=float(config.futures_fee),
        contract_values=cvs,
        progress=progress,
        policy=config.policy,
        lows=history.lows,
        highs=history.highs,
        funding_sensitivity=FUNDING_SENSITIVITY,
    )
    return replace(result, assumptions=(*result.assumptions, label))
