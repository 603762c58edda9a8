"""The optional parts of iei-sim and the extra that installs each.

``pip install iei-sim`` installs what ``validate``, ``run``, ``outcomes``, ``patterns``,
``compare``, ``sweep``, ``results``, ``sensitivity``, ``diagnose crn`` and ``dock`` need. The
rest comes with an extra (``pip install 'iei-sim[all]'`` installs every one):

- ``cluster`` (dask[distributed]): ``--dask-address``, runs on a Dask cluster;
- ``discovery`` (ema-workbench): ``iei-sim discover``, PRIM scenario discovery;
- ``store`` (duckdb): SQL over a results store's Parquet files (notebooks, README);
- ``dashboard`` (mesa[viz], starlette, uvicorn, websockets): ``iei-sim dashboard``.

Code that needs one imports it where it is used, inside :func:`needs_extra`, or checks first
with :func:`check_extra`; either raises :class:`MissingExtraError`, which the command line
prints as one line naming the extra to install.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager

from iei_sim.errors import UserError

# extra -> (what needs it, the modules it provides that iei-sim imports)
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cluster": ("`--dask-address` (runs on a Dask cluster)", ("dask", "distributed")),
    "discovery": ("`iei-sim discover` (scenario discovery)", ("ema_workbench",)),
    "store": ("SQL over a results store", ("duckdb",)),
    "dashboard": (
        "`iei-sim dashboard`",
        ("solara", "altair", "starlette", "uvicorn", "websockets"),
    ),
}


class MissingExtraError(UserError, ImportError):
    """An optional dependency is not installed (exit status 1): the message names the extra
    and the pip command that installs it. An :class:`ImportError` too, so code that copes with
    a missing import copes with this one."""


def missing_extra(extra: str, cause: ImportError | None = None) -> MissingExtraError:
    """The error for ``extra`` not being installed; ``cause`` (the failed import) is named when
    the extra is there only in part (one of its own dependencies is missing)."""
    feature, modules = EXTRAS[extra]
    message = f"{feature} needs the {extra} extra: pip install 'iei-sim[{extra}]'"
    name = getattr(cause, "name", None)
    if name and name.split(".")[0] not in modules:
        message += f" ({name} is missing)"
    return MissingExtraError(message)


@contextmanager
def needs_extra(extra: str) -> Iterator[None]:
    """Run the imports inside as ``extra``'s: one that fails raises :class:`MissingExtraError`."""
    try:
        yield
    except MissingExtraError:
        raise
    except ImportError as exc:
        raise missing_extra(extra, exc) from exc


def installed(module: str) -> bool:
    """Whether ``module`` can be found, without importing it (so without its import time)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package that fails, a module without a spec
        return False


def check_extra(extra: str) -> None:
    """Raise :class:`MissingExtraError` unless every module of ``extra`` can be found (a cheap
    check before work that would need it later, or in another process)."""
    for module in EXTRAS[extra][1]:
        if not installed(module):
            raise missing_extra(extra)
