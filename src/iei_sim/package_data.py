"""Data files shipped inside the package (``iei_sim/data/``), found with ``importlib.resources``.

No module reaches into a source checkout: what the package's own code falls back on when it is
given no file travels with it. ``data/scenarios/`` holds copies of the checkout's
``scenarios/baseline.yaml`` (the docking bridge's default), ``small.yaml`` (the dashboard's and
the CRN diagnostic's default) and ``intern_subsidy.yaml`` (a CRN case), byte for byte:
``tests/test_package_data.py`` fails if a copy differs from its original. ``small.yaml`` and
``intern_subsidy.yaml`` ``extends: baseline.yaml``, which resolves beside them, so the folder is
used as one piece. ``data/fingerprint.yaml`` (:mod:`iei_sim.identity`) exists only here.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
from importlib import resources
from pathlib import Path

DATA = "data"
SCENARIOS = "scenarios"
# The checkout's scenario files the package ships a copy of.
PACKAGED_SCENARIOS: tuple[str, ...] = ("baseline.yaml", "small.yaml", "intern_subsidy.yaml")


@functools.cache
def scenarios_folder() -> Path:
    """The packaged ``scenarios`` folder as a directory on disk.

    An installed package is already on disk and this is its folder; a zipped one is extracted
    once, to a temporary folder removed when the interpreter exits.
    """
    folder = resources.files("iei_sim").joinpath(DATA, SCENARIOS)
    stack = contextlib.ExitStack()
    atexit.register(stack.close)
    return stack.enter_context(resources.as_file(folder))


def scenario_path(name: str) -> Path:
    """The packaged scenario file ``name`` (one of :data:`PACKAGED_SCENARIOS`)."""
    if name not in PACKAGED_SCENARIOS:
        raise ValueError(f"no packaged scenario {name!r}; the package ships {PACKAGED_SCENARIOS}")
    return scenarios_folder() / name
