"""An agent-based model of drug-related offending and treatment for people on probation
in England and Wales.

    from model import ProbationModel
    m = ProbationModel(scale=0.1, seed=42)
    m.run(weeks=52)
    df = m.datacollector.get_model_vars_dataframe()

Three layers, each importing only those below it: the simulation (this folder and
``processes/``, one module per weekly process), the appraisal (``appraisal/``: costs,
outcomes, economics, report) and the experiments (``experiments/``: levers, scenarios,
ensembles, calibration glue, sensitivity analysis).
"""

from .kernel_cache import use_kernel_cache

use_kernel_cache()  # before the modules with compiled kernels are imported

from .experiments.levers import Change, Lever, Purchase, Reach
from .model import FLOWS, STOCKS, ProbationModel
from .parameters import ParameterError, ParameterSet

__all__ = ["Change", "FLOWS", "Lever", "ParameterError", "ParameterSet", "ProbationModel", "Purchase", "Reach", "STOCKS"]
