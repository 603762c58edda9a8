"""What each regime buys per unit of extra fiscal cost, against the reference (the first regime).

For regime *r* and replicate *i* (which shares its seed with the reference's replicate *i*:
common random numbers), take the paired differences ΔC_i of the fiscal cost and ΔY_i of an
effect (participating firms, students covered, deep partnerships). The estimate is the ratio of
mean differences, mean(ΔY) / mean(ΔC), in effect units per 10k CNY. Its 95% CI is a **paired
bootstrap**: replicate pairs are resampled with replacement (:data:`BOOTSTRAP_RESAMPLES` times,
one generator per regime seeded from :data:`BOOTSTRAP_SEED`, so the table is reproducible) and the
interval is the resampled ratios' 2.5 and 97.5 percentiles. The extra cost and extra effects
themselves get the paired t-interval, as in ``comparison.csv``.

A ratio is left empty, with a ``note`` saying why, where it would mean nothing: no extra fiscal
cost, an extra cost whose 95% CI spans 0, a regime that costs less than the reference, or fewer
than two pairs.

The counts these ratios need are not outcomes (the outcomes are shares), so each experiment run
also keeps them, read from the model after each year by :class:`RunTally`, together with the
run's fiscal cost split by instrument (they sum to the ``fiscal_cost`` outcome).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from iei_sim.experiments.analysis import mean_ci
from iei_sim.outcomes import POLICY_PURPOSES

if TYPE_CHECKING:
    from iei_sim.model import IEIModel

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20_261_203
COST = "fiscal_cost"
# Tables and figures show effects per this many units (10k CNY) of extra cost; the CSV per 1.
SHOWN_PER = 1_000
SHOWN_PER_TEXT = "per 10M CNY"


@dataclass(frozen=True)
class Effect:
    """A count a regime may raise, kept per run beside the outcomes."""

    name: str
    label: str
    unit: str
    rule: str  # how the run's value is formed from its years


EFFECTS: tuple[Effect, ...] = (
    Effect(
        "participating_firms",
        "Participating firms",
        "firms",
        "mean over the final summary window, as firm_participation_rate",
    ),
    Effect(
        "students_covered",
        "Students covered",
        "graduates",
        "total over the run of graduates with an internship or a co-taught course",
    ),
    Effect(
        "deep_partnerships",
        "Deep partnerships",
        "partnerships",
        "mean over the final summary window of active deep-rung partnerships",
    ),
)

# The fiscal cost's instruments: what ``fiscal_cost`` sums (docs/ODD.md §7.15), clawbacks negative.
INSTRUMENTS: dict[str, str] = {
    "tax_deduction": "Tax deduction",
    "intern_subsidy": "Intern subsidy",
    "deep_project_subsidy": "Deep-project subsidy",
    "dual_teacher_subsidy": "Dual-teacher subsidy",
    "evaluation_funding": "Evaluation funding",
    "education_bonus": "Education bonus",
    "risk_fund": "Risk-fund payouts",
    "clawback": "Clawbacks (recovered)",
}


def instrument_column(instrument: str) -> str:
    return f"{COST}_{instrument}"


def fiscal_cost_by_instrument(flows: pd.DataFrame) -> dict[str, float]:
    """A run's fiscal cost split by instrument, from its ledger flows (``Ledger.flows()``):
    government incentive payments by purpose, risk-fund payouts, and clawbacks (negative)."""
    money = flows[flows["resource"] == "money"]
    government = money[money["from_type"] == "government"]
    paid = government.groupby("purpose")["amount"].sum()
    split = {instrument_column(p): float(paid.get(p, 0.0)) for p in POLICY_PURPOSES}
    split[instrument_column("risk_fund")] = float(
        money.loc[money["from_type"] == "risk_fund", "amount"].sum()
    )
    recovered = (money["to_type"] == "government") & (money["purpose"] == "clawback")
    split[instrument_column("clawback")] = 0.0 - float(money.loc[recovered, "amount"].sum())
    return split


@dataclass
class RunTally:
    """Counts read from the model after each year (``simulate_outcomes(each_year=...)``),
    never changing it: what cost-effectiveness divides by the fiscal cost."""

    # The year's outcomes :meth:`record` reads (a run computing only some must include these).
    OUTCOMES_READ: ClassVar[tuple[str, ...]] = (
        "firm_participation_rate",
        "deep_partnership_share",
        "partnerships_active",
    )

    participating: list[int] = field(default_factory=list)
    deep: list[int] = field(default_factory=list)
    covered: int = 0
    model: IEIModel | None = None

    def record(self, model: IEIModel) -> None:
        year = model.outcomes
        self.participating.append(round(year["firm_participation_rate"] * len(model.firm_list)))
        self.deep.append(round(year["deep_partnership_share"] * year["partnerships_active"]))
        self.covered += int(model.labour.covered)
        self.model = model

    def columns(self) -> dict[str, float]:
        """The run's effects (see :data:`EFFECTS`) and its fiscal cost by instrument."""
        if self.model is None:
            return {}
        window = self.model.config.summary_window
        return {
            "participating_firms": float(np.mean(self.participating[-window:])),
            "students_covered": float(self.covered),
            "deep_partnerships": float(np.mean(self.deep[-window:])),
            **fiscal_cost_by_instrument(self.model.ledger.flows()),
        }


NO_EXTRA_COST = "no extra fiscal cost"
COST_CI_SPANS_ZERO = "extra cost's 95% CI spans 0"
COSTS_LESS = "costs less than the reference (a saving, not an extra cost)"
TOO_FEW_PAIRS = "fewer than 2 paired replicates"
NOT_STORED = "no counts in this store (runs of an earlier iei-sim)"
REFERENCE = "reference"


def ratio_note(extra_cost: np.ndarray, low: float, high: float) -> str:
    """Why the ratios of a regime are left empty ("" if they are not)."""
    if len(extra_cost) < 2:
        return TOO_FEW_PAIRS
    if not np.any(extra_cost):
        return NO_EXTRA_COST
    if low <= 0.0 <= high:
        return COST_CI_SPANS_ZERO
    if high < 0.0:
        return COSTS_LESS
    return ""


def bootstrap_ratio_ci(
    effect: np.ndarray, cost: np.ndarray, rng: np.random.Generator, resamples: int
) -> tuple[float, float]:
    """Percentile 95% CI of mean(effect) / mean(cost) over paired resamples."""
    picks = rng.integers(0, len(cost), size=(resamples, len(cost)))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = effect[picks].mean(axis=1) / cost[picks].mean(axis=1)
    ratios = ratios[np.isfinite(ratios)]
    if not len(ratios):
        return np.nan, np.nan
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(low), float(high)


def cost_effectiveness_table(
    runs: pd.DataFrame, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> pd.DataFrame:
    """One row per regime (the reference first): its fiscal cost and the cost's split by
    instrument (mean, 95% t-CI), and against the reference the extra cost, each extra effect
    and each effect per unit (10k CNY) of extra cost, with 95% CIs (see the module docstring)."""
    ok = runs[runs["status"] == "ok"]
    order = list(dict.fromkeys(runs.sort_values("point")["scenario"]))
    reference = order[0]
    ref = ok[ok["scenario"] == reference].set_index("replicate").sort_index()
    rows = []
    for k, scenario in enumerate(order):
        own = ok[ok["scenario"] == scenario].set_index("replicate").sort_index()
        row: dict[str, object] = {"scenario": scenario, "reference": reference}
        row["replicates"] = len(own)
        for column in (COST, *map(instrument_column, INSTRUMENTS)):
            values = own[column].to_numpy(float) if column in own else np.array([np.nan])
            mean, _, low, high = mean_ci(values)
            row.update({column: mean, f"{column}_low": low, f"{column}_high": high})
        paired = own.merge(ref, left_index=True, right_index=True, suffixes=("", "_ref"))
        cost = (paired[COST] - paired[f"{COST}_ref"]).to_numpy(float)
        if scenario == reference:
            note = REFERENCE
            extra_cost = (np.nan,) * 4
        else:
            extra_cost = mean_ci(cost)
            note = ratio_note(cost, extra_cost[2], extra_cost[3])
        row.update(
            extra_fiscal_cost=extra_cost[0],
            extra_fiscal_cost_low=extra_cost[2],
            extra_fiscal_cost_high=extra_cost[3],
        )
        rng = np.random.default_rng([seed, k])
        picks_state = rng.bit_generator.state  # every effect resamples the same pairs
        for effect in EFFECTS:
            name = effect.name
            extra = (np.nan,) * 4
            ratio = ratio_low = ratio_high = np.nan
            if scenario != reference and name in paired and f"{name}_ref" in paired:
                gain = (paired[name] - paired[f"{name}_ref"]).to_numpy(float)
                if not np.isnan(gain).any():
                    extra = mean_ci(gain)
                    if not note:
                        ratio = float(gain.mean() / cost.mean())
                        rng.bit_generator.state = picks_state
                        ratio_low, ratio_high = bootstrap_ratio_ci(gain, cost, rng, resamples)
            row.update(
                {
                    f"extra_{name}": extra[0],
                    f"extra_{name}_low": extra[2],
                    f"extra_{name}_high": extra[3],
                    f"{name}_per_cost": ratio,
                    f"{name}_per_cost_low": ratio_low,
                    f"{name}_per_cost_high": ratio_high,
                }
            )
        if not note and np.isnan(row[f"{EFFECTS[0].name}_per_cost"]):
            note = NOT_STORED
        row["note"] = note
        row["ratio_ci_method"] = (
            "" if scenario == reference else f"paired bootstrap, {resamples} resamples, percentile"
        )
        rows.append(row)
    return pd.DataFrame(rows)
