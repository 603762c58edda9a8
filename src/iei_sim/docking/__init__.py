"""Docking with evolutionary game theory (Axtell et al. 1996): replicator ODE vs ABM.

- :mod:`~iei_sim.docking.game`: game files (``games/*.yaml``), validated like scenarios;
- :mod:`~iei_sim.docking.expressions`: the safe payoff arithmetic;
- :mod:`~iei_sim.docking.replicator`: the replicator equations, rest points, stability;
- :mod:`~iei_sim.docking.abm`: the docking-mode Mesa model (proportional imitation);
- :mod:`~iei_sim.docking.experiment`: both side by side, written to a folder;
- :mod:`~iei_sim.docking.bridge`: the full model's firm decision as game parameters;

The ``iei-sim dock`` command is :mod:`iei_sim.cli.dock`. The validation report built on them
(``docs/validation.md``, ``make validation``) is ``tools/validation_report.py`` in the source
checkout, not part of the package.
"""

from iei_sim.docking.game import Game, load_game, validate_game

__all__ = ["Game", "load_game", "validate_game"]
