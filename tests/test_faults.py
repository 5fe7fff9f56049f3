"""Faults: a hanging cell, a full disk, a read-only outputs folder, SIGINT and SIGKILL while a
version is being published. Each scenario checks that nothing published is lost or
half-written, and that the next run recovers.

(A notebook that raises, a kernel that dies and SIGKILL in the middle of a batch are in
tests/test_batch.py and tests/test_versions.py.)
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from kamlib.cli import main
from kamlib.publishing import versions
from tests.conftest import ROOT, write_notebooks

pytestmark = pytest.mark.slow  # each fault is a kam run or batch, some with a timeout to wait out

ACCOUNT = "northwind-foods"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (links as their targets) — to compare before and after."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = b"-> " + os.readlink(path).encode()
        elif path.is_file() and path.name != versions.LOCK:
            found[key] = path.read_bytes()
    return found


def published(outputs: Path) -> dict[str, bytes]:
    """The published versions and pointers only (no staging, failures or lock)."""
    return {k: v for k, v in tree(outputs).items() if not k.startswith(("_", "."))}


def complete(version: Path) -> bool:
    manifest = json.loads((version / "manifest.json").read_text())
    return manifest["status"] == "published" and all((version / d).is_file() for d in manifest["documents"])


def kam(params: Path, outputs: Path, notebooks: Path, *argv: str) -> int:
    return main(["--params", str(params), "--outputs", str(outputs), "--notebooks", str(notebooks), *argv])


@pytest.fixture
def first(tiny_params: Path, outputs: Path, fake_notebooks: Path) -> tuple[Path, Path, Path]:
    """One published version (v0001) to protect; the account file is then changed, so the next
    run has something new to publish."""
    assert kam(tiny_params, outputs, fake_notebooks, "run", ACCOUNT) == 0
    path = tiny_params / "accounts" / f"{ACCOUNT}.yaml"
    path.write_text(path.read_text().replace("industry: Packaged food manufacturing", "industry: Packaged foods", 1))
    return tiny_params, outputs, fake_notebooks


# --- a hanging cell ---------------------------------------------------------------------------

def test_a_hanging_cell_fails_its_notebook_after_the_timeout_and_the_next_run_recovers(first, tmp_path, capsys):
    params, outputs, notebooks = first
    hanging = write_notebooks(tmp_path / "hanging")
    path = hanging / "03_scorecard.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(new_code_cell("import time\ntime.sleep(600)"))
    nbformat.write(nb, path)
    before = published(outputs)
    started = time.perf_counter()
    assert kam(params, outputs, hanging, "run", ACCOUNT, "--timeout", "2") == 1
    assert time.perf_counter() - started < 60
    err = capsys.readouterr().err
    # cell numbers are execution counts, which run on across the account's notebooks (3 cells each)
    assert f"{ACCOUNT}: 03_scorecard, cell 10: timed out: the cell ran longer than 2 s and was stopped" in err
    assert published(outputs) == before
    kept = json.loads((outputs / "_failed" / ACCOUNT / "03_scorecard.ipynb").read_text())
    assert kept["cells"][-1]["outputs"][-1]["output_type"] == "error"  # visible in the kept notebook
    assert kam(params, outputs, notebooks, "run", ACCOUNT) == 0
    assert os.readlink(outputs / ACCOUNT / "latest") == "v0002" and complete(outputs / ACCOUNT / "v0002")


# --- a full disk, a read-only folder ----------------------------------------------------------

def _full_disk(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_when_publishing_loses_nothing_and_the_next_run_publishes(first, monkeypatch, capsys):
    params, outputs, notebooks = first
    before = published(outputs)
    monkeypatch.setattr(versions, "write_manifest", _full_disk)
    assert kam(params, outputs, notebooks, "run", ACCOUNT) == 1
    err = capsys.readouterr().err
    assert f"{ACCOUNT}: could not publish: No space left on device" in err and "Traceback" not in err
    assert published(outputs) == before
    assert list((outputs / "_staging").iterdir()) == []  # the half-built version is gone
    monkeypatch.undo()
    assert kam(params, outputs, notebooks, "run", ACCOUNT) == 0
    assert complete(outputs / ACCOUNT / "v0002")


def test_a_full_disk_while_writing_the_documents_is_a_clear_failure(first, monkeypatch, capsys):
    params, outputs, notebooks = first
    before = published(outputs)
    from kamlib.publishing import documents

    monkeypatch.setattr(documents, "write_account_documents", _full_disk)
    assert kam(params, outputs, notebooks, "run", ACCOUNT) == 1
    err = capsys.readouterr().err
    assert f"{ACCOUNT}: (documents): could not write: No space left on device" in err
    assert published(outputs) == before


def test_a_full_disk_in_a_batch_fails_each_account_and_the_batch_goes_on(demo_two, monkeypatch, capsys):
    params, outputs, notebooks = demo_two
    monkeypatch.setattr(versions, "write_manifest", _full_disk)
    assert kam(params, outputs, notebooks, "batch", "--workers", "2") == 1
    captured = capsys.readouterr()
    assert "[1/2] northwind-foods: failed: (publish)" in captured.out
    assert "[2/2] southwind-foods: failed: (publish)" in captured.out
    assert captured.err.count("could not publish: No space left on device") == 3
    assert published(outputs) == {}


@pytest.fixture
def demo_two(tiny_params: Path, outputs: Path, fake_notebooks: Path) -> tuple[Path, Path, Path]:
    """The tiny portfolio with a second account (a copy of the first under another id)."""
    text = (tiny_params / "accounts" / f"{ACCOUNT}.yaml").read_text()
    (tiny_params / "accounts" / "southwind-foods.yaml").write_text(text.replace(f"id: {ACCOUNT}", "id: southwind-foods"))
    return tiny_params, outputs, fake_notebooks


def test_a_read_only_outputs_folder_is_refused_before_anything_runs(tiny_params, outputs, fake_notebooks,
                                                                     monkeypatch, capsys):
    # Root ignores file modes, so the read-only file system is simulated where kam opens it.
    real_open = open

    def read_only(file, *args, **kwargs):
        if str(file).startswith(str(outputs)):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", read_only)
    assert kam(tiny_params, outputs, fake_notebooks, "run", ACCOUNT) == 2
    assert f"cannot write to outputs folder {outputs}: Read-only file system" in capsys.readouterr().err
    assert list(outputs.iterdir()) == []


def test_outputs_that_refuse_new_folders_fail_the_run_cleanly(first, monkeypatch, capsys):
    params, outputs, notebooks = first
    before = published(outputs)

    def read_only(*_args, **_kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr("tempfile.mkdtemp", read_only)
    assert kam(params, outputs, notebooks, "run", ACCOUNT) == 1
    assert "cannot create a staging folder" in capsys.readouterr().err
    assert published(outputs) == before


# --- signals while publishing -----------------------------------------------------------------

PAUSE = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from kamlib.publishing import versions
    from kamlib.cli import main

    marker = Path(sys.argv[1])
    where = sys.argv[2]
    real = getattr(versions, where)

    def paused(*args, **kwargs):
        marker.write_text("in publish")
        time.sleep(float(os.environ.get("PAUSE", "30")))
        return real(*args, **kwargs)

    setattr(versions, where, paused)
    sys.exit(main(sys.argv[3:]))
""")


def _publish_in_subprocess(params: Path, outputs: Path, notebooks: Path, tmp_path: Path, where: str,
                           sig: int, pause: float = 30) -> subprocess.CompletedProcess:
    """`kam run` in a child that stops inside `publish` at `where`; send it `sig` there."""
    marker = tmp_path / f"marker-{where}-{sig}"
    env = {**os.environ, "PAUSE": str(pause), "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", PAUSE, str(marker), where, "--params", str(params),
                              "--outputs", str(outputs), "--notebooks", str(notebooks), "run", ACCOUNT],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child.send_signal(sig)
    out, err = child.communicate(timeout=120)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def test_sigint_while_publishing_a_version_finishes_the_publish_first(first, tmp_path):
    params, outputs, notebooks = first
    done = _publish_in_subprocess(params, outputs, notebooks, tmp_path, "_fsync_tree", signal.SIGINT, pause=4)  # room for a busy machine to send it
    assert done.returncode == 130, done.stderr + done.stdout
    assert "interrupted" in done.stderr and "Traceback" not in done.stderr
    # the interrupt waited for the version: it is complete and latest points at it
    assert os.readlink(outputs / ACCOUNT / "latest") == "v0002", done.stderr + done.stdout
    assert complete(outputs / ACCOUNT / "v0002") and complete(outputs / ACCOUNT / "v0001")


def test_sigkill_before_the_version_is_moved_leaves_no_version_and_the_next_run_publishes(first, tmp_path):
    params, outputs, notebooks = first
    before = published(outputs)
    done = _publish_in_subprocess(params, outputs, notebooks, tmp_path, "_fsync_tree", signal.SIGKILL)
    assert done.returncode == -signal.SIGKILL
    assert published(outputs) == before  # no v0002, not even a partial one
    assert list((outputs / "_staging").iterdir())  # the killed run's leftovers …
    assert kam(params, outputs, notebooks, "run", ACCOUNT) == 0
    assert list((outputs / "_staging").iterdir()) == []  # … are cleaned by the next run
    assert os.readlink(outputs / ACCOUNT / "latest") == "v0002" and complete(outputs / ACCOUNT / "v0002")


def test_sigkill_between_moving_the_version_and_the_pointer_is_repaired_by_the_next_run(first, tmp_path, capsys):
    params, outputs, notebooks = first
    done = _publish_in_subprocess(params, outputs, notebooks, tmp_path, "point_latest", signal.SIGKILL)
    assert done.returncode == -signal.SIGKILL
    assert complete(outputs / ACCOUNT / "v0002")  # in place and whole …
    assert os.readlink(outputs / ACCOUNT / "latest") == "v0001"  # … but the pointer was not moved
    assert kam(params, outputs, notebooks, "run", ACCOUNT) == 0
    assert "unchanged (latest v0002)" in capsys.readouterr().out  # repaired, and not built again
    assert os.readlink(outputs / ACCOUNT / "latest") == "v0002"
    assert not (outputs / ACCOUNT / "v0003").exists()
