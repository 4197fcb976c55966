"""The fuzz suite inside ``make test``: the harness itself, then a seeded sample of cases.

The full corpus runs with ``make fuzz``.  Here a seeded sample (``INVERSA_FUZZ_SEED``,
default 8; ``INVERSA_FUZZ_SAMPLE`` cases, default 100, cut after 30 s) runs in-process,
three of them also as real subprocesses.  A failing case must be listed in
``known_failures.py`` (an expected failure, with its owning lane); any other failing
case fails this test.
"""

from __future__ import annotations

import os

import pytest

from inversa import domain as d
from inversa.errors import InputError

from .corpus import GENERIC_BAD, Case, build_corpus, commands, domain_values
from .harness import run_corpus
from .known_failures import KNOWN, owner_of
from .runner import (
    ACCEPTED,
    BAD_JSON,
    CLEAN,
    HANG,
    MULTILINE,
    TRACEBACK,
    VALID_OK,
    classify,
    strict_json,
    table,
)

CATALOGUE = [v for v in vars(d).values() if isinstance(v, d.Domain) and v.kind != "path"]


def _case(expect: str = "error", json: bool = True) -> Case:
    argv = ["calc", "value", "--price", "x", *(["--json"] if json else [])]
    return Case("t", "calc value", "--price", "t", argv, expect=expect, names=["--price"])


# -- the harness -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ('{"a": 1.5, "b": [1, null, "x"]}', True),
        ('{"a": Infinity}', False),
        ('{"a": NaN}', False),
        ('{"a": -Infinity}', False),
        ('{"a": 1E+309}', False),
        ('{"a": ' + "9" * 400 + "}", False),
        ("not json", False),
        ("", False),
    ],
)
def test_strict_json(text: str, ok: bool) -> None:
    assert strict_json(text) is ok


def test_classify_outcomes() -> None:
    one = {"exit": 2, "stderr": "error: --price='x': not a number\n", "elapsed": 0.1}
    assert classify(_case(), one, "inprocess").ok
    unnamed = classify(_case(), {**one, "stderr": "error: bad\n"}, "inprocess")
    assert (unnamed.outcome, unnamed.ok) == (CLEAN, False)
    two = classify(_case(), {**one, "stderr": "warning: x\nerror: --price\n"}, "inprocess")
    assert two.outcome == MULTILINE
    assert classify(_case(), {"exit": None, "elapsed": 30.0}, "inprocess").outcome == HANG
    slow = classify(_case(), {**one, "elapsed": 10.5}, "inprocess")
    assert slow.outcome == HANG
    tb = classify(_case(), {"exit": 1, "traceback": "Traceback ...", "elapsed": 0.1}, "x")
    assert tb.outcome == TRACEBACK
    inf = classify(_case(), {"exit": 0, "stdout": '{"v": Infinity}', "elapsed": 0.1}, "x")
    assert inf.outcome == BAD_JSON
    fine = {"exit": 0, "stdout": '{"v": 1.0}', "elapsed": 0.1}
    assert classify(_case(), fine, "x").outcome == ACCEPTED
    assert classify(_case(expect="valid"), fine, "x").outcome == VALID_OK
    assert classify(_case(expect="valid"), fine, "x").ok
    bom = _case(expect="valid")
    bom.family = "file-bom"
    assert not classify(bom, one, "x").ok  # a BOM file must be read, not refused
    assert classify(bom, fine, "x").ok
    left = classify(_case(), {**one, "leftover": ["tmpab12.tmp"]}, "x")
    assert not left.ok


@pytest.mark.parametrize("domain", CATALOGUE, ids=lambda v: f"{v.kind}-{v.unit}")
def test_every_domain_gets_bad_values_from_its_bounds(domain: d.Domain) -> None:
    bad, valid = domain_values(domain)
    families = {family for family, _ in bad}
    if domain.kind == "date":
        assert {"2021-02-30", "abc", ""} <= {text for _, text in bad}
    else:
        assert {"syntax", "nonfinite", "huge"} <= families
    if domain.low is not None:
        assert "below" in families
    if domain.high is not None:
        assert "above" in families
    if domain.low_open or domain.high_open:
        assert "open-bound" in families
    for _, text in bad:
        with pytest.raises(InputError, match="x"):
            domain.parse("--x", text)
    for _, text in valid:
        domain.parse("--x", text)


def test_every_command_and_option_is_in_the_corpus() -> None:
    from inversa.cli import app

    cmds = commands(app)
    names = {c.name for c in cmds}
    assert {"calc value", "hedge plan", "stress grid"} <= names
    corpus = build_corpus(cmds, {})
    covered = {(c.command, c.option) for c in corpus}
    for command in cmds:
        assert (command.name, "--no-such-option") in covered
        for option in command.options:
            assert (command.name, option.name) in covered, (command.name, option.name)
    # options with no declared domain still get the generic values no option accepts
    assert {c.argv[-1] for c in corpus if c.family == "generic"} <= set(GENERIC_BAD)
    assert len({c.id for c in corpus}) == len(corpus)


def test_known_failures_name_an_owner_and_a_date() -> None:
    for entry in KNOWN:
        assert entry.owner in {
            "structure",
            "venues",
            "engine",
            "token",
            "analytics",
            "scale",
            "hedging",
            "fuzz",
        }
        assert entry.seen[:4] == "2026"
        assert entry.note


# -- the seeded sample -------------------------------------------------------------------


def test_seeded_sample_keeps_the_one_line_promise() -> None:
    seed = int(os.environ.get("INVERSA_FUZZ_SEED", "8"))
    size = int(os.environ.get("INVERSA_FUZZ_SAMPLE", "100"))
    outcomes = run_corpus(
        sample=size, seed=seed, subprocesses=3, verify_baselines=False, budget_s=30.0
    )
    assert len(outcomes) >= 20
    unexpected = [o for o in outcomes if not o.ok and owner_of(o.case) is None]
    report = "\n".join(o.describe() for o in unexpected)
    assert not unexpected, f"{len(unexpected)} failing fuzz cases (seed {seed}):\n{report}"
    assert sum(o.mode == "subprocess" for o in outcomes) == 3
    assert table(outcomes).count("|") > 10
