"""Policy sweeps: tasks, figures against a direct computation, the runs store, local
processes against a two-worker Dask LocalCluster, and one-line errors."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inversa.data.store import RunsStore
from inversa.errors import InputError, InversaError
from inversa.sim.montecarlo import load_config, validate_config
from inversa.sim.sweep import SweepConfig, frontier, run_sweep, run_task, tasks
from inversa.sim.token_kernels import run_path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

RAW = {
    "name": "test",
    "token": {"policy": "hybrid", "taker_fee": 0.00075, "slippage": 0.0002, "tick": 0.5},
    "grid": {"band": [[-1.2, -0.8], [-1.4, -0.6]], "recentering_speed": [1.0, 0.5]},
    "scenarios": [
        {"kind": "historical", "name": "mar20", "start": "2020-03-10", "end": "2020-03-20",
         "funding": "bybit"},
        {"kind": "montecarlo", "name": "gbm", "paths": 30, "steps": 96, "seed": 5,
         "market": {"model": "gbm", "sigma": 1.0}},
    ],
}  # fmt: skip


def config(**kw: object) -> SweepConfig:
    cfg: SweepConfig = validate_config({**RAW, **kw}, SweepConfig)
    return cfg


def test_tasks_are_the_grid_times_the_scenarios() -> None:
    todo = tasks(config())
    assert len(todo) == 8
    assert [t.index for t in todo] == list(range(8))
    assert todo[0].point == {"band": (-1.2, -0.8), "recentering_speed": 1.0}
    assert todo[1].scenario["name"] == "gbm"
    assert todo[7].point == {"band": (-1.4, -0.6), "recentering_speed": 0.5}


def test_historical_task_matches_the_one_path_kernel() -> None:
    from inversa import data

    task = tasks(config())[0]
    row = run_task(task)
    frame = data.mark_hourly("BTC", "2020-03-10", "2020-03-20")
    frame = frame[frame.index < pd.Timestamp("2020-03-20", tz="UTC")]
    idx = pd.DatetimeIndex(frame.index)
    reset = np.asarray(idx.hour == 0)
    rates = (
        data.funding_history("bybit")["funding_rate"].reindex(idx).fillna(0.0).to_numpy(copy=True)
    )
    rates[0] = 0.0
    cfg = config()
    policy = cfg.token.model_copy(update={"band": (-1.2, -0.8)})
    one = run_path(policy.spec(), frame["close"].to_numpy(), reset, rates)
    nav0 = frame["close"].iloc[0] * 1.0  # 1 BTC at the first (tick-rounded) close
    nav0 = np.floor(nav0 / 0.5 + 0.5) * 0.5
    assert row["final_nav"] == pytest.approx(one.nav_usd[-1] / nav0, rel=1e-12)
    assert row["trades"] == one.trades
    assert row["funding"] == pytest.approx(one.funding_paid_settle, rel=1e-12)
    # tracking error: NAV return minus -1 x index return over each complete period
    # between daily resets, annualised (population standard deviation)
    marks = [0, *np.flatnonzero(reset[1:]) + 1]
    a, b = np.array(marks[:-1]), np.array(marks[1:])
    d = one.nav_usd[b] / one.nav_usd[a] - 1 + (one.price[b] / one.price[a] - 1)
    assert row["tracking_error"] == pytest.approx(d.std() * np.sqrt(365.25), rel=1e-9)
    assert row["liquidation_probability"] == 0.0


def test_sweep_to_the_store_and_back(tmp_path: Path) -> None:
    res = run_sweep(config(), workers=1)
    df = res.results
    assert len(df) == 8
    assert set(df["scenario"]) == {"mar20", "gbm"}
    assert (df["tracking_error"] > 0).all()
    assert (df["cost"] > 0).all()
    store = RunsStore(tmp_path / "runs")
    assert store.runs() == []
    info = store.write_run("sweep", "test", df, {"seeds": [5]})
    assert [r.run_id for r in store.runs()] == [info.run_id]
    back = store.results(info.run_id[:20])
    pd.testing.assert_frame_equal(back.drop(columns="run_id"), df)
    assert store.meta(info.run_id)["seeds"] == [5]
    q = store.query("SELECT scenario, count(*) AS n FROM results GROUP BY scenario ORDER BY 1")
    assert q.to_dict(orient="list") == {"scenario": ["gbm", "mar20"], "n": [4, 4]}
    assert store.query("SELECT count(*) AS n FROM runs")["n"].iloc[0] == 1
    with pytest.raises(InputError, match="sql"):
        store.query("SELECT nope FROM results")
    with pytest.raises(InputError, match="no such run"):
        store.results("1999")


def test_local_processes_equal_one_process() -> None:
    one = run_sweep(config(), workers=1).results.drop(columns="seconds")
    two = run_sweep(config(), workers=2).results.drop(columns="seconds")
    pd.testing.assert_frame_equal(one, two)


def test_two_worker_local_cluster_equals_the_local_run() -> None:
    from distributed import LocalCluster

    local = run_sweep(config(), workers=1).results.drop(columns="seconds")
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=":0",
    ) as cluster:  # fmt: skip
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        res = run_sweep(config(), scheduler=cluster.scheduler_address)
    assert res.workers == 2
    assert res.scheduler.startswith("tcp://127.0.0.1:")
    pd.testing.assert_frame_equal(res.results.drop(columns="seconds"), local)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_scheduler_is_one_error_within_10_s() -> None:
    port = closed_port()
    t0 = time.monotonic()
    with pytest.raises(InputError, match=rf"scheduler='tcp://127.0.0.1:{port}': unreachable"):
        run_sweep(config(), scheduler=f"tcp://127.0.0.1:{port}")
    assert time.monotonic() - t0 < 10


@pytest.mark.parametrize(
    ("grid", "needle"),
    [
        ({}, "empty grid"),
        ({"frobnicate": [1, 2]}, "unknown parameter 'frobnicate'"),
        ({"band": []}, "empty list"),
        ({"band": [[-0.8, -1.2]]}, "band"),
    ],
)
def test_bad_grids_name_the_parameter(grid: dict[str, list[object]], needle: str) -> None:
    with pytest.raises(InversaError, match=needle) as err:
        config(grid=grid)
    assert "\n" not in str(err.value)


def test_frontier() -> None:
    df = pd.DataFrame(
        {
            "scenario": ["a"] * 4 + ["b"],
            "tracking_error": [0.1, 0.2, 0.3, 0.25, 9.0],
            "cost": [0.3, 0.2, 0.1, 0.25, 9.0],
        }
    )
    assert frontier(df).tolist() == [True, True, True, False, True]


def test_example_sweep_config_loads() -> None:
    cfg = load_config(EXAMPLES / "sweep.toml", SweepConfig)
    assert len(tasks(cfg)) == len(cfg.points()) * len(cfg.scenarios) >= 8
