"""What ``validate`` prints about a scenario, experiment or game file (the numbers a
researcher checks before spending time on runs), and the one-line refusal of a file of another
kind than a command takes (kinds: :mod:`iei_sim.input_kinds`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iei_sim.errors import InputError
from iei_sim.input_kinds import InputKind, kind_of_file, other_kind_message
from iei_sim.scenario import Scenario
from iei_sim.scenario.loading import EXTENDS, read_yaml_file
from iei_sim.validation import Problem

__all__ = ["InputKind", "kind_of_file", "refuse_other_kind", "summarise"]

# Lines of a diff from the ``extends`` parent printed before the rest are counted.
MAX_DIFF_LINES = 20


def refuse_other_kind(path: Path, wanted: InputKind) -> None:
    """Refuse, in one line (exit 2), a file of another kind than the command takes; a file that
    cannot be read is left to the command's own loader, which says why."""
    try:
        data = read_yaml_file(path)
    except InputError:
        return
    other = other_kind_message(data, wanted)
    if other is not None:
        raise InputError([Problem(str(path), "<file>", other)])


# ---------------------------------------------------------------------------------------------
# Summaries


@dataclass(frozen=True)
class Summary:
    """What ``validate`` prints: a headline (``file: OK (...)``) and indented detail lines."""

    headline: str
    details: list[str]

    def lines(self) -> list[str]:
        return [self.headline, *(f"  {line}" for line in self.details)]


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# Longer text values (a description) are cut in a diff line.
MAX_SHOWN_CHARS = 60


def _shown(value: Any) -> str:
    if isinstance(value, str):
        text = " ".join(value.split())
        return text if len(text) <= MAX_SHOWN_CHARS else text[: MAX_SHOWN_CHARS - 1] + "…"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def scenario_lines(scenario: Scenario) -> list[str]:
    """Years, seed, summary window and every region's size."""
    lines = [
        f"{scenario.steps} years, seed {scenario.seed}; summaries average the last "
        f"{scenario.summary_window} years",
        *(
            [
                f"spin-up: {scenario.spin_up_years} years under the baseline policy first "
                f"(not reported); the scenario's policy starts in year {scenario.policy_start}"
            ]
            if scenario.spin_up_years
            else []
        ),
        f"{_count(len(scenario.regions), 'region')}:",
    ]
    for name, region in scenario.regions.items():
        lines.append(
            f"  {name} ({region.kind}): {region.schools} schools, {region.firms} firms, "
            f"{region.students_per_school} students per school"
        )
    return lines


def changed_fields(parent: Scenario, child: Scenario) -> list[tuple[str, Any, Any]]:
    """Every dotted leaf field whose value differs between two resolved scenarios, in schema
    order: ``(field, parent's value, child's value)``; a leaf only one has shows as absent."""
    from iei_sim.experiments.spec import scenario_leaves

    before, after = scenario_leaves(parent), scenario_leaves(child)
    missing = "(absent)"
    return [
        (field, before.get(field, missing), after.get(field, missing))
        for field in dict.fromkeys([*after, *before])
        if before.get(field, missing) != after.get(field, missing)
    ]


def summarise_scenario(path: Path) -> Summary:
    """Load a scenario (every problem at once) and describe it, with its diff from the file it
    ``extends``."""
    from iei_sim.scenario import load_scenario

    scenario = load_scenario(path)
    details = scenario_lines(scenario)
    parent_ref = read_yaml_file(path).get(EXTENDS)
    if isinstance(parent_ref, str):
        try:
            parent = load_scenario(path.parent / parent_ref)
        except InputError:  # a base that only its children complete: no diff to show
            details.append(f"extends {parent_ref} (not a valid scenario on its own)")
            return Summary(_scenario_headline(path, scenario), details)
        changes = changed_fields(parent, scenario)
        details.append(f"extends {parent_ref} ('{parent.name}'); {_count(len(changes), 'change')}:")
        for field, old, new in changes[:MAX_DIFF_LINES]:
            details.append(f"  {field}: {_shown(old)} -> {_shown(new)}")
        if len(changes) > MAX_DIFF_LINES:
            details.append(f"  … and {len(changes) - MAX_DIFF_LINES} more")
    return Summary(_scenario_headline(path, scenario), details)


def _scenario_headline(path: Path, scenario: Scenario) -> str:
    from iei_sim.scenario import scenario_hash

    return f"{path}: OK (scenario '{scenario.name}', hash {scenario_hash(scenario)})"


def _factor_text(factor: Any) -> str:
    if factor.values is not None:
        return "{" + ", ".join(_shown(v) for v in factor.values) + "}"
    if factor.distribution in ("normal", "lognormal"):
        return f"{factor.distribution} (mean {_shown(factor.mean)}, sd {_shown(factor.sd)})"
    levels = f", {factor.levels} levels" if factor.levels else ""
    shape = "" if factor.distribution == "uniform" else f" {factor.distribution}"
    return f"[{_shown(factor.low)}, {_shown(factor.high)}]{shape}{levels}"


def sensitivity_runs(loaded: Any) -> tuple[int, int]:
    """Sample points and runs of the file's ``method`` section (what ``iei-sim sensitivity``
    plans: ``samples`` × the method's block of rows, × replicates)."""
    from iei_sim.sensitivity.sampling import block_size

    spec = loaded.spec
    factors = len(spec.factors) + (1 if spec.include_dummy else 0)
    points = spec.method.samples * block_size({"num_vars": factors}, spec.method)
    return points, points * spec.replicates


def duration_text(seconds: float) -> str:
    """``42 s``, ``3.5 min`` or ``2.1 h``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def one_run_seconds(loaded: Any) -> float:
    """Wall time of one run of the experiment's first scenario (its fixed overrides applied, the
    first seed), as a sweep runs it: outcomes only, after a one-year run has loaded what a
    first run loads."""
    from iei_sim.run import simulate_outcomes
    from iei_sim.scenario import load_scenario

    scenario = load_scenario(loaded.scenario_files[0], overrides=loaded.spec.overrides)
    simulate_outcomes(scenario.model_copy(update={"steps": 1}), loaded.spec.seeds.first)  # warm
    start = time.perf_counter()
    simulate_outcomes(scenario, loaded.spec.seeds.first)
    return time.perf_counter() - start


def estimate_lines(seconds: float, runs: dict[str, int]) -> list[str]:
    """What ``seconds`` per run make of each command's runs, on one worker process."""
    lines = [f"one run of the base took {seconds:.2f} s here; on one worker (divide by --workers):"]
    for command, count in runs.items():
        lines.append(f"  {command}: about {duration_text(seconds * count)} for {count} runs")
    lines.append("  (rough: levers and uncertainties change how long a run takes)")
    return lines


def summarise_experiment(path: Path, estimate: bool = False) -> Summary:
    """Load an experiment (every problem at once, its method's too) and count its runs; with
    ``estimate``, time one run and say how long the runs would take."""
    from iei_sim.experiments import load_experiment
    from iei_sim.experiments.design import design_size
    from iei_sim.scenario import load_scenario
    from iei_sim.sensitivity.problem import check_experiment

    loaded = load_experiment(path)
    spec = loaded.spec
    if spec.method is not None:
        problems = check_experiment(loaded)
        if problems:
            raise InputError(problems)
    details = []
    for ref, file in zip(
        [spec.base] if spec.base else spec.scenarios or [], loaded.scenario_files, strict=True
    ):
        scenario = load_scenario(file, overrides=spec.overrides)
        sizes = ", ".join(
            f"{name} {region.schools} schools / {region.firms} firms"
            for name, region in scenario.regions.items()
        )
        details.append(f"scenario {ref} ('{scenario.name}'): {scenario.steps} years; {sizes}")
    if spec.overrides:
        details.append(f"{_count(len(spec.overrides), 'fixed override')}:")
        details += [f"  {field} = {_shown(value)}" for field, value in spec.overrides.items()]
    details.append(
        f"{_count(len(spec.factors), 'factor')}:"
        if spec.factors
        else "no factors (each scenario as it is, with the fixed overrides)"
    )
    for group, factors in (("lever", spec.levers), ("uncertainty", spec.uncertainties)):
        details += [f"  {group} {path}: {_factor_text(f)}" for path, f in factors.items()]
    points = design_size(loaded)
    runs = {"sweep": points * spec.replicates}
    details.append(
        f"design {spec.design.kind}: {_count(points, 'point')} × {spec.replicates} replicates = "
        f"{_count(points * spec.replicates, 'run')} (iei-sim sweep)"
    )
    if spec.method is not None:
        rows, runs["sensitivity"] = sensitivity_runs(loaded)
        dummy = " (with the dummy)" if spec.include_dummy else ""
        details.append(
            f"method {spec.method.name}, samples {spec.method.samples}: {rows} points{dummy} × "
            f"{spec.replicates} replicates = {_count(runs['sensitivity'], 'run')} "
            "(iei-sim sensitivity)"
        )
    outcomes = spec.outcome_names
    details.append(f"{_count(len(outcomes), 'outcome')}: {', '.join(outcomes)}")
    if estimate:
        details += estimate_lines(one_run_seconds(loaded), runs)
    headline = f"{path}: OK (experiment '{spec.name}', hash {spec.content_hash()})"
    return Summary(headline, details)


def summarise_game(path: Path) -> Summary:
    """Load a game and describe its populations, parameters and start."""
    from iei_sim.docking.game import load_game

    game = load_game(path)
    populations = ", ".join(
        f"{name} ({' / '.join(strategies)})"
        for name, strategies in zip(game.populations, game.strategies, strict=True)
    )
    parameters = ", ".join(f"{k} = {_shown(v)}" for k, v in game.parameters.items())
    initial = ", ".join(
        f"{name} {float(share):.3g}"
        for name, share in zip(game.populations, game.initial, strict=True)
    )
    details = [
        f"{_count(game.n_populations, 'population')}: {populations}",
        f"{_count(len(game.parameters), 'parameter')}: {parameters or '(none)'}",
        f"share playing the first strategy at time 0: {initial}; horizon {_shown(game.horizon)}",
    ]
    return Summary(f"{path}: OK (game '{game.name}')", details)


SUMMARISERS = {
    InputKind.SCENARIO: summarise_scenario,
    InputKind.EXPERIMENT: summarise_experiment,
    InputKind.GAME: summarise_game,
}


def summarise(path: Path, estimate: bool = False) -> Summary:
    """Validate a file as the kind its keys say it is, and summarise it (``estimate``: time one
    run of an experiment's base, for the run times of its design)."""
    kind = kind_of_file(path)
    if kind is InputKind.EXPERIMENT:
        return summarise_experiment(path, estimate)
    return SUMMARISERS[kind](path)
