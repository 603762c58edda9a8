"""Output folders: iei-sim writes only where it may, and never removes what it did not write.

Every command with ``--out`` checks its folder *before* any work is done:

- the current folder, any folder above it, the home folder and the file-system root are
  refused (``--out .`` must never replace a working directory);
- an existing file is refused (a folder is expected);
- a folder that does not exist or is empty is used;
- a folder iei-sim wrote earlier (of the same kind: a run folder, a docking folder, a results
  store) is used: a run or docking folder is *replaced*, a results store is *resumed*;
- any other non-empty folder is refused with exit status 2, unless ``--force`` is given: then
  the results are written into it beside what it holds, and a file of the user's that has the
  name of one of ours is refused rather than overwritten.

A run or docking folder is replaced by a real atomic swap: the new folder is written aside
(``.<name>.staging-*``), the old one renamed aside (``.<name>.old-*``), the new one renamed in,
then the old one deleted — and only when every file in it is one iei-sim wrote (its
``manifest.json`` lists them). A kill at any moment leaves either the old or the new folder in
place, and the next write into the same parent cleans up what a killed write left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from iei_sim.atomic import fsync_dir
from iei_sim.errors import BadInputError

MANIFEST = "manifest.json"
STAGING_MARK = ".iei-sim-staging"

FolderKind = Literal["run", "dock", "store"]

# What the folders of earlier versions (no manifest) held: recognised as ours by their files.
_LEGACY_FILES: dict[str, tuple[set[str], set[str]]] = {
    # kind: (files that must all be there, every file such a folder may hold)
    "run": (
        {"summary.json", "timeseries.csv", "scenario.resolved.yaml"},
        {
            "summary.json",
            "timeseries.csv",
            "scenario.resolved.yaml",
            "ledger.csv",
            "firms.csv",
            "schools.csv",
            "partnerships.csv",
        },
    ),
    "dock": (
        {"equilibrium.json", "game.resolved.yaml"},
        {
            "equilibrium.json",
            "game.resolved.yaml",
            "trajectories.csv",
            "corners.csv",
            "trajectories.png",
        },
    ),
}

_STORE_FILES = {"journal.jsonl", "runs.parquet", "steps.parquet", "experiment.yaml"}

_DESCRIBED = {"run": "a run folder", "dock": "a docking folder", "store": "a results store"}


class OutputFolderError(BadInputError):
    """An ``--out`` that is refused before anything is run or written."""


@dataclass(frozen=True)
class FolderState:
    """What an existing ``--out`` holds: whose it is, and any files iei-sim did not write."""

    path: Path
    exists: bool
    kind: str | None  # "run", "dock", "store" when iei-sim wrote it; None otherwise
    ours: frozenset[str]  # relative paths of the files iei-sim wrote there
    foreign: tuple[str, ...]  # relative paths of everything else (files and empty folders)


def check_output_folder(out_dir: str | Path, kind: FolderKind, force: bool = False) -> Path:
    """Refuse an ``--out`` that would put a user's files at risk; return its resolved path.

    Call it before the work, so that a refusal costs nothing and leaves everything untouched.
    """
    path = _resolved(out_dir)
    state = inspect_folder(path)
    if not state.exists:
        return path
    if state.kind is not None and state.kind != kind:
        raise OutputFolderError(
            f"{out_dir}: is {_DESCRIBED[state.kind]}, not {_DESCRIBED[kind]}; "
            "give another --out folder"
        )
    if state.foreign and not force:
        shown = ", ".join(state.foreign[:5]) + (" …" if len(state.foreign) > 5 else "")
        what = (
            "is not empty and was not written by iei-sim"
            if state.kind is None
            else f"is {_DESCRIBED[kind]} that also holds files iei-sim did not write"
        )
        raise OutputFolderError(
            f"{out_dir}: {what} ({shown}); nothing was written. Give an empty or new folder, "
            "or --force to write beside those files (they are never removed or overwritten)"
        )
    return path


def _resolved(out_dir: str | Path) -> Path:
    """The absolute path, refused when it is (or contains) the current, home or root folder."""
    path = Path(out_dir).expanduser()
    resolved = path.resolve()
    cwd = Path.cwd().resolve()
    protected = {Path(resolved.anchor), Path.home().resolve()}
    if resolved == cwd or resolved in cwd.parents:
        raise OutputFolderError(
            f"{out_dir}: is the current folder or a folder above it; results go into a folder "
            "of their own (e.g. --out results/my-run)"
        )
    if resolved in protected:
        raise OutputFolderError(
            f"{out_dir}: is the home or root folder; results go into a folder of their own"
        )
    if resolved.exists() and not resolved.is_dir():
        raise OutputFolderError(f"{out_dir}: is a file, not a folder; give a folder for --out")
    return resolved


def inspect_folder(path: Path) -> FolderState:
    """Whose folder ``path`` is and which of its entries iei-sim did not write."""
    if not path.exists():
        return FolderState(path, False, None, frozenset(), ())
    entries = _entries(path)
    if not entries:
        return FolderState(path, True, None, frozenset(), ())
    manifest = _read_manifest(path)
    kind: str | None = None
    ours: set[str] = set()
    if manifest is None and (
        (MANIFEST in entries and entries & _STORE_FILES) or entries <= _STORE_FILES
    ):
        # A results store whose manifest is damaged: the store reports that itself (and how
        # to go on); it is not a user's folder.
        return FolderState(path, True, "store", frozenset(entries), ())
    if manifest is not None:
        if isinstance(manifest.get("files"), list) and manifest.get("kind") in ("run", "dock"):
            kind = manifest["kind"]
            ours = {str(f) for f in manifest["files"]} | {MANIFEST}
        elif "content_hash" in manifest:  # a results store: everything in it is the store's
            return FolderState(path, True, "store", frozenset(entries), ())
    else:
        kind = _legacy_kind(entries)
        if kind is not None:
            allowed = _LEGACY_FILES[kind][1]
            ours = {e for e in entries if e in allowed or _legacy_plot(kind, e)}
    if kind is None:
        return FolderState(path, True, None, frozenset(), tuple(sorted(entries)))
    foreign = tuple(sorted(e for e in entries if e not in ours))
    return FolderState(path, True, kind, frozenset(ours & set(entries)), foreign)


def _entries(path: Path) -> set[str]:
    """Relative paths of every file (and empty folder) under ``path``."""
    found: set[str] = set()
    for root, dirs, files in os.walk(path):
        rel = Path(root).relative_to(path)
        for name in files:
            found.add(str(rel / name) if rel.parts else name)
        if not dirs and not files and rel.parts:
            found.add(str(rel) + "/")
    return found


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _legacy_kind(entries: set[str]) -> str | None:
    for kind, (required, _) in _LEGACY_FILES.items():
        if required <= entries:
            return kind
    return None


def _legacy_plot(kind: str, entry: str) -> bool:
    return kind == "run" and entry.startswith("plots/") and entry.endswith(".png")


# ---------------------------------------------------------------------------------------------
# Writing a run or docking folder


@contextlib.contextmanager
def staged_folder(
    out_dir: str | Path,
    kind: Literal["run", "dock"],
    manifest: dict[str, Any] | None = None,
    force: bool = False,
) -> Iterator[Path]:
    """Yield a staging folder to fill; on success it takes ``out_dir``'s place atomically.

    ``manifest`` (provenance, identity) is written into the folder as ``manifest.json``
    together with the list of files written, which is how a later write knows what it may
    replace. On any error or interrupt the staging folder is removed and ``out_dir`` is
    untouched. ``force``: write beside the files of a folder iei-sim did not write.
    """
    target = check_output_folder(out_dir, kind, force)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_stale(parent, target.name)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=parent))
    mark = os.open(staging / STAGING_MARK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(mark, fcntl.LOCK_EX)  # a cleaner never removes a staging folder in use
        try:
            yield staging
            os.unlink(staging / STAGING_MARK)
            files = sorted(_entries(staging))
            record = {"kind": kind, **(manifest or {}), "files": files}
            (staging / MANIFEST).write_text(json.dumps(record, indent=2) + "\n", "utf-8")
            _fsync_tree(staging)
            os.chmod(staging, 0o755)  # mkdtemp makes folders private; results are for sharing
            state = inspect_folder(target)  # again: the folder may have changed meanwhile
            if state.exists and state.foreign:
                _write_beside(staging, target, state, kind, force)
                shutil.rmtree(staging)
            else:
                _swap_in(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        os.close(mark)


def _swap_in(staging: Path, target: Path) -> None:
    """Rename the old folder aside, the new one in, then delete the old one (if all ours)."""
    if not target.exists():
        os.rename(staging, target)
        fsync_dir(target.parent)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rmdir(old)  # a unique name for the rename (rename cannot replace a non-empty folder)
    os.rename(target, old)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(old, target)
        raise
    fsync_dir(target.parent)
    _remove_if_ours(old)


def _write_beside(staging: Path, target: Path, state: FolderState, kind: str, force: bool) -> None:
    """``--force`` into a folder holding files of the user's: move ours in one by one, remove
    only files an earlier iei-sim write left there, never touch the others."""
    if not force:  # files appeared after the check: say so instead of deleting anything
        raise OutputFolderError(
            f"{target}: files iei-sim did not write appeared while it was writing "
            f"({', '.join(state.foreign[:5])}); nothing was replaced"
        )
    new = _entries(staging)
    clash = sorted(e for e in new if e in state.foreign)
    if clash:
        raise OutputFolderError(
            f"{target}: holds files of its own named like the results ({', '.join(clash[:5])}); "
            "they are not overwritten: give another --out folder"
        )
    for entry in [*sorted(new - {MANIFEST}), MANIFEST]:  # the manifest last
        source, destination = staging / entry, target / entry
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, destination)
    for entry in sorted(state.ours - new):  # files of an earlier run that this one lacks
        (target / entry).unlink(missing_ok=True)
    fsync_dir(target)


def _remove_if_ours(folder: Path) -> bool:
    """Delete ``folder`` if every file in it is one iei-sim wrote; else keep it and say so."""
    state = inspect_folder(folder)
    if state.kind is not None and not state.foreign:
        shutil.rmtree(folder)
        return True
    import warnings

    warnings.warn(
        f"kept the earlier folder as {folder}: it holds files iei-sim did not write",
        RuntimeWarning,
        stacklevel=3,
    )
    return False


def clean_stale(parent: Path, name: str) -> None:
    """Remove what a killed write of ``parent/name`` left: staging folders no process is
    writing (they carry a locked mark while in use) and old folders already replaced; an old
    folder whose replacement never arrived is renamed back into place."""
    target = parent / name
    for staging in parent.glob(f".{name}.staging-*"):
        mark = staging / STAGING_MARK
        if not staging.is_dir() or not mark.exists():
            continue
        try:
            fd = os.open(mark, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another process is writing it
            os.close(fd)
            continue
        try:
            shutil.rmtree(staging, ignore_errors=True)
        finally:
            os.close(fd)
    for old in sorted(parent.glob(f".{name}.old-*")):
        if not old.is_dir():
            continue
        if not target.exists():
            os.rename(old, target)  # killed between the two renames: put the old folder back
        else:
            with contextlib.suppress(OSError):
                _remove_if_ours(old)


def _fsync_tree(folder: Path) -> None:
    for root, _, files in os.walk(folder):
        for name in files:
            fd = os.open(Path(root) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(root))


# ---------------------------------------------------------------------------------------------
# Single output files (``patterns --out table.csv``)


def check_output_file(out_file: str | Path, header: str) -> Path:
    """Refuse a file ``--out`` that is a folder, or an existing file iei-sim did not write (its
    first line is not ``header``)."""
    path = Path(out_file).expanduser().resolve()
    if path.is_dir():
        raise OutputFolderError(f"{out_file}: is a folder; give a file name (e.g. table.csv)")
    if path.exists():
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                first = handle.readline().rstrip("\r\n")
        except OSError:
            first = ""
        if first != header:
            raise OutputFolderError(
                f"{out_file}: exists and was not written by this command; it is not "
                "overwritten: give another file name"
            )
    return path
