"""Benchmark of PDF printing in a batch: without PDFs, with them (one browser), the old way.

    .venv/bin/python benchmarks/pdf.py [--accounts 30] [--repeat 1] [--workers N]

Builds a portfolio of N accounts in a temporary folder (as benchmarks/batch.py does) and times, in
one run, side by side:
  (off)  `kam batch`, cold, KAM_CHROMIUM=off: HTML documents only;
  (new)  `kam batch`, cold, with PDFs: one headless Chromium in the batch's main process prints
         every document while the workers go on;
  (old)  the old way, applied to the HTML documents of (off): one `chromium --headless
         --print-to-pdf` per document, the documents of a job at once, as many jobs at a time
         as the batch has workers (which is how the batch printed them before); its time added
         to (off) estimates the old batch with PDFs.
With --repeat R the three alternate R times (the machine's speed drifts) and the medians are
compared. It also counts Chromium processes left running after each batch (there must be
none), and checks that the PDFs of (new) and (old) have the same pages. Prints the ratio
new/off (goal at most 1.3). Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch import BIN, make_portfolio  # noqa: E402 - the benchmark next door builds the portfolio

MARK = "KAM_BENCHMARK_MARK"  # in the environment of every process a batch starts, Chromium's too


def find_browser() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def old_command(browser: str, source: Path, target: Path, profile: Path) -> list[str]:
    """The command line kam printed each document with before one browser served a batch."""
    flags = [
        "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--mute-audio",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={target}",
    ]
    if os.geteuid() == 0:
        flags.insert(1, "--no-sandbox")
    return [browser, *flags, source.resolve().as_uri()]


def old_job(browser: str, documents: list[tuple[Path, Path]]) -> None:
    """One job's documents the old way: a Chromium per document, all at once, waited for."""
    with tempfile.TemporaryDirectory(prefix="kam-chromium-") as tmp:
        running = [subprocess.Popen(old_command(browser, source, target, Path(tmp) / f"profile{i}"),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
                   for i, (source, target) in enumerate(documents)]
        for process in running:
            process.wait(timeout=120)


def old_way(browser: str, outputs: Path, target: Path, workers: int) -> tuple[float, int]:
    """(seconds, documents) to print every HTML document of `outputs` the old way."""
    jobs = []
    for latest in sorted(outputs.glob("*/latest")):
        folder = target / latest.parent.name
        folder.mkdir(parents=True)
        jobs.append([(html, folder / f"{html.stem}.pdf") for html in sorted(latest.glob("*.html"))])
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda documents: old_job(browser, documents), jobs))
    seconds = time.perf_counter() - started
    printed = list(target.rglob("*.pdf"))
    assert len(printed) == sum(len(j) for j in jobs), "the old way missed documents"
    return seconds, len(printed)


def chromium_left(mark: str) -> list[str]:
    """Chromium processes still running that a batch marked `mark` started (zombies have ended)."""
    left = []
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit() or f"{MARK}={mark}".encode() not in (proc / "environ").read_bytes().split(b"\0"):
                continue
            name = (proc / "comm").read_text().strip()
            state = (proc / "stat").read_text().rsplit(") ", 1)[1][0]
        except OSError:
            continue
        if "chrom" in name and state not in "ZX":
            left.append(f"{proc.name} {name}")
    return left


def batch(params: Path, outputs: Path, workers: int | None, browser: str) -> tuple[float, list[str]]:
    """Seconds of a cold `kam batch` with KAM_CHROMIUM=`browser`, and the Chromium processes left after it."""
    mark = uuid.uuid4().hex
    command = [str(BIN / "kam"), "--params", str(params), "--outputs", str(outputs), "batch"]
    if workers:
        command += ["--workers", str(workers)]
    started = time.perf_counter()
    run = subprocess.run(command, env={**os.environ, "KAM_CHROMIUM": browser, MARK: mark},
                         capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"kam batch failed ({run.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    time.sleep(1)  # a browser being closed has a moment to go
    return seconds, chromium_left(mark)


def same_pages(new: Path, old: Path) -> tuple[int, list[str]]:
    """(PDFs compared, those whose page count differs, with both counts) between the new and old prints."""
    from pypdf import PdfReader

    compared, differ = 0, []
    for printed in sorted(old.rglob("*.pdf")):
        pages = len(PdfReader(new / printed.parent.name / "latest" / printed.name).pages)
        before = len(PdfReader(printed).pages)
        compared += 1
        if pages != before:
            differ.append(f"{printed.parent.name}/{printed.name}: {pages} pages, {before} the old way")
    return compared, differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=1, help="alternate the three this many times")
    parser.add_argument("--workers", type=int, default=None, help="kam batch --workers (default: its own)")
    args = parser.parse_args()
    browser = find_browser()
    if browser is None:
        sys.exit("no Chromium on PATH (apt-get install chromium): nothing to compare")
    workers = args.workers or (os.cpu_count() or 1) + 1  # as kam batch's default
    times: dict[str, list[float]] = {"off": [], "new": [], "old": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        params = work / "parameters"
        ids = make_portfolio(params, args.accounts)
        print(f"portfolio: {len(ids)} accounts + overview; {os.cpu_count()} cores; {workers} workers; {browser}")
        for round_ in range(1, args.repeat + 1):
            off, left_off = batch(params, work / f"off{round_}", args.workers, "off")
            new, left_new = batch(params, work / f"new{round_}", args.workers, browser)
            old, documents = old_way(browser, work / f"off{round_}", work / f"old{round_}", workers)
            times["off"].append(off)
            times["new"].append(new)
            times["old"].append(off + old)
            print(f"round {round_}: off {off:.1f} s, new {new:.1f} s (new/off = {new / off:.2f}), old prints "
                  f"{old:.1f} s for {documents} PDFs (off + old = {off + old:.1f} s); "
                  f"Chromium processes left: {len(left_off) + len(left_new)}", flush=True)
            for line in left_off + left_new:
                print(f"  left running: {line}")
        compared, differ = same_pages(work / f"new{args.repeat}", work / f"old{args.repeat}")
    off, new, old = (statistics.median(times[k]) for k in ("off", "new", "old"))
    print(f"\n{'':<58} {'median':>8}  runs")
    rows = [("(off) kam batch, cold, no PDFs", off, times["off"]),
            ("(new) kam batch, cold, PDFs by one browser", new, times["new"]),
            ("(old) kam batch, cold, no PDFs + a Chromium per PDF", old, times["old"])]
    for label, median, runs in rows:
        print(f"{label:<58} {median:>6.1f} s  {', '.join(f'{r:.1f}' for r in runs)}")
    print(f"new/off = {new / off:.2f} (goal at most 1.3); old/off = {old / off:.2f}")
    print(f"PDFs with the same number of pages, new and old: {compared - len(differ)} of {compared}")
    for line in differ:
        print(f"  {line}")


if __name__ == "__main__":
    main()
