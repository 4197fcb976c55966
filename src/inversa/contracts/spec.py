"""Contract specifications: what one contract is worth and in which coin it settles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from inversa.errors import InputError

__all__ = ["ContractKind", "ContractSpec"]


class ContractKind(StrEnum):
    """How a contract's value relates to the price.

    - ``INVERSE``: quoted in USD, settled in the base coin; one contract is worth
      ``contract_value`` USD, i.e. ``contract_value / price`` coin.
    - ``LINEAR``: settled in the quote (USD); one contract is ``contract_value`` coin,
      i.e. ``contract_value * price`` USD.
    - ``QUANTO``: settled in a third coin at a fixed ``contract_value`` (the multiplier,
      settlement coin per USD of price) regardless of that coin's USD price.
    """

    INVERSE = "inverse"
    LINEAR = "linear"
    QUANTO = "quanto"


@dataclass(frozen=True, slots=True)
class ContractSpec:
    """One instrument's contract terms.

    Attributes:
        kind: inverse, linear or quanto.
        contract_value: USD per contract (inverse), coin per contract (linear) or
            settlement coin per USD of price per contract (quanto).
        base: the underlying coin, e.g. ``"BTC"``.
        quote: the price currency, e.g. ``"USD"``.
        settle: the settlement and margin coin, e.g. ``"BTC"``.
        expiry: UTC expiry for a dated future; ``None`` for a perpetual.
        tick: price increment (USD), ``None`` when unknown.
        lot: contract-count increment, ``None`` when unknown.
    """

    kind: ContractKind
    contract_value: Decimal
    base: str = "BTC"
    quote: str = "USD"
    settle: str = "BTC"
    expiry: datetime | None = None
    tick: Decimal | None = None
    lot: Decimal | None = None

    def __post_init__(self) -> None:
        if not (self.contract_value.is_finite() and self.contract_value > 0):
            raise InputError("contract_value", self.contract_value, "must be a number > 0")
        if self.expiry is not None and self.expiry.tzinfo is None:
            raise InputError("expiry", self.expiry, "must be timezone-aware (UTC)")

    @property
    def is_inverse(self) -> bool:
        return self.kind is ContractKind.INVERSE

    @property
    def is_perpetual(self) -> bool:
        return self.expiry is None
