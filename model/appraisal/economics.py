"""Outcomes and economics of scenarios against the baseline: a social cost-benefit analysis
by HM Treasury's Green Book.

Every figure is national (a run's counts divided by its scale) and in 2019/20 prices.
Flows over the run are discounted weekly to present values: money at the Green Book rate
(3.5% a year), health effects (QALYs and their value) at its health rate (1.5%).

Costs, by cost centre and payer: probation (staff, testing, reports, probation programmes)
and custody (prison after recall or breach), paid by MoJ/HMPPS; drug treatment delivered
(during and after supervision) and health programmes, paid by local authorities from the
public health grant; NHS care by drug use state (:mod:`model.appraisal.health`), paid by
DHSC/NHS, whose fall is a saving. The net public cost is their sum.

Benefits, from the social perspective: crime costs averted (Home Office unit costs of crime,
by offence type, of everyone the model follows, during supervision and after it), split by
route (through custody: people held after recall or breach do not offend; through treatment
and recovery: the rest); and QALYs gained (deaths averted, less problematic drug use, time
in treatment) valued at the Green Book's value of a QALY. The headline NPV and BCR are
social; the crime-only BCR (crime averted over the cost to MoJ/HMPPS and local authorities,
the model's headline before health was counted) is kept, labelled as such. Memo lines,
neither cost nor benefit: the levers' nominal budget and funded treatment capacity that
serves other clients.

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

from .costs import QALY_LINES
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

COST_CENTRES = {
    "probation": ("cost_staff", "cost_testing", "cost_programmes_probation"),
    "custody": ("cost_custody",),
    "drug_treatment": ("cost_treatment", "cost_treatment_after_supervision", "cost_programmes_health"),
    "health_care": ("cost_health_care",),
}
PAYERS = {  # who pays each cost centre (community drug treatment: local authorities' public health grant)
    "moj_hmpps": ("probation", "custody"),
    "local_authorities": ("drug_treatment",),
    "dhsc_nhs": ("health_care",),
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

# QALYs gained (discounted) and their value, in all and by source (deaths, of them
# drug-related, less problematic use, time in treatment).
HEALTH_MEASURES = tuple(
    f"{name}{part}" for name in ("qalys_gained", "pv_health_value")
    for part in ("", "_deaths", "_drug_deaths", "_problematic_use", "_treatment")
)

# Columns of the outcome table that are already paired differences from the baseline (the
# rest are each run's own values).
PAIRED_MEASURES = (
    "reoffences_averted", "offences_averted", "deaths_averted", "pv_net_cost",
    *(f"pv_net_cost_{centre}" for centre in COST_CENTRES), *(f"pv_net_cost_{payer}" for payer in PAYERS),
    "pv_crime_averted", "pv_crime_averted_acquisitive", "pv_crime_averted_other", "pv_crime_averted_custody",
    "pv_crime_averted_treatment_recovery", "pv_crime_averted_after_supervision", "reoffences_averted_after_supervision",
    "offences_averted_custody", *HEALTH_MEASURES, "pv_benefits", "npv", "bcr", "bcr_crime_only",
    "cost_per_reoffence_averted",
)

# The headline outcomes, in the order a report shows them, with their labels and units.
HEADLINES = {
    "reoffences_averted": ("Proven reoffences averted", "reoffences"),
    "deaths_averted": ("Drug-related deaths averted", "deaths"),
    "qalys_gained": ("QALYs gained (discounted)", "QALYs"),
    "pv_net_cost": ("Net public cost (PV)", "GBP"),
    "pv_crime_averted": ("Crime costs averted (PV)", "GBP"),
    "pv_health_value": ("Value of QALYs gained (PV)", "GBP"),
    "npv": ("Social net present value", "GBP"),
    "bcr": ("Social benefit-cost ratio", "ratio"),
    "bcr_crime_only": ("Benefit-cost ratio, crime only", "ratio"),
    "cost_per_reoffence_averted": ("Net cost per reoffence averted", "GBP each"),
}


def discount_factors(weeks: int, rate: float) -> np.ndarray:
    """Green Book discount factor for each week, (1 + rate) ** -(week / 52)."""
    return (1 + rate) ** -(np.arange(weeks) / 52.0)


def run_outcomes(result: RunResult, discount_rate: float, health_discount_rate: float) -> dict[str, float]:
    """National outcomes of one run: totals, mean stocks, present values (money at
    ``discount_rate``, health at ``health_discount_rate``), rates."""
    weekly, scale = result.weekly, result.spec.scale
    # NumPy sums over one array of every column (a run is summarised thousands of times in
    # SA); the counts become floats there, exactly (they are far below 2**53).
    values, position = weekly.to_numpy(dtype=float), {name: k for k, name in enumerate(weekly.columns)}
    column = lambda name: values[:, position[name]]  # noqa: E731
    factor = discount_factors(len(weekly), discount_rate)
    health_factor = discount_factors(len(weekly), health_discount_rate)
    pv = lambda name: float((column(name) * factor).sum() / scale)  # noqa: E731
    out: dict[str, float] = {f"total_{c}": float(column(c).sum() / scale) for c in TOTALS}
    by_region = [c for c in position if "_region_" in c]  # columns "<stock>_region_<k>" of the model's REGION_STOCKS
    out.update({f"mean_{c}": float(column(c).mean() / (1 if c.startswith("caseload") else scale)) for c in (*MEANS, *by_region)})
    out["total_community_referrals"] = out["total_referrals"] + out["total_drrs_issued"]  # probation's and the courts'
    out["total_community_treatment_starts"] = out["total_treatment_starts"] - out["total_release_pickups"]
    out["total_drug_deaths"] = float((column("drug_deaths") + column("drug_deaths_after_supervision")).sum() / scale)
    out["total_deaths"] = float((column("deaths") + column("deaths_after_supervision")).sum() / scale)
    for centre, columns in COST_CENTRES.items():
        out[f"pv_cost_{centre}"] = sum(pv(c) for c in columns)
    out["pv_public_cost"] = sum(out[f"pv_cost_{centre}"] for centre in COST_CENTRES)
    for name in QALY_LINES:
        out[f"pv_{name}"] = float((column(name) * health_factor).sum() / scale)
    for name in (
        "cost_treatment", "cost_treatment_after_supervision", "cost_testing", "cost_staff", "cost_custody", "cost_programmes",
        "cost_programmes_probation", "cost_programmes_health", "cost_health_care", "cost_crime", "cost_crime_acquisitive",
        "cost_crime_other", "cost_crime_after_supervision", "cost_crime_foregone_in_custody",
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


def outcome_table(results: Iterable[RunResult], discount_rate: float, health_discount_rate: float) -> pd.DataFrame:
    """One row per run (scenario, replicate), one column per outcome, with paired
    differences from the baseline and the Green Book measures."""
    runs = {(r.spec.scenario, r.spec.replicate): run_outcomes(r, discount_rate, health_discount_rate) for r in results}
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
        **{f"pv_net_cost_{centre}": diff[f"pv_cost_{centre}"] for centre in COST_CENTRES},
        **{f"pv_net_cost_{payer}": sum(diff[f"pv_cost_{c}"] for c in centres) for payer, centres in PAYERS.items()},
        "pv_crime_averted": -diff["pv_cost_crime"],
        "pv_crime_averted_acquisitive": -diff["pv_cost_crime_acquisitive"],
        "pv_crime_averted_other": -diff["pv_cost_crime_other"],
        "pv_crime_averted_custody": diff["pv_cost_crime_foregone_in_custody"],
        "pv_crime_averted_treatment_recovery": -(diff["pv_cost_crime"] + diff["pv_cost_crime_foregone_in_custody"]),
        "pv_crime_averted_after_supervision": -diff["pv_cost_crime_after_supervision"],
        "reoffences_averted_after_supervision": -diff["total_proven_reoffences_after_supervision"],
        "offences_averted_custody": diff["total_offences_foregone_in_custody"],
    }
    for prefix, scale_to in (("qalys", ""), ("pv_health_value", "value_")):
        gained = {
            "deaths": -diff[f"pv_{scale_to}qalys_lost_deaths"],
            "drug_deaths": -diff[f"pv_{scale_to}qalys_lost_drug_deaths"],
            "problematic_use": -diff[f"pv_{scale_to}qalys_lost_problematic_use"],
            "treatment": diff[f"pv_{scale_to}qalys_gained_treatment"],
        }
        name = "qalys_gained" if prefix == "qalys" else prefix
        measures[name] = gained["deaths"] + gained["problematic_use"] + gained["treatment"]
        measures.update({f"{name}_{part}": value for part, value in gained.items()})
    measures["pv_benefits"] = measures["pv_crime_averted"] + measures["pv_health_value"]
    measures["npv"] = measures["pv_benefits"] - measures["pv_net_cost"]
    with np.errstate(divide="ignore", invalid="ignore"):  # a replicate's ratio over 0 is NaN or infinite, and not shown
        cost, averted = measures["pv_net_cost"], measures["reoffences_averted"]
        measures["bcr"] = np.where(cost > 0, measures["pv_benefits"] / cost, np.nan)
        crime_cost = _crime_only_cost(measures)
        measures["bcr_crime_only"] = np.where(crime_cost > 0, measures["pv_crime_averted"] / crime_cost, np.nan)
        measures["cost_per_reoffence_averted"] = np.where(averted > 0, cost / averted, np.nan)
    index = pd.MultiIndex.from_tuples(keys, names=["scenario", "replicate"])
    columns = [measures[name] for name in PAIRED_MEASURES]
    return pd.DataFrame(np.column_stack([values, *columns]), index=index, columns=[*names, *PAIRED_MEASURES])


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """summary.csv: scenario, metric, mean and 95% interval; difference from the baseline
    (paired by replicate) with its interval. The ratios (:data:`RATIOS_OF_MEANS`) are ratios
    of means, defined where their denominator is above 0 in every replicate."""
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
    for metric, (numerator, denominator) in RATIOS_OF_MEANS.items():
        for scenario, group in table.groupby(level="scenario", sort=False):
            mean, lower, upper = ratio_of_means(numerator(group), denominator(group))
            at = (summary["scenario"] == scenario) & (summary["metric"] == metric)
            summary.loc[at, ["mean", "lower", "upper"]] = mean, lower, upper
    return summary


# Ratios reported as the ratio of the means over replicates (not the mean of each replicate's
# ratio, which a replicate with a cost or an effect near 0 can throw anywhere): numerator and
# denominator of each, from an outcome table's rows.
RATIOS_OF_MEANS = {
    "bcr": (lambda t: t["pv_benefits"], lambda t: t["pv_net_cost"]),
    "bcr_crime_only": (lambda t: t["pv_crime_averted"], lambda t: _crime_only_cost(t)),
    "cost_per_reoffence_averted": (lambda t: t["pv_net_cost"], lambda t: t["reoffences_averted"]),
}
def ratio_of_means(numerator: pd.Series, denominator: pd.Series) -> tuple[float, float, float]:
    """The ratio of the means over replicates, with the 2.5th to 97.5th percentile of the
    replicates' own ratios (the spread every other interval shows); not defined (NaN) unless
    the denominator is above 0 in every replicate, as a ratio over a cost or an effect near 0
    means nothing; with one replicate, no interval."""
    x, y = numerator.to_numpy(dtype=float), denominator.to_numpy(dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if not x.size or (y <= 0).any():
        return np.nan, np.nan, np.nan
    if x.size < 2:
        return x.mean() / y.mean(), np.nan, np.nan
    ratios = x / y
    return x.mean() / y.mean(), float(np.quantile(ratios, 0.025)), float(np.quantile(ratios, 0.975))


def _crime_only_cost(measures) -> np.ndarray:
    """The cost the crime-only BCR divides by: MoJ/HMPPS's and local authorities' (NHS care
    savings left out, as before health was counted)."""
    return measures["pv_net_cost_moj_hmpps"] + measures["pv_net_cost_local_authorities"]


def headline_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Scenario by headline outcome: 'mean (lower to upper)' strings for reports; a ratio
    (:data:`RATIOS_OF_MEANS`) only where its denominator is above 0 in every replicate."""
    rows = summary[summary["metric"].isin(HEADLINES)]
    table = rows.pivot(index="scenario", columns="metric", values=["mean", "lower", "upper"])
    out = pd.DataFrame(index=table.index)
    for metric, (label, unit) in HEADLINES.items():
        if ("mean", metric) not in table.columns:
            continue
        out[label] = [
            NOT_DEFINED if metric in RATIOS_OF_MEANS and s != BASELINE and not np.isfinite(table.loc[s, ("mean", metric)])
            else _format(table.loc[s, ("mean", metric)], table.loc[s, ("lower", metric)], table.loc[s, ("upper", metric)], unit)
            for s in table.index
        ]
    return out


NOT_DEFINED = "n/a (cost or effect ≤ 0 in a replicate)"  # a ratio over a cost or effect near 0


def money(value: float) -> str:
    """A national sum for reports: '£1,470.8m', '-£0.6m'."""
    return f"{'-' if round(value / 1e6, 1) < 0 else ''}£{abs(value) / 1e6:,.1f}m"


def _format(mean: float, lower: float, upper: float, unit: str) -> str:
    if not np.isfinite(mean):
        return "n/a"
    if unit == "GBP":
        f = money
    elif unit == "GBP each":
        f = lambda x: f"{'-' if round(x) < 0 else ''}£{abs(x):,.0f}"  # noqa: E731
    elif unit == "ratio":
        f = lambda x: f"{round(x, 2) + 0.0:.2f}"  # noqa: E731
    else:
        f = lambda x: f"{round(x) + 0:,.0f}"  # noqa: E731
    bounds = f" ({f(lower)} to {f(upper)})" if np.isfinite(lower) and np.isfinite(upper) else ""
    return f"{f(mean)}{bounds}"
