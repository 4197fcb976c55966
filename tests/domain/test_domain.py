"""The domain catalogue: strict number syntax, bounds, dates, Typer and pydantic use."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from inversa import domain as d
from inversa.data.config import ConfigModel, validate
from inversa.errors import DataError, InputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", "1"),
        ("-1.5", "-1.5"),
        ("+2e-4", "0.0002"),
        (".5", "0.5"),
        ("5.", "5"),
        (" 7 ", "7"),
        ("1E3", "1000"),
    ],
)
def test_parse_number_accepts_plain_ascii_numbers(text: str, expected: str) -> None:
    assert d.parse_number("x", text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    [
        "1_000",
        "1,000",
        "1 000",
        "inf",
        "-Infinity",
        "nan",
        "NaN",
        "\u0661",  # Arabic-Indic digit one
        "\u22121",  # Unicode minus
        "--1",
        "1e",
        "e5",
        "0x10",
        "",
        "5%",
        "1.2.3",
        "\uff11",  # full-width one
    ],
)
def test_parse_number_refuses_everything_else(text: str) -> None:
    with pytest.raises(InputError, match=r"^x="):
        d.parse_number("x", text)


def test_percent_only_where_declared() -> None:
    assert d.parse_number("fee", "5%", percent=True) == Decimal("0.05")
    assert d.FEE_RATE.parse("--fee", "0.5%") == Decimal("0.005")
    with pytest.raises(InputError):
        d.RATE.parse("--mmr", "1%")


def test_huge_exponents_are_refused_at_once() -> None:
    start = time.perf_counter()
    for text in ("1e999999999", "-1e999999999", "1e-999999999"):
        with pytest.raises(InputError, match="out of range"):
            d.parse_number("n", text)
        with pytest.raises(InputError):
            d.COUNT.parse("--buckets", text)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("domain", "bad"),
    [
        (d.PRICE, "0"),
        (d.PRICE, "-1"),
        (d.PRICE, "1e-400"),
        (d.PRICE, "1e13"),
        (d.RATE, "0"),
        (d.RATE, "1"),
        (d.RATE, "1.5"),
        (d.FEE_RATE, "1.5"),
        (d.FEE_RATE, "-1"),
        (d.AMOUNT, "-1"),
        (d.AMOUNT, "1e16"),
        (d.SIGNED_AMOUNT, "-1e16"),
        (d.LEVERAGE, "0.5"),
        (d.COUNT, "0"),
        (d.COUNT, "1.5"),
        (d.COUNT, "1000001"),
        (d.SIGNED_RATE, "1"),
        (d.SHOCK, "-1"),
    ],
)
def test_bounds(domain: d.Domain, bad: str) -> None:
    with pytest.raises(InputError, match=r"^--opt="):
        domain.parse("--opt", bad)


def test_count_gives_an_int() -> None:
    assert d.COUNT.parse("--rounds", "1e3") == 1000
    assert isinstance(d.COUNT.parse("--rounds", "12"), int)


@given(st.decimals(min_value=Decimal("1e-12"), max_value=Decimal("1e12"), places=6))
def test_every_price_in_range_round_trips(value: Decimal) -> None:
    if value >= d.MIN_PRICE:
        assert d.PRICE.parse("p", str(value)) == value


@given(st.text(max_size=12))
def test_parse_number_never_raises_anything_but_input_error(text: str) -> None:
    try:
        value = d.parse_number("x", text)
    except InputError:
        return
    assert value.is_finite()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-02-28", datetime(2021, 2, 28, tzinfo=UTC)),
        ("2020-03-12T06:30", datetime(2020, 3, 12, 6, 30, tzinfo=UTC)),
        ("2020-03-12T06:30:00Z", datetime(2020, 3, 12, 6, 30, tzinfo=UTC)),
    ],
)
def test_dates(text: str, expected: datetime) -> None:
    assert d.parse_date("--start", text) == expected


@pytest.mark.parametrize("text", ["abc", "2021-02-30", "2021-13-01", "21-02-01", "2021-02-01+05"])
def test_bad_dates(text: str) -> None:
    with pytest.raises(InputError, match=r"^--start="):
        d.DATE.parse("--start", text)


def test_typer_option_and_enumeration() -> None:
    app = typer.Typer()

    @app.command()
    def run(
        price: Annotated[Decimal, typer.Option(parser=d.DomainParser(d.PRICE))],
        rounds: Annotated[int, typer.Option(parser=d.DomainParser(d.COUNT))] = 3,
        prices: Annotated[list[str] | None, typer.Option(parser=d.MappingParser(d.PRICE))] = None,
    ) -> None:
        typer.echo(f"{price!r} {rounds!r} {prices!r}")

    runner = CliRunner()
    ok = runner.invoke(app, ["--price", "1.5", "--prices", "btc=2,ETH=3"])
    assert ok.exit_code == 0, ok.output
    assert "Decimal('1.5') 3 [(('BTC', Decimal('2')), ('ETH', Decimal('3')))]" in ok.output
    bad = runner.invoke(app, ["--price", "-1"])
    assert bad.exit_code == 2
    assert "'-1': out of range" in bad.output
    found = {(o.option, o.domain.kind, o.shape) for o in d.option_domains(app)}
    assert found == {
        ("--price", "price", "value"),
        ("--rounds", "count", "value"),
        ("--prices", "price", "mapping"),
    }


class _Row(ConfigModel):
    entry: d.Price
    mmr: d.Rate | None = None
    rounds: d.Count = 1


def test_pydantic_fields_use_the_same_domains() -> None:
    row = validate(_Row, {"entry": Decimal("8000"), "mmr": "0.005"}, "b.toml")
    assert (row.entry, row.mmr, row.rounds) == (Decimal(8000), Decimal("0.005"), 1)
    with pytest.raises(DataError, match=r"^b.toml, row 3: mmr='1.5': out of range"):
        validate(_Row, {"entry": 1, "mmr": "1.5"}, "b.toml", row=3)
    with pytest.raises(DataError, match=r"^b.toml: extra: unknown key$"):
        validate(_Row, {"entry": 1, "extra": 2}, "b.toml")
    with pytest.raises(DataError, match=r"^b.toml: entry: missing$"):
        validate(_Row, {}, "b.toml")
