"""The results store's journal: torn and corrupted lines, NaN, latest-wins, compaction, the
earlier per-run-file layout, and compaction on Ctrl-C."""

from __future__ import annotations

import json
import math
import multiprocessing
import pickle
import time

import numpy as np
import pandas as pd
import pytest
from tests.helpers import ROOT

from iei_sim.experiments import ResultsStore, RunTask, run_tasks
from iei_sim.experiments.executors import execute_run
from iei_sim.experiments.store import JOURNAL, JournalCorruptError

OUTCOMES = ["firm_participation_rate", "fiscal_cost"]


def row(point: int, replicate: int = 0, status: str = "ok", **values) -> dict:
    return {
        "run_key": f"p{point}r{replicate}",
        "scenario": "base",
        "scenario_hash": "h",
        "point": point,
        "replicate": replicate,
        "seed": replicate,
        "policy.tax_deduction.rate": 0.1 * point,
        "firm_participation_rate": 0.5 + point,
        "fiscal_cost": 100.0 * point,
        "status": status,
        "error": "" if status == "ok" else "RuntimeError: boom",
        "duration_s": 0.25,
        **values,
    }


def table_row(point: int, replicate: int = 0, status: str = "ok", **values) -> dict:
    """``row(...)`` as the tables hold it: without the wall-clock ``duration_s``, which only
    the journal line carries (run times are in the manifest, so the tables are reproducible)."""
    kept = row(point, replicate, status, **values)
    del kept["duration_s"]
    return kept


def steps(point: int, n: int = 3) -> dict[str, list]:
    return {
        "step": list(range(1, n + 1)),
        "firm_participation_rate": [0.1 * s + point for s in range(n)],
        "fiscal_cost": [10.0 * s * point for s in range(n)],
    }


def store_with(tmp_path, points) -> ResultsStore:
    store = ResultsStore(tmp_path / "store")
    store.open({"content_hash": "test"})
    for p in points:
        store.commit(row(p), steps(p))
    store.close()
    return store


def journal_lines(store: ResultsStore) -> list[bytes]:
    return store.journal.read_bytes().splitlines()


# -- the journal ----------------------------------------------------------------------------------


def test_a_commit_is_one_journal_line_and_reads_back_as_rows_and_steps(tmp_path):
    store = store_with(tmp_path, [1, 0])
    assert len(journal_lines(store)) == 2
    record = json.loads(journal_lines(store)[0])
    assert record["row"] == row(1) and record["steps"] == steps(1)
    runs = store.runs()
    assert list(runs.run_key) == ["p0r0", "p1r0"]  # sorted by point, replicate
    assert runs["point"].dtype == np.int64 and runs["fiscal_cost"].dtype == np.float64
    assert runs.iloc[1].to_dict() == table_row(1)
    table = store.steps()
    assert list(table.columns) == ["run_key", "step", *OUTCOMES]
    assert list(zip(table.run_key, table.step, strict=True)) == [
        ("p0r0", 1), ("p0r0", 2), ("p0r0", 3), ("p1r0", 1), ("p1r0", 2), ("p1r0", 3),
    ]  # fmt: skip
    assert table["step"].dtype == np.int64
    assert table[table.run_key == "p1r0"]["fiscal_cost"].tolist() == steps(1)["fiscal_cost"]
    assert store.finished_keys() == {"p0r0", "p1r0"}
    assert store.pending() == 2


@pytest.mark.parametrize(
    "tail",
    [
        b'{"row":{"run_key":"p9r0","scenario":"ba',  # killed mid-write: no newline
        b"\x00\x00\x00",  # zero-filled tail
        b'{"row":{"run_key":"p9r0"\n',  # a complete line that does not parse
    ],
)
def test_a_torn_last_line_is_ignored_and_cut_off_when_the_store_is_reopened(tmp_path, tail):
    store = store_with(tmp_path, [0, 1])
    good = store.journal.read_bytes()
    with open(store.journal, "ab") as handle:
        handle.write(tail)
    assert set(store.runs().run_key) == {"p0r0", "p1r0"}  # reading skips the torn line
    assert store.finished_keys() == {"p0r0", "p1r0"}
    assert len(store.steps()) == 6

    reopened = ResultsStore(store.root)
    reopened.open({"content_hash": "test"})
    assert store.journal.read_bytes() == good  # cut back to the last complete line
    reopened.commit(row(2), steps(2))
    reopened.close()
    runs = ResultsStore(store.root).runs()
    assert list(runs.run_key) == ["p0r0", "p1r0", "p2r0"]
    assert runs.iloc[2].to_dict() == table_row(2)
    assert ResultsStore(store.root).steps().query("run_key == 'p2r0'")["step"].tolist() == [1, 2, 3]


def test_a_journal_that_is_only_a_torn_line_is_emptied_on_reopen(tmp_path):
    root = tmp_path / "store"
    root.mkdir()
    (root / JOURNAL).write_bytes(b'{"row":{"run_k')
    assert ResultsStore(root).runs().empty
    store = ResultsStore(root)
    store.open({"content_hash": "test"})
    assert (root / JOURNAL).read_bytes() == b""
    store.commit(row(0), steps(0))
    assert list(store.runs().run_key) == ["p0r0"]


def test_a_corrupted_line_in_the_middle_raises_naming_the_file_and_line(tmp_path):
    store = store_with(tmp_path, [0, 1, 2])
    lines = journal_lines(store)
    lines[1] = lines[1][:60]  # a torn line that is not the last one
    store.journal.write_bytes(b"\n".join(lines) + b"\n")
    for read in (store.runs, store.steps, store.finished_keys, store.compact):
        with pytest.raises(JournalCorruptError, match=rf"{store.journal}: line 2 "):
            read()
    # a torn tail does not excuse an unparsable complete line before it
    store.journal.write_bytes(b"\n".join([lines[0], b"not json"]) + b'\n{"row"')
    with pytest.raises(JournalCorruptError, match="line 2"):
        store.runs()


def test_nan_and_infinite_outcomes_round_trip(tmp_path):
    store = ResultsStore(tmp_path / "store")
    store.open({"content_hash": "test"})
    store.commit(row(0, fiscal_cost=math.nan), {**steps(0), "fiscal_cost": [1.0, math.nan, 3.0]})
    store.commit(row(1, firm_participation_rate=math.inf), steps(1))
    for _ in range(2):  # from the journal, then from the compacted Parquet files
        runs = store.runs().set_index("run_key")
        assert runs["fiscal_cost"].dtype == np.float64
        assert math.isnan(runs.at["p0r0", "fiscal_cost"])
        assert runs.at["p1r0", "fiscal_cost"] == 100.0
        assert runs.at["p1r0", "firm_participation_rate"] == math.inf
        table = store.steps()
        assert table["fiscal_cost"].dtype == np.float64
        assert table["fiscal_cost"].isna().tolist() == [False, True, False, False, False, False]
        store.compact()
    assert store.journal.read_bytes() == b""


def test_a_failed_run_retried_successfully_is_one_ok_row(tmp_path):
    store = ResultsStore(tmp_path / "store")
    store.open({"content_hash": "test"})
    store.commit(row(0, status="failed"), None)
    store.commit(row(1), steps(1))
    assert store.finished_keys() == {"p1r0"}
    store.commit(row(0), steps(0))
    runs = store.runs()
    assert len(runs) == 2 and runs.run_key.is_unique
    assert runs.set_index("run_key").at["p0r0", "status"] == "ok"
    assert runs.set_index("run_key").at["p0r0", "error"] == ""
    assert store.finished_keys() == {"p0r0", "p1r0"}
    assert len(store.steps()) == 6
    # the same when the failure was compacted before the retry
    store.commit(row(2, status="failed"), None)
    store.compact()
    assert store.runs().set_index("run_key").at["p2r0", "status"] == "failed"
    store.commit(row(2), steps(2))
    runs = store.runs().set_index("run_key")
    assert len(runs) == 3 and runs.at["p2r0", "status"] == "ok"


def test_compact_then_more_commits_reads_the_union_without_duplicates(tmp_path):
    store = store_with(tmp_path, [3, 1])
    store.compact()
    assert store.journal.read_bytes() == b"" and store.pending() == 0
    assert list(pd.read_parquet(store.root / "runs.parquet").run_key) == ["p1r0", "p3r0"]
    assert len(pd.read_parquet(store.root / "steps.parquet")) == 6
    store.commit(row(2), steps(2))  # reopens the (replaced) journal
    store.commit(row(0), steps(0))
    assert store.pending() == 2 and len(journal_lines(store)) == 2
    runs = store.runs()
    assert list(runs.run_key) == ["p0r0", "p1r0", "p2r0", "p3r0"]
    steps_table = store.steps()
    assert len(steps_table) == 12 and not steps_table.duplicated(["run_key", "step"]).any()
    assert list(steps_table.run_key.unique()) == ["p0r0", "p1r0", "p2r0", "p3r0"]
    store.compact()
    pd.testing.assert_frame_equal(pd.read_parquet(store.root / "runs.parquet"), runs)
    pd.testing.assert_frame_equal(store.steps(), steps_table)


def test_a_kill_between_writing_the_parquet_files_and_emptying_the_journal_loses_nothing(
    tmp_path,
):
    store = store_with(tmp_path, [0, 1])
    journal = store.journal.read_bytes()
    before_runs, before_steps = store.runs(), store.steps()
    store.compact()
    store.journal.write_bytes(journal)  # as if killed before the journal was emptied
    pd.testing.assert_frame_equal(store.runs(), before_runs)
    pd.testing.assert_frame_equal(store.steps(), before_steps)


def test_a_store_object_that_outlived_a_compaction_writes_to_the_new_journal(tmp_path):
    writer = store_with(tmp_path, [0])
    writer.commit(row(1), steps(1))  # holds the journal open
    ResultsStore(writer.root).compact()  # another object replaces the journal
    writer.commit(row(2), steps(2))
    writer.close()
    assert len(journal_lines(writer)) == 1
    assert list(ResultsStore(writer.root).runs().run_key) == ["p0r0", "p1r0", "p2r0"]


def test_commit_still_accepts_a_steps_dataframe_and_numpy_scalars(tmp_path):
    store = ResultsStore(tmp_path / "store")
    store.open({"content_hash": "test"})
    frame = pd.DataFrame({"run_key": "p0r0", **steps(0)})
    numpy_row = {**row(0), "point": np.int64(0), "seed": np.int64(0), "rate": np.float64(0.5)}
    store.commit(numpy_row, frame)
    runs = store.runs()
    assert runs.at[0, "seed"] == 0 and runs.at[0, "rate"] == 0.5
    pd.testing.assert_frame_equal(store.steps(), frame)


# -- the earlier layout: one Parquet file per run under runs/ and steps/ --------------------------


def write_old_layout(root, points, status="ok"):
    for folder in ("runs", "steps"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for p in points:
        key = row(p)["run_key"]
        pd.DataFrame([row(p, status=status)]).to_parquet(root / "runs" / f"{key}.parquet")
        if status == "ok":
            frame = pd.DataFrame(steps(p))
            frame.insert(0, "run_key", key)
            frame.to_parquet(root / "steps" / f"{key}.parquet")


def test_a_store_in_the_earlier_layout_reads_and_compacts(tmp_path):
    old = store_with(tmp_path, [0])
    old.compact()  # runs.parquet holds p0
    write_old_layout(old.root, [1, 2])  # per-run files: p1, p2
    write_old_layout(old.root, [3], status="failed")
    store = ResultsStore(old.root)
    assert list(store.runs().run_key) == ["p0r0", "p1r0", "p2r0", "p3r0"]
    assert store.finished_keys() == {"p0r0", "p1r0", "p2r0"}
    assert store.pending() == 3
    store.open({"content_hash": "test"})
    store.commit(row(3), steps(3))  # the failed run retried: the journal is newest
    runs, steps_table = store.runs(), store.steps()
    assert runs.set_index("run_key").at["p3r0", "status"] == "ok"
    assert len(steps_table) == 12
    store.compact()
    assert not (old.root / "runs").exists() and not (old.root / "steps").exists()
    assert store.journal.read_bytes() == b""
    pd.testing.assert_frame_equal(pd.read_parquet(old.root / "runs.parquet"), runs)
    pd.testing.assert_frame_equal(pd.read_parquet(old.root / "steps.parquet"), steps_table)
    assert runs.iloc[1].to_dict() == row(1)  # (the earlier layout's run time is kept)


@pytest.mark.parametrize("name", ["sobol_levers", "morris_screening"])
def test_the_committed_result_stores_still_read(name):
    store = ResultsStore(ROOT / "results" / name)
    runs = store.runs()
    assert len(runs) == store.manifest["runs"] and runs.run_key.is_unique
    assert len(store.finished_keys()) == (runs.status == "ok").sum() > 0
    table = store.steps()
    if (store.root / "steps.parquet").exists():  # a local run's; not committed (.gitignore)
        assert set(table.run_key) <= set(runs.run_key) and len(table) >= len(runs)
    else:  # a fresh clone: the store reads without its per-step table
        assert table.empty


# -- the executor's result and the runner -------------------------------------------------------


def task(point: int) -> RunTask:
    return RunTask(
        key=f"p{point}r0",
        point=point,
        scenario_label="base",
        values={"policy.tax_deduction.rate": 0.1 * point},
        replicate=0,
        seed=0,
        scenario={},
        scenario_hash="h",
        outcomes=tuple(OUTCOMES),
    )


def test_execute_run_returns_steps_as_plain_lists(monkeypatch):
    import iei_sim.run
    import iei_sim.scenario

    timeseries = pd.DataFrame(
        {"step": [1, 2], "firm_participation_rate": [0.2, 0.3], "fiscal_cost": [1.0, np.nan]}
    )
    monkeypatch.setattr(iei_sim.scenario.Scenario, "model_validate", staticmethod(lambda d: d))
    monkeypatch.setattr(
        iei_sim.run,
        "simulate_outcomes",
        lambda scenario, seed, each_year=None, outcomes=None: (
            timeseries,
            {"firm_participation_rate": 0.3, "fiscal_cost": 1.0},
        ),
    )
    result = execute_run(task(1))
    assert result["row"]["status"] == "ok", result["row"]["error"]
    assert list(result["steps"]) == ["step", *OUTCOMES]
    assert result["steps"]["step"] == [1, 2]
    assert result["steps"]["firm_participation_rate"] == [0.2, 0.3]
    assert result["steps"]["fiscal_cost"][0] == 1.0
    assert math.isnan(result["steps"]["fiscal_cost"][1])
    assert all(type(v) in (int, float) for column in result["steps"].values() for v in column)
    assert pickle.loads(pickle.dumps(result))["steps"]["step"] == [1, 2]


class InterruptedExecutor:
    """Yields ``k`` results, then raises KeyboardInterrupt as Ctrl-C would."""

    workers = 1

    def __init__(self, k: int) -> None:
        self.k = k

    def run(self, tasks):
        for i, t in enumerate(tasks):
            if i == self.k:
                raise KeyboardInterrupt
            yield {"row": row(t.point), "steps": steps(t.point)}

    def close(self) -> None:
        pass


def test_an_interrupted_run_compacts_what_it_committed_then_re_raises(tmp_path):
    store = ResultsStore(tmp_path / "store")
    store.open({"content_hash": "test"})
    tasks = [task(p) for p in range(6)]
    with pytest.raises(KeyboardInterrupt):
        run_tasks(tasks, store, InterruptedExecutor(4))
    assert store.journal.read_bytes() == b""
    runs = pd.read_parquet(store.root / "runs.parquet")  # what DuckDB would read
    assert list(runs.run_key) == ["p0r0", "p1r0", "p2r0", "p3r0"]
    assert len(pd.read_parquet(store.root / "steps.parquet")) == 4 * 3
    # the next invocation skips those four and completes (and compacts) the rest
    report = run_tasks(tasks, store, InterruptedExecutor(99))
    assert (report.skipped, report.done, report.complete) == (4, 2, True)
    assert store.journal.read_bytes() == b""
    assert len(pd.read_parquet(store.root / "runs.parquet")) == 6


def _commit_many(root, first: int, n: int) -> None:
    store = ResultsStore(root)
    for p in range(first, first + n):
        store.commit(row(p), steps(p))
    store.close()


def test_commits_from_other_processes_survive_concurrent_compactions(tmp_path):
    store = ResultsStore(tmp_path / "store")
    store.open({"content_hash": "test"})
    n = 400
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_commit_many, args=(store.root, i * n, n)) for i in (0, 1)]
    for writer in writers:
        writer.start()
    compactions = 0
    while any(w.is_alive() for w in writers) or compactions == 0:
        store.compact()  # each one replaces the journal the writers are appending to
        compactions += 1
        time.sleep(0.01)
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    store.compact()
    runs = store.runs()
    assert runs["point"].tolist() == list(range(2 * n)), f"lost runs ({compactions} compactions)"
    assert len(store.steps()) == 2 * n * 3
