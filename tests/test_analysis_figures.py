"""Figures of the analyses (docking, sensitivity, discovery): titles inside the figure, a colour
bar of whole counts, Morris labels apart, and every command's ``--format``."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm
from tests.helpers import tiny_experiment
from typer.testing import CliRunner

from iei_sim.cli import app
from iei_sim.docking.experiment import run_docking
from iei_sim.docking.game import load_game
from iei_sim.sensitivity import run_prim
from iei_sim.sensitivity.discovery import tradeoff_figure
from iei_sim.sensitivity.report import morris_figure

ROOT = Path(__file__).resolve().parents[1]
GAME = ROOT / "games" / "inspection.yaml"
DOCK_FAST = ["--agents", "60", "--replicates", "2", "--revision-probability", "0.2"]
TINY = tiny_experiment(
    "figures_tiny",
    """\
levers:
  policy.subsidies.per_intern: {low: 0.0, high: 2.0}
  policy.monitoring.intensity: {low: 0.0, high: 0.4}
include_dummy: true
method: {name: morris, samples: 4, seed: 1, resamples: 20}
replicates: 1
outcomes: [firm_participation_rate, fiscal_cost]
""",
)


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


def _renderer(fig):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def test_the_docking_titles_lie_inside_the_figure():
    result = run_docking(load_game(GAME), agents=60, replicates=2, seed=1)
    fig = result.figure()
    renderer = _renderer(fig)
    for ax in fig.axes:
        box = ax.title.get_window_extent(renderer)
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, ax.get_title()
        assert fig.bbox.y0 <= box.y0 and box.y1 <= fig.bbox.y1, ax.get_title()
    (legend,) = fig.legends  # one legend, below both panels
    assert not any(legend.get_window_extent(renderer).overlaps(ax.bbox) for ax in fig.axes)


def test_the_prim_colour_bar_has_one_colour_per_count_of_restricted_dimensions():
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.random((400, 3)), columns=["a", "b", "c"])
    y = ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()
    result = run_prim(x, y, min_coverage=0.8)
    fig = tradeoff_figure(result, "a > 0.6 and b < 0.3")
    counts = sorted(set(result.trajectory["res_dim"].astype(int)))
    (points,) = [c for c in fig.axes[0].collections if c.get_array() is not None]
    assert isinstance(points.norm, BoundaryNorm)
    whole = list(range(counts[0], counts[-1] + 1))
    assert list(points.norm.boundaries) == [c - 0.5 for c in [*whole, whole[-1] + 1]]
    colours = points.cmap.N
    assert colours == len(whole)  # one colour per count
    bar = fig.axes[1]
    _renderer(fig)
    assert [float(t) for t in bar.get_yticks()] == [
        float(c) for c in range(counts[0], counts[-1] + 1)
    ]


def test_morris_labels_do_not_overlap_even_when_the_points_do():
    rows = []
    for i in range(7):  # seven factors on almost the same spot
        factor = f"policy.lever_number_{i}"
        rows += [
            {"outcome": "fiscal_cost", "factor": factor, "index": "mu_star", "value": 0.5 + 1e-3 * i, "conf": 0.01},
            {"outcome": "fiscal_cost", "factor": factor, "index": "sigma", "value": 0.4 + 1e-3 * i, "conf": np.nan},
        ]  # fmt: skip
    fig = morris_figure(pd.DataFrame(rows), {})
    renderer = _renderer(fig)
    (ax,) = fig.axes
    labels = [t for t in ax.texts if t.get_text().startswith("lever_number_")]
    assert len(labels) == 7
    boxes = [t.get_window_extent(renderer) for t in labels]
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)


def test_dock_writes_its_figure_in_the_chosen_format(tmp_path):
    out = tmp_path / "dock"
    result = invoke("dock", GAME, *DOCK_FAST, "--out", out, "--format", "svg")
    assert result.exit_code == 0, result.output
    assert (out / "trajectories.svg").read_bytes().startswith(b"<?xml")
    assert not (out / "trajectories.png").exists()
    assert (out / "trajectories.csv").is_file()


def test_sensitivity_and_discover_write_their_figures_in_the_chosen_format(tmp_path):
    experiment = tmp_path / "tiny.yaml"
    experiment.write_text(TINY)
    out = tmp_path / "sa"
    result = invoke("sensitivity", experiment, "--out", out, "--format", "pdf")
    assert result.exit_code == 0, result.output
    for stem in ("indices", "heatmap", "convergence", "morris_mu_sigma"):
        assert (out / f"{stem}.pdf").read_bytes().startswith(b"%PDF"), stem
        assert not (out / f"{stem}.png").exists()
    assert (out / "indices.csv").is_file()
    found = invoke(
        "discover", experiment, "--target", "fiscal_cost >= 0", "--out", out, "--format", "svg"
    )
    assert found.exit_code in (0, 1), found.output
    if found.exit_code == 0:
        assert (out / "discovery" / "prim_tradeoff.svg").read_bytes().startswith(b"<?xml")


@pytest.mark.parametrize("command", ["sensitivity", "discover", "dock"])
def test_every_drawing_command_refuses_an_unknown_format(tmp_path, command):
    args = {
        "sensitivity": ["sensitivity", tmp_path / "tiny.yaml"],
        "discover": ["discover", tmp_path / "tiny.yaml", "--target", "fiscal_cost > 0"],
        "dock": ["dock", GAME, *DOCK_FAST],
    }[command]
    (tmp_path / "tiny.yaml").write_text(TINY)
    result = invoke(*args, "--out", tmp_path / "out", "--format", "gif")
    assert result.exit_code == 2
    assert "png" in result.output and "svg" in result.output
    assert not (tmp_path / "out").exists()
