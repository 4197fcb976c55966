"""`inversa hedge compare`, and the backtest's policy options declared once.

``compare`` prices one hedge on every venue listing the inverse perpetual: contracts and
rounding residual, fee, funding over the days before a date from bundled history, margin,
liquidation price; the cheapest marked.  :func:`policy_options` adds the backtest policy
(:class:`inversa.hedging.BacktestPolicy`) options to a command as one ``policy`` object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

from inversa import domain as d
from inversa import hedging as h
from inversa.cli._options import (
    Json,
    Pairs,
    date_option,
    mapping,
    number,
    pairs,
    text,
    with_options,
)
from inversa.errors import InputError
from inversa.report import hedge_risk, print_json, print_tables

__all__ = ["PolicyOptions", "compare", "policy_options", "register"]

_GROSS_CAP = d.Domain("amount", "multiple of the value", Decimal(0), Decimal(10), True)


@dataclass(frozen=True)
class PolicyOptions:
    """The backtest policy options as given on the command line."""

    schedule: str = "monthly"
    band: Decimal = Decimal(0)
    fraction: Decimal = Decimal(1)
    gross_cap: Decimal | None = None
    trueup: str = "quarterly"
    trueup_dates: list[datetime] = field(default_factory=list)
    margin_mode: str = "isolated"
    leverage: Decimal = Decimal(1)
    half_spread: Decimal = Decimal("0.0001")

    def build(self) -> h.BacktestPolicy:
        """The frozen policy, or one InputError naming the option."""
        return h.BacktestPolicy.build(
            schedule=self.schedule,
            band=self.band,
            fraction=self.fraction,
            gross_cap=self.gross_cap,
            trueup=None if self.trueup == "never" else self.trueup,
            trueup_dates=tuple(t.date() for t in self.trueup_dates),
            margin_mode=self.margin_mode,
            leverage=self.leverage,
            half_spread=self.half_spread,
        )


_POLICY: dict[str, tuple[Any, Any]] = {
    "schedule": (
        Annotated[str, text("Drift checks: weekly, monthly, quarterly.", show_default=True)],
        "monthly",
    ),
    "band": (
        Annotated[
            Decimal,
            number(d.FRACTION, "Act only when a weight is this far off.", show_default=True),
        ],
        Decimal(0),
    ),
    "fraction": (
        Annotated[Decimal, number(d.FRACTION, "Trade this share of the drift.", show_default=True)],
        Decimal(1),
    ),
    "gross_cap": (
        Annotated[Decimal | None, number(_GROSS_CAP, "Cap on gross legs, x the value.")],
        None,
    ),
    "trueup": (
        Annotated[
            str, text("Spot true-up: monthly, quarterly, yearly or never.", show_default=True)
        ],
        "quarterly",
    ),
    "trueup_dates": (
        Annotated[list[datetime] | None, date_option("Also true up on this day (repeatable).")],
        None,
    ),
    "margin_mode": (
        Annotated[str, text("isolated or cross (the whole coin wallet).", show_default=True)],
        "isolated",
    ),
    "leverage": (
        Annotated[Decimal, number(d.LEVERAGE, "Leverage of the legs.", show_default=True)],
        Decimal(1),
    ),
    "half_spread": (
        Annotated[
            Decimal, number(d.FEE_RATE, "Half the bid-ask spread, per trade.", show_default=True)
        ],
        Decimal("0.0001"),
    ),
}


def _policy(values: dict[str, Any]) -> dict[str, Any]:
    values["trueup_dates"] = list(values.get("trueup_dates") or [])
    return {"policy": PolicyOptions(**values)}


#: Adds the policy options to a command taking ``policy: PolicyOptions``.
policy_options = with_options(_POLICY, _policy, ("policy",))


def compare(
    hedge: Annotated[
        list[Pairs],
        mapping(None, "The hedge to price, unit required:", "ASSET=-14950USD"),
    ],
    as_of: Annotated[datetime, date_option("Funding averaged over the days before this day.")],
    prices: Annotated[
        list[Pairs] | None, mapping(d.PRICE, "Price (default: the bundled close):", "ASSET=USD")
    ] = None,
    funding_days: Annotated[
        int,
        number(
            d.Domain("count", "days", Decimal(1), Decimal(3650), integer=True),
            "Days of funding averaged.",
            show_default=True,
        ),
    ] = 30,
    days: Annotated[
        Decimal, number(d.DAYS, "Holding period the cost is totalled over.", show_default=True)
    ] = Decimal(30),
    leverage: Annotated[
        Decimal, number(d.LEVERAGE, "Leverage of the leg.", show_default=True)
    ] = Decimal(1),
    json: Json = False,
) -> None:
    """One hedge on every venue with the inverse perpetual: contracts, fee, funding, margin,
    liquidation; the cheapest marked."""
    from inversa.venues import list_venues

    amounts = h.parse_hedge_amounts({a: str(v) for a, v in pairs(hedge, "hedge").items()})
    if len(amounts) != 1:
        raise InputError("hedge", ",".join(amounts), "give one asset to compare")
    ((asset, amount),) = amounts.items()
    given = pairs(prices)
    price = given[asset] if asset in given else h.bundled_close(asset, as_of, "as_of")
    result = h.compare_venues(
        amount,
        price,
        f"{as_of:%Y-%m-%d}",
        tuple(list_venues()),
        funding=h.inverse_funding_histories(asset),
        days=funding_days,
        horizon_days=days,
        leverage=leverage,
    )
    if json:
        print_json(result.to_dict())
        return
    notes = [f"{v}: {q.funding_note}" for v, q in result.quotes.items()]
    notes += [
        f"{v}: no sourced taker fee, 0 assumed"
        for v, q in result.quotes.items()
        if not q.fee_sourced
    ]
    print_tables([hedge_risk.compare_table(result)], notes)


def register(app: typer.Typer) -> None:
    """Mount ``compare`` on the ``hedge`` app."""
    app.command()(compare)
