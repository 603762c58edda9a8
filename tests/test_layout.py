"""The tests mirror the package: ``tests/mechanisms/test_<name>.py`` holds the tests of
``iei_sim/mechanisms/<name>.py``, ``tests/agents/test_<name>.py`` those of ``iei_sim/agents/<name>.py``.

Model-level tests stay in ``tests/test_model.py``; tests across mechanisms (switches, policy
responses) have files of their own in ``tests/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "iei_sim"
TESTS = ROOT / "tests"
NOT_MODULES = {"__init__", "base"}  # base.py: the shape of a mechanism, no behaviour of its own


def modules(folder: str) -> set[str]:
    return {p.stem for p in (PACKAGE / folder).glob("*.py")} - NOT_MODULES


def files_in(folder: str) -> dict[str, Path]:
    return {p.stem.removeprefix("test_"): p for p in (TESTS / folder).glob("test_*.py")}


def defines_a_test(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.FunctionDef) and node.name.startswith("test_") for node in tree.body
    )


def test_every_mechanism_has_a_test_file_with_tests_in_it():
    names = modules("mechanisms")
    assert names, "no mechanism modules found"
    files = files_in("mechanisms")
    missing = sorted(f"tests/mechanisms/test_{name}.py" for name in names - set(files))
    assert not missing, f"mechanisms without tests: {missing}"
    empty = sorted(
        str(files[name].relative_to(ROOT)) for name in names if not defines_a_test(files[name])
    )
    assert not empty, f"test files without a test: {empty}"


@pytest.mark.parametrize("folder", ["mechanisms", "agents"])
def test_every_test_file_there_is_named_after_a_module(folder: str):
    """A renamed or removed module takes its test file's name with it."""
    orphans = sorted(set(files_in(folder)) - modules(folder))
    assert not orphans, (
        f"tests/{folder}/test_<name>.py without iei_sim/{folder}/<name>.py: {orphans}"
    )
