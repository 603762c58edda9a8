"""Figures, each a function of stored results (run tables), never of a live model.

The names below load on first use, so :mod:`iei_sim.plots.saving` (which the command line
imports for its ``--format`` option) does not pull in matplotlib.
"""

from importlib import import_module

_HOMES = {
    "active_network": "iei_sim.plots.network",
    "depth_ladder_counts": "iei_sim.plots.network",
    "depth_ladder_figure": "iei_sim.plots.network",
    "partnership_network_figure": "iei_sim.plots.network",
    "write_network_plots": "iei_sim.plots.network",
    "RUN_FIGURES": "iei_sim.plots.run_figures",
    "write_run_plots": "iei_sim.plots.run_figures",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'iei_sim.plots' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
