"""`inversa hedge plan|stress|unwind|backtest`: rebalance a spot portfolio with futures.

Portfolios come from flags or a TOML/CSV file (``--file``); flags override the file key
by key (``--targets`` as a whole).  Mapping flags take ``ASSET=VALUE`` items, repeated
or comma-joined.  ``--json`` prints one JSON object; otherwise Rich tables.  Bundled
data (daily closes for ``--date``, funding histories for carry, the backtest's series)
is assembled by :mod:`inversa.hedging.inputs`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

from inversa import domain as d
from inversa import hedging as h
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
from inversa.errors import InputError
from inversa.report import check_output_path, print_json, print_notes, print_tables, progress
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
FundingVenue = Annotated[
    str | None,
    text(
        "Funding history (bitmex, deribit, bybit, binance-coinm); default: the leg's venue "
        "when bundled, else bybit."
    ),
]
Basis = Annotated[
    list[Pairs] | None,
    mapping(d.ANNUAL_RATE, "Hedge on a dated future with this annualised basis:", "ASSET=RATE"),
]
ExpiryDays = Annotated[
    Decimal, number(d.DAYS, "Days to the dated future's expiry.", show_default=True)
]


def _plan(opts: PortfolioOptions) -> h.HedgePlan:
    holdings, amounts = pairs(opts.holdings, "holdings"), pairs(opts.amounts, "amounts")
    both = sorted(set(holdings) & set(amounts))
    if both:
        raise InputError(
            "holdings", both[0], "give an asset in --holdings (USD) or --amounts (coins), not both"
        )
    portfolio = h.load_portfolio(
        opts.file,
        targets=pairs(opts.targets, "targets"),
        holdings_usd=holdings,
        amounts=amounts,
        prices=pairs(opts.prices, "prices"),
        contract_values=pairs(opts.contract_values, "contract_values"),
        venues=pairs(opts.venues, "venues"),
    )
    portfolio = h.with_bundled_prices(portfolio, opts.date)
    return h.plan_hedge(
        portfolio,
        leverage=opts.leverage,
        default_venues=not opts.no_default_venues,
        require_contracts=True if opts.require_contracts else None,
        taker=opts.taker,
    )


def _carry(
    plan: h.HedgePlan,
    opts: PortfolioOptions,
    days: int,
    venue: str | None,
    basis: list[Pairs] | None,
    expiry_days: Decimal,
) -> tuple[h.Carry, list[str]]:
    given = pairs(basis)
    extra = [a for a in given if a not in plan.legs]
    if extra:
        raise InputError(f"basis.{extra[0]}", given[extra[0]], f"{extra[0]} has no hedge leg")
    return h.bundled_carry(
        plan, days=days, venue=venue, basis=given, expiry_days=expiry_days, end=opts.date
    )


@app.command()
@portfolio_options
def plan(
    portfolio: PortfolioOptions,
    funding_days: FundingDays = h.DEFAULT_FUNDING_DAYS,
    funding_venue: FundingVenue = None,
    basis: Basis = None,
    expiry_days: ExpiryDays = Decimal(90),
    carry: Annotated[bool, typer.Option(help="Add the expected carry.")] = True,
    json: Json = False,
) -> None:
    """Drift, hedge legs (USD, coin, contracts), margin per wallet, liquidation, carry."""
    result = _plan(portfolio)
    data = result.to_dict()
    notes = list(result.notes)
    carry_result = None
    if carry and result.legs:
        carry_result, more = _carry(
            result, portfolio, funding_days, funding_venue, basis, expiry_days
        )
        data["carry"] = carry_result.to_dict()
        notes += more
        data["notes"] = notes
    if json:
        print_json(data)
        return
    tables = views.plan_tables(result)
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
    result = _plan(portfolio)
    moves = [m for group in shocks or [] for m in group]
    movers = [a.strip().upper() for item in move or [] for a in item.split(",") if a.strip()]
    unknown = [a for a in movers if a not in result.drift.rows]
    if unknown:
        raise InputError("move", unknown[0], "not an asset of the portfolio")
    rows = h.stress_table(result, moves or h.DEFAULT_SHOCKS, movers or None)
    if json:
        print_json({"rows": [row.to_dict() for row in rows], "notes": list(result.notes)})
        return
    print_tables(views.stress_tables(result, rows), result.notes)


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
    basis: Basis = None,
    expiry_days: ExpiryDays = Decimal(90),
    json: Json = False,
) -> None:
    """Closing orders, realised PnL, and the cost against rebalancing on spot at the start."""
    held = _days_held(days, portfolio.date, later_date)
    result = _plan(portfolio)
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
    carry_result, notes = (
        _carry(result, portfolio, funding_days, funding_venue, basis, expiry_days)
        if result.legs
        else (None, [])
    )
    outcome = h.unwind_hedge(
        result,
        later,
        trades=traded or None,
        days=held,
        carry=carry_result,
        spot_fee=spot_fee,
        cost_basis=pairs(cost_basis) or None,
    )
    data = outcome.to_dict()
    data["notes"] = [*result.notes, *notes]
    if json:
        print_json(data)
        return
    print_tables(views.unwind_tables(result, outcome), data["notes"])


@app.command()
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
        str, text("Bundled BTC funding history for every leg.", show_default=True)
    ] = "bybit",
    proxies: Annotated[
        list[Pairs] | None,
        mapping(None, "Weight held by a proxy before ASSET has a price:", "ASSET=PROXY"),
    ] = None,
    contract_values: Annotated[
        list[Pairs] | None,
        mapping(CONTRACT_VALUE, "Contract value (default: the venue's):", "ASSET=USD"),
    ] = None,
    report: Report = None,
    json: Json = False,
) -> None:
    """Monthly rebalancing 2020-2024: on spot, with inverse-futures legs, or never."""
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
        funding_venue=funding_venue,
    )
    months = 12 * (config.end.year - config.start.year) + config.end.month - config.start.month
    with progress(months + 1, "backtest") as tick:
        result = h.run_backtest(config, progress=lambda done, total: tick(done))
    data = result.to_dict()
    if report is not None:
        sections = views.backtest_sections(result, data["assumptions"])
        title = "Rebalancing with inverse futures: backtest"
        data["report"] = str(write_report(report, title, sections, "--report"))
    if json:
        print_json(data)
        return
    print_tables([views.backtest_table(result)])
    print_notes([*data["assumptions"], *([f"report: {data['report']}"] if report else [])])
