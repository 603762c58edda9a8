"""Diagnostics of the model's machinery: ``diagnose crn`` (how well common random numbers
pair runs), with its table."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iei_sim.cli.common import (
    MAX_REPLICATES,
    DaskOption,
    WorkersOption,
    check_cluster,
    console,
    errors,
    run_progress,
)
from iei_sim.errors import BadInputError
from iei_sim.validation import finite_option

GROUP_HELP = "Diagnostics of the model's machinery (how well common random numbers pair runs)."


def two_values(text: str) -> tuple:
    """``A,B`` as two YAML scalars (0.3, true, a name), refused (exit 2) unless exactly two."""
    import yaml

    items = [item.strip() for item in text.split(",")]
    if len(items) != 2 or not all(items):
        raise BadInputError(f"--values: give two values as A,B, e.g. 0.30,0.31 (got {text!r})")
    values = []
    for item in items:
        try:
            value = yaml.safe_load(item)
        except yaml.YAMLError:
            value = item
        values.append(value if isinstance(value, bool | int | float | str) else item)
    return tuple(values)


def outcome_list(text: str | None) -> list[str]:
    from iei_sim.experiments.crn import TARGET_OUTCOMES, check_outcomes
    from iei_sim.outcomes import OUTCOMES

    if text is None:
        return list(TARGET_OUTCOMES)
    if text.strip() == "all":
        return list(OUTCOMES)
    return check_outcomes([name.strip() for name in text.split(",") if name.strip()])


def crn_table(case, rows) -> Table:
    """One case's rows of the CRN table: per outcome the ratio, its target and verdict, and the
    paired difference with its 95% CI."""
    view = Table(
        title=("" if case.name == case.lever else f"{case.name}: ")
        + f"{case.lever} {case.values[0]} → {case.values[1]} ({case.scenario.name})"
    )
    for column in ("outcome", "ratio", "target", "verdict", "difference ± 95% CI"):
        view.add_column(column, justify="left" if column == "outcome" else "right")
    for row in rows.itertuples():
        if row.passed is None or row.target != row.target:
            verdict, goal = "-", "-"
        else:
            verdict, goal = ("PASS" if row.passed else "[red]FAIL[/]"), f"≤ {row.target:g}"
        half = (row.diff_ci_high - row.diff_ci_low) / 2
        view.add_row(
            row.outcome,
            "n/a" if row.ratio != row.ratio else f"{row.ratio:.3f}",
            goal,
            verdict,
            f"{row.diff_mean:+.3g} ± {half:.2g}",
        )
    return view


def diagnose_crn(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="scenario YAML file (default: scenarios/small.yaml with the tax deduction on)",
            show_default=False,
        ),
    ] = None,
    lever: Annotated[
        str | None,
        typer.Option(
            help="dotted scenario field changed between the two runs of a pair "
            "(default: policy.tax_deduction.rate)",
            show_default=False,
        ),
    ] = None,
    values: Annotated[
        str | None,
        typer.Option(
            help="the lever's reference value and the other, as A,B (default: 0.30,0.31)",
            show_default=False,
        ),
    ] = None,
    seeds: Annotated[
        int, typer.Option(min=2, max=MAX_REPLICATES, help="paired seeds 0 … N-1 per case")
    ] = 12,
    outcomes: Annotated[
        str | None,
        typer.Option(
            help="comma-separated outcomes, or 'all' (default: firm_participation_rate, "
            "mean_partnership_depth, education_project_share, student_coverage)",
            show_default=False,
        ),
    ] = None,
    target: Annotated[
        float,
        typer.Option(min=0.0, max=10.0, callback=finite_option, help="largest ratio that passes"),
    ] = 0.25,
    workers: WorkersOption = 1,
    dask_address: DaskOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="write the table as CSV here (only a file this command wrote is replaced)"
        ),
    ] = None,
) -> None:
    """How well common random numbers pair two values of a lever, outcome by outcome.

    Runs the lever at A and at B with each of seeds 0 … N-1 and reports, per outcome, the
    ratio SD(paired differences) / (√2 × pooled SD across seeds): about 1 when the same seed
    does not pair the runs at all (independent runs), 0 when they are perfectly paired.

    Without SCENARIO, --lever or --values it runs the three shipped cases: the target case
    (scenarios/small.yaml, tax deduction on, rate 0.30 vs 0.31), then a 10% rise of the intern
    subsidy (intern_subsidy.yaml's per-intern value on small.yaml) and of firms' mean
    discount rate (0.15 vs 0.165), these two reported without a target. With --values only,
    the target case runs at those values; with SCENARIO or --lever, that one case runs,
    SCENARIO as its file sets it (default scenarios/small.yaml, deduction as written there).

    Exit status: 0 if every outcome with a target has a ratio at most --target, 1 if any
    exceeds it (or cannot be computed: an outcome that does not vary with the seed) or a run
    fails, 2 on bad input.
    """
    check_cluster(dask_address, workers)
    from iei_sim.experiments.crn import (
        CRN_TABLE_HEADER,
        CrnCase,
        failed_targets,
        plan_diagnostic,
        run_diagnostic,
        scenarios_folder,
        shipped_cases,
        target_case,
    )

    names = outcome_list(outcomes)
    pair = two_values(values) if values is not None else None
    if scenario is None and lever is None and pair is None:
        cases = shipped_cases()
        cases[0] = target_case(cases[0].values, target)
    elif scenario is None and lever is None:
        cases = [target_case(pair, target)]
    else:
        path = scenario if scenario is not None else scenarios_folder() / "small.yaml"
        if not path.is_file():
            raise BadInputError(f"{path}: no such scenario file")
        cases = [
            CrnCase(
                lever or "policy.tax_deduction.rate",
                path,
                lever or "policy.tax_deduction.rate",
                pair or (0.30, 0.31),
                target=target,
            )
        ]
    if out is not None:
        from iei_sim.output_folders import check_output_file

        check_output_file(out, CRN_TABLE_HEADER)
    plan = plan_diagnostic(cases, seeds, names)  # bad input is refused before any bar
    started = time.perf_counter()
    with run_progress("[bold]diagnose crn[/]", len(plan.runs)) as advance:
        table = run_diagnostic(plan, workers=workers, dask_address=dask_address, progress=advance)
    elapsed = time.perf_counter() - started
    console.print(
        f"Common random numbers over {seeds} paired seeds: ratio = SD(paired difference) / "
        "(√2 × pooled SD across seeds); 1 = no pairing, 0 = perfect",
        markup=False,
        highlight=False,
    )
    for case in cases:
        console.print(crn_table(case, table[table["case"] == case.name]))
    for case in cases:
        rows = table[table["case"] == case.name]
        if (
            case.values[0] != case.values[1]
            and (rows["sd_paired"] == 0).all()
            and (rows["diff_mean"] == 0).all()
        ):
            errors.print(
                f"note: {case.name}: {case.lever} changed none of these outcomes in any run; "
                "is it in force in this scenario?",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    console.print(f"{len(plan.runs)} runs in {elapsed:.1f} s", markup=False)
    if out is not None:
        from iei_sim.atomic import atomic_write_text

        atomic_write_text(out, table.to_csv(index=False, float_format="%.6g"))
        console.print(f"CRN table written to {out}", markup=False, highlight=False)
    failed = failed_targets(table)
    judged = int(table["target"].notna().sum())
    if len(failed):
        console.print(
            f"FAIL: {len(failed)} of {judged} outcomes above their target "
            f"({', '.join(failed['outcome'])})",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(1)
    if judged:
        console.print(f"PASS: all {judged} outcomes with a target meet it", markup=False)
