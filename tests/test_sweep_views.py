"""``sweep`` and ``results`` on a sweep: every kept outcome drawn (or those asked for), figures in
the format asked for, a summary per design point at the end, and ``results`` grouped the same
way; ``results`` on a missing folder says so."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.helpers import SCENARIOS
from tests.sizes import SWEEP
from typer.testing import CliRunner

from iei_sim.cli import app
from iei_sim.cli.experiment_views import heading
from iei_sim.plots.experiment_figures import sweep_figure

# More outcomes than the four the sweep figure once drew, fiscal cost among them.
OUTCOMES = [
    "firm_participation_rate",
    "mean_partnership_depth",
    "student_coverage",
    "project_gini",
    "fiscal_cost",
    "fiscal_cost_per_participating_firm",
]
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "80"})


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> tuple[Path, Path, object]:
    folder = tmp_path_factory.mktemp("sweep")
    overrides = "".join(f"  {key}: {value}\n" for key, value in SWEEP.items())
    experiment = folder / "sweep.yaml"
    experiment.write_text(
        f"name: views\nbase: {SCENARIOS / 'small.yaml'}\noverrides:\n{overrides}"
        "  policy.tax_deduction.enabled: true\n"
        "levers:\n"
        "  policy.tax_deduction.rate: {values: [0.1, 0.4]}\n"
        "  policy.tax_deduction.certified_only: {values: [true, false]}\n"
        f"replicates: 2\noutcomes: [{', '.join(OUTCOMES)}]\n"
    )
    out = folder / "store"
    result = invoke("sweep", experiment, "--out", out, "--format", "svg", "--dpi", 100)
    assert result.exit_code == 0, result.output
    return experiment, out, result


def test_sweep_ends_with_a_summary_per_design_point(swept):
    _, out, result = swept
    summary = pd.read_csv(out / "summary.csv")
    lines = result.stdout.splitlines()
    for point, rate in zip(summary["point"], summary["policy.tax_deduction.rate"], strict=True):
        assert any(line.startswith(f"point {point}: rate={rate:g}, ") for line in lines)
    for outcome in OUTCOMES:
        assert sum(line.startswith(heading(outcome, differences=False)) for line in lines) == 4
    assert max(map(len, lines[: lines.index(next(x for x in lines if "runs done" in x))])) <= 80


def test_sweep_draws_every_kept_outcome_in_the_format_asked_for(swept):
    _, out, _ = swept
    assert (out / "sweep.svg").stat().st_size > 10_000
    assert not (out / "sweep.png").exists()
    text = (out / "sweep.svg").read_text()
    assert "Fiscal cost, whole run" in text and "Incentive spending per participating firm" in text


def test_the_sweep_figure_has_a_panel_per_outcome_or_per_chosen_one(swept):
    _, out, _ = swept
    summary = pd.read_csv(out / "summary.csv")
    factors = ["policy.tax_deduction.rate", "policy.tax_deduction.certified_only"]
    every = sweep_figure(summary, factors, OUTCOMES)
    titles = [ax.get_title() for ax in every.axes if ax.get_visible()]
    assert len(titles) == len(OUTCOMES)
    assert any(t.startswith("Fiscal cost, whole run") for t in titles)
    chosen = sweep_figure(summary, factors, ["fiscal_cost"])
    assert [ax.get_title() for ax in chosen.axes if ax.get_visible()] == [
        "Fiscal cost, whole run (10k CNY)"
    ]


def test_sweep_outcomes_option_chooses_the_panels_and_refuses_unknown_names(swept, tmp_path):
    experiment, out, _ = swept
    result = invoke("sweep", experiment, "--out", out, "--outcomes", "fiscal_cost")
    assert result.exit_code == 0, result.output
    assert heading("fiscal_cost") in result.stdout
    assert heading("project_gini", differences=False) not in result.stdout
    bad = invoke("sweep", experiment, "--out", tmp_path / "x", "--outcomes", "fiscal_costs")
    assert bad.exit_code == 2 and "did you mean 'fiscal_cost'" in bad.stderr
    assert not (tmp_path / "x").exists()


def test_results_on_a_sweep_groups_by_design_point(swept):
    _, out, _ = swept
    result = invoke("results", out)
    assert result.exit_code == 0, result.output
    for point in range(4):
        assert f"point {point}: rate=" in result.stdout
    assert "outcome means by scenario" not in result.stdout


def test_results_on_a_missing_folder_says_it_does_not_exist(tmp_path):
    result = invoke("results", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
