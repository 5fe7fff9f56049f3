"""PDFs of the plan documents, printed by a headless Chromium already on the machine.

Nothing is downloaded: the browser is the one named by the `KAM_CHROMIUM` setting (a path or
a command name; `off` turns PDFs off) or the first of `chromium`, `chromium-browser`,
`google-chrome` on PATH (Debian: `apt-get install chromium`). Without one, the HTML documents
are still published and the run says once that PDFs were skipped and how to enable them.

One browser serves a process: a `Printer` starts it (through Playwright, against that system
Chromium) at the first document and prints every later one with it, until the batch or worker
ends and closes it. Starting Chromium for each document, as `chromium --print-to-pdf` does,
cost a batch about twice the CPU of printing (measured on 30 accounts: the batch took 2.0
times as long with PDFs; now 1.2). The printer lives in a thread of its own: Playwright's synchronous API
refuses to run inside an event loop (nbclient and papermill run one), and its objects belong to
the thread that made them; callers hand documents over and wait, or go on (`Printer.submit`).
A browser that dies is replaced, and the document retried once with the new one.

The pages carry their own print style (A4, running footer with page numbers, each step on a
new page), which the print follows; Chromium's own header and footer are off. The browser is
cut off from the network twice over: its host resolver resolves nothing, and every request
that is not for a `file:` or `data:` URL is aborted before it leaves. The documents are
self-contained and must print the same offline; they need no JavaScript, which is off.
"""

from __future__ import annotations

import atexit
import os
import queue
import re
import shutil
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

SETTING = "KAM_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 120  # seconds per document (and for the browser to start)
ATTEMPTS = 2  # a document is tried again once, in a new browser
IDLE = 60.0  # seconds without a document after which the browser is closed (the next one starts another)
CLOSE_GRACE = 5.0  # seconds for a closing printer to finish the page in hand before its browser is killed
HOW_TO_ENABLE = (f"install Chromium (Debian/Ubuntu: apt-get install chromium) or set {SETTING}=/path/to/chromium; "
                 f"{SETTING}=off silences this")
# Beside Playwright's own defaults (headless, a fresh temporary profile, no first-run pages, no
# background networking, component updates, sync or extensions): no GPU, and no name resolves.
FLAGS = ["--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--mute-audio",
         "--host-resolver-rules=MAP * ~NOTFOUND"]
OFFLINE_SCHEMES = ("file:", "data:")
# Tagged (accessible) PDFs, as Chromium's own --print-to-pdf makes them; the size, margins and
# footer come from the page's @page rules.
PRINT_OPTIONS: dict[str, Any] = {"prefer_css_page_size": True, "print_background": True,
                                 "display_header_footer": False, "tagged": True, "outline": False}


class PdfError(RuntimeError):
    """Chromium was there but did not print a document."""


@dataclass(frozen=True)
class Browser:
    """The Chromium to print with, or why there is none."""

    path: str | None
    reason: str = ""  # why there is none
    turned_off: bool = False  # the user said so (KAM_CHROMIUM=off): nothing to tell them


@dataclass(frozen=True)
class PdfResult:
    """Whether a job's PDFs were printed, and if not, why (a value, never text to parse back)."""

    printed: bool
    reason: str = ""
    turned_off: bool = False

    @classmethod
    def skipped(cls, browser: Browser) -> PdfResult:
        """No PDFs, for the reason there is no browser to print with."""
        return cls(False, browser.reason, browser.turned_off)

    def manifest_text(self) -> str:
        """How the manifest records it, for people reading it: `printed` or `skipped: why`."""
        return "printed" if self.printed else f"skipped: {self.reason}"


def find_chromium() -> Browser:
    """The browser named by KAM_CHROMIUM, else the first Chromium on PATH, else why not."""
    setting = os.environ.get(SETTING, "").strip()
    if setting.lower() in ("off", "none", "0", "false", "no"):
        return Browser(None, f"PDFs are turned off ({SETTING}={setting})", turned_off=True)
    if setting:
        found = shutil.which(setting)
        return Browser(found) if found else Browser(None, f"{SETTING}={setting} is not an executable program")
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Browser(found)
    return Browser(None, f"no Chromium found on PATH (looked for {', '.join(CANDIDATES)})")


Documents = list[tuple[Path, Path]]  # (html, pdf) pairs
Launch = Callable[..., Any]  # Playwright's `chromium.launch`, or a stand-in that wraps it (tests count launches)


class Printer:
    """One headless Chromium for this process: started at the first document, reused for every
    later one (a new page each), closed by `close()`, or after `IDLE` seconds without a
    document (a cluster worker between batches). Thread-safe: any thread may hand it documents;
    one thread of its own does the printing, a document at a time.

    `launch(playwright, **options)` starts the browser; the default is Playwright's own."""

    def __init__(self, executable: str, launch: Launch | None = None) -> None:
        self.executable = executable
        self.launches = 0  # browsers started so far
        self._launch = launch or _launch
        self._requests: queue.SimpleQueue[tuple[Documents, Future[None]] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._browser_pid: int | None = None  # to stop a browser stuck in a print, from another thread
        self._timed_out = False

    def submit(self, documents: Documents) -> Future[None]:
        """Queue the (html, pdf) pairs for printing; the future ends when they are printed, or
        with the `PdfError` of the first that could not be."""
        future: Future[None] = Future()
        with self._lock:
            if self._closed:
                raise PdfError("the printer was closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="kam-pdf-printer", daemon=True)
                self._thread.start()
            self._requests.put((documents, future))
        return future

    @property
    def pid(self) -> int | None:
        """The process id of the browser now open, if any."""
        return self._browser_pid

    def print(self, documents: Documents) -> None:
        """Print the (html, pdf) pairs and wait; raises `PdfError` for one that could not be printed."""
        self.submit(documents).result()

    def close(self) -> None:
        """Close the browser and end the printing thread; documents still queued fail. A page
        in hand gets `CLOSE_GRACE` seconds, then the browser is killed. Closing twice is harmless."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        if thread is None:
            return
        self._requests.put(None)
        thread.join(CLOSE_GRACE)
        if thread.is_alive():
            self._kill()
            thread.join(CLOSE_GRACE)

    # --- the printing thread -------------------------------------------------------------

    def _serve(self) -> None:
        """Take requests until closed; every future ends, whatever happens here."""
        try:
            from playwright.sync_api import sync_playwright

            playwright = sync_playwright().start()
        except Exception as err:  # noqa: BLE001 - no Playwright: every request fails with why
            self._fail_all(PdfError(f"could not start Playwright to drive Chromium ({self.executable}): {err}"))
            return
        session: _Session | None = None
        try:
            while True:
                try:
                    request = self._requests.get(timeout=IDLE)
                except queue.Empty:  # nothing to print for a while (a worker between batches): end
                    with self._lock:
                        if self._requests.empty():
                            self._thread = None  # the next document starts another
                            break
                    continue
                if request is None:
                    break
                documents, future = request
                if not future.set_running_or_notify_cancel():
                    continue
                if self._closed:
                    future.set_exception(PdfError("printing was stopped"))
                    continue
                try:
                    session = self._print_all(playwright, session, documents)
                except BaseException as err:  # noqa: BLE001 - handed to whoever waits on it
                    self._discard(session)
                    session = None
                    future.set_exception(err)
                else:
                    future.set_result(None)
        finally:
            self._discard(session)
            try:
                playwright.stop()
            except Exception:  # noqa: BLE001 - the driver is already gone
                pass

    def _fail_all(self, error: PdfError) -> None:
        """Fail what is queued, and end: the next document tries again."""
        with self._lock:
            self._thread = None
            while True:
                try:
                    request = self._requests.get_nowait()
                except queue.Empty:
                    return
                if request is not None and request[1].set_running_or_notify_cancel():
                    request[1].set_exception(error)

    def _print_all(self, playwright: Any, session: _Session | None, documents: Documents) -> _Session | None:
        """Print each document, in a new browser after a failure, `ATTEMPTS` times at most."""
        from playwright.sync_api import Error

        for source, target in documents:
            target.unlink(missing_ok=True)
            for attempt in range(1, ATTEMPTS + 1):
                if self._closed:
                    raise PdfError("printing was stopped")
                watchdog = threading.Timer(TIMEOUT, self._stop_stuck)
                watchdog.daemon = True
                try:
                    self._timed_out = False
                    session = session or self._start(playwright)
                    watchdog.start()
                    target.write_bytes(_renumbered(session.print(source)))
                    break
                except Error as err:
                    self._discard(session)
                    session = None
                    if attempt == ATTEMPTS:
                        why = f"no PDF after {TIMEOUT} s" if self._timed_out else _reason(err)
                        raise PdfError(f"Chromium ({self.executable}) did not print {source.name}: {why}") from None
                finally:
                    watchdog.cancel()
        return session

    def _start(self, playwright: Any) -> _Session:
        self.launches += 1
        browser = self._launch(playwright, executable_path=self.executable, args=FLAGS, timeout=TIMEOUT * 1000,
                               chromium_sandbox=not _as_root(), handle_sigint=False)
        self._browser_pid = _browser_pid(browser)
        return _Session(browser)

    def _discard(self, session: _Session | None) -> None:
        """Close the browser (if any): idle, dead, or done with."""
        self._browser_pid = None
        if session is not None:
            session.close()

    def _stop_stuck(self) -> None:
        """The watchdog: a document took longer than TIMEOUT; kill its browser, which fails the print."""
        self._timed_out = True
        self._kill()

    def _kill(self) -> None:
        pid = self._browser_pid
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)  # its renderers and helpers end with it
            except (ProcessLookupError, PermissionError):
                pass


class _Session:
    """A launched browser and the one page it prints in (offline, no JavaScript).

    Each document is a new navigation of that page, so a new document (and, the documents
    being files, a new origin and renderer process); opening a new page for each instead costs
    three times the CPU (measured on the 61 documents of a 30-account batch: 0.87 s against
    0.29 s a document, most of it Playwright and Chromium setting up the page), which on two
    cores made PDFs cost the batch 60 % instead of 20 %."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        context = browser.new_context(java_script_enabled=False)
        context.route("**/*", _offline)
        self.page = context.new_page()

    def print(self, source: Path) -> bytes:
        """The PDF of the HTML file `source`."""
        url = source.resolve().as_uri()
        self.page.goto(url, wait_until="load", timeout=TIMEOUT * 1000)
        if unquote(self.page.url) != unquote(url):  # never the page before it, whatever the navigation did
            raise PdfError(f"Chromium opened {self.page.url} instead of {source.name}")
        return bytes(self.page.pdf(**PRINT_OPTIONS))

    def close(self) -> None:
        """Close the browser; one that is already gone needs nothing."""
        try:
            self.browser.close()
        except Exception:  # noqa: BLE001 - a dead browser cannot be closed, nor needs to be
            pass


def _launch(playwright: Any, **options: Any) -> Any:
    return playwright.chromium.launch(**options)


def _offline(route: Any) -> None:
    """Let the page load itself and its data: URLs; abort every other request before it leaves."""
    if route.request.url.startswith(OFFLINE_SCHEMES):
        route.continue_()
    else:
        route.abort("blockedbyclient")


def _as_root() -> bool:
    """Chromium refuses to start as root with its sandbox: only then is it started without."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _browser_pid(browser: Any) -> int | None:
    """The browser's process id, asked of the browser itself (Playwright does not say it)."""
    try:
        session = browser.new_browser_cdp_session()
        try:
            processes = session.send("SystemInfo.getProcessInfo")["processInfo"]
        finally:
            session.detach()
    except Exception:  # noqa: BLE001 - a browser that cannot say: a stuck print then waits it out
        return None
    return next((int(p["id"]) for p in processes if p.get("type") == "browser"), None)


_LOG_LINE = re.compile(r"^\s*(?:- )?\[pid=\d+\]\[(?:err|out)\] (.+)$", re.MULTILINE)
_FATAL = re.compile(r"^\[[^\]]*:FATAL:[^\]]*\] (.+)$")  # Chromium's log prefix on the line that ended it


def _reason(err: Exception) -> str:
    """What went wrong, in a line: when the browser did not start, what it said as it died
    (Playwright puts its output in the message; a FATAL line before the noise that follows
    it), else the message's first line."""
    message = str(getattr(err, "message", "") or err)
    said = [line.strip() for line in _LOG_LINE.findall(message) if line.strip()]
    fatal = [m.group(1) for m in map(_FATAL.match, said) if m]
    if fatal or said:
        return (fatal or said)[-1]
    return message.strip().splitlines()[0] if message.strip() else type(err).__name__


# Struct element ids of a tagged PDF come from a counter of the renderer's DOM nodes, which a
# page that is reused or raced by a paint (seen: one id in ten off by one) can shift; numbered
# again in order here, same width, so the same page always gives the same bytes (but for the
# creation date, as with --print-to-pdf) and the file's byte offsets stay right.
_NODE_ID = re.compile(rb"\(node(\d{8})\)")


def _renumbered(data: bytes) -> bytes:
    """The PDF with its structure node ids numbered 1, 2, … in their order (same width)."""
    numbers = sorted({int(m) for m in _NODE_ID.findall(data)})
    if not numbers:
        return data
    new = {n: i for i, n in enumerate(numbers, start=1)}
    return _NODE_ID.sub(lambda m: b"(node%08d)" % new[int(m.group(1))], data)


# --- one printer per process ---------------------------------------------------------------

_printer: tuple[int, Printer] | None = None  # (the process it belongs to, the printer)
_printer_lock = threading.Lock()
_closed_at_exit: set[int] = set()  # the processes that close their printer at exit


def printer(executable: str) -> Printer:
    """This process's printer for `executable`, made on first use (no browser starts until the
    first document). A printer for another browser is closed first; a forked child never uses
    its parent's (the thread that printed is not in the child)."""
    global _printer
    with _printer_lock:
        if _printer is not None and _printer[0] == os.getpid() and _printer[1].executable == executable:
            return _printer[1]
        if _printer is not None and _printer[0] == os.getpid():
            _printer[1].close()
        if os.getpid() not in _closed_at_exit:
            _closed_at_exit.add(os.getpid())
            atexit.register(close_printer)
        _printer = (os.getpid(), Printer(executable))
        return _printer[1]


def close_printer() -> None:
    """Close this process's printer and its browser, if it has one (the end of a batch, a run,
    a worker; also at exit). The next document starts a new one."""
    global _printer
    with _printer_lock:
        current, _printer = _printer, None
    if current is not None and current[0] == os.getpid():
        current[1].close()


def print_pdfs(documents: Documents, browser: str) -> None:
    """Print each (html, pdf) pair with this process's browser (`printer`); raises `PdfError`
    for a document that could not be printed."""
    printer(browser).print(documents)
