"""The fuzz corpus: bad inputs generated from the declared domains of every command.

Nothing here lists commands or options by hand.  :func:`commands` walks the Typer app
(every sub-app, every command, every option); an option's domain comes from
:func:`inversa.domain.option_domains`.  Per domain the generator derives:

- values outside each bound and at each open bound, non-integers for counts;
- non-finite values and huge exponents (``1e999999999``);
- malformed syntax: ``_``, thousands separators, Unicode digits and minus, ``5%`` where
  the domain takes no percentages, empty text, letters;
- for dates: days that do not exist (``2021-02-30``), other formats, non-UTC offsets;
- for ``ASSET=VALUE`` options: each bad value under an asset, and malformed items;
- for input files: missing, a directory, garbage files (a lone ``\\xff``, UTF-16, NUL
  bytes, empty), and mutations of a valid fixture (bad encodings, extra cells, unknown
  keys, wrong types);
- for output files: an existing directory, ``''``, a path under a file, a 300-character
  name, a read-only directory (when not running as root).

Options without a declared domain get a small generic corpus (values no number, name or
path option accepts) and are counted apart, so the table shows what is not declared yet.
Every bad value is checked against its own domain (``Domain.parse`` must refuse it), so
the corpus cannot drift from the catalogue.  ``valid`` cases (values at a closed bound, a
UTF-8 BOM) must exit 0 with strict JSON, or give a clean one-line error.

Each case runs a valid baseline invocation (``baselines.toml``, the acceptance vectors or
the defaults) with one option mutated.
"""

from __future__ import annotations

import json
import os
import random
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FILES = HERE / "files"
VECTORS = ROOT / "tests" / "vectors" / "acceptance.jsonl"
BASELINES = HERE / "baselines.toml"

__all__ = [
    "Case",
    "Command",
    "Option",
    "baseline_candidates",
    "build_corpus",
    "commands",
]


@dataclass(frozen=True)
class Option:
    """One value-taking option of a command and what is declared about it."""

    name: str  # the longest flag, e.g. "--contract-value"
    param: str  # the Python parameter name, e.g. "contract_value"
    domain: Any  # inversa.domain.Domain or None (not declared)
    mapping: bool  # ASSET=VALUE items
    path: bool  # a click.Path or a path domain


@dataclass(frozen=True)
class Command:
    """One leaf command: its path and its value-taking options."""

    path: tuple[str, ...]
    options: tuple[Option, ...]
    has_json: bool
    arguments: tuple[str, ...] = ()  # positional parameter names, in order

    @property
    def name(self) -> str:
        return " ".join(self.path)


@dataclass
class Case:
    """One invocation: argv after ``inversa``, the files it needs, what it must do.

    ``expect`` is ``"error"`` (must exit 2 with one line naming one of ``names``) or
    ``"valid"`` (must exit 0 with strict JSON, or exit 2 with one clean line).
    """

    id: str
    command: str
    option: str
    family: str
    argv: list[str]
    expect: str = "error"
    names: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    dirs: list[str] = field(default_factory=list)
    readonly: list[str] = field(default_factory=list)
    declared: bool = True

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["files"] = {k: v.hex() for k, v in self.files.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Case:
        data = dict(data)
        data["files"] = {k: bytes.fromhex(v) for k, v in data["files"].items()}
        return cls(**data)


# -- discovery ---------------------------------------------------------------------------


def commands(app: Any) -> list[Command]:
    """Every leaf command of the app with its value-taking options (declared or not)."""
    import typer.main

    from inversa.domain import option_domains

    declared = {(od.command, od.option): od for od in option_domains(app)}
    out: list[Command] = []

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        if getattr(cmd, "commands", None) is not None:
            for sub in sorted(cmd.commands):
                walk(cmd.commands[sub], (*path, sub))
            return
        options: list[Option] = []
        arguments: list[str] = []
        has_json = False
        for param in cmd.params:
            if getattr(param, "param_type_name", "") == "argument":
                arguments.append(str(param.name))
                continue
            if getattr(param, "param_type_name", "") != "option":
                continue
            name = str(max(param.opts, key=len))
            if name == "--json":
                has_json = True
            if param.is_flag or param.count:
                continue
            od = declared.get((path, name))
            domain = od.domain if od else None
            is_path = _is_path(param) or (domain is not None and domain.kind == "path")
            options.append(Option(name, str(param.name), domain, bool(od and od.mapping), is_path))
        out.append(Command(path, tuple(options), has_json, tuple(arguments)))

    walk(typer.main.get_command(app), ())
    return out


def _is_path(param: Any) -> bool:
    """Whether a Typer option is annotated ``Path`` (or ``Path | None``)."""
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    return annotation is Path or Path in getattr(annotation, "__args__", ())


# -- baselines ---------------------------------------------------------------------------


def _table() -> dict[str, Any]:
    return tomllib.loads(BASELINES.read_text(encoding="utf-8"))


def _vector_args(vector: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for key, value in vector["inputs"].items():
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        if isinstance(value, bool):
            if value:
                args.append("--" + key.replace("_", "-"))
            continue
        args += ["--" + key.replace("_", "-"), str(value)]
    return args


def baseline_candidates(command: Command) -> list[list[str]]:
    """Candidate valid argument lists, best first (see baselines.toml)."""
    out: list[list[str]] = []
    entry = _table().get("command", {}).get(command.name)
    if entry:
        out.append(list(entry["args"]))
    for line in VECTORS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            vector = json.loads(line)
            if vector["kind"] == command.name:
                out.append(_vector_args(vector))
    out.append([])
    if command.has_json:
        out = [[*args, "--json"] for args in out]
    return out


def input_fixtures(command: Command) -> dict[str, dict[str, Any]]:
    """``{option: {"args": [...], "fixtures": [...]}}`` for the command's input files."""
    return dict(_table().get("input", {}).get(command.name, {}))


# -- values ------------------------------------------------------------------------------

#: Text no number, date, name or path option may accept (the generic corpus).
GENERIC_BAD = ["", " ", "nan", "inf", "-inf", "1e999999999", "Ω", "\u202e1"]

SYNTAX_BAD = [
    "",
    " ",
    "abc",
    "1_000",
    "1,000",
    "1 000",
    "1'000",
    "\u0661\u0662",  # Arabic-Indic digits
    "\uff15",  # fullwidth 5
    "\u22121",  # Unicode minus
    "1e",
    "e5",
    "1.2.3",
    "--1",
    "+-1",
    "0x1F",
    "1e5e5",
    "\u00bd",
    "1/2",
    "true",
]
NONFINITE = ["nan", "NaN", "sNaN", "inf", "-inf", "Infinity", "-Infinity", "+inf"]
HUGE = ["1e999999999", "-1e999999999", "9" * 400, "1e401", "-1e-401"]
DATE_BAD = [
    "2021-02-30",
    "2021-02-29",
    "2021-13-01",
    "2021-00-10",
    "abc",
    "",
    "20210101",
    "2021-1-1",
    "01/02/2021",
    "2021-01-01T25:00",
    "2021-01-01T00:00+05:00",
    "\u0662\u0660\u0662\u0661-\u0660\u0661-\u0660\u0661",
    "1e999999999",
    "-2021-01-01",
]


def _plain(value: Decimal) -> str:
    text = f"{value:f}" if abs(value.adjusted()) < 20 else str(value)
    return text


def _refuses(domain: Any, text: str) -> bool:
    try:
        domain.parse("x", text)
    except ValueError:
        return True
    return False


def _accepts(domain: Any, text: str) -> bool:
    return not _refuses(domain, text)


def domain_values(domain: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(bad, valid) values of a domain, each as (family, text).

    Every bad value is refused by ``domain.parse`` itself and every valid one accepted,
    so the corpus follows the catalogue.
    """
    bad: list[tuple[str, str]] = []
    valid: list[tuple[str, str]] = []
    if domain.kind == "date":
        bad = [("date", v) for v in DATE_BAD]
        valid = [("date", "2021-01-04")]
    elif domain.kind == "path":
        return [], []
    else:
        bad += [("syntax", v) for v in SYNTAX_BAD]
        bad += [("nonfinite", v) for v in NONFINITE]
        bad += [("huge", v) for v in HUGE]
        if not domain.percent:
            bad.append(("syntax", "5%"))
        low, high = domain.low, domain.high
        if low is not None:
            step = Decimal(10) ** (min(low.adjusted(), 0) - 3) if low else Decimal("1e-9")
            bad.append(("below", _plain(low - step)))
            bad.append(("below", _plain(low - max(abs(low), Decimal(1)) * 10)))
            if domain.low_open:
                bad.append(("open-bound", _plain(low)))
            else:
                valid.append(("closed-bound", _plain(low)))
        if high is not None:
            step = Decimal(10) ** (high.adjusted() - 3) if high else Decimal("1e-9")
            bad.append(("above", _plain(high + step)))
            bad.append(("above", _plain(high + max(abs(high), Decimal(1)) * 10)))
            if domain.high_open:
                bad.append(("open-bound", _plain(high)))
            elif not domain.integer:
                valid.append(("closed-bound", _plain(high)))
        if domain.integer:
            base = low if low is not None else Decimal(0)
            bad.append(("not-integer", _plain(base + Decimal("0.5"))))
        if domain.percent and high is not None:
            bad.append(("above", f"{_plain((high + 1) * 100)}%"))
            valid.append(("percent", f"{_plain(high * 50)}%"))
    bad = [(f, v) for f, v in bad if _refuses(domain, v)]
    valid = [(f, v) for f, v in valid if _accepts(domain, v)]
    return _dedupe(bad), _dedupe(valid)


def _dedupe(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    out = []
    for family, text in items:
        if text not in seen:
            seen.add(text)
            out.append((family, text))
    return out


# -- files -------------------------------------------------------------------------------

GARBAGE_FILES: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("lone-xff", b"\xff"),
    ("latin1", "caf\u00e9,1\n".encode("latin-1")),
    ("utf16", "side,contracts\nlong,1\n".encode("utf-16")),
    ("nul-bytes", b"\x00\x00\x00\n"),
    ("binary", bytes(range(256))),
    ("bom-only", b"\xef\xbb\xbf"),
    ("toml-syntax", b"[[[\n= =\n"),
]


#: Garbage that is a valid (empty) TOML document.
TOML_VALID = ("empty", "bom-only")


def _toml_mutations(text: str) -> Iterator[tuple[str, str, bytes, list[str]]]:
    """(family, label, content, names) mutations of a valid TOML fixture."""
    raw = text.encode("utf-8")
    yield "encoding", "lone-xff-comment", raw + b"#\xff\n", []
    yield "encoding", "utf16", text.encode("utf-16"), []
    yield "encoding", "latin1-comment", raw + "# caf\u00e9\n".encode("latin-1"), []
    yield "structure", "unknown-top-key", b"bogus_key = 1\n" + raw, ["bogus_key"]
    yield "structure", "unknown-table", raw + b"\n[bogus_table]\nx = 1\n", ["bogus_table"]
    yield "structure", "syntax", raw + b"\n[unclosed\n", []
    lines = text.splitlines()
    assignment = re.compile(r"^(\s*)([A-Za-z0-9_\-]+)(\s*=\s*)(\S+)(.*)$")
    count = 0
    table = ""
    for i, line in enumerate(lines):
        if line.strip().startswith("["):
            table = line.strip().strip("[]").strip() + "."
            count = 0
        m = assignment.match(line)
        if not m or count >= 2:
            continue
        count += 1
        key = m.group(2)
        for label, bad in (
            ("string", '"abc"'),
            ("bool", "true"),
            ("nan", "nan"),
            ("inf", "inf"),
            ("huge", "1e999999999"),
            ("array", "[1, 2]"),
        ):
            if m.group(4).strip('"') and bad == m.group(4):
                continue
            if m.group(4).startswith('"') and label == "string":
                continue
            new = [*lines]
            new[i] = f"{m.group(1)}{key}{m.group(3)}{bad}"
            yield (
                "wrong-type",
                f"{table}{key}={label}@line{i + 1}",
                ("\n".join(new) + "\n").encode(),
                [key],
            )


def _csv_mutations(text: str) -> Iterator[tuple[str, str, bytes, list[str]]]:
    """(family, label, content, names) mutations of a valid CSV fixture."""
    lines = text.splitlines()
    header = lines[0].split(",")
    yield (
        "encoding",
        "lone-xff-cell",
        ("\n".join(lines[:2]) + "\xff").encode("latin-1")
        + ("\n" + "\n".join(lines[2:]) + "\n").encode(),
        [],
    )
    yield "encoding", "utf16", text.encode("utf-16"), []
    yield (
        "structure",
        "extra-cell",
        ("\n".join([lines[0], lines[1] + ",999", *lines[2:]]) + "\n").encode(),
        [],
    )
    yield (
        "structure",
        "missing-cell",
        ("\n".join([lines[0], ",".join(lines[1].split(",")[:-2]), *lines[2:]]) + "\n").encode(),
        [],
    )
    yield (
        "structure",
        "unknown-column",
        ("\n".join([lines[0] + ",bogus_col", *(row + ",1" for row in lines[1:])]) + "\n").encode(),
        ["bogus_col"],
    )
    yield "structure", "header-only", (lines[0] + "\n").encode(), []
    yield "structure", "empty", b"", []
    yield "structure", "no-header", ("\n".join(lines[1:]) + "\n").encode(), []
    first = lines[1].split(",")
    for col, cell in enumerate(first):
        try:
            Decimal(cell)
        except ArithmeticError:
            continue
        if not cell:
            continue
        for label, bad in (
            ("letters", "abc"),
            ("nan", "nan"),
            ("inf", "inf"),
            ("huge", "1e999999999"),
            ("underscore", "1_000"),
            ("empty", ""),
        ):
            row = [*first]
            row[col] = bad
            content = "\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n"
            yield "wrong-type", f"{header[col]}={label}", content.encode(), [header[col]]


def fixture_mutations(name: str) -> Iterator[tuple[str, str, bytes, list[str]]]:
    """Mutations of the fixture ``name`` (by extension), plus the valid BOM variant."""
    text = (FILES / name).read_text(encoding="utf-8")
    yield "bom", "utf8-bom", b"\xef\xbb\xbf" + text.encode(), []
    if name.endswith(".toml"):
        yield from _toml_mutations(text)
    else:
        yield from _csv_mutations(text)


# -- the corpus --------------------------------------------------------------------------


def _names(option: Option) -> list[str]:
    bare = option.name.lstrip("-")
    return [option.name, bare, option.param, bare.replace("-", "_")]


def _with(args: list[str], option: str, values: list[str]) -> list[str]:
    """``args`` with every occurrence of ``option`` removed, then ``option value`` added."""
    out: list[str] = []
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg == option:
            skip = i + 1 < len(args)
            continue
        if arg.startswith(option + "="):
            continue
        out.append(arg)
    for value in values:
        out += [option, value]
    return out


def _asset_of(args: list[str], option: str) -> str:
    for i, arg in enumerate(args[:-1]):
        if arg == option and "=" in args[i + 1]:
            return args[i + 1].split("=", 1)[0].strip() or "BTC"
    return "BTC"


def _mapping_rest(args: list[str], option: str, asset: str) -> str:
    """The other items the baseline gives this option (kept so the asset set is valid)."""
    for i, arg in enumerate(args[:-1]):
        if arg == option:
            items = [p for p in args[i + 1].split(",") if p.split("=", 1)[0].strip() != asset]
            return ",".join(items)
    return ""


def option_cases(command: Command, option: Option, base: list[str]) -> Iterator[Case]:
    """The cases of one option of one command, on the baseline ``base``."""
    cid = f"{command.name} {option.name}"
    names = _names(option)

    def case(family: str, argv_tail: list[str], label: str, **kw: Any) -> Case:
        kw.setdefault("names", names)
        return Case(
            id=f"{cid}={label!r}",
            command=command.name,
            option=option.name,
            family=family,
            argv=[*command.path, *argv_tail],
            declared=option.domain is not None or kw.pop("declared", False),
            **kw,
        )

    domain = option.domain
    if option.path:
        output = domain is not None and domain.kind == "path" and not domain.must_exist
        undeclared = domain is None
        # a directory option (e.g. a runs store): an existing directory is valid
        directory = domain is not None and output and "directory" in domain.unit
        yield case("path", _with(base, option.name, [""]), "")
        if not directory:
            yield case("path", _with(base, option.name, ["adir"]), "adir", dirs=["adir"])
        if undeclared:
            return
        if output:
            yield case(
                "output",
                _with(base, option.name, ["afile/out.html"]),
                "afile/out.html",
                files={"afile": b"x"},
            )
            yield case("output", _with(base, option.name, ["a" * 300 + ".html"]), "a*300")
            if os.geteuid() != 0:
                yield case(
                    "output",
                    _with(base, option.name, ["ro/out.html"]),
                    "ro/out.html",
                    dirs=["ro"],
                    readonly=["ro"],
                )
            return
        yield case("input", _with(base, option.name, ["missing.csv"]), "missing.csv")
        for label, content in GARBAGE_FILES:
            for ext in (".csv", ".toml"):
                if ext == ".toml" and label in TOML_VALID:
                    continue  # an empty TOML document is valid (it sets nothing)
                fname = f"garbage{ext}"
                yield case(
                    "input-garbage",
                    _with(base, option.name, [fname]),
                    f"{label}{ext}",
                    files={fname: content},
                    names=[*names, fname],
                )
        return
    if domain is None and option.mapping is False:
        for text in GENERIC_BAD:
            yield case("generic", _with(base, option.name, [text]), text)
        return
    if option.mapping:
        asset = _asset_of(base, option.name)
        rest = _mapping_rest(base, option.name, asset)

        def item(text: str) -> list[str]:
            joined = f"{asset}={text}" + (f",{rest}" if rest else "")
            return _with(base, option.name, [joined])

        for label, raw in (
            ("no-equals", asset),
            ("no-value", f"{asset}="),
            ("no-asset", "=1"),
            ("repeat", f"{asset}=1,{asset}=1"),
            ("greek-asset", "\u0392TC=1"),
            ("empty", ""),
            ("commas", ",,"),
        ):
            yield case("mapping", _with(base, option.name, [raw]), label)
        if domain is None:
            yield case("mapping", item("nosuchvenue"), f"{asset}=nosuchvenue")
            return
        bad, valid = domain_values(domain)
        for family, text in bad:
            if text.strip():
                yield case(family, item(text), f"{asset}={text}")
        for family, text in valid:
            yield case(family, item(text), f"{asset}={text}", expect="valid")
        return
    bad, valid = domain_values(domain)
    for family, text in bad:
        yield case(family, _with(base, option.name, [text]), text)
    for family, text in valid:
        yield case(family, _with(base, option.name, [text]), text, expect="valid")


def usage_cases(command: Command, base: list[str]) -> Iterator[Case]:
    """Command-level usage errors: an unknown option, an option without its value."""
    argv = [*command.path, *base]
    yield Case(
        f"{command.name} --no-such-option",
        command.name,
        "--no-such-option",
        "usage",
        [*argv, "--no-such-option", "1"],
        names=["--no-such-option", "no-such-option"],
    )
    if command.options:
        last = command.options[-1]
        yield Case(
            f"{command.name} {last.name} (no value)",
            command.name,
            last.name,
            "usage",
            [*command.path, *[a for a in _with(base, last.name, []) if a != "--json"], last.name],
            names=_names(last),
        )


def argument_cases(command: Command, base: list[str]) -> Iterator[Case]:
    """Generic bad values for each positional argument (baselines give them first)."""
    for i, name in enumerate(command.arguments):
        if i >= len(base):
            return
        for text in GENERIC_BAD:
            argv = [*command.path, *base[:i], text, *base[i + 1 :]]
            yield Case(
                f"{command.name} <{name}>={text!r}",
                command.name,
                f"<{name}>",
                "generic",
                argv,
                names=[name, text] if text.strip() else [name],
                declared=False,
            )


def input_cases(command: Command) -> Iterator[Case]:
    """Mutations of each valid input fixture of the command (baselines.toml [input])."""
    for option, entry in input_fixtures(command).items():
        fixtures = list(entry["fixtures"])
        args = list(entry["args"]) + (["--json"] if command.has_json else [])
        for fixture in fixtures:
            argv = [*command.path, *[fixture if a == fixtures[0] else a for a in args]]
            for family, label, content, keys in fixture_mutations(fixture):
                yield Case(
                    f"{command.name} {option}={fixture}:{label}",
                    command.name,
                    option,
                    f"file-{family}",
                    argv,
                    expect="valid" if family == "bom" else "error",
                    names=keys if keys else [*keys, fixture, option],
                    files={fixture: content},
                )


def fixture_files(argv: list[str]) -> dict[str, bytes]:
    """The fixture files an argv refers to, by name (copied into the scratch directory)."""
    known = {p.name for p in FILES.iterdir()}
    out: dict[str, bytes] = {}
    for arg in argv:
        if arg not in known:
            continue
        path = FILES / arg
        if path.is_file():
            out[arg] = path.read_bytes()
        elif path.is_dir():  # a directory fixture (e.g. a runs store): every file under it
            for sub in sorted(path.rglob("*")):
                if sub.is_file():
                    out[sub.relative_to(FILES).as_posix()] = sub.read_bytes()
    return out


def build_corpus(cmds: list[Command], baselines: dict[str, list[str]]) -> list[Case]:
    """All cases, on the chosen baselines (commands without one use no arguments)."""
    cases: list[Case] = []
    for command in cmds:
        base = baselines.get(command.name, ["--json"] if command.has_json else [])
        cases += usage_cases(command, base)
        cases += argument_cases(command, base)
        for option in command.options:
            cases += option_cases(command, option, base)
        cases += input_cases(command)
    for case in cases:
        for name, content in fixture_files(case.argv).items():
            case.files.setdefault(name, content)
    return cases


def sample(cases: list[Case], n: int, seed: int) -> list[Case]:
    """A seeded sample of ``n`` cases, spread over commands (each command at least once)."""
    rng = random.Random(seed)
    by_command: dict[str, list[Case]] = {}
    for case in cases:
        by_command.setdefault(case.command, []).append(case)
    picked: list[Case] = []
    pools = [rng.sample(v, len(v)) for _, v in sorted(by_command.items())]
    while len(picked) < n and any(pools):
        for pool in pools:
            if pool and len(picked) < n:
                picked.append(pool.pop())
    return picked
