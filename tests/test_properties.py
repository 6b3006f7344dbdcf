"""Property: anywhere in the parameters' ranges, edges included, the model runs without a
crash, a NaN or a negative count."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import ParameterSet, ProbationModel

BASE = ParameterSet.load()


def _value(low: float, high: float) -> st.SearchStrategy[float]:
    """A parameter value: either edge of its range, or anywhere between."""
    if low == high:
        return st.just(low)
    return st.one_of(st.just(low), st.just(high), st.floats(low, high, allow_nan=False, allow_infinity=False))


PARAMETER_SETS = st.fixed_dictionaries({d.name: _value(*d.range) for d in BASE.definitions})


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(params=PARAMETER_SETS, seed=st.integers(0, 2**31 - 1))
def test_the_model_runs_anywhere_in_the_parameter_ranges_with_no_nan_and_no_negative_count(params, seed):
    model = ProbationModel(scale=0.01, seed=seed, params=params)
    model.run(8)
    frame = model.datacollector.get_model_vars_dataframe()
    values = frame.to_numpy(dtype=float)
    assert np.isfinite(values).all(), frame.columns[~np.isfinite(values).all(axis=0)].tolist()
    assert (values >= 0).all(), frame.columns[(values < 0).any(axis=0)].tolist()
    assert model.people.n_supervised > 0
