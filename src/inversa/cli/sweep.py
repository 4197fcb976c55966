"""`inversa sweep`: a grid of token-policy parameters x scenarios, local or on Dask.

::

    inversa sweep --config examples/sweep.toml [--store runs/] [--workers N]
        [--scheduler tcp://host:port] [--report out/sweep.html] [--json]

Results go to Parquet in the runs store (``--store``, default ``runs/``), queryable with
DuckDB and listed by ``inversa runs list|show``; the HTML report (the policy frontier) is
written beside them and, with ``--report``, also there (the path is checked before any
work).  User errors (an empty grid, an unknown parameter, an unreachable scheduler)
print one line and exit 2 (the command is mounted on an app made by
:func:`inversa.cli._output.new_app`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from inversa.cli._options import Json, Report, number, path_option, text
from inversa.cli.runs import Store, check_store
from inversa.domain import COUNT
from inversa.report import check_output_path, key_value_table, print_json, print_tables, progress

__all__ = ["register", "sweep"]

Config = Annotated[Path, path_option("Sweep TOML: [token], [grid], [[scenarios]].", "--config")]
Workers = Annotated[
    int | None, number(COUNT, "Local processes (default: the core count).", "--workers")
]
Scheduler = Annotated[str | None, text("Dask scheduler, tcp://host:port.", "--scheduler")]

_UNITS = {
    "run_id": "text",
    "tasks": "count",
    "scheduler": "text",
    "workers": "count",
    "seconds": "number",
    "frontier_tasks": "count",
    "results": "text",
    "report": "text",
}


def sweep(
    config: Config,
    store: Store = Path("runs"),
    workers: Workers = None,
    scheduler: Scheduler = None,
    report: Report = None,
    as_json: Json = False,
) -> None:
    """Run a policy sweep and store its results (Parquet) and report (HTML)."""
    from inversa.data.store import RunsStore
    from inversa.report.sweep import write_sweep_report
    from inversa.sim.montecarlo import load_config
    from inversa.sim.sweep import SweepConfig, frontier, run_sweep, tasks

    check_store(store)
    if report is not None:
        check_output_path(report, "--report")
    cfg = load_config(config, SweepConfig)
    with progress(len(tasks(cfg)), "tasks") as tick:
        result = run_sweep(
            cfg, workers=workers, scheduler=scheduler, progress=lambda done, _n: tick(done)
        )
    on = frontier(result.results)
    frame = result.results.assign(frontier=on.to_numpy())
    meta = {
        "config": cfg.model_dump(mode="json"),
        "scheduler": result.scheduler,
        "workers": result.workers,
        "seconds": result.seconds,
    }
    info = RunsStore(store).write_run("sweep", cfg.name, frame, meta)
    html = write_sweep_report(info.path / "report.html", result, on, info.run_id)
    if report is not None:
        write_sweep_report(report, result, on, info.run_id)
    best = frame[frame["frontier"]]
    summary = {
        "run_id": info.run_id,
        "tasks": len(frame),
        "scheduler": result.scheduler,
        "workers": result.workers,
        "seconds": round(result.seconds, 3),
        "frontier_tasks": len(best),
        "results": str(info.path / "results.parquet"),
        "report": str(report if report is not None else html),
    }
    if as_json:
        print_json(summary)
        return
    print_tables([key_value_table(f"Sweep {cfg.name!r}", summary, _UNITS)])


def register(app: typer.Typer) -> None:
    """Mount ``sweep`` on ``app`` (an app made by ``new_app``: one-line errors, exit 2)."""
    app.command("sweep")(sweep)
