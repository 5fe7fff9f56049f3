"""The workbook as an app (`kam app`, Voilà) in headless Chromium: the portfolio page, an
account's step pages, an editor that saves into the account file, and the app's stop.

One server for the module, started as `make app` starts it (`kam --params … app --port …`), on a
copy of the demo parameters; one browser. Skips without Chromium unless KAM_REQUIRE_BROWSER=1.
The tests run in file order: the last one stops the server with Ctrl-C (SIGINT).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from kamlib.cli import main
from kamlib.display import pages
from kamlib.execution import app as app_server
from kamlib.method import wording
from kamlib.parameters import loader
from tests.conftest import DEMO_PARAMS, ROOT
from tests.test_browser import _chromium, launch
from tests.test_jupyterlab import _free_port

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.slow

ACCOUNT = "northwind-foods"
SCREENSHOTS = ROOT / "tests" / "screenshots"
LOCAL = ("http://localhost:", "http://127.0.0.1:", "data:", "blob:", "ws://localhost:", "ws://127.0.0.1:")


@dataclass
class App:
    url: str
    params: Path
    server: subprocess.Popen
    log: Path

    def page_url(self, step: str, account: str | None = None) -> str:
        return f"{self.url}/voila/render/{step}.ipynb" + (f"?account={account}" if account else "")

    def account_file(self, account: str = ACCOUNT) -> Path:
        return self.params / "accounts" / f"{account}.yaml"


def _marked(params: Path) -> list[int]:
    """The processes started for this app: Voilà and its kernels carry its parameters folder in
    their environment (`KAM_APP_PARAMS`)."""
    marker = f"{pages.APP_PARAMS}={params.resolve()}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    _chromium()  # skip (or fail) before starting anything
    root = tmp_path_factory.mktemp("app")
    params = root / "parameters"
    shutil.copytree(DEMO_PARAMS, params)
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / "config"), "JUPYTER_RUNTIME_DIR": str(root / "rt")}
    env.pop("KAM_BATCH", None)
    log = root / "app.log"
    server = subprocess.Popen([sys.executable, "-m", "kamlib", "--params", str(params), "app", "--port", str(port)],
                              cwd=root, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/", timeout=2)  # noqa: S310 - our own loopback server (the tree page)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"kam app did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
        yield App(url, params, server, log)
    finally:
        if server.poll() is None:
            os.kill(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        for pid in _marked(params):  # never leave a server or kernel behind, even when a test failed
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture(scope="module")
def browser(app):
    with sync_api.sync_playwright() as playwright:
        launched = launch(playwright, _chromium())
        yield launched
        launched.close()


@pytest.fixture
def page(browser, request):
    """A page at 1280 × 800 that records every address it asks for; a screenshot if the test fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.requested = []
    opened.on("request", lambda r: opened.requested.append(r.url))
    failed = request.session.testsfailed
    yield opened
    if request.session.testsfailed > failed:
        SCREENSHOTS.mkdir(exist_ok=True)
        opened.screenshot(path=str(SCREENSHOTS / f"app-failure-{request.node.name}.png"), full_page=True)
    context.close()


def _outside(requested: list[str]) -> list[str]:
    return [url for url in requested if not url.startswith(LOCAL)]


def _errors(page) -> list[str]:
    """The error outputs on the page (a cell that raised shows its traceback: tracebacks are on)."""
    return page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()


def _open(page, url: str, ready: str) -> None:
    """Open a page of the app, wait until Voilà has run it and `ready` shows, and check that no
    cell failed."""
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(ready, timeout=120_000)
    assert _errors(page) == []


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#") or " # " in line]


def _validate(params: Path) -> int:
    """`kam validate` on the folder (in this process: the same command, without a second start-up)."""
    return main(["--params", str(params), "validate"])


def _field(within, kind: str, label: str):
    """The input of the widget of class `widget-<kind>` in `within` whose label reads `label`."""
    labelled = within.page.locator("label", has_text=re.compile(f"^{re.escape(label)}$"))
    return within.locator(f".widget-{kind}", has=labelled).locator("select, input, textarea").first


def _signed(value: int) -> str:
    """A slider's readout of a whole number: negatives with a true minus."""
    return str(value).replace("-", "−")


def _fold(page, title: str):
    """Open the fold of the step's editors titled `title` and return it."""
    fold = page.locator(".jupyter-widget-Collapse", has=page.locator(".jupyter-widget-Collapse-header", has_text=title))
    fold.locator(".jupyter-widget-Collapse-header").click()
    sync_api.expect(fold.locator(".widget-button", has_text="Save to")).to_be_visible()
    return fold


def _save(fold, expected: str) -> str:
    fold.locator(".widget-button", has_text="Save to").click()
    message = fold.locator(".widget-html", has_text=expected)
    message.wait_for(timeout=30_000)
    return message.inner_text()


def test_the_portfolio_page_lists_every_account_with_links_to_its_steps(app, page):
    page.goto(f"{app.url}/", wait_until="load")  # the folder list Voilà shows at its root
    page.wait_for_selector(f"text={pages.PORTFOLIO_PAGE}.ipynb")
    _open(page, app.page_url(pages.PORTFOLIO_PAGE), "table.kam-accounts")
    rows = page.locator("table.kam-accounts tbody tr")
    assert rows.count() == len(list((app.params / "accounts").glob("*.yaml")))
    row = rows.filter(has_text="Northwind Foods plc")
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "key account" and re.fullmatch(r"\d{1,3}", cells[2]), cells
    # an account with a reason to act says why, in words from its own figures
    assert page.locator("table.kam-accounts td li", has_text="short of its 2027 target").count() >= 1
    hrefs = row.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == [pages.step_link(pages.STEPS[0][0], ACCOUNT), *(pages.step_link(s, ACCOUNT) for s, _ in pages.STEPS)]
    assert page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor").count() == 0  # the code is hidden
    assert _errors(page) == []
    assert _outside(page.requested) == []
    # nor does the page name an outside script or style sheet it could load later (mermaid.js, Font Awesome)
    assert re.findall(r"(?:src|href|import\()\s*=?\s*[\"']https?://", page.content()) == []
    # choose an account: its name opens step 1 for it, and the bar leads on to its other steps
    row.locator("a").first.click()
    page.wait_for_selector("nav.kam-steps", timeout=120_000)
    assert page.url.endswith(pages.step_link(pages.STEPS[0][0], ACCOUNT))
    assert "Northwind Foods plc" in page.inner_text("dl.kam-facts")
    assert f"— {ACCOUNT}" in page.locator("nav.kam-steps").inner_text()
    assert _outside(page.requested) == []


def test_a_step_page_plans_the_account_of_its_address_and_its_editor_shows_what_a_change_does(app, page):
    _open(page, app.page_url("02_competitor_positioning", "harbor-snacks"), ".jupyter-widget-Collapse-header")
    assert "Harbor Snacks Ltd" in page.inner_text("dl.kam-facts")
    assert page.locator(".kam-steps strong", has_text="2 Competitors").count() == 1
    fold = _fold(page, "Buying criteria and scores")
    strength = fold.locator("tr", has_text="relative strength")
    in_file, with_change = (float(x) for x in strength.locator("td").all_inner_texts()[-2:])
    assert in_file == with_change
    ours = fold.locator(".widget-slider, .widget-hslider", has=page.locator("label", has_text=re.compile("^us$"))).first
    handle, readout = ours.locator(".noUi-handle"), ours.locator(".widget-readout")
    for _ in range(5):  # on a busy machine the first key can land before the slider listens for keys
        handle.focus()
        page.keyboard.press("Home")  # our score on the first criterion to 1: we weaken on what the customer weighs
        handle.blur()  # the slider sends its value when let go
        if float(readout.inner_text()) == 1:
            break
        page.wait_for_timeout(1000)
    assert float(readout.inner_text()) == 1
    page.wait_for_function("([row, before]) => parseFloat(row.lastElementChild.innerText) < before",
                           arg=[strength.element_handle(), with_change], timeout=60_000)
    assert app.account_file("harbor-snacks").with_suffix(".yaml.bak").exists() is False  # nothing saved
    page.locator("nav.kam-steps").evaluate("bar => bar.scrollIntoView({block: 'start'})")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "app-step-page.png"))  # the README's, docs/app-step-page.png
    assert _outside(page.requested) == []


def test_editors_save_a_contact_and_a_risk_into_a_valid_file_that_keeps_its_comments_and_refuse_a_wrong_value(
        app, page):
    path = app.account_file()
    before = path.read_text()
    account = loader.load_account(app.params, ACCOUNT)
    contact, risk = account.relationships[1], account.risks[1]
    attitude = contact.attitude + 1 if contact.attitude < 2 else contact.attitude - 1
    status = "mitigated" if risk.status != "mitigated" else "open"
    _open(page, app.page_url("04_action_plan", ACCOUNT), ".jupyter-widget-Collapse-header")
    # a contact's attitude: pick the contact, move the slider one step, save
    fold = _fold(page, "Contacts at the customer")
    _field(fold, "dropdown", "item").select_option(index=1)
    sync_api.expect(_field(fold, "text", "name")).to_have_value(contact.name)  # the kernel fills the fields in
    slider = fold.locator(".widget-slider, .widget-hslider", has=page.locator("label", has_text=re.compile("^attitude$")))
    readout = slider.locator(".widget-readout")
    sync_api.expect(readout).to_have_text(_signed(contact.attitude))  # the contact's, not the previous one's
    slider.locator(".noUi-handle").focus()
    page.keyboard.press("ArrowRight" if attitude > contact.attitude else "ArrowLeft")
    slider.locator(".noUi-handle").blur()
    sync_api.expect(readout).to_have_text(_signed(attitude))
    _save(fold, f"Saved to {ACCOUNT}.yaml")
    # a risk's status: another fold of the same page, saved after the first without a refusal
    fold = _fold(page, "Risks")
    _field(fold, "dropdown", "item").select_option(index=1)
    sync_api.expect(_field(fold, "text", "id")).to_have_value(risk.id)
    sync_api.expect(_field(fold, "dropdown", "status")).to_have_value(risk.status)
    _field(fold, "dropdown", "status").select_option(status)
    _save(fold, f"Saved to {ACCOUNT}.yaml")
    after = path.read_text()
    changed = [(old, new) for old, new in zip(before.splitlines(), after.splitlines()) if old != new]
    assert len(before.splitlines()) == len(after.splitlines()) and len(changed) == 2, changed
    assert _comments(after) == _comments(before)
    saved = loader.load_account(app.params, ACCOUNT)
    assert (saved.relationships[1].attitude, saved.risks[1].status) == (attitude, status)
    assert _validate(app.params) == 0
    assert path.with_name(path.name + ".bak").is_file()
    # re-run the step (the bar's link reloads the page): the risk register gives the new status
    with page.expect_navigation():
        page.click("nav.kam-steps a.kam-rerun")
    page.wait_for_selector(".jupyter-widget-Collapse-header", timeout=120_000)
    listed = page.locator("tr", has=page.locator("td", has_text=re.compile(f"^{risk.id}$")))
    assert wording.as_words(status) in listed.first.inner_text()
    assert _errors(page) == [] and _outside(page.requested) == []
    # a wrong value (a risk with no text) is refused with its file, line and field; nothing is written
    saved = path.read_text()
    fold = _fold(page, "Risks")
    _field(fold, "textarea", "risk").fill("")
    message = _save(fold, "Not saved")
    assert re.search(r"northwind-foods\.yaml:\d+: risks\[0\]\.risk: expected text, got an empty value", message), message
    assert path.read_text() == saved


def test_ctrl_c_stops_the_app_and_its_kernels(app, page):
    page.goto(app.page_url("01_environment_analysis", ACCOUNT), wait_until="commit")  # Voilà starts its kernel
    deadline = time.monotonic() + 60
    while len(_marked(app.params)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    running = _marked(app.params)
    assert len(running) >= 2, running  # Voilà and the page's kernel
    os.kill(app.server.pid, signal.SIGINT)  # what Ctrl-C sends to `make app`'s foreground process
    assert app.server.wait(timeout=app_server.GRACE + 20) == 0
    deadline = time.monotonic() + 10
    while _marked(app.params) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _marked(app.params) == [], app.log.read_text()[-2000:]
