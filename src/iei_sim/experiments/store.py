"""The results store: every run committed the moment it finishes, as one line of a journal.

Layout of a store folder::

    manifest.json          what experiment this store belongs to (refuses a different one)
    experiment.yaml        copy of the experiment file as run
    journal.jsonl          one JSON line per finished (or failed) run since the last compaction:
                           {"row": {...}, "steps": {"step": [...], "<outcome>": [...]}}
    runs.parquet           the compacted runs, one row per run
    steps.parquet          likewise for the per-step outcomes (run_key, step, outcomes)

A run counts as committed once its journal line is written: each line goes to the file in one
``os.write`` on an ``O_APPEND`` descriptor, so the process killed at any moment (SIGKILL,
Ctrl-C, a lost node) leaves either the whole line or a torn last line, never an interleaving, and
loses at most the runs in flight. Lines are not fsynced one by one: they survive the *process*
dying, not a power cut before the operating system flushes them; ``compact()`` and ``close()``
fsync. Reading ignores a torn (or unparsable) last line, and opening the store for writing cuts
it off so the next line starts clean; an unparsable line anywhere else is corruption and raises
``JournalCorruptError`` naming the file and line. The journal is JSON as Python writes it: a
NaN or infinite outcome is the token ``NaN`` / ``Infinity`` and reads back exactly.

``compact()`` writes the union of the Parquet files and the journal to ``runs.parquet`` and
``steps.parquet`` (each atomically: a temporary file, fsynced, then renamed), then replaces the
journal by an empty file. Reading unions the Parquet files with the journal and keeps one row
per run key (the latest commit wins), so a kill between the two steps loses and duplicates
nothing. Appends hold a shared ``flock`` on the journal, compaction (and cutting off a torn
tail) an exclusive one, so processes may commit to one store while another compacts it.

The runner compacts when an experiment completes and when it is interrupted (Ctrl-C), so
``runs.parquet`` then holds every finished run; after a hard kill the runs since the last
compaction stay in the journal (``runs()`` includes them) until the next invocation compacts.
Query the Parquet files with DuckDB: ``SELECT * FROM 'DIR/runs.parquet' ...`` (see README).

Stores written by earlier versions kept one Parquet file per run under ``runs/`` and ``steps/``;
those are read too (between the compacted files and the journal), and ``compact()`` folds them in
and removes them.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
_BLOCK = 1 << 16


class StoreMismatchError(Exception):
    """The folder holds results of a different experiment."""


class JournalCorruptError(Exception):
    """A journal line other than the last does not parse (not something a kill can leave)."""


class ResultsStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.journal = self.root / JOURNAL
        # per-run Parquet files of the earlier layout: read and compacted, never written
        self.run_dir = self.root / "runs"
        self.step_dir = self.root / "steps"
        self._fd: int | None = None  # the journal, open for appending
        self._clean = False  # its torn tail (if any) has been cut off
        self._finalizer: weakref.finalize | None = None

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
        self.root.mkdir(parents=True, exist_ok=True)
        if not manifest.exists():
            atomic_write_text(manifest, json.dumps(identity, indent=2) + "\n")
        if experiment_text is not None and not (self.root / "experiment.yaml").exists():
            atomic_write_text(self.root / "experiment.yaml", experiment_text)
        fcntl.flock(self._locked(fcntl.LOCK_SH), fcntl.LOCK_UN)  # cuts a torn tail off

    @property
    def manifest(self) -> dict[str, Any]:
        path = self.root / MANIFEST
        return json.loads(path.read_text()) if path.exists() else {}

    # -- writing ------------------------------------------------------------------------------

    def commit(
        self, row: dict[str, Any], steps: dict[str, list] | pd.DataFrame | None = None
    ) -> None:
        """Commit one finished (or failed) run: its row and per-step outcomes, as one line.

        ``steps`` maps column names (``step`` and the outcomes) to equal-length lists; a
        DataFrame is accepted too (its ``run_key`` column, if any, is implied by the row).
        """
        if isinstance(steps, pd.DataFrame):
            steps = {c: steps[c].tolist() for c in steps.columns if c != "run_key"}
        elif steps and "run_key" in steps:
            steps = {c: v for c, v in steps.items() if c != "run_key"}
        line = (
            '{"row":'
            + json.dumps(row, allow_nan=True, separators=(",", ":"), default=_plain)
            + ',"steps":'
            + json.dumps(steps or None, allow_nan=True, separators=(",", ":"), default=_plain)
            + "}\n"
        ).encode()
        fd = self._locked(fcntl.LOCK_SH)  # appends share the lock; compaction excludes them
        try:
            written = os.write(fd, line)
            while written < len(line):  # a short write (disk full...): finish the same line
                written += os.write(fd, line[written:])
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Flush the journal to disk and release its descriptor (a later commit reopens it)."""
        self._release(sync=True)

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def compact(self) -> None:
        """Fold the journal (and any per-run files of the earlier layout) into runs.parquet and
        steps.parquet, atomically, then empty the journal and remove the per-run files.

        Holds the journal's exclusive lock throughout, so a commit from another process waits
        rather than landing in a journal that is about to be replaced."""
        if not self.root.is_dir():
            return
        legacy = [p for d in (self.run_dir, self.step_dir) for p in sorted(d.glob("*.parquet"))]
        fd = self._locked(fcntl.LOCK_EX)
        try:
            records = self._journal_records()
            if records or legacy:
                runs, steps = self._runs_table(records), self._steps_table(records)
                if not runs.empty:
                    atomic_parquet(runs, self.root / "runs.parquet")
                if not steps.empty:
                    atomic_parquet(steps, self.root / "steps.parquet")
            if os.fstat(fd).st_size:
                atomic_write_text(self.journal, "")
                _fsync_dir(self.root)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        self._release(sync=False)  # (the replaced journal: everything in it is compacted)
        for part in legacy:
            part.unlink(missing_ok=True)
        for folder in (self.run_dir, self.step_dir):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()

    def _locked(self, how: int) -> int:
        """The journal's descriptor, flock-ed (``LOCK_SH`` to append, ``LOCK_EX`` to rewrite),
        on the file at the journal's path now. The first time, under the exclusive lock (no
        append in progress anywhere), a torn tail left by a killed writer is cut off."""
        while True:
            if self._fd is None:
                self.root.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.journal, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
                self._fd, self._clean = fd, False
                self._finalizer = weakref.finalize(self, os.close, fd)
            fd = self._fd
            fcntl.flock(fd, how if self._clean else fcntl.LOCK_EX)
            if not _is_current(fd, self.journal):  # replaced by a compaction: reopen
                fcntl.flock(fd, fcntl.LOCK_UN)
                self._release(sync=False)
                continue
            if self._clean:
                return fd
            try:
                _cut_torn_tail(fd)
            except BaseException:
                fcntl.flock(fd, fcntl.LOCK_UN)
                raise
            self._clean = True
            if how == fcntl.LOCK_EX:
                return fd
            fcntl.flock(fd, fcntl.LOCK_UN)  # and take the lock asked for, on the next pass

    def _release(self, sync: bool) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        try:
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)

    # -- reading ------------------------------------------------------------------------------

    def runs(self) -> pd.DataFrame:
        """One row per run key (the latest commit wins: a failed run retried successfully),
        sorted by point and replicate (then run key)."""
        return self._runs_table(self._journal_records())

    def steps(self) -> pd.DataFrame:
        """The per-step outcomes of every run (run_key, step, outcomes), sorted by run and step."""
        return self._steps_table(self._journal_records())

    def finished_keys(self) -> set[str]:
        runs = self.runs()
        if runs.empty:
            return set()
        return set(runs.loc[runs["status"] == "ok", "run_key"])

    def pending(self) -> int:
        """How many committed runs are not compacted into runs.parquet yet: run keys in the
        journal, plus per-run files of the earlier layout."""
        return len(self._journal_records()) + sum(1 for _ in self.run_dir.glob("*.parquet"))

    def _journal_records(self) -> dict[str, dict[str, Any]]:
        """The journal's runs by key, the latest line per key, in the order of those lines."""
        records: dict[str, dict[str, Any]] = {}
        for record in read_journal(self.journal):
            key = record["row"]["run_key"]
            records.pop(key, None)  # a later commit moves to the end: it is the newest
            records[key] = record
        return records

    def _runs_table(self, records: dict[str, dict[str, Any]]) -> pd.DataFrame:
        journal = pd.DataFrame([r["row"] for r in records.values()])
        order = ["point", "replicate", "run_key"]  # run_key: the same order whatever the commits'
        return self._union("runs", self.run_dir, journal, ["run_key"], order)

    def _steps_table(self, records: dict[str, dict[str, Any]]) -> pd.DataFrame:
        journal = _steps_frame(records)
        return self._union(
            "steps", self.step_dir, journal, ["run_key", "step"], ["run_key", "step"]
        )

    def _union(
        self,
        name: str,
        folder: Path,
        journal: pd.DataFrame,
        unique: list[str],
        order: list[str],
    ) -> pd.DataFrame:
        """Compacted file, then the earlier layout's per-run files, then the journal (newest)."""
        frames = []
        compacted = self.root / f"{name}.parquet"
        if compacted.exists():
            frames.append(pd.read_parquet(compacted))
        frames += [pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))]
        frames.append(journal)
        frames = [f for f in frames if not f.empty]
        if not frames:
            return pd.DataFrame()
        table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if len(frames) > 1:  # a single source has one row per key already
            table = table.drop_duplicates(unique, keep="last")
        return table.sort_values(order, kind="stable").reset_index(drop=True)


def read_journal(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a journal file, in order. A torn or unparsable last line is skipped (a
    kill mid-write); any other line that does not parse raises ``JournalCorruptError``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    lines = data.split(b"\n")
    lines.pop()  # after the last newline: empty, or a torn line
    last = len(lines) - 1 if data.endswith(b"\n") else -1
    for number, line in enumerate(lines):
        try:
            record = _parse(line)
        except ValueError as exc:
            if number == last:
                return
            raise JournalCorruptError(
                f"{path}: line {number + 1} is not a valid run record ({exc}); the journal is "
                "corrupted (a kill only ever tears the last line)"
            ) from None
        yield record


def _parse(line: bytes) -> dict[str, Any]:
    record = json.loads(line)
    if not isinstance(record, dict) or "run_key" not in (record.get("row") or {}):
        raise ValueError("not a run record")
    return record


def _steps_frame(records: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """The journal's per-step outcomes as one table, built column by column."""
    columns: dict[str, list] = {"run_key": []}
    total = 0
    for key, record in records.items():
        steps = record.get("steps")
        if not steps:
            continue
        n = len(next(iter(steps.values())))
        for name, values in steps.items():
            column = columns.get(name)
            if column is None:
                column = columns[name] = [math.nan] * total
            column.extend(values)
        columns["run_key"].extend([key] * n)
        total += n
        if len(columns) != len(steps) + 1:  # a column this run lacks: pad it
            for column in columns.values():
                if len(column) < total:
                    column.extend([math.nan] * (total - len(column)))
    return pd.DataFrame(columns) if total else pd.DataFrame()


def _is_current(fd: int, path: Path) -> bool:
    try:
        mine, now = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino)


def _cut_torn_tail(fd: int) -> None:
    """Truncate the journal after its last complete, parsable line, so that the next record
    starts on a fresh line instead of being glued onto the remains of a killed write."""
    size = os.fstat(fd).st_size
    if size == 0:
        return
    tail = b""
    start = size
    while start > 0 and tail.count(b"\n") < 2:  # read back to the start of the last line
        step = min(_BLOCK, start)
        start -= step
        tail = os.pread(fd, step, start) + tail
    cut = start + tail.rfind(b"\n") + 1  # 0 when no newline at all: all of it is torn
    if cut == size:  # ends with a newline: drop the last line too if it does not parse
        before = tail.rfind(b"\n", 0, len(tail) - 1)
        try:
            _parse(tail[before + 1 :])
        except ValueError:
            cut = start + before + 1
    if cut < size:
        os.truncate(fd, cut)
        os.fsync(fd)


def _plain(value: Any) -> Any:
    """JSON for numpy scalars (and anything else with ``.item()``)."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` so that a reader (or a kill) sees the old or the new file,
    never a partial one; the data is on disk before the rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            frame.to_parquet(handle, index=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes files private; results are for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
