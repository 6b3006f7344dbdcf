"""Policy levers: what a scenario changes, from which week, for how long, at what cost.

A lever stores its own arguments (as Covasim's interventions do), so scenarios round-trip
to files. It changes parameters while it is active (``set``, ``add`` or ``multiply``), and
may turn its money into capacity: ``buys`` adds ``cost_per_year * share / unit cost`` to a
parameter, with the unit cost read from the run's own parameter set (so uncertainty in unit
costs flows through); the model then prices that capacity itself (places, staff). A share
below 1 is money spent on people outside the model's population (other clients of community
treatment): it is counted neither as a cost nor as a benefit, so costs and benefits cover
the same people. Money that buys nothing the model prices (co-ordinators, reviews) is
costed as a programme cost.

One-year and sustained money are the same lever with ``weeks: 52`` or ``weeks: null``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..parameters import ParameterError, ParameterSet

Payer = Literal["probation", "health"]


class Change(BaseModel):
    """One parameter change: exactly one of set, add or multiply.

    The amount is a number, or the name of a parameter holding it (so that an uncertain
    effect size lives in the parameter file, with its range)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    set: float | str | None = None
    add: float | str | None = None
    multiply: float | str | None = None

    @model_validator(mode="after")
    def _one_operation(self) -> Change:
        given = [op for op in ("set", "add", "multiply") if getattr(self, op) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of set, add, multiply (got {given or 'none'})")
        if isinstance(self.multiply, float) and self.multiply < 0:
            raise ValueError(f"multiply = {self.multiply} must be >= 0")
        return self

    @property
    def operation(self) -> tuple[str, float | str]:
        return next((op, getattr(self, op)) for op in ("set", "add", "multiply") if getattr(self, op) is not None)

    def parameters_used(self) -> list[str]:
        amount = self.operation[1]
        return [amount] if isinstance(amount, str) else []

    def apply(self, value: float, params: ParameterSet) -> float:
        op, amount = self.operation
        amount = params[amount] if isinstance(amount, str) else amount
        if op == "set":
            return amount
        if op == "add":
            return value + amount
        return value * amount


class Purchase(BaseModel):
    """Capacity bought with the lever's money: ``parameter += cost * share / unit cost``.

    ``share`` is a number, or the name of a parameter holding it (when the share is itself
    uncertain, for example how much of a national treatment budget reaches people on
    probation)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parameter: str
    unit_cost: str  # name of the unit-cost parameter
    share: float | str = 1.0

    @model_validator(mode="after")
    def _share_in_unit_interval(self) -> Purchase:
        if isinstance(self.share, float) and not 0 <= self.share <= 1:
            raise ValueError(f"share = {self.share} must lie in [0, 1]")
        return self

    def share_of(self, params: ParameterSet) -> float:
        return params[self.share] if isinstance(self.share, str) else self.share


class Lever(BaseModel):
    """A policy lever with a start, a duration and a yearly cost (national, GBP 2019/20)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    evidence: str = ""
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

    def programme_cost_per_year(self, params: ParameterSet) -> float:
        """The yearly cost counted as a programme: all of it, unless it buys capacity that
        the model prices itself (its share for people outside the model is out of scope)."""
        return 0.0 if self.buys is not None else self.cost_per_year

    def apply(self, params: ParameterSet) -> ParameterSet:
        """The parameter set with this lever's changes and purchase applied."""
        where = f"lever '{self.name}'"
        updated = {}
        for name, change in self.changes.items():
            for used in [name, *change.parameters_used()]:
                if used not in params:
                    raise ParameterError(f"{where}: unknown parameter '{used}'")
            updated[name] = change.apply(params[name], params)
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
