"""A vectorised risk book: revalue many inverse positions at once.

Each row of a :class:`RiskBook` is one isolated account holding one inverse position:
``side`` (+1 long, -1 short), ``contracts`` (> 0), ``entry`` (USD per coin),
``contract_value`` (USD per contract), ``collateral`` (coin backing the position) and a
maintenance rule: a flat rate ``mmr`` per row, or one :class:`~inversa.contracts.TierTable`
for the whole book.  Rows are held as float64 NumPy arrays.

Revaluation at a mark price ``P`` (USD per coin), per row, with the formulas of
:mod:`inversa.contracts` (maintenance margin valued at the mark, the ``generic`` model):

- ``pnl_coin = inverse_pnl(side, N, E, P, CV)`` in coin, positive is a gain;
- ``equity_coin = collateral + pnl_coin`` in coin;
- ``maintenance_margin_coin = maintenance_margin(position_value(N, P, CV), mmr | tiers)``
  in coin;
- ``margin_ratio = maintenance_margin_coin / equity_coin`` (``+inf`` where equity <= 0);
  >= 1 means liquidation;
- ``liquidated = equity_coin <= maintenance_margin_coin``;
- ``distance_to_liquidation = L / P - 1``: the relative price move from the mark to the
  liquidation price ``L`` of :func:`~inversa.contracts.generic_prices` (negative for a
  long, which is liquidated by a fall; positive for a short; ``+inf`` where no price
  liquidates the row, e.g. a fully collateralised short).

Two engines compute the same numbers: ``"numpy"`` calls the contracts functions on arrays
(the reference), ``"numba"`` is one fused pass per price, parity-tested against it
(``tests/sim/test_riskbook.py``) and about three times faster on a million rows.
``"auto"`` picks Numba from :data:`NUMBA_MIN_ROWS` rows on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from inversa import contracts as c
from inversa.errors import InputError

__all__ = [
    "MAX_CELLS",
    "NUMBA_MIN_ROWS",
    "Backend",
    "BookScan",
    "Revaluation",
    "RiskBook",
]

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
#: The revaluation backend (keyword ``engine=``): NumPy, the Numba kernel, or by size.
Backend = Literal["auto", "numpy", "numba"]

#: ``engine="auto"`` uses the Numba kernel from this many rows on (below it, NumPy's
#: per-call overhead is smaller than the kernel's dispatch and the result is the same).
NUMBA_MIN_ROWS = 20_000

#: Largest ``prices x rows`` result :meth:`RiskBook.revalue` materialises (about 33
#: bytes per cell); beyond it use :meth:`RiskBook.scan`, which keeps one row of memory.
MAX_CELLS = 10_000_000

_ENGINES = ("auto", "numpy", "numba")


@dataclass(frozen=True, slots=True, eq=False)
class Revaluation:
    """A book revalued at one price (arrays of shape ``(n,)``) or at ``k`` prices
    (``(k, n)``: one row per price, one column per position).

    Attributes:
        price: the mark price(s), USD per coin; shape ``()`` or ``(k,)``.
        pnl_coin: unrealised PnL in the settlement coin (positive is a gain to the holder).
        equity_coin: collateral + PnL, settlement coin.
        maintenance_margin_coin: settlement coin, valued at the mark.
        margin_ratio: maintenance margin / equity (``+inf`` where equity <= 0).
        liquidated: ``equity_coin <= maintenance_margin_coin``.
        distance_to_liquidation: ``L / price - 1``, a fraction of the price (negative: a
            fall liquidates); ``+inf`` where there is no liquidation price.
    """

    price: Array
    pnl_coin: Array
    equity_coin: Array
    maintenance_margin_coin: Array
    margin_ratio: Array
    liquidated: BoolArray
    distance_to_liquidation: Array

    def frame(self) -> pd.DataFrame:
        """One row per position (one-price revaluations only)."""
        if self.pnl_coin.ndim != 1:
            raise InputError("price", self.price.shape, "frame() needs a one-price revaluation")
        return pd.DataFrame(
            {
                "pnl_coin": self.pnl_coin,
                "equity_coin": self.equity_coin,
                "maintenance_margin_coin": self.maintenance_margin_coin,
                "margin_ratio": self.margin_ratio,
                "liquidated": self.liquidated,
                "distance_to_liquidation": self.distance_to_liquidation,
            }
        )


@dataclass(frozen=True, slots=True, eq=False)
class BookScan:
    """Book totals per price, from :meth:`RiskBook.scan` (every array has shape ``(k,)``).

    Attributes:
        price: mark prices, USD per coin.
        pnl_coin: summed PnL of all rows, settlement coin.
        equity_coin: summed equity, settlement coin.
        maintenance_margin_coin: summed maintenance margin, settlement coin.
        liquidated: number of rows (accounts) with equity <= maintenance margin.
        liquidated_usd: USD notional ``N * CV`` of those rows.
        liquidated_coin: coin value ``N * CV / P`` of those rows at the price.
    """

    price: Array
    pnl_coin: Array
    equity_coin: Array
    maintenance_margin_coin: Array
    liquidated: NDArray[np.int64]
    liquidated_usd: Array
    liquidated_coin: Array


def _column(name: str, values: ArrayLike | float, n: int | None) -> Array:
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(name, values, "must be numbers") from None
    if arr.ndim == 0 and n is not None:
        arr = np.full(n, float(arr))
    if arr.ndim != 1:
        raise InputError(name, arr.shape, "must be a 1-D array (one value per position)")
    if n is not None and arr.shape[0] != n:
        raise InputError(name, arr.shape[0], f"must have one value per position ({n})")
    arr.setflags(write=False)
    return arr


def _check(
    name: str,
    arr: Array,
    ok: BoolArray,
    reason: str,
    labels: Sequence[object] | None,
) -> None:
    """InputError naming the column, the first bad row (its label) and the value."""
    bad = ~ok
    if bad.any():
        i = int(np.argmax(bad))
        row = labels[i] if labels is not None else i
        raise InputError(f"{name}[row {row}]", float(arr[i]), reason)


class RiskBook:
    """``n`` inverse positions, one isolated account each, revalued together.

    Args:
        side: +1 (long) or -1 (short) per row.
        contracts: contract count per row, > 0.
        entry: average entry price, USD per coin, > 0.
        contract_value: USD per contract, > 0; a scalar applies to every row.
        collateral: coin backing each position (isolated margin), >= 0.
        mmr: flat maintenance rate in [0, 1), scalar or per row; or
        tiers: one tier table (by position value in coin) for every row.
        engine: ``"auto"``, ``"numpy"`` (the contracts functions) or ``"numba"``.
        row_labels: names of the rows in error messages (default: 0-based index).

    Raises:
        InputError: NaN, infinite or out-of-domain values, naming column, row and value.
    """

    __slots__ = (
        "_bankruptcy",
        "_inv_entry",
        "_liquidation",
        "_signed_usd",
        "_tier_arrays",
        "_usd",
        "collateral",
        "contract_value",
        "contracts",
        "engine",
        "entry",
        "mmr",
        "side",
        "tiers",
    )

    side: Array
    contracts: Array
    entry: Array
    contract_value: Array
    collateral: Array
    mmr: Array | None
    tiers: c.TierTable | None
    engine: Backend

    def __init__(
        self,
        side: ArrayLike,
        contracts: ArrayLike,
        entry: ArrayLike,
        contract_value: ArrayLike | float,
        collateral: ArrayLike,
        *,
        mmr: ArrayLike | float | None = None,
        tiers: c.TierTable | None = None,
        engine: Backend = "auto",
        row_labels: Sequence[object] | None = None,
    ) -> None:
        if engine not in _ENGINES:
            raise InputError("engine", engine, f"must be one of {', '.join(_ENGINES)}")
        if (mmr is None) == (tiers is None):
            raise InputError("mmr/tiers", (mmr, tiers), "give exactly one of mmr and tiers")
        s = _column("side", side, None)
        n = s.shape[0]
        if row_labels is not None and len(row_labels) != n:
            raise InputError("row_labels", len(row_labels), f"must have {n} labels")
        labels = row_labels
        _check("side", s, (s == 1.0) | (s == -1.0), "must be +1 (long) or -1 (short)", labels)
        cols: dict[str, Array] = {"side": s}
        for name, values in (
            ("contracts", contracts),
            ("entry", entry),
            ("contract_value", contract_value),
        ):
            arr = _column(name, values, n)
            _check(name, arr, np.isfinite(arr) & (arr > 0), "must be a finite number > 0", labels)
            cols[name] = arr
        coll = _column("collateral", collateral, n)
        _check(
            "collateral",
            coll,
            np.isfinite(coll) & (coll >= 0),
            "must be a finite number >= 0 (coin)",
            labels,
        )
        rate: Array | None = None
        if mmr is not None:
            rate = _column("mmr", mmr, n)
            _check("mmr", rate, (rate >= 0) & (rate < 1), "must lie in [0, 1)", labels)
        self.side = s
        self.contracts = cols["contracts"]
        self.entry = cols["entry"]
        self.contract_value = cols["contract_value"]
        self.collateral = coll
        self.mmr = rate
        self.tiers = tiers
        self.engine = engine
        usd = self.contracts * self.contract_value
        usd.setflags(write=False)
        self._usd = usd
        # per-row constants of the fused kernel, bit for bit what it computed per tick
        self._signed_usd = self.side * usd
        self._inv_entry = 1.0 / self.entry
        for arr in (self._signed_usd, self._inv_entry):
            arr.setflags(write=False)
        self._liquidation: Array | None = None
        self._bankruptcy: Array | None = None
        self._tier_arrays: tuple[Array, Array, Array] | None = None
        if tiers is not None:
            bounds = np.array([float(b) for b in tiers.upper_bounds])
            rates = np.array([float(t.mmr) for t in tiers.tiers])
            cums = np.array([float(t.cum) for t in tiers.tiers])
            for arr in (bounds, rates, cums):
                arr.setflags(write=False)  # as every input: one compiled kernel signature
            self._tier_arrays = (bounds, rates, cums)

    # -- construction -------------------------------------------------------------

    @classmethod
    def from_leverage(
        cls,
        side: ArrayLike,
        contracts: ArrayLike,
        entry: ArrayLike,
        contract_value: ArrayLike | float,
        leverage: ArrayLike | float,
        *,
        mmr: ArrayLike | float | None = None,
        tiers: c.TierTable | None = None,
        engine: Backend = "auto",
        row_labels: Sequence[object] | None = None,
    ) -> RiskBook:
        """A book whose collateral is the initial margin at entry:
        ``initial_margin(position_value(N, E, CV), leverage)`` = ``N*CV/E/leverage`` coin."""
        s = _column("side", side, None)
        n = s.shape[0]
        cols = {
            name: _column(name, values, n)
            for name, values in (
                ("contracts", contracts),
                ("entry", entry),
                ("contract_value", contract_value),
            )
        }
        for name, arr in cols.items():
            ok = np.isfinite(arr) & (arr > 0)
            _check(name, arr, ok, "must be a finite number > 0", row_labels)
        lev = _column("leverage", leverage, n)
        ok = np.isfinite(lev) & (lev >= 1)
        _check("leverage", lev, ok, "must be a finite number >= 1", row_labels)
        n_, e, cv = cols["contracts"], cols["entry"], cols["contract_value"]
        collateral = c.initial_margin(c.position_value(n_, e, cv), leverage=lev)
        return cls(
            s, n_, e, cv, collateral, mmr=mmr, tiers=tiers, engine=engine, row_labels=row_labels
        )

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        contract_value: float | None = None,
        mmr: float | None = None,
        tiers: c.TierTable | None = None,
        engine: Backend = "auto",
    ) -> RiskBook:
        """A book from a DataFrame, one row per position.

        Columns: ``side`` (+1/-1 or ``long``/``short``), ``contracts``, ``entry``, and
        ``collateral`` (coin) or ``leverage`` (collateral = initial margin at entry);
        optional ``contract_value`` and ``mmr`` columns (else the keywords).  Errors name
        the column, the row's index label and the value.
        """
        cols = {str(k).strip().lower(): k for k in frame.columns}
        labels = list(frame.index)

        def col(name: str) -> Array:
            raw = frame[cols[name]]
            values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
            bad = np.isnan(values) & raw.notna().to_numpy()
            if bad.any():
                i = int(np.argmax(bad))
                raise InputError(f"{name}[row {labels[i]}]", raw.iloc[i], "not a number")
            return values

        missing = [k for k in ("side", "contracts", "entry") if k not in cols]
        if missing:
            raise InputError("columns", list(frame.columns), f"missing {', '.join(missing)}")
        side = _parse_sides(frame[cols["side"]], labels)
        if "contract_value" in cols:
            cv: Array | float = col("contract_value")
        elif contract_value is not None:
            cv = float(contract_value)
        else:
            raise InputError("contract_value", None, "give a contract_value column or keyword")
        rate: Array | float | None = col("mmr") if "mmr" in cols else mmr
        if "mmr" in cols and tiers is not None:
            raise InputError("mmr", "column", "give either an mmr column or tiers, not both")
        if ("collateral" in cols) == ("leverage" in cols):
            raise InputError(
                "columns", list(frame.columns), "give exactly one of collateral and leverage"
            )
        kwargs: dict[str, Any] = {"mmr": rate, "tiers": tiers, "engine": engine}
        if "leverage" in cols:
            return cls.from_leverage(
                side,
                col("contracts"),
                col("entry"),
                cv,
                col("leverage"),
                row_labels=labels,
                **kwargs,
            )
        return cls(
            side,
            col("contracts"),
            col("entry"),
            cv,
            col("collateral"),
            row_labels=labels,
            **kwargs,
        )

    def to_frame(self) -> pd.DataFrame:
        """The rows as a DataFrame (with the liquidation and bankruptcy prices)."""
        data: dict[str, Array] = {
            "side": self.side,
            "contracts": self.contracts,
            "entry": self.entry,
            "contract_value": self.contract_value,
            "collateral": self.collateral,
        }
        if self.mmr is not None:
            data["mmr"] = self.mmr
        data["liquidation_price"] = self.liquidation_price
        data["bankruptcy_price"] = self.bankruptcy_price
        return pd.DataFrame(data)

    # -- static quantities --------------------------------------------------------

    def __len__(self) -> int:
        return int(self.side.shape[0])

    def __repr__(self) -> str:
        rule = "tiers" if self.tiers is not None else "flat mmr"
        return f"RiskBook({len(self)} positions, {rule}, engine={self.engine!r})"

    @property
    def usd_notional(self) -> Array:
        """``N * CV`` per row, USD (constant in the price for inverse contracts)."""
        return self._usd

    def _prices(self) -> None:
        result = c.generic_prices(
            self.side,
            self.entry,
            self.contracts,
            self.contract_value,
            self.collateral,
            mmr=self.mmr,
            tiers=self.tiers,
        )
        liq = np.asarray(result.liquidation_price, dtype=np.float64)
        bk = np.asarray(result.bankruptcy_price, dtype=np.float64)
        liq.setflags(write=False)
        bk.setflags(write=False)
        self._liquidation, self._bankruptcy = liq, bk

    @property
    def liquidation_price(self) -> Array:
        """Per row, USD per coin: equity = MM at the mark (``+inf``: none); computed once."""
        if self._liquidation is None:
            self._prices()
        assert self._liquidation is not None
        return self._liquidation

    @property
    def bankruptcy_price(self) -> Array:
        """Per row, USD per coin: equity = 0 (``+inf``: none); computed once."""
        if self._bankruptcy is None:
            self._prices()
        assert self._bankruptcy is not None
        return self._bankruptcy

    # -- revaluation --------------------------------------------------------------

    def _engine(self, engine: Backend | None) -> Literal["numpy", "numba"]:
        choice = self.engine if engine is None else engine
        if choice not in _ENGINES:
            raise InputError("engine", choice, f"must be one of {', '.join(_ENGINES)}")
        if choice == "auto":
            return "numba" if len(self) >= NUMBA_MIN_ROWS else "numpy"
        return choice

    def _check_prices(self, price: ArrayLike | float) -> Array:
        p = np.array(price, dtype=np.float64)
        if p.ndim > 1:
            raise InputError("price", p.shape, "must be a number or a 1-D array of prices")
        flat = p.reshape(-1)
        bad = ~(np.isfinite(flat) & (flat > 0))
        if bad.any():
            i = int(np.argmax(bad))
            where = f"price[{i}]" if p.ndim else "price"
            raise InputError(where, float(flat[i]), "must be a finite price > 0 (USD per coin)")
        if self._tier_arrays is not None and len(self) and flat.size:
            top = float(self._tier_arrays[0][-1])
            largest = float(self._usd.max()) / float(flat.min())
            if largest > top:
                raise InputError("value", largest, f"exceeds the largest tier bound {top} (coin)")
        return p

    def revalue(
        self,
        price: ArrayLike | float,
        *,
        engine: Backend | None = None,
        max_cells: int = MAX_CELLS,
    ) -> Revaluation:
        """Revalue every row at ``price`` (a number: arrays ``(n,)``) or at each of ``k``
        prices (a 1-D array: arrays ``(k, n)``, row ``j`` at ``price[j]``).

        A ``(k, n)`` result is refused above ``max_cells`` cells; :meth:`scan` gives the
        per-price totals in O(n) memory instead.
        """
        p = self._check_prices(price)
        n = len(self)
        k = 1 if p.ndim == 0 else int(p.shape[0])
        if p.ndim == 1 and k * n > max_cells:
            raise InputError(
                "prices x positions",
                f"{k} x {n}",
                f"exceeds max_cells={max_cells}; use scan() or fewer prices",
            )
        if self._engine(engine) == "numba":
            return self._revalue_numba(p)
        return self._revalue_numpy(p)

    def _revalue_numpy(self, p: Array) -> Revaluation:
        mark = p if p.ndim == 0 else p[:, None]
        if p.ndim == 0:
            mark_num: Any = float(p)
        else:
            mark_num = mark
        pnl = np.asarray(
            c.inverse_pnl(self.side, self.contracts, self.entry, mark_num, self.contract_value)
        )
        equity = self.collateral + pnl
        value = np.asarray(c.position_value(self.contracts, mark_num, self.contract_value))
        shape = equity.shape
        if self.tiers is not None:
            mm = np.asarray(c.maintenance_margin(value, tiers=self.tiers))
        else:
            assert self.mmr is not None
            mm = np.asarray(c.maintenance_margin(value, self.mmr))
        liquidated = equity <= mm
        ratio = np.full(shape, np.inf)
        np.divide(mm, equity, out=ratio, where=equity > 0)
        distance = self.liquidation_price / mark - 1.0
        return Revaluation(p, pnl, equity, mm, ratio, liquidated, distance)

    def _revalue_numba(self, p: Array) -> Revaluation:
        prices = np.ascontiguousarray(p.reshape(-1))
        k, n = prices.shape[0], len(self)
        out = [np.empty((k, n)) for _ in range(5)]
        flags = np.empty((k, n), dtype=np.bool_)
        self._kernel(prices, out, flags)
        pnl, equity, mm, ratio, distance = out[0], out[1], out[2], out[3], out[4]
        if p.ndim == 0:
            pnl, equity, mm, ratio, distance = (a[0] for a in (pnl, equity, mm, ratio, distance))
            flags = flags[0]
        return Revaluation(p, pnl, equity, mm, ratio, flags, distance)

    def _kernel(
        self, prices: Array, out: Sequence[Array], flags: BoolArray, totals: Array | None = None
    ) -> None:
        bounds, rates, cums = self._tier_arrays or (_EMPTY, _EMPTY, _EMPTY)
        sums = np.empty((prices.shape[0], 5)) if totals is None else totals
        _compiled_kernel()(
            prices,
            self._signed_usd,
            self._usd,
            self._inv_entry,
            self.collateral,
            self.mmr if self.mmr is not None else _EMPTY,
            self.liquidation_price,
            bounds,
            rates,
            cums,
            self.tiers is not None,
            out[0],
            out[1],
            out[2],
            out[3],
            flags,
            out[4],
            sums,
            totals is not None,
        )

    def liquidated(self, price: float, *, engine: Backend | None = None) -> BoolArray:
        """Rows with equity <= maintenance margin at ``price`` (shape ``(n,)``)."""
        return self.revalue(float(price), engine=engine).liquidated

    def scan(
        self,
        prices: ArrayLike,
        *,
        engine: Backend | None = None,
        each: Callable[[int, Revaluation], None] | None = None,
    ) -> BookScan:
        """Book totals at each price, one price at a time (memory O(n), not O(k*n)).

        ``each(j, revaluation)`` is called with the one-price revaluation at
        ``prices[j]`` (e.g. to keep a per-row maximum or to advance a progress bar);
        its arrays are reused for the next price, so copy what must outlive the call.
        """
        p = self._check_prices(prices).reshape(-1)
        k, n = p.shape[0], len(self)
        totals = np.zeros((5, k))
        counts = np.zeros(k, dtype=np.int64)
        fused = self._engine(engine) == "numba"
        if fused:  # one set of buffers for every price: no page faults per tick
            out = [np.empty((1, n)) for _ in range(5)]
            flags = np.empty((1, n), dtype=np.bool_)
            sums = np.empty((1, 5))
        for j in range(k):
            if fused:
                self._kernel(p[j : j + 1], out, flags, sums)
                pnl, equity, mm, ratio, distance = (a[0] for a in out)
                r = Revaluation(np.asarray(p[j]), pnl, equity, mm, ratio, flags[0], distance)
                totals[:4, j] = sums[0, :4]
                counts[j] = int(sums[0, 4])
            else:
                r = self.revalue(float(p[j]), engine=engine)
                totals[0, j] = r.pnl_coin.sum()
                totals[1, j] = r.equity_coin.sum()
                totals[2, j] = r.maintenance_margin_coin.sum()
                totals[3, j] = self._usd[r.liquidated].sum()
                counts[j] = int(np.count_nonzero(r.liquidated))
            totals[4, j] = totals[3, j] / p[j]
            if each is not None:
                each(j, r)
        return BookScan(p, totals[0], totals[1], totals[2], counts, totals[3], totals[4])


_EMPTY: Array = np.zeros(0)
_EMPTY.setflags(write=False)


def _revalue_rows(
    prices: Array,
    signed_usd: Array,
    usd: Array,
    inv_entry: Array,
    collateral: Array,
    mmr: Array,
    liquidation: Array,
    bounds: Array,
    rates: Array,
    cums: Array,
    tiered: bool,
    pnl: Array,
    equity: Array,
    mm: Array,
    ratio: Array,
    flags: BoolArray,
    distance: Array,
    totals: Array,
    want_totals: bool,
) -> None:  # pragma: no cover - compiled by Numba; the NumPy engine is the reference
    """One fused pass per price: the composition of the contracts functions that
    :meth:`RiskBook._revalue_numpy` calls, and nothing else (parity-tested, bit for bit).

    ``signed_usd`` is ``side * contracts * contract_value`` and ``inv_entry`` is
    ``1 / entry`` per row, computed once per book: the same IEEE operations the pass
    would repeat per tick, so results are unchanged bit for bit.  The row loop carries
    no reduction, so the compiler vectorises it; when ``want_totals``, a second pass
    sums, in row order, per price ``j`` into ``totals[j]``: PnL, equity and maintenance
    margin, and the USD notional and count of the liquidated rows.  Outputs have shape
    ``(k, n)``.  Rows are pre-validated; the caller has checked every position value
    against the tier table's last bound, so the branch-free tier count below needs no
    bound check.
    """
    n = usd.shape[0]
    top = bounds.shape[0] - 1
    for j in range(prices.shape[0]):
        price = prices[j]
        inv_price = 1.0 / price
        for i in range(n):
            # inverse_pnl: side * N * CV * (1/E - 1/P)
            gain = signed_usd[i] * (inv_entry[i] - inv_price)
            eq = collateral[i] + gain
            # position_value: N * CV / P
            value = usd[i] / price
            # maintenance_margin: PV * mmr, or PV * MMR_k - cum_k, k the first tier whose
            # upper bound is >= PV (TierTable.indices), counted without branches
            if tiered:
                t = 0
                for b in range(top):
                    t += value > bounds[b]
                m = value * rates[t] - cums[t]
            else:
                m = value * mmr[i]
            pnl[j, i] = gain
            equity[j, i] = eq
            mm[j, i] = m
            flags[j, i] = eq <= m
            ratio[j, i] = m / eq if eq > 0.0 else np.inf
            distance[j, i] = liquidation[i] / price - 1.0
        if want_totals:
            sum_pnl = sum_eq = sum_mm = liq_usd = 0.0
            liq_count = 0
            for i in range(n):
                sum_pnl += pnl[j, i]
                sum_eq += equity[j, i]
                sum_mm += mm[j, i]
                if flags[j, i]:
                    liq_usd += usd[i]
                    liq_count += 1
            totals[j, 0] = sum_pnl
            totals[j, 1] = sum_eq
            totals[j, 2] = sum_mm
            totals[j, 3] = liq_usd
            totals[j, 4] = liq_count


_KERNEL: list[Callable[..., None]] = []


def _compiled_kernel() -> Callable[..., None]:
    """The Numba-compiled :func:`_revalue_rows` (compiled on first use, cached on disk)."""
    if not _KERNEL:
        import numba

        _KERNEL.append(numba.njit(cache=True, nogil=True, boundscheck=False)(_revalue_rows))
    return _KERNEL[0]


def _parse_sides(raw: pd.Series, labels: Sequence[object]) -> Array:
    """+1/-1 from numbers or from long/short/buy/sell text, naming the bad row."""
    words: Mapping[str, float] = {"long": 1.0, "buy": 1.0, "short": -1.0, "sell": -1.0}
    out = np.empty(len(raw))
    for i, value in enumerate(raw.tolist()):
        if isinstance(value, str):
            key = value.strip().lower()
            if key in words:
                out[i] = words[key]
                continue
            try:
                number = float(Decimal(key))
            except ArithmeticError:
                number = float("nan")
        elif isinstance(value, int | float | np.integer | np.floating) and not isinstance(
            value, bool
        ):
            number = float(value)
        else:
            number = float("nan")
        if number not in (1.0, -1.0):
            raise InputError(f"side[row {labels[i]}]", value, "must be long (+1) or short (-1)")
        out[i] = number
    return cast(Array, out)
