"""Summary outcomes of a run, as national yearly figures comparable with published ones.

A run's weekly frame holds counts at the model's scale; these functions divide by the
scale and by the years run, so a run at ``scale=0.1`` reads as England and Wales.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else float("nan")


def run_metrics(frame: pd.DataFrame, cohorts: pd.DataFrame, scale: float, unit_cost_acquisitive: float) -> dict[str, float]:
    """Headline national metrics of one run: yearly flows, mean stocks and rates.

    ``frame`` is the weekly frame of :class:`ProbationModel`, ``cohorts`` its
    ``cohort_reoffending()`` table.
    """
    years = len(frame) / 52
    total = frame.sum()
    mean = frame.mean()
    per_year = lambda column: float(total[column] / years / scale)  # noqa: E731
    complete = cohorts[cohorts["complete"]]
    drr_outcomes = total["drr_completions"] + total["drr_revocations"] + total["drr_ended_early"]
    return {
        "supervised": float(mean["supervised"] / scale),
        "drug_need": float(mean["drug_need"] / scale),
        "identified_share": ratio(mean["identified"], mean["supervised"]),
        "referrals_per_year": per_year("referrals"),
        "known_users_tested_share": ratio(mean["known_users_ever_tested"], mean["known_users"]),
        "drrs_per_year": per_year("drrs_issued"),
        "drr_completion_rate": ratio(total["drr_completions"], drr_outcomes),
        "drr_engagement_rate": ratio(total["drr_treatment_starts"], total["drrs_issued"]),
        "releases_in_treatment_per_year": per_year("releases_in_treatment"),
        "release_pickups_per_year": per_year("release_pickups"),
        "continuity_pickup_rate": ratio(total["release_pickups"], total["releases_in_treatment"]),
        "continuity_retained_12w_rate": ratio(total["release_retained_12w"], total["release_pickups"]),
        "in_treatment": float(mean["in_treatment"] / scale),
        "waiting_list": float(mean["waiting_list"] / scale),
        "treatment_starts_per_year": per_year("treatment_starts"),
        "caseload_mean": float(mean["caseload_mean"]),
        "caseload_max": float(frame["caseload_max"].max()),
        "caseload_over_70_share": ratio(mean["caseload_over_70"], mean["practitioners"]),
        "drug_driven_acquisitive_share": ratio(total["offences_acquisitive_drug_driven"], total["offences_acquisitive"]),
        "drug_related_crime_cost_per_year": per_year("offences_acquisitive_drug_driven") * unit_cost_acquisitive,
        "proven_reoffending_rate": ratio(complete["reoffenders"].sum(), complete["starts"].sum()),
        "recalls_per_year": per_year("recalls"),
        "breaches_per_year": per_year("breaches"),
        "drug_deaths_per_year": per_year("drug_deaths"),
        "deaths_per_year": per_year("deaths"),
        "offences_per_year": per_year("offences_acquisitive") + per_year("offences_other"),
        "proven_reoffences_per_year": per_year("proven_reoffences"),
    }


def model_metrics(model) -> dict[str, float]:
    """:func:`run_metrics` of a model that has run."""
    frame = model.datacollector.get_model_vars_dataframe()
    return run_metrics(frame, model.cohort_reoffending(), model.scale, model.p.unit_cost_acquisitive)


def relative_difference(model_value: float, target: float) -> float:
    return (model_value - target) / target if target else np.nan
