"""The two sensitivity workflows: global sensitivity analysis and scenario discovery.

Both run into a results store like sweeps do (one journal line per run, committed as it finishes
and compacted into runs.parquet; a killed invocation resumes), then write their tables and
figures from the store, so the outputs always describe every finished run.

Sensitivity folder (``results/sensitivity/<name>`` unless ``out``)::

    manifest.json, experiment.yaml, journal.jsonl, runs.parquet, steps.parquet   the store
    samples.parquet     the sample matrix (one row per sample row, dummy column included)
    problem.json        SALib's problem (names, bounds, dists) and each factor's kind
    indices.csv         outcome, factor, index, value, conf
    convergence.csv     the same at nested sample sizes (+ samples, rows)
    noise.csv           replicate noise per outcome (see ``evaluate``)
    summary.txt         levers ranked per outcome, dummy, noise, convergence verdict
    indices, heatmap, convergence [, morris_mu_sigma]  figures (.png, or .svg/.pdf if asked)

The store is keyed by what determines the runs *except* the sample size and the replicates, and
every run by its scenario and seed: a larger ``samples`` (Sobol' samples are nested) or more
replicates in the same folder reuse every run already done.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from iei_sim.errors import InputError
from iei_sim.experiments.design import plan_runs
from iei_sim.experiments.executors import make_executor
from iei_sim.experiments.runner import Progress, RunReport, base_scenarios, identity, run_tasks
from iei_sim.experiments.spec import LoadedExperiment, Method, load_experiment
from iei_sim.experiments.store import (
    ResultsStore,
    StoreMismatchError,
    atomic_parquet,
    atomic_write_text,
    tables_in,
    write_tables,
)
from iei_sim.experiments.workflows import default_out as sweep_out
from iei_sim.extras import check_extra
from iei_sim.identity import model_identity
from iei_sim.phases import DRAWING_FIGURES, phase
from iei_sim.plots.saving import FigureOptions, save_figure
from iei_sim.resources import check_design_size
from iei_sim.sensitivity import report
from iei_sim.sensitivity.analyze import MAIN_INDEX, analyze_outcomes
from iei_sim.sensitivity.convergence import convergence_table, convergence_verdict
from iei_sim.sensitivity.discovery import (
    PrimResult,
    Target,
    TargetError,
    parse_target,
    point_table,
    run_prim,
    tradeoff_figure,
)
from iei_sim.sensitivity.evaluate import (
    Evaluation,
    missing,
    noise_table,
    outcome_matrix,
    plan_evaluation,
    single_runs,
)
from iei_sim.sensitivity.problem import build_problem, check_experiment, salib_view
from iei_sim.sensitivity.sampling import block_size, sample
from iei_sim.validation import Problem

if TYPE_CHECKING:
    from distributed import Security


def default_out(name: str, root: str | Path = "results") -> Path:
    return Path(root) / "sensitivity" / name


@dataclass
class SensitivityPlan:
    """A validated analysis: the experiment (command-line overrides applied), SALib's problem,
    the sample matrix and the runs it needs. Building one writes nothing."""

    experiment: LoadedExperiment
    problem: dict[str, Any]
    x: np.ndarray
    evaluation: Evaluation

    @property
    def method(self) -> Method:
        assert self.experiment.spec.method is not None
        return self.experiment.spec.method

    @property
    def kinds(self) -> dict[str, str]:
        return dict(zip(self.problem["names"], self.problem["kinds"], strict=True))

    @property
    def outcomes(self) -> list[str]:
        return self.experiment.spec.outcome_names


@dataclass
class SensitivityOutput:
    report: RunReport
    out_dir: Path
    missing: int  # sample row × replicate entries without a finished run (0: analysed)
    indices: pd.DataFrame = field(default_factory=pd.DataFrame)
    convergence: pd.DataFrame = field(default_factory=pd.DataFrame)
    noise: pd.DataFrame = field(default_factory=pd.DataFrame)
    verdict: dict[str, Any] = field(default_factory=dict)
    summary: str = ""

    @property
    def analysed(self) -> bool:
        return self.missing == 0 and not self.indices.empty


def prepare(
    experiment: str | Path | LoadedExperiment,
    samples: int | None = None,
    replicates: int | None = None,
) -> SensitivityPlan:
    """Validate the experiment for a sensitivity analysis, draw its sample and plan its runs.

    Raises ``InputError`` listing every problem (no method, a `values` factor, a sample size
    the method cannot use, a sampled value the scenario refuses); nothing is written.
    """
    loaded = experiment if isinstance(experiment, LoadedExperiment) else load_experiment(experiment)
    file = str(loaded.path)
    problems = check_experiment(loaded)
    spec = loaded.spec
    if problems:
        raise InputError(problems)
    assert spec.method is not None
    update: dict[str, Any] = {}
    if samples is not None:
        try:
            update["method"] = Method.model_validate(
                {
                    **spec.method.model_dump(exclude_unset=True),
                    "name": spec.method.name,
                    "samples": samples,
                }
            )
        except ValidationError as exc:
            message = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise InputError([Problem(file, "--samples", message)]) from None
    if replicates is not None:
        update["replicates"] = replicates
    if update:
        loaded = LoadedExperiment(spec.model_copy(update=update), loaded.path)
    problem = build_problem(loaded)
    method = loaded.spec.method
    assert method is not None
    rows = method.samples * block_size(problem, method)  # before drawing the sample
    check_design_size(rows, loaded.spec.replicates, f"the {method.name} sample of '{loaded.name}'")
    x = sample(problem, method)
    try:
        evaluation = plan_evaluation(loaded, problem, x, loaded.spec.replicates)
    except InputError as exc:
        raise InputError(
            [Problem(file, "sample", f"a sampled point is refused: {p}") for p in exc.problems[:5]]
        ) from None
    return SensitivityPlan(loaded, problem, x, evaluation)


def store_identity(
    experiment: LoadedExperiment, runs: int, provenance: bool = True
) -> dict[str, Any]:
    """The results-store manifest of a sensitivity analysis: what fixes its runs except the
    sample size and the replicates (so a bigger sample in the same folder reuses runs), with
    the resolved base scenario and the model unless ``provenance`` is off (only the content
    hash wanted)."""
    spec = experiment.spec
    assert spec.method is not None
    body = spec.model_dump(
        mode="json",
        include={"base", "overrides", "levers", "uncertainties", "outcomes", "seeds"},
    )
    body["include_dummy"] = spec.include_dummy
    body["method"] = spec.method.model_dump(
        mode="json", include={"name", "seed", "levels", "second_order"}
    )
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    ident: dict[str, Any] = {
        "name": spec.name,
        "kind": "sensitivity",
        "content_hash": "sa-" + hashlib.sha256(text.encode()).hexdigest()[:16],
        "runs": runs,
    }
    if provenance:
        ident["base_scenarios"] = base_scenarios(experiment)
        ident["model"] = model_identity()
    return ident


def open_store(plan: SensitivityPlan, out_dir: Path) -> ResultsStore:
    """Open (or create) the store; ``StoreMismatchError`` before anything is written if the
    folder belongs to another experiment, base scenario or model."""
    store = ResultsStore(out_dir)
    ident = store_identity(plan.experiment, len(plan.evaluation.unique))
    text = yaml.safe_dump(plan.experiment.spec.model_dump(mode="json"), sort_keys=False)
    store.open(ident, text)  # (records a changed sample size or replicates)
    if store.legacy or store.read_only is not None:  # refused before the sample is written
        finished = store.finished_keys()
        store.refuse_additions(sum(t.key not in finished for t in plan.evaluation.unique))
    else:
        atomic_write_text(out_dir / "experiment.yaml", text)  # as last run (samples, replicates)
    return store


def check_store(plan: SensitivityPlan, out_dir: Path) -> None:
    """Raise ``StoreMismatchError`` if ``out_dir`` holds another experiment's results, or
    runs of another base scenario or model, or is a legacy store the plan would add runs to
    (before anything is drawn or written)."""
    keys = [t.key for t in plan.evaluation.unique]
    ResultsStore(out_dir).check_plan(store_identity(plan.experiment, 0), keys)


def run_sensitivity(
    plan: SensitivityPlan,
    out: str | Path | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    progress: Progress | None = None,
    plots: bool = True,
    dask_security: Security | None = None,
    figures: FigureOptions | None = None,
) -> SensitivityOutput:
    """Run what the sample still needs, then analyse and write every output (the executor
    first: an unreachable cluster is refused before anything is written)."""
    out_dir = Path(out) if out is not None else default_out(plan.experiment.name)
    executor = make_executor(workers, dask_address, dask_security)
    try:
        store = open_store(plan, out_dir)
        names = plan.problem["names"]
        method = plan.method.model_dump(mode="json")
        problem_doc = {**report_problem(plan.problem), "method": method}
        with tables_in(out_dir):
            atomic_parquet(
                pd.DataFrame(plan.x, columns=names).rename_axis("row").reset_index(),
                out_dir / "samples.parquet",
            )
            atomic_write_text(out_dir / "problem.json", json.dumps(problem_doc, indent=2) + "\n")
        run_report = run_tasks(plan.evaluation.unique, store, executor, progress)
    finally:
        executor.close()
    with tables_in(out_dir):
        return write_analysis(plan, out_dir, run_report, plots=plots, figures=figures)


def report_problem(problem: dict[str, Any]) -> dict[str, Any]:
    return {**salib_view(problem), "kinds": problem["kinds"]}


def write_analysis(
    plan: SensitivityPlan,
    out_dir: Path,
    run_report: RunReport,
    plots: bool = True,
    figures: FigureOptions | None = None,
) -> SensitivityOutput:
    """Indices, convergence, noise, summary and figures (in ``figures``' format) from the
    store's finished runs."""
    outcomes = plan.outcomes
    single = single_runs(plan.evaluation, ResultsStore(out_dir).runs(), outcomes)
    gaps = missing(single, outcomes)
    output = SensitivityOutput(run_report, out_dir, gaps)
    if gaps:
        return output
    outputs = outcome_matrix(single, outcomes)
    method = plan.method
    indices, constant = analyze_outcomes(plan.problem, method, plan.x, outputs)
    varying = [o for o in outcomes if o not in constant]
    convergence = convergence_table(plan.problem, method, plan.x, outputs[varying])
    verdict = convergence_verdict(convergence, method)
    noise = noise_table(single, outcomes, plan.evaluation.replicates)
    summary = report.summary_text(
        name=plan.experiment.name,
        method=method,
        kinds=plan.kinds,
        rows=plan.evaluation.rows,
        replicates=plan.evaluation.replicates,
        runs=len(plan.evaluation.unique),
        indices=indices,
        noise=noise,
        verdict=verdict,
        constant=constant,
    )
    written = {"indices.csv": indices, "convergence.csv": convergence, "noise.csv": noise}
    write_tables(out_dir, written, indices["outcome"].unique())
    atomic_write_text(out_dir / "summary.txt", summary)
    if plots and not indices.empty:
        kinds = plan.kinds
        drawn = {
            "indices": lambda: report.indices_figure(indices, method, kinds),
            "heatmap": lambda: report.heatmap_figure(indices, method, kinds),
            "convergence": lambda: report.convergence_figure(convergence, method),
        }
        if method.name == "morris":
            drawn["morris_mu_sigma"] = lambda: report.morris_figure(indices, kinds)
        with phase(DRAWING_FIGURES):
            for stem, draw in drawn.items():
                title = f"{stem} of {plan.experiment.name}"
                save_figure(draw(), out_dir, stem, figures, title=title)
    output.indices = indices
    output.convergence = convergence
    output.noise = noise
    output.verdict = verdict
    output.summary = summary
    return output


def ranking(indices: pd.DataFrame, method: Method, kinds: dict[str, str]) -> pd.DataFrame:
    """The main index per outcome, levers first then uncertainties, each by decreasing value."""
    main = indices[indices["index"] == MAIN_INDEX[method.name]].copy()
    main["kind"] = main["factor"].map(kinds)
    return main.sort_values(["outcome", "value"], ascending=[True, False], kind="stable")


# -- scenario discovery ----------------------------------------------------------------------


@dataclass
class DiscoveryOutput:
    out_dir: Path
    points: int
    hits: int
    report: RunReport | None = None
    result: PrimResult | None = None
    message: str = ""


def discovery_out(experiment: LoadedExperiment) -> Path:
    """Where ``discover`` looks for runs first: the analysis folder of a file with a method,
    the sweep folder otherwise."""
    if experiment.spec.method is not None:
        return default_out(experiment.name)
    return sweep_out(experiment.name)


def prepare_target(experiment: LoadedExperiment, text: str) -> Target:
    """Parse ``--target`` against the experiment's outcomes (``InputError`` if refused)."""
    try:
        return parse_target(text, experiment.spec.outcome_names)
    except TargetError as exc:
        raise InputError([Problem(str(experiment.path), "--target", str(exc))]) from None


def _discovery_identities(experiment: LoadedExperiment) -> set[str]:
    hashes = {experiment.spec.content_hash()}
    if experiment.spec.method is not None:
        hashes.add(store_identity(experiment, 0, provenance=False)["content_hash"])
    return hashes


def check_discovery_store(experiment: LoadedExperiment, out_dir: Path) -> None:
    manifest = ResultsStore(out_dir).manifest
    if manifest and manifest.get("content_hash") not in _discovery_identities(experiment):
        raise StoreMismatchError(
            f"{out_dir} holds results of a different experiment ({manifest.get('name')}, "
            f"{manifest.get('content_hash')}); use another --out folder"
        )


def _stored_runs(out_dir: Path) -> pd.DataFrame:
    store = ResultsStore(out_dir)
    runs = store.runs() if store.manifest else pd.DataFrame()
    if runs.empty or not (runs["status"] == "ok").any():
        return pd.DataFrame()
    return runs


def discovery_runs_needed(experiment: LoadedExperiment, out_dir: Path) -> int:
    """Runs ``discover`` has to do first: none if the folder already holds finished runs, else
    the experiment's design."""
    return 0 if not _stored_runs(out_dir).empty else len(plan_runs(experiment))


def discover(
    experiment: LoadedExperiment,
    target: Target,
    out: str | Path | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    progress: Progress | None = None,
    with_uncertainties: bool = False,
    min_coverage: float = 0.5,
    density_slack: float = 0.05,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    plots: bool = True,
    dask_security: Security | None = None,
    figures: FigureOptions | None = None,
) -> DiscoveryOutput:
    """PRIM boxes of levers (and optionally uncertainties) in which ``target`` holds.

    Uses the finished runs in the store at ``out`` (a sensitivity analysis or a sweep of this
    experiment); if it has none, runs the experiment's design there first (a Latin hypercube of
    `method.samples` points for a file with a method and no design). Without EMA Workbench it
    raises :class:`~iei_sim.extras.MissingExtraError` before any run.
    """
    check_extra("discovery")
    out_dir = Path(out) if out is not None else discovery_out(experiment)
    check_discovery_store(experiment, out_dir)
    store = ResultsStore(out_dir)
    runs = _stored_runs(out_dir)
    run_report = None
    if runs.empty:
        tasks = plan_runs(experiment)
        if experiment.spec.method is not None:
            ident = store_identity(experiment, len(tasks))
        else:
            ident = identity(experiment, tasks)
        text = yaml.safe_dump(experiment.spec.model_dump(mode="json"), sort_keys=False)
        executor = make_executor(workers, dask_address, dask_security)  # before any write
        try:
            store.open(ident, text)
            run_report = run_tasks(tasks, store, executor, progress)
        finally:
            executor.close()
        runs = store.runs()
    spec = experiment.spec
    factors = list(spec.levers) + (list(spec.uncertainties) if with_uncertainties else [])
    table = point_table(runs, factors, spec.outcome_names)
    factors = [f for f in factors if f in table.columns]
    folder = out_dir / "discovery"
    if table.empty or not factors:
        return DiscoveryOutput(out_dir, len(table), 0, run_report, None, "no finished runs")
    y = target.evaluate(table)
    hits = int(y.sum())
    output = DiscoveryOutput(out_dir, len(table), hits, run_report)
    folder.mkdir(parents=True, exist_ok=True)
    if hits == 0 or hits == len(table):
        which = "no" if hits == 0 else "every"
        output.message = f"{which} design point meets the target; there is no box to find"
        ranges = table[list(target.outcomes)].agg(["min", "max"]).T
        text = (
            f"target: {target.text}\n{output.message} ({len(table)} points).\n"
            f"outcome ranges over the points:\n{ranges.to_string()}\n"
        )
        atomic_write_text(folder / "discovery.txt", text)
        return output
    result = run_prim(
        table[factors],
        y,
        min_coverage=min_coverage,
        density_slack=density_slack,
        peel_alpha=peel_alpha,
        mass_min=mass_min,
    )
    output.result = result
    trajectory = result.trajectory.copy()
    trajectory.insert(0, "step", range(len(trajectory)))
    trajectory["chosen"] = trajectory["step"] == result.chosen
    trajectory.to_csv(folder / "prim_trajectory.csv", index=False, float_format="%.6g")
    result.limits.to_csv(folder / "prim_box.csv", index=False, float_format="%.6g")
    table.assign(meets_target=y).to_csv(folder / "points.csv", index=False, float_format="%.6g")
    text = "\n".join(
        [
            f"target: {target.text}",
            f"points: {len(table)} design points (replicate means), {hits} meet the target "
            f"(base rate {result.base_rate:.3f})",
            f"dimensions: {', '.join(factors)}",
            f"chosen box (step {result.chosen} of {len(trajectory) - 1}: the fewest restricted "
            f"dimensions with coverage ≥ {min_coverage} and density within {density_slack} of "
            f"the densest such box): coverage {result.coverage:.3f}, density "
            f"{result.density:.3f}, {int(result.trajectory.at[result.chosen, 'n'])} points",
            f"  {result.describe()}",
            "quasi-p-values of each restriction (one-sided binomial test; > 0.05: weak) in "
            "prim_box.csv",
            "",
        ]
    )
    atomic_write_text(folder / "discovery.txt", text)
    if plots:
        with phase(DRAWING_FIGURES):
            save_figure(
                tradeoff_figure(result, target.text),
                folder,
                "prim_tradeoff",
                figures,
                title=f"PRIM peeling trajectory of {experiment.name}: {target.text}",
            )
    return output
