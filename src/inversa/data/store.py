"""A local runs store: one directory per run, results in Parquet, queried with DuckDB.

Layout under the store's root (``runs/`` in the working directory by default)::

    <root>/<run_id>/results.parquet   one row per task (grid point x scenario), + run_id
    <root>/<run_id>/meta.json         kind, name, created (UTC), rows, config, seeds ...

``run_id`` is ``YYYYmmddTHHMMSSZ-<name>-<6 hex>``, so runs list in creation order.
:meth:`RunsStore.connect` opens an in-memory DuckDB database with two views:
``results`` (every run's rows, with a ``run_id`` column) and ``runs`` (one row per run).
Writing is atomic per run: files are written into a temporary directory renamed into
place, so a reader never sees half a run.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from inversa.errors import InputError

__all__ = ["DEFAULT_STORE", "RunInfo", "RunsStore"]

#: The default store directory, relative to the working directory.
DEFAULT_STORE = "runs"
_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class RunInfo:
    """One stored run: its id, kind (e.g. ``sweep``), name, creation time, row count and
    directory."""

    run_id: str
    kind: str
    name: str
    created: str
    rows: int
    path: Path


class RunsStore:
    """The runs under ``root`` (created on first write, never at construction)."""

    def __init__(self, root: str | Path = DEFAULT_STORE) -> None:
        self.root = Path(root)

    # -- writing ---------------------------------------------------------------------

    def write_run(
        self, kind: str, name: str, results: pd.DataFrame, meta: dict[str, Any] | None = None
    ) -> RunInfo:
        """Store ``results`` (one row per task) and ``meta`` (JSON-able) as a new run."""
        if results.empty:
            raise InputError("results", "empty", "a run needs at least one row")
        now = datetime.now(UTC)
        slug = _NAME.sub("-", name).strip("-")[:40] or "run"
        run_id = f"{now:%Y%m%dT%H%M%SZ}-{slug}-{secrets.token_hex(3)}"
        info = {
            "run_id": run_id,
            "kind": kind,
            "name": name,
            "created": now.isoformat(timespec="seconds"),
            "rows": len(results),
            **(meta or {}),
        }
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError("store", str(self.root), f"cannot be created: {exc}") from None
        if not self.root.is_dir():
            raise InputError("store", str(self.root), "is not a directory")
        tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=".tmp-"))
        results = results.assign(run_id=run_id)
        try:
            results.to_parquet(tmp / "results.parquet", index=False)
            (tmp / "meta.json").write_text(json.dumps(info, indent=1, default=str) + "\n")
            os.chmod(tmp, 0o755)
            os.replace(tmp, self.root / run_id)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return self._info(self.root / run_id)

    # -- reading ---------------------------------------------------------------------

    def _info(self, path: Path) -> RunInfo:
        meta = json.loads((path / "meta.json").read_text())
        return RunInfo(
            meta["run_id"], meta["kind"], meta["name"], meta["created"], int(meta["rows"]), path
        )

    def runs(self) -> list[RunInfo]:
        """Every complete run, oldest first (an empty list when the store does not exist)."""
        if not self.root.is_dir():
            return []
        found = [
            self._info(p)
            for p in sorted(self.root.iterdir())
            if p.is_dir() and not p.name.startswith(".") and (p / "meta.json").is_file()
        ]
        return found

    def _path(self, run_id: str) -> Path:
        matches = [r for r in self.runs() if r.run_id == run_id or r.run_id.startswith(run_id)]
        if not matches:
            known = ", ".join(r.run_id for r in self.runs()[-5:]) or "none"
            raise InputError(
                "run_id", run_id, f"no such run in store {self.root} (latest: {known})"
            )
        if len(matches) > 1:
            raise InputError("run_id", run_id, f"matches {len(matches)} runs; give more of the id")
        return matches[0].path

    def meta(self, run_id: str) -> dict[str, Any]:
        """The run's metadata (a unique prefix of the id is enough)."""
        meta: dict[str, Any] = json.loads((self._path(run_id) / "meta.json").read_text())
        return meta

    def results(self, run_id: str) -> pd.DataFrame:
        """The run's result rows."""
        return pd.read_parquet(self._path(run_id) / "results.parquet")

    def connect(self) -> Any:
        """An in-memory DuckDB connection with the views ``results`` and ``runs``."""
        import duckdb

        con = duckdb.connect(":memory:")
        runs = self.runs()
        if runs:
            files = ", ".join(
                "'" + str(r.path / "results.parquet").replace("'", "''") + "'" for r in runs
            )
            con.execute(
                "CREATE VIEW results AS SELECT * FROM "
                f"read_parquet([{files}], union_by_name = true)"
            )
        else:
            con.execute("CREATE VIEW results AS SELECT NULL::VARCHAR AS run_id WHERE false")
        frame = pd.DataFrame(
            [
                {"run_id": r.run_id, "kind": r.kind, "name": r.name, "created": r.created}
                | {"rows": r.rows}
                for r in runs
            ],
            columns=["run_id", "kind", "name", "created", "rows"],
        )
        con.register("runs_frame", frame)
        con.execute("CREATE VIEW runs AS SELECT * FROM runs_frame")
        return con

    def query(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` against the views of :meth:`connect`; errors name the query."""
        import duckdb

        con = self.connect()
        try:
            out: pd.DataFrame = con.execute(sql).fetchdf()
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0]
            raise InputError("sql", sql, first) from None
        finally:
            con.close()
        return out
