"""Fast Numba kernels for an inverse (or leveraged) index token's NAV path.

The kernels are pure state-transition functions over float64 arrays (``*_nb``, in the
style of vectorbt's ``portfolio/nb.py``): one bar of the vault is :func:`token_bar_nb`,
a whole path is :func:`token_path_nb`, many paths (one per row, in parallel over the
cores) is :func:`token_paths_nb`.  They hold the same rules as the reference backtest of
:mod:`inversa.token` and as the TB1 vector, on float64, and are parity-tested against an
independent Decimal ledger (``tests/sim/test_token_kernels.py``).

The vault and its rules, per bar ``i`` (in this order):

1. ``S`` = the bar's price, rounded half up to ``tick`` (``floor(p/tick + 1/2) * tick``)
   when ``tick > 0``, a decimal tie counting as a tie (see :func:`bar_price_nb`).
2. Funding settles on the position carried into the bar at rate ``f_i`` (a fraction;
   positive: longs pay shorts): the vault receives ``-pos * V / S * f`` coin (coin
   collateral, inverse perpetual, ``V`` USD per contract) or ``-pos * q * S * f`` USD
   (USD collateral, linear perpetual, ``q`` coin per contract).
3. Equity ``E = wallet + uPnL(S)``: inverse ``pos * V * (1/entry - 1/S)`` coin, linear
   ``pos * q * (S - entry)`` USD.  Leverage (net USD delta over USD equity): coin
   ``L = 1 + pos * V / (E * S)``, USD ``L = pos * q * S / E``.
4. Vault liquidation: when ``pos != 0`` and ``E <= mmr * |pos| * V / S`` (linear
   ``mmr * |pos| * q * S``), the position is closed at the bankruptcy price, equity
   becomes 0 (the rest goes to the venue's insurance fund) and the path stops there.
5. The policy decides (reason codes in :data:`REASONS`): the first bar always
   rebalances to ``L*``; *daily reset* on the bars flagged in ``reset`` (the bars stamped
   at the configured UTC time), plus an optional intraday trigger when
   ``|L / L* - 1| > trigger``; *band*: ripcord when ``|L| >= |ripcord|`` (same sign) to
   the farther edge, a strict breach (``L < lower`` or ``L > upper``) to
   ``clamp(L (1 - rs) + L* rs, lower, upper)``, and an optional timed rebalance when more
   than ``interval_bars`` bars passed since the last trade; *hybrid*: band plus daily reset,
   the reset is the one recorded on a bar where both apply.
6. The target signed position: coin ``(L_t - 1) * E * S / V``, USD ``L_t * E / (q S)``,
   its absolute count rounded half up (``floor(|x| + 1/2)``); the trade ``d`` is the
   difference, skipped when 0.
7. The fill is at ``S * (1 + slippage * sign(d))``, put on the tick (up for a buy, down
   for a sell, as the venue does) when ``tick > 0``; the taker fee ``fee * |d| * V / fill``
   coin (linear ``fee * |d| * q * fill`` USD) is taken from the wallet; the average entry
   is the harmonic contract-weighted mean for inverse and the arithmetic one for linear;
   reducing ``k`` contracts realises ``sign(pos) * k * V * (1/entry - 1/fill)`` (linear
   ``sign(pos) * k * q * (fill - entry)``).
8. The NAV after the bar is the equity at ``S``, in the collateral's unit and in USD.

Options the kernel does not implement (TWAP chunks, cooldowns, oracles, mint/redeem,
streaming fees) are refused by :func:`kernel_params` with an error naming them, never
silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

from inversa.errors import InputError

__all__ = [
    "POLICIES",
    "P_COIN",
    "P_CV",
    "P_FEE",
    "P_INTERVAL",
    "P_LEVERAGE",
    "P_LOWER",
    "P_MMR",
    "P_POLICY",
    "P_RIPCORD",
    "P_RS",
    "P_SLIPPAGE",
    "P_START",
    "P_TICK",
    "P_TRIGGER",
    "P_UPPER",
    "REASONS",
    "STATS",
    "KernelSpec",
    "PathResult",
    "bar_price_nb",
    "kernel_params",
    "run_path",
    "run_paths",
    "start_nav_usd",
    "token_bar_nb",
    "token_path_nb",
    "token_paths_nb",
]

F64 = NDArray[np.float64]
U8 = NDArray[np.uint8]
#: The parameter vector, or the same values as a tuple (what the path kernels pass on).
Params = F64 | tuple[float, ...]
Policy = Literal["daily_reset", "band", "hybrid"]

#: Policy codes of the kernel.
POLICIES: dict[str, int] = {"daily_reset": 0, "band": 1, "hybrid": 2}
#: Rebalance reason codes (index = code); 0 means no trade.
REASONS: tuple[str, ...] = (
    "none",
    "first",
    "daily",
    "band",
    "ripcord",
    "trigger",
    "interval",
    "liquidation",
)

# Slots of the float64 parameter vector (one compiled signature for every option).
P_COIN = 0  # 1.0: coin collateral on an inverse perpetual; 0.0: USD on a linear one
P_CV = 1  # contract value: USD per contract (inverse) or coin per contract (linear)
P_LEVERAGE = 2  # target signed leverage L*
P_POLICY = 3  # POLICIES code
P_LOWER = 4  # band lower signed edge
P_UPPER = 5  # band upper signed edge
P_RS = 6  # recentering speed in (0, 1]
P_RIPCORD = 7  # ripcord leverage, NaN for none
P_TRIGGER = 8  # daily-reset intraday trigger |L/L* - 1| >, NaN for none
P_INTERVAL = 9  # band timed rebalance after more than this many bars, 0 for none
P_FEE = 10  # taker fee rate
P_SLIPPAGE = 11  # fill = S * (1 + slippage * sign(d))
P_TICK = 12  # price tick, 0 for none
P_MMR = 13  # maintenance margin rate for vault liquidation
P_START = 14  # starting equity in the collateral's unit
P_TICK_INV = 15  # k when the tick is 1/k for a whole k (0.5, 0.1, 0.01), else 0
P_TICK_POW2 = 16  # 1.0 when that k is a power of two (f * tick is then exact)
_N_PARAMS = 17

#: Columns of the per-path statistics written by :func:`token_paths_nb`.
STATS: tuple[str, ...] = (
    "final_equity",  # collateral units
    "final_nav_usd",  # equity in USD at the last price
    "ideal_nav_usd",  # start USD NAV x prod(1 + L* r) over reset-to-reset returns
    "trades",
    "fees",  # collateral units, paid
    "funding",  # collateral units, paid (negative: received)
    "liquidated_bar",  # -1 if never
    "max_drawdown",  # of USD NAV, a fraction in [0, 1]
    "turnover_usd",  # sum of |d| x contract USD value at the fill
    # tracking: d = NAV return - L* x index return, per reset-to-reset period
    "te_sum",  # sum of d
    "te_sum2",  # sum of d^2
    "te_count",  # number of periods
)
_N_STATS = len(STATS)


@numba.njit(cache=True, nogil=True, inline="always")
def _round_half_up(x: float) -> float:  # pragma: no cover - compiled
    return float(np.floor(x + 0.5))


@numba.njit(cache=True, nogil=True, inline="always")
def bar_price_nb(close: float, p: Params) -> float:  # pragma: no cover - compiled
    """Rule 1: the bar's price rounded half up to the tick (unchanged when tick = 0).

    The binary float of a decimal tie (10260.15 on a 0.1 tick) can land a hair below it,
    so a quotient within 1e-13 relative below ``k + 1/2`` counts as the tie and rounds up,
    as the exact rounding of the decimal price does.
    """
    tick: float = p[P_TICK]
    if tick > 0.0:
        k: float = p[P_TICK_INV]  # ticks per unit when tick = 1/k, k whole; else 0
        x = close * k if k > 0.0 else close / tick
        f = _round_half_up(x)
        gap = (f + 0.5) - x
        if 0.0 < gap <= 1e-13 * abs(x):
            f += 1.0
        # f / k is the float nearest the decimal f * tick (f * 0.1 can miss it by an ulp);
        # for a power-of-two k, f * tick is the same number without a division
        if k > 0.0 and p[P_TICK_POW2] == 0.0:
            return f / k
        return f * tick
    return close


@numba.njit(cache=True, nogil=True, inline="always")
def _fill_on_tick_nb(x: float, up: bool, p: Params) -> float:  # pragma: no cover - compiled
    """A slipped fill price onto the tick: up for a buy, down for a sell (the venue's
    rule); a quotient within 1e-13 relative of a whole tick counts as on it."""
    tick: float = p[P_TICK]
    k: float = p[P_TICK_INV]
    q = x * k if k > 0.0 else x / tick
    eps = 1e-13 * abs(q)
    f = np.ceil(q - eps) if up else np.floor(q + eps)
    if k > 0.0 and p[P_TICK_POW2] == 0.0:
        return float(f / k)
    return float(f * tick)


@numba.njit(cache=True, nogil=True)
def _rebalance_nb(
    nav: float,
    s: float,
    target: float,
    wallet: float,
    pos: float,
    basis: float,
    p: Params,
) -> tuple[float, float, float, float, float, float, float]:  # pragma: no cover - compiled
    """Rules 6-7: trade to ``target`` leverage at price ``s`` with USD NAV ``nav``.

    Returns ``(wallet, pos, basis, fee, trade, fill, nav_after)``; ``trade`` is 0 when the
    rounded target equals the position (nothing else changes then).
    """
    coin = p[P_COIN] > 0.5
    cv = p[P_CV]
    x = (target - 1.0) * nav / cv if coin else target * nav / (cv * s)
    new_pos = _round_half_up(abs(x))
    if x < 0.0:
        new_pos = -new_pos
    d = new_pos - pos
    if d == 0.0:
        return wallet, pos, basis, 0.0, 0.0, s, nav
    sgn = 1.0 if d > 0.0 else -1.0
    fill = s
    if p[P_SLIPPAGE] > 0.0:
        fill = s * (1.0 + p[P_SLIPPAGE] * sgn)
        if p[P_TICK] > 0.0:
            fill = _fill_on_tick_nb(fill, d > 0.0, p)
    ad = abs(d)
    fee = p[P_FEE] * ad * (cv / fill if coin else cv * fill)
    wallet -= fee
    # value at the fill of the traded contracts, in collateral units (signed like d)
    traded = d * cv / fill if coin else d * cv * fill
    if pos == 0.0 or (pos > 0.0) == (d > 0.0):
        # harmonic (inverse) or arithmetic (linear) mean entry: the basis adds up
        basis += traded
    else:
        ap = abs(pos)
        k = min(ad, ap)
        closed = basis * (k / ap)  # the entry value of the k contracts closed
        # realised PnL: entry value minus fill value (inverse), the reverse for linear
        released = -traded * (k / ad)
        wallet += closed - released if coin else released - closed
        basis -= closed
        if ad > ap:
            basis = traded * ((ad - ap) / ad)
    pos = new_pos
    if pos == 0.0:
        basis = 0.0
    nav = (wallet + basis) * s - pos * cv if coin else wallet - basis + pos * cv * s
    return wallet, pos, basis, fee, d, fill, nav


@numba.njit(cache=True, nogil=True, inline="always")
def token_bar_nb(
    i: int,
    close: float,
    is_reset: bool,
    funding_rate: float,
    last_rebalance: int,
    wallet: float,
    pos: float,
    basis: float,
    p: Params,
) -> tuple[float, float, float, float, float, float, int, float, float, float]:  # pragma: no cover
    """One bar of the vault (rules 1-8 of the module docstring).

    The state is ``(wallet, pos, basis)``: the wallet in collateral units, the signed
    position in contracts and its value at the average entry in collateral units
    (inverse: ``pos * V / entry`` coin; linear: ``pos * q * entry`` USD), which makes the
    USD NAV affine in the price, so a bar without a trade needs no division.

    Returns ``(wallet, pos, basis, price, fee, funding_received, reason, trade, fill,
    nav_usd)``: the new state, the rounded bar price, this bar's fee (paid) and funding
    (received), both in collateral units, the reason code (negative: the policy
    rebalanced but the rounded trade was 0), the signed trade in contracts, the fill
    price and the USD NAV after the bar (0 after a liquidation).
    """
    coin = p[P_COIN] > 0.5
    cv = p[P_CV]
    lt = p[P_LEVERAGE]
    s = bar_price_nb(close, p)
    # 2. funding on the position carried into the bar
    fund = 0.0
    if funding_rate != 0.0 and pos != 0.0:
        fund = -pos * cv / s * funding_rate if coin else -pos * cv * s * funding_rate
        wallet += fund
    # 3. USD NAV (equity at s) and the net USD delta; L = delta / nav
    if coin:
        nav = (wallet + basis) * s - pos * cv
        delta = nav + pos * cv
        mm = p[P_MMR] * abs(pos) * cv
    else:
        nav = wallet - basis + pos * cv * s
        delta = pos * cv * s
        mm = p[P_MMR] * abs(pos) * cv * s
    # 4. vault liquidation at the bankruptcy price
    if nav <= mm:
        return 0.0, 0.0, 0.0, s, 0.0, fund, 7, -pos, s, 0.0
    # 5. the policy (comparisons multiplied through by nav > 0: no division)
    policy = int(p[P_POLICY])
    reason = 0
    target = lt
    if i == 0:
        reason = 1
    elif policy != 1 and is_reset:
        reason = 2
    elif policy == 0:
        trig = p[P_TRIGGER]
        if trig == trig and abs(delta - lt * nav) > trig * abs(lt) * nav:
            reason = 5
    if reason == 0 and policy != 0:
        lo = p[P_LOWER]
        hi = p[P_UPPER]
        rip = p[P_RIPCORD]
        if rip == rip and (delta if rip > 0.0 else -delta) >= abs(rip) * nav:
            reason = 4
            target = lo if abs(lo) > abs(hi) else hi
        elif delta < lo * nav or delta > hi * nav:
            reason = 3
        elif p[P_INTERVAL] > 0.0 and i - last_rebalance > p[P_INTERVAL]:
            reason = 6
        if reason == 3 or reason == 6:
            rs = p[P_RS]
            target = min(max(delta / nav * (1.0 - rs) + lt * rs, lo), hi)
    if reason == 0:
        return wallet, pos, basis, s, 0.0, fund, 0, 0.0, s, nav
    # 6-7. the trade
    wallet, pos, basis, fee, d, fill, nav = _rebalance_nb(nav, s, target, wallet, pos, basis, p)
    if d == 0.0:
        reason = -reason
    return wallet, pos, basis, s, fee, fund, reason, d, fill, nav


@numba.njit(cache=True, nogil=True)
def token_path_nb(
    close: F64,
    reset: U8,
    funding: F64,
    p: F64,
    nav_out: F64,
    price_out: F64,
    fill_bar: NDArray[np.int64],
    fill_reason: NDArray[np.int64],
    fill_qty: F64,
    fill_price: F64,
    fill_fee: F64,
) -> tuple[int, float, float, float, float, float, int]:  # pragma: no cover - compiled
    """One path: fills the per-bar USD ``nav_out`` and ``price_out`` and the fill
    records; returns ``(fills, wallet, pos, basis, fees_paid, funding_paid,
    liquidated_bar)`` (``-1``: never liquidated)."""
    # the parameters as a tuple: values the compiler keeps in registers (an array could
    # alias the outputs, so every store would force a reload)
    pt = (
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8],
        p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16],
    )  # fmt: skip
    wallet = p[P_START]
    pos = 0.0
    basis = 0.0
    fees = 0.0
    funding_paid = 0.0
    last = 0
    nf = 0
    liq = -1
    n = close.shape[0]
    for i in range(n):
        wallet, pos, basis, s, fee, fund, reason, d, fill, nav = token_bar_nb(
            i, close[i], reset[i] != 0, funding[i], last, wallet, pos, basis, pt
        )
        price_out[i] = s
        nav_out[i] = nav
        funding_paid -= fund
        if reason != 0:
            if reason > 0:
                last = i
                fees += fee
                fill_bar[nf] = i
                fill_reason[nf] = reason
                fill_qty[nf] = d
                fill_price[nf] = fill
                fill_fee[nf] = fee
                nf += 1
            if reason == 7:
                liq = i
                for j in range(i + 1, n):
                    price_out[j] = close[j]
                    nav_out[j] = 0.0
                break
    return nf, wallet, pos, basis, fees, funding_paid, liq


@numba.njit(cache=True, nogil=True, parallel=True)
def token_paths_nb(
    close: F64,
    reset: U8,
    funding: F64,
    p: F64,
    stats: F64,
    checkpoints: NDArray[np.int64],
    nav_at: F64,
) -> None:  # pragma: no cover - compiled
    """Many paths, one per row of ``close`` (shape ``(paths, bars)``), in parallel;
    ``reset`` and ``funding`` have shape ``(bars,)`` (shared by every path), ``stats``
    ``(paths, len(STATS))`` receives the per-path statistics of :data:`STATS` and
    ``nav_at`` ``(paths, len(checkpoints))`` the USD NAV after the bars listed (in
    increasing order) in ``checkpoints``."""
    n_paths, n = close.shape
    n_cp = checkpoints.shape[0]
    coin = p[P_COIN] > 0.5
    lt = p[P_LEVERAGE]
    cv = p[P_CV]
    pt = (
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8],
        p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16],
    )  # fmt: skip
    for k in numba.prange(n_paths):
        wallet = p[P_START]
        pos = 0.0
        basis = 0.0
        fees = 0.0
        fpaid = 0.0
        last = 0
        trades = 0
        turnover = 0.0
        liq = -1
        peak = 0.0
        floor_dd = 0.0  # NAV below which the drawdown beats mdd: peak * (1 - mdd)
        mdd = 0.0
        nav = 0.0
        ideal = 0.0
        anchor = 0.0
        s = 0.0
        nav_mark = 0.0  # NAV at the last reset bar
        te_s = 0.0
        te_s2 = 0.0
        te_n = 0
        j = 0
        next_cp = checkpoints[0] if n_cp > 0 else -1
        for i in range(n):
            wallet, pos, basis, s, fee, fund, reason, d, fill, nav = token_bar_nb(
                i, close[k, i], reset[i] != 0, funding[i], last, wallet, pos, basis, pt
            )
            if i == next_cp:
                nav_at[k, j] = nav
                j += 1
                next_cp = checkpoints[j] if j < n_cp else -1
            fpaid -= fund
            if reason > 0:
                last = i
                if reason != 7:
                    fees += fee
                    trades += 1
                    turnover += abs(d) * (cv if coin else cv * fill)
            if reset[i] != 0 or i == 0:
                if i == 0:
                    ideal = p[P_START] * s if coin else p[P_START]
                else:
                    r_ideal = lt * (s / anchor - 1.0)
                    ideal = max(ideal * (1.0 + r_ideal), 0.0)
                    diff = nav / nav_mark - 1.0 - r_ideal
                    te_s += diff
                    te_s2 += diff * diff
                    te_n += 1
                nav_mark = nav
                anchor = s
            if nav > peak:
                peak = nav
                floor_dd = peak * (1.0 - mdd)
            elif nav < floor_dd:
                mdd = 1.0 - nav / peak
                floor_dd = nav
            if reason == 7:
                liq = i
                mdd = 1.0
                if reset[i] == 0:  # the wiped-out period counts in the tracking error
                    diff = -1.0 - lt * (s / anchor - 1.0)
                    te_s += diff
                    te_s2 += diff * diff
                    te_n += 1
                while j < n_cp:
                    nav_at[k, j] = 0.0
                    j += 1
                for m in range(i + 1, n):  # the ideal path goes on
                    if reset[m] != 0:
                        s = bar_price_nb(close[k, m], p)
                        ideal = max(ideal * (1.0 + lt * (s / anchor - 1.0)), 0.0)
                        anchor = s
                s = bar_price_nb(close[k, n - 1], p)
                break
        if n > 0 and reset[n - 1] == 0:
            ideal = max(ideal * (1.0 + lt * (s / anchor - 1.0)), 0.0)
        stats[k, 0] = 0.0 if liq >= 0 else (wallet + basis - pos * cv / s if coin else nav)
        stats[k, 1] = nav
        stats[k, 2] = ideal
        stats[k, 3] = trades
        stats[k, 4] = fees
        stats[k, 5] = fpaid
        stats[k, 6] = liq
        stats[k, 7] = mdd
        stats[k, 8] = turnover
        stats[k, 9] = te_s
        stats[k, 10] = te_s2
        stats[k, 11] = te_n


# --------------------------------------------------------------------------- wrappers

#: Options of a token backtest that the kernel implements; anything else is refused.
_SUPPORTED = frozenset(
    {
        "collateral",
        "contract_value",
        "leverage",
        "policy",
        "band",
        "recentering_speed",
        "ripcord",
        "trigger",
        "interval_bars",
        "taker_fee",
        "slippage",
        "tick",
        "mmr",
        "start_equity",
        "daily_reset_utc",
        "funding",
    }
)
#: Options the kernel does not implement, with the value that means "off" (accepted).
_OFF: dict[str, Any] = {
    "twap_chunks": 1,
    "max_trade": None,
    "cooldown": 0,
    "early_exit": False,
    "oracle": None,
    "management_fee": 0,
    "mint_fee": 0,
    "redeem_fee": 0,
    "supply_cap": None,
    "min_mint": None,
}


@dataclass(frozen=True)
class KernelSpec:
    """A token policy and market in the kernel's terms (float64; units in the fields).

    Attributes:
        collateral: ``"coin"`` (inverse perpetual, equity in coin) or ``"usd"`` (linear
            perpetual, equity in USD).
        contract_value: USD per contract (coin) or coin per contract (usd).
        leverage: the target signed leverage L* (-1 for an inverse token).
        policy: ``"daily_reset"``, ``"band"`` or ``"hybrid"``.
        band: ``(lower, upper)`` signed edges (band and hybrid), e.g. ``(-1.2, -0.8)``.
        recentering_speed: in (0, 1].
        ripcord: signed leverage at or beyond the farther edge, or None.
        trigger: daily reset's intraday trigger on ``|L/L* - 1|``, or None.
        interval_bars: band's timed rebalance after more than this many bars (0: none).
        taker_fee: fraction of the traded notional.
        slippage: fraction of the price paid on each fill.
        tick: price tick (0: none).
        mmr: maintenance margin rate of the vault's position.
        start_equity: coin (coin collateral) or USD.
    """

    collateral: Literal["coin", "usd"] = "coin"
    contract_value: float = 1.0
    leverage: float = -1.0
    policy: Policy = "band"
    band: tuple[float, float] | None = (-1.2, -0.8)
    recentering_speed: float = 1.0
    ripcord: float | None = None
    trigger: float | None = None
    interval_bars: int = 0
    taker_fee: float = 0.0
    slippage: float = 0.0
    tick: float = 0.0
    mmr: float = 0.005
    start_equity: float = 1.0
    extra: Mapping[str, Any] = field(default_factory=dict)

    def params(self) -> F64:
        """The float64 parameter vector of the kernels (validated)."""
        return kernel_params(self)


def _finite(name: str, v: float, lo: float, hi: float, lo_open: bool = False) -> float:
    x = float(v)
    ok = np.isfinite(x) and (lo < x if lo_open else lo <= x) and x <= hi
    if not ok:
        raise InputError(name, v, f"must lie in {'(' if lo_open else '['}{lo}, {hi}]")
    return x


def kernel_params(spec: KernelSpec) -> F64:
    """Validate ``spec`` and pack it into the kernels' parameter vector.

    Raises InputError naming the first option out of its domain, and for every option in
    ``spec.extra`` the kernel does not implement (with a value other than "off").
    """
    for key, value in spec.extra.items():
        if key in _SUPPORTED:
            continue
        if key not in _OFF:
            raise InputError(key, value, "unknown token option for the fast kernel")
        if value != _OFF[key] and not (value is None and _OFF[key] in (0, False)):
            raise InputError(
                key, value, "not supported by the fast kernel; use the reference backtest"
            )
    if spec.collateral not in ("coin", "usd"):
        raise InputError("collateral", spec.collateral, "must be 'coin' or 'usd'")
    if spec.policy not in POLICIES:
        raise InputError("policy", spec.policy, f"must be one of {sorted(POLICIES)}")
    p = np.zeros(_N_PARAMS)
    p[P_COIN] = 1.0 if spec.collateral == "coin" else 0.0
    p[P_CV] = _finite("contract_value", spec.contract_value, 0.0, np.inf, lo_open=True)
    lt = float(spec.leverage)
    if not np.isfinite(lt) or lt == 0.0 or abs(lt) > 100:
        raise InputError("leverage", spec.leverage, "must be finite, non-zero, |L| <= 100")
    p[P_LEVERAGE] = lt
    p[P_POLICY] = POLICIES[spec.policy]
    p[P_LOWER], p[P_UPPER] = -np.inf, np.inf
    if spec.policy != "daily_reset":
        if spec.band is None:
            raise InputError("band", None, f"policy {spec.policy!r} needs band = [lower, upper]")
        lo, hi = (float(x) for x in spec.band)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < lt < hi):
            raise InputError("band", list(spec.band), f"need lower < leverage ({lt}) < upper")
        if lo * lt <= 0 or hi * lt <= 0:
            raise InputError("band", list(spec.band), f"edges must have the sign of {lt}")
        p[P_LOWER], p[P_UPPER] = lo, hi
    elif spec.band is not None and spec.band != (-1.2, -0.8):
        raise InputError("band", list(spec.band), "a daily_reset policy has no band")
    p[P_RS] = _finite("recentering_speed", spec.recentering_speed, 0.0, 1.0, lo_open=True)
    p[P_RIPCORD] = np.nan
    if spec.ripcord is not None:
        if spec.policy == "daily_reset":
            raise InputError("ripcord", spec.ripcord, "only band and hybrid policies have one")
        rip = float(spec.ripcord)
        far = max(abs(p[P_LOWER]), abs(p[P_UPPER]))
        if not np.isfinite(rip) or rip * lt <= 0 or abs(rip) < far:
            raise InputError("ripcord", spec.ripcord, f"need the sign of {lt} and |.| >= {far}")
        p[P_RIPCORD] = rip
    p[P_TRIGGER] = np.nan
    if spec.trigger is not None:
        if spec.policy != "daily_reset":
            raise InputError("trigger", spec.trigger, "only the daily_reset policy has one")
        p[P_TRIGGER] = _finite("trigger", spec.trigger, 0.0, np.inf, lo_open=True)
    if int(spec.interval_bars) != spec.interval_bars or spec.interval_bars < 0:
        raise InputError("interval_bars", spec.interval_bars, "must be a whole number >= 0")
    if spec.interval_bars and spec.policy == "daily_reset":
        raise InputError("interval_bars", spec.interval_bars, "only band and hybrid use it")
    p[P_INTERVAL] = float(spec.interval_bars)
    p[P_FEE] = _finite("taker_fee", spec.taker_fee, 0.0, 0.1)
    p[P_SLIPPAGE] = _finite("slippage", spec.slippage, 0.0, 0.5)
    p[P_TICK] = _finite("tick", spec.tick, 0.0, np.inf)
    if p[P_TICK] > 0:
        k = round(1.0 / p[P_TICK])
        if k >= 1 and 1.0 / k == p[P_TICK]:  # the tick is 1/k: 0.5, 0.1, 0.01 ...
            p[P_TICK_INV] = float(k)
            p[P_TICK_POW2] = 1.0 if k & (k - 1) == 0 else 0.0
    p[P_MMR] = _finite("mmr", spec.mmr, 0.0, 1.0)
    p[P_START] = _finite("start_equity", spec.start_equity, 0.0, np.inf, lo_open=True)
    return p


@dataclass(frozen=True, eq=False)
class PathResult:
    """One path through the kernel.

    ``_settle`` amounts are in the collateral the vault settles in, named by ``coin``:
    ``"coin"`` (the path's coin, for coin collateral) or ``"USD"`` (USD collateral).

    Attributes:
        price: the bar prices used (rounded to the tick), USD per coin.
        equity_settle: equity after each bar, settlement unit.
        nav_usd: equity after each bar in USD.
        fills: a frame with ``bar``, ``reason``, ``contracts`` (signed: > 0 buys, < 0 sells
            i.e. adds to a short), ``price`` and ``fee`` (settlement unit).
        wallet_settle: the final wallet balance, settlement unit.
        position, entry: the final position (signed, in contracts) and its entry price
            (USD per coin).
        fees_paid_settle, funding_paid_settle: totals, settlement unit (funding < 0:
            received).
        liquidated_bar: the bar of the vault's liquidation, or None.
        coin: the settlement unit: ``"coin"`` or ``"USD"``.
    """

    price: F64
    equity_settle: F64
    nav_usd: F64
    fills: Any
    wallet_settle: float
    position: float
    entry: float
    fees_paid_settle: float
    funding_paid_settle: float
    liquidated_bar: int | None
    coin: str

    @property
    def trades(self) -> int:
        """Number of fills (a liquidation is not counted)."""
        return int((self.fills["reason"] != "liquidation").sum())


def _as_inputs(
    close: ArrayLike, reset: ArrayLike | None, funding: ArrayLike | None
) -> tuple[F64, U8, F64]:
    c = np.ascontiguousarray(close, dtype=np.float64)
    if c.ndim not in (1, 2) or c.shape[-1] == 0:
        raise InputError("close", c.shape, "must be a non-empty 1-D or 2-D array")
    if not (np.isfinite(c).all() and (c > 0).all()):
        bad = np.argwhere(~(np.isfinite(c) & (c > 0)))[0]
        raise InputError(
            "close",
            f"{c[tuple(bad)]!r} at index {tuple(int(b) for b in bad)}",
            "must be finite and > 0",
        )
    n = c.shape[-1]
    r = np.zeros(n, np.uint8) if reset is None else np.ascontiguousarray(reset, dtype=np.uint8)
    f = np.zeros(n) if funding is None else np.ascontiguousarray(funding, dtype=np.float64)
    if r.shape != (n,):
        raise InputError("reset", r.shape, f"must have shape ({n},)")
    if f.shape != (n,) or not np.isfinite(f).all():
        raise InputError("funding", f.shape, f"must be finite with shape ({n},)")
    return c, r, f


def start_nav_usd(spec: KernelSpec, first_close: ArrayLike) -> F64:
    """The USD NAV before the first bar's trade: the start equity, times the first
    price rounded to the tick (rule 1) for coin collateral."""
    s = np.asarray(first_close, dtype=np.float64)
    if spec.tick > 0:
        p = kernel_params(spec)
        s = np.array([bar_price_nb(float(x), p) for x in s.reshape(-1)]).reshape(s.shape)
    out: F64 = (
        spec.start_equity * s if spec.collateral == "coin" else np.full(s.shape, spec.start_equity)
    )
    return out


def run_path(
    spec: KernelSpec,
    close: ArrayLike,
    reset: ArrayLike | None = None,
    funding: ArrayLike | None = None,
) -> PathResult:
    """Run one path (``close`` 1-D, USD per coin); ``reset`` flags the daily-reset bars,
    ``funding`` the funding rate settled on each bar (0 where none)."""
    import pandas as pd

    p = kernel_params(spec)
    c, r, f = _as_inputs(close, reset, funding)
    if c.ndim != 1:
        raise InputError("close", c.shape, "run_path takes one path (1-D)")
    n = c.shape[0]
    nav, px = np.empty(n), np.empty(n)
    fb, fr = np.empty(n, np.int64), np.empty(n, np.int64)
    fq, fp, ff = np.empty(n), np.empty(n), np.empty(n)
    nf, wallet, pos, basis, fees, fpaid, liq = token_path_nb(
        c, r, f, p, nav, px, fb, fr, fq, fp, ff
    )
    fills = pd.DataFrame(
        {
            "bar": fb[:nf],
            "reason": [REASONS[k] for k in fr[:nf]],
            "contracts": fq[:nf],
            "price": fp[:nf],
            "fee": ff[:nf],
        }
    )
    coin = spec.collateral == "coin"
    equity = nav / px if coin else nav.copy()
    cv = spec.contract_value
    entry = 0.0 if pos == 0 else (pos * cv / basis if coin else basis / (pos * cv))
    return PathResult(
        price=px,
        equity_settle=equity,
        nav_usd=nav,
        fills=fills,
        wallet_settle=wallet,
        position=pos,
        entry=entry,
        fees_paid_settle=fees,
        funding_paid_settle=fpaid,
        liquidated_bar=None if liq < 0 else int(liq),
        coin="coin" if coin else "USD",
    )


def run_paths(
    spec: KernelSpec,
    close: ArrayLike,
    reset: ArrayLike | None = None,
    funding: ArrayLike | None = None,
    checkpoints: ArrayLike | None = None,
) -> tuple[F64, F64]:
    """Run every row of ``close`` (shape ``(paths, bars)``) in parallel; returns the
    ``(paths, len(STATS))`` statistics (columns named by :data:`STATS`) and the
    ``(paths, len(checkpoints))`` USD NAV after each bar in ``checkpoints``."""
    p = kernel_params(spec)
    c, r, f = _as_inputs(close, reset, funding)
    if c.ndim != 2:
        raise InputError("close", c.shape, "run_paths takes a 2-D (paths, bars) array")
    cp = np.ascontiguousarray(np.arange(0) if checkpoints is None else checkpoints, np.int64)
    n = c.shape[1]
    if cp.ndim != 1 or (cp.size and (cp[0] < 0 or cp[-1] >= n or (np.diff(cp) <= 0).any())):
        raise InputError("checkpoints", cp.tolist(), f"must increase strictly within [0, {n})")
    stats = np.empty((c.shape[0], _N_STATS))
    nav_at = np.empty((c.shape[0], cp.size))
    token_paths_nb(c, r, f, p, stats, cp, nav_at)
    return stats, nav_at
