"""Fast smokes of the validation tools behind docs/validation.md §4.3-§5 (their full runs are
`python -m tools.dose_response`, `tools.noise_shares`, `tools.structural_alternatives`)."""

import pandas as pd
from tests.helpers import tiny
from tools import dose_response, noise_shares, structural_alternatives

from iei_sim.experiments.executors import InlineExecutor
from iei_sim.outcomes import NOISE_DOMINATED_SHARE
from iei_sim.scenario import load_scenario


def test_every_dose_and_variant_is_a_valid_scenario() -> None:
    for dose in dose_response.DOSES:
        tasks = dose_response.tasks_for(dose, 0, 2)
        assert len(tasks) == 2 * (1 + len(dose.settings))
        assert len({t.scenario_hash for t in tasks}) == 1 + len(dose.settings)
    for fields in structural_alternatives.VARIANTS.values():
        load_scenario(structural_alternatives.ROOT / "scenarios" / "baseline.yaml", fields)


def test_noise_flag_follows_the_threshold() -> None:
    noise = pd.DataFrame(
        {"outcome": ["a", "b", "c"], "noise_share": [NOISE_DOMINATED_SHARE, 0.1, float("nan")]}
    )
    assert noise_shares.flagged(noise)["noise_dominated"].tolist() == [True, False, False]


def test_alternatives_tables_from_a_tiny_run(monkeypatch) -> None:
    """The pattern and ranking tables come out of a two-variant, two-regime, 2-seed run."""
    monkeypatch.setattr(
        structural_alternatives,
        "VARIANTS",
        {"as shipped": {}, "best response": {"learning.choice": "best_response"}},
    )
    monkeypatch.setattr(structural_alternatives, "REGIMES", ("baseline", "intern_subsidy"))
    size = tiny(steps=6).model_dump(mode="json")
    monkeypatch.setattr(
        structural_alternatives,
        "SMALL_20_YEARS",
        {"regions": size["regions"], "steps": 6, "spin_up_years": 0},
    )
    tasks = structural_alternatives.tasks(2)
    rows = [result["row"] for result in InlineExecutor().run(tasks)]
    patterns, policies = structural_alternatives.tables(pd.DataFrame(rows))
    assert set(patterns["variant"]) == {"as shipped", "best response"}
    assert set(policies["regime"]) == {"intern_subsidy"}
    assert (policies["rank_by_participation"] == 1).all()
