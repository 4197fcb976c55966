"""Fused Numba kernels for the hot paths of simulation.

Each kernel computes, in one pass over the rows, what a chain of
:mod:`inversa.contracts` functions computes on arrays; it is parity-tested against those
functions (``tests/sim/test_kernels.py``) and holds no formula of its own beyond that
composition.  Inputs are float64 arrays of equal length; the kernels apply the domain
checks of the contracts functions and report the first bad row.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from inversa.errors import InputError

__all__ = ["isolated_pnl_and_liquidation"]

F64 = NDArray[np.float64]

_FIELDS = ("side", "contracts", "entry", "mark", "contract_value", "leverage", "mmr")
_RULES = (
    "must be +1 or -1",
    *(["must be a finite number > 0"] * 4),
    "must be a finite number >= 1",
    "must lie in [0, 1)",
)


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _in_domain(field: int, v: float) -> bool:  # pragma: no cover - compiled
    """The domain check of the contracts functions for input ``field`` (index into
    ``_FIELDS``); NaN fails every comparison.  Inlined with a constant ``field`` in the
    row loop, so the branches fold away."""
    if field == 0:
        return (v == 1.0) | (v == -1.0)
    if field <= 4:
        return (v > 0.0) & (v < np.inf)
    if field == 5:
        return (v >= 1.0) & (v < np.inf)
    return (v >= 0.0) & (v < 1.0)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _first_bad_row(inputs: tuple[F64, ...]) -> tuple[int, int]:  # pragma: no cover - compiled
    """(row, field) of the first of the seven ``inputs`` (``_FIELDS`` order) outside its
    domain, or (-1, -1)."""
    for i in range(inputs[0].shape[0]):
        for field in range(len(inputs)):
            if not _in_domain(field, inputs[field][i]):
                return i, field
    return -1, -1


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _isolated_rows(
    inputs: tuple[F64, ...], pnl: F64, liquidation: F64, bankruptcy: F64
) -> bool:  # pragma: no cover - compiled
    """Fill the outputs from the seven ``inputs`` (``_FIELDS`` order) in one branch-free
    pass; False if any input is out of its domain."""
    side, contracts, entry, mark, contract_value, leverage, mmr = inputs
    inf = np.inf
    ok = True
    for i in range(side.shape[0]):
        s, n, e, x = side[i], contracts[i], entry[i], mark[i]
        cv, lev, m = contract_value[i], leverage[i], mmr[i]
        ok &= (
            _in_domain(0, s)
            & _in_domain(1, n)
            & _in_domain(2, e)
            & _in_domain(3, x)
            & _in_domain(4, cv)
            & _in_domain(5, lev)
            & _in_domain(6, m)
        )
        usd = n * cv
        # contracts.inverse_pnl
        pnl[i] = s * usd * (1.0 / e - 1.0 / x)
        # contracts.generic_prices with collateral = initial_margin(PV_E, leverage)
        pv_entry = usd / e
        base = pv_entry / lev + s * pv_entry
        liq = usd * (s + m) / base
        bk = s * usd / base
        liquidation[i] = liq if (liq > 0.0) & (base != 0.0) else inf
        bankruptcy[i] = bk if (bk > 0.0) & (base != 0.0) else inf
    return ok


def isolated_pnl_and_liquidation(
    side: F64,
    contracts: F64,
    entry: F64,
    mark: F64,
    contract_value: F64,
    leverage: F64,
    mmr: F64,
) -> tuple[F64, F64, F64]:
    """(PnL at ``mark`` in coin, liquidation price, bankruptcy price) of isolated positions
    margined at ``PV_E / leverage`` with a flat maintenance rate valued at the mark
    (the ``generic`` model); +inf where a short cannot be liquidated.

    Raises InputError naming the field, the value and the row of the first bad input.
    """
    arrays = [
        np.ascontiguousarray(a, dtype=np.float64)
        for a in (side, contracts, entry, mark, contract_value, leverage, mmr)
    ]
    n = arrays[0].shape[0]
    if any(a.shape != (n,) for a in arrays):
        raise InputError("arrays", [a.shape for a in arrays], "must be 1-D of equal length")
    pnl, liq, bk = np.empty(n), np.empty(n), np.empty(n)
    inputs = tuple(arrays)
    if not _isolated_rows(inputs, pnl, liq, bk):
        row, field = _first_bad_row(inputs)
        value = arrays[field][row]
        raise InputError(_FIELDS[field], f"{value!r} at index {row}", _RULES[field])
    return pnl, liq, bk
