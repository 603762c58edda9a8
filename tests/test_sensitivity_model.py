"""Sensitivity analysis of the real model through ``iei-sim sensitivity``: the indices find what
the model does, runs use common random numbers (and the dummy its own), a killed analysis
resumes to the same indices without duplicate runs, and bad input exits 2 writing nothing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.conftest import SCENARIOS
from tests.helpers import tiny_experiment
from typer.testing import CliRunner

from iei_sim.cli import app
from iei_sim.experiments import ResultsStore
from iei_sim.sensitivity import DUMMY, prepare, run_sensitivity
from iei_sim.sensitivity.evaluate import STREAM_STRIDE, dummy_stream

SMALL = SCENARIOS / "small.yaml"

# The small scenario over 6 years, with technology change switched off: its rate is then a
# parameter the model provably ignores, next to a strong lever (the intern subsidy, MODEL.md §3)
# and a weak one (the practical-course floor; Morris screening ranks it near the bottom).
MODEL_EXPERIMENT = f"""\
name: sa_model
base: {SMALL}
overrides:
  steps: 6
  summary_window: 3
  knowledge.enabled: false
levers:
  policy.subsidies.per_intern: {{low: 0.0, high: 3.0}}
  policy.practical_share_floor: {{low: 0.0, high: 0.6}}
uncertainties:
  knowledge.tech_change_rate: {{low: 0.02, high: 0.10}}
include_dummy: true
method: {{name: sobol, samples: 8, seed: 0}}
replicates: 2
outcomes: [firm_participation_rate, fiscal_cost, student_coverage]
"""

# A run of a few hundredths of a second, for the plumbing tests (resume, Morris, discovery).
TINY_EXPERIMENT = tiny_experiment(
    "sa_tiny",
    """\
levers:
  policy.subsidies.per_intern: {low: 0.0, high: 2.0}
  policy.monitoring.intensity: {low: 0.0, high: 0.4}
include_dummy: true
method: {name: {method}, samples: {samples}, seed: 1, resamples: 20}
replicates: 2
outcomes: [firm_participation_rate, fiscal_cost]
""",
)


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


def tiny(tmp: Path, method: str = "sobol", samples: int = 4, name: str = "tiny.yaml") -> Path:
    path = tmp / name
    path.write_text(TINY_EXPERIMENT.replace("{method}", method).replace("{samples}", str(samples)))
    return path


@pytest.fixture(scope="module")
def model_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The analysis of MODEL_EXPERIMENT, run once through the command line (2 workers)."""
    folder = tmp_path_factory.mktemp("sa_model")
    experiment = folder / "sa_model.yaml"
    experiment.write_text(MODEL_EXPERIMENT)
    out = folder / "out"
    result = invoke("sensitivity", experiment, "--workers", "2", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_sobol_finds_the_strong_lever_and_the_ignored_parameter(model_run: Path) -> None:
    indices = pd.read_csv(model_run / "indices.csv")
    assert list(indices.columns) == ["outcome", "factor", "index", "value", "conf"]
    assert set(indices["index"]) == {"S1", "ST"}
    st = indices[indices["index"] == "ST"].set_index(["outcome", "factor"])["value"]
    participation = st["firm_participation_rate"].drop(DUMMY)
    assert participation.idxmax() == "policy.subsidies.per_intern"
    assert participation["policy.subsidies.per_intern"] > 0.2
    # ignored by the model: common random numbers make its runs identical, so exactly 0
    for outcome in ("firm_participation_rate", "fiscal_cost", "student_coverage"):
        assert st[(outcome, "knowledge.tech_change_rate")] == 0.0
    # the subsidy is most of the fiscal cost's variation; the weak floor is far behind
    fiscal = st["fiscal_cost"]
    assert fiscal["policy.subsidies.per_intern"] > 5 * fiscal["policy.practical_share_floor"]


def test_outputs_are_written_and_the_noise_is_reported(model_run: Path) -> None:
    for name in (
        "indices.csv",
        "convergence.csv",
        "noise.csv",
        "summary.txt",
        "samples.parquet",
        "problem.json",
        "indices.png",
        "heatmap.png",
        "convergence.png",
    ):
        assert (model_run / name).stat().st_size > 0, name
    noise = pd.read_csv(model_run / "noise.csv").set_index("outcome")
    assert ((noise["noise_share"] > 0) & (noise["noise_share"] < 1.5)).all()
    convergence = pd.read_csv(model_run / "convergence.csv")
    assert sorted(convergence["samples"].unique()) == [4, 8]
    summary = (model_run / "summary.txt").read_text()
    assert "policy.subsidies.per_intern" in summary and "replicate noise" in summary
    samples = pd.read_parquet(model_run / "samples.parquet")
    assert len(samples) == 8 * 6 and DUMMY in samples.columns
    runs = ResultsStore(model_run).runs()
    assert len(runs) == 8 * 6 * 2 and runs["run_key"].is_unique
    assert DUMMY not in runs.columns  # the model never sees the dummy


def test_common_random_numbers_and_the_dummy_stream(tmp_path: Path) -> None:
    """Saltelli rows that differ in a real factor share seeds; a row that differs from its
    base row only in the dummy is the same scenario with other seeds."""
    plan = prepare(tiny(tmp_path))
    d = plan.problem["num_vars"]
    dummy = plan.problem["names"].index(DUMMY)
    by_row: dict[int, list] = {}
    for task in plan.evaluation.tasks:
        by_row.setdefault(task.point, []).append(task)
    block = d + 2
    for start in range(0, len(plan.x), block):
        a = by_row[start]
        for j in range(d):
            ab = by_row[start + 1 + j]
            if j == dummy:
                assert [t.scenario_hash for t in ab] == [t.scenario_hash for t in a]
                assert {t.seed for t in ab}.isdisjoint({t.seed for t in a})
            else:
                assert [t.seed for t in ab] == [t.seed for t in a]
                assert ab[0].scenario_hash != a[0].scenario_hash
        stream = dummy_stream(plan.x[start, dummy])
        assert [t.seed for t in a] == [STREAM_STRIDE * stream + r for r in range(2)]
    again = prepare(tiny(tmp_path))
    assert [t.key for t in again.evaluation.tasks] == [t.key for t in plan.evaluation.tasks]


def test_a_reseeded_dummy_measures_the_noise_of_the_means() -> None:
    """Pushed through the same analysis, a dummy that only changes the seeds gets a total index
    equal to the share of the replicate means' variance that is noise."""
    from iei_sim.experiments.spec import Method
    from iei_sim.sensitivity import analyze

    problem = {
        "num_vars": 3,
        "names": ["a", "b", DUMMY],
        "bounds": [[0.0, 1.0]] * 3,
        "dists": ["unif"] * 3,
        "kinds": ["lever", "lever", "dummy"],
        "clip": [(0.0, 1.0)] * 3,
    }
    from iei_sim.sensitivity.sampling import sample

    method = Method(name="sobol", samples=1024, seed=2)
    x = sample(problem, method)
    replicates, sigma = 2, 0.8
    noise = np.array(
        [
            [np.random.default_rng(STREAM_STRIDE * dummy_stream(u) + r).normal() for r in range(2)]
            for u in x[:, 2]
        ]
    )
    y = (2 * x[:, [0]] + x[:, [1]] + sigma * noise).mean(axis=1)
    table = analyze(problem, method, x, y)
    st = table[table["index"] == "ST"].set_index("factor")
    expected = sigma**2 / replicates / y.var()
    assert st.at[DUMMY, "value"] == pytest.approx(expected, abs=2 * st.at[DUMMY, "conf"] + 0.02)
    assert st.at["a", "value"] > st.at["b", "value"] > 0


def test_a_killed_analysis_resumes_to_the_same_indices(tmp_path: Path) -> None:
    experiment = tiny(tmp_path)
    whole = run_sensitivity(prepare(experiment), out=tmp_path / "whole", plots=False)
    assert whole.analysed

    def kill_after_15(done: int, total: int) -> None:
        if done >= 15:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sensitivity(prepare(experiment), out=tmp_path / "killed", progress=kill_after_15)
    assert not (tmp_path / "killed" / "indices.csv").exists()
    resumed = run_sensitivity(prepare(experiment), out=tmp_path / "killed", plots=False)
    assert resumed.report.skipped == 15 and resumed.report.done == whole.report.total - 15
    runs = ResultsStore(tmp_path / "killed").runs()
    assert runs["run_key"].is_unique and len(runs) == whole.report.total
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "killed" / "indices.csv"),
        pd.read_csv(tmp_path / "whole" / "indices.csv"),
    )
    # a bigger sample plans every run of the smaller one (nested Sobol'), so it reuses them
    bigger = prepare(experiment, samples=8).evaluation.keys
    assert prepare(experiment).evaluation.keys < bigger


def test_morris_screening_writes_mu_star_sigma(tmp_path: Path) -> None:
    out = tmp_path / "morris"
    result = invoke("sensitivity", tiny(tmp_path, "morris", 4), "--out", out)
    assert result.exit_code == 0, result.output
    indices = pd.read_csv(out / "indices.csv")
    assert {"mu_star", "sigma", "mu"} <= set(indices["index"])
    assert set(indices["factor"]) == {
        "policy.subsidies.per_intern",
        "policy.monitoring.intensity",
        DUMMY,
    }
    assert (out / "morris_mu_sigma.png").stat().st_size > 0
    assert len(pd.read_parquet(out / "samples.parquet")) == 4 * 4


def test_samples_and_replicates_options_override_the_file(tmp_path: Path) -> None:
    out = tmp_path / "quick"
    result = invoke(
        "sensitivity", tiny(tmp_path, "pawn", 40), "--samples", "20", "--replicates", "1",
        "--out", out, "--no-plots",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(ResultsStore(out).runs()) == 20
    assert set(pd.read_csv(out / "indices.csv")["index"]) == {"pawn"}
    assert not (out / "indices.png").exists()


BAD = {
    "reversed bounds": (
        "levers:\n  policy.subsidies.per_intern: {low: 2, high: 0}\n",
        "bounds reversed",
    ),
    "unknown factor path": (
        "levers:\n  policy.subsidies.per_inter: {low: 0, high: 1}\n",
        "did you mean",
    ),
    "values factor": (
        "levers:\n  policy.subsidies.per_intern: {values: [0, 1]}\n",
        "not a list of `values`",
    ),
    "non-numeric field": (
        "levers:\n  policy.risk_sharing.rule: {low: 0, high: 1}\n",
        "a range needs a numeric field",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_factors_exit_2_and_write_nothing(tmp_path: Path, case: str) -> None:
    levers, message = BAD[case]
    text = f"name: bad\nbase: {SMALL}\n{levers}method: {{name: sobol, samples: 8}}\n"
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    result = invoke("sensitivity", path, "--out", out)
    assert result.exit_code == 2, result.output
    assert message in result.output and "bad.yaml" in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("method", "extra", "message"),
    [
        ("{name: sobol, samples: 100}", [], "must be a power of 2"),
        ("{name: sobol, samples: 64}", ["--samples", "48"], "--samples: Sobol' `samples` must"),
        ("{name: morris, samples: 10, levels: 5}", [], "must be even"),
        ("{name: delta, samples: 10}", [], "at least 20"),
        (None, [], "needs a `method` section"),
    ],
)
def test_bad_methods_exit_2_and_write_nothing(
    tmp_path: Path, method: str | None, extra: list[str], message: str
) -> None:
    text = (
        f"name: bad\nbase: {SMALL}\nlevers:\n  policy.subsidies.per_intern: {{low: 0, high: 1}}\n"
    )
    if method:
        text += f"method: {method}\n"
    else:
        text += "design: {kind: latin_hypercube, samples: 4}\n"
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    result = invoke("sensitivity", path, "--out", out, *extra)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not out.exists()


def test_a_folder_of_another_experiment_is_refused(tmp_path: Path, model_run: Path) -> None:
    before = sorted(p.name for p in model_run.iterdir())
    result = invoke("sensitivity", tiny(tmp_path), "--out", model_run)
    assert result.exit_code == 2
    assert "different experiment" in " ".join(result.output.split())
    assert sorted(p.name for p in model_run.iterdir()) == before


@pytest.mark.slow
def test_sobol_on_the_small_scenario_ranks_levers_like_morris(tmp_path: Path) -> None:
    """The full small scenario (10 years) with five levers: the intern subsidy and the platform
    lead firm participation; the intern subsidy leads fiscal cost. The dual-teacher subsidy pays per
    teacher newly qualified, so it costs little and barely moves participation."""
    experiment = tmp_path / "five.yaml"
    experiment.write_text(
        textwrap.dedent(
            f"""\
            name: five
            base: {SMALL}
            overrides: {{policy.platform.enabled: true}}
            levers:
              policy.subsidies.per_intern: {{low: 0.0, high: 2.0}}
              policy.platform.search_cost_reduction: {{low: 0.0, high: 0.9}}
              policy.subsidies.per_dual_teacher: {{low: 0.0, high: 0.5}}
              policy.practical_share_floor: {{low: 0.0, high: 0.6}}
              policy.subsidies.per_deep_project: {{low: 0.0, high: 5.0}}
            include_dummy: true
            method: {{name: sobol, samples: 32, seed: 0}}
            replicates: 2
            outcomes: [firm_participation_rate, fiscal_cost]
            """
        )
    )
    out = run_sensitivity(prepare(experiment), out=tmp_path / "out", workers=2, plots=False)
    st = out.indices[out.indices["index"] == "ST"].set_index(["outcome", "factor"])["value"]
    top = st["firm_participation_rate"].drop(DUMMY).nlargest(2).index
    assert set(top) == {"policy.subsidies.per_intern", "policy.platform.search_cost_reduction"}
    assert st["fiscal_cost"].drop(DUMMY).idxmax() == "policy.subsidies.per_intern"
    assert st[("fiscal_cost", "policy.subsidies.per_dual_teacher")] < 0.05
    assert st[("firm_participation_rate", "policy.subsidies.per_dual_teacher")] < 0.01
