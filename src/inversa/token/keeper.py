"""The keeper: runs a :class:`~inversa.token.policy.Policy` against a
:class:`~inversa.token.vault.Vault` on an :class:`~inversa.engine.Engine`, bar by bar.

Inputs and results are plain typed objects (NumPy arrays and frozen dataclasses) so that
a fast kernel can be parity-tested against this reference path.

Exact semantics of one bar ``i`` (timestamp ``t_i``, raw price ``p_i``):

1. ``S_i = floor(p_i / tick + 1/2) * tick`` (half up; never ``np.round``); the engine's
   clock moves to ``t_i`` and its mark to ``S_i`` (liquidations, if any, are the
   engine's).  On bar 0 the vault is then seeded: ``start_equity`` coin minted to the
   holder ``"initial"`` at ``initial_nav_usd``.
2. Funding (when given): ``funding[i]`` (fraction per interval, positive: longs pay) is
   settled by the engine on the position held into the bar, valued at ``S_i``.
3. Streaming fee: accrued for the time since the previous bar (tokens to the fee
   recipient).
4. The keeper's price ``O_i`` is ``S_i``, or with an oracle (:mod:`inversa.token.oracle`)
   the oracle's price rounded to the tick.  Leverage ``L`` at ``O_i``; a TWAP in progress
   takes precedence (ripcord excepted): when its cooldown has passed it trades the next
   chunk towards its stored target leverage,
   and clears itself when the target is reached or the market moved so that no trade in
   the original direction is needed (the "advantageous move" early exit).  Otherwise
   the policy decides; a decision's trade is ``d = n*(L_target, O_i) - n``, skipped when
   0, and refused (counted, nothing recorded, a TWAP kept) when the oracle is stale or
   ``|S_i / O_i - 1|`` exceeds its slippage tolerance.
5. A trade is one market order of ``|d|`` contracts at ``S_i`` through the engine's
   slippage model and taker fee; with ``twap_max`` the order is cut into chunks of at
   most ``twap_max`` contracts, one per bar at least ``twap_cooldown_hours`` apart.
6. The bar's record: NAV, equity, leverage and contracts after the trade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from inversa.engine import Engine, Filled, SlippageModel
from inversa.engine._dec import exact
from inversa.errors import InputError
from inversa.token.maths import round_half_up
from inversa.token.oracle import OracleFeed, OracleSpec, oracle_feed
from inversa.token.policy import Policy, decide
from inversa.token.vault import Vault, VaultSpec
from inversa.venues import Instrument

__all__ = [
    "BacktestResult",
    "Execution",
    "FillRecord",
    "MarketData",
    "RebalanceRecord",
    "TokenBacktestSpec",
    "run_keeper",
]

ZERO = Decimal(0)
MARKET_MAKER_COIN = Decimal(10) ** 9


@dataclass(frozen=True)
class MarketData:
    """Bars the keeper runs over: ``times`` (UTC, ascending, unique), ``prices`` raw
    closes in USD per coin (float64, > 0), ``funding`` the rate settled at each bar
    (fraction per interval, positive: longs pay; ``None``: no funding)."""

    times: tuple[datetime, ...]
    prices: NDArray[np.float64]
    funding: NDArray[np.float64] | None = None
    source: str = "bars"

    def __post_init__(self) -> None:
        n = len(self.times)
        if n < 1 or len(self.prices) != n:
            raise InputError("prices", len(self.prices), f"need one price per time ({n})")
        if self.funding is not None and len(self.funding) != n:
            raise InputError("funding", len(self.funding), f"need one rate per time ({n})")
        bad = ~np.isfinite(self.prices) | (self.prices <= 0)
        if bad.any():
            row = int(np.argmax(bad))
            raise InputError(f"{self.source} row {row + 1}", self.prices[row], "bad price")


@dataclass(frozen=True)
class Execution:
    """How trades execute: ``tick`` (USD) prices round to; ``twap_max`` largest chunk in
    contracts (``None``: one order); ``twap_cooldown_hours`` between chunks."""

    tick: Decimal
    twap_max: Decimal | None = None
    twap_cooldown_hours: Decimal = ZERO

    def __post_init__(self) -> None:
        if not self.tick > 0:
            raise InputError("tick", self.tick, "must be > 0")
        if self.twap_max is not None and not self.twap_max > 0:
            raise InputError("twap_max", self.twap_max, "must be > 0")
        if self.twap_cooldown_hours < 0:
            raise InputError("twap_cooldown_hours", self.twap_cooldown_hours, "must be >= 0")


@dataclass(frozen=True)
class TokenBacktestSpec:
    """Everything a token backtest needs besides the bars."""

    instrument: Instrument
    vault: VaultSpec
    policy: Policy
    execution: Execution
    start_equity: Decimal
    slippage: SlippageModel | None = None
    oracle: OracleSpec | None = None


@dataclass(frozen=True)
class FillRecord:
    """One fill of the vault: ``contracts_sold`` > 0 adds to a short (a sell), < 0 buys;
    ``price`` USD per coin; ``fee`` in the settlement coin."""

    bar: int
    time: datetime
    reason: str
    contracts_sold: Decimal
    price: Decimal
    fee: Decimal


@dataclass(frozen=True)
class RebalanceRecord:
    """One rebalance, shaped like PerpV2's Rebalanced event: time, reason, leverage
    before and after its first chunk, the target leverage, signed contracts traded over
    all chunks (> 0 buys), chunk count and fees (coin)."""

    bar: int
    time: datetime
    reason: str
    leverage_before: Decimal
    leverage_after: Decimal
    target_leverage: Decimal
    contracts: Decimal
    chunks: int
    fees: Decimal


@dataclass(frozen=True)
class BacktestResult:
    """Bar-by-bar series (after each bar's trade) and the fills and rebalances.

    ``price`` USD per coin (tick-rounded); ``equity`` in the collateral ``unit`` (the
    coin, or the USD stablecoin); ``nav_coin`` coin per token; ``nav_usd`` USD per token;
    ``leverage`` signed; ``size`` signed contracts; ``funding`` and ``fees`` cumulative
    amounts received (funding) and paid (trading fees) in ``unit``; ``supply`` tokens.
    """

    times: tuple[datetime, ...]
    unit: str
    price: NDArray[np.float64]
    equity: NDArray[np.float64]
    nav_coin: NDArray[np.float64]
    nav_usd: NDArray[np.float64]
    leverage: NDArray[np.float64]
    size: NDArray[np.float64]
    funding: NDArray[np.float64]
    fees: NDArray[np.float64]
    supply: NDArray[np.float64]
    fills: tuple[FillRecord, ...]
    rebalances: tuple[RebalanceRecord, ...]
    liquidations: int
    skipped_stale: int
    skipped_slippage: int
    oracle_price: NDArray[np.float64]
    final_equity: Decimal
    final_wallet: Decimal
    final_size: Decimal
    total_fees: Decimal
    total_funding: Decimal
    streaming_minted: Decimal


@dataclass
class _Twap:
    target: Decimal
    direction: int
    last: datetime
    record: int
    reason: str


@dataclass
class _Books:
    fills: list[FillRecord] = field(default_factory=list)
    rebalances: list[RebalanceRecord] = field(default_factory=list)
    fees: Decimal = ZERO
    funding: Decimal = ZERO
    liquidations: int = 0
    skipped_stale: int = 0
    skipped_slippage: int = 0


def _tick_price(raw: float, tick: Decimal) -> Decimal:
    with exact():
        return round_half_up(Decimal(repr(float(raw))) / tick) * tick


def _trade(engine: Engine, vault: Vault, delta: Decimal) -> Filled:
    account, symbol = vault.spec.account, vault.spec.symbol
    if delta > 0:
        return engine.buy(account, symbol, delta)
    return engine.sell(account, symbol, -delta)


def _fee_of(event: Filled, account: str) -> Decimal:
    return event.buyer.fee if event.buyer.account == account else event.seller.fee


def run_keeper(market: MarketData, spec: TokenBacktestSpec) -> BacktestResult:
    """Run the keeper over ``market`` (see the module docstring for one bar's rules)."""
    inst = spec.instrument
    symbol = inst.symbol
    if spec.vault.symbol != symbol:
        raise InputError("vault.symbol", spec.vault.symbol, f"must be the instrument {symbol}")
    if not spec.start_equity > 0:
        raise InputError("start_equity", spec.start_equity, "must be > 0")
    ex = spec.execution
    engine = Engine(inst, slippage=spec.slippage, start=market.times[0])
    engine.deposit("market-maker", MARKET_MAKER_COIN, inst.settle)
    vault = Vault(engine, spec.vault)
    account = spec.vault.account
    n = len(market.times)
    out = {k: np.empty(n) for k in ("price", "equity", "nav_coin", "nav_usd", "lev", "size")}
    out["funding"] = np.empty(n)
    out["fees"] = np.empty(n)
    out["supply"] = np.empty(n)
    books = _Books()
    twap: _Twap | None = None
    last_rebalance: datetime | None = None
    prev_time: datetime | None = None

    feed = None if spec.oracle is None else oracle_feed(market.times, market.prices, spec.oracle)
    oracle_out = np.empty(n)
    for i, when in enumerate(market.times):
        price = _tick_price(market.prices[i], ex.tick)
        seen = price if feed is None else _tick_price(feed.price[i], ex.tick)
        oracle_out[i] = float(seen)
        books.liquidations += engine.set_mark(symbol, price, time=when)
        if i == 0:
            vault.mint("initial", spec.start_equity)
        if market.funding is not None and vault.size != 0:
            rate = float(market.funding[i])
            if rate != 0:
                event = engine.settle_funding(symbol, Decimal(repr(rate)))
                books.funding += sum(
                    (p.amount for p in event.payments if p.account == account), ZERO
                )
        if prev_time is not None:
            days = Decimal((when - prev_time).total_seconds()) / Decimal(86400)
            vault.accrue_streaming_fee(days)
        prev_time = when

        lev = vault.leverage(seen)
        hours = (
            Decimal("Infinity")
            if last_rebalance is None
            else Decimal((when - last_rebalance).total_seconds()) / Decimal(3600)
        )
        decision = decide(
            spec.policy, first=i == 0, when=when, leverage=lev, hours_since_last=hours
        )
        if twap is not None and (decision is None or decision.reason != "ripcord"):
            cooled = Decimal((when - twap.last).total_seconds()) / 3600 >= ex.twap_cooldown_hours
            if cooled:
                delta = vault.target_size(twap.target, seen) - vault.size
                if delta == 0 or (1 if delta > 0 else -1) != twap.direction:
                    twap = None  # reached, or the market moved in the vault's favour
                elif not _blocked(feed, spec.oracle, books, i, price, seen):
                    twap = _chunk(engine, vault, books, i, when, twap.reason, delta, twap, ex)
            if twap is not None or cooled:
                vault.busy = None if twap is None else "a TWAP rebalance is running"
                _record(out, i, vault, books, price)
                continue
        if decision is not None:
            delta = vault.target_size(decision.leverage, seen) - vault.size
            if delta != 0 and not _blocked(feed, spec.oracle, books, i, price, seen):
                twap = None
                books.rebalances.append(
                    RebalanceRecord(
                        i, when, decision.reason, lev, lev, decision.leverage, ZERO, 0, ZERO
                    )
                )
                start = _Twap(
                    decision.leverage,
                    1 if delta > 0 else -1,
                    when,
                    len(books.rebalances) - 1,
                    decision.reason,
                )
                twap = _chunk(engine, vault, books, i, when, decision.reason, delta, start, ex)
                last_rebalance = when
        vault.busy = None if twap is None else "a TWAP rebalance is running"
        _record(out, i, vault, books, price)

    return BacktestResult(
        times=tuple(market.times),
        unit=vault.unit,
        price=out["price"],
        equity=out["equity"],
        nav_coin=out["nav_coin"],
        nav_usd=out["nav_usd"],
        leverage=out["lev"],
        size=out["size"],
        funding=out["funding"],
        fees=out["fees"],
        supply=out["supply"],
        fills=tuple(books.fills),
        rebalances=tuple(books.rebalances),
        liquidations=books.liquidations,
        skipped_stale=books.skipped_stale,
        skipped_slippage=books.skipped_slippage,
        oracle_price=oracle_out,
        final_equity=vault.equity(),
        final_wallet=engine.wallet(account, vault.unit),
        final_size=vault.size,
        total_fees=books.fees,
        total_funding=books.funding,
        streaming_minted=vault.streaming_minted,
    )


def _blocked(
    feed: OracleFeed | None,
    oracle: OracleSpec | None,
    books: _Books,
    bar: int,
    price: Decimal,
    seen: Decimal,
) -> bool:
    """Whether the oracle forbids trading on this bar (stale feed, or the market price
    further from the oracle price than the slippage tolerance); counts the refusals."""
    if feed is None or oracle is None:
        return False
    if feed.stale[bar]:
        books.skipped_stale += 1
        return True
    tol = oracle.slippage_tolerance
    if tol is not None and abs(float(price) / float(seen) - 1.0) > tol:
        books.skipped_slippage += 1
        return True
    return False


def _chunk(
    engine: Engine,
    vault: Vault,
    books: _Books,
    bar: int,
    when: datetime,
    reason: str,
    delta: Decimal,
    twap: _Twap,
    ex: Execution,
) -> _Twap | None:
    """Trade one chunk of ``delta``; return the TWAP state if more chunks remain."""
    size = delta
    more = False
    if ex.twap_max is not None and abs(delta) > ex.twap_max:
        size = ex.twap_max if delta > 0 else -ex.twap_max
        more = True
    event = _trade(engine, vault, size)
    fee = _fee_of(event, vault.spec.account)
    books.fees += fee
    books.fills.append(FillRecord(bar, when, reason, -size, event.price, fee))
    rec = books.rebalances[twap.record]
    books.rebalances[twap.record] = RebalanceRecord(
        rec.bar,
        rec.time,
        rec.reason,
        rec.leverage_before,
        vault.leverage() if rec.chunks == 0 else rec.leverage_after,
        rec.target_leverage,
        rec.contracts + size,
        rec.chunks + 1,
        rec.fees + fee,
    )
    if not more:
        return None
    return _Twap(twap.target, twap.direction, when, twap.record, twap.reason)


def _record(
    out: dict[str, NDArray[np.float64]], i: int, vault: Vault, books: _Books, price: Decimal
) -> None:
    with exact():
        equity = vault.equity()
        out["price"][i] = float(price)
        out["equity"][i] = float(equity)
        out["nav_coin"][i] = float(vault.nav_coin(price))
        out["nav_usd"][i] = float(vault.nav_usd(price))
        out["lev"][i] = float(vault.leverage(price))
        out["size"][i] = float(vault.size)
        out["funding"][i] = float(books.funding)
        out["fees"][i] = float(books.fees)
        out["supply"][i] = float(vault.supply)
