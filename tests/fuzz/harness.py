"""The fuzz run end to end: discover commands, pick baselines, build and run the corpus."""

from __future__ import annotations

import random
import time

from .corpus import Case, Command, baseline_candidates, build_corpus, commands, fixture_files
from .corpus import sample as sample_cases
from .runner import VALID_OK, Outcome, Worker, classify, run_cases, worker_session

__all__ = ["choose_baselines", "run_corpus"]


def _baseline_case(command: Command, args: list[str]) -> Case:
    argv = [*command.path, *args]
    return Case(
        f"{command.name} (baseline {' '.join(args)})",
        command.name,
        "(baseline)",
        "baseline",
        argv,
        expect="valid",
        files=fixture_files(argv),
    )


def choose_baselines(
    worker: Worker, cmds: list[Command]
) -> tuple[dict[str, list[str]], list[Outcome]]:
    """The first candidate per command that exits 0 with strict JSON, and its outcome.

    A command with no such candidate keeps its first candidate; its outcome is the
    failing one (reported: the mutations of such a command test less).
    """
    chosen: dict[str, list[str]] = {}
    outcomes: list[Outcome] = []
    for command in cmds:
        first: Outcome | None = None
        for args in baseline_candidates(command):
            case = _baseline_case(command, args)
            outcome = classify(case, worker.run(case, "inprocess"), "inprocess")
            if first is None:
                first = outcome
            if outcome.outcome == VALID_OK:
                chosen[command.name] = args
                outcomes.append(outcome)
                break
        else:
            assert first is not None
            chosen[command.name] = baseline_candidates(command)[0]
            outcomes.append(first)
    return chosen, outcomes


def run_corpus(
    *,
    sample: int | None = None,
    seed: int = 8,
    subprocesses: int = 40,
    progress: bool = False,
    verify_baselines: bool = True,
    budget_s: float | None = None,
    only: str = "",
) -> list[Outcome]:
    """Run the full corpus (or a seeded sample): baselines first, then every case.

    ``subprocesses`` cases (seeded) also run as real ``inversa`` processes.  Without
    ``verify_baselines`` each command takes its first candidate unchecked (faster; a
    broken baseline then shows up as failing cases of that command).  With ``budget_s``
    no case starts after that many seconds (the sample is ordered round-robin over the
    commands, so a cut still covers every command); the subprocess cases come first.
    ``only`` keeps the commands whose name starts with it (e.g. ``"calc"``).
    """
    from inversa.cli import app

    cmds = [c for c in commands(app) if c.name.startswith(only)]
    with worker_session() as worker:
        if verify_baselines:
            baselines, outcomes = choose_baselines(worker, cmds)
        else:
            baselines = {c.name: baseline_candidates(c)[0] for c in cmds}
            outcomes = []
        cases = build_corpus(cmds, baselines)
        if sample is not None:
            cases = sample_cases(cases, sample, seed)
        rng = random.Random(seed + 1)
        picked = rng.sample(cases, min(subprocesses, len(cases)))
        sub = {c.id for c in picked}
        if budget_s is not None:
            cases = picked + [c for c in cases if c.id not in sub]
        deadline = None if budget_s is None else time.monotonic() + budget_s
        for outcome in run_cases(worker, cases, subprocess_ids=sub, progress=progress):
            outcomes.append(outcome)
            if deadline is not None and time.monotonic() > deadline:
                break
    return outcomes
