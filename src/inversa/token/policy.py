"""Rebalancing policies: daily reset, band (with recentering and ripcord), hybrid.

A policy only *decides*; the keeper (:mod:`inversa.token.keeper`) trades.  Exact
semantics, bar by bar (a bar is a timestamp and one price; the keeper evaluates the
policy after the bar's mark and funding):

- ``first``: the first bar always rebalances to the target (``reason="first"``).
- ``daily``: on every bar whose UTC time of day equals ``reset_time``, rebalance to the
  target at that bar's price, whatever the leverage (``reason="daily"``).  With
  ``trigger`` set, any other bar where ``|L / L* - 1| > trigger`` (strict) rebalances to
  the target too (``reason="trigger"``, FTX's intraday rebalance).
- ``band``: :func:`inversa.token.maths.band_decision` (PerpV2): ripcord at or beyond
  ``ripcord`` (to the farther band edge, ``reason="ripcord"``); a strict breach of the
  signed band (``L < lower`` or ``L > upper``) rebalances to the recentered leverage
  clamped to the band (``reason="band"``); more than ``interval_hours`` since the last
  rebalance does the same (``reason="interval"``).  ``recentering_speed = 1`` goes
  straight to the target; ``interval_hours = None`` disables the timed rebalance.
- ``hybrid``: the daily reset plus the band; on a bar where both apply, the reset is the
  one recorded (``reason="daily"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Literal

from inversa.errors import InputError
from inversa.token.maths import BandParams, band_decision

__all__ = ["Decision", "Policy", "PolicyKind", "decide"]

PolicyKind = Literal["daily", "band", "hybrid"]


@dataclass(frozen=True)
class Policy:
    """A rebalancing policy (see the module docstring for the exact rules).

    ``target``: signed target leverage; ``reset_time``: UTC time of day of the daily
    reset; ``trigger``: intraday trigger as a fraction of the target (daily only);
    ``band``: band parameters (band and hybrid; its ``target`` must equal ``target``).
    """

    kind: PolicyKind
    target: Decimal
    reset_time: time = time(0, 0)
    trigger: Decimal | None = None
    band: BandParams | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("daily", "band", "hybrid"):
            raise InputError("policy.kind", self.kind, "must be 'daily', 'band' or 'hybrid'")
        if self.target == 0:
            raise InputError("policy.target", self.target, "must not be 0")
        if self.kind in ("band", "hybrid"):
            if self.band is None:
                raise InputError("policy.band", None, f"a {self.kind} policy needs band edges")
            if self.band.target != self.target:
                raise InputError("policy.band.target", self.band.target, "must equal the target")
        if self.trigger is not None and not self.trigger > 0:
            raise InputError("policy.trigger", self.trigger, "must be > 0")


@dataclass(frozen=True)
class Decision:
    """Rebalance to ``leverage`` for ``reason`` (first, daily, trigger, band, interval,
    ripcord)."""

    reason: str
    leverage: Decimal


def decide(
    policy: Policy,
    *,
    first: bool,
    when: datetime,
    leverage: Decimal,
    hours_since_last: Decimal,
) -> Decision | None:
    """The policy's decision on one bar, or ``None`` (no rebalance)."""
    if first:
        return Decision("first", policy.target)
    if (
        policy.kind in ("daily", "hybrid")
        and when.timetz().replace(tzinfo=None) == policy.reset_time
    ):
        return Decision("daily", policy.target)
    if policy.kind == "daily":
        if policy.trigger is not None and abs(leverage / policy.target - 1) > policy.trigger:
            return Decision("trigger", policy.target)
        return None
    assert policy.band is not None
    d = band_decision(policy.band, leverage, hours_since_last)
    if d.action == "none" or d.new_leverage is None:
        return None
    reason = {"breach": "band", "interval": "interval", "ripcord": "ripcord"}[d.reason]
    return Decision(reason, d.new_leverage)
