"""The results store: every run committed the moment it finishes, as one line of a journal.

Layout of a store folder::

    manifest.json          which experiment, base scenarios and model the runs belong to (a
                           store refuses runs of any other), and the provenance of every
                           invocation that wrote to it (command line, times, library versions,
                           platform, runs done and their run time)
    experiment.yaml        copy of the experiment file as run
    base_scenarios.json    each base scenario as resolved with the experiment's overrides (so a
                           refusal can say which fields changed)
    plan.txt               the run keys the latest invocation planned, one a line
    journal.jsonl          one JSON line per finished (or failed) run since the last compaction:
                           {"row": {...}, "steps": {"step": [...], "<outcome>": [...]}}
    runs.parquet           the compacted runs, one row per run
    steps.parquet          likewise for the per-step outcomes (run_key, step, outcomes)

**One model per store.** The manifest's identity is the experiment's content hash, the hash of
each resolved base scenario and the model's identity (package version and behavioural
fingerprint, :mod:`iei_sim.identity`). Opening a store for another one raises
``StoreMismatchError`` saying what changed; so does adding runs to a *legacy* store, written
before stores recorded base scenarios and model (it can still be read). Everything that varies
from one invocation to the next (times, durations, versions, the machine) is in the manifest
only: the journal lines carry each run's wall-clock ``duration_s``, but the tables (``runs()``,
``runs.parquet``) do not, so the same experiment gives byte-identical result files whoever runs
it, wherever and whenever.

A run counts as committed once its journal line is written: each line goes to the file in one
``os.write`` on an ``O_APPEND`` descriptor, so the process killed at any moment (SIGKILL,
Ctrl-C, a lost node) leaves either the whole line or a torn last line, never an interleaving, and
loses at most the runs in flight. Lines are not fsynced one by one: they survive the *process*
dying, not a power cut before the operating system flushes them; ``compact()`` and ``close()``
fsync. Reading ignores a torn (or unparsable) last line, and opening the store for writing cuts
it off so the next line starts clean; an unparsable line anywhere else is damage (a kill never
leaves one) and raises ``JournalCorruptError`` naming the file and line. ``repair()``
(``iei-sim results DIR --repair``) moves such lines, or an unreadable Parquet file, aside into
a new file in the store (nothing is deleted) and keeps the rest; rerunning the command then
recomputes the runs set aside. The journal is JSON as Python writes it: a NaN or infinite
outcome is the token ``NaN`` / ``Infinity`` and reads back exactly.

``compact()`` writes the union of the Parquet files and the journal to ``runs.parquet`` and
``steps.parquet`` (each atomically: a temporary file, fsynced, then renamed), then replaces the
journal by an empty file. Reading unions the Parquet files with the journal and keeps one row
per run key (the latest commit wins), so a kill between the two steps loses and duplicates
nothing; so does a full disk or a read-only folder at any step (the journal stays intact, and the
error names the file). Appends hold a shared ``flock`` on the journal, compaction (cutting off a
torn tail, rewriting the manifest) an exclusive one, so processes may commit to one store while
another compacts it.

The runner compacts when an experiment completes and when it is interrupted (Ctrl-C), so
``runs.parquet`` then holds every finished run; after a hard kill the runs since the last
compaction stay in the journal (``runs()`` includes them) until the next invocation compacts.
Query the Parquet files with DuckDB: ``SELECT * FROM 'DIR/runs.parquet' ...`` (see README).

Stores written by earlier versions kept one Parquet file per run under ``runs/`` and ``steps/``;
those are read too (between the compacted files and the journal), and ``compact()`` folds them in
and removes them.
"""

from __future__ import annotations

import errno
import fcntl
import json
import math
import os
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from iei_sim.atomic import atomic_write, atomic_write_bytes, atomic_write_text, fsync_dir
from iei_sim.errors import BadInputError, UserError

MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
BASE_SCENARIOS = "base_scenarios.json"
PLAN = "plan.txt"
RUN_TIME = "duration_s"  # in journal lines only: wall-clock, so never in the tables
_BLOCK = 1 << 16
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)
_FIELDS_SHOWN = 4  # changed fields a refusal names (the rest are counted)


class StoreMismatchError(BadInputError):
    """The folder holds runs of a different experiment, base scenario or model (exit 2)."""


class LegacyStoreError(StoreMismatchError):
    """Runs would be added to a store whose manifest does not record base scenarios and model."""


class StoreDamagedError(UserError):
    """A store file cannot be read; the message says which and what to do."""


class JournalCorruptError(StoreDamagedError):
    """A journal line other than the last does not parse (not something a kill can leave)."""


class StoreUnwritableError(UserError):
    """The store's folder cannot be written (read-only): what could not be done, and how to go
    on with a copy."""


def unwritable(root: Path, exc: OSError, missing: int = 0) -> StoreUnwritableError:
    """The error for a store folder that cannot be written (``missing`` runs still to do)."""
    where = exc.filename if exc.filename is not None else root
    what = (
        f"{missing} runs are missing and cannot be added there"
        if missing
        else f"{Path(where).name} cannot be written in {root}"
    )
    return StoreUnwritableError(
        f"{where}: {exc.strerror or exc}: {what}; its finished runs are kept (iei-sim results "
        f"{root} shows them): copy the folder somewhere writable and run the same command with "
        "--out set to the copy, which reuses them"
    )


@contextmanager
def tables_in(root: Path) -> Iterator[None]:
    """Writing a workflow's tables and figures into the store folder ``root``: a read-only
    folder ends in :func:`unwritable`'s message, not in a bare file error."""
    try:
        yield
    except OSError as exc:
        if exc.errno in _READ_ONLY:
            raise unwritable(root, exc) from None
        raise


def write_tables(root: Path, tables: dict[str, pd.DataFrame], outcomes: Iterable[str]) -> None:
    """A workflow's tables into ``root`` (six significant figures) with the outcome sidecar
    that gives each of ``outcomes`` its label and unit; call inside :func:`tables_in`."""
    from iei_sim.outcomes import OUTCOMES_SIDECAR, outcome_table

    for name, table in tables.items():
        table.to_csv(root / name, index=False, float_format="%.6g")
    outcome_table(list(outcomes)).to_csv(root / OUTCOMES_SIDECAR, index=False)


@dataclass
class RepairReport:
    """What ``ResultsStore.repair`` did."""

    runs: int  # runs kept (readable and complete)
    lines_set_aside: int = 0  # unreadable journal lines moved to ``journal_aside``
    journal_aside: Path | None = None
    files_set_aside: list[tuple[Path, Path, str]] = field(default_factory=list)  # from, to, why

    @property
    def repaired(self) -> bool:
        return bool(self.lines_set_aside or self.files_set_aside)


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
        self.legacy = False  # opened for an identity its manifest does not record (read only)
        self.read_only: OSError | None = None  # why the journal cannot be written, if it cannot
        self._invocation: str | None = None  # id of this invocation's record in the manifest

    # -- set-up ---------------------------------------------------------------------------

    def open(self, identity: dict[str, Any], experiment_text: str | None = None) -> None:
        """Create the store, or check that an existing one belongs to the same experiment,
        base scenarios and model (``StoreMismatchError`` before anything is written if not).

        ``identity`` is what the manifest records; its ``base_scenarios`` entries may carry the
        resolved ``scenario``, kept in ``base_scenarios.json`` rather than in the manifest. A
        legacy store (manifest without base scenarios and model) is left untouched: it reads,
        and :meth:`begin_invocation` refuses to add runs to it. A folder that cannot be written
        (read-only) is left untouched too, and refused there only if runs are to be added.
        """
        existing = self.manifest
        if existing:
            self.legacy = self.check(identity)
            if self.legacy:
                return
        else:  # a new store: never in a folder of the user's (OutputFolderError, exit 2)
            from iei_sim.output_folders import check_output_folder

            check_output_folder(self.root, "store")
        scenarios = identity.get("base_scenarios") or []
        identity = {**identity}
        if scenarios:
            identity["base_scenarios"] = [
                {k: v for k, v in b.items() if k != "scenario"} for b in scenarios
            ]
        self.root.mkdir(parents=True, exist_ok=True)
        if not existing:
            if any("scenario" in b for b in scenarios):
                kept = {b["file"]: b.get("scenario") for b in scenarios}
                atomic_write_text(self.root / BASE_SCENARIOS, _json(kept))
            atomic_write_text(self.root / MANIFEST, _json({**identity, "invocations": []}))
        resized = bool(existing) and existing.get("runs") != identity.get("runs")
        # a store from before design hashes were recorded gets its own (same experiment)
        dated = bool(existing) and "design_hash" in identity and "design_hash" not in existing
        if resized or dated:  # the sample size or replicates
            self._update_manifest(
                lambda m: m.update(
                    {
                        key: identity[key]
                        for key in ("runs", "content_hash", "design_hash")
                        if key in identity
                    }
                )
            )
        self.verify()
        try:
            fcntl.flock(self._locked(fcntl.LOCK_SH), fcntl.LOCK_UN)  # cuts a torn tail off
            experiment_file = self.root / "experiment.yaml"
            if experiment_text is not None and (resized or not experiment_file.exists()):
                atomic_write_text(experiment_file, experiment_text)  # (as last run: replicates)
        except OSError as exc:
            if exc.errno not in _READ_ONLY:
                raise
            self.read_only = exc  # (refused only if runs are to be added)

    def verify(self) -> None:
        """``StoreDamagedError`` if runs.parquet or steps.parquet is not a readable Parquet
        file (checked by its footer: cheap, and what a torn copy or a disk error breaks)."""
        for name in ("runs", "steps"):
            path = self.root / f"{name}.parquet"
            if path.exists():
                try:
                    pq.read_metadata(path)
                except (ValueError, pa.ArrowException) as exc:
                    raise self._damaged(path, exc) from None

    def check(self, identity: dict[str, Any]) -> bool:
        """Raise ``StoreMismatchError`` if the store holds runs of another experiment, base
        scenario or model than ``identity``'s, saying what changed; return whether it is a
        legacy store (no base scenarios or model recorded: it can be read, not added to)."""
        existing = self.manifest
        if not existing:
            return False
        same_design = existing.get("design_hash") is not None and existing.get(
            "design_hash"
        ) == identity.get("design_hash")  # other replicates of the same design: extended here
        if existing.get("content_hash") != identity.get("content_hash") and not same_design:
            raise StoreMismatchError(
                f"{self.root} holds results of a different experiment "
                f"({existing.get('name')}, {existing.get('content_hash')}); "
                "use another --out folder or delete this one"
            )
        if "model" in identity and "model" not in existing:
            return True
        changes = []
        old_bases = existing.get("base_scenarios") or []
        new_bases = identity.get("base_scenarios") or []
        if "base_scenarios" in identity and len(old_bases) == len(new_bases):
            dumps = {b.get("file"): b.get("scenario") for b in new_bases}
            for old, new in zip(old_bases, new_bases, strict=True):
                if old.get("hash") != new.get("hash"):
                    changes.append(self._scenario_change(old, new, dumps.get(new.get("file"))))
        if "model" in identity and existing["model"] != identity["model"]:
            was, now = existing["model"], identity["model"]
            changes.append(
                f"another model (iei-sim {was.get('iei_sim_version')}, fingerprint "
                f"{str(was.get('fingerprint'))[:12]}; installed: iei-sim "
                f"{now.get('iei_sim_version')}, fingerprint {str(now.get('fingerprint'))[:12]})"
            )
        if changes:
            raise StoreMismatchError(
                f"{self.root} holds runs of {' and of '.join(changes)}; adding runs would mix "
                f"two models in one table: run into another --out folder (keep this one to "
                "compare) or delete it"
            )
        return False

    def check_plan(self, identity: dict[str, Any], keys: Sequence[str]) -> None:
        """:meth:`check`, and for a legacy store whether runs of ``keys`` would have to be
        added to it (refused): what a command checks before it draws a progress bar."""
        self.legacy = self.check(identity)
        if self.legacy:
            finished = self.finished_keys()
            self.refuse_additions(sum(key not in finished for key in keys))

    def _scenario_change(self, old: dict, new: dict, now: dict | None) -> str:
        label = f"base scenario {new.get('label')} ({new.get('file')})"
        before = self.base_scenarios().get(new.get("file"))
        if not isinstance(before, dict) or now is None:
            return f"an earlier version of {label} (hash {old.get('hash')} → {new.get('hash')})"
        changed = _changed_fields(before, now)
        shown = ", ".join(changed[:_FIELDS_SHOWN])
        if len(changed) > _FIELDS_SHOWN:
            shown += f" and {len(changed) - _FIELDS_SHOWN} more"
        return f"an earlier version of {label}: {shown}"

    @property
    def manifest(self) -> dict[str, Any]:
        """The manifest ({} if there is none: not a store). ``StoreDamagedError`` if damaged."""
        path = self.root / MANIFEST
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            manifest = json.loads(text)
            if not isinstance(manifest, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            raise StoreDamagedError(
                f"{path} is damaged ({exc}): it records which experiment, base scenarios and "
                "model the runs belong to, which --repair cannot guess; restore it from a backup, "
                "or run the command again with another --out folder (the runs here can still be "
                f"read with ResultsStore('{self.root}').runs())"
            ) from None
        return manifest

    def base_scenarios(self) -> dict[str, Any]:
        """The resolved base scenarios the store was created with, by file ({} if unknown)."""
        try:
            data = json.loads((self.root / BASE_SCENARIOS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def planned(self) -> list[str] | None:
        """The run keys the latest invocation planned (``None``: not recorded)."""
        try:
            return (self.root / PLAN).read_text(encoding="ascii").split()
        except (OSError, ValueError):
            return None

    # -- provenance -------------------------------------------------------------------------

    def begin_invocation(self, planned: Sequence[str], todo: int) -> None:
        """Record this invocation (command line, start time, libraries, platform) in the
        manifest and the plan in ``plan.txt``, before ``todo`` runs are added. Refuses to add
        runs to a legacy store or to a folder that cannot be written."""
        self.refuse_additions(todo)
        if self.legacy or self.read_only is not None:
            return  # (nothing to add: the runs are read, nothing is written)
        from iei_sim.provenance import invocation, now

        keys = "".join(f"{key}\n" for key in planned)
        if self.planned() != list(planned):
            atomic_write_text(self.root / PLAN, keys)
        self._invocation = uuid.uuid4().hex[:12]
        record = invocation(
            now(),
            id=self._invocation,
            runs_planned=len(planned),
            runs_to_do=todo,
            runs_done=0,
            runs_failed=0,
            run_time_s=0.0,
            status="running",
        )
        self._update_manifest(lambda m: m.setdefault("invocations", []).append(record))

    def refuse_additions(self, todo: int) -> None:
        """Raise if ``todo`` runs are to be added to a legacy store (``LegacyStoreError``) or
        to a folder that cannot be written (``StoreUnwritableError``); nothing to add is fine."""
        if not todo:
            return
        if self.legacy:
            raise LegacyStoreError(
                f"{self.root} was written by an earlier iei-sim that did not record which "
                "model and base scenarios its runs come from: it can be read (iei-sim "
                f"results, discover) but not added to ({todo} runs missing); run into "
                "another --out folder"
            )
        if self.read_only is not None:
            raise unwritable(self.root, _named(self.read_only, self.journal), todo)

    def end_invocation(self, done: int, failed: int, run_time_s: float, status: str) -> None:
        """Complete this invocation's record: end time, runs done and failed, their run time."""
        if self._invocation is None:
            return
        from iei_sim.provenance import now

        ident, self._invocation = self._invocation, None

        def finish(manifest: dict[str, Any]) -> None:
            for record in manifest.get("invocations", []):
                if record.get("id") == ident:
                    record.update(
                        ended=now(),
                        runs_done=done,
                        runs_failed=failed,
                        run_time_s=round(run_time_s, 3),
                        status=status,
                    )

        self._update_manifest(finish)

    def _update_manifest(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Read, change and atomically rewrite the manifest under the journal's exclusive lock
        (two invocations writing at once lose neither's record)."""
        fd = self._locked(fcntl.LOCK_EX)
        try:
            manifest = self.manifest
            change(manifest)
            atomic_write_text(self.root / MANIFEST, _json(manifest))
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

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
        except OSError as exc:  # the torn line is cut off when the store is next opened
            raise _named(exc, self.journal) from exc
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
        if not legacy and _empty(self.journal):  # nothing to do (nor to write: read-only is fine)
            return
        fd = self._locked(fcntl.LOCK_EX)
        try:
            self._write_tables(self._journal_records(), legacy, fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        self._release(sync=False)  # (the replaced journal: everything in it is compacted)
        self._remove_per_run_files(legacy)

    def _write_tables(self, records: dict[str, dict[str, Any]], legacy: list[Path], fd: int):
        if records or legacy:
            runs, steps = self._runs_table(records), self._steps_table(records)
            if not runs.empty:
                atomic_parquet(runs, self.root / "runs.parquet")
            if not steps.empty:
                atomic_parquet(steps, self.root / "steps.parquet")
        if os.fstat(fd).st_size:
            atomic_write_text(self.journal, "")
            fsync_dir(self.root)

    def _remove_per_run_files(self, legacy: list[Path]) -> None:
        for part in legacy:
            part.unlink(missing_ok=True)
        for folder in (self.run_dir, self.step_dir):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()

    def repair(self) -> RepairReport:
        """Move unreadable journal lines into ``journal.damaged-<time>.jsonl`` and unreadable
        Parquet files to ``<name>.damaged-<time>.parquet`` (a readable partner set aside with
        it, since a run's row and steps go together), keep every readable run and compact.
        Nothing is deleted; rerunning the command recomputes the runs set aside."""
        if not self.manifest:
            raise BadInputError(f"{self.root}: not a results folder (no manifest.json)")
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        legacy = [p for d in (self.run_dir, self.step_dir) for p in sorted(d.glob("*.parquet"))]
        try:
            fd = self._locked(fcntl.LOCK_EX)  # (cuts a torn last line off: a kill's, not damage)
        except OSError as exc:
            if exc.errno in _READ_ONLY:
                raise StoreUnwritableError(
                    f"{exc.filename}: {exc.strerror}: a store cannot be repaired in a folder "
                    "that cannot be written; copy it somewhere writable and repair the copy"
                ) from None
            raise
        try:
            good, bad = _sort_lines(self.journal.read_bytes())
            report = RepairReport(0, len(bad))
            if bad:
                report.journal_aside = self.root / f"journal.damaged-{stamp}.jsonl"
                atomic_write_bytes(report.journal_aside, b"".join(bad))
            tables = [self.root / f"{name}.parquet" for name in ("runs", "steps")]
            unreadable = {p: _unreadable(p) for p in tables if p.exists()}
            if any(unreadable.values()):
                for path, why in unreadable.items():
                    kind = "damaged" if why else "set-aside"
                    target = path.with_name(f"{path.stem}.{kind}-{stamp}.parquet")
                    os.replace(path, target)
                    report.files_set_aside.append((path, target, why or "its partner is"))
            records: dict[str, dict[str, Any]] = {}
            for record in good:
                records.pop(record["row"]["run_key"], None)
                records[record["row"]["run_key"]] = record
            self._write_tables(records, legacy, fd)
            report.runs = len(self._runs_table({}))
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        self._release(sync=False)
        self._remove_per_run_files(legacy)
        return report

    def _locked(self, how: int) -> int:
        """The journal's descriptor, flock-ed (``LOCK_SH`` to append, ``LOCK_EX`` to rewrite),
        on the file at the journal's path now. The first time, under the exclusive lock (no
        append in progress anywhere), a torn tail left by a killed writer is cut off."""
        while True:
            if self._fd is None:
                self.root.mkdir(parents=True, exist_ok=True)
                try:
                    fd = os.open(self.journal, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
                except OSError as exc:
                    raise _named(exc, self.journal) from exc
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
            except OSError as exc:
                fcntl.flock(fd, fcntl.LOCK_UN)
                raise _named(exc, self.journal) from exc
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
        except OSError as exc:
            raise _named(exc, self.journal) from exc
        finally:
            os.close(fd)

    # -- reading ------------------------------------------------------------------------------

    def runs(self) -> pd.DataFrame:
        """One row per run key (the latest commit wins: a failed run retried successfully),
        sorted by point and replicate (then run key). No run times: they are in the manifest."""
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
        if RUN_TIME in journal.columns:
            journal = journal.drop(columns=RUN_TIME)
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
            frames.append(self._read_parquet(compacted))
        frames += [self._read_parquet(p) for p in sorted(folder.glob("*.parquet"))]
        frames.append(journal)
        frames = [f for f in frames if not f.empty]
        if not frames:
            return pd.DataFrame()
        table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if len(frames) > 1:  # a single source has one row per key already
            table = table.drop_duplicates(unique, keep="last")
        return table.sort_values(order, kind="stable").reset_index(drop=True)

    def _read_parquet(self, path: Path) -> pd.DataFrame:
        try:
            return pd.read_parquet(path)
        except (ValueError, pa.ArrowException) as exc:
            raise self._damaged(path, exc) from None

    def _damaged(self, path: Path, exc: Exception) -> StoreDamagedError:
        return StoreDamagedError(
            f"{path} cannot be read ({_one_line(exc)}); `iei-sim results {self.root} "
            "--repair` sets it aside (nothing is deleted) and keeps every other run; rerun "
            "the command afterwards to recompute its runs"
        )


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
                f"{path}: line {number + 1} is not a valid run record ({_one_line(exc)}); the "
                "journal is damaged (a kill only ever tears the last line): `iei-sim results "
                f"{path.parent} --repair` sets the unreadable lines aside and keeps every other "
                "run; rerun the command afterwards to recompute theirs"
            ) from None
        yield record


def _sort_lines(data: bytes) -> tuple[list[dict[str, Any]], list[bytes]]:
    """A journal's readable records, and its unreadable lines (each ending in a newline)."""
    good, bad = [], []
    lines = data.split(b"\n")
    if not lines[-1]:
        lines.pop()
    for line in lines:
        try:
            good.append(_parse(line))
        except ValueError:
            bad.append(line + b"\n")
    return good, bad


def _unreadable(path: Path) -> str:
    """Why a Parquet file cannot be read ('' if it can)."""
    try:
        pq.read_metadata(path)
        pd.read_parquet(path)
    except (ValueError, pa.ArrowException) as exc:
        return _one_line(exc)
    return ""


def _parse(line: bytes) -> dict[str, Any]:
    record = json.loads(line)
    if not isinstance(record, dict) or "run_key" not in (record.get("row") or {}):
        raise ValueError("not a run record")
    return record


def _changed_fields(before: Any, after: Any, prefix: str = "") -> list[str]:
    """``field old → new`` for every leaf that differs between two nested mappings."""
    if isinstance(before, dict) and isinstance(after, dict):
        changed = []
        for key in list(before) + [k for k in after if k not in before]:
            name = f"{prefix}{key}"
            if key not in after:
                changed.append(f"{name} {_shown(before[key])} → (absent)")
            elif key not in before:
                changed.append(f"{name} (absent) → {_shown(after[key])}")
            else:
                changed += _changed_fields(before[key], after[key], f"{name}.")
        return changed
    if before == after:
        return []
    return [f"{prefix.rstrip('.')} {_shown(before)} → {_shown(after)}"]


def _shown(value: Any) -> str:
    text = (
        json.dumps(value, ensure_ascii=False) if not isinstance(value, int | float) else str(value)
    )
    return text if len(text) <= 40 else text[:37] + "…"


def _empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _named(exc: OSError, path: Path) -> OSError:
    """``exc`` naming ``path`` if it names no file (``os.write`` on a descriptor, a handle's
    ``write``), so the one-line error says which file could not be written."""
    if exc.filename is not None:
        return exc
    named = OSError(exc.errno, exc.strerror or str(exc), str(path))
    named.__cause__ = exc
    return named


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


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


def atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` so that a reader (or a kill) sees the old or the new file,
    never a partial one; the data is on disk before the rename."""
    atomic_write(path, lambda handle: frame.to_parquet(handle, index=False))
