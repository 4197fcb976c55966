"""Every ``token ...`` acceptance vector through the API, in Decimal and in float64.

The CLI path of the same vectors is tests/cli/test_acceptance.py.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from inversa import token as t

VECTORS = Path(__file__).parents[1] / "vectors" / "acceptance.jsonl"
ALL = [json.loads(x) for x in VECTORS.read_text().splitlines() if x.strip()]
TOKEN = [v for v in ALL if v["kind"].startswith("token ")]


def D(x: object) -> Decimal:  # noqa: N802
    return Decimal(str(x))


def _api(kind: str, i: dict[str, Any]) -> dict[str, Any]:
    if kind == "token path":
        nav = t.reset_path([D(p) for p in i["prices"]], D(i["leverage"]), D(100))
        return {"nav": nav, "nav_final": nav[-1]}
    if kind == "token drift":
        return {"leverage": t.drift_leverage(D(i["leverage"]), D(i["index_return"]))}
    if kind == "token reset-trade":
        nav, trade = t.reset_trade(D(i["leverage"]), D(i["nav"]), D(i["index_return"]))
        return {"nav": nav, "trade": trade}
    if kind == "token decay":
        return {"factor": t.decay_factor(D(i["leverage"]), D(i["sigma"]), D(i["years"]))}
    if kind == "token band":
        params = t.BandParams(
            D(i["target"]),
            D(i["min"]),
            D(i["max"]),
            D(i["recentering_speed"]),
            D(i["interval_hours"]),
            D(i["ripcord"]) if "ripcord" in i else None,
        )
        d = t.band_decision(params, D(i["current"]), D(i["elapsed_hours"]))
        return {"action": d.action, "new_leverage": d.new_leverage}
    if kind == "token streaming-fee":
        return {"minted": t.streaming_fee_minted(D(i["rate"]), D(i["supply"]), D(i["days"]))}
    if kind == "token synth":
        q = t.synth_price(D(i["entry"]), D(i["spot"]))
        return {"price": q.price, "upper": q.upper, "lower": q.lower, "frozen": q.frozen}
    raise AssertionError(kind)


def _check(expected: Any, actual: Any, tol: float) -> None:
    if isinstance(expected, list):
        assert len(actual) == len(expected)
        for e, a in zip(expected, actual, strict=True):
            _check(e, a, tol)
    elif isinstance(expected, bool | str):
        assert actual == expected
    else:
        assert abs(float(actual) - expected) <= tol, (actual, expected)


def test_every_token_kind_has_vectors() -> None:
    kinds = {v["kind"] for v in TOKEN}
    assert kinds == {
        f"token {k}"
        for k in ("path", "drift", "reset-trade", "decay", "band", "streaming-fee", "synth")
    }


@pytest.mark.parametrize("vector", TOKEN, ids=lambda v: v["id"])
def test_token_vector_decimal(vector: dict[str, Any]) -> None:
    out = _api(vector["kind"], vector["inputs"])
    for key, expected in vector["expected"].items():
        _check(expected, out[key], vector["tol"])


@pytest.mark.parametrize(
    "vector", [v for v in TOKEN if v["kind"] == "token path"], ids=lambda v: v["id"]
)
def test_token_path_float64_matches(vector: dict[str, Any]) -> None:
    prices = np.array(vector["inputs"]["prices"], dtype=np.float64)
    nav = t.reset_path(list(prices), float(vector["inputs"]["leverage"]), 100.0)
    _check(vector["expected"]["nav"], nav, vector["tol"])


def test_drift_and_decay_float64_agree_with_decimal() -> None:
    lev = np.array([-1.0, -2.0, 3.0])
    r = np.array([0.1, -0.05, 0.2])
    got = t.drift_leverage(lev, r)
    for i in range(3):
        want = t.drift_leverage(D(lev[i]), D(r[i]))
        assert got[i] == pytest.approx(float(want), rel=1e-15)
    f = t.decay_factor(lev, np.full(3, 0.8), np.full(3, 1.0))
    for i in range(3):
        assert f[i] == pytest.approx(float(t.decay_factor(D(lev[i]), D("0.8"), D(1))), rel=1e-14)


def test_round_half_up_never_half_to_even() -> None:
    xs = np.array([0.5, 1.5, 2.5, -0.5, 2.4999])
    assert list(t.round_half_up(xs)) == [1.0, 2.0, 3.0, 0.0, 2.0]
    assert [t.round_half_up(D(x)) for x in ("0.5", "2.5", "-2.5")] == [1, 3, -2]


def test_reset_trade_is_cheng_madhavan() -> None:
    for lev in ("-1", "-2", "-3", "2", "3"):
        nav, trade = t.reset_trade(D(lev), D(100), D("0.07"))
        L = D(lev)
        assert trade == (L * L - L) * 100 * D("0.07")
        assert nav == 100 * (1 + L * D("0.07"))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ((D(-1), D("-0.8"), D("-1.2"), D("1.5"), D(4)), "recentering_speed"),
        ((D(-1), D("-1.2"), D("-0.8"), D("0.1"), D(4)), "min"),
        ((D(-1), D("0.8"), D("-1.2"), D("0.1"), D(4)), "min"),
        ((D(-1), D("-0.8"), D("-1.2"), D("0.1"), D(0)), "interval_hours"),
    ],
)
def test_band_params_rejected_naming_the_field(params: tuple[Decimal, ...], field: str) -> None:
    from inversa.errors import InputError

    with pytest.raises(InputError) as err:
        t.BandParams(*params)
    assert err.value.field == field


def test_synth_freezes_at_limits() -> None:
    q = t.synth_price(D(100), D(40))
    assert q.frozen
    assert q.price == q.upper == 150
    q = t.synth_price(D(100), D(150))
    assert q.frozen
    assert q.price == q.lower == 50
