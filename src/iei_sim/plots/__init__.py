"""Figures, each a function of stored results (run tables), never of a live model."""

from iei_sim.plots.network import (
    active_network,
    depth_ladder_counts,
    depth_ladder_figure,
    partnership_network_figure,
    write_network_plots,
)
from iei_sim.plots.run_figures import RUN_FIGURES, write_run_plots

__all__ = [
    "RUN_FIGURES",
    "active_network",
    "depth_ladder_counts",
    "depth_ladder_figure",
    "partnership_network_figure",
    "write_network_plots",
    "write_run_plots",
]
