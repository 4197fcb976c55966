"""`inversa runs list|show`: the runs store (Parquet files queried with DuckDB).

::

    inversa runs list [--store runs/] [--json]
    inversa runs show RUN_ID [--store runs/] [--sql "SELECT ... FROM results"] [--json]

``RUN_ID`` may be a unique prefix.  ``--sql`` runs a DuckDB query over the views
``results`` (every run's rows, with ``run_id``) and ``runs``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from inversa.cli._output import user_errors
from inversa.report import print_json

__all__ = ["app"]

app = typer.Typer(
    help="List and show stored runs (sweeps) from the runs store.", no_args_is_help=True
)

Store = Annotated[Path, typer.Option(help="Runs store directory.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _finite(record: dict[Any, Any]) -> dict[str, Any]:
    """A stored row with NaN or infinite floats (no value) as None, for strict JSON."""
    return {
        str(k): None if isinstance(v, float) and not math.isfinite(v) else v
        for k, v in record.items()
    }


def _table(title: str, records: list[dict[str, Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for col in records[0] if records else ["(none)"]:
        table.add_column(str(col))
    for rec in records:
        table.add_row(*(f"{v:.6g}" if isinstance(v, float) else str(v) for v in rec.values()))
    Console().print(table)


@app.command("list")
def list_runs(store: Store = Path("runs"), as_json: Json = False) -> None:
    """List the stored runs, oldest first."""
    from inversa.data.store import RunsStore

    with user_errors():
        runs = [
            {
                "run_id": r.run_id,
                "kind": r.kind,
                "name": r.name,
                "created": r.created,
                "rows": r.rows,
            }
            for r in RunsStore(store).runs()
        ]
        if as_json:
            sys.stdout.write(json.dumps(runs) + "\n")
        else:
            _table(f"Runs in {store}", runs)


@app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
    store: Store = Path("runs"),
    sql: Annotated[
        str | None,
        typer.Option(help="DuckDB query over the views results and runs.", show_default=False),
    ] = None,
    as_json: Json = False,
) -> None:
    """Show a run's metadata and rows (or the result of ``--sql``)."""
    from inversa.data.store import RunsStore

    with user_errors():
        st = RunsStore(store)
        meta = st.meta(run_id)
        frame = st.query(sql) if sql is not None else st.results(run_id)
        records = [_finite(r) for r in frame.to_dict(orient="records")]
        if as_json:
            print_json({"meta": meta, "rows": records})
            return
        head = {k: meta[k] for k in ("run_id", "kind", "name", "created", "rows") if k in meta}
        Console().print(", ".join(f"{k}: {v}" for k, v in head.items()))
        _table("rows" if sql is None else sql, records)
