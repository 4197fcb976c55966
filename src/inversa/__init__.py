"""inversa: exact, fast maths and simulation for coin-margined (inverse) futures."""

from inversa.errors import (
    DataError,
    InputError,
    InsolvencyError,
    InversaError,
    OrderRejectedError,
    UnknownSymbolError,
    UnknownVenueError,
)

__all__ = [
    "DataError",
    "InputError",
    "InsolvencyError",
    "InversaError",
    "OrderRejectedError",
    "UnknownSymbolError",
    "UnknownVenueError",
    "__version__",
]

__version__ = "0.1.0"
