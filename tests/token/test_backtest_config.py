"""Token backtests from TOML configs: TB1 from its shipped config, bad configs and bad
data rejected with one line naming the key (or file and row), and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from inversa.errors import DataError, InputError, InversaError
from inversa.token import backtest

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"
TB1_TOML = EXAMPLES / "token_tb1.toml"


def _write(tmp: Path, text: str) -> Path:
    p = tmp / "c.toml"
    p.write_text(text)
    return p


BASE = '[data]\ndataset = "binance-mark-1h"\nstart = "2020-03-11"\nend = "2020-03-13"\n'


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("[policy]\nbnad = [-1.2, -0.8]\n", "policy.bnad"),
        ("[vault]\nstart_equity = -1\n", "vault.start_equity"),
        ("[policy]\nrecentering_speed = 1.5\nband = [-1.2, -0.8]\n", "policy.recentering_speed"),
        ("[instrument]\ntaker = 0.5\n", "instrument.taker"),
        ("surprise = 1\n", "surprise"),
        ('[policy]\nkind = "band"\n', "policy.band"),
        ("[policy]\nband = [-0.9, -0.8]\n", "policy.band"),
        ('[funding]\nkind = "history"\n', "funding.kind"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, extra: str, key: str) -> None:
    with pytest.raises(InversaError) as err:
        backtest(_write(tmp_path, BASE + extra))
    assert key in str(err.value)


def test_price_gap_and_nan_name_file_and_row(tmp_path: Path) -> None:
    rows = ["timestamp_utc,close"] + [f"2020-01-01T{h:02d}:00:00Z,{100 + h}" for h in range(6)]
    gap = rows[:3] + rows[4:]
    nan = [*rows[:4], "2020-01-01T03:00:00Z,nan", *rows[5:]]
    for name, lines, row in (("gap.csv", gap, "row 3"), ("nan.csv", nan, "row 4")):
        (tmp_path / name).write_text("\n".join(lines) + "\n")
        cfg = f'[data]\ncsv = "{name}"\nfrequency = "1h"\n'
        with pytest.raises(DataError) as err:
            backtest(_write(tmp_path, cfg))
        assert name in str(err.value)
        assert row in str(err.value)


def test_usd_collateral_needs_a_linear_perpetual(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        backtest(_write(tmp_path, BASE + '[vault]\ncollateral = "usd"\n'))
    assert "collateral" in str(err.value)


def test_cli_backtest_json_and_report(tmp_path: Path) -> None:
    html = tmp_path / "tb1.html"
    argv = [sys.executable, "-m", "inversa", "token", "backtest", "--config", str(TB1_TOML)]
    done = subprocess.run(
        [*argv, "--report", str(html), "--json"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["fills"] == 19
    assert out["rebalances_band"] == 9
    assert html.exists()
    assert "plotly" in html.read_text()[:400_000].lower()
    log = Path(out["rebalance_log"]).read_text().splitlines()
    assert len(log) == 20
    assert log[1].startswith("2020-03-11T00:00:00Z,0,first")


def test_cli_bad_config_one_line_exit_2(tmp_path: Path) -> None:
    cfg = _write(tmp_path, BASE + "[policy]\nbnad = 1\n")
    done = subprocess.run(
        [sys.executable, "-m", "inversa", "token", "backtest", "--config", str(cfg)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "policy.bnad" in done.stderr
    assert "Traceback" not in done.stderr


def test_user_csv_and_formula_funding(tmp_path: Path) -> None:
    rows = ["timestamp_utc,close"] + [
        f"2020-01-01T{h:02d}:00:00Z,{10_000 * (1 + 0.01 * ((-1) ** h))}" for h in range(24)
    ]
    (tmp_path / "p.csv").write_text("\n".join(rows) + "\n")
    cfg = '[data]\ncsv = "p.csv"\nfrequency = "1h"\n[policy]\nkind = "daily"\n'
    run = backtest(_write(tmp_path, cfg))
    assert run.summary.as_dict()["bars"] == 24
    assert run.market.source.endswith("p.csv")
    # the clamp formula on Bybit's perp/spot premium: P + clamp(I - P, +-0.05 %)
    formula = (
        '[data]\ndataset = "bybit-inverse-8h"\nstart = "2021-01-01"\nend = "2021-01-11"\n'
        '[funding]\nkind = "formula"\n'
    )
    run = backtest(_write(tmp_path, formula))
    rates = run.market.funding
    assert rates is not None
    assert len(rates) == 30
    from inversa.data import funding_history

    bars = funding_history("bybit").loc["2021-01-01":"2021-01-10"]
    premium = (bars["perp_close"] - bars["spot_close"]) / bars["spot_close"]
    want = premium + (0.0001 - premium).clip(-0.0005, 0.0005)
    assert rates == pytest.approx(want.to_numpy(), abs=1e-12)
