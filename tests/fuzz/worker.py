"""A fuzz worker: runs cases sent as JSON lines on stdin, answers on stdout.

Run by :mod:`.runner` as ``python -m tests.fuzz.worker`` (the repository root on
``PYTHONPATH``), so that a case that hangs can be killed with its process.  Each case
runs in a fresh scratch directory; ``TMPDIR`` is private to the worker, so the files a
case leaves behind (in its directory or in the temporary directory) are seen exactly.

In-process cases use Typer's ``CliRunner`` on ``inversa.cli.app``; subprocess cases run
the installed ``inversa`` script next to this interpreter.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

LIMIT_S = 10.0


def _listing(*roots: Path) -> set[str]:
    out: set[str] = set()
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in [*dirnames, *filenames]:
                out.add(str(Path(dirpath, name)))
    return out


def _setup(case: dict[str, Any], where: Path) -> None:
    for name in case["dirs"]:
        (where / name).mkdir(parents=True, exist_ok=True)
    for name, hexdata in case["files"].items():
        path = where / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes.fromhex(hexdata))
    for name in case["readonly"]:
        (where / name).chmod(0o555)


def _in_process(app: Any, argv: list[str]) -> dict[str, Any]:
    from typer.testing import CliRunner

    runner = CliRunner()
    start = time.perf_counter()
    result = runner.invoke(app, argv, catch_exceptions=True)
    elapsed = time.perf_counter() - start
    tb = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tb = "".join(traceback.format_exception(*result.exc_info))  # type: ignore[misc]
    return {
        "exit": result.exit_code,
        "stdout": result.stdout,
        "stderr": result.stderr,
        "traceback": tb,
        "elapsed": elapsed,
    }


def _subprocess(argv: list[str], cwd: Path) -> dict[str, Any]:
    exe = Path(sys.executable).with_name("inversa")
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [str(exe), *argv],
            cwd=cwd,
            capture_output=True,
            timeout=LIMIT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {
            "exit": None,
            "stdout": "",
            "stderr": "",
            "traceback": None,
            "elapsed": time.perf_counter() - start,
        }
    stderr = proc.stderr.decode("utf-8", "replace")
    return {
        "exit": proc.returncode,
        "stdout": proc.stdout.decode("utf-8", "replace"),
        "stderr": stderr,
        "traceback": stderr if "Traceback (most recent call last)" in stderr else None,
        "elapsed": time.perf_counter() - start,
    }


def main() -> None:
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # stray prints from the code under test never reach the protocol
    warnings.simplefilter("always")
    from inversa.cli import app

    scratch = Path(os.environ["FUZZ_SCRATCH"])  # apart from TMPDIR (both made by the runner)
    tmp = Path(tempfile.gettempdir())
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for n, line in enumerate(sys.stdin):
        request = json.loads(line)
        case = request["case"]
        where = scratch / f"case-{n}"
        where.mkdir()
        _setup(case, where)
        before = _listing(where, tmp)
        os.chdir(where)
        try:
            if request["mode"] == "subprocess":
                raw = _subprocess(case["argv"], where)
            else:
                raw = _in_process(app, case["argv"])
        finally:
            os.chdir(scratch)
        after = _listing(where, tmp)
        # what the argv names (a --store directory, a --report file) is output, not left over
        named = {Path(a) for a in case["argv"] if a and not a.startswith("-")}
        raw["leftover"] = sorted(
            rel
            for rel in (os.path.relpath(p, where) for p in after - before)
            if not ({Path(rel), *Path(rel).parents} & named)
        )
        raw["id"] = case["id"]
        for name in case["readonly"]:
            (where / name).chmod(0o755)
        shutil.rmtree(where, ignore_errors=True)
        out.write(json.dumps(raw) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
