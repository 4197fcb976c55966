"""The bundled files: shipped checksums, catalog facts, provenance, laziness."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

import inversa
from inversa.data import Dataset, list_datasets
from inversa.data._catalog import BUNDLED_DIR

DATASETS = list_datasets()
IDS = [d.name for d in DATASETS]


def _lines(name: str) -> list[str]:
    return gzip.decompress((BUNDLED_DIR / f"{name}.csv.gz").read_bytes()).decode().splitlines()


def test_every_bundled_file_is_catalogued() -> None:
    on_disk = sorted(str(p.relative_to(BUNDLED_DIR)) for p in BUNDLED_DIR.rglob("*.csv.gz"))
    assert on_disk == sorted(d.file for d in DATASETS)
    assert len(DATASETS) == 12


def test_bundled_files_live_inside_the_package() -> None:
    package = Path(inversa.__path__[0]).resolve()
    for d in DATASETS:
        assert d.path.is_file()
        assert package in d.path.parents


def _sums() -> dict[str, str]:
    text = (BUNDLED_DIR / "SHA256SUMS").read_text(encoding="utf-8")
    pairs = [line.split("  ", 1) for line in text.splitlines() if line and line[0] != "#"]
    return {name: digest for digest, name in pairs}


def test_every_bundled_file_has_a_shipped_checksum() -> None:
    assert sorted(_sums()) == sorted(d.file.removesuffix(".gz") for d in DATASETS)


@pytest.mark.parametrize("dataset", DATASETS, ids=IDS)
def test_bundled_text_matches_its_shipped_checksum(dataset: Dataset) -> None:
    """The uncompressed text is byte for byte the source file (SHA-256 written beside it)."""
    digest = hashlib.sha256(gzip.decompress(dataset.path.read_bytes())).hexdigest()
    assert digest == _sums()[dataset.file.removesuffix(".gz")]


def test_a_changed_byte_changes_the_checksum() -> None:
    dataset = DATASETS[0]
    raw = bytearray(gzip.decompress(dataset.path.read_bytes()))
    raw[-2] ^= 1
    assert hashlib.sha256(bytes(raw)).hexdigest() != _sums()[dataset.file.removesuffix(".gz")]


@pytest.mark.parametrize("dataset", DATASETS, ids=IDS)
def test_catalog_rows_and_range_match_the_file(dataset: Dataset) -> None:
    lines = _lines(dataset.name)
    assert len(lines) - 1 == dataset.rows
    time_column = 2 if "crash_windows" in dataset.name else 0
    times = [line.split(",")[time_column] for line in lines[1:]]
    assert min(times) == dataset.start
    assert max(times) == dataset.end


def test_provenance_covers_every_file_with_source_and_licence() -> None:
    text = (BUNDLED_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    sections = text.split("\n## ")
    for d in DATASETS:
        base = Path(d.file).name
        section = next(s for s in sections if base in s.splitlines()[0])
        assert "Source:" in section
        assert "Licence:" in section or "Licence" in section
        assert "Rows:" in section
        assert d.source.split("@")[0] in section
    assert "2020-10-02" in text  # the AAVE artefact
    assert "2020-08-27T06:00" in text  # the Deribit missing hours


def test_import_reads_no_file() -> None:
    code = (
        "import inversa.data as d, inversa.data._prices as p, inversa.data._funding as f\n"
        "caches = [p._mark, p._spot, p._defi_file, p._spot_hourly, f._funding]\n"
        "assert all(c.cache_info().currsize == 0 for c in caches)\n"
        "d.mark_hourly('BTC')\n"
        "assert p._mark.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
