"""Every acceptance vector of an implemented kind, run as a command line.

The vectors (tests/vectors/acceptance.jsonl, copied from the venues' published examples)
follow the calculator CLI contract: ``inversa <kind> --<input> <value> ... --json``, input
keys with underscores as hyphens, lists comma-joined; the JSON printed holds every
expected key (dotted keys are nested objects).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

VECTORS = Path(__file__).parents[1] / "vectors" / "acceptance.jsonl"
IMPLEMENTED = ("calc ", "hedge plan", "token ", "index cap")


def _vectors() -> list[dict[str, Any]]:
    return [json.loads(line) for line in VECTORS.read_text().splitlines() if line.strip()]


def command_line(vector: dict[str, Any]) -> list[str]:
    """The argv of a vector under the calculator CLI contract."""
    args = vector["kind"].split()
    for key, value in vector["inputs"].items():
        flag = "--" + key.replace("_", "-")
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        args += [flag, str(value)]
    return [*args, "--json"]


def lookup(obj: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        obj = obj[part]
    return obj


def check(expected: Any, actual: Any, tol: float, key: str) -> None:
    if isinstance(expected, list):
        assert len(actual) == len(expected), key
        for e, a in zip(expected, actual, strict=True):
            check(e, a, tol, key)
    elif isinstance(expected, bool | str):
        assert actual == expected, key
    else:
        assert actual == pytest.approx(expected, abs=tol, rel=0), key


def ids(vector: dict[str, Any]) -> str:
    return f"{vector['id']}-{vector['kind'].replace(' ', '-')}"


ALL = _vectors()


def test_vectors_cover_every_calc_kind() -> None:
    kinds = {v["kind"] for v in ALL if v["kind"].startswith("calc ")}
    assert kinds == {
        f"calc {k}"
        for k in (
            "value",
            "pnl",
            "entry",
            "fee",
            "margin",
            "liq",
            "funding-rate",
            "funding-payment",
            "fair-price",
            "carry",
        )
    }


@pytest.mark.parametrize("vector", ALL, ids=ids)
def test_vector_through_cli(vector: dict[str, Any]) -> None:
    if not vector["kind"].startswith(IMPLEMENTED):
        pytest.skip(f"kind {vector['kind']!r} belongs to a layer not built yet")
    argv = [sys.executable, "-m", "inversa", *command_line(vector)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    for key, expected in vector["expected"].items():
        check(expected, lookup(out, key), vector["tol"] or 0.0, f"{vector['id']}:{key}")
