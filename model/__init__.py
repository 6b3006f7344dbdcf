"""An agent-based model of drug-related offending and treatment for people on probation
in England and Wales.

    from model import ProbationModel
    m = ProbationModel(scale=0.1, seed=42)
    m.run(weeks=52)
    df = m.datacollector.get_model_vars_dataframe()
"""

from .kernel_cache import use_kernel_cache

use_kernel_cache()  # before the modules with compiled kernels are imported

from .levers import Change, Lever, Purchase
from .model import FLOWS, STOCKS, ProbationModel
from .parameters import ParameterError, ParameterSet

__all__ = ["Change", "FLOWS", "Lever", "ParameterError", "ParameterSet", "ProbationModel", "Purchase", "STOCKS"]
