"""Partnership network and depth-ladder figures: drawn from stored tables, counts match the table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle
from networkx.algorithms import bipartite
from tests.helpers import tiny

import iei_sim
from iei_sim.plots import (
    active_network,
    depth_ladder_counts,
    depth_ladder_figure,
    partnership_network_figure,
    write_network_plots,
)
from iei_sim.plots.network import network_layout
from iei_sim.run import run_scenario

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RUNGS = {1: "shallow", 2: "medium", 3: "deep"}


@pytest.fixture(scope="module")
def result():
    return run_scenario(tiny(steps=6), seed=3)


@pytest.fixture(scope="module")
def tables(result, tmp_path_factory):
    """The three tables as a run folder stores them (CSV round trip), as the figures see them."""
    folder = tmp_path_factory.mktemp("tables")
    loaded = {}
    for name in ("partnerships", "schools", "firms"):
        getattr(result, name).to_csv(folder / f"{name}.csv", index=False, float_format="%.10g")
        loaded[name] = pd.read_csv(folder / f"{name}.csv")
    return loaded


def _active(partnerships: pd.DataFrame, step: int | None) -> pd.DataFrame:
    end = partnerships["end_step"]
    if step is None:
        return partnerships[end.isna()]
    return partnerships[(partnerships["start_step"] <= step) & (end.isna() | (end > step))]


def _assert_png(path):
    assert path.is_file()
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 5_000


def test_the_tiny_run_has_partnerships_to_draw(result):
    p = result.partnerships
    assert len(p) > 0
    assert p["end_step"].isna().any() and p["end_step"].notna().any()


def test_write_network_plots_writes_non_empty_pngs(result, tmp_path):
    paths = write_network_plots(
        result.partnerships, result.schools, result.firms, result.timeseries["step"], tmp_path
    )
    assert [p.name for p in paths] == ["network.png", "depth_ladder.png"]
    for path in paths:
        _assert_png(path)
    assert plt.get_fignums() == []  # figures are closed after writing


@pytest.mark.parametrize("source", ["result", "csv"])
def test_active_network_has_one_edge_per_active_partnership(result, tables, source):
    if source == "result":
        p, schools, firms = result.partnerships, result.schools, result.firms
    else:
        p, schools, firms = tables["partnerships"], tables["schools"], tables["firms"]
    graph = active_network(p, schools, firms)
    active = p[p["end_step"].isna()]

    assert isinstance(graph, nx.Graph) and not graph.is_multigraph()
    assert graph.number_of_edges() == len(active)
    school_nodes = {n for n, d in graph.nodes(data=True) if d["bipartite"] == 0}
    firm_nodes = {n for n, d in graph.nodes(data=True) if d["bipartite"] == 1}
    assert school_nodes == {("school", s) for s in schools["school"]}
    assert firm_nodes == {("firm", f) for f in active["firm"].unique()}
    assert len(graph) == len(schools) + active["firm"].nunique()
    assert all(graph.nodes[n]["kind"] == "school" for n in school_nodes)
    assert all(graph.nodes[n]["kind"] == "firm" and graph.degree(n) > 0 for n in firm_nodes)
    assert bipartite.is_bipartite_node_set(graph, school_nodes)
    # Node attributes come from the tables.
    some_school = schools.iloc[0]
    node = graph.nodes[("school", int(some_school["school"]))]
    assert node["region"] == some_school["region"]
    assert node["projects_total"] == some_school["projects_total"]

    for row in active.itertuples():
        edge = graph.edges[("school", row.school), ("firm", row.firm)]
        assert edge["partnership"] == row.partnership
        assert edge["depth"] == row.depth
        assert edge["depth_name"] == RUNGS[row.depth]
        assert edge["orientation"] == row.orientation
        assert edge["orientation"] in {"education", "rnd"}


def test_active_network_at_each_year_matches_the_timeseries(result):
    p = result.partnerships
    for row in result.timeseries.itertuples():
        graph = active_network(p, result.schools, result.firms, step=row.step)
        assert graph.number_of_edges() == row.partnerships_active == len(_active(p, row.step))
    final = int(result.timeseries["step"].max())
    at_end = active_network(p, result.schools, result.firms, step=final)
    default = active_network(p, result.schools, result.firms)
    assert set(at_end.edges) == set(default.edges)


def test_network_figure_draws_every_active_partnership(result):
    fig = partnership_network_figure(result.partnerships, result.schools, result.firms)
    try:
        (ax,) = fig.axes
        drawn = sum(len(c.get_segments()) for c in ax.collections if isinstance(c, LineCollection))
        assert drawn == result.partnerships["end_step"].isna().sum()
        labels = {t.get_text() for t in fig.legends[0].get_texts()}
        assert {"shallow", "medium", "deep", "education-oriented", "R&D-oriented", "firm"} <= labels
    finally:
        plt.close(fig)


def test_network_layout_is_deterministic(result):
    graph = active_network(result.partnerships, result.schools, result.firms)
    first, second = network_layout(graph), network_layout(graph)
    assert first.keys() == second.keys()
    assert all((first[n] == second[n]).all() for n in first)
    assert set(first) == {n for n in graph if graph.degree(n) > 0}  # idle schools not placed


def test_network_figure_keeps_largest_components_when_too_dense(result):
    p = result.partnerships
    fig = partnership_network_figure(p, result.schools, result.firms, max_edges=5)
    try:
        notes = " ".join(t.get_text() for t in fig.axes[0].texts)
        assert "Only the largest components drawn" in notes
    finally:
        plt.close(fig)


def test_depth_ladder_counts_equal_counts_from_the_table(result):
    p, steps = result.partnerships, result.timeseries["step"]
    counts = depth_ladder_counts(p, steps)
    assert list(counts.index) == list(steps)
    for year in steps:
        for depth, name in RUNGS.items():
            at_rung = p[p["peak_depth"] == depth]
            assert counts.loc[year, f"started_{name}"] == (at_rung["start_step"] == year).sum()
            assert counts.loc[year, f"ended_{name}"] == (at_rung["end_step"] == year).sum()
        assert counts.loc[year, "active"] == len(_active(p, year))
    assert counts["active"].tolist() == result.timeseries["partnerships_active"].tolist()
    started = counts[[f"started_{n}" for n in RUNGS.values()]].to_numpy().sum()
    assert started == len(p)
    # An int means years 1..n.
    assert depth_ladder_counts(p, len(steps)).equals(counts)


def test_depth_ladder_figure_bars_match_the_counts(result):
    p, steps = result.partnerships, result.timeseries["step"]
    counts = depth_ladder_counts(p, steps)
    fig = depth_ladder_figure(p, steps)
    try:
        flows = fig.axes[0]
        heights = [r.get_height() for r in flows.patches if isinstance(r, Rectangle)]
        assert sum(h for h in heights if h > 0) == len(p)
        assert -sum(h for h in heights if h < 0) == p["end_step"].notna().sum()
        (line,) = flows.get_lines()[:1]
        assert list(line.get_ydata()) == counts["active"].tolist()
    finally:
        plt.close(fig)


def _figure_text(fig) -> str:
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_empty_tables_give_a_no_partnerships_figure(result, tmp_path):
    empty = result.partnerships.iloc[0:0]
    graph = active_network(empty, result.schools, result.firms)
    assert graph.number_of_edges() == 0 and len(graph) == len(result.schools)
    counts = depth_ladder_counts(empty, 6)
    assert (counts.to_numpy() == 0).all() and len(counts) == 6
    for fig in (
        partnership_network_figure(empty, result.schools, result.firms),
        depth_ladder_figure(empty, 6),
    ):
        assert "no partnerships" in _figure_text(fig)
        plt.close(fig)
    for path in write_network_plots(empty, result.schools, result.firms, 6, tmp_path):
        assert path.is_file() and path.stat().st_size > 0


def test_a_year_with_no_active_partnership_says_so(result):
    fig = partnership_network_figure(result.partnerships, result.schools, result.firms, step=0)
    try:
        assert "no active partnerships" in _figure_text(fig)
    finally:
        plt.close(fig)


# Draws the figures of a run folder's tables in a fresh interpreter: the run folder's network.png
# and depth_ladder.png, plus the network cut down to its largest component (fewer than half the
# nodes: networkx iterates such a subgraph in the hash order of its node set).
_DRAW_IN_SUBPROCESS = """
import sys
from pathlib import Path

import pandas as pd

from iei_sim.plots import partnership_network_figure, write_network_plots

tables, out = Path(sys.argv[1]), Path(sys.argv[2])
t = {n: pd.read_csv(tables / f"{n}.csv") for n in ("partnerships", "schools", "firms")}
write_network_plots(t["partnerships"], t["schools"], t["firms"], 6, out)
fig = partnership_network_figure(t["partnerships"], t["schools"], t["firms"], max_edges=20)
fig.savefig(out / "network_largest.png", dpi=100, metadata={"Software": None})
"""


def test_network_figures_are_byte_identical_under_any_pythonhashseed(result, tmp_path):
    """Node order of a subgraph of a set is hash order; the layout and the drawing must not see it."""
    assert result.partnerships["end_step"].isna().sum() > 20  # so max_edges=20 drops components
    tables = tmp_path / "tables"
    tables.mkdir()
    for name in ("partnerships", "schools", "firms"):
        getattr(result, name).to_csv(tables / f"{name}.csv", index=False, float_format="%.10g")
    src = str(Path(iei_sim.__file__).resolve().parents[1])  # the code this test imported
    pythonpath = os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))
    drawn = {}
    for hash_seed in ("0", "12345"):
        out = tmp_path / f"hash{hash_seed}"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": pythonpath}
        subprocess.run(
            [sys.executable, "-c", _DRAW_IN_SUBPROCESS, str(tables), str(out)],
            env=env,
            check=True,
            timeout=300,
        )
        drawn[hash_seed] = {p.name: p.read_bytes() for p in sorted(out.glob("*.png"))}
    first, second = drawn.values()
    assert sorted(first) == ["depth_ladder.png", "network.png", "network_largest.png"]
    for name, data in first.items():
        assert data.startswith(PNG_SIGNATURE)
        assert data == second[name], f"{name} differs between PYTHONHASHSEED 0 and 12345"
