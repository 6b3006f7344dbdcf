"""Scale does not change the answer: national-equivalent outputs at 1:20 and 1:4 agree."""

from __future__ import annotations

import numpy as np
import pytest

from model import ProbationModel
from model.regions import apportion

SEEDS, WEEKS = range(6), 156
# Stocks and flows as national figures (divided by the scale); the mean caseload is per practitioner.
OUTPUTS = (
    "supervised", "drug_need", "identified", "caseload_mean", "practitioners", "treatment_places", "in_treatment",
    "treatment_starts", "tests", "proven_reoffences", "offences_acquisitive", "drug_deaths", "in_custody",
    "after_supervision", "returns_on_new_order", "in_treatment_after_supervision", "proven_reoffences_after_supervision",
)


def _national_means(scale: float) -> np.ndarray:
    rows = []
    for seed in SEEDS:
        m = ProbationModel(scale=scale, seed=seed)
        m.run(WEEKS)
        means = m.datacollector.get_model_vars_dataframe()[list(OUTPUTS)].mean()
        rows.append([means[c] / (1 if c == "caseload_mean" else scale) for c in OUTPUTS])
    return np.array(rows)


@pytest.fixture(scope="module")
def by_scale() -> dict[float, np.ndarray]:
    return {scale: _national_means(scale) for scale in (0.05, 0.25)}


@pytest.mark.parametrize("output", OUTPUTS)
def test_national_outputs_at_1_in_20_and_1_in_4_agree(by_scale, output):
    """Within 2%, or two standard errors of the difference of the two means over seeds
    where that is larger. (The waiting list is not among them: at 1:20 a region has about
    25 places, and a queue near capacity is longer in a small service than in a large one
    with the same load; see the README.)"""
    k = OUTPUTS.index(output)
    small, large = by_scale[0.05][:, k], by_scale[0.25][:, k]
    difference = small.mean() / large.mean() - 1
    se = np.sqrt(small.var(ddof=1) / small.size + large.var(ddof=1) / large.size) / large.mean()
    assert abs(difference) <= max(0.02, 2 * se), (output, difference, se)


def test_regions_share_whole_places_without_changing_the_national_total():
    """Known answers: largest remainders keep the rounded national total, each region within one."""
    amounts = np.array([14.4] * 12)
    shared = apportion(amounts)
    assert shared.sum() == round(amounts.sum()) == 173
    assert np.all(np.abs(shared - amounts) < 1)
    assert apportion(np.array([2.5, 2.5, 0.0])).tolist() == [3, 2, 0]
