"""Help reads like most command-line tools': conventional metavars (``SCENARIO``, ``PATH``,
``N``), no type labels on flags, examples at the end of each main command; and the wording
details other commands rely on (``patterns --out`` is a file, the patterns' "holds" rule)."""

from __future__ import annotations

import re

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from iei_sim.cli import app
from iei_sim.cli.common import EXAMPLES, conventional_metavar, reflowed
from iei_sim.cli.sensitivity import noise_text, small_sample_warning

COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]
TYPER_LABELS = re.compile(r"<(bool|int range|float range|int|float|str|path|list\[\w+\])>")


def help_of(*command: str) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_has_no_typer_type_labels_or_braced_arguments(command: str):
    text = help_of(command) if command else help_of()
    assert not TYPER_LABELS.search(text), TYPER_LABELS.search(text)
    assert not re.search(r"\{\w+\}", text.split("Examples:")[0]), text


def test_arguments_and_options_use_conventional_metavars():
    run = help_of("run")
    assert "run [OPTIONS] SCENARIO" in run
    assert re.search(r"--steps\s+N\b", run) and re.search(r"--out\s+PATH\b", run)
    assert "compare [OPTIONS] SCENARIOS..." in help_of("compare")


@pytest.mark.parametrize("command", sorted(EXAMPLES))
def test_main_commands_end_with_examples_of_themselves(command: str):
    text = help_of(command)
    assert "Examples:" in text
    for example in EXAMPLES[command]:
        assert example.split()[1] == command  # each example runs the command it documents
        assert f"$ iei-sim {command}" in text


def test_every_command_has_examples():
    assert set(COMMANDS) - {"diagnose"} <= set(EXAMPLES)


@pytest.mark.parametrize(
    ("label", "metavar"),
    [
        ("<int range>", "N"),
        ("<path>", "PATH"),
        ("<float>", "NUMBER"),
        ("<png|pdf|svg>", "[png|pdf|svg]"),
    ],
)
def test_typer_labels_map_to_conventional_metavars(label: str, metavar: str):
    assert conventional_metavar(label) == metavar


def test_docstring_paragraphs_are_reflowed_not_broken_mid_sentence():
    assert reflowed("One line\nbroken here.\n\nSecond\n paragraph.") == (
        "One line broken here.\n\nSecond paragraph."
    )


def test_patterns_help_points_to_the_documents_that_exist_and_says_out_is_a_file():
    text = " ".join(help_of("patterns").split())
    assert "MODEL.md" not in text
    assert "docs/ODD.md §1" in text and "docs/calibration.md" in text
    assert "CSV file" in text and "baseline.yaml" in text


def test_discover_takes_uncertainties_or_levers_only_and_the_old_spelling_hidden():
    text = help_of("discover")
    assert "--uncertainties" in text and "--levers-only" in text
    assert "--with-uncertainties" not in text
    command = get_command(app).commands["discover"]  # type: ignore[attr-defined]
    hidden = [p for p in command.params if p.hidden]
    assert any("--with-uncertainties" in p.opts for p in hidden)


def test_noise_with_one_replicate_says_so_instead_of_nan():
    assert noise_text(float("nan"), 1) == "n/a (1 replicate)"
    assert noise_text(0.25, 1) == "n/a (1 replicate)"
    assert noise_text(0.25, 3) == "25%"
    assert "nan" not in noise_text(float("nan"), 3)


def test_small_samples_are_warned_about_and_large_ones_not():
    assert "quick look" in small_sample_warning("sobol", 16)
    assert small_sample_warning("sobol", 1024) is None
    assert "quick look" in small_sample_warning("morris", 4)


@pytest.mark.parametrize(
    "flag", ["--with-uncertainties", "--no-with-uncertainties", "--levers-only"]
)
def test_discover_still_parses_every_spelling_of_the_uncertainties_flag(flag: str, tmp_path):
    missing = tmp_path / "missing.yaml"
    result = CliRunner().invoke(app, ["discover", str(missing), "--target", "x > 1", flag])
    assert "No such option" not in result.output
    assert result.exit_code in (1, 2)  # refused for the missing file (or the extra), not the flag
