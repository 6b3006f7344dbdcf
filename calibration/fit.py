"""Calibration of the uncertain parameters to the 2019/20 targets by ABC-SMC (pyabc).

Each evaluation runs the model at reduced scale with one candidate parameter set and
returns the fitted targets' model values; the distance is the root mean square of
(model - target) / target standard error, where the standard error is read off the
target's interval (a 95% interval spans about four of them). pyabc's ABC-SMC shrinks the
tolerance generation by generation; its history lives in an SQLite database, one
generation at a time, so an interrupted calibration resumes from the last complete
generation. Beside it a manifest holds the problem's key (a hash of everything that decides
the result: the model's code and data, every parameter value, the priors, targets, scale,
weeks, population size and seed) and, after each generation, a checksum of the saved
generations' particles and weights; a database whose manifest does not match (another
problem, an edited model, altered or damaged generations) is not resumed but started
again, with a one-line warning. Evaluations run on Dask (a local cluster, or
``--scheduler``), like the scenario ensembles.

The result: ``calibration/posterior.csv`` (equally weighted parameter sets, resampled from
the last generation), which ``run_scenarios.py`` draws replicates from.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from tqdm import tqdm

from model import ParameterSet, ProbationModel
from model.experiments.ensemble import OnOneThread, dask_client, model_fingerprint
from model.appraisal.outcomes import model_metrics
from model.experiments.scenarios import ScenarioLibrary

HERE = Path(__file__).resolve().parent
TARGET_FILE = HERE / "targets.yaml"
SETTINGS_FILE = HERE / "settings.yaml"
POSTERIOR_FILE = HERE / "posterior.csv"
DATABASE = HERE / ".abc" / "calibration.db"
Z_95 = 1.959964


@dataclass(frozen=True)
class Target:
    name: str
    metric: str
    value: float
    low: float
    high: float
    use: str  # fitted, held_out, or context (shown, not counted)
    source: str
    note: str = ""
    if_missed: str = ""  # why the model misses it, when it does (said in the report)
    scenario: str = ""  # a scenario whose levers were in force when it was observed (held-out only)

    @property
    def key(self) -> str:
        """The name of the model's value for this target: the metric, under the scenario if any."""
        return f"{self.scenario}: {self.metric}" if self.scenario else self.metric

    @property
    def standard_error(self) -> float:
        """Half the width of a 95% interval, in standard errors (asymmetric intervals are
        read by their wider side)."""
        return max(self.high - self.value, self.value - self.low) / Z_95


def load_targets(path: Path = TARGET_FILE) -> list[Target]:
    rows = yaml.safe_load(path.read_text())
    return [
        Target(r["name"], r["metric"], float(r["value"]), float(r["interval"][0]), float(r["interval"][1]), r["use"], r["source"],
               r.get("note", ""), r.get("if_missed", ""), r.get("scenario", ""))
        for r in rows
    ]


@dataclass(frozen=True)
class Simulator:
    """A picklable model evaluation: parameters in, target metrics out."""

    scale: float
    weeks: int
    metrics: tuple[str, ...]
    fixed: tuple[tuple[str, float], ...] = ()
    scenario: str = ""  # run with this scenario's levers (values named "scenario: metric")

    def __call__(self, parameters) -> dict[str, float]:
        values = {**dict(self.fixed), **{k: float(v) for k, v in dict(parameters).items()}}
        levers = ScenarioLibrary().get(self.scenario).levers if self.scenario else ()
        model = ProbationModel(scale=self.scale, seed=seed_of(values), params=values, levers=levers)
        model.run(self.weeks)
        metrics = model_metrics(model)
        prefix = f"{self.scenario}: " if self.scenario else ""
        return {f"{prefix}{name}": float(metrics[name]) for name in self.metrics}


def seed_of(values: dict[str, float]) -> int:
    """A seed determined by the parameter values, so that an evaluation is reproducible."""
    text = json.dumps(sorted(values.items()))
    return int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)


@dataclass(frozen=True)
class Distance:
    """Root mean square of standardised deviations from the targets."""

    standard_errors: tuple[tuple[str, float], ...]

    def __call__(self, simulated: dict, observed: dict) -> float:
        total = 0.0
        for metric, se in self.standard_errors:
            z = (simulated[metric] - observed[metric]) / se
            total += z * z if math.isfinite(z) else 1e6
        return math.sqrt(total / len(self.standard_errors))


@dataclass
class Calibration:
    """One calibration problem: parameters with uniform priors, targets, run settings."""

    parameters: Sequence[str]
    targets: Sequence[Target]
    scale: float = 0.1
    weeks: int = 104
    population_size: int = 150
    generations: int = 8
    max_minutes: float = 25
    min_acceptance_rate: float = 0.01
    seed: int = 1
    database: Path = DATABASE
    base: ParameterSet = field(default_factory=ParameterSet.load)
    fixed: dict[str, float] = field(default_factory=dict)  # values held fixed in every evaluation

    def priors(self):
        import pyabc

        ranges = {}
        for name in self.parameters:
            low, high = self.base.definition(name).range
            if not high > low:
                raise ValueError(f"parameter '{name}' has no range to calibrate over")
            ranges[name] = pyabc.RV("uniform", low, high - low)
        return pyabc.Distribution(**ranges)

    @property
    def observed(self) -> dict[str, float]:
        return {t.metric: t.value for t in self.targets}

    def simulator(self) -> Simulator:
        return Simulator(self.scale, self.weeks, tuple(t.metric for t in self.targets), tuple(sorted(self.fixed.items())))

    def distance(self) -> Distance:
        return Distance(tuple((t.metric, t.standard_error) for t in self.targets))

    @property
    def key(self) -> str:
        """A hash of everything that decides the calibration's result."""
        content = {
            "model": model_fingerprint(),
            "parameters": self.base.with_overrides(self.fixed).as_dict(),
            "priors": {name: self.base.definition(name).range for name in self.parameters},
            "targets": [(t.metric, t.value, t.standard_error) for t in self.targets],
            "scale": self.scale, "weeks": self.weeks, "population_size": self.population_size, "seed": self.seed,
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:24]

    @property
    def manifest(self) -> Path:
        return self.database.with_name(self.database.name + ".manifest.json")

    def _record(self, generations: int) -> None:
        """After a generation: the problem's key and the checksum of the saved generations."""
        temporary = self.manifest.with_name(self.manifest.name + ".tmp")
        digest = _particles_digest(self.database, generations)
        temporary.write_text(json.dumps({"key": self.key, "generations": generations, "particles": digest}))
        temporary.replace(self.manifest)

    def _resumable(self) -> bool:
        """Whether the saved generations belong to this problem and are as they were written
        (a generation finished after the manifest was last written, by a run stopped between
        the two, is kept); if not, they are removed with a one-line warning (and the
        calibration starts again)."""
        if not self.database.exists():
            return False
        try:
            manifest = json.loads(self.manifest.read_text())
            if manifest.get("key") != self.key:
                problem = "are for another problem (model, parameters, targets or settings changed)"
            elif manifest.get("particles") != _particles_digest(self.database, int(manifest.get("generations", 0))):
                problem = "do not match their checksum (altered or damaged)"
            else:
                return True
        except (OSError, ValueError):
            problem = "have no readable manifest"
        print(f"warning: the saved generations in {self.database} {problem}: starting again", file=sys.stderr)
        self.database.unlink()
        return False

    def run(self, workers: int = 0, scheduler: str | None = None, fresh: bool = False, progress: bool = True) -> pd.DataFrame:
        """Run (or resume) ABC-SMC; returns the last generation's particles with weights."""
        import pyabc

        logging.getLogger("ABC").setLevel(logging.WARNING)
        logging.getLogger("distributed").setLevel(logging.ERROR)
        np.random.seed(self.seed)
        self.database.parent.mkdir(parents=True, exist_ok=True)
        if fresh and self.database.exists():
            self.database.unlink()
        self._resumable()
        db = f"sqlite:///{self.database}"
        start = time.monotonic()
        with dask_client(workers, scheduler) as client:
            history = pyabc.History(db) if self.database.exists() else None
            done = history.max_t + 1 if history is not None and history.n_populations else 0
            bar = tqdm(total=self.generations, initial=min(done, self.generations), desc="ABC-SMC generations",
                       unit="gen", disable=not progress, dynamic_ncols=True)
            while done < self.generations:
                if time.monotonic() - start > self.max_minutes * 60:
                    break
                sampler = pyabc.sampler.DaskDistributedSampler(client, batch_size=4) if client else pyabc.sampler.SingleCoreSampler()
                simulator = self.simulator()
                if client:  # one thread for the compiled loops in each task, under the model's own name (resumes either way)
                    simulator = pyabc.FunctionModel(OnOneThread(simulator), name=type(simulator).__name__)
                abc = pyabc.ABCSMC(
                    simulator, self.priors(), self.distance(), population_size=self.population_size, sampler=sampler
                )
                if done == 0:
                    abc.new(db, self.observed)
                else:
                    abc.load(db, _latest_run(db))
                remaining = timedelta(seconds=max(self.max_minutes * 60 - (time.monotonic() - start), 1))
                history = abc.run(max_nr_populations=1, max_walltime=remaining, min_acceptance_rate=self.min_acceptance_rate)
                self._record(history.max_t + 1)
                populations = history.get_all_populations()
                last = populations.iloc[-1]
                bar.update(1)
                bar.set_postfix(eps=f"{last['epsilon']:.3g}", sims=int(history.total_nr_simulations))
                done = history.max_t + 1
                rate = last["particles"] / max(last["samples"], 1)
                if done > 1 and rate < self.min_acceptance_rate:
                    break
            bar.close()
        return posterior_particles(db)


def _particles_digest(database: Path, generations: int) -> str:
    """A checksum of the particles and weights of generations 0 to ``generations - 1`` in
    ``database`` ("" if they cannot be read: too few generations, or a damaged file)."""
    import pyabc

    digest = hashlib.sha256()
    try:
        history = pyabc.History(f"sqlite:///{database}", _id=_latest_run(f"sqlite:///{database}"))
        if generations < 1 or history.max_t + 1 < generations:
            return ""
        for t in range(generations):
            frame, weights = history.get_distribution(m=0, t=t)
            rows = pd.util.hash_pandas_object(frame.reset_index(drop=True).sort_index(axis=1), index=False)
            digest.update(rows.to_numpy().tobytes() + np.asarray(weights, dtype=float).tobytes())
    except Exception:  # noqa: BLE001 - SQLAlchemy and pyabc raise many kinds for a damaged or foreign file
        return ""
    return digest.hexdigest()


def _latest_run(db: str) -> int:
    import pyabc

    return int(pyabc.History(db).all_runs()[-1].id)


def posterior_particles(db: str) -> pd.DataFrame:
    """The last generation's parameters with a ``_weight`` column."""
    import pyabc

    history = pyabc.History(db, _id=_latest_run(db))
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    frame = frame.reset_index(drop=True)
    frame["_weight"] = weights / weights.sum()
    return frame


def resample(particles: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """Equally weighted parameter sets drawn from weighted particles (systematic resampling)."""
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(particles["_weight"].to_numpy())
    positions = (rng.random() + np.arange(size)) / size
    chosen = np.searchsorted(cumulative / cumulative[-1], positions)
    sample = particles.drop(columns="_weight").iloc[chosen].reset_index(drop=True)
    return sample.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # replicate r gets a random draw
