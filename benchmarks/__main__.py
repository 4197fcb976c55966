"""Run every benchmark module (``python -m benchmarks``)."""

from __future__ import annotations

import importlib
import os
import platform
from pathlib import Path


def main() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    for path in sorted(Path(__file__).parent.glob("bench_*.py")):
        module = importlib.import_module(f"benchmarks.{path.stem}")
        print(f"\n== {path.stem}")
        module.main()


if __name__ == "__main__":
    main()
