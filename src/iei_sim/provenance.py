"""Where a result came from: library versions, command line, platform and times.

Recorded in manifests only (a run folder's ``manifest.json``, a results store's
``manifest.json``), never in the result files themselves, so ``summary.json``,
``timeseries.csv`` and the other result files stay byte-identical for the same scenario and
seed whoever ran them, wherever and when.
"""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from iei_sim import __version__

# The libraries whose versions can change a result or how it is stored.
LIBRARIES = (
    "mesa",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "pydantic",
    "PyYAML",
    "SALib",
    "matplotlib",
    "networkx",
    "dask",
    "distributed",
    "ema_workbench",
    "duckdb",
)


def now() -> str:
    """The current time in UTC, ISO 8601 to the second (``2026-12-02T03:30:38Z``)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    """Python's, iei-sim's and the installed versions of ``names`` ("not installed" for a
    missing one)."""
    versions = {"python": platform.python_version(), "iei-sim": __version__}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def platform_facts() -> dict[str, str]:
    """The machine a result was computed on (results do not depend on it; this is for audits)."""
    return {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "python_implementation": platform.python_implementation(),
    }


def invocation(started: str, ended: str | None = None, **extra: Any) -> dict[str, Any]:
    """One record of what produced a result: command line, times, libraries, platform."""
    record: dict[str, Any] = {
        "command": list(sys.argv),
        "started": started,
        "ended": ended,
        "libraries": library_versions(),
        "platform": platform_facts(),
    }
    record.update(extra)
    return record
