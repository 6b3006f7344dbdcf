"""Policy levers: what a scenario changes, from which week, for how long, at what cost.

A lever stores its own arguments (as Covasim's interventions do), so scenarios round-trip
to files. It changes parameters while it is active (``set``, ``add`` or ``multiply``), and
may turn its money into capacity: ``buys`` adds ``cost_per_year * share / unit cost`` to a
parameter, with the unit cost read from the run's own parameter set (so uncertainty in unit
costs flows through). Money that buys nothing the model prices itself (co-ordinators,
reviews) is costed as a programme cost.

One-year and sustained money are the same lever with ``weeks: 52`` or ``weeks: null``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .parameters import ParameterError, ParameterSet

Payer = Literal["probation", "health", "custody"]


class Change(BaseModel):
    """One parameter change: exactly one of set, add or multiply."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    set: float | None = None
    add: float | None = None
    multiply: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_operation(self) -> Change:
        given = [op for op in ("set", "add", "multiply") if getattr(self, op) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of set, add, multiply (got {given or 'none'})")
        return self

    def apply(self, value: float) -> float:
        if self.set is not None:
            return self.set
        if self.add is not None:
            return value + self.add
        return value * self.multiply


class Purchase(BaseModel):
    """Capacity bought with the lever's money: ``parameter += cost * share / unit cost``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parameter: str
    unit_cost: str  # name of the unit-cost parameter
    share: float = Field(default=1.0, ge=0, le=1)  # share of the money that buys it


class Lever(BaseModel):
    """A policy lever with a start, a duration and a yearly cost (national, GBP 2019/20)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    start_week: int = Field(default=0, ge=0)
    weeks: int | None = Field(default=None, gt=0)  # None: sustained to the end of the run
    cost_per_year: float = Field(default=0.0, ge=0)
    payer: Payer = "probation"
    changes: dict[str, Change] = Field(default_factory=dict)
    buys: Purchase | None = None

    def active(self, week: int) -> bool:
        if week < self.start_week:
            return False
        return self.weeks is None or week < self.start_week + self.weeks

    @property
    def programme_cost_per_year(self) -> float:
        """The part of the cost not already counted through capacity the model prices."""
        bought = self.buys.share if self.buys is not None else 0.0
        return self.cost_per_year * (1 - bought)

    def apply(self, params: ParameterSet) -> ParameterSet:
        """The parameter set with this lever's changes and purchase applied."""
        where = f"lever '{self.name}'"
        updated = {}
        for name, change in self.changes.items():
            if name not in params:
                raise ParameterError(f"{where}: unknown parameter '{name}'")
            updated[name] = change.apply(params[name])
        params = params.with_overrides(updated, where=where)
        if self.buys is not None:
            for name in (self.buys.parameter, self.buys.unit_cost):
                if name not in params:
                    raise ParameterError(f"{where}: buys: unknown parameter '{name}'")
            unit_cost = params[self.buys.unit_cost]
            if unit_cost <= 0:
                raise ParameterError(f"{where}: buys: unit cost '{self.buys.unit_cost}' must be > 0")
            extra = self.cost_per_year * self.buys.share / unit_cost
            params = params.with_overrides({self.buys.parameter: params[self.buys.parameter] + extra}, where=where)
        return params
