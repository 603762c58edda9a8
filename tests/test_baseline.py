"""The readable regression baseline: each case's run against its committed ``tests/baseline/*.json``.

A failure lists every changed key with its committed and new value and relative change; a
deliberate change of results is re-baselined with ``make rebaseline`` (tests/baseline/README.md).
The comparison itself (``tests/baseline/diff.py``) is tested here on synthetic dicts, so that a
green baseline test means "same numbers", not "a comparison that cannot fail".
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import pytest
from tests.baseline.cases import (
    BASELINE_DIR,
    CASES,
    Case,
    case_named,
    compare,
    compute,
    dumps,
    loads,
    read,
)
from tests.baseline.diff import ABS_TOL, REBASELINE_HINT, REL_TOL, diff, format_diff, same
from tests.baseline.update import rebaseline

# --- the real comparison ----------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_run_matches_the_committed_baseline(case: Case) -> None:
    """The case's run gives the committed numbers, key by key, within the stated tolerance."""
    committed = read(case)
    if committed is None:
        pytest.fail(
            f"{case.path.name} is missing: run `make rebaseline` and commit it", pytrace=False
        )
    matches, report = compare(case.name, committed, compute(case))
    if not matches:
        pytest.fail(f"{report}\n{REBASELINE_HINT}", pytrace=False)


def test_a_changed_parameter_fails_the_comparison() -> None:
    """A small change of one parameter (firms' hiring, 3.0 → 3.3 per SME and year) is caught,
    and the report names the changed outcomes with their committed numbers."""
    case = case_named("small-seed0")
    committed = read(case)
    assert committed is not None
    new = compute(case, extra_overrides={"firms.hires_per_year_sme": 3.3})
    assert new["case"] == committed["case"]  # only the numbers can tell
    matches, report = compare(case.name, committed, new)
    assert not matches
    result = diff(committed["values"], new["values"])
    assert len(result.changed) >= 10 and not result.missing and not result.extra
    hires = "ledger.by_purpose.graduate_hire"
    assert any(change.key == hires for change in result.changed)
    assert re.search(rf"^  {re.escape(hires)}\s+{committed['values'][hires]!r}\s", report, re.M)


def test_every_case_has_one_committed_file_and_no_file_is_stale() -> None:
    assert sorted(p.stem for p in BASELINE_DIR.glob("*.json")) == sorted(c.name for c in CASES)


def test_committed_files_are_in_the_canonical_readable_form() -> None:
    """Sorted keys, indent 2, repr floats, a header: what the updater writes, so that a
    re-baseline's git diff shows only the values that changed."""
    for case in CASES:
        text = case.path.read_text(encoding="utf-8")
        record = loads(text)
        assert dumps(record) == text, case.name
        assert set(record) == {"case", "iei_sim_version", "scenario_hash", "values"}
        assert set(record["case"]) == {"scenario", "overrides", "seed", "steps"}
        assert record["case"]["scenario"] == case.scenario
        assert all(key.startswith(("summary.", "ledger.")) for key in record["values"])


def test_the_instruments_case_uses_every_instrument_and_the_baseline_case_is_short() -> None:
    """Every paying instrument of the all-instruments case leaves money in the ledger, so a
    change to its mechanism moves the baseline (the platform pays nothing: it acts on partner
    search); the full-size baseline case runs 5 years only."""
    record = read(case_named("small-all-instruments-seed0"))
    assert record is not None
    paid = record["values"]
    for purpose in (
        "tax_deduction",  # tax deduction
        "intern_subsidy",  # subsidies per intern, deep project and dual teacher
        "deep_project_subsidy",
        "dual_teacher_subsidy",
        "risk_compensation",  # shared risk with a fund, and insurers
        "insurance_payout",
        "evaluation_funding",  # monitoring with funding linked to results
        "education_bonus",
    ):
        assert paid[f"ledger.by_purpose.{purpose}"] > 0, purpose
    assert paid["summary.certified_firm_share"] > 0
    plain = read(case_named("small-seed0"))
    assert plain is not None and "ledger.by_purpose.tax_deduction" not in plain["values"]
    short = read(case_named("baseline-5-years-seed42"))
    assert short is not None and short["case"]["steps"] == 5


def test_a_perturbed_committed_value_is_reported_with_its_key_and_numbers() -> None:
    """One value of a real committed file, moved by 1e-6 relative: exactly that key is
    reported, with both numbers and the relative change."""
    record = read(case_named("small-seed1"))
    assert record is not None
    committed = record["values"]
    key = "summary.firm_willingness"
    new = {**committed, key: committed[key] * (1 + 1e-6)}
    result = diff(committed, new)
    assert [c.key for c in result.changed] == [key]
    (change,) = result.changed
    assert (change.committed, change.new) == (committed[key], new[key])
    assert change.relative == pytest.approx(1e-6, rel=1e-6)
    text = format_diff("small-seed1", result)
    assert f"1 of {len(committed)} values changed" in text
    assert repr(committed[key]) in text and repr(new[key]) in text and "+1.000e-06" in text


def test_rebaseline_prints_the_changes_then_rewrites_and_removes_stale_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The updater on a scratch copy: one committed value perturbed and one stale file. With
    ``--check`` it prints the key's row and writes nothing; then it restores the true value
    (the committed text, byte for byte) and removes the stale file."""
    case = case_named("small-seed0")
    key = "summary.partnerships_active"
    record = read(case)
    assert record is not None
    true_value, count = record["values"][key], len(record["values"])
    record["values"][key] = 99.5
    scratch = tmp_path / case.path.name
    scratch.write_text(dumps(record), encoding="utf-8")
    shutil.copy(case.path, tmp_path / "old-case.json")

    assert rebaseline([case], tmp_path, check=True) == 1
    out = capsys.readouterr().out
    assert f"small-seed0: 1 of {count} values changed" in out
    assert re.search(rf"^  {re.escape(key)}\s+99\.5\s+{true_value!r}\s", out, re.M)
    assert "old-case.json: no case of that name any more" in out and REBASELINE_HINT in out
    assert scratch.read_text(encoding="utf-8") == dumps(record)  # --check writes nothing
    assert (tmp_path / "old-case.json").exists()

    assert rebaseline([case], tmp_path) == 0
    out = capsys.readouterr().out
    assert f"small-seed0: 1 of {count} values changed" in out and "old-case.json" in out
    assert scratch.read_text(encoding="utf-8") == case.path.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == [case.path.name]

    assert rebaseline([case], tmp_path, check=True) == 0
    assert f"small-seed0: all {count} values as committed" in capsys.readouterr().out


# --- the diff function on synthetic dicts -----------------------------------------------------


def test_values_within_the_tolerance_are_equal() -> None:
    committed = {"a": 1.0, "b": 1e6, "c": 0.0, "d": 3, "e": 0.0082760744}
    new = {"a": 1.0 + 1e-13, "b": 1e6 * (1 + 5e-10), "c": 1e-12, "d": 3.0, "e": 0.0082760745}
    assert not diff(committed, new)  # "e": one unit in the 10th decimal, summaries' rounding
    assert diff(committed, new).compared == 5


def test_changed_missing_and_extra_keys_are_each_reported() -> None:
    committed = {"same": 2.0, "changed": 2.0, "gone": 1.5, "zero": 0.0}
    new = {"same": 2.0, "changed": 2.5, "added": 7.0, "zero": 0.1}
    result = diff(committed, new)
    assert [(c.key, c.committed, c.new) for c in result.changed] == [
        ("zero", 0.0, 0.1),  # from zero: an infinite relative change, first
        ("changed", 2.0, 2.5),
    ]
    assert result.changed[0].relative == math.inf
    assert result.changed[1].relative == pytest.approx(0.25)
    assert result.missing == {"gone": 1.5} and result.extra == {"added": 7.0}
    assert result.compared == 3
    text = format_diff("synthetic", result)
    assert "2 of 3 values changed, 1 missing, 1 extra" in text
    assert re.search(r"^  changed\s+2\.0\s+2\.5\s+\+0\.5\s+\+2\.500e-01$", text, re.M)
    assert re.search(r"^  gone\s+1\.5$", text, re.M)
    assert re.search(r"^  added\s+7\.0$", text, re.M)
    assert text.index("missing (in the committed") < text.index("  gone")
    assert text.index("extra (computed now") < text.index("  added")


def test_nan_equals_nan_and_infinities_compare_by_sign() -> None:
    nan, inf = math.nan, math.inf
    assert same(nan, nan) and same(inf, inf) and same(-inf, -inf)
    assert not same(nan, 0.0) and not same(0.0, nan) and not same(inf, -inf)
    assert not same(inf, 1e308) and not same(1.0, inf)
    committed = {"nan": nan, "inf": inf, "to_nan": 1.0, "from_inf": inf, "flip": -inf}
    new = {"nan": nan, "inf": inf, "to_nan": nan, "from_inf": 5.0, "flip": inf}
    result = diff(committed, new)
    changes = {c.key: c.relative for c in result.changed}
    assert set(changes) == {"to_nan", "from_inf", "flip"}
    assert math.isnan(changes["to_nan"])
    assert changes["from_inf"] == -inf and changes["flip"] == inf
    assert result.changed[0].key == "to_nan"  # an undefined change ranks first
    text = format_diff("non-finite", result)
    assert re.search(r"^  to_nan\s+1\.0\s+nan\s+n/a\s+n/a$", text, re.M)
    assert re.search(r"^  flip\s+-inf\s+inf\s+\+inf\s+\+inf$", text, re.M)


def test_non_numbers_and_booleans_compare_by_equality() -> None:
    assert same("a", "a") and not same("a", "b")
    assert not same(True, 1) and not same(1, "1")
    result = diff({"label": "old"}, {"label": "new"})
    assert [(c.key, math.isnan(c.relative)) for c in result.changed] == [("label", True)]
    assert '"old"' in format_diff("strings", result)


def test_forty_changed_keys_are_all_shown_largest_relative_change_first() -> None:
    committed = {f"summary.outcome_{i:02d}": float(i + 1) for i in range(40)}
    # a relative change that is not ordered like the keys: i → (i * 7 % 40 + 1) per mille
    new = {
        key: value * (1 + ((i * 7) % 40 + 1) / 1000)
        for i, (key, value) in enumerate(committed.items())
    }
    result = diff(committed, new)
    text = format_diff("forty", result)
    rows = [line for line in text.splitlines() if line.startswith("  summary.")]
    assert len(rows) == 40
    shown = [float(row.split()[-1]) for row in rows]
    assert shown == sorted(shown, reverse=True)
    assert shown[0] == pytest.approx(0.040, rel=1e-3) and shown[-1] == pytest.approx(
        0.001, rel=1e-3
    )
    for row in rows:  # every row: key, full committed value, full new value, change, rel. change
        key = row.split()[0]
        assert row.split()[1:3] == [repr(committed[key]), repr(new[key])]
    assert text.splitlines()[0].startswith("forty: 40 of 40 values changed")
    assert f"relative {REL_TOL:g}, absolute {ABS_TOL:g}" in text.splitlines()[0]


def test_equal_values_say_so() -> None:
    assert format_diff("ok", diff({"a": 1.0}, {"a": 1.0})) == "ok: all 1 values as committed"


def test_the_file_format_round_trips_nan_and_infinities_as_strict_json() -> None:
    record = {
        "case": {"scenario": "s.yaml", "overrides": {}, "seed": 0, "steps": 1},
        "iei_sim_version": "0",
        "scenario_hash": "h",
        "values": {"b": 0.1 + 0.2, "a": math.nan, "c": math.inf, "d": -math.inf, "e": 3},
    }
    text = dumps(record)
    parsed = json.loads(text, parse_constant=lambda name: pytest.fail(f"non-strict {name}"))
    assert parsed["values"] == {
        "a": "NaN",
        "b": 0.30000000000000004,
        "c": "Infinity",
        "d": "-Infinity",
        "e": 3,
    }
    assert list(parsed) == sorted(parsed) and list(parsed["values"]) == sorted(parsed["values"])
    assert '\n  "values": {\n    "a": "NaN",' in text  # indent 2
    assert not diff(record["values"], loads(text)["values"])


def test_a_changed_case_definition_fails_even_with_equal_values() -> None:
    committed = {
        "case": {"scenario": "s.yaml", "overrides": {}, "seed": 0, "steps": 10},
        "iei_sim_version": "0.1.0",
        "scenario_hash": "aaa",
        "values": {"x": 1.0},
    }
    new = {**committed, "case": {**committed["case"], "steps": 12}, "scenario_hash": "bbb"}
    matches, report = compare("c", committed, new)
    assert not matches
    assert "the case definition changed" in report and '"steps": 12' in report
    assert "scenario hash aaa → bbb (not compared)" in report
    # a version bump alone is no change of results
    matches, report = compare("c", committed, {**committed, "iei_sim_version": "0.2.0"})
    assert matches and "iei-sim version 0.1.0 → 0.2.0 (not compared)" in report
