"""Paired speed comparison of this working tree against another revision.

    python benchmarks/paired.py REVISION [--job evaluation|run] [--rounds 8]

These machines are noisy: the same code runs 10 to 40% slower from one minute to the next,
so two versions timed minutes apart cannot be compared. This script checks out
``REVISION`` (a commit, branch or tag) in a temporary git worktree and times the two
versions in alternating processes, round by round (the order flips every round), so that
both see the same spells of the machine; it prints each round, the medians, their ratio
and in how many rounds this tree was the quicker. The jobs:

- ``evaluation``: one sensitivity-analysis evaluation (the sustained package and its
  baseline, 5 years at 1:10, sharing their warm-up), CPU time on one thread, the median of
  five after one to compile;
- ``run``: ten years at full scale on every core, wall time, the quicker of two after a
  small run to load the compiled kernels.

Each version compiles its own kernels on first use (Numba caches them beside its source),
which is not timed. The worktree is removed at the end.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.experiments.cli import Parser, UsageError, run_command  # noqa: E402

JOBS = {
    "evaluation": """
import statistics, sys, time
sys.path.insert(0, '.')
import numba
numba.set_num_threads(1)
from model.experiments.scenarios import ScenarioLibrary
from model.experiments.sensitivity import ScenarioOutcomes
evaluate = ScenarioOutcomes(ScenarioLibrary().get("sustained_package"), scale=0.1, weeks=260)
evaluate({})
times = []
for _ in range(5):
    start = time.process_time()
    evaluate({})
    times.append(time.process_time() - start)
print(statistics.median(times))
""",
    "run": """
import sys, time
sys.path.insert(0, '.')
from model import ProbationModel
ProbationModel(scale=0.01, seed=0).run(2)
times = []
for _ in range(2):
    start = time.perf_counter()
    ProbationModel(scale=1.0, seed=1).run(520)
    times.append(time.perf_counter() - start)
print(min(times))
""",
}


class JobFailed(RuntimeError):
    """The revision could not be checked out, or a timed job ended with an error (in the
    tree it names)."""


def timed(job: str, tree: Path) -> float:
    """Seconds of ``job`` in a fresh process of the Python running this script, in ``tree``."""
    done = subprocess.run([sys.executable, "-c", JOBS[job]], cwd=tree, capture_output=True, text=True)
    if done.returncode:
        lines = done.stderr.strip().splitlines()
        raise JobFailed(f"a timed job failed in {tree}: {lines[-1] if lines else f'exit status {done.returncode}'}")
    return float(done.stdout.split()[-1])


def compare(job: str, revision: str, rounds: int) -> tuple[list[float], list[float]]:
    """Times of ``job`` in this tree and in ``revision``, round by round, the order flipped
    every round; the revision's worktree is removed at the end, however it ends."""
    times: tuple[list[float], list[float]] = ([], [])
    try:
        with tempfile.TemporaryDirectory(prefix="paired-") as scratch:
            other = Path(scratch) / "tree"
            try:
                added = subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(other), revision], cwd=ROOT,
                                       capture_output=True, text=True)
                if added.returncode:
                    raise JobFailed(f"git worktree add: {(added.stderr.strip().splitlines() or ['failed'])[-1]}")
                trees = (ROOT, other)
                for round_ in range(rounds):
                    for k in (0, 1) if round_ % 2 == 0 else (1, 0):
                        times[k].append(timed(job, trees[k]))
                    print(f"round {round_ + 1}: this tree {times[0][-1]:.3f} s, {revision} {times[1][-1]:.3f} s", flush=True)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, capture_output=True)
    finally:
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)  # if the removal above failed
    return times


def main() -> int:
    parser = Parser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="the git revision to compare this working tree against")
    parser.add_argument("--job", choices=sorted(JOBS), default="evaluation")
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    if args.rounds < 1:
        raise UsageError(f"--rounds = {args.rounds}: must be at least 1")
    if subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{args.revision}^{{commit}}"], cwd=ROOT,
                      capture_output=True).returncode:
        raise UsageError(f"{args.revision!r} is not a revision of this repository")
    try:
        ours, theirs = compare(args.job, args.revision, args.rounds)
    except JobFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted (the revision's worktree is removed)", file=sys.stderr)
        return 130
    quicker = sum(a < b for a, b in zip(ours, theirs))
    print(f"medians: this tree {statistics.median(ours):.3f} s, {args.revision} {statistics.median(theirs):.3f} s; "
          f"ratio {statistics.median(ours) / statistics.median(theirs):.3f}; this tree quicker in {quicker} of {args.rounds} rounds")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_command(main))
