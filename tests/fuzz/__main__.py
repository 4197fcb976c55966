"""``python -m tests.fuzz``: run the fuzz corpus and print the outcome table.

Options: ``--sample N`` (a seeded sample instead of the full corpus), ``--seed S``,
``--subprocess N`` (how many cases also run as real ``inversa`` subprocesses, seeded),
``--failures`` (list every failing run), ``--json FILE`` (write every outcome),
``--only PREFIX`` (only the commands starting with it, e.g. ``calc`` or ``token band``).
Exit status 0 when every failing run is listed in ``known_failures.py``, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from .harness import run_corpus
from .runner import failures_by_command, stale_entries, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz")
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--subprocess", type=int, default=40)
    parser.add_argument("--failures", action="store_true")
    parser.add_argument("--json", default="")
    parser.add_argument("--only", default="", help="commands starting with this, e.g. calc")
    args = parser.parse_args(argv)
    start = time.monotonic()
    outcomes = run_corpus(
        sample=args.sample or None,
        seed=args.seed,
        subprocesses=args.subprocess,
        progress=True,
        only=args.only,
    )
    print(table(outcomes))
    print(f"\nwall time {time.monotonic() - start:.0f} s\n")
    print("Failing runs by command [owning lane]:")
    print(failures_by_command(outcomes))
    stale = stale_entries(outcomes)
    if stale:
        print("\nknown_failures.py entries that no longer fail (remove them):")
        print("\n".join(f"- {s}" for s in stale))
    if args.failures:
        print("\nEvery failing run:")
        for o in outcomes:
            if not o.ok:
                print("  " + o.describe())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            for o in outcomes:
                row = {
                    "id": o.case.id,
                    "mode": o.mode,
                    "outcome": o.outcome,
                    "problem": o.problem,
                    "ok": o.ok,
                    "exit": o.exit,
                    "stderr": o.stderr[-500:],
                }
                fh.write(json.dumps(row) + "\n")
    unlisted = [o for o in outcomes if not o.ok and o.known is None]
    return 1 if unlisted else 0


if __name__ == "__main__":
    sys.exit(main())
