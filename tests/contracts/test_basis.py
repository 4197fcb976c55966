"""The basis model: quarterly expiries, exact days, convergence, constant and CSV basis."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.contracts._support import FAST

from inversa.contracts.basis import (
    ConstantBasis,
    annualised_funding,
    convergence_path,
    days_between,
    fair_future,
    futures_curve,
    last_friday,
    parse_expiry,
    quarterly_expiries,
    read_basis_csv,
)
from inversa.errors import DataError, InputError

T0 = datetime(2025, 1, 2, tzinfo=UTC)


def test_quarterly_expiries_are_last_fridays_at_eight() -> None:
    got = quarterly_expiries(T0, 4)
    assert [e.date().isoformat() for e in got] == [
        "2025-03-28",
        "2025-06-27",
        "2025-09-26",
        "2025-12-26",
    ]
    assert all(e.hour == 8 and e.weekday() == 4 for e in got)
    # At the expiry instant itself that expiry is gone; a minute before it is not.
    at = datetime(2025, 3, 28, 8, tzinfo=UTC)
    assert quarterly_expiries(at, 1)[0].month == 6
    assert quarterly_expiries(datetime(2025, 3, 28, 7, 59, tzinfo=UTC), 1)[0].month == 3
    assert quarterly_expiries(T0, 1, hour_utc=12)[0].hour == 12


@given(st.integers(2000, 2100), st.integers(1, 12))
def test_last_friday(year: int, month: int) -> None:
    day = last_friday(year, month)
    assert day.weekday() == 4
    assert day.month == month
    nxt = datetime.fromordinal(day.toordinal() + 7)
    assert nxt.month != month


def test_days_between_is_exact() -> None:
    assert days_between(T0, parse_expiry("250328")) == Decimal(85) + Decimal(8) / Decimal(24)
    assert days_between(parse_expiry("250328"), T0) < 0
    assert parse_expiry("2025-06-27", hour_utc=12) == datetime(2025, 6, 27, 12, tzinfo=UTC)
    with pytest.raises(InputError, match="expiry"):
        parse_expiry("25032")
    with pytest.raises(InputError, match="start"):
        days_between(datetime(2025, 1, 1), T0)


@FAST
@given(
    st.decimals("1000", "200000", places=2),
    st.decimals("-0.5", "1", places=4),
    st.decimals("0", "400", places=3),
)
def test_fair_future_converges_and_round_trips(spot: Decimal, rate: Decimal, days: Decimal) -> None:
    fut = fair_future(spot, rate, days)
    assert fut == spot * (1 + rate * days / 365)
    assert fair_future(spot, rate, Decimal(0)) == spot
    assert fair_future(spot, rate, Decimal(-3)) == spot  # after expiry: settled at spot
    arr = fair_future(np.array([float(spot)]), np.array([float(rate)]), np.array([float(days)]))
    assert arr[0] == pytest.approx(float(fut), rel=1e-12)
    if days > 0 and fut > 0:
        curve = futures_curve(T0, spot, {parse_expiry("260102"): fut})
        (p,) = curve.points
        # The curve inverts the model at the model's own days.
        model = fair_future(spot, p.annualised_basis, p.days)
        assert abs(model - fut) <= Decimal("1e-20") * fut


def test_convergence_path_ends_at_spot() -> None:
    path = convergence_path(Decimal(96000), Decimal("0.1"), T0, parse_expiry("250328"), steps=8)
    assert path[0][2] == Decimal(96000) * (1 + Decimal("0.1") * path[0][1] / 365)
    assert path[-1][1] == 0
    assert path[-1][2] == Decimal(96000)
    premiums = [f - 96000 for _, _, f in path]
    assert all(a > b for a, b in itertools.pairwise(premiums))


def test_annualised_funding() -> None:
    assert annualised_funding(Decimal("0.0001"), Decimal(8)) == Decimal("0.1095")
    assert annualised_funding(Decimal("0.00001"), Decimal(1)) == Decimal("0.0876")


def test_series_basis_from_csv_with_bom() -> None:
    text = "\ufefftimestamp,basis_rate\n2025-01-01,0.10\n2025-02-01T00:00:00Z,0.05\n"
    model = read_basis_csv(text, "basis.csv")
    assert model.rate_at(datetime(2025, 1, 15, tzinfo=UTC)) == Decimal("0.10")
    assert model.rate_at(datetime(2025, 2, 1, tzinfo=UTC)) == Decimal("0.05")
    assert model.rate_at(datetime(2026, 1, 1, tzinfo=UTC)) == Decimal("0.05")
    with pytest.raises(InputError, match="basis"):
        model.rate_at(datetime(2024, 12, 31, tzinfo=UTC))
    assert ConstantBasis(Decimal("0.07")).rate_at(T0) == Decimal("0.07")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("time,rate\n2025-01-01,0.1\n", "row 1"),
        ("timestamp,basis_rate\n2025-01-01,abc\n", "row 2"),
        ("timestamp,basis_rate\nyesterday,0.1\n", "row 2"),
        ("timestamp,basis_rate\n2025-01-02,0.1\n2025-01-01,0.1\n", "row 3"),
        ("timestamp,basis_rate\n", "at least one"),
    ],
)
def test_bad_basis_csv(text: str, needle: str) -> None:
    with pytest.raises(DataError, match=needle):
        read_basis_csv(text, "basis.csv")


def test_curve_refuses_past_expiries() -> None:
    with pytest.raises(InputError, match="futures='241227'"):
        futures_curve(T0, Decimal(1), {parse_expiry("241227"): Decimal(1)})
