"""The results store: one Parquet row per run, committed the moment the run finishes.

Layout of a store folder::

    manifest.json          what experiment this store belongs to (refuses a different one)
    experiment.yaml        copy of the experiment file as run
    runs/<key>.parquet     one file per finished run (written to a temp name, then renamed)
    steps/<key>.parquet    that run's per-step outcomes (written before its runs/ row)
    runs.parquet           the runs compacted into one file when an experiment completes
    steps.parquet          likewise for the per-step outcomes

A run counts as committed once its ``runs/`` file exists; the rename is atomic, so a kill at any
moment loses at most the runs in flight. Reading unions the compacted file with the per-run
files and keeps one row per run key, so a kill during compaction loses nothing either. Query it
with DuckDB: ``SELECT * FROM read_parquet('DIR/runs*.parquet') ...`` (see README).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

MANIFEST = "manifest.json"


class StoreMismatchError(Exception):
    """The folder holds results of a different experiment."""


class ResultsStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.run_dir = self.root / "runs"
        self.step_dir = self.root / "steps"

    # -- set-up ---------------------------------------------------------------------------

    def open(self, identity: dict[str, Any], experiment_text: str | None = None) -> None:
        """Create the store, or check that an existing one belongs to the same experiment."""
        manifest = self.root / MANIFEST
        if manifest.exists():
            existing = json.loads(manifest.read_text())
            if existing.get("content_hash") != identity.get("content_hash"):
                raise StoreMismatchError(
                    f"{self.root} holds results of a different experiment "
                    f"({existing.get('name')}, {existing.get('content_hash')}); "
                    "use another --out folder or delete this one"
                )
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.step_dir.mkdir(parents=True, exist_ok=True)
        if not manifest.exists():
            atomic_write_text(manifest, json.dumps(identity, indent=2) + "\n")
        if experiment_text is not None and not (self.root / "experiment.yaml").exists():
            atomic_write_text(self.root / "experiment.yaml", experiment_text)

    @property
    def manifest(self) -> dict[str, Any]:
        path = self.root / MANIFEST
        return json.loads(path.read_text()) if path.exists() else {}

    # -- writing ------------------------------------------------------------------------------

    def commit(self, row: dict[str, Any], steps: pd.DataFrame | None) -> None:
        """Commit one finished (or failed) run: its steps first, then its row."""
        key = row["run_key"]
        if steps is not None and len(steps):
            atomic_parquet(steps, self.step_dir / f"{key}.parquet")
        atomic_parquet(pd.DataFrame([row]), self.run_dir / f"{key}.parquet")

    def compact(self) -> None:
        """Fold the per-run files into runs.parquet / steps.parquet (atomic), then remove them."""
        for name, folder in (("runs", self.run_dir), ("steps", self.step_dir)):
            parts = sorted(folder.glob("*.parquet"))
            if not parts:
                continue
            table = self._read(name, folder)
            atomic_parquet(table, self.root / f"{name}.parquet")
            for part in parts:
                part.unlink(missing_ok=True)

    # -- reading ------------------------------------------------------------------------------

    def runs(self) -> pd.DataFrame:
        """One row per run key (the latest commit wins: a failed run retried successfully)."""
        return self._read("runs", self.run_dir)

    def steps(self) -> pd.DataFrame:
        return self._read("steps", self.step_dir)

    def finished_keys(self) -> set[str]:
        runs = self.runs()
        if runs.empty:
            return set()
        return set(runs.loc[runs["status"] == "ok", "run_key"])

    def _read(self, name: str, folder: Path) -> pd.DataFrame:
        frames = []
        compacted = self.root / f"{name}.parquet"
        if compacted.exists():
            frames.append(pd.read_parquet(compacted))
        frames += [pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))]
        frames = [f for f in frames if not f.empty]
        if not frames:
            return pd.DataFrame()
        table = pd.concat(frames, ignore_index=True)
        if name == "runs":
            table = table.drop_duplicates("run_key", keep="last")
            return table.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)
        table = table.drop_duplicates(["run_key", "step"], keep="last")
        return table.sort_values(["run_key", "step"], kind="stable").reset_index(drop=True)


def atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.chmod(tmp, 0o644)  # mkstemp makes files private; results are for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
