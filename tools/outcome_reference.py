"""Markdown outcome reference generated from the outcome registry.

``python -m tools.outcome_reference > docs/outcomes.md`` (the Makefile's ``docs`` target)
regenerates the committed reference from :data:`iei_sim.outcomes.OUTCOMES`; a test checks that
the two agree, so the documentation cannot drift from what runs report. Every outcome becomes
one table: label, unit, summary rule, headline or not, from when it is meaningful, description.
"""

from __future__ import annotations

import sys
from typing import get_args

from iei_sim.outcomes import (
    FIRST_PARTNERSHIP_COHORT,
    HEADLINES,
    NOISE_DOMINATED_SHARE,
    OUTCOMES,
    START,
    Outcome,
    SummaryRule,
)
from iei_sim.scenario.schema import Scenario

# What each summary rule of the registry does to an outcome's yearly values.
SUMMARY_RULES: dict[str, str] = {
    "mean": "mean over the final `summary_window` years",
    "total": "sum over the run",
    "final": "value after the last year",
}

HEADER = """\
<!-- Generated from src/iei_sim/outcomes.py by `python -m tools.outcome_reference`.
     Do not edit by hand: run `make docs` after changing the outcome registry. -->

# Outcome reference

Every outcome a run reports, as the registry `OUTCOMES` (`src/iei_sim/outcomes.py`) defines it:
the label and unit that tables, figures and the dashboard show, how the run summary aggregates
the yearly values, whether it is a headline, from which year it can mean anything, and whether
replicate noise dominates it. The same
records are written beside every result table as `outcomes.csv` and listed by
`iei-sim outcomes`; how each outcome is computed is in [ODD §7.15](ODD.md#715-outcomes).
Result tables hold shares as numbers from 0 to 1.
"""


def render_outcomes() -> str:
    """The whole reference as Markdown."""
    out = [HEADER, "## Summary rules", ""]
    out += [f"- `{rule}`: {text}." for rule, text in _summary_rules().items()]
    out += [
        "",
        "## Headline outcomes",
        "",
        "The outcomes every display leads with (the run table, comparison figures, the "
        "dashboard), in this order: "
        + ", ".join(f"[{OUTCOMES[name].label}](#{name})" for name in HEADLINES)
        + ".",
        "",
        "## Outcomes",
        "",
    ]
    out += [f"- [`{o.name}`](#{o.name}): {o.label}" for o in OUTCOMES.values()]
    out.append("")
    for outcome in OUTCOMES.values():
        out += _render_outcome(outcome)
    return "\n".join(out).rstrip("\n") + "\n"


def main() -> None:
    """Write the reference to standard output (as UTF-8, whatever the locale)."""
    sys.stdout.buffer.write(render_outcomes().encode("utf-8"))
    sys.stdout.flush()


def _render_outcome(outcome: Outcome) -> list[str]:
    rows = [
        ("label", outcome.label),
        ("unit", outcome.unit.name),
        ("summary rule", f"`{outcome.summary}`: {_summary_rules()[outcome.summary]}"),
        ("headline", "yes" if outcome.headline else "no"),
        ("meaningful from", _meaningful_from(outcome)),
        ("noise-dominated", _noise(outcome)),
        ("description", outcome.description),
    ]
    out = [f"### `{outcome.name}`", "", "| field | value |", "|---|---|"]
    out += [f"| {key} | {_cell(value)} |" for key, value in rows]
    out.append("")
    return out


def _summary_rules() -> dict[str, str]:
    """:data:`SUMMARY_RULES`, checked against the rules the registry allows."""
    rules = set(get_args(SummaryRule))
    if rules != set(SUMMARY_RULES):
        raise ValueError(f"describe the summary rules {sorted(rules)} in SUMMARY_RULES")
    return SUMMARY_RULES


def _noise(outcome: Outcome) -> str:
    if not outcome.noise_dominated:
        return "no"
    return (
        f"yes: replicate noise is at least {NOISE_DOMINATED_SHARE:.0%} of a single run's "
        "variance across the policy levers (docs/noise-shares.csv); compare it only over many "
        "replicates"
    )


def _meaningful_from(outcome: Outcome) -> str:
    if outcome.meaningful_from == START:
        return "the first year"
    year = outcome.first_meaningful_year(Scenario())
    if outcome.meaningful_from == FIRST_PARTNERSHIP_COHORT:
        return (
            "the year after the first cohort that could have met a partnership graduates "
            "(the shortest programme's duration + 1: year "
            f"{year} with the default durations); before then it is 0 by construction"
        )
    return f"{outcome.meaningful_from} (year {year} with the default scenario)"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":
    main()
