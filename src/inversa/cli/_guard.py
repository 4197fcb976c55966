"""The margin guard on the command line: options and the run behind ``stress replay --guard``.

``stress replay`` declares the options below (``--guard`` and the ``--guard-*`` family) and
hands them to :func:`run_guard`, which replays one crash window (or all four) without and
with the guard, prints the headline numbers (or one JSON object) and writes the HTML
report (the margin-ratio paths with and without the guard; ``--vol-margin`` adds the
vol-scaled maintenance comparison).  Bad values are one line naming the option, exit 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from inversa import domain as d
from inversa.cli._options import number, text
from inversa.errors import InputError
from inversa.report import console as report_console
from inversa.report import print_json, transposed_to_fit

__all__ = [
    "GuardLatency",
    "GuardOpt",
    "GuardOrder",
    "GuardReduce",
    "GuardReserve",
    "GuardTarget",
    "GuardThreshold",
    "VolMarginOpt",
    "guard_config",
    "run_guard",
]

WINDOWS = ("2020-03", "2021-05", "2022-05", "2022-11")
BARS = d.Domain("count", "bars", Decimal(0), Decimal(d.MAX_COUNT), integer=True)
SHARE = d.Domain("fraction", "fraction of the position", Decimal(0), Decimal(1), low_open=True)

GuardOpt = Annotated[
    bool,
    typer.Option(
        "--guard",
        help="Run the margin guard: the book without and with an agent that tops up or "
        "reduces isolated positions whose MM / margin balance passes --guard-threshold.",
    ),
]
GuardThreshold = Annotated[
    Decimal,
    number(d.RATE, "Act above this MM / margin balance.", "--guard-threshold", show_default=True),
]
GuardTarget = Annotated[
    Decimal | None,
    number(d.RATE, "Ratio a top-up aims for (default threshold / 2).", "--guard-target"),
]
GuardOrder = Annotated[
    str,
    text("Actions in order: topup,reduce (either or both).", "--guard-order", show_default=True),
]
GuardLatency = Annotated[
    int,
    number(BARS, "Bars between seeing the ratio and acting.", "--guard-latency", show_default=True),
]
GuardReserve = Annotated[
    Decimal,
    number(
        d.AMOUNT, "Coin each account keeps in its wallet for top-ups.", "--guard-reserve",
        show_default=True,
    ),
]  # fmt: skip
GuardReduce = Annotated[
    Decimal,
    number(SHARE, "Share of the position one reduce closes.", "--guard-reduce", show_default=True),
]
VolMarginOpt = Annotated[
    bool,
    typer.Option(
        "--vol-margin",
        help="Also compare vol-scaled maintenance margin (EWMA 0.94) with the static tiers.",
    ),
]


def guard_config(
    threshold: Decimal,
    target: Decimal | None,
    order: str,
    latency: int,
    reserve: Decimal,
    reduce: Decimal,
) -> Any:
    """The :class:`inversa.sim.guard.GuardConfig` of the options (errors name the option)."""
    from inversa.sim.guard import GuardConfig

    actions = tuple(a.strip() for a in order.split(",") if a.strip())
    try:
        return GuardConfig(
            threshold=threshold,
            target=target,
            order=actions,
            latency_bars=latency,
            reserve_coin=reserve,
            reduce_fraction=reduce,
        )
    except InputError as exc:
        raise InputError(f"guard-{exc.field}", exc.value, exc.reason) from None


def run_guard(
    window: str | None,
    config: Any,
    *,
    venue: str = "binance-coinm",
    symbol: str = "BTC/USD:BTC",
    leverages: Sequence[object] | None = None,
    mode: str = "isolated",
    funding: str = "auto",
    fills: str = "trigger",
    guard: bool = True,
    vol_margin: bool = False,
    report: Path | None = None,
    json: bool = False,
) -> None:
    """Replay ``window`` (None or ``all``: the four windows) without and with the guard
    (``guard``) and/or under vol-scaled against static maintenance (``vol_margin``)."""
    from inversa.sim._book_run import DEFAULT_LEVERAGES

    if mode != "isolated":
        raise InputError("mode", mode, "--guard and --vol-margin run isolated books")
    if fills == "bounds":
        fills = "trigger"
    # --leverages is parsed by its domain (ListParser(LEVERAGE)) before the command runs
    levs = DEFAULT_LEVERAGES if leverages is None else tuple(leverages)
    if not levs:
        raise InputError("leverages", leverages, "give comma-separated numbers")
    from inversa.sim._book_run import BookSetup
    from inversa.sim.guard import guard_replay
    from inversa.sim.vol_margin import compare_vol_margin

    if window is None or window == "all":
        windows: tuple[str, ...] = WINDOWS
    elif window in WINDOWS:
        windows = (window,)
    else:
        raise InputError("window", window, f"must be one of {', '.join(WINDOWS)} or all")
    setup = BookSetup(venue, symbol, levs, funding, fills)
    results = [guard_replay(w, config, setup) for w in windows] if guard else []
    comparisons = [compare_vol_margin(w, setup=setup) for w in windows] if vol_margin else []
    if report is not None:
        from inversa.report.analytics import guard_report

        guard_report(results, report, comparisons)
    if json:
        payload: dict[str, Any] = {"guard": [r.summary for r in results]} if results else {}
        if comparisons:
            payload["vol_margin"] = [
                {"window": c.window, "models": c.summary.to_dict("records")} for c in comparisons
            ]
        print_json(_plain(payload))
        return
    from inversa.report.analytics import GUARD_COLUMNS, VOL_MARGIN_COLUMNS

    # The report's columns (headers, units, fmt), one column per window / per model.
    console = report_console()
    if results:
        tables = transposed_to_fit("Margin guard", GUARD_COLUMNS, results, console.width)
    else:
        tables = []
    for c in comparisons:
        title = f"{c.window}: vol-scaled vs static maintenance"
        rows = c.summary.itertuples()
        tables += transposed_to_fit(title, VOL_MARGIN_COLUMNS, rows, console.width)
    for item in tables:
        console.print(item)
    if report is not None:
        console.print(f"report: {report}")


def _plain(value: Any) -> Any:
    import pandas as pd

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if value is pd.NaT:
        return None
    return value
