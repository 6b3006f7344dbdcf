"""Like-for-like: the model's return on today's treatment for people on probation, in the
accounting of the published UK studies.

Published returns on drug treatment are averages over treatment as it is, not the margin a
new option buys, and each counts different things. To compare, the model is run without
today's treatment for people on probation (lever ``stop_treatment_for_probation``: from week
0, no funded places, pick-ups at release or DRRs; treatment under way runs its course),
paired with the baseline, and what is lost is set against the treatment money saved:

- crime and NHS care: crime costs (Home Office unit costs: victims' and criminal justice
  costs) and NHS care costs, per £1 of treatment delivered, as DTORS and the PHE/Black
  review figures count (they also count social care, which the model does not);
- social: the same plus QALYs valued at the Green Book's value of a QALY (the published
  figures do not value health this way).

The model's figure is for people on probation only, over the first year (as DTORS's follow-up)
and over the run's horizon (recovery that lasts counts); DTORS's is for everyone seeking
treatment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from ..appraisal.economics import outcome_table
from .ensemble import RunResult
from .levers import Lever
from .scenarios import Scenario

WITHOUT = "without_treatment"
LEVER = "stop_treatment_for_probation"

# What the published figures are and count (read: see the README, "Economics").
PUBLISHED = (
    {
        "study": "DTORS cost-effectiveness (Davies, Jones, Vamvakas, Dubourg and Donmall, Home Office 2009)",
        "return_per_pound": 2.5,
        "counts": "crime (self-reported offending: victims' and criminal justice costs) and health and social care "
                  "services, against the cost of treatment; 1,796 people seeking structured treatment in 94 areas, "
                  "2006-07, followed about a year; no untreated control group",
    },
    {
        "study": "Public Health England (blog, 25 July 2016)",
        "return_per_pound": 2.5,
        "counts": "'every £1 spent on drug treatment saves £2.50': savings to the public purse (as DTORS)",
    },
    {
        "study": "Dame Carol Black, Review of Drugs Part Two (2021), PHE return-on-investment tool",
        "return_per_pound": 4.0,
        "counts": "combined health and justice return (crime, health and social care) per £1 on treatment and harm "
                  "reduction (as summarised by Russell Webster; the review's own table was not read)",
    },
)


def without_treatment(levers: dict[str, Lever]) -> Scenario:
    """The run without today's treatment for people on probation."""
    lever = levers[LEVER]
    return Scenario(WITHOUT, "Without today's treatment for people on probation", lever.description, levers=(lever,))


def returns_by_horizon(
    results: Sequence[RunResult], discount_rate: float, health_discount_rate: float
) -> dict[str, pd.DataFrame]:
    """:func:`returns` over the first year and over the whole run (``results``: the baseline's
    and :data:`WITHOUT`'s runs)."""
    first_year = [replace(r, weekly=r.weekly.iloc[:52]) for r in results]
    return {
        horizon: returns(outcome_table(runs, discount_rate, health_discount_rate))
        for horizon, runs in (("first_year", first_year), ("run", results))
    }


def returns(table: pd.DataFrame) -> pd.DataFrame:
    """Per replicate: the treatment money that removing treatment saves (present value) and
    what it loses per £1 of it, in each accounting (``table``: :func:`outcome_table` of the
    baseline and :data:`WITHOUT`)."""
    rows = table.xs(WITHOUT, level="scenario")
    treatment = -rows["pv_net_cost_drug_treatment"]
    crime, care, health = -rows["pv_crime_averted"], rows["pv_net_cost_dhsc_nhs"], -rows["pv_health_value"]
    saved = treatment.where(treatment > 0)  # a return per £1 only where removing treatment saves money
    return pd.DataFrame({
        "treatment_cost": treatment,
        "crime_lost": crime,
        "nhs_care_lost": care,
        "health_value_lost": health,
        "return_crime_and_nhs_care": (crime + care) / saved,
        "return_social": (crime + care + health) / saved,
    })


def summary_rows(by_horizon: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The returns as rows of ``summary.csv`` (scenario ``existing_treatment``, metrics
    ``<measure>_<horizon>``): mean and 2.5th to 97.5th percentile over replicates."""
    return pd.DataFrame([
        {
            "scenario": "existing_treatment", "metric": f"{metric}_{horizon}", "mean": values.mean(),
            "lower": values.quantile(0.025), "upper": values.quantile(0.975), "replicates": int(values.count()),
        }
        for horizon, per_replicate in by_horizon.items()
        for metric, values in per_replicate.items()
    ])
