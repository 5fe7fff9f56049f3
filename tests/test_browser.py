"""The published documents in a real browser: headless Chromium (the system's, driven by
Playwright) opens them, and the PDFs it printed are read back with pypdf.

Without Chromium these tests skip, unless KAM_REQUIRE_BROWSER=1 (CI sets it after installing
Debian's chromium): there they must run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kamlib.execution import runner
from kamlib.publishing import pdf, versions
from tests.conftest import DEMO_PARAMS, ROOT

pytestmark = pytest.mark.slow

ACCOUNT = "northwind-foods"
SCREENSHOTS = ROOT / "tests" / "screenshots"  # git-ignored; looked at by people, kept by CI


def _chromium() -> str:
    for name in pdf.CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("KAM_REQUIRE_BROWSER") == "1":
        pytest.fail("KAM_REQUIRE_BROWSER=1 but no Chromium on PATH")
    pytest.skip("no Chromium on PATH (apt-get install chromium)")


@pytest.fixture(scope="module")
def chromium() -> str:
    return _chromium()


@pytest.fixture(scope="module")
def published(chromium, tmp_path_factory) -> Path:
    """One demo account and the overview, published with PDFs printed by the system Chromium."""
    outputs = tmp_path_factory.mktemp("browser") / "outputs"
    previous = os.environ.get(pdf.SETTING)
    os.environ[pdf.SETTING] = chromium
    try:
        with versions.outputs_lock(outputs):
            runner.run_account(DEMO_PARAMS, outputs, ACCOUNT)
            runner.run_portfolio(DEMO_PARAMS, outputs)
    finally:
        os.environ[pdf.SETTING] = previous or "off"
    return outputs


CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]


def launch(playwright, chromium: str):
    """The system Chromium under Playwright (no browser download), cut off from update services."""
    return playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)


@pytest.fixture(scope="module")
def browser(chromium):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = launch(playwright, chromium)
        yield launched
        launched.close()


DOCUMENTS = [(ACCOUNT, "plan.html"), (ACCOUNT, "joint-plan.html"), ("portfolio", "portfolio.html")]


@pytest.mark.parametrize(("owner", "name"), DOCUMENTS)
def test_document_renders_without_errors_with_every_figure_and_link(published, browser, owner, name):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    path = published / owner / "latest" / name
    page.goto(path.resolve().as_uri(), wait_until="load")
    assert problems == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests  # nothing fetched from outside
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth, e.alt])")
    assert images, "no figures"
    assert all(complete and width > 0 for complete, width, _ in images), images
    targets = page.eval_on_selector_all("nav.toc a", "els => els.map(e => e.getAttribute('href'))")
    # the plan lists its steps, the joint plan its parts; the portfolio report opens on its page one instead
    assert len(targets) >= {"plan.html": 4, "joint-plan.html": 1}.get(name, 0)
    for href in targets:
        assert href.startswith("#")
        assert page.eval_on_selector_all(f"[id='{href[1:]}']", "els => els.length") == 1, href
    assert page.eval_on_selector_all("script", "els => els.length") == 0
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / f"{owner}-{name.replace('.html', '')}.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    page.close()


def test_pdfs_have_pages_and_the_right_text(published):
    from pypdf import PdfReader

    latest = published / ACCOUNT / "latest"
    manifest = versions.read_manifest(latest)
    assert manifest["pdf"] == "printed"
    assert {"plan.pdf", "joint-plan.pdf"} <= set(manifest["documents"])
    internal = PdfReader(latest / "plan.pdf")
    joint = PdfReader(latest / "joint-plan.pdf")
    internal_text = " ".join(p.extract_text() for p in internal.pages)
    joint_text = " ".join(p.extract_text() for p in joint.pages)
    assert len(internal.pages) >= 8  # cover and contents, then each step on new pages
    assert 2 <= len(joint.pages) <= 8
    for expected in ("Northwind Foods plc", "Environment analysis", "Customer scorecard", "Action plan",
                     "page 1 of"):
        assert expected in internal_text, expected
    joint_words = "".join(joint_text.split())  # a table cell may wrap anywhere
    assert "Jointbusinessplan" in joint_words and "Line4down-gaugingtrial" in joint_words
    assert "Quarterlycostreview" not in joint_words and "Attitude" not in joint_text
    overview = PdfReader(published / "portfolio" / "latest" / "portfolio.pdf")
    assert len(overview.pages) >= 3
