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
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .decision import ALL_OPTIONS, ENOUGH_REPLICATES, NICE_THRESHOLDS, options  # noqa: E402
from .economics import BASELINE, PRICE_BASE, headline_table, money  # noqa: E402
from ..regions import default_regions  # noqa: E402


class Spending(Protocol):
    """When a lever's money is spent (:class:`model.experiments.levers.Lever` is one)."""

    cost_per_year: float
    start_week: int
    weeks: int | None


class Scenario(Protocol):
    """What a report shows of a scenario (:class:`model.experiments.scenarios.Scenario` is one)."""

    name: str
    title: str
    description: str
    levers: tuple[Spending, ...]


# weekly outcomes plotted over time: column -> (title, y label)
TIME_SERIES = {
    "in_treatment": ("People on probation in community drug treatment", "people (national)"),
    "referrals": ("Probation referrals to treatment", "referrals a week (national)"),
    "proven_reoffences": ("Proven reoffences by people on probation and in their follow-up year", "reoffences a week (national)"),
    "drug_deaths": ("Drug-related deaths on probation", "deaths a week (national)"),
    "caseload_mean": ("Mean practitioner caseload", "cases per practitioner"),
    "cost_crime": ("Cost of crime by everyone the model follows (on probation and after)", "£m a week (national, 2019/20 prices)"),
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
            lambda s: s.rolling(SMOOTH_WEEKS, min_periods=SMOOTH_WEEKS).mean()  # no spikes from short windows at the start
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
    """On one scale per option: net public cost (left of 0), crime costs averted and the value
    of QALYs gained (right, stacked), and the social NPV with its 95% interval."""
    names = [s.name for s in scenarios if s.name != BASELINE]
    titles = [_wrap(s.title, 40) for s in scenarios if s.name != BASELINE]
    mean = summary.pivot(index="scenario", columns="metric", values="mean").loc[names] / 1e6
    bounds = summary[summary["metric"] == "npv"].set_index("scenario").loc[names, ["lower", "upper"]] / 1e6
    fig, ax = plt.subplots(figsize=(12, 0.5 * len(names) + 2))
    y = np.arange(len(names))
    ax.barh(y, -mean["pv_net_cost"], height=0.6, color="tab:red", alpha=0.75, label="net public cost (shown as negative)")
    ax.barh(y, mean["pv_crime_averted"], height=0.6, color="tab:green", alpha=0.75, label="crime costs averted")
    ax.barh(y, mean["pv_health_value"], left=mean["pv_crime_averted"].clip(lower=0), height=0.6, color="tab:cyan", alpha=0.75,
            label="value of QALYs gained")
    npv = mean["npv"]
    ax.errorbar(npv, y, xerr=np.abs(np.vstack([npv - bounds["lower"], bounds["upper"] - npv])), fmt="D", color="black",
                capsize=3, label="social NPV, with its 95% interval")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, titles, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"Present value against the baseline (£m, {PRICE_BASE} prices; money at 3.5%, health at 1.5%)")
    ax.set_title("Costs, benefits and social net present value of each option (bars: means)")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    path = out / "costs_and_benefits.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


FOREST_MEASURES = {  # paired difference from the baseline -> (panel title, axis label, divisor)
    "npv": ("Social net present value", "£m (present value)", 1e6),
    "qalys_gained": ("QALYs gained", "QALYs (discounted at 1.5%)", 1),
    "reoffences_averted": ("Proven reoffences averted", "reoffences over the run", 1),
    "deaths_averted": ("Drug-related deaths averted", "deaths over the run", 1),
    "pv_net_cost": ("Net public cost", "£m (present value)", 1e6),
}


def plot_differences(summary: pd.DataFrame, scenarios: Sequence[Scenario], out: Path) -> Path:
    """A forest plot per measure: each option's mean paired difference from the baseline, with
    its 95% interval over replicates (a line crossing 0 is an effect the replicates do not settle)."""
    names = [s.name for s in scenarios if s.name != BASELINE]
    titles = [_wrap(s.title, 40) for s in scenarios if s.name != BASELINE]
    fig, axes = plt.subplots(1, len(FOREST_MEASURES), figsize=(4 * len(FOREST_MEASURES) + 3, 0.45 * len(names) + 2), sharey=True)
    y = np.arange(len(names))
    for ax, (metric, (title, unit, divisor)) in zip(axes, FOREST_MEASURES.items()):
        rows = summary[summary["metric"] == metric].set_index("scenario").loc[names, ["mean", "lower", "upper"]] / divisor
        err = np.abs(np.vstack([rows["mean"] - rows["lower"], rows["upper"] - rows["mean"]]))
        ax.errorbar(rows["mean"], y, xerr=err, fmt="o", color="tab:blue", capsize=3)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4))
        ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(unit, fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, titles, fontsize=8)
    axes[0].invert_yaxis()
    fig.suptitle("Differences from the baseline, paired by replicate (dot: mean; line: 2.5th to 97.5th percentile over replicates)")
    fig.tight_layout()
    path = out / "differences_from_baseline.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _stage_plot(summary, scenarios, stages, title, ylabel, path: Path) -> Path:
    names = [s.name for s in scenarios]
    fig, ax = plt.subplots(figsize=(max(8, 0.9 * len(names) + 6), 4.8))
    width = 0.8 / len(stages)
    x = np.arange(len(names))
    for i, (metric, label) in enumerate(stages):
        rows = summary[summary["metric"] == metric].set_index("scenario").loc[names]
        err = np.vstack([rows["mean"] - rows["lower"], rows["upper"] - rows["mean"]])
        ax.bar(x + (i - (len(stages) - 1) / 2) * width, rows["mean"], width, yerr=np.abs(err), capsize=2, label=label)
    ax.set_xticks(x, [_wrap(s.title, 22) for s in scenarios], fontsize=7, rotation=60, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(_wrap(title, 90), fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
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
    return _stage_plot(summary, scenarios, stages, f"Continuity of treatment on release from prison, over {_years(years)}",
                       "people (national, over the run)", out / "continuity_cascade.png")


def plot_referral_funnel(summary: pd.DataFrame, scenarios: Sequence[Scenario], years: float, out: Path) -> Path:
    """The route into treatment in the community, as flows over the run: need recorded by
    probation, referred (by probation, or a DRR given by a court), started treatment (pick-ups
    at release from prison left out: see the continuity cascade), completed (all routes). The
    stages are not nested: a court's drug assessment finds need before probation would, and
    prison leavers picked up take places that community referrals then wait for."""
    stages = [
        ("total_identifications", "drug need recorded by probation (need found at court is known already)"),
        ("total_community_referrals", "referred by probation or given a DRR"),
        ("total_community_treatment_starts", "started treatment in the community (not at release)"),
        ("total_treatment_completions", "completed treatment (all routes)"),
    ]
    return _stage_plot(summary, scenarios, stages, f"The route into treatment in the community: flows over {_years(years)}",
                       "people (national, over the run)", out / "referral_funnel.png")


def plot_cost_effectiveness_plane(table: pd.DataFrame, scenarios: Sequence[Scenario], value_of_qaly: float, out: Path) -> Path:
    """Each option's replicates against the baseline: QALYs gained across, net public cost
    less crime costs averted up; the option's mean marked; lines of constant cost per QALY
    at NICE's thresholds and the Green Book's value (below a line, worth doing at that value)."""
    titles = {s.name: s.title for s in scenarios}
    names = options(table)
    fig, ax = plt.subplots(figsize=(11, 7))
    markers = "osD^vP*Xhp<>d8"
    for k, name in enumerate(names):
        rows = table.xs(name, level="scenario")
        x, y = rows["qalys_gained"], (rows["pv_net_cost"] - rows["pv_crime_averted"]) / 1e6
        colour, marker = _style(k)["color"], markers[k % len(markers)]
        ax.scatter(x, y, s=10, color=colour, marker=marker, alpha=0.45)
        ax.scatter(x.mean(), y.mean(), s=90, color=colour, marker=marker, edgecolor="black", label=_wrap(titles.get(name, name), 45))
    limits = np.array(ax.get_xlim())
    for threshold, style, label in (
        (NICE_THRESHOLDS[0], ":", "£20,000 a QALY (NICE)"), (NICE_THRESHOLDS[1], "--", "£30,000 a QALY (NICE)"),
        (value_of_qaly, "-", f"£{value_of_qaly:,.0f} a QALY (Green Book, {PRICE_BASE} prices)"),
    ):
        ax.plot(limits, limits * threshold / 1e6, style, color="grey", linewidth=1, label=label)
    ax.set_xlim(*limits)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("QALYs gained against the baseline (national, discounted at 1.5%)")
    ax.set_ylabel("Net public cost less crime costs averted, present value (£m)")
    ax.set_title("Cost-effectiveness plane: each replicate (small) and the mean (large) of each option")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.grid(alpha=0.3)
    path = out / "cost_effectiveness_plane.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_acceptability(curves: pd.DataFrame, scenarios: Sequence[Scenario], value_of_qaly: float, out: Path) -> Path:
    """Cost-effectiveness acceptability curves: at each value of a QALY, the probability
    that each option is worth doing (net monetary benefit above zero) and that it is the best
    of all the options and the baseline."""
    titles = {s.name: s.title for s in scenarios}
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.5), sharey=True)
    names = list(dict.fromkeys(curves["scenario"]))
    styles = {name: _style(k) for k, name in enumerate(names)}
    for ax, column, title in (
        (axes[0], "probability_worth_doing", "Probability that the option is worth doing"),
        (axes[1], "probability_best", "Probability that the option is the best (baseline included)"),
    ):
        for name in names:
            rows = curves[curves["scenario"] == name]
            if rows[column].notna().any():
                ax.plot(rows["value_of_qaly"] / 1e3, rows[column], **styles[name], label=_wrap(titles.get(name, name), 45))
        ax.axvspan(NICE_THRESHOLDS[0] / 1e3, NICE_THRESHOLDS[1] / 1e3, color="grey", alpha=0.15, label="NICE £20,000 to £30,000")
        ax.axvline(value_of_qaly / 1e3, color="black", linestyle="--", linewidth=1, label="Green Book value of a QALY")
        ax.set_xlabel("Value of a QALY (£ thousand, 2019/20 prices)")
        ax.set_title(title, fontsize=10)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("Probability (share of replicates)")
    axes[1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.suptitle("Cost-effectiveness acceptability curves (net monetary benefit: QALYs valued, plus crime averted, less net cost)")
    path = out / "acceptability_curves.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


RANKED_COLUMNS = {  # headline label -> column of the ranked table
    "Social net present value": "social NPV (PV)",
    "Social benefit-cost ratio": "social BCR",
    "Proven reoffences averted": "proven reoffences averted",
    "Drug-related deaths averted": "drug-related deaths averted",
    "QALYs gained (discounted)": "QALYs gained",
    "Benefit-cost ratio, crime only": "BCR, crime only",
}


def ranked_table(summary: pd.DataFrame, decisions: pd.DataFrame, scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """The options ranked by mean social NPV: NPV and BCR with intervals, the probabilities
    that NPV is positive and that the option is the best per pound, what it averts and gains."""
    titles = {s.name: s.title for s in scenarios}
    headline = headline_table(summary)
    npv = summary[summary["metric"] == "npv"].set_index("scenario")["mean"]
    order = [name for name in npv.sort_values(ascending=False).index if name in decisions.index]
    rows = []
    for name in order:
        d = decisions.loc[name]
        row = {"option": titles.get(name, name)}
        for label, column in RANKED_COLUMNS.items():
            row[column] = headline.loc[name, label] if label in headline.columns else "n/a"
        row["P(NPV > 0)"] = f"{d['probability_npv_positive']:.2f}"
        row["P(best)"] = f"{d['probability_best_at_value_of_qaly']:.2f}"
        best_per_pound = d["probability_best_per_pound"]
        row["P(best per £)"] = f"{best_per_pound:.2f}" if np.isfinite(best_per_pound) else "n/a (no stated money)"
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame[[
        "option", "social NPV (PV)", "social BCR", "P(NPV > 0)", "P(best)", "P(best per £)", *list(RANKED_COLUMNS.values())[2:],
    ]]


def bottom_line(summary: pd.DataFrame, decisions: pd.DataFrame, scenarios: Sequence[Scenario]) -> list[str]:
    """The answer in three sentences: the option with the highest social NPV and how often it
    is the best; the options very likely to be worth doing; those very likely not to be."""
    titles = {s.name: s.title for s in scenarios}
    npv = summary[summary["metric"] == "npv"].set_index("scenario")["mean"].reindex(decisions.index)
    top = npv.idxmax()
    p = decisions["probability_npv_positive"]
    likely = [titles.get(n, n) for n in npv.sort_values(ascending=False).index if p[n] >= 0.9 and n != top]
    unlikely = [titles.get(n, n) for n in npv.sort_values(ascending=False).index if p[n] <= 0.1]
    lines = [
        ("**Bottom line.** No option run has a positive mean social NPV; the least negative is " if npv[top] < 0
         else "**Bottom line.** Of the options run, the highest social NPV is that of ")
        + f"{titles.get(top, top)} ({money(npv[top])}), which is "
        f"the best of all (the baseline included) in {decisions.loc[top, 'probability_best_at_value_of_qaly']:.0%} of "
        "replicates at the Green Book's value of a QALY. "
        + (f"Also very likely to be worth doing on their own (P(NPV > 0) at least 0.9): {'; '.join(likely)}. " if likely else "")
        + (f"Very likely not worth doing (P(NPV > 0) at most 0.1): {'; '.join(unlikely)}. " if unlikely else "")
        + ("A positive mean NPV with a small P(NPV > 0) means a few replicates gain a lot and most lose a little: the "
           "mean and the probability answer different questions, and the interval shows the spread. "
           if any(p[n] < 0.5 and npv[n] > 0 for n in npv.index) else "")
        + "Affordability is not modelled: the options differ greatly in cost, and the NPV per pound of budget is in the "
        "table (P(best per £)).",
        "",
    ]
    return lines


BENEFIT_SOURCES = (  # (label, paired measure): where an option's social benefit comes from
    ("crime averted: treatment and recovery", "pv_crime_averted_treatment_recovery"),
    ("crime averted: custody", "pv_crime_averted_custody"),
    ("health: drug-related deaths averted", "pv_health_value_drug_deaths"),
    ("health: other deaths", None),
    ("health: less problematic drug use", "pv_health_value_problematic_use"),
    ("health: time in treatment", "pv_health_value_treatment"),
    ("NHS care saved", "pv_net_cost_dhsc_nhs"),
)


def benefit_sources_table(summary: pd.DataFrame, scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """Per option (ranked by social NPV): where its benefit comes from, in £m (mean paired
    differences, present values): crime averted through treatment and recovery and through
    custody, the value of QALYs by source, and NHS care saved (a fall in its cost)."""
    titles = {s.name: s.title for s in scenarios}
    mean = summary.set_index(["scenario", "metric"])["mean"]
    npv = summary[(summary["metric"] == "npv") & (summary["scenario"] != BASELINE)].set_index("scenario")["mean"]
    rows = []
    for name in [n for n in npv.sort_values(ascending=False).index if n in titles]:
        m = lambda metric: float(mean.get((name, metric), np.nan))  # noqa: E731
        row = {"option": titles[name]}
        for label, metric in BENEFIT_SOURCES:
            if metric is None:  # deaths of other causes: all deaths less drug-related
                value = m("pv_health_value_deaths") - m("pv_health_value_drug_deaths")
            elif metric == "pv_net_cost_dhsc_nhs":
                value = -m(metric)
            else:
                value = m(metric)
            row[f"{label} (£m)"] = _millions(value)
        rows.append(row)
    return pd.DataFrame(rows)


def region_table(summary: pd.DataFrame, scenarios: Sequence[Scenario], region_names: Sequence[str], top: int = 2) -> pd.DataFrame:
    """By region: the baseline's people on probation in treatment, waiting list and mean
    caseload (means over the run), and the change in people in treatment and waiting under the
    ``top`` options by social NPV (mean paired differences)."""
    titles = {s.name: s.title for s in scenarios}
    rows = summary.set_index(["scenario", "metric"])
    npv = summary[(summary["metric"] == "npv") & (summary["scenario"] != BASELINE)].set_index("scenario")["mean"]
    leaders = [name for name in npv.sort_values(ascending=False).index if name in titles][:top]
    table = []
    for k, region in enumerate(region_names):
        metric = lambda stock: f"mean_{stock}_region_{k:02d}"  # noqa: E731
        if (BASELINE, metric("in_treatment")) not in rows.index:
            return pd.DataFrame()
        row = {
            "region": region,
            "in treatment (baseline)": f"{rows.loc[(BASELINE, metric('in_treatment')), 'mean']:,.0f}",
            "waiting (baseline)": f"{rows.loc[(BASELINE, metric('waiting_list')), 'mean']:,.0f}",
            "mean caseload (baseline)": f"{rows.loc[(BASELINE, metric('caseload_mean')), 'mean']:,.1f}",
        }
        for name in leaders:
            for stock, label in (("in_treatment", "in treatment"), ("waiting_list", "waiting")):
                change = rows.loc[(name, metric(stock)), "difference"]
                row[f"{label}: {titles[name]}"] = f"{change:+,.0f}"
        table.append(row)
    return pd.DataFrame(table)


def like_for_like(summary: pd.DataFrame, published: Sequence[dict]) -> pd.DataFrame:
    """The model's return on today's treatment (summary rows of scenario ``existing_treatment``)
    beside the published figures, with what each counts."""
    mine = summary[summary["scenario"] == "existing_treatment"].set_index("metric")
    rows = []
    for horizon, label in (("first_year", "first year"), ("run", "whole run")):
        for measure, counts in (
            ("return_crime_and_nhs_care", "crime (Home Office unit costs) and NHS care, no social care"),
            ("return_social", "crime, NHS care and QALYs at the Green Book's value"),
        ):
            key = f"{measure}_{horizon}"
            if key in mine.index:
                r = mine.loc[key]
                rows.append({
                    "source": f"this model, people on probation, {label}",
                    "return per £1 of treatment": f"£{r['mean']:.2f} (£{r['lower']:.2f} to £{r['upper']:.2f})",
                    "what it counts": counts,
                })
    rows += [
        {"source": p["study"], "return per £1 of treatment": f"£{p['return_per_pound']:.2f}", "what it counts": p["counts"]}
        for p in published
    ]
    return pd.DataFrame(rows)


def _replicate_warning(replicates: int) -> list[str]:
    if replicates >= ENOUGH_REPLICATES:
        return []
    return [
        f"> **Warning: {replicates} replicate{'s' if replicates != 1 else ''} only.** Intervals from fewer than "
        f"{ENOUGH_REPLICATES} replicates reach the sample's extremes (with one, there is no interval), and the "
        "probabilities below are coarse. Run 48 replicates or more (`--reps 48`, or Replicates on the dashboard) for "
        "figures to quote.",
        "",
    ]


def _sureness(probability: float) -> str:
    """Words for how likely, after the IPCC's likelihood scale."""
    for bound, words in ((0.99, "virtually certain"), (0.9, "very likely"), (0.66, "likely"), (0.33, "about as likely as not"),
                         (0.1, "unlikely"), (0.01, "very unlikely")):
        if probability >= bound:
            return words
    return "exceptionally unlikely"


def _option_paragraphs(
    summary: pd.DataFrame, decisions: pd.DataFrame, information: pd.DataFrame, scenarios: Sequence[Scenario]
) -> list[str]:
    """One plain-language paragraph per option, from its numbers: what it costs and buys, how
    sure, and which evidence would be worth most to the choice to fund it."""
    mean = summary.set_index(["scenario", "metric"])["mean"]
    difference = summary.set_index(["scenario", "metric"])["difference"]
    lines = []
    for s in sorted(scenarios, key=lambda s: -float(mean.get((s.name, "npv"), -np.inf))):  # as the ranked table
        if s.name not in decisions.index:
            continue
        m = lambda metric: float(mean.get((s.name, metric), np.nan))  # noqa: E731
        d = lambda metric: float(difference.get((s.name, metric), np.nan))  # noqa: E731
        p = float(decisions.loc[s.name, "probability_npv_positive"])
        lines += [
            f"**{s.title}.** Net public cost {money(m('pv_net_cost'))} (present value; MoJ/HMPPS "
            f"{money(m('pv_net_cost_moj_hmpps'))}, local authorities {money(m('pv_net_cost_local_authorities'))}, "
            f"NHS {money(m('pv_net_cost_dhsc_nhs'))}). {_fewer(m('reoffences_averted'), 'proven reoffences')} and "
            f"{_fewer(m('deaths_averted'), 'drug-related deaths')}; {m('qalys_gained'):,.0f} QALYs gained "
            f"({m('qalys_gained_drug_deaths'):,.0f} through drug-related deaths averted, "
            f"{m('qalys_gained_deaths') - m('qalys_gained_drug_deaths'):,.0f} through other deaths, which change with the "
            f"people the model follows, {m('qalys_gained_problematic_use'):,.0f} through less "
            f"problematic drug use, {m('qalys_gained_treatment'):,.0f} through time in treatment). Crime costs averted "
            f"{money(m('pv_crime_averted'))} and health {money(m('pv_health_value'))}: a social NPV of "
            f"{money(m('npv'))} (Monte Carlo standard error {money(float(decisions.loc[s.name, 'npv_se']))}). That the NPV "
            f"is positive is {_sureness(p)} (probability {p:.2f}). {_budget_sentence(d)}{_evidence_sentence(information, s.name)}",
            "",
        ]
    return lines


def _money_as_spent(scenario: Scenario, years: float) -> str:
    """The levers' stated money, by the years in which it is spent: '£43.0m a year in years 1 to 5; ...'."""
    spans: dict[tuple[float, float], float] = {}
    for lever in scenario.levers:
        if lever.cost_per_year > 0:
            start = lever.start_week / 52
            end = years if lever.weeks is None else min(years, (lever.start_week + lever.weeks) / 52)
            if end > start:
                spans[(start, end)] = spans.get((start, end), 0.0) + lever.cost_per_year
    parts = []
    for (start, end), money in sorted(spans.items()):
        first, last = int(start) + 1, int(np.ceil(end))
        when = f"year {first}" if first == last else f"years {first} to {last}"
        parts.append(f"£{money / 1e6:,.1f}m a year in {when}")
    return "; ".join(parts) or "none"


def _years(years: float) -> str:
    return f"{years:g} year{'' if years == 1 else 's'}"


def _millions(value: float) -> str:
    """A table cell in £m: '943.6'."""
    return f"{float(value) / 1e6 + 0.0:,.1f}"


def _fewer(change: float, noun: str) -> str:
    """'486 fewer proven reoffences', or '80 more' for a negative change averted."""
    return f"{abs(change):,.0f} {'fewer' if round(change) >= 0 else 'more'} {noun}"


def _budget_sentence(d) -> str:
    """Where most of an option's stated money is neither a cost nor a benefit here, say so
    (``d(metric)``: the option's mean difference from the baseline)."""
    budget, other = d("pv_budget_nominal"), d("pv_budget_other_clients") + d("pv_treatment_capacity_other_clients")
    if budget > 0 and other > 0.5 * budget:
        return (f"Of its stated budget ({money(budget)} in present value), {money(other)} buys treatment for the services' "
                "other clients or places that people on probation did not use: neither a cost nor a benefit here (see "
                "'Where the money goes'). ")
    return ""


def _evidence_sentence(information: pd.DataFrame, option: str) -> str:
    """What knowing more would be worth to the choice to fund ``option``."""
    mine = information[information["decision"] == option]
    if mine.empty:
        return ""
    total = float(mine.iloc[0]["value"])
    if round(total / 1e6, 1) <= 0:
        return "Knowing more would not change the choice to fund it (no value of information)."
    top = [row for row in mine.iloc[1:4].itertuples() if round(row.value / 1e6, 1) > 0]
    named = (
        "of single parameters, most: " + ", ".join(f"`{row.quantity}` ({money(row.value)})" for row in top)
        if top else "no single parameter is worth much on its own"
    )
    return (f"Knowing everything uncertain before deciding to fund it would be worth {money(total)}; {named} (what "
            "single parameters do not explain is chance variation at this scale, or several parameters together).")


def _information_paragraph(information: pd.DataFrame) -> list[str]:
    """The value of perfect information, in all and for the parameters whose evidence is worth most."""
    information = information[information["decision"] == ALL_OPTIONS]
    if information.empty:
        return []
    total = float(information.iloc[0]["value"])
    parts = [row for row in information.iloc[1:6].itertuples() if round(row.value / 1e6, 1) > 0]
    named = "; ".join(f"`{row.quantity}` {money(row.value)}" for row in parts) or "none is worth £0.1m or more"
    return [
        f"**What evidence is worth.** Knowing everything uncertain before choosing among all the options would be worth "
        f"{money(total)} (expected value of perfect information, at the Green Book's value of a QALY, for the decision "
        "as a whole: nothing where one option is best in every replicate; each option's own fund-or-not value is in its "
        "paragraph above); "
        f"knowing one parameter exactly (expected value of partial perfect information, regression method): {named}. "
        "At reduced scale each replicate also carries chance variation a national decision would not face, so these are "
        "upper bounds. `summary.csv` has every figure (scenario `decision`).",
        "",
    ]


def _style(k: int) -> dict:
    """The k-th of up to 30 distinct line styles: ten colours, then the same with dashes and dots."""
    return {"color": plt.get_cmap("tab10")(k % 10), "linestyle": ("-", "--", ":")[(k // 10) % 3]}


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
    decisions: pd.DataFrame,
    information: pd.DataFrame,
    published_returns: pd.DataFrame,
) -> Path:
    """report.md: which option and how sure (ranked table, a paragraph per option, the value
    of information), what was run, the headline table, the plots, caveats and assumptions."""
    table = headline_table(summary).loc[[s.name for s in scenarios]]
    table.index = pd.Index([s.title for s in scenarios], name="scenario")
    lines = [
        "# Drug treatment for people on probation: funding scenarios",
        "",
        f"Run {settings['started']} with `{settings['command']}`.",
        "",
        *_replicate_warning(settings["replicates"]),
        "## Which option, and how sure",
        "",
        "Options ranked by mean social net present value (Green Book social cost-benefit analysis: crime costs averted "
        "and QALYs gained, valued at the Green Book's value of a QALY, less net public cost), against the baseline, "
        f"over {_years(settings['years'])}. Brackets: 2.5th to 97.5th percentile over replicates; a ratio (benefit-cost ratios, "
        "cost per reoffence averted) is the ratio of the means over replicates, with the spread of the replicates' own "
        "ratios, and n/a where its cost or effect is 0 or less in some replicate (a ratio over a cost near 0 means "
        "nothing). P(NPV > 0): the share "
        "of replicates in which the option's social NPV is positive; P(best): the share in which it is the best of all the "
        "options and the baseline at the Green Book's value of a QALY; P(best per £): the share in which it has the highest "
        "NPV per pound of its stated budget (its levers' money in present value; the training package states none, its "
        "cost being what it buys, so it is not compared per pound). Each replicate draws a parameter set from the calibration posterior and its own "
        "random numbers, the same in every option.",
        "",
        markdown_table(ranked_table(summary, decisions, scenarios)),
        "",
        *bottom_line(summary, decisions, scenarios),
        *_option_paragraphs(summary, decisions, information, scenarios),
        *_information_paragraph(information),
        "## What was run",
        "",
        f"- {len(scenarios)} scenarios, {settings['replicates']} replicates each, {_years(settings['years'])}, "
        f"at {settings['scale']:g} of the national caseload (results scaled to England and Wales), seed {settings['seed']}.",
        f"- Replicate r uses the same random numbers{' and parameter draw' if settings.get('parameter_sample') else ''} "
        "in every scenario, so differences from the baseline are paired.",
        f"- Parameters: {settings['parameter_note']}",
        f"- Money in {PRICE_BASE} prices; present values discounted at 3.5% a year, health effects (QALYs and their value) "
        "at 1.5% (HM Treasury Green Book).",
        "",
        "| scenario | what it does | money as it is spent (stated) | present value of that money |",
        "|---|---|---|---|",
    ]
    budget = summary[summary["metric"] == "pv_budget_nominal"].set_index("scenario")["mean"]
    for s in scenarios:
        pv = budget.get(s.name, np.nan)
        lines.append(
            f"| {s.title} | {s.description.strip()} | {_money_as_spent(s, settings['years'])} | "
            f"{money(pv) if pv > 0 else 'none stated: it costs what it buys (see net public cost)' if s.name != BASELINE else ''} |"
        )
    lines += [
        "",
        "## Headline results against the baseline",
        "",
        "Mean over replicates, with the 95% interval (2.5th to 97.5th percentile over replicates) in brackets; a ratio is "
        "the ratio of the means, with the spread of the replicates' own ratios. "
        "A social cost-benefit analysis (Green Book). Net public cost counts probation and custody (MoJ/HMPPS), drug "
        "treatment (local authorities) and NHS care by drug use state (DHSC/NHS); custody and care saved count as savings. "
        "Benefits are crime costs averted (Home Office unit costs of crime) and QALYs gained (deaths averted, less "
        "problematic drug use, time in treatment), valued at the Green Book's £70,000 a QALY (2020-21 prices; £67,400 in "
        "2019/20 prices). The social net present value is benefits less net cost; the benefit-cost ratio is mean benefits "
        "over mean net cost, shown only where the net cost is positive; the crime-only ratio (crime averted over the cost "
        "to MoJ/HMPPS and local authorities) is the measure this model reported before health was counted.",
        "",
        markdown_table(table),
        "",
        "## Where the benefit comes from",
        "",
        "Mean paired differences from the baseline, present values in £m: crime averted through treatment and recovery "
        "and through custody (people held after recall or breach), the value of QALYs gained by source (deaths of other "
        "causes change with the people the model follows: see the caveats), and NHS care saved (counted in the net public "
        "cost, as a saving). Crime averted and the value of QALYs make the social benefit.",
        "",
        markdown_table(benefit_sources_table(summary, scenarios)),
        "",
        "## Like for like: the return on today's treatment",
        "",
        "Published returns on drug treatment average over treatment as it is. To compare, the model was run without "
        "today's treatment for people on probation (from week 0: no funded places, pick-ups at release or DRRs; treatment "
        "under way runs its course), paired with the baseline; what is lost, per £1 of treatment money saved (present "
        "values; brackets: 2.5th to 97.5th percentile over replicates):",
        "",
        markdown_table(published_returns),
        "",
        "The model's return is for people on probation, who offend far more than the average person starting treatment, "
        "so each place averts more crime; over the whole run it also counts recovery that outlasts treatment. DTORS "
        "followed people for about a year, from self-reports, without a control group; the model's effects of treatment "
        "on offending rest on such before-and-after studies too (see the caveats). The published figures count social "
        "care, which the model does not; the model's treatment cost is a funded place-week at "
        "`cost_treatment_place_per_year`, which may be below the full cost of a treatment journey.",
        "",
        "## Results by region",
        "",
        "People on probation in treatment and waiting, and practitioners' mean caseload, by probation region: the "
        "baseline's means over the run, and the change (mean paired difference) under the two options with the highest "
        "social NPV. National figures: each region's share of the caseload, places and staff is in `model/data/regions.yaml`.",
        "",
        markdown_table(region_table(summary, scenarios, [r.name for r in default_regions()])),
        "",
        "## Where the money goes and how crime is averted",
        "",
        "Mean differences from the baseline over replicates (present values, £m), and the share of funded treatment places "
        "used by people on probation (a level, not a difference). The nominal budget is the levers' stated money while "
        "active; of it, the share that community treatment money spends on other clients is out of the scenario's scope. "
        "Treatment is costed as delivered: people on probation in treatment, a place-week each; funded places they did "
        "not use serve the services' other clients. Neither is a cost nor a benefit of the scenario, so for treatment "
        "money the net cost is far below the budget; a negative 'places not used' means fewer places left unused than in "
        "the baseline. The share of places used can exceed 1: prison leavers picked up at release continue treatment at "
        "once, above the funded places, while community referrals wait. Crime averted through custody is the crime that people held after recall or breach would have "
        "committed outside (incapacitation, bought at the custody cost beside it); the rest is averted through treatment "
        "and recovery.",
        "",
        markdown_table(money_and_mechanism_table(summary, scenarios)),
        "",
        "One-year proven reoffending rate (Ministry of Justice definition) of each complete yearly cohort of starts, baseline:",
        "",
        markdown_table(cohort_rates.assign(cohort=cohort_rates["cohort"].str.replace(
            "proven_reoffending_rate_cohort_", "starts in year ", regex=False))),
        "",
        "## Figures",
        "",
    ]
    lines += [f"![{p.stem}]({p.name})" for p in plots]
    lines += [
        "",
        "## Caveats",
        "",
        "- Levels drift, differences do not: the model follows people after supervision from the start of the run, so the "
        "people it follows accumulate (about 110,000 at the start to 700,000 by year 5 at full scale), more court starts "
        "are people it already knows (who reoffend more), and the crime it counts and the one-year reoffending rate of "
        "each year's starts rise in every scenario, the baseline included. The levels are not a forecast; the differences "
        "between scenarios are the result.",
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
        "- Health effects: utilities by drug use state are non-UK proxies and NHS care costs by state come from one "
        "modelled English town (low confidence; both in `model/data/parameters.yaml` with ranges); social care (children "
        "in care) is not counted for want of a per-person source. A person who comes back on a new order takes a "
        "stranger's place among court starts, so a scenario with fewer reoffences follows more strangers, whose crime and "
        "drug use count against it: its benefits are understated.",
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
            row[f"{label} (£m)"] = _millions(value)
        row["share of funded places used (level)"] = f"{float(mine.loc['treatment_utilisation', 'mean']):.2f}"
        rows.append(row)
    return pd.DataFrame(rows)


def markdown_table(frame: pd.DataFrame) -> str:
    """A table in Markdown, as the report writes it."""
    frame = frame if isinstance(frame.index, pd.RangeIndex) else frame.reset_index()
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.0f}"
    return str(value)
