"""Documentation cannot drift: the field and outcome references and ODD §3 are generated (by
``tools/``), and the ODD covers the code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel
from tools.outcome_reference import render_outcomes
from tools.scenario_reference import render_reference

from iei_sim.outcomes import HEADLINES, OUTCOMES
from iei_sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "scenario-reference.md"
OUTCOMES_DOC = ROOT / "docs" / "outcomes.md"
ODD = ROOT / "docs" / "ODD.md"
PACKAGE = ROOT / "src" / "iei_sim"

ODD_HEADINGS = [
    "## 1. Purpose and patterns",
    "## 2. Entities, state variables and scales",
    "## 3. Process overview and scheduling",
    "## 4. Design concepts",
    "## 5. Initialisation",
    "## 6. Input data",
    "## 7. Submodels",
]


def _is_section(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def schema_leaves(model: type[BaseModel] = Scenario, prefix: str = "") -> list[str]:
    """Dotted paths of every leaf field, walked independently of the generator.

    An optional section (``PolicySpec | None``) counts as one leaf: the reference gives it a row
    pointing to the section it repeats (or, if it repeats none, a section of its own).
    """
    paths: list[str] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if _is_section(annotation):
            paths += schema_leaves(annotation, f"{prefix}{name}.")
        elif get_origin(annotation) is dict and _is_section(get_args(annotation)[1]):
            paths += schema_leaves(get_args(annotation)[1], f"{prefix}{name}.<name>.")
        else:
            paths.append(f"{prefix}{name}")
    return paths


@pytest.fixture(scope="module")
def reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def odd_text() -> str:
    return ODD.read_text(encoding="utf-8")


def test_reference_is_up_to_date(reference_text: str) -> None:
    assert reference_text == render_reference(), (
        "docs/scenario-reference.md is out of date with the scenario schema; run `make docs` "
        "(python -m tools.scenario_reference > docs/scenario-reference.md) and commit it"
    )


def test_outcome_reference_is_up_to_date() -> None:
    assert OUTCOMES_DOC.read_text(encoding="utf-8") == render_outcomes(), (
        "docs/outcomes.md is out of date with the outcome registry; run `make docs` "
        "(python -m tools.outcome_reference > docs/outcomes.md) and commit it"
    )


def test_outcome_reference_has_a_table_per_outcome() -> None:
    text = OUTCOMES_DOC.read_text(encoding="utf-8")
    headings = [line[5:-1] for line in text.splitlines() if line.startswith("### `")]
    assert headings == list(OUTCOMES)
    for name in HEADLINES:
        assert f"](#{name})" in text.split("## Outcomes")[0], name


def test_reference_lists_every_leaf_field(reference_text: str) -> None:
    leaves = schema_leaves()
    assert len(leaves) > 50  # the walk really reached the nested sections
    lines = reference_text.splitlines()
    rows = {line.split("|")[1].strip() for line in lines if line.startswith("| `")}
    headings = {line[3:].strip() for line in lines if line.startswith("## `")}
    missing = [p for p in leaves if f"`{p}`" not in rows | headings]
    assert not missing, f"fields missing from docs/scenario-reference.md: {missing}"


def test_odd_has_the_protocol_sections_in_order(odd_text: str) -> None:
    lines = odd_text.splitlines()
    positions = []
    for heading in ODD_HEADINGS:
        assert heading in lines, f"docs/ODD.md lacks the heading {heading!r}"
        positions.append(lines.index(heading))
    assert positions == sorted(positions), "ODD sections are out of order"


@pytest.mark.parametrize("folder", ["mechanisms", "agents"])
def test_odd_names_every_module(odd_text: str, folder: str) -> None:
    modules = sorted(
        p.relative_to(ROOT).as_posix()
        for p in (PACKAGE / folder).glob("*.py")
        if p.name != "__init__.py"
    )
    assert modules, f"no modules found in src/iei_sim/{folder}"
    missing = [m for m in modules if m not in odd_text]
    assert not missing, f"docs/ODD.md does not mention {missing}"


def _cited_fields(odd_text: str) -> set[str]:
    """Scenario field paths the ODD cites in backticks.

    Code references are written with parentheses (`partnerships.review()`), so they are not
    mistaken for fields; file names (`firms.csv`) are skipped.
    """
    sections = {p.split(".")[0] for p in schema_leaves() if "." in p}
    pattern = re.compile(r"`((?:" + "|".join(sorted(sections)) + r")\.[A-Za-z_.<>]+)`")
    files = (".csv", ".py", ".md", ".yaml", ".json")
    return {c for c in pattern.findall(odd_text) if not c.endswith(files)}


def test_odd_parameters_exist(odd_text: str) -> None:
    """Every scenario field path the ODD cites is a real field or section."""
    leaves = set(schema_leaves())
    prefixes = {p.rsplit(".", i)[0] for p in leaves for i in range(1, p.count(".") + 1)}
    cited = _cited_fields(odd_text)
    assert cited, "the ODD cites no scenario fields"
    unknown = sorted(c for c in cited if c not in leaves and c not in prefixes)
    assert not unknown, f"docs/ODD.md cites fields the schema does not have: {unknown}"


def test_odd_covers_every_schema_section(odd_text: str) -> None:
    """Each section of the schema (`risk`, `policy.monitoring`, ...) is cited somewhere in the ODD,
    so a new submodel's parameters cannot arrive without the ODD describing them."""
    sections = {p.rsplit(".", 1)[0] for p in schema_leaves() if "." in p}
    cited = _cited_fields(odd_text)
    missing = sorted(s for s in sections if not any(c == s or c.startswith(f"{s}.") for c in cited))
    assert not missing, f"docs/ODD.md cites no field of these schema sections: {missing}"


def test_odd_links_to_existing_reference_sections(odd_text: str, reference_text: str) -> None:
    anchors = {
        "".join(c for c in line[3:].lower() if c.isalnum() or c in "_- ").replace(" ", "-")
        for line in reference_text.splitlines()
        if line.startswith("## ")
    }
    linked = set(re.findall(r"scenario-reference\.md#([\w-]+)", odd_text))
    broken = sorted(linked - anchors)
    assert not broken, f"docs/ODD.md links to missing reference sections: {broken}"


def test_odd_describes_every_outcome(odd_text: str) -> None:
    """Each outcome a run reports is named (in backticks) in the ODD's outcome submodel."""
    missing = [name for name in OUTCOMES if f"`{name}`" not in odd_text]
    assert not missing, f"docs/ODD.md does not describe these outcomes: {missing}"


def test_odd_process_overview_is_the_schedule(odd_text: str) -> None:
    """ODD §3's list of the year is written from the schedule the model runs: no drift."""
    from tools.odd_schedule import generated_block, odd_process_overview

    assert generated_block(odd_text).strip() == odd_process_overview().strip(), (
        "docs/ODD.md §3 is out of date with the schedule; run `make docs` "
        "(python -m tools.odd_schedule docs/ODD.md) and commit it"
    )


def test_every_mechanism_has_a_switch_and_a_phase() -> None:
    """Each mechanism the model builds is in the schedule and in `mechanisms.<name>`."""
    from iei_sim.model import MECHANISMS
    from iei_sim.scenario.schema import MechanismsSpec
    from iei_sim.schedule import mechanism_names

    assert list(MECHANISMS) == sorted(MECHANISMS, key=mechanism_names().index)
    assert set(MECHANISMS) == set(mechanism_names()) == set(MechanismsSpec.model_fields)


def _package_sources() -> dict[str, str]:
    return {
        p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(PACKAGE.rglob("*.py"))
    }


def test_cited_docs_exist() -> None:
    """Every ``docs/<name>.md`` a docstring or comment of the package cites is a real file."""
    cited = {
        (module, name)
        for module, text in _package_sources().items()
        for name in re.findall(r"\bdocs/([\w./-]+?\.md)\b", text)
    }
    assert len(cited) > 3  # the pattern finds the citations
    missing = sorted(
        f"{module}: docs/{name}" for module, name in cited if not (ROOT / "docs" / name).is_file()
    )
    assert not missing, f"cited documents that do not exist: {missing}"


def test_cited_odd_sections_exist(odd_text: str) -> None:
    """Every section the package cites as ``ODD §N`` or ``docs/ODD.md §N.M`` is a heading of
    the ODD (``## N.`` or ``### N.M``)."""
    headings = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", odd_text, flags=re.M))
    cited = {
        (module, section)
        for module, text in _package_sources().items()
        for section in re.findall(r"\bODD(?:\.md)? §(\d+(?:\.\d+)?)", text)
    }
    assert len(cited) > 10  # the pattern finds the citations
    missing = sorted(
        f"{module}: §{section}" for module, section in cited if section not in headings
    )
    assert not missing, f"cited ODD sections that do not exist: {missing}"


# -- the README's first session ---------------------------------------------------------------------

README = ROOT / "README.md"
FIRST_RUN_MARK = "<!-- first-10-minutes:"


def _first_run_rows() -> dict[str, str]:
    """Label → value of the outcome table the README's "First 10 minutes" says a run prints."""
    text = README.read_text(encoding="utf-8").split(FIRST_RUN_MARK, 1)[1]
    block = text.split("```", 2)[1]
    rows = {}
    for line in block.splitlines():
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        if len(cells) == 3 and cells[0] not in ("", "outcome"):
            rows[cells[0]] = cells[1]
    return rows


def test_readme_first_run_shows_what_a_run_of_small_yaml_prints() -> None:
    """Every headline row of the README's expected output, recomputed: a model change that
    moves one of these numbers makes the README say so."""
    from iei_sim import load_scenario, run_scenario

    scenario = load_scenario(ROOT / "scenarios" / "small.yaml")
    summary = run_scenario(scenario).summary
    expected = {OUTCOMES[k].label: OUTCOMES[k].format(summary[k]) for k in HEADLINES}
    assert _first_run_rows() == expected


def test_readme_lists_every_figure_a_run_draws() -> None:
    from iei_sim.plots.run_figures import RUN_FIGURES

    text = README.read_text(encoding="utf-8")
    for stem in [*RUN_FIGURES, "network", "depth_ladder"]:
        assert f"`{stem}.png`" in text, stem


def test_readme_speaks_of_source_studies_not_seed_papers() -> None:
    text = README.read_text(encoding="utf-8")
    assert not re.search(r"seed papers|the seeds'", text)
    assert "source studies" in text


def test_calibrations_knockout_table_is_the_committed_ablations():
    """docs/calibration.md's "Patterns under knock-out" has a row per pattern and generating
    knock-out, and its figures are those of docs/ablation-patterns-*.csv."""
    import pandas as pd

    from iei_sim.patterns import PATTERNS

    text = (ROOT / "docs" / "calibration.md").read_text()
    section = text.split("## Patterns under knock-out", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(
        r"^\| `(\w+)` \| `([\w.]+)` \| ([\d.]+) → ([\d.]+) \| ([^|]+) \| ([\d.]+) → ([\d.]+) \| ([^|]+) \|$",
        section,
        re.MULTILINE,
    )
    expected = {(p.key, m) for p in PATTERNS for m in p.generated_by}
    assert {(key, mechanism) for key, mechanism, *_ in rows} == expected
    tables = {
        name: pd.read_csv(ROOT / "docs" / f"ablation-patterns-{name}.csv").set_index(
            ["mechanism", "pattern"]
        )
        for name in ("baseline", "all_policies")
    }
    for key, mechanism, *cells in rows:
        for name, (before, after, verdict) in zip(tables, (cells[:3], cells[3:]), strict=True):
            table = tables[name]
            assert f"{table.loc[('reference', key), 'mean']:.3f}" == before, (key, name)
            row = table.loc[(mechanism, key)]
            assert f"{row['mean']:.3f}" == after, (key, mechanism, name)
            assert verdict.strip().startswith("holds" if row["holds"] else "**fails**")
