"""HTML reports are built from typed results: headers in words with units, numbers formatted
by unit (no exponent, rates as %), missing times as ``-``, every table scrolls sideways,
and every table of every report reads typed records through typed columns."""

from __future__ import annotations

import html as html_lib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from inversa.report import html as report_html
from inversa.report.formats import UNIT_LABELS, fmt
from inversa.report.html import HtmlTable, Quantity, Section, render_html
from inversa.report.terminal import Column, table

# A cell that is a number someone formatted before the table did (the old way).
_PREFORMATTED = re.compile(r"^[-+]?[\d,]+(\.\d+)?%?( \(.*\))?$")


@dataclass(frozen=True)
class _Leg:
    venue: str
    size_coin: Decimal
    value_usd: float
    price: float
    rate: float
    liquidated_at: Any


LEG = _Leg("deribit", Decimal("0.476190476"), 1234567.891, 64123.5, 0.0001, pd.NaT)
LEG_COLUMNS = (
    Column("venue", "venue", "text"),
    Column("size_coin", "size", "coin"),
    Column("value_usd", "value", "usd"),
    Column("price", "liquidation price", "price"),
    Column("rate", "funding rate", "rate"),
    Column("liquidated_at", "liquidated at", "time"),
)


def _cells(page: str) -> list[str]:
    return [html_lib.unescape(c) for c in re.findall(r"<td(?: class='l')?>(.*?)</td>", page)]


def _headers(page: str) -> list[str]:
    return [html_lib.unescape(c) for c in re.findall(r"<th(?: class='l')?>(.*?)</th>", page)]


def test_a_column_reads_an_attribute_a_key_or_a_callable() -> None:
    record = pd.DataFrame({"a": [1.5]}).itertuples().__next__()
    assert Column("a", "a").value(record) == 1.5
    assert Column("a", "a").value({"a": 2}) == 2
    assert Column("a", "a").value(LEG) is None  # neither attribute nor key
    assert Column("x", "x", get=lambda r: r.price * 2).value(LEG) == 128247.0
    assert Column("price", "p", "price", tick=Decimal("0.5")).cell(LEG) == "64,123.5"


def test_headers_are_words_with_units() -> None:
    page = render_html("t", [Section("s", tables=[HtmlTable.of(LEG_COLUMNS, [LEG])])])
    assert _headers(page) == [
        "venue",
        "size (coin)",
        "value (USD)",
        "liquidation price (USD per coin)",
        "funding rate (%)",
        "liquidated at (UTC)",
    ]


def test_numbers_are_formatted_by_their_unit_and_nat_is_a_dash() -> None:
    page = render_html("t", [Section("s", tables=[HtmlTable.of(LEG_COLUMNS, [LEG])])])
    assert _cells(page) == ["deribit", "0.47619048", "1,234,567.89", "64,123.5", "0.01%", "-"]


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1e8, "usd", "100,000,000.00"),
        (1e8, "number", "100,000,000"),
        (123456789.0, "price", "123,457,000"),
        (1e-9, "number", "0.000000001"),
        (2e-7, "coin", "0.00000020"),
        (1e20, "count", "100,000,000,000,000,000,000"),
        (0.25, "rate", "25%"),
        (-0.0315, "rate", "-3.15%"),
    ],
)
def test_no_exponent_notation_and_rates_as_percent(value: float, unit: str, text: str) -> None:
    assert fmt(value, unit) == text
    assert "e+" not in text
    assert "e-" not in text


@pytest.mark.parametrize(
    "missing", [None, pd.NaT, np.datetime64("NaT"), pd.Timestamp("NaT")], ids=repr
)
@pytest.mark.parametrize("unit", ["time", "text", "usd", "rate"])
def test_missing_values_and_times_print_as_a_dash(missing: Any, unit: str) -> None:
    assert fmt(missing, unit) == "-"


def test_times_print_in_utc_to_the_minute() -> None:
    tokyo = pd.Timestamp("2025-01-01 09:00", tz="Asia/Tokyo")
    assert fmt(tokyo, "time") == "2025-01-01 00:00"
    assert fmt(np.datetime64("2025-03-28T08:00"), "time") == "2025-03-28 08:00"
    assert fmt(datetime(2025, 3, 28, 8, tzinfo=UTC), "number") == "2025-03-28 08:00"
    assert UNIT_LABELS["time"] == "UTC"


def test_a_wide_table_scrolls_inside_its_container() -> None:
    cols = [Column(f"c{i}", f"column number {i}", "usd") for i in range(40)]
    row = {f"c{i}": 1e9 + i for i in range(40)}
    page = render_html("t", [Section("wide", tables=[HtmlTable.of(cols, [row])])])
    assert re.search(r"<div class='scroll'><table>.*</table></div>", page, flags=re.S)
    assert re.search(r"\.scroll\{overflow-x:auto", page)
    assert "white-space:nowrap" in page  # cells do not wrap: the container scrolls
    assert "1,000,000,039.00" in _cells(page)


def test_quantities_format_each_row_by_its_own_unit() -> None:
    spec = HtmlTable.quantities(
        [
            Quantity("P(liquidation)", 0.0123, "rate"),
            Quantity("fees", 1.5e-6, "coin"),
            Quantity("final NAV", 0.98765432, "number", "x start"),
        ]
    )
    page = render_html("t", [Section("s", tables=[spec])])
    assert _headers(page) == ["quantity", "value", "unit"]
    assert _cells(page) == [
        *("P(liquidation)", "1.23%", "%"),
        *("fees", "0.00000150", "coin"),
        *("final NAV", "0.987654", "x start"),
    ]
    assert "<td class='l'>final NAV</td><td>0.987654</td><td class='l'>x start</td>" in page


def test_no_untyped_records_are_left() -> None:
    assert "rows" not in Section.__dataclass_fields__
    assert not hasattr(report_html, "_guess_unit")
    assert not hasattr(report_html, "_records_table")
    with pytest.raises(TypeError):
        Section("s", rows=[{"price": 1}])  # type: ignore[call-arg]


def test_the_terminal_table_reads_typed_records_too() -> None:
    out = Console(width=200)
    with out.capture() as captured:
        out.print(table("legs", LEG_COLUMNS, [LEG]))
    text = captured.get()
    assert "1,234,567.89" in text
    assert "0.01%" in text
    assert "size (coin)" in text


# -- every table of every report -------------------------------------------------------


def _curve(path: Path, _sweep_config: Path) -> None:
    from inversa.contracts.basis import futures_curve, parse_expiry
    from inversa.report.analytics import curve_report

    quotes = {parse_expiry("250328"): Decimal(98000), parse_expiry("250627"): Decimal(100500)}
    curve = futures_curve(
        datetime(2025, 1, 2, tzinfo=UTC), Decimal(96000), quotes, funding_rate=Decimal("1e-4")
    )
    curve_report(curve, path)


def _carry(path: Path, _sweep_config: Path) -> None:
    from inversa.report.analytics import carry_report
    from inversa.sim.carry import CarryConfig, carry_backtest, carry_inputs

    start, end = pd.Timestamp("2021-01-01", tz="UTC"), pd.Timestamp("2021-02-20", tz="UTC")
    cfg = CarryConfig(start=start, end=end)
    carry_report([carry_backtest(carry_inputs(v), cfg) for v in ("deribit", "bybit-usdt")], path)


def _guard(path: Path, _sweep_config: Path) -> None:
    from inversa.report.analytics import guard_report
    from inversa.sim.guard import GuardConfig, guard_replay
    from inversa.sim.vol_margin import compare_vol_margin

    run = guard_replay("2020-03", GuardConfig(order=("reduce",)))
    guard_report([run], path, [compare_vol_margin("2020-03")])


def _montecarlo(path: Path, _sweep_config: Path) -> None:
    from inversa.report.montecarlo import write_montecarlo_report
    from inversa.sim.montecarlo import MonteCarloConfig, run_montecarlo

    write_montecarlo_report(path, run_montecarlo(MonteCarloConfig(paths=50, steps=48)))


def _sweep(path: Path, config: Path) -> None:
    from inversa.report.sweep import write_sweep_report
    from inversa.sim.montecarlo import load_config
    from inversa.sim.sweep import SweepConfig, frontier, run_sweep

    result = run_sweep(load_config(config, SweepConfig), workers=1)
    write_sweep_report(path, result, frontier(result.results), "test")


def _book() -> tuple[Any, float]:
    from inversa.sim.books import synthetic_book

    return synthetic_book("2020-03", contract_value=100.0, mmr=0.005)


def _shock() -> Any:
    from inversa.sim.shocks import apply_grid, span_grid

    book, entry = _book()
    return apply_grid(book, span_grid(0.15, vol_pairs=False), entry)


def _cascade_result() -> Any:
    from inversa.sim.cascade import PriceImpact, run_cascade

    book, entry = _book()
    return run_cascade(book, entry * 0.9, PriceImpact(1e8))


def _crash() -> Any:
    from inversa.sim.replay import ReplayConfig, crash_replay

    return crash_replay(ReplayConfig.of("2020-03"))


def _backtest_result() -> Any:
    from inversa.hedging import BacktestConfig, run_backtest

    return run_backtest(BacktestConfig.build(start=date(2021, 1, 1), end=date(2021, 6, 30)))


def _grid(path: Path, _sweep_config: Path) -> None:
    from inversa.report.stress import grid_sections

    report_html.write_report(path, "grid", grid_sections(_shock(), "synthetic book"))


def _cascade(path: Path, _sweep_config: Path) -> None:
    from inversa.report.stress import cascade_sections

    sections = cascade_sections(_cascade_result(), "synthetic book", _book()[1])
    report_html.write_report(path, "cascade", sections)


def _replay(path: Path, _sweep_config: Path) -> None:
    from inversa.report.stress import replay_sections

    report_html.write_report(path, "replay", replay_sections("2020-03", _crash()))


def _backtest(path: Path, _sweep_config: Path) -> None:
    from inversa.report.hedge import backtest_sections

    result = _backtest_result()
    report_html.write_report(path, "backtest", backtest_sections(result, result.assumptions))


REPORTS: dict[str, tuple[Callable[[Path, Path], None], int]] = {
    "curve": (_curve, 1),
    "carry": (_carry, 4),
    "guard": (_guard, 4),
    "montecarlo": (_montecarlo, 2),
    "sweep": (_sweep, 1),
    "grid": (_grid, 2),
    "cascade": (_cascade, 2),
    "replay": (_replay, 4),
    "backtest": (_backtest, 3),
}


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_table_in_each_report_is_typed(
    name: str, tmp_path: Path, small_sweep: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Sequence[Section]] = []
    original = report_html.render_html

    def spy(title: str, sections: Sequence[Section]) -> str:
        seen.append(sections)
        return original(title, sections)

    monkeypatch.setattr(report_html, "render_html", spy)
    build, expected = REPORTS[name]
    build(tmp_path / f"{name}.html", small_sweep)
    (sections,) = seen
    tables = [spec for section in sections for spec in section.tables]
    assert len(tables) == expected
    for spec in tables:
        assert isinstance(spec, HtmlTable)
        assert spec.rows
        for col in spec.columns:
            assert isinstance(col, Column)
            assert "_" not in col.header, col  # words, not a record key
            label = UNIT_LABELS.get(col.unit)
            if label:
                assert col.title().endswith(f"({label})"), col
            if col.unit == "text":
                continue
            for row in spec.rows:
                value = col.value(row)
                assert not (isinstance(value, str) and _PREFORMATTED.match(value)), (col, value)
                if col.unit == "rate" and value is not None and math.isfinite(float(value)):
                    assert col.cell(row).endswith("%")
    page = (tmp_path / f"{name}.html").read_text(encoding="utf-8")
    shown = re.findall(r"<table>.*?</table>|<p>.*?</p>", page, flags=re.S)
    assert len([t for t in shown if t.startswith("<table>")]) == expected
    assert not re.search(r"\de[+-]\d", "".join(shown))  # tables and paragraphs


def _tables(sections: Sequence[Section]) -> list[list[str]]:
    page = render_html("t", sections)
    return [_headers(t) + _cells(t) for t in re.findall(r"<table>.*?</table>", page, re.S)]


def test_the_stress_tables_say_units_in_words() -> None:
    from inversa.report.stress import cascade_sections, grid_sections, replay_sections

    (_, scenarios) = _tables(grid_sections(_shock(), "b"))
    assert scenarios[:10] == [
        "scenario",
        "kind",
        "price move (%)",
        "volatility",
        "loss weight (%)",
        "price (USD per coin)",
        "PnL (coin)",
        "weighted PnL (coin)",
        "accounts liquidated",
        "liquidated notional (USD)",
    ]
    assert "margin (worst weighted loss)" in _tables(grid_sections(_shock(), "b"))[0]
    (summary, rounds) = _tables(cascade_sections(_cascade_result(), "b", _book()[1]))
    assert "next price (USD per coin)" in rounds
    assert "impact model" in summary
    sections = replay_sections("2020-03", _crash())
    assert "liquidation fills run: trigger, worst-mark" in sections[0].items[-1]
    (summary, outcomes, fund, liquidated) = _tables(sections)
    assert "insurance fund at the end" in summary
    assert outcomes[:6] == [
        "leverage",
        "side",
        "accounts",
        "liquidated",
        "lost (coin)",
        "PnL (coin)",
    ]
    assert fund[:4] == ["leverage", "side", "to insurance (coin)", "from insurance (coin)"]
    assert "liquidated in the hour from (UTC)" in liquidated
    assert "2020-03-12 23:00" in liquidated  # a time to the minute, not an ISO string


def test_the_backtest_report_keeps_every_figure_per_strategy() -> None:
    from inversa.report.hedge import backtest_metrics, backtest_sections

    result = _backtest_result()
    metrics = backtest_metrics(result)
    assert len(metrics) == 20
    assert {m.unit for m in metrics} == {"usd", "rate", "count"}
    assert all(set(m.values) == set(result.strategies) for m in metrics)
    (final,) = (m for m in metrics if m.name == "final value vs spot")
    assert final.values["spot"] == 0.0
    amounts, shares, counts = _tables(backtest_sections(result, result.assumptions))
    assert amounts[:5] == [
        "metric",
        "never (USD)",
        "spot (USD)",
        "futures (USD)",
        "futures + true-up (USD)",
    ]
    assert shares[1] == "never (%)"
    assert counts[:2] == ["metric", "never"]
    page = render_html("t", backtest_sections(result, result.assumptions))
    assert page.count("<li>") == len(result.assumptions)


def test_the_carry_notes_are_one_bullet_per_venue(tmp_path: Path) -> None:
    _carry(tmp_path / "carry.html", tmp_path)
    page = (tmp_path / "carry.html").read_text(encoding="utf-8")
    (notes,) = re.findall(r"<h2>Data and assumptions</h2><ul>(.*?)</ul>", page, re.S)
    items = re.findall(r"<li>(.*?)</li>", notes)
    assert [i.split(":")[0] for i in items] == ["deribit", "bybit-usdt"]
