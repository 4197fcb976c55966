"""The fast kernel's inputs from a reference token backtest (:mod:`inversa.token`).

:func:`kernel_inputs` turns a finished reference run (``inversa.token.backtest``'s
``TokenBacktest``: its config and the bars its keeper ran on) into the kernel's
:class:`~inversa.sim.token_kernels.KernelSpec`, prices, reset flags and funding rates,
so both can be run on the same job and compared (parity: relative equity <= 1e-9 and the
same trade count; ``tests/sim/test_token_parity.py``).  The object is read by attribute
only, so this module does not import the token package.

Options the kernel does not implement are refused by name: an oracle, TWAP chunks or a
cooldown, the linear-impact slippage model, mint or redeem fees, charging execution to
minters.  A band's ``interval_hours`` becomes whole bars of the median bar step.  The
streaming fee mints tokens and so changes NAV *per token* but neither the
vault's equity nor its trades; it is accepted only with ``equity_only=True`` (the kernel
tracks equity, not supply).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from inversa.errors import InputError
from inversa.sim.token_kernels import KernelSpec

__all__ = ["kernel_inputs"]

_POLICY = {"daily": "daily_reset", "band": "band", "hybrid": "hybrid"}


def kernel_inputs(
    run: Any, *, equity_only: bool = False
) -> tuple[KernelSpec, NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64] | None]:
    """``(spec, close, reset, funding)`` for the kernel from a reference run."""
    cfg = run.config
    pol, ins, vault = cfg.policy, cfg.instrument, cfg.vault
    refused = {
        "oracle.kind": (cfg.oracle.kind, "none"),
        "execution.twap_max": (cfg.execution.twap_max, None),
        "execution.twap_cooldown_hours": (float(cfg.execution.twap_cooldown_hours), 0.0),
        "vault.mint_fee": (float(vault.mint_fee), 0.0),
        "vault.redeem_fee": (float(vault.redeem_fee), 0.0),
        "vault.charge_execution": (vault.charge_execution, False),
    }
    if not equity_only:
        refused["vault.streaming_fee"] = (float(vault.streaming_fee), 0.0)
    for key, (value, off) in refused.items():
        if value != off:
            raise InputError(key, value, "not supported by the fast kernel")
    if cfg.slippage.kind not in ("none", "fixed-bps"):
        raise InputError("slippage.kind", cfg.slippage.kind, "not supported by the fast kernel")
    times = pd.DatetimeIndex(run.market.times)
    hh, mm = (int(x) for x in pol.reset_time.split(":"))
    reset = np.asarray((times.hour == hh) & (times.minute == mm))
    interval = 0
    if pol.interval_hours is not None:
        # the kernel counts the timed rebalance in bars of the usual (median) step; a gap
        # in the data inside an interval window would count short (none does in (b))
        steps = (times[1:] - times[:-1]).to_numpy() / np.timedelta64(1, "h")
        step = float(np.median(steps)) if steps.size else 1.0
        bars = float(pol.interval_hours) / step
        if bars != int(bars):
            raise InputError(
                "policy.interval_hours",
                pol.interval_hours,
                f"not a whole number of {step:g} h bars",
            )
        interval = int(bars)
    spec = KernelSpec(
        collateral=vault.collateral,
        contract_value=float(ins.contract_value) * float(ins.lot),
        leverage=float(pol.leverage),
        policy=_POLICY[pol.kind],  # type: ignore[arg-type]
        band=None if pol.band is None else tuple(sorted(float(b) for b in pol.band)),  # type: ignore[arg-type]
        recentering_speed=float(pol.recentering_speed),
        ripcord=None if pol.ripcord is None else float(pol.ripcord),
        trigger=None if pol.trigger is None else float(pol.trigger),
        interval_bars=interval,
        taker_fee=float(ins.taker),
        slippage=float(cfg.slippage.bps) / 1e4 if cfg.slippage.kind == "fixed-bps" else 0.0,
        tick=float(ins.tick),
        mmr=float(ins.maintenance_rate),
        start_equity=float(vault.start_equity),
    )
    funding = None
    if run.market.funding is not None:
        funding = np.nan_to_num(np.asarray(run.market.funding, dtype=np.float64)).copy()
        funding[0] = 0.0  # nothing is held before the first bar's trade
    return spec, np.asarray(run.market.prices, dtype=np.float64), reset, funding
