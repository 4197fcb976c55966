"""Reading one rule file (TOML) into a :class:`~inversa.venues._model.Venue`.

The reader is strict: unknown keys, bare TOML numbers, numbers without a source, source
ids missing from ``[sources]`` and sources nobody uses are all errors.  Every error is a
:class:`RuleFileError` naming the file and the key, e.g.
``bitmex.toml: instruments[0].tick: unknown source id 'api'``.  The number syntax is
described in :mod:`inversa.venues._table`.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from inversa.contracts.funding import margin_funding_cap
from inversa.contracts.liquidation_models import LIQUIDATION_MODELS
from inversa.contracts.margin import TierTable
from inversa.contracts.spec import ContractKind, ContractSpec
from inversa.errors import InputError
from inversa.venues._margin import FlatMargin, LinearMargin, Margin, RiskStepMargin, TieredMargin
from inversa.venues._model import (
    ACCRUALS,
    CAP_RULES,
    FUNDING_MODELS,
    DatedTemplate,
    Funding,
    Instrument,
    Rounding,
    Source,
    Sourced,
    Venue,
)
from inversa.venues._symbols import ExpiryRule, check_pattern
from inversa.venues._table import Ctx, RuleFileError, Table, as_date, reject_bare_numbers

__all__ = ["RuleFileError", "load_rules_file", "parse_rules"]

MARGIN_MODES = ("isolated", "cross")


def _positive(x: Decimal) -> bool:
    return x > 0


def _rate(x: Decimal) -> bool:
    return -1 < x < 1


def _leverage(x: Decimal) -> bool:
    return x >= 1


def _read_sources(ctx: Ctx, top: Table) -> None:
    table = top.table("sources")
    if table is None:
        ctx.fail("sources", "missing: every number needs a source")
    for source_id in list(table.data):
        entry = table.table(source_id)
        assert entry is not None
        url = entry.text("url")
        if not url.startswith(("https://", "http://")):
            entry.fail("url", f"{url!r} is not an http(s) URL")
        raw = entry.data.pop("as_of", None)
        as_of = as_date(raw)
        if as_of is None:
            entry.fail("as_of", f'expected a date "YYYY-MM-DD", got {raw!r}')
        note = entry.opt_text("note") or ""
        undated = entry.data.pop("undated", False)
        if not isinstance(undated, bool):
            entry.fail("undated", f"expected true or false, got {undated!r}")
        entry.done()
        ctx.sources[source_id] = Source(source_id, url, as_of, note, undated)
    table.done()


def _read_funding(table: Table) -> Funding:
    model = table.text("model", FUNDING_MODELS)
    funding = Funding(
        model=model,
        accrual=table.text("accrual", ACCRUALS),
        interval_hours=table.num("interval_hours", _positive, "must be > 0"),
        interest=table.opt_num("interest", _rate, "must lie in (-1, 1)"),
        clamp=table.opt_num("clamp", lambda x: 0 <= x < 1, "must lie in [0, 1)"),
        cap=table.opt_num("cap", lambda x: 0 < x < 1, "must lie in (0, 1)"),
        dead_band=table.opt_num("dead_band", lambda x: 0 <= x < 1, "must lie in [0, 1)"),
        times_utc=table.ints("times_utc", 0, 23),
        note=table.opt_text("note") or "",
    )
    needed = ("interest", "clamp") if model == "clamp" else ("dead_band",)
    for name in needed:
        if getattr(funding, name) is None:
            table.fail(name, f"missing: the {model!r} model needs it")
    rule_table = table.table("cap_rule")
    if rule_table is not None:
        if funding.cap is not None:
            table.fail("cap_rule", "give cap or cap_rule, not both")
        funding = _read_cap_rule(rule_table, funding)
    table.done()
    return funding


def _read_cap_rule(table: Table, funding: Funding) -> Funding:
    """``[funding.cap_rule]``: a cap tied to each instrument's base margin rates."""
    table.method_source("funding.cap_rule")
    if "funding.cap_rule" not in table.prov:
        table.fail("source", 'missing: a cap rule needs source = "<id>"')
    kind = table.text("kind", CAP_RULES)
    factor = table.opt_num("factor", lambda x: 0 < x <= 1, "must lie in (0, 1]")
    table.done()
    return replace(funding, cap_rule=kind, cap_factor=factor)


def _derived_cap(
    funding: Funding, margin: Margin, max_leverage: Decimal | None
) -> tuple[Decimal, str]:
    """The cap of ``funding.cap_rule`` from the instrument's base rates (position value
    0), and a note that shows the derivation."""
    assert funding.cap_factor is not None
    k, zero = funding.cap_factor, Decimal(0)
    mmr = margin.maintenance_rate_and_cum(zero)[0]
    if funding.cap_rule == "mmr-multiple":
        return margin_funding_cap(k, mmr), f"derived: {k} x MMR {mmr}"
    imr = margin.initial_rate(zero, max_leverage)
    return margin_funding_cap(k, mmr, imr), f"derived: {k} x (IMR {imr} - MMR {mmr})"


def _read_rounding(ctx: Ctx, table: Table) -> Rounding:
    source_id = table.text("source")
    if source_id not in ctx.sources:
        table.fail("source", f"unknown source id {source_id!r}")
    ctx.used.add(source_id)
    rounding = Rounding(
        bankruptcy_long=table.text("bankruptcy_long", ("up", "down")),
        bankruptcy_short=table.text("bankruptcy_short", ("up", "down")),
        increment=table.text("increment", ("tick",)),
        source=ctx.sources[source_id],
    )
    table.done()
    return rounding


def _read_tiers(table: Table) -> TierTable:
    bounds: list[Decimal] = []
    rates: list[Decimal] = []
    caps: list[Decimal | None] = []
    for i, (key, raw) in enumerate(table.tables("tiers")):
        tier = Table(table.ctx, raw, key, table.prov, f"{table.prefix}tiers[{i}].", table.status)
        bounds.append(tier.num("upper", _positive, "must be > 0", allow_inf=True))
        rates.append(tier.num("mmr", lambda x: 0 <= x < 1, "must lie in [0, 1)"))
        caps.append(tier.opt_num("max_leverage", _leverage, "must be >= 1"))
        tier.done()
    try:
        return TierTable(tuple(bounds), tuple(rates), tuple(caps))
    except InputError as exc:
        table.fail("tiers", str(exc))


def _read_margin(table: Table) -> Margin:
    kind = table.text("kind", ("tiers", "risk-step", "linear", "flat"))
    table.method_source("margin")
    frac, what = (lambda x: 0 <= x < 1), "must lie in [0, 1)"
    margin: Margin
    if kind == "tiers":
        margin = TieredMargin(_read_tiers(table))
    elif kind == "risk-step":
        margin = RiskStepMargin(
            base_limit=table.num("base_limit", _positive, "must be > 0"),
            step=table.num("step", _positive, "must be > 0"),
            base_imr=table.num("base_imr", frac, what),
            base_mmr=table.num("base_mmr", frac, what),
            step_rate=table.num("step_rate", frac, what),
        )
    elif kind == "linear":
        margin = LinearMargin(
            im_base=table.num("im_base", frac, what),
            mm_base=table.num("mm_base", frac, what),
            slope=table.num("slope", frac, what),
        )
    else:
        margin = FlatMargin(mmr=table.num("mmr", frac, what), imr=table.opt_num("imr", frac, what))
    table.done()
    return margin


def _read_instrument(
    table: Table,
    venue: str,
    model: str,
    funding: Funding | None,
    dated: bool,
    cap_rule: Sourced | None = None,
) -> Instrument:
    symbol = table.text("symbol")
    aliases = table.texts("aliases")
    kind_text = table.text("kind", tuple(k.value for k in ContractKind))
    base, quote, settle = table.text("base"), table.text("quote"), table.text("settle")
    contract_value = table.num("contract_value", _positive, "must be > 0")
    tick = table.opt_num("tick", _positive, "must be > 0")
    lot = table.opt_num("lot", _positive, "must be > 0")
    max_leverage = table.opt_num("max_leverage", _leverage, "must be >= 1")
    maker = table.opt_num("maker", _rate, "must lie in (-1, 1)")
    taker = table.opt_num("taker", _rate, "must lie in (-1, 1)")
    liquidation_fee = table.opt_num("liquidation_fee", lambda x: 0 <= x < 1, "must lie in [0, 1)")
    if dated and table.has("funding_cap"):
        table.fail("funding_cap", "dated futures have no funding")
    funding_cap = table.opt_num("funding_cap", lambda x: 0 < x < 1, "must lie in (0, 1)")
    margin_table = table.table("margin")
    margin = _read_margin(margin_table) if margin_table is not None else None
    try:
        spec = ContractSpec(
            kind=ContractKind(kind_text),
            contract_value=contract_value,
            base=base,
            quote=quote,
            settle=settle,
            tick=tick,
            lot=lot,
        )
    except InputError as exc:
        table.fail("contract_value", str(exc))
    table.done()
    if funding is not None and funding_cap is not None:
        funding = replace(funding, cap=funding_cap)
    elif funding is not None and funding.cap_factor is not None and margin is not None:
        assert cap_rule is not None
        try:
            cap, how = _derived_cap(funding, margin, max_leverage)
        except InputError as exc:
            table.fail("margin", f"cannot derive the funding cap: {exc}")
        funding = replace(funding, cap=cap)
        table.prov["funding_cap"] = Sourced(cap_rule.source, how, cap, "derived")
    return Instrument(
        venue=venue,
        symbol=symbol,
        aliases=aliases,
        spec=spec,
        max_leverage=max_leverage,
        maker=maker,
        taker=taker,
        liquidation_fee=liquidation_fee,
        margin=margin,
        funding=None if dated else funding,
        provenance=MappingProxyType(table.prov),
        liquidation_model=model,
    )


def _read_template(table: Table, venue: str, model: str) -> DatedTemplate:
    expiry = table.table("expiry")
    if expiry is None:
        table.fail("expiry", "missing: a dated template needs an expiry rule")
    kind = expiry.text("rule")
    months = expiry.ints("months", 1, 12)
    hours = expiry.ints("hour_utc", 0, 23)
    if len(hours) != 1:
        expiry.fail("hour_utc", "missing: give the settlement hour (UTC)")
    expiry.done()
    try:
        rule = ExpiryRule(kind, hours[0], months)
    except InputError as exc:
        expiry.fail("rule", str(exc))
    prototype = _read_instrument(table, venue, model, None, True)
    for i, pattern in enumerate((prototype.symbol, *prototype.aliases)):
        try:
            check_pattern(pattern, rule)
        except InputError as exc:
            table.fail("symbol" if i == 0 else f"aliases[{i - 1}]", str(exc))
    return DatedTemplate(prototype.symbol, prototype.aliases, rule, prototype)


def parse_rules(text: str, origin: str) -> Venue:
    """Parse the text of a rule file; ``origin`` names it in error messages."""
    ctx = Ctx(origin)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        ctx.fail("(toml)", str(exc))
    reject_bare_numbers(ctx, document, "")
    venue_prov: dict[str, Sourced] = {}
    top = Table(ctx, document, "", venue_prov)
    _read_sources(ctx, top)
    name = top.text("name")
    display_name = top.opt_text("display_name") or name
    liquidation_model = top.text("liquidation_model", LIQUIDATION_MODELS)
    margin_mode = top.text("default_margin_mode", MARGIN_MODES)
    funding_table = top.table("funding")
    if funding_table is None:
        ctx.fail("funding", "missing")
    funding = _read_funding(funding_table)
    rounding_table = top.table("rounding")
    rounding = _read_rounding(ctx, rounding_table) if rounding_table is not None else None
    notes_table = top.table("notes")
    notes: dict[str, str] = {}
    if notes_table is not None:
        for key in list(notes_table.data):
            notes[key] = notes_table.text(key)
        notes_table.done()
    instruments = [
        _read_instrument(
            Table(ctx, raw, key, {}),
            name,
            liquidation_model,
            funding,
            False,
            venue_prov.get("funding.cap_rule"),
        )
        for key, raw in top.tables("instruments")
    ]
    templates = [
        _read_template(Table(ctx, raw, key, {}), name, liquidation_model)
        for key, raw in top.tables("templates")
    ]
    top.done()
    if not instruments:
        ctx.fail("instruments", "missing: a venue needs at least one instrument")
    _check_unique(ctx, instruments)
    unused = sorted(set(ctx.sources) - ctx.used)
    if unused:
        ctx.fail(f"sources.{unused[0]}", "defined but never used")
    return Venue(
        name=name,
        display_name=display_name,
        liquidation_model=liquidation_model,
        default_margin_mode=margin_mode,
        funding=funding,
        rounding=rounding,
        instruments=tuple(instruments),
        templates=tuple(templates),
        sources=MappingProxyType(ctx.sources),
        notes=MappingProxyType(notes),
        provenance=MappingProxyType(venue_prov),
        origin=origin,
    )


def _check_unique(ctx: Ctx, instruments: list[Instrument]) -> None:
    seen: dict[str, str] = {}
    for i, inst in enumerate(instruments):
        for key in (inst.symbol, *inst.aliases):
            if key.upper() in seen:
                ctx.fail(f"instruments[{i}]", f"{key!r} already names {seen[key.upper()]}")
            seen[key.upper()] = inst.symbol


def load_rules_file(path: str | Path) -> Venue:
    """Load one rule file; any problem raises :class:`RuleFileError` naming file and key."""
    origin = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(origin, "(file)", f"cannot read: {exc.strerror or exc}") from None
    return parse_rules(text, origin)
