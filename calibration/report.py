"""The calibration report: targets against the posterior predictive, posterior marginals,
and the held-out targets stated plainly as a validation."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from model.experiments.check_baseline import verdict  # noqa: E402

HERE = Path(__file__).resolve().parent


def plot_targets(predicted: pd.DataFrame, targets, path: Path) -> Path:
    columns = 4
    rows = int(np.ceil(len(targets) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.6 * rows), squeeze=False)
    for ax, target in zip(axes.flat, targets):
        values = predicted[target.key].dropna()
        colour = "tab:blue" if target.use == "fitted" else "tab:orange"
        ax.boxplot(values, vert=False, widths=0.5, positions=[0], patch_artist=True,
                   boxprops={"facecolor": colour, "alpha": 0.4}, whis=(2.5, 97.5), showfliers=False)
        ax.errorbar([target.value], [0.6], xerr=[[target.value - target.low], [target.high - target.value]],
                    fmt="ko", capsize=4, label="observed and interval")
        ax.set_yticks([0, 0.6], ["model", "observed"], fontsize=8)
        ax.set_ylim(-0.5, 1.0)
        ax.set_title(f"{textwrap.shorten(target.name, 90, placeholder='...')} ({target.use.replace('_', '-')})", fontsize=8, wrap=True)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes.flat[len(targets):]:
        ax.set_visible(False)
    fig.suptitle("Calibration targets: observed value and interval (black) against the posterior predictive "
                 "(box: median, quartiles, whiskers 2.5-97.5%); blue fitted, orange held out")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_marginals(sample: pd.DataFrame, base, path: Path) -> Path:
    names = list(sample.columns)
    columns = 4
    rows = int(np.ceil(len(names) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.4 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        low, high = base.definition(name).range
        ax.hist(sample[name], bins=20, range=(low, high), color="tab:blue", alpha=0.7, density=True)
        ax.axvline(base.definition(name).value, color="black", linestyle="--", linewidth=1, label="hand-set value")
        ax.set_xlim(low, high)
        ax.set_title(name, fontsize=8)
        ax.set_xlabel(base.definition(name).unit[:60], fontsize=6)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Posterior marginals of the calibrated parameters (x-axis: the prior range, a uniform prior)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_calibration_report(sample, predicted, targets, calibration, db: str, seconds: float) -> Path:
    import pyabc

    from calibration.fit import _latest_run

    history = pyabc.History(db, _id=_latest_run(db)) if Path(db.removeprefix("sqlite:///")).exists() else None
    populations = history.get_all_populations() if history is not None else pd.DataFrame()
    plot_targets(predicted, targets, HERE / "targets.png")
    plot_marginals(sample, calibration.base, HERE / "marginals.png")

    rows, verdicts = [], {}
    for t in targets:
        v = predicted[t.key].dropna()
        low, mid, high = (np.quantile(v, q) for q in (0.025, 0.5, 0.975)) if len(v) else (np.nan,) * 3
        verdicts[t.name] = verdict(t.use, mid, (t.low, t.high))
        rows.append(f"| {t.name} | {t.use.replace('_', '-')} | {t.value:,.3g} [{t.low:,.3g}, {t.high:,.3g}] | "
                    f"{mid:,.3g} [{low:,.3g}, {high:,.3g}] | {verdicts[t.name]} |")
    params = []
    for name in sample.columns:
        d = calibration.base.definition(name)
        q = sample[name].quantile([0.025, 0.5, 0.975])
        params.append(f"| {name} | {d.unit} | [{d.range[0]:.4g}, {d.range[1]:.4g}] | {d.value:.4g} | "
                      f"{q[0.5]:.4g} [{q[0.025]:.4g}, {q[0.975]:.4g}] |")
    held_out = [t for t in targets if t.use == "held_out"]
    generations = len(populations) - 1 if len(populations) else 0
    final_eps = populations["epsilon"].iloc[-1] if len(populations) else float("nan")
    sims = int(history.total_nr_simulations) if history is not None else 0
    lines = [
        "# Calibration report",
        "",
        "## Method",
        "",
        f"Approximate Bayesian computation by sequential Monte Carlo (pyabc ABC-SMC). {len(sample.columns)} uncertain "
        "parameters (flagged `assumption` in `model/data/parameters.yaml`) get uniform priors over their ranges; the "
        f"{sum(t.use == 'fitted' for t in targets)} fitted targets of `calibration/targets.yaml` are compared through the "
        "root mean square of (model - target) / standard error, the standard error read off each target's interval. "
        f"Each evaluation simulates {calibration.weeks} weeks (after the warm-up) at {calibration.scale:g} of the national caseload.",
        "",
        f"- Generations: {generations}; population {calibration.population_size}; {sims:,} model evaluations; "
        f"final tolerance (RMS standardised distance) {final_eps:.3g}.",
        f"- Posterior sample: `calibration/posterior.csv`, {len(sample)} equally weighted parameter sets resampled from "
        "the last generation. `run_scenarios.py` draws replicate r of every scenario from set r, so scenario intervals "
        "carry parameter uncertainty as well as chance.",
        f"- Posterior predictive: {len(predicted)} fresh simulations from the posterior sample.",
        f"- Fitting time: {populations['wall_time'].sum() / 60 if len(populations) else 0:.1f} minutes (sum over generations, "
        f"from the pyabc history); this report's command: {seconds / 60:.1f} minutes.",
        "",
        "Held-out targets were never used to set parameters (by hand or here); they are a validation. Where the other",
        "uncertain parameters (those not listed below) matter is shown by the sensitivity analysis, not by this fit.",
        "",
        "## Targets against the posterior predictive",
        "",
        "A target is a **hit** when the median of the posterior predictive lies inside the target's interval, and a "
        "**miss** otherwise; a context target (whose interval could not be missed, or that counts more than the model "
        "does) is shown but not counted.",
        "",
        *(f"- {use.replace('_', '-')}: {sum(verdicts[t.name] == 'hit' for t in targets if t.use == use)} of "
          f"{sum(t.use == use for t in targets)} hit." for use in ("fitted", "held_out")),
        "",
        "| target | use | observed [interval] | model median [95% predictive interval] | verdict |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "![targets](targets.png)",
        "",
        "## Held-out validation",
        "",
    ]
    for t in held_out:
        v = predicted[t.key].dropna()
        low, high = np.quantile(v, [0.025, 0.975])
        why = f" Why: {t.if_missed}" if verdicts[t.name] == "miss" and t.if_missed else ""
        lines.append(f"- **{t.name}**: observed {t.value:,.3g} (interval {t.low:,.3g} to {t.high:,.3g}; {t.source}); "
                     f"model predicts {np.median(v):,.3g} ({low:,.3g} to {high:,.3g}): **{verdicts[t.name]}**.{why}")
    missed_fits = [t for t in targets if t.use == "fitted" and verdicts[t.name] == "miss"]
    if missed_fits:
        lines += ["", "Fitted targets missed:", ""]
        lines += [f"- {t.name}: model median {predicted[t.key].median():,.3g} against [{t.low:,.3g}, {t.high:,.3g}]."
                  + (f" Why: {t.if_missed}" if t.if_missed else "") for t in missed_fits]
    context = [t for t in targets if t.use == "context"]
    if context:
        lines += ["", "Context, not validation:", ""]
        lines += [f"- {t.name}: {t.value:,.3g} ({t.source}); model median {predicted[t.key].median():,.3g}. {t.note}"
                  for t in context]
    lines += [
        "",
        "## Posterior of the calibrated parameters",
        "",
        "| parameter | unit | prior range | hand-set value | posterior median [95% credible interval] |",
        "|---|---|---|---|---|",
        *params,
        "",
        "![marginals](marginals.png)",
        "",
    ]
    path = HERE / "report.md"
    temporary = path.with_suffix(".md.tmp")
    temporary.write_text("\n".join(lines))
    temporary.replace(path)
    return path
