"""The inverse (or leveraged) index token: maths, vault, policies, keeper and backtests.

Leverage is signed (-1 for an inverse token) and is net USD delta over USD equity;
NAV is equity per token.  See :mod:`inversa.token.maths` for the closed-form pieces.
"""

from inversa.token.maths import (
    BandAction,
    BandDecision,
    BandParams,
    SynthQuote,
    band_decision,
    decay_factor,
    drift_leverage,
    recenter,
    reset_path,
    reset_trade,
    round_half_up,
    streaming_fee_fraction,
    streaming_fee_minted,
    synth_price,
)

__all__ = [
    "BandAction",
    "BandDecision",
    "BandParams",
    "SynthQuote",
    "band_decision",
    "decay_factor",
    "drift_leverage",
    "recenter",
    "reset_path",
    "reset_trade",
    "round_half_up",
    "streaming_fee_fraction",
    "streaming_fee_minted",
    "synth_price",
]
