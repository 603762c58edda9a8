"""Experiment files: which scenario, which levers and uncertainties, which design, how many runs.

An experiment file (``experiments/*.yaml``) is validated like a scenario: every problem is
reported with the file, the dotted field and what is allowed, and nothing runs or is written
until the whole file is sound. Factor paths are dotted scenario fields; each is checked against
the base scenario (unknown paths get a "did you mean"), and its bounds are validated by the
scenario schema itself, so an experiment can never ask for a scenario the model would refuse.

Vocabulary follows EMA Workbench: *levers* are policy choices, *uncertainties* are facts of the
world the analyst does not control; both are *factors* of the design, and *outcomes* are the
model's reported outcomes (``iei_sim.outcomes.OUTCOMES``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from iei_sim.errors import InputError
from iei_sim.input_kinds import InputKind, other_kind_message
from iei_sim.outcomes import OUTCOMES
from iei_sim.scenario import Scenario, load_scenario
from iei_sim.scenario.loading import read_yaml_file
from iei_sim.validation import (
    MAX_DETAILED_PROBLEMS,
    MAX_SEED,
    MAX_TEXT_LENGTH,
    Problem,
    check_name,
    suggestion,
    translate_validation_error,
)

Scalar = bool | int | float | str
ExperimentName = Annotated[str, AfterValidator(check_name)]


class _Strict(BaseModel):
    """Unknown keys are errors; numbers are numbers (``true`` is no count) and finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Factor(_Strict):
    """One dimension of the design: explicit values, a range, or a distribution."""

    values: list[Scalar] | None = Field(
        None, min_length=1, description="explicit levels (full factorial) or categories"
    )
    low: float | None = Field(None, description="lower bound of a numeric range")
    high: float | None = Field(None, description="upper bound of a numeric range")
    levels: int | None = Field(
        None, ge=2, le=1000, description="evenly spaced levels of [low, high] for a factorial"
    )
    distribution: Literal["uniform", "triangular", "normal", "lognormal"] = Field(
        "uniform",
        description="how a range is sampled: uniform or triangular on [low, high] (mode), normal "
        "(mean, sd), lognormal (mean, sd of the log)",
    )
    mode: float | None = Field(None, description="peak of a triangular distribution")
    mean: float | None = Field(None, description="mean of a normal (or of log, lognormal)")
    sd: float | None = Field(None, gt=0, description="standard deviation (normal, lognormal)")

    @model_validator(mode="after")
    def _one_kind(self) -> Factor:
        ranged = self.low is not None or self.high is not None
        moments = self.mean is not None or self.sd is not None
        if self.values is not None and (ranged or moments):
            raise ValueError("give either `values` or a range/distribution, not both")
        if self.values is None and not ranged and not moments:
            raise ValueError("give `values`, or `low` and `high`, or `mean` and `sd`")
        if self.distribution in ("normal", "lognormal"):
            if self.mean is None or self.sd is None:
                raise ValueError(f"a {self.distribution} factor needs `mean` and `sd`")
        elif self.values is None:
            if self.low is None or self.high is None:
                raise ValueError("a range needs both `low` and `high`")
            if not self.low < self.high:
                raise ValueError(f"bounds reversed or empty: low {self.low} ≥ high {self.high}")
            if self.distribution == "triangular" and (
                self.mode is None or not self.low <= self.mode <= self.high
            ):
                raise ValueError("a triangular factor needs `mode` within [low, high]")
        return self

    @property
    def numeric(self) -> bool:
        return self.values is None or all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in self.values
        )

    def extremes(self) -> list[Scalar]:
        """Values at the edges of the factor's support, checked against the scenario schema."""
        if self.values is not None:
            return list(dict.fromkeys(self.values))
        if self.low is not None and self.high is not None:
            return [self.low, self.high]
        return [self.mean]  # unbounded distributions: the centre is checked; draws are clipped


class Design(_Strict):
    """How the factors' values are combined into design points."""

    kind: Literal["full_factorial", "latin_hypercube", "explicit"] = Field(
        "full_factorial",
        description="full_factorial: every combination of levels; latin_hypercube: `samples` "
        "stratified draws; explicit: the listed `points`",
    )
    samples: int | None = Field(None, ge=1, le=1_000_000, description="Latin hypercube size")
    points: list[dict[str, Scalar]] | None = Field(
        None, min_length=1, description="explicit points: dotted field → value"
    )
    seed: int = Field(0, ge=0, le=MAX_SEED, description="seed of the sampling (not of the runs)")

    @model_validator(mode="after")
    def _complete(self) -> Design:
        if self.kind == "latin_hypercube" and self.samples is None:
            raise ValueError("a latin_hypercube design needs `samples`")
        if self.kind == "explicit" and not self.points:
            raise ValueError("an explicit design needs `points`")
        return self


class Seeds(_Strict):
    """Seed policy. ``common``: replicate *i* of every point uses seed ``first + i`` (common
    random numbers, so differences between points are not seed noise); ``independent``: every
    run has its own seed."""

    policy: Literal["common", "independent"] = "common"
    first: int = Field(0, ge=0, le=MAX_SEED, description="seed of replicate 0")


class Method(_Strict):
    """Global sensitivity analysis (``iei-sim sensitivity``): which SALib method, how many samples.

    Sample sizes: ``sobol`` runs ``samples × (D + 2)`` points (``× (2D + 2)`` with second order),
    D the number of factors (the dummy included); ``morris`` runs ``samples`` trajectories of
    ``D + 1`` points; ``delta`` and ``pawn`` run a Latin hypercube of ``samples`` points.
    """

    name: Literal["sobol", "morris", "delta", "pawn"] = Field(
        ...,
        description="sobol: first/total(/second) order indices (Saltelli sampling, Jansen total "
        "effect); morris: elementary effects μ*, σ (screening); delta: Borgonovo's "
        "moment-independent δ; pawn: PAWN (distribution-based, KS median)",
    )
    samples: int = Field(
        ...,
        ge=1,
        le=1_000_000,
        description="sobol: base sample N (a power of 2); morris: trajectories; delta, pawn: "
        "Latin hypercube size",
    )
    second_order: bool = Field(False, description="sobol only: also pairwise indices S2")
    levels: int = Field(4, ge=2, le=100, description="morris only: grid levels (even)")
    slices: int = Field(10, ge=2, le=100, description="pawn only: conditioning slices")
    resamples: int | None = Field(
        None,
        ge=10,
        le=10_000,
        description="bootstrap resamples behind each index's 95% interval (default: 100 for "
        "sobol and morris, 30 for delta and pawn, whose every resample reruns the estimator)",
    )
    seed: int = Field(
        0, ge=0, le=MAX_SEED, description="seed of the sample and the bootstrap (not the runs)"
    )

    @model_validator(mode="after")
    def _usable(self) -> Method:
        only = {"second_order": "sobol", "levels": "morris", "slices": "pawn"}
        for option, method in only.items():
            if option in self.model_fields_set and self.name != method:
                raise ValueError(f"`{option}` applies to {method} only, not {self.name}")
        if self.resamples is None:
            default = 30 if self.name in ("delta", "pawn") else 100
            object.__setattr__(self, "resamples", default)
        n = self.samples
        if self.name == "sobol" and (n < 4 or n & (n - 1)):
            below = 1 << max(2, n.bit_length() - 1)
            hint = f" (nearest: {below} or {below * 2})" if n > 4 else ""
            raise ValueError(
                f"Sobol' `samples` must be a power of 2, at least 4 (4, 8, 16, …, 128, 256, "
                f"512, 1024, …); got {n}{hint}"
            )
        if self.name == "morris":
            if n < 2:
                raise ValueError(f"Morris needs at least 2 trajectories (`samples`); got {n}")
            if self.levels % 2:
                raise ValueError(f"Morris `levels` must be even (2, 4, 6, …); got {self.levels}")
        if self.name == "delta" and n < 20:
            raise ValueError(f"delta needs `samples` of at least 20; got {n}")
        if self.name == "pawn" and n < 2 * self.slices:
            raise ValueError(
                f"PAWN needs `samples` of at least 2 × slices = {2 * self.slices}; got {n}"
            )
        return self


class Experiment(_Strict):
    """A validated experiment file."""

    name: ExperimentName = Field(
        ...,
        min_length=1,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="letters, digits, _ . - (no '..'): it names the results folder",
    )
    description: str = Field("", max_length=MAX_TEXT_LENGTH)
    base: str | None = Field(
        None, description="base scenario file, relative to the experiment file"
    )
    scenarios: list[str] | None = Field(
        None, min_length=1, description="scenario files compared side by side (relative paths)"
    )
    overrides: dict[str, Scalar] = Field(
        default_factory=dict, description="fixed dotted-field values applied to every run"
    )
    levers: dict[str, Factor] = Field(default_factory=dict, description="policy levers to vary")
    uncertainties: dict[str, Factor] = Field(
        default_factory=dict, description="uncertain facts of the world to vary"
    )
    design: Design = Field(default_factory=Design)
    replicates: Annotated[int, Field(ge=1, le=10_000)] = 10
    outcomes: list[str] | None = Field(
        None, min_length=1, description="outcomes to keep (default: all)"
    )
    seeds: Seeds = Field(default_factory=Seeds)
    method: Method | None = Field(
        None,
        description="sensitivity analysis (`iei-sim sensitivity`); without a `design` section "
        "the file's design is a Latin hypercube of `method.samples` points (sweep, discover)",
    )
    include_dummy: bool = Field(
        False,
        description="sensitivity: add a factor `dummy` the model ignores, to show the indices' "
        "noise floor",
    )

    @model_validator(mode="before")
    @classmethod
    def _design_of_method(cls, data: Any) -> Any:
        """A sensitivity file needs no design of its own; sweep and discover then run an LHS."""
        if isinstance(data, dict) and "design" not in data:
            method = data.get("method")
            samples = method.get("samples") if isinstance(method, dict) else None
            if isinstance(samples, int) and not isinstance(samples, bool) and samples >= 1:
                seed = method.get("seed", 0)
                seed = seed if isinstance(seed, int) and seed >= 0 else 0
                design = {"kind": "latin_hypercube", "samples": samples, "seed": seed}
                data = {**data, "design": design}
        return data

    @model_validator(mode="after")
    def _base_or_scenarios(self) -> Experiment:
        if (self.base is None) == (self.scenarios is None):
            raise ValueError("give exactly one of `base` (a scenario) or `scenarios` (a list)")
        return self

    @property
    def factors(self) -> dict[str, Factor]:
        return {**self.levers, **self.uncertainties}

    @property
    def outcome_names(self) -> list[str]:
        return list(self.outcomes) if self.outcomes else list(OUTCOMES)

    def content_hash(self, replicates: bool = True) -> str:
        """Identity of what the experiment runs (not its name or description); without
        ``replicates``, of its design alone: the same design with more (or fewer) replicates
        runs a superset (subset) of the same runs, so one store holds both."""
        exclude = {"name", "description"} | (set() if replicates else {"replicates"})
        # files without a sensitivity section keep the hash they had before it existed
        exclude |= {"method"} if self.method is None else set()
        exclude |= set() if self.include_dummy else {"include_dummy"}
        body = self.model_dump(mode="json", exclude=exclude)
        text = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# Allowed values in words, where the schema's types say too little (a name's pattern).
DESCRIBED = {"name": Experiment.model_fields["name"].description or ""}


class LoadedExperiment:
    """An experiment with its file location and its scenario files resolved and validated."""

    def __init__(self, spec: Experiment, path: Path) -> None:
        self.spec = spec
        self.path = path
        folder = path.parent
        files = [spec.base] if spec.base is not None else list(spec.scenarios or [])
        self.scenario_files = [(folder / f) for f in files]

    @property
    def name(self) -> str:
        return self.spec.name


def load_experiment(path: str | Path) -> LoadedExperiment:
    """Read and validate an experiment file; raise :class:`~iei_sim.errors.InputError` listing
    every problem."""
    path = Path(path)
    data = read_yaml_file(path, "experiment", Experiment.model_fields)
    other = other_kind_message(data, InputKind.EXPERIMENT)
    if other is not None:
        raise InputError([Problem(str(path), "<file>", other)])
    return experiment_from_data(data, path)


def experiment_from_data(data: dict[str, Any], path: Path) -> LoadedExperiment:
    """Validate experiment data as if read from ``path`` (relative scenario paths resolve
    against its folder); used for experiments built in code, e.g. by ``iei-sim compare``.

    Every problem is reported at once: when the file's own fields are refused, the outcome
    names, the scenarios and the factor paths that can be read are checked all the same."""
    try:
        spec = Experiment.model_validate(data)
    except ValidationError as exc:
        refused = translate_validation_error(exc, Experiment, str(path), described=DESCRIBED)
        raise InputError(
            refused.problems + _readable_problems(data, path), refused.omitted
        ) from None
    loaded = LoadedExperiment(spec, path)
    refs = [spec.base] if spec.base else list(spec.scenarios or [])
    scenarios, problems = _load_scenarios(
        refs, loaded.scenario_files, spec.overrides, path, "base" if spec.base else "scenarios"
    )
    if problems:
        raise InputError(problems + _check_outcomes(spec.outcomes or [], str(path)))
    problems += _check_labels(loaded.scenario_files, scenarios)
    problems += _check_outcomes(spec.outcomes or [], str(path))
    problems += _check_factors(spec, scenarios[0], loaded.scenario_files[0], str(path))
    if problems:
        raise InputError(problems)
    return loaded


def _load_scenarios(
    refs: list[str], files: list[Path], overrides: dict[str, Any], path: Path, key: str
) -> tuple[list[Scenario], list[Problem]]:
    """The experiment's scenarios with its fixed overrides, and every problem loading them (an
    override's problem named as the experiment file's ``overrides.<field>``)."""
    problems: list[Problem] = []
    scenarios: list[Scenario] = []
    for ref, file in zip(refs, files, strict=True):
        if not file.is_file():
            problems.append(Problem(str(path), key, f"scenario file not found: {ref} ({file})"))
            continue
        try:
            scenarios.append(load_scenario(file, overrides=overrides))
        except InputError as exc:
            for p in exc.problems:
                if p.file == "override":  # a fixed override of this experiment file
                    problems.append(Problem(str(path), f"overrides.{p.field}", p.message))
                else:  # the scenario file's own problem
                    problems.append(p)
    return scenarios, problems


def _readable_problems(data: Any, path: Path) -> list[Problem]:
    """What can still be checked in data the schema refused: outcome names, the base scenario
    (with the overrides, if they are a mapping) and the factors' field paths against it."""
    if not isinstance(data, dict):
        return []
    file = str(path)
    outcomes = data.get("outcomes")
    names = [o for o in outcomes if isinstance(o, str)] if isinstance(outcomes, list) else []
    problems = _check_outcomes(names, file)
    base = data.get("base")
    overrides = data.get("overrides")
    if not isinstance(base, str) or not base or "scenarios" in data:
        return problems
    fixed = overrides if isinstance(overrides, dict) else {}
    scenarios, scenario_problems = _load_scenarios(
        [base], [path.parent / base], fixed, path, "base"
    )
    if not isinstance(overrides, dict):  # the schema has named the overrides' problem
        scenario_problems = [p for p in scenario_problems if not p.field.startswith("overrides")]
    problems += scenario_problems
    if not scenarios:
        return problems
    leaves = scenario_leaves(scenarios[0])
    for group in ("levers", "uncertainties"):
        factors = data.get(group)
        for factor_path in factors if isinstance(factors, dict) else {}:
            if str(factor_path) not in leaves:
                field = f"{group}.{factor_path}"
                problems.append(Problem(file, field, _unknown_path(str(factor_path), leaves)))
    return problems


def _check_labels(files: list[Path], scenarios: list[Scenario]) -> list[Problem]:
    """Scenarios compared side by side are told apart by name: two with one name would be
    stored, tabled and drawn as one regime."""
    problems = []
    seen: dict[str, Path] = {}
    for file, scenario in zip(files, scenarios, strict=True):
        label = scenario.name
        if label in seen:
            same = "the same file, twice" if seen[label].resolve() == file.resolve() else ""
            problems.append(
                Problem(
                    str(file),
                    "name",
                    f"{label!r} is also the name of {seen[label]}"
                    + (f" ({same})" if same else "")
                    + "; scenarios compared side by side need distinct names (set `name:` "
                    "in one of them)",
                )
            )
        else:
            seen[label] = file
    return problems


def _check_outcomes(names: list[str], file: str) -> list[Problem]:
    problems = []
    for name in names:
        if name not in OUTCOMES:
            problems.append(
                Problem(
                    file,
                    f"outcomes.{name}",
                    f"unknown outcome{suggestion(name, OUTCOMES)}; allowed: "
                    f"{', '.join(OUTCOMES)} (`iei-sim outcomes` describes each)",
                )
            )
    return problems


def scenario_leaves(scenario: Scenario) -> dict[str, Any]:
    """Every dotted leaf field of a resolved scenario with its value."""
    out: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict) and node:
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))
        else:
            out[prefix] = node

    walk(scenario.model_dump(mode="json"), "")
    return out


def _check_factors(
    spec: Experiment, scenario: Scenario, scenario_file: Path, file: str
) -> list[Problem]:
    """Unknown paths, non-numeric ranges, values the scenario schema refuses."""
    leaves = scenario_leaves(scenario)
    problems: list[Problem] = []
    groups = {"levers": spec.levers, "uncertainties": spec.uncertainties}
    seen: set[str] = set()
    for group, factors in groups.items():
        for path, factor in factors.items():
            field = f"{group}.{path}"
            if path in seen:
                problems.append(Problem(file, field, "already a factor (levers and uncertainties)"))
                continue
            seen.add(path)
            if path not in leaves:
                problems.append(Problem(file, field, _unknown_path(path, leaves)))
                continue
            current = leaves[path]
            is_number = isinstance(current, int | float) and not isinstance(current, bool)
            if factor.values is None and not is_number:
                problems.append(
                    Problem(
                        file,
                        field,
                        f"a range needs a numeric field, but this one holds {current!r}; "
                        "give `values` instead",
                    )
                )
                continue
            for value in factor.extremes():
                if isinstance(current, int) and not isinstance(current, bool) and value is not None:
                    value = round(value) if float(value).is_integer() else value
                try:
                    load_scenario(scenario_file, overrides={**spec.overrides, path: value})
                except InputError as exc:
                    for p in exc.problems:
                        problems.append(Problem(file, field, f"value {value!r}: {p.message}"))
    if spec.design.kind == "full_factorial":
        for path, factor in spec.factors.items():
            if factor.values is None and factor.levels is None:
                problems.append(
                    Problem(
                        file,
                        f"levers.{path}" if path in spec.levers else f"uncertainties.{path}",
                        "a full_factorial design needs `values` or `levels` for every factor",
                    )
                )
    if spec.design.kind == "explicit":
        for i, point in enumerate(spec.design.points or []):
            unknown = False
            for path in point:
                if path not in leaves:
                    unknown = True
                    where = f"design.points[{i}].{path}"
                    problems.append(Problem(file, where, _unknown_path(path, leaves)))
            if unknown or len(problems) > MAX_DETAILED_PROBLEMS:
                continue
            try:  # each point's values, checked now rather than at planning time
                load_scenario(scenario_file, overrides={**spec.overrides, **point})
            except InputError as exc:
                for p in exc.problems:
                    field = p.field if p.file == "override" else f"{p.field} (in {p.file})"
                    problems.append(Problem(file, f"design.points[{i}].{field}", p.message))
    return problems


def _unknown_path(path: str, leaves: dict[str, Any]) -> str:
    return (
        f"unknown scenario field{suggestion(path, leaves)}; allowed: a dotted field of the "
        "scenario (docs/scenario-reference.md lists them)"
    )
