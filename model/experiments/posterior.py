"""Parameter samples (the calibration posterior) that ensembles draw replicates from.

A sample is a CSV file, one row per parameter set, one column per parameter (columns
starting with ``_`` are metadata, such as weights, and are ignored). Every set is checked
against the parameter file, so a sample with an unknown parameter or an impossible value
is refused with the file, row and column named.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..parameters import ParameterError, ParameterSet

DEFAULT_POSTERIOR = Path(__file__).resolve().parents[2] / "calibration" / "posterior.csv"


class PosteriorError(ValueError):
    """A parameter sample the model cannot use."""


def default_posterior_path() -> Path | None:
    """The calibration posterior, if calibration has been run and committed."""
    return DEFAULT_POSTERIOR if DEFAULT_POSTERIOR.exists() else None


def load_parameter_sample(path: Path | str, base: ParameterSet) -> list[dict[str, float]]:
    path = Path(path)
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise PosteriorError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise PosteriorError(f"{path}: a folder, not a file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise PosteriorError(f"{path}: not a readable CSV ({err})") from None
    columns = [c for c in frame.columns if not str(c).startswith("_")]
    if frame.empty or not columns:
        raise PosteriorError(f"{path}: no parameter sets in the file")
    sample = []
    for row_number, row in enumerate(frame[columns].to_dict("records"), start=2):
        try:
            base.with_overrides(row, where=f"row {row_number}")
        except ParameterError as err:
            raise PosteriorError(f"{path}: {err}") from None
        sample.append({k: float(v) for k, v in row.items()})
    return sample
