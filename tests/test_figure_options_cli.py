"""Every drawing command's ``--format`` and ``--dpi``: the figures (only) in the chosen format,
PNGs sized by the resolution, a bad value refused before any work."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from iei_sim.cli import app
from iei_sim.errors import EXIT_BAD_INPUT

SIGNATURES = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


def _figures(folder: Path) -> dict[str, set[str]]:
    """The figure files under ``folder`` by suffix."""
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*"):
        if path.suffix.lstrip(".") in SIGNATURES:
            found.setdefault(path.suffix.lstrip("."), set()).add(path.stem)
            assert path.read_bytes().startswith(SIGNATURES[path.suffix.lstrip(".")]), path
    return found


@pytest.mark.parametrize("format", ["svg", "pdf"])
def test_run_writes_its_figures_in_the_chosen_format(tiny_scenario, tmp_path, format):
    out = tmp_path / "run"
    result = invoke("run", tiny_scenario, "--out", out, "--format", format)
    assert result.exit_code == 0, result.output
    found = _figures(out / "plots")
    assert set(found) == {format}
    assert {"participation", "student_outcomes", "network", "depth_ladder"} <= found[format]
    assert (out / "timeseries.csv").is_file() and (out / "partnerships.csv").is_file()


def test_run_dpi_sets_the_png_size(tiny_scenario, tmp_path):
    sizes = {}
    for dpi in (60, 120):
        out = tmp_path / f"dpi{dpi}"
        assert invoke("run", tiny_scenario, "--out", out, "--dpi", dpi).exit_code == 0
        sizes[dpi] = Image.open(out / "plots" / "participation.png").size
    assert sizes[120][0] == pytest.approx(2 * sizes[60][0], rel=0.02)
    assert sizes[120][1] == pytest.approx(2 * sizes[60][1], rel=0.02)


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [("--format", "jpg", "png"), ("--dpi", "5", "50")],
)
def test_a_bad_figure_option_is_refused_before_running(
    tiny_scenario, tmp_path, option, value, named
):
    out = tmp_path / "run"
    result = invoke("run", tiny_scenario, "--out", out, option, value)
    assert result.exit_code == EXIT_BAD_INPUT
    assert named in result.output and option in result.output
    assert not out.exists()


def test_patterns_draws_its_table_beside_it_in_the_chosen_format(tiny_scenario, tmp_path):
    table = tmp_path / "patterns.csv"
    args = ("patterns", tiny_scenario, "--replicates", "2", "--out", table)
    result = invoke(*args, "--format", "svg")
    assert result.exit_code == 0, result.output
    figure = tmp_path / "patterns.svg"
    assert figure.read_bytes().startswith(b"<?xml")
    text = figure.read_text()
    rows = table.read_text().splitlines()[1:]
    assert len(rows) == text.count('<g id="axes_')  # one panel per pattern
    again = invoke(*args, "--format", "svg")  # its own earlier figure is replaced
    assert again.exit_code == 0, again.output


def test_patterns_never_overwrites_a_figure_it_did_not_write(tiny_scenario, tmp_path):
    mine = tmp_path / "patterns.png"
    mine.write_bytes(b"my own picture")
    result = invoke(
        "patterns", tiny_scenario, "--replicates", "2", "--out", tmp_path / "patterns.csv"
    )
    assert result.exit_code == EXIT_BAD_INPUT
    assert mine.read_bytes() == b"my own picture"
    assert not (tmp_path / "patterns.csv").exists()
    bare = invoke(
        "patterns", tiny_scenario, "--replicates", "2", "--out", tmp_path / "patterns.csv",
        "--no-plots",
    )  # fmt: skip
    assert bare.exit_code == 0 and mine.read_bytes() == b"my own picture"
