"""The scorecard notebook in a real JupyterLab, in headless Chromium: run all cells, open the
step's scorecard editor, move a slider and see the score and class change, then save the
assessment and find it in the account file (comments kept, still valid).

The server runs on a free loopback port with no token, on a copy of the notebooks and the
demo parameters (JupyterLab saves checkpoints; the repository's notebooks stay untouched), and
is stopped by its process group at the end. Skips without Chromium unless KAM_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kamlib.parameters import loader
from tests.conftest import DEMO_PARAMS, NOTEBOOKS, ROOT
from tests.test_browser import _chromium, launch

pytestmark = pytest.mark.slow

SCREENSHOTS = ROOT / "tests" / "screenshots"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Lab(str):
    """The server's address, and the copy of the parameters its notebooks read and write."""

    def __new__(cls, url: str, parameters: Path) -> Lab:
        made = super().__new__(cls, url)
        made.parameters = parameters
        return made


@pytest.fixture
def lab(tmp_path: Path):
    workdir = tmp_path / "lab"
    shutil.copytree(NOTEBOOKS, workdir / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(DEMO_PARAMS, workdir / "parameters")
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    env.pop("KAM_BATCH", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.root_dir={workdir}", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate", *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "lab.log").open("w"),
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2)  # noqa: S310 - our own loopback server
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(tmp_path / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield Lab(url, workdir / "parameters")
    finally:
        _stop(server)


def _stop(server: subprocess.Popen) -> None:
    """Stop the server and its kernels: the whole process group it leads."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            pass
        try:
            server.wait(timeout=20)
            return
        except subprocess.TimeoutExpired:
            continue


def _customer_score(text: str) -> float:
    return float(re.search(r"Customer side ([\d.]+)", text).group(1))


def test_scorecard_editor_in_jupyterlab_reacts_to_a_slider_and_saves(lab):
    path = lab.parameters / "accounts" / "northwind-foods.yaml"
    original = path.read_text()
    chromium = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright, chromium)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{lab}/lab/tree/notebooks/03_scorecard.ipynb", wait_until="domcontentloaded")
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
            # the kernel must be connected and idle before "Run All Cells", or nothing runs
            page.locator(".jp-StatusBar-Widget:has-text('| Idle')").first.wait_for(timeout=90_000)
            page.click("li.lm-MenuBar-item:has-text('Run')")
            page.click(".lm-Menu-item:has-text('Run All Cells')")
            # the step's editors, one fold per section, all closed: open the scorecard's
            page.locator(".jupyter-widget-Collapse-header", has_text="Scorecard assessments").click(timeout=120_000)
            summary = page.locator(".widget-html:has-text('Customer side')").first
            summary.wait_for(timeout=120_000)
            before = summary.inner_text()
            assert re.search(r"Customer side [\d.]+ · our side [\d.]+ · class \w+", before), before
            handle = page.locator(".widget-slider .noUi-handle, .widget-hslider .noUi-handle").first
            handle.scroll_into_view_if_needed()
            handle.focus()
            for _ in range(4):
                page.keyboard.press("ArrowLeft")
            handle.blur()
            page.wait_for_function(
                "before => { const e = [...document.querySelectorAll('.widget-html')]"
                ".find(x => x.innerText.includes('Customer side')); return e && e.innerText !== before; }",
                arg=before, timeout=30_000)
            after = summary.inner_text()
            # the first slider is the customer's willingness to partner: four steps left lower the score
            assert _customer_score(after) < _customer_score(before), (before, after)
            # save it: the evidence first, then the button; the file gains the assessment, nothing else moves
            page.locator(".widget-textarea textarea[placeholder^='What you saw']").first.fill("Seen in the lab test")
            page.locator(".widget-button:has-text('Save to parameters')").first.click()
            page.locator(".widget-html:has-text('Saved to northwind-foods.yaml')").first.wait_for(timeout=30_000)
            saved = path.read_text()
            assert "Seen in the lab test" in saved and path.with_name(path.name + ".bak").read_text() == original
            assert [x for x in original.splitlines() if x.lstrip().startswith("#")] == \
                [x for x in saved.splitlines() if x.lstrip().startswith("#")]
            card = loader.load_account(lab.parameters, "northwind-foods").scorecard
            assert [a.customer.willingness_to_partner for a in card if a.evidence == "Seen in the lab test"] == [1]
            SCREENSHOTS.mkdir(exist_ok=True)
            summary.scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOTS / "jupyterlab-scorecard-editor.png"))
        except Exception:
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "jupyterlab-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
