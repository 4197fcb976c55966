"""Rendering, once: number formats per unit, tables, strict JSON, progress, HTML reports.

* :mod:`~inversa.report.formats`: one formatter per unit (coin, USD, price, rate, ...).
* :mod:`~inversa.report.jsonout`: the one JSON encoder (exact Decimals, ``null`` for an
  infinite price, refuses NaN and numbers beyond float range).
* :mod:`~inversa.report.terminal`: Rich tables that fold, JSON lines, the progress bar.
* :mod:`~inversa.report.html`: self-contained HTML reports from typed tables and figures.
* :mod:`~inversa.report.figures`: every Plotly figure (imported lazily: Plotly is slow).
"""

from inversa.report.formats import UNIT_LABELS, Unit, fmt
from inversa.report.html import HtmlTable, Quantity, Section, check_output_path, write_report
from inversa.report.jsonout import dumps, to_plain
from inversa.report.terminal import (
    Column,
    console,
    key_value_table,
    print_json,
    print_notes,
    print_tables,
    progress,
    table,
    table_to_fit,
    transposed,
    transposed_to_fit,
)

__all__ = [
    "UNIT_LABELS",
    "Column",
    "HtmlTable",
    "Quantity",
    "Section",
    "Unit",
    "check_output_path",
    "console",
    "dumps",
    "fmt",
    "key_value_table",
    "print_json",
    "print_notes",
    "print_tables",
    "progress",
    "table",
    "table_to_fit",
    "to_plain",
    "transposed",
    "transposed_to_fit",
    "write_report",
]
