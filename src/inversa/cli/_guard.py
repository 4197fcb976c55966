"""The margin guard on the command line: options and the run behind ``stress replay --guard``.

``stress replay`` declares the options below (``--guard`` and the ``--guard-*`` family) and
hands them to :func:`run_guard`, which replays one crash window (or all four) without and
with the guard, prints the headline numbers (or one JSON object) and writes the HTML
report (the margin-ratio paths with and without the guard; ``--vol-margin`` adds the
vol-scaled maintenance comparison).  Bad values are one line naming the option, exit 2.
"""

from __future__ import annotations

import json as _json
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from inversa.cli._output import parse_decimal, to_jsonable
from inversa.errors import InputError

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

GuardOpt = Annotated[
    bool,
    typer.Option(
        "--guard",
        help="Run the margin guard: the book without and with an agent that tops up or "
        "reduces isolated positions whose MM / margin balance passes --guard-threshold.",
    ),
]
GuardThreshold = Annotated[
    str, typer.Option("--guard-threshold", help="Act above this MM / margin balance, in (0, 1).")
]
GuardTarget = Annotated[
    str | None,
    typer.Option(
        "--guard-target",
        help="Ratio a top-up aims for (default threshold / 2).",
        show_default=False,
    ),
]
GuardOrder = Annotated[
    str, typer.Option("--guard-order", help="Actions in order: topup,reduce (either or both).")
]
GuardLatency = Annotated[
    str, typer.Option("--guard-latency", help="Bars between seeing the ratio and acting (>= 0).")
]
GuardReserve = Annotated[
    str, typer.Option("--guard-reserve", help="Coin each account keeps in its wallet for top-ups.")
]
GuardReduce = Annotated[
    str, typer.Option("--guard-reduce", help="Share of the position one reduce closes, (0, 1].")
]
VolMarginOpt = Annotated[
    bool,
    typer.Option(
        "--vol-margin",
        help="Also compare vol-scaled maintenance margin (EWMA 0.94) with the static tiers.",
    ),
]


def guard_config(
    threshold: str,
    target: str | None,
    order: str,
    latency: str,
    reserve: str,
    reduce: str,
) -> Any:
    """The :class:`inversa.sim.guard.GuardConfig` of the options (errors name the option)."""
    from inversa.sim.guard import GuardConfig

    try:
        lat = int(latency.strip())
    except ValueError:
        raise InputError("guard-latency", latency, "must be an integer >= 0") from None
    if lat < 0:
        raise InputError("guard-latency", latency, "must be an integer >= 0")
    value = parse_decimal("guard-threshold", threshold)
    if not Decimal(0) < value < 1:
        raise InputError("guard-threshold", threshold, "must lie in (0, 1)")
    actions = tuple(a.strip() for a in order.split(",") if a.strip())
    try:
        return GuardConfig(
            threshold=value,
            target=None if target is None else parse_decimal("guard-target", target),
            order=actions,
            latency_bars=lat,
            reserve_coin=parse_decimal("guard-reserve", reserve),
            reduce_fraction=parse_decimal("guard-reduce", reduce),
        )
    except InputError as exc:
        raise InputError(f"guard-{exc.field}", exc.value, exc.reason) from None


def run_guard(
    window: str | None,
    config: Any,
    *,
    venue: str = "binance-coinm",
    symbol: str = "BTC/USD:BTC",
    leverages: str | Sequence[object] | None = None,
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
    if leverages is None:
        levs: tuple[object, ...] = DEFAULT_LEVERAGES
    elif isinstance(leverages, str):
        levs = tuple(
            parse_decimal(f"leverages[{i}]", x)
            for i, x in enumerate(x for x in leverages.split(",") if x.strip())
        )
    else:
        levs = tuple(leverages)
    if not levs:
        raise InputError("leverages", leverages, "give comma-separated numbers")
    from inversa.sim.guard import guard_replay
    from inversa.sim.vol_margin import compare_vol_margin

    if window is None or window == "all":
        windows: tuple[str, ...] = WINDOWS
    elif window in WINDOWS:
        windows = (window,)
    else:
        raise InputError("window", window, f"must be one of {', '.join(WINDOWS)} or all")
    results = (
        [
            guard_replay(
                w, config, venue=venue, symbol=symbol, leverages=levs, funding=funding, fills=fills
            )
            for w in windows
        ]
        if guard
        else []
    )
    comparisons = (
        [
            compare_vol_margin(
                w, venue=venue, symbol=symbol, leverages=levs, funding=funding, fills=fills
            )
            for w in windows
        ]
        if vol_margin
        else []
    )
    if report is not None:
        from inversa.report.analytics import guard_report

        guard_report(results, report, comparisons)
    if json:
        payload: dict[str, Any] = {"guard": [r.summary for r in results]} if results else {}
        if comparisons:
            payload["vol_margin"] = [
                {"window": c.window, "models": c.summary.to_dict("records")} for c in comparisons
            ]
        sys.stdout.write(_json.dumps(to_jsonable(_plain(payload))) + "\n")
        return
    console = Console()
    table = Table(title="Margin guard", title_justify="left")
    for head in ("window", "liq. without", "with", "avoided", "coin saved", "fees", "not saved"):
        table.add_column(head, justify="right")
    for r in results:
        s = r.summary
        table.add_row(
            r.window,
            str(s["liquidations_without"]),
            str(s["liquidations_with"]),
            str(s["liquidations_avoided"]),
            f"{s['coin_saved']:+.4f}",
            f"{s['guard_fees_coin']:.6f}",
            ", ".join(s["not_saved"]) or "-",
        )
    if results:
        console.print(table)
    for c in comparisons:
        vol = Table(title=f"{c.window}: vol-scaled vs static maintenance", title_justify="left")
        for head in ("model", "liquidated", "refused", "insurance in", "insurance drawn"):
            vol.add_column(head, justify="right")
        for row in c.summary.itertuples():
            vol.add_row(
                str(row.model),
                str(row.liquidated),
                str(row.refused_at_open),
                f"{row.insurance_paid_in:.6f}",
                f"{row.insurance_drawn:.6f}",
            )
        console.print(vol)
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
