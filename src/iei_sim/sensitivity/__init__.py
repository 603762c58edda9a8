"""Global sensitivity analysis (SALib: Sobol', Morris, delta, PAWN) and scenario discovery (PRIM)
over an experiment's levers and uncertainties.

Functional, in SALib's order — problem → sample → evaluate → analyze::

    from iei_sim.sensitivity import prepare, run_sensitivity, discover, prepare_target
    plan = prepare("experiments/sobol_levers.yaml", samples=32)   # validated; nothing written
    out = run_sensitivity(plan, out="results/sobol-quick", workers=2)
    out.indices                                 # outcome, factor, index, value, conf

The pieces work on plain arrays too (``build_problem``, ``sample``, ``analyze``), so any
function can be pushed through the same analysis (the tests use Ishigami).
"""

from iei_sim.sensitivity.analyze import MAIN_INDEX, analyze, analyze_outcomes
from iei_sim.sensitivity.convergence import convergence_table, convergence_verdict
from iei_sim.sensitivity.discovery import (
    PrimResult,
    Target,
    TargetError,
    parse_target,
    point_table,
    run_prim,
)
from iei_sim.sensitivity.evaluate import noise_table, outcome_matrix, plan_evaluation
from iei_sim.sensitivity.problem import DUMMY, build_problem, check_experiment
from iei_sim.sensitivity.sampling import sample, subset_sizes
from iei_sim.sensitivity.workflow import (
    DiscoveryOutput,
    SensitivityOutput,
    SensitivityPlan,
    default_out,
    discover,
    prepare,
    prepare_target,
    run_sensitivity,
)

__all__ = [
    "DUMMY",
    "MAIN_INDEX",
    "DiscoveryOutput",
    "PrimResult",
    "SensitivityOutput",
    "SensitivityPlan",
    "Target",
    "TargetError",
    "analyze",
    "analyze_outcomes",
    "build_problem",
    "check_experiment",
    "convergence_table",
    "convergence_verdict",
    "default_out",
    "discover",
    "noise_table",
    "outcome_matrix",
    "parse_target",
    "plan_evaluation",
    "point_table",
    "prepare",
    "prepare_target",
    "run_prim",
    "run_sensitivity",
    "sample",
    "subset_sizes",
]
