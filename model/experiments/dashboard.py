"""What the dashboard (:mod:`model.experiments.app`) does, apart from drawing it.

- One run, week by week: :class:`OneRunModel`, a :class:`~model.ProbationModel` whose main
  parameters and levers are keyword arguments (so Mesa's SolaraViz can make controls of
  them), and :data:`RUN_PLOTS`, the weekly measures it plots, in national-equivalent numbers.
- Compare scenarios: :func:`with_money` (a scenario with its levers' money changed, checked
  as a scenario file is), :func:`settings_for` (checked as the command line checks them) and
  :func:`compare` (the same plan, runs, cache, appraisal and results folder as
  ``run_scenarios.py``).
- Browse results: :func:`results_folders` and :func:`figures`.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from pydantic import ValidationError

from ..model import ProbationModel
from ..parameters import ParameterError, ParameterSet
from .cli import UsageError, check_options
from .comparison import Appraisal, Plan, Settings, conduct
from .ensemble import RunCache
from .levers import Lever
from .outputs import MARKER, OUTPUTS, OutputError, earlier_results, output_dir
from .posterior import default_posterior_path, load_parameter_sample
from .scenarios import Scenario, ScenarioError, ScenarioLibrary, check_as_run

# ------------------------------------------------------------------ one run, week by week
RUN_SCALE = 0.02  # 1:50: about 3,000 people supervised, a step in a few milliseconds
RUN_PARAMETERS = {  # the parameters page 1 shows as controls, over their plausible range (from the parameter file)
    "treatment_places": "Treatment places (national)",
    "caseload_cap": "Caseload cap (cases)",
    "practitioner_mean_caseload": "Mean caseload (sets staffing)",
    "refer_per_week": "Weekly chance of referral",
    "identify_per_week": "Weekly chance need is identified",
    "release_appointment": "Release appointments (share)",
    "court_order_starts_per_year": "Court orders a year (national)",
}
# Plots of page 1: title, y label, columns, and whether a column counts people (shown national-equivalent).
RUN_PLOTS = (
    ("People supervised, with need identified", "people (England and Wales)", ("supervised", "identified"), True),
    ("Referrals and treatment starts", "people a week (England and Wales)", ("referrals", "treatment_starts"), True),
    ("In treatment and waiting", "people (England and Wales)", ("in_treatment", "waiting_list"), True),
    ("Prison leavers in treatment, and picked up", "people a week (England and Wales)",
     ("releases_in_treatment", "release_pickups"), True),
    ("Offences", "offences a week (England and Wales)", ("offences_acquisitive", "offences_other", "proven_reoffences"), True),
    ("Deaths of people supervised", "deaths a week (England and Wales)", ("deaths", "drug_deaths"), True),
    ("Practitioners' caseloads", "cases per practitioner", ("caseload_mean", "caseload_max"), False),
)
LEGEND = {  # how the plots name the weekly record's columns
    "supervised": "supervised", "identified": "drug need identified", "referrals": "referrals to treatment",
    "treatment_starts": "treatment starts (all routes)", "in_treatment": "in treatment", "waiting_list": "waiting for a place",
    "releases_in_treatment": "leaving prison in treatment", "release_pickups": "picked up in the community within 3 weeks",
    "offences_acquisitive": "acquisitive offences", "offences_other": "other offences", "proven_reoffences": "proven reoffences",
    "deaths": "all deaths", "drug_deaths": "drug-related deaths",
    "caseload_mean": "mean caseload", "caseload_max": "largest caseload",
}


def run_controls(base: ParameterSet | None = None) -> dict[str, dict]:
    """SolaraViz's model parameters for page 1: scale and seed, a slider per parameter of
    :data:`RUN_PARAMETERS` over its plausible range (from its baseline value), and a check box
    per lever of the lever library (off)."""
    base = base or ParameterSet.load()
    controls: dict[str, dict] = {
        "scale": {"type": "SliderFloat", "value": RUN_SCALE, "min": 0.01, "max": 0.1, "step": 0.01,
                  "label": "Scale (share of the nation)"},
        "seed": {"type": "SliderInt", "value": 1, "min": 0, "max": 100, "step": 1, "label": "Seed"},
    }
    for name, label in RUN_PARAMETERS.items():
        d = base.definition(name)
        low, high = d.range
        integer = d.kind == "count" or d.kind == "rate"
        # a step of a tenth of the baseline's leading digit puts the baseline, and the range's ends, on the slider's grid
        step = 1 if integer else 10.0 ** (math.floor(math.log10(d.value)) - 1)
        controls[name] = {"type": "SliderInt" if integer else "SliderFloat", "value": int(d.value) if integer else d.value,
                          "min": int(low) if integer else low, "max": int(high) if integer else high, "step": step,
                          "label": label}
    for name, lever in ScenarioLibrary().levers.items():
        money = f"£{lever.cost_per_year / 1e6:,.1f}m a year" if lever.cost_per_year else "no stated money"
        controls[f"lever_{name}"] = {"type": "Checkbox", "value": False, "label": f"{lever_label(name)} ({money})"}
    return controls


class OneRunModel(ProbationModel):
    """The model of page 1: parameters and levers as keyword arguments (``lever_<name>``:
    whether the lever of the library is on, at its stated money). ``scenario`` is Mesa's,
    which SolaraViz passes on reset; this model's scenarios are its levers."""

    def __init__(self, scale: float = RUN_SCALE, seed: int = 1, scenario: object = None, **controls):
        levers = ScenarioLibrary().levers
        unknown = [k for k in controls if k.startswith("lever_") and k[len("lever_"):] not in levers]
        if unknown:
            raise ParameterError(f"unknown lever {unknown[0][len('lever_'):]!r}")
        chosen = tuple(levers[k[len("lever_"):]] for k, on in controls.items() if k.startswith("lever_") and on)
        params = {k: float(f"{v:.10g}") for k, v in controls.items() if not k.startswith("lever_")}  # no slider-step dust
        super().__init__(scale=scale, seed=int(seed), params=params, levers=chosen)


def run_settings(model: OneRunModel) -> str:
    """What the run on page 1 is using (the controls take effect on Reset), in Markdown."""
    base = ParameterSet.load()
    def shown(value: float) -> str:
        return f"{value:,.0f}" if value >= 100 else f"{value:.4g}"

    def marked(name: str) -> str:
        return "" if math.isclose(model.base_params[name], base[name]) else " (changed)"

    changed = [f"{label}: {shown(model.base_params[name])}{marked(name)}" for name, label in RUN_PARAMETERS.items()]
    levers = ", ".join(lever_label(lever.name) for lever in model.levers) or "none (today's services)"
    return (
        f"**This run** (the controls take effect on Reset): week {max(model.week, 0)}, scale 1:{1 / model.scale:,.0f}, "
        f"seed {int(model.seed_sequence.entropy)}; levers: {levers}.\n\n" + "; ".join(changed) + ".\n\n"
        f"Counts are the simulated people times {1 / model.scale:,.0f}, so small flows such as deaths move in steps of "
        f"{1 / model.scale:,.0f}. Treatment starts include prison leavers picked up and starts on a drug rehabilitation "
        "requirement, which need no referral."
    )


# ------------------------------------------------------------------ compare scenarios
def with_money(scenario: Scenario, money: dict[str, float], base: ParameterSet) -> Scenario:
    """``scenario`` with the yearly money of some of its levers changed (``money``: lever name
    to £ a year), each lever validated as a scenario file's is and applied as a run applies
    it; a bad sum is a :class:`ScenarioError` naming the lever."""
    levers = []
    for lever in scenario.levers:
        if lever.name in money and money[lever.name] != lever.cost_per_year:
            where = f"{lever_label(lever.name)} ({scenario.name}): £ a year"
            if money[lever.name] < 0:
                raise ScenarioError(f"{where}: {money[lever.name]:,.0f} must be 0 or more")
            try:
                lever = Lever.model_validate({**lever.model_dump(), "cost_per_year": money[lever.name]})
            except ValidationError as err:
                raise ScenarioError(f"{where}: {err.errors()[0]['msg']}") from None
        levers.append(lever)
    changed = Scenario(scenario.name, scenario.title, scenario.description, tuple(levers), dict(scenario.parameters))
    try:
        check_as_run(base.with_overrides(changed.parameters), changed.levers)
    except ParameterError as err:
        raise ScenarioError(f"{scenario.name}: {err}") from None
    return changed


def compare(
    scenarios: Sequence[Scenario],
    settings: Settings,
    out: str = "dashboard",
    workers: int = os.cpu_count() or 1,
    cache: Path = OUTPUTS / ".cache" / "runs",
    on_progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
    say: Callable[[str], None] = lambda message: None,
) -> tuple[Plan, Appraisal, Path]:
    """Run and appraise a comparison as ``run_scenarios.py`` does (the baseline first, the
    same cache, so each reuses the other's runs) and publish it to ``outputs/<out>``."""
    started = datetime.now(timezone.utc)
    final = output_dir(out)
    base = ParameterSet.load()
    library = ScenarioLibrary()
    chosen = [s for s in scenarios if s.name != "baseline"]
    plan = Plan([library.get("baseline"), *chosen], settings, library.levers)
    appraisal, _ = conduct(plan, base, RunCache(cache), final, {
        "started": started.isoformat(timespec="seconds"), "command": "dashboard (compare scenarios)",
        "workers": workers, "scheduler": None,
    }, say=say, progress=False, on_progress=on_progress, stop=stop)
    return plan, appraisal, final


def posterior_sample() -> tuple[list[dict[str, float]] | None, Path | None]:
    """The calibration posterior replicates draw from, as ``run_scenarios.py`` uses it by
    default (``(None, None)`` without one)."""
    posterior = default_posterior_path()
    sample = load_parameter_sample(posterior, ParameterSet.load()) if posterior else None
    return (sample, posterior) if sample else (None, None)


def settings_for(replicates: int, years: float, scale: float, seed: int, sample=None, posterior: Path | None = None) -> Settings:
    """The settings of a comparison, checked as the command line checks them (a
    :class:`UsageError` whose message names the setting)."""
    check_options(argparse.Namespace(reps=replicates, years=years, scale=scale, seed=seed))
    return Settings(replicates, years, scale, seed, sample, posterior)


BAD_SETTINGS = (UsageError, ScenarioError, ParameterError, OutputError)


def parse_number(text: str, what: str, whole: bool = False) -> float:
    """A number typed on a page (commas, spaces and a £ sign are allowed: '£1,000,000');
    a :class:`UsageError` naming ``what`` if it is not one."""
    cleaned = text.replace(",", "").replace("£", "").replace(" ", "")
    try:
        value = int(cleaned) if whole else float(cleaned)
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not a {'whole number' if whole else 'number'}") from None
    if not math.isfinite(value):
        raise UsageError(f"{what}: {text!r} is not a finite number")
    return value


def page_message(err: Exception) -> str:
    """A one-line error as the page shows it: the command line's option names read as the page's."""
    message = str(err)
    options = (("--reps", "replicates"), ("--years", "years"), ("--scale", "scale"), ("--seed", "seed"), ("--out", "save as"))
    for option, label in options:
        message = message.replace(option, label)
    return message[:1].upper() + message[1:]


def lever_label(name: str) -> str:
    """A lever's name as a page shows it."""
    return name.replace("_", " ").capitalize().replace("80m", "£80m").replace("Moj", "MoJ").replace("Drr", "DRR")


# ------------------------------------------------------------------ browse results
def results_folders(outputs: Path = OUTPUTS) -> list[Path]:
    """Results folders written by ``run_scenarios.py`` or the dashboard, newest first."""
    if not outputs.is_dir():
        return []
    found = [p for p in outputs.iterdir() if p.is_dir() and not p.name.startswith(".")
             and (p / "summary.csv").is_file() and ((p / MARKER).is_file() or earlier_results(p))]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def report_parts(text: str) -> list[tuple[str, str]]:
    """A report in Markdown as ("text", markdown) and ("figure", file name) parts, in order:
    a page shows the figures itself (the browser cannot follow the report's relative links)."""
    parts: list[tuple[str, str]] = []
    lines: list[str] = []
    for line in text.splitlines():
        figure = re.fullmatch(r"!\[[^\]]*\]\(([^)/\\]+)\)", line.strip())
        if figure:
            parts += [("text", "\n".join(lines))] if lines else []
            parts.append(("figure", figure.group(1)))
            lines = []
        else:
            lines.append(line)
    return parts + ([("text", "\n".join(lines))] if lines else [])


def figures(folder: Path) -> list[Path]:
    """The figures of a results folder, in name order."""
    return sorted(folder.glob("*.png"))
