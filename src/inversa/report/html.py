"""A self-contained HTML report: headings, typed tables and Plotly figures in one file.

Tables are built from typed columns (:class:`~inversa.report.terminal.Column`): headers
are words with their unit, every number is formatted by its unit (no ``1e+08``; rates as
%), and wide tables scroll sideways.  Plotly's JavaScript is embedded once, so the file
opens offline.  :func:`check_output_path` is called by the CLI before any work; the write
is atomic (a temporary file renamed into place) and a failed write leaves no temporary
file behind.
"""

from __future__ import annotations

import contextlib
import html
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inversa.errors import InputError
from inversa.report.formats import UNIT_LABELS, fmt
from inversa.report.terminal import Column

__all__ = [
    "QUANTITY_COLUMNS",
    "HtmlTable",
    "Quantity",
    "Section",
    "check_output_path",
    "write_report",
]

_MAX_NAME = 255


@dataclass(frozen=True)
class Quantity:
    """One line of a quantity table: a name in words, a value and its unit.

    ``unit`` picks the formatter (:mod:`inversa.report.formats`); ``label`` replaces the
    unit's words in the table when the quantity has a unit of its own (``"x start"``).
    """

    name: str
    value: Any
    unit: str = "number"
    label: str | None = None


#: The columns of a quantity table (:meth:`HtmlTable.quantities`, and the terminal's):
#: name, value formatted by the quantity's own unit, the unit in words.
QUANTITY_COLUMNS = (
    Column("name", "quantity", "text"),
    Column("value", "value", "text", get=lambda q: fmt(q.value, q.unit)),
    Column(
        "unit",
        "unit",
        "text",
        get=lambda q: q.label if q.label is not None else UNIT_LABELS.get(q.unit, q.unit),
        align="left",
    ),
)


@dataclass(frozen=True)
class HtmlTable:
    """Typed records (results, named tuples or mappings) under typed columns.

    Every cell is ``column.value(record)`` formatted by the column's unit; headers are the
    columns' words with their unit.
    """

    columns: Sequence[Column]
    rows: Sequence[Any]
    caption: str = ""

    @classmethod
    def of(cls, columns: Sequence[Column], records: Iterable[Any], caption: str = "") -> HtmlTable:
        """A table of ``records`` (any iterable: a list, ``DataFrame.itertuples()``)."""
        return cls(tuple(columns), tuple(records), caption)

    @classmethod
    def quantities(cls, items: Iterable[Quantity], caption: str = "") -> HtmlTable:
        """One quantity per row: its name, its value formatted by its own unit, the unit."""
        return cls.of(QUANTITY_COLUMNS, items, caption)


@dataclass(frozen=True)
class Section:
    """One part of a report: a heading, a paragraph, a bulleted list (``items``: one line
    each), typed tables and Plotly figures."""

    heading: str
    text: str = ""
    tables: Sequence[HtmlTable] = ()
    figures: Sequence[Any] = field(default_factory=tuple)
    items: Sequence[str] = ()


def _table(spec: HtmlTable) -> str:
    if not spec.rows:
        return ""
    tags = [
        " class='l'" if col.alignment(first=i == 0) == "left" else ""
        for i, col in enumerate(spec.columns)
    ]
    head = "".join(
        f"<th{tag}>{html.escape(col.title())}</th>"
        for tag, col in zip(tags, spec.columns, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{tag}>{html.escape(col.cell(row))}</td>"
            for tag, col in zip(tags, spec.columns, strict=True)
        )
        + "</tr>"
        for row in spec.rows
    )
    caption = f"<caption>{html.escape(spec.caption)}</caption>" if spec.caption else ""
    return (
        f"<div class='scroll'><table>{caption}<thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
caption{text-align:left;font-weight:600;padding:.3em 0}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right;white-space:nowrap}
td.l,th.l{text-align:left}
th{background:#f4f4f4;white-space:normal;vertical-align:bottom}.meta{color:#777;font-size:.85em}
li{margin:.3em 0}
"""


def check_output_path(path: str | Path, field_name: str = "report") -> Path:
    """``path`` if a file can be written there, else InputError naming the option.

    Refuses an empty name, a directory, a name over 255 bytes, and a path whose nearest
    existing parent is not a writable directory (missing directories are created when the
    report is written).  Called before any work is done.
    """
    text = str(path)
    if not text.strip() or "\x00" in text:
        raise InputError(field_name, text, "not a file name")
    target = Path(text)
    if len(target.name.encode()) > _MAX_NAME:
        raise InputError(field_name, text, f"file name longer than {_MAX_NAME} bytes")
    if target.is_dir():
        raise InputError(field_name, text, "is a directory")
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent  # missing directories are created when writing
    if not parent.is_dir():
        raise InputError(field_name, text, f"{str(parent)!r} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(field_name, text, f"directory {str(parent)!r} is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise InputError(field_name, text, "file is not writable")
    return target


def render_html(title: str, sections: Sequence[Section]) -> str:
    """The report as one HTML document (text)."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='meta'>inversa report, generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC</p>",
    ]
    plotly_js: bool | str = "inline"
    for section in sections:
        parts.append(f"<h2>{html.escape(section.heading)}</h2>")
        if section.text:
            parts.append(f"<p>{html.escape(section.text)}</p>")
        if section.items:
            lines = "".join(f"<li>{html.escape(item)}</li>" for item in section.items)
            parts.append(f"<ul>{lines}</ul>")
        parts.extend(_table(spec) for spec in section.tables)
        for fig in section.figures:
            parts.append(fig.to_html(full_html=False, include_plotlyjs=plotly_js))
            plotly_js = False
    parts.append("</body></html>")
    return "".join(parts)


def write_report(
    path: str | Path, title: str, sections: Sequence[Section], field_name: str = "report"
) -> Path:
    """Write the report atomically and return its path; InputError if it cannot be written.

    The temporary file is removed whatever fails.
    """
    target = check_output_path(path, field_name)
    text = render_html(title, sections)
    tmp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".inversa-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a report is meant to be shared
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise InputError(
            field_name, str(path), f"cannot be written: {exc.strerror or exc}"
        ) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return target
