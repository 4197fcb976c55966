"""The bundled rule files: they load, every number is sourced, numbers match the reference.

Golden numbers are transcribed from reference/inverse_contracts.md (section in comments).
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from inversa.contracts.spec import ContractKind
from inversa.errors import InputError, InversaError
from inversa.venues import (
    FlatMargin,
    Instrument,
    LinearMargin,
    RiskStepMargin,
    TieredMargin,
    Venue,
    list_venues,
    load_rules_file,
    load_venue,
    venue_table,
)

D = Decimal
VENUES = ["binance-coinm", "bitmex", "bybit", "deribit", "okx"]
RULES = resources.files("inversa.venues").joinpath("rules")


def _all_instruments(venue: Venue) -> list[Instrument]:
    return [*venue.instruments, *(t.prototype for t in venue.templates)]


def test_list_venues() -> None:
    assert list_venues() == VENUES


@pytest.mark.parametrize("name", VENUES)
def test_every_rule_file_loads(name: str) -> None:
    venue = load_venue(name)
    assert venue.name == name
    assert venue.instruments
    assert all(i.spec.kind is ContractKind.INVERSE for i in _all_instruments(venue))
    again = load_rules_file(str(RULES.joinpath(f"{name}.toml")))
    assert again == venue


@pytest.mark.parametrize("name", VENUES)
def test_every_sourced_number_has_url_and_as_of(name: str) -> None:
    venue = load_venue(name)
    provenances = [venue.provenance, *(i.provenance for i in _all_instruments(venue))]
    for prov in provenances:
        for sourced in prov.values():
            source = sourced.source
            assert source.url.startswith(("https://", "http://"))
            assert isinstance(source.as_of, date)
            assert venue.sources[source.id] is source
    assert venue.as_of == max(s.as_of for s in venue.sources.values())


def _numeric_fields(inst: Instrument) -> list[str]:
    """Names of the numbers an instrument holds, as they appear in its provenance."""
    out = [
        name
        for name in ("max_leverage", "maker", "taker", "liquidation_fee")
        if getattr(inst, name) is not None
    ]
    out.append("contract_value")
    out += [name for name in ("tick", "lot") if getattr(inst.spec, name) is not None]
    margin = inst.margin
    if isinstance(margin, TieredMargin):
        for i, tier in enumerate(margin.table.tiers):
            out += [f"margin.tiers[{i}].upper", f"margin.tiers[{i}].mmr"]
            if tier.max_leverage is not None:
                out.append(f"margin.tiers[{i}].max_leverage")
    elif margin is not None:
        out += [f"margin.{f.name}" for f in fields(margin) if getattr(margin, f.name) is not None]
    return out


@pytest.mark.parametrize("name", VENUES)
def test_no_number_without_provenance(name: str) -> None:
    venue = load_venue(name)
    for inst in _all_instruments(venue):
        for field_name in _numeric_fields(inst):
            assert inst.source(field_name).url, (inst.symbol, field_name)
    funding = venue.funding
    for key in ("interval_hours", "interest", "clamp", "cap", "dead_band"):
        if getattr(funding, key) is not None:
            assert f"funding.{key}" in venue.provenance, key
    if funding.times_utc:
        assert "funding.times_utc" in venue.provenance


def _sourced_tables(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if "value" in node else []
        return found + [t for child in node.values() for t in _sourced_tables(child)]
    if isinstance(node, list):
        return [t for child in node for t in _sourced_tables(child)]
    return []


@pytest.mark.parametrize("name", VENUES)
def test_raw_file_every_value_names_a_defined_source(name: str) -> None:
    doc = tomllib.loads(RULES.joinpath(f"{name}.toml").read_text(encoding="utf-8"))
    tables = _sourced_tables({k: v for k, v in doc.items() if k != "sources"})
    assert tables
    for table in tables:
        assert table["source"] in doc["sources"], table
        assert isinstance(table["value"], str | list)
    for source in doc["sources"].values():
        assert date.fromisoformat(source["as_of"])


# -- section 1: contract specifications ---------------------------------------------------

SPECS = [
    # venue, venue id, contract value USD, tick, lot, max leverage, maker, taker
    ("bitmex", "XBTUSD", "1", "0.1", "100", "100", "0.0002", "0.00075"),
    ("bybit", "BTCUSD", "1", "0.1", "1", "100", "0.0002", "0.00055"),
    ("deribit", "BTC-PERPETUAL", "10", "0.5", "1", "50", "0", "0.0005"),
    ("binance-coinm", "BTCUSD_PERP", "100", "0.1", "1", "125", None, None),
    ("binance-coinm", "ETHUSD_PERP", "10", None, None, None, None, None),
    ("okx", "BTC-USD-SWAP", "100", "0.1", "1", "100", None, None),
    ("okx", "ETH-USD-SWAP", "10", None, None, None, None, None),
]


def _d(text: str | None) -> D | None:
    return None if text is None else D(text)


@pytest.mark.parametrize(("venue", "vid", "cv", "tick", "lot", "lev", "maker", "taker"), SPECS)
def test_contract_terms_match_reference(
    venue: str,
    vid: str,
    cv: str,
    tick: str | None,
    lot: str | None,
    lev: str | None,
    maker: str | None,
    taker: str | None,
) -> None:
    inst = load_venue(venue).instrument(vid)
    assert inst.contract_value == D(cv)
    assert inst.tick == _d(tick)
    assert inst.lot == _d(lot)
    assert inst.max_leverage == _d(lev)
    assert inst.maker == _d(maker)
    assert inst.taker == _d(taker)
    assert inst.spec.is_perpetual
    assert inst.spec.settle == inst.spec.base


def test_bitmex_fees_are_the_published_schedule_with_the_api_field_kept() -> None:
    """Issue 9 (5): schedule of 2023-01-17 used; the API's 0.05 %/0.05 % and the historical
    -0.025 % rebate are kept as alternatives."""
    inst = load_venue("bitmex").instrument("XBTUSD")
    assert inst.source("maker").as_of == date(2023, 1, 17)
    maker = {(a.value, a.source.id) for a in inst.sourced("maker").alternatives}
    assert maker == {(D("0.0005"), "api-xbtusd"), (D("-0.00025"), "fees-historical")}
    assert inst.source("taker").id == "fee-schedule-2023"
    taker = inst.sourced("taker").alternatives
    assert [(a.value, a.source.as_of) for a in taker] == [(D("0.0005"), date(2024, 11, 24))]
    assert "API field" in (inst.note("maker") or "")


def test_binance_liquidation_fee() -> None:
    """Issue 9 (4): ccxt's exchangeInfo snapshot (1.5 %) over NautilusTrader's sample."""
    inst = load_venue("binance").instrument("BTCUSD_PERP")
    assert inst.liquidation_fee == D("0.015")
    assert inst.source("liquidation_fee").undated
    (alt,) = inst.sourced("liquidation_fee").alternatives
    assert (alt.value, alt.source.id) == (D("0.0125"), "exchange-info")


DATED = [
    # venue, venue id, ccxt symbol, contract value, expiry (UTC)
    ("bitmex", "XBTM25", "BTC/USD:BTC-250627", "1", datetime(2025, 6, 27, 12, tzinfo=UTC)),
    ("deribit", "BTC-27JUN25", "BTC/USD:BTC-250627", "10", datetime(2025, 6, 27, 8, tzinfo=UTC)),
    (
        "binance-coinm",
        "BTCUSD_250627",
        "BTC/USD:BTC-250627",
        "100",
        datetime(2025, 6, 27, 8, tzinfo=UTC),
    ),
    ("okx", "BTC-USD-250627", "BTC/USD:BTC-250627", "100", datetime(2025, 6, 27, 8, tzinfo=UTC)),
]


@pytest.mark.parametrize(("venue", "vid", "symbol", "cv", "expiry"), DATED)
def test_dated_terms(venue: str, vid: str, symbol: str, cv: str, expiry: datetime) -> None:
    inst = load_venue(venue).instrument(vid)
    assert inst.symbol == symbol
    assert inst.aliases == (vid,)
    assert inst.contract_value == D(cv)
    assert inst.spec.expiry == expiry
    assert inst.funding is None
    assert inst.source("contract_value").url


def test_okx_futures_terms() -> None:
    inst = load_venue("okx").instrument("BTC-USD-241220")
    assert (inst.tick, inst.lot, inst.max_leverage) == (D("0.1"), D("1"), D("20"))


# -- section 2.6: margin ------------------------------------------------------------------


def test_binance_inferred_brackets() -> None:
    inst = load_venue("binance-coinm").instrument("BTCUSD_PERP")
    assert isinstance(inst.margin, TieredMargin)
    assert inst.maintenance_rate_and_cum(D(300)) == (D("0.125"), D("11.605"))
    cums = inst.margin.table.cums
    expected = ["0", "0.005", "0.055", "0.355", "1.605", "6.605", "11.605", "21.605"]
    assert cums[:8] == tuple(D(x) for x in expected)
    # the reference prints 171.605 for the last bracket; its own 25 % rate gives 121.605
    assert cums[8] == D("121.605")
    assert "INFERRED" in inst.source("margin.tiers[6].mmr").note
    assert "INFERRED" in inst.source("margin").note
    # V22: 100 contracts at 25,000, CV 100 -> 0.4 BTC, tier 1 (0.4 %), MM 0.0016 BTC
    value = D(100) * D(100) / D(25000)
    rate, cum = inst.maintenance_rate_and_cum(value)
    assert value * rate - cum == D("0.0016")
    assert inst.initial_rate(D(3)) == D("0.008")  # 125x
    assert inst.initial_rate(D(300)) == D("0.25")  # 4x
    assert inst.maintenance_rate_and_cum(D(5000)) == (D("0.25"), D("121.605"))


def test_bybit_tiers_only_as_far_as_sourced() -> None:
    inst = load_venue("bybit").instrument("BTCUSD")
    assert inst.maintenance_rate_and_cum(D(150)) == (D("0.005"), D(0))
    assert inst.maintenance_rate_and_cum(D(300)) == (D("0.01"), D("0.75"))
    assert inst.initial_rate(D(10)) == D("0.01")  # 1 / max leverage 100
    with pytest.raises(InputError, match="300"):
        inst.maintenance_rate_and_cum(D(301))


@pytest.mark.parametrize(
    ("value", "imr", "mmr"),
    [
        ("100", "0.01", "0.005"),
        ("200", "0.01", "0.005"),
        ("350", "0.015", "0.01"),
        ("400", "0.02", "0.015"),
    ],
)
def test_bitmex_risk_steps(value: str, imr: str, mmr: str) -> None:
    inst = load_venue("bitmex").instrument("XBTUSD")
    assert isinstance(inst.margin, RiskStepMargin)
    assert inst.initial_rate(D(value)) == D(imr)
    assert inst.maintenance_rate_and_cum(D(value)) == (D(mmr), D(0))


@pytest.mark.parametrize(
    ("value", "imr", "im", "mmr"),
    [("25", "0.02125", "0.53125", "0.01125"), ("350", "0.0375", "13.125", "0.0275")],
)
def test_deribit_linear_margin(value: str, imr: str, im: str, mmr: str) -> None:
    """IM 2 % + 0.005 %/BTC (published examples 25 and 350 BTC); MM 1 % + 0.005 %/BTC
    (Deribit 2022-01-11, issue 9 (1)): 25 BTC -> 1.125 %, 350 BTC -> 2.75 % (derived)."""
    for symbol in ("BTC-PERPETUAL", "BTC-27JUN25", "BTC-20JUN25"):
        inst = load_venue("deribit").instrument(symbol)
        assert isinstance(inst.margin, LinearMargin)
        assert inst.initial_rate(D(value)) == D(imr)
        assert D(value) * inst.initial_rate(D(value)) == D(im)
        assert inst.maintenance_rate_and_cum(D(value)) == (D(mmr), D(0))
        assert inst.source("margin.mm_base").as_of == date(2022, 1, 11)
        (alt,) = inst.sourced("margin.mm_base").alternatives
        assert (alt.value, alt.source.id) == (D("0.015"), "legacy-margin")


def test_bitmex_futures_base_mm_only() -> None:
    inst = load_venue("bitmex").instrument("XBTZ25")
    assert isinstance(inst.margin, FlatMargin)
    assert inst.maintenance_rate_and_cum(D(10)) == (D("0.005"), D(0))
    assert inst.source("margin.mmr").as_of == date(2024, 3, 19)
    with pytest.raises(InputError, match="max_leverage"):
        inst.initial_rate(D(10))


def test_instrument_without_margin_model_says_so() -> None:
    inst = load_venue("okx").instrument("BTC-USD-SWAP")
    assert inst.margin is None
    with pytest.raises(InversaError, match="no margin model"):
        inst.maintenance_rate_and_cum(D(1))


def test_margin_accepts_int_and_str_but_not_float() -> None:
    inst = load_venue("bitmex").instrument("XBTUSD")
    assert inst.initial_rate(400) == inst.initial_rate("400") == D("0.02")
    with pytest.raises(InputError):
        inst.initial_rate(400.0)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        inst.initial_rate(-1)


# -- section 2.9: funding; section 2.7: rounding; models ---------------------------------


@pytest.mark.parametrize(
    ("name", "model", "interest", "clamp", "cap", "times"),
    [
        ("bitmex", "clamp", "0.0001", "0.0005", None, (4, 12, 20)),
        ("bybit", "clamp", "0.0001", "0.0005", None, (0, 8, 16)),
        ("binance-coinm", "clamp", "0.0001", "0.0005", None, (0, 8, 16)),
        ("okx", "clamp", "0", "0", "0.00375", (0, 8, 16)),
    ],
)
def test_clamp_funding(
    name: str, model: str, interest: str, clamp: str, cap: str | None, times: tuple[int, ...]
) -> None:
    funding = load_venue(name).funding
    assert (funding.model, funding.accrual) == (model, "discrete")
    assert funding.interval_hours == D(8)
    assert (funding.interest, funding.clamp, funding.cap) == (D(interest), D(clamp), _d(cap))
    assert funding.times_utc == times


def test_deribit_funding() -> None:
    venue = load_venue("deribit")
    funding = venue.funding
    assert (funding.model, funding.accrual, funding.dead_band) == (
        "deribit",
        "continuous",
        D("0.00025"),
    )
    assert funding.interest is None
    assert funding.times_utc == ()
    assert venue.source("funding.dead_band").url.startswith("https://support.deribit.com")


@pytest.mark.parametrize(
    ("name", "symbol", "cap"),
    [
        ("okx", "BTC-USD-SWAP", "0.00375"),
        ("okx", "ETH-USD-SWAP", "0.0075"),
        ("bybit", "BTCUSD", "0.00375"),  # issue 9 gap: ccxt upper/lowerFundingRate
        ("bitmex", "XBTUSD", "0.00375"),  # issue 9 gap: 75 % x (1 % - 0.5 %), derived
        ("binance-coinm", "BTCUSD_PERP", None),  # rule known, constant not sourced
        ("deribit", "BTC-PERPETUAL", None),  # cap value in no stored source
    ],
)
def test_instrument_funding_cap(name: str, symbol: str, cap: str | None) -> None:
    funding = load_venue(name).instrument(symbol).funding
    assert funding is not None
    assert funding.cap == _d(cap)


def test_rounding_only_where_published() -> None:
    bybit = load_venue("bybit").rounding
    assert bybit is not None
    assert (bybit.bankruptcy_long, bybit.bankruptcy_short, bybit.increment) == (
        "up",
        "down",
        "tick",
    )
    for name in ("bitmex", "deribit", "binance-coinm", "okx"):
        assert load_venue(name).rounding is None


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("bitmex", "generic"),
        ("bybit", "bybit-classic"),
        ("deribit", "generic"),
        ("binance-coinm", "binance-coinm"),
        ("okx", "generic"),
    ],
)
def test_liquidation_model(name: str, model: str) -> None:
    venue = load_venue(name)
    assert venue.liquidation_model == model
    assert venue.default_margin_mode in ("isolated", "cross")


def test_venue_table() -> None:
    rows = venue_table()
    assert [r["venue"] for r in rows] == VENUES
    for row in rows:
        assert set(row) == {
            "venue",
            "instruments",
            "venue_ids",
            "liquidation_model",
            "funding_model",
            "as_of",
        }
        assert "BTC/USD:BTC" in row["instruments"]
        assert date.fromisoformat(row["as_of"])
    bitmex = rows[1]
    assert bitmex["venue_ids"] == ["XBTUSD", "XBT{MYY}"]
