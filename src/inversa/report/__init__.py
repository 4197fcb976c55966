"""Figures and self-contained HTML reports."""

from inversa.report.html import Section, write_report

__all__ = ["Section", "write_report"]
