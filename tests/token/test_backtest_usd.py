"""USD collateral on the engine's linear perpetual: the vault's leverage and sizing, and
backtest (b) (Binance hourly marks and USDT funding, 2020-2023) keeping leverage inside
its band after every rebalance."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from inversa.contracts import ContractKind, TierTable
from inversa.engine import Engine
from inversa.errors import InputError
from inversa.token import Vault, VaultSpec, backtest
from inversa.venues import Instrument

D = Decimal
LINEAR = "BTC/USDT:USDT"
ROOT = Path(__file__).parents[2]


def _usd_vault() -> Vault:
    perp = Instrument.custom(
        LINEAR,
        D("0.001"),
        TierTable.parse("inf:0.004"),
        settle="USDT",
        taker=D("0.0005"),
        tick=D("0.1"),
        kind=ContractKind.LINEAR,
    )
    engine = Engine(perp)
    engine.deposit("market-maker", 10**9, "USDT")
    engine.set_mark(LINEAR, 40_000)
    return Vault(engine, VaultSpec(LINEAR, collateral="usd", mint_fee=D("0.001")))


def test_usd_vault_sizing_and_leverage() -> None:
    v = _usd_vault()
    tokens = v.mint("alice", D(10_000))
    assert tokens == D("99.9")  # 9,990 USDT at 100 USD a token
    n = v.target_size(D(-1))
    assert n == -250  # L E / (q S) = -9,990 / 40 = -249.75 -> half up on |x|: 250
    v.engine.sell("vault", LINEAR, 250)
    assert v.leverage() == pytest.approx(D(-250) * D("0.001") * 40_000 / v.equity())
    v.engine.set_mark(LINEAR, 44_000)  # +10 %: a -1x short loses 1,000 USDT
    assert v.equity() == pytest.approx(D(9990) - D(5) - 250 * D("0.001") * 4000)
    assert v.nav_usd() == v.nav()
    assert v.nav_coin() == pytest.approx(v.nav() / 44_000, rel=D("1e-30"))


def test_collateral_must_match_the_contract() -> None:
    v = _usd_vault()
    with pytest.raises(InputError) as err:
        Vault(v.engine, VaultSpec(LINEAR, account="other", collateral="coin"))
    assert err.value.field == "collateral"


@pytest.mark.slow
def test_backtest_b_keeps_leverage_inside_the_band() -> None:
    run = backtest(ROOT / "examples" / "token_b_btc_usd_linear_band.toml")
    res = run.result
    band = run.spec.policy.band
    assert band is not None
    assert len(res.rebalances) > 100
    assert {r.reason for r in res.rebalances} >= {"first", "band", "interval"}
    assert res.liquidations == 0
    q = float(run.spec.instrument.contract_value)
    for r in res.rebalances:
        i = r.bar
        # half a contract of rounding and the fill's fee, as leverage
        slack = (0.5 * q * res.price[i] + float(r.fees)) / res.equity[i] + 1e-12
        assert float(band.lower) - slack <= float(r.leverage_after) <= float(band.upper) + slack
    # the four crash windows are inside the run
    assert res.times[0].year == 2020
    assert res.times[-1].year == 2023
