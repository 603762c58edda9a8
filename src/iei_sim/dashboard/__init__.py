"""The interactive dashboard: ``iei-sim dashboard [SCENARIO.yaml]`` serves a classroom page.

Modules: ``levers`` (controls ↔ scenario fields), ``model`` (the model Reset rebuilds),
``charts`` (projector-sized charts), ``components`` (status, levers, charts, network), ``page``
(the page), ``app`` (the Solara app module), ``server`` (serves it behind ``guard``, which
refuses other web sites),
``hosts`` (which addresses and host names are allowed) and ``assets`` (Solara's front end for
machines without access to its CDN); the command itself is :mod:`iei_sim.cli.dashboard`. This
package module stays light: ``iei-sim`` imports the command on every call, so Mesa and Solara
load only when needed.
"""

from __future__ import annotations

from pathlib import Path

# The scenario file the served page uses (set by ``iei-sim dashboard``).
SCENARIO_ENV = "IEI_SIM_DASHBOARD_SCENARIO"
SMALL = Path("scenarios") / "small.yaml"

__all__ = ["SCENARIO_ENV", "DashboardModel", "default_scenario", "make_page"]


def default_scenario() -> Path:
    """``scenarios/small.yaml`` of the working folder, else the copy shipped in the package."""
    if SMALL.is_file():
        return Path.cwd() / SMALL
    from iei_sim.package_data import scenario_path

    return scenario_path(SMALL.name)


def __getattr__(name: str):
    # Mesa and Solara load on first use only (see the module docstring).
    if name == "DashboardModel":
        from iei_sim.dashboard.model import DashboardModel

        return DashboardModel
    if name == "make_page":
        from iei_sim.extras import needs_extra

        with needs_extra("dashboard"):  # Solara and Mesa's visualisation
            from iei_sim.dashboard.page import make_page

        return make_page
    raise AttributeError(f"module 'iei_sim.dashboard' has no attribute {name!r}")
