"""Experiments: file validation, designs, executors (inline, local pool, Dask), the resumable
results store, failures, comparisons and the CLI."""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from tests.helpers import ROOT, tiny_experiment
from typer.testing import CliRunner

from iei_sim.cli import app
from iei_sim.experiments import (
    ResultsStore,
    compare,
    comparison_table,
    design_points,
    load_experiment,
    plan_runs,
    run_experiment,
    sweep,
)
from iei_sim.experiments.executors import ExecutorUnavailableError, make_executor
from iei_sim.scenario import ScenarioError

SMALL = ROOT / "scenarios" / "small.yaml"
# A few-second model: 4 schools, 40 firms, 3 years.
TINY = {
    "steps": 3,
    "regions.east.schools": 2,
    "regions.east.firms": 24,
    "regions.east.students_per_school": 60,
    "regions.west.schools": 2,
    "regions.west.firms": 16,
    "regions.west.students_per_school": 60,
}
OUTCOMES = ["firm_participation_rate", "fiscal_cost", "mean_partnership_depth"]
runner = CliRunner()


def write_experiment(folder: Path, **fields) -> Path:
    data = {
        "name": "tiny_sweep",
        "base": str(SMALL),
        "overrides": {**TINY, "policy.tax_deduction.enabled": True},
        "levers": {"policy.tax_deduction.rate": {"values": [0.1, 0.4]}},
        "replicates": 3,
        "outcomes": OUTCOMES,
    }
    data.update(fields)
    path = folder / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def comparable(runs: pd.DataFrame) -> pd.DataFrame:
    assert "duration_s" not in runs  # wall-clock: in the manifest, never in the tables
    return runs.sort_values("run_key").reset_index(drop=True)


# -- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        (
            {"levers": {"policy.tax_deduction.rat": {"values": [0.1]}}},
            "levers.policy.tax_deduction.rat",
            "unknown scenario field (did you mean 'policy.tax_deduction.rate'?); allowed: a "
            "dotted field of the scenario",
        ),
        (
            {"levers": {"policy.tax_deduction.rate": {"low": 0.4, "high": 0.1}}},
            "levers.policy.tax_deduction.rate",
            "bounds reversed",
        ),
        (
            {"levers": {"policy.risk_sharing.rule": {"low": 0, "high": 1, "levels": 2}}},
            "levers.policy.risk_sharing.rule",
            "numeric",
        ),
        (
            {"levers": {"policy.tax_deduction.rate": {"values": [0.1, 1.5]}}},
            "levers.policy.tax_deduction.rate",
            "value 1.5",
        ),
        (
            {"outcomes": ["firm_participation"]},
            "outcomes.firm_participation",
            "unknown outcome (did you mean 'firm_participation_rate'?); allowed: "
            "firm_participation_rate, firm_willingness",
        ),
        (
            {"replicate": 3},
            "replicate",
            "unknown field (did you mean 'replicates'?); allowed here: name, description, base",
        ),
        ({"design": {"kind": "latin_hypercube"}}, "design", "needs `samples`"),
        (
            {"design": {"kind": "sobol"}},
            "design.kind",
            "(got 'sobol'); allowed: one of 'full_factorial', 'latin_hypercube', 'explicit'",
        ),
        ({"overrides": {**TINY, "steps": 0}}, "overrides.steps", "greater than or equal"),
        ({"base": "missing.yaml"}, "base", "scenario file not found"),
    ],
)
def test_bad_experiment_files_exit_2_naming_file_and_field_and_write_nothing(
    tmp_path, fields, field, fragment
):
    path = write_experiment(tmp_path, **fields)
    out = tmp_path / "out"
    result = runner.invoke(app, ["sweep", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert f"{path}: {field}" in result.output
    assert fragment in result.output
    assert not out.exists()


def test_scenario_problems_name_the_scenario_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {SMALL}\npolicy: {{tax_deduction: {{rate: 7}}}}\n")
    path = write_experiment(tmp_path, base=str(bad), overrides=TINY, levers={})
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    assert any(str(bad) in str(p) and "rate" in str(p) for p in info.value.problems)


# -- designs ------------------------------------------------------------------------------------


def test_full_factorial_crosses_levels_and_common_seeds_are_shared(tmp_path):
    path = write_experiment(
        tmp_path,
        levers={
            "policy.tax_deduction.rate": {"low": 0.0, "high": 0.4, "levels": 3},
            "policy.tax_deduction.certified_only": {"values": [True, False]},
        },
    )
    experiment = load_experiment(path)
    points = design_points(experiment)
    assert len(points) == 6
    assert {p.values["policy.tax_deduction.rate"] for p in points} == {0.0, 0.2, 0.4}
    tasks = plan_runs(experiment)
    assert len(tasks) == 18 and len({t.key for t in tasks}) == 18
    for point in range(6):
        assert [t.seed for t in tasks if t.point == point] == [0, 1, 2]
    assert [t.key for t in plan_runs(load_experiment(path))] == [t.key for t in tasks]


def test_independent_seeds_differ_across_points(tmp_path):
    path = write_experiment(tmp_path, seeds={"policy": "independent", "first": 10})
    seeds = [t.seed for t in plan_runs(load_experiment(path))]
    assert sorted(seeds) == list(range(10, 16))


def test_latin_hypercube_uses_every_stratum_once_per_factor(tmp_path):
    n = 20
    path = write_experiment(
        tmp_path,
        levers={
            "policy.tax_deduction.rate": {"low": 0.0, "high": 0.5},
            "policy.subsidies.per_intern": {"low": 0.0, "high": 2.0},
        },
        design={"kind": "latin_hypercube", "samples": n, "seed": 3},
    )
    points = design_points(load_experiment(path))
    assert len(points) == n
    for name, (low, high) in {
        "policy.tax_deduction.rate": (0.0, 0.5),
        "policy.subsidies.per_intern": (0.0, 2.0),
    }.items():
        values = np.array([p.values[name] for p in points])
        strata = np.floor((values - low) / (high - low) * n).astype(int)
        assert sorted(strata) == list(range(n))


def test_integer_fields_get_integer_values(tmp_path):
    path = write_experiment(
        tmp_path,
        levers={"partnerships.candidates_per_search": {"low": 2, "high": 6}},
        design={"kind": "latin_hypercube", "samples": 5},
        replicates=1,
    )
    tasks = plan_runs(load_experiment(path))
    assert all(isinstance(t.scenario["partnerships"]["candidates_per_search"], int) for t in tasks)


# -- executors and the store --------------------------------------------------------------------


def test_results_are_identical_inline_and_in_a_two_worker_pool(tmp_path):
    path = write_experiment(tmp_path)
    one = sweep(path, out=tmp_path / "one", workers=1, plots=False)
    two = sweep(path, out=tmp_path / "two", workers=2, plots=False)
    assert one.report.done == two.report.done == 6
    pd.testing.assert_frame_equal(
        comparable(ResultsStore(one.out_dir).runs()), comparable(ResultsStore(two.out_dir).runs())
    )
    pd.testing.assert_frame_equal(
        ResultsStore(one.out_dir).steps(), ResultsStore(two.out_dir).steps()
    )
    # Replicates differ (the seeds matter) while points share seeds.
    runs = ResultsStore(one.out_dir).runs()
    assert runs.groupby("point")["firm_participation_rate"].nunique().max() > 1


def test_a_worker_returns_a_batch_early_and_the_rest_is_run_once(tmp_path):
    """With no time to spare, each batch comes back after its first run and the rest is
    resubmitted: every run exactly once, with the results of one process running them all."""
    from iei_sim.experiments.executors import InlineExecutor, LocalExecutor
    from iei_sim.experiments.runner import spin_up_order

    tasks = spin_up_order(plan_runs(load_experiment(write_experiment(tmp_path))))
    assert len({t.seed for t in tasks}) < len(tasks)  # batches of several runs
    pool = LocalExecutor(2)
    pool.batch_seconds = 0.0
    submitted: list[int] = []
    submit = pool.pool.submit

    def counting(fn, batch, *args):
        submitted.append(len(batch))
        return submit(fn, batch, *args)

    pool.pool.submit = counting
    try:
        pooled = list(pool.run(tasks))
    finally:
        pool.close()
    assert len(submitted) == len(tasks) and max(submitted) > 1  # one run back per batch
    inline = list(InlineExecutor().run(tasks))

    def by_key(results):
        rows = {r["row"]["run_key"]: {**r["row"], "duration_s": None} for r in results}
        return rows, {r["row"]["run_key"]: r["steps"] for r in results}

    assert len(pooled) == len(tasks) and by_key(pooled) == by_key(inline)


def test_a_run_of_an_experiment_keeps_what_a_full_run_computes(tmp_path):
    """A worker computes only the kept outcomes (and the tally's): their values, per year and
    summarised, and the tally's counts are those of a run that computes every outcome."""
    from iei_sim.experiments.cost_effectiveness import RunTally
    from iei_sim.experiments.executors import execute_run
    from iei_sim.run import simulate_outcomes
    from iei_sim.scenario import Scenario

    kept = ["fiscal_cost", "student_coverage"]
    task = plan_runs(load_experiment(write_experiment(tmp_path, outcomes=kept)))[-1]
    result = execute_run(task)
    assert result["row"]["status"] == "ok", result["row"]["error"]
    tally = RunTally()
    timeseries, summary = simulate_outcomes(
        Scenario.model_validate(task.scenario), task.seed, tally.record
    )
    assert len(timeseries.columns) > len(kept) + 1 + len(RunTally.OUTCOMES_READ)
    assert {name: result["row"][name] for name in kept} == {name: summary[name] for name in kept}
    assert result["steps"] == {name: timeseries[name].tolist() for name in ("step", *kept)}
    assert {name: result["row"][name] for name in tally.columns()} == tally.columns()


def test_dask_cluster_gives_the_same_results_as_local_runs(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = write_experiment(tmp_path)
    local = sweep(path, out=tmp_path / "local", workers=1, plots=False)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = sweep(path, out=tmp_path / "dask", dask_address=cluster.scheduler_address)
    assert remote.report.done == 6 and remote.report.failed == 0
    pd.testing.assert_frame_equal(
        comparable(ResultsStore(local.out_dir).runs()),
        comparable(ResultsStore(remote.out_dir).runs()),
    )


def _free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (the OS picks a free one; we release it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unreachable(address: str, timeout: int) -> str:
    return (
        f"error: cannot reach the Dask scheduler at {address} (timed out after {timeout} s); "
        "check the address, that the scheduler is running and that this machine may connect to "
        "it (IEI_SIM_DASK_TIMEOUT=SECONDS waits longer)"
    )


# A sensitivity analysis (and discovery design) of a few tiny runs.
SA_TINY = tiny_experiment(
    "sa_dask",
    "levers:\n  policy.subsidies.per_intern: {low: 0.0, high: 2.0}\n"
    "method: {name: sobol, samples: 4, seed: 1}\nreplicates: 1\noutcomes: [fiscal_cost]\n",
)


def _command(name: str, folder: Path, out: Path) -> list[str]:
    """The command line of ``name`` on a tiny experiment, writing into ``out``."""
    if name == "sweep":
        return ["sweep", str(write_experiment(folder)), "--out", str(out)]
    if name == "compare":
        other = folder / "other.yaml"
        other.write_text(f"extends: {SMALL}\nname: other\n")
        return ["compare", str(SMALL), str(other), "--replicates", "2", "--out", str(out)]
    path = folder / "sa_dask.yaml"
    path.write_text(SA_TINY)
    if name == "sensitivity":
        return ["sensitivity", str(path), "--out", str(out)]
    return ["discover", str(path), "--target", "fiscal_cost >= 0", "--out", str(out)]


@pytest.mark.parametrize("command", ["sweep", "compare", "sensitivity", "discover"])
def test_an_unreachable_dask_scheduler_is_one_error_line_and_writes_nothing(
    tmp_path, monkeypatch, command
):
    monkeypatch.setenv("IEI_SIM_DASK_TIMEOUT", "1")
    address = f"tcp://127.0.0.1:{_free_port()}"
    out = tmp_path / "out"
    start = time.monotonic()
    result = runner.invoke(app, [*_command(command, tmp_path, out), "--dask-address", address])
    elapsed = time.monotonic() - start
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines == [_unreachable(address, 1)]
    assert not out.exists()  # the store is opened only once the cluster answered
    assert elapsed < 15, elapsed  # a 1 s connect timeout (the old one: 20 s, not adjustable)


def test_an_unreachable_dask_scheduler_ends_the_command_in_bounded_time(tmp_path):
    # The real command line in a process of its own: what reaches the terminal is that line.
    address = f"tcp://127.0.0.1:{_free_port()}"
    out = tmp_path / "out"
    args = [sys.executable, "-m", "iei_sim.cli", *_command("sweep", tmp_path, out)]
    env = {**os.environ, "IEI_SIM_DASK_TIMEOUT": "2", "COLUMNS": "80"}
    proc = subprocess.run(
        [*args, "--dask-address", address], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert [line for line in lines if line.startswith("error:")] == [_unreachable(address, 2)]
    assert len(lines) <= 2, lines  # that line and at most the progress bar's last frame
    assert not out.exists()


@pytest.mark.parametrize(
    ("address", "timeout", "fragment"),
    [
        ("foo", None, "'foo' is not a Dask scheduler address (missing port number"),
        ("http://127.0.0.1:8786", None, "unknown address scheme 'http'"),
        ("tcp://127.0.0.1:99999", None, "(bad host or port)"),
        ("tcp://127.0.0.1:8786", "soon", "IEI_SIM_DASK_TIMEOUT='soon' is not a number"),
    ],
)
def test_a_malformed_dask_address_or_timeout_is_refused_at_once(
    tmp_path, monkeypatch, address, timeout, fragment
):
    if timeout is not None:
        monkeypatch.setenv("IEI_SIM_DASK_TIMEOUT", timeout)
    out = tmp_path / "out"
    start = time.monotonic()
    result = runner.invoke(app, [*_command("sweep", tmp_path, out), "--dask-address", address])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert "Traceback" not in result.output and not out.exists()
    assert time.monotonic() - start < 10  # refused before any connection attempt


@pytest.fixture(scope="module")
def tls_security(tmp_path_factory):
    """A TLS-only ``distributed.Security`` (one self-signed certificate for every role)."""
    distributed = pytest.importorskip("distributed")
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=iei-sim-test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    c, k = str(cert), str(key)
    return distributed.Security(
        tls_ca_file=c,
        tls_scheduler_cert=c,
        tls_scheduler_key=k,
        tls_worker_cert=c,
        tls_worker_key=k,
        tls_client_cert=c,
        tls_client_key=k,
        require_encryption=True,
    )


def _api_call(name: str, folder: Path):
    """``(function, args)`` of the Python API for ``name`` on a tiny experiment."""
    from iei_sim.sensitivity import discover, prepare, prepare_target, run_sensitivity

    if name == "sweep":
        return sweep, (write_experiment(folder, replicates=1),)
    if name == "compare":
        base = folder / "base.yaml"
        base.write_text(f"extends: {SMALL}\nname: base\n")
        pair = write_experiment(
            folder, name="pair", base=None, scenarios=[str(SMALL), str(base)], levers={},
            overrides=TINY, replicates=1,
        )  # fmt: skip
        return compare, (load_experiment(pair),)
    path = folder / "sa_dask.yaml"
    path.write_text(SA_TINY)
    if name == "sensitivity":
        return run_sensitivity, (prepare(path),)
    experiment = load_experiment(path)
    return discover, (experiment, prepare_target(experiment, "fiscal_cost >= 0"))


@pytest.mark.parametrize("name", ["sweep", "compare", "sensitivity", "discover"])
def test_dask_security_reaches_the_client_of_every_workflow(tmp_path, tls_security, name):
    distributed = pytest.importorskip("distributed")
    function, args = _api_call(name, tmp_path)
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
        protocol="tls",
        security=tls_security,
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://")
        # Without the certificates the cluster is refused, before anything is written.
        with pytest.raises(ExecutorUnavailableError, match="TLS needs certificates"):
            function(*args, out=tmp_path / "plain", dask_address=address, plots=False)
        assert not (tmp_path / "plain").exists()
        # ... and refused before a Client exists: a half-made one (Dask's own refusal) is
        # finalised at some later garbage collection, which can deadlock a new Client().
        half_made = [
            c
            for c in gc.get_objects()
            if isinstance(c, distributed.Client) and c.status != "closed"
        ]
        assert not half_made
        output = function(
            *args, out=tmp_path / "tls", dask_address=address, dask_security=tls_security,
            plots=False,
        )  # fmt: skip
    assert output.report.done > 0 and output.report.failed == 0
    runs = ResultsStore(tmp_path / "tls").runs()
    assert len(runs) == output.report.total and (runs.status == "ok").all()


def test_a_dask_executor_keeps_the_security_it_was_given(tls_security):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None, protocol="tls",
        security=tls_security,
    ) as cluster:  # fmt: skip
        executor = make_executor(dask_address=cluster.scheduler_address, dask_security=tls_security)
        try:
            assert executor.client.security is tls_security
            assert executor.workers == 1
        finally:
            executor.close()


def test_a_failing_run_is_recorded_and_does_not_stop_the_sweep(tmp_path, monkeypatch):
    import iei_sim.run
    from iei_sim.identity import model_identity

    model_identity()  # its fingerprint runs the model: computed (or read) before the mock
    real = iei_sim.run.simulate_outcomes

    def flaky(scenario, seed, each_year=None, outcomes=None):
        if seed == 1:
            raise RuntimeError("boom in the model")
        return real(scenario, seed=seed, each_year=each_year, outcomes=outcomes)

    monkeypatch.setattr(iei_sim.run, "simulate_outcomes", flaky)
    path = write_experiment(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["sweep", str(path), "--out", str(out)])
    assert result.exit_code == 1
    assert "4 runs done" in result.output and "2 failed" in result.output
    runs = ResultsStore(out).runs()
    failed = runs[runs.status == "failed"]
    assert len(runs) == 6 and set(failed.seed) == {1}
    assert failed.error.str.contains("RuntimeError: boom in the model").all()
    summary = runner.invoke(app, ["results", str(out)])
    assert "4 ok, 2 failed" in summary.output and "boom in the model" in summary.output
    # Fixed: the same command retries only the failed runs and completes the store.
    monkeypatch.setattr(iei_sim.run, "simulate_outcomes", real)
    again = runner.invoke(app, ["sweep", str(path), "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert "2 runs done, 4 already finished, 0 failed" in again.output
    runs = ResultsStore(out).runs()
    assert len(runs) == 6 and (runs.status == "ok").all()


def test_a_store_refuses_a_different_experiment(tmp_path):
    out = tmp_path / "out"
    sweep(write_experiment(tmp_path, replicates=1), out=out, plots=False)
    other = write_experiment(
        tmp_path, name="other", levers={"policy.tax_deduction.rate": {"values": [0.1, 0.3]}}
    )
    result = runner.invoke(app, ["sweep", str(other), "--out", str(out)])
    assert result.exit_code == 2 and "different experiment" in result.output


def test_a_sweep_rerun_with_more_replicates_extends_its_store_in_place(tmp_path):
    """The same design with more replicates reuses every finished run and adds only the new
    replicates' runs; the tables then describe the larger plan, and the smaller one still
    reads from the same store."""
    out = tmp_path / "out"
    first = sweep(write_experiment(tmp_path, replicates=2), out=out, plots=False)
    assert (first.report.done, first.report.skipped) == (4, 0)
    more = write_experiment(tmp_path, replicates=3)
    result = runner.invoke(app, ["sweep", str(more), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 runs done, 4 already finished, 0 failed, of 6" in result.output
    runs = ResultsStore(out).runs()
    assert len(runs) == 6 and sorted(runs.replicate.unique()) == [0, 1, 2]
    summary = pd.read_csv(out / "summary.csv")
    assert (summary["runs_ok"] == 3).all()
    assert yaml.safe_load((out / "experiment.yaml").read_text())["replicates"] == 3
    fewer = sweep(write_experiment(tmp_path, replicates=2), out=out, plots=False)
    assert (fewer.report.done, fewer.report.skipped) == (0, 4)
    assert (fewer.summary["runs_ok"] == 2).all()


def _sweep_process(
    path: Path, out: Path, *options: str, new_session: bool = False
) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "iei_sim.cli", "sweep", str(path), "--out", str(out), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
        # A job started in the background (`make test &`, some CI runners) inherits SIGINT as
        # ignored, and then Python installs no Ctrl-C handler: give the sweep the default, as
        # a terminal would.
        preexec_fn=_default_sigint,
        # Its own session: every process it starts (workers, a forkserver, the resource
        # tracker) carries its PID as session id, even after being adopted by PID 1.
        start_new_session=new_session,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_commits(out: Path, n: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (out / "manifest.json").exists() and len(ResultsStore(out).finished_keys()) >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("no runs committed in time")


# SIGKILL (no clean-up at all) in the default run; the signals a run handles in `make test-slow`.
@pytest.mark.parametrize(
    "how",
    [
        signal.SIGKILL,
        pytest.param(signal.SIGINT, marks=pytest.mark.slow),
        pytest.param(signal.SIGTERM, marks=pytest.mark.slow),
    ],
)
def test_a_killed_sweep_resumes_with_no_duplicate_and_no_missing_run(tmp_path, how):
    # Runs of the full small scenario (tens of ms each, not the tiny one's few ms), so the
    # signal sent once two runs are committed lands well before the last of the 24.
    total = 24
    path = write_experiment(
        tmp_path,
        overrides={"steps": 5, "policy.tax_deduction.enabled": True},
        levers={"policy.tax_deduction.rate": {"values": [0.1, 0.2, 0.3, 0.4]}},
        replicates=6,
    )
    out = tmp_path / "out"
    proc = _sweep_process(path, out)
    _wait_for_commits(out, 2, proc)
    proc.send_signal(how)
    _, stderr = proc.communicate(timeout=60)
    kept = ResultsStore(out).runs()
    assert 2 <= len(kept) < total, "the kill came too late to test resuming"
    if how in (signal.SIGINT, signal.SIGTERM):
        assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143}[how], stderr
        assert "run the same command again" in stderr
        # Ctrl-C or SIGTERM (a scheduler's pre-emption) compacted every committed run into
        # runs.parquet (what DuckDB reads)
        assert (out / "journal.jsonl").read_bytes() == b""
        compacted = pd.read_parquet(out / "runs.parquet")
        pd.testing.assert_frame_equal(compacted, kept)
    else:  # a hard kill leaves them in the journal until the next invocation compacts
        assert ResultsStore(out).pending() == len(kept)
        summary = runner.invoke(app, ["results", str(out)])
        assert f"{len(kept)} run(s) are not in runs.parquet yet" in summary.output
    again = runner.invoke(app, ["sweep", str(path), "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert f"{total - len(kept)} runs done, {len(kept)} already finished" in again.output
    runs = ResultsStore(out).runs()
    assert len(runs) == total and runs.run_key.is_unique and (runs.status == "ok").all()
    assert ResultsStore(out).pending() == 0
    fresh = sweep(path, out=tmp_path / "fresh", plots=False)
    pd.testing.assert_frame_equal(comparable(runs), comparable(ResultsStore(fresh.out_dir).runs()))


def _session_processes(sid: int) -> dict[int, str]:
    """Live processes (not zombies) of session ``sid``: PID → command line."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid pgrp session ..."; comm may hold spaces and parentheses
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:  # exited meanwhile
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found[int(stat.parent.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_hard_killed_sweep_leaves_no_worker_process_behind(tmp_path):
    # Runs of the full small scenario (~0.1 s each): the sweep is still running when killed.
    total = 24
    path = write_experiment(
        tmp_path,
        overrides={"steps": 10, "policy.tax_deduction.enabled": True},
        levers={"policy.tax_deduction.rate": {"values": [0.1, 0.2, 0.3, 0.4]}},
        replicates=6,
    )
    out = tmp_path / "out"
    proc = _sweep_process(path, out, "--workers", "2", new_session=True)
    left: dict[int, str] = {}
    try:
        _wait_for_commits(out, 1, proc)
        pool = _session_processes(proc.pid)
        pool.pop(proc.pid, None)
        assert len(pool) >= 2, pool  # the two workers (and any helper) run under the sweep
        proc.kill()
        proc.wait(timeout=30)  # not communicate(): orphans would hold its pipes open
        assert len(ResultsStore(out).finished_keys()) < total, "the kill came after the sweep"
        # A worker notices its parent's death within a second; 10 s is generous on a busy
        # machine (the old forkserver pool stayed alive for minutes).
        deadline = time.monotonic() + 10
        while (left := _session_processes(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not left, f"still alive after the sweep was killed: {left}"
    finally:
        for pid in {**left, **_session_processes(proc.pid)}:  # never leave them to the machine
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


# -- comparisons --------------------------------------------------------------------------------


def test_comparison_pairs_by_replicate_and_gives_the_sd_of_the_paired_differences():
    """Rows in any order, a replicate missing from one regime: differences pair replicate with
    replicate, and ``diff_sd`` is their SD (here about 0.6, while each regime's own SD is over 2)."""
    ref = {0: 10.0, 1: 12.0, 2: 14.0, 3: 16.0}
    other = {0: 11.0, 1: 14.0, 2: 15.0}  # differences 1, 2, 1; replicate 3 failed
    rows = [
        {"scenario": "ref", "point": 0, "replicate": r, "status": "ok", "y": v}
        for r, v in ref.items()
    ] + [
        {"scenario": "other", "point": 1, "replicate": r, "status": "ok", "y": v}
        for r, v in other.items()
    ]
    rows.append({"scenario": "other", "point": 1, "replicate": 3, "status": "failed", "y": 0.0})
    runs = pd.DataFrame(rows).sample(frac=1.0, random_state=0)
    table = comparison_table(runs, ["y"]).set_index("scenario")
    diffs = np.array([1.0, 2.0, 1.0])
    assert table.loc["other", "diff"] == pytest.approx(diffs.mean())
    assert table.loc["other", "diff_sd"] == pytest.approx(diffs.std(ddof=1))
    low, high = stats.t.interval(0.95, 2, loc=diffs.mean(), scale=stats.sem(diffs))
    assert (table.loc["other", "diff_ci_low"], table.loc["other", "diff_ci_high"]) == (
        pytest.approx(low),
        pytest.approx(high),
    )
    assert np.isnan(table.loc["ref", "diff_sd"]) and np.isnan(table.loc["ref", "diff"])


def test_compare_writes_paired_differences_with_their_ci_and_p(tmp_path):
    regime = tmp_path / "deduction.yaml"
    regime.write_text(
        f"extends: {SMALL}\nname: deduction\n"
        "policy: {tax_deduction: {enabled: true, rate: 0.4, certified_only: false}}\n"
    )
    base = tmp_path / "base.yaml"
    base.write_text(f"extends: {SMALL}\nname: base\n")
    experiment_path = write_experiment(
        tmp_path,
        name="pair",
        base=None,
        scenarios=[str(base), str(regime)],
        overrides=TINY,
        levers={},
        replicates=4,
    )
    result = compare(load_experiment(experiment_path), out=tmp_path / "cmp", workers=2)
    table = pd.read_csv(result.out_dir / "comparison.csv")
    assert list(table.columns) == [
        "scenario",
        "outcome",
        "label",
        "unit",
        "summary_rule",
        "replicates",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "diff",
        "diff_sd",
        "diff_ci_low",
        "diff_ci_high",
        "p_value",
    ]
    runs = ResultsStore(result.out_dir).runs()
    a = runs[runs.scenario == "deduction"].sort_values("replicate")["fiscal_cost"].to_numpy()
    b = runs[runs.scenario == "base"].sort_values("replicate")["fiscal_cost"].to_numpy()
    row = table[(table.scenario == "deduction") & (table.outcome == "fiscal_cost")].iloc[0]
    assert row["diff"] == pytest.approx((a - b).mean(), rel=1e-5)
    assert row["diff_sd"] == pytest.approx((a - b).std(ddof=1), rel=1e-5)
    assert row["diff_sd"] > 0  # the regime moves the fiscal cost by more in some replicates
    assert row["p_value"] == pytest.approx(stats.ttest_rel(a, b).pvalue, rel=1e-4)
    assert row["diff_ci_low"] < row["diff"] < row["diff_ci_high"]
    assert table[table.scenario == "base"]["diff"].isna().all()
    assert table[table.scenario == "base"]["diff_sd"].isna().all()
    for figure in ("timeseries.png", "differences.png"):
        assert (result.out_dir / figure).stat().st_size > 10_000


def test_compare_command_prints_a_table_and_refuses_a_bad_file(tmp_path):
    out = tmp_path / "cmp"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\npolicy: {tax_deduction: {rat: 1}}\n")
    result = runner.invoke(app, ["compare", str(SMALL), str(bad), "--out", str(out)])
    assert result.exit_code == 2
    assert f"{bad}: policy.tax_deduction.rat" in result.output
    assert not out.exists()


def test_shipped_experiment_files_validate_and_plan():
    for name, runs in (("incentive_regimes", 60), ("tax_deduction_sweep", 60)):
        experiment = load_experiment(ROOT / "experiments" / f"{name}.yaml")
        assert len(plan_runs(experiment)) == runs


def test_run_experiment_skips_finished_runs(tmp_path):
    path = write_experiment(tmp_path, replicates=1)
    experiment = load_experiment(path)
    first = run_experiment(experiment, tmp_path / "out")
    second = run_experiment(experiment, tmp_path / "out")
    assert (first.done, first.skipped) == (2, 0)
    assert (second.done, second.skipped) == (0, 2)
