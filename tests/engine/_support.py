"""Shared instruments, engines and checks for the engine tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from inversa.contracts import ContractKind, TierTable
from inversa.engine import Engine, check_invariants
from inversa.venues import Funding, Instrument

SYMBOL = "BTC/USD:BTC"
LINEAR = "BTC/USDT:USDT"
MM = "market-maker"


D = Decimal


#: Binance COIN-M BTCUSD brackets (reference section 2.6), with the leverage caps.
BINANCE_TIERS = TierTable(
    tuple(D(x) for x in ("5", "10", "20", "50", "100", "200", "400", "1000", "Infinity")),
    tuple(
        D(x) for x in ("0.004", "0.005", "0.01", "0.025", "0.05", "0.1", "0.125", "0.15", "0.25")
    ),
    tuple(D(x) for x in ("125", "100", "50", "20", "10", "5", "4", "3", "2")),
)


def valued_at(mm_at: str) -> str | None:
    """A liquidation model valuing maintenance at ``mm_at`` (``"entry"``: Bybit classic;
    ``"mark"``: none, the mark)."""
    return "bybit-classic" if mm_at == "entry" else None


def _perp(fields: dict[str, Any], overrides: dict[str, Any]) -> Instrument:
    fields = {"funding": Funding(), **fields, **overrides}
    return Instrument.custom(fields.pop("symbol"), fields.pop("contract_value"), **fields)


def binance_perp(**overrides: Any) -> Instrument:
    """A Binance-like BTCUSD inverse perpetual: 100 USD contracts, tiered maintenance,
    the default clamp funding.  ``overrides``: :meth:`Instrument.custom` arguments."""
    fields: dict[str, Any] = {
        "symbol": SYMBOL,
        "contract_value": D(100),
        "margin": BINANCE_TIERS,
        "maker": D("0.0002"),
        "taker": D("0.0005"),
        "tick": D("0.1"),
        "max_leverage": D(125),
    }
    return _perp(fields, overrides)


def flat_perp(mmr: str = "0.005", **overrides: Any) -> Instrument:
    """A BitMEX-like 1 USD contract with one flat maintenance rate and no fees."""
    fields: dict[str, Any] = {
        "symbol": SYMBOL,
        "contract_value": D(1),
        "margin": TierTable((D("Infinity"),), (D(mmr),)),
        "max_leverage": D(100),
    }
    return _perp(fields, overrides)


#: Binance USD-M BTCUSDT brackets (first five; bounds in USDT), with the leverage caps.
LINEAR_TIERS = TierTable(
    tuple(D(x) for x in ("50000", "500000", "8000000", "50000000", "Infinity")),
    tuple(D(x) for x in ("0.004", "0.005", "0.01", "0.025", "0.05")),
    tuple(D(x) for x in ("125", "100", "50", "20", "10")),
)


def linear_perp(**overrides: Any) -> Instrument:
    """A Binance-USD-M-like BTCUSDT linear perpetual: 0.001 BTC contracts, USDT wallet."""
    fields: dict[str, Any] = {
        "symbol": LINEAR,
        "contract_value": D("0.001"),
        "margin": LINEAR_TIERS,
        "settle": "USDT",
        "maker": D("0.0002"),
        "taker": D("0.0005"),
        "tick": D("0.1"),
        "max_leverage": D(125),
        "kind": ContractKind.LINEAR,
    }
    return _perp(fields, overrides)


def new_engine(
    instrument: Instrument | None = None, mm_deposit: object = 1000, **kwargs: Any
) -> Engine:
    engine = Engine(instrument or binance_perp(), **kwargs)
    if engine.market_maker is not None:
        engine.deposit(engine.market_maker, mm_deposit)
    return engine


def assert_log_replays(engine: Engine) -> None:
    """Per-event invariants along the whole log, then exact state equality on replay."""
    events = engine.events
    rebuilt = Engine.from_events(events[:1])
    for event in events[1:]:
        rebuilt.apply(event)
        check_invariants(rebuilt, settled=False)
    assert rebuilt.snapshot() == engine.snapshot()
    assert rebuilt.events == events
    check_invariants(engine, replay=True)
