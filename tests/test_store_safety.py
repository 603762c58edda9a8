"""A results store belongs to one model and says where its runs came from; a damaged or
unwritable store ends in one line with a way forward, and loses nothing.

Each case is checked through the command line (what a user sees: one ``error:`` line, the exit
status) and against an uninterrupted reference run of the same experiment: after the repair
(or freeing the space) and a rerun, every file but ``manifest.json`` is byte-identical to it.
"""

from __future__ import annotations

import builtins
import errno
import json
import os
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from tests.helpers import ROOT
from tests.sizes import SWEEP
from typer.testing import CliRunner

import iei_sim.identity
from iei_sim.cli import app
from iei_sim.experiments import ResultsStore, load_experiment, plan_runs, sweep
from iei_sim.experiments.executors import execute_run
from iei_sim.experiments.runner import identity
from iei_sim.experiments.store import JOURNAL, MANIFEST

SMALL = ROOT / "scenarios" / "small.yaml"
TINY = {**SWEEP, "policy.tax_deduction.enabled": True}
runner = CliRunner()


@pytest.fixture
def experiment(tmp_path: Path) -> Path:
    """A 6-run sweep (2 points × 3 replicates) on a base scenario file of its own (editable)."""
    base = tmp_path / "base.yaml"
    base.write_text(f"extends: {SMALL}\nname: base\n")
    path = tmp_path / "tiny_sweep.yaml"
    data = {
        "name": "tiny_sweep",
        "base": "base.yaml",
        "overrides": TINY,
        "levers": {"policy.tax_deduction.rate": {"values": [0.1, 0.4]}},
        "replicates": 3,
        "outcomes": ["firm_participation_rate", "fiscal_cost"],
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def reference(experiment: Path, tmp_path: Path) -> Path:
    """The experiment run uninterrupted into a fresh folder."""
    result = runner.invoke(app, ["sweep", str(experiment), "--out", str(tmp_path / "reference")])
    assert result.exit_code == 0, result.output
    return tmp_path / "reference"


def sweep_cli(experiment: Path, out: Path):
    return runner.invoke(app, ["sweep", str(experiment), "--out", str(out)])


def result_files(folder: Path) -> dict[str, bytes]:
    """Every file of a store but its manifest (provenance) and what a repair set aside."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and p.name != MANIFEST
        and ".damaged-" not in p.name
        and ".set-aside-" not in p.name
    }


def assert_identical(got: Path, reference: Path) -> None:
    mine, theirs = result_files(got), result_files(reference)
    assert sorted(mine) == sorted(theirs)
    differ = [name for name in theirs if mine[name] != theirs[name]]
    assert not differ, f"not byte-identical to the reference: {differ}"


def error_line(output: str) -> str:
    """The one ``error:`` line a command printed (and there is exactly one, no traceback)."""
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    assert "Traceback" not in output, output
    return lines[0]


def killed_after(experiment: Path, out: Path, n: int) -> None:
    """The store as a hard kill leaves it: ``n`` runs committed to the journal, not compacted."""
    loaded = load_experiment(experiment)
    tasks = plan_runs(loaded)
    store = ResultsStore(out)
    store.open(
        identity(loaded, tasks),
        yaml.safe_dump(loaded.spec.model_dump(mode="json"), sort_keys=False),
    )
    for task in tasks[:n]:
        result = execute_run(task)
        store.commit(result["row"], result["steps"])
    store.close()


# -- provenance and reproducible result files -----------------------------------------------------


def test_the_same_sweep_into_two_fresh_folders_gives_byte_identical_files(experiment, tmp_path):
    one = sweep(experiment, out=tmp_path / "one")
    two = sweep(experiment, out=tmp_path / "two")
    assert one.report.done == two.report.done == 6
    names = set(result_files(one.out_dir))
    assert {"runs.parquet", "steps.parquet", "summary.csv", "sweep.png"} <= names
    assert_identical(one.out_dir, two.out_dir)
    assert "duration_s" not in pd.read_parquet(one.out_dir / "runs.parquet")
    # ... while each manifest says when and how its runs were made
    first = json.loads((one.out_dir / MANIFEST).read_text())["invocations"]
    second = json.loads((two.out_dir / MANIFEST).read_text())["invocations"]
    assert len(first) == len(second) == 1
    assert first[0]["run_time_s"] > 0 and first[0]["id"] != second[0]["id"]


def test_the_same_comparison_into_two_fresh_folders_gives_byte_identical_files(tmp_path):
    other = tmp_path / "deduction.yaml"
    other.write_text(
        f"extends: {SMALL}\nname: deduction\npolicy: {{tax_deduction: {{rate: 0.4}}}}\n"
    )
    outs = []
    for name in ("one", "two"):
        out = tmp_path / name
        command = ["compare", str(SMALL), str(other), "--replicates", "2", "--out", str(out)]
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
        outs.append(out)
    assert "comparison.csv" in result_files(outs[0])
    assert_identical(outs[0], outs[1])


def test_the_manifest_records_each_invocation_and_results_reports_run_times(
    experiment, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    command = ["sweep", str(experiment), "--out", str(out)]
    monkeypatch.setattr(sys, "argv", ["iei-sim", *command])  # (CliRunner leaves it alone)
    assert sweep_cli(experiment, out).exit_code == 0
    assert sweep_cli(experiment, out).exit_code == 0
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["model"] == iei_sim.identity.model_identity()
    assert [b["label"] for b in manifest["base_scenarios"]] == ["base"]
    first, second = manifest["invocations"]
    assert first["command"] == ["iei-sim", *command]
    for record in (first, second):
        assert record["started"] <= record["ended"] and record["status"] == "complete"
        assert record["libraries"]["mesa"] and record["platform"]["system"]
    assert (first["runs_done"], second["runs_done"]) == (6, 0)
    assert first["run_time_s"] > 0 and second["run_time_s"] == 0
    shown = runner.invoke(app, ["results", str(out)]).output
    assert "tiny_sweep: 6 of 6 planned runs stored (6 ok, 0 failed, 0 missing)" in shown
    assert "2 invocation(s); run time of their 6 runs: mean" in shown
    assert f"fingerprint {manifest['model']['fingerprint'][:12]} (the installed model)" in shown


def test_results_counts_runs_against_the_plan_never_a_negative_missing(tmp_path):
    store = ResultsStore(tmp_path / "store")
    store.open({"name": "grown", "content_hash": "test", "runs": 4})
    keys = [f"k{i}" for i in range(4)]
    store.begin_invocation(keys, 4)
    for i, key in enumerate(keys):
        row = {"run_key": key, "scenario": "s", "point": i, "replicate": 0, "status": "ok"}
        store.commit({**row, "error": "", "duration_s": 0.5}, None)
    store.end_invocation(4, 0, 2.0, "complete")
    store.begin_invocation([*keys[:2], "k9"], 1)  # a smaller plan (a smaller sample) afterwards
    shown = runner.invoke(app, ["results", str(store.root)]).output
    assert "grown: 2 of 3 planned runs stored (2 ok, 0 failed, 1 missing); 2 more from an " in shown
    assert "-" not in shown.split("missing")[0]


# -- one model per store ----------------------------------------------------------------------


def test_an_edited_base_scenario_is_refused_naming_the_changed_field(experiment, reference):
    before = result_files(reference)
    base = experiment.parent / "base.yaml"
    base.write_text(base.read_text() + "firms: {recruitment_cost: 9.0}\n")
    result = sweep_cli(experiment, reference)
    assert result.exit_code == 2
    line = error_line(result.output)
    assert "base scenario base (base.yaml)" in line
    assert "firms.recruitment_cost 1.5 → 9.0" in line
    assert "another --out folder" in line
    assert result_files(reference) == before  # nothing added, nothing rewritten
    # the edited scenario runs into a new store
    assert sweep_cli(experiment, reference.parent / "edited").exit_code == 0


@pytest.mark.parametrize(
    ("patch", "shown"),
    [("fingerprint", "fingerprint 000000000000)"), ("package_version", "installed: iei-sim 9.9")],
)
def test_a_changed_model_is_refused(experiment, reference, monkeypatch, patch, shown):
    before = result_files(reference)
    if patch == "fingerprint":
        monkeypatch.setattr(iei_sim.identity, "fingerprint", lambda: "0" * 64)
    else:
        monkeypatch.setattr(iei_sim.identity, "package_version", lambda: "9.9")
    result = sweep_cli(experiment, reference)
    assert result.exit_code == 2
    line = error_line(result.output)
    assert "holds runs of another model" in line and shown in line
    assert "another --out folder" in line
    assert result_files(reference) == before
    summary = runner.invoke(app, ["results", str(reference)])
    assert summary.exit_code == 0 and "the installed model is another" in summary.output


def make_legacy(folder: Path) -> None:
    """Rewrite a store's manifest as the earlier version wrote it (no base scenarios, model,
    invocations) and give its runs the run-time column it kept."""
    manifest = json.loads((folder / MANIFEST).read_text())
    old = {k: manifest[k] for k in ("name", "content_hash", "runs")}
    (folder / MANIFEST).write_text(json.dumps({**old, "iei_sim_version": "0.1.0"}, indent=2))
    for name in ("base_scenarios.json", "plan.txt"):
        (folder / name).unlink()
    runs = pd.read_parquet(folder / "runs.parquet")
    runs.assign(duration_s=0.5).to_parquet(folder / "runs.parquet", index=False)


def test_a_legacy_store_reads_and_resummarises_but_refuses_added_runs(experiment, reference):
    make_legacy(reference)
    shown = runner.invoke(app, ["results", str(reference)])
    assert shown.exit_code == 0, shown.output
    assert "6 of 6 runs stored" in shown.output and "model: not recorded" in shown.output
    assert "run time: mean 0.50 s" in shown.output
    # complete: the same command re-summarises it (nothing to add)
    (reference / "summary.csv").unlink()
    again = sweep_cli(experiment, reference)
    assert again.exit_code == 0, again.output
    assert "0 runs done, 6 already finished" in again.output
    assert (reference / "summary.csv").exists()
    # discover reuses its runs
    from iei_sim.sensitivity import workflow

    loaded = load_experiment(experiment)
    target = workflow.prepare_target(loaded, "firm_participation_rate >= 0")
    found = workflow.discover(loaded, target, reference, plots=False)
    assert found.report is None and found.points == 2  # read, nothing run
    # incomplete: adding runs is refused, before anything is written
    runs = pd.read_parquet(reference / "runs.parquet")
    runs[runs.point == 0].to_parquet(reference / "runs.parquet", index=False)
    before = result_files(reference)
    refused = sweep_cli(experiment, reference)
    assert refused.exit_code == 2
    line = error_line(refused.output)
    assert "written by an earlier iei-sim" in line and "3 runs missing" in line
    assert "another --out folder" in line
    assert result_files(reference) == before


# -- damaged stores -----------------------------------------------------------------------------


def test_a_corrupted_journal_line_is_named_then_repaired_and_the_rerun_matches(
    experiment, reference, tmp_path
):
    out = tmp_path / "damaged"
    killed_after(experiment, out, 4)
    lines = (out / JOURNAL).read_bytes().split(b"\n")
    damaged = lines[1][:70]
    lines[1] = damaged  # line 2 of 4 cut short: not something a kill leaves
    (out / JOURNAL).write_bytes(b"\n".join(lines))
    journal = (out / JOURNAL).read_bytes()
    for command in (["results", str(out)], ["sweep", str(experiment), "--out", str(out)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1
        line = error_line(result.output)
        assert f"{out / JOURNAL}: line 2 is not a valid run record" in line
        assert f"iei-sim results {out} --repair" in line
        assert (out / JOURNAL).read_bytes() == journal  # untouched
    repaired = runner.invoke(app, ["results", str(out), "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "set aside 1 unreadable journal line(s)" in repaired.output
    assert "repaired: 3 runs kept; run the same command again to recompute" in repaired.output
    (aside,) = out.glob("journal.damaged-*.jsonl")
    assert aside.read_bytes() == damaged + b"\n"  # nothing deleted
    resumed = sweep_cli(experiment, out)
    assert resumed.exit_code == 0, resumed.output
    assert "3 runs done, 3 already finished" in resumed.output
    assert_identical(out, reference)


@pytest.mark.parametrize("name", ["runs.parquet", "steps.parquet"])
def test_an_unreadable_parquet_file_is_named_then_set_aside_and_recomputed(
    experiment, reference, tmp_path, name
):
    out = tmp_path / "damaged"
    assert sweep_cli(experiment, out).exit_code == 0
    data = (out / name).read_bytes()
    (out / name).write_bytes(data[: len(data) // 2])  # e.g. a disk error or a bad copy
    for command in (["results", str(out)], ["sweep", str(experiment), "--out", str(out)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1
        line = error_line(result.output)
        assert f"{out / name} cannot be read" in line and f"results {out} --repair" in line
    repaired = runner.invoke(app, ["results", str(out), "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert f"set aside {out / name} as {Path(name).stem}.damaged-" in repaired.output
    assert "repaired: 0 runs kept" in repaired.output
    assert len(list(out.glob("*.damaged-*.parquet"))) == 1
    assert len(list(out.glob("*.set-aside-*.parquet"))) == 1  # its partner, kept
    resumed = sweep_cli(experiment, out)
    assert resumed.exit_code == 0 and "6 runs done, 0 already finished" in resumed.output
    assert_identical(out, reference)


def test_a_corrupted_manifest_ends_in_one_line_naming_it(experiment, reference):
    manifest = reference / MANIFEST
    manifest.write_text(manifest.read_text()[:40])
    before = result_files(reference)
    for command in (
        ["results", str(reference)],
        ["results", str(reference), "--repair"],
        ["sweep", str(experiment), "--out", str(reference)],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == 1
        line = error_line(result.output)
        assert f"{manifest} is damaged" in line
        assert "which --repair cannot guess" in line and "another --out folder" in line
    assert result_files(reference) == before


# -- read-only folders and full disks -----------------------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _read_only_error(path) -> OSError:
    return OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(path))


@pytest.fixture
def read_only(monkeypatch):
    """``read_only(folder)``: every write under ``folder`` fails as on a read-only mount
    (creating, opening for writing, renaming, truncating); reads work."""
    folders: list[Path] = []

    def inside(path) -> bool:
        try:
            resolved = Path(os.fspath(path)).resolve()
        except TypeError:  # a descriptor
            return False
        return any(resolved == f or f in resolved.parents for f in folders)

    real_open, real_os_open, real_mkdir = builtins.open, os.open, os.mkdir
    real_replace, real_truncate = os.replace, os.truncate

    def fake_open(file, mode="r", *args, **kwargs):
        if inside(file) and any(c in mode for c in "wax+"):
            raise _read_only_error(file)
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        if inside(path) and flags & _WRITE_FLAGS:
            raise _read_only_error(path)
        return real_os_open(path, flags, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):
        if inside(path) or any(Path(os.fspath(path)).resolve() == f for f in folders):
            if os.path.exists(path):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fspath(path))
            raise _read_only_error(path)
        return real_mkdir(path, *args, **kwargs)

    def fake_replace(src, dst, *args, **kwargs):
        if inside(src) or inside(dst):
            raise _read_only_error(dst)
        return real_replace(src, dst, *args, **kwargs)

    def fake_truncate(path, length):
        if inside(path):
            raise _read_only_error(path)
        return real_truncate(path, length)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)
    monkeypatch.setattr(os, "replace", fake_replace)
    monkeypatch.setattr(os, "truncate", fake_truncate)
    return lambda folder: folders.append(Path(folder).resolve())


def test_a_complete_store_in_a_read_only_folder_reads_and_says_it_cannot_write_tables(
    experiment, reference, read_only
):
    before = result_files(reference)
    read_only(reference)
    shown = runner.invoke(app, ["results", str(reference)])
    assert shown.exit_code == 0, shown.output
    result = sweep_cli(experiment, reference)
    assert result.exit_code == 1
    line = error_line(result.output)
    assert f"error: {reference / 'summary.csv'}: Read-only file system" in line
    assert f"summary.csv cannot be written in {reference}" in line
    assert "its finished runs are kept" in line and "--out set to the copy" in line
    assert result_files(reference) == before


def test_a_partial_store_in_a_read_only_folder_says_what_is_missing_and_resumes_later(
    experiment, reference, tmp_path, read_only, monkeypatch
):
    out = tmp_path / "partial"
    killed_after(experiment, out, 2)
    journal = (out / JOURNAL).read_bytes()
    read_only(out)
    result = sweep_cli(experiment, out)
    assert result.exit_code == 1
    line = error_line(result.output)
    assert f"error: {out / JOURNAL}: Read-only file system: 4 runs are missing" in line
    assert "copy the folder somewhere writable" in line
    assert (out / JOURNAL).read_bytes() == journal
    monkeypatch.undo()  # writable again: the same command completes
    assert sweep_cli(experiment, out).exit_code == 0
    assert_identical(out, reference)


def test_a_new_store_under_a_read_only_folder_is_one_line(experiment, tmp_path, read_only):
    parent = tmp_path / "mnt"
    parent.mkdir()
    read_only(parent)
    result = sweep_cli(experiment, parent / "store")
    assert result.exit_code == 1
    line = error_line(result.output)
    assert (
        line == f"error: {parent / 'store'}: Read-only file system; write somewhere else with --out"
    )


def _journal_fd(fd: int) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}").endswith(JOURNAL)
    except OSError:
        return False


def test_a_full_disk_while_committing_loses_nothing_and_the_rerun_matches(
    experiment, reference, tmp_path, monkeypatch
):
    out = tmp_path / "full"
    real_write = os.write
    calls = {"journal": 0}

    def full_after_three(fd: int, data) -> int:
        if not _journal_fd(fd):
            return real_write(fd, data)
        calls["journal"] += 1
        if calls["journal"] == 4:  # half the 4th line fits, then the disk is full
            return real_write(fd, bytes(data[: len(data) // 2]))
        if calls["journal"] > 4:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full_after_three)
    result = sweep_cli(experiment, out)
    assert result.exit_code == 1
    line = error_line(result.output)
    assert line == (
        f"error: {out / JOURNAL}: No space left on device; free some space and run the same "
        "command again (finished runs are kept)"
    )
    monkeypatch.undo()  # space freed
    assert len(ResultsStore(out).runs()) == 3  # the torn 4th line is not a run
    resumed = sweep_cli(experiment, out)
    assert resumed.exit_code == 0 and "3 runs done, 3 already finished" in resumed.output
    assert_identical(out, reference)


def test_a_full_disk_while_compacting_keeps_the_journal_and_the_rerun_matches(
    experiment, reference, tmp_path, monkeypatch
):
    out = tmp_path / "full"
    real = pd.DataFrame.to_parquet

    def full(self, handle, *args, **kwargs):  # a few bytes fit, then the disk is full
        handle.write(b"PAR1")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    result = sweep_cli(experiment, out)
    assert result.exit_code == 1
    line = error_line(result.output)
    assert line == (
        f"error: {out / 'runs.parquet'}: No space left on device; free some space and run the "
        "same command again (finished runs are kept)"
    )
    assert len((out / JOURNAL).read_bytes().splitlines()) == 6  # every run kept
    assert not list(out.glob(".*")) and not (out / "runs.parquet").exists()  # no partial file
    monkeypatch.setattr(pd.DataFrame, "to_parquet", real)
    summary = runner.invoke(app, ["results", str(out)])
    assert "6 of 6 planned runs stored" in summary.output
    resumed = sweep_cli(experiment, out)
    assert resumed.exit_code == 0 and "0 runs done, 6 already finished" in resumed.output
    assert_identical(out, reference)
