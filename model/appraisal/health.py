"""Health effects of a run: quality-adjusted life years (QALYs) and NHS care costs by state.

Everyone the model follows (on probation, in custody, in follow-up and after supervision)
counts. A week lived with problematic drug use loses ``utility_not_problematic -
utility_problematic_use`` of a QALY-week against a week without it; a week in drug
treatment gains ``utility_gain_in_treatment``; a death (of any cause) loses the rest of a
life, ``life_years_lost_per_death`` years weighted by ``utility_not_problematic`` and
discounted to the week of the death at the Green Book's health rate (:func:`qalys_per_death`).

Lives are counted through deaths, not through the number of people alive: the people the
model follows change with the run (a person who comes back on a new order takes the place of
a stranger among court starts), so counting life-weeks would credit a scenario for following
more people. The same substitution makes the state lines conservative: a scenario with fewer
returns follows more strangers, with their drug use (see README, "Economics").

NHS care, not drug treatment (costed apart), is costed by state: problematic users out of
treatment and people in treatment, a year's cost spread over its weeks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np


def annuity(years: float, rate: float) -> float:
    """Present value, at the start, of one a year for ``years`` years paid at the start of
    each (the last year in part), discounted at ``rate``: sum over t < years of (1 + rate) ** -t."""
    whole = int(np.floor(years))
    value = float(np.sum((1 + rate) ** -np.arange(whole)))
    return value + (years - whole) * (1 + rate) ** -whole


def qalys_per_death(p: Mapping[str, float]) -> float:
    """The discounted QALYs a death takes away, valued at the week of the death."""
    return p["utility_not_problematic"] * annuity(p["life_years_lost_per_death"], p["discount_rate_health"])


def weekly_health(count: Callable[[str], np.ndarray], p: Mapping[str, float]) -> dict[str, np.ndarray]:
    """QALYs lost (deaths, problematic use) and gained (treatment), their value at the Green
    Book's value of a QALY (``value_`` and the line's name), and NHS care costs, week by week,
    at the model's scale; ``count(name)`` is a column of the weekly frame."""
    deaths = count("deaths") + count("deaths_after_supervision")
    drug_deaths = count("drug_deaths") + count("drug_deaths_after_supervision")
    users = count("problematic_users")
    in_treatment = count("in_treatment") + count("in_treatment_after_supervision")
    users_untreated = users - count("problematic_users_in_treatment")
    lost_qalys = qalys_per_death(p)
    qalys = {
        "qalys_lost_deaths": deaths * lost_qalys,
        "qalys_lost_drug_deaths": drug_deaths * lost_qalys,
        "qalys_lost_problematic_use": users * (p["utility_not_problematic"] - p["utility_problematic_use"]) / 52,
        "qalys_gained_treatment": in_treatment * p["utility_gain_in_treatment"] / 52,
    }
    care = users_untreated * p["cost_health_care_problematic_per_year"] + in_treatment * p["cost_health_care_in_treatment_per_year"]
    return {
        **qalys,
        **{f"value_{name}": value * p["value_of_qaly"] for name, value in qalys.items()},
        "cost_health_care": care / 52,
    }
