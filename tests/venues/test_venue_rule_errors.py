"""A broken rule file fails with one clear InversaError naming the file and the key."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from inversa.errors import DataError, InversaError
from inversa.venues import RuleFileError, load_rules_file

BITMEX = resources.files("inversa.venues").joinpath("rules", "bitmex.toml").read_text("utf-8")
TICK = 'tick = { value = "0.1", source = "api-xbtusd", note = "0.5 historically" }'
UNDATED = 'as_of = "2026-07-01"\nundated = true'
GUIDE = "sources.inverse-perp-guide"


def _write(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, old: str, new: str) -> RuleFileError:
    assert old in BITMEX, old
    path = _write(tmp_path, BITMEX.replace(old, new, 1))
    with pytest.raises(RuleFileError) as info:
        load_rules_file(path)
    error = info.value
    assert isinstance(error, InversaError)
    assert isinstance(error, DataError)
    assert str(path) in str(error)
    assert error.path == str(path)
    return error


def test_the_copy_itself_loads(tmp_path: Path) -> None:
    assert load_rules_file(_write(tmp_path, BITMEX)).name == "bitmex"


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        (
            TICK,
            'tick = { value = "0.1", source = "nowhere" }',
            "instruments[0].tick",
            "unknown source id 'nowhere'",
        ),
        (TICK, 'tick = { value = "0.1" }', "instruments[0].tick", "number without a source"),
        (TICK, "tick = 0.1", "instruments[0].tick", "bare number"),
        (
            TICK,
            'tick = { value = 0.1, source = "api-xbtusd" }',
            "instruments[0].tick.value",
            "bare number",
        ),
        (TICK, 'tick = "0.1"', "instruments[0].tick", "write numbers as"),
        (
            TICK,
            'tick = { value = "abc", source = "api-xbtusd" }',
            "instruments[0].tick",
            "not a number",
        ),
        (
            TICK,
            'tick = { value = "-0.1", source = "api-xbtusd" }',
            "instruments[0].tick",
            "must be > 0",
        ),
        (TICK, 'tick = { value = "NaN", source = "api-xbtusd" }', "instruments[0].tick", "finite"),
        (
            TICK,
            'tick = { value = "0.1", source = "api-xbtusd", colour = "red" }',
            "instruments[0].tick.colour",
            "unknown key",
        ),
        (TICK, TICK + '\ncolour = "red"', "instruments[0].colour", "unknown key"),
        ('model = "clamp"', 'model = "magic"', "funding.model", "not one of"),
        (
            'clamp = { value = "0.0005", source = "perp-examples" }\n',
            "",
            "funding.clamp",
            "missing",
        ),
        (
            'as_of = "2024-03-19"',
            'as_of = "19/03/2024"',
            "sources.futures-mm-2024.as_of",
            "YYYY-MM-DD",
        ),
        (
            'url = "https://blog.bitmex.com',
            'url = "blog.bitmex.com',
            "sources.futures-mm-2024.url",
            "not an http",
        ),
        (
            'times_utc = { value = ["4", "12", "20"]',
            'times_utc = { value = ["4", "25", "20"]',
            "funding.times_utc",
            "0..23",
        ),
        ('kind = "risk-step"', 'kind = "steps"', "instruments[0].margin.kind", "not one of"),
        (
            'step = { value = "150"',
            'stride = { value = "150"',
            "instruments[0].margin.step",
            "missing",
        ),
        (
            'step = { value = "150"',
            'stride = "x"\nstep = { value = "150"',
            "instruments[0].margin.stride",
            "unknown key",
        ),
        (
            'aliases = ["XBTUSD"]',
            'aliases = ["XBTUSD", "btc/usd:btc"]',
            "instruments[0]",
            "already names",
        ),
        (
            'aliases = ["XBT{MYY}"]',
            'aliases = ["XBT{MYY}{MYY}"]',
            "templates[0].aliases[0]",
            "exactly one date token",
        ),
        ('rule = "last-friday"', 'rule = "friday"', "templates[0].aliases[0]", "{MYY}"),
        ('rule = "last-friday"', 'rule = "full-moon"', "templates[0].expiry.rule", "full-moon"),
        (
            'hour_utc = { value = "12"',
            'hour_utc = { value = "12.5"',
            "templates[0].expiry.hour_utc",
            "whole number",
        ),
        (
            'display_name = "BitMEX"',
            'display_name = "BitMEX"\nmystery = "y"',
            "mystery",
            "unknown key",
        ),
        (
            'liquidation_model = "generic"',
            'liquidation_model = "magic"',
            "liquidation_model",
            "not one of",
        ),
        ('name = "bitmex"\n', "", "name", "missing"),
        # provenance: status and alternatives (issue 9)
        (
            TICK,
            'tick = { value = "0.1", source = "api-xbtusd", status = "maybe" }',
            "instruments[0].tick.status",
            "not one of",
        ),
        (
            TICK,
            'tick = { value = "0.1", source = "api-xbtusd", alternatives = [{ value = "0.5", '
            'source = "api-xbtusd", note = "old", colour = "red" }] }',
            "instruments[0].tick.alternatives[0].colour",
            "unknown key",
        ),
        (
            TICK,
            'tick = { value = "0.1", source = "api-xbtusd", alternatives = [{ value = "0.10", '
            'source = "api-xbtusd", note = "same" }] }',
            "instruments[0].tick.alternatives[0].value",
            "is the value used",
        ),
        (
            TICK,
            'tick = { value = "0.1", source = "api-xbtusd", alternatives = [{ value = "0.5", '
            'source = "api-xbtusd" }] }',
            "instruments[0].tick.alternatives[0].note",
            "say what this figure is",
        ),
        (
            TICK,
            'tick = { value = "0.1", source = "api-xbtusd", alternatives = [{ value = "0.5", '
            'source = "nowhere", note = "x" }] }',
            "instruments[0].tick.alternatives[0].source",
            "unknown source id 'nowhere'",
        ),
        (
            TICK,
            'tick = { value = "0.1", source = "api-xbtusd", alternatives = [{ value = 0.5, '
            'source = "api-xbtusd", note = "x" }] }',
            "instruments[0].tick.alternatives[0].value",
            "bare number",
        ),
        (
            TICK,
            'tick = { value = "0.1", source = "api-xbtusd", alternatives = [] }',
            "instruments[0].tick.alternatives",
            "non-empty array",
        ),
        (
            'times_utc = { value = ["4", "12", "20"], source = "perp-examples" }',
            'times_utc = { value = ["4", "12", "20"], source = "perp-examples", '
            'alternatives = [{ value = "8", source = "perp-examples", note = "x" }] }',
            "funding.times_utc.alternatives",
            "single numbers only",
        ),
        (
            'kind = "risk-step"',
            'kind = "risk-step"\nstatus = "inferred"',
            "instruments[0].margin.status",
            "needs source",
        ),
        (UNDATED, UNDATED.replace("true", "1"), f"{GUIDE}.undated", "bare number"),
        (
            UNDATED,
            UNDATED.replace("true", '"yes"'),
            f"{GUIDE}.undated",
            "true or false",
        ),
        ('kind = "im-minus-mm"', 'kind = "magic"', "funding.cap_rule.kind", "not one of"),
        (
            'kind = "im-minus-mm"\nsource = "funding-cap-2020"\n',
            'kind = "im-minus-mm"\n',
            "funding.cap_rule.source",
            "missing",
        ),
        (
            'factor = { value = "0.75"',
            'factor = { value = "1.5"',
            "funding.cap_rule.factor",
            "(0, 1]",
        ),
        (
            'clamp = { value = "0.0005", source = "perp-examples" }\n',
            'clamp = { value = "0.0005", source = "perp-examples" }\n'
            'cap = { value = "0.01", source = "perp-examples" }\n',
            "funding.cap_rule",
            "not both",
        ),
    ],
)
def test_corrupted_file_names_file_and_key(
    tmp_path: Path, old: str, new: str, key: str, reason: str
) -> None:
    error = _error(tmp_path, old, new)
    assert error.key == key
    assert reason in error.reason
    assert f"{key}: " in str(error)


def test_unused_source_is_rejected(tmp_path: Path) -> None:
    extra = '[sources.orphan]\nurl = "https://example.org"\nas_of = "2020-01-01"\n\n[funding]'
    error = _error(tmp_path, "[funding]", extra)
    assert (error.key, error.reason) == ("sources.orphan", "defined but never used")


def test_tier_table_errors_name_the_key(tmp_path: Path) -> None:
    bad = """[instruments.margin]
kind = "tiers"

[[instruments.margin.tiers]]
upper = { value = "300", source = "risk-limits" }
mmr = { value = "0.01", source = "risk-limits" }

[[instruments.margin.tiers]]
upper = { value = "150", source = "risk-limits" }
mmr = { value = "0.02", source = "api-xbtusd" }
"""
    start = BITMEX.index("[instruments.margin]")
    end = BITMEX.index("[[templates]]")
    error = _error(tmp_path, BITMEX[start:end], bad + "\n")
    assert error.key == "instruments[0].margin.tiers"
    assert "must exceed" in error.reason


def test_invalid_toml(tmp_path: Path) -> None:
    path = _write(tmp_path, BITMEX + "\nthis is not toml\n")
    with pytest.raises(RuleFileError, match=r"broken\.toml: \(toml\)"):
        load_rules_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="cannot read"):
        load_rules_file(tmp_path / "nope.toml")
