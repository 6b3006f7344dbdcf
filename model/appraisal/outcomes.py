"""Summary outcomes of a run, as national yearly figures comparable with published ones.

A run's weekly frame holds counts at the model's scale; these functions divide by the
scale and by the years run, so a run at ``scale=0.1`` reads as England and Wales.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..processes.treatment import EARLY_WEEKS


def ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else float("nan")


def retained_12w_rate(pickups: np.ndarray, retained: np.ndarray) -> float:
    """Of the prison leavers picked up, the share still in that treatment 12 weeks later
    (OHID's continuity measure), cohort by cohort: those retained in week t were picked up in
    week t - 12, so the run's first 12 weeks of retentions and last 12 weeks of pick-ups are
    left out. (Dividing all retentions by all pick-ups would mix cohorts, and a lever that
    raises pick-ups would seem to lower retention for 12 weeks.)"""
    pickups, retained = np.asarray(pickups, dtype=float), np.asarray(retained, dtype=float)
    if pickups.size <= EARLY_WEEKS:
        return float("nan")
    return ratio(retained[EARLY_WEEKS:].sum(), pickups[:-EARLY_WEEKS].sum())


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
    treated = cohorts[cohorts["treatment_complete"]].sum()
    completers_2y = ratio(treated["completed_reoffended"], treated["treatments_completed"])
    dropouts_2y = ratio(treated["dropped_out_reoffended"], treated["treatments_dropped_out"])
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
        "continuity_retained_12w_rate": retained_12w_rate(frame["release_pickups"], frame["release_retained_12w"]),
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
        "reoffending_completers_2y": completers_2y,
        "reoffending_dropouts_2y": dropouts_2y,
        "reoffending_gap_dropouts_completers": dropouts_2y - completers_2y,
        "known_share_of_court_starts": ratio(total["returns_on_new_order"], total["court_starts"]),
        "after_supervision": float(mean["after_supervision"] / scale),
    }


def model_metrics(model) -> dict[str, float]:
    """:func:`run_metrics` of a model that has run."""
    frame = model.datacollector.get_model_vars_dataframe()
    return run_metrics(frame, model.cohort_reoffending(), model.scale, model.p.unit_cost_acquisitive)


def relative_difference(model_value: float, target: float) -> float:
    return (model_value - target) / target if target else np.nan
