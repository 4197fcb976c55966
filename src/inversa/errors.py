"""The one exception hierarchy of inversa.

Every error a user can cause derives from :class:`InversaError`.  Messages name the
offending field (or file and row) and the value, so that the CLI can print the message
alone, on one line, and exit with status 2.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DataError",
    "InputError",
    "InsolvencyError",
    "InversaError",
    "OrderRejectedError",
    "UnknownSymbolError",
    "UnknownVenueError",
]


class InversaError(Exception):
    """Root of every error inversa raises on purpose."""


class InputError(InversaError, ValueError):
    """A parameter is out of its domain: names the field and the value."""

    def __init__(self, field: str, value: Any, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={value!r}: {reason}")


class UnknownVenueError(InversaError, KeyError):
    """No rule set exists for the venue name."""

    def __init__(self, venue: str, known: list[str] | None = None) -> None:
        self.venue = venue
        hint = f" (known: {', '.join(sorted(known))})" if known else ""
        super().__init__(f"venue={venue!r}: unknown venue{hint}")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class UnknownSymbolError(InversaError, KeyError):
    """The venue has no instrument under this symbol or alias."""

    def __init__(self, venue: str, symbol: str, known: list[str] | None = None) -> None:
        self.venue = venue
        self.symbol = symbol
        hint = f" (known: {', '.join(sorted(known))})" if known else ""
        super().__init__(f"symbol={symbol!r}: unknown on venue {venue!r}{hint}")

    def __str__(self) -> str:
        return str(self.args[0])


class DataError(InversaError, ValueError):
    """A data file or series is malformed: names the file, the row and the value."""

    def __init__(self, source: str, message: str, row: int | None = None) -> None:
        self.source = source
        self.row = row
        where = f"{source}, row {row}" if row is not None else source
        super().__init__(f"{where}: {message}")


class OrderRejectedError(InversaError):
    """A simulated venue refused an order; the state is unchanged."""


class InsolvencyError(InversaError):
    """Losses exceed what the account, the insurance fund and ADL can cover."""
