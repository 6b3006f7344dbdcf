"""The typed, validated parameter set.

Every value lives once, in ``model/data/parameters.yaml``, with its unit, kind, plausible
range and source. This module loads that file into :class:`ParameterSet`, which gives
attribute access (``params.caseload_cap``) and checks every value and override: an unknown
name, a probability outside [0, 1], a negative count or cost, or a range that does not
contain its own baseline is a :class:`ParameterError` naming the parameter, its value and
what is allowed.
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


def allowed_interval(kind: str) -> tuple[float, float]:
    """The values a parameter of this kind may take at all (its range is narrower)."""
    return (0.0, 1.0) if kind in UNIT_INTERVAL_KINDS else (0.0, float("inf"))


def check_value(name: str, kind: str, value: float, where: str = "", positive: bool = False) -> float:
    """Return ``value`` as a float, or raise ParameterError if a `kind` cannot take it: not a
    finite number (booleans are not numbers here; NumPy's numbers are), outside [0, 1] for a
    probability or share, below 0 otherwise, or 0 for a ``positive`` parameter (one the
    model divides by or draws a gamma with)."""
    prefix = f"{where}: " if where else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{prefix}parameter '{name}' must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ParameterError(f"{prefix}parameter '{name}' = {value} must be a finite number")
    low, high = allowed_interval(kind)
    if not low <= value <= high or (positive and value <= 0):
        allowed = "(0, 1]" if positive and high == 1.0 else ("[0, 1]" if high == 1.0 else ("> 0" if positive else ">= 0"))
        raise ParameterError(
            f"{prefix}parameter '{name}' = {value} is outside the allowed range {allowed} for a {kind}"
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

    @model_validator(mode="after")
    def _consistent(self) -> Parameter:
        check_value(self.name, self.kind, self.value, positive=self.positive)
        low, high = self.range
        for bound in (low, high):
            check_value(self.name, self.kind, bound, positive=self.positive)
        if not low <= self.value <= high:
            raise ParameterError(
                f"parameter '{self.name}': baseline {self.value} lies outside its range [{low}, {high}]"
            )
        return self

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
            checked[name] = check_value(name, definition.kind, value, where, definition.positive)
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
