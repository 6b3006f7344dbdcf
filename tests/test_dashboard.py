"""The dashboard: its pages as components (no browser), the comparison it runs against the
command line's, and every page in a real headless browser (Debian's chromium)."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import pandas as pd
import pytest
import solara

import run_scenarios
from model.experiments import app, dashboard
from model.experiments.outputs import OUTPUTS, ROOT
from model.experiments.scenarios import ScenarioError, ScenarioLibrary
from model.parameters import ParameterSet

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ASSETS = Path(sys.prefix) / "share" / "solara" / "cdn" / ".installed"
SCREENSHOTS = OUTPUTS / "dashboard_screenshots"


@solara.component
def _InLayout(page):
    """A page inside Solara's app layout, which gathers its side bar (as the server does)."""
    with solara.AppLayout():
        page()


def _texts(rc) -> str:
    return " ".join(str(w.children) for w in rc.find(v.Alert).widgets)


# ------------------------------------------------------------------ components, without a browser
def _wait_for(condition, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _run_page():
    box, rc = solara.render(_InLayout(app.RunPage), handle_error=False)
    _wait_for(lambda: len(rc.find(v.Btn, children=["Step"]).widgets) == 1  # the model is made in the background
              and len(rc.find(ipywidgets.Image).widgets) == len(dashboard.RUN_PLOTS))
    return rc


def test_one_run_page_steps_the_model_and_its_plots_change():
    rc = _run_page()
    images = rc.find(ipywidgets.Image).widgets
    assert len(images) == len(dashboard.RUN_PLOTS)
    before = [image.value for image in images]
    rc.find(v.Btn, children=["Step"]).widget.click()
    after = [image.value for image in rc.find(ipywidgets.Image).widgets]
    assert all(a != b for a, b in zip(after, before))  # every plot drawn again, now with a week in it
    assert "week 1," in " ".join(_markdown_texts(rc))
    rc.close()


def test_one_run_page_resets_to_a_new_run_with_the_controls_values():
    rc = _run_page()
    cap = next(w for w in rc.find(v.Slider).widgets if w.label == dashboard.RUN_PARAMETERS["caseload_cap"])
    cap.v_model = 42
    lever = next(w for w in rc.find(v.Checkbox).widgets if (w.label or "").startswith("Naloxone"))
    lever.v_model = True
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "Caseload cap (cases): 50;" in " ".join(_markdown_texts(rc))  # the controls wait for Reset
    rc.find(v.Btn, children=["Reset"]).widget.click()
    shown = " ".join(_markdown_texts(rc))
    assert "Caseload cap (cases): 42 (changed)" in shown and "levers: Naloxone all approved premises" in shown
    assert shown.count("(changed)") == 1  # the sliders left alone give their parameters' own values
    assert "week 0," in shown and not rc.find(v.Alert, type="error").widgets
    rc.close()


def test_one_run_model_takes_the_page_s_controls_and_levers():
    controls = dashboard.run_controls()
    assert {"scale", "seed", *dashboard.RUN_PARAMETERS} <= controls.keys()
    for name in dashboard.RUN_PARAMETERS:  # each baseline on its slider's grid: a Reset left alone changes nothing
        c = controls[name]
        assert (c["value"] - c["min"]) / c["step"] == pytest.approx(round((c["value"] - c["min"]) / c["step"])), name
    model = dashboard.OneRunModel(scale=0.01, seed=3, caseload_cap=45, lever_naloxone_all_approved_premises=True)
    assert model.base_params.caseload_cap == 45 and [lever.name for lever in model.levers] == ["naloxone_all_approved_premises"]
    with pytest.raises(Exception, match="unknown lever"):
        dashboard.OneRunModel(scale=0.01, lever_nothing=True)


def _input(rc, label: str):
    return next(w for w in rc.find(v.TextField).widgets if (w.label or "").startswith(label))


def test_compare_page_refuses_bad_input_with_a_message_naming_the_box_and_no_run():
    box, rc = solara.render(_InLayout(app.ComparePage), handle_error=False)
    assert not rc.find(v.Btn, children=["Run"]).widget.disabled and not rc.find(v.Alert, type="error").widgets
    money = _input(rc, "Naloxone all approved premises: £ a year")
    for text, message in (("-5", "-5 must be 0 or more"), ("£3m", "'£3m' is not a number"), ("nan", "'nan' is not a finite number")):
        money.v_model = text
        assert message in _texts(rc) and "Naloxone all approved premises (naloxone): £ a year" in _texts(rc)
        assert rc.find(v.Btn, children=["Run"]).widget.disabled
    money.v_model = "£250,000"
    assert not rc.find(v.Alert, type="error").widgets
    for box_label, text, message in (
        ("Scale", "0", "Scale = 0.0: must be above 0"), ("Replicates", "2.5", "'2.5' is not a whole number"),
        ("Years", "0", "Years = 0.0: must be at least one week"), ("Save as", "", "Save as ''"),
    ):
        before = _input(rc, box_label).v_model
        _input(rc, box_label).v_model = text
        assert message in _texts(rc), (box_label, _texts(rc))
        assert rc.find(v.Btn, children=["Run"]).widget.disabled
        _input(rc, box_label).v_model = before
    assert not rc.find(v.Alert, type="error").widgets
    rc.close()


def test_compare_page_keeps_each_box_s_text_when_scenarios_are_added():
    box, rc = solara.render(_InLayout(app.ComparePage), handle_error=False)
    _input(rc, "Years").v_model = "3"
    rc.find(v.Select, label="Scenarios (each against the baseline)").widget.v_model = ["naloxone", "drr_stretch"]
    assert _input(rc, "Years").v_model == "3" and _input(rc, "Scale").v_model == "0.02"
    assert len([w for w in rc.find(v.TextField).widgets if "£ a year" in (w.label or "")]) == 2
    rc.close()


def test_compare_page_runs_in_the_background_shows_progress_and_can_be_cancelled(tmp_path, monkeypatch):
    runs = []
    real_compare = dashboard.compare

    def compare_here(scenarios, settings, **kwargs):  # into a folder of the test's, with its own cache
        runs.append(settings)
        return real_compare(scenarios, settings, **{**kwargs, "out": str(tmp_path / "results"), "cache": tmp_path / "cache"})

    monkeypatch.setattr(app, "compare", compare_here)
    box, rc = solara.render(_InLayout(app.ComparePage), handle_error=False)
    _input(rc, "Replicates").v_model = "30"
    _input(rc, "Scale").v_model = "0.01"
    rc.find(v.Btn, children=["Run"]).widget.click()
    _wait_for(lambda: any("of 90 runs done" in str(w.children) for w in rc.find(v.Html).widgets) and
              rc.find(v.ProgressLinear).widgets and rc.find(v.ProgressLinear).widget.value not in (True, None, 0))
    assert not rc.find(v.Btn, children=["Cancel"]).widget.disabled
    rc.find(v.Btn, children=["Cancel"]).widget.click()
    _wait_for(lambda: "Stopped on request" in _texts(rc))
    assert runs[0].replicates == 30 and not (tmp_path / "results").exists()
    assert 0 < len(list((tmp_path / "cache").glob("*.json"))) < 90  # what finished is cached, the rest abandoned
    rc.close()


def test_a_lever_s_money_is_checked_as_a_scenario_file_s_is():
    library, base = ScenarioLibrary(), ParameterSet.load()
    naloxone = library.get("naloxone")
    lever = naloxone.levers[0].name
    doubled = dashboard.with_money(naloxone, {lever: 2 * naloxone.levers[0].cost_per_year}, base)
    assert doubled.levers[0].cost_per_year == 2 * naloxone.levers[0].cost_per_year and doubled.name == "naloxone"
    for bad in (-1.0, float("inf"), float("nan")):
        with pytest.raises(ScenarioError, match=r"Naloxone all approved premises \(naloxone\): £ a year"):
            dashboard.with_money(naloxone, {lever: bad}, base)


def test_the_dashboard_s_comparison_is_the_command_line_s(tmp_path):
    """Same runs, same economics, same results folder: summary.csv byte for byte."""
    library, base = ScenarioLibrary(), ParameterSet.load()
    naloxone = dashboard.with_money(library.get("naloxone"), {"naloxone_all_approved_premises": 400_000.0}, base)
    settings = dashboard.settings_for(2, 0.5, 0.01, 5)
    progress = []
    plan, appraisal, folder = dashboard.compare(
        [naloxone], settings, out=str(tmp_path / "dashboard"), workers=0, cache=tmp_path / "cache",
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert progress[0] == (0, 6) and progress[-1] == (6, 6)  # baseline, naloxone, and the like-for-like check, 2 each
    assert [s.name for s in plan.scenarios] == ["baseline", "naloxone"]
    scenario_file = folder / "scenarios" / "naloxone.yaml"
    assert "400000" in scenario_file.read_text()
    assert run_scenarios.main([
        "--scenarios", str(scenario_file), "--reps", "2", "--years", "0.5", "--scale", "0.01", "--seed", "5",
        "--no-posterior", "--workers", "0", "--no-progress", "--out", str(tmp_path / "command"), "--cache", str(tmp_path / "cache"),
    ]) == 0
    assert (folder / "summary.csv").read_bytes() == (tmp_path / "command" / "summary.csv").read_bytes()
    assert dashboard.results_folders(tmp_path) and {p.name for p in dashboard.results_folders(tmp_path)} == {"dashboard", "command"}


def test_browse_page_shows_a_results_folder_s_report_figures_and_table(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    folder = tmp_path / "results"
    folder.mkdir()
    (folder / ".probation-model-results").write_text("")
    (folder / "summary.csv").write_text("scenario,metric,mean\nbaseline,npv,0\n")
    (folder / "report.md").write_text("# A report\n\n![a figure](figure.png)\n\nSome text.\n")
    Figure(figsize=(1, 1)).savefig(folder / "figure.png")
    monkeypatch.setattr(app, "results_folders", lambda: dashboard.results_folders(tmp_path))
    box, rc = solara.render(app.BrowsePage(), handle_error=False)
    assert rc.find(v.Select, label="Results folder (under outputs/)").widget.v_model == "results"
    shown = " ".join(_markdown_texts(rc))
    assert "Some text." in shown and "![a figure]" not in shown  # the report, without links the browser cannot follow
    assert len(rc.find(v.Tab).widgets) == 3
    rc.close()


def _markdown_texts(rc) -> list[str]:
    """What the page's Markdown renders (each a Vuetify template holding the HTML), in Mesa's
    grid of components too."""
    found = rc.find(v.VuetifyTemplate).widgets
    found += [item for grid in found for item in getattr(grid, "items", [])]
    templates = [getattr(w, "template", None) for w in found]
    templates = [str(getattr(t, "template", t)) for t in templates if t is not None]
    return [t for t in templates if "solara-markdown" in t]


# ------------------------------------------------------------------ in a real browser
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served():
    """The dashboard served as `make dashboard` serves it, on a free local port."""
    if not CHROMIUM.exists():
        pytest.skip(f"no browser: Debian's package chromium ({CHROMIUM}) is not installed (make test installs it as root)")
    if not ASSETS.exists():
        pytest.skip(f"no offline front-end assets ({ASSETS.parent}): run the test through make test, which fetches them")
    port = _free_port()
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_ASSETS_PROXY": "True",
           "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/npm/"}
    server = subprocess.Popen(
        [sys.executable, "-m", "solara", "run", "model.experiments.app", "--host", "127.0.0.1", "--port", str(port),
         "--production", "--no-open"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "readyz", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(server.stdout.read().decode()) from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser_page(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.failed, page.outside, page.errors = [], [], []
        # a load cut short by going to the next page is aborted, not missing; a missing asset is an HTTP error
        page.on("requestfailed", lambda r: "ERR_ABORTED" in (r.failure or "") or page.failed.append((r.url, r.failure)))
        page.on("response", lambda r: r.status < 400 or page.failed.append((r.url, r.status)))
        page.on("request", lambda r: r.url.startswith(("http://127.0.0.1", "blob:", "data:")) or page.outside.append(r.url))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        yield page
        browser.close()


def test_every_page_loads_offline_in_a_real_browser_and_a_comparison_runs_from_the_page(served, browser_page, tmp_path):
    page = browser_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(served)
    page.get_by_role("button", name="Step").click(timeout=400_000)  # after the model is made (compiled, the first time)
    page.wait_for_function(f"document.querySelectorAll('img').length >= {len(dashboard.RUN_PLOTS)}", timeout=60_000)
    for _ in range(5):
        page.get_by_role("button", name="Step").click()
        page.wait_for_timeout(300)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SCREENSHOTS / "1_one_run.png"), full_page=True)

    page.goto(served + "compare")
    money = page.get_by_label("Naloxone all approved premises: £ a year")
    money.fill("-5")
    page.wait_for_selector("text=must be 0 or more", timeout=30_000)
    assert page.get_by_role("button", name="Run").is_disabled()
    money.fill("400000")
    page.get_by_label("Scale").fill("0.01")
    page.get_by_label("Replicates").fill("2")
    page.get_by_label("Years").fill("1")
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector("text=Written to", timeout=600_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SCREENSHOTS / "2_compare.png"), full_page=True)
    row = page.locator("tr", has_text="Naloxone").first.inner_text()

    folder = OUTPUTS / "dashboard"
    assert run_scenarios.main([
        "--scenarios", str(folder / "scenarios" / "naloxone.yaml"), "--reps", "2", "--years", "1", "--scale", "0.01",
        "--seed", "1", "--workers", "0", "--no-progress", "--out", str(tmp_path / "command"),
    ]) == 0
    summary = pd.read_csv(tmp_path / "command" / "summary.csv")
    npv = summary[(summary["scenario"] == "naloxone") & (summary["metric"] == "npv")]["mean"].iloc[0]
    assert f"£{npv / 1e6:,.1f}m".replace("£-", "-£") in row, (row, npv)
    assert (folder / "summary.csv").read_bytes() == (tmp_path / "command" / "summary.csv").read_bytes()
    page.goto(served + "browse")  # the folder the compare page has just written is the newest, shown first
    page.wait_for_selector("text=Which option, and how sure", timeout=60_000)
    page.get_by_role("tab", name="Figures").click()
    page.wait_for_selector("text=Cost effectiveness plane", timeout=30_000)
    page.get_by_role("tab", name="Report").click()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SCREENSHOTS / "3_browse.png"), full_page=True)
    assert not page.failed and not page.outside and not page.errors, (page.failed, page.outside, page.errors)
