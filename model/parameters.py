"""The typed, validated parameter set.

Every value lives once, in ``model/data/parameters.yaml``, with its unit, kind, plausible
range and source. This module loads that file into :class:`ParameterSet`, which gives
attribute access (``params.caseload_cap``) and checks every value and override, whatever its
route (parameter file, scenario, lever, posterior, ``ProbationModel(params=...)``): an
unknown name, a value that is not a finite number, a value outside the parameter's limits
(the values the model accepts: see :func:`default_limits`), or a range that does not contain
its own baseline is a :class:`ParameterError` naming the parameter, its value and what is
allowed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Mapping
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

DATA_DIR = Path(__file__).parent / "data"
PARAMETER_FILE = DATA_DIR / "parameters.yaml"

Kind = Literal["probability", "share", "rate", "count", "cost", "multiplier", "weeks", "years"]
UNIT_INTERVAL_KINDS = {"probability", "share"}


class ParameterError(ValueError):
    """A parameter value, name or file that the model cannot use."""


# A parameter's limits, unless its entry gives them: the values the model accepts at all,
# by any route (the plausible ``range`` is narrower). Probabilities and shares lie in [0, 1];
# anything else from 0 to LIMIT_OVER_RANGE times the top of its plausible range, which leaves
# levers room to go past today's values (places doubled, a cap halved) and refuses values no
# policy could mean (1e308 offences a year), which would exhaust memory or run for ever.
LIMIT_OVER_RANGE = 10.0


def default_limits(kind: str, plausible: tuple[float, float]) -> tuple[float, float]:
    """The values a parameter of this kind and plausible range may take, by default."""
    return (0.0, 1.0) if kind in UNIT_INTERVAL_KINDS else (0.0, LIMIT_OVER_RANGE * plausible[1])


def check_value(name: str, value: float, limits: tuple[float, float], where: str = "", positive: bool = False) -> float:
    """Return ``value`` as a float, or raise ParameterError naming the parameter, the value
    and what is allowed: not a finite number (booleans are not numbers here; NumPy's numbers
    are), outside ``limits``, or 0 for a ``positive`` parameter (one the model divides by or
    draws a gamma with)."""
    prefix = f"{where}: " if where else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{prefix}parameter '{name}' must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ParameterError(f"{prefix}parameter '{name}' = {value} must be a finite number")
    low, high = limits
    if not low <= value <= high or (positive and value <= 0):
        opening = "(" if positive and low == 0 else "["
        raise ParameterError(
            f"{prefix}parameter '{name}' = {value} is outside the values the model accepts {opening}{low:g}, {high:g}]"
        )
    return value


class Parameter(BaseModel):
    """One parameter: its value with the evidence behind it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    value: float
    unit: str
    kind: Kind
    range: tuple[float, float]
    source: str
    note: str = ""
    positive: bool = False  # 0 would break the model (it divides by it, or draws a gamma with it)
    limits: tuple[float, float] | None = None  # the values the model accepts; default: default_limits

    @model_validator(mode="after")
    def _consistent(self) -> Parameter:
        kind_limits = default_limits(self.kind, (0.0, math.inf))
        if self.limits is not None:
            for bound in self.limits:
                check_value(self.name, bound, kind_limits)
            if self.limits[0] > self.limits[1]:
                raise ParameterError(f"parameter '{self.name}': limits {list(self.limits)} are not in order")
        low, high = self.range
        for bound in (low, high):
            check_value(self.name, bound, kind_limits if self.limits is None else self.limits, positive=self.positive)
        check_value(self.name, self.value, self.accepted, positive=self.positive)
        if not low <= self.value <= high:
            raise ParameterError(
                f"parameter '{self.name}': baseline {self.value} lies outside its range [{low}, {high}]"
            )
        return self

    @property
    def accepted(self) -> tuple[float, float]:
        """The values the model accepts for this parameter (``limits``, or the default for
        its kind and range)."""
        return self.limits if self.limits is not None else default_limits(self.kind, self.range)

    @property
    def is_assumption(self) -> bool:
        """True when no published value backs the parameter."""
        return self.source.strip().lower().startswith("assumption")


@cache
def _load_file(path: Path) -> tuple[Parameter, ...]:
    try:
        entries = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ParameterError(f"{path}: parameter file not found") from None
    except yaml.YAMLError as err:
        raise ParameterError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(entries, list):
        raise ParameterError(f"{path}: expected a list of parameters")
    parameters = []
    for position, entry in enumerate(entries):
        try:
            parameters.append(Parameter(**entry))
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            label = entry.get("name", f"entry {position}") if isinstance(entry, dict) else position
            raise ParameterError(f"{path}: parameter '{label}', field '{field}': {first['msg']}") from None
    names = [p.name for p in parameters]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ParameterError(f"{path}: parameters defined twice: {sorted(duplicated)}")
    return tuple(parameters)


def _check_together(values: Mapping[str, float], where: str = "") -> None:
    """What no single parameter's limits can say: someone must start supervision."""
    if values.get("court_order_starts_per_year", 1) == 0 and values.get("prison_releases_per_year", 1) == 0:
        prefix = f"{where}: " if where else ""
        raise ParameterError(
            f"{prefix}parameters 'court_order_starts_per_year' and 'prison_releases_per_year' are both 0: no one would "
            "ever start supervision"
        )


class ParameterSet(Mapping[str, float]):
    """Validated parameter values with their definitions.

    Read values as attributes or keys: ``p.caseload_cap`` or ``p["caseload_cap"]``.
    :meth:`with_overrides` returns a new set with some values changed (validated); the
    definitions (unit, range, source) are shared.
    """

    def __init__(self, definitions: tuple[Parameter, ...], values: Mapping[str, float] | None = None):
        self._definitions = {p.name: p for p in definitions}
        self._values = {p.name: p.value for p in definitions}
        if values:
            self._values.update(self._checked(values))
            _check_together(self._values)
        self._as_attributes()

    @classmethod
    def load(cls, path: Path | str = PARAMETER_FILE) -> ParameterSet:
        """The baseline parameter set from a parameter file."""
        return cls(_load_file(Path(path)))

    def with_overrides(self, overrides: Mapping[str, float] | None, where: str = "") -> ParameterSet:
        """A copy with ``overrides`` applied, each checked against its kind."""
        new = ParameterSet.__new__(ParameterSet)
        new._definitions = self._definitions
        new._values = dict(self._values)
        new._values.update(self._checked(overrides or {}, where))
        _check_together(new._values, where)
        new._as_attributes()
        return new

    @cached_property
    def record(self) -> np.ndarray:
        """All values as a one-element structured array, fields named as the parameters:
        how the compiled process kernels read them (``p = P[0]; p.caseload_cap``)."""
        record = np.zeros(1, dtype=[(name, np.float64) for name in self._values])
        for name, value in self._values.items():
            record[name] = value
        return record

    def _as_attributes(self) -> None:
        """Values as plain instance attributes: the weekly processes read them often."""
        self.__dict__.update({k: v for k, v in self._values.items() if not hasattr(type(self), k)})

    def _checked(self, values: Mapping[str, float], where: str = "") -> dict[str, float]:
        checked = {}
        for name, value in values.items():
            if name not in self._definitions:
                prefix = f"{where}: " if where else ""
                raise ParameterError(f"{prefix}unknown parameter '{name}'")
            definition = self._definitions[name]
            checked[name] = check_value(name, value, definition.accepted, where, definition.positive)
        return checked

    def definition(self, name: str) -> Parameter:
        """Unit, kind, range and source of one parameter."""
        return self._definitions[name]

    @property
    def definitions(self) -> list[Parameter]:
        return list(self._definitions.values())

    def assumptions(self) -> list[str]:
        """Names of the parameters with no published source: the uncertain ones."""
        return [p.name for p in self._definitions.values() if p.is_assumption]

    def as_dict(self) -> dict[str, float]:
        return dict(self._values)

    def __getattr__(self, name: str) -> float:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(f"no parameter named '{name}'") from None

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __deepcopy__(self, memo: dict) -> ParameterSet:
        """A parameter set never changes (with_overrides makes a new one), so a copied model
        can share it."""
        return self

    def __getstate__(self) -> dict:
        return {"definitions": tuple(self._definitions.values()), "values": self._values}

    def __setstate__(self, state: dict) -> None:
        self._definitions = {p.name: p for p in state["definitions"]}
        self._values = dict(state["values"])
        self._as_attributes()

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != self._definitions[k].value}
        return f"ParameterSet({len(self)} parameters, changed from baseline: {changed})"
