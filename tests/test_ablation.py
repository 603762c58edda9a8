"""``iei-sim ablate``: which knock-outs a scenario has, the table it writes and what it refuses.

The ablation's findings (which mechanism moves what) are in docs/validation.md, computed at the
shipped sizes; here the plumbing runs at the sweep size, where effects are not the point.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.helpers import SCENARIOS
from tests.sizes import SWEEP
from typer.testing import CliRunner

from iei_sim.cli import app
from iei_sim.errors import BadInputError
from iei_sim.experiments.ablation import (
    ABLATION_COLUMNS,
    BY_NAME,
    KNOCKOUTS,
    REFERENCE,
    plan_ablation,
)
from iei_sim.outcomes import COOPERATION, OUTCOMES
from iei_sim.scenario import load_scenario
from iei_sim.scenario.schema import MechanismsSpec

runner = CliRunner()
SMALL = SCENARIOS / "small.yaml"
SIZE = [f"--set={key}={value}" for key, value in SWEEP.items()]
REPLICATES = 3

# What the review (../shared/reviews/science.md §2) found inert or one-way: none of these may be
# declared output-only (issue 18); each must earn its place by moving a cooperation outcome.
REVIEWED = (
    "associations.brokerage",
    "learning.imitation",
    "students.alienation",
    "knowledge.secrecy",
    "policy.practical_share_floor",
    "schools.budget_limit",
    "schools.public_funding",
    "firms.on_paper",
    "policy.platform.open_place_list",
    "knowledge",
    "teachers",
)
# Reviewed, found inert and removed (issue 18): a file that still sets one is told why.
REMOVED = {
    "risk.equipment_wear": "fed back into nothing",
    "knowledge.rnd_feedback_probability": "moved no cooperation outcome",
    "associations.information_quality": "moved no cooperation outcome",
}


def invoke(*args, columns: int = 80):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": str(columns)})


@pytest.fixture(scope="module")
def ablated(tmp_path_factory):
    """One ablation of the tax-deduction regime through the command line, at the sweep size."""
    out = tmp_path_factory.mktemp("ablate") / "store"
    scenario = SCENARIOS / "tax_deduction.yaml"
    result = invoke("ablate", scenario, "--replicates", REPLICATES, *SIZE, "--out", out)
    assert result.exit_code == 0, result.output
    return scenario, out, result


def test_policy_instruments_off_at_baseline_are_named_and_not_run() -> None:
    plan = plan_ablation(SCENARIOS / "baseline.yaml")
    assert "incentives.tax_deduction" in plan.off and "policy.platform" in plan.off
    assert "incentives.tax_deduction" not in plan.variants
    # a part whose prerequisite does not hold is off, whatever its own switch says
    assert "policy.platform.open_place_list" in plan.off
    assert {"associations.brokerage", "learning.imitation", "risk"} <= set(plan.variants)
    on = plan_ablation(SCENARIOS / "platform.yaml")
    assert {"policy.platform", "policy.platform.open_place_list"} <= set(on.variants)


def test_each_variant_differs_from_the_reference_exactly_by_its_knockout() -> None:
    plan = plan_ablation(SCENARIOS / "tax_deduction.yaml")
    reference = plan.reference.model_dump(mode="json")
    for name, scenario in plan.variants.items():
        data = scenario.model_dump(mode="json")
        for dotted, value in BY_NAME[name].settings.items():
            node, ref = data, reference
            for key in dotted.split("."):
                node, ref = node[key], ref[key]
            assert node == value, (name, dotted)
        assert data != reference, name


def test_every_mechanism_switch_has_its_knockout_and_the_reviewed_ones_are_not_outputs() -> None:
    names = {k.mechanism for k in KNOCKOUTS}
    assert len(names) == len(KNOCKOUTS)
    # incentives and monitoring are ablated instrument by instrument (their levers), the rest whole
    switches = set(MechanismsSpec.model_fields) - {"incentives", "monitoring"}
    assert switches <= names, switches - names
    assert set(REVIEWED) <= names
    assert all(BY_NAME[name].role == "cooperation" for name in REVIEWED)
    assert all(k.seed and k.what for k in KNOCKOUTS)


@pytest.mark.parametrize("field", sorted(REMOVED))
def test_a_removed_mechanism_is_refused_with_its_reason(field: str) -> None:
    with pytest.raises(BadInputError) as caught:
        load_scenario(SCENARIOS / "baseline.yaml", {field: 0.1})
    assert field.rsplit(".", 1)[1] in str(caught.value)
    assert REMOVED[field] in str(caught.value)
    assert field not in BY_NAME


def test_ablation_csv_has_its_columns_and_a_row_per_knockout_and_outcome(ablated) -> None:
    scenario, out, _ = ablated
    table = pd.read_csv(out / "ablation.csv")
    assert tuple(table.columns) == ABLATION_COLUMNS
    assert REFERENCE not in set(table["mechanism"])
    plan = plan_ablation(scenario, {k: v for k, v in SWEEP.items()})
    assert list(dict.fromkeys(table["mechanism"])) == list(plan.variants)
    assert set(table["outcome"]) == set(OUTCOMES) & set(table["outcome"]) >= set(COOPERATION)
    counts = table.groupby("mechanism").size()
    assert (counts == counts.iloc[0]).all()
    assert set(table["role"]) <= {"cooperation", "output-only"}
    # every replicate finished, so the paired mean difference is the difference of the means (up
    # to the CSV's 6 significant digits: each of the three numbers is within 5e-6 of its size)
    gap = table["knocked_out_mean"] - table["reference_mean"] - table["diff"]
    size = table[["knocked_out_mean", "reference_mean"]].abs().max(axis=1)
    assert (gap.abs() <= 1.5e-5 * size + 1e-12).all()
    assert (table["diff_ci_low"] <= table["diff"] + 1e-12).all()
    assert (table["diff"] <= table["diff_ci_high"] + 1e-12).all()
    assert (out / "ablation.png").stat().st_size > 10_000


def test_patterns_csv_gives_every_patterns_verdict_on_the_reference_and_each_knockout(
    ablated,
) -> None:
    from iei_sim.patterns import PATTERN_KNOCKOUT_COLUMNS, PATTERNS

    scenario, out, _ = ablated
    table = pd.read_csv(out / "patterns.csv")
    assert tuple(table.columns) == PATTERN_KNOCKOUT_COLUMNS
    plan = plan_ablation(scenario, {k: v for k, v in SWEEP.items()})
    assert list(dict.fromkeys(table["mechanism"])) == [REFERENCE, *sorted(plan.variants)]
    assert (table.groupby("mechanism").size() == len(PATTERNS)).all()
    by_key = {p.key: p for p in PATTERNS}
    for row in table.itertuples():
        assert row.generates == (row.mechanism in by_key[row.pattern].generated_by)


def test_the_output_names_what_is_off_and_what_moves_nothing(ablated) -> None:
    scenario, out, result = ablated
    text = " ".join(result.output.split())
    assert f"off in {scenario.name}" in text and "policy.platform" in text
    assert "incentives.tax_deduction" in text  # on in this regime: a row of the table
    assert "moves no cooperation outcome detectably" in text
    assert all(len(line) <= 80 for line in result.output.splitlines() if str(out) not in line)


def test_without_market_and_brokerage_no_partnership_ever_forms(tmp_path: Path) -> None:
    """The one knock-out whose result is known exactly: the sweep size starts from no
    partnerships (no spin-up), and with the associations' brokerage switched off by ``--set``
    (so named as off) the market is the only way to a partnership: without it no firm takes
    part."""
    out = tmp_path / "store"
    result = invoke(
        "ablate",
        SMALL,
        "--replicates",
        2,
        *SIZE,
        "--set",
        "mechanisms.associations=false",
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    off = " ".join(result.output.split()).split("off in small.yaml", 1)[1].split("Ablation:")[0]
    assert "associations.brokerage" in off
    table = pd.read_csv(out / "ablation.csv").set_index(["mechanism", "outcome"])
    row = table.loc[("market", "firm_participation_rate")]
    assert row["knocked_out_mean"] == 0 < row["reference_mean"]
    assert row["diff"] == -row["reference_mean"]


def test_a_second_run_reuses_the_store_and_rewrites_the_same_table(ablated) -> None:
    scenario, out, _ = ablated
    before = (out / "ablation.csv").read_bytes()
    result = invoke("ablate", scenario, "--replicates", REPLICATES, *SIZE, "--out", out)
    assert result.exit_code == 0, result.output
    assert "0 done" in result.output or "already finished" in result.output
    assert (out / "ablation.csv").read_bytes() == before


def test_a_bad_scenario_or_setting_is_refused_before_anything_runs(tmp_path: Path) -> None:
    out = tmp_path / "store"
    missing = invoke("ablate", tmp_path / "nope.yaml", "--out", out)
    assert missing.exit_code == 2 and "nope.yaml" in missing.output
    bad = invoke("ablate", SMALL, "--set", "learning.rate=2", "--out", out)
    assert bad.exit_code == 2 and "learning.rate" in bad.output
    assert not out.exists()
