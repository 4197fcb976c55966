"""Issue 9: the rule files against the venues' published figures.

Each difference the check found is either changed (the new number with its dated source
and the old one kept as an alternative) or kept with the reason; unconfirmed and inferred
numbers carry a status; the gaps that have a source are filled.
"""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date
from decimal import Decimal
from importlib import resources

import pytest

from inversa.contracts import bybit_isolated_prices, margin_funding_cap, round_to_tick
from inversa.errors import InputError
from inversa.venues import STATUSES, Sourced, TieredMargin, Venue, list_venues, load_venue

D = Decimal


def _provenances(venue: Venue) -> list[tuple[str, str, Sourced]]:
    """(where, field, Sourced) over the venue and every instrument and template."""
    out: list[tuple[str, str, Sourced]] = [("venue", k, v) for k, v in venue.provenance.items()]
    for inst in [*venue.instruments, *(t.prototype for t in venue.templates)]:
        out += [(inst.symbol, k, v) for k, v in inst.provenance.items()]
    return out


# venue, symbol, field, value used, alternative values (issue 9 numbering in comments)
DISAGREEMENTS = [
    ("deribit", "BTC-PERPETUAL", "margin.mm_base", "0.01", ["0.015"]),  # 1
    ("deribit", "BTC-27JUN25", "margin.mm_base", "0.01", ["0.015"]),  # 1
    ("bybit", "BTCUSD", "taker", "0.00055", ["0.00075"]),  # 2
    ("bybit", "BTCUSD", "tick", "0.1", ["0.5"]),  # 3
    ("binance-coinm", "BTCUSD_PERP", "liquidation_fee", "0.015", ["0.0125"]),  # 4
    ("bitmex", "XBTUSD", "taker", "0.00075", ["0.0005"]),  # 5
    ("bitmex", "XBTUSD", "maker", "0.0002", ["0.0005", "-0.00025"]),  # 5
    ("binance-coinm", "BTCUSD_PERP", "max_leverage", "125", ["50"]),  # 7
    ("bybit", "BTCUSD", "maker", "0.0002", ["-0.00025"]),  # gap, with its history
]


@pytest.mark.parametrize(("venue", "symbol", "field", "used", "others"), DISAGREEMENTS)
def test_disagreement_is_recorded_with_both_figures(
    venue: str, symbol: str, field: str, used: str, others: list[str]
) -> None:
    inst = load_venue(venue).instrument(symbol)
    sourced = inst.sourced(field)
    assert sourced.value == D(used)
    assert sourced.disputed
    assert [a.value for a in sourced.alternatives] == [D(x) for x in others]
    for alt in sourced.alternatives:
        assert alt.note.strip()
        assert alt.source.url.startswith("https://")
    assert sourced.note, "the value used says why"


@pytest.mark.parametrize("name", ["binance-coinm", "bitmex", "bybit", "deribit", "okx"])
def test_every_provenance_value_matches_the_number_used(name: str) -> None:
    venue = load_venue(name)
    for inst in venue.instruments:
        for field in ("maker", "taker", "max_leverage", "liquidation_fee"):
            if getattr(inst, field) is not None:
                assert inst.sourced(field).value == getattr(inst, field)
        assert inst.sourced("contract_value").value == inst.contract_value
        if inst.tick is not None:
            assert inst.sourced("tick").value == inst.tick
    for where, field, sourced in _provenances(venue):
        assert sourced.status in (None, *STATUSES, "derived"), (where, field)
        for alt in sourced.alternatives:
            assert alt.value != sourced.value, (where, field)


def test_bybit_second_tier_is_unconfirmed_first_is_not() -> None:
    """Issue 9 (9): the stored risk-limit page is cut off before its table."""
    inst = load_venue("bybit").instrument("BTCUSD")
    assert inst.sourced("margin.tiers[0].mmr").status is None
    assert inst.sourced("margin.tiers[1].upper").status == "unconfirmed"
    assert inst.sourced("margin.tiers[1].mmr").status == "unconfirmed"
    assert inst.maintenance_rate_and_cum(D(300)) == (D("0.01"), D("0.75"))  # kept


def test_binance_brackets_are_marked_inferred() -> None:
    inst = load_venue("binance-coinm").instrument("BTCUSD_PERP")
    assert isinstance(inst.margin, TieredMargin)
    assert inst.sourced("margin").status == "inferred"
    for i in range(len(inst.margin.table.tiers)):
        assert inst.sourced(f"margin.tiers[{i}].mmr").status == "inferred"
    # the anchors the reconstruction reproduces
    assert inst.maintenance_rate_and_cum(D(300)) == (D("0.125"), D("11.605"))


def test_retired_bybit_fixture_sources_no_tick() -> None:
    """Issue 9 (3): the NautilusTrader fixture (launch time 2023-11-14) no longer sources
    the tick; what it alone still states is unconfirmed."""
    inst = load_venue("bybit").instrument("BTCUSD")
    assert inst.source("tick").id == "ccxt-markets"
    for field, sourced in inst.provenance.items():
        if sourced.source.id == "api-fixture-retired":
            assert sourced.status == "unconfirmed", field


def test_bybit_published_example_keeps_its_tick_today_rounds_to_today_tick() -> None:
    """Bybit's bankruptcy example (long 8,000 at 50x) was published on the 0.5 tick of its
    time: 7,843.137... -> 7,843.5.  Today's rule set rounds up on the 0.1 tick: 7,843.2."""
    venue = load_venue("bybit")
    inst = venue.instrument("BTCUSD")
    assert venue.rounding is not None
    b = bybit_isolated_prices(1, D(8000), D(50), D("0.005"), D(1), D(1)).bankruptcy_price
    assert round_to_tick(b, D("0.5"), venue.rounding.bankruptcy_long) == D("7843.5")
    assert inst.tick == D("0.1")
    assert round_to_tick(b, inst.tick, venue.rounding.bankruptcy_long) == D("7843.2")
    short = bybit_isolated_prices(-1, D(8000), D(50), D("0.005"), D(1), D(1)).bankruptcy_price
    assert round_to_tick(short, inst.tick, venue.rounding.bankruptcy_short) == D("8163.2")


def test_deribit_weeklies_pay_a_maker_rebate_monthlies_do_not() -> None:
    """Issue 9 (6): weekly futures -0.01 % maker; perpetual, monthly, quarterly 0."""
    deribit = load_venue("deribit")
    weekly = deribit.instrument("BTC-20JUN25")  # a Friday, not June's last
    monthly = deribit.instrument("BTC-30MAY25")  # May's last Friday
    quarterly = deribit.instrument("BTC/USD:BTC-250627")
    assert weekly.maker == D("-0.0001")
    assert weekly.source("maker").id == "fees-weekly"
    assert monthly.maker == quarterly.maker == deribit.instrument("BTC-PERPETUAL").maker == 0
    assert {weekly.taker, monthly.taker} == {D("0.0005")}
    with pytest.raises(InputError, match="not an expiry on deribit"):
        deribit.instrument("BTC-26JUN25")  # a Thursday


def test_bitmex_funding_cap_follows_its_rule() -> None:
    """BitMEX (2020-04-17): cap = 75 % x (IM - MM) of the instrument, 0.375 % on XBTUSD."""
    venue = load_venue("bitmex")
    inst = venue.instrument("XBTUSD")
    assert venue.funding.cap_rule == "im-minus-mm"
    assert venue.funding.cap_factor == D("0.75")
    assert venue.source("funding.cap_rule").as_of == date(2020, 4, 17)
    imr, (mmr, _) = inst.initial_rate(D(0)), inst.maintenance_rate_and_cum(D(0))
    assert inst.funding is not None
    assert inst.funding.cap == margin_funding_cap(D("0.75"), mmr, imr) == D("0.00375")
    assert inst.sourced("funding_cap").status == "derived"
    assert inst.note("funding_cap") == "derived: 0.75 x (IMR 0.010 - MMR 0.005)"


def test_binance_funding_cap_rule_without_its_constant() -> None:
    venue = load_venue("binance-coinm")
    funding = venue.instrument("BTCUSD_PERP").funding
    assert funding is not None
    assert (funding.cap_rule, funding.cap_factor, funding.cap) == ("mmr-multiple", None, None)
    assert "not stated" in (venue.sourced("funding.cap_rule").note or "")
    assert funding.times_utc == (0, 8, 16)
    assert venue.source("funding.times_utc").url.endswith("360033525031")


def _bundled_funding(name: str) -> list[tuple[str, Decimal]]:
    path = resources.files("inversa.data").joinpath("bundled", "funding", name)
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    return [
        (row["timestamp_utc"], D(row["funding_rate"]))
        for row in csv.DictReader(io.StringIO(text))
        if row["funding_rate"]
    ]


def test_bybit_funding_cap_matches_the_bundled_history() -> None:
    """The real BTCUSD history (2018-11 to 2025-04) stays within the cap and reaches it."""
    funding = load_venue("bybit").instrument("BTCUSD").funding
    assert funding is not None
    assert funding.cap is not None
    rates = [r for _, r in _bundled_funding("bybit_btcusd_inverse_perp_8h.csv.gz")]
    assert len(rates) > 7000
    assert max(abs(r) for r in rates) == funding.cap
    assert sum(abs(r) == funding.cap for r in rates) >= 2


def test_binance_funding_times_match_the_bundled_grid() -> None:
    times = load_venue("binance-coinm").funding.times_utc
    rows = _bundled_funding("binance_coinm_btcusd_perp_8h.csv.gz")
    assert {int(stamp[11:13]) for stamp, _ in rows} == set(times)


def test_undated_sources_say_so() -> None:
    for name in list_venues():
        for source in load_venue(name).sources.values():
            if source.undated:
                assert "undated" in source.note.lower() or "no date" in source.note.lower(), (
                    name,
                    source.id,
                )
