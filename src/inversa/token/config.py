"""Token backtest configs: a TOML file validated by pydantic, turned into plain objects.

Every model is frozen and forbids unknown keys; a bad file raises
:class:`~inversa.errors.InputError` naming the file and the key (for example
``examples/x.toml: policy.band: ...``).  Sections (all units explicit):

- ``[data]``: ``dataset`` (``binance-mark-1h`` with ``asset``, ``bybit-inverse-8h``,
  ``binance-coinm-8h``) or ``csv`` (a path relative to the config, with ``time_column``,
  ``price_column`` and the bar ``frequency``), and ``start``/``end`` (UTC,
  ``start <= t < end``).  Gaps, NaNs and bad prices are rejected naming file and row.
- ``[instrument]``: ``venue`` and ``symbol`` (a rule set of :mod:`inversa.venues`; the
  fields below that the file sets override the venue's), or ``kind`` (``inverse`` or
  ``linear``), ``settle``, ``contract_value`` (USD per contract, inverse; coin per
  contract, linear), ``lot``, ``tick`` (USD), ``taker``/``maker`` fee rates,
  ``maintenance_rate``, ``max_leverage``.
- ``[funding]``: ``kind`` ``none``, ``history`` (the dataset's ``funding_rate`` column),
  ``formula`` (clamp model on the dataset's perp/spot premium) or ``fixed`` (``rate``
  per bar).
- ``[slippage]``: ``kind`` ``none``, ``fixed-bps`` (``bps``) or ``linear`` (``bps``,
  ``bps_per_coin``).
- ``[oracle]``: ``kind = "none"`` (the keeper reads the bar price) or ``"model"`` with
  ``staleness_hours``, ``deviation``, ``heartbeat_hours``, ``twap_bars``,
  ``slippage_tolerance`` and ``[[oracle.faults]]`` (``kind`` stale, delay or manipulate,
  ``start``, ``end``, ``lag_hours``, ``size``); see :mod:`inversa.token.oracle`.
- ``[vault]``: ``collateral`` (``coin``; ``usd`` needs the engine's linear perpetuals),
  ``start_equity`` (coin), ``initial_nav_usd``, fees, ``supply_cap``, ``min_mint``.
- ``[policy]``: ``kind`` (``daily``, ``band``, ``hybrid``), ``leverage`` (signed),
  ``reset_time`` (``HH:MM`` UTC), ``trigger``, ``band = [lower, upper]`` (signed, for -1x
  ``[-1.2, -0.8]``), ``recentering_speed``, ``interval_hours``, ``ripcord``.
- ``[execution]``: ``twap_max`` (contracts per chunk), ``twap_cooldown_hours``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import field_validator, model_validator

from inversa.contracts import ContractKind, TierTable
from inversa.data.config import ConfigModel, load_toml
from inversa.domain import (
    AMOUNT,
    DATE,
    FEE_RATE,
    FRACTION,
    HOURS,
    PRICE,
    RATE,
    SIGNED_RATE,
    Domain,
)
from inversa.engine import FixedBps, LinearImpact, SlippageModel, tradable
from inversa.errors import InputError
from inversa.index import BasketSpec, IndexLevel, basket_prices, index_level, load_supplies
from inversa.token.keeper import Execution, MarketData, TokenBacktestSpec
from inversa.token.maths import BandParams
from inversa.token.oracle import Fault, OracleSpec
from inversa.token.policy import Policy
from inversa.token.vault import VaultSpec
from inversa.venues import Funding, Instrument, TieredMargin, load_venue

__all__ = [
    "IndexConfig",
    "TokenConfig",
    "basket_level",
    "basket_spec",
    "load_config",
    "market_data",
    "oracle_spec",
    "to_spec",
]

INVERSE_SYMBOL = "{coin}/USD:{settle}"
LINEAR_SYMBOL = "{coin}/{settle}:{settle}"

#: A signed token leverage (-1: inverse token), in [-10, 10].
TOKEN_LEVERAGE = Domain("leverage", "x (signed)", Decimal(-10), Decimal(10))
#: A contract count or value, > 0.
POSITIVE = Domain("amount", "amount", Decimal(0), Decimal("1e15"), low_open=True)
#: A recentering speed in (0, 1].
SPEED = Domain("fraction", "fraction", Decimal(0), Decimal(1), low_open=True)
#: A fraction in [0, 1) (fees).
FEE_FRACTION = Domain("fraction", "fraction", Decimal(0), Decimal(1), high_open=True)
#: Max leverage of the venue position, [1, 1000].
VENUE_LEVERAGE = Domain("leverage", "x", Decimal(1), Decimal(1000))

Pos = Annotated[Decimal, POSITIVE]
NonNeg = Annotated[Decimal, AMOUNT]
When = Annotated[datetime, DATE]
SignedLev = Annotated[Decimal, TOKEN_LEVERAGE]


class DataConfig(ConfigModel):
    dataset: (
        Literal["binance-mark-1h", "bybit-inverse-8h", "binance-coinm-8h", "defi-basket"] | None
    ) = None
    asset: Literal["BTC", "ETH", "INDEX"] = "BTC"
    csv: str | None = None
    time_column: str = "timestamp_utc"
    price_column: str = "close"
    frequency: str | None = None
    start: When | None = None
    end: When | None = None

    @model_validator(mode="after")
    def _one_source(self) -> DataConfig:
        if (self.dataset is None) == (self.csv is None):
            raise ValueError("give exactly one of dataset or csv")
        if self.start and self.end and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class InstrumentConfig(ConfigModel):
    venue: str | None = None
    symbol: str | None = None
    kind: Literal["inverse", "linear"] = "inverse"
    settle: Literal["BTC", "ETH", "USDT", "USDC", "USD"] = "BTC"
    contract_value: Pos = Decimal(1)
    lot: Pos = Decimal(1)
    tick: Annotated[Decimal, PRICE] = Decimal("0.5")
    taker: Annotated[Decimal, FEE_RATE] = Decimal("0.00075")
    maker: Annotated[Decimal, FEE_RATE] = Decimal(0)
    maintenance_rate: Annotated[Decimal, RATE] = Decimal("0.005")
    max_leverage: Annotated[Decimal, VENUE_LEVERAGE] = Decimal(100)


class FundingConfig(ConfigModel):
    kind: Literal["none", "history", "formula", "fixed"] = "none"
    source: Literal["dataset", "binance-usdt", "bybit-usdt"] = "dataset"
    rate: Annotated[Decimal, SIGNED_RATE] | None = None

    @model_validator(mode="after")
    def _rate(self) -> FundingConfig:
        if (self.kind == "fixed") != (self.rate is not None):
            raise ValueError("rate is given with kind = 'fixed' and only then")
        return self


class SlippageConfig(ConfigModel):
    kind: Literal["none", "fixed-bps", "linear"] = "none"
    bps: NonNeg = Decimal(0)
    bps_per_coin: NonNeg = Decimal(0)


class FaultConfig(ConfigModel):
    kind: Literal["stale", "delay", "manipulate"]
    start: When
    end: When
    lag_hours: Annotated[Decimal, AMOUNT] = Decimal(0)
    size: Annotated[Decimal, SIGNED_RATE] = Decimal(0)


class OracleConfig(ConfigModel):
    kind: Literal["none", "model"] = "none"
    staleness_hours: Annotated[Decimal, HOURS] | None = None
    deviation: Annotated[Decimal, FRACTION] = Decimal(0)
    heartbeat_hours: Annotated[Decimal, HOURS] | None = None
    twap_bars: Annotated[Decimal, POSITIVE] = Decimal(1)
    slippage_tolerance: Annotated[Decimal, FRACTION] | None = None
    faults: tuple[FaultConfig, ...] = ()

    @model_validator(mode="after")
    def _model(self) -> OracleConfig:
        if self.kind == "none" and (self.faults or self.staleness_hours is not None):
            raise ValueError("set kind = 'model' to configure the oracle")
        if self.twap_bars != int(self.twap_bars):
            raise ValueError("twap_bars must be a whole number")
        return self


class VaultConfig(ConfigModel):
    collateral: Literal["coin", "usd"] = "coin"
    start_equity: Pos = Decimal(1)
    initial_nav_usd: Pos = Decimal(100)
    mint_fee: Annotated[Decimal, FEE_FRACTION] = Decimal(0)
    redeem_fee: Annotated[Decimal, FEE_FRACTION] = Decimal(0)
    streaming_fee: Annotated[Decimal, FEE_FRACTION] = Decimal(0)
    supply_cap: Pos | None = None
    min_mint: NonNeg = Decimal(0)
    charge_execution: bool = False


class PolicyConfig(ConfigModel):
    kind: Literal["daily", "band", "hybrid"] = "daily"
    leverage: SignedLev = Decimal(-1)
    reset_time: str = "00:00"
    trigger: Annotated[Decimal, FRACTION] | None = None
    band: tuple[Annotated[Decimal, TOKEN_LEVERAGE], Annotated[Decimal, TOKEN_LEVERAGE]] | None = (
        None
    )
    recentering_speed: Annotated[Decimal, SPEED] = Decimal(1)
    interval_hours: Annotated[Decimal, HOURS] | None = None
    ripcord: SignedLev | None = None

    @field_validator("reset_time")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        try:
            time.fromisoformat(v)
        except ValueError:
            raise ValueError("expected HH:MM (UTC)") from None
        return v


class ExecutionConfig(ConfigModel):
    twap_max: Pos | None = None
    twap_cooldown_hours: NonNeg = Decimal(0)


class IndexConfig(ConfigModel):
    assets: tuple[str, ...] = ("AAVE", "COMP", "CRV", "LINK", "MKR", "SNX", "SUSHI", "YFI")
    weighting: Literal["fixed", "equal", "market-cap"] = "equal"
    weights: tuple[Annotated[Decimal, FRACTION], ...] | None = None
    cap: Annotated[Decimal, FRACTION] | None = None
    supply_csv: str | None = None
    drop_below: Annotated[Decimal, FRACTION] = Decimal(0)
    add_above: Annotated[Decimal, FRACTION] = Decimal(0)
    schedule: Literal["none", "monthly", "quarterly"] = "none"
    glide_days: Annotated[Decimal, AMOUNT] = Decimal(0)
    base_level: Pos = Decimal(1000)


class TokenConfig(ConfigModel):
    """A whole token backtest config (see the module docstring)."""

    name: str = "token backtest"
    data: DataConfig
    index: IndexConfig | None = None
    instrument: InstrumentConfig = InstrumentConfig()
    funding: FundingConfig = FundingConfig()
    slippage: SlippageConfig = SlippageConfig()
    oracle: OracleConfig = OracleConfig()
    vault: VaultConfig = VaultConfig()
    policy: PolicyConfig = PolicyConfig()
    execution: ExecutionConfig = ExecutionConfig()


def load_config(path: str | Path) -> tuple[TokenConfig, Path]:
    """Read and validate a TOML config (:func:`inversa.data.config.load_toml`: unknown
    keys and out-of-range values refused naming the file and the key); returns it and its
    folder (for relative CSV paths)."""
    return load_toml(path, TokenConfig), Path(path).parent


def _policy(cfg: PolicyConfig) -> Policy:
    target = cfg.leverage
    band = None
    if cfg.band is not None:
        lower, upper = sorted(cfg.band)
        near, far = (upper, lower) if target < 0 else (lower, upper)
        if not lower < target < upper:
            raise InputError("policy.band", list(cfg.band), f"must contain the leverage {target}")
        interval = Decimal("Infinity") if cfg.interval_hours is None else cfg.interval_hours
        band = BandParams(target, near, far, cfg.recentering_speed, interval, cfg.ripcord)
    elif cfg.kind != "daily":
        raise InputError("policy.band", None, f"a {cfg.kind} policy needs band = [lower, upper]")
    return Policy(cfg.kind, target, time.fromisoformat(cfg.reset_time), cfg.trigger, band)


def _slippage(cfg: SlippageConfig) -> SlippageModel | None:
    if cfg.kind == "fixed-bps":
        return FixedBps(cfg.bps)
    if cfg.kind == "linear":
        return LinearImpact(cfg.bps, cfg.bps_per_coin)
    return None


def oracle_spec(cfg: OracleConfig, with_faults: bool = True) -> OracleSpec | None:
    """The keeper's :class:`~inversa.token.oracle.OracleSpec` (``None``: bar prices)."""
    if cfg.kind == "none":
        return None

    def opt(x: Decimal | None) -> float | None:
        return None if x is None else float(x)

    faults = tuple(
        Fault(f.kind, f.start, f.end, float(f.lag_hours), float(f.size)) for f in cfg.faults
    )
    return OracleSpec(
        opt(cfg.staleness_hours),
        float(cfg.deviation),
        opt(cfg.heartbeat_hours),
        int(cfg.twap_bars),
        opt(cfg.slippage_tolerance),
        faults if with_faults else (),
    )


#: Config fields that override the venue's contract terms / its instrument's fields.
_SPEC_OVERRIDABLE = ("contract_value", "lot", "tick")
_OVERRIDABLE = ("taker", "maker", "max_leverage")


def _venue_instrument(i: InstrumentConfig) -> Instrument:
    """``venue``/``symbol`` from the venue rule files; the fields the config sets
    explicitly (``taker``, ``tick``, ...) override the venue's values (``max_leverage``
    also sets the initial-margin floor ``1 / max_leverage`` where the venue's tiers give
    none; ``maintenance_rate`` replaces the tiers by one flat rate).  The engine settles
    no funding on it: the backtest pays funding from its own series."""
    if i.venue is None or i.symbol is None:
        raise InputError("instrument.venue", i.venue, "give both venue and symbol")
    given = i.model_fields_set
    inst = load_venue(i.venue).instrument(i.symbol)
    spec = replace(
        inst.spec, **{name: getattr(i, name) for name in _SPEC_OVERRIDABLE if name in given}
    )
    fields: dict[str, Any] = {name: getattr(i, name) for name in _OVERRIDABLE if name in given}
    if "maintenance_rate" in given:
        fields["margin"] = TieredMargin(TierTable.parse(f"inf:{i.maintenance_rate}"))
    return tradable(replace(inst, spec=spec, funding=None, **fields))


def to_spec(cfg: TokenConfig) -> TokenBacktestSpec:
    """The plain spec the keeper takes."""
    i = cfg.instrument
    linear = i.kind == "linear"
    if linear == (i.settle in ("BTC", "ETH")):
        raise InputError("instrument.settle", i.settle, f"does not settle a {i.kind} perpetual")
    coin = cfg.data.asset
    symbol = (LINEAR_SYMBOL if linear else INVERSE_SYMBOL).format(coin=coin, settle=i.settle)
    if i.venue is not None or i.symbol is not None:
        inst = _venue_instrument(i)
        linear = inst.linear
    else:
        inst = Instrument.custom(
            symbol,
            i.contract_value,
            TierTable.parse(f"inf:{i.maintenance_rate}"),
            taker=i.taker,
            maker=i.maker,
            tick=i.tick,
            lot=i.lot,
            max_leverage=i.max_leverage,
            settle=i.settle,
            kind=ContractKind.LINEAR if linear else ContractKind.INVERSE,
        )
    v = cfg.vault
    if (v.collateral == "usd") != linear:
        raise InputError("vault.collateral", v.collateral, f"does not go with a {i.kind} perpetual")
    vault = VaultSpec(
        inst.symbol,
        collateral=v.collateral,
        mint_fee=v.mint_fee,
        redeem_fee=v.redeem_fee,
        streaming_fee=v.streaming_fee,
        supply_cap=v.supply_cap,
        min_mint=v.min_mint,
        initial_nav_usd=v.initial_nav_usd,
        charge_execution=v.charge_execution,
    )
    tick = inst.tick if inst.tick is not None else i.tick
    ex = Execution(tick, cfg.execution.twap_max, cfg.execution.twap_cooldown_hours)
    return TokenBacktestSpec(
        inst,
        vault,
        _policy(cfg.policy),
        ex,
        v.start_equity,
        _slippage(cfg.slippage),
        oracle_spec(cfg.oracle),
    )


def basket_spec(cfg: IndexConfig) -> BasketSpec:
    """The :class:`~inversa.index.BasketSpec` of an ``[index]`` section."""
    weights: dict[str, float] = {}
    if cfg.weights is not None:
        if len(cfg.weights) != len(cfg.assets):
            raise InputError("index.weights", list(cfg.weights), "give one weight per asset")
        weights = {a: float(w) for a, w in zip(cfg.assets, cfg.weights, strict=True)}
    if cfg.glide_days != int(cfg.glide_days):
        raise InputError("index.glide_days", cfg.glide_days, "must be a whole number")
    return BasketSpec(
        tuple(a.upper() for a in cfg.assets),
        cfg.weighting,
        weights,
        None if cfg.cap is None else float(cfg.cap),
        float(cfg.drop_below),
        float(cfg.add_above),
        cfg.schedule,
        int(cfg.glide_days),
        float(cfg.base_level),
    )


def basket_level(cfg: TokenConfig, base: Path) -> tuple[pd.DataFrame, IndexLevel]:
    """The index level of the config's ``[index]`` section on bundled daily closes."""
    icfg = cfg.index if cfg.index is not None else IndexConfig()
    spec = basket_spec(icfg)
    prices = basket_prices(spec.assets, cfg.data.start, cfg.data.end)
    supplies = None
    if icfg.supply_csv is not None:
        path = Path(icfg.supply_csv)
        supplies = load_supplies(path if path.is_absolute() else base / path)
    return prices, index_level(prices, spec, supplies)


def _frame(cfg: DataConfig, base: Path) -> tuple[pd.DataFrame, str, str]:
    """(frame, price column, source label) for the data section."""
    from inversa import data

    if cfg.csv is not None:
        path = Path(cfg.csv)
        path = path if path.is_absolute() else base / path
        frame = data.read_price_csv(
            path,
            time_column=cfg.time_column,
            price_columns=(cfg.price_column,),
            freq=cfg.frequency,
        )
        return frame, cfg.price_column, str(path)
    if cfg.dataset == "binance-mark-1h":
        return data.mark_hourly(cfg.asset), "close", f"binance-mark-1h {cfg.asset}"
    venue = "bybit" if cfg.dataset == "bybit-inverse-8h" else "binance-coinm"
    if cfg.asset != "BTC":
        raise InputError("data.asset", cfg.asset, f"{cfg.dataset} has BTC only")
    return data.funding_history(venue), "perp_close", str(cfg.dataset)


def _aligned_funding(name: str, asset: str, index: pd.Index, source: str) -> np.ndarray:
    """Rates of ``name`` settled on the bars stamped at their funding times (0 elsewhere)."""
    from inversa.data import usdt_funding

    rates = usdt_funding(name.removesuffix("-usdt"), f"{asset}USDT")["funding_rate"]
    times = pd.DatetimeIndex(index)
    if times[0] < rates.index[0] or times[-1] > rates.index[-1] + pd.Timedelta(hours=8):
        raise InputError(
            "funding.source",
            name,
            f"covers {rates.index[0]} .. {rates.index[-1]}, not all of {source}'s bars",
        )
    return rates.reindex(times).fillna(0.0).to_numpy(dtype=np.float64)


def market_data(cfg: TokenConfig, base: Path = Path()) -> MarketData:
    """Load and slice the bars and the funding the config names."""
    if cfg.data.dataset == "defi-basket":
        if cfg.funding.kind in ("history", "formula"):
            raise InputError("funding.kind", cfg.funding.kind, "the basket has no funding history")
        _, lvl = basket_level(cfg, base)
        funding = None
        if cfg.funding.kind == "fixed":
            assert cfg.funding.rate is not None
            funding = np.full(len(lvl.level), float(cfg.funding.rate))
        return MarketData(
            tuple(lvl.dates.to_pydatetime()), lvl.level, funding, "defi-basket index level"
        )
    elif cfg.index is not None:
        raise InputError("index", "section", "only with dataset = 'defi-basket'")
    frame, column, source = _frame(cfg.data, base)
    lo = None if cfg.data.start is None else pd.Timestamp(cfg.data.start)
    hi = None if cfg.data.end is None else pd.Timestamp(cfg.data.end)
    lo = None if lo is None else (lo.tz_localize("UTC") if lo.tzinfo is None else lo)
    hi = None if hi is None else (hi.tz_localize("UTC") if hi.tzinfo is None else hi)
    mask = np.ones(len(frame), dtype=bool)
    if lo is not None:
        mask &= np.asarray(frame.index >= lo)
    if hi is not None:
        mask &= np.asarray(frame.index < hi)
    frame = frame.loc[mask]
    if len(frame) < 2:
        raise InputError("data.start", cfg.data.start, f"{source}: fewer than 2 bars in range")
    funding = None
    f = cfg.funding
    if f.kind == "history" and f.source != "dataset":
        funding = _aligned_funding(f.source, cfg.data.asset, frame.index, source)
    elif f.kind == "history":
        if "funding_rate" not in frame:
            raise InputError("funding.kind", "history", f"{source} has no funding history")
        funding = frame["funding_rate"].to_numpy(dtype=np.float64)
    elif f.kind == "formula":
        if "spot_close" not in frame or "perp_close" not in frame:
            raise InputError("funding.kind", "formula", f"{source} has no perp and spot prices")
        rule = Funding()  # the clamp formula at the BitMEX/Bybit/Binance defaults
        premium = (frame["perp_close"] - frame["spot_close"]) / frame["spot_close"]
        funding = np.array([float(rule.rate(Decimal(repr(float(p))))) for p in premium])
    elif f.kind == "fixed":
        assert f.rate is not None
        funding = np.full(len(frame), float(f.rate))
    times = tuple(pd.DatetimeIndex(frame.index).to_pydatetime())
    return MarketData(times, frame[column].to_numpy(dtype=np.float64), funding, source)
