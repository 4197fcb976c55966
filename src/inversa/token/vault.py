"""The token vault: collateral and a perpetual position on an :class:`inversa.engine.Engine`
account, a token supply, NAV, mint and redeem at NAV with fees, and a streaming fee.

Units and signs:

- ``collateral="coin"``: the account's wallet is in the coin (BTC) and the hedge is an
  inverse perpetual of ``contract_value`` USD per contract.  Equity ``E`` (coin) is the
  engine's account equity (wallet + unrealised PnL at the mark).  Leverage (net USD
  delta over USD equity) is ``L = (E S + n V) / (E S)`` with ``n`` the signed contracts
  (negative: short), so a -1x vault is short ``2 E S / V`` contracts.
- ``collateral="usd"``: a USD (stablecoin) wallet in the linear perpetual's settlement
  currency and a linear perpetual of ``q = contract_value`` coin per contract;
  ``E`` is in USD and ``L = n q S / E``, so a -1x vault is short ``E / (q S)`` contracts.
- NAV per token = equity / supply: in coin (``nav_coin``) and in USD (``nav_usd``).
- Amounts (mint, redeem, ``min_mint``, equity) are in the collateral unit: the coin for
  coin collateral, USD for USD collateral.
- Contract counts are rounded on their absolute value half up, ``floor(|x| + 1/2)``, to
  the lot (never ``np.round``).

Every change goes through the engine's public API (deposit, withdraw, orders), so the
funding, fees, margin and liquidations are the engine's.  A refused mint or redeem
raises :class:`~inversa.errors.InputError` and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from inversa.engine import Engine, contract_lot
from inversa.engine._dec import exact
from inversa.errors import InputError
from inversa.token.maths import round_half_up, streaming_fee_fraction

__all__ = ["CollateralKind", "Vault", "VaultSpec"]

CollateralKind = Literal["coin", "usd"]
ZERO = Decimal(0)


@dataclass(frozen=True)
class VaultSpec:
    """Static parameters of a vault.

    ``mint_fee``/``redeem_fee``: fractions of the amount (0.001 = 0.1 %), paid to the fee
    recipient; ``streaming_fee``: annual rate (Set's formula, 365.25-day year);
    ``supply_cap``: largest supply (``None``: none); ``min_mint``: smallest mint in
    collateral units; ``initial_nav_usd``: NAV of the first mint;
    ``charge_execution``: a mint or redeem trades its pro-rata share of the position at
    once and the minter (redeemer) bears that trade's fee and slippage, so the other
    holders' NAV is unchanged by the flow (otherwise the keeper's next rebalance trades
    and every holder shares the cost; a redeem whose collateral the open position still
    needs as margin is then refused until the keeper has traded).
    """

    symbol: str
    collateral: CollateralKind = "coin"
    account: str = "vault"
    fee_recipient: str = "fee-recipient"
    mint_fee: Decimal = ZERO
    redeem_fee: Decimal = ZERO
    streaming_fee: Decimal = ZERO
    supply_cap: Decimal | None = None
    min_mint: Decimal = ZERO
    initial_nav_usd: Decimal = Decimal(100)
    charge_execution: bool = False

    def __post_init__(self) -> None:
        if self.collateral not in ("coin", "usd"):
            raise InputError("collateral", self.collateral, "must be 'coin' or 'usd'")
        for name in ("mint_fee", "redeem_fee"):
            v = getattr(self, name)
            if not 0 <= v < 1:
                raise InputError(name, v, "must lie in [0, 1)")
        if not 0 <= self.streaming_fee < 1:
            raise InputError("streaming_fee", self.streaming_fee, "must lie in [0, 1)")
        if self.supply_cap is not None and not self.supply_cap > 0:
            raise InputError("supply_cap", self.supply_cap, "must be > 0")
        if self.min_mint < 0:
            raise InputError("min_mint", self.min_mint, "must be >= 0")
        if not self.initial_nav_usd > 0:
            raise InputError("initial_nav_usd", self.initial_nav_usd, "must be > 0")


class Vault:
    """A token vault on ``engine`` (see the module docstring).

    Holders' balances are kept by name; the fee recipient's streaming-fee tokens are a
    balance like any other, so ``sum(balances) == supply`` and every holder's claim is
    ``balance * NAV``.
    """

    def __init__(self, engine: Engine, spec: VaultSpec) -> None:
        self.engine = engine
        self.spec = spec
        self.instrument = engine.instrument(spec.symbol)
        if self.instrument.linear != (spec.collateral == "usd"):
            kind = "a linear" if spec.collateral == "usd" else "an inverse"
            raise InputError(
                "collateral",
                spec.collateral,
                f"{spec.collateral} collateral needs {kind} perpetual",
            )
        #: The wallet currency: the coin (coin collateral) or the USD stablecoin.
        self.unit = self.instrument.settle
        engine.open_account(spec.account)
        self.balances: dict[str, Decimal] = {}
        self.supply = ZERO
        #: Paid to the fee recipient by mint/redeem fees (collateral unit, outside the vault).
        self.flow_fees = ZERO
        #: Tokens minted to the fee recipient by the streaming fee.
        self.streaming_minted = ZERO
        #: Why mints and redeems are refused right now (the keeper sets it while a TWAP
        #: rebalance runs), or ``None``.
        self.busy: str | None = None

    # -- state ----------------------------------------------------------------------------

    @property
    def size(self) -> Decimal:
        """Signed contracts held (negative: short)."""
        pos = self.engine.position(self.spec.account, self.spec.symbol)
        return ZERO if pos is None else pos.size

    @property
    def usd(self) -> bool:
        """True for USD collateral (linear perpetual)."""
        return self.spec.collateral == "usd"

    def equity(self) -> Decimal:
        """Account equity in the collateral unit (wallet + unrealised PnL)."""
        return self.engine.equity(self.spec.account, self.unit)

    def equity_usd(self, price: Decimal | None = None) -> Decimal:
        """Account equity in USD at ``price`` (the mark by default)."""
        if self.usd:
            return self.equity()
        s = self.engine.mark(self.spec.symbol) if price is None else price
        with exact():
            return self.equity() * s

    def leverage(self, price: Decimal | None = None) -> Decimal:
        """Net USD delta over USD equity at ``price`` (the mark by default)."""
        s = self.engine.mark(self.spec.symbol) if price is None else price
        cv = self.instrument.contract_value
        with exact():
            e = self.equity()
            if e <= 0:
                return ZERO
            if self.usd:
                return self.size * cv * s / e
            return (e * s + self.size * cv) / (e * s)

    def target_size(self, leverage: Decimal, price: Decimal | None = None) -> Decimal:
        """Signed contracts that give ``leverage`` at ``price``: ``(L - 1) E S / V`` (coin
        collateral) or ``L E / (q S)`` (USD collateral), the absolute count rounded half
        up to the lot."""
        s = self.engine.mark(self.spec.symbol) if price is None else price
        cv = self.instrument.contract_value
        with exact():
            if self.usd:
                raw = leverage * self.equity() / (cv * s)
            else:
                raw = (leverage - 1) * self.equity() * s / cv
            lot = contract_lot(self.instrument)
            count = round_half_up(abs(raw) / lot) * lot
            return count if raw >= 0 else -count

    def nav(self) -> Decimal:
        """Equity per token in the collateral unit (0 with no supply)."""
        with exact():
            return self.equity() / self.supply if self.supply > 0 else ZERO

    def nav_coin(self, price: Decimal | None = None) -> Decimal:
        """Equity per token in coin (at ``price``, the mark by default, for USD vaults)."""
        if not self.usd:
            return self.nav()
        s = self.engine.mark(self.spec.symbol) if price is None else price
        with exact():
            return self.nav() / s

    def nav_usd(self, price: Decimal | None = None) -> Decimal:
        """Equity per token in USD (at ``price``, the mark by default, for coin vaults)."""
        if self.usd:
            return self.nav()
        s = self.engine.mark(self.spec.symbol) if price is None else price
        with exact():
            return self.nav() * s

    # -- flows ----------------------------------------------------------------------------

    def mint(self, holder: str, amount: Decimal) -> Decimal:
        """Deposit ``amount`` collateral, less ``mint_fee``, for tokens at NAV; returns them.

        Refused (InputError, nothing changes) below ``min_mint``, above the supply cap,
        or when the vault is insolvent.
        """
        spec = self.spec
        self._check_open("amount", amount)
        if not amount > 0 or amount < spec.min_mint:
            raise InputError("amount", amount, f"below the minimum mint {spec.min_mint}")
        with exact():
            fee = amount * spec.mint_fee
            net = amount - fee
            if self.supply > 0:
                nav = self.nav()
                if nav <= 0:
                    raise InputError("amount", amount, "the vault has no equity: mint refused")
            elif self.usd:
                nav = spec.initial_nav_usd
            else:
                nav = spec.initial_nav_usd / self.engine.mark(spec.symbol)
            tokens = net / nav
            if spec.supply_cap is not None and self.supply + tokens > spec.supply_cap:
                raise InputError(
                    "amount", amount, f"would take the supply above its cap {spec.supply_cap}"
                )
        before = self.equity()
        with self.engine.transaction():  # a refused trade undoes the deposit too
            self.engine.deposit(spec.account, net, self.unit)
            if spec.charge_execution and self.supply > 0:
                self._scale_position(before + net, before)
                with exact():
                    tokens = (self.equity() - before) / nav
        self.flow_fees += fee
        self.supply += tokens
        self.balances[holder] = self.balances.get(holder, ZERO) + tokens
        return tokens

    def redeem(self, holder: str, tokens: Decimal) -> Decimal:
        """Burn ``tokens`` for their NAV less ``redeem_fee``; returns the amount paid out
        (collateral unit).

        Refused (InputError, nothing changes) above the holder's balance or when the
        account cannot release the collateral (margin).
        """
        held = self.balances.get(holder, ZERO)
        self._check_open("tokens", tokens)
        if not tokens > 0 or tokens > held:
            raise InputError("tokens", tokens, f"exceeds {holder!r}'s balance {held}")
        with self.engine.transaction():  # a refused withdrawal undoes the trade too
            with exact():
                gross = tokens * self.nav()
                if self.spec.charge_execution and tokens < self.supply:
                    before = self.equity()
                    self._scale_position(before - gross, before)
                    gross -= before - self.equity()  # the redeemer bears fee and slippage
                    gross = max(gross, ZERO)
                fee = gross * self.spec.redeem_fee
            if gross > 0:
                self.engine.withdraw(self.spec.account, gross, self.unit)
        self.flow_fees += fee
        self.supply -= tokens
        self.balances[holder] = held - tokens
        return gross - fee

    def _check_open(self, field: str, value: Decimal) -> None:
        if self.busy is not None:
            raise InputError(field, value, f"refused: {self.busy}")

    def _scale_position(self, new_equity: Decimal, old_equity: Decimal) -> None:
        """Trade the position to ``size * new_equity / old_equity`` (half up, to the lot)."""
        if old_equity <= 0:
            return
        with exact():
            raw = self.size * new_equity / old_equity
            lot = contract_lot(self.instrument)
            count = round_half_up(abs(raw) / lot) * lot
            delta = (count if raw >= 0 else -count) - self.size
        if delta > 0:
            self.engine.buy(self.spec.account, self.spec.symbol, delta)
        elif delta < 0:
            self.engine.sell(self.spec.account, self.spec.symbol, -delta)

    def accrue_streaming_fee(self, days: Decimal) -> Decimal:
        """Mint ``fee * supply / (1 - fee)`` tokens to the fee recipient for ``days``."""
        if self.spec.streaming_fee == 0 or self.supply <= 0 or days <= 0:
            return ZERO
        with exact():
            fee = streaming_fee_fraction(self.spec.streaming_fee, days)
            minted = fee * self.supply / (1 - fee)
        recipient = self.spec.fee_recipient
        self.balances[recipient] = self.balances.get(recipient, ZERO) + minted
        self.supply += minted
        self.streaming_minted += minted
        return minted
