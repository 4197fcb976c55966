"""The portfolio options of ``hedge plan|stress|unwind|rolls`` turned into a plan and its risk.

Shared by :mod:`inversa.cli.hedge` and :mod:`inversa.cli.hedge_rolls` (which
``hedge`` mounts), so neither imports the other's private helpers.
"""

from __future__ import annotations

from inversa import hedging as h
from inversa.cli._options import PortfolioOptions, pairs
from inversa.errors import InputError

__all__ = ["plan_of", "risk_of"]


def plan_of(opts: PortfolioOptions) -> h.HedgePlan:
    """The hedge plan of the portfolio options (file, then flags key by key; bundled
    prices for --date), refusing contradictory options naming both."""
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
    hedges = h.parse_hedge_amounts({a: str(v) for a, v in pairs(opts.hedge, "hedge").items()})
    if hedges and portfolio.targets:
        raise InputError(
            "hedge", ",".join(hedges), "give --hedge or --targets, not both (one or the other)"
        )
    portfolio = h.with_bundled_prices(portfolio, opts.date, extra=tuple(hedges))
    return h.plan_hedge(
        portfolio,
        leverage=opts.leverage,
        default_venues=not opts.no_default_venues,
        require_contracts=True if opts.require_contracts else None,
        taker=opts.taker,
        hedges=hedges or None,
        fraction=opts.fraction,
        min_trade_usd=opts.min_trade,
        venue=opts.venue,
    )


def risk_of(plan: h.HedgePlan, opts: PortfolioOptions) -> h.RiskReport:
    """The margin risk of ``plan`` under ``--margin-mode`` and ``--warn-distance``."""
    if opts.margin_mode not in h.MARGIN_MODES:
        raise InputError("margin_mode", opts.margin_mode, "expected isolated or cross")
    return h.plan_risk(plan, opts.margin_mode, opts.warn_distance)
