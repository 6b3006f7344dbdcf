"""Probation regions: a data table (``data/regions.yaml``), not code."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

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


@cache
def default_regions() -> tuple[Region, ...]:
    """The project's region table, read once per process (every model uses it)."""
    return load_regions()
