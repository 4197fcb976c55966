"""Parity of the token NAV kernels: TB1 fill by fill, an independent Decimal ledger on
1,000 random 250-step paths, the many-path kernel against the one-path kernel, and the
refusal of options the kernel does not implement."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inversa.errors import InputError
from inversa.sim.token_kernels import STATS, KernelSpec, run_path, run_paths

TB1 = json.loads((Path(__file__).parent / "data" / "token_backtest_coin_band.json").read_text())


def tb1_spec() -> tuple[KernelSpec, np.ndarray, np.ndarray]:
    inp = TB1["inputs"]
    ts = pd.to_datetime(inp["timestamps_utc"], utc=True)
    reset = np.asarray((ts.hour == 0) & (ts.minute == 0))
    spec = KernelSpec(
        collateral="coin",
        contract_value=float(inp["contract_value_usd"]),
        leverage=float(inp["leverage"]),
        policy="hybrid",
        band=(min(inp["band"]), max(inp["band"])),
        recentering_speed=float(inp["recentering_speed"]),
        taker_fee=float(inp["taker_fee"]),
        tick=float(inp["tick"]),
        mmr=0.0,
        start_equity=float(inp["start_wallet_btc"]),
    )
    return spec, np.asarray(inp["close"], dtype=float), reset


def test_tb1_fill_by_fill() -> None:
    spec, close, reset = tb1_spec()
    exp, tol = TB1["expected"], TB1["tol"]
    r = run_path(spec, close, reset)
    assert r.trades == exp["trades"] == len(exp["fills"])
    for got, want in zip(r.fills.itertuples(), exp["fills"], strict=True):
        assert got.bar == want["bar"]
        assert got.reason == want["reason"]
        assert -got.contracts == want["contracts_sold"]
        assert got.price == want["price"]
        assert got.fee == pytest.approx(want["fee_btc"], abs=tol)
    assert r.equity_settle[-1] == pytest.approx(exp["final_equity_btc"], abs=tol)
    assert r.wallet_settle == pytest.approx(exp["final_wallet_btc"], abs=tol)
    assert -r.position == exp["final_short_contracts"]
    assert r.fees_paid_settle == pytest.approx(exp["total_fees_btc"], abs=tol)
    by_reason = r.fills["reason"].value_counts().to_dict()
    assert by_reason == exp["trades_by_reason"]


# --------------------------------------------------------------- independent Decimal ledger

D0, D1, HALF = Decimal(0), Decimal(1), Decimal("0.5")


@dataclass
class Ledger:
    """The vault's rules in Decimal, written as a ledger of events (not from the kernel)."""

    spec: KernelSpec
    wallet: Decimal
    contracts: Decimal = D0  # signed
    entry: Decimal = D0
    last: int = 0
    trades: int = 0
    liquidated: int = -1

    @property
    def inverse(self) -> bool:
        return self.spec.collateral == "coin"

    def value(self, k: Decimal, price: Decimal) -> Decimal:
        """Contract value of k contracts in collateral units at price."""
        cv = Decimal(self.spec.contract_value)
        return k * cv / price if self.inverse else k * cv * price

    def upnl(self, price: Decimal) -> Decimal:
        if self.contracts == 0:
            return D0
        # inverse: value at entry minus value at price (a long gains when price rises)
        if self.inverse:
            return self.value(self.contracts, self.entry) - self.value(self.contracts, price)
        return self.value(self.contracts, price) - self.value(self.contracts, self.entry)

    def usd_delta(self, price: Decimal, equity: Decimal) -> Decimal:
        cv = Decimal(self.spec.contract_value)
        if self.inverse:  # the coin equity is long coin; the contracts add cv each
            return equity * price + self.contracts * cv
        return self.contracts * cv * price

    def step(self, i: int, close: float, reset: bool, rate: float) -> None:
        s = self.spec
        price = Decimal(close)
        if s.tick > 0:
            t = Decimal(s.tick)
            price = (price / t + HALF).to_integral_value(rounding=ROUND_FLOOR) * t
        if rate != 0 and self.contracts != 0:
            # positive rate: longs pay; the payment is the position's value times the rate
            self.wallet -= self.value(self.contracts, price) * Decimal(rate)
        equity = self.wallet + self.upnl(price)
        if self.contracts != 0:
            maintenance = Decimal(s.mmr) * self.value(abs(self.contracts), price)
            if equity <= maintenance:
                self.liquidated = i
                self.wallet = D0
                self.contracts = D0
                return
        lev = self.usd_delta(price, equity) / (equity * price if self.inverse else equity)
        target_lev = Decimal(s.leverage)
        do = i == 0 or (s.policy != "band" and reset)
        if not do and s.policy == "daily_reset" and s.trigger is not None:
            do = abs(lev / target_lev - 1) > Decimal(s.trigger)
        if not do and s.policy != "daily_reset":
            assert s.band is not None
            lo, hi = Decimal(s.band[0]), Decimal(s.band[1])
            if (
                s.ripcord is not None
                and abs(lev) >= abs(Decimal(s.ripcord))
                and lev * target_lev > 0
            ):
                do, target_lev = True, lo if abs(lo) > abs(hi) else hi
            elif lev < lo or lev > hi or (s.interval_bars and i - self.last > s.interval_bars):
                rs = Decimal(s.recentering_speed)
                do, target_lev = True, min(max(lev * (1 - rs) + target_lev * rs, lo), hi)
        if not do:
            return
        cv = Decimal(s.contract_value)
        # contracts giving the target USD delta at this equity
        if self.inverse:
            want = (target_lev * equity * price - equity * price) / cv
        else:
            want = target_lev * equity / (cv * price)
        whole = (abs(want) + HALF).to_integral_value(rounding=ROUND_FLOOR)
        want = whole if want >= 0 else -whole
        trade = want - self.contracts
        if trade == 0:
            return
        self.trades += 1
        self.last = i  # the interval counts from the last trade
        # slippage as the decimal the config wrote (0.0005, not its binary neighbour)
        fill = price * (1 + Decimal(repr(s.slippage)) * (1 if trade > 0 else -1))
        if s.tick > 0 and s.slippage > 0:  # the venue puts a slipped fill on the tick
            t = Decimal(s.tick)
            fill = (fill / t).to_integral_value(ROUND_CEILING if trade > 0 else ROUND_FLOOR) * t
        self.wallet -= Decimal(s.taker_fee) * self.value(abs(trade), fill)
        old = self.contracts
        if old == 0 or (old > 0) == (trade > 0):
            if self.inverse:  # harmonic mean of entries, weighted by contracts
                coins = self.value(abs(old), self.entry) if old else D0
                self.entry = (abs(old) + abs(trade)) / (coins / cv + abs(trade) / fill)
            else:
                self.entry = (abs(old) * self.entry + abs(trade) * fill) / (abs(old) + abs(trade))
        else:
            closed = min(abs(trade), abs(old))
            k = closed if old > 0 else -closed
            if self.inverse:
                self.wallet += self.value(k, self.entry) - self.value(k, fill)
            else:
                self.wallet += self.value(k, fill) - self.value(k, self.entry)
            if abs(trade) > abs(old):
                self.entry = fill
        self.contracts = want
        if want == 0:
            self.entry = D0

    def equity(self, close: float) -> Decimal:
        price = Decimal(close)
        if self.spec.tick > 0:
            t = Decimal(self.spec.tick)
            price = (price / t + HALF).to_integral_value(rounding=ROUND_FLOOR) * t
        return self.wallet + self.upnl(price)


def random_case(rng: np.random.Generator) -> tuple[KernelSpec, np.ndarray, np.ndarray, np.ndarray]:
    n = 250
    lev = float(rng.choice([-1.0, -1.0, -2.0, -3.0, 2.0]))
    width = float(rng.uniform(0.1, 0.3))
    band = tuple(sorted((lev * (1 - width), lev * (1 + width))))
    policy = str(rng.choice(["daily_reset", "band", "hybrid"]))
    coin = bool(rng.random() < 0.5)
    vol = float(rng.uniform(0.005, 0.04))
    r = rng.normal(0, vol, n)
    jumps = rng.random(n) < 0.01
    r[jumps] += rng.normal(0, 0.2, jumps.sum())
    close = 20_000.0 * np.exp(np.cumsum(r))
    reset = (np.arange(n) % 24) == 0
    funding = np.where(np.arange(n) % 8 == 0, rng.normal(1e-4, 3e-4, n), 0.0)
    spec = KernelSpec(
        collateral="coin" if coin else "usd",
        contract_value=float(rng.choice([1.0, 10.0, 100.0])) if coin else 0.001,
        leverage=lev,
        policy=policy,  # type: ignore[arg-type]
        band=band if policy != "daily_reset" else None,
        recentering_speed=float(rng.choice([1.0, 0.5])),
        ripcord=(band[0] if lev < 0 else band[1]) * 1.1
        if policy != "daily_reset" and rng.random() < 0.5
        else None,
        trigger=0.25 if policy == "daily_reset" and rng.random() < 0.5 else None,
        interval_bars=int(rng.choice([0, 48])) if policy != "daily_reset" else 0,
        taker_fee=float(rng.choice([0.0, 0.00075])),
        slippage=float(rng.choice([0.0, 0.0005])),
        tick=float(rng.choice([0.0, 0.5])),
        mmr=float(rng.choice([0.0, 0.005, 0.05])),
        start_equity=1.0 if coin else 20_000.0,
    )
    return spec, close, reset, funding


def test_kernel_equals_decimal_ledger_on_1000_random_paths() -> None:
    rng = np.random.default_rng(20261201)
    liquidations = trades = 0
    policies: set[str] = set()
    with localcontext() as ctx:
        ctx.prec = 50
        for case in range(1000):
            spec, close, reset, funding = random_case(rng)
            got = run_path(spec, close, reset, funding)
            led = Ledger(spec, Decimal(spec.start_equity))
            for i in range(close.size):
                led.step(i, float(close[i]), bool(reset[i]), float(funding[i]))
                if led.liquidated >= 0:
                    break
            where = f"case {case}: {spec}"
            assert got.trades == led.trades, where
            assert (got.liquidated_bar if got.liquidated_bar is not None else -1) == led.liquidated
            want = float(led.equity(float(close[-1]))) if led.liquidated < 0 else 0.0
            assert got.equity_settle[-1] == pytest.approx(want, rel=1e-9, abs=1e-12), where
            assert got.coin == ("coin" if spec.collateral == "coin" else "USD"), where
            liquidations += led.liquidated >= 0
            trades += led.trades
            policies.add(spec.policy)
    # the random cases exercise what they claim to
    assert liquidations > 10
    assert trades > 5_000
    assert policies == {"daily_reset", "band", "hybrid"}


def ideal_nav(spec: KernelSpec, close: np.ndarray, reset: np.ndarray) -> float:
    """Start USD NAV x prod(1 + L* r) over reset-to-reset (then to the end) returns."""
    t = spec.tick
    s = np.floor(close / t + 0.5) * t if t > 0 else close
    nav = spec.start_equity * (s[0] if spec.collateral == "coin" else 1.0)
    marks = [0, *[i for i in range(1, s.size) if reset[i]]]
    if marks[-1] != s.size - 1:
        marks.append(s.size - 1)
    for a, b in itertools.pairwise(marks):
        nav = max(nav * (1 + spec.leverage * (s[b] / s[a] - 1)), 0.0)
    return float(nav)


def tracking_diffs(
    spec: KernelSpec, close: np.ndarray, reset: np.ndarray, nav: np.ndarray, liq: int
) -> np.ndarray:
    """NAV return minus L* x index return per reset-to-reset period (to the liquidation)."""
    t = spec.tick
    s = np.floor(close / t + 0.5) * t if t > 0 else close
    end = s.size if liq < 0 else liq + 1
    marks = [0, *[i for i in range(1, end) if reset[i]]]
    if liq >= 0 and marks[-1] != liq:
        marks.append(liq)
    a, b = np.array(marks[:-1]), np.array(marks[1:])
    return (nav[b] / nav[a] - 1) - spec.leverage * (s[b] / s[a] - 1)


def test_many_paths_kernel_equals_one_path_kernel() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        spec, close, reset, funding = random_case(rng)
        paths = close[None, :] * np.exp(rng.normal(0, 0.05, (8, 1)))
        cps = np.array([0, 10, 100, 249])
        stats, nav_at = run_paths(spec, paths, reset, funding, cps)
        col = {name: k for k, name in enumerate(STATS)}
        for k in range(paths.shape[0]):
            one = run_path(spec, paths[k], reset, funding)
            assert stats[k, col["trades"]] == one.trades
            assert stats[k, col["final_equity"]] == pytest.approx(one.equity_settle[-1], rel=1e-12)
            assert stats[k, col["final_nav_usd"]] == pytest.approx(one.nav_usd[-1], rel=1e-12)
            assert stats[k, col["fees"]] == pytest.approx(one.fees_paid_settle, rel=1e-12)
            funding_paid = pytest.approx(one.funding_paid_settle, rel=1e-12, abs=1e-15)
            assert stats[k, col["funding"]] == funding_paid
            liq = -1 if one.liquidated_bar is None else one.liquidated_bar
            assert stats[k, col["liquidated_bar"]] == liq
            assert stats[k, col["ideal_nav_usd"]] == pytest.approx(
                ideal_nav(spec, paths[k], reset), rel=1e-12
            )
            assert nav_at[k] == pytest.approx(one.nav_usd[cps], rel=1e-12, abs=1e-12)
            d = tracking_diffs(spec, paths[k], reset, one.nav_usd, liq)
            assert stats[k, col["te_count"]] == d.size
            assert stats[k, col["te_sum"]] == pytest.approx(d.sum(), rel=1e-9, abs=1e-12)
            assert stats[k, col["te_sum2"]] == pytest.approx((d**2).sum(), rel=1e-9, abs=1e-12)
            peak = np.maximum.accumulate(one.nav_usd)
            mdd = 1.0 if liq >= 0 else float(np.max(1 - one.nav_usd / peak))
            assert stats[k, col["max_drawdown"]] == pytest.approx(mdd, abs=1e-12)


def test_daily_reset_without_costs_is_the_reset_path() -> None:
    """With no costs and fine contracts, NAV follows prod(1 + L r) between resets."""
    rng = np.random.default_rng(1)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.01, 200)))
    spec = KernelSpec(
        collateral="usd",
        contract_value=1e-9,
        leverage=-2.0,
        policy="daily_reset",
        band=None,
        mmr=0.0,
        start_equity=100.0,
    )
    stats, _ = run_paths(spec, close[None, :], np.ones(200, bool))
    ideal = 100.0 * np.prod(1 - 2.0 * (close[1:] / close[:-1] - 1))
    assert stats[0, STATS.index("final_nav_usd")] == pytest.approx(ideal, rel=1e-6)
    assert stats[0, STATS.index("ideal_nav_usd")] == pytest.approx(ideal, rel=1e-12)


@pytest.mark.parametrize(
    ("extra", "name"),
    [
        ({"twap_chunks": 4}, "twap_chunks"),
        ({"oracle": {"staleness": 60}}, "oracle"),
        ({"management_fee": 0.02}, "management_fee"),
        ({"cooldown": 3}, "cooldown"),
        ({"frobnicate": 1}, "frobnicate"),
    ],
)
def test_unsupported_options_are_refused(extra: dict[str, object], name: str) -> None:
    with pytest.raises(InputError, match=name):
        run_path(KernelSpec(extra=extra), np.full(3, 100.0))


def test_options_switched_off_are_accepted() -> None:
    spec = KernelSpec(extra={"twap_chunks": 1, "oracle": None, "management_fee": 0})
    assert run_path(spec, np.full(3, 100.0)).trades == 1


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"band": (-0.8, -1.2)}, "band"),
        ({"band": (0.8, 1.2)}, "band"),
        ({"policy": "weekly"}, "policy"),
        ({"recentering_speed": 0.0}, "recentering_speed"),
        ({"ripcord": -1.1}, "ripcord"),
        ({"trigger": 0.2}, "trigger"),
        ({"leverage": 0.0}, "leverage"),
        ({"taker_fee": float("nan")}, "taker_fee"),
        ({"collateral": "eth"}, "collateral"),
    ],
)
def test_bad_spec_names_the_field(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(InputError, match=name):
        run_path(KernelSpec(**kwargs), np.full(3, 100.0))  # type: ignore[arg-type]


def test_bad_prices_name_the_index() -> None:
    with pytest.raises(InputError, match=r"close=.*index \(2,\)"):
        run_path(KernelSpec(), np.array([1.0, 2.0, np.nan]))


def test_a_decimal_tie_rounds_up_like_the_exact_rounding() -> None:
    """10260.15 is stored a hair below the tie; on a 0.1 tick it must give 10260.2
    (Decimal("10260.15") rounded half up), and 10260.149999 must still give 10260.1."""
    spec = KernelSpec(collateral="usd", contract_value=0.001, tick=0.1, start_equity=1e5)
    closes = np.array([10260.15, 10260.149999, 10260.25, 7942.75, 0.35, 123.45])
    got = run_path(spec, closes).price
    want = [
        float(
            (Decimal(repr(float(c))) / Decimal("0.1") + HALF).to_integral_value(ROUND_FLOOR)
            * Decimal("0.1")
        )
        for c in closes
    ]
    assert got.tolist() == want
