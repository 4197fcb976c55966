"""`inversa index KIND`: basket weights (and, later, index levels)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer

from inversa import index as ix
from inversa.cli._output import emit, parse_decimal, user_errors
from inversa.errors import InputError

__all__ = ["app"]

app = typer.Typer(help="Basket index: capped weights and index levels.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


@app.command()
def cap(
    weights: Annotated[str | None, typer.Option(help="Weights, comma-separated.")] = None,
    cap: Annotated[str | None, typer.Option(help="Largest weight allowed (0.25 = 25 %).")] = None,
    json: Json = False,
) -> None:
    """Cap weights iteratively, re-normalising the others pro rata, until none exceeds CAP."""
    with user_errors():
        if weights is None or not weights.strip():
            raise InputError("weights", weights, "is required (comma-separated numbers)")
        if cap is None:
            raise InputError("cap", None, "is required")
        w = [parse_decimal(f"weights[{i}]", p) for i, p in enumerate(weights.split(","))]
        out_w = ix.cap_weights(w, parse_decimal("cap", cap))
        assert isinstance(out_w, list)
        out: dict[str, list[Decimal]] = {"weights": out_w}
    emit(out, as_json=json, title="index cap", units={"weights": "fraction"})


@app.command()
def level(
    assets: Annotated[
        str, typer.Option(help="Comma-separated bundled assets (DeFi daily closes).")
    ] = "AAVE,COMP,CRV,LINK,MKR,SNX,SUSHI,YFI",
    weighting: Annotated[str, typer.Option(help="fixed, equal or market-cap.")] = "equal",
    weights: Annotated[
        str | None, typer.Option(help="Fixed weights, comma-separated, one per asset.")
    ] = None,
    cap: Annotated[str | None, typer.Option(help="Largest weight (iterated cap).")] = None,
    supply_csv: Annotated[
        str | None, typer.Option(help="CSV of date,asset,supply (market-cap weights).")
    ] = None,
    schedule: Annotated[str, typer.Option(help="none, monthly or quarterly.")] = "none",
    glide_days: Annotated[int, typer.Option(help="Days a reconstitution glides over.")] = 0,
    drop_below: Annotated[str, typer.Option(help="A member below this weight leaves.")] = "0",
    add_above: Annotated[str, typer.Option(help="A newcomer joins at this weight.")] = "0",
    start: Annotated[str | None, typer.Option(help="First UTC day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option(help="End UTC day, exclusive.")] = None,
    base_level: Annotated[str, typer.Option(help="Level on the first day.")] = "1000",
    out: Annotated[
        str | None, typer.Option(help="Write date, level, divisor and weights as CSV.")
    ] = None,
    json: Json = False,
) -> None:
    """Index level of a basket from bundled daily closes, continuous across reconstitutions."""
    with user_errors():
        names = tuple(a.strip().upper() for a in assets.split(",") if a.strip())
        fixed: dict[str, float] = {}
        if weights is not None:
            ws = [parse_decimal(f"weights[{i}]", w) for i, w in enumerate(weights.split(","))]
            if len(ws) != len(names):
                raise InputError("weights", weights, "give one weight per asset")
            fixed = {a: float(w) for a, w in zip(names, ws, strict=True)}
        spec = ix.BasketSpec(
            names,
            weighting,  # type: ignore[arg-type]
            fixed,
            None if cap is None else float(parse_decimal("cap", cap)),
            float(parse_decimal("drop_below", drop_below)),
            float(parse_decimal("add_above", add_above)),
            schedule,  # type: ignore[arg-type]
            glide_days,
            float(parse_decimal("base_level", base_level)),
        )
        prices = ix.basket_prices(names, start, end)
        supplies = None if supply_csv is None else ix.load_supplies(supply_csv)
        lvl = ix.index_level(prices, spec, supplies)
        if out is not None:
            frame = lvl.weights.add_prefix("weight_")
            frame.insert(0, "divisor", lvl.divisor)
            frame.insert(0, "level", lvl.level)
            frame.to_csv(out, index_label="date")
    result = {
        "start": lvl.dates[0].date().isoformat(),
        "end": lvl.dates[-1].date().isoformat(),
        "days": len(lvl.dates),
        "level_start": float(lvl.level[0]),
        "level_end": float(lvl.level[-1]),
        "reconstitutions": len(lvl.reconstitutions),
        **{f"weight_end_{a}": float(w) for a, w in lvl.weights.iloc[-1].items()},
    }
    emit(result, as_json=json, title="index level", units={"level_end": "points"})
