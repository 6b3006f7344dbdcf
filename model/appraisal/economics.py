"""Outcomes and economics of scenarios against the baseline (HM Treasury Green Book).

Every figure is national (a run's counts divided by its scale) and in 2019/20 prices.
Flows over the run are discounted weekly at the Green Book rate (3.5% a year) to present
values. Costs are split by payer: probation (staff, testing, reports, probation
programmes), health (treatment delivered to people on probation, and health programmes)
and custody (prison after recall or breach). Benefits are crime costs averted (Home Office
unit costs of crime, by offence type, of everyone the model follows, during supervision
and after it) and, if ``unit_cost_drug_death`` is set, deaths averted. Crime averted is split by route: through custody (people held after recall or
breach do not offend: the change in the crime they would have committed outside) and
through treatment and recovery (the rest). Memo lines, neither cost nor benefit: the
levers' nominal budget and funded treatment capacity that serves other clients.

Per scenario and replicate, differences from the baseline are paired (same replicate, same
seed, same parameter draw). The interval of a value or a difference is the 2.5th to 97.5th
percentile over replicates, so it carries chance and, with a calibrated parameter sample,
parameter uncertainty; at reduced scale the chance part is wider than it would be for the
whole country (it shrinks as 1/sqrt(scale)). ``difference_se`` is the Monte Carlo standard
error of the mean difference, which shrinks with more replicates.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import numpy as np
import pandas as pd

from .outcomes import ratio, retained_12w_rate


class RunSpec(Protocol):
    scenario: str
    replicate: int
    scale: float


class RunResult(Protocol):
    """One finished run as the appraisal reads it (:class:`model.experiments.ensemble.RunResult`
    is one): its spec, its priced weekly frame and its cohorts' reoffending."""

    spec: RunSpec
    weekly: pd.DataFrame
    cohorts: pd.DataFrame


PRICE_BASE = "2019/20"
BASELINE = "baseline"

PAYER_COLUMNS = {
    "probation": ("cost_staff", "cost_testing", "cost_programmes_probation"),
    "health": ("cost_treatment", "cost_treatment_after_supervision", "cost_programmes_health"),
    "custody": ("cost_custody",),
}
TOTALS = (  # flows summed over the run (national)
    "identifications", "referrals", "tests", "positive_tests", "treatment_starts", "treatment_completions",
    "treatment_dropouts", "drrs_issued", "drr_completions", "releases_in_treatment", "release_pickups",
    "release_retained_12w", "proven_reoffences", "offences_acquisitive", "offences_other", "recalls", "breaches",
    "custody_receptions", "proven_reoffences_after_supervision", "offences_acquisitive_after_supervision",
    "offences_other_after_supervision", "returns_on_new_order", "treatment_completions_after_supervision",
    "treatment_dropouts_after_supervision",
)
MEANS = (
    "supervised", "drug_need", "identified", "in_treatment", "waiting_list", "in_custody", "caseload_mean", "caseload_max",
    "practitioners", "treatment_places", "after_supervision", "in_treatment_after_supervision",
)

# Columns of the outcome table that are already paired differences from the baseline (the
# rest are each run's own values).
PAIRED_MEASURES = (
    "reoffences_averted", "offences_averted", "deaths_averted", "pv_net_cost",
    *(f"pv_net_cost_{payer}" for payer in PAYER_COLUMNS),
    "pv_crime_averted_acquisitive", "pv_crime_averted_other", "pv_crime_averted_custody",
    "pv_crime_averted_treatment_recovery", "pv_crime_averted_after_supervision", "reoffences_averted_after_supervision",
    "offences_averted_custody", "pv_benefits", "npv", "bcr",
    "cost_per_reoffence_averted",
)

# The headline outcomes, in the order a report shows them, with their labels and units.
HEADLINES = {
    "reoffences_averted": ("Proven reoffences averted", "reoffences"),
    "deaths_averted": ("Drug-related deaths averted", "deaths"),
    "pv_net_cost": ("Net public cost (PV)", "GBP"),
    "pv_benefits": ("Crime costs averted (PV)", "GBP"),
    "npv": ("Net present value", "GBP"),
    "bcr": ("Benefit-cost ratio", "ratio"),
    "cost_per_reoffence_averted": ("Net cost per reoffence averted", "GBP each"),
}


def discount_factors(weeks: int, rate: float) -> np.ndarray:
    """Green Book discount factor for each week, (1 + rate) ** -(week / 52)."""
    return (1 + rate) ** -(np.arange(weeks) / 52.0)


def run_outcomes(result: RunResult, discount_rate: float) -> dict[str, float]:
    """National outcomes of one run: totals, mean stocks, present values, rates."""
    weekly, scale = result.weekly, result.spec.scale
    # NumPy sums over one array of every column (a run is summarised thousands of times in
    # SA); the counts become floats there, exactly (they are far below 2**53).
    values, position = weekly.to_numpy(dtype=float), {name: k for k, name in enumerate(weekly.columns)}
    column = lambda name: values[:, position[name]]  # noqa: E731
    factor = discount_factors(len(weekly), discount_rate)
    pv = lambda name: float((column(name) * factor).sum() / scale)  # noqa: E731
    out: dict[str, float] = {f"total_{c}": float(column(c).sum() / scale) for c in TOTALS}
    out.update({f"mean_{c}": float(column(c).mean() / (1 if c.startswith("caseload") else scale)) for c in MEANS})
    out["total_drug_deaths"] = float((column("drug_deaths") + column("drug_deaths_after_supervision")).sum() / scale)
    out["total_deaths"] = float((column("deaths") + column("deaths_after_supervision")).sum() / scale)
    for payer, columns in PAYER_COLUMNS.items():
        out[f"pv_cost_{payer}"] = sum(pv(c) for c in columns)
    out["pv_public_cost"] = out["pv_cost_probation"] + out["pv_cost_health"] + out["pv_cost_custody"]
    for name in (
        "cost_treatment", "cost_treatment_after_supervision", "cost_crime", "cost_crime_acquisitive", "cost_crime_other",
        "cost_crime_after_supervision", "cost_deaths", "cost_crime_foregone_in_custody",
        "budget_nominal", "budget_other_clients", "treatment_capacity_other_clients",
    ):
        out[f"pv_{name}"] = pv(name)
    out["total_offences_foregone_in_custody"] = float(
        (column("offences_foregone_in_custody_acquisitive") + column("offences_foregone_in_custody_other")).sum() / scale
    )
    out["treatment_utilisation"] = ratio(column("in_treatment").sum(), column("treatment_places").sum())
    out["continuity_pickup_rate"] = ratio(column("release_pickups").sum(), column("releases_in_treatment").sum())
    out["continuity_retained_12w_rate"] = retained_12w_rate(column("release_pickups"), column("release_retained_12w"))
    cohorts = result.cohorts
    complete = cohorts["complete"].to_numpy()
    for year, rate in zip(cohorts["year"].to_numpy()[complete], cohorts["rate"].to_numpy()[complete]):
        out[f"proven_reoffending_rate_cohort_{int(year) + 1}"] = float(rate)
    return out


def outcome_table(results: Iterable[RunResult], discount_rate: float) -> pd.DataFrame:
    """One row per run (scenario, replicate), one column per outcome, with paired
    differences from the baseline and the Green Book measures."""
    runs = {(r.spec.scenario, r.spec.replicate): run_outcomes(r, discount_rate) for r in results}
    keys = sorted(runs)  # as the index sorts
    names = list(dict.fromkeys(name for outcomes in runs.values() for name in outcomes))  # in order of first appearance
    values = np.array([[runs[key].get(name, np.nan) for name in names] for key in keys], dtype=float).reshape(len(keys), len(names))
    baseline_row = {replicate: row for row, (scenario, replicate) in enumerate(keys) if scenario == BASELINE}
    if not baseline_row:
        raise ValueError("the baseline scenario must be among the runs to compare scenarios with it")
    base = np.array([values[baseline_row[r]] if r in baseline_row else np.full(len(names), np.nan) for _, r in keys])
    difference = (values - base.reshape(values.shape)).T  # NumPy, not pandas: SA makes a table per evaluation
    diff = dict(zip(names, difference))
    measures = {
        "reoffences_averted": -(diff["total_proven_reoffences"] + diff["total_proven_reoffences_after_supervision"]),
        "offences_averted": -(
            diff["total_offences_acquisitive"] + diff["total_offences_other"] + diff["total_offences_acquisitive_after_supervision"]
            + diff["total_offences_other_after_supervision"]
        ),
        "deaths_averted": -diff["total_drug_deaths"],
        "pv_net_cost": diff["pv_public_cost"],
        **{f"pv_net_cost_{payer}": diff[f"pv_cost_{payer}"] for payer in PAYER_COLUMNS},
        "pv_crime_averted_acquisitive": -diff["pv_cost_crime_acquisitive"],
        "pv_crime_averted_other": -diff["pv_cost_crime_other"],
        "pv_crime_averted_custody": diff["pv_cost_crime_foregone_in_custody"],
        "pv_crime_averted_treatment_recovery": -(diff["pv_cost_crime"] + diff["pv_cost_crime_foregone_in_custody"]),
        "pv_crime_averted_after_supervision": -diff["pv_cost_crime_after_supervision"],
        "reoffences_averted_after_supervision": -diff["total_proven_reoffences_after_supervision"],
        "offences_averted_custody": diff["total_offences_foregone_in_custody"],
        "pv_benefits": -(diff["pv_cost_crime"] + diff["pv_cost_deaths"]),
    }
    measures["npv"] = measures["pv_benefits"] - measures["pv_net_cost"]
    with np.errstate(divide="ignore", invalid="ignore"):
        cost, averted = measures["pv_net_cost"], measures["reoffences_averted"]
        measures["bcr"] = np.where(cost > 0, measures["pv_benefits"] / cost, np.nan)
        measures["cost_per_reoffence_averted"] = np.where(averted > 0, cost / averted, np.nan)
    index = pd.MultiIndex.from_tuples(keys, names=["scenario", "replicate"])
    columns = [measures[name] for name in PAIRED_MEASURES]
    return pd.DataFrame(np.column_stack([values, *columns]), index=index, columns=[*names, *PAIRED_MEASURES])


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """summary.csv: scenario, metric, mean and 95% interval; difference from the baseline
    (paired by replicate) with its interval."""
    base = table.xs(BASELINE, level="scenario")
    rows = []
    for scenario, group in table.groupby(level="scenario", sort=False):
        values = group.droplevel("scenario")
        difference = values - base.reindex(values.index)
        for metric in table.columns:
            v, d = values[metric].dropna(), difference[metric].dropna()
            rows.append(
                {
                    "scenario": scenario,
                    "metric": metric,
                    "mean": v.mean() if len(v) else np.nan,
                    "lower": v.quantile(0.025) if len(v) else np.nan,
                    "upper": v.quantile(0.975) if len(v) else np.nan,
                    "difference": d.mean() if len(d) else np.nan,
                    "difference_lower": d.quantile(0.025) if len(d) else np.nan,
                    "difference_upper": d.quantile(0.975) if len(d) else np.nan,
                    "difference_se": d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan,
                    "replicates": len(v),
                }
            )
    summary = pd.DataFrame(rows)
    ratio_of_means = table.groupby(level="scenario")[["pv_benefits", "pv_net_cost"]].mean()
    bcr = (ratio_of_means["pv_benefits"] / ratio_of_means["pv_net_cost"].where(ratio_of_means["pv_net_cost"] > 0))
    is_bcr = summary["metric"] == "bcr"
    summary.loc[is_bcr, "mean"] = summary.loc[is_bcr, "scenario"].map(bcr)  # BCR of mean benefits and costs
    return summary


def headline_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Scenario by headline outcome: 'mean (lower to upper)' strings for reports."""
    rows = summary[summary["metric"].isin(HEADLINES)]
    table = rows.pivot(index="scenario", columns="metric", values=["mean", "lower", "upper"])
    out = pd.DataFrame(index=table.index)
    for metric, (label, unit) in HEADLINES.items():
        if ("mean", metric) not in table.columns:
            continue
        out[label] = [
            _format(table.loc[s, ("mean", metric)], table.loc[s, ("lower", metric)], table.loc[s, ("upper", metric)], unit)
            for s in table.index
        ]
    return out


def _format(mean: float, lower: float, upper: float, unit: str) -> str:
    if not np.isfinite(mean):
        return "n/a"
    if unit == "GBP":
        f = lambda x: f"{'-' if round(x / 1e6, 1) < 0 else ''}£{abs(x) / 1e6:,.1f}m"  # noqa: E731
    elif unit == "GBP each":
        f = lambda x: f"{'-' if round(x) < 0 else ''}£{abs(x):,.0f}"  # noqa: E731
    elif unit == "ratio":
        f = lambda x: f"{round(x, 2) + 0.0:.2f}"  # noqa: E731
    else:
        f = lambda x: f"{round(x) + 0:,.0f}"  # noqa: E731
    bounds = f" ({f(lower)} to {f(upper)})" if np.isfinite(lower) and np.isfinite(upper) else ""
    return f"{f(mean)}{bounds}"
