"""Speed and memory of the model against a per-agent Mesa reference, at full scale.

    python benchmarks/speed.py [--weeks 520] [--reference-weeks 52] [--scale 1.0] [--repeats 3]

Both run in this one process, one after the other, so their ratio is measured under the
same conditions (these machines are noisy: compare ratios, not seconds). The model uses every
core at full scale (parallel passes over everyone, and the next week's new people drawn on
another thread); it is also timed on one core, for the ratio. The model's
compiled kernels are loaded from Numba's cache (compiled on first use) before timing; that
one-off cost per process is printed separately. Peak memory is
measured with tracemalloc (Python and NumPy allocations) for each model separately, over the
whole run (the people followed after supervision accumulate).
Targets (issue 2): ten years at full scale in under 2 s; at least 100 times faster per
week than the reference; peak memory under 500 MB.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numba

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference_model import ReferenceModel  # noqa: E402

from model import ProbationModel  # noqa: E402


def timed(build, weeks: int) -> tuple[float, float, int]:
    """Seconds to build, seconds per week, and the supervised count at the end."""
    start = time.perf_counter()
    model = build()
    built = time.perf_counter()
    for _ in range(weeks):
        model.step()
    per_week = (time.perf_counter() - built) / weeks
    supervised = model.people.n_supervised if hasattr(model, "people") else model.supervised
    return built - start, per_week, supervised


def peak_memory_mb(build, weeks: int) -> float:
    """Peak traced allocation while building and running (tracemalloc slows the run, so
    this is a separate pass from the timing)."""
    tracemalloc.start()
    model = build()
    for _ in range(weeks):
        model.step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark the vectorised model against a per-agent Mesa reference.")
    parser.add_argument("--weeks", type=int, default=520, help="weeks of the vectorised model (default ten years)")
    parser.add_argument("--reference-weeks", type=int, default=52)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3, help="runs of the model, for the spread (default 3)")
    args = parser.parse_args()

    print(f"scale {args.scale} (about {156000 * args.scale:,.0f} people)")
    start = time.perf_counter()
    ProbationModel(scale=0.01, seed=0).run(2)  # load (or, on a fresh clone, compile) the compiled kernels once
    print(f"compiled kernels loaded in {time.perf_counter() - start:.2f} s (once per process; not counted below)")
    ours = lambda: ProbationModel(scale=args.scale, seed=1)  # noqa: E731
    reference = lambda: ReferenceModel(scale=args.scale, seed=1)  # noqa: E731
    runs = []
    for _ in range(max(args.repeats, 1)):
        build, per_week, n = timed(ours, args.weeks)
        runs.append((build + per_week * args.weeks, build, per_week))
        print(f"ProbationModel  : set-up and warm-up {build:6.2f} s, {per_week * 1000:7.2f} ms/week, "
              f"{args.weeks} weeks in {per_week * args.weeks:5.2f} s (total {runs[-1][0]:5.2f} s), {n:,} supervised")
    _, build, per_week = sorted(runs)[len(runs) // 2]  # the median run
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    _, one_core_per_week, _ = timed(ours, 104)
    numba.set_num_threads(threads)
    _, every_core_per_week, _ = timed(ours, 104)
    print(f"ProbationModel, first 104 weeks: {one_core_per_week * 1000:5.2f} ms/week on one core, "
          f"{every_core_per_week * 1000:5.2f} on {threads} ({one_core_per_week / every_core_per_week:.2f}x)")
    ref_build, ref_per_week, ref_n = timed(reference, args.reference_weeks)
    print(f"Mesa per-agent  : set-up {ref_build:6.2f} s, {ref_per_week * 1000:7.2f} ms/week over {args.reference_weeks} weeks, "
          f"{ref_n:,} supervised")
    peak = peak_memory_mb(ours, args.weeks)  # the whole run: the people followed after supervision grow with it
    ref_peak = peak_memory_mb(reference, 2)
    print(f"peak memory (tracemalloc): ProbationModel {peak:5.0f} MB over {args.weeks} weeks; reference {ref_peak:5.0f} MB over 2 weeks")
    print(f"speed-up per week: {ref_per_week / per_week:6.1f} x   (target >= 100 x)")
    totals = ", ".join(f"{build + week * 520:.2f}" for _, build, week in runs)
    print(f"ten years at this scale (median of {len(runs)} runs): {per_week * 520:5.2f} s of weekly steps, "
          f"{build + per_week * 520:5.2f} s with set-up (each run: {totals} s; target < 2 s)")
    print(f"peak memory of ProbationModel: {peak:5.0f} MB (target < 500 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
