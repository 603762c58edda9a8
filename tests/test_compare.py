"""``compare`` end to end on the small scenario, and its parts: the registry's labels and units
in comparison.csv and on screen (80 columns, nothing cut), the printed table's formats, the
options (--steps, --set, --outcomes, --format), cost-effectiveness (CSV, notes, bootstrap) and
the caveats."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from tests.helpers import SCENARIOS
from tests.sizes import SWEEP
from typer.testing import CliRunner

from iei_sim.caveats import CAVEATS, caveats_for
from iei_sim.cli import app
from iei_sim.cli.experiment_views import comparison_view, cost_view, heading
from iei_sim.experiments import ResultsStore
from iei_sim.experiments.cost_effectiveness import (
    COST_CI_SPANS_ZERO,
    EFFECTS,
    INSTRUMENTS,
    NO_EXTRA_COST,
    cost_effectiveness_table,
    instrument_column,
)
from iei_sim.outcomes import HEADLINES, OUTCOMES

SMALL = SCENARIOS / "small.yaml"
# The sweep size over 5 years: the first cohort that could meet a partnership graduates.
STEPS = 5
SIZE = [f"--set={key}={value}" for key, value in SWEEP.items() if key != "steps"]
runner = CliRunner()


def invoke(*args, columns: int = 80):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": str(columns)})


@pytest.fixture(scope="module")
def regimes(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("regimes")
    deduction = folder / "deduction.yaml"
    deduction.write_text(
        f"extends: {SMALL}\nname: deduction\n"
        "policy: {tax_deduction: {enabled: true, rate: 0.4, certified_only: false}}\n"
    )
    platform = folder / "platform.yaml"
    platform.write_text(
        f"extends: {SMALL}\nname: platform\npolicy: {{platform: {{enabled: true}}}}\n"
    )
    return [SMALL, deduction, platform]


@pytest.fixture(scope="module")
def compared(regimes, tmp_path_factory):
    """One comparison run through the command line (3 regimes × 4 replicates, SVG figures)."""
    out = tmp_path_factory.mktemp("cmp") / "store"
    args = [*regimes, "--replicates", 4, "--steps", STEPS, *SIZE, "--out", out]
    result = invoke("compare", *args, "--format", "svg")
    assert result.exit_code == 0, result.output
    return out, args, result


def test_comparison_csv_carries_the_registrys_label_unit_and_summary_rule(compared):
    out, _, _ = compared
    table = pd.read_csv(out / "comparison.csv", keep_default_na=False)
    assert {"label", "unit", "summary_rule"} <= set(table.columns)
    for row in table.itertuples():
        known = OUTCOMES[row.outcome]
        assert (row.label, row.unit, row.summary_rule) == (
            known.label,
            known.unit.name,
            known.summary,
        )
    shares = table[table["unit"] == "share (0-1)"]
    assert shares["mean"].astype(float).between(0, 1).all()  # raw units, not percent


def test_the_runs_kept_the_steps_and_settings_asked_for(compared):
    out, _, _ = compared
    steps = ResultsStore(out).steps()
    assert steps["step"].max() == STEPS
    resolved = json.loads((out / "base_scenarios.json").read_text())
    for scenario in resolved.values():
        assert scenario["regions"]["east"]["firms"] == SWEEP["regions.east.firms"]


def test_the_printed_tables_fit_80_columns_with_every_label_whole(compared):
    _, _, result = compared
    lines = result.stdout.splitlines()
    tables = lines[: next(i for i, line in enumerate(lines) if "every kept outcome" in line)]
    assert [line for line in tables if len(line) > 80] == []  # (file paths below may be longer)
    assert "…" not in result.stdout
    for outcome in HEADLINES:
        assert heading(outcome) in lines or f"{heading(outcome)} †" in lines, outcome
    text = " ".join(result.stdout.split())
    for effect in EFFECTS:
        assert f"{effect.label} ({effect.unit})" in text
    assert "* paired p < 0.05 vs reference (small)" in text
    assert "%" in text and "percentage points" in text


def test_shares_are_shown_in_percent_and_differences_in_points(compared):
    out, _, result = compared
    table = pd.read_csv(out / "comparison.csv")
    row = table[(table.outcome == "firm_participation_rate") & (table.scenario == "deduction")]
    mean, diff = row["mean"].iloc[0], row["diff"].iloc[0]
    # The first "deduction" row is participation's: its mean in % and its difference in pp,
    # each to the display's one decimal (half a unit of the last digit: a value on a rounding
    # boundary may print either way after a float round trip).
    line = next(x for x in result.stdout.splitlines() if x.startswith("deduction"))
    shown_mean, shown_diff = (float(x) for x in re.findall(r"([+-]?\d+\.\d) \[", line)[:2])
    assert abs(shown_mean - mean * 100) <= 0.05 + 1e-9
    assert abs(shown_diff - diff * 100) <= 0.05 + 1e-9 and f"{shown_diff:+.1f} [" in line


def test_the_caveats_are_stated_once_under_each_table_where_they_matter(compared):
    _, _, result = compared
    text = " ".join(result.stdout.split())
    money, platform, fund = (c.text for c in CAVEATS)
    assert text.count(money) == 2  # the comparison's notes and the cost table's
    assert text.count(platform) == 2  # a platform regime is compared
    assert fund not in text  # no regime has a risk fund


def test_figures_are_written_in_the_format_asked_for(compared):
    out, _, _ = compared
    for stem in ("timeseries", "differences", "cost_effectiveness"):
        assert (out / f"{stem}.svg").stat().st_size > 10_000
        assert not (out / f"{stem}.png").exists()
    assert "The platform's own costs are not modelled" in (out / "timeseries.svg").read_text()


def test_table_md_prints_markdown_with_its_footnotes(compared):
    _, args, _ = compared
    result = invoke("compare", *args, "--table", "md")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = "| outcome | regime | mean | 95% CI | vs small | 95% CI | p |"
    assert header in lines
    rows = [line for line in lines if line.startswith("| ")]
    assert all(line.count(" | ") == header.count(" | ") for line in rows[:20])
    assert any(line.startswith(f"| {heading('fiscal_cost')} | deduction |") for line in lines)
    assert "- * paired p < 0.05 vs reference (small); differences" in result.stdout


def test_table_csv_and_json_are_machine_readable_on_stdout(compared):
    out, args, _ = compared
    as_csv = invoke(
        "compare", *args, "--table", "csv", "--outcomes", "fiscal_cost,student_coverage"
    )
    assert as_csv.exit_code == 0, as_csv.output
    table = pd.read_csv(io.StringIO(as_csv.stdout))
    stored = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == list(stored.columns)
    assert list(dict.fromkeys(table["outcome"])) == ["fiscal_cost", "student_coverage"]
    assert "runs done" in as_csv.stderr and "runs done" not in as_csv.stdout
    as_json = invoke("compare", *args, "--table", "json")
    document = json.loads(as_json.stdout)
    assert {r["outcome"] for r in document["comparison"]} == set(HEADLINES)
    assert [r["scenario"] for r in document["cost_effectiveness"]] == [
        "small",
        "deduction",
        "platform",
    ]
    assert any("platform" in text for text in document["caveats"])


def test_outcomes_chooses_what_is_shown(compared):
    _, args, _ = compared
    result = invoke("compare", *args, "--outcomes", "school_budget", "--outcomes", "risk_events")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert heading("school_budget") in lines and heading("risk_events") in lines
    assert heading("firm_participation_rate") not in lines


def test_an_unknown_outcome_is_refused_with_the_allowed_names_before_any_run(regimes, tmp_path):
    out = tmp_path / "cmp"
    result = invoke(
        "compare", *regimes, "--outcomes", "fiscal_cost,firm_participation", "--out", out
    )
    assert result.exit_code == 2
    assert "--outcomes: unknown outcome 'firm_participation'" in result.stderr
    assert "did you mean 'firm_participation_rate'" in result.stderr
    assert "allowed: firm_participation_rate, firm_willingness" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("steps", "--set 'steps': expected dotted.field=value"),
        ("policy.tax_deduction.rat=0.4", "policy.tax_deduction.rat"),
        ("regions.east.firms=many", "regions.east.firms"),
    ],
)
def test_a_bad_setting_is_refused_naming_it_before_any_run(regimes, tmp_path, setting, message):
    out = tmp_path / "cmp"
    result = invoke("compare", *regimes, "--set", setting, "--out", out)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists()


def test_two_files_with_one_name_are_refused_naming_both(tmp_path):
    first, second = tmp_path / "a" / "regime.yaml", tmp_path / "b" / "regime.yaml"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text(f"extends: {SMALL}\nname: same\n")
    result = invoke("compare", first, second, "--out", tmp_path / "cmp")
    assert result.exit_code == 2
    assert str(first) in result.stderr and str(second) in result.stderr
    assert not (tmp_path / "cmp").exists()


# -- cost-effectiveness -------------------------------------------------------------------------


def test_cost_effectiveness_csv_has_every_ratio_with_its_ci_and_the_split(compared):
    out, _, _ = compared
    table = pd.read_csv(out / "cost_effectiveness.csv", keep_default_na=False, na_values=[""])
    for effect in EFFECTS:
        for stem in (f"extra_{effect.name}", f"{effect.name}_per_cost"):
            assert {stem, f"{stem}_low", f"{stem}_high"} <= set(table.columns)
    for instrument in INSTRUMENTS:
        column = instrument_column(instrument)
        assert {column, f"{column}_low", f"{column}_high"} <= set(table.columns)
    rows = table.set_index("scenario")
    assert rows.loc["small", "note"] == "reference"
    assert rows.loc["deduction", "ratio_ci_method"].startswith("paired bootstrap, 2000 resamples")
    # the small scenario and the platform pay no incentive: nothing to divide by
    assert rows.loc["platform", "note"] == NO_EXTRA_COST
    assert rows.loc["platform", ["participating_firms_per_cost"]].isna().all()


def test_the_ratio_is_the_ratio_of_the_paired_mean_differences(compared):
    out, _, _ = compared
    runs = ResultsStore(out).runs()
    by = {s: g.set_index("replicate").sort_index() for s, g in runs.groupby("scenario")}
    cost = by["deduction"]["fiscal_cost"] - by["small"]["fiscal_cost"]
    firms = by["deduction"]["participating_firms"] - by["small"]["participating_firms"]
    row = pd.read_csv(out / "cost_effectiveness.csv").set_index("scenario").loc["deduction"]
    assert row["extra_fiscal_cost"] == pytest.approx(cost.mean(), rel=1e-5)
    if row["note"] != row["note"]:  # (NaN: no note, a ratio)
        expected = firms.mean() / cost.mean()
        assert row["participating_firms_per_cost"] == pytest.approx(expected, rel=1e-5)
        assert row["participating_firms_per_cost_low"] <= row["participating_firms_per_cost"]
        assert row["participating_firms_per_cost"] <= row["participating_firms_per_cost_high"]


def test_each_runs_fiscal_split_sums_to_its_fiscal_cost(compared):
    out, _, _ = compared
    runs = ResultsStore(out).runs()
    split = runs[[instrument_column(i) for i in INSTRUMENTS]].sum(axis=1)
    assert np.allclose(split, runs["fiscal_cost"], atol=1e-6)
    deduction = runs[runs.scenario == "deduction"]
    assert (deduction[instrument_column("tax_deduction")] > 0).all()
    assert (runs[runs.scenario == "small"]["fiscal_cost"] == 0).all()


def synthetic_runs(cost: dict[str, list[float]], firms: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for point, scenario in enumerate(cost):
        for replicate, (c, f) in enumerate(zip(cost[scenario], firms[scenario], strict=True)):
            rows.append(
                {
                    "scenario": scenario,
                    "point": point,
                    "replicate": replicate,
                    "status": "ok",
                    "fiscal_cost": c,
                    "participating_firms": f,
                    "students_covered": 2 * f,
                    "deep_partnerships": f / 10,
                }
            )
    return pd.DataFrame(rows)


def test_a_regime_with_no_extra_cost_gets_no_ratio_and_says_why():
    runs = synthetic_runs(
        {"ref": [5.0, 6.0, 7.0], "free": [5.0, 6.0, 7.0]},
        {"ref": [10.0, 11.0, 12.0], "free": [14.0, 13.0, 15.0]},
    )
    row = cost_effectiveness_table(runs).set_index("scenario").loc["free"]
    assert row["note"] == NO_EXTRA_COST
    assert row["extra_participating_firms"] == pytest.approx(3.0)
    assert np.isnan(row["participating_firms_per_cost"]) and np.isnan(
        row["students_covered_per_cost"]
    )


def test_an_extra_cost_whose_ci_spans_zero_gets_no_ratio_and_says_why():
    runs = synthetic_runs(
        {"ref": [5.0, 6.0, 7.0, 8.0], "noisy": [9.0, 2.0, 10.0, 6.0]},  # +4, -4, +3, -2
        {"ref": [10.0, 11.0, 12.0, 13.0], "noisy": [12.0, 12.0, 13.0, 15.0]},
    )
    row = cost_effectiveness_table(runs).set_index("scenario").loc["noisy"]
    assert row["extra_fiscal_cost_low"] < 0 < row["extra_fiscal_cost_high"]
    assert row["note"] == COST_CI_SPANS_ZERO
    assert np.isnan(row["deep_partnerships_per_cost"])


def test_a_clear_extra_cost_gets_a_ratio_with_a_reproducible_bootstrap_ci():
    runs = synthetic_runs(
        {"ref": [5.0, 6.0, 7.0, 8.0, 9.0], "paid": [15.0, 17.0, 16.0, 19.0, 18.0]},
        {"ref": [10.0, 11.0, 12.0, 13.0, 9.0], "paid": [15.0, 17.0, 16.0, 20.0, 13.0]},
    )
    first = cost_effectiveness_table(runs)
    row = first.set_index("scenario").loc["paid"]
    gains = np.array([5.0, 6.0, 4.0, 7.0, 4.0])
    costs = np.array([10.0, 11.0, 9.0, 11.0, 9.0])
    assert row["note"] == ""
    assert row["participating_firms_per_cost"] == pytest.approx(gains.mean() / costs.mean())
    assert row["students_covered_per_cost"] == pytest.approx(2 * gains.mean() / costs.mean())
    low, high = row["participating_firms_per_cost_low"], row["participating_firms_per_cost_high"]
    assert low < row["participating_firms_per_cost"] < high
    assert min(gains / costs) <= low and high <= max(gains / costs)  # inside the pairs' range
    pd.testing.assert_frame_equal(first, cost_effectiveness_table(runs))


def test_the_cost_table_fits_80_columns():
    runs = synthetic_runs(
        {"ref": [5.0, 6.0, 7.0], "a_long_regime_name": [1500.0, 1700.0, 1650.0]},
        {"ref": [10.0, 11.0, 12.0], "a_long_regime_name": [1200.0, 1300.0, 1250.0]},
    )
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(cost_view(cost_effectiveness_table(runs), [], 80))
    text = console.export_text()
    assert max(map(len, text.splitlines())) <= 80 and "…" not in text
    assert "Deep partnerships (partnerships)" in text


def test_a_wide_comparison_stacks_its_intervals_rather_than_cut_them(compared):
    out, _, _ = compared
    table = pd.read_csv(out / "comparison.csv")
    numbers = ["mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high"]
    table[numbers] *= 1e6  # numbers too wide for value and interval on one line
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(comparison_view(table, ["partnerships_active"], [], 80))
    text = console.export_text()
    assert max(map(len, text.splitlines())) <= 80 and "…" not in text
    assert re.search(r"^\s*\[", text, re.MULTILINE)  # an interval on its own line


def test_caveats_show_only_where_they_matter():
    plain = {"policy": {"platform": {"enabled": False}, "risk_sharing": {"fund_budget": 0.0}}}
    platform = {"policy": {"platform": {"enabled": True}, "risk_sharing": {"fund_budget": 0.0}}}
    funded = {"policy": {"platform": {"enabled": False}, "risk_sharing": {"fund_budget": 150}}}
    names = lambda outcomes, regimes: [c.name for c in caveats_for(outcomes, regimes)]  # noqa: E731
    assert names(["firm_participation_rate"], [plain, platform, funded]) == []
    assert names(["fiscal_cost"], [plain]) == ["stylised_money"]
    assert names(["fiscal_cost"], [plain, platform]) == ["stylised_money", "platform_not_costed"]
    assert names(["fiscal_cost"], [plain, funded]) == ["stylised_money", "risk_fund_payouts"]
    assert names(["school_budget"], [platform]) == ["stylised_money"]


def test_effects_at_stated_horizons_after_the_policy_starts(tiny_scenario, write, tmp_path):
    """effects.csv: each regime's paired effect 5 years after the policies start and in the
    long run, recomputed here from the store's yearly outcomes; 10 years is beyond a 6-year run."""
    from iei_sim.experiments import compare
    from iei_sim.experiments.store import ResultsStore

    base = write("base6.yaml", f"extends: {tiny_scenario.name}\nname: base6\nsteps: 6\n")
    deduction = write(
        "deduction6.yaml",
        "extends: base6.yaml\nname: deduction6\n"
        "policy: {tax_deduction: {enabled: true, certified_only: false}}\n",
    )
    out = compare([base, deduction], replicates=3, out=tmp_path / "store", plots=False)
    effects = pd.read_csv(tmp_path / "store" / "effects.csv")
    for column in (
        "scenario",
        "outcome",
        "horizon_years",
        "diff",
        "diff_ci_low",
        "diff_ci_high",
        "p_value",
    ):
        assert column in effects
    assert set(effects["scenario"]) == {"deduction6"}
    assert sorted(set(zip(effects["horizon"], effects["horizon_years"], strict=True))) == [
        ("5 years", 5),
        ("long run", 6),
    ]
    steps = ResultsStore(tmp_path / "store").steps()
    runs = ResultsStore(tmp_path / "store").runs().set_index("run_key")
    steps = steps.join(runs[["scenario", "replicate"]], on="run_key")

    def by_replicate(scenario: str, outcome: str, years: range) -> pd.Series:
        rows = steps[(steps["scenario"] == scenario) & steps["step"].isin(years)]
        return rows.groupby("replicate")[outcome].sum()

    for outcome, years in (("firm_participation_rate", range(5, 6)), ("fiscal_cost", range(1, 6))):
        expected = (
            by_replicate("deduction6", outcome, years) - by_replicate("base6", outcome, years)
        ).mean()
        row = effects[(effects["outcome"] == outcome) & (effects["horizon_years"] == 5)].iloc[0]
        assert row["diff"] == pytest.approx(expected, rel=1e-5, abs=1e-9)
        assert row["diff_ci_low"] <= row["diff"] <= row["diff_ci_high"]
    # the deduction costs money: its 5-year fiscal effect is positive, unlike the reference's 0
    assert effects.query("outcome == 'fiscal_cost' and horizon_years == 5")["diff"].iloc[0] > 0
    assert len(out.effects) == len(effects)  # also returned to Python callers
