"""The scorecard notebook in a real JupyterLab, in headless Chromium: run all cells, move a
slider of the assessment editor, and see the score and class change.

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

from tests.conftest import DEMO_PARAMS, NOTEBOOKS, ROOT
from tests.test_browser import _chromium, launch

pytestmark = pytest.mark.slow

SCREENSHOTS = ROOT / "tests" / "screenshots"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
        yield url
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


def test_scorecard_editor_in_jupyterlab_reacts_to_a_slider(lab):
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
            SCREENSHOTS.mkdir(exist_ok=True)
            summary.scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOTS / "jupyterlab-scorecard-editor.png"))
        except Exception:
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "jupyterlab-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
