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
