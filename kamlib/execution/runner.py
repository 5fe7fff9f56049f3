"""Running the planning notebooks for an account and publishing the result as a version.

A plan job is a pure function of its inputs (the account file, the portfolio file, the
notebook sources, kamlib's source and the planning date). Their hash decides whether there is
anything new to publish: unchanged inputs publish nothing unless forced.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import kamlib
from kamlib.errors import NotFilledIn, PublishError, RunError
from kamlib.execution.kernels import KERNEL_NAME, JobKernelManager, KernelSource, PlainKernels, kernel_source
from kamlib.parameters import loader, rules
from kamlib.parameters.workbook import NOTEBOOKS_DIR
from kamlib.publishing import pdf, versions
from kamlib.publishing.pdf import Browser, PdfResult

ACCOUNT_NOTEBOOKS = ("01_environment_analysis", "02_competitor_positioning", "03_scorecard", "04_action_plan")
PORTFOLIO_NOTEBOOK = "00_portfolio_overview"
PORTFOLIO_OWNER = "portfolio"
DEFAULT_TIMEOUT = 600  # seconds per cell
# Batch kernels keep quiet: ipykernel warns about TCP transport on every start. (Disabling its
# history looks cheaper but makes kernel shutdown wait about 3 s: measured.)
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]
# What the kernel of a step notebook imports. A process that forks kernels (`kernels.ForkedKernels`)
# imports these first, so its kernels start with them.
KERNEL_MODULES = ["ipykernel.kernelapp", "ipykernel.ipkernel", "matplotlib_inline.backend_inline", "pandas",
                  "matplotlib", "kamlib.display.charts", "kamlib.display.tables", "kamlib.display.text", "kamlib.method.findings",
                  "kamlib.parameters.workbook", "kamlib.method.environment", "kamlib.method.competition", "kamlib.method.economics",
                  "kamlib.method.scorecard", "kamlib.method.action_plan"]


class JobStatus(StrEnum):
    """What a plan job came to: a new version, nothing new to publish, or a failure."""

    PUBLISHED = "published"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    NOT_FILLED_IN = "not filled in"  # values still marked TODO: refused before any kernel starts


@dataclass(frozen=True)
class RunResult:
    """What one run did: published a version (with its PDFs or why not), or found nothing changed."""

    owner: str
    status: Literal[JobStatus.PUBLISHED, JobStatus.UNCHANGED]
    version: versions.Version
    seconds: float
    pdf: PdfResult | None = None  # None when nothing was built


@dataclass(frozen=True)
class Built:
    """What building a job produced in its staging folder: the manifest fields it computed
    (timings, documents, headline) and the PDFs' fate: None while they are still to print (a
    local batch prints them in its main process, `with_pdfs`). Pickles: a worker sends it back whole."""

    fields: dict[str, Any]
    pdf: PdfResult | None


def sha256_bytes(data: bytes) -> str:
    """The sha256 of `data`, in hex."""
    return hashlib.sha256(data).hexdigest()


@functools.cache
def kamlib_fingerprint() -> str:
    """A hash of kamlib's own source and document templates: a change to the analysis or to
    the look of a document makes every plan stale.

    Computed once per process (a batch asks for it once per account)."""
    return source_fingerprint(Path(kamlib.__file__).parent)


def source_fingerprint(root: Path) -> str:
    """sha256 over the names and bytes of the `.py` and `.j2` files under `root`."""
    digest = hashlib.sha256()
    sources = [p for p in root.rglob("*") if p.is_file() and p.suffix in {".py", ".j2"}]
    for path in sorted(sources):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def account_inputs(params_dir: Path, account_id: str, as_of: date,
                   notebooks_dir: Path = NOTEBOOKS_DIR) -> dict[str, Any]:
    """Everything an account's plan depends on, as hashes."""
    return {
        "account_file": sha256_bytes(loader.account_path(params_dir, account_id).read_bytes()),
        "portfolio_file": sha256_bytes((Path(params_dir) / loader.PORTFOLIO_FILE).read_bytes()),
        "notebooks": {name: sha256_bytes((notebooks_dir / f"{name}.ipynb").read_bytes()) for name in ACCOUNT_NOTEBOOKS},
        "kamlib": kamlib.__version__,
        "kamlib_source": kamlib_fingerprint(),
        "as_of": as_of.isoformat(),
    }


def portfolio_inputs(params_dir: Path, as_of: date, notebooks_dir: Path = NOTEBOOKS_DIR) -> dict[str, Any]:
    """What the portfolio overview depends on: every account file, the settings, the notebook."""
    return {
        "account_files": {i: sha256_bytes(loader.account_path(params_dir, i).read_bytes())
                          for i in loader.account_ids(params_dir)},
        "portfolio_file": sha256_bytes((Path(params_dir) / loader.PORTFOLIO_FILE).read_bytes()),
        "notebooks": {PORTFOLIO_NOTEBOOK: sha256_bytes((notebooks_dir / f"{PORTFOLIO_NOTEBOOK}.ipynb").read_bytes())},
        "kamlib": kamlib.__version__,
        "kamlib_source": kamlib_fingerprint(),
        "as_of": as_of.isoformat(),
    }


def input_hash(inputs: dict[str, Any]) -> str:
    """One hash of a job's inputs (`account_inputs` or `portfolio_inputs`): same inputs, same hash."""
    return sha256_bytes(json.dumps(inputs, sort_keys=True).encode())


def software_versions() -> dict[str, str]:
    """The versions of Python, kamlib and the libraries that shape a document, for the manifest."""
    found = {"python": platform.python_version(), "kamlib": kamlib.__version__}
    for package in ("papermill", "nbclient", "pandas", "matplotlib"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


KERNEL_START_ATTEMPTS = 3  # kernel starts can race for ports under parallel load (papermill #511)


@contextmanager
def kernel(owner: str, source: KernelSource | None = None, attempts: int = KERNEL_START_ATTEMPTS,
           folder: str | None = None) -> Iterator[JobKernelManager]:
    """One fresh kernel for one plan job, started with bounded retries and always shut down.

    All notebooks of the job run in it (same account, so nothing crosses accounts); a kernel is
    never reused by another job. `source` says where it comes from (`kernels`: forked or
    plain; default plain). The kernel's connection file and sockets live in `folder`, private
    to this job: one made here and removed at the end, or one the caller made and removes (a
    batch's main process, which outlives a stopped worker).
    """
    source = source or PlainKernels()
    own_folder = folder is None
    folder = folder or kernel_folder()
    try:
        km = _start_kernel(owner, source, attempts, folder)
        try:
            yield km
        finally:
            for client in km.clients_made:  # nbclient leaves its clients running when it did not start the kernel
                if client.channels_running:
                    client.stop_channels()  # closes its zmq context and thread, else ~2 MB a job stays
            _shutdown(km)
    finally:
        source.close()
        if own_folder:
            shutil.rmtree(folder, ignore_errors=True)


def _start_kernel(owner: str, source: KernelSource, attempts: int, folder: str) -> JobKernelManager:
    """A started, ready kernel manager: `attempts` tries (a forked source forks the first)."""
    # An async manager, as nbclient would make itself: with a blocking one its output poll
    # blocks the event loop, so a kernel that dies mid-cell is never noticed (measured: a hang).
    from jupyter_core.utils import run_sync

    for attempt in range(1, attempts + 1):
        km = source.manager(folder, attempt)
        try:
            # KAM_BATCH tells the notebooks' interactive editors to stay out of a batch run
            run_sync(km.start_kernel)(extra_arguments=KERNEL_ARGUMENTS, env={**os.environ, "KAM_BATCH": "1"})
            client = km.client()
            client.start_channels()
            try:
                run_sync(client.wait_for_ready)(timeout=60)
            finally:
                client.stop_channels()
            km.clients_made.clear()  # stopped here: only nbclient's clients are left to stop
            return km
        except Exception as err:  # noqa: BLE001 - any start failure is retried, then reported
            _shutdown(km)
            if attempt == attempts:
                raise RunError(owner, "(kernel start)", None,
                               f"kernel did not start after {attempts} attempts: {type(err).__name__}: {err}") from None
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable: attempts >= 1")


def kernel_folder() -> str:
    """A new folder only this user can open, for one job's kernel files (`kernel`)."""
    return tempfile.mkdtemp(prefix="kam-")


def request_stop(km: JobKernelManager) -> None:
    """Ask the kernel to exit now, without waiting: it winds down while the job writes its
    documents, and `kernel()` reaps it at the end."""
    from jupyter_core.utils import run_sync

    try:
        if km.has_kernel:
            run_sync(km.request_shutdown)()
            km.stop_requested = True
    except Exception:  # noqa: BLE001 - a kernel that is already gone needs no request
        pass


def _shutdown(km: JobKernelManager) -> None:
    from jupyter_core.utils import run_sync

    async def stop() -> None:
        # shutdown_kernel() would interrupt the kernel first, which makes ipykernel log a
        # "KeyboardInterrupt caught" error on every run; the kernel is idle here, so ask it to
        # stop, and terminate it only if it does not
        if not km.stop_requested:
            await km.request_shutdown()
        await km.finish_shutdown()
        await km.cleanup_resources()

    try:
        if km.has_kernel:
            run_sync(stop)()
    except Exception:  # noqa: BLE001 - a kernel that is already gone needs no shutdown
        pass


def execute(notebook: str, staging: Path, owner: str, parameters: dict[str, Any],
            notebooks_dir: Path, timeout: int, km: JobKernelManager) -> float:
    """Execute one notebook in the job's kernel into the staging folder; a failure becomes a `RunError`."""
    import logging

    import papermill
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    logging.getLogger("papermill").setLevel(logging.ERROR)
    started = time.perf_counter()
    from jupyter_core.utils import run_sync

    if not run_sync(km.is_alive)():
        raise RunError(owner, notebook, None, "the kernel died in an earlier notebook")
    try:
        papermill.execute_notebook(
            str(notebooks_dir / f"{notebook}.ipynb"), str(staging / f"{notebook}.ipynb"),
            parameters=parameters, kernel_name=KERNEL_NAME, progress_bar=False, km=km,
            execution_timeout=timeout, request_save_on_cell_execute=False,
            # a cell past the timeout is interrupted and fails like a cell that raised: its
            # notebook is kept with the error visible and the cell named
            interrupt_on_timeout=True,
            error_on_timeout={"ename": "CellTimeout", "evalue": f"the cell ran longer than {timeout} s (--timeout)",
                              "traceback": [f"CellTimeout: the cell ran longer than {timeout} s and was interrupted"]},
        )
    except PapermillExecutionError as err:
        if err.ename == "KeyboardInterrupt":  # only the timeout interrupts a kernel
            raise RunError(owner, notebook, err.exec_count, f"timed out: the cell ran longer than {timeout} s "
                           "and was stopped (raise --timeout if it needs longer)") from None
        raise RunError(owner, notebook, err.exec_count, f"{err.ename}: {err.evalue}".strip()) from None
    except CellTimeoutError:
        raise RunError(owner, notebook, None, f"timed out: a cell ran longer than {timeout} s and did not stop "
                       "when interrupted; its kernel was shut down") from None
    except Exception as err:  # noqa: BLE001 - a kernel that died: still this notebook's failure
        raise RunError(owner, notebook, None, f"{type(err).__name__}: {err}".strip()) from None
    return time.perf_counter() - started


@dataclass(frozen=True)
class Job:
    """One plan job: everything needed to build a version, as plain values (it can be pickled
    to another process or machine). `account_id` is None for the portfolio overview."""

    owner: str
    kind: Literal["account", "portfolio"]
    params_dir: Path
    account_id: str | None
    as_of: str
    inputs: dict[str, Any]
    digest: str
    version: int
    notebooks: tuple[str, ...]
    notebooks_dir: Path
    timeout: int
    previous: dict[str, Any] | None = None  # the latest published version's headline, for page one's changes
    previous_name: str | None = None        # and how to name it: "v0003 of 2026-08-31"


def _previous(outputs: Path, owner: str) -> tuple[dict[str, Any] | None, str | None]:
    """The latest published version's headline and name, or (None, None) for a first version."""
    latest = versions.latest_version(outputs, owner)
    if latest is None:
        return None, None
    manifest = latest.manifest()
    return manifest.get("headline"), f"{latest.name} of {manifest.get('as_of', '?')}"


def _next_version(outputs: Path, owner: str) -> int:
    existing = versions.list_versions(outputs, owner)
    return existing[-1].number + 1 if existing else 1


def _unchanged(outputs: Path, owner: str, digest: str, force: bool, started: float) -> RunResult | None:
    versions.checked_folder(outputs, owner)  # refuse a link out of outputs/ before any kernel starts
    latest = versions.latest_version(outputs, owner)
    if latest is not None and not force and latest.manifest().get("input_hash") == digest:
        return RunResult(owner, JobStatus.UNCHANGED, latest, time.perf_counter() - started)
    return None


def plan_account(params_dir: Path, outputs: Path, account_id: str, as_of: str | date | None = None,
                 force: bool = False, notebooks_dir: Path = NOTEBOOKS_DIR, timeout: int = DEFAULT_TIMEOUT,
                 ) -> Job | RunResult:
    """Validate the account and decide: a job to run, or "unchanged" (no kernel is started).
    Raises `NotFilledIn` for an account whose file still holds values marked TODO."""
    started = time.perf_counter()
    params_dir = Path(params_dir).resolve()
    settings = loader.load_settings(params_dir)
    marks = rules.todo_marks(loader.load_account(params_dir, account_id))
    if marks:
        raise NotFilledIn(account_id, len(marks))
    plan_date = loader.parse_as_of(as_of) or settings.as_of
    inputs = account_inputs(params_dir, account_id, plan_date, notebooks_dir)
    digest = input_hash(inputs)
    return _unchanged(outputs, account_id, digest, force, started) or Job(
        account_id, "account", params_dir, account_id, plan_date.isoformat(), inputs, digest,
        _next_version(outputs, account_id), ACCOUNT_NOTEBOOKS, Path(notebooks_dir), timeout,
        *_previous(outputs, account_id))


def plan_portfolio(params_dir: Path, outputs: Path, as_of: str | date | None = None, force: bool = False,
                   notebooks_dir: Path = NOTEBOOKS_DIR, timeout: int = DEFAULT_TIMEOUT) -> Job | RunResult:
    """Validate every file and decide whether the overview needs a new version. Raises
    `NotFilledIn` when the portfolio has accounts but none is filled in (nothing to report on)."""
    started = time.perf_counter()
    params_dir = Path(params_dir).resolve()
    whole = loader.load_portfolio(params_dir)
    filled = whole.filled_in()
    if whole.accounts and not filled.accounts:
        raise NotFilledIn(PORTFOLIO_OWNER, sum(filled.left_out.values()), len(filled.left_out))
    plan_date = whole.planning_date(as_of)
    inputs = portfolio_inputs(params_dir, plan_date, notebooks_dir)
    digest = input_hash(inputs)
    return _unchanged(outputs, PORTFOLIO_OWNER, digest, force, started) or Job(
        PORTFOLIO_OWNER, "portfolio", params_dir, None, plan_date.isoformat(), inputs, digest,
        _next_version(outputs, PORTFOLIO_OWNER), (PORTFOLIO_NOTEBOOK,), Path(notebooks_dir), timeout)


def build(job: Job, staging: Path, kernels: KernelSource | None = None, kernel_files: str | None = None,
          pdfs: bool = True) -> Built:
    """Execute the job's notebooks in one kernel into `staging` and write its documents.

    Returns what the job computed; raises `RunError` on a failing notebook. This is the part
    that may run in another process or on a cluster worker. `kernels`: where the kernel comes
    from (default plain). `pdfs`: print the PDFs here, with this process's browser (the
    default), or leave them to the caller (`Built.pdf` is then None): a local batch's worker
    ends with its account, so its main process prints every account's PDFs with one browser.
    """
    started = time.perf_counter()
    plan_date = date.fromisoformat(job.as_of)
    parameters: dict[str, Any] = {"params_dir": str(job.params_dir), "as_of": job.as_of}
    if job.account_id is not None:
        parameters = {"account_id": job.account_id, **parameters}
    timings: dict[str, float] = {}
    with kernel(job.owner, kernels, folder=kernel_files) as km:
        for notebook in job.notebooks:
            timings[notebook] = round(execute(notebook, staging, job.owner, parameters, job.notebooks_dir,
                                              job.timeout, km), 3)
        request_stop(km)
        return _finish(job, staging, plan_date, timings, started, pdfs)


def _finish(job: Job, staging: Path, plan_date: date, timings: dict[str, float], started: float,
            pdfs: bool) -> Built:
    """The documents of an executed job (the kernel is winding down meanwhile)."""
    from kamlib.method import portfolio
    from kamlib.publishing import documents  # here, not at the top: a batch with nothing to do needs no pandas

    if job.account_id is not None:
        # the version keeps the account file it was built from (for `kam diff` and audits)
        shutil.copyfile(loader.account_path(job.params_dir, job.account_id), staging / "account.yaml")
        settings = loader.load_settings(job.params_dir)
        account = loader.load_account(job.params_dir, job.account_id)
        docs = documents.write_account_documents(staging, account, settings, plan_date, job.notebooks,
                                                 version=job.version, input_hash=job.digest,
                                                 previous=job.previous, previous_name=job.previous_name)
        extra: dict[str, Any] = {"headline": portfolio.headline(account, settings, plan_date)}
    else:
        from kamlib.publishing import spreadsheet

        whole = loader.load_portfolio(job.params_dir).filled_in()
        docs = documents.write_portfolio_document(staging, whole.settings, plan_date, job.notebooks[0],
                                                  version=job.version, input_hash=job.digest, whole=whole)
        spreadsheet.write_portfolio_workbook(staging / "portfolio.xlsx", whole, plan_date)
        docs.append("portfolio.xlsx")
        extra = {"accounts": len(whole.accounts)}
    built = Built({"timings": timings, "documents": docs, **extra}, None)
    if pdfs:
        built = print_pdfs(job, staging, built)
    timings["total"] = round(time.perf_counter() - started, 3)
    return built


def pdf_documents(staging: Path, built: Built) -> list[tuple[Path, Path]]:
    """The (html, pdf) pairs to print for a built job: one PDF beside each HTML document."""
    return [(staging / name, staging / f"{name[:-5]}.pdf") for name in built.fields["documents"]
            if name.endswith(".html")]


def with_pdfs(job: Job, staging: Path, built: Built, error: BaseException | None = None) -> Built:
    """`built` once its PDFs are printed (`pdf_documents`): listed with its documents, and
    recorded as printed; `error`, what printing raised, makes it this job's `RunError`."""
    if error is not None:
        raise RunError(job.owner, "(pdf)", None, str(error) or type(error).__name__)
    printed = [target.name for _, target in pdf_documents(staging, built)]
    return Built({**built.fields, "documents": [*built.fields["documents"], *printed]}, PdfResult(printed=True))


def without_pdfs(built: Built, browser: Browser) -> Built:
    """`built` with no PDFs, for the reason there is no browser to print with."""
    return Built(built.fields, PdfResult.skipped(browser))


def print_pdfs(job: Job, staging: Path, built: Built) -> Built:
    """Print a built job's PDFs here, with this process's browser (`pdf.printer`, kept for the
    process's next job), or say why not; a document Chromium could not print is a `RunError`."""
    browser = pdf.find_chromium()
    if browser.path is None:
        return without_pdfs(built, browser)
    try:
        pdf.print_pdfs(pdf_documents(staging, built), browser.path)
    except pdf.PdfError as err:
        raise RunError(job.owner, "(pdf)", None, str(err)) from None
    return with_pdfs(job, staging, built)


def publish_job(job: Job, outputs: Path, staging: Path, built: Built) -> versions.Version:
    """Write the manifest and move the staging folder into place (call with the lock held)."""
    assert built.pdf is not None, "its PDFs are printed (or skipped) before a job is published"
    manifest = {
        "account": job.owner, "kind": job.kind, "as_of": job.as_of, "status": str(JobStatus.PUBLISHED),
        "inputs": job.inputs, "input_hash": job.digest, "software": software_versions(),
        "notebooks": [f"{n}.ipynb" for n in job.notebooks], **built.fields, "pdf": built.pdf.manifest_text(),
    }
    return versions.publish(outputs, job.owner, staging, manifest)


def run_job(job: Job, outputs: Path, fork_kernel: bool = False, close_in_child: tuple[Any, ...] = (),
            stop_check: Callable[[], None] | None = None) -> RunResult:
    """Build a job in this process and publish it; a failure is kept apart and re-raised.

    With `fork_kernel` (the command line's one-off runs), the job's kernel is forked from this
    process when the setting allows it and it is safe (`kernels.ForkedKernels.here`), instead
    of starting a new Python that imports everything again; the fork closes `close_in_child`
    (the outputs lock this run holds). `stop_check` raises if a stop was asked for while the
    notebooks ran (`stopping.StopSignals.check`): an interrupted job is never published.
    Its PDFs are printed here, and the browser that printed them is closed at the end."""
    started = time.perf_counter()
    staging = versions.new_staging(outputs, job.owner)
    source = kernel_source(KERNEL_MODULES, close_in_child, here=True) if fork_kernel else PlainKernels()
    try:
        built = build(job, staging, source)
    except RunError as err:
        kept = versions.keep_failed(outputs, job.owner, staging)
        raise RunError(err.account, err.notebook, err.cell, err.error, kept=str(kept)) from None
    except OSError as err:  # the documents could not be written: a full disk, a read-only folder
        shutil.rmtree(staging, ignore_errors=True)
        raise RunError(job.owner, "(documents)", None, f"could not write: {err.strerror}") from None
    finally:
        source.close()
        pdf.close_printer()  # a one-off run prints no more: its browser ends with it
    if stop_check is not None:
        stop_check()  # the staging folder is the next run's to remove, as after any interrupt
    try:
        version = publish_job(job, outputs, staging, built)
    except PublishError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RunResult(job.owner, JobStatus.PUBLISHED, version, time.perf_counter() - started, built.pdf)


def run_account(params_dir: Path, outputs: Path, account_id: str, as_of: str | date | None = None,
                force: bool = False, notebooks_dir: Path = NOTEBOOKS_DIR, timeout: int = DEFAULT_TIMEOUT,
                fork_kernel: bool = False, close_in_child: tuple[Any, ...] = (),
                stop_check: Callable[[], None] | None = None) -> RunResult:
    """Validate, execute the four step notebooks, build the documents and publish a version.

    Call with the outputs lock held (see `versions.outputs_lock`), and pass it as `close_in_child`.
    """
    job = plan_account(params_dir, outputs, account_id, as_of, force, notebooks_dir, timeout)
    return job if isinstance(job, RunResult) else run_job(job, outputs, fork_kernel, close_in_child, stop_check)


def run_portfolio(params_dir: Path, outputs: Path, as_of: str | date | None = None, force: bool = False,
                  notebooks_dir: Path = NOTEBOOKS_DIR, timeout: int = DEFAULT_TIMEOUT,
                  fork_kernel: bool = False, close_in_child: tuple[Any, ...] = (),
                  stop_check: Callable[[], None] | None = None) -> RunResult:
    """Execute the portfolio overview notebook and publish it as `outputs/portfolio/vNNNN/`."""
    job = plan_portfolio(params_dir, outputs, as_of, force, notebooks_dir, timeout)
    return job if isinstance(job, RunResult) else run_job(job, outputs, fork_kernel, close_in_child, stop_check)
