"""The single writer of `outputs/`: immutable, atomically published versions.

Layout (per account, and `portfolio` for the cross-account overview):

    outputs/<id>/v0001/     a published version, never changed once there
    outputs/<id>/latest     symlink to the newest good version
    outputs/_staging/       work in progress; a version is built here, then renamed into place
    outputs/_failed/<id>/   the executed notebooks of the last failed run, error visible
    outputs/_lock           held while a run writes, so two runs cannot interleave

Names starting with `_` can never be account ids (ids are slugs of [a-z0-9-]).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kamlib.errors import KamError, OutputsLocked, PublishError

VERSION_PATTERN = re.compile(r"^v(\d{4,})$")
MANIFEST = "manifest.json"
LATEST = "latest"
STAGING = "_staging"
FAILED = "_failed"
LOCK = "_lock"


@dataclass(frozen=True)
class Version:
    """A published version of one account's plan (or of the portfolio overview)."""

    owner: str
    number: int
    path: Path

    @property
    def name(self) -> str:
        """The version's folder name: `v0001`."""
        return f"v{self.number:04d}"

    def manifest(self) -> dict[str, Any]:
        """The version's `manifest.json` (empty if it cannot be read)."""
        return read_manifest(self.path)


def read_manifest(folder: Path) -> dict[str, Any]:
    """The `manifest.json` in `folder`, or an empty dict if it is missing or not JSON."""
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def list_versions(outputs: Path, owner: str) -> list[Version]:
    """Published versions of `owner`, oldest first (staging and failed runs are not versions)."""
    folder = Path(outputs) / owner
    if not folder.is_dir():
        return []
    found = []
    for child in folder.iterdir():
        match = VERSION_PATTERN.match(child.name)
        if match and child.is_dir() and not child.is_symlink() and (child / MANIFEST).is_file():
            found.append(Version(owner, int(match.group(1)), child))
    return sorted(found, key=lambda v: v.number)


def latest_version(outputs: Path, owner: str) -> Version | None:
    """The version `latest` points at, or the newest published one if the pointer is missing."""
    pointer = Path(outputs) / owner / LATEST
    versions = list_versions(outputs, owner)
    if pointer.is_symlink():
        target = os.readlink(pointer)
        for v in versions:
            if v.name == target:
                return v
    return versions[-1] if versions else None


@contextmanager
def outputs_lock(outputs: Path) -> Iterator[IO[str]]:
    """Hold the outputs folder for one writer; a second run gets a clear `OutputsLocked`.

    Yields the open lock file: a kernel forked from this process must close its copy (pass it
    to the run as `close_in_child`), so no kernel can outlive the run holding the lock."""
    outputs = Path(outputs)
    try:
        outputs.mkdir(parents=True, exist_ok=True)
        handle = open(outputs / LOCK, "a+")
    except OSError as err:
        raise KamError(f"cannot write to outputs folder {outputs}: {err.strerror}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise OutputsLocked(f"outputs folder {outputs} is in use by another kam run ({holder}); "
                                    "wait for it to finish") from None
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        clean_staging(outputs)
        repair_latest(outputs)
        yield handle
    finally:
        handle.close()


def checked_folder(outputs: Path, *parts: str) -> Path:
    """`outputs/<parts…>`, refusing a symbolic link on the way: kam writes only inside the outputs
    folder (the outputs folder itself may be a link, e.g. to a larger disk)."""
    path = Path(outputs)
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise KamError(f"{path} is a symbolic link (to {os.readlink(path)}); kam writes only inside the "
                           f"outputs folder {outputs}: remove the link")
    return path


def clean_staging(outputs: Path) -> None:
    """Remove leftovers of runs that were killed before they could publish or clean up."""
    staging = Path(outputs) / STAGING
    if staging.is_symlink():
        staging.unlink()  # never follow a link out of the outputs folder, even to clean up
    shutil.rmtree(staging, ignore_errors=True)


def repair_latest(outputs: Path) -> None:
    """Point every `latest` at its newest version: a run killed between moving a version into
    place and moving the pointer left it one behind."""
    outputs = Path(outputs)
    for folder in sorted(p for p in outputs.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("_")):
        found = list_versions(outputs, folder.name)
        pointer = folder / LATEST
        current = os.readlink(pointer) if pointer.is_symlink() else None
        if found and current != found[-1].name:
            point_latest(folder, found[-1].name)


def new_staging(outputs: Path, owner: str) -> Path:
    """A fresh private folder to build a version in."""
    root = checked_folder(outputs, STAGING)
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{owner}-", dir=root))
        staging.chmod(0o755)  # mkdtemp makes it private; a published version is readable like any folder
    except OSError as err:
        raise PublishError(f"{owner}: cannot create a staging folder in {root}: {err.strerror}; "
                           "nothing was published") from None
    return staging


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write `manifest.json` into `folder`, keys sorted.

    Written in place, not atomically: it goes into a staging folder, which `publish` moves into
    place whole.
    """
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def publish(outputs: Path, owner: str, staging: Path, manifest: dict[str, Any]) -> Version:
    """Move a complete staging folder into place as the next version, then point `latest` at it.

    The version appears whole or not at all: the manifest is written into staging last, the
    folder is renamed in one step, and `latest` is replaced by an atomic rename of a symlink.
    Call with the outputs lock held.
    """
    folder = checked_folder(outputs, owner)
    try:
        with _signals_deferred():  # Ctrl-C here takes effect once the version is in place
            folder.mkdir(parents=True, exist_ok=True)
            existing = list_versions(outputs, owner)
            number = (existing[-1].number + 1) if existing else 1
            manifest = {**manifest, "version": number}
            write_manifest(staging, manifest)
            _fsync_tree(staging)
            target = folder / f"v{number:04d}"
            os.rename(staging, target)
            point_latest(folder, target.name)
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        raise PublishError(f"{owner}: could not publish: {err.strerror}{where}; the versions published before "
                           "are untouched") from None
    return Version(owner, number, target)


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done; SIGKILL cannot be held, which is why
    every step of `publish` leaves a consistent folder on its own.

    Python runs signal handlers in the main thread, whichever thread the signal reached, so
    handlers that only record the signal hold it (a signal mask would not: the kernel clients'
    threads would still take it). Outside the main thread this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, _frame: received.append(number))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        for number in dict.fromkeys(received):
            signal.raise_signal(number)  # now, to the handler that was there before


def point_latest(folder: Path, version_name: str) -> None:
    """Point `folder/latest` at `version_name`: a new symlink renamed over the old one, so `latest`
    always points at a whole version.
    """
    tmp = folder / f".{LATEST}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(version_name, tmp)
    os.replace(tmp, folder / LATEST)


def keep_failed(outputs: Path, owner: str, staging: Path) -> Path:
    """Keep a failed run's executed notebooks apart from the versions (replacing the last failure)."""
    dest = checked_folder(outputs, FAILED, owner)
    try:
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, dest)
    except OSError as err:
        raise PublishError(f"{owner}: could not keep the failed run in {dest}: {err.strerror}") from None
    return dest


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
