"""Policy levers: what a scenario changes, from which week, for how long, at what cost.

A lever stores its own arguments (as Covasim's interventions do), so scenarios round-trip
to files. Its money (``cost_per_year``) is its dose, turned into what it buys in one of two
ways, each through a unit cost read from the run's own parameter set (so uncertainty in unit
costs flows through):

- ``buys`` capacity: ``cost_per_year * share / unit cost`` is added to a parameter (places,
  practitioners), which the model then prices itself as it is used. A share below 1 is
  money spent on people outside the model's population (other clients of community
  treatment): counted neither as a cost nor as a benefit.
- ``reaches`` people: the money buys ``cost_per_year / unit cost`` units (co-ordinators,
  tests, reviews, kits); ``units`` of them give the lever's stated ``changes`` in full, and
  fewer give that share of the change (a parameter moves that share of the way from its
  value to the changed one), more give no more. Such money is a programme cost.

What follows from the capacity or the reach (who is referred, queues, drop-out, offending)
is left to the model: diminishing returns come from there, not from a formula here.
One-year and sustained money are the same lever with ``weeks: 52`` or ``weeks: null``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, model_validator

from ..parameters import ParameterError, ParameterSet

Payer = Literal["probation", "health"]
Number = StrictFloat | StrictInt  # true and false are not numbers here


class Change(BaseModel):
    """One parameter change: exactly one of set, add or multiply.

    The amount is a number, or the name of a parameter holding it (so that an uncertain
    effect size lives in the parameter file, with its range)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    set: Number | str | None = None
    add: Number | str | None = None
    multiply: Number | str | None = None

    @model_validator(mode="after")
    def _one_operation(self) -> Change:
        given = [op for op in ("set", "add", "multiply") if getattr(self, op) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of set, add, multiply (got {given or 'none'})")
        if isinstance(self.multiply, (int, float)) and self.multiply < 0:
            raise ValueError(f"multiply = {self.multiply} must be >= 0")
        return self

    @property
    def operation(self) -> tuple[str, float | str]:
        return next((op, getattr(self, op)) for op in ("set", "add", "multiply") if getattr(self, op) is not None)

    def parameters_used(self) -> list[str]:
        """The parameter an amount names, if it is a name (written as a string in the file)."""
        amount = self.operation[1]
        return [amount] if isinstance(amount, str) else []

    def apply(self, value: float, params: ParameterSet, reach: float = 1.0) -> float:
        """The changed value; with ``reach`` below 1, that share of the way from ``value``."""
        op, amount = self.operation
        amount = params[amount] if isinstance(amount, str) else amount
        full = amount if op == "set" else (value + amount if op == "add" else value * amount)
        return full if reach >= 1 else value + reach * (full - value)


class Purchase(BaseModel):
    """Capacity bought with the lever's money: ``parameter += cost * share / unit cost``.

    ``share`` is a number, or the name of a parameter holding it (when the share is itself
    uncertain, for example how much of a national treatment budget reaches people on
    probation)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parameter: str
    unit_cost: str  # name of the unit-cost parameter
    share: Number | str = 1.0

    @model_validator(mode="after")
    def _share_in_unit_interval(self) -> Purchase:
        if isinstance(self.share, (int, float)) and not 0 <= self.share <= 1:
            raise ValueError(f"share = {self.share} must lie in [0, 1]")
        return self

    def share_of(self, params: ParameterSet) -> float:
        return params[self.share] if isinstance(self.share, str) else self.share


class Reach(BaseModel):
    """Units bought with the lever's money (``cost_per_year / unit cost``) against the
    ``units`` that give its stated changes in full. ``units`` is a number or the name of a
    parameter holding it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unit_cost: str  # name of the unit-cost parameter
    units: Number | str

    @model_validator(mode="after")
    def _some_units(self) -> Reach:
        if isinstance(self.units, (int, float)) and not self.units > 0:
            raise ValueError(f"units = {self.units} must be > 0")
        return self

    def share(self, cost_per_year: float, params: ParameterSet) -> float:
        units = params[self.units] if isinstance(self.units, str) else self.units
        return min(cost_per_year / params[self.unit_cost] / units, 1.0) if units > 0 else 1.0


class Lever(BaseModel):
    """A policy lever with a start, a duration and a yearly cost (national, GBP 2019/20)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    evidence: str = ""
    start_week: int = Field(default=0, ge=0)
    weeks: int | None = Field(default=None, gt=0)  # None: sustained to the end of the run
    cost_per_year: Number = Field(default=0.0, ge=0, allow_inf_nan=False)
    payer: Payer = "probation"
    changes: dict[str, Change] = Field(default_factory=dict)
    buys: Purchase | None = None
    reaches: Reach | None = None
    primary: dict[str, Literal["up", "down"]] = Field(default_factory=dict)  # measures it is meant to move
    side_effects: list[str] = Field(default_factory=list)  # measures it also moves, worth showing

    @model_validator(mode="after")
    def _one_dose(self) -> Lever:
        if self.reaches is not None and not self.changes:
            raise ValueError("reaches: a lever that reaches people must say what it changes (changes)")
        if self.reaches is not None and self.buys is not None:
            raise ValueError("a lever's money either buys capacity (buys) or reaches people (reaches), not both")
        return self

    def active(self, week: int) -> bool:
        if week < self.start_week:
            return False
        return self.weeks is None or week < self.start_week + self.weeks

    def other_clients_per_year(self, params: ParameterSet) -> float:
        """The yearly money a capacity lever spends on people outside the model (its share
        below 1): out of the scenario's scope, shown as a memo line."""
        return self.cost_per_year * (1 - self.buys.share_of(params)) if self.buys is not None else 0.0

    def programme_cost_per_year(self, params: ParameterSet) -> float:
        """The yearly cost counted as a programme: all of it, unless it buys capacity that
        the model prices itself (its share for people outside the model is out of scope)."""
        return 0.0 if self.buys is not None else self.cost_per_year

    def reach(self, params: ParameterSet) -> float:
        """The share of the stated changes that the lever's money reaches (1 without ``reaches``)."""
        if self.reaches is None:
            return 1.0
        where = f"lever '{self.name}': reaches"
        for name in [self.reaches.unit_cost] + ([self.reaches.units] if isinstance(self.reaches.units, str) else []):
            if name not in params:
                raise ParameterError(f"{where}: unknown parameter '{name}'")
        if params[self.reaches.unit_cost] <= 0:
            raise ParameterError(f"{where}: unit cost '{self.reaches.unit_cost}' must be > 0")
        return self.reaches.share(self.cost_per_year, params)

    def apply(self, params: ParameterSet) -> ParameterSet:
        """The parameter set with this lever's changes (at its reach) and purchase applied."""
        where = f"lever '{self.name}'"
        updated = {}
        reach = self.reach(params)
        for name, change in self.changes.items():
            for used in [name, *change.parameters_used()]:
                if used not in params:
                    hint = " (an amount in quotes names a parameter; write a number without quotes)" if used != name else ""
                    raise ParameterError(f"{where}: unknown parameter '{used}'{hint}")
            updated[name] = change.apply(params[name], params, reach)
        params = params.with_overrides(updated, where=where)
        if self.buys is not None:
            names = [self.buys.parameter, self.buys.unit_cost] + ([self.buys.share] if isinstance(self.buys.share, str) else [])
            for name in names:
                if name not in params:
                    raise ParameterError(f"{where}: buys: unknown parameter '{name}'")
            unit_cost = params[self.buys.unit_cost]
            if unit_cost <= 0:
                raise ParameterError(f"{where}: buys: unit cost '{self.buys.unit_cost}' must be > 0")
            extra = self.cost_per_year * self.buys.share_of(params) / unit_cost
            params = params.with_overrides({self.buys.parameter: params[self.buys.parameter] + extra}, where=where)
        return params
