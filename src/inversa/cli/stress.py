"""`inversa stress`: shock grids, liquidation cascades and historical crash replays.

Commands::

    inversa stress grid     [--book FILE] [--grid span|deribit] ...   # PnL per scenario, margin
    inversa stress cascade  [--book FILE] [--shock -0.10] [--depth USD] ...
    inversa stress replay   --window 2020-03 [--leverages 2,5,10,...]

Output is a Rich table by default, one JSON object with ``--json``, and ``--report
PATH.html`` also writes a self-contained HTML report with a Plotly figure.  User errors
print one line on stderr and exit with status 2.  Long work shows a progress bar on
stderr when stderr is a terminal.

The book (``grid`` and ``cascade``)
    ``--book FILE``: a CSV with a header, or a TOML file with ``[[positions]]`` tables;
    one position (one isolated account) per row with ``side`` (long/short or +1/-1),
    ``contracts``, ``entry`` (USD per coin) and either ``leverage`` (collateral = initial
    margin at entry, ``N*CV/entry/leverage`` coin) or ``collateral`` (coin); optional
    ``contract_value`` (USD) and ``mmr`` per row (TOML: also at the top level).
    Errors name the file, the data row (1 = first position) and the value.

    Without ``--book``, the **synthetic book**: for each leverage in
    :data:`SYNTHETIC_LEVERAGES` (2, 3, 5, 10, 20, 25, 50, 100) one long of 20,000 and
    one short of 10,000 contracts (2M and 1M USD at the default contract value of 100
    USD, the long-heavy crowding seen before crashes), all entered at the first hourly
    Binance USD-M BTC mark price (bar open) of the crash window ``--window`` (bundled
    data; 7,893.20 for 2020-03), collateral = initial margin at entry, flat MMR 0.5%.

    ``--price`` (USD per coin) is the base of the shocks; by default the synthetic
    book's entry price, or a file book's harmonic average entry (USD-weighted).
"""

from __future__ import annotations

import math
import sys
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from inversa import contracts as c
from inversa.cli._output import emit, parse_decimal, to_jsonable, user_errors
from inversa.errors import DataError, InputError

__all__ = ["SYNTHETIC_LEVERAGES", "app", "load_book", "synthetic_book"]

app = typer.Typer(
    help="Stress a book of inverse positions: shock grids, liquidation cascades, crash replays.",
    no_args_is_help=True,
)

#: Leverage levels of the synthetic default book.
SYNTHETIC_LEVERAGES: tuple[float, ...] = (2, 3, 5, 10, 20, 25, 50, 100)
SYNTHETIC_LONG_CONTRACTS = 20_000.0
SYNTHETIC_SHORT_CONTRACTS = 10_000.0
DEFAULT_CONTRACT_VALUE = "100"
DEFAULT_MMR = "0.005"
DEFAULT_WINDOW = "2020-03"

Num = Annotated[str | None, typer.Option(show_default=False)]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
BookOpt = Annotated[
    Path | None,
    typer.Option(
        "--book",
        help="CSV or TOML book: side,contracts,entry and leverage or collateral per row.",
        show_default=False,
    ),
]
WindowOpt = Annotated[
    str,
    typer.Option(help="Crash window of the synthetic book's entry price (2020-03, 2021-05, ...)."),
]
PriceOpt = Annotated[
    str | None,
    typer.Option(
        help="Base price, USD per coin (default: the book's entry / average entry).",
        show_default=False,
    ),
]
CvOpt = Annotated[str, typer.Option(help="USD per contract, for rows without contract_value.")]
MmrOpt = Annotated[
    str | None,
    typer.Option(
        help="Flat maintenance rate for rows without mmr (default 0.005).", show_default=False
    ),
]
TiersOpt = Annotated[
    str | None,
    typer.Option(
        help="Maintenance tiers UPPER:RATE by position value in coin, e.g. 5:0.004,inf:0.25.",
        show_default=False,
    ),
]
ReportOpt = Annotated[
    Path | None,
    typer.Option(
        "--report", help="Also write an HTML report with a Plotly figure.", show_default=False
    ),
]


# -- books -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Book:
    book: Any  # inversa.sim.riskbook.RiskBook (imported lazily)
    source: str
    price: float


def _float(field: str, text: str | None) -> float | None:
    if text is None:
        return None
    value = float(parse_decimal(field, text))
    if not math.isfinite(value):
        raise InputError(field, text, "must be a finite number")
    return value


def _rule(mmr: str | None, tiers: str | None) -> tuple[float | None, c.TierTable | None]:
    if mmr is not None and tiers is not None:
        raise InputError("mmr", mmr, "give either --mmr or --tiers, not both")
    if tiers is not None:
        return None, c.TierTable.parse(tiers)
    rate = _float("mmr", mmr if mmr is not None else DEFAULT_MMR)
    assert rate is not None
    if not 0 <= rate < 1:
        raise InputError("mmr", mmr, "must lie in [0, 1)")
    return rate, None


def synthetic_book(
    window: str = DEFAULT_WINDOW,
    *,
    contract_value: float = 100.0,
    mmr: float | None = 0.005,
    tiers: c.TierTable | None = None,
) -> tuple[Any, float]:
    """The documented default book (see the module notes) and its entry price."""
    from inversa.data import crash_window
    from inversa.sim.riskbook import RiskBook

    entry = float(crash_window(window, "BTC")["open"].iloc[0])
    levs = np.array(SYNTHETIC_LEVERAGES, dtype=np.float64)
    k = levs.shape[0]
    side = np.concatenate([np.ones(k), -np.ones(k)])
    contracts = np.concatenate(
        [np.full(k, SYNTHETIC_LONG_CONTRACTS), np.full(k, SYNTHETIC_SHORT_CONTRACTS)]
    )
    labels = [f"long {lev:g}x" for lev in levs] + [f"short {lev:g}x" for lev in levs]
    book = RiskBook.from_leverage(
        side,
        contracts,
        np.full(2 * k, entry),
        contract_value,
        np.concatenate([levs, levs]),
        mmr=None if tiers is not None else mmr,
        tiers=tiers,
        row_labels=labels,
    )
    return book, entry


_SIDES = {"long": 1.0, "buy": 1.0, "+1": 1.0, "1": 1.0, "short": -1.0, "sell": -1.0, "-1": -1.0}
_COLUMNS = ("side", "contracts", "entry", "leverage", "collateral", "contract_value", "mmr")


def _cells(path: Path) -> pd.DataFrame:
    """The cells of a CSV or TOML book, one row per position, columns lower-cased: numeric
    columns as numbers, others as text (a missing cell is ``""``)."""
    source = str(path)
    if not path.is_file():
        raise DataError(source, "file not found" if not path.exists() else "not a file")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DataError(source, f"not valid TOML: {exc}") from None
        rows = doc.get("positions")
        if not isinstance(rows, list) or not rows:
            raise DataError(source, "expected [[positions]] tables with side, contracts, entry")
        defaults = {k: v for k, v in doc.items() if k in ("contract_value", "mmr")}
        records = []
        for i, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise DataError(source, "each position must be a table", row=i)
            unknown = [str(k) for k in row if str(k).lower() not in _COLUMNS]
            if unknown:
                raise DataError(source, f"unknown key(s) {', '.join(unknown)}", row=i)
            merged = {**defaults, **{str(k).lower(): v for k, v in row.items()}}
            records.append({k: _text(v) for k, v in merged.items()})
        return pd.DataFrame.from_records(records).fillna("")
    if suffix != ".csv":
        raise InputError("book", source, "must be a .csv or .toml file")
    try:  # numbers parse in C here; columns with any non-number stay text
        text = pd.read_csv(path, keep_default_na=False, na_filter=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DataError(source, "file is empty (no header line)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise DataError(source, f"cannot be read as CSV: {exc}") from None
    text.columns = [str(col).strip().lower() for col in text.columns]
    unknown = [col for col in text.columns if col not in _COLUMNS]
    if unknown:
        raise DataError(source, f"unknown column(s) {', '.join(unknown)}")
    if text.empty:
        raise DataError(source, "no data rows after the header")
    return text


def _text(value: object) -> str:
    """A TOML value as cell text; booleans and tables stay recognisably non-numeric."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str | int | float):
        return str(value)
    return repr(value)


def _cell(value: object) -> str:
    """A cell as the text the user wrote (numbers without a spurious ``.0``)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


_RULES: dict[str, tuple[Callable[[Any], Any], str]] = {
    "contracts": (lambda v: v > 0, "must be a number > 0"),
    "entry": (lambda v: v > 0, "must be a price > 0 (USD per coin)"),
    "leverage": (lambda v: v >= 1, "must be a number >= 1"),
    "collateral": (lambda v: v >= 0, "must be a number >= 0 (coin)"),
    "contract_value": (lambda v: v > 0, "must be a number > 0 (USD per contract)"),
    "mmr": (lambda v: (v >= 0) & (v < 1), "must lie in [0, 1)"),
}


def load_book(
    path: Path,
    *,
    contract_value: float,
    mmr: float | None,
    tiers: c.TierTable | None,
) -> Any:
    """A :class:`~inversa.sim.riskbook.RiskBook` from a CSV or TOML file (see module notes).

    Cells are checked column by column (vectorised); the first bad data row is reported
    with the file, the row (1 = first position) and the cell's text.
    """
    from inversa.sim.riskbook import RiskBook

    source = str(path)
    cells = _cells(path)
    keys = set(cells.columns)
    missing = [k for k in ("side", "contracts", "entry") if k not in keys]
    if missing:
        raise DataError(source, f"missing column(s) {', '.join(missing)}")
    if ("leverage" in keys) == ("collateral" in keys):
        raise DataError(source, "give exactly one of the columns leverage and collateral")
    if tiers is not None and "mmr" in keys:
        raise DataError(source, "an mmr column conflicts with --tiers")
    funding = "leverage" if "leverage" in keys else "collateral"
    defaults = {"contract_value": contract_value, "mmr": mmr if mmr is not None else 0.0}
    problems: list[tuple[int, str]] = []
    raw_side = cells["side"]
    side = np.array(raw_side.map(_SIDES).to_numpy(dtype=np.float64, na_value=np.nan))
    odd = np.isnan(side)
    if odd.any():  # " Long", "SHORT": normalise only the cells that need it
        fixed = raw_side[odd].astype(str).str.strip().str.lower().map(_SIDES)
        side[odd] = fixed.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(side)
    if bad.any():
        i = int(np.argmax(bad))
        problems.append((i, f"side={str(raw_side.iloc[i])!r}: must be long or short"))
    cols: dict[str, np.ndarray] = {}
    for name in ("contracts", "entry", funding, "contract_value", "mmr"):
        if name not in keys:
            cols[name] = np.full(len(cells), float(defaults[name]))
            continue
        column = cells[name]
        if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
            column.dtype
        ):
            values = column.to_numpy(dtype=np.float64)
            blank = np.zeros(len(values), dtype=bool)
        else:
            text = column.astype(str).str.strip()
            blank = (text == "").to_numpy()
            numbers = pd.to_numeric(text, errors="coerce")
            values = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
        if name in defaults:
            values = np.where(blank, float(defaults[name]), values)
        elif blank.any():
            i = int(np.argmax(blank))
            problems.append((i, f"{name}='': empty value"))
        bad = ~np.isfinite(values) & ~(blank & (name not in defaults))
        if bad.any():
            i = int(np.argmax(bad))
            problems.append((i, f"{name}={_cell(column.iloc[i])!r}: not a finite number"))
        ok, reason = _RULES[name]
        with np.errstate(invalid="ignore"):
            wrong = np.isfinite(values) & ~np.asarray(ok(values), dtype=bool)
        if wrong.any():
            i = int(np.argmax(wrong))
            problems.append((i, f"{name}={_cell(column.iloc[i])!r}: {reason}"))
        cols[name] = values
    if problems:
        i, message = min(problems, key=lambda p: p[0])
        raise DataError(source, message, row=i + 1)
    rate = None if tiers is not None else cols["mmr"]
    labels = list(range(1, len(cells) + 1))
    try:
        if funding == "leverage":
            return RiskBook.from_leverage(
                side,
                cols["contracts"],
                cols["entry"],
                cols["contract_value"],
                cols["leverage"],
                mmr=rate,
                tiers=tiers,
                row_labels=labels,
            )
        return RiskBook(
            side,
            cols["contracts"],
            cols["entry"],
            cols["contract_value"],
            cols["collateral"],
            mmr=rate,
            tiers=tiers,
            row_labels=labels,
        )
    except InputError as exc:
        raise DataError(source, str(exc)) from None


def _book(
    path: Path | None,
    window: str,
    price: str | None,
    contract_value: str,
    mmr: str | None,
    tiers: str | None,
) -> _Book:
    cv = _float("contract_value", contract_value)
    assert cv is not None
    if not cv > 0:
        raise InputError("contract_value", contract_value, "must be > 0 (USD per contract)")
    rate, table = _rule(mmr, tiers)
    base = _float("price", price)
    if base is not None and not base > 0:
        raise InputError("price", price, "must be a price > 0 (USD per coin)")
    if path is None:
        book, entry = synthetic_book(window, contract_value=cv, mmr=rate, tiers=table)
        source = f"synthetic: {len(SYNTHETIC_LEVERAGES)} leverages x long/short, window {window}"
        return _Book(book, source, entry if base is None else base)
    book = load_book(path, contract_value=cv, mmr=rate, tiers=table)
    if base is None:
        value = c.position_value(book.contracts, book.entry, book.contract_value)
        base = float(book.usd_notional.sum() / np.sum(value))
    return _Book(book, str(path), base)


# -- output helpers --------------------------------------------------------------------


@contextmanager
def _progress(total: int, description: str) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on stderr when it is a terminal (never on stdout)."""
    console = Console(stderr=True)
    if not console.is_terminal or total <= 1:
        yield lambda done: None
        return
    from rich.progress import Progress

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.update(task, completed=done)


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        v = float(value)
        if not math.isfinite(v):
            return "inf" if v > 0 else "-inf" if v < 0 else "nan"
        if abs(v) >= 1e4:
            return f"{v:,.0f}"
        return f"{v:,.6g}" if abs(v) >= 1e-4 or v == 0 else f"{v:.4g}"
    if value is None:
        return ""
    return str(value)


def _table(
    title: str,
    rows: Sequence[Mapping[str, Any]],
    units: Mapping[str, str],
    columns: Sequence[str] | None = None,
) -> Table:
    table = Table(title=title, title_justify="left")
    if not rows:
        return table
    keys = list(columns) if columns is not None else list(rows[0])
    for i, key in enumerate(keys):
        unit = units.get(key)
        header = f"{key}\n({unit})" if unit else key
        table.add_column(header, justify="left" if i == 0 else "right", no_wrap=i == 0)
    for row in rows:
        table.add_row(*(_fmt(row.get(k)) for k in keys))
    return table


def _write_report(path: Path, title: str, sections: Sequence[Any]) -> None:
    from inversa.report.html import write_report

    try:
        write_report(path, title, sections)
    except OSError as exc:
        raise InputError("report", str(path), f"cannot be written: {exc.strerror or exc}") from None


# -- grid --------------------------------------------------------------------------------


@app.command()
def grid(
    book: BookOpt = None,
    window: WindowOpt = DEFAULT_WINDOW,
    price: PriceOpt = None,
    grid_kind: Annotated[str, typer.Option("--grid", help="span or deribit")] = "span",
    scan_range: Annotated[str, typer.Option(help="SPAN scan range, fraction of price.")] = "0.15",
    vol_pairs: Annotated[
        bool, typer.Option(help="SPAN: each move with vol up and vol down (16 scenarios).")
    ] = True,
    extreme_multiple: Annotated[
        str, typer.Option(help="SPAN extreme move in scan ranges (CME's 3x is unconfirmed).")
    ] = "2",
    extreme_weight: Annotated[
        str, typer.Option(help="SPAN: share of extreme loss counted.")
    ] = "0.35",
    price_range: Annotated[str, typer.Option(help="Deribit: +- range, fraction.")] = "0.16",
    buckets: Annotated[str, typer.Option(help="Deribit: odd number of buckets incl. 0.")] = "9",
    vol_scenarios: Annotated[
        bool, typer.Option(help="Deribit: each bucket with vol up, unchanged, down.")
    ] = False,
    extended: Annotated[bool, typer.Option(help="Deribit: include the extended table.")] = True,
    extended_fraction: Annotated[
        str, typer.Option(help="Deribit: share of extended-table loss counted.")
    ] = "0.35",
    contract_value: CvOpt = DEFAULT_CONTRACT_VALUE,
    mmr: MmrOpt = None,
    tiers: TiersOpt = None,
    report: ReportOpt = None,
    json: Json = False,
) -> None:
    """PnL (coin) per price scenario, accounts liquidated, and the worst weighted loss."""
    with user_errors():
        from inversa.sim.shocks import apply_grid, deribit_grid, span_grid

        loaded = _book(book, window, price, contract_value, mmr, tiers)
        kind = grid_kind.strip().lower()
        if kind == "span":
            scenarios = span_grid(
                _req("scan_range", scan_range),
                vol_pairs=vol_pairs,
                extreme_multiple=_req("extreme_multiple", extreme_multiple),
                extreme_weight=_req("extreme_weight", extreme_weight),
            )
        elif kind == "deribit":
            scenarios = deribit_grid(
                _req("price_range", price_range),
                buckets=_int("buckets", buckets),
                vol_scenarios=vol_scenarios,
                extended=extended,
                extended_fraction=_req("extended_fraction", extended_fraction),
            )
        else:
            raise InputError("grid", grid_kind, "must be span or deribit")
        with _progress(len(scenarios), "scenarios") as tick:
            result = apply_grid(
                loaded.book, scenarios, loaded.price, progress=lambda done, _t: tick(done)
            )
        out = {"book": loaded.source, **result.to_dict()}
        if report is not None:
            _write_report(report, f"Shock grid ({scenarios.name})", _grid_sections(out))
        if json:
            sys.stdout.write(_dumps(out))
            return
        summary = {k: v for k, v in out.items() if k != "scenarios"}
        emit(summary, as_json=False, title="Shock grid", units=_GRID_UNITS)
        columns = ("scenario", "weight", "price", "pnl", "weighted_pnl", "liquidated")
        Console().print(_table("Scenarios", out["scenarios"], _ROW_UNITS, columns))


def _req(field: str, text: str) -> float:
    value = _float(field, text)
    assert value is not None
    return value


def _int(field: str, text: str) -> int:
    value = parse_decimal(field, text)
    if not value.is_finite() or value != value.to_integral_value():
        raise InputError(field, text, "must be a whole number")
    return int(value)


def _dumps(obj: Mapping[str, Any]) -> str:
    import json as _json

    return _json.dumps(to_jsonable(obj)) + "\n"


_GRID_UNITS = {
    "price": "USD/coin",
    "margin": "coin (worst weighted loss)",
    "scan_range": "fraction",
}
_ROW_UNITS = {
    "price": "USD/coin",
    "pnl": "coin",
    "weighted_pnl": "coin",
    "liquidated_usd": "USD",
    "notional_usd": "USD",
    "notional_coin": "coin",
    "net_flow_usd": "USD",
    "next_price": "USD/coin",
}


def _grid_sections(out: Mapping[str, Any]) -> list[Any]:
    import plotly.graph_objects as go

    from inversa.report.html import Section

    rows = out["scenarios"]
    names = [r["scenario"] for r in rows]
    fig = go.Figure()
    fig.add_bar(x=names, y=[r["pnl"] for r in rows], name="PnL (coin)")
    fig.add_bar(x=names, y=[r["weighted_pnl"] for r in rows], name="weighted PnL (coin)")
    fig.update_layout(
        barmode="group",
        title="Book PnL per scenario (coin, from the base price)",
        yaxis_title="coin",
        xaxis_title="scenario",
    )
    text = (
        f"Book: {out['book']}, {out['positions']} positions; base price {out['price']:,.2f} "
        f"USD per coin. Margin (worst weighted loss): {out['margin']:.8g} coin"
        f" in scenario {out['worst_scenario']!r}."
    )
    params = {k: v for k, v in out.items() if k not in ("scenarios",)}
    return [
        Section("Summary", text, rows=[params]),
        Section("PnL per scenario", figures=[fig]),
        Section("Scenarios", rows=rows),
    ]


# -- cascade -----------------------------------------------------------------------------


@app.command()
def cascade(
    book: BookOpt = None,
    window: WindowOpt = DEFAULT_WINDOW,
    price: PriceOpt = None,
    shock: Annotated[
        str, typer.Option(help="Initial move from --price that starts the cascade.")
    ] = "-0.10",
    start_price: Annotated[
        str | None, typer.Option(help="Start price (instead of --shock).", show_default=False)
    ] = None,
    depth: Annotated[str, typer.Option(help="Market depth, USD notional.")] = "100000000",
    impact_k: Annotated[str, typer.Option("--impact-k", help="Impact coefficient k.")] = "1",
    impact: Annotated[
        str, typer.Option(help="linear: k*F/depth, sqrt: k*sqrt(F/depth).")
    ] = "linear",
    max_rounds: Annotated[str, typer.Option(help="Stop after this many rounds.")] = "100",
    contract_value: CvOpt = DEFAULT_CONTRACT_VALUE,
    mmr: MmrOpt = None,
    tiers: TiersOpt = None,
    report: ReportOpt = None,
    json: Json = False,
) -> None:
    """Liquidations trade into a price impact that liquidates more, round by round."""
    with user_errors():
        from inversa.sim.cascade import PriceImpact, run_cascade

        loaded = _book(book, window, price, contract_value, mmr, tiers)
        model = impact.strip().lower()
        if model not in ("linear", "sqrt"):
            raise InputError("impact", impact, "must be linear or sqrt")
        imp = PriceImpact(_req("depth", depth), _req("impact_k", impact_k), model)  # type: ignore[arg-type]
        if start_price is not None:
            start = _req("start_price", start_price)
        else:
            move = _req("shock", shock)
            if move <= -1:
                raise InputError("shock", shock, "must be > -1 (the price stays > 0)")
            start = loaded.price * (1.0 + move)
        rounds = _int("max_rounds", max_rounds)
        with _progress(rounds, "cascade rounds") as tick:
            result = run_cascade(
                loaded.book,
                start,
                imp,
                max_rounds=rounds,
                progress=lambda done, _p: tick(done),
            )
        out = {"book": loaded.source, "price": loaded.price, **result.to_dict()}
        if report is not None:
            _write_report(report, "Liquidation cascade", _cascade_sections(out))
        if json:
            sys.stdout.write(_dumps(out))
            return
        summary = {k: v for k, v in out.items() if k != "rounds"}
        emit(summary, as_json=False, title="Liquidation cascade", units=_CASCADE_UNITS)
        columns = ("round", "price", "liquidated", "notional_usd", "notional_coin", "next_price")
        Console().print(_table("Rounds", out["rounds"], _ROW_UNITS, columns))


_CASCADE_UNITS = {
    "price": "USD/coin",
    "start_price": "USD/coin",
    "final_price": "USD/coin",
    "depth": "USD",
    "price_move": "fraction",
    "liquidated": "positions",
    "liquidated_usd": "USD",
    "liquidated_coin": "coin",
}


def _cascade_sections(out: Mapping[str, Any]) -> list[Any]:
    from plotly.subplots import make_subplots

    from inversa.report.html import Section

    rows = out["rounds"]
    path = [out["start_price"], *(r["next_price"] for r in rows)]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_scatter(
        x=list(range(len(path))), y=path, mode="lines+markers", name="price after round"
    )
    fig.add_bar(
        x=[r["round"] for r in rows],
        y=[r["notional_usd"] for r in rows],
        name="liquidated (USD)",
        opacity=0.4,
        secondary_y=True,
    )
    fig.update_layout(title="Cascade: price per round", xaxis_title="round (0 = start)")
    fig.update_yaxes(title_text="USD per coin", secondary_y=False)
    fig.update_yaxes(title_text="USD liquidated", secondary_y=True)
    text = (
        f"Book: {out['book']}, {out['positions']} positions. Start {out['start_price']:,.2f}, "
        f"final {out['final_price']:,.2f} USD per coin after {out['rounds_count']} round(s); "
        f"{out['liquidated']} positions, {out['liquidated_usd']:,.0f} USD liquidated "
        f"({out['model']} impact, k={out['k']:g}, depth {out['depth']:,.0f} USD)."
    )
    summary = {k: v for k, v in out.items() if k != "rounds"}
    return [
        Section("Summary", text, rows=[summary]),
        Section("Price path", figures=[fig]),
        Section("Rounds", rows=rows),
    ]


# -- replay ------------------------------------------------------------------------------


_REPLAY_OPTIONS = {
    "insurance_fund_coin": "insurance_fund",
    "size_usd": "size",
    "depth_usd": "depth",
}
_REPLAY_VENUES = (
    "Venue rule set: binance-coinm, bitmex, bybit, deribit.  okx: no margin model "
    "(its maintenance tiers are not sourced), so it cannot be replayed."
)


@app.command()
def replay(
    window: Annotated[
        str | None,
        typer.Option(help="Crash window: 2020-03, 2021-05, 2022-05, 2022-11.", show_default=False),
    ] = None,
    leverages: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated leverages (default: 2,5,10,25,50,100 cut at the venue's cap).",
            show_default=False,
        ),
    ] = None,
    venue: Annotated[str, typer.Option(help=_REPLAY_VENUES)] = "binance-coinm",
    symbol: Annotated[str, typer.Option(help="Symbol on the venue.")] = "BTC/USD:BTC",
    fills: Annotated[
        str,
        typer.Option(
            help="Liquidation fills at an hourly extreme: trigger (at the liquidation price, "
            "the optimistic bound), worst-mark (at the bar's extreme, the pessimistic bound), "
            "impact (needs --depth), or bounds (trigger and worst-mark, plus impact with "
            "--depth)."
        ),
    ] = "bounds",
    mode: Annotated[str, typer.Option(help="Margin mode of every account: isolated or cross.")] = (
        "isolated"
    ),
    funding: Annotated[
        str,
        typer.Option(
            help="Funding source: auto (the venue's own history if it covers the window, "
            "else Bybit's), venue, bitmex, bybit, binance-coinm, deribit, formula (interest "
            "only) or none.  A row stamped t settles positions open at t at the open of the "
            "bar starting at t."
        ),
    ] = "auto",
    insurance_fund: Annotated[str, typer.Option(help="Insurance fund at the start, coin.")] = "0",
    size: Annotated[
        str | None,
        typer.Option(
            help="Notional per account, USD (default: 1 coin at the entry price).",
            show_default=False,
        ),
    ] = None,
    depth: Annotated[
        str | None,
        typer.Option(
            help="Book depth for the impact fill model, USD (selling it all would move the "
            "price 100 %).",
            show_default=False,
        ),
    ] = None,
    report: ReportOpt = None,
    json: Json = False,
) -> None:
    """Replay a bundled crash window on the simulated venue: who is liquidated, when, and
    what the insurance fund and ADL did under each liquidation fill bound."""
    with user_errors():
        if window is None:
            raise InputError("window", None, "is required: 2020-03, 2021-05, 2022-05 or 2022-11")
        import inversa.sim.replay as sim_replay

        levs = None
        if leverages is not None:
            items = [x.strip() for x in leverages.split(",") if x.strip()]
            if not items:
                raise InputError("leverages", leverages, "give comma-separated numbers")
            levs = tuple(parse_decimal(f"leverages[{i}]", x) for i, x in enumerate(items))
        if fills not in ("bounds", *sim_replay.FILL_MODELS, "mark"):
            raise InputError(
                "fills", fills, f"must be bounds or one of {', '.join(sim_replay.FILL_MODELS)}"
            )
        try:
            config = sim_replay.ReplayConfig.of(
                window,
                venue=venue,
                symbol=symbol,
                leverages=levs,
                mode=mode,
                funding=funding,
                fills=None if fills == "bounds" else (fills,),
                depth_usd=None if depth is None else parse_decimal("depth", depth),
                insurance_fund_coin=parse_decimal("insurance_fund", insurance_fund),
                size_usd=None if size is None else parse_decimal("size", size),
            )
        except InputError as exc:  # name the option, not the config field
            option = _REPLAY_OPTIONS.get(exc.field, exc.field)
            raise InputError(option, exc.value, exc.reason) from None
        runs = len(config.fills or ())
        with _progress(runs, f"replaying {window}") as tick:
            result = sim_replay.crash_replay(config)
            tick(runs)
        out = result.to_dict()
        if report is not None:
            _write_report(report, f"Crash replay {window}", _replay_sections(window, out))
        if json:
            sys.stdout.write(_dumps(out))
            return
        _print_mapping(f"Crash replay {window}", {k: v for k, v in out.items() if k != "runs"})


_REPLAY_COLUMNS = {
    "by_leverage": (
        "leverage",
        "side",
        "accounts",
        "liquidated",
        "lost_coin",
        "pnl_coin",
        "adl_events",
    ),
    "accounts": ("account", "liquidated", "liquidated_bar_open_utc", "lost_coin", "pnl_coin"),
    "bounds": (
        "fills",
        "liquidated",
        "insurance_paid_in_coin",
        "insurance_drawn_coin",
        "adl_events",
        "uncovered_coin",
    ),
}
_REPLAY_UNITS = {
    "lost_coin": "coin",
    "pnl_coin": "coin",
    "final_equity_coin": "coin",
    "deposit_coin": "coin",
    "insurance_paid_in_coin": "coin",
    "insurance_drawn_coin": "coin",
    "insurance_start_coin": "coin",
    "insurance_end_coin": "coin",
    "market_maker_pnl_coin": "coin",
    "fees_coin": "coin",
    "uncovered_coin": "coin",
    "entry_price_usdt": "USDT/BTC",
    "min_low_usdt": "USDT/BTC",
    "max_high_usdt": "USDT/BTC",
    "liquidated_bar_open_utc": "bar open, UTC",
}


def _print_mapping(title: str, out: Mapping[str, Any]) -> None:
    """Scalars in one table, nested mappings as their own, lists of records as tables
    (known ones with a narrow set of columns), other lists by their length."""
    scalars = {k: v for k, v in out.items() if not isinstance(v, list | tuple | Mapping)}
    console = Console()
    if scalars:
        emit(scalars, as_json=False, title=title, units=_REPLAY_UNITS)
    for key, value in out.items():
        if isinstance(value, Mapping):
            _print_mapping(f"{title}: {key}", value)
        elif isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
            if key == "prices":
                console.print(f"{key}: {len(value)} hourly bars (see --json or --report)")
                continue
            columns = _REPLAY_COLUMNS.get(key)
            if columns is not None and not all(c in value[0] for c in columns):
                columns = None
            rows = [
                {
                    k: (x[:16].replace("T", " ") if k.endswith("_utc") and x else x)
                    for k, x in v.items()
                }
                for v in value
            ]
            console.print(_table(key, rows, _REPLAY_UNITS, columns))
        elif isinstance(value, list | tuple):
            console.print(f"{key}: {len(value)} values")


def _first(record: Mapping[str, Any], keys: Sequence[str]) -> Any:
    for key in keys:
        if key in record:
            return record[key]
    return None


def _bars(out: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The replay's hourly bars: ``prices`` records with ``time`` and OHLC."""
    value = out.get("prices")
    if isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
        return [v for v in value if _first(v, ("close", "price", "mark")) is not None]
    return []


def _liquidations(
    out: Mapping[str, Any], bars: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Liquidated accounts with a marker price: the low (long) or high (short) of the bar
    in which the account was liquidated, the extreme the venue checks."""
    by_time = {str(_first(b, ("time", "timestamp"))): b for b in bars}
    out_rows: list[dict[str, Any]] = []
    for acc in out.get("accounts") or []:
        if not isinstance(acc, Mapping) or not acc.get("liquidated"):
            continue
        when = acc.get("liquidated_bar_open_utc")
        bar = by_time.get(str(when))
        short = str(acc.get("side", "")).lower() in ("short", "-1")
        price = None
        if bar is not None:
            price = _first(bar, ("high",) if short else ("low",))
            price = price if price is not None else _first(bar, ("close", "price"))
        out_rows.append(
            {
                "account": acc.get("account"),
                "side": acc.get("side"),
                "leverage": acc.get("leverage"),
                "liquidated_bar_open_utc": when,
                "marker_price": price,
                "lost_coin": acc.get("lost_coin"),
            }
        )
    return out_rows


def _replay_sections(window: str, out: Mapping[str, Any]) -> list[Any]:
    import plotly.graph_objects as go

    from inversa.report.html import Section

    bars = _bars(out)
    times = [_first(b, ("time", "timestamp")) for b in bars]
    fig = go.Figure()
    if bars and all(k in bars[0] for k in ("low", "high")):
        for key, dash in (("high", "dot"), ("low", "dot")):
            fig.add_scatter(
                x=times,
                y=[b[key] for b in bars],
                mode="lines",
                name=f"hourly {key}",
                line={"width": 1, "dash": dash, "color": "grey"},
            )
    if bars:
        fig.add_scatter(
            x=times,
            y=[_first(b, ("close", "price", "mark")) for b in bars],
            mode="lines",
            name="mark (close)",
            line={"color": "royalblue"},
        )
    liquidations = _liquidations(out, bars)
    marked = [r for r in liquidations if r["marker_price"] is not None]
    if marked:
        fig.add_scatter(
            x=[r["liquidated_bar_open_utc"] for r in marked],
            y=[r["marker_price"] for r in marked],
            mode="markers",
            marker={"symbol": "x", "size": 11, "color": "crimson"},
            name="liquidation",
            text=[str(r["account"]) for r in marked],
            hovertemplate="%{text}<br>%{x}<br>%{y:,.2f} USDT<extra></extra>",
        )
    fig.update_layout(
        title=f"Crash {window}: price path and liquidations",
        yaxis_title="USDT per BTC (Binance USD-M mark)",
        xaxis_title="time (UTC)",
    )
    scalars = {k: v for k, v in out.items() if not isinstance(v, list | tuple | Mapping)}
    totals = out.get("totals")
    sections = [
        Section(
            "Summary",
            f"Window {window}: {len(liquidations)} account(s) liquidated. Markers sit at the "
            "hourly low (longs) or high (shorts) of the bar of each liquidation.",
            rows=[to_jsonable({**scalars, **(totals if isinstance(totals, Mapping) else {})})],
        ),
        Section("Price path", figures=[fig]),
    ]
    by_leverage = out.get("by_leverage")
    if isinstance(by_leverage, list) and by_leverage:
        sections.append(Section("By leverage", rows=to_jsonable(by_leverage)))
    if liquidations:
        sections.append(Section("Liquidations", rows=to_jsonable(liquidations)))
    return sections
