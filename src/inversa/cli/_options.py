"""Shared command-line options: each declared once, with help text, unit and domain.

Every numeric or date option is parsed by a domain of :mod:`inversa.domain` (through a
Typer ``parser=``), so a bad value is refused before the command runs, with one line
naming the option, and :func:`inversa.domain.option_domains` can list every option with
its domain.  Use the ``Annotated`` aliases below in a command's signature, or build a new
one with :func:`number`, :func:`mapping` or :func:`text`::

    from inversa.cli._options import Json, number
    from inversa.domain import PRICE

    Spot = Annotated[Decimal | None, number(PRICE, "spot price")]

    @app.command()
    def carry(spot: Spot = None, json: Json = False) -> None: ...
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from inversa import domain as d
from inversa.domain import Domain, DomainParser, MappingParser

__all__ = [
    "CONTRACTS",
    "CONTRACT_VALUE",
    "Amounts",
    "BookFile",
    "ContractValues",
    "Date",
    "File",
    "Holdings",
    "Json",
    "Leverage",
    "NoDefaultVenues",
    "PortfolioOptions",
    "Prices",
    "Report",
    "RequireContracts",
    "Symbol",
    "Taker",
    "Targets",
    "Venue",
    "Venues",
    "date_option",
    "mapping",
    "number",
    "pairs",
    "path_option",
    "portfolio_options",
    "text",
    "with_options",
]

CONTRACTS = d.CONTRACTS
CONTRACT_VALUE = d.CONTRACT_VALUE


def number(domain: Domain, help_text: str, *names: str, **kwargs: Any) -> Any:
    """A numeric option parsed by ``domain``; the help ends with the domain in words."""
    return typer.Option(
        *names,
        parser=DomainParser(domain),
        help=f"{help_text} [{domain.describe()}]",
        show_default=kwargs.pop("show_default", False),
        metavar=kwargs.pop("metavar", domain.kind.upper()),
        **kwargs,
    )


def mapping(domain: Domain | None, help_text: str, shape: str = "ASSET=VALUE") -> Any:
    """A repeatable ``ASSET=VALUE`` option (comma-joined or repeated), values in ``domain``."""
    unit = f" [{domain.describe()}]" if domain is not None else ""
    return typer.Option(
        parser=MappingParser(domain, shape),
        help=f"{help_text} {shape}, comma-joined or repeated{unit}.",
        show_default=False,
        metavar=shape,
    )


def text(help_text: str, *names: str, **kwargs: Any) -> Any:
    """A free-text option (names, choices checked by the command)."""
    return typer.Option(*names, help=help_text, show_default=kwargs.pop("show_default", False))


def date_option(help_text: str, *names: str) -> Any:
    """A UTC day ``YYYY-MM-DD`` (a real calendar day), parsed to a UTC datetime."""
    return typer.Option(
        *names,
        parser=DomainParser(d.DATE),
        help=f"{help_text} [{d.DATE.describe()}]",
        show_default=False,
        metavar="YYYY-MM-DD",
    )


def path_option(help_text: str, *names: str, must_exist: bool = True) -> Any:
    """A file path: an existing readable file, or (``must_exist=False``) a file to write."""
    domain = d.INPUT_FILE if must_exist else d.OUTPUT_FILE
    return typer.Option(
        *names, parser=DomainParser(domain), help=help_text, show_default=False, metavar="FILE"
    )


Json = Annotated[bool, typer.Option("--json", help="Print one JSON object (exact numbers).")]
Venue = Annotated[str | None, text("Venue rule set, e.g. bybit.", "--venue")]
Symbol = Annotated[str | None, text("Unified symbol or venue id, e.g. BTCUSD.", "--symbol")]
Leverage = Annotated[Decimal | None, number(d.LEVERAGE, "Leverage (initial margin 1/leverage).")]
Taker = Annotated[Decimal | None, number(d.FEE_RATE, "Taker fee rate, a fraction.")]
Report = Annotated[
    Path | None,
    path_option("Also write a self-contained HTML report here.", "--report", must_exist=False),
]
Date = Annotated[
    datetime | None, date_option("Take missing prices from the bundled daily closes of this day.")
]

# -- the portfolio, declared once (hedge plan|stress|unwind) ----------------------------

#: One or more occurrences of an ``ASSET=VALUE`` option (each a tuple of pairs).
Pairs = Any
Holdings = Annotated[list[Pairs] | None, mapping(d.AMOUNT, "USD value held:", "ASSET=USD")]
Amounts = Annotated[list[Pairs] | None, mapping(d.AMOUNT, "Coins held:", "ASSET=COINS")]
Targets = Annotated[list[Pairs] | None, mapping(d.WEIGHT, "Target weights summing to 1:")]
Prices = Annotated[list[Pairs] | None, mapping(d.PRICE, "Prices, USD per coin:", "ASSET=USD")]
ContractValues = Annotated[
    list[Pairs] | None, mapping(CONTRACT_VALUE, "Generic inverse contract:", "ASSET=USD")
]
Venues = Annotated[
    list[Pairs] | None,
    mapping(None, "Hedge instrument per asset:", "ASSET=VENUE or ASSET=VENUE:SYMBOL"),
]
File = Annotated[Path | None, path_option("Portfolio file (.toml or .csv).", "--file")]
BookFile = Annotated[
    Path | None,
    path_option(
        "CSV or TOML book: side, contracts, entry and leverage or collateral per row.", "--book"
    ),
]
RequireContracts = Annotated[
    bool, typer.Option(help="Fail for an asset with no contract (implied by contract values).")
]
NoDefaultVenues = Annotated[
    bool, typer.Option(help="Do not look up a default inverse perpetual per asset.")
]


LegLeverage = Annotated[
    Decimal, number(d.LEVERAGE, "Leverage of every leg.", "--leverage", show_default=True)
]
GenericTaker = Annotated[
    Decimal,
    number(d.FEE_RATE, "Fee rate of generic contracts, a fraction.", "--taker", show_default=True),
]


@dataclass(frozen=True)
class PortfolioOptions:
    """The portfolio options of ``hedge plan|stress|unwind``, as one frozen object."""

    holdings: list[Pairs] | None = None
    amounts: list[Pairs] | None = None
    targets: list[Pairs] | None = None
    prices: list[Pairs] | None = None
    contract_values: list[Pairs] | None = None
    venues: list[Pairs] | None = None
    file: Path | None = None
    date: datetime | None = None
    leverage: Decimal = Decimal(1)
    require_contracts: bool = False
    no_default_venues: bool = False
    taker: Decimal = Decimal(0)


_PORTFOLIO_OPTIONS: dict[str, Any] = {
    "holdings": Holdings,
    "amounts": Amounts,
    "targets": Targets,
    "prices": Prices,
    "contract_values": ContractValues,
    "venues": Venues,
    "file": File,
    "date": Date,
    "leverage": LegLeverage,
    "require_contracts": RequireContracts,
    "no_default_venues": NoDefaultVenues,
    "taker": GenericTaker,
}


def with_options(
    options: Mapping[str, tuple[Any, Any]],
    combine: Callable[[dict[str, Any]], dict[str, Any]],
    replaces: tuple[str, ...],
    *,
    first: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a group of options once and hand a command what it needs from them.

    ``options`` maps each option's parameter name to ``(annotation, default)``; Typer sees
    them before (``first``) or after the command's own.  ``combine`` turns their values
    into the keyword arguments ``replaces`` of the decorated function (e.g. one
    ``portfolio`` object, or ``rules`` looked up from ``--venue``/``--symbol``).
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(func, eval_str=True)
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=dflt, annotation=ann)
            for name, (ann, dflt) in options.items()
        ]
        own = [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for p in sig.parameters.values()
            if p.name not in replaces
        ]

        @functools.wraps(func)
        def command(**kwargs: Any) -> Any:
            values = {name: kwargs.pop(name) for name in options}
            return func(**combine(values), **kwargs)

        params = [*added, *own] if first else [*own, *added]
        command.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        command.__annotations__["return"] = sig.return_annotation
        return command

    return decorate


#: ``hedge plan|stress|unwind``: the twelve portfolio options, as ``portfolio``.
portfolio_options = with_options(
    {name: (ann, getattr(PortfolioOptions(), name)) for name, ann in _PORTFOLIO_OPTIONS.items()},
    lambda values: {"portfolio": PortfolioOptions(**values)},
    ("portfolio",),
    first=True,
)


def pairs(values: list[Pairs] | None, option: str = "") -> dict[str, Any]:
    """Merge repeated ``ASSET=VALUE`` occurrences into one dict; a repeat is an error."""
    from inversa.errors import InputError

    out: dict[str, Any] = {}
    for group in values or []:
        for asset, value in group:
            if asset in out:
                raise InputError(option or asset, f"{asset}={value}", f"{asset} given twice")
            out[asset] = value
    return out
