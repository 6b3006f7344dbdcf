"""Funding scenarios as data: loading, validating and resolving scenario files.

``scenarios/levers.yaml`` defines each policy lever once (what it changes, from which week,
for how long, what it costs a year and who pays). A scenario file names the levers it
uses, optionally with overrides (``{lever: community_treatment_one_year, weeks: null}``
turns one-year money into sustained money), and may ``extend`` another scenario: it then
has the parent's levers and parameters plus its own, a lever of the same name replacing
the parent's. A lever may also be written out in full in a scenario file (as
:meth:`Scenario.to_dict` does, so a resolved scenario round-trips to a file).

Every problem is a :class:`ScenarioError` whose message names the file and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, StrictFloat, StrictInt, ValidationError

from .levers import Lever
from ..parameters import ParameterError, ParameterSet

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
LEVER_FILE_NAME = "levers.yaml"


class ScenarioError(ValueError):
    """A scenario or lever file the model cannot use; the message names file and field."""


class ScenarioFile(BaseModel):
    """The schema of one scenario file."""

    model_config = ConfigDict(extra="forbid")

    title: str
    description: str = ""
    extends: str | None = None
    levers: list[str | dict[str, Any]] = []
    parameters: dict[str, StrictFloat | StrictInt] = {}  # checked against each parameter's kind and range


@dataclass(frozen=True)
class Scenario:
    """A resolved scenario: its levers and parameter overrides, parents included."""

    name: str
    title: str
    description: str = ""
    levers: tuple[Lever, ...] = ()
    parameters: dict[str, float] = field(default_factory=dict)
    extends: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A self-contained scenario file (levers written out in full, no ``extends``)."""
        return {
            "title": self.title,
            "description": self.description,
            "levers": [lever.model_dump(exclude_defaults=True) for lever in self.levers],
            "parameters": dict(self.parameters),
        }

    @property
    def yearly_cost(self) -> float:
        return sum(lever.cost_per_year for lever in self.levers)


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return f"{where}: {first['msg']}"


MAX_FILE_BYTES = 1_000_000  # a scenario or lever file is a few kilobytes; larger is a mistake


def _read_yaml(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError(f"{path}: file larger than {MAX_FILE_BYTES:,} bytes; not a scenario file")
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: a folder, not a file") from None
    except UnicodeDecodeError as err:
        raise ScenarioError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except RecursionError:
        raise ScenarioError(f"{path}: nested too deeply") from None
    except yaml.YAMLError as err:
        raise ScenarioError(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from None


class ScenarioLibrary:
    """The scenarios and levers of one folder.

    With ``fallback`` (another library, usually the project's ``scenarios/``), levers and
    scenarios this folder does not define are taken from there: a scenario file kept
    anywhere can name the project's levers and extend its scenarios."""

    def __init__(
        self, directory: Path | str = SCENARIO_DIR, base: ParameterSet | None = None, fallback: ScenarioLibrary | None = None
    ):
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise ScenarioError(f"{self.directory}: scenario folder not found")
        self.base = base or ParameterSet.load()
        self.fallback = fallback
        self.lever_file = self.directory / LEVER_FILE_NAME
        self.levers = {**(fallback.levers if fallback else {}), **self._load_levers()}
        self.files = {p.stem: p for p in sorted(self.directory.glob("*.yaml")) if p.name != LEVER_FILE_NAME}
        self._resolved: dict[str, Scenario] = {}

    def _load_levers(self) -> dict[str, Lever]:
        if not self.lever_file.exists():
            return {}
        raw = _read_yaml(self.lever_file) or {}
        if not isinstance(raw, dict):
            raise ScenarioError(f"{self.lever_file}: expected a mapping of lever names to levers")
        levers = {}
        for name, body in raw.items():
            if not isinstance(body, dict):
                raise ScenarioError(f"{self.lever_file}: {name}: expected a mapping of lever fields")
            levers[name] = self._lever(self.lever_file, f"{name}", {"name": name, **body})
        return levers

    def _lever(self, path: Path, where: str, body: dict[str, Any]) -> Lever:
        try:
            lever = Lever(**body)
        except ValidationError as err:
            raise ScenarioError(f"{path}: {where}.{_first_error(err)}") from None
        try:
            lever.apply(self.base)  # unknown parameters, probabilities pushed outside [0, 1]
        except ParameterError as err:
            raise ScenarioError(f"{path}: {where}: {err}") from None
        return lever

    @property
    def names(self) -> list[str]:
        return list(self.files)

    def get(self, name: str) -> Scenario:
        """The resolved scenario of this name (its file stem)."""
        return self._resolve(name, chain=())

    def all(self) -> list[Scenario]:
        """Every scenario, baseline first."""
        names = sorted(self.names, key=lambda n: (n != "baseline", n))
        return [self.get(n) for n in names]

    def _resolve(self, name: str, chain: tuple[str, ...]) -> Scenario:
        if name in self._resolved:
            return self._resolved[name]
        if name not in self.files and self.fallback is not None and name in self.fallback.files:
            return self.fallback.get(name)
        if name not in self.files:
            known = ", ".join(self.names)
            raise ScenarioError(f"{self.directory}: unknown scenario '{name}' (known: {known})")
        path = self.files[name]
        raw = _read_yaml(path)
        if not isinstance(raw, dict):
            raise ScenarioError(f"{path}: expected a mapping with title, levers, ...")
        try:
            spec = ScenarioFile(**raw)
        except ValidationError as err:
            raise ScenarioError(f"{path}: {_first_error(err)}") from None

        levers: dict[str, Lever] = {}
        parameters: dict[str, float] = {}
        if spec.extends is not None:
            if spec.extends in chain + (name,):
                raise ScenarioError(f"{path}: extends: '{spec.extends}' would make a cycle ({' -> '.join(chain + (name, spec.extends))})")
            if spec.extends not in self.files and not (self.fallback and spec.extends in self.fallback.files):
                raise ScenarioError(f"{path}: extends: unknown scenario '{spec.extends}' (known: {', '.join(self.names)})")
            parent = self._resolve(spec.extends, chain + (name,))
            levers = {lever.name: lever for lever in parent.levers}
            parameters = dict(parent.parameters)
        for position, item in enumerate(spec.levers):
            lever = self._lever_item(path, position, item, levers)
            levers[lever.name] = lever
        parameters.update(spec.parameters)
        try:
            check_as_run(self.base.with_overrides(parameters, where="parameters"), tuple(levers.values()))
        except ParameterError as err:
            raise ScenarioError(f"{path}: {err}") from None
        scenario = Scenario(name, spec.title, spec.description, tuple(levers.values()), parameters, spec.extends)
        self._resolved[name] = scenario
        return scenario

    def _lever_item(self, path: Path, position: int, item: str | dict[str, Any], inherited: dict[str, Lever]) -> Lever:
        """A lever named in a scenario file, with its overrides applied to the lever as the
        parent scenario has it (``inherited``), or else as the lever file defines it."""
        where = f"levers.{position}"
        if isinstance(item, str):
            item = {"lever": item}
        if "lever" in item:
            name = item["lever"]
            if name not in self.levers:
                known = ", ".join(self.levers)
                raise ScenarioError(f"{path}: {where}.lever: unknown lever '{name}' (known: {known})")
            overrides = {k: v for k, v in item.items() if k != "lever"}
            body = {**inherited.get(name, self.levers[name]).model_dump(), **overrides}
            return self._lever(path, f"{where} ({name})", body)
        return self._lever(path, where, item)


def check_as_run(params: ParameterSet, levers: tuple[Lever, ...]) -> None:
    """Apply the levers as a run does, on top of the scenario's parameters: each alone, and
    all together in order (as when they are active at once), so that a value a lever would
    push out of bounds is found before running."""
    for lever in levers:
        lever.apply(params)
    for lever in levers:
        params = lever.apply(params)


def write_scenario(scenario: Scenario, path: Path | str) -> None:
    """Write a resolved scenario as a self-contained scenario file."""
    Path(path).write_text(yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True))
