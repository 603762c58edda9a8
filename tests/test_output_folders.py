"""``--out`` never removes what iei-sim did not write (output_folders)."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iei_sim.cli import app
from iei_sim.output_folders import (
    MANIFEST,
    STAGING_MARK,
    OutputFolderError,
    check_output_folder,
    clean_stale,
    staged_folder,
)

ROOT = Path(__file__).resolve().parents[1]
GAME = ROOT / "games" / "inspection.yaml"
DOCK_FAST = ("--agents", "20", "--replicates", "1", "--no-plots")


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def precious(tmp_path: Path) -> Path:
    """A user's folder: a thesis and a data file in a subfolder."""
    folder = tmp_path / "precious"
    (folder / "sub").mkdir(parents=True)
    (folder / "thesis.txt").write_text("three years of work\n")
    (folder / "sub" / "data.csv").write_text("a,b\n1,2\n")
    return folder


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if a run starts: a refusal must come before any work."""

    def refuse(*args, **kwargs):
        raise AssertionError("the run started although --out was refused")

    monkeypatch.setattr("iei_sim.run.run_scenario", refuse)


def test_run_refuses_a_users_folder_and_leaves_it_untouched(tiny_scenario, precious, no_simulation):
    before = snapshot(precious)
    result = invoke("run", tiny_scenario, "--out", precious, "--no-plots")
    assert result.exit_code == 2, result.output
    assert "not empty and was not written by iei-sim" in result.output
    assert "thesis.txt" in result.output and "--force" in result.output
    assert snapshot(precious) == before
    assert sorted(p.name for p in precious.parent.iterdir()) == ["precious", "tiny.yaml"]


@pytest.mark.parametrize("where", [".", "..", "~"])
def test_run_refuses_the_current_folder_its_parents_and_home(
    tiny_scenario, tmp_path, monkeypatch, where, no_simulation
):
    cwd = tmp_path / "work" / "here"
    cwd.mkdir(parents=True)
    (cwd / "notes.txt").write_text("keep me\n")
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("HOME", str(tmp_path / "work"))
    result = invoke("run", tiny_scenario, "--out", where, "--no-plots", "--force")
    assert result.exit_code == 2, result.output
    assert (cwd / "notes.txt").read_text() == "keep me\n"
    assert sorted(p.name for p in cwd.iterdir()) == ["notes.txt"]


def test_run_refuses_a_file_before_simulating(tiny_scenario, tmp_path, no_simulation):
    afile = tmp_path / "afile"
    afile.write_text("mine\n")
    result = invoke("run", tiny_scenario, "--out", afile, "--no-plots")
    assert result.exit_code == 2, result.output
    assert "is a file, not a folder" in result.output
    assert afile.read_text() == "mine\n"


def test_an_earlier_run_folder_is_replaced_whole_and_nothing_is_left_beside_it(
    tiny_scenario, tmp_path
):
    out = tmp_path / "run"
    assert invoke("run", tiny_scenario, "--out", out).exit_code == 0
    assert (out / "plots").is_dir()
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["kind"] == "run" and "summary.json" in manifest["files"]
    assert manifest["invocation"]["libraries"]["numpy"]
    result = invoke("run", tiny_scenario, "--out", out, "--no-plots", "--seed", "5")
    assert result.exit_code == 0, result.output
    assert not (out / "plots").exists()  # the earlier run's figures went with it
    assert json.loads((out / "summary.json").read_text())["seed"] == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "tiny.yaml"]


def test_a_run_folder_holding_a_users_file_is_refused_and_force_keeps_the_file(
    tiny_scenario, tmp_path
):
    out = tmp_path / "run"
    assert invoke("run", tiny_scenario, "--out", out, "--no-plots").exit_code == 0
    (out / "notes.txt").write_text("my reading of this run\n")
    refused = invoke("run", tiny_scenario, "--out", out, "--no-plots", "--seed", "3")
    assert refused.exit_code == 2 and "notes.txt" in refused.output
    assert json.loads((out / "summary.json").read_text())["seed"] != 3
    forced = invoke("run", tiny_scenario, "--out", out, "--no-plots", "--seed", "3", "--force")
    assert forced.exit_code == 0, forced.output
    assert (out / "notes.txt").read_text() == "my reading of this run\n"
    assert json.loads((out / "summary.json").read_text())["seed"] == 3


def test_force_writes_beside_a_users_files_and_never_overwrites_one(
    tiny_scenario, precious, tmp_path
):
    before = snapshot(precious)
    result = invoke("run", tiny_scenario, "--out", precious, "--no-plots", "--force")
    assert result.exit_code == 0, result.output
    after = snapshot(precious)
    assert {k: after[k] for k in before} == before
    assert {"summary.json", "timeseries.csv", MANIFEST} <= set(after)
    # A file of the user's named like one of ours is not overwritten.
    other = tmp_path / "other"
    other.mkdir()
    (other / "summary.json").write_text("my own summary\n")
    clash = invoke("run", tiny_scenario, "--out", other, "--no-plots", "--force")
    assert clash.exit_code == 2 and "summary.json" in clash.output
    assert snapshot(other) == {"summary.json": b"my own summary\n"}


def test_a_legacy_run_folder_is_recognised_and_replaced(tiny_scenario, tmp_path):
    out = tmp_path / "old"
    (out / "plots").mkdir(parents=True)
    for name in ("summary.json", "timeseries.csv", "scenario.resolved.yaml", "ledger.csv"):
        (out / name).write_text("0.1\n")
    (out / "plots" / "depth.png").write_bytes(b"png")
    result = invoke("run", tiny_scenario, "--out", out, "--no-plots")
    assert result.exit_code == 0, result.output
    assert not (out / "plots").exists()
    assert (out / MANIFEST).exists()


def test_a_results_store_is_not_a_run_folder(tiny_scenario, tmp_path, no_simulation):
    store = tmp_path / "store"
    store.mkdir()
    (store / MANIFEST).write_text(json.dumps({"name": "x", "content_hash": "abc"}))
    result = invoke("run", tiny_scenario, "--out", store, "--no-plots")
    assert result.exit_code == 2 and "is a results store, not a run folder" in result.output


def test_dock_refuses_a_users_folder_and_replaces_its_own(tmp_path, precious):
    before = snapshot(precious)
    refused = invoke("dock", GAME, *DOCK_FAST, "--out", precious)
    assert refused.exit_code == 2 and snapshot(precious) == before
    out = tmp_path / "dock"
    assert invoke("dock", GAME, *DOCK_FAST, "--out", out).exit_code == 0
    again = invoke("dock", GAME, *DOCK_FAST, "--out", out, "--seed", "3")
    assert again.exit_code == 0, again.output
    assert json.loads((out / MANIFEST).read_text())["seed"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dock", "precious"]


def test_store_commands_refuse_a_users_folder_and_the_current_one(
    tiny_scenario, precious, tmp_path, monkeypatch
):
    before = snapshot(precious)
    result = invoke("compare", tiny_scenario, tiny_scenario, "--replicates", "2", "--out", precious)
    assert result.exit_code == 2 and snapshot(precious) == before
    monkeypatch.chdir(precious)
    here = invoke("compare", tiny_scenario, tiny_scenario, "--replicates", "2", "--out", ".")
    assert here.exit_code == 2 and snapshot(precious) == before


def test_patterns_never_overwrites_a_file_it_did_not_write(tiny_scenario, tmp_path):
    table = tmp_path / "table.csv"
    table.write_text("my,own,table\n")
    result = invoke("patterns", tiny_scenario, "--replicates", "2", "--out", table)
    assert result.exit_code == 2 and table.read_text() == "my,own,table\n"
    mine = tmp_path / "patterns.csv"
    assert invoke("patterns", tiny_scenario, "--replicates", "2", "--out", mine).exit_code == 0
    again = invoke("patterns", tiny_scenario, "--replicates", "3", "--out", mine)
    assert again.exit_code == 0, again.output
    assert mine.read_text().splitlines()[1].endswith(",3,False") or ",3," in mine.read_text()


# -- the atomic swap and what a killed write leaves behind ----------------------------------


def _fill(staging: Path, text: str) -> None:
    (staging / "summary.json").write_text(text)


def test_a_failure_between_the_two_renames_puts_the_old_folder_back(tmp_path, monkeypatch):
    out = tmp_path / "run"
    with staged_folder(out, "run") as staging:
        _fill(staging, "old\n")
    real_rename = os.rename
    calls = []

    def flaky(src, dst):
        calls.append((Path(src).name, Path(dst).name))
        if len(calls) == 2:  # the new folder's rename into place
            raise OSError(28, "No space left on device")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", flaky)
    with pytest.raises(OSError), staged_folder(out, "run") as staging:
        _fill(staging, "new\n")
    monkeypatch.setattr(os, "rename", real_rename)
    assert (out / "summary.json").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_stale_staging_folders_are_cleaned_unless_a_writer_holds_them(tmp_path):
    out = tmp_path / "run"
    with staged_folder(out, "run") as staging:
        _fill(staging, "one\n")
    dead = tmp_path / ".run.staging-dead"
    dead.mkdir()
    (dead / STAGING_MARK).write_text("")
    (dead / "summary.json").write_text("half\n")
    alive = tmp_path / ".run.staging-alive"
    alive.mkdir()
    (alive / STAGING_MARK).write_text("")
    fd = os.open(alive / STAGING_MARK, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process still writing this one
    unmarked = tmp_path / ".run.staging-notours"  # no mark: not known to be ours, kept
    unmarked.mkdir()
    try:
        with staged_folder(out, "run") as staging:
            _fill(staging, "two\n")
    finally:
        os.close(fd)
    assert not dead.exists() and alive.exists() and unmarked.exists()
    assert (out / "summary.json").read_text() == "two\n"


def test_an_old_folder_left_by_a_kill_between_renames_is_restored(tmp_path):
    out = tmp_path / "run"
    with staged_folder(out, "run") as staging:
        _fill(staging, "kept\n")
    os.rename(out, tmp_path / ".run.old-abc")  # killed after renaming the old folder aside
    clean_stale(tmp_path, "run")
    assert (out / "summary.json").read_text() == "kept\n"


def test_an_old_folder_that_gained_a_users_file_is_kept_not_deleted(tmp_path, monkeypatch):
    out = tmp_path / "run"
    with staged_folder(out, "run") as staging:
        _fill(staging, "old\n")
    real = check_output_folder
    # The user drops a file into the folder after the check but before the swap.
    monkeypatch.setattr(
        "iei_sim.output_folders.check_output_folder",
        lambda *a, **k: (real(*a, **k), (out / "late.txt").write_text("late\n"))[0],
    )
    with pytest.raises(OutputFolderError), staged_folder(out, "run") as staging:
        _fill(staging, "new\n")
    assert (out / "late.txt").read_text() == "late\n"
    assert (out / "summary.json").read_text() == "old\n"


@pytest.mark.parametrize(
    ("errno_code", "hint"),
    [(30, "write somewhere else with --out"), (28, "free some space")],
    ids=["read-only", "disk-full"],
)
def test_a_read_only_or_full_disk_ends_in_one_line(
    tiny_scenario, tmp_path, monkeypatch, errno_code, hint
):
    out = tmp_path / "run"

    def refuse(*args, **kwargs):
        raise OSError(errno_code, os.strerror(errno_code), str(tmp_path / ".run.staging-x"))

    monkeypatch.setattr("iei_sim.output_folders.tempfile.mkdtemp", refuse)
    result = invoke("run", tiny_scenario, "--out", out, "--no-plots")
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and hint in lines[0], lines
    assert "Traceback" not in result.output and not out.exists()


def test_the_python_api_refuses_a_users_folder_for_a_store_too(tiny_scenario, precious, write):
    from iei_sim.experiments import compare

    other = write("other.yaml", f"extends: {tiny_scenario.name}\nname: other\n")
    before = snapshot(precious)
    with pytest.raises(OutputFolderError):
        compare([tiny_scenario, other], replicates=2, out=precious)
    assert snapshot(precious) == before
