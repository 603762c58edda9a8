"""How the indices settle as the sample grows: the analysis repeated on nested sub-samples.

The sub-samples are the leading rows of the one sample matrix (``sampling.subset_sizes``), so no
extra run is needed and each size is a valid design of its own. A table of every index at every
size goes to ``convergence.csv``; the verdict the summary prints is the largest change of the
method's main index (ST for Sobol', μ* relative to the largest μ* for Morris, δ, PAWN) between the
last two sizes, against ``TOLERANCE``, over every factor but the dummy (whose value is noise by
construction) and every outcome.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from iei_sim.experiments.spec import Method
from iei_sim.sensitivity.analyze import MAIN_INDEX, analyze_outcomes
from iei_sim.sensitivity.problem import DUMMY
from iei_sim.sensitivity.sampling import leading_rows, subset_sizes

TOLERANCE = 0.05
RANKING_TOLERANCE = 0.9


def convergence_table(
    problem: dict[str, Any], method: Method, x: np.ndarray, outputs: pd.DataFrame
) -> pd.DataFrame:
    """Every index of every outcome at each nested sample size.

    Columns: ``outcome, factor, index, samples`` (base samples, trajectories or points),
    ``rows`` (sample rows used), ``value, conf``.
    """
    tables = []
    for size in subset_sizes(method):
        rows = leading_rows(problem, method, size)
        sub = method.model_copy(update={"samples": size})
        table, _ = analyze_outcomes(problem, sub, x[:rows], outputs.iloc[:rows])
        if method.second_order:
            table = table[table["index"] != "S2"]
        table.insert(3, "samples", size)
        table.insert(4, "rows", rows)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def convergence_verdict(table: pd.DataFrame, method: Method) -> dict[str, Any]:
    """Whether the main index settled over the last doubling of the sample, per outcome and
    overall, on two counts:

    * values: the largest change of any factor's index is within ``TOLERANCE`` (Morris: μ*
      scaled by each outcome's largest μ*, since μ* has units);
    * ranking: the factors' order agrees, by Iman and Conover's top-down correlation (Savage
      scores: disagreements among the leading factors weigh most, shuffles among negligible
      ones hardly at all), to at least ``RANKING_TOLERANCE``.

    The dummy is left out: its index is noise by construction.
    """
    index = MAIN_INDEX[method.name]
    main = table[(table["index"] == index) & (table["factor"] != DUMMY)]
    sizes = sorted(main["samples"].unique())
    verdict: dict[str, Any] = {
        "index": index,
        "sizes": [int(s) for s in sizes],
        "max_change": np.nan,
        "where": "",
        "max_conf": np.nan,
        "converged": False,
        "ranking_converged": False,
        "tolerance": TOLERANCE,
        "ranking_tolerance": RANKING_TOLERANCE,
        "outcomes": pd.DataFrame(),
    }
    if len(sizes) < 2:
        return verdict
    last = main[main["samples"] == sizes[-1]].set_index(["outcome", "factor"])
    before = main[main["samples"] == sizes[-2]].set_index(["outcome", "factor"])
    change = (last["value"] - before["value"]).abs()
    conf = last["conf"]
    if method.name == "morris":
        scale = last["value"].groupby(level="outcome").transform("max").replace(0, np.nan)
        change = change / scale
        conf = conf / scale
    change = change.dropna()
    if change.empty:
        return verdict
    rows = []
    for outcome, own in change.groupby(level="outcome", sort=False):
        worst = own.idxmax()[1]
        rank = top_down_correlation(
            last.loc[outcome, "value"],
            before.loc[outcome, "value"].reindex(last.loc[outcome].index),
        )
        rows.append(
            {
                "outcome": outcome,
                "max_change": float(own.max()),
                "factor": worst,
                "converged": bool(own.max() <= TOLERANCE),
                "ranking": rank,
                "ranking_converged": bool(rank >= RANKING_TOLERANCE),
            }
        )
    outcomes = pd.DataFrame(rows)
    where = change.idxmax()
    verdict.update(
        max_change=float(change.max()),
        where=f"{where[1]} on {where[0]}",
        max_conf=float(conf.max()),
        converged=bool(outcomes["converged"].all()),
        ranking_converged=bool(outcomes["ranking_converged"].all()),
        outcomes=outcomes,
    )
    return verdict


def top_down_correlation(a: pd.Series, b: pd.Series) -> float:
    """Iman and Conover's (1987) top-down correlation of two rankings (1: same order).

    Tied values (factors with exactly the same index, e.g. several at 0) share the mean of
    their positions' Savage scores, so ties never count as agreement by accident of order.
    """
    n = len(a)
    if n < 2:
        return 1.0
    savage = np.cumsum(1.0 / np.arange(n, 0, -1))[::-1]  # score of rank r: sum_{i=r}^n 1/i

    def scores(values: pd.Series) -> np.ndarray:
        v = values.to_numpy(dtype=float)
        order = np.argsort(-v, kind="stable")
        out = np.empty(n)
        out[order] = savage
        for value in np.unique(v):
            tied = v == value
            if tied.sum() > 1:
                out[tied] = out[tied].mean()
        return out

    sa, sb = scores(a), scores(b)
    if np.ptp(sa) == 0 or np.ptp(sb) == 0:  # one ranking is all ties: nothing to compare
        return 1.0 if np.ptp(sa) == np.ptp(sb) else 0.0
    # the correlation of the Savage scores: Iman and Conover's formula when there are no ties
    return float(np.corrcoef(sa, sb)[0, 1])
