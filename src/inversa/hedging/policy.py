"""The rebalancing policy of a hedge backtest: the options a portfolio manager runs.

One frozen config object (:class:`BacktestPolicy`, a :class:`~inversa.data.config.ConfigModel`
so a TOML file and the command line build the same thing) applied to every strategy of
:func:`inversa.hedging.hedge_backtest` alike:

- ``schedule``: when the drift is checked (``weekly``, ``monthly``, ``quarterly``: the
  first trading day of each period);
- ``band``: act only when some asset's weight is more than ``band`` from its target
  (tolerance band; 0: always act);
- ``fraction``: trade this share of the drift (partial hedging; 1: all of it);
- ``gross_cap``: the futures legs' gross USD notional at most this multiple of the
  portfolio value (scaled down pro rata; none: no cap);
- ``trueup``: the periodic spot true-up of the ``futures_trueup`` strategy (``monthly``,
  ``quarterly``, ``yearly``) and/or ``trueup_dates`` (e.g. a tax window: the first
  trading day on or after each date): close the legs, trade spot to the targets;
- ``margin_mode`` (``isolated`` or ``cross`` on the whole coin wallet), ``leverage`` of
  the legs and the maintenance rate ``mmr``: margin is enforced on daily lows and highs,
  liquidations booked; a leg whose coin wallet lacks the margin is topped up by a spot
  trade (sell the largest other holding, buy the coin), charged as a spot trade;
- ``half_spread``: half the bid-ask spread paid on every traded USD (spot and futures;
  1 bp unless given).

Rates are fractions; ``gross_cap`` a multiple of the value; ``leverage`` x.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ValidationError

from inversa.data.config import ConfigModel
from inversa.domain import Domain, FeeRate, Fraction, Leverage, Rate
from inversa.errors import InputError

__all__ = ["BacktestPolicy", "GrossCap", "Schedule", "TrueUp"]

Schedule = Literal["weekly", "monthly", "quarterly"]
TrueUp = Literal["monthly", "quarterly", "yearly"]

#: Gross legs as a multiple of the portfolio value: (0, 10].
GrossCap = Annotated[
    Decimal,
    Domain("amount", "multiple of the portfolio value", Decimal(0), Decimal(10), True),
]


class BacktestPolicy(ConfigModel):
    """Policy options shared by every strategy of a backtest (see the module notes)."""

    schedule: Schedule = "monthly"
    band: Fraction = Decimal(0)
    fraction: Fraction = Decimal(1)
    gross_cap: GrossCap | None = None
    trueup: TrueUp | None = "quarterly"
    trueup_dates: tuple[date, ...] = ()
    margin_mode: Literal["isolated", "cross"] = "isolated"
    leverage: Leverage = Decimal(1)
    mmr: Rate = Decimal("0.005")
    half_spread: FeeRate = Decimal("0.0001")

    @classmethod
    def build(cls, **options: Any) -> BacktestPolicy:
        """The policy from keyword options; one InputError naming the first bad option."""
        given = {k: v for k, v in options.items() if v is not None}
        try:
            policy = cls(**given)
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            key = ".".join(str(p) for p in err["loc"]) or "policy"
            cause = (err.get("ctx") or {}).get("error")
            reason = cause.reason if isinstance(cause, InputError) else err["msg"]
            raise InputError(key, err.get("input"), reason) from None
        if policy.fraction == 0:
            raise InputError("fraction", "0", "must be > 0 (1: hedge all the drift)")
        return policy

    def describe(self) -> str:
        """The policy in one line, for the backtest's assumptions."""
        parts = [
            f"checks {self.schedule}",
            f"band {float(self.band):.2%}" if self.band else "no band",
            f"hedge {float(self.fraction):.0%} of the drift",
            f"gross legs <= {self.gross_cap}x value" if self.gross_cap else "no cap on legs",
            f"true-up {self.trueup or 'never'}"
            + (f" and on {', '.join(map(str, self.trueup_dates))}" if self.trueup_dates else ""),
            f"{self.margin_mode} margin at {self.leverage}x, mmr {self.mmr}, on daily lows/highs",
            f"half spread {float(self.half_spread):.4%}",
        ]
        return "policy: " + "; ".join(parts)
