"""Portfolio input: validation, files (TOML, CSV) and key-by-key overrides."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from inversa.errors import DataError, InputError
from inversa.hedging import Portfolio, drift_table, load_portfolio

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_worked_example_drift(worked: Portfolio) -> None:
    drift = drift_table(worked)
    assert drift.total_usd == 130000
    btc = drift["BTC"]
    assert btc.excess_usd == 15000
    assert btc.excess_coin == Decimal("0.375")
    assert btc.weight == Decimal(80000) / 130000
    assert drift["ETH"].excess_usd == -4000
    assert drift["ETH"].excess_coin == Decimal("-1.6")
    assert drift["ALT"].excess_usd == -11000
    assert drift["ALT"].excess_coin == -22000
    assert sum(r.excess_usd for r in drift.rows.values()) == 0


def test_amounts_are_coins(worked: Portfolio) -> None:
    coins = Portfolio(
        targets=worked.targets,
        amounts={"BTC": 2, "ETH": 14, "ALT": 30000},
        prices=worked.prices,
    )
    assert drift_table(coins) == drift_table(worked)


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"targets": {"BTC": "0.5", "ETH": "0.3", "ALT": "0.21"}}, "sum to 1"),
        ({"targets": {"BTC": "0.5", "ETH": "0.3", "ALT": "0.2000000001"}}, None),
        ({"targets": {"BTC": "0.5", "ETH": "0.3", "ALT": "0.20000001"}}, "sum to 1"),
        ({"holdings_usd": {"BTC": -1, "ETH": 35000, "ALT": 15000}}, "holdings.BTC"),
        ({"holdings_usd": {"BTC": 1, "SOL": 5, "ETH": 1, "ALT": 1}}, "SOL is held but has no"),
        ({"targets": {"BTC": "1.5", "ETH": "-0.3", "ALT": "-0.2"}}, "targets.BTC"),
        ({"prices": {"BTC": 0, "ETH": 1, "ALT": 1}}, "prices.BTC"),
        ({"contract_values": {"ALT": -1}}, "contract_values.ALT"),
        ({"holdings_usd": {"BTC": "x"}}, "holdings.BTC"),
    ],
)
def test_bad_input_names_the_field(
    fields: dict[str, dict[str, object]], needle: str | None
) -> None:
    base: dict[str, dict[str, object]] = {
        "targets": {"BTC": "0.5", "ETH": "0.3", "ALT": "0.2"},
        "holdings_usd": {"BTC": 80000, "ETH": 35000, "ALT": 15000},
        "prices": {"BTC": 40000, "ETH": 2500, "ALT": "0.5"},
    }
    base.update(fields)
    if needle is None:
        Portfolio(**base)  # type: ignore[arg-type]  # within 1e-9: accepted
        return
    with pytest.raises(InputError, match=needle.replace(".", r"\.")):
        Portfolio(**base)  # type: ignore[arg-type]


def test_missing_price_names_the_asset(worked: Portfolio) -> None:
    no_alt = Portfolio(
        targets=worked.targets, holdings_usd=worked.holdings_usd, prices={"BTC": 1, "ETH": 1}
    )
    with pytest.raises(InputError, match=r"prices\.ALT.*no price for ALT"):
        drift_table(no_alt)


def test_same_asset_as_usd_and_coins_is_rejected() -> None:
    with pytest.raises(InputError, match="both as USD and as a coin amount"):
        Portfolio(targets={"BTC": 1}, holdings_usd={"BTC": 1}, amounts={"BTC": 1})


@pytest.mark.parametrize("name", ["portfolio.toml", "portfolio.csv"])
def test_example_files(name: str, worked: Portfolio) -> None:
    loaded = load_portfolio(EXAMPLES / name)
    assert loaded.targets == worked.targets
    assert loaded.holdings_usd == worked.holdings_usd
    assert loaded.prices == worked.prices
    assert loaded.contract_values == {"ALT": 1}
    assert loaded.venues["BTC"] == "bybit"


def test_overrides_key_by_key_and_targets_whole() -> None:
    loaded = load_portfolio(
        EXAMPLES / "portfolio.toml",
        prices={"btc": 50000},
        amounts={"ETH": 20},
        targets={"BTC": "0.6", "ETH": "0.4", "ALT": 0},
        contract_values=None,
    )
    assert loaded.prices["BTC"] == 50000
    assert loaded.prices["ETH"] == 2500
    assert loaded.amounts == {"ETH": 20}
    assert "ETH" not in loaded.holdings_usd
    assert loaded.targets == {"BTC": Decimal("0.6"), "ETH": Decimal("0.4"), "ALT": 0}


def test_toml_numbers_are_exact(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[holdings]\nA = 0.1\nB = 0.2\n[targets]\nA = 0.7\nB = 0.3\n")
    loaded = load_portfolio(path)
    assert loaded.holdings_usd["A"] == Decimal("0.1")
    assert loaded.targets["A"] + loaded.targets["B"] == 1


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        ("bad.toml", "[holdings\n", "not valid TOML"),
        ("bad.toml", "[weights]\nA = 1\n", "weights: unknown key"),
        ("bad.toml", "[targets]\nA = 1.5\n", "targets.A='1.5': out of range"),
        ("bad.toml", "[targets]\nA = true\n", "targets.A=True: expected a number"),
        ("bad.toml", '[holdings]\nA = "x"\n[targets]\nA = 1\n', "holdings.A"),
        ("bad.csv", "coin,target\nA,1\n", "row 1: coin: unknown key"),
        ("bad.csv", "target\n1\n", "row 1: asset: missing"),
        ("bad.csv", "asset,target,colour\nA,1,red\n", "row 1: colour: unknown key"),
        ("bad.csv", "asset,target,usd\nA,1,abc\n", "row 1: holding_usd='abc': not a number"),
        ("bad.csv", "asset,target\nA,1,2\n", "row 1: 3 cells for 2 columns"),
        ("bad.csv", "asset,target\nA,0.5\nA,0.5\n", "appears twice"),
        ("bad.txt", "", "expected a .toml or .csv"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, text: str, needle: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises((DataError, InputError), match=re.escape(needle)):
        load_portfolio(path)


def test_missing_file() -> None:
    with pytest.raises(InputError, match="no such file"):
        load_portfolio("/nonexistent/portfolio.toml")
