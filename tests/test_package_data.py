"""The package carries what its code reads: shipped data, never files of the source checkout."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from iei_sim import load_scenario, package_data
from iei_sim.dashboard import default_scenario
from iei_sim.docking import bridge
from iei_sim.experiments import crn

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "iei_sim"


@pytest.mark.parametrize("name", package_data.PACKAGED_SCENARIOS)
def test_packaged_scenarios_are_the_checkout_files(name: str) -> None:
    packaged = package_data.scenario_path(name)
    assert packaged.read_bytes() == (ROOT / "scenarios" / name).read_bytes(), (
        f"src/iei_sim/data/scenarios/{name} differs from scenarios/{name}; copy it: "
        f"cp scenarios/{name} src/iei_sim/data/scenarios/{name}"
    )


def test_the_packaged_scenarios_are_the_whole_folder() -> None:
    """Each packaged file validates, with its ``extends`` resolved inside the packaged folder,
    and the folder holds nothing besides them."""
    folder = package_data.scenarios_folder()
    assert sorted(p.name for p in folder.glob("*.yaml")) == sorted(package_data.PACKAGED_SCENARIOS)
    for name in package_data.PACKAGED_SCENARIOS:
        assert load_scenario(folder / name).name == Path(name).stem
    with pytest.raises(ValueError, match="no packaged scenario"):
        package_data.scenario_path("regional.yaml")


def test_pyproject_ships_every_data_file() -> None:
    """Every file under ``src/iei_sim/data`` matches a ``[tool.setuptools.package-data]`` pattern,
    so the wheel carries it."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["iei_sim"]
    shipped = {path for pattern in patterns for path in PACKAGE.glob(pattern)}
    files = [p for p in (PACKAGE / "data").rglob("*") if p.is_file()]
    unshipped = [p.relative_to(PACKAGE).as_posix() for p in files if p not in shipped]
    assert not unshipped, f"add these to [tool.setuptools.package-data]: {unshipped}"


def test_defaults_fall_back_on_the_packaged_scenarios(tmp_path, monkeypatch) -> None:
    """Outside a checkout (no ``scenarios/`` in the working folder) the bridge, the dashboard
    and the CRN diagnostic read the packaged copies."""
    monkeypatch.chdir(tmp_path)
    packaged = package_data.scenarios_folder()
    assert default_scenario() == packaged / "small.yaml"
    assert crn.scenarios_folder() == packaged
    assert packaged / "baseline.yaml" == bridge.BASELINE
    assert [case.scenario.parent for case in crn.shipped_cases()] == [packaged] * 3
    monkeypatch.chdir(ROOT)  # in a checkout, its own folder comes first
    assert default_scenario() == ROOT / "scenarios" / "small.yaml"
    assert crn.scenarios_folder() == ROOT / "scenarios"


def test_no_module_locates_itself_in_the_checkout() -> None:
    """No module of the package finds files by its own location (``Path(__file__).parents[N]``):
    an installed package has no checkout around it. Data is read with importlib.resources."""
    own_file = re.compile(r"(?<![.\w])__file__\b")
    users = sorted(
        p.relative_to(ROOT).as_posix()
        for p in PACKAGE.rglob("*.py")
        if own_file.search(p.read_text(encoding="utf-8"))
    )
    assert not users, f"these modules use __file__; ship their data instead: {users}"
