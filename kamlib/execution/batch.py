"""`kam batch`: the plans of many accounts in parallel, each in its own process and kernel.

The main process is the single writer of `outputs/`: it decides which accounts changed, starts
one fresh process per changed account (which starts one fresh kernel, runs the account's
notebooks in it and writes into a private staging folder), and publishes each finished
staging folder as a version. Nothing — process, kernel or cache — serves two accounts: a
worker process ends with its account. Workers come from a fork server that has already
imported papermill, nbconvert and what a kernel needs, and done on made-up data the first-use
work every worker would repeat (`warmup.warm_up`), which saves every account that time.
The main process also prints every account's PDFs, with one headless Chromium for the whole
batch, while the workers go on (`_Printing`): each document is a new navigation of its page,
offline and without JavaScript, so nothing of one account's document reaches another's.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from kamlib.errors import NotFilledIn, PublishError, RunError
from kamlib.execution import runner
from kamlib.execution.runner import Built, JobStatus
from kamlib.parameters.workbook import NOTEBOOKS_DIR
from kamlib.publishing import pdf, versions
from kamlib.publishing.pdf import PdfResult


@dataclass(frozen=True)
class AccountOutcome:
    """What happened to one account (or the overview) in a batch."""

    account: str
    status: JobStatus
    version: str | None
    seconds: float
    error: RunError | None = None
    pdf: PdfResult | None = None  # for a published version
    not_filled_in: NotFilledIn | None = None  # why an account was not run

    @property
    def summary(self) -> str:
        """One line for the progress and the summary table."""
        if self.status is JobStatus.PUBLISHED:
            return f"published {self.version}"
        if self.status is JobStatus.UNCHANGED:
            return f"unchanged ({self.version})"
        if self.not_filled_in is not None:
            return self.not_filled_in.summary
        assert self.error is not None
        return f"failed: {self.error.where}"


@dataclass(frozen=True)
class BatchResult:
    """A batch's outcomes: one per account, in the order asked for, and the overview's (None
    when the batch was not asked to run it)."""

    accounts: list[AccountOutcome]
    overview: AccountOutcome | None = None

    @property
    def all(self) -> list[AccountOutcome]:
        """Every outcome: the accounts', then the overview's if it ran."""
        return [*self.accounts, *([self.overview] if self.overview else [])]

    @property
    def failed(self) -> bool:
        """Whether any account, or the overview, did not publish: it failed, or is not filled in."""
        return any(o.status in (JobStatus.FAILED, JobStatus.NOT_FILLED_IN) for o in self.all)


@dataclass
class Progress:
    """Counts for the progress line: accounts done of total, running, failed, elapsed."""

    total: int
    done: int = 0
    failed: int = 0
    running: tuple[str, ...] = ()
    started: float = 0.0

    def line(self) -> str:
        """The progress line: `7/25 done, 1 failed, 42 s running: acme, …`."""
        running = f" running: {', '.join(self.running)}" if self.running else ""
        return (f"{self.done}/{self.total} done, {self.failed} failed, {time.perf_counter() - self.started:.0f} s"
                f"{running}")


Report = Callable[[AccountOutcome, Progress], None]


def _child(job: runner.Job, staging: Path, kernel_files: str, conn: Connection) -> None:
    """Build one account's version in this (forked) process and send back the result: a
    `Built`, or the `RunError` itself (it pickles)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt means
    from kamlib.execution.kernels import kernel_source

    # forked first, while this process is still one thread with no event loop or socket
    kernels = kernel_source(runner.KERNEL_MODULES, close_in_child=(conn,))

    def stop(*_: Any) -> None:
        """The parent's terminate (an interrupted batch): stop now, the kernel with us. Not by
        raising SystemExit to unwind: raised where Python ignores exceptions (an at-fork hook,
        a finaliser) it is lost, and the worker ran on until killed (seen: 10 s, and a kernel
        left behind). Nothing is lost here: the staging folder and the kernel's files are the
        parent's to remove, and nothing of this job was published."""
        kernels.kill()
        os._exit(143)

    signal.signal(signal.SIGTERM, stop)
    try:  # the PDFs are printed by the batch's main process (`_Printing`)
        conn.send(runner.build(job, staging, kernels, kernel_files=kernel_files, pdfs=False))
    except RunError as err:
        conn.send(err)
    except BaseException as err:  # noqa: BLE001 - anything else is this account's failure, reported
        conn.send(RunError(job.owner, "(worker)", None, f"{type(err).__name__}: {err}"))
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        kernels.close()
        conn.close()


# Imported once in the fork server, so no worker pays for them (papermill alone takes ~1.7 s),
# nor any kernel: kernels are forked from their worker (`kernels`). The last one is the fork
# server's only hook for running code: it calls `warmup.warm_up()`, which does on made-up data
# the first-use work every worker would repeat.
PRELOAD = ["kamlib.execution.runner", "kamlib.publishing.documents", "papermill", "nbconvert",
           *runner.KERNEL_MODULES, "kamlib.execution.forkserver"]


def _context() -> multiprocessing.context.ForkServerContext:
    """Workers are forked from a clean server process that has only imported PRELOAD: fast like
    fork, but without the caller's threads, event loops or zmq sockets (forking those hangs)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def default_workers() -> int:
    """One more account than cores: a worker spends part of its time waiting on its kernel
    (measured on 2 cores, 8 accounts: 2 workers 27.2 s, 3 workers 22.9 s, 4 workers 24.3 s)."""
    return (os.cpu_count() or 1) + 1


def run_batch(params_dir: Path, outputs: Path, account_ids: list[str], as_of: str | date | None = None,
              force: bool = False, workers: int | None = None, notebooks_dir: Path = NOTEBOOKS_DIR,
              timeout: int = runner.DEFAULT_TIMEOUT, report: Report | None = None,
              scheduler: str | None = None, overview: bool = False,
              stop_check: Callable[[], None] | None = None) -> BatchResult:
    """Run the accounts' plans, `workers` at a time; returns one outcome per account, in order.

    Call with the outputs lock held. Unchanged accounts, and accounts not filled in (values still
    marked TODO: not published, counted as failed), are decided here without starting a
    process or a kernel. A failing account does not stop the others. With `scheduler` (a Dask
    scheduler address) the jobs run on that cluster instead of local processes (`cluster`).
    With `overview`, the portfolio overview is a job too (it reads only parameter files, so it
    need not wait for the accounts): started first, as the longest job; its outcome is the
    result's `overview`. It is not counted in the progress. `stop_check` raises when a stop was
    asked for (`stopping.StopSignals.check`): the wait for workers asks it twice a second, in case
    the interrupt's own exception was lost.
    """
    workers = max(1, workers or default_workers())
    started = time.perf_counter()
    progress = Progress(total=len(account_ids), started=started)
    outcomes: dict[str, AccountOutcome] = {}
    jobs: list[runner.Job] = []
    for account_id in account_ids:
        try:
            planned = runner.plan_account(params_dir, outputs, account_id, as_of, force, notebooks_dir, timeout)
        except NotFilledIn as refused:
            outcomes[account_id] = AccountOutcome(account_id, JobStatus.NOT_FILLED_IN, None, 0.0, not_filled_in=refused)
            progress.done += 1
            progress.failed += 1
            if report:
                report(outcomes[account_id], progress)
            continue
        if isinstance(planned, runner.RunResult):
            assert planned.version is not None
            outcomes[account_id] = AccountOutcome(account_id, JobStatus.UNCHANGED, planned.version.name, planned.seconds)
            progress.done += 1
            if report:
                report(outcomes[account_id], progress)
        else:
            jobs.append(planned)
    if overview:
        whole = _plan_overview(params_dir, outputs, as_of, notebooks_dir, timeout)
        if isinstance(whole, AccountOutcome):
            outcomes[whole.account] = whole
        elif scheduler:
            outcomes[whole.owner] = _run_here(whole, outputs)
        else:
            jobs.insert(0, whole)
    if jobs and scheduler:
        from kamlib.execution import cluster

        def record(outcome: AccountOutcome) -> None:
            outcomes[outcome.account] = outcome
            progress.done += 1
            progress.failed += outcome.status is JobStatus.FAILED
            if report:
                report(outcome, progress)

        cluster.run_jobs(jobs, outputs, scheduler, _settle, record, stop_check)
    elif jobs:
        _run_jobs(jobs, outputs, workers, progress, outcomes, report, stop_check)
    return BatchResult([outcomes[a] for a in account_ids], outcomes[runner.PORTFOLIO_OWNER] if overview else None)


def _plan_overview(params_dir: Path, outputs: Path, as_of: str | date | None, notebooks_dir: Path,
                   timeout: int) -> runner.Job | AccountOutcome:
    """The overview's job, or its outcome when there is nothing to run: unchanged, or no account
    of the portfolio filled in yet."""
    try:
        whole = runner.plan_portfolio(params_dir, outputs, as_of, False, notebooks_dir, timeout)
    except NotFilledIn as refused:
        return AccountOutcome(runner.PORTFOLIO_OWNER, JobStatus.NOT_FILLED_IN, None, 0.0, not_filled_in=refused)
    if isinstance(whole, runner.RunResult):
        assert whole.version is not None
        return AccountOutcome(whole.owner, JobStatus.UNCHANGED, whole.version.name, whole.seconds)
    return whole


def _run_here(job: runner.Job, outputs: Path) -> AccountOutcome:
    """A job in this process (the overview, when the accounts run on a cluster)."""
    started = time.perf_counter()
    try:
        result = runner.run_job(job, outputs)
    except RunError as err:
        return AccountOutcome(job.owner, JobStatus.FAILED, None, time.perf_counter() - started, err)
    except PublishError as err:
        return _unpublished(job, err, time.perf_counter() - started)
    return AccountOutcome(job.owner, JobStatus.PUBLISHED, result.version.name, result.seconds, pdf=result.pdf)


def _run_jobs(jobs: list[runner.Job], outputs: Path, workers: int, progress: Progress,
              outcomes: dict[str, AccountOutcome], report: Report | None,
              stop_check: Callable[[], None] | None = None) -> None:
    context = _context()
    pending = list(jobs)
    running: dict[Connection, tuple[runner.Job, Any, Path, str, float]] = {}
    printing = _Printing(pdf.find_chromium())

    def finish(job: runner.Job, staging: Path, result: Built | RunError, began: float) -> None:
        outcome = _settle(job, outputs, staging, result, time.perf_counter() - began)
        outcomes[job.owner] = outcome
        progress.running = tuple(job.owner for job, *_ in running.values())
        if job.kind != "account":
            return
        progress.done += 1
        progress.failed += outcome.status is JobStatus.FAILED
        if report:
            report(outcome, progress)

    try:
        while pending or running or printing.waiting:
            while pending and len(running) < workers:
                job = pending.pop(0)
                try:
                    staging = versions.new_staging(outputs, job.owner)
                except PublishError as err:
                    outcomes[job.owner] = _unpublished(job, err, 0.0)
                    progress.done += job.kind == "account"
                    progress.failed += job.kind == "account"
                    if report and job.kind == "account":
                        report(outcomes[job.owner], progress)
                    continue
                receive, send = context.Pipe(duplex=False)
                kernel_files = runner.kernel_folder()
                process = context.Process(target=_child, args=(job, staging, kernel_files, send),
                                          name=f"kam-{job.owner}")
                # registered before it starts: an interrupt during the start still stops it
                running[receive] = (job, process, staging, kernel_files, time.perf_counter())
                process.start()
                send.close()
            progress.running = tuple(job.owner for job, *_ in running.values())
            ready = wait([*running, *printing.wake], timeout=STOP_POLL)
            if stop_check is not None:
                stop_check()
            for conn in ready:
                if conn not in running:
                    continue  # the printer's wake-up: read below
                assert isinstance(conn, Connection)  # wait() returns some of the pipes it was given
                job, process, staging, kernel_files, began = running.pop(conn)
                try:
                    result: Built | RunError | None = conn.recv()
                except EOFError:
                    result = None
                conn.close()
                _stop([process], grace=WORKER_EXIT_GRACE)  # it has sent its result, or died: it is ending
                shutil.rmtree(kernel_files, ignore_errors=True)
                if result is None:
                    result = RunError(job.owner, "(worker)", None, f"worker process died (exit code {process.exitcode})")
                if isinstance(result, Built) and result.pdf is None:
                    result = printing.submit(job, staging, result, began)  # the worker's slot is free meanwhile
                    if result is None:
                        continue
                finish(job, staging, result, began)
            for job, staging, result, began in printing.done():
                finish(job, staging, result, began)
    finally:
        # interrupted (Ctrl-C, SIGTERM) or failed: stop every worker; each stops its kernel
        _stop([process for _, process, *_ in running.values()], grace=WORKER_STOP_GRACE, terminate=True)
        for *_, kernel_files, _began in running.values():
            shutil.rmtree(kernel_files, ignore_errors=True)
        printing.close()  # the batch's browser ends with it, even when interrupted
        # their staging folders are removed by the next run (versions.outputs_lock)


class _Printing:
    """The PDFs of a local batch, printed in its main process by one browser (`pdf.printer`)
    while the workers go on: a worker ends with its account, so a browser of its own would
    start once per account. A job built by a worker waits here for its PDFs; `wake` becomes
    readable when some are printed, and `done` hands those jobs back, ready to publish."""

    def __init__(self, browser: pdf.Browser) -> None:
        self.browser = browser
        self._printer = pdf.printer(browser.path) if browser.path else None  # no browser starts yet
        self._waiting: dict[Future[None], tuple[runner.Job, Path, Built, float]] = {}
        self._lock = threading.Lock()
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)

    @property
    def waiting(self) -> bool:
        """Whether some job still waits for its PDFs."""
        return bool(self._waiting)

    @property
    def wake(self) -> list[int]:
        """What to wait on, beside the workers' pipes, while jobs wait for their PDFs."""
        return [self._read] if self._waiting else []

    def submit(self, job: runner.Job, staging: Path, built: Built, began: float) -> Built | None:
        """Hand the job's documents to the printer (None: it waits here), or, without a
        browser, the job as it is, with why it has no PDFs."""
        if self._printer is None:
            return runner.without_pdfs(built, self.browser)
        future = self._printer.submit(runner.pdf_documents(staging, built))
        self._waiting[future] = (job, staging, built, began)
        future.add_done_callback(self._woken)
        return None

    def _woken(self, _future: Future[None]) -> None:
        with self._lock:  # not after close: the descriptor's number may belong to another file by then
            if self._write >= 0:
                os.write(self._write, b".")

    def done(self) -> list[tuple[runner.Job, Path, Built | RunError, float]]:
        """The jobs whose PDFs are printed (or failed: their `RunError`), in the order handed over."""
        try:
            os.read(self._read, 4096)
        except BlockingIOError:
            pass
        finished = []
        for future in [f for f in self._waiting if f.done()]:
            job, staging, built, began = self._waiting.pop(future)
            result: Built | RunError
            try:
                result = runner.with_pdfs(job, staging, built, future.exception())
            except RunError as err:
                result = err
            finished.append((job, staging, result, began))
        return finished

    def close(self) -> None:
        """Close the browser (what is still queued is not printed) and the wake-up pipe."""
        if self._printer is not None:
            pdf.close_printer()
        with self._lock:
            os.close(self._read)
            os.close(self._write)
            self._read = self._write = -1


STOP_POLL = 0.5  # s between looks at whether a stop was asked for while waiting on workers
WORKER_EXIT_GRACE = 30.0  # s for a worker that sent its result to end (it reaps its kernel)
WORKER_STOP_GRACE = 5.0  # s for stopped workers to end before they are killed


def _stop(processes: list[Any], grace: float, terminate: bool = False) -> None:
    """Wait (`grace` seconds in all, not each) for the processes to end, after asking them to
    (`terminate`: SIGTERM); kill what is left. A process never started needs nothing."""
    started = [p for p in processes if p.pid is not None]
    if terminate:
        for process in started:
            if process.exitcode is None:
                process.terminate()
    deadline = time.monotonic() + grace
    for process in started:
        process.join(timeout=max(0.0, deadline - time.monotonic()))
    for process in started:
        if process.is_alive():  # stuck where no signal handler runs: do not wait for ever
            process.kill()  # its kernel goes with it (`kernels.Zygote`)
            process.join(timeout=5)


def _settle(job: runner.Job, outputs: Path, staging: Path, result: Built | RunError, seconds: float) -> AccountOutcome:
    """Publish a finished job, or keep a failed one apart; a write the outputs folder refuses
    (full disk, read-only) is this job's failure, and the batch goes on."""
    if isinstance(result, Built):
        try:
            version = runner.publish_job(job, outputs, staging, result)
        except PublishError as err:
            shutil.rmtree(staging, ignore_errors=True)
            return _unpublished(job, err, seconds)
        return AccountOutcome(job.owner, JobStatus.PUBLISHED, version.name, seconds, pdf=result.pdf)
    try:
        kept: str | None = str(versions.keep_failed(outputs, job.owner, staging))
    except PublishError:
        kept = None
    error = RunError(result.account, result.notebook, result.cell, result.error, kept=kept)
    return AccountOutcome(job.owner, JobStatus.FAILED, None, seconds, error)


def _unpublished(job: runner.Job, err: PublishError, seconds: float) -> AccountOutcome:
    """The outputs folder refused the job's version (full disk, read-only): its failure."""
    return AccountOutcome(job.owner, JobStatus.FAILED, None, seconds, RunError(job.owner, "(publish)", None, str(err)))
