"""Page components: the run's status in plain words, the levers, the charts and the network.

Display only: every number comes from the live :class:`DashboardModel` (its yearly records) or
from the kept reference run, and every label and unit from the outcome registry or the lever
table. The charts are :mod:`iei_sim.dashboard.charts` (projector-sized, the kept run in grey);
the network is the package's own figure (:func:`iei_sim.plots.partnership_network_figure`).
A chart is drawn only while its tab is open, once per simulated year or change of reference.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import solara

from iei_sim.dashboard.charts import CHARTS, RunSeries, chart_png, run_series
from iei_sim.dashboard.levers import (
    LEVER_BY_NAME,
    LEVER_GROUPS,
    LEVERS,
    OVERRIDES,
    SEED,
    group_summary,
    readout,
    shown_value,
)
from iei_sim.dashboard.model import DashboardModel
from iei_sim.outcomes import OUTCOMES

LEVER_BY_PATH = {lever.path: lever for lever in LEVERS}
NETWORK_DPI = 80

# What each chart shows, in the words a class needs to read it (under the chart).
CAPTIONS = {
    "participation": (
        "Firm participation: the share of firms in at least one partnership. Willingness: how "
        "ready firms and schools are to cooperate (an index from 0 to 1)."
    ),
    "fiscal_cost": (
        "What the government pays each year (bars) and in total so far (line): deductions, "
        "subsidies, bonuses and risk-fund payouts, in 10k CNY."
    ),
    "student_outcomes": (
        "Coverage: students with a placement. Employment and retention are counted once the "
        "first cohort that could meet a partnership has graduated."
    ),
    "depth": "Shares of partnerships that are shallow, medium or deep (they add up to 100%).",
    "project_mix": (
        "Share of projects that are genuinely educational, and how unequally projects are "
        "spread over firms (Gini; top 10% of firms' share)."
    ),
    "network": (
        "Schools (circles, coloured by region, sized by their projects) and firms (small "
        "squares), joined by the partnerships active this year; darker, wider lines are deeper."
    ),
}

# The tabs of the main area: (label, charts). The first is open when the page loads.
VIEWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Participation and cost", ("participation", "fiscal_cost")),
    ("Students", ("student_outcomes",)),
    ("Partnerships", ("depth", "project_mix")),
    ("Network", ("network",)),
)


def changed_levers(model: DashboardModel) -> list[tuple[str, str, str]]:
    """What the controls changed from the scenario file, in plain words: (label, now, file),
    e.g. ("Tax deduction rate", "40%", "30%")."""
    changed = []
    for path, (before, now) in model.changed_fields().items():
        lever = LEVER_BY_PATH.get(path)
        if lever is None:  # the seed
            changed.append(("Random seed", str(now), str(before)))
        else:
            changed.append((lever.label, shown_value(lever, now), shown_value(lever, before)))
    return changed


def changed_settings(model: DashboardModel) -> list[str]:
    """:func:`changed_levers` as the status card says them ("Tax deduction rate: 40% (file: 30%)")."""
    return [f"{label}: {now} (file: {before})" for label, now, before in changed_levers(model)]


def kept_run(model: DashboardModel) -> RunSeries:
    """The model's run so far as a reference, labelled by what its levers were."""
    settings = tuple(f"{label}: {now}" for label, now, _ in changed_levers(model))
    label = "kept run: " + ("; ".join(settings) if settings else "the scenario file's levers")
    if len(label) > 60:
        label = label[:57] + "…"
    return run_series(model.records, model.config, label=label, settings=settings)


def live_series(model: DashboardModel) -> RunSeries | None:
    return run_series(model.records, model.config) if model.records else None


def network_png(model: DashboardModel) -> bytes | None:
    """The network of partnerships active in the model's current year (None before year 1)."""
    if model.reported_years == 0 or not model.records:
        return None
    from iei_sim.plots import partnership_network_figure
    from iei_sim.plots.saving import write_png
    from iei_sim.run import collect_result

    tables = collect_result(model, model.config, model.seed)
    fig = partnership_network_figure(
        tables.partnerships,
        tables.schools,
        tables.firms,
        step=model.reported_years,
        tables_as_of=f"year {model.reported_years}",
    )
    buffer = io.BytesIO()
    write_png(fig, buffer, NETWORK_DPI, {"Software": None})
    return buffer.getvalue()


# The status card's outcomes: the year's rates (registry labels and formats), then the money.
STATUS_OUTCOMES = (
    "firm_participation_rate",
    "deep_partnership_share",
    "student_coverage",
    "graduate_employment_rate",
)


def headline_sentence(model: DashboardModel) -> str:
    """The year's main outcomes as one sentence, labels and units from the registry; the fiscal
    cost is the sum of the years so far (the registry's value is a whole-run total)."""
    year = len(model.records)
    parts = []
    for key in STATUS_OUTCOMES:
        outcome = OUTCOMES[key]
        first = outcome.first_meaningful_year(model.config)
        shown = outcome.format(model.records[-1][key]) if year >= first else f"from year {first}"
        parts.append(f"{outcome.label} {shown}")
    fiscal = OUTCOMES["fiscal_cost"]
    spent = sum(record["fiscal_cost"] for record in model.records)
    parts.append(f"fiscal cost so far {fiscal.format(spent)} ({fiscal.unit.name})")
    return "; ".join(parts) + "."


def next_step_hint(model: DashboardModel, year: int, has_reference: bool) -> str:
    """What to do next, as a teacher would say it."""
    if model.problems:
        return "Fix the refused values and press Reset."
    if year == 0:
        return "Press Step to simulate one year, or Play to run them all."
    if year < model.config.steps:
        return "Step or Play to go on; Reset starts again with the levers as set."
    if has_reference:
        return "Finished. Change levers and press Reset: the grey lines stay for comparison."
    return "Finished. Press “Keep as reference”, change levers and press Reset to compare."


@solara.component
def Status(model: DashboardModel, year: int, reference: RunSeries | None) -> None:  # noqa: N802
    """Year, what the controls changed, the headline outcomes and any refused values.

    ``year`` is the model's year, passed so the card re-renders when the model steps.
    """
    config = model.config
    with solara.Column(classes=["iei-status"], gap="2px"):
        solara.Text(
            f"Year {year} of {config.steps} · {config.name} · random seed {config.seed}",
            classes=["iei-year"],
        )
        if model.problems:
            solara.Error(
                classes=["iei-problems"],
                children=[
                    solara.Column(
                        gap="2px",
                        children=[
                            solara.Text(
                                "These values were refused (the scenario file's values are "
                                "shown meanwhile):",
                                style={"font-weight": "bold"},
                            ),
                            *[solara.Text(f"• {p.field}: {p.message}") for p in model.problems],
                        ],
                    )
                ],
            )
        changed = changed_settings(model)
        solara.Text(
            "Changed: " + "; ".join(changed) if changed else "All levers as in the scenario file.",
            classes=["iei-changed"],
        )
        if reference is not None:
            solara.Text(f"Grey lines: {reference.label}", classes=["iei-reference"])
        if year and model.records:
            solara.Text(f"Year {year}: {headline_sentence(model)}", classes=["iei-headlines"])
        solara.Text(next_step_hint(model, year, reference is not None), classes=["iei-hint"])


def _lever_input(name: str, spec: dict[str, Any], value: Any, on_value: Callable) -> None:
    """One control: its label and current value (with unit) on one line, the input below."""
    lever = LEVER_BY_NAME[name]
    kind = spec["type"]
    with solara.Column(gap="0px", classes=["iei-lever", f"iei-lever-{name}"]):
        if kind == "Checkbox":
            solara.Checkbox(
                label=f"{lever.label}: {readout(lever, value)}", value=value, on_value=on_value
            )
            return
        with solara.Row(justify="space-between", classes=["iei-lever-head"]):
            solara.Text(lever.label)
            solara.Text(readout(lever, value), classes=["iei-readout"])
        if kind == "Select":
            solara.Select(
                label="", value=value, values=spec["values"], on_value=on_value, dense=True
            )
        else:
            slider = solara.SliderFloat if kind == "SliderFloat" else solara.SliderInt
            slider(
                label="",
                value=value,
                min=spec["min"],
                max=spec["max"],
                step=spec["step"],
                on_value=on_value,
                thumb_label=False,
            )


@solara.component
def LeverGroup(  # noqa: N802
    title: str,
    names: tuple[str, ...],
    params: dict[str, Any],
    values: solara.Reactive[dict[str, Any]],
    is_open: bool,
    on_open: Callable[[str], None],
    with_seed: bool,
) -> None:
    """One section: its header (with its values while closed) and, when open, its controls.

    A component of its own, so that each section keeps its place on the page whatever the
    others show.
    """

    def set_value(name: str) -> Callable[[Any], None]:
        return lambda value: values.set({**values.value, name: value})

    with solara.Column(gap="0px", classes=["iei-section"]):
        solara.Button(
            label=f"{'▾' if is_open else '▸'} {title}",
            text=True,
            on_click=lambda: on_open(title),
            classes=["iei-group"],
        )
        if not is_open:
            solara.Text(group_summary(names, values.value), classes=["iei-group-summary"])
            return
        for name in names:
            _lever_input(name, params[name], values.value.get(name), set_value(name))
        if with_seed:
            solara.InputText(
                label="Random seed",
                value=str(values.value.get(SEED, "")),
                on_value=set_value(SEED),
                continuous_update=False,
            )
            solara.InputText(
                label="More overrides (dotted.path=value; …)",
                value=str(values.value.get(OVERRIDES, "")),
                on_value=set_value(OVERRIDES),
                continuous_update=False,
            )


@solara.component
def LeverPanel(  # noqa: N802
    params: dict[str, Any], values: solara.Reactive[dict[str, Any]]
) -> None:
    """The levers in sections, one open at a time; a closed section shows its values."""
    open_group = solara.use_reactive(LEVER_GROUPS[0][0])
    with solara.Column(gap="2px", classes=["iei-levers"]):
        for index, (title, names) in enumerate(LEVER_GROUPS):
            LeverGroup(
                title,
                names,
                params,
                values,
                is_open=open_group.value == title,
                on_open=open_group.set,
                with_seed=index == len(LEVER_GROUPS) - 1,
            ).key(title)


def _figure(name: str, title: str, png: bytes | None, large: bool) -> None:
    with solara.Column(
        classes=[
            "iei-chart",
            f"iei-chart-{name}",
            "iei-chart-large" if large else "iei-chart-small",
        ],
        gap="0px",
    ):
        solara.Text(title, classes=["iei-chart-title"])
        if png is None:
            solara.Info("No year simulated yet.", dense=True)
        else:
            solara.Image(png, width="100%", classes=["iei-image"])
        solara.Text(CAPTIONS[name], classes=["iei-caption"])


@solara.component
def Chart(  # noqa: N802 (Solara components are CamelCase)
    model: DashboardModel, name: str, year: int, reference: RunSeries | None, large: bool
) -> None:
    """One chart, drawn when first shown and again when the year or the reference changes."""
    png = solara.use_memo(
        lambda: chart_png(name, live_series(model), reference),
        dependencies=[model, year, reference],
    )
    _figure(name, CHARTS[name].title, png, large)


@solara.component
def Network(model: DashboardModel, year: int) -> None:  # noqa: N802
    """The partnership network of the current year (the heaviest figure: its own tab)."""
    png = solara.use_memo(lambda: network_png(model), dependencies=[model, year])
    _figure("network", f"Partnership network, year {year}", png, True)


@solara.component
def MainView(  # noqa: N802
    model: DashboardModel, year: int, reference: RunSeries | None
) -> None:
    """Tabs of charts; only the open tab's charts are drawn (the others cost nothing)."""
    view = solara.use_reactive(0)
    with solara.Column(classes=["iei-main"], gap="0px"), solara.lab.Tabs(value=view, lazy=True):
        for index, (label, names) in enumerate(VIEWS):
            with solara.lab.Tab(label, classes=[f"iei-tab-{index}"]):
                if index != view.value:
                    continue
                with solara.Row(gap="8px", classes=["iei-charts"]):
                    for position, name in enumerate(names):
                        if name == "network":
                            Network(model, year)
                        else:
                            Chart(model, name, year, reference, large=position == 0)
