"""Figures, each a function of stored results (a timeseries table), never of a live model."""

from iei_sim.plots.run_figures import RUN_FIGURES, write_run_plots

__all__ = ["RUN_FIGURES", "write_run_plots"]
