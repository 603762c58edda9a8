"""A run's figures: legends beside the data, outcomes blank before they mean anything, one integer
time axis, the run named in titles and file metadata, and no pyplot anywhere in the package."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image
from tests.helpers import tiny

import iei_sim
from iei_sim.outcomes import OUTCOMES
from iei_sim.plots import RUN_FIGURES, write_network_plots, write_run_plots
from iei_sim.plots.network import depth_ladder_figure, partnership_network_figure, top_schools
from iei_sim.plots.run_figures import RunContext
from iei_sim.plots.saving import FigureFormat, FigureOptions, save_figure
from iei_sim.run import run_scenario

SRC = Path(iei_sim.__file__).parent


@pytest.fixture(scope="module")
def result():
    return run_scenario(tiny(steps=6), seed=3)


@pytest.fixture(scope="module")
def run(result):
    return RunContext(result.scenario, result.seed, 6)


def _drawn(fig):
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _all_figures(result, run):
    figures = {name: draw(result.timeseries, run) for name, draw in RUN_FIGURES.items()}
    figures["network"] = partnership_network_figure(
        result.partnerships, result.schools, result.firms, run=run
    )
    figures["depth_ladder"] = depth_ladder_figure(result.partnerships, 6, run)
    return figures


def test_no_legend_overlaps_any_axes(result, run):
    for name, fig in _all_figures(result, run).items():
        renderer = _drawn(fig)
        legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
        assert legends, name
        for legend in legends:
            box = legend.get_window_extent(renderer).shrunk(0.98, 0.98)
            for ax in fig.axes:
                if ax.get_visible():
                    assert not box.overlaps(ax.get_window_extent(renderer)), (name, ax.get_title())


def test_titles_lie_inside_the_figure(result, run):
    for name, fig in _all_figures(result, run).items():
        renderer = _drawn(fig)
        whole = fig.bbox
        titles = [ax.title for ax in fig.axes if ax.get_title()]
        for text in titles + ([fig._suptitle] if fig._suptitle else []):
            box = text.get_window_extent(renderer)
            assert whole.x0 <= box.x0 and box.x1 <= whole.x1, (name, text.get_text())
            assert whole.y0 <= box.y0 and box.y1 <= whole.y1, (name, text.get_text())


def test_titles_clear_their_axes_tick_labels(result, run):
    """Titles sit at a fixed height just above their axes (``panel_title``), which is right
    only while no axis puts tick labels on top: a title must overlap none of them."""
    for name, fig in _all_figures(result, run).items():
        renderer = _drawn(fig)
        for ax in fig.axes:
            if not ax.get_title():
                continue
            title = ax.title.get_window_extent(renderer)
            for other in fig.axes:
                labels = other.get_xticklabels() + other.get_yticklabels()
                for label in labels:
                    if label.get_visible() and label.get_text():
                        box = label.get_window_extent(renderer)
                        assert not title.overlaps(box), (name, ax.get_title(), label.get_text())


def test_cohort_outcomes_are_blank_before_the_first_cohort_graduates(result, run):
    first = OUTCOMES["intern_retention_rate"].first_meaningful_year(result.scenario)
    assert 1 < first <= 6  # the run is long enough to show both sides
    fig = RUN_FIGURES["student_outcomes"](result.timeseries, run)
    (ax,) = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    for column in ("intern_retention_rate", "student_coverage"):
        label = f"{OUTCOMES[column].label} (from year {first})"
        x, y = lines[label].get_xdata(), np.asarray(lines[label].get_ydata(), dtype=float)
        assert np.isnan(y[x < first]).all()
        expected = result.timeseries.set_index("step")[column]
        assert np.allclose(y[x >= first], expected.loc[x[x >= first]].to_numpy(), equal_nan=True)
    employment = lines[OUTCOMES["graduate_employment_rate"].label]
    assert not np.isnan(np.asarray(employment.get_ydata(), dtype=float)).any()


def test_without_the_scenario_nothing_is_blanked(result):
    fig = RUN_FIGURES["student_outcomes"](result.timeseries)
    (ax,) = fig.axes
    line = {line.get_label(): line for line in ax.get_lines()}["Intern retention rate"]
    assert np.allclose(line.get_ydata(), result.timeseries["intern_retention_rate"])


def test_every_run_figure_shares_one_integer_time_axis(result, run):
    limits = set()
    for name, draw in RUN_FIGURES.items():
        fig = draw(result.timeseries, run)
        _drawn(fig)
        for ax in fig.axes:
            limits.add(ax.get_xlim())
            ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
            assert ticks and all(float(t).is_integer() for t in ticks), (name, ticks)
    assert limits == {(0.5, 6.5)}


def test_titles_and_file_metadata_name_the_scenario_and_seed(result, run, tmp_path):
    caption = f"{result.scenario.name}, seed {result.seed}, years 1–6"
    for name, draw in RUN_FIGURES.items():
        assert draw(result.timeseries, run).get_suptitle() == caption, name
    png = write_run_plots(result.timeseries, tmp_path, run)
    network = write_network_plots(
        result.partnerships, result.schools, result.firms, 6, tmp_path, run
    )
    for path in png + network:
        assert caption in Image.open(path).text["Title"], path.name
    svg = write_run_plots(result.timeseries, tmp_path / "svg", run, FigureOptions("svg"))
    for path in svg:
        assert re.search(rf"<title>[^<]*{re.escape(caption)}", path.read_text()), path.name


def test_network_names_the_schools_its_caption_promises(result, run):
    fig = partnership_network_figure(result.partnerships, result.schools, result.firms, run=run)
    (ax,) = fig.axes
    caption = " ".join(t.get_text() for t in ax.texts)
    promised = int(re.search(r"S<id> labels the (\d+) biggest", " ".join(caption.split()))[1])
    named = {t.get_text() for t in ax.texts if re.fullmatch(r"S\d+", t.get_text())}
    schools = result.schools.set_index("school")["projects_total"]
    active = result.partnerships[result.partnerships["end_step"].isna()]["school"].unique()
    biggest = schools.loc[active].sort_values(ascending=False, kind="stable")
    assert promised == min(5, len(active)) == len(named)
    # the named schools are the biggest: none left out is bigger than one named
    smallest_named = min(schools[int(s[1:])] for s in named)
    assert all(schools[s] <= smallest_named for s in biggest.index if f"S{s}" not in named)


def test_top_schools_breaks_ties_by_id(result):
    from iei_sim.plots import active_network

    graph = active_network(result.partnerships, result.schools, result.firms)
    for node in graph:
        graph.nodes[node]["projects_total"] = 1
    drawn = graph.subgraph(n for n in graph if graph[n])
    schools = sorted(n[1] for n in drawn if n[0] == "school")
    assert [n[1] for n in top_schools(drawn, "projects_total", 3)] == schools[:3]


@pytest.mark.parametrize("format", list(FigureFormat))
def test_run_figures_are_written_in_the_chosen_format(result, run, tmp_path, format):
    signatures = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}
    paths = write_run_plots(result.timeseries, tmp_path, run, FigureOptions(format))
    assert [p.name for p in paths] == [f"{name}.{format}" for name in RUN_FIGURES]
    assert all(p.read_bytes().startswith(signatures[format]) for p in paths)


def test_dpi_sets_the_png_size(result, run, tmp_path):
    low = write_run_plots(result.timeseries, tmp_path / "low", run, FigureOptions(dpi=60))
    high = write_run_plots(result.timeseries, tmp_path / "high", run, FigureOptions(dpi=180))
    for small, big in zip(low, high, strict=True):
        (w1, h1), (w2, h2) = Image.open(small).size, Image.open(big).size
        assert math.isclose(w2 / w1, 3, rel_tol=0.02) and math.isclose(h2 / h1, 3, rel_tol=0.02)


def _imports_pyplot(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(a.name == "matplotlib.pyplot" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom):
            if node.module == "matplotlib.pyplot":
                return True
            if node.module == "matplotlib" and any(a.name == "pyplot" for a in node.names):
                return True
    return False


# Still drawn with pyplot, by code that is converted separately (the dashboard, which renders
# the package's figures); remove a file here once it is converted.
NOT_YET_CONVERTED: set[str] = set()


def test_the_package_never_imports_pyplot():
    offenders = {str(path.relative_to(SRC)) for path in SRC.rglob("*.py") if _imports_pyplot(path)}
    assert offenders <= NOT_YET_CONVERTED


@pytest.mark.parametrize("format", ["svg", "pdf"])
def test_vector_figures_are_byte_identical_when_written_twice(result, run, tmp_path, format):
    first = write_run_plots(result.timeseries, tmp_path / "one", run, FigureOptions(format))
    second = write_run_plots(result.timeseries, tmp_path / "two", run, FigureOptions(format))
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_png_figures_are_the_pixels_savefig_draws_and_leave_the_figure_as_it_was(
    result, run, tmp_path
):
    """PNGs are drawn once on an Agg canvas rather than through ``savefig`` (which lays a figure
    out in a draw of its own first) and stored without the alpha channel of an opaque figure:
    the image and its text must be what savefig writes of the same figure drawn afresh, and the
    figure keep its canvas and resolution."""
    ours, theirs = _all_figures(result, run), _all_figures(result, run)
    for name, fig in ours.items():
        canvas, dpi = fig.canvas, fig.dpi
        path = save_figure(fig, tmp_path, name, FigureOptions(dpi=120), title=name)
        assert fig.canvas is canvas and fig.dpi == dpi, name
        expected = tmp_path / f"{name}-savefig.png"
        metadata = {"Software": None, "Title": name}
        theirs[name].savefig(expected, format="png", dpi=120, metadata=metadata)
        mine, savefig = Image.open(path), Image.open(expected)
        assert mine.mode == "RGB" and savefig.mode == "RGBA", name
        assert np.array_equal(np.asarray(mine.convert("RGBA")), np.asarray(savefig)), name
        assert mine.text == savefig.text and mine.info["dpi"] == savefig.info["dpi"], name
