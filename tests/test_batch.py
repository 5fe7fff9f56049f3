"""`kam batch`: parallel, incremental, fault-isolated, crash-safe."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kamlib.execution import batch, runner
from kamlib.parameters import loader
from kamlib.publishing import versions
from tests.conftest import DEMO_PARAMS, write_notebooks

pytestmark = pytest.mark.slow  # batches of real and stand-in notebooks, stopped and killed

SOME = ["brightwell-petcare", "carrow-health", "harbor-snacks", "northwind-foods"]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    target = tmp_path / "parameters"
    shutil.copytree(DEMO_PARAMS, target)
    return target


def kam(*args: str, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kamlib", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def test_parallel_batch_equals_serial_runs(demo, tmp_path):
    parallel, serial = tmp_path / "parallel", tmp_path / "serial"
    with versions.outputs_lock(parallel):
        outcomes = batch.run_batch(demo, parallel, SOME[:3], workers=2).accounts
    assert [o.status for o in outcomes] == ["published"] * 3
    with versions.outputs_lock(serial):
        for account_id in SOME[:3]:
            runner.run_account(demo, serial, account_id)
    for account_id in SOME[:3]:
        a = versions.latest_version(parallel, account_id).manifest()
        b = versions.latest_version(serial, account_id).manifest()
        assert a["headline"] == b["headline"] and a["input_hash"] == b["input_hash"]
        pa = (parallel / account_id / "latest" / "plan.html").read_text()
        pb = (serial / account_id / "latest" / "plan.html").read_text()
        assert pa == pb


def test_unchanged_accounts_are_skipped_without_a_kernel_and_force_reruns(demo, tmp_path):
    outputs = tmp_path / "out"
    notebooks = write_notebooks(tmp_path / "nb")
    with versions.outputs_lock(outputs):
        first = batch.run_batch(demo, outputs, SOME, workers=2, notebooks_dir=notebooks).accounts
        assert {o.status for o in first} == {"published"}
        started = time.perf_counter()
        again = batch.run_batch(demo, outputs, SOME, workers=2, notebooks_dir=notebooks).accounts
        assert [o.status for o in again] == ["unchanged"] * 4
        assert time.perf_counter() - started < 5
        path = demo / "accounts" / "carrow-health.yaml"
        path.write_text(path.read_text().replace("Gemma Watts", "Gemma Watt"))
        changed = batch.run_batch(demo, outputs, SOME, workers=2, notebooks_dir=notebooks).accounts
        assert [o.status for o in changed] == ["unchanged", "published", "unchanged", "unchanged"]
        forced = batch.run_batch(demo, outputs, SOME, force=True, workers=2, notebooks_dir=notebooks).accounts
        assert [o.version for o in forced] == ["v0002", "v0003", "v0002", "v0002"]


def test_one_broken_account_fails_alone(demo, tmp_path):
    notebooks = write_notebooks(tmp_path / "nb", fail_in="03_scorecard", fail_for="harbor-snacks")
    run = kam("--params", str(demo), "--outputs", "out", "--notebooks", str(notebooks), "batch", *SOME,
              cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert "harbor-snacks: failed: 03_scorecard, cell" in run.stdout
    assert "ValueError: deliberate failure" in run.stderr and "Traceback" not in run.stderr
    out = tmp_path / "out"
    for account_id in ("brightwell-petcare", "carrow-health", "northwind-foods"):
        assert (out / account_id / "latest" / "plan.html").is_file()
    assert not (out / "harbor-snacks").exists()
    kept = out / "_failed" / "harbor-snacks" / "03_scorecard.ipynb"
    assert "deliberate failure" in kept.read_text()
    assert (out / "portfolio" / "latest" / "portfolio.html").is_file()


def test_a_dying_kernel_fails_only_its_account(demo, tmp_path):
    notebooks = write_notebooks(tmp_path / "nb", fail_in="02_competitor_positioning", fail_for="__none__",
                                extra="import os\nif account_id == 'carrow-health':\n    os._exit(1)")
    outputs = tmp_path / "out"
    with versions.outputs_lock(outputs):
        outcomes = batch.run_batch(demo, outputs, SOME[:2], workers=2, notebooks_dir=notebooks, timeout=60).accounts
    by = {o.account: o for o in outcomes}
    assert by["brightwell-petcare"].status == "published"
    assert by["carrow-health"].status == "failed"
    assert by["carrow-health"].error.notebook == "01_environment_analysis"


def test_kernel_start_is_retried(monkeypatch, tiny_params, outputs, fake_notebooks):
    from jupyter_client.manager import AsyncKernelManager

    real_start, calls = AsyncKernelManager.start_kernel, []

    async def flaky(self, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return await real_start(self, **kw)

    monkeypatch.setattr(AsyncKernelManager, "start_kernel", flaky)
    result = runner.run_account(tiny_params, outputs, "northwind-foods", notebooks_dir=fake_notebooks)
    assert result.status == "published" and len(calls) == 2


def test_kernel_start_gives_up_after_bounded_attempts(monkeypatch, tiny_params, outputs, fake_notebooks):
    from jupyter_client.manager import AsyncKernelManager

    async def broken(self, **kw):
        raise RuntimeError("no ports left")

    monkeypatch.setattr(AsyncKernelManager, "start_kernel", broken)
    with pytest.raises(runner.RunError, match="did not start after 3 attempts"):
        runner.run_account(tiny_params, outputs, "northwind-foods", notebooks_dir=fake_notebooks)
    assert versions.list_versions(outputs, "northwind-foods") == []


def test_sigkill_mid_batch_leaves_published_versions_whole_and_the_next_run_recovers(demo, tmp_path):
    notebooks = write_notebooks(tmp_path / "nb", extra="import time\ntime.sleep(1.5)")
    out = tmp_path / "out"
    first = kam("--params", str(demo), "--outputs", "out", "--notebooks", str(notebooks), "batch",
                "northwind-foods", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = {p: p.read_bytes() for p in (out / "northwind-foods" / "v0001").rglob("*") if p.is_file()}

    proc = subprocess.Popen([sys.executable, "-m", "kamlib", "--params", str(demo), "--outputs", "out",
                             "--notebooks", str(notebooks), "batch", "--force", *SOME],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and not any((out / "_staging").glob("*/01_environment_analysis.ipynb")):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert any((out / "_staging").iterdir())  # killed mid-build: leftovers exist
    after = {p: p.read_bytes() for p in (out / "northwind-foods" / "v0001").rglob("*") if p.is_file()}
    assert after == before
    for account_id in SOME:
        for v in versions.list_versions(out, account_id):
            assert json.loads((v.path / "manifest.json").read_text())["status"] == "published"

    again = kam("--params", str(demo), "--outputs", "out", "--notebooks", str(notebooks), "batch", *SOME,
                cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert not any((out / "_staging").iterdir())
    for account_id in SOME:
        assert (out / account_id / "latest" / "plan.html").is_file()


# A cell that leaves a mark naming its kernel and the kernel's parent (the account's worker),
# then, for the accounts named in the file `slow` next to the parameters, runs for a minute.
MARK = """
import os, pathlib, time
here = pathlib.Path(params_dir).parent
(here / "kernels").mkdir(exist_ok=True)
(here / "kernels" / f"{account_id} {os.getpid()} {os.getppid()}").touch()
if account_id in (here / "slow").read_text().split():
    time.sleep(60)
"""


def kernels_marked(folder: Path) -> dict[str, tuple[int, int]]:
    """account → (kernel pid, worker pid), from the marks MARK leaves."""
    found = {}
    for mark in (folder / "kernels").glob("*") if (folder / "kernels").is_dir() else []:
        account_id, kernel_pid, worker_pid = mark.name.split()
        found[account_id] = (int(kernel_pid), int(worker_pid))
    return found


def ended(pid: int, within: float = 5.0) -> bool:
    """The process has ended (a zombie waiting for its parent to reap it has ended too)."""
    deadline = time.monotonic() + within
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in "ZX":
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def wait_for(condition, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def start_marked_batch(demo: Path, tmp_path: Path, slow: list[str], workers: int) -> tuple[subprocess.Popen, Path]:
    """`kam batch` of SOME in the background with the MARK cell, `slow` accounts in a long cell;
    its own temporary folder (returned), to see the kernel files it leaves."""
    notebooks = write_notebooks(tmp_path / "nb", extra=MARK)
    (tmp_path / "slow").write_text(" ".join(slow))
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "kamlib", "--params", str(demo), "--outputs", "out",
                             "--notebooks", str(notebooks), "batch", "--workers", str(workers), *SOME],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(temp)}, start_new_session=True)
    return proc, temp


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")


@needs_proc
@pytest.mark.parametrize(("stop", "code", "fork"), [(signal.SIGINT, 130, "1"), (signal.SIGTERM, 143, "1"),
                                                    (signal.SIGINT, 130, "0")],
                         ids=["ctrl-c", "kill", "ctrl-c-plain-kernels"])
def test_a_stopped_batch_stops_its_workers_and_kernels_and_leaves_no_kernel_files(demo, tmp_path, monkeypatch,
                                                                                  stop, code, fork):
    """Ctrl-C, or `kill` (SIGTERM, as a CI job's time limit sends): every worker stops at once and
    kills its kernel (busy in a long cell), forked or plain, the kernels' connection files and
    sockets are removed, nothing is published, no traceback."""
    monkeypatch.setenv("KAM_FORK_KERNELS", fork)
    proc, temp = start_marked_batch(demo, tmp_path, slow=SOME, workers=3)
    # the overview ran and ended first (its notebook is quick); now three accounts are in their long cell
    wait_for(lambda: len(set(kernels_marked(tmp_path)) & set(SOME)) == 3)
    assert len(list(temp.glob("kam-*"))) == 3  # one private folder of kernel files each
    proc.send_signal(stop)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "interrupted: nothing half-written was published" in err and "Traceback" not in err
    for account_id, (kernel_pid, worker_pid) in kernels_marked(tmp_path).items():
        assert ended(worker_pid, within=0) and ended(kernel_pid, within=1), account_id
    assert list(temp.iterdir()) == []
    assert all(versions.list_versions(tmp_path / "out", a) == [] for a in SOME)


def test_a_stop_asked_for_while_waiting_on_workers_stops_the_batch_even_if_its_interrupt_was_lost(demo, tmp_path):
    """The wait for workers asks `stop_check` twice a second: a Ctrl-C whose KeyboardInterrupt
    Python dropped (raised inside a finaliser) still stops the batch, its workers and kernels."""
    notebooks = write_notebooks(tmp_path / "nb", extra="import time\ntime.sleep(60)")
    outputs = tmp_path / "out"
    asked: list[float] = []

    def stop_check() -> None:
        asked.append(time.monotonic())
        if len(asked) >= 4:  # about two seconds in, as if Ctrl-C had come and gone unnoticed
            raise KeyboardInterrupt

    started = time.monotonic()
    with versions.outputs_lock(outputs), pytest.raises(KeyboardInterrupt):
        batch.run_batch(demo, outputs, SOME[:2], workers=2, notebooks_dir=notebooks, stop_check=stop_check)
    assert time.monotonic() - started < 30  # not the 60 s cell
    assert all(versions.list_versions(outputs, a) == [] for a in SOME[:2])


@needs_proc
@pytest.mark.parametrize("fork", ["1", "0"], ids=["forked-kernels", "plain-kernels"])
def test_a_worker_killed_outright_takes_its_kernel_with_it_and_fails_only_its_account(demo, tmp_path, monkeypatch,
                                                                                       fork):
    """As when the operating system kills a worker that ran out of memory: its kernel, busy in a
    cell, ends with it (it would otherwise run on, orphaned); the batch reports that account as
    failed, removes its kernel files, and publishes the others."""
    monkeypatch.setenv("KAM_FORK_KERNELS", fork)
    proc, temp = start_marked_batch(demo, tmp_path, slow=["harbor-snacks"], workers=2)
    wait_for(lambda: "harbor-snacks" in kernels_marked(tmp_path))
    kernel_pid, worker_pid = kernels_marked(tmp_path)["harbor-snacks"]
    os.kill(worker_pid, signal.SIGKILL)
    assert ended(kernel_pid, within=2)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert "harbor-snacks: failed: (worker)" in out
    assert "worker process died (exit code -9)" in err and "Traceback" not in err
    for account_id in set(SOME) - {"harbor-snacks"}:
        assert (tmp_path / "out" / account_id / "latest" / "plan.html").is_file()
    assert list(temp.iterdir()) == []


def test_a_second_batch_on_the_same_outputs_is_refused_clearly(demo, tmp_path):
    notebooks = write_notebooks(tmp_path / "nb", extra="import time\ntime.sleep(2)")
    first = subprocess.Popen([sys.executable, "-m", "kamlib", "--params", str(demo), "--outputs", "out",
                              "--notebooks", str(notebooks), "batch", "northwind-foods"],
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while time.time() < deadline and not (tmp_path / "out" / "_staging").exists():
        time.sleep(0.1)
    second = kam("--params", str(demo), "--outputs", "out", "--notebooks", str(notebooks), "batch",
                 "carrow-health", cwd=tmp_path)
    assert second.returncode == 2
    assert "in use by another kam run" in second.stderr
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert versions.latest_version(tmp_path / "out", "northwind-foods").name == "v0001"


def test_top_n_takes_the_most_attractive_accounts(demo, tmp_path):
    notebooks = write_notebooks(tmp_path / "nb")
    run = kam("--params", str(demo), "--outputs", "out", "--notebooks", str(notebooks), "batch", "--top", "2",
              cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    from kamlib.method import portfolio
    whole = loader.load_portfolio(demo)
    expected = portfolio.portfolio_table(whole, whole.settings.as_of)["account"].head(2).tolist()
    published = sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith("_") and
                       p.name != "portfolio")
    assert published == sorted(expected)
    assert kam("--params", str(demo), "batch", "--top", "0", cwd=tmp_path).returncode == 2
    assert kam("--params", str(demo), "batch", "nope", cwd=tmp_path).returncode == 2


@pytest.mark.parametrize("source", ["plain", "forked"])
def test_kernels_talk_over_private_unix_sockets_that_are_removed_after(tmp_path, monkeypatch, source):
    """No TCP ports: parallel kernel starts cannot pick the same port (and another job's client).
    The sockets and the connection file are in a folder only this user can open, removed after."""
    import glob
    import tempfile

    from kamlib.execution import kernels

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    made = kernels.PlainKernels() if source == "plain" else kernels.ForkedKernels()
    with runner.kernel("someone", made) as km:
        assert isinstance(km.provisioner, kernels.ForkedProvisioner) == (source == "forked")
        assert km.transport == "ipc"
        folder = Path(km.connection_file).parent
        assert folder.parent == tmp_path and folder.stat().st_mode & 0o777 == 0o700
        assert Path(km.ip).parent == folder
        sockets = glob.glob(km.ip + "-*")
        assert len(sockets) == 5  # shell, iopub, stdin, control, heartbeat
    assert list(tmp_path.iterdir()) == []


def test_a_kernel_forked_for_a_one_off_run_does_not_keep_the_outputs_lock(tmp_path):
    """`kam run` forks its kernel from itself while it holds the outputs lock; the fork closes its
    copy, so the lock ends with the run even if the kernel lingers."""
    from kamlib.errors import OutputsLocked
    from kamlib.execution.kernels import Zygote

    outputs = tmp_path / "outputs"
    with versions.outputs_lock(outputs) as lock:
        zygote = Zygote(close_in_child=(lock,))
    try:
        deadline = time.monotonic() + 10  # the zygote closes its copy right after the fork
        while True:
            try:
                with versions.outputs_lock(outputs):  # the zygote is still alive here
                    break
            except OutputsLocked:
                assert time.monotonic() < deadline, "the forked zygote kept the outputs lock"
                time.sleep(0.05)
        assert os.waitpid(zygote.pid, os.WNOHANG) == (0, 0)  # still alive
    finally:
        zygote.discard()


def test_no_kernel_is_forked_from_a_process_with_other_threads():
    """Inside a Jupyter kernel (threads for iopub, heartbeat, control) a one-off run starts an
    ordinary kernel: a fork would copy those threads' state half-way."""
    import threading

    from kamlib.execution import kernels

    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert kernels.ForkedKernels.here([]) is None
    finally:
        release.set()
        thread.join()


def test_kam_run_forks_its_kernel_and_publishes_the_same_documents_as_batch(tiny_params, tmp_path, monkeypatch):
    """Forked or plain kernels (KAM_FORK_KERNELS), a one-off run or a batch: the same documents."""
    single, many, plain = tmp_path / "single", tmp_path / "many", tmp_path / "plain"
    assert kam("--params", str(tiny_params), "--outputs", str(single), "run", "northwind-foods",
               cwd=tmp_path).returncode == 0
    assert kam("--params", str(tiny_params), "--outputs", str(many), "batch", "northwind-foods",
               cwd=tmp_path).returncode == 0
    monkeypatch.setenv("KAM_FORK_KERNELS", "0")
    assert kam("--params", str(tiny_params), "--outputs", str(plain), "batch", "northwind-foods",
               cwd=tmp_path).returncode == 0
    for name in ("plan.html", "joint-plan.html"):
        expected = (many / "northwind-foods/latest" / name).read_bytes()
        assert (single / "northwind-foods/latest" / name).read_bytes() == expected
        assert (plain / "northwind-foods/latest" / name).read_bytes() == expected
    assert not (single / "_staging").exists() or not any((single / "_staging").iterdir())


def test_a_fork_setting_other_than_0_or_1_is_a_usage_error(tiny_params, tmp_path, monkeypatch):
    monkeypatch.setenv("KAM_FORK_KERNELS", "yes")
    for command in (["run", "northwind-foods"], ["batch"], ["portfolio"]):
        done = kam("--params", str(tiny_params), "--outputs", "out", *command, cwd=tmp_path)
        assert done.returncode == 2 and "KAM_FORK_KERNELS: expected 0 (plain kernels) or 1" in done.stderr
        assert not (tmp_path / "out").exists()  # refused before the outputs folder is touched


def test_the_batch_warm_up_reads_no_parameter_file(tmp_path):
    """What the fork server computes is inherited by every worker: it must hold no account's data."""
    script = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == 'open' else None)\n"
        "import kamlib.execution.forkserver\n"  # the fork server's hook: it calls warmup.warm_up()
        "print('\\n'.join(opened))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    opened = done.stdout.splitlines()
    assert any(path.endswith(".j2") for path in opened)  # it did the work: templates were read
    assert not [p for p in opened if p.endswith((".yaml", ".yml")) and "kamlib" not in p]
    assert not [p for p in opened if "parameters" in Path(p).parts and "kamlib" not in Path(p).parts]
