"""Weekly cost accounting, in 2019/20 prices, at the model's scale.

The simulation counts what happened and what was in use each week (places, staff, tests,
people in custody, offences, deaths); this module prices a run's weekly frame with the
unit costs of its parameter set. Cost lines: treatment delivered (people in treatment at
the week's end, a place-week each, at the unit cost of a treatment place; apart, the
treatment of people whose supervision has ended), testing (tests done), staff
(practitioners employed, pre-sentence reports, one-off training), custody (people in
prison after recall or breach), crime (offences by type at Home Office unit costs, of
everyone the model follows: ``cost_crime_after_supervision`` is the part committed after
supervision and its follow-up year), NHS care by drug use state and programmes (the stated
yearly cost of active policy levers that buy nothing the model prices itself), also split by
payer. Health lines in QALYs (:mod:`model.appraisal.health`): lost to deaths (and, of them,
to drug-related deaths), lost to problematic drug use, gained in treatment.

Memo lines, neither costs nor benefits of a scenario: the levers' nominal budget (their
stated money while active) and the part of it meant for people outside the model (a
capacity lever's share for other clients); funded treatment capacity that people on
probation did not use (it serves the service's other clients); and the crime that people in custody would have
committed in the community (what enforcement averts by incapacitation, so that the
appraisal can keep it apart from what treatment and recovery avert).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

import numpy as np
import pandas as pd

from .health import weekly_health

COST_LINES = (
    "cost_treatment", "cost_treatment_after_supervision", "cost_testing", "cost_staff", "cost_custody",
    "cost_crime", "cost_crime_acquisitive", "cost_crime_other", "cost_crime_after_supervision", "cost_health_care",
    "cost_programmes", "cost_programmes_probation", "cost_programmes_health",
)
QALYS = ("qalys_lost_deaths", "qalys_lost_drug_deaths", "qalys_lost_problematic_use", "qalys_gained_treatment")
QALY_LINES = (*QALYS, *(f"value_{name}" for name in QALYS))  # QALYs, and their value in £ (discounted as health)
MEMO_LINES = (
    "budget_nominal", "budget_other_clients", "treatment_capacity_other_clients", "cost_crime_foregone_in_custody",
)


class Programme(Protocol):
    """What pricing needs of a policy lever: when it is active, its payer, its money and
    its programme cost (:class:`model.experiments.levers.Lever` is one)."""

    payer: str
    cost_per_year: float

    def active(self, week: int) -> bool: ...

    def programme_cost_per_year(self, params: Mapping[str, float]) -> float: ...

    def other_clients_per_year(self, params: Mapping[str, float]) -> float: ...


def weekly_costs(
    frame: pd.DataFrame, params: Mapping[str, float], levers: Iterable[Programme], scale: float
) -> dict[str, np.ndarray]:
    """Each line of :data:`COST_LINES`, :data:`QALY_LINES` and :data:`MEMO_LINES`, week by
    week (row ``k`` of ``frame`` is week ``k``), for a run at ``scale`` with ``levers``; unit
    costs and utilities from ``params``."""
    p = params
    count = lambda name: frame[name].to_numpy(dtype=float)  # noqa: E731
    weeks = np.arange(len(frame))
    costs = dict.fromkeys(COST_LINES + QALY_LINES + MEMO_LINES, np.zeros(len(frame)))
    costs.update(weekly_health(count, p))
    place_week = p["cost_treatment_place_per_year"] / 52
    costs["cost_treatment"] = count("in_treatment") * place_week
    costs["cost_treatment_after_supervision"] = count("in_treatment_after_supervision") * place_week
    costs["treatment_capacity_other_clients"] = np.maximum(count("treatment_places") - count("in_treatment"), 0) * place_week
    training = count("practitioners_trained") * p["cost_training_per_practitioner"]
    costs["cost_staff"] = count("practitioners") * p["cost_practitioner_per_year"] / 52 + (
        count("pre_sentence_reports") * p["cost_psr"] + training
    )
    costs["cost_testing"] = count("tests") * p["cost_test"]
    costs["cost_custody"] = count("in_custody") * p["cost_prison_per_year"] / 52
    acquisitive_after = count("offences_acquisitive_after_supervision") * p["unit_cost_acquisitive"]
    other_after = count("offences_other_after_supervision") * p["unit_cost_other"]
    costs["cost_crime_after_supervision"] = acquisitive_after + other_after
    costs["cost_crime_acquisitive"] = count("offences_acquisitive") * p["unit_cost_acquisitive"] + acquisitive_after
    costs["cost_crime_other"] = count("offences_other") * p["unit_cost_other"] + other_after
    costs["cost_crime"] = costs["cost_crime_acquisitive"] + costs["cost_crime_other"]
    costs["cost_crime_foregone_in_custody"] = (
        count("offences_foregone_in_custody_acquisitive") * p["unit_cost_acquisitive"]
        + count("offences_foregone_in_custody_other") * p["unit_cost_other"]
    )
    for lever in levers:
        active = np.array([lever.active(int(week)) for week in weeks], dtype=bool)
        weekly = np.where(active, lever.programme_cost_per_year(p) * scale / 52, 0.0)
        for line in ("cost_programmes", f"cost_programmes_{lever.payer}"):
            costs[line] = costs[line] + weekly
        costs["budget_nominal"] = costs["budget_nominal"] + np.where(active, lever.cost_per_year * scale / 52, 0.0)
        other = lever.other_clients_per_year(p) * scale / 52
        costs["budget_other_clients"] = costs["budget_other_clients"] + np.where(active, other, 0.0)
    return costs


def priced(frame: pd.DataFrame, params: Mapping[str, float], levers: Iterable[Programme], scale: float) -> pd.DataFrame:
    """``frame`` with the :data:`COST_LINES`, :data:`QALY_LINES` and :data:`MEMO_LINES` as its last columns (priced
    again if it has them already), joined as one frame: adding them one by one took three times as long as
    pricing them."""
    costs = weekly_costs(frame, params, levers, scale)
    unpriced = frame.drop(columns=[name for name in costs if name in frame.columns])
    return pd.concat([unpriced, pd.DataFrame(costs, index=frame.index)], axis=1)
