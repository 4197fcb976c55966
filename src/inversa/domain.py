"""The one catalogue of input domains: every number, date and path a user can type.

Each input kind is a :class:`Domain` (a small frozen value: kind, unit, bounds, whether it
is signed, whether ``5%`` is accepted).  A domain parses text once, strictly, and checks
its bounds before any arithmetic, so the same rule guards the command line (through
:class:`DomainParser`, a Typer ``parser=``) and the config files (through
``typing.Annotated[Decimal, PRICE]`` in a pydantic model)::

    from inversa.domain import PRICE, Price      # Price = Annotated[Decimal, PRICE]
Contracts = Annotated[Decimal, CONTRACTS]
ContractValue = Annotated[Decimal, CONTRACT_VALUE]

    class Row(ConfigModel):                      # pydantic: the domain validates the field
        entry: Price

    typer.Option(parser=DomainParser(PRICE, "--price"))  # Typer: the same rule

Number syntax (:func:`parse_number`): ASCII digits with at most one sign, one decimal point
and one exponent (``-1.5e3``); nothing else: no ``_``, no thousands separators, no Unicode
digits or minus signs, no ``inf``/``nan``.  A trailing ``%`` (divide by 100) only where the
domain says ``percent=True``.  Magnitudes are checked on the Decimal's exponent before any
conversion, so ``1e999999999`` is refused at once and never turned into a billion-digit int.

:func:`option_domains` lists, for a Typer app, every option with its domain: a fuzz suite can
generate bad values from the declared types alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from inversa.errors import InputError

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

__all__ = [
    "AMOUNT",
    "ANNUAL_RATE",
    "CONTRACTS",
    "CONTRACT_VALUE",
    "COUNT",
    "DATE",
    "DAYS",
    "DAYS_OR_ZERO",
    "FEE_PER_YEAR",
    "FEE_RATE",
    "FRACTION",
    "GLIDE_DAYS",
    "HOURS",
    "HOURS_OR_ZERO",
    "INDEX_LEVEL",
    "INPUT_FILE",
    "LEVERAGE",
    "MAX_AMOUNT",
    "MAX_COUNT",
    "MAX_PRICE",
    "MIN_PRICE",
    "NAV",
    "OUTPUT_FILE",
    "PATH_COUNT",
    "POSITIVE_FRACTION",
    "PRICE",
    "RATE",
    "RAW_WEIGHT",
    "SEED",
    "SHOCK",
    "SIGNED_AMOUNT",
    "SIGNED_LEVERAGE",
    "SIGNED_RATE",
    "STORE_DIR",
    "VOLATILITY",
    "WEIGHT",
    "WEIGHT_CAP",
    "YEARS",
    "Amount",
    "AnnualRate",
    "ContractValue",
    "Contracts",
    "Count",
    "Days",
    "Domain",
    "DomainParser",
    "FeeRate",
    "Fraction",
    "Hours",
    "Kind",
    "Leverage",
    "ListParser",
    "MappingParser",
    "OptionDomain",
    "Price",
    "Rate",
    "Shape",
    "SignedAmount",
    "SignedRate",
    "Weight",
    "option_domains",
    "parse_date",
    "parse_number",
]

Kind = Literal[
    "price",
    "amount",
    "signed_amount",
    "rate",
    "signed_rate",
    "fee_rate",
    "annual_rate",
    "fraction",
    "weight",
    "shock",
    "leverage",
    "duration",
    "count",
    "date",
    "path",
]

#: Price bounds, USD per coin: below 1e-12 a coin value N*CV/P leaves float range.
MIN_PRICE = Decimal("1e-12")
MAX_PRICE = Decimal("1e12")
#: Largest magnitude of any amount (coin, USD or contracts).
MAX_AMOUNT = Decimal("1e15")
#: Largest count (rounds, buckets, paths) where an option documents no larger cap.
MAX_COUNT = 1_000_000

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
#: Exponents beyond this are refused before Decimal arithmetic (bounds are far inside).
_MAX_EXPONENT = 400


def parse_number(field: str, raw: object, *, percent: bool = False) -> Decimal:
    """A finite Decimal from text (or a TOML/JSON int or float), else InputError naming ``field``.

    Accepts ``-1.5``, ``2e-4``, ``.5``; with ``percent=True`` also ``5%`` (= 0.05).
    Refuses booleans, NaN, infinities, ``_``, separators, Unicode digits and signs, and any
    number whose decimal exponent exceeds 400 in magnitude (no later step can use it).
    """
    if isinstance(raw, bool):
        raise InputError(field, raw, "expected a number, not a boolean")
    if isinstance(raw, Decimal | int):
        text = str(raw)
    elif isinstance(raw, float):
        text = repr(raw)
    elif isinstance(raw, str):
        text = raw.strip()
    else:
        raise InputError(field, raw, "expected a number")
    scale = Decimal(1)
    if percent and text.endswith("%"):
        text, scale = text[:-1].rstrip(), Decimal("0.01")
    if not _NUMBER.fullmatch(text):
        hint = " (percentages like 5% are accepted)" if percent else ""
        raise InputError(field, raw, f"not a number{hint}")
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid syntax
        raise InputError(field, raw, "not a number") from None
    if value and abs(value.adjusted()) > _MAX_EXPONENT:
        raise InputError(field, raw, "out of range: exponent beyond 400")
    return value * scale if scale != 1 else value


def parse_date(field: str, raw: object) -> datetime:
    """A UTC datetime from ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS][Z|+00:00]``.

    The day must exist (``2021-02-30`` is refused); a time with an offset other than UTC is
    refused rather than silently converted.
    """
    if isinstance(raw, datetime):
        stamp = raw
    elif isinstance(raw, date):
        stamp = datetime(raw.year, raw.month, raw.day)
    elif isinstance(raw, str):
        text = raw.strip()
        if not re.fullmatch(
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-]00:?00)?)?",
            text,
            re.ASCII,
        ):
            raise InputError(field, raw, "expected a date YYYY-MM-DD (optionally THH:MM UTC)")
        try:
            stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(field, raw, "not a calendar day") from None
    else:
        raise InputError(field, raw, "expected a date YYYY-MM-DD")
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=UTC)
    if stamp.utcoffset():
        raise InputError(field, raw, "times must be UTC")
    return stamp.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Domain:
    """The kind, unit and bounds of one input (frozen; compare and hash by value).

    Attributes:
        kind: what the input is (``price``, ``rate``, ``count``, ``date``, ``path`` ...).
        unit: the unit printed in help text, e.g. ``"USD per coin"`` or ``"fraction"``.
        low, high: bounds (``None``: unbounded on that side).
        low_open, high_open: whether the bound itself is excluded.
        percent: whether ``5%`` is accepted (as 0.05).
        integer: whether the value is a whole number (parsed to ``int``).
        must_exist: for input paths: the file must exist and be a readable file.
    """

    kind: Kind
    unit: str
    low: Decimal | None = None
    high: Decimal | None = None
    low_open: bool = False
    high_open: bool = False
    percent: bool = False
    integer: bool = False
    must_exist: bool = False

    @property
    def signed(self) -> bool:
        """Whether negative values are in the domain."""
        return self.low is None or self.low < 0

    def describe(self) -> str:
        """The domain in words, e.g. ``"USD per coin, in [1e-12, 1e12]"``."""
        if self.kind in ("date", "path"):
            return self.unit
        lo = "(" if self.low_open else "["
        hi = ")" if self.high_open else "]"
        low = "-inf" if self.low is None else _plain(self.low)
        high = "inf" if self.high is None else _plain(self.high)
        pct = ", % accepted" if self.percent else ""
        return f"{self.unit}, in {lo}{low}, {high}{hi}{pct}"

    def check(self, field: str, value: Decimal, raw: object = None) -> Decimal:
        """``value`` if inside the bounds, else InputError naming ``field`` and the domain.

        ``raw`` (the text given) is quoted in the error when present.
        """
        if not value.is_finite():
            raise InputError(field, str(value), "must be a finite number")
        low_bad = self.low is not None and (
            value < self.low or (self.low_open and value == self.low)
        )
        high_bad = self.high is not None and (
            value > self.high or (self.high_open and value == self.high)
        )
        if low_bad or high_bad:
            shown = raw.strip() if isinstance(raw, str) else _plain(value)
            raise InputError(field, shown, f"out of range: {self.describe()}")
        return value

    def parse(self, field: str, raw: object) -> Any:
        """Parse and check one raw value (text, TOML number, ...) into its Python type.

        Numbers give :class:`~decimal.Decimal` (``int`` for integer domains), dates a UTC
        :class:`~datetime.datetime`, paths a :class:`~pathlib.Path`.
        """
        if self.kind == "date":
            return parse_date(field, raw)
        if self.kind == "path":
            return self._path(field, raw)
        value = self.check(field, parse_number(field, raw, percent=self.percent), raw)
        if self.integer:
            if value != value.to_integral_value():
                raise InputError(field, raw, "must be a whole number")
            return int(value)
        return value

    def _path(self, field: str, raw: object) -> Path:
        text = str(raw)
        if not text.strip() or "\x00" in text:
            raise InputError(field, raw, "not a file name")
        path = Path(text)
        if self.must_exist:
            if not path.is_file():
                reason = "is a directory" if path.is_dir() else "no such file"
                raise InputError(field, text, reason)
            return path
        return path

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        """Validate a pydantic field with :meth:`parse` (the field name names the error)."""
        from pydantic_core import core_schema

        def validate(value: object, info: core_schema.ValidationInfo) -> Any:
            return self.parse(info.field_name or self.kind, value)

        return core_schema.with_info_plain_validator_function(validate)


def _plain(value: Decimal) -> str:
    if value and not -7 <= value.adjusted() <= 6:
        return str(value).lower()
    return f"{value.normalize():f}"


def _num(text: str) -> Decimal:
    return Decimal(text)


# -- the catalogue ----------------------------------------------------------------------

#: A price, USD per coin: finite, in [1e-12, 1e12].
PRICE = Domain("price", "USD per coin", MIN_PRICE, MAX_PRICE)
#: A non-negative amount (coin, USD or contracts), at most 1e15.
AMOUNT = Domain("amount", "amount", _num("0"), MAX_AMOUNT)
#: A contract count: positive, at most 1e15 (fractional where a venue allows).
CONTRACTS = Domain("amount", "contracts", _num("0"), MAX_AMOUNT, low_open=True)
#: A contract value, USD per contract: positive, at most 1e15.
CONTRACT_VALUE = Domain("amount", "USD per contract", _num("0"), MAX_AMOUNT, low_open=True)
#: A signed amount, |x| <= 1e15.
SIGNED_AMOUNT = Domain("signed_amount", "amount (signed)", -MAX_AMOUNT, MAX_AMOUNT)
#: A maintenance or initial margin rate: a fraction in (0, 1).
RATE = Domain("rate", "fraction", _num("0"), _num("1"), low_open=True, high_open=True)
#: A signed rate per interval (funding, premium, interest): a fraction in (-1, 1).
SIGNED_RATE = Domain("signed_rate", "fraction", _num("-1"), _num("1"), True, True)
#: A trading fee rate: from the usual rebate floor -0.001 to 0.05 (a negative rate is a rebate).
FEE_RATE = Domain("fee_rate", "fraction", _num("-0.001"), _num("0.05"), percent=True)
#: A yearly rate (carry, basis, coin yield): in [-10, 10] (1000 % a year).
ANNUAL_RATE = Domain("annual_rate", "fraction per year", _num("-10"), _num("10"))
#: A fraction in [0, 1].
FRACTION = Domain("fraction", "fraction", _num("0"), _num("1"))
#: A portfolio target weight: a fraction in [0, 1].
WEIGHT = Domain("weight", "fraction of the portfolio", _num("0"), _num("1"))
#: A price shock: a relative move in (-1, 10] (-0.1 is a 10 % fall).
SHOCK = Domain("shock", "fraction of the price", _num("-1"), _num("10"), low_open=True)
#: Leverage: in [1, 1000].
LEVERAGE = Domain("leverage", "x", _num("1"), _num("1000"))
#: Days: in (0, 36525] (a century).
DAYS = Domain("duration", "days", _num("0"), _num("36525"), low_open=True)
#: Hours: in (0, 876600] (a century).
HOURS = Domain("duration", "hours", _num("0"), _num("876600"), low_open=True)
#: Hours from now: in [0, 876600] (0 allowed: "at the funding time").
HOURS_OR_ZERO = Domain("duration", "hours", _num("0"), _num("876600"))
#: A count (rounds, buckets, paths): a whole number in [1, 1e6].
COUNT = Domain("count", "count", _num("1"), Decimal(MAX_COUNT), integer=True)
#: A calendar day (or a UTC time): ``YYYY-MM-DD``.
DATE = Domain("date", "UTC day YYYY-MM-DD")
#: A file that must exist and be readable.
INPUT_FILE = Domain("path", "file", must_exist=True)
#: A file to write (checked before any work by the CLI).
OUTPUT_FILE = Domain("path", "file to write")

# -- token, index, Monte Carlo and runs-store options ------------------------------------

#: A signed token leverage, x: -1 is an inverse token; |L| at most 1000.
SIGNED_LEVERAGE = Domain("leverage", "x, signed (-1: inverse)", _num("-1000"), _num("1000"))
#: A token NAV, USD: positive.
NAV = Domain("amount", "USD", _num("0"), MAX_AMOUNT, low_open=True)
#: An annualised volatility: a fraction per square-root year in [0, 10].
VOLATILITY = Domain("annual_rate", "fraction per sqrt(year)", _num("0"), _num("10"))
#: A horizon in years of 365.25 days: [0, 100].
YEARS = Domain("duration", "years", _num("0"), _num("100"))
#: An elapsed time in days: [0, 36525].
DAYS_OR_ZERO = Domain("duration", "days", _num("0"), _num("36525"))
#: A yearly fee rate: a fraction in [0, 1].
FEE_PER_YEAR = Domain("annual_rate", "fraction per year", _num("0"), _num("1"), percent=True)
#: A positive fraction (of a gap, of the entry price) in (0, 1].
POSITIVE_FRACTION = Domain("fraction", "fraction", _num("0"), _num("1"), low_open=True)
#: Basket weights as given: non-negative, normalised to sum 1 by the index maths.
RAW_WEIGHT = Domain("weight", "weight, normalised to sum 1", _num("0"), MAX_AMOUNT)
#: The largest weight a basket member may hold: a fraction in (0, 1].
WEIGHT_CAP = Domain("fraction", "fraction of the basket", _num("0"), _num("1"), low_open=True)
#: An index level in index points: positive.
INDEX_LEVEL = Domain("amount", "index points", _num("0"), MAX_AMOUNT, low_open=True)
#: Days a basket reconstitution glides over: a whole number in [0, 3650].
GLIDE_DAYS = Domain("count", "days", _num("0"), _num("3650"), integer=True)
#: A number of simulated paths (or paths per chunk): the run is chunked, so it may
#: exceed :data:`COUNT`.
PATH_COUNT = Domain("count", "paths", _num("1"), Decimal(10**12), integer=True)
#: A root seed for :class:`numpy.random.SeedSequence` (any non-negative integer).
SEED = Domain("count", "seed", _num("0"), Decimal(2**128 - 1), integer=True)
#: The runs store: a directory (created on the first write; need not exist to list).
STORE_DIR = Domain("path", "runs store directory")

Price = Annotated[Decimal, PRICE]
Contracts = Annotated[Decimal, CONTRACTS]
ContractValue = Annotated[Decimal, CONTRACT_VALUE]
Amount = Annotated[Decimal, AMOUNT]
SignedAmount = Annotated[Decimal, SIGNED_AMOUNT]
Rate = Annotated[Decimal, RATE]
SignedRate = Annotated[Decimal, SIGNED_RATE]
FeeRate = Annotated[Decimal, FEE_RATE]
AnnualRate = Annotated[Decimal, ANNUAL_RATE]
Fraction = Annotated[Decimal, FRACTION]
Weight = Annotated[Decimal, WEIGHT]
Leverage = Annotated[Decimal, LEVERAGE]
Days = Annotated[Decimal, DAYS]
Hours = Annotated[Decimal, HOURS]
Count = Annotated[int, COUNT]


# -- Typer options -----------------------------------------------------------------------


class DomainParser:
    """A Typer ``parser=`` that parses one option value with a :class:`Domain`.

    ``typer.Option("--price", parser=DomainParser(PRICE))``: a bad value raises InputError
    (a ValueError) with an empty field; the CLI reports it as one line naming the option,
    e.g. ``--price='-1': out of range: USD per coin, in [1e-12, 1e12]``.
    """

    __slots__ = ("domain",)

    def __init__(self, domain: Domain) -> None:
        self.domain = domain

    def __call__(self, value: Any) -> Any:
        """Parse ``value`` (values that are not text, e.g. defaults, pass unchanged)."""
        return self.domain.parse("", value) if isinstance(value, str) else value

    def __repr__(self) -> str:
        return f"DomainParser({self.domain.kind})"


class MappingParser:
    """A Typer ``parser=`` for ``ASSET=VALUE`` items, comma-joined, values in one domain.

    Each occurrence becomes ``((ASSET, value), ...)``: assets upper-cased, ASCII, not
    repeated within the occurrence; ``domain=None`` keeps the values as stripped text.
    Errors carry the field ``""`` (the item's shape) or ``".ASSET"`` (its value).
    """

    __slots__ = ("domain", "shape")

    def __init__(self, domain: Domain | None, shape: str = "ASSET=VALUE") -> None:
        self.domain = domain
        self.shape = shape

    def __call__(self, value: Any) -> Any:
        """Parse one occurrence of the option."""
        if not isinstance(value, str):
            return value
        out: list[tuple[str, Any]] = []
        for part in [p for p in value.split(",") if p.strip()]:
            key, sep, text = part.partition("=")
            asset = key.strip().upper()
            if not sep or not asset or not text.strip():
                raise InputError("", part, f"expected {self.shape}")
            if not re.fullmatch(r"[A-Z0-9._-]+", asset, re.ASCII):
                raise InputError("", part, "asset names are ASCII letters and digits")
            if any(asset == a for a, _ in out):
                raise InputError("", part, f"{asset} given twice")
            parsed = self.domain.parse(f".{asset}", text) if self.domain else text.strip()
            out.append((asset, parsed))
        if not out:
            raise InputError("", value, f"expected {self.shape}")
        return tuple(out)


_LEADING_ZEROS = re.compile(r"[+-]?0[0-9]")


class ListParser:
    """A Typer ``parser=`` for comma-separated values in one domain (``-0.1,0,0.1``)."""

    __slots__ = ("domain",)

    def __init__(self, domain: Domain) -> None:
        self.domain = domain

    def __call__(self, value: Any) -> Any:
        """Parse one occurrence into a tuple of values."""
        if not isinstance(value, str):
            return value
        items = [p.strip() for p in value.split(",") if p.strip()]
        if not items:
            raise InputError("", value, "give comma-separated values")
        for i, item in enumerate(items):
            # '1,000' would otherwise read as the two values 1 and 000
            if _LEADING_ZEROS.match(item):
                raise InputError(f"[{i}]", item, "leading zero: no thousands separators")
        return tuple(self.domain.parse(f"[{i}]", item) for i, item in enumerate(items))


Shape = Literal["value", "list", "mapping"]


@dataclass(frozen=True, slots=True)
class OptionDomain:
    """One option of one command and its domain.

    ``shape``: ``value`` (one value), ``list`` (comma-separated values) or ``mapping``
    (``ASSET=VALUE`` items).
    """

    command: tuple[str, ...]
    option: str
    domain: Domain
    shape: Shape

    @property
    def mapping(self) -> bool:
        """Whether the option takes ``ASSET=VALUE`` items."""
        return self.shape == "mapping"


def _parser_of(param: Any) -> Any:
    info = getattr(getattr(param, "type_descriptor", None), "parameter_info", None)
    return getattr(info, "parser", None)


def option_domains(app: Any) -> Iterator[OptionDomain]:
    """Every option with a declared domain, for a Typer app, depth first.

    ``command`` is the path of sub-command names, e.g. ``("calc", "liq")``.
    """
    import typer.main

    def walk(cmd: Any, path: tuple[str, ...]) -> Iterator[OptionDomain]:
        for param in cmd.params:
            parser = _parser_of(param)
            opts = getattr(param, "opts", None) or [param.name]
            name = str(max(opts, key=len))
            if isinstance(parser, DomainParser):
                yield OptionDomain(path, name, parser.domain, "value")
            elif isinstance(parser, ListParser):
                yield OptionDomain(path, name, parser.domain, "list")
            elif isinstance(parser, MappingParser) and parser.domain is not None:
                yield OptionDomain(path, name, parser.domain, "mapping")
        for sub in sorted(getattr(cmd, "commands", {})):
            yield from walk(cmd.commands[sub], (*path, sub))

    yield from walk(typer.main.get_command(app), ())
