"""The clock: historical crash replays, shock grids, cascades, the risk book and fast kernels.

- :mod:`inversa.sim.replay`: walk a book of leveraged accounts through the hourly bars of
  a historical crash window on the simulated venue of :mod:`inversa.engine`;
- :mod:`inversa.sim.riskbook`: vectorised revaluation of many positions at once;
- :mod:`inversa.sim.shocks`: SPAN-style and Deribit-style scenario grids;
- :mod:`inversa.sim.cascade`: liquidations feeding back into price through an impact model;
- :mod:`inversa.sim.kernels`: fused Numba kernels, parity-tested against ``contracts``.

Names are imported lazily so that importing the risk book does not load the venue engine.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "MARKET_MAKER",
    "Book",
    "BookEntry",
    "BookSetup",
    "CrashReplay",
    "ReplayConfig",
    "ReplayResult",
    "RiskBook",
    "crash_replay",
    "replay_crash",
]

_HOMES = {
    "MARKET_MAKER": "replay",
    "Book": "replay",
    "BookEntry": "replay",
    "BookSetup": "_book_run",
    "ReplayResult": "replay",
    "ReplayConfig": "replay",
    "CrashReplay": "replay",
    "crash_replay": "replay",
    "replay_crash": "replay",
    "RiskBook": "riskbook",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'inversa.sim' has no attribute {name!r}")
    return getattr(importlib.import_module(f"inversa.sim.{home}"), name)
