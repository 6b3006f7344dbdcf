"""The dashboard: ``make dashboard`` (Solara, served on 127.0.0.1), three pages.

1. One run, week by week: Mesa's SolaraViz over the model, the main parameters and levers as
   controls, play, step and reset, and the weekly measures plotted.
2. Compare scenarios: choose scenarios, set each lever's money, replicates, years and scale;
   the paired ensemble runs on the local Dask workers in the background (progress, cancel),
   then the ranked table and figures, from the same code as ``run_scenarios.py``.
3. Browse results: any results folder, its report, tables and figures, without re-running.

What the pages do, apart from drawing, is in :mod:`model.experiments.dashboard`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import solara
import solara.lab
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from ..appraisal.decision import ENOUGH_REPLICATES
from ..appraisal.report import markdown_table, ranked_table
from ..kernel_cache import kernels_cached
from ..parameters import ParameterSet
from .comparison import FIGURES
from .dashboard import (
    BAD_SETTINGS, LEGEND, RUN_PLOTS, OneRunModel, compare, figures, lever_label, page_message, parse_number, posterior_sample,
    report_parts, results_folders, run_controls, run_settings, settings_for, with_money,
)
from .outputs import output_dir
from .scenarios import ScenarioLibrary


# ------------------------------------------------------------------ page 1: one run, week by week
def weekly_plot(title: str, ylabel: str, columns: tuple[str, ...], national: bool):
    """A SolaraViz component: ``columns`` of the weekly record, week by week (people
    divided by the scale: England and Wales)."""

    @solara.component
    def WeeklyPlot(model):
        update_counter.get()  # drawn again after every step
        frame = model.datacollector.get_model_vars_dataframe()
        figure = Figure(figsize=(5.5, 3.2), layout="constrained")
        axes = figure.subplots()
        if frame.empty:
            axes.text(0.5, 0.5, "no weeks yet: press Step or ▶", ha="center", va="center", transform=axes.transAxes)
        for column in columns if not frame.empty else ():
            axes.plot(frame.index, frame[column] / (model.scale if national else 1.0), label=LEGEND[column],
                      marker="o" if len(frame) < 30 else None, markersize=3)
        axes.set_title(title)
        axes.set_xlabel("week of the run")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlim(0, max(len(frame) - 1, 1))
        axes.set_ylabel(ylabel)
        if not frame.empty:
            axes.legend(fontsize="small")
        solara.FigureMatplotlib(figure, format="png")

    return WeeklyPlot


@solara.component
def RunSettings(model):
    update_counter.get()
    solara.Markdown(run_settings(model))


# made once: a component made anew each render is remounted
PLOTS = [(RunSettings, 0), *[(weekly_plot(*plot), 0) for plot in RUN_PLOTS]]


@solara.component
def RunPage():
    compiled = solara.use_memo(kernels_cached, [])
    ready = solara.lab.use_task(OneRunModel, dependencies=[])  # made in the background: the first time, it compiles
    controls = solara.use_memo(run_controls, [])
    if ready.value is None:
        solara.Title("One run, week by week")
        solara.Info("Preparing the model" + ("" if compiled else ": compiling its kernels for this version of the code "
                                             "(once: about three minutes on two cores; they are cached after)"))
        solara.ProgressLinear(True)
        if ready.error:
            solara.Error(f"Failed: {ready.exception}")
        return
    SolaraViz(ready.value, components=PLOTS, model_params=controls, name="One run, week by week", play_interval=150)


# ------------------------------------------------------------------ page 2: compare scenarios
SETTING_DEFAULTS = {"replicates": "8", "years": "1", "scale": "0.02", "seed": "1", "out": "dashboard"}
SETTING_LABELS = {
    "replicates": "Replicates (41 or more for decisions)", "years": "Years", "scale": "Scale (share of England and Wales)",
    "seed": "Seed", "out": "Save as (a folder under outputs/)",
}


def _text_input(label: str, texts: solara.Reactive[dict], key: str, default: str) -> None:
    """A text box whose text is kept under ``key`` (keyed, so that boxes added above it do
    not take its place); parsed and checked by the page, which says what is wrong."""
    solara.InputText(
        label, value=texts.value.get(key, default), on_value=lambda text: texts.set({**texts.value, key: text}),
        continuous_update=True,
    ).key(key)


@solara.component
def ComparePage():
    library = solara.use_memo(ScenarioLibrary, [])
    base = solara.use_memo(ParameterSet.load, [])
    sample, posterior = solara.use_memo(posterior_sample, [])
    options = [name for name in library.names if name != "baseline"]
    chosen = solara.use_reactive(["naloxone"])
    texts = solara.use_reactive({})  # what is typed in each box: settings, and "money/<scenario>/<lever>"
    status = solara.use_reactive("")
    last = solara.use_reactive(None)  # the latest finished comparison: (plan, appraisal, folder)

    def text(key: str) -> str:
        return texts.value.get(key, SETTING_DEFAULTS.get(key, ""))

    error, scenarios, settings, out = None, [], None, text("out")
    try:
        replicates, seed = (parse_number(text(k), SETTING_LABELS[k], whole=True) for k in ("replicates", "seed"))
        years, scale = (parse_number(text(k), SETTING_LABELS[k]) for k in ("years", "scale"))
        settings = settings_for(replicates, years, scale, seed, sample, posterior)
        output_dir(out)
        for name in chosen.value:
            money = {
                lever.name: parse_number(text(f"money/{name}/{lever.name}"), f"{lever_label(lever.name)} ({name}): £ a year")
                for lever in library.get(name).levers if f"money/{name}/{lever.name}" in texts.value
            }
            scenarios.append(with_money(library.get(name), money, base))
    except BAD_SETTINGS as err:
        error = page_message(err)
    if error is None and not chosen.value:
        error = "Choose at least one scenario to compare with the baseline."

    def run():
        def progress(done: int, total: int) -> None:
            task.progress = 100 * done / total
            status.value = (f"{done} of {total} runs done (each replicate runs the baseline, each option, and the model "
                            "without today's treatment for the like-for-like check)")

        result = compare(scenarios, settings, out=out, on_progress=progress, stop=lambda: not task.is_current(),
                         say=lambda message: status.set(message))
        last.set(result)
        return result

    task = solara.lab.use_task(run, dependencies=None)

    solara.Title("Compare scenarios")
    with solara.Sidebar(), solara.Card("Comparison"):
        solara.SelectMultiple("Scenarios (each against the baseline)", chosen.value, options, on_value=chosen.set)
        for name in chosen.value:
            scenario = library.get(name)
            solara.Markdown(f"**{scenario.title}** ({name})")
            for lever in scenario.levers:
                key, stated = f"money/{name}/{lever.name}", f"{lever.cost_per_year:,.0f}"
                _text_input(f"{lever_label(lever.name)}: £ a year", texts, key, stated)
        for key, label in SETTING_LABELS.items():
            _text_input(label, texts, key, SETTING_DEFAULTS[key])
        if error:
            solara.Error(error)
        elif settings.replicates < ENOUGH_REPLICATES:
            solara.Warning(f"With fewer than {ENOUGH_REPLICATES} replicates the intervals reach the sample's extremes: "
                           "fine for a first look, not for a decision.")
        with solara.Row():
            solara.Button("Run", color="primary", on_click=task, disabled=bool(error) or task.pending)
            solara.Button("Cancel", on_click=task.cancel, disabled=not task.pending)
    if task.pending:
        solara.Text(status.value or "Starting")
        solara.ProgressLinear(task.progress if task.progress is not None else True)
    elif task.cancelled:
        solara.Warning("Stopped on request: the runs already finished are cached, so Run goes on from them.")
    elif task.error:
        solara.Error(f"Failed: {page_message(task.exception)}")
    if last.value:
        _ComparisonResults(*last.value, latest=task.finished)
    elif not task.pending and not error:
        solara.Info("Choose scenarios and settings, then Run. Runs are cached with the command line's, so "
                    "run_scenarios.py and this page reuse each other's runs.")


@solara.component
def _ComparisonResults(plan, appraisal, folder: Path, latest: bool):
    s = plan.settings
    solara.Markdown(
        f"### Which option, and how sure{'' if latest else ' (the last comparison that finished)'}\n"
        f"Written to `{folder}` (open it on the Browse results page). Options ranked by mean social NPV against the "
        f"baseline, {s.replicates} paired replicates over {s.years:g} year{'' if s.years == 1 else 's'} at scale "
        f"{s.scale:g}; brackets: 2.5th to 97.5th percentile over replicates.\n\n"
        + markdown_table(ranked_table(appraisal.summary, appraisal.decisions, plan.scenarios))
    )
    for name, caption in FIGURES.items():
        solara.Markdown(f"**{caption}**")
        solara.Image(folder / name, width="100%")


# ------------------------------------------------------------------ page 3: browse results
@solara.component
def BrowsePage():
    folders = solara.use_memo(results_folders, [])
    names = [f.name for f in folders]
    chosen = solara.use_reactive(names[0] if names else None)
    solara.Title("Browse results")
    if not names:
        solara.Info("No results yet: run make run, or compare scenarios on the Compare page.")
        return
    solara.Select("Results folder (under outputs/)", value=chosen, values=names)
    folder = folders[names.index(chosen.value)] if chosen.value in names else folders[0]
    meta = _metadata(folder)
    solara.Markdown(
        f"**{folder.name}**: {meta.get('replicates', '?')} replicates, {meta.get('years', '?')} years at scale "
        f"{meta.get('scale', '?')}; finished {meta.get('finished', '?')}; command `{meta.get('command', '?')}`"
    )
    report = folder / "report.md"
    parts = report_parts(report.read_text()) if report.is_file() else [("text", "(no report.md in this folder)")]
    with solara.lab.Tabs():
        with solara.lab.Tab("Report"):
            for kind, content in parts:  # the report's text, with its figures where it places them
                if kind == "text":
                    solara.Markdown(content)
                elif (folder / content).is_file():
                    solara.Image(folder / content, width="100%")
        with solara.lab.Tab("Figures"):
            for path in figures(folder):
                solara.Markdown(f"**{path.stem.replace('_', ' ').capitalize()}**")
                solara.Image(path, width="100%")
        with solara.lab.Tab("Summary table"):
            solara.Markdown("Every outcome by scenario: mean, 95% interval over replicates, difference from the baseline "
                            "with its interval and Monte Carlo standard error (metric names as in the README).")
            solara.DataFrame(pd.read_csv(folder / "summary.csv").round(3), items_per_page=25)


def _metadata(folder: Path) -> dict:
    try:
        meta = json.loads((folder / "metadata.json").read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


routes = [
    solara.Route(path="/", component=RunPage, label="One run, week by week"),
    solara.Route(path="compare", component=ComparePage, label="Compare scenarios"),
    solara.Route(path="browse", component=BrowsePage, label="Browse results"),
]
