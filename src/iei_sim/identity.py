"""The model's identity: its version and a fingerprint of what it computes.

A results store records the identity of the model that produced its runs and refuses runs of
another, so that no table ever mixes two models. The version alone is not enough (it does not
change with every edit of a mechanism), so the identity adds a *behavioural fingerprint*: a hash
of the per-step outcomes, summaries and ledger of a small scenario shipped with the package
(``iei_sim/data/fingerprint.yaml``, every policy instrument switched on) for a few seeds. Any
change of behaviour changes it; a refactoring that changes no result leaves it alone.

Computing it takes a few simulated runs (well under a second plus the model's import), so it is
cached on disk, keyed by a digest of the package's source files and the versions of the
libraries that compute a run: under ``$IEI_SIM_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/iei-sim`` or ``~/.cache/iei-sim``. An unwritable cache only costs the
computation; within one process the fingerprint is computed (or read) once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from iei_sim import __version__, provenance

if TYPE_CHECKING:
    from iei_sim.scenario import Scenario

CACHE_ENV = "IEI_SIM_CACHE_DIR"
FINGERPRINT_SCENARIO = "data/fingerprint.yaml"
FINGERPRINT_SEEDS = 2
# The libraries whose versions can change a run's numbers (besides Python itself).
_COMPUTING = ("numpy", "scipy", "pandas", "mesa")


def outcomes_digest(scenarios: Iterable[Scenario], seeds: int) -> str:
    """SHA-256 of the per-step outcomes and summaries of seeds 0 … ``seeds`` - 1 of each
    scenario, and of the ledger of its seed 0: equal digests mean equal results."""
    from iei_sim.run import run_scenario, simulate_outcomes

    digest = hashlib.sha256()
    for scenario in scenarios:
        for seed in range(seeds):
            timeseries, summary = simulate_outcomes(scenario, seed)
            digest.update(timeseries.to_csv(index=False).encode())
            summary = {k: v for k, v in summary.items() if k != "iei_sim_version"}
            digest.update(json.dumps(summary, sort_keys=True, default=str).encode())
        digest.update(run_scenario(scenario, seed=0).ledger.to_csv(index=False).encode())
    return digest.hexdigest()


def compute_fingerprint() -> str:
    """The behavioural fingerprint, computed (no cache): :func:`outcomes_digest` of the
    packaged fingerprint scenario."""
    from iei_sim.scenario import load_scenario

    with resources.as_file(resources.files("iei_sim") / FINGERPRINT_SCENARIO) as path:
        scenario = load_scenario(path)
    return outcomes_digest([scenario], FINGERPRINT_SEEDS)


def source_key() -> str:
    """Digest of everything the fingerprint depends on: every file of the installed package
    (sources and data), the computing libraries' versions and Python's."""
    digest = hashlib.sha256()
    for name, data in _package_files(resources.files("iei_sim"), ""):
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    for library, version in library_versions().items():
        digest.update(f"{library}={version}\0".encode())
    digest.update(f"seeds={FINGERPRINT_SEEDS}".encode())
    return digest.hexdigest()


def _package_files(folder: Traversable, prefix: str) -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            if entry.name != "__pycache__":
                files += _package_files(entry, f"{name}/")
        elif not entry.name.endswith((".pyc", ".pyo")):
            files.append((name, entry.read_bytes()))
    return files


def library_versions() -> dict[str, str]:
    """The versions the fingerprint cache is keyed by (a new NumPy can change a result)."""
    return provenance.library_versions(_COMPUTING)


def cache_dir() -> Path | None:
    """Where the fingerprint is cached (``None``: nowhere to put it)."""
    if folder := os.environ.get(CACHE_ENV):
        return Path(folder)
    if base := os.environ.get("XDG_CACHE_HOME"):
        return Path(base) / "iei-sim"
    try:
        return Path.home() / ".cache" / "iei-sim"
    except RuntimeError:  # no home directory to be found
        return None


def cached_fingerprint(folder: Path | None) -> str:
    """The fingerprint from the cache in ``folder`` if it holds one for these sources and
    libraries, else computed and (if the folder is writable) cached there."""
    key = source_key()
    path = None if folder is None else folder / f"fingerprint-{key[:24]}.json"
    if path is not None:
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry.get("key") == key and isinstance(entry.get("fingerprint"), str):
                return entry["fingerprint"]
        except (OSError, ValueError, AttributeError):
            pass  # absent, unreadable or damaged: compute it again
    start = time.perf_counter()
    value = compute_fingerprint()
    if path is not None:
        entry = {
            "key": key,
            "fingerprint": value,
            "iei_sim_version": __version__,
            "libraries": library_versions(),
            "seconds": round(time.perf_counter() - start, 3),
        }
        _write_quietly(path, json.dumps(entry, indent=2) + "\n")
    return value


def _write_quietly(path: Path, text: str) -> None:
    """Write the cache entry atomically; a cache that cannot be written is no error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


@functools.cache
def fingerprint() -> str:
    """The installed model's behavioural fingerprint (cached on disk and in this process)."""
    return cached_fingerprint(cache_dir())


def package_version() -> str:
    return __version__


def model_identity() -> dict[str, str]:
    """What a results store records as the model its runs come from."""
    return {"iei_sim_version": package_version(), "fingerprint": fingerprint()}
