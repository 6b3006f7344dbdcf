"""Probation regions: a data table (``data/regions.yaml``), not code."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import yaml

from .parameters import DATA_DIR, ParameterError

REGION_FILE = DATA_DIR / "regions.yaml"


@dataclass(frozen=True)
class Region:
    """One probation region and its treatment service arrangement."""

    name: str
    caseload_share: float
    staffing_ratio: float
    same_provider: bool


def load_regions(path: Path | str = REGION_FILE) -> tuple[Region, ...]:
    """Read and check the region table: shares in [0, 1] summing to 1, ratios positive."""
    path = Path(path)
    try:
        rows = yaml.safe_load(path.read_text())["regions"]
        regions = tuple(Region(**row) for row in rows)
    except FileNotFoundError:
        raise ParameterError(f"{path}: region file not found") from None
    except (KeyError, TypeError) as err:
        raise ParameterError(f"{path}: each region needs name, caseload_share, staffing_ratio, same_provider ({err})") from None
    for region in regions:
        if not 0 <= region.caseload_share <= 1:
            raise ParameterError(f"{path}: region '{region.name}' caseload_share = {region.caseload_share} outside [0, 1]")
        if region.staffing_ratio <= 0:
            raise ParameterError(f"{path}: region '{region.name}' staffing_ratio = {region.staffing_ratio} must be > 0")
    total = sum(r.caseload_share for r in regions)
    if abs(total - 1) > 1e-6:
        raise ParameterError(f"{path}: caseload_share sums to {total:.4f}, not 1")
    return regions


def apportion(amounts: np.ndarray) -> np.ndarray:
    """Whole numbers (of places, of practitioners) for regions whose exact shares are
    ``amounts``: the national total rounded, shared by largest remainder, so each region's
    number is within one of its amount. Rounding region by region instead would change the
    national total with the model's scale (at 1:20, about 14.4 practitioners a region all
    round to 14, 3% too few)."""
    amounts = np.asarray(amounts, dtype=float)
    whole = np.floor(amounts).astype(np.int64)
    left = int(np.rint(amounts.sum())) - int(whole.sum())
    if left > 0:
        whole[np.argsort(-(amounts - whole), kind="stable")[:left]] += 1
    return whole


@cache
def default_regions() -> tuple[Region, ...]:
    """The project's region table, read once per process (every model uses it)."""
    return load_regions()
