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

from ..appraisal.report import markdown_table, ranked_table
from ..parameters import ParameterSet
from .comparison import FIGURES
from .dashboard import (
    BAD_SETTINGS, RUN_PLOTS, OneRunModel, compare, figures, posterior_sample, results_folders, run_controls, settings_for,
    with_money,
)
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
            axes.plot(frame.index, frame[column] / (model.scale if national else 1.0), label=column.replace("_", " "))
        axes.set_title(title)
        axes.set_xlabel("week of the run")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel(ylabel)
        if not frame.empty:
            axes.legend(fontsize="small")
        solara.FigureMatplotlib(figure, format="png")

    return WeeklyPlot


@solara.component
def RunPage():
    model = solara.use_memo(OneRunModel, [])
    SolaraViz(
        model,
        components=[(weekly_plot(*plot), 0) for plot in RUN_PLOTS],
        model_params=run_controls(),
        name="One run, week by week",
        play_interval=150,
    )


# ------------------------------------------------------------------ page 2: compare scenarios
def _money_inputs(library: ScenarioLibrary, chosen: list[str], money: solara.Reactive[dict]) -> None:
    for name in chosen:
        for lever in library.get(name).levers:
            key = f"{name}/{lever.name}"

            def set_money(value, key=key):
                money.value = {**money.value, key: value}

            solara.InputFloat(
                f"{name}: {lever.name.replace('_', ' ')}, £ a year", value=money.value.get(key, lever.cost_per_year),
                on_value=set_money, continuous_update=True,
            )


@solara.component
def ComparePage():
    library = solara.use_memo(ScenarioLibrary, [])
    base = solara.use_memo(ParameterSet.load, [])
    sample, posterior = solara.use_memo(posterior_sample, [])
    options = [name for name in library.names if name != "baseline"]
    chosen = solara.use_reactive(["naloxone"])
    money = solara.use_reactive({})  # "scenario/lever" to £ a year, where changed
    replicates, years = solara.use_reactive(2), solara.use_reactive(1.0)
    scale, seed = solara.use_reactive(0.02), solara.use_reactive(1)
    status = solara.use_reactive("")

    error, scenarios = None, []
    try:
        settings = settings_for(replicates.value, years.value, scale.value, seed.value, sample, posterior)
        for name in chosen.value:
            mine = {k.split("/", 1)[1]: v for k, v in money.value.items() if k.split("/", 1)[0] == name}
            scenarios.append(with_money(library.get(name), mine, base))
    except BAD_SETTINGS as err:
        error = str(err).replace("--reps", "replicates").replace("--", "")
    if error is None and not chosen.value:
        error = "choose at least one scenario to compare with the baseline"

    def run():
        def progress(done: int, total: int) -> None:
            task.progress = 100 * done / total
            status.value = f"{done} of {total} runs done"

        return compare(scenarios, settings, on_progress=progress, stop=lambda: not task.is_current(),
                       say=lambda message: status.set(message))

    task = solara.lab.use_task(run, dependencies=None)

    solara.Title("Compare scenarios")
    with solara.Sidebar(), solara.Card("Comparison"):
        solara.SelectMultiple("Scenarios (each against the baseline)", chosen.value, options, on_value=chosen.set)
        _money_inputs(library, chosen.value, money)
        solara.InputInt("Replicates", value=replicates, continuous_update=True)
        solara.InputFloat("Years", value=years, continuous_update=True)
        solara.InputFloat("Scale (share of England and Wales)", value=scale, continuous_update=True)
        solara.InputInt("Seed", value=seed, continuous_update=True)
        if error:
            solara.Error(error)
        with solara.Row():
            solara.Button("Run", color="primary", on_click=task, disabled=bool(error) or task.pending)
            solara.Button("Cancel", on_click=task.cancel, disabled=not task.pending)
    if task.pending:
        solara.Text(status.value or "Starting")
        solara.ProgressLinear(task.progress if task.progress is not None else True)
    elif task.cancelled:
        solara.Warning("Stopped on request: the runs already finished are cached, so Run goes on from them")
    elif task.error:
        solara.Error(f"Failed: {task.exception}")
    if task.finished and task.value:
        plan, appraisal, folder = task.value
        solara.Markdown(
            f"### Which option, and how sure\nWritten to `{folder}` (open it on the Browse results page). Options ranked by "
            f"mean social NPV against the baseline, {plan.settings.replicates} paired replicates over {plan.settings.years:g} "
            f"years at scale {plan.settings.scale:g}; brackets: 2.5th to 97.5th percentile over replicates.\n\n"
            + markdown_table(ranked_table(appraisal.summary, appraisal.decisions, plan.scenarios))
        )
        for name, caption in FIGURES.items():
            solara.Markdown(f"**{caption}**")
            solara.Image(folder / name, width="720px")
    elif not task.pending:
        solara.Info("Choose scenarios and settings, then Run. Runs are cached with the command line's: "
                    "`run_scenarios.py` and this page reuse each other's.")


# ------------------------------------------------------------------ page 3: browse results
@solara.component
def BrowsePage():
    folders = solara.use_memo(results_folders, [])
    names = [f.name for f in folders]
    chosen = solara.use_reactive(names[0] if names else None)
    solara.Title("Browse results")
    if not names:
        solara.Info("No results yet: run `make run` or compare scenarios on the Compare page.")
        return
    solara.Select("Results folder (under outputs/)", value=chosen, values=names)
    folder = folders[names.index(chosen.value)] if chosen.value in names else folders[0]
    meta = _metadata(folder)
    solara.Markdown(
        f"**{folder.name}**: {meta.get('replicates', '?')} replicates, {meta.get('years', '?')} years at scale "
        f"{meta.get('scale', '?')}; finished {meta.get('finished', '?')}; command `{meta.get('command', '?')}`"
    )
    with solara.lab.Tabs():
        with solara.lab.Tab("Report"):
            report = folder / "report.md"
            text = report.read_text() if report.is_file() else "(no report.md)"
            solara.Markdown("\n".join(line for line in text.splitlines() if not line.startswith("![")))
        with solara.lab.Tab("Figures"):
            for path in figures(folder):
                solara.Markdown(f"**{path.stem.replace('_', ' ')}**")
                solara.Image(path, width="720px")
        with solara.lab.Tab("Summary table"):
            solara.DataFrame(pd.read_csv(folder / "summary.csv"), items_per_page=25)


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
