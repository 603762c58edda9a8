"""Docking with evolutionary game theory (Axtell et al. 1996): replicator ODE vs ABM.

- :mod:`~iei_sim.docking.game`: game files (``games/*.yaml``), validated like scenarios;
- :mod:`~iei_sim.docking.expressions`: the safe payoff arithmetic;
- :mod:`~iei_sim.docking.replicator`: the replicator equations, rest points, stability;
- :mod:`~iei_sim.docking.abm`: the docking-mode Mesa model (proportional imitation);
- :mod:`~iei_sim.docking.experiment`: both side by side, written to a folder;
- :mod:`~iei_sim.docking.bridge`: the full model's firm decision as game parameters (a
  consistency check, not evidence);
- :mod:`~iei_sim.docking.mean_field`: ``IEIModel`` itself against the mean field of its own
  decision rule, year by year;

The ``iei-sim dock`` command is :mod:`iei_sim.cli.dock`. The validation report built on them
(``docs/validation.md``, ``make validation``) is ``tools/validation_report.py`` in the source
checkout, not part of the package.
"""

# The docking ABM's largest chance that an agent revises its strategy in one step (here, in the
# light package module, so that `iei-sim dock --help` reads its default without pydantic or Mesa).
DEFAULT_REVISION_PROBABILITY = 0.02

__all__ = ["DEFAULT_REVISION_PROBABILITY", "Game", "load_game", "validate_game"]


def __getattr__(name: str):
    # Game files are pydantic models: load them on first use (see above).
    if name in ("Game", "load_game", "validate_game"):
        from iei_sim.docking import game

        return getattr(game, name)
    raise AttributeError(f"module 'iei_sim.docking' has no attribute {name!r}")
