"""Where the compiled week's time goes: each step's share, by the CPU's cycle counter.

    python benchmarks/week_profile.py [--scale 1.0] [--weeks 520] [--seed 1]

Runs the model with a copy of the compiled week (``model.model._week``) in which the CPU's
cycle counter is read after each of its statements, and prints each step's share of the
week's cycles, largest first, named by the weekly process it belongs to. The shares are of
the thread that calls the week (work that a parallel loop hands to the second core overlaps
it), and the readings themselves cost a little. A step's share bounds what any redesign of
that step alone can save: the README's "What remains" (Speed) reasons from them.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
import time
from pathlib import Path

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import model.model as week_module  # noqa: E402
from model import ProbationModel  # noqa: E402
from model.experiments.cli import Parser, UsageError, check_options, run_command  # noqa: E402

# The weekly process each step of the compiled week belongs to, by the function it calls.
STEPS = {
    "live": "after supervision: the week of the people followed",
    "move_in": "after supervision: leavers moving in",
    "arrivals": "intake: new people's characteristics, returns, sentencing",
    "_take": "intake: rows for new people",
    "allocate_rows": "allocation to practitioners",
    "factors": "allocation: workload and skill factors",
    "identify_and_refer": "supervision: identification and referral",
    "treat": "treatment",
    "review": "courts: review of DRRs",
    "test": "drug testing",
    "transitions": "drug use transitions",
    "offend": "offending, breach and recall",
    "die": "deaths",
    "leave": "exits",
    "_vacate": "exits: rows freed",
    "_stocks": "stocks",
    "_staff_stocks": "stocks: practitioners",
    "_region_stocks": "stocks: by region",
    "foregone_in_custody": "offences foregone in custody",
}
BOOKKEEPING = "bookkeeping: the week's streams, counts and copies of its totals"


@intrinsic
def _cycles(typingctx):
    """The CPU's cycle counter (LLVM's readcyclecounter)."""
    def codegen(context, builder, signature, args):
        counter = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(64), []), "llvm.readcyclecounter")
        return builder.call(counter, [])
    return types.uint64(), codegen


def _step_name(statement: ast.stmt) -> str:
    """The step a statement is: the process of a function it calls that :data:`STEPS` names,
    else :data:`BOOKKEEPING`."""
    for node in ast.walk(statement):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in STEPS:
                return STEPS[name]
    return BOOKKEEPING


def instrumented_week() -> tuple[object, list[str]]:
    """The compiled week with a cycle reading after each statement, added into its last
    argument (one total per statement), and each statement's step."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(week_module._week.py_func)))
    function = tree.body[0]
    function.decorator_list = []
    function.args.args.append(ast.arg(arg="_cycle_totals"))
    steps: list[str] = []
    body = [ast.parse("_read = _cycles()").body[0]]
    for statement in function.body:
        body.append(statement)
        is_docstring = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        if is_docstring or isinstance(statement, (ast.Return, ast.If)):
            continue  # the early return (too few free rows) is not a step
        body.extend(ast.parse(f"_cycle_totals[{len(steps)}] += _cycles() - _read\n_read = _cycles()").body)
        steps.append(_step_name(statement))
    function.body = body
    ast.fix_missing_locations(tree)
    namespace = {**vars(week_module), "_cycles": _cycles}
    exec(compile(tree, "week_profile", "exec"), namespace)
    return numba.njit(namespace[function.name]), steps


def main() -> int:
    parser = Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of England and Wales (1.0: about 156,000 people)")
    parser.add_argument("--weeks", type=int, default=520, help="weeks profiled, after the warm-up")
    parser.add_argument("--seed", type=int, default=1)
    args = check_options(parser.parse_args())
    if not 1 <= args.weeks <= 5200:
        raise UsageError(f"--weeks = {args.weeks}: must be a whole number from 1 to 5,200")

    week, steps = instrumented_week()
    totals = np.zeros(len(steps), dtype=np.uint64)
    compiled = week_module._week
    week_module._week = lambda *arguments: week(*arguments, totals)
    try:
        print("compiling the instrumented week ...", file=sys.stderr)
        ProbationModel(scale=0.005, seed=0).run(1)
        model = ProbationModel(scale=args.scale, seed=args.seed)
        totals[:] = 0  # the warm-up's weeks are not profiled
        start = time.perf_counter()
        model.run(args.weeks)
        elapsed = time.perf_counter() - start
    finally:
        week_module._week = compiled
    by_step: dict[str, float] = {}
    for step, cycles in zip(steps, totals.tolist()):
        by_step[step] = by_step.get(step, 0.0) + cycles
    week_cycles = sum(by_step.values())
    if week_cycles == 0:
        raise UsageError("this CPU's cycle counter reads 0: no shares to show")
    print(f"scale {args.scale:g}, {args.weeks} weeks: {elapsed / args.weeks * 1e3:.2f} ms a week in all (instrumented), "
          f"the compiled week {week_cycles / args.weeks / 1e6:.2f} million cycles a week on the calling thread")
    print("share  thousand cycles a week  step")
    for step, cycles in sorted(by_step.items(), key=lambda item: -item[1]):
        print(f"{cycles / week_cycles:6.1%}  {cycles / args.weeks / 1e3:22,.0f}  {step}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_command(main))
