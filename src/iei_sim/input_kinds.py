"""Which kind of input a YAML file is: a scenario, an experiment or a game, read from its
top-level keys (``levers:``/``base:`` make an experiment, ``payoffs:``/``populations:`` a game),
so that a file handed to the wrong command is named for what it is, in one line, instead of
one "unknown field" line per key.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from iei_sim.errors import InputError

# The schemas and the YAML reader load on first use: the commands import this module, and
# `iei-sim --help` must not load pydantic.


class InputKind(StrEnum):
    """The three kinds of YAML input, with the commands that take each."""

    SCENARIO = "scenario"
    EXPERIMENT = "experiment"
    GAME = "game"

    @property
    def commands(self) -> str:
        return {
            InputKind.SCENARIO: "`iei-sim run` (or `patterns`, `compare`)",
            InputKind.EXPERIMENT: "`iei-sim sweep` (or `sensitivity` for its `method` section)",
            InputKind.GAME: "`iei-sim dock`",
        }[self]


def _distinctive_keys() -> dict[InputKind, set[str]]:
    """Top-level keys only one kind of file has (``name`` and ``description`` are shared)."""
    from iei_sim.docking.game import GameFile
    from iei_sim.experiments.spec import Experiment
    from iei_sim.scenario import Scenario
    from iei_sim.scenario.loading import EXTENDS

    scenario = set(Scenario.model_fields) | {EXTENDS}
    experiment = set(Experiment.model_fields)
    game = set(GameFile.model_fields)
    return {
        InputKind.SCENARIO: scenario - experiment - game,
        InputKind.EXPERIMENT: experiment - scenario - game,
        InputKind.GAME: game - scenario - experiment,
    }


def kind_of_data(data: dict[str, Any]) -> InputKind:
    """The kind whose distinctive keys the data has most of; a scenario when none or a tie (so
    a scenario with typos is still validated, and named, as a scenario)."""
    keys = {str(k) for k in data}
    counts = {kind: len(keys & distinct) for kind, distinct in _distinctive_keys().items()}
    best = max(counts.values())
    if best == 0 or counts[InputKind.SCENARIO] == best:
        return InputKind.SCENARIO
    leaders = [kind for kind, count in counts.items() if count == best]
    return leaders[0] if len(leaders) == 1 else InputKind.SCENARIO


def kind_of_file(path: Path) -> InputKind:
    """The kind of a YAML file; a scenario if it cannot be read (the scenario loader then says
    why, in its own words)."""
    from iei_sim.scenario.loading import read_yaml_file

    try:
        data = read_yaml_file(path)
    except InputError:
        return InputKind.SCENARIO
    return kind_of_data(data)


def other_kind_message(data: dict[str, Any], wanted: InputKind) -> str | None:
    """Why data of another kind is not a ``wanted`` file, naming the command that takes it;
    None if it is of that kind, or has any key only a ``wanted`` file has (then it is a
    ``wanted`` file with mistakes, and each is named on its own)."""
    kind = kind_of_data(data)
    if kind is wanted or {str(k) for k in data} & _distinctive_keys()[wanted]:
        return None
    article = "an" if kind is InputKind.EXPERIMENT else "a"
    wanted_article = "an" if wanted is InputKind.EXPERIMENT else "a"
    return (
        f"is {article} {kind.value} file, not {wanted_article} {wanted.value} file; "
        f"use {kind.commands}"
    )
