"""Does every lever move what it is meant to move? Each lever alone, paired against the baseline.

    python -m model.experiments.check_levers [--reps 32] [--years 5] [--scale 0.1] [--workers 2]

Each lever of ``scenarios/levers.yaml`` runs on its own, at its stated money, against the
baseline with the same seeds and parameter draws (common random numbers). For each lever the
table shows its primary measures (``primary`` in the lever file) with the mean paired change
and its 95% confidence interval (Student's t over replicates), and a verdict: ``right`` when
the interval lies wholly on the intended side of zero, ``WRONG`` when it lies wholly on the
other, ``unclear`` otherwise; then the side effects worth knowing, the crime averted through
treatment and recovery and through custody (incapacitation after recall or breach), custody
cost, and net public cost. Writes ``outputs/<out>/levers.csv``, ``levers.md`` and
``metadata.json``; exits 1 if any primary measure is not ``right``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..appraisal.economics import BASELINE, PAIRED_MEASURES, outcome_table
from ..parameters import ParameterSet
from .cli import Parser, UsageError, check_options, run_command
from .ensemble import RunCache, build_specs, describe_specs, run_ensemble
from .levers import Lever
from .outputs import OUTPUTS, git_commit, output_dir, published, versions
from .posterior import default_posterior_path, load_parameter_sample
from .scenarios import SCENARIO_DIR, Scenario, ScenarioLibrary

# What the table shows beside the primary measures, for every lever: (outcome column, label, unit).
ACCOUNTS = (
    ("pv_crime_averted_treatment_recovery", "crime averted through treatment and recovery (PV)", "GBP"),
    ("pv_crime_averted_custody", "crime averted through custody (PV)", "GBP"),
    ("pv_net_cost_custody", "custody cost (PV)", "GBP"),
    ("pv_net_cost", "net public cost (PV)", "GBP"),
)


@dataclass(frozen=True)
class Change:
    """A paired change from the baseline: its mean and 95% confidence interval."""

    mean: float
    lower: float
    upper: float

    @classmethod
    def of(cls, differences: np.ndarray) -> Change:
        d = differences[np.isfinite(differences)]
        if d.size < 2:
            return cls(float(d.mean()) if d.size else np.nan, np.nan, np.nan)
        half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
        return cls(float(d.mean()), float(d.mean() - half), float(d.mean() + half))

    def verdict(self, intended: str) -> str:
        """``right``, ``WRONG`` or ``unclear`` for a change meant to go ``up`` or ``down``."""
        sign = 1 if intended == "up" else -1
        low, high = sorted((sign * self.lower, sign * self.upper))
        if low > 0:
            return "right"
        if high < 0:
            return "WRONG"
        return "unclear"


def single_lever_scenarios(levers: Iterable[Lever]) -> list[Scenario]:
    """One scenario per lever, named after it, with that lever alone."""
    return [Scenario(lever.name, lever.description or lever.name, levers=(lever,)) for lever in levers]


def lever_table(table: pd.DataFrame, levers: Sequence[Lever]) -> pd.DataFrame:
    """One row per lever and measure (primary, side effect or account) with the paired change
    from the baseline, its interval and, for a primary measure, the verdict."""
    base = table.xs(BASELINE, level="scenario")
    rows = []
    for lever in levers:
        runs = table.xs(lever.name, level="scenario")
        difference = runs - base.reindex(runs.index)
        accounts = [m for m, *_ in ACCOUNTS]
        measures = [(m, "primary", way) for m, way in lever.primary.items()]
        measures += [(m, "side effect", "") for m in lever.side_effects if m not in accounts]
        measures += [(m, "account", "") for m in accounts]
        for metric, role, intended in measures:
            if metric not in difference.columns:
                raise UsageError(f"scenarios/levers.yaml: {lever.name}: measure '{metric}' is not an outcome of a run")
            paired = metric in PAIRED_MEASURES
            values = (runs[metric] if paired else difference[metric]).to_numpy(dtype=float)
            change = Change.of(values)
            rows.append({
                "lever": lever.name, "role": role, "measure": metric, "intended": intended,
                "baseline": np.nan if paired else float(base[metric].mean()),
                "change": change.mean, "lower": change.lower, "upper": change.upper,
                "verdict": change.verdict(intended) if intended else "", "replicates": int(np.isfinite(values).sum()),
            })
    return pd.DataFrame(rows)


def _number(x: float, metric: str) -> str:
    """A change as a reader wants it: money in £m with its sign first, rates to three
    decimals, counts whole."""
    if not np.isfinite(x):
        return "n/a"
    if metric.startswith("pv_"):
        millions = round(x / 1e6, 1) + 0.0
        return f"{'-' if millions < 0 else '+'}£{abs(millions):,.1f}m"
    if metric.endswith(("_rate", "_utilisation")):
        return f"{x:+.3f}"
    return f"{x:+,.1f}" if abs(x) < 100 else f"{x:+,.0f}"


def markdown(rows: pd.DataFrame, settings: str) -> str:
    """The lever table as Markdown, one block per lever."""
    lines = [f"# Does each lever move what it is meant to?\n\n{settings}\n",
             "| lever | measure | role | intended | change (95% CI) | verdict |", "|---|---|---|---|---|---|"]
    for _, r in rows.iterrows():
        interval = f"{_number(r['change'], r['measure'])} ({_number(r['lower'], r['measure'])} to {_number(r['upper'], r['measure'])})"
        lines.append(f"| {r['lever']} | {r['measure']} | {r['role']} | {r['intended']} | {interval} | {r['verdict']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=32, help="paired replicates per lever (default 32)")
    parser.add_argument("--years", type=float, default=5, help="years to simulate (default 5)")
    parser.add_argument("--scale", type=float, default=0.1, help="share of the national caseload simulated (default 0.1)")
    parser.add_argument("--seed", type=int, default=1, help="base seed")
    parser.add_argument("--workers", type=int, default=2, help="local Dask workers; 0 runs serially (default 2)")
    parser.add_argument("--no-posterior", action="store_true", help="the parameter file's values for every replicate")
    parser.add_argument("--levers", nargs="+", metavar="NAME", help="levers to check (default: all)")
    parser.add_argument("--out", default="levers", help="output folder under outputs/ (default levers)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = check_options(parser.parse_args(argv))
    if args.reps < 2:
        raise UsageError(f"--reps = {args.reps}: need at least 2 for an interval")
    base = ParameterSet.load()
    library = ScenarioLibrary(SCENARIO_DIR, base)
    unknown = sorted(set(args.levers or ()) - set(library.levers))
    if unknown:
        raise UsageError(f"--levers: unknown lever(s) {unknown} (known: {', '.join(library.levers)})")
    levers = [library.levers[name] for name in (args.levers or library.levers)]
    final = output_dir(args.out)  # refused now, before any run, if it cannot be written
    posterior = None if args.no_posterior else default_posterior_path()
    sample = load_parameter_sample(posterior, base) if posterior else None
    scenarios = [library.get(BASELINE), *single_lever_scenarios(levers)]
    specs = build_specs(scenarios, args.reps, args.seed, args.scale, int(round(args.years * 52)), sample)
    results = run_ensemble(specs, RunCache(OUTPUTS / ".cache" / "runs"), workers=args.workers, progress=not args.no_progress)
    rows = lever_table(outcome_table(results, base.discount_rate, base.discount_rate_health), levers)
    settings = (
        f"Each lever alone at its stated money against the baseline: {args.reps} paired replicates, {args.years:g} years, "
        f"scale {args.scale:g}, seed {args.seed}; parameters "
        + (f"drawn from the calibration posterior (`{Path(posterior).name}`)" if sample else "from the parameter file")
        + ". Change: mean paired difference from the baseline, 95% confidence interval "
        "over replicates (Student's t). Verdict: right when the interval lies on the intended side of zero."
    )
    with published(final) as staging:
        rows.to_csv(staging / "levers.csv", index=False)
        (staging / "levers.md").write_text(markdown(rows, settings))
        meta = {
            "command": " ".join(["python", "-m", "model.experiments.check_levers", *(argv if argv is not None else sys.argv[1:])]),
            "settings": settings, "git_commit": git_commit(), "versions": versions(), "runs": describe_specs(specs),
        }
        (staging / "metadata.json").write_text(json.dumps(meta, indent=2, default=str))
    with pd.option_context("display.width", 200, "display.max_rows", 500, "display.max_colwidth", 40):
        shown = rows.assign(
            change=[_number(c, m) for c, m in zip(rows["change"], rows["measure"])],
            interval=[f"{_number(lo, m)} to {_number(hi, m)}" for lo, hi, m in zip(rows["lower"], rows["upper"], rows["measure"])],
        )[["lever", "role", "measure", "intended", "change", "interval", "verdict"]]
        print(shown.to_string(index=False))
    primary = rows[rows["role"] == "primary"]
    wrong = primary[primary["verdict"] != "right"]
    print(f"\n{len(primary) - len(wrong)} of {len(primary)} primary measures move the intended way with intervals "
          f"excluding zero; table in {final}", file=sys.stderr)
    return 0 if wrong.empty else 1


if __name__ == "__main__":
    raise SystemExit(run_command(main))
