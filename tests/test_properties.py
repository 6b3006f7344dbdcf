"""Property: anywhere within the parameters' limits (the values the model accepts, by any
route), edges included, the model runs without a crash, a NaN or a negative count."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import ParameterSet, ProbationModel

BASE = ParameterSet.load()


def _value(low: float, high: float, positive: bool) -> st.SearchStrategy[float]:
    """A parameter value the model accepts: either edge of its limits, either edge of its
    plausible range, or anywhere between the limits."""
    edges = [v for v in (low, high) if v > 0 or not positive]
    smallest = min(high, 1e-9) if positive and low == 0 else low
    between = st.floats(smallest, high, allow_nan=False, allow_infinity=False, exclude_min=positive and low == 0)
    return st.one_of(*map(st.just, edges), between)


PARAMETER_SETS = st.fixed_dictionaries({
    d.name: st.one_of(_value(*d.accepted, d.positive), st.sampled_from(d.range)) for d in BASE.definitions
}).filter(lambda values: values["court_order_starts_per_year"] + values["prison_releases_per_year"] > 0)  # refused together


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(params=PARAMETER_SETS, seed=st.integers(0, 2**31 - 1))
def test_the_model_runs_anywhere_within_the_parameter_limits_with_no_nan_and_no_negative_count(params, seed):
    model = ProbationModel(scale=0.01, seed=seed, params=params)
    model.run(8)
    frame = model.datacollector.get_model_vars_dataframe()
    values = frame.to_numpy(dtype=float)
    assert np.isfinite(values).all(), frame.columns[~np.isfinite(values).all(axis=0)].tolist()
    assert (values >= 0).all(), frame.columns[(values < 0).any(axis=0)].tolist()
