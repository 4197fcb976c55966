"""`inversa sweep`: a grid of token-policy parameters x scenarios, local or on Dask.

::

    inversa sweep --config examples/sweep.toml [--store runs/] [--workers N]
        [--scheduler tcp://host:port] [--report out/sweep.html] [--json]

Results go to Parquet in the runs store (``--store``, default ``runs/``), queryable with
DuckDB and listed by ``inversa runs list|show``; the HTML report (the policy frontier) is
written beside them and, with ``--report``, also there.  User errors (an empty grid, an
unknown parameter, an unreachable scheduler) print one line and exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from inversa.cli._output import emit, user_errors
from inversa.cli.token_mc import progress_bar

__all__ = ["register", "sweep"]


def sweep(
    config: Annotated[
        Path, typer.Option("--config", help="Sweep TOML: [token], [grid], [[scenarios]].")
    ],
    store: Annotated[Path, typer.Option(help="Runs store directory.")] = Path("runs"),
    workers: Annotated[
        int | None,
        typer.Option(help="Local processes (default: the core count).", show_default=False),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler, tcp://host:port.", show_default=False)
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Also write the HTML report here.", show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Run a policy sweep and store its results (Parquet) and report (HTML)."""
    from inversa.data.store import RunsStore
    from inversa.report.sweep import write_sweep_report
    from inversa.sim.montecarlo import load_config
    from inversa.sim.sweep import SweepConfig, frontier, run_sweep, tasks

    with user_errors():
        cfg = load_config(config, SweepConfig)
        with progress_bar(len(tasks(cfg)), "tasks") as progress:
            result = run_sweep(cfg, workers=workers, scheduler=scheduler, progress=progress)
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
        emit(summary, as_json=as_json, title=f"Sweep {cfg.name!r}")


def register(app: typer.Typer) -> None:
    """Mount ``sweep`` on ``app``."""
    app.command("sweep")(sweep)
