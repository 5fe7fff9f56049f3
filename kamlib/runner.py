"""Running the planning notebooks for an account and publishing the result as a version.

A plan job is a pure function of its inputs (the account file, the portfolio file, the
notebook sources, kamlib's source and the planning date). Their hash decides whether there is
anything new to publish: unchanged inputs publish nothing unless forced.
"""

from __future__ import annotations

import hashlib
import platform
import time
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
# Batch kernels keep quiet (ipykernel warns about TCP on every start) and write no history.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False"]


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
    import json
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


def run_account(params_dir: Path, outputs: Path, account_id: str, as_of: str | date | None = None,
                force: bool = False, notebooks_dir: Path = NOTEBOOKS_DIR, timeout: int = DEFAULT_TIMEOUT,
                ) -> RunResult:
    """Validate, execute the four step notebooks, build the documents and publish a version.

    Call with the outputs lock held (see `versions.outputs_lock`).
    """
    from kamlib import documents

    started = time.perf_counter()
    params_dir = Path(params_dir).resolve()
    settings = params.load_settings(params_dir)
    account = params.load_account(params_dir, account_id)
    plan_date = params.parse_as_of(as_of) or settings.as_of
    inputs = account_inputs(params_dir, account_id, plan_date, notebooks_dir)
    digest = input_hash(inputs)
    latest = versions.latest_version(outputs, account_id)
    if latest is not None and not force and latest.manifest().get("input_hash") == digest:
        return RunResult(account_id, "unchanged", latest, time.perf_counter() - started)

    staging = versions.new_staging(outputs, account_id)
    parameters = {"account_id": account_id, "params_dir": str(params_dir), "as_of": plan_date.isoformat()}
    timings: dict[str, float] = {}
    try:
        for notebook in ACCOUNT_NOTEBOOKS:
            timings[notebook] = round(execute(notebook, staging, account_id, parameters, notebooks_dir, timeout), 3)
    except RunError as err:
        kept = versions.keep_failed(outputs, account_id, staging)
        raise RunError(err.account, err.notebook, err.cell, err.error, kept=str(kept)) from None

    headline = portfolio.headline(account, settings, plan_date)
    number = (versions.list_versions(outputs, account_id) or [None])[-1]
    next_number = number.number + 1 if number else 1
    manifest = {
        "account": account_id, "kind": "account", "as_of": plan_date.isoformat(), "status": "published",
        "inputs": inputs, "input_hash": digest, "software": software_versions(),
        "timings": {**timings, "total": round(time.perf_counter() - started, 3)}, "headline": headline,
        "notebooks": [f"{n}.ipynb" for n in ACCOUNT_NOTEBOOKS],
    }
    manifest["documents"] = documents.write_account_documents(
        staging, account, settings, plan_date, ACCOUNT_NOTEBOOKS, version=next_number, input_hash=digest)
    version = versions.publish(outputs, account_id, staging, manifest)
    return RunResult(account_id, "published", version, time.perf_counter() - started)


def run_portfolio(params_dir: Path, outputs: Path, as_of: str | date | None = None, force: bool = False,
                  notebooks_dir: Path = NOTEBOOKS_DIR, timeout: int = DEFAULT_TIMEOUT) -> RunResult:
    """Execute the portfolio overview notebook and publish it as `outputs/portfolio/vNNNN/`."""
    from kamlib import documents

    started = time.perf_counter()
    params_dir = Path(params_dir).resolve()
    whole = params.load_portfolio(params_dir)
    plan_date = whole.planning_date(as_of)
    inputs = portfolio_inputs(params_dir, plan_date, notebooks_dir)
    digest = input_hash(inputs)
    latest = versions.latest_version(outputs, PORTFOLIO_OWNER)
    if latest is not None and not force and latest.manifest().get("input_hash") == digest:
        return RunResult(PORTFOLIO_OWNER, "unchanged", latest, time.perf_counter() - started)
    staging = versions.new_staging(outputs, PORTFOLIO_OWNER)
    parameters = {"params_dir": str(params_dir), "as_of": plan_date.isoformat()}
    try:
        seconds = execute(PORTFOLIO_NOTEBOOK, staging, PORTFOLIO_OWNER, parameters, notebooks_dir, timeout)
    except RunError as err:
        kept = versions.keep_failed(outputs, PORTFOLIO_OWNER, staging)
        raise RunError(err.account, err.notebook, err.cell, err.error, kept=str(kept)) from None
    table = portfolio.portfolio_table(whole, plan_date)
    existing = versions.list_versions(outputs, PORTFOLIO_OWNER)
    next_number = existing[-1].number + 1 if existing else 1
    manifest = {
        "account": PORTFOLIO_OWNER, "kind": "portfolio", "as_of": plan_date.isoformat(), "status": "published",
        "inputs": inputs, "input_hash": digest, "software": software_versions(),
        "timings": {PORTFOLIO_NOTEBOOK: round(seconds, 3), "total": round(time.perf_counter() - started, 3)},
        "accounts": len(table), "notebooks": [f"{PORTFOLIO_NOTEBOOK}.ipynb"],
    }
    manifest["documents"] = documents.write_portfolio_document(
        staging, whole.settings, plan_date, PORTFOLIO_NOTEBOOK, version=next_number, input_hash=digest)
    version = versions.publish(outputs, PORTFOLIO_OWNER, staging, manifest)
    return RunResult(PORTFOLIO_OWNER, "published", version, time.perf_counter() - started)
