"""A -1x band-and-daily-reset vault (rules TB1) driven bar by bar through the public
engine API, as a user (the token keeper) would: shared by the engine benchmark and its
golden test.

Rules (``tests/engine/data/token_backtest_coin_band.json``): an inverse perpetual of
1 USD contracts, whole contracts, the vault short ``N``; wallet 1 BTC; no funding, no
slippage; the bar's price is its close rounded half-up to the 0.5 tick; every fill pays
the 0.075 % taker fee; ``E`` is the vault's equity and ``L = 1 - N / (E * S)``; rebalance
on the first bar, on every bar stamped 00:00 UTC and whenever ``L < -1.2`` or
``L > -0.8``, to ``N* = floor(2 * E * S + 1/2)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from inversa.contracts import TierTable
from inversa.engine import Engine
from inversa.engine.venue import RiskMode
from inversa.venues import Funding, Instrument

SYMBOL = "BTC/USD:BTC"
VAULT = "vault"
TICK = Decimal("0.5")
PERP = Instrument.custom(
    SYMBOL,
    Decimal(1),
    TierTable.parse("inf:0.005"),
    taker=Decimal("0.00075"),
    tick=TICK,
    max_leverage=Decimal(100),
    funding=Funding(),
)


@dataclass(frozen=True, slots=True)
class VaultRun:
    """What the vault did: trades by reason, final equity and wallet (BTC), the short."""

    trades: int
    by_reason: dict[str, int]
    final_equity: Decimal
    final_wallet: Decimal
    short_contracts: Decimal
    fees: Decimal


def tick_price(close: float | str) -> Decimal:
    """The close rounded half-up to the 0.5 tick (USD per BTC)."""
    return (Decimal(str(close)) / TICK).quantize(Decimal(1), rounding=ROUND_HALF_UP) * TICK


def run_band_vault(
    times: Sequence[datetime], prices: Sequence[Decimal], risk: RiskMode = "incremental"
) -> VaultRun:
    """Drive the vault over ``prices`` (on the tick) stamped ``times`` (UTC)."""
    engine = Engine(PERP, risk=risk, start=times[0])
    engine.deposit("market-maker", 1_000_000)
    engine.deposit(VAULT, 1)
    by_reason = {"first": 0, "daily": 0, "band": 0}
    low, high = Decimal("-1.2"), Decimal("-0.8")
    for i, (when, price) in enumerate(zip(times, prices, strict=True)):
        engine.set_mark(SYMBOL, price, time=when)
        pos = engine.position(VAULT, SYMBOL)
        short = -pos.size if pos is not None else Decimal(0)
        equity = engine.equity(VAULT)
        if i == 0:
            reason = "first"
        elif when.hour == 0 and when.minute == 0:
            reason = "daily"
        else:
            leverage = 1 - short / (equity * price)
            reason = "band" if leverage < low or leverage > high else ""
        if not reason:
            continue
        target = (2 * equity * price + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR)
        trade = target - short
        if trade == 0:
            continue
        if trade > 0:
            engine.sell(VAULT, SYMBOL, trade)
        else:
            engine.buy(VAULT, SYMBOL, -trade)
        by_reason[reason] += 1
    pos = engine.position(VAULT, SYMBOL)
    return VaultRun(
        trades=sum(by_reason.values()),
        by_reason=by_reason,
        final_equity=engine.equity(VAULT),
        final_wallet=engine.wallet(VAULT),
        short_contracts=-pos.size if pos is not None else Decimal(0),
        fees=engine.fees_collected(),
    )
