"""Plots and a plain-language report of a scenario ensemble.

Every figure is a titled matplotlib PNG with labelled axes and units, national figures,
and uncertainty bands or intervals over replicates; ``report.md`` puts them beside the
headline table, what was run, and the caveats, for readers who will not open the code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .economics import BASELINE, PRICE_BASE, headline_table  # noqa: E402


class Scenario(Protocol):
    """What a report shows of a scenario (:class:`model.experiments.scenarios.Scenario` is one)."""

    name: str
    title: str
    description: str
    yearly_cost: float


# weekly outcomes plotted over time: column -> (title, y label)
TIME_SERIES = {
    "in_treatment": ("People on probation in community drug treatment", "people (national)"),
    "referrals": ("Probation referrals to treatment", "referrals a week (national)"),
    "proven_reoffences": ("Proven reoffences", "reoffences a week (national)"),
    "drug_deaths": ("Drug-related deaths on probation", "deaths a week (national)"),
    "caseload_mean": ("Mean practitioner caseload", "cases per practitioner"),
    "cost_crime": ("Cost of crime by people on probation", "£m a week (national, 2019/20 prices)"),
}
SMOOTH_WEEKS = 13


def _national(weekly: pd.DataFrame, column: str, scale: float) -> pd.Series:
    values = weekly[column]
    if column == "cost_crime":
        return values / scale / 1e6
    return values if column.startswith("caseload") else values / scale


def plot_time_series(weekly: pd.DataFrame, scenarios: Sequence[Scenario], scale: float, out: Path) -> list[Path]:
    """One figure per outcome: a panel per scenario, its median and 95% band over
    replicates against the baseline's, smoothed over 13 weeks."""
    paths = []
    names = [s.name for s in scenarios if s.name != BASELINE]
    titles = {s.name: s.title for s in scenarios}
    columns = min(4, max(1, len(names)))
    rows = max(1, int(np.ceil(len(names) / columns)))
    for column, (title, unit) in TIME_SERIES.items():
        frame = weekly[["scenario", "replicate", "week"]].copy()
        frame["value"] = _national(weekly, column, scale)
        frame["value"] = frame.groupby(["scenario", "replicate"])["value"].transform(
            lambda s: s.rolling(SMOOTH_WEEKS, min_periods=1).mean()
        )
        bands = frame.groupby(["scenario", "week"])["value"].quantile([0.025, 0.5, 0.975]).unstack()
        fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.0 * rows), sharex=True, sharey=True, squeeze=False)
        for ax, name in zip(axes.flat, names):
            for scenario, colour, label in ((BASELINE, "0.5", "baseline"), (name, "tab:blue", "scenario")):
                band = bands.loc[scenario]
                years = band.index / 52
                ax.fill_between(years, band[0.025], band[0.975], color=colour, alpha=0.25, linewidth=0)
                ax.plot(years, band[0.5], color=colour, label=label, linewidth=1.5)
            ax.set_title(_wrap(titles[name]), fontsize=9)
            ax.grid(alpha=0.3)
        for ax in axes.flat[len(names):]:
            ax.set_visible(False)
        for ax in axes[-1]:
            ax.set_xlabel("years from start")
        for ax in axes[:, 0]:
            ax.set_ylabel(unit, fontsize=8)
        axes.flat[0].legend(fontsize=8, loc="best")
        fig.suptitle(f"{title}: each scenario against the baseline (median and 95% band over replicates, {SMOOTH_WEEKS}-week average)")
        fig.tight_layout()
        path = out / f"timeseries_{column}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def plot_costs_and_benefits(summary: pd.DataFrame, scenarios: Sequence[Scenario], out: Path) -> Path:
    """Present value of net public cost and of crime costs averted per scenario, with intervals."""
    names = [s.name for s in scenarios if s.name != BASELINE]
    titles = [_wrap(s.title, 40) for s in scenarios if s.name != BASELINE]
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.45 * len(names) + 2), sharey=True)
    y = np.arange(len(names))
    for ax, metric, label, colour in (
        (axes[0], "pv_net_cost", "Net public cost, present value (£m)", "tab:red"),
        (axes[1], "pv_benefits", "Crime costs averted, present value (£m)", "tab:green"),
    ):
        rows = summary[summary["metric"] == metric].set_index("scenario").loc[names]
        mean = rows["mean"] / 1e6
        err = np.vstack([mean - rows["lower"] / 1e6, rows["upper"] / 1e6 - mean])
        ax.barh(y, mean, xerr=np.abs(err), color=colour, alpha=0.7, capsize=3)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(label)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, titles, fontsize=8)
    axes[0].invert_yaxis()
    fig.suptitle(f"Costs and benefits against the baseline ({PRICE_BASE} prices, discounted at 3.5%; bars: mean, lines: 95% interval)")
    fig.tight_layout()
    path = out / "costs_and_benefits.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _stage_plot(summary, scenarios, stages, title, ylabel, path: Path) -> Path:
    names = [s.name for s in scenarios]
    fig, ax = plt.subplots(figsize=(max(8, 0.9 * len(names) + 3), 4.8))
    width = 0.8 / len(stages)
    x = np.arange(len(names))
    for i, (metric, label) in enumerate(stages):
        rows = summary[summary["metric"] == metric].set_index("scenario").loc[names]
        err = np.vstack([rows["mean"] - rows["lower"], rows["upper"] - rows["mean"]])
        ax.bar(x + (i - (len(stages) - 1) / 2) * width, rows["mean"], width, yerr=np.abs(err), capsize=2, label=label)
    ax.set_xticks(x, [_wrap(s.title, 22) for s in scenarios], fontsize=7, rotation=60, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_continuity_cascade(summary: pd.DataFrame, scenarios: Sequence[Scenario], years: float, out: Path) -> Path:
    stages = [
        ("total_releases_in_treatment", "released while in treatment in custody"),
        ("total_release_pickups", "picked up by community treatment within 3 weeks"),
        ("total_release_retained_12w", "still in treatment 12 weeks later"),
    ]
    return _stage_plot(summary, scenarios, stages, f"Continuity of treatment on release from prison, over {years:g} years",
                       "people (national, over the run)", out / "continuity_cascade.png")


def plot_referral_funnel(summary: pd.DataFrame, scenarios: Sequence[Scenario], years: float, out: Path) -> Path:
    stages = [
        ("mean_drug_need", "with drug need (mean caseload)"),
        ("mean_identified", "need recorded (mean caseload)"),
        ("total_referrals", f"referred by probation (over {years:g} years)"),
        ("total_treatment_starts", f"started treatment (over {years:g} years)"),
        ("total_treatment_completions", f"completed treatment (over {years:g} years)"),
    ]
    return _stage_plot(summary, scenarios, stages, "The referral funnel: from drug need to completed treatment",
                       "people (national)", out / "referral_funnel.png")


def _wrap(text: str, width: int = 34) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def write_report(
    out: Path,
    summary: pd.DataFrame,
    scenarios: Sequence[Scenario],
    settings: dict,
    plots: Sequence[Path],
    assumptions: Sequence[str],
    cohort_rates: pd.DataFrame,
) -> Path:
    """report.md: what was run, the headline table, the plots, caveats and assumptions."""
    table = headline_table(summary).loc[[s.name for s in scenarios]]
    table.index = pd.Index([s.title for s in scenarios], name="scenario")
    lines = [
        "# Drug treatment for people on probation: funding scenarios",
        "",
        f"Run {settings['started']} with `{settings['command']}`.",
        "",
        "## What was run",
        "",
        f"- {len(scenarios)} scenarios, {settings['replicates']} replicates each, {settings['years']:g} years, "
        f"at {settings['scale']:g} of the national caseload (results scaled to England and Wales), seed {settings['seed']}.",
        f"- Replicate r uses the same random numbers{' and parameter draw' if settings.get('parameter_sample') else ''} "
        "in every scenario, so differences from the baseline are paired.",
        f"- Parameters: {settings['parameter_note']}",
        f"- Money in {PRICE_BASE} prices; present values discounted at 3.5% a year (HM Treasury Green Book).",
        "",
        "| scenario | what it does | cost a year |",
        "|---|---|---|",
    ]
    for s in scenarios:
        lines.append(f"| {s.title} | {s.description.strip()} | £{s.yearly_cost / 1e6:,.1f}m |")
    lines += [
        "",
        "## Headline results against the baseline",
        "",
        "Mean over replicates, with the 95% interval (2.5th to 97.5th percentile over replicates) in brackets. "
        "Net public cost counts probation, treatment and custody; custody saved by fewer recalls counts as a saving. "
        "Crime costs averted use Home Office unit costs of crime. The benefit-cost ratio is mean benefits over mean net cost, "
        "shown only where the net cost is positive.",
        "",
        _markdown_table(table),
        "",
        "## Where the money goes and how crime is averted",
        "",
        "Mean differences from the baseline over replicates (present values, £m), and the share of funded treatment places "
        "used by people on probation (a level, not a difference). The nominal budget is the levers' stated money while "
        "active; of it, the share that community treatment money spends on other clients is out of the scenario's scope. "
        "Treatment is costed as delivered: people on probation in treatment, a place-week each; funded places they did "
        "not use serve the services' other clients. Neither is a cost nor a benefit of the scenario, so for treatment "
        "money the net cost is far below the budget. Crime averted through custody is the crime that people held after recall or breach would have "
        "committed outside (incapacitation, bought at the custody cost beside it); the rest is averted through treatment "
        "and recovery.",
        "",
        _markdown_table(money_and_mechanism_table(summary, scenarios)),
        "",
        "One-year proven reoffending rate (Ministry of Justice definition) of each complete yearly cohort of starts, baseline:",
        "",
        _markdown_table(cohort_rates),
        "",
        "## Figures",
        "",
    ]
    lines += [f"![{p.stem}]({p.name})" for p in plots]
    lines += [
        "",
        "## Caveats",
        "",
        "- Reduced scale: each run simulates a sample of the caseload; its chance variation is wider than the country's, "
        "so intervals here are conservative. `summary.csv` also gives the Monte Carlo standard error of each mean difference.",
        "- The model is calibrated to 2019/20 figures by ABC-SMC (`calibration/report.md`); the one held-out check that "
        "misses is the 12-week retention of prison leavers picked up by community treatment (the model keeps more of them "
        "than the 2,931 of 8,708 observed), so treatment benefits for prison leavers may be overstated.",
        "- Treatment's effect on offending rests on before-and-after studies without control groups (NTA 2012, DTORS); "
        "effect sizes of policy levers are mostly assumptions, stated in `scenarios/levers.yaml`.",
        "- Treatment money is scoped to people on probation: of the £80m, the share meant for them "
        "(`treatment_funding_share_probation`) buys places, and only the treatment they receive is costed, as are only "
        "their benefits; what the rest of the money and the places they leave unused do for other clients of community "
        "treatment is outside the model.",
        "- Recall and breach take people into custody for a time, where they do not offend: the crime this averts is "
        "shown apart from the crime averted through treatment and recovery, beside its custody cost.",
        f"- {len(assumptions)} parameters have no published source and are flagged as assumptions with ranges in "
        "`model/data/parameters.yaml`; sensitivity analysis shows which matter.",
        "",
    ]
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path


# The columns of the money-and-mechanism table: (label, metric, whether the metric is already a
# paired difference (otherwise the summary's difference from the baseline is shown)).
MONEY_AND_MECHANISM = (
    ("nominal budget", "pv_budget_nominal", False),
    ("of it for other clients", "pv_budget_other_clients", False),
    ("treatment delivered", "pv_cost_treatment", False),
    ("places not used by people on probation", "pv_treatment_capacity_other_clients", False),
    ("crime averted: treatment and recovery", "pv_crime_averted_treatment_recovery", True),
    ("crime averted: custody", "pv_crime_averted_custody", True),
    ("custody cost", "pv_net_cost_custody", True),
)


def money_and_mechanism_table(summary: pd.DataFrame, scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """Per scenario (baseline left out): the levers' nominal budget, treatment delivered and
    capacity left to other clients, crime averted through treatment and recovery and through
    custody, and custody cost, as mean differences from the baseline in £m (present values);
    and the utilisation of funded treatment places."""
    rows = []
    for s in scenarios:
        if s.name == BASELINE:
            continue
        mine = summary[summary["scenario"] == s.name].set_index("metric")
        row = {"scenario": s.title}
        for label, metric, paired in MONEY_AND_MECHANISM:
            value = mine.loc[metric, "mean" if paired else "difference"] if metric in mine.index else np.nan
            row[f"{label} (£m)"] = f"{float(value) / 1e6 + 0.0:,.1f}"
        row["share of funded places used (level)"] = f"{float(mine.loc['treatment_utilisation', 'mean']):.2f}"
        rows.append(row)
    return pd.DataFrame(rows)


def _markdown_table(frame: pd.DataFrame) -> str:
    frame = frame if isinstance(frame.index, pd.RangeIndex) else frame.reset_index()
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.0f}"
    return str(value)
