"""`inversa hedge plan|stress|unwind|backtest`: rebalance a spot portfolio with futures.

Portfolios come from flags or a TOML/CSV file (``--file``); flags override the file key
by key (``--targets`` as a whole).  Mapping flags take ``ASSET=VALUE`` items, repeated
or comma-joined.  ``--json`` prints one JSON object; otherwise Rich tables.  Bundled
data (daily closes for ``--date``, funding histories for carry, the backtest's series)
is assembled by :mod:`inversa.hedging.inputs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

from inversa import domain as d
from inversa import hedging as h
from inversa.cli import hedge_compare, hedge_rolls
from inversa.cli._options import (
    CONTRACT_VALUE,
    Json,
    Pairs,
    PortfolioOptions,
    Report,
    date_option,
    mapping,
    number,
    pairs,
    portfolio_options,
    text,
)
from inversa.cli._output import new_app
from inversa.cli._portfolio import plan_of, risk_of
from inversa.cli.hedge_compare import PolicyOptions, policy_options
from inversa.errors import InputError
from inversa.report import (
    check_output_path,
    hedge_risk,
    print_json,
    print_notes,
    print_tables,
    progress,
)
from inversa.report import hedge as views
from inversa.report.html import write_report

__all__ = ["app"]

app = new_app("Rebalance a spot portfolio with inverse futures: plan, stress, unwind, backtest.")

DEFAULT_BACKTEST_TARGETS = "BTC=0.5,ETH=0.3,AAVE=0.1,LINK=0.1"

FundingDays = Annotated[
    int,
    number(
        d.Domain("count", "days", Decimal(1), Decimal(3650), integer=True),
        "Days of bundled funding history averaged for the carry.",
        show_default=True,
    ),
]
FundingProxy = Annotated[
    str,
    text(
        "Funding of assets without a bundled inverse history: linear (their own USDT "
        "perpetual), BTC, zero or formula.",
        "--funding-proxy",
        show_default=True,
    ),
]
CarryDays = Annotated[
    Decimal, number(d.DAYS, "Holding period the carry is totalled over.", show_default=True)
]
FundingVenue = Annotated[
    str | None,
    text(
        "Funding history (bitmex, deribit, bybit, binance-coinm); default: the leg's venue "
        "when bundled, else bybit.",
        "--funding-venue",
    ),
]
Basis = Annotated[
    list[Pairs] | None,
    mapping(d.ANNUAL_RATE, "Hedge on a dated future with this annualised basis:", "ASSET=RATE"),
]
ExpiryDays = Annotated[
    Decimal, number(d.DAYS, "Days to the dated future's expiry.", show_default=True)
]


def _funding_venue(value: str | None) -> str | None:
    """``--funding-venue`` as given, refused (naming the option) unless a bundled history."""
    from inversa.data import FUNDING_VENUES

    if value is not None and value.strip().lower().replace("_", "-") not in FUNDING_VENUES:
        raise InputError("--funding-venue", value, f"expected one of {', '.join(FUNDING_VENUES)}")
    return value


@dataclass(frozen=True)
class CarryOptions:
    """How the carry is estimated: funding window, venue, proxy, basis, horizon."""

    days: int = h.DEFAULT_FUNDING_DAYS
    venue: str | None = None
    proxy: str = "linear"
    basis: list[Pairs] | None = None
    expiry_days: Decimal = Decimal(90)
    horizon_days: Decimal = Decimal(h.DAYS_PER_MONTH)


def _carry(
    plan: h.HedgePlan, opts: PortfolioOptions, carry: CarryOptions
) -> tuple[h.Carry, list[str]]:
    given = pairs(carry.basis)
    extra = [a for a in given if a not in plan.legs]
    if extra:
        raise InputError(f"basis.{extra[0]}", given[extra[0]], f"{extra[0]} has no hedge leg")
    rates, notes = h.leg_funding_estimates(
        plan, days=carry.days, end=opts.date, venue=carry.venue, proxy=carry.proxy
    )
    result = h.carry_costs(
        plan,
        rates,
        basis=given,
        expiry_days=carry.expiry_days,
        horizon_days=carry.horizon_days,
    )
    notes += [f"{a}: no contract, no carry" for a in result.skipped]
    return result, notes


@app.command()
@portfolio_options
def plan(
    portfolio: PortfolioOptions,
    funding_days: FundingDays = h.DEFAULT_FUNDING_DAYS,
    funding_venue: FundingVenue = None,
    funding_proxy: FundingProxy = "linear",
    basis: Basis = None,
    expiry_days: ExpiryDays = Decimal(90),
    days: CarryDays = Decimal(h.DAYS_PER_MONTH),
    carry: Annotated[bool, typer.Option(help="Add the expected carry.")] = True,
    json: Json = False,
) -> None:
    """Drift, hedge legs (USD, coin, contracts), margin per wallet, liquidation, carry."""
    result = plan_of(portfolio)
    risk = risk_of(result, portfolio)
    data = result.to_dict()
    data["risk"] = risk.to_dict()
    notes = [*result.notes, *risk.warnings]
    data["notes"] = notes
    carry_result = None
    if carry and result.legs:
        options = CarryOptions(
            funding_days, _funding_venue(funding_venue), funding_proxy, basis, expiry_days, days
        )
        carry_result, more = _carry(result, portfolio, options)
        data["carry"] = carry_result.to_dict()
        notes += more
    if json:
        print_json(data)
        return
    tables = [*views.plan_tables(result), hedge_risk.risk_table(risk)]
    if not result.legs:
        notes.append("every asset is at its target weight: no legs")
    if carry_result is not None:
        tables.append(views.carry_table(carry_result))
        notes += views.carry_notes(carry_result)
    print_tables(tables, notes)


@app.command()
@portfolio_options
def stress(
    portfolio: PortfolioOptions,
    shocks: Annotated[
        list[Any] | None,
        typer.Option(
            parser=d.ListParser(d.SHOCK),
            help="Price moves, comma-joined or repeated (default -0.5,-0.2,-0.1,0,0.1,0.2,0.5) "
            f"[{d.SHOCK.describe()}].",
            show_default=False,
        ),
    ] = None,
    move: Annotated[list[str] | None, text("Move only these assets (default: all).")] = None,
    json: Json = False,
) -> None:
    """Value and USD exposure after price moves, hedged and unhedged; synthetic USD."""
    result = plan_of(portfolio)
    moves = [m for group in shocks or [] for m in group]
    movers = [a.strip().upper() for item in move or [] for a in item.split(",") if a.strip()]
    if move is not None and not movers:
        raise InputError("--move", ",".join(move), "give asset names, e.g. BTC,ETH")
    unknown = [a for a in movers if a not in result.drift.rows]
    if unknown:
        raise InputError("move", unknown[0], "not an asset of the portfolio")
    risk = risk_of(result, portfolio)
    rows = h.stress_table(result, moves or h.DEFAULT_SHOCKS, movers or None, margin_mode=risk.mode)
    notes = [*result.notes, *risk.warnings]
    notes += [
        f"{float(r.shock):+.0%}: {', '.join(r.liquidated)} liquidated ({risk.mode}): "
        "collateral lost, the rest unhedged"
        for r in rows
        if r.liquidated
    ]
    if json:
        print_json(
            {"rows": [row.to_dict() for row in rows], "risk": risk.to_dict(), "notes": notes}
        )
        return
    print_tables(views.stress_tables(result, rows), notes)


def _days_held(days: Decimal | None, start: datetime | None, end: datetime | None) -> Decimal:
    if days is not None:
        if end is not None and start is not None:
            raise InputError("days", days, "give either --days or --date/--later-date, not both")
        return days
    if start is not None and end is not None:
        if end < start:
            raise InputError("later_date", f"{end:%Y-%m-%d}", "is before --date")
        return Decimal((end - start).days)
    return Decimal(0)


@app.command()
@portfolio_options
def unwind(
    portfolio: PortfolioOptions,
    later_prices: Annotated[
        list[Pairs] | None, mapping(d.PRICE, "Prices when the spot trades are made:", "ASSET=USD")
    ] = None,
    later_date: Annotated[
        datetime | None, date_option("Take missing later prices from this bundled day.")
    ] = None,
    trades: Annotated[
        list[Pairs] | None,
        mapping(d.SIGNED_AMOUNT, "Coins traded on spot later (+ bought, - sold):", "ASSET=COINS"),
    ] = None,
    days: Annotated[
        Decimal | None,
        number(d.DAYS, "Days held (default: between --date and --later-date, else 0)."),
    ] = None,
    spot_fee: Annotated[
        Decimal, number(d.FEE_RATE, "Spot fee rate, both routes.", show_default=True)
    ] = Decimal("0.001"),
    cost_basis: Annotated[
        list[Pairs] | None, mapping(d.PRICE, "Price paid, for the deferred gain:", "ASSET=USD")
    ] = None,
    funding_days: FundingDays = h.DEFAULT_FUNDING_DAYS,
    funding_venue: FundingVenue = None,
    funding_proxy: FundingProxy = "linear",
    basis: Basis = None,
    expiry_days: ExpiryDays = Decimal(90),
    json: Json = False,
) -> None:
    """Closing orders, realised PnL, liquidations along the path, and the cost against
    rebalancing on spot at the start."""
    held = _days_held(days, portfolio.date, later_date)
    result = plan_of(portfolio)
    later = pairs(later_prices)
    if later_date is not None:
        for asset in result.drift.rows:
            if asset not in later:
                later[asset] = h.bundled_close(asset, later_date, "later_date")
    traded = pairs(trades)
    for asset, amount in traded.items():
        coins = result.drift.rows[asset].coin if asset in result.drift.rows else Decimal(0)
        if amount < 0 and -amount > coins:
            raise InputError(f"trades.{asset}", f"{amount}", f"sells more than the {coins} held")
    options = CarryOptions(
        funding_days, _funding_venue(funding_venue), funding_proxy, basis, expiry_days
    )
    carry_result, notes = _carry(result, portfolio, options) if result.legs else (None, [])
    path = None
    if portfolio.date is not None and later_date is not None:
        path = h.price_path(result.legs, portfolio.date, later_date)
        notes += [
            f"{a}: liquidation checked on {f.attrs['source']} lows/highs" for a, f in path.items()
        ]
    else:
        notes.append("no --date/--later-date: liquidation checked at the later price only")
    risk = risk_of(result, portfolio)
    outcome = h.unwind_hedge(
        result,
        later,
        trades=traded or None,
        days=held,
        carry=carry_result,
        spot_fee=spot_fee,
        cost_basis=pairs(cost_basis) or None,
        path=path,
        margin_mode=risk.mode,
    )
    data = outcome.to_dict()
    data["notes"] = [*result.notes, *risk.warnings, *notes]
    if json:
        print_json(data)
        return
    print_tables(views.unwind_tables(result, outcome), data["notes"])


@app.command()
@policy_options
def backtest(
    targets: Annotated[
        list[Pairs] | None,
        mapping(d.WEIGHT, f"Target weights (default {DEFAULT_BACKTEST_TARGETS}):"),
    ] = None,
    start: Annotated[datetime, date_option("First UTC day.")] = "2020-01-01",  # type: ignore[assignment]
    end: Annotated[datetime, date_option("Last UTC day.")] = "2024-12-31",  # type: ignore[assignment]
    initial: Annotated[
        Decimal,
        number(
            d.Domain("amount", "USD", Decimal(1), d.MAX_AMOUNT),
            "Starting value.",
            show_default=True,
        ),
    ] = Decimal(100_000),
    spot_fee: Annotated[Decimal, number(d.FEE_RATE, "Spot fee rate.", show_default=True)] = Decimal(
        "0.001"
    ),
    futures_fee: Annotated[
        Decimal, number(d.FEE_RATE, "Futures taker fee rate.", show_default=True)
    ] = Decimal("0.0005"),
    funding_venue: Annotated[
        str,
        text("Bundled BTC funding history for every leg.", "--funding-venue", show_default=True),
    ] = "bybit",
    proxies: Annotated[
        list[Pairs] | None,
        mapping(None, "Weight held by a proxy before ASSET has a price:", "ASSET=PROXY"),
    ] = None,
    contract_values: Annotated[
        list[Pairs] | None,
        mapping(CONTRACT_VALUE, "Contract value (default: the venue's):", "ASSET=USD"),
    ] = None,
    funding_proxy: FundingProxy = "linear",
    policy: PolicyOptions = PolicyOptions(),
    report: Report = None,
    json: Json = False,
) -> None:
    """Never, spot, futures and futures + spot true-up, 2020-2024, under one policy."""
    if report is not None:
        check_output_path(report, "--report")
    given = {
        "targets": pairs(targets, "targets"),
        "proxies": {k: str(v).upper() for k, v in pairs(proxies, "proxies").items()},
        "contract_values": pairs(contract_values, "contract_values"),
    }
    config = h.BacktestConfig.build(
        **{k: v for k, v in given.items() if v},
        start=d.DATE.parse("--start", start),
        end=d.DATE.parse("--end", end),
        initial_usd=initial,
        spot_fee=spot_fee,
        futures_fee=futures_fee,
        funding_venue=_funding_venue(funding_venue),
        funding_proxy=funding_proxy,
        policy=policy.build(),
    )
    with progress(100, "backtest") as tick:
        result = h.run_backtest(config, progress=lambda done, total: tick(100 * done // total))
    data = result.to_dict()
    if report is not None:
        sections = views.backtest_sections(result, data["assumptions"])
        title = "Rebalancing with inverse futures: backtest"
        data["report"] = str(write_report(report, title, sections, "--report"))
    if json:
        print_json(data)
        return
    print_tables([views.backtest_table(result), *hedge_risk.backtest_event_tables(result)])
    print_notes([*data["assumptions"], *([f"report: {data['report']}"] if report else [])])


hedge_compare.register(app)
hedge_rolls.register(app)
