"""Running the planning notebooks for an account and publishing the result as a version.

A plan job is a pure function of its inputs (the account file, the portfolio file, the
notebook sources, kamlib's source and the planning date). Their hash decides whether there is
anything new to publish: unchanged inputs publish nothing unless forced.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

import kamlib
from kamlib import params, portfolio, versions
from kamlib.errors import RunError
from kamlib.workbook import NOTEBOOKS_DIR

ACCOUNT_NOTEBOOKS = ("01_environment_analysis", "02_competitor_positioning", "03_scorecard", "04_action_plan")
PORTFOLIO_NOTEBOOK = "00_portfolio_overview"
PORTFOLIO_OWNER = "portfolio"
KERNEL_NAME = "python3"
DEFAULT_TIMEOUT = 600  # seconds per cell
# Batch kernels keep quiet: ipykernel warns about TCP transport on every start. (Disabling its
# history looks cheaper but makes kernel shutdown wait about 3 s: measured.)
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]


@dataclass(frozen=True)
class RunResult:
    """What one run did: published a version, or found nothing changed."""

    owner: str
    status: str  # "published" | "unchanged"
    version: versions.Version | None
    seconds: float


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def kamlib_fingerprint() -> str:
    """A hash of kamlib's own source: a change to the analysis makes every plan stale."""
    digest = hashlib.sha256()
    root = Path(kamlib.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def account_inputs(params_dir: Path, account_id: str, as_of: date,
                   notebooks_dir: Path = NOTEBOOKS_DIR) -> dict[str, Any]:
    """Everything an account's plan depends on, as hashes."""
    return {
        "account_file": sha256_bytes(params.account_path(params_dir, account_id).read_bytes()),
        "portfolio_file": sha256_bytes((Path(params_dir) / params.PORTFOLIO_FILE).read_bytes()),
        "notebooks": {name: sha256_bytes((notebooks_dir / f"{name}.ipynb").read_bytes()) for name in ACCOUNT_NOTEBOOKS},
        "kamlib": kamlib.__version__,
        "kamlib_source": kamlib_fingerprint(),
        "as_of": as_of.isoformat(),
    }


def portfolio_inputs(params_dir: Path, as_of: date, notebooks_dir: Path = NOTEBOOKS_DIR) -> dict[str, Any]:
    """What the portfolio overview depends on: every account file, the settings, the notebook."""
    return {
        "account_files": {i: sha256_bytes(params.account_path(params_dir, i).read_bytes())
                          for i in params.account_ids(params_dir)},
        "portfolio_file": sha256_bytes((Path(params_dir) / params.PORTFOLIO_FILE).read_bytes()),
        "notebooks": {PORTFOLIO_NOTEBOOK: sha256_bytes((notebooks_dir / f"{PORTFOLIO_NOTEBOOK}.ipynb").read_bytes())},
        "kamlib": kamlib.__version__,
        "kamlib_source": kamlib_fingerprint(),
        "as_of": as_of.isoformat(),
    }


def input_hash(inputs: dict[str, Any]) -> str:
    return sha256_bytes(json.dumps(inputs, sort_keys=True).encode())


def software_versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "kamlib": kamlib.__version__}
    for package in ("papermill", "nbclient", "pandas", "matplotlib"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def execute(notebook: str, staging: Path, owner: str, parameters: dict[str, Any],
            notebooks_dir: Path, timeout: int) -> float:
    """Execute one notebook into the staging folder; a failure becomes a `RunError`."""
    import logging

    import papermill
    from papermill.exceptions import PapermillExecutionError

    logging.getLogger("papermill").setLevel(logging.ERROR)
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(notebooks_dir / f"{notebook}.ipynb"), str(staging / f"{notebook}.ipynb"),
            parameters=parameters, kernel_name=KERNEL_NAME, progress_bar=False,
            execution_timeout=timeout, extra_arguments=KERNEL_ARGUMENTS,
        )
    except PapermillExecutionError as err:
        raise RunError(owner, notebook, err.exec_count, f"{err.ename}: {err.evalue}".strip()) from None
    except Exception as err:  # a kernel that died or timed out: still this notebook's failure
        raise RunError(owner, notebook, None, f"{type(err).__name__}: {err}".strip()) from None
    return time.perf_counter() - started


def _run_job(owner: str, kind: str, outputs: Path, inputs: dict[str, Any], notebooks: tuple[str, ...],
             parameters: dict[str, Any], force: bool, notebooks_dir: Path, timeout: int,
             write_documents: Callable[[Path, int, str], list[str]], extra: dict[str, Any]) -> RunResult:
    """Skip if unchanged, else execute into staging, write documents and publish atomically.

    A failing notebook moves the staging folder to `_failed/<owner>/` and re-raises.
    """
    started = time.perf_counter()
    digest = input_hash(inputs)
    latest = versions.latest_version(outputs, owner)
    if latest is not None and not force and latest.manifest().get("input_hash") == digest:
        return RunResult(owner, "unchanged", latest, time.perf_counter() - started)

    staging = versions.new_staging(outputs, owner)
    timings: dict[str, float] = {}
    try:
        for notebook in notebooks:
            timings[notebook] = round(execute(notebook, staging, owner, parameters, notebooks_dir, timeout), 3)
    except RunError as err:
        kept = versions.keep_failed(outputs, owner, staging)
        raise RunError(err.account, err.notebook, err.cell, err.error, kept=str(kept)) from None

    existing = versions.list_versions(outputs, owner)
    next_number = existing[-1].number + 1 if existing else 1
    manifest = {
        "account": owner, "kind": kind, "as_of": inputs["as_of"], "status": "published",
        "inputs": inputs, "input_hash": digest, "software": software_versions(),
        "notebooks": [f"{n}.ipynb" for n in notebooks], **extra,
    }
    manifest["documents"] = write_documents(staging, next_number, digest)
    manifest["timings"] = {**timings, "total": round(time.perf_counter() - started, 3)}
    version = versions.publish(outputs, owner, staging, manifest)
    return RunResult(owner, "published", version, time.perf_counter() - started)


def run_account(params_dir: Path, outputs: Path, account_id: str, as_of: str | date | None = None,
                force: bool = False, notebooks_dir: Path = NOTEBOOKS_DIR, timeout: int = DEFAULT_TIMEOUT,
                ) -> RunResult:
    """Validate, execute the four step notebooks, build the documents and publish a version.

    Call with the outputs lock held (see `versions.outputs_lock`).
    """
    from kamlib import documents

    params_dir = Path(params_dir).resolve()
    settings = params.load_settings(params_dir)
    account = params.load_account(params_dir, account_id)
    plan_date = params.parse_as_of(as_of) or settings.as_of
    return _run_job(
        account_id, "account", outputs, account_inputs(params_dir, account_id, plan_date, notebooks_dir),
        ACCOUNT_NOTEBOOKS, {"account_id": account_id, "params_dir": str(params_dir), "as_of": plan_date.isoformat()},
        force, notebooks_dir, timeout,
        lambda folder, number, digest: documents.write_account_documents(
            folder, account, settings, plan_date, ACCOUNT_NOTEBOOKS, version=number, input_hash=digest),
        {"headline": portfolio.headline(account, settings, plan_date)},
    )


def run_portfolio(params_dir: Path, outputs: Path, as_of: str | date | None = None, force: bool = False,
                  notebooks_dir: Path = NOTEBOOKS_DIR, timeout: int = DEFAULT_TIMEOUT) -> RunResult:
    """Execute the portfolio overview notebook and publish it as `outputs/portfolio/vNNNN/`."""
    from kamlib import documents

    params_dir = Path(params_dir).resolve()
    whole = params.load_portfolio(params_dir)
    plan_date = whole.planning_date(as_of)
    return _run_job(
        PORTFOLIO_OWNER, "portfolio", outputs, portfolio_inputs(params_dir, plan_date, notebooks_dir),
        (PORTFOLIO_NOTEBOOK,), {"params_dir": str(params_dir), "as_of": plan_date.isoformat()},
        force, notebooks_dir, timeout,
        lambda folder, number, digest: documents.write_portfolio_document(
            folder, whole.settings, plan_date, PORTFOLIO_NOTEBOOK, version=number, input_hash=digest),
        {"accounts": len(whole.accounts)},
    )
