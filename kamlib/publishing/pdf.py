"""PDFs of the plan documents, printed by a headless Chromium already on the machine.

Nothing is downloaded: the browser is the one named by the `KAM_CHROMIUM` setting (a path or
a command name; `off` turns PDFs off) or the first of `chromium`, `chromium-browser`,
`google-chrome` on PATH (Debian: `apt-get install chromium`). Without one, the HTML documents
are still published and the run says once that PDFs were skipped and how to enable them.

The pages carry their own print style (A4, running footer with page numbers, each step on a
new page); Chromium's own header and footer are turned off, and the browser is cut off from
the network: the documents are self-contained and must print the same offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SETTING = "KAM_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 120  # seconds per document
ATTEMPTS = 2
HOW_TO_ENABLE = (f"install Chromium (Debian/Ubuntu: apt-get install chromium) or set {SETTING}=/path/to/chromium; "
                 f"{SETTING}=off silences this")


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


def command(browser: str, source: Path, target: Path, profile: Path) -> list[str]:
    """The command line that prints `source` (an HTML file) to `target` with headless Chromium.

    No network, no extensions, a profile of its own in `profile`, no header or footer on the page;
    without the sandbox only when running as root, where Chromium refuses to start with it.
    """
    flags = [
        "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--mute-audio",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no network: a self-contained page needs none
        f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={target}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.insert(1, "--no-sandbox")  # Chromium refuses to start as root with its sandbox
    return [browser, *flags, source.resolve().as_uri()]


def print_pdfs(documents: list[tuple[Path, Path]], browser: str) -> None:
    """Print each (html, pdf) pair, all at once (Chromium spends most of its time waiting)."""
    pending = list(documents)
    for _attempt in range(ATTEMPTS):
        with tempfile.TemporaryDirectory(prefix="kam-chromium-") as tmp:
            running = []
            for i, (source, target) in enumerate(pending):
                target.unlink(missing_ok=True)
                process = subprocess.Popen(command(browser, source, target, Path(tmp) / f"profile{i}"),
                                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                           stderr=subprocess.STDOUT, start_new_session=True)
                running.append((source, target, process))
            failed = []
            for source, target, process in running:
                try:
                    output, _ = process.communicate(timeout=TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    output, _ = process.communicate()
                    output = f"no PDF after {TIMEOUT} s".encode() + b"\n" + output
                if not _is_pdf(target):
                    failed.append((source, target, output.decode("utf-8", "replace").strip().splitlines()[-1:]))
        if not failed:
            return
        pending = [(source, target) for source, target, _ in failed]
    source, _, last = failed[0]
    raise PdfError(f"Chromium ({browser}) did not print {source.name}: {' '.join(last) or 'no output'}")


def _is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"%PDF-"
    except OSError:
        return False
