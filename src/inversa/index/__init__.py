"""Basket (index) methodology: fixed, equal and market-cap weights with an iterated cap.

Weights are fractions of the basket's USD value summing to 1; prices are USD per coin.
"""

from inversa.index.weights import cap_weights, equal_weights, market_cap_weights, normalise

__all__ = ["cap_weights", "equal_weights", "market_cap_weights", "normalise"]
