"""iei-sim: agent-based simulator of school–enterprise cooperation (industry–education integration)."""

__version__ = "0.1.0"

from iei_sim.errors import InputError

__all__ = [
    "IEIModel",
    "InputError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run_scenario",
]


def __getattr__(name: str):
    # The model and runner import Mesa, the scenario schema pydantic: load them on first use so
    # `import iei_sim` (and `iei-sim --help`) stays quick.
    if name in ("Scenario", "ScenarioError", "load_scenario"):
        from iei_sim import scenario

        return getattr(scenario, name)
    if name == "IEIModel":
        from iei_sim.model import IEIModel

        return IEIModel
    if name in ("run_scenario", "RunResult"):
        from iei_sim import run

        return getattr(run, name)
    raise AttributeError(f"module 'iei_sim' has no attribute {name!r}")
