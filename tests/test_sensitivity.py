"""The sensitivity pipeline on analytic functions (no model runs): SALib's indices come out right
through our problem → sample → analyze path, sub-samples nest, noise is measured as documented,
and the experiment schema's `method` section is validated like the rest of the file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from tests.conftest import SCENARIOS

from iei_sim.experiments import experiment_from_data
from iei_sim.experiments.spec import Factor, Method
from iei_sim.scenario import ScenarioError
from iei_sim.sensitivity import analyze, convergence_table, convergence_verdict, noise_table
from iei_sim.sensitivity.convergence import TOLERANCE
from iei_sim.sensitivity.problem import salib_distribution
from iei_sim.sensitivity.sampling import leading_rows, sample, subset_sizes

PI = float(np.pi)


def problem_of(names: list[str], bounds: list[list[float]]) -> dict:
    """A problem dict as ``build_problem`` makes it, for analytic test functions."""
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": bounds,
        "dists": ["unif"] * len(names),
        "kinds": ["lever"] * len(names),
        "clip": [(-np.inf, np.inf)] * len(names),
    }


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Analytic first-order and total indices of the Ishigami function."""
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * PI**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def values(table: pd.DataFrame, index: str) -> pd.Series:
    return table[table["index"] == index].set_index("factor")["value"]


def test_sobol_through_our_path_recovers_ishigami() -> None:
    problem = problem_of(["x1", "x2", "x3"], [[-PI, PI]] * 3)
    method = Method(name="sobol", samples=2048, seed=3)
    x = sample(problem, method)
    assert x.shape == (2048 * 5, 3)
    table = analyze(problem, method, x, ishigami(x))
    s1, st = ishigami_indices()
    assert np.allclose(values(table, "S1").to_numpy(), s1, atol=0.04)
    assert np.allclose(values(table, "ST").to_numpy(), st, atol=0.04)
    conf = table.set_index(["factor", "index"])["conf"]
    assert (conf > 0).all() and (conf < 0.15).all()


def test_sobol_second_order_names_pairs() -> None:
    problem = problem_of(["x1", "x2", "x3"], [[-PI, PI]] * 3)
    method = Method(name="sobol", samples=1024, second_order=True, seed=1)
    x = sample(problem, method)
    assert x.shape == (1024 * 8, 3)
    table = analyze(problem, method, x, ishigami(x))
    s2 = values(table, "S2")
    assert set(s2.index) == {"x1:x2", "x1:x3", "x2:x3"}
    v13 = ishigami_indices()[1][2]  # x3 acts only with x1
    assert s2["x1:x3"] == pytest.approx(v13, abs=0.08)
    assert abs(s2["x1:x2"]) < 0.08


def test_morris_effects_of_a_linear_function_are_exact() -> None:
    """Elementary effects of y = 4a + b are the slopes times the ranges, with no spread."""
    problem = problem_of(["a", "b", "c"], [[0.0, 1.0], [0.0, 2.0], [0.0, 1.0]])
    method = Method(name="morris", samples=10, levels=4, seed=2)
    x = sample(problem, method)
    assert x.shape == (10 * 4, 3)
    table = analyze(problem, method, x, 4 * x[:, 0] + x[:, 1])
    mu_star = values(table, "mu_star")
    assert mu_star["a"] == pytest.approx(4.0)
    assert mu_star["b"] == pytest.approx(2.0)
    assert mu_star["c"] == pytest.approx(0.0)
    assert np.allclose(values(table, "sigma").to_numpy(), 0.0, atol=1e-9)


@pytest.mark.parametrize("name", ["pawn", "delta"])
def test_density_based_methods_rank_an_ignored_input_last(name: str) -> None:
    problem = problem_of(["strong", "weak", "ignored"], [[0.0, 1.0]] * 3)
    method = Method(name=name, samples=400, seed=5, resamples=10)
    x = sample(problem, method)
    assert x.shape == (400, 3)
    table = analyze(problem, method, x, 3 * x[:, 0] + 1.5 * x[:, 1])
    index = values(table, name)
    assert index["strong"] > index["weak"] > index["ignored"]
    assert index["ignored"] < 0.15
    assert table["conf"].notna().all()


def test_saltelli_subsamples_are_the_smaller_designs() -> None:
    problem = problem_of(["a", "b", "c", "d"], [[0.0, 1.0]] * 4)
    big = sample(problem, Method(name="sobol", samples=64, seed=9))
    small = sample(problem, Method(name="sobol", samples=16, seed=9))
    method = Method(name="sobol", samples=64, seed=9)
    assert np.array_equal(big[: leading_rows(problem, method, 16)], small)
    assert subset_sizes(method) == [8, 16, 32, 64]
    assert subset_sizes(Method(name="sobol", samples=4)) == [4]


def test_convergence_table_and_verdict() -> None:
    problem = problem_of(["x1", "x2", "x3"], [[-PI, PI]] * 3)
    method = Method(name="sobol", samples=1024, seed=4)
    x = sample(problem, method)
    outputs = pd.DataFrame({"y": ishigami(x), "z": x[:, 0]})
    table = convergence_table(problem, method, x, outputs)
    assert sorted(table["samples"].unique()) == [128, 256, 512, 1024]
    assert set(table["index"]) == {"S1", "ST"}
    full = table[table["samples"] == 1024]
    assert (full["rows"] == 1024 * 5).all()
    verdict = convergence_verdict(table, method)
    assert verdict["sizes"] == [128, 256, 512, 1024]
    assert verdict["converged"] == (verdict["max_change"] <= TOLERANCE)
    assert verdict["max_change"] < 0.1


def test_noise_table_follows_its_formula() -> None:
    rng = np.random.default_rng(0)
    rows, reps = 200, 3
    signal = np.repeat(rng.normal(0, 2.0, rows), reps)
    noise = rng.normal(0, 1.0, rows * reps)
    single = pd.DataFrame(
        {"row": np.repeat(np.arange(rows), reps), "replicate": np.tile(np.arange(reps), rows)}
    )
    single["y"] = signal + noise
    table = noise_table(single, ["y"], reps).set_index("outcome")
    within = single.groupby("row")["y"].var(ddof=1).mean()
    assert table.at["y", "within_var"] == pytest.approx(within)
    assert table.at["y", "noise_share"] == pytest.approx(within / single["y"].var(ddof=1))
    means = single.groupby("row")["y"].mean()
    assert table.at["y", "mean_noise_share"] == pytest.approx(within / reps / means.var(ddof=1))
    assert table.at["y", "noise_share"] == pytest.approx(1 / 5, abs=0.06)  # 1 / (1 + 4)


def test_factor_distributions_map_to_salib() -> None:
    assert salib_distribution(Factor(low=1, high=3)) == ("unif", [1.0, 3.0])
    dist, bounds = salib_distribution(Factor(low=1, high=3, distribution="triangular", mode=1.5))
    assert dist == "triang" and bounds == [1.0, 3.0, 0.25]
    assert salib_distribution(Factor(distribution="normal", mean=0.2, sd=0.05)) == (
        "norm",
        [0.2, 0.05],
    )
    assert salib_distribution(
        Factor(distribution="normal", mean=0.2, sd=0.05, low=0.1, high=0.3)
    ) == ("truncnorm", [0.1, 0.3, 0.2, 0.05])
    assert salib_distribution(Factor(distribution="lognormal", mean=0.0, sd=0.5))[0] == "lognorm"


def test_method_section_is_validated() -> None:
    with pytest.raises(
        ValidationError, match=r"power of 2.*128, 256.*got 100 \(nearest: 64 or 128\)"
    ):
        Method(name="sobol", samples=100)
    with pytest.raises(ValidationError, match="`levels` applies to morris only"):
        Method(name="sobol", samples=64, levels=4)
    with pytest.raises(ValidationError, match="must be even"):
        Method(name="morris", samples=10, levels=5)
    with pytest.raises(ValidationError, match="at least 2 × slices"):
        Method(name="pawn", samples=10)
    assert Method(name="sobol", samples=1024).resamples == 100


def experiment(**extra) -> dict:
    return {
        "name": "m",
        "base": str(SCENARIOS / "small.yaml"),
        "levers": {"policy.subsidies.per_intern": {"low": 0, "high": 1}},
        **extra,
    }


def test_a_method_file_gets_a_latin_hypercube_design_and_its_own_hash(tmp_path) -> None:
    plain = experiment_from_data(
        experiment(design={"kind": "latin_hypercube", "samples": 8}), tmp_path / "e.yaml"
    )
    with_method = experiment_from_data(
        experiment(method={"name": "sobol", "samples": 8}), tmp_path / "e.yaml"
    )
    assert with_method.spec.design.kind == "latin_hypercube"
    assert with_method.spec.design.samples == 8
    assert plain.spec.content_hash() != with_method.spec.content_hash()
    body = plain.spec.model_dump(mode="json", exclude={"name", "description"})
    assert "method" in body  # the field exists, but an experiment without it keeps its old hash
    import hashlib
    import json

    body.pop("method"), body.pop("include_dummy")
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    assert plain.spec.content_hash() == hashlib.sha256(text.encode()).hexdigest()[:16]


def test_method_errors_name_the_file_and_field(tmp_path) -> None:
    with pytest.raises(ScenarioError) as caught:
        experiment_from_data(
            experiment(method={"name": "sobol", "samples": 100}), tmp_path / "e.yaml"
        )
    (problem,) = caught.value.problems
    assert problem.field == "method"
    assert "power of 2" in problem.message
    with pytest.raises(ScenarioError) as caught:
        experiment_from_data(
            experiment(method={"name": "sobol", "samples": 64, "sampels": 3}), tmp_path / "e.yaml"
        )
    (problem,) = caught.value.problems
    assert (problem.file, problem.field) == (str(tmp_path / "e.yaml"), "method.sampels")
    assert problem.message.startswith("unknown field (did you mean 'samples'?); allowed here: name")


def test_top_down_correlation_weighs_the_leaders() -> None:
    from iei_sim.sensitivity.convergence import top_down_correlation

    a = pd.Series([0.5, 0.3, 0.1, 0.01, 0.0, 0.0])
    assert top_down_correlation(a, a) == pytest.approx(1.0)
    tail_swapped = pd.Series([0.5, 0.3, 0.1, 0.0, 0.01, 0.0])
    head_swapped = pd.Series([0.3, 0.5, 0.1, 0.01, 0.0, 0.0])
    assert top_down_correlation(a, tail_swapped) > top_down_correlation(a, head_swapped)
    assert top_down_correlation(a, a[::-1].reset_index(drop=True)) < 0
