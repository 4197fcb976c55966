"""The pure maths of one contract: value, PnL, entry, fees, margin, liquidation, funding,
fair price and carry.

No state, no I/O, no venue names: venues pass their parameters in.  Every function runs
on exact ``Decimal`` scalars and on NumPy ``float64`` arrays with the same code.
Conventions: prices in USD per coin; inverse values, PnL, margin and fees in the
settlement coin; ``side`` +1 long, -1 short; cash flows positive when received; a
positive funding rate means longs pay shorts.
"""

from inversa.contracts._check import Side, check_leverage, check_positive, parse_side
from inversa.contracts.fees import trading_fee
from inversa.contracts.funding import (
    clamp_funding_rate,
    deribit_funding_rate,
    funding_accrual,
    funding_payment,
    margin_funding_cap,
    premium_index,
)
from inversa.contracts.linear import (
    apply_linear_fill,
    arithmetic_entry,
    linear_fee,
    linear_funding_payment,
    linear_value,
)
from inversa.contracts.liquidation import (
    Leg,
    LiquidationResult,
    binance_coinm_prices,
    bybit_classic_cross_prices,
    bybit_isolated_prices,
    generic_prices,
    round_to_tick,
)
from inversa.contracts.liquidation_models import (
    LIQUIDATION_MODELS,
    LiquidationModel,
    PositionInputs,
    liquidation_model,
    liquidation_model_names,
    liquidation_prices,
    register_model,
)
from inversa.contracts.margin import (
    Tier,
    TierTable,
    initial_margin,
    linear_rate,
    maintenance_margin,
    risk_step_rates,
)
from inversa.contracts.pnl import (
    Fill,
    FillResult,
    PositionState,
    apply_fill,
    contract_pnl,
    harmonic_entry,
    inverse_pnl,
    inverse_pnl_usd,
    linear_pnl,
    position_value,
    quanto_pnl,
)
from inversa.contracts.pricing import (
    annualised_basis,
    basis,
    carry_forward,
    dated_fair_basis,
    dated_fair_price,
    implied_carry_rate,
    perpetual_fair_price,
)
from inversa.contracts.spec import ContractKind, ContractSpec

__all__ = [
    "LIQUIDATION_MODELS",
    "ContractKind",
    "ContractSpec",
    "Fill",
    "FillResult",
    "Leg",
    "LiquidationModel",
    "LiquidationResult",
    "PositionInputs",
    "PositionState",
    "Side",
    "Tier",
    "TierTable",
    "annualised_basis",
    "apply_fill",
    "apply_linear_fill",
    "arithmetic_entry",
    "basis",
    "binance_coinm_prices",
    "bybit_classic_cross_prices",
    "bybit_isolated_prices",
    "carry_forward",
    "check_leverage",
    "check_positive",
    "clamp_funding_rate",
    "contract_pnl",
    "dated_fair_basis",
    "dated_fair_price",
    "deribit_funding_rate",
    "funding_accrual",
    "funding_payment",
    "generic_prices",
    "harmonic_entry",
    "implied_carry_rate",
    "initial_margin",
    "inverse_pnl",
    "inverse_pnl_usd",
    "linear_fee",
    "linear_funding_payment",
    "linear_pnl",
    "linear_rate",
    "linear_value",
    "liquidation_model",
    "liquidation_model_names",
    "liquidation_prices",
    "maintenance_margin",
    "margin_funding_cap",
    "parse_side",
    "perpetual_fair_price",
    "position_value",
    "premium_index",
    "quanto_pnl",
    "register_model",
    "risk_step_rates",
    "round_to_tick",
    "trading_fee",
]

# Registers the vol-scaled maintenance model ("vol-scaled") in the liquidation registry.
from inversa.contracts import vol_margin as _vol_margin  # noqa: F401
