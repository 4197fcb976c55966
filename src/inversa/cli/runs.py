"""`inversa runs list|show`: the runs store (Parquet files queried with DuckDB).

::

    inversa runs list [--store runs/] [--json]
    inversa runs show RUN_ID [--store runs/] [--sql "SELECT ... FROM results"] [--json]

``RUN_ID`` may be a unique prefix.  ``--sql`` runs a DuckDB query over the views
``results`` (every run's rows, with ``run_id``) and ``runs``.  Output goes through
:mod:`inversa.report`: strict JSON (NaN and infinite floats as ``null``) or tables whose
cells fold at 80 columns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from inversa.cli._options import Json, text
from inversa.cli._output import new_app
from inversa.domain import STORE_DIR, DomainParser
from inversa.errors import InputError
from inversa.report import Column, fmt, key_value_table, print_json, print_tables, table

__all__ = ["Store", "app"]

app = new_app("List and show stored runs (sweeps) from the runs store.")


Store = Annotated[
    Path,
    typer.Option(
        "--store",
        parser=DomainParser(STORE_DIR),
        help=f"Runs store directory [{STORE_DIR.describe()}].",
        metavar="DIR",
    ),
]


def check_store(store: Path) -> Path:
    """``--store`` refused (one line naming it) when it is, or lies under, a non-directory."""
    try:
        for path in (store, *store.parents):
            if path.exists() and not path.is_dir():
                raise InputError("--store", str(store), f"{path} is not a directory")
    except OSError as exc:
        raise InputError("--store", str(store), exc.strerror or "cannot be used") from None
    return store


#: Result tables with more columns than this print in long form (row, column, value).
WIDE = 6

_RUN_COLUMNS = (
    Column("run_id", "run id", "text"),
    Column("kind", "kind", "text"),
    Column("name", "name", "text"),
    Column("created", "created", "text"),
    Column("rows", "rows", "count"),
)


def _finite(record: dict[Any, Any]) -> dict[str, Any]:
    """A stored row with NaN or infinite floats (no value) as None, for strict JSON."""
    return {
        str(k): None if isinstance(v, float) and not math.isfinite(v) else v
        for k, v in record.items()
    }


def _unit(values: Sequence[Any]) -> str:
    """The report unit of a column of stored values: text, or a plain number."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "count"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "number"
    return "text"


def _columns(records: list[dict[str, Any]]) -> list[Column]:
    """One typed column per key of ``records`` (``(none)`` when there is no row)."""
    if not records:
        return [Column("(none)", "(none)", "text")]
    return [Column(key, key, _unit([r.get(key) for r in records])) for key in records[0]]


def _rows_table(title: str, records: list[dict[str, Any]]) -> Table:
    """``records`` as a table, one row each; with more than :data:`WIDE` columns, one line
    per (row, column, value) so that it stays readable at 80 columns."""
    columns = _columns(records)
    if len(columns) <= WIDE:
        return table(title, columns, records)
    units = {c.key: c.unit for c in columns}
    long = [
        {"row": i, "column": key, "value": fmt(value, units[key])}
        for i, record in enumerate(records)
        for key, value in record.items()
    ]
    cols = [Column("row", "row", "count"), Column("column", "column", "text")]
    return table(title, [*cols, Column("value", "value", "text")], long)


@app.command("list")
def list_runs(store: Store = Path("runs"), as_json: Json = False) -> None:
    """List the stored runs, oldest first."""
    from inversa.data.store import RunsStore

    check_store(store)
    runs = [
        {"run_id": r.run_id, "kind": r.kind, "name": r.name, "created": r.created, "rows": r.rows}
        for r in RunsStore(store).runs()
    ]
    if as_json:
        print_json(runs)
        return
    print_tables([table(f"Runs in {store}", _RUN_COLUMNS, runs)])


@app.command("show", context_settings={"ignore_unknown_options": True})
def show(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
    store: Store = Path("runs"),
    sql: Annotated[
        str | None, text("DuckDB query over the views results and runs.", "--sql")
    ] = None,
    as_json: Json = False,
) -> None:
    """Show a run's metadata and rows (or the result of ``--sql``)."""
    from inversa.data.store import RunsStore

    check_store(store)
    if not run_id.strip():
        raise InputError("run_id", run_id, "give a run id (or a unique prefix)")
    if sql is not None and not sql.strip():
        raise InputError("--sql", sql, "give a DuckDB query")
    st = RunsStore(store)
    meta = st.meta(run_id)
    frame = st.query(sql) if sql is not None else st.results(run_id)
    records = [_finite(r) for r in frame.to_dict(orient="records")]
    if as_json:
        print_json({"meta": meta, "rows": records})
        return
    head: dict[str, Any] = {
        k: meta[k] for k in ("run_id", "kind", "name", "created", "rows") if k in meta
    }
    units = {"rows": "count"} | {k: "text" for k in head if k != "rows"}
    print_tables(
        [
            key_value_table(f"Run {meta.get('run_id', run_id)}", head, units),
            _rows_table("rows" if sql is None else sql, records),
        ]
    )
