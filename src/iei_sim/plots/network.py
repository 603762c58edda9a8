"""The school–firm partnership network and the depth ladder, drawn from a run's stored tables.

Everything here is a function of ``partnerships.csv``, ``schools.csv`` and ``firms.csv`` (or the
same DataFrames on a ``RunResult``), never of a live model.

Conventions of the partnerships table (see ``iei_sim.run``): a partnership is reviewed every year
from ``start_step`` to ``end_step`` inclusive and is *active at year t* (counted in the
timeseries' ``partnerships_active``) when ``start_step <= t`` and it has not ended by ``t``
(``end_step`` missing or ``> t``). ``depth`` is the rung at dissolution or at the end of the run
and ``peak_depth`` the highest rung ever reached; the table does not hold the rung of each year,
so the depth ladder is drawn from what it does hold (entries and exits by highest rung, the
active stock, fall-backs and durations) rather than from a reconstructed yearly rung.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

from iei_sim.plots.run_figures import DEPTH_COLOURS, RunContext
from iei_sim.plots.saving import FigureOptions, new_figure, panel_title, save_figure
from iei_sim.vocabulary import Depth, Orientation

DEPTH_NAMES = {int(depth): depth.label for depth in Depth}
ORIENTATION_NAMES = {str(o): o.label for o in Orientation}
ORIENTATION_STYLES = {"education": "solid", "rnd": (0, (2.5, 1.5))}
# Edges are thin lines on white, so they use a darker ramp of the same blues as DEPTH_COLOURS.
EDGE_COLOURS = {1: "#9ecae1", 2: "#3182bd", 3: "#08306b"}
EDGE_WIDTHS = {1: 0.7, 2: 1.5, 3: 2.4}
REGION_COLOURS = ["#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"]
FIRM_COLOUR = "#525252"
LAYOUT_SEED = 20240611
MAX_EDGES = 600
LABELLED_SCHOOLS = 5  # the biggest schools named on the network, whatever their disc's size
STRESS_ITERATIONS = 60


# --- tables -------------------------------------------------------------------------------------


def active_partnerships(partnerships: pd.DataFrame, step: int | None = None) -> pd.DataFrame:
    """Rows of partnerships active at ``step`` (default: at the end of the run)."""
    end = pd.to_numeric(partnerships["end_step"], errors="coerce")
    if step is None:
        return partnerships[end.isna()]
    start = pd.to_numeric(partnerships["start_step"], errors="coerce")
    return partnerships[(start <= step) & (end.isna() | (end > step))]


def _steps(steps: int | Iterable[int]) -> list[int]:
    """``steps`` as a list of years: an int ``n`` means years 1..n."""
    if isinstance(steps, int | np.integer):
        return list(range(1, int(steps) + 1))
    return sorted({int(s) for s in steps})


def depth_ladder_counts(partnerships: pd.DataFrame, steps: int | Iterable[int]) -> pd.DataFrame:
    """Yearly flows and stock of partnerships, by the highest rung each ever reached.

    One row per year (index ``step``): ``started_<rung>`` partnerships that started that year,
    ``ended_<rung>`` partnerships that were dissolved that year (by their highest rung), and
    ``active`` the partnerships active at the end of the year (equal to the timeseries'
    ``partnerships_active``).
    """
    years = _steps(steps)
    peak = partnerships["peak_depth"].astype(int)
    start = pd.to_numeric(partnerships["start_step"], errors="coerce")
    end = pd.to_numeric(partnerships["end_step"], errors="coerce")
    table = pd.DataFrame(index=pd.Index(years, name="step"))
    for depth, name in DEPTH_NAMES.items():
        table[f"started_{name}"] = start[peak == depth].value_counts().reindex(years, fill_value=0)
        table[f"ended_{name}"] = end[peak == depth].value_counts().reindex(years, fill_value=0)
    table["active"] = [int(((start <= t) & (end.isna() | (end > t))).sum()) for t in years]
    return table.astype(int)


def active_network(
    partnerships: pd.DataFrame,
    schools: pd.DataFrame,
    firms: pd.DataFrame,
    step: int | None = None,
) -> nx.Graph:
    """The bipartite school–firm graph of partnerships active at ``step`` (default: end of run).

    Nodes are ``("school", id)`` for every school and ``("firm", id)`` for each firm with an
    active partnership; node attribute ``bipartite`` is 0 for schools and 1 for firms (the
    networkx convention), ``kind`` is ``"school"``/``"firm"``, and the row of the schools/firms
    table is copied onto the node. There is one edge per active partnership, with attributes
    ``partnership``, ``depth``, ``depth_name``, ``peak_depth``, ``orientation``, ``start_step``.
    """
    active = active_partnerships(partnerships, step)
    pairs = active[["school", "firm"]].astype(int)
    if pairs.duplicated().any():
        raise ValueError("a school and a firm hold two active partnerships at once")
    graph = nx.Graph(step=step)
    for row in schools.to_dict("records"):
        graph.add_node(("school", int(row["school"])), **{**row, "kind": "school", "bipartite": 0})
    firm_rows = firms.set_index("firm", drop=False)
    for firm in sorted(pairs["firm"].unique()):
        row = firm_rows.loc[firm].to_dict() if firm in firm_rows.index else {"firm": firm}
        graph.add_node(("firm", int(firm)), **{**row, "kind": "firm", "bipartite": 1})
    for row in active.to_dict("records"):
        school = ("school", int(row["school"]))
        if school not in graph:  # a school missing from the schools table still gets a node
            graph.add_node(school, school=int(row["school"]), kind="school", bipartite=0)
        graph.add_edge(
            school,
            ("firm", int(row["firm"])),
            partnership=int(row["partnership"]),
            depth=int(row["depth"]),
            depth_name=DEPTH_NAMES[int(row["depth"])],
            peak_depth=int(row["peak_depth"]),
            orientation=str(row["orientation"]),
            start_step=int(row["start_step"]),
        )
    return graph


# --- layout -------------------------------------------------------------------------------------


def _induced(graph: nx.Graph, nodes: Iterable) -> nx.Graph:
    """A copy of ``graph`` induced on ``nodes``, nodes and edges inserted in sorted order.

    ``graph.subgraph(nodes)`` iterates a set, in hash order that changes with PYTHONHASHSEED, and
    networkx's layouts seed positions and the drawing calls order (and orient) edges by iteration
    order; sorted insertion makes the figure the same in every process. Each edge is stored as
    ``(u, v)`` with ``u < v``.
    """
    keep = sorted(set(nodes))
    members = set(keep)
    induced = nx.Graph(**graph.graph)
    induced.add_nodes_from((n, graph.nodes[n]) for n in keep)
    induced.add_edges_from(
        (u, v, graph.edges[u, v]) for u in keep for v in sorted(graph[u]) if u < v and v in members
    )
    return induced


def _petal_radius(n: int) -> float:
    """Distance from a school to its single-partner firms (in units of a skeleton edge)."""
    return 0.4 + 0.03 * n


def _spread_leaves(centre: np.ndarray, neighbours: list[np.ndarray], n: int) -> np.ndarray:
    """``n`` leaf positions on an arc around ``centre``, fanned into the widest empty angle."""
    radius = _petal_radius(n)
    if neighbours:
        angles = np.sort([math.atan2(*(p - centre)[::-1]) for p in neighbours])
        gaps = np.diff(np.append(angles, angles[0] + 2 * math.pi))
        widest = int(np.argmax(gaps))
        middle = angles[widest] + gaps[widest] / 2
        arc = min(2 * math.pi, max(gaps[widest] * 0.85, math.pi)) if n > 1 else 0.0
    else:
        middle, arc = math.pi / 2, 2 * math.pi
    if arc >= 2 * math.pi - 1e-9:
        theta = middle + np.arange(n) * 2 * math.pi / n
    else:
        theta = middle + (np.linspace(-0.5, 0.5, n) * arc if n > 1 else np.zeros(1))
    return centre + radius * np.column_stack([np.cos(theta), np.sin(theta)])


def _component_layout(graph: nx.Graph, nodes: set, seed: int) -> dict:
    """Layout of one connected component, centred on 0, with unit-ish school spacing.

    The skeleton (schools and firms with several partners) gets a stress-majorisation layout
    (:func:`_stress_layout`) started from a seeded spring layout (the spring layout alone beyond
    400 nodes), scaled so that nodes
    are about one unit from their nearest neighbour, or further when a school's petals need the
    room; firms with a single partner school are fanned out around it like petals, into the
    widest angle left free by the skeleton edges.
    """
    sub = _induced(graph, nodes)
    leaves = {n for n in sub if sub.nodes[n]["kind"] == "firm" and sub.degree(n) == 1}
    skeleton = _induced(sub, set(sub) - leaves)
    order = sorted(skeleton)
    if len(order) == 1:
        pos = {order[0]: np.zeros(2)}
    else:
        if len(order) <= 400:
            start = nx.spring_layout(skeleton, seed=seed)  # a good start converges fast
            xy = _stress_layout(skeleton, order, np.array([start[n] for n in order]))
        else:  # stress is quadratic in memory; a seeded spring layout scales
            pos = nx.spring_layout(skeleton, seed=seed, k=1.5 / math.sqrt(len(order)))
            xy = np.array([pos[n] for n in order])
        # Typical distance to the nearest other skeleton node: dense components come out of
        # the stress layout squeezed, so spacing (not edge length) is what is normalised.
        gaps = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=-1)
        np.fill_diagonal(gaps, np.inf)
        scale = float(np.median(gaps.min(axis=1)))
        petals = max(sum(1 for n in sub[s] if n in leaves) for s in order)
        xy = (xy - xy.mean(axis=0)) / (scale or 1.0) * max(1.0, 1.5 * _petal_radius(petals))
        pos = dict(zip(order, xy, strict=True))
    for school in order:
        petals = sorted(n for n in sub[school] if n in leaves)
        if petals:
            around = [pos[n] for n in sorted(skeleton[school])]
            for leaf, xy in zip(
                petals, _spread_leaves(pos[school], around, len(petals)), strict=True
            ):
                pos[leaf] = xy
    xy = np.array([pos[n] for n in sorted(pos)])
    centre = (xy.max(axis=0) + xy.min(axis=0)) / 2
    return {n: p - centre for n, p in pos.items()}


def _stress_layout(graph: nx.Graph, order: list, start: np.ndarray) -> np.ndarray:
    """Positions of ``order`` (a connected graph) whose distances follow the shortest-path
    distances, from ``start``: stress majorisation (SMACOF, weights 1/d²), the energy the
    Kamada–Kawai layout minimises, in a fixed number of matrix steps instead of a general
    optimiser (about a twentieth of the time on a regional run)."""
    index = {node: i for i, node in enumerate(order)}
    distance = np.zeros((len(order), len(order)))
    for source, lengths in nx.all_pairs_shortest_path_length(graph):
        for target, length in lengths.items():
            distance[index[source], index[target]] = length
    weight = np.zeros_like(distance)
    apart = distance > 0
    weight[apart] = distance[apart] ** -2.0
    laplacian = -weight
    np.fill_diagonal(laplacian, weight.sum(axis=1))
    inverse = np.linalg.pinv(laplacian)
    xy = start.astype(float)
    for _ in range(STRESS_ITERATIONS):
        gaps = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=-1)
        pull = np.divide(-weight * distance, gaps, out=np.zeros_like(gaps), where=gaps > 0)
        np.fill_diagonal(pull, 0.0)
        np.fill_diagonal(pull, -pull.sum(axis=1))
        xy = inverse @ (pull @ xy)
    return xy


def network_layout(graph: nx.Graph, seed: int = LAYOUT_SEED) -> dict:
    """Deterministic positions: each component laid out alone, then packed in rows.

    Nodes without edges (schools with no active partnership) are not placed.
    """
    components = sorted(
        (c for c in nx.connected_components(graph) if len(c) > 1),
        key=lambda c: (-len(c), min(c)),
    )
    pos: dict = {}
    if not components:
        return pos
    layouts = [_component_layout(graph, c, seed) for c in components]
    margin = 0.6
    boxes = []
    for layout in layouts:
        xy = np.array(list(layout.values()))
        boxes.append(xy.max(axis=0) - xy.min(axis=0) + 2 * margin)
    centres = _shelf_pack([(float(w), float(h)) for w, h in boxes])
    for layout, centre in zip(layouts, centres, strict=True):
        for node, xy in layout.items():
            pos[node] = xy + centre
    return pos


def _shelf_pack(boxes: list[tuple[float, float]], aspect: float = 1.4) -> list[np.ndarray]:
    """Centres for boxes packed in rows (tallest first), with the row width chosen so the whole
    is compact and about ``aspect`` times as wide as tall."""
    order = sorted(range(len(boxes)), key=lambda i: (-boxes[i][1], i))
    widest = max(w for w, _ in boxes)
    total = sum(w for w, _ in boxes)
    best: tuple[float, list[np.ndarray]] | None = None
    for row_width in np.linspace(widest, max(total, widest), 40):
        centres: list[np.ndarray] = [np.zeros(2)] * len(boxes)
        x = y = row_height = used_width = 0.0
        for i in order:
            width, height = boxes[i]
            if x > 0 and x + width > row_width + 1e-9:
                x, y, row_height = 0.0, y - row_height, 0.0
            centres[i] = np.array([x + width / 2, y - height / 2])
            x += width
            row_height = max(row_height, height)
            used_width = max(used_width, x)
        used_height = row_height - y
        score = used_width * used_height * (1 + abs(math.log(used_width / used_height / aspect)))
        if best is None or score < best[0] - 1e-9:
            best = (score, centres)
    assert best is not None
    return best[1]


def _largest_components(graph: nx.Graph, max_edges: int) -> tuple[nx.Graph, int]:
    """Keep the biggest components whose edges fit in ``max_edges`` (always at least one)."""
    components = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))
    keep: set = set()
    edges = kept = 0
    for component in components:
        n_edges = graph.subgraph(component).number_of_edges()
        if kept and edges + n_edges > max_edges:
            break
        keep |= component
        edges += n_edges
        kept += 1
    return _induced(graph, keep), len(components) - kept


# --- figures ------------------------------------------------------------------------------------


def _empty_figure(message: str, figsize: tuple[float, float] = (7, 4)) -> Figure:
    fig = new_figure(figsize=figsize)
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def _region_colours(schools: pd.DataFrame) -> dict[str, str]:
    regions = sorted(schools["region"].dropna().unique()) if "region" in schools else []
    return {r: REGION_COLOURS[i % len(REGION_COLOURS)] for i, r in enumerate(regions)}


def top_schools(drawn: nx.Graph, size_by: str, k: int) -> list:
    """The ``k`` drawn schools with the largest ``size_by`` (ties: lower id first)."""
    schools = [n for n in drawn if drawn.nodes[n]["kind"] == "school"]

    def size(node) -> float:
        value = pd.to_numeric(drawn.nodes[node].get(size_by), errors="coerce")
        return -math.inf if pd.isna(value) else float(value)

    return sorted(schools, key=lambda n: (-size(n), n[1]))[:k]


def partnership_network_figure(
    partnerships: pd.DataFrame,
    schools: pd.DataFrame,
    firms: pd.DataFrame,
    step: int | None = None,
    size_by: str = "projects_total",
    max_edges: int = MAX_EDGES,
    label_top: int = LABELLED_SCHOOLS,
    run: RunContext | None = None,
    tables_as_of: str = "end of run",
) -> Figure:
    """The network of partnerships active at ``step`` (default: at the end of the run).

    ``tables_as_of`` says when the tables were collected, for the notes: a live model's
    tables (the dashboard's) are as of its current year, not of the end of the run.

    Schools are circles coloured by region and sized by ``size_by`` (``projects_total`` or
    ``enrolment``, as recorded at the end of the run), the ``label_top`` biggest named S<id>;
    firms are small grey squares (firms without an active partnership are left out). Edges are
    coloured and widened by depth; education-oriented partnerships are solid, R&D-oriented
    dashed. Each connected component is laid out alone (deterministically, so the figure is
    reproducible) and the components are packed in rows. Beyond ``max_edges`` only the biggest
    components are drawn, with a note.
    """
    when = "end of run" if step is None else f"year {step}"
    if partnerships.empty:
        return _empty_figure("no partnerships", figsize=(10, 8))
    graph = active_network(partnerships, schools, firms, step)
    n_edges = graph.number_of_edges()
    if n_edges == 0:
        return _empty_figure(f"no active partnerships ({when})", figsize=(10, 8))

    idle_schools = [n for n, d in graph.nodes(data=True) if d["kind"] == "school" and not graph[n]]
    drawn = _induced(graph, (n for n in graph if graph[n]))
    hidden_components = 0
    if n_edges > max_edges:
        drawn, hidden_components = _largest_components(drawn, max_edges)
    pos = network_layout(drawn)
    labelled = top_schools(drawn, size_by, label_top)

    n_firms = sum(1 for n in graph if graph.nodes[n]["kind"] == "firm")
    n_schools = len(graph) - n_firms - len(idle_schools)
    notes = [f"{run.caption()}." if run else ""]
    notes.append(f"School size grows with {size_by.replace('_', ' ')} ({tables_as_of})")
    notes[-1] += f"; S<id> labels the {len(labelled)} biggest." if labelled else "."
    if step is not None:
        ended = "the end of the run" if tables_as_of == "end of run" else tables_as_of
        notes.append(f"Edges show the rung at dissolution or at {ended}.")
    if idle_schools:
        notes.append(f"{len(idle_schools)} schools without an active partnership not shown.")
    if hidden_components:
        notes.append(
            f"Only the largest components drawn ({drawn.number_of_edges()} of {n_edges} "
            f"partnerships; {hidden_components} smaller components left out)."
        )
    note = textwrap.fill(" ".join(n for n in notes if n), width=125)
    regions = _region_colours(schools)
    handles = [
        Line2D([], [], ls="", marker="o", ms=8, color=c, mec="white", label=f"school ({r})")
        for r, c in regions.items()
    ]
    handles.append(Line2D([], [], ls="", marker="s", ms=4, color=FIRM_COLOUR, label="firm"))
    handles += [
        Line2D([], [], color=EDGE_COLOURS[d], lw=EDGE_WIDTHS[d] + 0.6, label=name)
        for d, name in DEPTH_NAMES.items()
    ]
    handles += [
        Line2D([], [], color="#444444", lw=1.4, ls=ORIENTATION_STYLES[o], label=label)
        for o, label in ORIENTATION_NAMES.items()
    ]
    legend_columns = len(handles) if len(handles) <= 9 else math.ceil(len(handles) / 2)

    # A fixed layout, margins in inches: the title and note above the axes and the legend below
    # them, so nothing is drawn over the network and the figure is drawn once, not measured.
    xy = np.array(list(pos.values()))
    span = xy.max(axis=0) - xy.min(axis=0) + 1.0
    width = 10.0
    top_inches = 0.45 + 0.15 * (note.count("\n") + 1)
    bottom_inches = 0.2 + 0.22 * math.ceil(len(handles) / legend_columns)
    height = float(np.clip(width * span[1] / span[0], 3.5, 11.0)) + top_inches + bottom_inches
    fig = new_figure(figsize=(width, height), layout=None)
    fig.subplots_adjust(
        left=0.01, right=0.99, top=1 - top_inches / height, bottom=bottom_inches / height
    )
    ax = fig.add_subplot()
    low, high = xy.min(axis=0) - 0.5, xy.max(axis=0) + 0.5
    ax.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), aspect="equal")
    ax.set_axis_off()
    box = ax.get_position()
    points_per_unit = min(
        box.width * width * 72 / (high[0] - low[0]), box.height * height * 72 / (high[1] - low[1])
    )
    # The biggest school disc stays well inside the ring of its single-partner firms.
    area_max = min(240.0, math.pi * (0.3 * points_per_unit) ** 2)
    area_min = min(12.0, area_max / 4)
    sizes = pd.to_numeric(schools.get(size_by, pd.Series(dtype=float)), errors="coerce")
    size_max = float(sizes.max()) if sizes.notna().any() and sizes.max() > 0 else 1.0

    def school_area(value: float) -> float:
        value = 0.0 if pd.isna(value) else float(value)
        return area_min + (area_max - area_min) * math.sqrt(max(value, 0.0) / size_max)

    # Edges: shallow first so deep ones are drawn on top; within a style in sorted order (drawn
    # holds them sorted, each as (u, v) with u < v, so dashes start from the same end every time).
    # One line collection per style: what networkx draws, without its per-edge bookkeeping.
    by_style: dict[tuple[int, str], list] = {}
    for u, v, data in drawn.edges(data=True):
        by_style.setdefault((data["depth"], data["orientation"]), []).append((pos[u], pos[v]))
    for (depth, orientation), segments in sorted(by_style.items(), key=lambda item: item[0]):
        ax.add_collection(
            LineCollection(
                segments,
                colors=EDGE_COLOURS[depth],
                linewidths=EDGE_WIDTHS[depth],
                linestyles=ORIENTATION_STYLES.get(orientation, "dotted"),
                alpha=0.9,
                zorder=1,
            ),
            autolim=False,
        )

    firm_xy = np.array([pos[n] for n in sorted(drawn) if drawn.nodes[n]["kind"] == "firm"])
    ax.scatter(firm_xy[:, 0], firm_xy[:, 1], s=9, marker="s", c=FIRM_COLOUR, linewidths=0, zorder=2)
    school_nodes = sorted(n for n in drawn if drawn.nodes[n]["kind"] == "school")
    school_nodes.sort(key=lambda n: -school_area(drawn.nodes[n].get(size_by)))
    school_xy = np.array([pos[n] for n in school_nodes])
    ax.scatter(
        school_xy[:, 0],
        school_xy[:, 1],
        s=[school_area(drawn.nodes[n].get(size_by)) for n in school_nodes],
        marker="o",
        c=[regions.get(drawn.nodes[n].get("region"), "#999999") for n in school_nodes],
        edgecolors="white",
        linewidths=0.8,
        zorder=3,
    )
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    for node in labelled:
        x, y = pos[node]
        radius = math.sqrt(school_area(drawn.nodes[node].get(size_by)) / math.pi)
        ax.annotate(
            f"S{node[1]}",
            (x, y),
            xytext=(radius * 0.7 + 1, radius * 0.7 + 1),
            textcoords="offset points",
            fontsize=7,
            color="#222222",
            fontweight="bold",
            path_effects=halo,
            zorder=4,
        )

    ax.text(
        0.5,
        1.005,
        note,
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=8,
        color="#555555",
    )
    panel_title(
        ax,
        f"School–firm partnerships active at {when}: "
        f"{n_edges} partnerships between {n_schools} schools and {n_firms} firms",
        fontsize=11,
        pad=6 + 10 * (note.count("\n") + 1),
    )
    fig.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.1 / height),
        ncol=legend_columns,
        fontsize=8,
        frameon=False,
        handlelength=2.4,
        columnspacing=1.2,
    )
    return fig


# A legend beside its panel (left edge at the panel's right edge): never over the bars.
BESIDE = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "frameon": False}


def depth_ladder_figure(
    partnerships: pd.DataFrame, steps: int | Iterable[int], run: RunContext | None = None
) -> Figure:
    """The depth ladder from the partnerships table, in three panels.

    (a) each year: partnerships started (up) and dissolved (down), coloured by the highest rung
    they ever reached, and the stock of active partnerships (line); (b) for each highest rung,
    the share still active at the end of the run, dissolved at that rung, or dissolved after
    falling back; (c) how many years dissolved partnerships lasted (years with a project,
    ``end_step - start_step + 1``), by highest rung.
    """
    if partnerships.empty:
        return _empty_figure("no partnerships", figsize=(11, 7.5))
    counts = depth_ladder_counts(partnerships, steps)
    fig = new_figure(figsize=(12, 7.5))
    if run is not None:
        fig.suptitle(run.caption(), fontsize=9, color="#444444")
    grid = fig.add_gridspec(2, 2, height_ratios=[1.15, 1])
    flows = fig.add_subplot(grid[0, :])
    fates = fig.add_subplot(grid[1, 0])
    durations = fig.add_subplot(grid[1, 1])

    years = counts.index.to_numpy()
    up = np.zeros(len(years))
    down = np.zeros(len(years))
    for name, colour in DEPTH_COLOURS.items():
        started = counts[f"started_{name}"].to_numpy()
        ended = counts[f"ended_{name}"].to_numpy()
        label = "stayed shallow" if name == "shallow" else f"reached {name}"
        flows.bar(years, started, bottom=up, color=colour, width=0.8, label=label)
        flows.bar(
            years, -ended, bottom=-down, color=colour, width=0.8, hatch="////", ec="white", lw=0
        )
        up += started
        down += ended
    flows.plot(
        years, counts["active"], color="black", marker="o", ms=3, lw=1.5, label="active at year end"
    )
    flows.axhline(0, color="black", lw=0.6)
    flows.xaxis.set_major_locator(MaxNLocator(integer=True))
    flows.set_xlim(years.min() - 0.6, years.max() + 0.6)
    flows.set(xlabel="year", ylabel="partnerships")
    panel_title(
        flows,
        "(a) Started (up) and dissolved (down, hatched) each year by highest rung reached; "
        "active stock",
        fontsize=10,
    )
    handles, labels = flows.get_legend_handles_labels()
    wanted = ["reached deep", "reached medium", "stayed shallow", "active at year end"]
    order = sorted(range(len(labels)), key=lambda i: wanted.index(labels[i]))
    flows.legend([handles[i] for i in order], [labels[i] for i in order], fontsize=8, **BESIDE)
    top = max(float(up.max()), float(counts["active"].max()), 1.0)
    flows.set_ylim(-max(float(down.max()), 1.0) * 1.08, top * 1.08)

    peak = partnerships["peak_depth"].astype(int)
    depth = partnerships["depth"].astype(int)
    ended = pd.to_numeric(partnerships["end_step"], errors="coerce").notna()
    fate_kinds = {
        "still active at end": ("#bdbdbd", ~ended),
        "dissolved at its highest rung": ("#636363", ended & (depth == peak)),
        "dissolved after falling back": ("#e6550d", ended & (depth < peak)),
    }
    rungs = list(DEPTH_NAMES)
    totals = np.array([(peak == d).sum() for d in rungs])
    bottom = np.zeros(len(rungs))
    for label, (colour, mask) in fate_kinds.items():
        share = np.array([(mask & (peak == d)).sum() for d in rungs]) / np.maximum(totals, 1)
        fates.bar(rungs, share, bottom=bottom, color=colour, width=0.6, label=label)
        bottom += share
    fates.set_xticks(
        rungs, [f"{DEPTH_NAMES[d]}\n(n={n})" for d, n in zip(rungs, totals, strict=True)]
    )
    fates.set(xlabel="highest rung reached", ylabel="share of partnerships", ylim=(0, 1))
    panel_title(fates, "(b) Fate of partnerships by highest rung", fontsize=10)
    fates.legend(fontsize=7, **BESIDE)

    done = partnerships[ended]
    years_run = (done["end_step"].astype(float) - done["start_step"].astype(float) + 1).astype(int)
    if len(done):
        bins = np.arange(0.5, years_run.max() + 1.5)
        tallest = np.histogram(years_run, bins=bins)[0].max()
        for d, name in DEPTH_NAMES.items():
            values = years_run[done["peak_depth"].astype(int) == d]
            if len(values):
                label = "stayed shallow" if d == 1 else f"reached {name}"
                durations.hist(
                    values,
                    bins=bins,
                    histtype="step",
                    lw=1.8,
                    color=EDGE_COLOURS[d],
                    label=f"{label} (n={len(values)})",
                )
        if tallest > 50:
            durations.set_yscale("log")
            durations.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            durations.yaxis.set_minor_formatter(NullFormatter())
        else:
            durations.yaxis.set_major_locator(MaxNLocator(integer=True))
        durations.legend(fontsize=7, **BESIDE)
    else:
        durations.text(
            0.5,
            0.5,
            "no dissolved partnerships",
            ha="center",
            va="center",
            transform=durations.transAxes,
        )
    durations.xaxis.set_major_locator(MaxNLocator(integer=True))
    durations.set(
        xlabel="years with a project (start to dissolution, inclusive)",
        ylabel="dissolved partnerships",
    )
    panel_title(durations, "(c) Lifetimes of dissolved partnerships", fontsize=10)
    return fig


def write_network_plots(
    partnerships: pd.DataFrame,
    schools: pd.DataFrame,
    firms: pd.DataFrame,
    steps: int | Iterable[int],
    out_dir: str | Path,
    run: RunContext | None = None,
    options: FigureOptions | None = None,
) -> list[Path]:
    """Write ``network`` (end of run) and ``depth_ladder`` into ``out_dir`` in ``options``'
    format; return the paths."""
    figures = {
        "network": partnership_network_figure(partnerships, schools, firms, run=run),
        "depth_ladder": depth_ladder_figure(partnerships, steps, run=run),
    }
    caption = f" ({run.caption()})" if run else ""
    return [
        save_figure(
            fig,
            out_dir,
            name,
            options,
            title=f"{name.replace('_', ' ').capitalize()}{caption}",
            description=f"iei-sim run figure '{name}' drawn from partnerships.csv",
        )
        for name, fig in figures.items()
    ]
