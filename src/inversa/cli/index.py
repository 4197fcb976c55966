"""``inversa index cap|level``: capped basket weights and basket index levels.

Every number, date and path option is parsed by a domain of :mod:`inversa.domain` before
the command runs (one ``error:`` line naming the option, exit 2); output goes through
:mod:`inversa.report` (strict JSON with exact Decimals, typed tables that fold).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from inversa import index as ix
from inversa.cli._options import Json, date_option, number, path_option, text
from inversa.cli._output import new_app
from inversa.domain import (
    FRACTION,
    GLIDE_DAYS,
    INDEX_LEVEL,
    RAW_WEIGHT,
    WEIGHT_CAP,
    ListParser,
)
from inversa.errors import InputError
from inversa.report import Column, check_output_path, key_value_table, print_json, print_tables
from inversa.report import table as report_table

__all__ = ["app"]

app = new_app("Basket index: capped weights and index levels.")


def _weights_option(help_text: str) -> Any:
    return typer.Option(
        parser=ListParser(RAW_WEIGHT),
        help=f"{help_text} [{RAW_WEIGHT.describe()}]",
        show_default=False,
        metavar="W1,W2,...",
    )


Weights = Annotated[Any, _weights_option("Weights, comma-separated.")]
Cap = Annotated[Decimal | None, number(WEIGHT_CAP, "Largest weight allowed (0.25 = 25 %).")]


@app.command()
def cap(weights: Weights = None, cap: Cap = None, json: Json = False) -> None:
    """Cap weights iteratively, re-normalising the others pro rata, until none exceeds --cap."""
    if weights is None:
        raise InputError("weights", None, "is required (comma-separated numbers)")
    if cap is None:
        raise InputError("cap", None, "is required")
    out_w = ix.cap_weights(list(weights), cap)
    assert isinstance(out_w, list)
    if json:
        print_json({"weights": out_w})
        return
    rows = [
        {"member": i + 1, "given": w, "capped": c}
        for i, (w, c) in enumerate(zip(weights, out_w, strict=True))
    ]
    cols = [
        Column("member", "member", "count"),
        Column("given", "given weight"),
        Column("capped", "capped weight", "rate"),
    ]
    print_tables([report_table("index cap", cols, rows)])


@app.command()
def level(
    assets: Annotated[
        str, text("Comma-separated bundled assets (DeFi daily closes).", show_default=True)
    ] = "AAVE,COMP,CRV,LINK,MKR,SNX,SUSHI,YFI",
    weighting: Annotated[str, text("fixed, equal or market-cap.", show_default=True)] = "equal",
    weights: Annotated[Any, _weights_option("Fixed weights, one per asset.")] = None,
    cap: Annotated[Decimal | None, number(WEIGHT_CAP, "Largest weight (iterated cap).")] = None,
    supply_csv: Annotated[
        Path | None, path_option("CSV of date,asset,supply (market-cap weights).", "--supply-csv")
    ] = None,
    schedule: Annotated[str, text("none, monthly or quarterly.", show_default=True)] = "none",
    glide_days: Annotated[
        int, number(GLIDE_DAYS, "Days a reconstitution glides over.", show_default=True)
    ] = 0,
    drop_below: Annotated[
        Decimal, number(FRACTION, "A member below this weight leaves.", show_default=True)
    ] = Decimal(0),
    add_above: Annotated[
        Decimal, number(FRACTION, "A newcomer joins at this weight.", show_default=True)
    ] = Decimal(0),
    start: Annotated[datetime | None, date_option("First UTC day.")] = None,
    end: Annotated[datetime | None, date_option("End UTC day, exclusive.")] = None,
    base_level: Annotated[
        Decimal, number(INDEX_LEVEL, "Level on the first day.", show_default=True)
    ] = Decimal(1000),
    out: Annotated[
        Path | None,
        path_option("Write date, level, divisor and weights as CSV.", "--out", must_exist=False),
    ] = None,
    json: Json = False,
) -> None:
    """Index level of a basket from bundled daily closes, continuous across reconstitutions."""
    if out is not None:
        check_output_path(out, "out")
    names = tuple(a.strip().upper() for a in assets.split(",") if a.strip())
    fixed: dict[str, float] = {}
    if weights is not None:
        if len(weights) != len(names):
            raise InputError("weights", ",".join(map(str, weights)), "give one weight per asset")
        fixed = {a: float(w) for a, w in zip(names, weights, strict=True)}
    spec = ix.BasketSpec(
        names,
        weighting,  # type: ignore[arg-type]
        fixed,
        None if cap is None else float(cap),
        float(drop_below),
        float(add_above),
        schedule,  # type: ignore[arg-type]
        glide_days,
        float(base_level),
    )
    try:
        prices = ix.basket_prices(names, start, end)
    except InputError as exc:  # the loader names its own field: 'asset'
        if exc.field != "asset":
            raise
        raise InputError("--assets", exc.value, exc.reason) from None
    supplies = None if supply_csv is None else ix.load_supplies(supply_csv)
    lvl = ix.index_level(prices, spec, supplies)
    if out is not None:
        frame = lvl.weights.add_prefix("weight_")
        frame.insert(0, "divisor", lvl.divisor)
        frame.insert(0, "level", lvl.level)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(out, index_label="date")
        except OSError as exc:
            raise InputError("out", str(out), f"cannot be written: {exc.strerror or exc}") from None
    result = {
        "start": lvl.dates[0].date().isoformat(),
        "end": lvl.dates[-1].date().isoformat(),
        "days": len(lvl.dates),
        "level_start": float(lvl.level[0]),
        "level_end": float(lvl.level[-1]),
        "reconstitutions": len(lvl.reconstitutions),
        **{f"weight_end_{a}": float(w) for a, w in lvl.weights.iloc[-1].items()},
    }
    if json:
        print_json(result)
        return
    units = {"days": "count", "reconstitutions": "count", "start": "text", "end": "text"}
    units |= {k: "rate" for k in result if k.startswith("weight_end_")}
    print_tables([key_value_table("index level (index points)", result, units)])
