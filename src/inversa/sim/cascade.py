"""Liquidation cascades: forced trades move the mark, which liquidates more accounts.

Model (deterministic, bounded):

1. Start at ``start_price`` (USD per coin), e.g. the mark after an initial shock.
2. Each round, the book's rows with equity <= maintenance margin at the current price
   that are still open are liquidated: a long's liquidation **sells** its USD notional
   ``N * CV``, a short's **buys** it.
3. The price impact is permanent and driven by the cumulative net flow ``F`` (USD sold
   minus USD bought, all rounds so far) against a ``depth`` (USD):
   ``impact = k * |F| / depth`` (``"linear"``) or ``k * sqrt(|F| / depth)`` (``"sqrt"``),
   and the next price is ``start_price * (1 - impact)`` when ``F`` > 0 (net selling) or
   ``start_price * (1 + impact)`` when ``F`` < 0.  A fall is capped at ``max_move`` (99%
   by default) so the price stays positive.
4. Stop when a round liquidates nothing (converged) or after ``max_rounds``.

The impact model describes a book ``depth`` deep: once the cumulative flow exceeds the
depth the book is exhausted and the price is an extrapolation.  The result says so
(``depth_exceeded``, ``flow_to_depth`` and a ``warning`` in :meth:`CascadeResult.to_dict`)
instead of printing, say, a +400 % move without a word.

Because the impact depends on the cumulative flow, not on how liquidations are grouped
into rounds, the final price is the fixed point closest to the start, and it moves
less from the start the deeper the book (a property test checks this).  After the first
round the flow keeps one direction: a falling price only liquidates more longs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from inversa.errors import InputError
from inversa.sim._check import finite_float
from inversa.sim.riskbook import Backend, RiskBook

__all__ = [
    "CascadeResult",
    "CascadeRound",
    "ImpactModel",
    "PriceImpact",
    "run_cascade",
]

ImpactModel = Literal["linear", "sqrt"]
_MODELS = ("linear", "sqrt")


@dataclass(frozen=True, slots=True)
class PriceImpact:
    """Relative price impact of a net USD flow against a USD depth ``depth_usd``.

    Attributes:
        depth_usd: USD notional of the book's liquidity, > 0 (with ``k = 1`` and the
            linear model, selling ``depth_usd`` USD would move the price by 100%).
        k: impact coefficient, >= 0.
        model: ``"linear"`` (``k * F / depth``) or ``"sqrt"`` (``k * sqrt(F / depth)``).
        max_move: cap on a fall, in (0, 1): the price never drops below
            ``(1 - max_move)`` of the start.
    """

    depth_usd: float
    k: float = 1.0
    model: ImpactModel = "linear"
    max_move: float = 0.99

    def __post_init__(self) -> None:
        depth = finite_float("depth", self.depth_usd)
        if depth <= 0:
            raise InputError("depth", self.depth_usd, "must be > 0 (USD)")
        k = finite_float("k", self.k)
        if k < 0:
            raise InputError("k", self.k, "must be >= 0")
        if self.model not in _MODELS:
            raise InputError("model", self.model, f"must be one of {', '.join(_MODELS)}")
        cap = finite_float("max_move", self.max_move)
        if not 0 < cap < 1:
            raise InputError("max_move", self.max_move, "must lie in (0, 1)")
        object.__setattr__(self, "depth_usd", depth)
        object.__setattr__(self, "k", k)
        object.__setattr__(self, "max_move", cap)

    def impact(self, flow_usd: float) -> float:
        """Unsigned relative impact of ``|flow_usd|`` (before the cap)."""
        x = abs(flow_usd) / self.depth_usd
        return self.k * (x if self.model == "linear" else math.sqrt(x))

    def move(self, flow_usd: float) -> float:
        """Signed relative price move for a net flow (> 0 sells: the price falls)."""
        if flow_usd == 0:
            return 0.0
        size = self.impact(flow_usd)
        return -min(size, self.max_move) if flow_usd > 0 else size


@dataclass(frozen=True, slots=True)
class CascadeRound:
    """One round of a cascade.

    Attributes:
        round: 1-based round number.
        price: the mark at which these rows were liquidated, USD per coin.
        liquidated: rows liquidated in this round.
        longs, shorts: of which longs (sold) and shorts (bought).
        notional_usd: their USD notional ``N * CV`` (gross, both sides).
        notional_coin: their coin value ``N * CV / price``.
        net_flow_usd: USD sold minus USD bought in this round.
        next_price: the mark after the cumulative impact, USD per coin.
    """

    round: int
    price: float
    liquidated: int
    longs: int
    shorts: int
    notional_usd: float
    notional_coin: float
    net_flow_usd: float
    next_price: float


@dataclass(frozen=True, slots=True, eq=False)
class CascadeResult:
    """The rounds of a cascade and where it ended.

    Attributes:
        start_price: USD per coin.
        impact: the impact model used.
        rounds: every round that liquidated something.
        final_price: the mark when nothing more is liquidated (or after ``max_rounds``).
        liquidated: total rows liquidated.
        liquidated_usd: their total USD notional.
        liquidated_coin: sum over rounds of each round's coin notional at its price.
        converged: False when ``max_rounds`` stopped a cascade still liquidating.
        mask: which rows were liquidated (shape ``(n,)``).
        flow_to_depth: the largest ``|cumulative net flow| / depth`` reached (fraction).
    """

    start_price: float
    impact: PriceImpact
    rounds: tuple[CascadeRound, ...]
    final_price: float
    liquidated: int
    liquidated_usd: float
    liquidated_coin: float
    converged: bool
    mask: NDArray[np.bool_]
    positions: int
    flow_to_depth: float = 0.0

    @property
    def depth_exceeded(self) -> bool:
        """True when the cumulative flow went beyond the book's depth (extrapolated)."""
        return self.flow_to_depth > 1.0

    @property
    def warning(self) -> str | None:
        """A one-line warning when the impact model ran beyond its depth."""
        if not self.depth_exceeded:
            return None
        return (
            f"the cumulative liquidation flow reached {self.flow_to_depth:.2f}x the book depth "
            f"of {self.impact.depth_usd:,.0f} USD: the book is exhausted and the final price is an "
            "extrapolation of the impact model"
        )

    @property
    def price_path(self) -> list[float]:
        """Start price, then the price after each round."""
        return [self.start_price, *(r.next_price for r in self.rounds)]

    def rows(self) -> list[dict[str, Any]]:
        """One record per round."""
        return [
            {
                "round": r.round,
                "price": r.price,
                "liquidated": r.liquidated,
                "longs": r.longs,
                "shorts": r.shorts,
                "notional_usd": r.notional_usd,
                "notional_coin": r.notional_coin,
                "net_flow_usd": r.net_flow_usd,
                "next_price": r.next_price,
            }
            for r in self.rounds
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary and rounds."""
        return {
            "start_price": self.start_price,
            "depth_usd": self.impact.depth_usd,
            "k": self.impact.k,
            "model": self.impact.model,
            "positions": self.positions,
            "final_price": self.final_price,
            "price_move": self.final_price / self.start_price - 1.0,
            "liquidated": self.liquidated,
            "liquidated_usd": self.liquidated_usd,
            "liquidated_coin": self.liquidated_coin,
            "rounds_count": len(self.rounds),
            "converged": self.converged,
            "flow_to_depth": self.flow_to_depth,
            "depth_exceeded": self.depth_exceeded,
            "warning": self.warning,
            "rounds": self.rows(),
        }


def run_cascade(
    book: RiskBook,
    start_price: float,
    impact: PriceImpact,
    *,
    max_rounds: int = 100,
    engine: Backend | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> CascadeResult:
    """Run a liquidation cascade on ``book`` from ``start_price`` (see the module notes).

    ``progress(round, price)`` is called after each round.
    """
    start = finite_float("start_price", start_price)
    if start <= 0:
        raise InputError("start_price", start_price, "must be a finite price > 0 (USD per coin)")
    if isinstance(max_rounds, bool) or not isinstance(max_rounds, int) or max_rounds < 1:
        raise InputError("max_rounds", max_rounds, "must be an integer >= 1")
    usd = book.usd_notional
    longs = book.side > 0
    open_rows = np.ones(len(book), dtype=np.bool_)
    price, flow, peak = start, 0.0, 0.0
    rounds: list[CascadeRound] = []
    converged = False
    for number in range(1, max_rounds + 1):
        newly = book.liquidated(price, engine=engine) & open_rows
        if not newly.any():
            converged = True
            break
        sold = float(usd[newly & longs].sum())
        bought = float(usd[newly & ~longs].sum())
        flow += sold - bought
        peak = max(peak, abs(flow) / impact.depth_usd)
        next_price = start * (1.0 + impact.move(flow))
        n_long = int(np.count_nonzero(newly & longs))
        n_all = int(np.count_nonzero(newly))
        rounds.append(
            CascadeRound(
                round=number,
                price=price,
                liquidated=n_all,
                longs=n_long,
                shorts=n_all - n_long,
                notional_usd=sold + bought,
                notional_coin=(sold + bought) / price,
                net_flow_usd=sold - bought,
                next_price=next_price,
            )
        )
        open_rows &= ~newly
        price = next_price
        if progress is not None:
            progress(number, price)
    else:
        converged = not (book.liquidated(price, engine=engine) & open_rows).any()
    mask = ~open_rows
    return CascadeResult(
        start_price=start,
        impact=impact,
        rounds=tuple(rounds),
        final_price=price,
        liquidated=int(np.count_nonzero(mask)),
        liquidated_usd=float(usd[mask].sum()),
        liquidated_coin=float(sum(r.notional_coin for r in rounds)),
        converged=converged,
        mask=mask,
        positions=len(book),
        flow_to_depth=peak,
    )
