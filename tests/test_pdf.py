"""PDF printing: one headless Chromium (the system's, driven by Playwright) serves a whole batch.

Counted launches, a browser killed and replaced, requests that must not leave the machine, no
Chromium left running after a batch (finished or stopped), the page's own print style honoured.
The tests that need Chromium are slow and skip without it, unless KAM_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import asyncio
import http.server
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from kamlib.execution import batch, runner
from kamlib.publishing import pdf, versions
from tests.conftest import DEMO_PARAMS, write_notebooks
from tests.test_batch import MARK as MARK_CELL
from tests.test_batch import SOME, ended, wait_for
from tests.test_browser import _chromium

MARK = "KAM_TEST_PDF_MARK"  # set in the environment of a batch: its Chromium processes inherit it

FOOTER_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>
@page {{ size: A4; margin: 16mm 15mm 18mm;
  @bottom-left {{ content: "{footer}"; font-size: 8pt; }}
  @bottom-right {{ content: "page " counter(page) " of " counter(pages); font-size: 8pt; }} }}
h1 {{ break-before: page; }}
</style></head><body>{body}</body></html>"""


def footer_page(folder: Path, name: str, footer: str, pages: int = 2, extra: str = "") -> Path:
    """An HTML file of `pages` A4 pages (a heading each) with a running footer, like the plan's."""
    body = "".join(f"<h1>Section {i}</h1><p>Text of section {i}.</p>" for i in range(1, pages + 1)) + extra
    path = folder / name
    path.write_text(FOOTER_PAGE.format(title=name, footer=footer, body=body), encoding="utf-8")
    return path


def pdf_text(path: Path) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return len(reader.pages), " ".join(page.extract_text() for page in reader.pages)


class CountingLaunch:
    """Playwright's launch, counted, and the browsers' process ids kept."""

    def __init__(self) -> None:
        self.calls = 0
        self.pids: list[int | None] = []

    def __call__(self, playwright, **options):
        self.calls += 1
        browser = playwright.chromium.launch(**options)
        self.pids.append(pdf._browser_pid(browser))
        return browser


def chromium_running(mark: str) -> list[int]:
    """The Chromium processes still running (not zombies) whose environment carries `mark`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit() or f"{MARK}={mark}".encode() not in (proc / "environ").read_bytes().split(b"\0"):
                continue
            if "chrom" in (proc / "comm").read_text() and not ended(int(proc.name), within=0):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    target = tmp_path / "parameters"
    shutil.copytree(DEMO_PARAMS, target)
    return target


needs_proc = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads processes from /proc")


# --- without a browser -----------------------------------------------------------------------

def test_node_ids_of_a_tagged_pdf_are_numbered_in_order_keeping_every_byte_offset():
    # a struct tree as Chromium writes it: ids 46, 47, 50 (a renderer that counted one node
    # more would write 47, 48, 51); numbered 1, 2, 3 either way, same width
    data = b"<</ID (node00000046)>> <</Headers [(node00000047)]>> /Names [(node00000046) 1 0 R (node00000050) 2 0 R]"
    shifted = data.replace(b"50)", b"51)").replace(b"47)", b"48)").replace(b"46)", b"47)")
    expected = (b"<</ID (node00000001)>> <</Headers [(node00000002)]>> "
                b"/Names [(node00000001) 1 0 R (node00000003) 2 0 R]")
    assert pdf._renumbered(data) == expected
    assert pdf._renumbered(shifted) == expected
    assert pdf._renumbered(b"%PDF-1.7 no tags") == b"%PDF-1.7 no tags"


def test_a_browser_that_does_not_start_is_reported_by_the_line_that_ended_it():
    # as Playwright reports Debian's Chromium refusing a TMPDIR too long for its socket path:
    # the start script's noise, the fatal line, then the crash reporter's
    message = ("BrowserType.launch: Target page, context or browser has been closed\nBrowser logs:\n\n"
               "<launched> pid=7\n[pid=7][err] /usr/bin/chromium: 9: [: 2527: unexpected operator\n"
               "[pid=7][err] [7:7:1201/185136.958331:FATAL:chrome/browser/process_singleton_posix.cc:315] "
               "Socket path too long: /tmp/a/SingletonSocket.\n"
               "[pid=7][err] [1201/185136.978333:ERROR:crashpad/file_io_posix.cc:145] open /sys/x: No such file\n"
               "Call log:\n  - <launched> pid=7\n")
    assert pdf._reason(RuntimeError(message)) == "Socket path too long: /tmp/a/SingletonSocket."
    assert pdf._reason(RuntimeError("Browser logs:\n[pid=7][err] cannot open display\n")) == "cannot open display"
    assert pdf._reason(RuntimeError("Page.goto: net::ERR_FILE_NOT_FOUND at file:///x\nCall log:\n")) == (
        "Page.goto: net::ERR_FILE_NOT_FOUND at file:///x")


def test_without_playwright_every_document_fails_clearly(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # as if it were not installed
    printer = pdf.Printer("/usr/bin/chromium")
    try:
        with pytest.raises(pdf.PdfError, match="could not start Playwright to drive Chromium"):
            printer.print([(tmp_path / "a.html", tmp_path / "a.pdf")])
        with pytest.raises(pdf.PdfError, match="could not start Playwright"):  # and again, not a hang
            printer.print([(tmp_path / "b.html", tmp_path / "b.pdf")])
    finally:
        printer.close()


def test_with_pdfs_turned_off_a_batch_starts_no_browser(tiny_params, tmp_path, monkeypatch):
    monkeypatch.setenv(pdf.SETTING, "off")
    monkeypatch.setattr(pdf, "printer", lambda *_: pytest.fail("a printer was made"))
    notebooks = write_notebooks(tmp_path / "nb")
    with versions.outputs_lock(tmp_path / "out"):
        done = batch.run_batch(tiny_params, tmp_path / "out", ["northwind-foods"], workers=1,
                               notebooks_dir=notebooks, overview=True)
    assert [o.pdf for o in done.all] == [pdf.PdfResult(False, "PDFs are turned off (KAM_CHROMIUM=off)", True)] * 2
    latest = tmp_path / "out" / "northwind-foods" / "latest"
    assert not list(latest.glob("*.pdf"))
    assert versions.read_manifest(latest)["pdf"] == "skipped: PDFs are turned off (KAM_CHROMIUM=off)"


# --- with the system's Chromium --------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium() -> str:
    return _chromium()


@pytest.fixture
def printer(chromium):
    launch = CountingLaunch()
    made = pdf.Printer(chromium, launch=launch)
    made.launch_calls = launch  # type: ignore[attr-defined]
    yield made
    made.close()


@pytest.mark.slow
def test_one_browser_prints_many_documents_with_their_own_page_style(printer, tmp_path):
    jobs = [[(footer_page(tmp_path, f"{job}-{doc}.html", f"Footer of {job} {doc}", pages=doc + 1),
              tmp_path / f"{job}-{doc}.pdf") for doc in (1, 2)] for job in ("acme", "brill", "corvo")]
    for documents in jobs:
        printer.print(documents)
    assert printer.launch_calls.calls == 1 and printer.launches == 1
    for documents in jobs:
        for source, target in documents:
            pages, text = pdf_text(target)
            job, doc = source.stem.split("-")
            assert pages == int(doc) + 1  # A4 (the page's size, not Letter), a heading a page
            assert f"Footer of {job} {doc}" in text and f"page 1 of {pages}" in text and f"page {pages} of {pages}" in text


@pytest.mark.slow
def test_the_same_page_prints_the_same_bytes_but_for_the_creation_date(printer, tmp_path):
    source = footer_page(tmp_path, "page.html", "Same bytes", extra="<table><tr><th>a</th><th>b</th></tr>"
                                                                     "<tr><td>1</td><td>2</td></tr></table>")
    prints = []
    for i in range(3):
        if i == 2:
            printer.close()  # the third in a new browser
            printer = pdf.Printer(printer.executable)
        printer.print([(source, tmp_path / f"{i}.pdf")])
        prints.append(re.sub(rb"D:\d{14}", b"D:", (tmp_path / f"{i}.pdf").read_bytes()))
    printer.close()
    assert b"(node0000000" in prints[0]  # tagged, as Chromium's own --print-to-pdf makes them
    assert prints[0] == prints[1] == prints[2]


@pytest.mark.slow
def test_a_dead_browser_is_replaced_and_the_document_printed(printer, tmp_path):
    first = footer_page(tmp_path, "first.html", "First")
    printer.print([(first, tmp_path / "first.pdf")])
    assert printer.pid is not None
    os.kill(printer.pid, signal.SIGKILL)  # as if it crashed between two documents
    assert ended(printer.pid, within=5) if Path("/proc").exists() else True
    second = footer_page(tmp_path, "second.html", "Second")
    printer.print([(second, tmp_path / "second.pdf")])
    assert printer.launches == 2
    assert "Second" in pdf_text(tmp_path / "second.pdf")[1]


@pytest.mark.slow
def test_a_browser_that_dies_as_it_starts_is_replaced_and_the_document_tried_again(chromium, tmp_path):
    calls = []

    def dies_first(playwright, **options):
        browser = playwright.chromium.launch(**options)
        calls.append(browser)
        if len(calls) == 1:
            browser.close()  # gone before the first page opens
        return browser

    printer = pdf.Printer(chromium, launch=dies_first)
    try:
        printer.print([(footer_page(tmp_path, "page.html", "Printed anyway"), tmp_path / "page.pdf")])
    finally:
        printer.close()
    assert len(calls) == 2
    assert "Printed anyway" in pdf_text(tmp_path / "page.pdf")[1]


@pytest.mark.slow
def test_a_document_that_fails_twice_is_a_clear_error(printer, tmp_path):
    with pytest.raises(pdf.PdfError, match=r"did not print missing\.html: .*ERR_FILE_NOT_FOUND"):
        printer.print([(tmp_path / "missing.html", tmp_path / "missing.pdf")])
    assert printer.launches == pdf.ATTEMPTS  # tried again in a new browser, once
    assert not (tmp_path / "missing.pdf").exists()


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.hits.append(self.path)
        time.sleep(30)  # a request that got out would hold the page's load for this long

    def log_message(self, *args) -> None:
        pass


@pytest.mark.slow
@pytest.mark.parametrize("guard", ["both", "route-alone", "resolver-alone"])
def test_no_request_leaves_the_machine_and_the_page_prints_without_waiting(chromium, tmp_path, monkeypatch, guard):
    """Cut off twice over, and each guard holds alone: the route aborts every request that is
    not file: or data:, and the host resolver resolves nothing (not even an address)."""
    if guard == "route-alone":
        monkeypatch.setattr(pdf, "FLAGS", [f for f in pdf.FLAGS if not f.startswith("--host-resolver-rules")])
    if guard == "resolver-alone":
        monkeypatch.setattr(pdf, "_offline", lambda route: route.continue_())
    _Counting.hits.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    printer = pdf.Printer(chromium)
    try:
        extra = (f'<img alt="local" src="http://127.0.0.1:{port}/x.png">'
                 f'<img alt="by name" src="http://localhost:{port}/y.png">'
                 '<img alt="remote" src="http://example.invalid/x.png">'
                 f'<link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">'
                 f'<iframe title="frame" src="http://127.0.0.1:{port}/frame"></iframe>')
        source = footer_page(tmp_path, "page.html", "Nothing fetched", extra=extra)
        started = time.monotonic()
        printer.print([(source, tmp_path / "page.pdf")])
        assert time.monotonic() - started < 20  # a request that got out would hold the page for 30 s
    finally:
        printer.close()
        server.shutdown()
    assert _Counting.hits == []
    assert "Nothing fetched" in pdf_text(tmp_path / "page.pdf")[1]


@pytest.mark.slow
def test_printing_works_from_inside_a_running_event_loop(chromium, tmp_path):
    """As from a notebook: Jupyter runs the cell inside an event loop, where Playwright's
    synchronous API refuses to run; the printer's own thread has none."""
    source = footer_page(tmp_path, "page.html", "From a loop")

    async def cell() -> None:
        pdf.print_pdfs([(source, tmp_path / "page.pdf")], chromium)

    try:
        asyncio.run(cell())
    finally:
        pdf.close_printer()
    assert "From a loop" in pdf_text(tmp_path / "page.pdf")[1]


@pytest.mark.slow
def test_a_run_prints_its_documents_with_the_footer_and_closes_its_browser(chromium, tiny_params, tmp_path,
                                                                            fake_notebooks, monkeypatch):
    monkeypatch.setenv(pdf.SETTING, chromium)
    launch = CountingLaunch()
    monkeypatch.setattr(pdf, "_launch", launch)
    with versions.outputs_lock(tmp_path / "out"):
        result = runner.run_account(tiny_params, tmp_path / "out", "northwind-foods", notebooks_dir=fake_notebooks)
    assert result.pdf == pdf.PdfResult(printed=True) and launch.calls == 1
    assert pdf._printer is None and ended(launch.pids[0], within=0)  # closed with the run
    latest = tmp_path / "out" / "northwind-foods" / "latest"
    manifest = versions.read_manifest(latest)
    assert manifest["pdf"] == "printed" and {"plan.pdf", "joint-plan.pdf"} <= set(manifest["documents"])
    pages, text = pdf_text(latest / "plan.pdf")
    assert pages >= 2 and "Northwind Foods plc · account plan v0001" in text and f"page 1 of {pages}" in text
    pages, text = pdf_text(latest / "joint-plan.pdf")
    assert pages >= 1 and "Joint business plan" in text and f"page 1 of {pages}" in text


@pytest.mark.slow
def test_a_batch_prints_every_pdf_with_one_browser_and_closes_it(chromium, demo, tmp_path, monkeypatch):
    monkeypatch.setenv(pdf.SETTING, chromium)
    launch = CountingLaunch()
    monkeypatch.setattr(pdf, "_launch", launch)
    notebooks = write_notebooks(tmp_path / "nb")
    outputs = tmp_path / "out"
    with versions.outputs_lock(outputs):
        done = batch.run_batch(demo, outputs, SOME, workers=2, notebooks_dir=notebooks, overview=True)
    assert [o.status for o in done.all] == ["published"] * 5
    assert all(o.pdf == pdf.PdfResult(printed=True) for o in done.all)
    assert launch.calls == 1  # 9 documents, one browser
    assert pdf._printer is None and ended(launch.pids[0], within=0)  # closed at the batch's end
    for account_id in SOME:
        latest = outputs / account_id / "latest"
        assert {"plan.pdf", "joint-plan.pdf"} <= set(versions.read_manifest(latest)["documents"])
        assert account_id.split("-")[0].title() in pdf_text(latest / "joint-plan.pdf")[1].replace("\n", " ")
    assert pdf_text(outputs / "portfolio" / "latest" / "portfolio.pdf")[0] >= 1


@pytest.mark.slow
def test_an_interrupted_batch_closes_its_browser_before_it_returns(chromium, demo, tmp_path, monkeypatch):
    monkeypatch.setenv(pdf.SETTING, chromium)
    launch = CountingLaunch()
    monkeypatch.setattr(pdf, "_launch", launch)
    notebooks = write_notebooks(tmp_path / "nb", extra="import time\nif account_id == 'harbor-snacks':\n"
                                                       "    time.sleep(60)")
    outputs = tmp_path / "out"

    def stop_check() -> None:  # Ctrl-C, once the first account is printed and published
        if (outputs / "brightwell-petcare" / "latest" / "plan.pdf").is_file():
            raise KeyboardInterrupt

    with versions.outputs_lock(outputs), pytest.raises(KeyboardInterrupt):
        batch.run_batch(demo, outputs, SOME, workers=2, notebooks_dir=notebooks, stop_check=stop_check)
    assert launch.calls == 1 and ended(launch.pids[0], within=0)
    assert pdf._printer is None


@pytest.mark.slow
@needs_proc
def test_no_chromium_is_left_running_after_a_batch(chromium, tiny_params, tmp_path):
    mark = uuid.uuid4().hex
    notebooks = write_notebooks(tmp_path / "nb")
    run = subprocess.run([sys.executable, "-m", "kamlib", "--params", str(tiny_params), "--outputs", "out",
                          "--notebooks", str(notebooks), "batch"], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, pdf.SETTING: chromium, MARK: mark}, timeout=300)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "northwind-foods" / "latest" / "plan.pdf").is_file()
    wait_for(lambda: chromium_running(mark) == [], within=5)


@pytest.mark.slow
@needs_proc
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_a_stopped_batch_leaves_no_chromium_running(chromium, demo, tmp_path, monkeypatch, stop):
    """Stopped while its browser is open (the fast accounts printed, the slow one in a long
    cell): the browser ends with the batch, and its temporary profile is removed."""
    mark = uuid.uuid4().hex
    monkeypatch.setenv(pdf.SETTING, chromium)
    monkeypatch.setenv(MARK, mark)
    temp = Path(tempfile.mkdtemp(prefix="kam-test-"))  # short: Chromium's own sockets go in TMPDIR
    notebooks = write_notebooks(tmp_path / "nb", extra=MARK_CELL)
    (tmp_path / "slow").write_text("harbor-snacks")
    proc = subprocess.Popen([sys.executable, "-m", "kamlib", "--params", str(demo), "--outputs", "out",
                             "--notebooks", str(notebooks), "batch", "--workers", "2", *SOME],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(temp)}, start_new_session=True)
    try:
        wait_for(lambda: (tmp_path / "out" / "northwind-foods" / "latest" / "plan.pdf").is_file()
                 or proc.poll() is not None, within=120)
        assert proc.poll() is None, proc.communicate()
        assert chromium_running(mark)  # the batch's browser, open for the next documents
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        left = list(temp.iterdir())
        shutil.rmtree(temp)
    assert proc.returncode == (130 if stop == signal.SIGINT else 143), err
    assert "Traceback" not in err
    wait_for(lambda: chromium_running(mark) == [], within=5)
    assert left == []  # no kernel files, no browser profile


def _worker_launches() -> int:
    """On a cluster worker: how many browsers its printer started."""
    return pdf._printer[1].launches if pdf._printer is not None else 0


@pytest.mark.slow
@needs_proc
def test_a_cluster_worker_prints_every_job_with_one_browser_gone_with_the_worker(chromium, demo, tmp_path,
                                                                                 monkeypatch):
    distributed = pytest.importorskip("distributed")
    mark = uuid.uuid4().hex
    monkeypatch.setenv(pdf.SETTING, chromium)
    monkeypatch.setenv(MARK, mark)  # the worker process inherits both
    notebooks = write_notebooks(tmp_path / "nb")
    outputs = tmp_path / "out"
    # two threads: two jobs at once hand their documents to the worker's one printer
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        with versions.outputs_lock(outputs):
            done = batch.run_batch(demo, outputs, SOME, scheduler=cluster.scheduler_address, notebooks_dir=notebooks,
                                   overview=True)
        assert all(o.pdf == pdf.PdfResult(printed=True) for o in done.all)
        with distributed.Client(cluster) as client:
            assert list(client.run(_worker_launches).values()) == [1]
        assert chromium_running(mark)  # kept for the worker's next jobs (the overview's, on the client, is closed)
    wait_for(lambda: chromium_running(mark) == [], within=10)
    for account_id in SOME:
        assert (outputs / account_id / "latest" / "plan.pdf").is_file()
