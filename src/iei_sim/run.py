"""run_scenario(scenario, seed) -> RunResult, and writing a run folder.

This is the one entry point the CLI, experiments and notebooks share. A run folder is written
atomically (into a temporary sibling, then renamed), so an interrupted write never leaves a
half-finished folder where a complete one is expected.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from iei_sim import __version__
from iei_sim.model import IEIModel, build_model
from iei_sim.outcomes import OUTCOMES, OUTCOMES_SIDECAR, outcome_table, summarise
from iei_sim.output_folders import staged_folder
from iei_sim.phases import DRAWING_FIGURES, phase
from iei_sim.plots.saving import FigureOptions
from iei_sim.provenance import invocation, now
from iei_sim.scenario import Scenario, scenario_hash, scenario_to_yaml
from iei_sim.vocabulary import Depth

ProgressCallback = Callable[[int, int], None]


@dataclass
class RunResult:
    """Everything one run produced, as plain tables (no live model needed to plot or compare)."""

    scenario: Scenario
    seed: int
    timeseries: pd.DataFrame
    summary: dict
    ledger: pd.DataFrame
    firms: pd.DataFrame
    schools: pd.DataFrame
    partnerships: pd.DataFrame
    started: str = field(default_factory=now)  # when the simulation started (UTC)
    finished: str = field(default_factory=now)  # when it finished

    def write(
        self,
        out_dir: str | Path,
        plots: bool = True,
        force: bool = False,
        figures: FigureOptions | None = None,
    ) -> Path:
        """Write the run folder and return its path; its figures go into ``plots/`` in
        ``figures``' format and resolution (default PNG).

        An earlier run folder there is replaced atomically; a folder holding anything else is
        refused (``OutputFolderError``) unless ``force``, which writes beside those files and
        never removes or overwrites them (see :mod:`iei_sim.output_folders`). Provenance (command
        line, times, library versions, platform) goes into ``manifest.json`` only, so the
        result files are byte-identical for the same scenario and seed.
        """
        out_dir = Path(out_dir)
        manifest = {
            "scenario": self.scenario.name,
            "scenario_hash": self.summary.get("scenario_hash"),
            "seed": self.seed,
            "steps": self.summary.get("steps"),
            "iei_sim_version": __version__,
            "invocation": invocation(self.started, now(), simulation_finished=self.finished),
        }
        with staged_folder(out_dir, "run", manifest, force=force) as staging:
            self.timeseries.to_csv(staging / "timeseries.csv", index=False, float_format="%.10g")
            outcome_table().to_csv(staging / OUTCOMES_SIDECAR, index=False)
            (staging / "summary.json").write_text(json.dumps(self.summary, indent=2) + "\n")
            (staging / "scenario.resolved.yaml").write_text(scenario_to_yaml(self.scenario))
            self.ledger.to_csv(staging / "ledger.csv", index=False, float_format="%.10g")
            self.firms.to_csv(staging / "firms.csv", index=False, float_format="%.10g")
            self.schools.to_csv(staging / "schools.csv", index=False, float_format="%.10g")
            self.partnerships.to_csv(
                staging / "partnerships.csv", index=False, float_format="%.10g"
            )
            if plots:
                with phase(DRAWING_FIGURES):
                    self._write_figures(staging / "plots", figures)
        return out_dir

    def _write_figures(self, folder: Path, figures: FigureOptions | None) -> None:
        from iei_sim.plots import write_network_plots, write_run_plots
        from iei_sim.plots.run_figures import RunContext

        run = RunContext(self.scenario, self.seed, int(self.timeseries["step"].max()))
        write_run_plots(self.timeseries, folder, run, figures)
        write_network_plots(
            self.partnerships,
            self.schools,
            self.firms,
            self.timeseries["step"],
            folder,
            run,
            figures,
        )


def run_scenario(
    scenario: Scenario,
    seed: int | None = None,
    steps: int | None = None,
    progress: ProgressCallback | None = None,
) -> RunResult:
    """Simulate ``scenario`` for ``steps`` years (default: the scenario's) from ``seed``."""
    seed = scenario.seed if seed is None else seed
    steps = scenario.steps if steps is None else steps
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    started = now()
    model = build_model(scenario, seed)
    for done in range(1, steps + 1):
        model.step()
        if progress is not None:
            progress(done, steps)
    result = collect_result(model, scenario, seed)
    result.started = started
    return result


def simulate_outcomes(
    scenario: Scenario,
    seed: int,
    each_year: Callable[[IEIModel], None] | None = None,
    outcomes: Collection[str] | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Just the outcomes of a run (time series and summary), without the agent and ledger
    tables: what experiments keep, at a fraction of the collection cost. ``outcomes``: only
    these are computed each year (the others are not, and are absent from both); a kept one
    has the value a full run gives it. ``each_year`` is called with the model after each
    year, to read (never change) what the year computed."""
    model = build_model(scenario, seed)
    model.kept_outcomes = None if outcomes is None else frozenset(outcomes)
    for _ in range(scenario.steps):
        model.step()
        if each_year is not None:
            each_year(model)
    return _outcomes(model, scenario, seed)


def _outcomes(model: IEIModel, scenario: Scenario, seed: int) -> tuple[pd.DataFrame, dict]:
    names = _recorded(model)
    timeseries = _timeseries(model, names)
    timeseries.insert(0, "step", range(1, len(timeseries) + 1))
    summary = {
        "scenario": scenario.name,
        "scenario_hash": scenario_hash(scenario),
        "seed": seed,
        "steps": int(model.reported_years),
        "iei_sim_version": __version__,
        **summarise(timeseries, scenario.summary_window, names),
    }
    return timeseries, summary


def _recorded(model: IEIModel) -> list[str]:
    """The outcomes the model computed each year, in registry order."""
    kept = model.kept_outcomes
    return list(OUTCOMES) if kept is None else [name for name in OUTCOMES if name in kept]


def _timeseries(model: IEIModel, names: list[str]) -> pd.DataFrame:
    """The outcomes the model recorded each year, one row per year (all floats)."""
    rows = [[record[name] for name in names] for record in model.records]
    return pd.DataFrame(np.array(rows, dtype=float).reshape(-1, len(names)), columns=names)


def collect_result(model: IEIModel, scenario: Scenario, seed: int) -> RunResult:
    """Turn a finished model into a RunResult.

    Years in the tables count from the policy's start: a spin-up's ledger flows are left out,
    and a partnership formed during the spin-up has a ``start_step`` of 0 or less. Stocks and
    running totals (balances, ``partnerships_ever``, ``net_benefit_total``) are the state the
    spin-up left plus what the reported years added.
    """
    timeseries, summary = _outcomes(model, scenario, seed)
    ledger = model.ledger.flows()
    partnerships = _partnership_table(model)
    if model.spin_up_years:
        ledger = ledger[ledger["step"] > model.spin_up_years].reset_index(drop=True)
        ledger["step"] -= model.spin_up_years
        for column in ("start_step", "end_step"):
            partnerships[column] = pd.to_numeric(partnerships[column]) - model.spin_up_years
    return RunResult(
        scenario=scenario,
        seed=seed,
        timeseries=timeseries,
        summary=summary,
        ledger=ledger,
        firms=_firm_table(model),
        schools=_school_table(model),
        partnerships=partnerships,
    )


def default_out_dir(scenario: Scenario, seed: int, root: str | Path = "results") -> Path:
    """``results/<name>/<hash>-seed<seed>``: the same scenario and seed always land in one place."""
    return Path(root) / scenario.name / f"{scenario_hash(scenario)[:10]}-seed{seed}"


def _firm_table(model: IEIModel) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "firm": f.index,
            "region": f.region,
            "sector": f.sector,
            "size": f.size,
            "tech_level": f.tech_level,
            "discount_rate": f.discount_rate,
            "hires_per_year": f.hires_per_year,
            "participating": f.participating,
            "certified": f.certified,
            "active_partnerships": len(f.partnerships),
            "partnerships_ever": f.partnerships_ever,
            "max_depth": max((p.depth for p in f.partnerships), default=0),
            "belief": f.belief,
            "willingness": f.willingness,
            "net_benefit_last_year": f.realised_net_benefit,
            "net_benefit_total": f.cumulative_net_benefit,
            "cash": f.cash,
        }
        for f in model.firm_list
    )


def _school_table(model: IEIModel) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "school": s.index,
            "region": s.region,
            "type": s.school_type,
            "programmes": ";".join(s.programmes),
            "enrolment": s.enrolment,
            "reputation": s.reputation,
            "dual_qualified_share": s.dual_qualified_share,
            "practical_share": s.practical_share,
            "active_partnerships": len(s.partnerships),
            "projects_total": s.projects_total,
            "belief": s.belief,
            "willingness": s.willingness,
            "budget": s.budget,
        }
        for s in model.school_list
    )


def _partnership_table(model: IEIModel) -> pd.DataFrame:
    columns = [
        "partnership",
        "school",
        "firm",
        "start_step",
        "end_step",
        "depth",
        "depth_name",
        "peak_depth",
        "orientation",
        "trust",
        "firm_money",
        "equipment",
        "mentor_hours",
        "interns",
    ]
    rows = [
        {
            "partnership": p.id,
            "school": p.school.index,
            "firm": p.firm.index,
            "start_step": p.start_step,
            "end_step": p.end_step,
            "depth": p.depth,
            "depth_name": Depth(p.depth).label,
            "peak_depth": p.peak_depth,
            "orientation": p.orientation,
            "trust": p.trust,
            "firm_money": p.totals.get("firm_money", 0.0),
            "equipment": p.totals.get("equipment", 0.0),
            "mentor_hours": p.totals.get("mentor_hours", 0.0),
            "interns": p.totals.get("interns", 0.0),
        }
        for p in model.partnerships
    ]
    return pd.DataFrame(rows, columns=columns)
