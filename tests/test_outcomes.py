"""The outcome registry: one record per outcome feeds the summary, tables, sidecars and docs."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from iei_sim.cli import app
from iei_sim.outcomes import HEADLINES, OUTCOMES, outcome_table
from iei_sim.scenario import load_scenario
from iei_sim.vocabulary import DEPTH_LABELS, Depth, Orientation

ROOT = Path(__file__).resolve().parents[1]


def test_every_outcome_has_a_label_a_unit_and_a_summary_rule() -> None:
    for name, outcome in OUTCOMES.items():
        assert outcome.name == name
        assert outcome.label and outcome.unit.name and outcome.description
        assert outcome.summary in {"mean", "total", "final"}
        assert outcome.format(0.5) != "n/a" and outcome.format(float("nan")) == "n/a"
    assert len({o.label for o in OUTCOMES.values()}) == len(OUTCOMES), "labels must be distinct"
    assert set(HEADLINES) <= set(OUTCOMES) and len(HEADLINES) >= 6


def test_the_odd_states_each_outcomes_summary_rule_as_the_registry_does() -> None:
    """ODD §7.15's table lists outcomes with their summary rule; the registry must agree."""
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    section = odd[odd.index("### 7.15 Outcomes") :]
    checked = 0
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        for name in re.findall(r"`([a-z_]+)`", cells[0]):
            assert OUTCOMES[name].summary == cells[-1], name
            checked += 1
    assert checked == len(OUTCOMES)


def test_cohort_outcomes_mean_little_before_the_first_partnership_cohort_graduates() -> None:
    # From an empty start (no spin-up; after one, every outcome means something from year 1:
    # tests/test_spin_up.py).
    scenario = load_scenario(ROOT / "scenarios" / "small.yaml", overrides={"spin_up_years": 0})
    shortest = min(
        scenario.students.duration_vocational,
        scenario.students.duration_undergraduate,
        scenario.students.duration_graduate,
    )
    assert OUTCOMES["intern_retention_rate"].first_meaningful_year(scenario) == shortest + 1
    assert OUTCOMES["student_coverage"].first_meaningful_year(scenario) == shortest + 1
    assert OUTCOMES["firm_participation_rate"].first_meaningful_year(scenario) == 1


def test_the_sidecar_table_describes_the_chosen_outcomes_in_order() -> None:
    table = outcome_table(["fiscal_cost", "not_an_outcome", "student_coverage"])
    assert table["name"].tolist() == ["fiscal_cost", "student_coverage"]
    assert set(table.columns) >= {"name", "label", "unit", "summary", "description"}
    assert table.loc[0, "unit"] == "10k CNY" and table.loc[0, "summary"] == "total"


def test_a_run_folder_carries_its_outcomes_labels_and_units_beside_the_tables(
    tiny_scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(tiny_scenario), "--out", str(out), "--no-plots"])
    assert result.exit_code == 0, result.output
    sidecar = pd.read_csv(out / "outcomes.csv")
    timeseries = pd.read_csv(out / "timeseries.csv")
    assert sidecar["name"].tolist() == [c for c in timeseries.columns if c in OUTCOMES]
    # The headline table shows labels, and warns about cohort outcomes in a 2-year run.
    assert OUTCOMES["firm_participation_rate"].label in result.output
    assert "meanslittlebeforeyear" in "".join(result.output.split())


def test_domain_vocabulary_equals_the_strings_and_codes_in_tables() -> None:
    assert DEPTH_LABELS == ("shallow", "medium", "deep")
    assert Depth(3).label == "deep" and Depth.DEEP == 3
    assert Orientation("education") == "education" and f"{Orientation.RND}" == "rnd"


@pytest.mark.parametrize("name", ["retention", "firm_participation"])
def test_unknown_outcome_names_are_not_in_the_registry(name: str) -> None:
    assert name not in OUTCOMES


def test_the_outcomes_command_lists_the_registry() -> None:
    result = CliRunner().invoke(app, ["outcomes", "--headlines"])
    assert result.exit_code == 0, result.output
    text = "".join(result.output.split())
    assert all(name in text for name in HEADLINES)
    assert "hot_cold_index" not in text


def test_noise_dominated_flags_are_the_measured_ones() -> None:
    """The registry flags exactly the outcomes docs/noise-shares.csv measures as noise-dominated
    (python -m tools.noise_shares), and the threshold is what the table applied."""

    from iei_sim.outcomes import NOISE_DOMINATED_SHARE

    table = pd.read_csv(Path(__file__).resolve().parents[1] / "docs" / "noise-shares.csv")
    measured = set(table.loc[table["noise_dominated"], "outcome"])
    assert measured == {name for name, o in OUTCOMES.items() if o.noise_dominated}
    assert (
        table["noise_dominated"] == (table["noise_share"].fillna(0) >= NOISE_DOMINATED_SHARE)
    ).all()
    assert set(table["outcome"]) == set(OUTCOMES)
    # Employment is the review's example (science review §3): replicate noise dominates it.
    assert OUTCOMES["graduate_employment_rate"].noise_dominated
    assert not any(OUTCOMES[name].noise_dominated for name in COOPERATION_CORE)


COOPERATION_CORE = ("firm_participation_rate", "mean_partnership_depth", "education_project_share")
