"""Run fuzz cases in killable worker processes, classify each outcome, print the table.

A case passes when it does what the issue promises for bad input: exit 2, exactly one
stderr line naming the option or key, no traceback, no file left behind (in its scratch
directory or the temporary directory), done within 10 s.  A ``valid`` case passes with
exit 0 and strict JSON, or with one clean error line.  Any exit 0 with ``--json`` must
print JSON that ``json.loads(text, parse_constant=<raise>, parse_float=Decimal)`` accepts
and whose every number is finite as a float.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .corpus import ROOT, Case
from .known_failures import KNOWN, owner_of

LIMIT_S = 10.0

CLEAN = "clean error, one line, exit 2"
TRACEBACK = "traceback"
HANG = "hang (over 10 s)"
BAD_JSON = "exit 0 printing invalid JSON"
ACCEPTED = "exit 0 accepting invalid input"
MULTILINE = "exit 2, but multi-line output"
OTHER = "other exit status, no traceback"
VALID_OK = "valid edge input: exit 0, strict JSON"
#: Valid cases that must exit 0 (a clean error is not enough): a UTF-8 BOM is valid text.
MUST_SUCCEED = ("baseline", "file-bom")
OUTCOMES = (CLEAN, TRACEBACK, HANG, BAD_JSON, ACCEPTED, MULTILINE, OTHER, VALID_OK)


@dataclass
class Outcome:
    """What one case did and whether that keeps the promise."""

    case: Case
    mode: str
    outcome: str
    named: bool
    leftover: list[str]
    elapsed: float
    exit: int | None
    stderr: str
    stdout: str
    traceback: str = ""

    @property
    def ok(self) -> bool:
        if self.leftover:
            return False
        if self.case.family in MUST_SUCCEED:
            return self.outcome == VALID_OK
        if self.case.expect == "valid":
            return self.outcome in (VALID_OK, CLEAN)
        return self.outcome == CLEAN and self.named

    @property
    def problem(self) -> str:
        if self.outcome == CLEAN and not self.named and self.case.expect == "error":
            return "clean error, but does not name the field"
        if self.leftover and self.outcome in (CLEAN, VALID_OK):
            return "temporary file left"
        if self.case.family == "baseline" and self.outcome != VALID_OK:
            return "no valid baseline invocation"
        if self.case.family in MUST_SUCCEED and self.outcome != VALID_OK:
            return "valid input refused"
        return self.outcome

    @property
    def known(self) -> Any:
        return owner_of(self.case)

    def describe(self) -> str:
        text = self.traceback or self.stderr
        line = (text.strip().splitlines() or [self.stdout.strip()[:120]])[-1]
        return f"[{self.mode}] {self.case.id}: {self.problem} (exit {self.exit}): {line[:160]}"


class _ConstantError(ValueError):
    pass


def _constant(name: str) -> Any:
    raise _ConstantError(f"non-standard JSON constant {name}")


def _finite(obj: Any) -> bool:
    if isinstance(obj, dict):
        return all(_finite(v) for v in obj.values())
    if isinstance(obj, list):
        return all(_finite(v) for v in obj)
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return True
    try:
        return abs(float(obj)) != float("inf")
    except OverflowError:
        return False


def strict_json(text: str) -> bool:
    """Whether ``text`` is strict JSON with every number finite as a float."""
    try:
        data = json.loads(text, parse_constant=_constant, parse_float=Decimal)
    except ValueError:
        return False
    return _finite(data)


def _named(stderr: str, names: Iterable[str]) -> bool:
    low = stderr.lower()
    return any(n and n.lower() in low for n in names)


def classify(case: Case, raw: dict[str, Any], mode: str) -> Outcome:
    """The outcome of one raw run (exit, stdout, stderr, traceback, elapsed, leftover)."""
    stderr = raw.get("stderr") or ""
    stdout = raw.get("stdout") or ""
    code = raw.get("exit")
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    named = _named(stderr, case.names)
    if code is None or raw.get("elapsed", 0.0) > LIMIT_S:
        outcome = HANG
    elif raw.get("traceback") or "Traceback (most recent call last)" in stderr:
        outcome = TRACEBACK
    elif code == 0:
        if "--json" in case.argv and not strict_json(stdout):
            outcome = BAD_JSON
        elif case.expect == "valid":
            outcome = VALID_OK
        else:
            outcome = ACCEPTED
    elif code == 2:
        outcome = CLEAN if len(lines) == 1 else MULTILINE
    else:
        outcome = OTHER
    return Outcome(
        case,
        mode,
        outcome,
        named,
        list(raw.get("leftover") or []),
        float(raw.get("elapsed") or 0.0),
        code,
        stderr,
        stdout,
        str(raw.get("traceback") or ""),
    )


# -- workers -----------------------------------------------------------------------------


class Worker:
    """One ``tests.fuzz.worker`` process; killed and replaced when a case hangs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=self.root))
        cases = Path(tempfile.mkdtemp(prefix="cases-", dir=self.root))
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
            TMPDIR=str(tmp),
            FUZZ_SCRATCH=str(cases),
            COLUMNS="200",
            NO_COLOR="1",
            TERM="dumb",
            PYTHONWARNINGS="always",
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=cases,
            start_new_session=True,
        )
        ready = self._read(120.0)
        if ready is None or not ready.get("ready"):
            raise RuntimeError("fuzz worker did not start")

    def _read(self, timeout: float) -> dict[str, Any] | None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                line = self.proc.stdout.readline()
                return json.loads(line) if line else None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def run(self, case: Case, mode: str) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        assert self.proc is not None
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"case": case.to_json(), "mode": mode}) + "\n")
        self.proc.stdin.flush()
        start = time.monotonic()
        raw = self._read(LIMIT_S + 20.0)
        if raw is None:  # hung (or died): kill it with its children, start afresh
            died = self.proc.poll() is not None
            self.kill()
            return {
                "exit": None if not died else -9,
                "stdout": "",
                "stderr": "" if not died else "worker died",
                "traceback": "worker died" if died else None,
                "elapsed": time.monotonic() - start,
            }
        return raw


def run_cases(
    worker: Worker,
    cases: list[Case],
    *,
    subprocess_ids: Iterable[str] = (),
    progress: bool = False,
) -> Iterator[Outcome]:
    """Run every case in-process, and those in ``subprocess_ids`` also as a subprocess."""
    sub = set(subprocess_ids)
    for i, case in enumerate(cases):
        modes = ["inprocess", "subprocess"] if case.id in sub else ["inprocess"]
        for mode in modes:
            yield classify(case, worker.run(case, mode), mode)
        if progress and i and i % 250 == 0:
            print(f"  {i}/{len(cases)} cases", file=sys.stderr, flush=True)


@contextmanager
def worker_session() -> Iterator[Worker]:
    """A worker in a private scratch root, killed and removed at the end."""
    root = Path(tempfile.mkdtemp(prefix="inversa-fuzz-"))
    worker = Worker(root)
    try:
        yield worker
    finally:
        worker.kill()
        shutil.rmtree(root, ignore_errors=True)


# -- the table ---------------------------------------------------------------------------


def table(outcomes: list[Outcome]) -> str:
    """The counts table of issue 8, with the case count."""
    counts = Counter(o.outcome for o in outcomes)
    unnamed = sum(
        1 for o in outcomes if o.outcome == CLEAN and not o.named and o.case.expect == "error"
    )
    leftover = sum(1 for o in outcomes if o.leftover)
    undeclared = sum(1 for o in outcomes if not o.case.declared)
    inproc = sum(1 for o in outcomes if o.mode == "inprocess")
    lines = ["| outcome | runs |", "|---|---|"]
    for name in OUTCOMES:
        extra = f" ({unnamed} of them do not name the field)" if name == CLEAN else ""
        lines.append(f"| {name} | {counts.get(name, 0)}{extra} |")
    lines.append(f"| temporary file left behind (any outcome) | {leftover} |")
    refused = sum(1 for o in outcomes if o.case.family in MUST_SUCCEED and not o.ok)
    lines.append(f"| valid input refused (UTF-8 BOM file, baseline) | {refused} |")
    lines.append("")
    lines.append(
        f"{len(outcomes)} runs: {inproc} in-process, {len(outcomes) - inproc} as subprocesses "
        f"({undeclared} on options that declare no domain yet)."
    )
    return "\n".join(lines)


def failures_by_command(outcomes: list[Outcome]) -> str:
    """Failing runs grouped by command, owner (from known_failures) and problem."""
    groups: dict[tuple[str, str], Counter[str]] = {}
    examples: dict[tuple[str, str], Outcome] = {}
    for o in outcomes:
        if o.ok:
            continue
        entry = o.known
        key = (o.case.command, entry.owner if entry else "UNLISTED")
        groups.setdefault(key, Counter())[o.problem] += 1
        examples.setdefault(key, o)
    lines = []
    for (command, owner), problems in sorted(groups.items()):
        detail = ", ".join(f"{n} {p}" for p, n in problems.most_common())
        lines.append(f"- {command} [{owner}]: {detail}")
        lines.append(f"    e.g. {examples[(command, owner)].describe()}")
    return "\n".join(lines) if lines else "(none)"


def stale_entries(outcomes: list[Outcome]) -> list[str]:
    """Known-failure entries that matched runs, none of which failed (remove them)."""
    matched: dict[int, bool] = {}
    for o in outcomes:
        entry = o.known
        if entry is not None:
            idx = KNOWN.index(entry)
            matched[idx] = matched.get(idx, False) or not o.ok
    return [f"{KNOWN[i].command} {KNOWN[i].option}" for i, bad in matched.items() if not bad]
