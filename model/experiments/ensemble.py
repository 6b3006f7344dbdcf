"""Ensembles of runs: paired replications, a resumable cache, and Dask distributed.

Replication ``r`` gets the same seed in every scenario (common random numbers), and, when
a parameter sample is given (the calibration posterior), the same parameter set too, so
scenario differences are paired. Each finished run is written to the cache at once, under
a key that hashes everything that determines it (the resolved parameter values, levers,
scale, weeks, seed, and the model's code and data: :func:`model_fingerprint`), with a
manifest of checksums and columns checked on every read; an interrupted ensemble resumes
from the cache without recomputing finished runs, and a cached run that fails its checks
is computed again. Runs go serially (``workers=0``), on a local Dask
cluster (one worker process per core), or on an existing cluster (``scheduler``): the
results are identical, because each run depends only on its own specification.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from ..appraisal.costs import COST_LINES, MEMO_LINES, QALY_LINES, priced
from ..model import FLOWS, STOCKS, ProbationModel, region_columns
from ..regions import default_regions
from ..parameters import ParameterSet
from .levers import Lever
from .scenarios import Scenario

if TYPE_CHECKING:
    from dask.distributed import Client

PACKAGE = Path(__file__).resolve().parents[1]
# The files whose content decides a run's result: the simulation, the pricing of its weekly
# record, how levers change parameters, and the data files. (Reports and the economics are
# worked out from the cached runs each time, so editing them keeps the cache.)
RESULT_FILES = ("*.py", "processes/*.py", "appraisal/costs.py", "experiments/levers.py", "data/*.yaml")
WEEKLY_COLUMNS = ("week", *FLOWS, *STOCKS, *region_columns(len(default_regions())), *COST_LINES, *QALY_LINES, *MEMO_LINES)  # a cached run's weekly frame


@cache
def model_fingerprint(package: Path = PACKAGE) -> str:
    """A hash of every file that decides a run's result (:data:`RESULT_FILES`): any edit to
    the model's code or data gives cached runs new keys, so none is reused stale."""
    digest = hashlib.sha256()
    for pattern in RESULT_FILES:
        for path in sorted(package.glob(pattern)):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def replicate_seed(base_seed: int, replicate: int) -> int:
    """The seed of replicate ``r``: the same in every scenario, independent across replicates."""
    return int(np.random.SeedSequence([base_seed, replicate]).generate_state(1, dtype=np.uint64)[0] >> 1)


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines one run."""

    scenario: str
    replicate: int
    seed: int
    scale: float
    weeks: int
    levers: tuple[Lever, ...] = ()
    parameters: dict[str, float] = field(default_factory=dict)

    @cached_property  # worked out once: the cache asks for it several times a run
    def key(self) -> str:
        """A hash of everything that decides the run: the model's code and data, every
        parameter's resolved value (the parameter file's, with this run's overrides), levers,
        scale, weeks and seed."""
        content = {
            "model": model_fingerprint(),
            "seed": self.seed,
            "scale": self.scale,
            "weeks": self.weeks,
            "levers": [lever.model_dump() for lever in self.levers],
            "parameters": ParameterSet.load().with_overrides(self.parameters).as_dict(),
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:24]


@dataclass
class RunResult:
    spec: RunSpec
    weekly: pd.DataFrame  # one row per week: week, the model's columns, and their costs (model.appraisal.costs)
    cohorts: pd.DataFrame  # one-year proven reoffending by yearly cohort


def simulate(spec: RunSpec) -> RunResult:
    """Run one model to the end (a pure function of its spec: safe on any worker)."""
    model = ProbationModel(scale=spec.scale, seed=spec.seed, params=spec.parameters, levers=spec.levers)
    return _finish(model, spec)


def simulate_alike(specs: Sequence[RunSpec]) -> list[RunResult]:
    """Runs that differ only in their levers, with the warm-up simulated once and copied:
    the same results as :func:`simulate` of each, since levers start at week 0 or later."""
    first = specs[0]
    for spec in specs[1:]:
        if (spec.seed, spec.scale, spec.weeks, spec.parameters) != (first.seed, first.scale, first.weeks, first.parameters):
            raise ValueError("simulate_alike: runs must differ only in their levers")
    warmed_up = ProbationModel(scale=first.scale, seed=first.seed, params=first.parameters)
    results = [_finish(warmed_up.with_levers(spec.levers), spec) for spec in specs[:-1]]
    warmed_up.levers = tuple(specs[-1].levers)  # the last run goes on in the warmed-up model itself
    return [*results, _finish(warmed_up, specs[-1])]


def _finish(model: ProbationModel, spec: RunSpec) -> RunResult:
    model.run(spec.weeks)
    weekly = priced(model.datacollector.get_model_vars_dataframe().reset_index(drop=True), model.base_params, model.levers, model.scale)
    weekly.insert(0, "week", np.arange(len(weekly)))
    return RunResult(spec, weekly, model.cohort_reoffending())


def build_specs(
    scenarios: Sequence[Scenario],
    replicates: int,
    seed: int,
    scale: float,
    weeks: int,
    parameter_sample: Sequence[dict[str, float]] | None = None,
) -> list[RunSpec]:
    """Paired specs: replicate r of every scenario shares its seed and parameter draw."""
    specs = []
    for scenario in scenarios:
        for r in range(replicates):
            draw = dict(parameter_sample[r % len(parameter_sample)]) if parameter_sample else {}
            params = {**draw, **scenario.parameters}
            specs.append(RunSpec(scenario.name, r, replicate_seed(seed, r), scale, weeks, scenario.levers, params))
    return specs


class CacheError(ValueError):
    """A cached run that fails its checks (missing, altered, another run's, cut short)."""


class RunCache:
    """Finished runs on disk: per run, two Parquet files and a manifest (the run's key, each
    file's SHA-256 and the weekly columns), each written atomically, the manifest last (its
    presence marks the run done). Every read checks the manifest against the files."""

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _paths(self, key: str) -> tuple[Path, Path, Path]:
        stem = self.directory / key
        return stem.with_suffix(".weekly.parquet"), stem.with_suffix(".cohorts.parquet"), stem.with_suffix(".json")

    def has(self, spec: RunSpec) -> bool:
        """Whether a finished run is cached for ``spec`` (its files are checked on :meth:`load`)."""
        return self._paths(spec.key)[2].exists()

    def save(self, result: RunResult) -> None:
        key = result.spec.key
        weekly_path, cohorts_path, manifest_path = self._paths(key)
        _write_atomic(lambda path: result.cohorts.to_parquet(path, index=False), cohorts_path)
        _write_atomic(lambda path: result.weekly.to_parquet(path, index=False), weekly_path)
        manifest = {
            "key": key, "weekly": _sha256(weekly_path), "cohorts": _sha256(cohorts_path),
            "columns": list(result.weekly.columns),
        }
        _write_atomic(lambda path: path.write_text(json.dumps(manifest)), manifest_path)

    def load(self, spec: RunSpec) -> RunResult:
        """The cached run of ``spec``; :class:`CacheError` if it fails a check."""
        key = spec.key
        weekly_path, cohorts_path, manifest_path = self._paths(key)
        try:
            manifest = json.loads(manifest_path.read_text())
            if manifest.get("key") != key:
                raise CacheError("its manifest is another run's")
            for name, path in (("weekly", weekly_path), ("cohorts", cohorts_path)):
                if _sha256(path) != manifest.get(name):
                    raise CacheError(f"{path.name} does not match its checksum")
            weekly, cohorts = pd.read_parquet(weekly_path), pd.read_parquet(cohorts_path)
        except (OSError, ValueError) as err:  # missing or unreadable files, bad JSON or Parquet
            raise CacheError(f"cached run {key} in {self.directory}: {err}") from None
        if tuple(weekly.columns) != WEEKLY_COLUMNS or len(weekly) != spec.weeks:
            raise CacheError(f"cached run {key} in {self.directory}: not the expected weekly columns and weeks")
        return RunResult(spec, weekly, cohorts)

    def verified(self, spec: RunSpec) -> RunResult | None:
        """The cached run of ``spec`` if there is one that passes its checks; a cached run
        that fails them is reported in one line (and computed again by the caller)."""
        if not self.has(spec):
            return None
        try:
            return self.load(spec)
        except CacheError as err:
            print(f"warning: {err}; computing it again", file=sys.stderr)
            return None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_atomic(write: Callable[[Path], object], path: Path) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(temporary)
    os.replace(temporary, path)


def run_ensemble(
    specs: Sequence[RunSpec],
    cache: RunCache,
    workers: int = 0,
    scheduler: str | None = None,
    progress: bool = True,
    function: Callable[[RunSpec], RunResult] = simulate,
    on_progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[RunResult]:
    """Run every spec not already in the cache, then return all results in spec order.

    ``workers=0`` runs serially in this process; otherwise a local Dask cluster with that
    many worker processes, or the cluster at ``scheduler`` (``tcp://host:port``). Besides the
    progress bar, ``on_progress(done, total)`` is told of each finished run; when ``stop()``
    turns true the runs still going are abandoned (:class:`Cancelled`; those finished are
    cached).
    """
    found = {spec.key: cache.verified(spec) for spec in specs}
    todo = [spec for spec in specs if found[spec.key] is None]
    bar = tqdm(total=len(specs), initial=len(specs) - len(todo), desc="runs", unit="run", disable=not progress, dynamic_ncols=True)
    done = len(specs) - len(todo)
    if on_progress:
        on_progress(done, len(specs))
    try:
        with dask_client(workers if todo else 0, scheduler if todo else None) as client:
            results = (function(spec) for spec in todo) if client is None else results_as_completed(client, function, todo)
            for result in results:
                cache.save(result)
                found[result.spec.key] = result
                bar.update()
                done += 1
                if on_progress:
                    on_progress(done, len(specs))
                if INTERRUPTED.is_set():
                    raise KeyboardInterrupt
                if stop and stop() and done < len(specs):
                    raise Cancelled(f"stopped after {done} of {len(specs)} runs (those finished are cached)")
    finally:
        bar.close()
    return [RunResult(spec, found[spec.key].weekly, found[spec.key].cohorts) for spec in specs]


# Set by the commands' Ctrl-C handler (model.experiments.cli.run_command) and checked after each
# finished run: a KeyboardInterrupt raised while Dask's client is busy can be caught inside it.
INTERRUPTED = threading.Event()


class Cancelled(Exception):
    """An ensemble stopped on request before all its runs were done."""


@contextmanager
def dask_client(workers: int, scheduler: str | None) -> Iterator[Client | None]:
    """The Dask client that scenario ensembles, calibration and sensitivity analysis share:
    ``None`` to run serially (``workers=0`` and no scheduler), a client of the cluster at
    ``scheduler``, or of a local cluster of ``workers`` single-threaded processes; closed
    (with its local cluster) when the block ends."""
    if scheduler is None and workers == 0:
        yield None
        return
    from dask.distributed import Client

    cluster = None if scheduler else local_cluster(workers)
    client = Client(scheduler or cluster)
    try:
        yield client
    except KeyboardInterrupt:
        for name in ("distributed", "tornado", "asyncio"):  # workers killed mid-task: no tracebacks on Ctrl-C
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, so that they hand freed memory
# back to the system at once. The model allocates and frees arrays every week, and with that
# setting runs about 1.6 times slower (0.44 s against 0.28 s an evaluation, measured); workers
# started here keep the C library's own, adaptive threshold. They also leave out Dask's
# statistical profiler, which samples every thread's stack 100 times a second for a dashboard
# these clusters do not serve (and which takes Python's lock from the model to do so), and
# check their event loop's health every half second instead of every 20 ms (each check takes
# Python's lock from the model: sensitivity evaluations 3.5 to 4.5% quicker, measured in
# alternating clusters; Dask still warns of a loop blocked for over its 3 s limit).
WORKER_ENVIRONMENT = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
}


def local_cluster(workers: int):
    """A Dask cluster of ``workers`` single-threaded processes on this machine, set up as
    :data:`WORKER_ENVIRONMENT` says."""
    import dask
    from dask.distributed import LocalCluster

    with dask.config.set(WORKER_ENVIRONMENT):
        return LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
        )


def results_as_completed(client: Client, function: Callable, items: Sequence) -> Iterator:
    """Results of ``function`` over ``items`` on Dask, as each finishes (failed tasks retried),
    with the model's compiled loops on one thread in each task (:class:`OnOneThread`)."""
    from dask.distributed import as_completed

    for future in as_completed(client.map(OnOneThread(function), items, pure=False, retries=2)):
        yield future.result()


@dataclass(frozen=True)
class OnOneThread:
    """``function`` with the model's compiled loops on one thread: the workers already share
    the cores, and at full scale the loops would otherwise use them all. (Numba's thread count
    is set per calling thread, so it is set in the thread that runs the task; setting
    ``NUMBA_NUM_THREADS`` for the workers instead would leak into this process's environment,
    as Dask's nanny sets it there before starting them.)"""

    function: Callable

    def __call__(self, item):
        import numba

        numba.set_num_threads(1)
        return self.function(item)


def tidy_weekly(results: Iterable[RunResult]) -> pd.DataFrame:
    """All runs' weekly frames in one tidy table with scenario and replicate columns."""
    frames = []
    for result in results:
        frame = result.weekly.copy()
        frame.insert(0, "replicate", result.spec.replicate)
        frame.insert(0, "scenario", result.spec.scenario)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def describe_specs(specs: Sequence[RunSpec]) -> list[dict[str, Any]]:
    """Seeds and parameter draws of each run, for metadata."""
    return [{"scenario": s.scenario, "replicate": s.replicate, "seed": s.seed, "key": s.key} for s in specs]
