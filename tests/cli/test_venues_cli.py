"""`inversa venues list|show`: every number with its source, flags shown, nothing cut.

Run as a user would (a subprocess, stdout piped, 80 columns) for the tables; through
Typer's runner for the JSON and the errors.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from inversa.cli import app
from inversa.cli.venues import dumps_exact
from inversa.venues import list_venues, load_venue

D = Decimal
RUNNER = CliRunner()


def _piped(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "inversa", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"COLUMNS": "80", "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def _assert_fits_80(out: str) -> None:
    assert "…" not in out  # no cell cut with an ellipsis
    too_wide = [line for line in out.splitlines() if len(line) > 80]
    assert not too_wide, too_wide[:3]


def _strict(text: str) -> Any:
    def reject(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_float=Decimal, parse_constant=reject)


def test_list_at_80_columns_piped() -> None:
    out = _piped("venues", "list")
    _assert_fits_80(out)
    for name in list_venues():
        assert name in out
    assert "27 inferred" in out  # the Binance bracket table
    assert "unconfirmed" in out  # Bybit's second tier
    assert "disputed" in out


def test_show_bybit_at_80_columns_shows_sources_flags_and_both_figures() -> None:
    out = _piped("venues", "show", "bybit")
    _assert_fits_80(out)
    flat = " ".join(out.split())
    for text in (
        "0.055 %",  # taker used
        "0.075 %",  # the old rate, kept as the other figure
        "fees-2024",
        "2024-10-16",
        "used: 0.1",
        "other: 0.5",
        "unconfirmed",
        "disputed",
        "0.375 %",  # the funding cap
        "Disagreements",
        "Unconfirmed and inferred numbers",
    ):
        assert text in flat, text
    # every source of the rule file is listed with its URL
    for source in load_venue("bybit").sources.values():
        assert source.id in flat


@pytest.mark.parametrize("name", list_venues())
def test_show_json_is_strict_and_exact(name: str) -> None:
    result = RUNNER.invoke(app, ["venues", "show", name, "--json"])
    assert result.exit_code == 0, result.output
    data = _strict(result.stdout)
    venue = load_venue(name)
    assert data["name"] == venue.name
    by_key = {(n["where"], n["field"]): n for n in data["numbers"]}
    for inst in venue.instruments:
        for field, sourced in inst.provenance.items():
            row = by_key[(inst.symbol, field)]
            assert row["source"]["id"] == sourced.source.id
            assert row["source"]["as_of"] == sourced.source.as_of.isoformat()
            if isinstance(sourced.value, Decimal) and sourced.value.is_finite():
                assert row["value"] == sourced.value  # every digit kept
                assert str(row["value"]) == str(sourced.value)
            assert len(row["alternatives"]) == len(sourced.alternatives)
            assert row["status"] == (sourced.status or "published")


def test_show_json_flags_what_issue_9_found() -> None:
    data = _strict(RUNNER.invoke(app, ["venues", "show", "bybit", "--json"]).stdout)
    rows = {(n["where"], n["field"]): n for n in data["numbers"]}
    taker = rows[("BTC/USD:BTC", "taker")]
    assert taker["value"] == D("0.00055")
    assert [a["value"] for a in taker["alternatives"]] == [D("0.00075")]
    assert rows[("BTC/USD:BTC", "margin.tiers[1].mmr")]["status"] == "unconfirmed"
    upper = rows[("BTC/USD:BTC", "margin.tiers[1].upper")]
    assert (upper["value"], upper["unit"]) == (300, "coin")
    tiers = data["instruments"][0]["tiers"]
    assert [t["status"] for t in tiers] == ["published", "unconfirmed"]
    binance = _strict(RUNNER.invoke(app, ["venues", "show", "binance", "--json"]).stdout)
    last = binance["instruments"][0]["tiers"][-1]
    assert last["upper"] is None  # unbounded: null
    assert last["cum"] == D("121.605")


def test_show_one_dated_symbol() -> None:
    result = RUNNER.invoke(app, ["venues", "show", "deribit", "--symbol", "BTC-20JUN25", "--json"])
    assert result.exit_code == 0, result.output
    data = _strict(result.stdout)
    (inst,) = data["instruments"]
    assert inst["symbol"] == "BTC/USD:BTC-250620"
    assert inst["maker"] == D("-0.0001")  # weekly: maker rebate


def test_list_json() -> None:
    data = _strict(RUNNER.invoke(app, ["venues", "list", "--json"]).stdout)
    names = [v["name"] for v in data["venues"]]
    assert names == list_venues()
    bybit = data["venues"][names.index("bybit")]
    assert (bybit["unconfirmed"], bybit["disputed"]) == (4, 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["venues", "show", "nope"], "venue='nope': unknown venue"),
        (["venues", "show", "bybit", "--symbol", "XBTUSD"], "symbol='XBTUSD'"),
        (["venues", "show", "deribit", "--symbol", "BTC-26JUN25"], "not an expiry"),
    ],
)
def test_user_errors_are_one_line(args: list[str], message: str) -> None:
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("venue", "symbol", "rate"),
    [
        ("bitmex", "XBTUSD", "0.00375"),  # 75 % x (IM - MM)
        ("bybit", "BTCUSD", "0.00375"),  # ccxt upper/lowerFundingRate
        ("okx", "ETH-USD-SWAP", "0.0075"),
        ("binance", "BTCUSD_PERP", "0.0095"),  # rule known, constant not: no cap
    ],
)
def test_calc_funding_rate_applies_the_instrument_cap(venue: str, symbol: str, rate: str) -> None:
    """A 1 % premium: F = P + clamp(I - P, -0.05 %, +0.05 %) = 0.95 % before the cap."""
    args = ["calc", "funding-rate", "--venue", venue, "--symbol", symbol, "--premium", "0.01"]
    result = RUNNER.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert _strict(result.stdout)["funding_rate"] == D(rate)


@dataclass(frozen=True)
class _Row:
    value: Decimal
    items: tuple[Decimal, ...]


def test_dumps_exact_keeps_every_digit() -> None:
    long = D("0.1234567890123456789012345678")
    text = dumps_exact({"a": long, "b": [D("Infinity"), None, True], "c": _Row(D("1E-8"), ())})
    data = _strict(text)
    assert data["a"] == long
    assert str(data["a"]) == str(long)
    assert data["b"] == [None, None, True]
    assert data["c"] == {"value": D("1E-8"), "items": []}
    with pytest.raises(TypeError):
        dumps_exact({"x": object()})
