"""`inversa hedge plan|stress|unwind|backtest`: rebalance a spot portfolio with futures.

Portfolios come from flags or a TOML/CSV file (``--file``); flags override the file key
by key (``--targets`` as a whole).  Mapping flags take ``ASSET=VALUE`` items, repeated
or comma-joined.  ``--json`` prints one JSON object; otherwise Rich tables.  Bundled
data (daily closes for ``--date``, funding histories for carry, the backtest's series)
is read here and handed to :mod:`inversa.hedging`, which stays free of I/O.
"""

from __future__ import annotations

import json as jsonlib
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from inversa import hedging as h
from inversa.cli._output import parse_decimal, parse_mapping, to_jsonable, user_errors
from inversa.errors import DataError, InputError

__all__ = ["app"]

app = typer.Typer(
    help="Rebalance a spot portfolio with inverse futures: plan, stress, unwind, backtest.",
    no_args_is_help=True,
)

Holdings = Annotated[list[str] | None, typer.Option(help="ASSET=USD held.")]
Amounts = Annotated[list[str] | None, typer.Option(help="ASSET=COINS held.")]
Targets = Annotated[list[str] | None, typer.Option(help="ASSET=WEIGHT, summing to 1.")]
Prices = Annotated[list[str] | None, typer.Option(help="ASSET=USD per coin.")]
ContractValues = Annotated[
    list[str] | None, typer.Option(help="ASSET=USD per contract (generic inverse).")
]
Venues = Annotated[list[str] | None, typer.Option(help="ASSET=VENUE or ASSET=VENUE:SYMBOL.")]
Leverage = Annotated[str, typer.Option(help="Leverage of every leg.")]
RequireContracts = Annotated[
    bool, typer.Option(help="Fail for an asset with no contract (implied by contract values).")
]
NoDefaultVenues = Annotated[
    bool, typer.Option(help="Do not look up a default inverse perpetual per asset.")
]
Taker = Annotated[str, typer.Option(help="Fee rate of generic contracts.")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
FileOpt = Annotated[
    Path | None,
    typer.Option("--file", help="Portfolio file (.toml or .csv).", show_default=False),
]
DateOpt = Annotated[
    str | None,
    typer.Option(help="Take missing prices from the bundled daily closes of this UTC day."),
]
FundingDays = Annotated[
    int, typer.Option(help="Days of bundled funding history averaged for the carry.")
]
FundingVenue = Annotated[
    str | None,
    typer.Option(
        help="Funding history (bitmex, deribit, bybit, binance-coinm); default: the leg's "
        "venue when bundled, else bybit.",
        show_default=False,
    ),
]
BasisOpt = Annotated[
    list[str] | None,
    typer.Option(help="ASSET=RATE: hedge on a dated future with this annualised basis."),
]
ExpiryDays = Annotated[str, typer.Option(help="Days to the dated future's expiry.")]

DEFAULT_BACKTEST_TARGETS = "BTC=0.5,ETH=0.3,AAVE=0.1,LINK=0.1"


# ----------------------------------------------------------------------------- inputs


def _text_map(field: str, items: list[str] | None, shape: str) -> dict[str, str]:
    """``["BTC=bybit", "ETH=okx"]`` (or comma-joined) -> {asset: text}."""
    out: dict[str, str] = {}
    for part in [p for item in items or [] for p in item.split(",") if p.strip()]:
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(field, part, f"expected {shape}")
        out[key.strip().upper()] = value.strip()
    return out


def _bundled_close(asset: str, day: str) -> Decimal:
    from inversa.data import SPOT_ASSETS, spot_daily

    if asset not in SPOT_ASSETS:
        raise InputError(
            f"prices.{asset}",
            None,
            f"no price for {asset}: no bundled daily close ({', '.join(SPOT_ASSETS)}); "
            f"give --prices {asset}=USD",
        )
    frame = spot_daily(asset)
    when = _utc_day(day)
    if when not in frame.index:
        first, last = frame.index[0].date(), frame.index[-1].date()
        raise InputError("date", day, f"no {asset} close on that day (bundled {first} .. {last})")
    return Decimal(repr(float(frame.loc[when, "close"])))


def _utc_day(day: str) -> Any:
    import pandas as pd

    try:
        stamp = pd.Timestamp(day)
    except ValueError:
        raise InputError("date", day, "expected YYYY-MM-DD") from None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _portfolio(
    file: Path | None,
    holdings: list[str] | None,
    amounts: list[str] | None,
    targets: list[str] | None,
    prices: list[str] | None,
    contract_values: list[str] | None,
    venues: list[str] | None,
    date: str | None,
) -> h.Portfolio:
    portfolio = h.load_portfolio(
        file,
        targets=parse_mapping("targets", targets),
        holdings_usd=parse_mapping("holdings", holdings),
        amounts=parse_mapping("amounts", amounts),
        prices=parse_mapping("prices", prices),
        contract_values=parse_mapping("contract_values", contract_values),
        venues=_text_map("venues", venues, "ASSET=VENUE or ASSET=VENUE:SYMBOL"),
    )
    if date is not None:
        missing = {
            a: _bundled_close(a, date) for a in portfolio.assets if a not in portfolio.prices
        }
        portfolio = portfolio.updated(prices=missing)
    return portfolio


@dataclass(frozen=True)
class _PlanArgs:
    """The flags every portfolio command shares."""

    file: Path | None
    holdings: list[str] | None
    amounts: list[str] | None
    targets: list[str] | None
    prices: list[str] | None
    contract_values: list[str] | None
    venues: list[str] | None
    date: str | None
    leverage: str
    require_contracts: bool
    no_default_venues: bool
    taker: str

    def plan(self) -> h.HedgePlan:
        portfolio = _portfolio(
            self.file,
            self.holdings,
            self.amounts,
            self.targets,
            self.prices,
            self.contract_values,
            self.venues,
            self.date,
        )
        return h.plan_hedge(
            portfolio,
            leverage=parse_decimal("leverage", self.leverage),
            default_venues=not self.no_default_venues,
            require_contracts=True if self.require_contracts else None,
            taker=parse_decimal("taker", self.taker),
        )


def _carry(
    plan: h.HedgePlan,
    *,
    days: int,
    venue: str | None,
    basis: list[str] | None,
    expiry_days: str,
    end: str | None,
) -> tuple[h.Carry, list[str]]:
    """Expected carry from the bundled funding histories (BTC's rate for other assets)."""
    from inversa.data import FUNDING_VENUES, funding_history

    notes: list[str] = []
    cache: dict[str, h.FundingEstimate] = {}

    def estimate(name: str) -> h.FundingEstimate:
        if name not in cache:
            history = funding_history(name)
            label = f"{name} BTC inverse perpetual"
            try:
                est = h.mean_daily_funding(
                    history, days, None if end is None else _utc_day(end), label
                )
            except DataError:
                est = h.mean_daily_funding(history, days, None, label)
                notes.append(f"{name}: no funding history to {end}; its last {days} days used")
            window = f"{est.start:%Y-%m-%d}..{est.end:%Y-%m-%d}"
            label += f", mean daily rate over {days} days {window} ({est.rows} rates)"
            cache[name] = replace(est, source=label)
        return cache[name]

    rates: dict[str, h.FundingEstimate] = {}
    for asset, leg in plan.legs.items():
        name = venue
        if name is None:
            leg_venue = leg.instrument.venue if leg.instrument is not None else None
            name = leg_venue if leg_venue in FUNDING_VENUES else "bybit"
        est = estimate(name)
        rates[asset] = est if asset == "BTC" else est.borrowed(f"BTC rate assumed for {asset}")
    carry = h.carry_costs(
        plan,
        rates,
        basis=parse_mapping("basis", basis),
        expiry_days=parse_decimal("expiry_days", expiry_days),
    )
    return carry, notes


# ----------------------------------------------------------------------------- output


def _print_json(data: Mapping[str, Any]) -> None:
    sys.stdout.write(jsonlib.dumps(to_jsonable(data)) + "\n")


def _num(value: Any, places: int | None = None) -> str:
    """A number for a table: thousands separators, 0 decimals from 1,000 up, else 2."""
    if value is None:
        return "-"
    if isinstance(value, Decimal) and not value.is_finite():
        return "none" if value > 0 else "-"
    number = float(value)
    if abs(number) >= 1e12:
        return f"{number:.4g}"
    digits = places if places is not None else (0 if abs(number) >= 1000 else 2)
    return f"{number:,.{digits}f}"


def _price(value: Any) -> str:
    """USD per coin with 6 significant digits (grouped when large)."""
    if value is None:
        return "-"
    if isinstance(value, Decimal) and not value.is_finite():
        return "none" if value > 0 else "-"
    number = float(value)
    return f"{number:,.0f}" if abs(number) >= 100_000 else f"{number:,.6g}"


def _coin(value: Any) -> str:
    """A coin amount: 8 decimals below 1 (trailing zeros cut), else 8 significant digits."""
    if value is None:
        return "-"
    number = float(value) + 0.0
    if abs(number) < 1:
        return f"{number:.8f}".rstrip("0").rstrip(".") or "0"
    return f"{number:,.8g}"


def _pct(value: Any) -> str:
    return "-" if value is None else f"{float(value):.2%}"


def _contract(inst: h.HedgeInstrument | None) -> str:
    """Short name of a leg's contract: ``bybit BTCUSD`` or ``generic 1 USD``."""
    if inst is None:
        return "none"
    if inst.venue is None:
        return f"generic {inst.contract_value.normalize():f} USD"
    alias = inst.rules.aliases[0] if inst.rules is not None and inst.rules.aliases else inst.symbol
    return f"{inst.venue} {alias}"


def _table(title: str, columns: Iterable[str], rows: Iterable[Iterable[str]]) -> Table:
    table = Table(title=title, title_justify="left")
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def _plan_tables(plan: h.HedgePlan) -> list[Table]:
    drift = _table(
        f"Drift (portfolio {_num(plan.drift.total_usd)} USD)",
        ("asset", "price", "coin", "USD", "weight", "target", "excess USD", "excess coin"),
        (
            (
                a,
                _price(r.price),
                _coin(r.coin),
                _num(r.usd),
                _pct(r.weight),
                _pct(r.target),
                _num(r.excess_usd),
                _coin(r.excess_coin),
            )
            for a, r in plan.drift.rows.items()
        ),
    )
    legs = _table(
        "Hedge legs (negative: short)",
        ("asset", "USD", "coin", "contracts", "residual USD", "contract"),
        (
            (
                a,
                _num(leg.usd),
                _coin(leg.coin),
                _num(leg.contracts, 0),
                _num(leg.residual_usd),
                _contract(leg.instrument),
            )
            for a, leg in plan.legs.items()
        ),
    )
    risk = _table(
        "Margin and liquidation per leg (isolated, venue model)",
        ("asset", "leverage", "margin", "fee", "liq. price", "bankruptcy"),
        (
            (
                a,
                f"{leg.leverage.normalize():f}x",
                f"{_coin(leg.margin)} {leg.settle}",
                _coin(leg.fee),
                _price(leg.liquidation_price),
                _price(leg.bankruptcy_price),
            )
            for a, leg in plan.legs.items()
            if leg.margin is not None
        ),
    )
    wallets = _table(
        "Margin by wallet",
        ("coin", "margin", "fees", "required", "held", "status"),
        (
            (
                c,
                _coin(w.margin),
                _coin(w.fees),
                _coin(w.required),
                _coin(w.available),
                "ok" if w.ok else f"SHORT {_coin(w.shortfall)}",
            )
            for c, w in plan.wallets.items()
        ),
    )
    exposure = _table(
        "Exposure after the hedge (USD)",
        ("asset", "before", "hedge", "after", "target", "residual"),
        (
            (
                a,
                _num(e.before_usd),
                _num(e.hedge_usd),
                _num(e.after_usd),
                _num(e.target_usd),
                _num(e.residual_usd),
            )
            for a, e in plan.exposure.items()
        ),
    )
    if not plan.legs:
        return [drift]
    tables = [drift, legs, risk, wallets, exposure]
    if plan.alternatives:
        tables.insert(
            4,
            _table(
                "Alternative for a short wallet: linear (USDT) perpetual",
                ("asset", "contract", "USD", "collateral USDT", "fee USD"),
                (
                    (
                        a,
                        _contract(x.instrument),
                        _num(x.usd),
                        _num(x.collateral_usd),
                        _num(x.fee_usd),
                    )
                    for a, x in plan.alternatives.items()
                ),
            ),
        )
    return tables


def _carry_table(carry: h.Carry) -> Table:
    return _table(
        f"Carry (received; negative: paid): {_num(carry.per_day_usd)} USD/day, "
        f"{_num(carry.per_month_usd)} USD/30 days",
        ("asset", "kind", "rate", "per day", "USD/day", "USD/30d"),
        (
            (
                a,
                c.kind,
                f"{float(c.rate):.4%}" + ("/d" if c.kind == "funding" else "/y"),
                _coin(c.per_day),
                _num(c.per_day_usd),
                _num(c.per_month_usd),
            )
            for a, c in carry.legs.items()
        ),
    )


def _carry_notes(carry: h.Carry) -> list[str]:
    return [f"carry {a}: {c.source}" for a, c in carry.legs.items()]


def _show(tables: Iterable[Table], notes: Iterable[str] = ()) -> None:
    console = Console()
    for table in tables:
        console.print(table)
    for note in notes:
        console.print(f"note: {note}", markup=False, highlight=False)


# ----------------------------------------------------------------------------- commands


@app.command()
def plan(
    holdings: Holdings = None,
    amounts: Amounts = None,
    targets: Targets = None,
    prices: Prices = None,
    contract_values: ContractValues = None,
    venues: Venues = None,
    file: FileOpt = None,
    date: DateOpt = None,
    leverage: Leverage = "1",
    require_contracts: RequireContracts = False,
    no_default_venues: NoDefaultVenues = False,
    taker: Taker = "0",
    funding_days: FundingDays = h.DEFAULT_FUNDING_DAYS,
    funding_venue: FundingVenue = None,
    basis: BasisOpt = None,
    expiry_days: ExpiryDays = "90",
    carry: Annotated[bool, typer.Option(help="Add the expected carry.")] = True,
    json: Json = False,
) -> None:
    """Drift, hedge legs (USD, coin, contracts), margin per wallet, liquidation, carry."""
    with user_errors():
        args = _PlanArgs(
            file,
            holdings,
            amounts,
            targets,
            prices,
            contract_values,
            venues,
            date,
            leverage,
            require_contracts,
            no_default_venues,
            taker,
        )
        result = args.plan()
        data = result.to_dict()
        notes = list(result.notes)
        carry_result = None
        if carry and result.legs:
            carry_result, more = _carry(
                result,
                days=funding_days,
                venue=funding_venue,
                basis=basis,
                expiry_days=expiry_days,
                end=date,
            )
            data["carry"] = carry_result.to_dict()
            notes += more
            data["notes"] = notes
    if json:
        _print_json(data)
        return
    tables = _plan_tables(result)
    if not result.legs:
        notes.append("every asset is at its target weight: no legs")
    if carry_result is not None:
        tables.append(_carry_table(carry_result))
        notes += _carry_notes(carry_result)
    _show(tables, notes)


@app.command()
def stress(
    holdings: Holdings = None,
    amounts: Amounts = None,
    targets: Targets = None,
    prices: Prices = None,
    contract_values: ContractValues = None,
    venues: Venues = None,
    file: FileOpt = None,
    date: DateOpt = None,
    leverage: Leverage = "1",
    require_contracts: RequireContracts = False,
    no_default_venues: NoDefaultVenues = False,
    taker: Taker = "0",
    shocks: Annotated[
        list[str] | None,
        typer.Option(help="Price moves as fractions (default -0.5,-0.2,-0.1,0,0.1,0.2,0.5)."),
    ] = None,
    move: Annotated[
        list[str] | None, typer.Option(help="Move only these assets (default: all).")
    ] = None,
    json: Json = False,
) -> None:
    """Value and USD exposure after price moves, hedged and unhedged; synthetic USD."""
    with user_errors():
        args = _PlanArgs(
            file,
            holdings,
            amounts,
            targets,
            prices,
            contract_values,
            venues,
            date,
            leverage,
            require_contracts,
            no_default_venues,
            taker,
        )
        result = args.plan()
        moves = [s for item in shocks or [] for s in item.split(",") if s.strip()]
        movers = [a for item in move or [] for a in item.split(",") if a.strip()] or None
        rows = h.stress_table(result, moves or h.DEFAULT_SHOCKS, movers)
    if json:
        _print_json({"rows": [row.to_dict() for row in rows], "notes": list(result.notes)})
        return
    legs = list(result.legs)
    table = _table(
        "Stress: prices moved, legs held (USD)",
        ("move", "unhedged value", "hedged value", "unhedged expo.", "hedged expo.", "synth. USD"),
        (
            (
                f"{float(r.shock):+.0%}",
                _num(r.unhedged_usd),
                _num(r.hedged_usd),
                _num(r.unhedged_exposure),
                _num(r.hedged_exposure),
                _num(r.synthetic_usd),
            )
            for r in rows
        ),
    )
    leg_pnl = _table(
        "Leg PnL in the settlement coin (inverse_pnl)",
        ("move", *(f"{a} ({result.legs[a].settle})" for a in legs)),
        (
            (f"{float(r.shock):+.0%}", *(f"{float(r.assets[a].leg_pnl):,.6g}" for a in legs))
            for r in rows
        ),
    )
    per_asset = _table(
        "Per asset: USD exposure unhedged -> hedged",
        ("move", *result.drift.rows),
        (
            (
                f"{float(r.shock):+.0%}",
                *(
                    f"{_num(x.unhedged_exposure, 0)} -> {_num(x.hedged_exposure, 0)}"
                    for x in r.assets.values()
                ),
            )
            for r in rows
        ),
    )
    _show([table, per_asset, leg_pnl], result.notes)


@app.command()
def unwind(
    holdings: Holdings = None,
    amounts: Amounts = None,
    targets: Targets = None,
    prices: Prices = None,
    contract_values: ContractValues = None,
    venues: Venues = None,
    file: FileOpt = None,
    date: DateOpt = None,
    leverage: Leverage = "1",
    require_contracts: RequireContracts = False,
    no_default_venues: NoDefaultVenues = False,
    taker: Taker = "0",
    later_prices: Annotated[
        list[str] | None, typer.Option(help="ASSET=USD when the spot trades are made.")
    ] = None,
    later_date: Annotated[
        str | None, typer.Option(help="Take missing later prices from this bundled day.")
    ] = None,
    trades: Annotated[
        list[str] | None,
        typer.Option(help="ASSET=COINS traded on spot later (+ bought, - sold); default: all."),
    ] = None,
    days: Annotated[
        str | None,
        typer.Option(help="Days held (default: between --date and --later-date, else 0)."),
    ] = None,
    spot_fee: Annotated[str, typer.Option(help="Spot fee rate, both routes.")] = "0.001",
    cost_basis: Annotated[
        list[str] | None, typer.Option(help="ASSET=USD per coin paid, for the deferred gain.")
    ] = None,
    funding_days: FundingDays = h.DEFAULT_FUNDING_DAYS,
    funding_venue: FundingVenue = None,
    basis: BasisOpt = None,
    expiry_days: ExpiryDays = "90",
    json: Json = False,
) -> None:
    """Closing orders, realised PnL, and the cost against rebalancing on spot at the start."""
    with user_errors():
        args = _PlanArgs(
            file,
            holdings,
            amounts,
            targets,
            prices,
            contract_values,
            venues,
            date,
            leverage,
            require_contracts,
            no_default_venues,
            taker,
        )
        result = args.plan()
        later = parse_mapping("later_prices", later_prices)
        if later_date is not None:
            for asset in result.drift.rows:
                if asset not in later:
                    later[asset] = _bundled_close(asset, later_date)
        held = _days_held(days, date, later_date)
        carry_result, notes = (
            _carry(
                result,
                days=funding_days,
                venue=funding_venue,
                basis=basis,
                expiry_days=expiry_days,
                end=date,
            )
            if result.legs
            else (None, [])
        )
        outcome = h.unwind_hedge(
            result,
            later,
            trades=parse_mapping("trades", trades) if trades else None,
            days=held,
            carry=carry_result,
            spot_fee=parse_decimal("spot_fee", spot_fee),
            cost_basis=parse_mapping("cost_basis", cost_basis) if cost_basis else None,
        )
    data = outcome.to_dict()
    data["notes"] = [*result.notes, *notes]
    if json:
        _print_json(data)
        return
    orders = _table(
        "Closing orders",
        ("asset", "order", "contracts", "price", "realised PnL", "PnL USD", "fee USD", "left"),
        (
            (
                a,
                "buy" if o.side > 0 else "sell",
                _num(o.contracts, 0),
                _price(o.price),
                f"{_coin(o.realised_pnl)} {result.legs[a].settle}",
                _num(o.realised_pnl_usd),
                _num(o.fee_usd),
                _num(o.remaining, 0),
            )
            for a, o in outcome.orders.items()
        ),
    )
    rows = [
        ("hedged route value", outcome.hedged_value_usd),
        ("spot rebalance at start, value", outcome.spot_value_usd),
        ("difference (hedged - spot)", outcome.difference_usd),
        ("  futures fees", -outcome.fees_usd),
        ("  funding", -outcome.funding_usd),
        ("  basis", -outcome.basis_usd),
        ("  contract rounding", outcome.rounding_usd),
        ("  spot fees saved at start", outcome.spot_fees_start_usd),
        ("  spot fees paid later", -outcome.spot_fees_later_usd),
        ("realised futures PnL", outcome.realised_pnl_usd),
        ("spot sales deferred (at start prices)", outcome.deferred_sales_usd),
        ("gain deferred (with cost basis)", outcome.deferred_gain_usd),
    ]
    comparison = _table(
        f"Against rebalancing on spot at the start ({_num(outcome.days, 0)} days, USD)",
        ("", "USD"),
        ((k, _num(v)) for k, v in rows),
    )
    _show([orders, comparison], data["notes"])


def _days_held(days: str | None, start: str | None, end: str | None) -> Decimal:
    if days is not None:
        return parse_decimal("days", days)
    if start is not None and end is not None:
        return Decimal((_utc_day(end) - _utc_day(start)).days)
    return Decimal(0)


@app.command()
def backtest(
    targets: Annotated[
        list[str] | None, typer.Option(help=f"ASSET=WEIGHT (default {DEFAULT_BACKTEST_TARGETS}).")
    ] = None,
    start: Annotated[str, typer.Option(help="First UTC day.")] = "2020-01-01",
    end: Annotated[str, typer.Option(help="Last UTC day.")] = "2024-12-31",
    initial: Annotated[float, typer.Option(help="Starting value, USD.")] = 100_000.0,
    spot_fee: Annotated[float, typer.Option(help="Spot fee rate.")] = 0.001,
    futures_fee: Annotated[float, typer.Option(help="Futures taker fee rate.")] = 0.0005,
    funding_venue: Annotated[
        str, typer.Option(help="Bundled BTC funding history for every leg.")
    ] = "bybit",
    proxies: Annotated[
        list[str] | None,
        typer.Option(help="ASSET=PROXY holding the weight before ASSET has a price."),
    ] = None,
    contract_values: Annotated[
        list[str] | None,
        typer.Option(help="ASSET=USD per contract (default: the default venue contract)."),
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write an HTML report here.", show_default=False)
    ] = None,
    json: Json = False,
) -> None:
    """Monthly rebalancing 2020-2024: on spot, with inverse-futures legs, or never."""
    from rich.progress import Progress

    with user_errors():
        weights = parse_mapping("targets", targets or [DEFAULT_BACKTEST_TARGETS])
        closes, funding, cvs, assumptions = _backtest_inputs(
            list(weights), funding_venue, contract_values
        )
        proxy_map = _text_map("proxies", proxies, "ASSET=PROXY") if proxies else {"AAVE": "LINK"}
        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("backtest", total=None)

            def tick(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = h.hedge_backtest(
                closes,
                {a: float(w) for a, w in weights.items()},
                funding=funding,
                proxies=proxy_map,
                start=start,
                end=end,
                initial_usd=initial,
                spot_fee=spot_fee,
                futures_fee=futures_fee,
                contract_values=cvs,
                progress=tick,
            )
    data = result.to_dict()
    data["assumptions"] += assumptions
    if report is not None:
        data["report"] = str(_write_backtest_report(report, result, data["assumptions"]))
    if json:
        _print_json(data)
        return
    strategies = data["strategies"]
    spot_final = strategies["spot"]["final_value_usd"]
    metrics: list[tuple[str, Any]] = [
        ("final value USD", lambda r: _num(r["final_value_usd"], 0)),
        ("vs spot USD", lambda r: _num(r["final_value_usd"] - spot_final, 0)),
        ("fees USD", lambda r: _num(r["fees_usd"])),
        ("funding, net USD", lambda r: _num(r["funding_usd"])),
        ("  paid by long legs", lambda r: _num(r.get("funding_paid_usd"))),
        ("  received by short legs", lambda r: _num(r.get("funding_received_usd"))),
        ("total cost USD", lambda r: _num(r["total_cost_usd"])),
        ("total cost % of start", lambda r: _pct(r["cost_pct_initial"])),
        ("turnover USD", lambda r: _num(r["turnover_usd"], 0)),
        ("weight RMSE", lambda r: _pct(r["weight_rmse"])),
        ("tracking error /yr", lambda r: _pct(r["tracking_error"])),
        ("largest legs / value", lambda r: _pct(r.get("max_gross_legs_pct_value"))),
    ]
    table = _table(
        f"Backtest {data['start']} .. {data['end']}, {data['rebalances']} monthly rebalances, "
        f"start {_num(initial, 0)} USD",
        ("", *strategies),
        ((name, *(cell(r) for r in strategies.values())) for name, cell in metrics),
    )
    notes = [*data["assumptions"], *([f"report: {data['report']}"] if report else [])]
    _show([table], notes)


def _backtest_inputs(
    assets: list[str], funding_venue: str, contract_values: list[str] | None
) -> tuple[Any, Any, dict[str, float], list[str]]:
    import pandas as pd

    from inversa.data import funding_history, spot_daily

    closes = pd.DataFrame({a: spot_daily(a)["close"] for a in assets})
    funding = h.daily_funding_rate(funding_history(funding_venue))
    given = parse_mapping("contract_values", contract_values)
    cvs: dict[str, float] = {}
    labels: list[str] = []
    for asset in assets:
        if asset in given:
            cvs[asset] = float(given[asset])
            labels.append(f"{asset} {given[asset]} USD/contract (given)")
            continue
        inst = h.default_instrument(asset)
        if inst is not None:
            cvs[asset] = float(inst.contract_value)
            labels.append(f"{asset} {inst.contract_value} USD/contract ({inst.label})")
        else:
            labels.append(f"{asset} exact USD notional (no venue contract)")
    others = [a for a in assets if a != "BTC"]
    notes = [
        f"funding: {funding_venue} BTC inverse perpetual, daily sum of its rates, for every "
        f"leg{'; BTC rate assumed for ' + ', '.join(others) if others else ''} (no other "
        "inverse funding is bundled); the legs net to ~0 USD, so the funding paid and "
        "received nearly cancel in USD, but each settles in its leg's coin: 'vs spot' "
        "includes the effect of those coin flows",
        "contracts: " + "; ".join(labels),
    ]
    return closes, funding, cvs, notes


def _write_backtest_report(path: Path, result: h.BacktestResult, assumptions: list[str]) -> Path:
    from inversa.hedging.figures import backtest_figures
    from inversa.report.html import Section, write_report

    weights, value, costs = backtest_figures(result)
    summary = [
        {k: (round(v, 6) if isinstance(v, float) else v) for k, v in row.items()}
        for row in result.summary()
    ]
    sections = [
        Section("Summary", "; ".join(assumptions), rows=summary),
        Section("Weights over time", figures=[weights]),
        Section("Portfolio value", figures=[value]),
        Section("Cumulative costs", figures=[costs]),
    ]
    return write_report(path, "Rebalancing with inverse futures: backtest", sections)
