"""`inversa token montecarlo`: N simulated paths of a token policy, chunked, reproducible.

::

    inversa token montecarlo --config examples/token_mc.toml [--paths N] [--steps T]
        [--seed S] [--chunk-paths K] [--report out/mc.html] [--json]

The config is the TOML form of :class:`inversa.sim.montecarlo.MonteCarloConfig`
(``[token]`` policy, ``[market]`` model, ``paths``, ``steps``, ``seed``); the options
override it.  A Rich progress bar (its total is the path count) shows on stderr when it
is a terminal.  User errors print one line and exit 2.

The command function is :func:`montecarlo`; :func:`register` mounts it on a Typer app
(the token command group: ``inversa token montecarlo``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from inversa.cli._output import emit, user_errors

__all__ = ["montecarlo", "progress_bar", "register"]


@contextmanager
def progress_bar(total: int, label: str = "paths") -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar with a real total on stderr when it is a terminal (else None);
    yields ``update(done, total)``."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def montecarlo(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="TOML: [token], [market], paths, steps, seed.", show_default=False
        ),
    ] = None,
    paths: Annotated[
        int | None, typer.Option(help="Number of paths N.", show_default=False)
    ] = None,
    steps: Annotated[int | None, typer.Option(help="Steps T per path.", show_default=False)] = None,
    seed: Annotated[int | None, typer.Option(help="Root seed.", show_default=False)] = None,
    chunk_paths: Annotated[
        int | None,
        typer.Option(help="Paths per chunk (default: 64 MB of prices).", show_default=False),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Write a self-contained HTML report here.", show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Monte Carlo of a token policy: final NAV vs ideal, decay, liquidation, drawdown, funding."""
    from inversa.sim.montecarlo import (
        MonteCarloConfig,
        load_config,
        run_montecarlo,
        validate_config,
    )

    with user_errors():
        cfg = load_config(config, MonteCarloConfig) if config is not None else MonteCarloConfig()
        overrides = {
            k: v
            for k, v in (
                ("paths", paths),
                ("steps", steps),
                ("seed", seed),
                ("chunk_paths", chunk_paths),
            )
            if v is not None
        }
        if overrides:
            cfg = validate_config({**cfg.model_dump(), **overrides}, MonteCarloConfig, "option")
        with progress_bar(cfg.paths) as progress:
            result = run_montecarlo(cfg, progress)
        summary = result.summary()
        if report is not None:
            from inversa.report.montecarlo import write_montecarlo_report

            summary["report"] = str(write_montecarlo_report(report, result))
        unit = "coin" if cfg.token.collateral == "coin" else "USD"
        units = {k: "x start" for k in summary if "nav" in k or k == "tracking_gap_mean"}
        units |= {"funding_paid_mean": unit, "fees_paid_mean": unit, "worst_drawdown": "fraction"}
        emit(
            summary,
            as_json=as_json,
            title="Token Monte Carlo (NAV relative to the start, USD)",
            units=units,
        )


def register(app: typer.Typer, name: str = "montecarlo") -> None:
    """Mount :func:`montecarlo` on ``app`` as ``name``."""
    app.command(name)(montecarlo)
