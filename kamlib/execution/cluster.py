"""`kam batch --scheduler ADDRESS`: the same plan jobs on a Dask cluster, no shared filesystem.

A job travels as a `Parcel`: the job description plus the bytes of everything it reads (the
portfolio file, the account's own file — no other account's content — and the step notebooks). A
worker writes them into a private temporary folder, builds the version there in a fresh
kernel (`runner.build`, exactly as a local batch does), and sends back the result and the
bytes of the staging folder. The client alone writes `outputs/`: it unpacks each returned
folder into its own staging area and publishes it, so workers need no access to `outputs/`.

A worker prints the PDFs of every job it runs with one browser of its own (`pdf.printer`),
kept open from job to job and closed after a minute without one, or when the worker ends.

Workers must run the same kamlib as the client (its source hash is part of every plan's
inputs); a worker with another kamlib refuses the job rather than publish a plan that the
client's inputs do not describe.
"""

from __future__ import annotations

import dataclasses
import gc
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kamlib.errors import PublishError, RunError, UsageError
from kamlib.execution import runner
from kamlib.execution.runner import Built
from kamlib.parameters import loader
from kamlib.publishing import versions

CONNECT_TIMEOUT = 20  # seconds to reach the scheduler
INSTALL_HINT = "install the cluster extra: pip install 'kamlib[distributed]'"


@dataclass(frozen=True)
class Parcel:
    """One plan job and the bytes of every file it reads, keyed by path relative to a root."""

    job: runner.Job
    files: dict[str, bytes]
    kamlib_source: str


@dataclass(frozen=True)
class Returned:
    """What a worker sends back: what the job built, or its failure; and the files of the
    staging folder either way (a failure's executed notebooks are kept)."""

    result: Built | RunError
    files: dict[str, bytes]


def pack(job: runner.Job) -> Parcel:
    """The job with its inputs read into memory (on the client)."""
    assert job.account_id is not None, "the portfolio overview runs on the client"
    files = {
        f"params/{loader.PORTFOLIO_FILE}": (job.params_dir / loader.PORTFOLIO_FILE).read_bytes(),
        f"params/{loader.ACCOUNTS_DIR}/{job.account_id}.yaml": loader.account_path(job.params_dir,
                                                                                 job.account_id).read_bytes(),
    }
    # `competes_with` is checked against the portfolio's file names only; the worker gets empty
    # stand-ins named after the accounts this one names, never their content
    account = loader.load_account(job.params_dir, job.account_id)
    for other in account.competes_with:
        files.setdefault(f"params/{loader.ACCOUNTS_DIR}/{other}.yaml", b"")
    for name in job.notebooks:
        files[f"notebooks/{name}.ipynb"] = (job.notebooks_dir / f"{name}.ipynb").read_bytes()
    return Parcel(job, files, runner.kamlib_fingerprint())


def _read_tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _write_tree(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        target = (folder / name).resolve()
        if not target.is_relative_to(folder.resolve()):
            raise ValueError(f"refusing to write outside {folder}: {name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def execute(parcel: Parcel) -> Returned:
    """Run on a worker: unpack into a private temporary folder, build, return the folder's bytes.

    Nothing is left on the worker afterwards; the kernel is this job's alone.
    """
    job = parcel.job
    if runner.kamlib_fingerprint() != parcel.kamlib_source:
        return Returned(RunError(job.owner, "(worker)", None,
                                 f"the worker runs kamlib {runner.kamlib.__version__} with other source than the "
                                 "client; install the same kamlib on every worker"), {})
    with tempfile.TemporaryDirectory(prefix=f"kam-{job.owner}-") as tmp:
        root = Path(tmp)
        _write_tree(root, parcel.files)
        local = dataclasses.replace(job, params_dir=root / "params", notebooks_dir=root / "notebooks")
        staging = root / "staging"
        staging.mkdir()
        result: Built | RunError
        try:
            result = runner.build(local, staging)  # plain kernels: a Dask worker has threads, so no fork
        except RunError as err:
            result = err
        except Exception as err:  # noqa: BLE001 - any other failure is this account's, reported
            result = RunError(job.owner, "(worker)", None, f"{type(err).__name__}: {err}")
        finally:
            # the worker process outlives the job: keep nothing of this account for the next
            # one, and give back the memory of its kernel client (measured: it grew ~3 MB a job)
            loader.forget_parsed()
            gc.collect()
        return Returned(result, _read_tree(staging))


def connect(address: str) -> Any:
    """A client of the scheduler at `address`, or a clear usage error."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(f"--scheduler needs dask.distributed; {INSTALL_HINT}") from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise UsageError(f"--scheduler: cannot reach a Dask scheduler at {address}: {err}") from None


def run_jobs(jobs: list[runner.Job], outputs: Path, address: str, settle: Any, report_outcome: Any,
             stop_check: Callable[[], None] | None = None) -> None:
    """Submit every job to the cluster and settle each result as it arrives (on the client).

    `settle(job, outputs, staging, result, seconds)` publishes or keeps the failure;
    `report_outcome(outcome)` records it. An interrupt cancels what is still queued; versions
    already published stay, nothing half-written is published.
    """
    from distributed import as_completed

    client = connect(address)
    futures: dict[Any, tuple[runner.Job, float]] = {}
    try:
        for job in jobs:
            # pure=False: every submission is a new run, never a cached result of another one
            future = client.submit(execute, pack(job), pure=False, key=f"kam-plan-{job.owner}-{job.digest[:12]}")
            futures[future] = (job, time.perf_counter())
        for future in as_completed(list(futures), loop=client.loop):
            if stop_check is not None:
                stop_check()
            job, submitted = futures[future]
            try:
                returned: Returned = future.result()
            except Exception as err:  # noqa: BLE001 - a lost worker or a task error: this account failed
                returned = Returned(RunError(job.owner, "(worker)", None, f"{type(err).__name__}: {err}"), {})
            # let the cluster forget the result now: a finished job's files (a few MB) would
            # otherwise stay in a worker's memory until the whole batch ends
            del futures[future]
            future.release()
            result = returned.result
            staging = Path(outputs) / versions.STAGING / f"{job.owner}-not-written"
            try:
                staging = versions.new_staging(outputs, job.owner)
                _write_tree(staging, returned.files)
            except (PublishError, OSError) as err:  # a full disk or read-only outputs: this job failed
                why = str(err) if isinstance(err, PublishError) else f"could not write its result: {err.strerror}"
                result = RunError(job.owner, "(publish)", None, why)
            report_outcome(settle(job, outputs, staging, result, time.perf_counter() - submitted))
    finally:
        client.cancel(list(futures))
        client.close()
