"""Print each 2019/20 target beside the baseline model's value.

    python -m model.experiments.check_baseline [--scale 1.0] [--seed 1] [--years 3]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from ..model import ProbationModel
from ..appraisal.outcomes import model_metrics, relative_difference

TARGET_FILE = Path(__file__).resolve().parents[2] / "calibration" / "targets.yaml"


def load_targets(path: Path = TARGET_FILE) -> list[dict]:
    return yaml.safe_load(path.read_text())


def verdict(use: str, model_value: float, interval: tuple[float, float]) -> str:
    """``hit`` when the model's value (for a posterior predictive, its median) lies inside the
    target's interval, else ``miss``; a ``context`` target (one whose interval could not be
    missed, or that measures something broader than the model) is neither: it is shown, not
    counted as validation."""
    if use == "context":
        return "context"
    low, high = interval
    return "hit" if low <= model_value <= high else "miss"


def compare(metrics: dict[str, float], targets: list[dict]) -> list[dict]:
    """One row per target: target, model value, relative difference, inside interval."""
    rows = []
    for target in targets:
        if target.get("scenario"):  # observed under levers: checked in the calibration report
            continue
        value = metrics[target["metric"]]
        low, high = target["interval"]
        rows.append(
            {
                "metric": target["metric"],
                "use": target["use"],
                "target": target["value"],
                "model": value,
                "relative_difference": relative_difference(value, target["value"]),
                "inside_interval": bool(low <= value <= high),
                "verdict": verdict(target["use"], value, (low, high)),
                "interval": (low, high),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--years", type=int, default=3,
        help="years to run (the one-year reoffending cohort needs 2, reoffending within two years of treatment 3)",
    )
    args = parser.parse_args(argv)
    model = ProbationModel(scale=args.scale, seed=args.seed)
    model.run(52 * args.years)
    targets = load_targets()
    rows = compare(model_metrics(model), targets)
    print(f"Baseline at scale {args.scale}, seed {args.seed}, {args.years} years (national figures a year)")
    print(f"{'metric':36} {'use':8} {'target':>14} {'model':>14} {'diff':>7}  interval")
    for r in rows:
        print(
            f"{r['metric']:36} {r['use']:8} {r['target']:>14,.3f} {r['model']:>14,.3f} {r['relative_difference']:>+7.1%}  "
            f"[{r['interval'][0]:,}, {r['interval'][1]:,}] {r['verdict']}"
        )
    counted = [r for r in rows if r["verdict"] != "context"]
    for use in ("fitted", "held_out"):
        mine = [r for r in counted if r["use"] == use]
        print(f"{use}: {sum(r['verdict'] == 'hit' for r in mine)} of {len(mine)} hit (model value inside the target's interval)")
    print(f"context, not counted: {', '.join(r['metric'] for r in rows if r['verdict'] == 'context') or 'none'}")
    under_levers = [t["name"] for t in targets if t.get("scenario")]
    if under_levers:
        print(f"observed under a scenario's levers, checked in calibration/report.md: {'; '.join(under_levers)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
