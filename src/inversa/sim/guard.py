"""The margin guard: an agent that tops up or cuts a position before it is liquidated.

For each isolated position of a replay book the guard watches the **margin ratio**
``maintenance margin / margin balance`` (1 means liquidation) at each hourly close.  When
the ratio rises above ``threshold`` (in (0, 1)) it acts, ``latency_bars`` bars later
(0: at that close; 1: at the next bar's open; ...), taking its actions in ``order``:

- ``topup``: move coin from the account's wallet into the isolated margin, enough to bring
  the ratio down to ``target`` (or all the wallet's free coin);
- ``reduce``: close ``reduce_fraction`` of the position with a reduce-only market order
  (the fee is paid).  An isolated reduction releases margin pro rata to the wallet, so it
  shrinks the coin at stake but leaves the ratio and the liquidation price where they
  were; ``reduce,topup`` puts the freed coin back behind the smaller position.

Each action is taken only while the ratio is still above ``target``.  Every account
deposits ``reserve_coin`` beyond its initial margin, kept in its wallet: what a top-up can
use.  The same book (reserve included) runs without the guard for comparison, so every
difference comes from the guard's actions.

Reported per window: liquidations without and with the guard, the liquidations avoided,
the coin saved (``saved_coin``: final equity with the guard less without, summed over the
book's accounts; ``saved_on_liquidated_coin``: over the accounts liquidated without the
guard alone: cutting a position also forgoes its later gains), the fees the guard paid,
the accounts it could not save, and each account's margin-ratio path at the hourly closes
with and without the guard.

Units: amounts in the settlement coin named by the summary's ``coin`` (``_coin`` fields;
exact Decimals in the engine, floats in tables); ratios are fractions; times UTC.  Built
on :class:`inversa.engine.Engine`'s public API (``margin``, ``transfer_margin``,
``buy``/``sell`` with ``reduce_only``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

import pandas as pd

from inversa.engine import Engine, contract_lot, exact
from inversa.errors import InputError, InversaError
from inversa.sim._book_run import BookRun, BookSetup, run_book, study_book
from inversa.sim.replay import MARKET_MAKER
from inversa.venues import Instrument

__all__ = ["GUARD_ACTIONS", "GuardConfig", "GuardResult", "guard_replay"]

GUARD_ACTIONS = ("topup", "reduce")


@dataclass(frozen=True)
class GuardConfig:
    """The guard's policy.

    Attributes:
        threshold: act when MM / margin balance exceeds this, in (0, 1).
        target: the ratio an action aims for, in (0, threshold]; default threshold / 2.
        order: actions in the order tried, from ``topup`` and ``reduce`` (one or both).
        latency_bars: bars between seeing the ratio and acting (>= 0).
        reduce_fraction: share of the position one ``reduce`` closes, in (0, 1].
        reserve_coin: coin each account keeps in its wallet for top-ups (>= 0).
    """

    threshold: Decimal = Decimal("0.1")
    target: Decimal | None = None
    order: tuple[str, ...] = GUARD_ACTIONS
    latency_bars: int = 0
    reduce_fraction: Decimal = Decimal("0.5")
    reserve_coin: Decimal = Decimal("0.1")

    def __post_init__(self) -> None:
        if not Decimal(0) < self.threshold < 1:
            raise InputError("threshold", self.threshold, "must lie in (0, 1)")
        target = self.threshold / 2 if self.target is None else self.target
        if not Decimal(0) < target <= self.threshold:
            raise InputError("target", target, f"must lie in (0, threshold={self.threshold}]")
        object.__setattr__(self, "target", target)
        if not self.order or any(a not in GUARD_ACTIONS for a in self.order):
            raise InputError("order", ",".join(self.order), "use topup and/or reduce")
        if len(set(self.order)) != len(self.order):
            raise InputError("order", ",".join(self.order), "an action is listed twice")
        if isinstance(self.latency_bars, bool) or self.latency_bars < 0:
            raise InputError("latency", self.latency_bars, "must be an integer >= 0")
        if not Decimal(0) < self.reduce_fraction <= 1:
            raise InputError("reduce-fraction", self.reduce_fraction, "must lie in (0, 1]")
        if self.reserve_coin < 0:
            raise InputError("reserve", self.reserve_coin, "must be >= 0")


@dataclass(frozen=True, eq=False)
class GuardResult:
    """What the guard did in one window.

    ``summary``: the headline numbers (see the module notes), ``coin`` the settlement coin.
    ``accounts``: per account, liquidated without / with, final equity without / with
    (``final_equity_without_coin``, ``final_equity_with_coin``), top-ups and reductions
    (coin, contracts), fees paid by the guard (coin).  ``ratios``: the margin ratio at
    each hourly close per account, columns ``<account>`` (without) and
    ``<account>+guard`` (with); NaN after a position is gone.
    """

    window: str
    venue: str
    config: GuardConfig
    summary: dict[str, Any]
    accounts: pd.DataFrame
    ratios: pd.DataFrame
    without: BookRun = field(repr=False)
    with_guard: BookRun = field(repr=False)


def _ratio(engine: Engine, account: str, symbol: str) -> Decimal | None:
    """MM / margin balance of the account's position, None when it has none."""
    pos = engine.position(account, symbol)
    if pos is None or pos.contracts == 0:
        return None
    status = engine.margin(account, symbol)
    if status.equity <= 0:
        return Decimal("Infinity")
    return status.maintenance / status.equity


class _Guard:
    """The agent: observes at closes, acts after the latency, records what it did."""

    def __init__(self, config: GuardConfig, instrument: Instrument, accounts: list[str]):
        self.config = config
        self.instrument = instrument
        self.accounts = accounts
        self.pending: list[tuple[int, str]] = []
        self.bar = -1
        self.topups: dict[str, Decimal] = dict.fromkeys(accounts, Decimal(0))
        self.reduced: dict[str, Decimal] = dict.fromkeys(accounts, Decimal(0))
        self.fees: dict[str, Decimal] = dict.fromkeys(accounts, Decimal(0))
        self.actions: list[dict[str, Any]] = []

    def __call__(self, engine: Engine, when: datetime, label: str) -> None:
        if label == "open":
            self.bar += 1
            due = [a for t, a in self.pending if t <= self.bar]
            self.pending = [(t, a) for t, a in self.pending if t > self.bar]
            for account in dict.fromkeys(due):
                self.act(engine, account, when)
        elif label == "close":
            for account in self.accounts:
                ratio = _ratio(engine, account, self.instrument.symbol)
                if ratio is None or ratio <= self.config.threshold:
                    continue
                if self.config.latency_bars == 0:
                    self.act(engine, account, when)
                elif all(a != account for _, a in self.pending):
                    self.pending.append((self.bar + self.config.latency_bars, account))

    def act(self, engine: Engine, account: str, when: datetime) -> None:
        target = self.config.target
        assert target is not None
        symbol = self.instrument.symbol
        for action in self.config.order:
            ratio = _ratio(engine, account, symbol)
            if ratio is None or ratio <= target:
                return
            if action == "topup":
                self.topup(engine, account, target, when)
            else:
                self.reduce(engine, account, ratio, target, when)

    def topup(self, engine: Engine, account: str, target: Decimal, when: datetime) -> None:
        symbol = self.instrument.symbol
        with exact():
            status = engine.margin(account, symbol)
            need = status.maintenance / target - status.equity
            free = engine.margin(account, coin=self.instrument.settle).free
            amount = min(need, free)
        if amount <= 0:
            return
        try:
            engine.transfer_margin(account, symbol, amount)
        except InversaError:
            return
        self.topups[account] += amount
        self.actions.append({"time": when, "account": account, "action": "topup", "coin": amount})

    def reduce(
        self, engine: Engine, account: str, ratio: Decimal, target: Decimal, when: datetime
    ) -> None:
        symbol = self.instrument.symbol
        pos = engine.position(account, symbol)
        assert pos is not None
        lot = contract_lot(self.instrument)
        with exact():
            fraction = self.config.reduce_fraction
            size = (pos.contracts * fraction / lot).to_integral_value(ROUND_CEILING) * lot
            size = min(max(size, lot), pos.contracts)
        trade = engine.sell if pos.size > 0 else engine.buy
        try:
            fill = trade(account, symbol, size, reduce_only=True, counterparty=MARKET_MAKER)
        except InversaError:
            return
        side = fill.buyer if fill.buyer.account == account else fill.seller
        self.fees[account] += side.fee
        self.reduced[account] += size
        self.actions.append({"time": when, "account": account, "action": "reduce", "coin": size})


def _recorder(
    accounts: list[str], symbol: str, rows: dict[str, list[float]], times: list[Any]
) -> Any:
    def record(engine: Engine, when: datetime, label: str) -> None:
        if label != "close":
            return
        times.append(pd.Timestamp(when))
        for account in accounts:
            ratio = _ratio(engine, account, symbol)
            rows[account].append(float("nan") if ratio is None else float(ratio))

    return record


def guard_replay(
    window: str,
    config: GuardConfig | None = None,
    setup: BookSetup | None = None,
) -> GuardResult:
    """Replay ``window`` with the default book (plus each account's reserve) without and
    with the guard of ``config`` on the instrument, leverages and funding of ``setup``;
    isolated margin; liquidation fills ``trigger`` or ``worst-mark``."""
    setup = setup or BookSetup()
    if setup.fills not in ("trigger", "worst-mark"):
        raise InputError("fills", setup.fills, "the guard runs with trigger or worst-mark fills")
    cfg = config or GuardConfig()
    inst, bars, book = study_book(window, setup, reserve_coin=cfg.reserve_coin)
    names = [e.account for e in book.entries]

    base_rows: dict[str, list[float]] = {a: [] for a in names}
    base_times: list[Any] = []
    without = run_book(
        window,
        inst,
        book,
        setup,
        bars=bars,
        after_step=_recorder(names, inst.symbol, base_rows, base_times),
    )
    guard = _Guard(cfg, inst, names)
    rows: dict[str, list[float]] = {a: [] for a in names}
    times: list[Any] = []
    record = _recorder(names, inst.symbol, rows, times)

    def step(engine: Engine, when: datetime, label: str) -> None:
        guard(engine, when, label)
        record(engine, when, label)

    with_guard = run_book(window, inst, book, setup, bars=bars, after_step=step)
    ratios = pd.DataFrame(base_rows, index=pd.DatetimeIndex(base_times))
    guarded = pd.DataFrame(
        {f"{a}+guard": v for a, v in rows.items()}, index=pd.DatetimeIndex(times)
    )
    ratios = pd.concat([ratios, guarded], axis=1)
    a0 = without.accounts.set_index("account")
    a1 = with_guard.accounts.set_index("account")
    table = pd.DataFrame(
        {
            "side": a0["side"],
            "leverage": a0["leverage"],
            "liquidated_without": a0["liquidated"],
            "liquidated_with": a1["liquidated"],
            "liquidated_at_without": a0["liquidated_bar_open_utc"],
            "liquidated_at_with": a1["liquidated_bar_open_utc"],
            "final_equity_without_coin": a0["final_equity_coin"],
            "final_equity_with_coin": a1["final_equity_coin"],
            "topped_up_coin": [float(guard.topups[a]) for a in a0.index],
            "reduced_contracts": [float(guard.reduced[a]) for a in a0.index],
            "guard_fees_coin": [float(guard.fees[a]) for a in a0.index],
        }
    ).reset_index()
    avoided = table["liquidated_without"] & ~table["liquidated_with"]
    not_saved = table.loc[table["liquidated_with"], "account"].tolist()
    summary = {
        "window": window,
        "venue": setup.venue,
        "threshold": float(cfg.threshold),
        "target": float(cfg.target or 0),
        "order": ",".join(cfg.order),
        "latency_bars": cfg.latency_bars,
        "coin": inst.settle,
        "reserve_coin": float(cfg.reserve_coin),
        "accounts": len(table),
        "liquidations_without": int(table["liquidated_without"].sum()),
        "liquidations_with": int(table["liquidated_with"].sum()),
        "liquidations_avoided": int(avoided.sum()),
        "saved_coin": float(
            (table["final_equity_with_coin"] - table["final_equity_without_coin"]).sum()
        ),
        "saved_on_liquidated_coin": float(
            (table["final_equity_with_coin"] - table["final_equity_without_coin"])[
                table["liquidated_without"]
            ].sum()
        ),
        "guard_fees_coin": float(table["guard_fees_coin"].sum()),
        "topped_up_coin": float(table["topped_up_coin"].sum()),
        "actions": len(guard.actions),
        "not_saved": not_saved,
        "funding": without.funding,
    }
    return GuardResult(window, setup.venue, cfg, summary, table, ratios, without, with_guard)
