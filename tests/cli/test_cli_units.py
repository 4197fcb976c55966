"""One renderer (issue 7 item 4): the CLI's text tables go through the typed columns and
``fmt``, fold at 80 columns, and show the HTML report's headers and units."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pandas as pd
import pytest
from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

from inversa.cli import app
from inversa.report import Column, fmt, table, table_to_fit, transposed, transposed_to_fit

runner = CliRunner()

CURVE = [
    "calc", "curve", "--as-of", "2025-01-02", "--spot", "96000",
    "--futures", "250328=98000,250627=100500", "--funding-rate", "0.0001",
]  # fmt: skip
GREEKS = [
    "calc", "greeks", "--side", "long", "--contracts", "400", "--entry", "40000",
    "--price", "40000", "--contract-value", "100", "--wallet", "1",
]  # fmt: skip


def _text(args: list[str]) -> str:
    res = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.stderr
    assert "…" not in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) <= 80
    return res.stdout


def _render(table: object) -> str:
    out = Console(width=80, file=io.StringIO())
    out.print(table)
    return out.file.getvalue()  # type: ignore[attr-defined]


_FIT_COLUMNS = (
    Column("venue", "venue", "text"),
    Column("start", "start value", "usd"),
    Column("at", "drawdown from", "time"),
)


def _venues(n: int) -> list[dict[str, object]]:
    start = pd.Timestamp("2016-05-14 12:00", tz="UTC")
    return [
        {"venue": f"venue-{i} (inverse, cross)", "start": Decimal("11751.4") * (i + 1), "at": start}
        for i in range(n)
    ]


def test_transposed_to_fit_splits_so_no_number_folds() -> None:
    # six records of "2016-05-14 12:00" (16 characters) do not fit 80 columns in one
    # table; three do (1 + 16 + 3 label, 3 x (16 + 3) = 77)
    tables = transposed_to_fit("Carry", _FIT_COLUMNS, _venues(6), 80)
    assert [t.title for t in tables] == ["Carry, 1 of 2", "Carry, 2 of 2"]
    text = "".join(_render(t) for t in tables)
    assert max(len(line) for line in text.splitlines()) <= 80
    for i in range(6):  # every number whole on one line, every record once, in order
        assert text.count(fmt(Decimal("11751.4") * (i + 1), "usd")) == 1
        assert text.index(f"venue-{i}") > (text.index(f"venue-{i - 1}") if i else -1)
    assert text.count("2016-05-14 12:00") == 6
    # split, the same records would fold: one table of six at 80 columns cuts the date
    assert "2016-05-14 12:00" not in _render(transposed("Carry", _FIT_COLUMNS, _venues(6)))


@pytest.mark.parametrize("n", [1, 3])
def test_transposed_to_fit_one_table_when_it_fits(n: int) -> None:
    tables = transposed_to_fit("Carry", _FIT_COLUMNS, _venues(n), 80)
    assert [t.title for t in tables] == ["Carry"]
    assert len(tables[0].columns) == n + 1
    assert len(transposed_to_fit(None, _FIT_COLUMNS, _venues(6), 200)) == 1


def test_transposed_one_column_per_record() -> None:
    cols = (
        Column("name", "name", "text"),
        Column("pnl", "PnL", "coin"),
        Column("rate", "yield", "rate"),
    )
    rows = [{"name": "a", "pnl": Decimal("0.5"), "rate": 0.1234}, {"name": "b", "pnl": 1}]
    text = _render(transposed("t", cols, rows))
    assert "PnL (coin)" in text
    assert "yield (%)" in text
    assert "0.50000000" in text
    assert "1.00000000" in text
    assert "12.34%" in text
    assert "name" not in text  # the first column labels the records
    text = _render(transposed("t", cols[1:], rows, labels=["x", "y"]))
    assert "x" in text
    assert "y" in text
    with pytest.raises(ValueError, match="labels"):
        transposed("t", cols, rows, labels=["only one"])


def test_empty_list_prints_a_dash() -> None:
    assert fmt([], "text") == "-"
    assert fmt(["a", "b"], "text") == "a, b"


def test_curve_text_uses_the_report_columns() -> None:
    out = _text(CURVE)
    for header in ("annualised", "basis (%)", "(days)", "(USD per", "continuous"):
        assert header in out
    assert "8.91113%" in out
    assert "98,000" in out
    assert "perpetual funding, annualised: 10.95%" in out


def test_greeks_text_every_number_by_unit() -> None:
    out = _text(GREEKS)
    assert "40,000.00" in out  # USD at 2 dp
    assert "2.00000000" in out  # coin at 8 dp
    assert "26,666.7" in out  # a price at 6 significant digits (no tick)
    assert "2.66667x" in out
    assert "n/a" in out
    assert "e-" not in out  # never in exponent notation
    # gamma = -2 x contracts x value / S^3 = -2 * 400 * 100 / 40000^3, whole on one line
    # (at four views a table it folded to "-0.0000000012" over "5")
    assert out.count("-0.00000000125") == 4


def test_carry_text_uses_the_report_columns() -> None:
    args = ["carry", "backtest", "--venue", "bybit", "--start", "2024-01-01"]
    out = _text(args)
    for header in ("yield a year,", "simple (%)", "funding received (USD)", "rebalances"):
        assert header in out
    assert "Carry trade: Value and yield" in out
    assert "bybit (inverse, cross)" in out


def test_guard_text_coin_at_8_dp() -> None:
    args = ["stress", "replay", "--window", "2022-11", "--guard", "--vol-margin"]
    out = _text(args)
    assert "guard fees (coin)" in out
    assert "0.00000000" in out
    assert "insurance paid in (coin)" in out


_NUMBER = re.compile(r"^[-+]?[\d,]*\.?\d+(%|x)?$")


def _numbers_whole(tables: list[Table]) -> str:
    """Render ``tables`` at 80 columns; every number cell must sit whole on one line."""
    text = "".join(_render(t) for t in tables)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in text
    for t in tables:
        for column in t.columns:
            for cell in column.cells:
                if isinstance(cell, str) and _NUMBER.match(cell):
                    assert any(cell in line for line in lines), (t.title, column.header, cell)
    return text


_WIDE = tuple(Column(f"c{i}", f"quantity number {i}", "coin") for i in range(8))


def test_table_to_fit_splits_columns_so_no_number_folds() -> None:
    cols = (Column("name", "name", "text"), *_WIDE)
    rows = [{"name": f"row-{r}", **{f"c{i}": -1234.5 * (10 * r + i + 1) for i in range(8)}}
            for r in range(3)]  # fmt: skip
    tables = table_to_fit("Wide", cols, rows, 80)
    assert len(tables) > 1
    assert [t.title for t in tables] == [
        f"Wide, {k + 1} of {len(tables)}" for k in range(len(tables))
    ]
    text = _numbers_whole(tables)
    for r in range(3):  # the name repeats in every part, every number shows once
        assert text.count(f"row-{r}") == len(tables)
        for i in range(8):
            assert text.count(fmt(-1234.5 * (10 * r + i + 1), "coin")) == 1
    # table() renders through table_to_fit at the console's width: the same parts
    whole = _render(table("Wide", cols, rows))
    assert whole == "".join(_render(t) for t in tables)
    # while one plain Rich table of the same cells, left to size itself, folds them
    plain = Table(title="Wide")
    for col in cols:
        plain.add_column(col.title(), overflow="fold")
    for row in rows:
        plain.add_row(*(col.cell(row) for col in cols))
    with pytest.raises(AssertionError):
        _numbers_whole([plain])
    assert [t.title for t in table_to_fit("Narrow", cols[:3], rows, 80)] == ["Narrow"]


def test_stress_tables_fit_80_columns() -> None:
    """Grid, cascade and replay tables: headers in words, every number on one line."""
    from inversa.report import stress as views
    from inversa.sim.books import synthetic_book
    from inversa.sim.cascade import PriceImpact, run_cascade
    from inversa.sim.replay import ReplayConfig, crash_replay
    from inversa.sim.shocks import apply_grid, deribit_grid, span_grid

    book, entry = synthetic_book("2020-03")
    for grid in (span_grid(0.15), deribit_grid(0.16)):
        text = _numbers_whole(views.grid_tables(apply_grid(book, grid, entry), "synthetic", 80))
        assert "weighted PnL" in text
        assert "pnl coin" not in text
    cascade = run_cascade(book, entry * 0.9, PriceImpact(1e8, 0.5, "sqrt"))
    text = _numbers_whole(views.cascade_tables(cascade, "synthetic", entry, 80))
    assert "liquidated notional" in text
    replay = crash_replay(ReplayConfig(window="2020-03", leverages=(100,)))
    text = _numbers_whole(views.replay_tables("2020-03", replay, 80))
    for words in ("lost by liquidated accounts", "USDT per coin", "short-100x"):
        assert words in text
    for raw in ("lost coin", "pnl coin", "entry price usdt"):
        assert raw not in text
