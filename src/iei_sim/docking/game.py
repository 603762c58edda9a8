"""Game files (``games/*.yaml``): the evolutionary games of the IEI literature, as data.

A game names two to four populations (school, firm, government, …), each with exactly two
strategies (the first is the one whose share is tracked: cooperate, support, inspect, …),
numeric parameters, one payoff entry per strategy profile (numbers or safe arithmetic of the
parameters, see :mod:`iei_sim.docking.expressions`), the initial share playing each
population's first strategy, and an ODE horizon.

Files are validated like scenarios: every problem becomes one
:class:`iei_sim.validation.Problem` (file, dotted field such as
``payoffs.cooperate,defect.firm``, what is wrong and what is allowed), gathered into one
:class:`~iei_sim.errors.InputError`, so the CLI prints both the same way.
"""

from __future__ import annotations

import itertools
import keyword
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from iei_sim.docking.expressions import ExpressionError, allowed_text, evaluate
from iei_sim.errors import InputError
from iei_sim.input_kinds import InputKind, other_kind_message
from iei_sim.scenario.loading import read_yaml_file
from iei_sim.validation import Problem, check_name, suggestion, translate_validation_error

MIN_POPULATIONS, MAX_POPULATIONS = 2, 4
MAX_HORIZON = 10_000.0


def _number_only(value: Any) -> Any:
    """Numbers only: YAML's ``true`` or a quoted ``"1.5"`` is a mistake, not a number."""
    if isinstance(value, bool | str):
        raise ValueError(f"must be a number (got {value!r})")
    return value


def _number_or_text(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"must be a number or an expression in quotes (got {value!r})")
    return value


Number = Annotated[float, BeforeValidator(_number_only)]
PayoffValue = Annotated[float | str, BeforeValidator(_number_or_text)]


class GameFile(BaseModel):
    """The raw file, checked field by field before the cross-field checks of :func:`load_game`."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: Annotated[str, AfterValidator(check_name)] | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
        description="short name, used as the output folder (default: file stem)",
    )
    description: str = Field("", description="what the game stands for")
    populations: dict[str, list[str]] = Field(
        description="population name: [first strategy, second strategy]"
    )
    parameters: dict[str, Number] = Field(default_factory=dict, description="parameter name: value")
    payoffs: dict[str, dict[str, PayoffValue]] = Field(
        description="'strategy,strategy,…' (population order): {population: number or expression}"
    )
    initial: dict[str, Annotated[Number, Field(ge=0.0, le=1.0)]] = Field(
        description="population: share playing its first strategy at time 0"
    )
    horizon: Annotated[Number, Field(gt=0.0, le=MAX_HORIZON)] = Field(
        description="ODE time units to integrate"
    )


# Allowed values in words, by field (and for everything under it): the schema's types say too
# little of what a game's mappings hold.
ALLOWED = {
    "name": "letters, digits, _ . - (not starting with . or -, no '..'): it names the output "
    "folder",
    "description": "text",
    "populations": "a mapping of population name: [first strategy, second strategy] "
    f"({MIN_POPULATIONS} to {MAX_POPULATIONS} populations)",
    "parameters": "a mapping of name: number",
    "payoffs": "a mapping of 'strategy,strategy,…' (one per population, in order): "
    "{population: number or expression}",
    "initial": "a mapping of population: share playing its first strategy, a number in [0, 1]",
    "horizon": f"a number > 0 and <= {MAX_HORIZON:g} (ODE time units)",
}


@dataclass(frozen=True, eq=False)
class Game:
    """A validated game: payoffs as one array per population, indexed by strategy profile.

    ``table[p][s_0, …, s_{P-1}]`` is population ``p``'s payoff when population ``q`` plays its
    strategy ``s_q`` (0 = first, 1 = second). Shares ``x[p]`` are of the *first* strategy.
    """

    name: str
    description: str
    source: str
    populations: tuple[str, ...]
    strategies: tuple[tuple[str, str], ...]
    parameters: dict[str, float]
    payoff_spec: dict[tuple[int, ...], dict[str, float | str]]
    table: np.ndarray
    initial: np.ndarray
    horizon: float
    _range: float = field(init=False, repr=False, default=0.0)

    def __post_init__(self) -> None:
        spans = [float(np.ptp(self.table[p])) for p in range(self.n_populations)]
        object.__setattr__(self, "_range", max(spans))

    @property
    def n_populations(self) -> int:
        return len(self.populations)

    @property
    def profiles(self) -> list[tuple[int, ...]]:
        """Every pure-strategy profile, first strategies first (0 = first strategy)."""
        return list(itertools.product((0, 1), repeat=self.n_populations))

    @property
    def payoff_range(self) -> float:
        """Largest payoff spread (max − min) of any population: the imitation rule's scale."""
        return self._range

    def profile_name(self, profile: tuple[int, ...]) -> str:
        return ",".join(self.strategies[p][s] for p, s in enumerate(profile))

    def strategy_payoffs(self, x: np.ndarray) -> np.ndarray:
        """Expected payoff of each population's two strategies against the others' shares.

        Returns shape (P, 2). Each population meets one random member of every other
        population, so the expectation is multilinear in the other populations' shares.
        """
        x = np.asarray(x, dtype=float)
        out = np.empty((self.n_populations, 2))
        for p in range(self.n_populations):
            t = self.table[p]
            for q in reversed(range(self.n_populations)):
                if q != p:  # contracting from the last axis keeps earlier axes' positions
                    t = np.tensordot(t, np.array([x[q], 1.0 - x[q]]), axes=([q], [0]))
            out[p] = t
        return out

    def with_parameters(self, overrides: Mapping[str, float]) -> Game:
        """The same game with some parameters changed (payoff expressions re-evaluated)."""
        problems = [
            Problem(self.source, f"parameters.{name}", _unknown_parameter(name, self.parameters))
            for name in overrides
            if name not in self.parameters
        ]
        if problems:
            raise InputError(problems)
        parameters = {**self.parameters, **{k: float(v) for k, v in overrides.items()}}
        table, problems = _evaluate_table(
            self.source, self.populations, self.strategies, parameters, self.payoff_spec
        )
        if problems:
            raise InputError(problems)
        return Game(
            name=self.name,
            description=self.description,
            source=self.source,
            populations=self.populations,
            strategies=self.strategies,
            parameters=parameters,
            payoff_spec=self.payoff_spec,
            table=table,
            initial=self.initial.copy(),
            horizon=self.horizon,
        )

    def with_initial(self, initial: Mapping[str, float] | np.ndarray) -> Game:
        """The same game from another starting point."""
        if isinstance(initial, Mapping):
            start = self.initial.copy()
            for name, share in initial.items():
                start[self.populations.index(name)] = float(share)
        else:
            start = np.asarray(initial, dtype=float).copy()
        if start.shape != self.initial.shape or np.any((start < 0) | (start > 1)):
            raise ValueError(f"initial shares must be {self.n_populations} numbers in [0, 1]")
        return _replace(self, initial=start)

    def with_horizon(self, horizon: float) -> Game:
        if not 0 < horizon <= MAX_HORIZON:
            raise ValueError(f"horizon must be in (0, {MAX_HORIZON:g}]")
        return _replace(self, horizon=float(horizon))

    def to_dict(self) -> dict[str, Any]:
        """The game as a file would state it, payoffs evaluated to numbers (loads back)."""
        return {
            "name": self.name,
            "description": self.description,
            "populations": {
                name: list(self.strategies[p]) for p, name in enumerate(self.populations)
            },
            "parameters": dict(self.parameters),
            "payoffs": {
                self.profile_name(profile): {
                    name: float(self.table[p][profile]) for p, name in enumerate(self.populations)
                }
                for profile in self.profiles
            },
            "initial": {name: float(self.initial[p]) for p, name in enumerate(self.populations)},
            "horizon": self.horizon,
        }

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)


def _replace(game: Game, **changes: Any) -> Game:
    values = {
        name: getattr(game, name)
        for name in (
            "name",
            "description",
            "source",
            "populations",
            "strategies",
            "parameters",
            "payoff_spec",
            "table",
            "initial",
            "horizon",
        )
    }
    values.update(changes)
    return Game(**values)


# ---------------------------------------------------------------------------------------------
# Loading


def load_game(path: str | Path, parameters: Mapping[str, float] | None = None) -> Game:
    """Read and validate a game file; ``parameters`` override the file's parameter values."""
    path = Path(path)
    data = _read(path)
    other = other_kind_message(data, InputKind.GAME)
    if other is not None:
        raise InputError([Problem(str(path), "<file>", other)])
    return validate_game(data, source=str(path), name=path.stem, overrides=parameters)


def validate_game(
    data: Any,
    source: str = "<game>",
    name: str = "game",
    overrides: Mapping[str, float] | None = None,
) -> Game:
    """Validate parsed game data; raises :class:`~iei_sim.errors.InputError` listing every
    problem."""
    if not isinstance(data, dict):
        raise InputError(
            [
                Problem(
                    source,
                    "<document>",
                    "must be a mapping of field: value pairs; allowed top-level fields: "
                    + ", ".join(GameFile.model_fields),
                )
            ]
        )
    try:
        spec = GameFile.model_validate(data)
    except ValidationError as exc:
        raise translate_validation_error(exc, GameFile, source, described=ALLOWED) from None
    return _build(spec, source, name, overrides or {})


def _read(path: Path) -> Any:
    return read_yaml_file(path, kind="game", fields=GameFile.model_fields)


def _build(spec: GameFile, source: str, default_name: str, overrides: Mapping[str, float]) -> Game:
    problems: list[Problem] = []
    populations = tuple(spec.populations)
    strategies: list[tuple[str, str]] = []
    if not MIN_POPULATIONS <= len(populations) <= MAX_POPULATIONS:
        problems.append(
            Problem(
                source,
                "populations",
                f"names {len(populations)} population(s); a game needs "
                f"{MIN_POPULATIONS} to {MAX_POPULATIONS}",
            )
        )
    for name, names in spec.populations.items():
        where = f"populations.{name}"
        if not name.strip() or "," in name:
            problems.append(Problem(source, where, "population names must be non-empty, no commas"))
        cleaned = [s.strip() for s in names]
        if len(cleaned) != 2:
            problems.append(
                Problem(
                    source,
                    where,
                    f"needs exactly 2 strategies [first, second], got {len(cleaned)}: {names!r}",
                )
            )
        elif cleaned[0] == cleaned[1]:
            problems.append(Problem(source, where, f"the two strategies must differ: {names!r}"))
        elif any(not s or "," in s for s in cleaned):
            problems.append(
                Problem(source, where, f"strategy names must be non-empty, no commas: {names!r}")
            )
        strategies.append((*cleaned, "", "")[:2])  # type: ignore[arg-type]

    for name in spec.parameters:
        if not name.isidentifier() or keyword.iskeyword(name):
            problems.append(
                Problem(
                    source,
                    f"parameters.{name}",
                    "not a usable name; use letters, digits and _ (not starting with a digit)",
                )
            )
    parameters = dict(spec.parameters)
    for name, value in overrides.items():
        if name not in parameters:
            problems.append(
                Problem(source, f"parameters.{name}", _unknown_parameter(name, parameters))
            )
        else:
            parameters[name] = float(value)

    for name in spec.initial:
        if name not in spec.populations:
            problems.append(
                Problem(
                    source,
                    f"initial.{name}",
                    f"unknown population{suggestion(name, populations)}; allowed here: "
                    + ", ".join(populations),
                )
            )
    missing_start = [p for p in populations if p not in spec.initial]
    if missing_start:
        problems.append(Problem(source, "initial", "missing share for " + ", ".join(missing_start)))
    if problems:  # profiles cannot be checked against broken populations
        raise InputError(problems)

    payoff_spec, problems = _profiles(spec, source, populations, tuple(strategies))
    table, bad_values = _evaluate_table(
        source, populations, tuple(strategies), parameters, payoff_spec
    )
    problems += bad_values  # every problem at once, profiles first
    if problems:
        raise InputError(problems)
    return Game(
        name=spec.name or default_name,
        description=" ".join(spec.description.split()),
        source=source,
        populations=populations,
        strategies=tuple(strategies),
        parameters=parameters,
        payoff_spec=payoff_spec,
        table=table,
        initial=np.array([spec.initial[p] for p in populations], dtype=float),
        horizon=float(spec.horizon),
    )


def _profiles(
    spec: GameFile,
    source: str,
    populations: tuple[str, ...],
    strategies: tuple[tuple[str, str], ...],
) -> tuple[dict[tuple[int, ...], dict[str, float | str]], list[Problem]]:
    """Map each ``payoffs`` key to its profile; check coverage and per-entry populations."""
    problems: list[Problem] = []
    found: dict[tuple[int, ...], str] = {}
    payoff_spec: dict[tuple[int, ...], dict[str, float | str]] = {}
    order = ", ".join(populations)
    example = ",".join(s[0] for s in strategies)
    for key, entry in spec.payoffs.items():
        where = f"payoffs.{key}"
        parts = [part.strip() for part in key.split(",")]
        if len(parts) != len(populations):
            problems.append(
                Problem(
                    source,
                    where,
                    f"names {len(parts)} strategies; a profile names one strategy per "
                    f"population, in the order {order} (e.g. '{example}')",
                )
            )
            continue
        profile: list[int] = []
        for p, part in enumerate(parts):
            if part in strategies[p]:
                profile.append(strategies[p].index(part))
            else:
                problems.append(
                    Problem(
                        source,
                        where,
                        f"'{part}' is not a strategy of {populations[p]} "
                        f"(allowed: {', '.join(strategies[p])})",
                    )
                )
        if len(profile) != len(populations):
            continue
        key_profile = tuple(profile)
        if key_profile in found:
            problems.append(Problem(source, where, f"same profile as '{found[key_profile]}'"))
            continue
        found[key_profile] = key
        for name in entry:
            if name not in populations:
                problems.append(
                    Problem(
                        source,
                        f"{where}.{name}",
                        f"unknown population{suggestion(name, populations)}; allowed here: {order}",
                    )
                )
        missing = [p for p in populations if p not in entry]
        if missing:
            problems.append(Problem(source, where, "missing payoff for " + ", ".join(missing)))
        payoff_spec[key_profile] = dict(entry)
    absent = [
        ",".join(strategies[p][s] for p, s in enumerate(profile))
        for profile in itertools.product((0, 1), repeat=len(populations))
        if profile not in found
    ]
    if absent:
        problems.append(
            Problem(
                source,
                "payoffs",
                f"missing profile(s): {', '.join(repr(a) for a in absent)}; every strategy "
                f"profile needs an entry ({2 ** len(populations)} in all)",
            )
        )
    return payoff_spec, problems


def _evaluate_table(
    source: str,
    populations: tuple[str, ...],
    strategies: tuple[tuple[str, str], ...],
    parameters: Mapping[str, float],
    payoff_spec: Mapping[tuple[int, ...], Mapping[str, float | str]],
) -> tuple[np.ndarray, list[Problem]]:
    n = len(populations)
    table = np.zeros((n,) + (2,) * n)
    problems: list[Problem] = []
    for profile, entry in payoff_spec.items():
        key = ",".join(strategies[p][s] for p, s in enumerate(profile))
        for p, name in enumerate(populations):
            value = entry.get(name)
            if value is None:
                continue
            try:
                table[(p, *profile)] = (
                    evaluate(value, parameters) if isinstance(value, str) else float(value)
                )
            except ExpressionError as exc:
                problems.append(
                    Problem(
                        source,
                        f"payoffs.{key}.{name}",
                        f"{exc} (in {value!r}); allowed: {allowed_text(parameters)}",
                    )
                )
    return table, problems


def _unknown_parameter(name: str, parameters: Mapping[str, float]) -> str:
    return f"unknown parameter{suggestion(name, parameters)}; allowed here: " + (
        ", ".join(parameters) or "none defined"
    )
