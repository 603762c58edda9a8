"""requirements.lock, which `make` builds .venv from, pins every dependency of pyproject.toml.

`make` installs the lock and then the package with ``--no-deps``, so a dependency added to
pyproject.toml without `make lock` would be missing from every fresh environment: these tests
catch that, and a pin that has fallen outside the range pyproject.toml allows.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
# The platform the lock is for: markers in pyproject.toml are judged for it, not for this machine.
LOCK_TARGET = {
    "python_version": "3.12",
    "python_full_version": "3.12.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
}


def _requirement_lines() -> list[str]:
    """The lock's lines that are neither blank nor comments (pip-compile's `# via` notes)."""
    lines = (line.split(" #", 1)[0].strip() for line in LOCK.read_text("utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _locked() -> dict[str, Version]:
    pins = {}
    for line in _requirement_lines():
        match = PIN.fullmatch(line)
        assert match, f"not a plain pin: {line!r}"
        pins[canonicalize_name(match[1])] = Version(match[2])
    return pins


def _make_extras() -> list[str]:
    """The extras the Makefile locks and installs (its ``EXTRAS :=`` line)."""
    match = re.search(r"^EXTRAS\s*:=(.*)$", (ROOT / "Makefile").read_text("utf-8"), re.M)
    assert match, "the Makefile has no 'EXTRAS :=' line"
    return match[1].split("#", 1)[0].split()


def _applies(requirement: Requirement, extra: str = "") -> bool:
    marker = requirement.marker
    return marker is None or marker.evaluate({**LOCK_TARGET, "extra": extra})


def _project_requirements() -> list[Requirement]:
    """pyproject.toml's dependencies and those of the extras `make` installs, for the target
    (an extra that names other extras of the package, ``iei-sim[a,b]``, stands for theirs)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    pending = [Requirement(text) for text in project["dependencies"]]
    extras, expanded = list(_make_extras()), set()
    requirements = []
    while pending or extras:
        if extras:
            extra = extras.pop()
            if extra not in expanded:
                expanded.add(extra)
                pending += [Requirement(text) for text in optional.get(extra, [])]
            continue
        requirement = pending.pop(0)
        if not _applies(requirement):
            continue
        if canonicalize_name(requirement.name) == canonicalize_name(project["name"]):
            extras += sorted(requirement.extras)
        else:
            requirements.append(requirement)
    return requirements


def _out_of_lock(requirements: list[Requirement], locked: dict[str, Version]) -> list[str]:
    """Requirements the lock misses or pins outside their range, as readable lines."""
    problems = []
    for requirement in requirements:
        version = locked.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement} is not in {LOCK.name}")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement} but {LOCK.name} pins {requirement.name}=={version}")
    return problems


def test_the_lock_holds_only_exact_pins_without_index_urls_or_paths():
    lines = _requirement_lines()
    assert len(lines) > 50  # the whole tree, not only the direct dependencies
    locked = _locked()  # asserts that every line is `name==version`: no -e, URL, path or option
    assert len(locked) == len(lines)  # no package pinned twice
    assert "iei-sim" not in locked  # the package itself is installed from the work tree
    text = LOCK.read_text("utf-8")
    assert "://" not in text  # no index URL, find-links or file URL
    assert not re.search(r"(^|\s)/[A-Za-z]", text, re.M)  # no absolute path, not even in a note
    assert "make lock" in text  # the header says how it was made


def test_the_make_extras_are_declared_in_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert "dev" in _make_extras()  # make test needs pytest
    assert set(_make_extras()) <= set(project["optional-dependencies"])


def test_every_dependency_of_pyproject_is_pinned_within_its_range():
    requirements = _project_requirements()
    assert {"mesa", "numpy", "pytest", "ruff"} <= {canonicalize_name(r.name) for r in requirements}
    problems = _out_of_lock(requirements, _locked())
    assert not problems, "run `make lock`:\n" + "\n".join(problems)


def test_a_dependency_added_without_relocking_is_caught():
    """The check above is not vacuous: a requirement the lock lacks, or pins outside, is named."""
    locked = _locked()
    numpy = locked["numpy"]
    assert _out_of_lock([Requirement(f"numpy>={numpy}")], locked) == []
    missing, too_new = Requirement("a-package-nobody-locked>=1"), Requirement(f"numpy>{numpy}")
    assert _out_of_lock([missing, too_new], locked) == [
        f"a-package-nobody-locked>=1 is not in {LOCK.name}",
        f"numpy>{numpy} but {LOCK.name} pins numpy=={numpy}",
    ]


def _extra_requirements(name: str, extras: set[str], seen: set[str] | None = None) -> list:
    """What ``name[extras]`` adds to ``name``, from the installed distribution's metadata
    (following extras that name other extras of the same package)."""
    seen = set() if seen is None else seen
    declared = [Requirement(text) for text in importlib.metadata.requires(name) or []]
    added = []
    for extra in sorted(set(extras) - seen):
        seen.add(extra)
        for requirement in declared:
            if not _applies(requirement, extra) or _applies(requirement):
                continue  # not something this extra adds
            if canonicalize_name(requirement.name) == canonicalize_name(name):
                added += _extra_requirements(name, requirement.extras, seen)
            else:
                added.append(requirement)
    return added


@pytest.mark.parametrize(
    "requirement",
    [r for r in _project_requirements() if r.extras],
    ids=str,
)
def test_what_the_extras_of_a_dependency_add_is_locked_too(requirement):
    """``mesa[viz]`` needs solara and altair: they must be pinned, within mesa's ranges."""
    locked = _locked()
    name = canonicalize_name(requirement.name)
    installed = Version(importlib.metadata.version(name))
    assert installed == locked[name], (
        f"{name} {installed} is installed but {LOCK.name} pins {locked[name]}: "
        "the environment was not built from the lock (make rebuilds it)"
    )
    added = _extra_requirements(name, set(requirement.extras), set())
    assert added, f"{requirement}: the extras add nothing"
    problems = _out_of_lock(added, locked)
    assert not problems, "run `make lock`:\n" + "\n".join(problems)
