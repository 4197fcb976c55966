"""`inversa token montecarlo`: N simulated paths of a token policy, chunked, reproducible.

::

    inversa token montecarlo --config examples/token_mc.toml [--paths N] [--steps T]
        [--seed S] [--chunk-paths K] [--report out/mc.html] [--json]

The config is the TOML form of :class:`inversa.sim.montecarlo.MonteCarloConfig`
(``[token]`` policy, ``[market]`` model, ``paths``, ``steps``, ``seed``); the options
override it.  A progress bar (its total is the path count) shows on stderr when it is a
terminal.  User errors print one line and exit 2 (the command is mounted on an app made
by :func:`inversa.cli._output.new_app`); ``--report`` is checked before any work.

The command function is :func:`montecarlo`; :func:`register` mounts it on a Typer app
(the token command group: ``inversa token montecarlo``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from inversa.cli._options import Json, Report, number, path_option
from inversa.domain import COUNT, PATH_COUNT, SEED
from inversa.report import check_output_path, key_value_table, print_json, print_tables, progress

__all__ = ["montecarlo", "register"]


Config = Annotated[
    Path | None, path_option("TOML: [token], [market], paths, steps, seed.", "--config")
]
Paths = Annotated[int | None, number(PATH_COUNT, "Number of paths N.", "--paths")]
Steps = Annotated[int | None, number(COUNT, "Steps T per path.", "--steps")]
Seed = Annotated[int | None, number(SEED, "Root seed.", "--seed")]
ChunkPaths = Annotated[
    int | None,
    number(PATH_COUNT, "Paths per chunk (default: 64 MB of prices).", "--chunk-paths"),
]

_RATES = ("liquidation_probability", "worst_drawdown", "drawdown_mean")
_COUNTS = ("paths", "steps", "chunk_paths", "trades_mean")


def montecarlo(
    config: Config = None,
    paths: Paths = None,
    steps: Steps = None,
    seed: Seed = None,
    chunk_paths: ChunkPaths = None,
    report: Report = None,
    as_json: Json = False,
) -> None:
    """Monte Carlo of a token policy: final NAV vs ideal, decay, liquidation, drawdown, funding."""
    from inversa.sim.montecarlo import (
        MonteCarloConfig,
        load_config,
        run_montecarlo,
        validate_config,
    )

    if report is not None:
        check_output_path(report, "--report")
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
    with progress(cfg.paths, "paths") as tick:
        result = run_montecarlo(cfg, lambda done, _total: tick(done))
    summary = result.summary()
    if report is not None:
        from inversa.report.montecarlo import write_montecarlo_report

        summary["report"] = str(write_montecarlo_report(report, result))
    if as_json:
        print_json(summary)
        return
    money = "coin" if result.coin == "coin" else "usd"
    units = dict.fromkeys(_RATES, "rate") | dict.fromkeys(_COUNTS, "count")
    units |= {"funding_paid_mean_settle": money, "fees_paid_mean_settle": money}
    units |= dict.fromkeys(("seed", "model", "policy", "coin", "report"), "text")
    title = "Token Monte Carlo (NAV relative to the start, USD)"
    print_tables([key_value_table(title, summary, units)])


def register(app: typer.Typer, name: str = "montecarlo") -> None:
    """Mount :func:`montecarlo` on ``app`` as ``name`` (an app made by ``new_app``)."""
    app.command(name)(montecarlo)
