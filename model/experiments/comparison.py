"""A comparison of funding scenarios: plan the paired runs, run, appraise and publish them.

The one implementation behind ``run_scenarios.py`` and the dashboard's compare page: both
plan the same runs (so they share the run cache), appraise them with the same economics and
write the same results folder (tables, figures, report, metadata).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..appraisal.decision import acceptability, decision_table, information_values, replicate_parameters, summary_rows
from ..appraisal.economics import outcome_table, summarise
from ..appraisal.report import (
    like_for_like,
    plot_acceptability,
    plot_continuity_cascade,
    plot_cost_effectiveness_plane,
    plot_costs_and_benefits,
    plot_differences,
    plot_referral_funnel,
    plot_time_series,
    write_report,
)
from ..kernel_cache import kernels_cached
from ..model import ProbationModel
from ..parameters import ParameterSet
from . import existing_treatment
from .ensemble import RunCache, RunResult, RunSpec, build_specs, describe_specs, run_ensemble, tidy_weekly
from .outputs import git_commit, published, versions
from .levers import Lever
from .scenarios import Scenario, write_scenario

FIGURES = {  # the figures a reader of the comparison looks at first, by file name
    "cost_effectiveness_plane.png": "Cost-effectiveness plane",
    "acceptability_curves.png": "Cost-effectiveness acceptability curves",
    "differences_from_baseline.png": "Paired differences from the baseline, with 95% intervals",
}


@dataclass(frozen=True)
class Settings:
    """What a comparison runs: replicates, years, scale and seed, and the parameter sample
    replicates draw from (None: the parameter file's values)."""

    replicates: int
    years: float
    scale: float
    seed: int
    sample: list[dict[str, float]] | None = None
    posterior: Path | None = None

    @property
    def weeks(self) -> int:
        return int(round(self.years * 52))


@dataclass
class Plan:
    """The paired runs of a comparison: the options' (``specs``) and those of the model without
    today's treatment for people on probation (``check_specs``, for the like-for-like check)."""

    scenarios: list[Scenario]
    settings: Settings
    levers: dict[str, Lever]  # the lever library (the like-for-like check takes one of them)
    specs: list[RunSpec] = field(init=False)
    check_specs: list[RunSpec] = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.without = existing_treatment.without_treatment(self.levers)
        self.specs = build_specs(self.scenarios, s.replicates, s.seed, s.scale, s.weeks, s.sample)
        self.check_specs = build_specs([self.without], s.replicates, s.seed, s.scale, s.weeks, s.sample)

    @property
    def all_specs(self) -> list[RunSpec]:
        return self.specs + self.check_specs


COMPILING = ("compiling the model's kernels for this version of the code (once: about three minutes on two cores; they are "
             "cached after)")


def compile_kernels(scenarios: Sequence[Scenario], say: Callable[[], None]) -> None:
    """Compile the model's kernels here, once, after ``say`` has said so (:data:`COMPILING`),
    if this version of the code has none cached: rather than on every worker, behind a
    progress bar that does not move."""
    if not kernels_cached():
        say()
        ProbationModel(scale=0.01, seed=0, levers=max(scenarios, key=lambda s: len(s.levers)).levers).run(2)


@dataclass
class Appraisal:
    """What the economics makes of a comparison's runs."""

    results: list[RunResult]  # the options' runs (without the like-for-like check's)
    table: pd.DataFrame  # outcomes by run
    summary: pd.DataFrame  # outcome by scenario: mean and interval, decisions, returns
    decisions: pd.DataFrame
    curves: pd.DataFrame  # acceptability
    information: pd.DataFrame  # EVPI and EVPPI


def appraise(plan: Plan, everything: Sequence[RunResult], base: ParameterSet) -> Appraisal:
    """The social cost-benefit analysis of ``plan``'s runs (``everything``, in plan order)."""
    results = [r for r in everything if r.spec.scenario != plan.without.name]
    checked = [r for r in everything if r.spec.scenario in (plan.without.name, "baseline")]
    table = outcome_table(results, base.discount_rate, base.discount_rate_health)
    decisions = decision_table(table, base.value_of_qaly)
    information = information_values(table, replicate_parameters(plan.specs), base.value_of_qaly)
    returns = existing_treatment.returns_by_horizon(checked, base.discount_rate, base.discount_rate_health)
    summary = pd.concat(
        [summarise(table), summary_rows(decisions, information), existing_treatment.summary_rows(returns)], ignore_index=True
    )
    return Appraisal(results, table, summary, decisions, acceptability(table), information)


def publish(plan: Plan, appraisal: Appraisal, base: ParameterSet, final: Path, run: dict) -> Path:
    """Write the results folder ``final`` (atomically: see :func:`model.experiments.outputs.published`):
    the weekly frames, outcome tables, figures, report, the scenarios as run (as scenario files,
    so that ``run_scenarios.py --scenarios <file>`` repeats any of them) and metadata. ``run``:
    how it was run (started, command, workers, scheduler, seconds running), for the record."""
    s, scenarios = plan.settings, plan.scenarios
    parameter_note = (
        f"replicate r draws parameter set r from the calibration posterior `{s.posterior.name}` ({len(s.sample)} sets)"
        if s.sample and s.posterior
        else "the hand-set baseline values in `model/data/parameters.yaml` for every replicate (no posterior sample used)"
    )
    with published(final) as staging:
        tidy = tidy_weekly(appraisal.results)
        tidy.to_parquet(staging / "weekly.parquet", index=False)
        appraisal.table.reset_index().to_csv(staging / "outcomes_by_run.csv", index=False)
        appraisal.summary.to_csv(staging / "summary.csv", index=False)
        appraisal.curves.to_csv(staging / "acceptability.csv", index=False)
        summary = appraisal.summary
        plots = [
            plot_cost_effectiveness_plane(appraisal.table, scenarios, base.value_of_qaly, staging),
            plot_acceptability(appraisal.curves, scenarios, base.value_of_qaly, staging),
            *plot_time_series(tidy, scenarios, s.scale, staging),
            plot_differences(summary, scenarios, staging),
            plot_costs_and_benefits(summary, scenarios, staging),
            plot_referral_funnel(summary, scenarios, s.years, staging),
            plot_continuity_cascade(summary, scenarios, s.years, staging),
        ]
        cohort_rates = (
            summary[(summary["scenario"] == "baseline") & summary["metric"].str.startswith("proven_reoffending_rate_cohort_")]
            [["metric", "mean", "lower", "upper"]].rename(columns={"metric": "cohort"})
        )
        settings = {
            "started": run["started"], "command": run["command"],
            "replicates": s.replicates, "years": s.years, "scale": s.scale, "seed": s.seed,
            "parameter_sample": bool(s.sample), "parameter_note": parameter_note,
        }
        write_report(
            staging, summary, scenarios, settings, plots, base.assumptions(), cohort_rates, appraisal.decisions,
            appraisal.information, like_for_like(summary, existing_treatment.PUBLISHED),
        )
        (staging / "scenarios").mkdir()
        for scenario in scenarios:
            write_scenario(scenario, staging / "scenarios" / f"{scenario.name}.yaml")
        meta = {
            **settings,
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "seconds_running": run["seconds_running"],
            "workers": run["workers"], "scheduler": run["scheduler"],
            "git_commit": git_commit(),
            "versions": versions(),
            "discount_rate": base.discount_rate,
            "discount_rate_health": base.discount_rate_health,
            "posterior": str(s.posterior) if s.sample else None,
            "parameters": base.as_dict(),
            "scenarios": {scenario.name: scenario.to_dict() for scenario in scenarios},
            "runs": describe_specs(plan.specs),
        }
        (staging / "metadata.json").write_text(json.dumps(meta, indent=2, default=str))
    return final


def conduct(
    plan: Plan,
    base: ParameterSet,
    cache: RunCache,
    final: Path,
    run: dict,
    say: Callable[[str], None],
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> tuple[Appraisal, float]:
    """Run ``plan`` (compiling the kernels first if need be, with a word through ``say``;
    runs cached in ``cache``), appraise it and publish it to ``final``; returns the appraisal
    and the seconds the runs took. ``run``: started, command, workers and scheduler (see
    :func:`publish`); the runs go on those workers or that scheduler. ``progress``,
    ``on_progress`` and ``stop``: as :func:`model.experiments.ensemble.run_ensemble` takes them."""
    compile_kernels(plan.scenarios, lambda: say(COMPILING))
    clock = time.perf_counter()
    everything = run_ensemble(
        plan.all_specs, cache, workers=run["workers"], scheduler=run["scheduler"], progress=progress,
        on_progress=on_progress, stop=stop,
    )
    elapsed = time.perf_counter() - clock
    appraisal = appraise(plan, everything, base)
    publish(plan, appraisal, base, final, {**run, "seconds_running": round(elapsed, 1)})
    return appraisal, elapsed
