"""Basket (index) methodology: fixed, equal and market-cap weights with an iterated cap,
drop/add buffers, scheduled reconstitution with a glide path, and the index level kept
continuous by a divisor.

Weights are fractions of the basket's USD value summing to 1; prices are USD per coin.
"""

from inversa.index.basket import (
    BasketSpec,
    IndexLevel,
    basket_prices,
    index_level,
    load_supplies,
    supplies_as_of,
)
from inversa.index.weights import cap_weights, equal_weights, market_cap_weights, normalise

__all__ = [
    "BasketSpec",
    "IndexLevel",
    "basket_prices",
    "cap_weights",
    "equal_weights",
    "index_level",
    "load_supplies",
    "market_cap_weights",
    "normalise",
    "supplies_as_of",
]
