"""One docking experiment: the replicator ODE and the docking-mode ABM of the same game, compared.

``run_docking(game, agents, replicates, seed)`` returns a :class:`DockingResult` holding both
trajectories on one time axis (ODE units), the ABM's replicate band, every pure-strategy
corner's eigenvalues and stability, the other rest points, and where each side ended.
``DockingResult.write(folder)`` writes ``trajectories.csv``, ``corners.csv``,
``equilibrium.json``, ``game.resolved.yaml`` and ``trajectories.png`` atomically (into a
temporary sibling folder that is then renamed), as run folders are written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from iei_sim import __version__
from iei_sim.docking import abm, replicator
from iei_sim.docking.game import Game
from iei_sim.docking.replicator import Outcome, RestPoint
from iei_sim.output_folders import staged_folder
from iei_sim.phases import DRAWING_FIGURES, phase
from iei_sim.plots.saving import FigureOptions, save_figure
from iei_sim.provenance import invocation, now

BAND = (2.5, 97.5)  # percentiles of the replicate trajectories: the central 95%
COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a")


@dataclass
class DockingResult:
    """Both trajectories of one game and everything the comparison reports."""

    game: Game
    agents: int
    replicates: int
    seed: int
    replicate_seeds: list[int]
    revision_probability: float
    steps: int
    times: np.ndarray  # (T,) ODE time units
    ode: np.ndarray  # (T, P)
    abm: np.ndarray  # (R, T, P)
    corners: list[RestPoint]
    rest_points: list[RestPoint]
    ode_outcome: Outcome

    @property
    def dt(self) -> float:
        """ODE time per ABM step: ρ/Δ."""
        return self.game.horizon / self.steps

    @property
    def abm_mean(self) -> np.ndarray:
        return self.abm.mean(axis=0)

    @property
    def lower(self) -> np.ndarray:
        return np.percentile(self.abm, BAND[0], axis=0)

    @property
    def upper(self) -> np.ndarray:
        return np.percentile(self.abm, BAND[1], axis=0)

    def deviation(self) -> float:
        """Largest |ABM mean − ODE| over time and populations (share units)."""
        return float(np.max(np.abs(self.abm_mean - self.ode)))

    def replicate_deviation(self) -> float:
        """Mean over replicates of each replicate's largest |ABM − ODE|."""
        return float(np.mean(np.max(np.abs(self.abm - self.ode), axis=(1, 2))))

    def band_coverage(self) -> float:
        """Share of (time, population) points where the ODE lies inside the ABM's 95% band,
        widened by one agent (1/N): ABM shares move in steps of 1/N, so a band that has
        collapsed onto a fixated corner would otherwise exclude an ODE still 10⁻⁴ away."""
        slack = 1.0 / self.agents
        inside = (self.ode >= self.lower - slack) & (self.ode <= self.upper + slack)
        return float(np.mean(inside))

    def fixations(self) -> dict[str, int]:
        """Where each replicate ended: the corner it fixated at, or ``mixed``."""
        counts: dict[str, int] = {}
        for final in self.abm[:, -1, :]:
            if np.all((final == 0) | (final == 1)):
                label = self.game.profile_name(tuple(int(1 - v) for v in final))
            else:
                label = "mixed"
            counts[label] = counts.get(label, 0) + 1
        return dict(sorted(counts.items()))

    # -- tables ------------------------------------------------------------------------------
    def trajectories(self) -> pd.DataFrame:
        """Long table: time, population, share, source (ode | abm), lower, upper."""
        frames = []
        for p, name in enumerate(self.game.populations):
            frames.append(
                pd.DataFrame(
                    {
                        "time": self.times,
                        "population": name,
                        "share": self.ode[:, p],
                        "source": "ode",
                        "lower": np.nan,
                        "upper": np.nan,
                    }
                )
            )
            frames.append(
                pd.DataFrame(
                    {
                        "time": self.times,
                        "population": name,
                        "share": self.abm_mean[:, p],
                        "source": "abm",
                        "lower": self.lower[:, p],
                        "upper": self.upper[:, p],
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def corners_table(self) -> pd.DataFrame:
        """One row per pure-strategy profile: eigenvalue per population and stability."""
        rows = []
        for corner in self.corners:
            row: dict[str, Any] = {"profile": corner.label}
            for p, name in enumerate(self.game.populations):
                row[f"{name}_share"] = corner.shares[p]
            for p, name in enumerate(self.game.populations):
                # At a corner the Jacobian is diagonal: eigenvalue p belongs to population p.
                row[f"eigenvalue_{name}"] = _diagonal(self.game, corner)[p]
            row["stability"] = corner.stability
            row["strict_nash"] = corner.stable
            rows.append(row)
        return pd.DataFrame(rows)

    def equilibrium(self) -> dict[str, Any]:
        """Where both sides ended, how far apart they were, and every rest point's stability."""
        pops = self.game.populations
        o = self.ode_outcome
        final_mean = self.abm_mean[-1]
        return {
            "game": self.game.name,
            "source": self.game.source,
            "iei_sim_version": __version__,
            "agents_per_population": self.agents,
            "replicates": self.replicates,
            "seed": self.seed,
            "replicate_seeds": self.replicate_seeds,
            "revision_probability": self.revision_probability,
            "payoff_range": self.game.payoff_range,
            "ode_time_per_step": self.dt,
            "steps": self.steps,
            "horizon": self.game.horizon,
            "ode": {
                "final": dict(zip(pops, o.final, strict=True)),
                "at_rest": o.at_rest,
                "speed_at_horizon": o.speed,
                "rest_point": o.rest_point.label if o.rest_point else None,
                "stability": o.rest_point.stability if o.rest_point else None,
                "time_average": dict(zip(pops, o.time_average, strict=True)),
                "description": o.describe(self.game),
            },
            "abm": {
                "final_mean": dict(zip(pops, map(float, final_mean), strict=True)),
                "final_lower": dict(zip(pops, map(float, self.lower[-1]), strict=True)),
                "final_upper": dict(zip(pops, map(float, self.upper[-1]), strict=True)),
                "replicates_ending_at": self.fixations(),
            },
            "deviation": {
                "max_abs_mean_minus_ode": self.deviation(),
                "mean_replicate_max_abs": self.replicate_deviation(),
                "ode_inside_band_share": self.band_coverage(),
            },
            "rest_points": [_rest_point_json(r, pops) for r in self.rest_points],
        }

    # -- output ------------------------------------------------------------------------------
    def figure(self):
        """Left: shares over time (ODE line, ABM mean dashed, 95% band). Right: phase plane.
        One legend for both, below them; constrained layout keeps every title inside."""
        from iei_sim.plots.saving import new_figure

        game = self.game
        fig = new_figure(figsize=(11, 4.8))
        ax, phase = fig.subplots(1, 2, width_ratios=(1.6, 1))
        lower, upper, mean = self.lower, self.upper, self.abm_mean
        for p, name in enumerate(game.populations):
            colour = COLOURS[p % len(COLOURS)]
            ax.fill_between(self.times, lower[:, p], upper[:, p], color=colour, alpha=0.18, lw=0)
            ax.plot(self.times, self.ode[:, p], color=colour, lw=1.8, label=f"{name}: ODE")
            ax.plot(self.times, mean[:, p], color=colour, lw=1.4, ls="--", label=f"{name}: ABM")
        ax.set(
            xlabel="time (replicator ODE units)",
            ylabel="share playing first strategy",
            ylim=(-0.02, 1.02),
            title=f"{game.name}: N = {self.agents} per population, {self.replicates} replicates",
        )
        a, b = 0, 1
        if "school" in game.populations and "firm" in game.populations:
            a, b = game.populations.index("school"), game.populations.index("firm")
        for r in range(self.replicates):
            phase.plot(self.abm[r, :, a], self.abm[r, :, b], color="0.75", lw=0.6)
        phase.plot(self.ode[:, a], self.ode[:, b], color="k", lw=1.8, label="phase plane: ODE")
        phase.plot(
            mean[:, a], mean[:, b], color="#d95f02", lw=1.4, ls="--", label="phase plane: ABM mean"
        )
        phase.plot(*self.ode[0, [a, b]], "o", color="k", ms=4)
        for point in self.rest_points:
            if point.kind == "interior" or (point.kind == "corner" and game.n_populations == 2):
                marker = "s" if point.stable else ("x" if "unstable" in point.stability else "D")
                phase.plot(point.shares[a], point.shares[b], marker, color="#7570b3", ms=6)
        phase.set(
            xlabel=f"{game.populations[a]}: share {game.strategies[a][0]}",
            ylabel=f"{game.populations[b]}: share {game.strategies[b][0]}",
            xlim=(-0.03, 1.03),
            ylim=(-0.03, 1.03),
            title="phase plane\n(grey: replicates; ■ stable, × unstable)",
        )
        handles, labels = ax.get_legend_handles_labels()
        more, names = phase.get_legend_handles_labels()
        fig.legend(
            handles + more,
            labels + names,
            loc="outside lower center",
            ncols=min(4, len(labels) + len(names)),
            fontsize=7,
            frameon=False,
        )
        return fig

    def write(
        self,
        out_dir: str | Path,
        plots: bool = True,
        force: bool = False,
        figures: FigureOptions | None = None,
    ) -> Path:
        """Write the docking folder atomically: an earlier docking folder there is replaced
        whole, any other non-empty folder refused unless ``force`` (written beside its files;
        see :mod:`iei_sim.output_folders`). The figure is in ``figures``' format (default PNG)."""
        out_dir = Path(out_dir)
        started = now()
        manifest = {
            "game": self.game.name,
            "agents": self.agents,
            "replicates": self.replicates,
            "seed": self.seed,
            "invocation": invocation(started, started),
        }
        with staged_folder(out_dir, "dock", manifest, force=force) as staging:
            self.trajectories().to_csv(
                staging / "trajectories.csv", index=False, float_format="%.6g", na_rep=""
            )
            self.corners_table().to_csv(staging / "corners.csv", index=False, float_format="%.6g")
            (staging / "equilibrium.json").write_text(
                json.dumps(self.equilibrium(), indent=2) + "\n", encoding="utf-8"
            )
            (staging / "game.resolved.yaml").write_text(self.game.to_yaml(), encoding="utf-8")
            if plots:
                with phase(DRAWING_FIGURES):
                    save_figure(
                        self.figure(),
                        staging,
                        "trajectories",
                        figures,
                        title=f"{self.game.name}: replicator ODE and ABM "
                        f"(N = {self.agents}, {self.replicates} replicates, seed {self.seed})",
                    )
        return out_dir


def run_docking(
    game: Game,
    agents: int = 2000,
    replicates: int = 10,
    seed: int = 0,
    max_revision_probability: float = abm.DEFAULT_REVISION_PROBABILITY,
    progress: Callable[[int, int], None] | None = None,
) -> DockingResult:
    """Solve the replicator ODE and run ``replicates`` ABM replicates on one time grid."""
    steps, rho = abm.step_plan(game, max_revision_probability)
    times, shares = abm.simulate(
        game,
        agents,
        replicates,
        seed,
        max_revision_probability=max_revision_probability,
        progress=progress,
    )
    _, ode = replicator.solve(game, times)
    dense_times, dense = replicator.solve(game)
    return DockingResult(
        game=game,
        agents=agents,
        replicates=replicates,
        seed=seed,
        replicate_seeds=abm.replicate_seeds(seed, replicates),
        revision_probability=rho,
        steps=steps,
        times=times,
        ode=ode,
        abm=shares,
        corners=replicator.corners(game),
        rest_points=replicator.rest_points(game),
        ode_outcome=replicator.outcome(game, dense_times, dense),
    )


def _diagonal(game: Game, corner: RestPoint) -> list[float]:
    return [float(v) for v in np.diag(replicator.jacobian(game, np.array(corner.shares)))]


def _rest_point_json(point: RestPoint, populations: tuple[str, ...]) -> dict[str, Any]:
    return {
        "label": point.label,
        "kind": point.kind,
        "shares": dict(zip(populations, point.shares, strict=True)),
        "eigenvalues": [{"real": float(e.real), "imag": float(e.imag)} for e in point.eigenvalues],
        "stability": point.stability,
    }
