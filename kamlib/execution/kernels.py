"""Where a plan job's kernel comes from: started plainly, or forked from a process that has
already imported what a kernel needs — two implementations of one small interface.

`KernelSource` is the interface a job uses: `manager(folder, attempt)` gives the kernel manager
to start (attempt 1, 2, … of the bounded retries), `kill()` stops the kernel at once (the
worker is being stopped), `close()` releases what was not used.

- `PlainKernels`: jupyter_client starts a new Python for the kernel, as it always does.
- `ForkedKernels`: a plain kernel start runs a new Python that imports ipykernel, pandas,
  matplotlib and kamlib before the first cell, about 1.3 s of CPU per account, a third of an
  account's cost in a batch. A batch worker is forked from a server that has already imported
  all of these, so it forks its account's kernel from itself instead: a *zygote* is forked the
  moment the source is made — one thread, no event loop, no sockets, no account data — and
  waits on a pipe; when jupyter_client launches the kernel, the zygote receives the kernel
  command line, environment and folder and becomes an ordinary ipykernel (`IPKernelApp`) on
  the connection file jupyter_client wrote. Everything after that (channels, interrupts,
  shutdown, death detection) is jupyter_client's own, through `ForkedProvisioner`. A retry
  starts a plain kernel.

The setting `KAM_FORK_KERNELS` chooses: `1` (the default, where the platform can fork) or `0`
(plain kernels everywhere, e.g. to rule the forking out when a kernel misbehaves). Each source
serves one job and is never reused; nothing here is module-level state.
"""

from __future__ import annotations

import asyncio
import ctypes
import importlib
import os
import pickle
import signal
import sys
import threading
import uuid
from typing import Any, Protocol

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from kamlib.errors import UsageError

SETTING = "KAM_FORK_KERNELS"
KERNEL_NAME = "python3"
PR_SET_PDEATHSIG = 1  # linux/prctl.h
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None  # loaded before any fork


def fork_kernels() -> bool:
    """The `KAM_FORK_KERNELS` setting: fork kernels (1, the default on POSIX) or start them plainly (0)."""
    value = os.environ.get(SETTING, "1").strip()
    if value not in ("0", "1"):
        raise UsageError(f"{SETTING}: expected 0 (plain kernels) or 1 (forked kernels), got '{value}'")
    return value == "1" and os.name == "posix"


class JobKernelManager(AsyncKernelManager):
    """jupyter_client's async kernel manager, remembering the clients made from it (nbclient
    makes one per notebook and leaves it running when it did not start the kernel itself) and
    whether a shutdown was already requested."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clients_made: list[Any] = []
        self.stop_requested = False

    def client(self, **kwargs: Any) -> Any:
        """A kernel client, as jupyter_client makes it, remembered so the job can stop it at the end."""
        made = super().client(**kwargs)
        self.clients_made.append(made)
        return made


class KernelSource(Protocol):
    """Where one job's kernel comes from (see the module docstring)."""

    def manager(self, folder: str, attempt: int) -> JobKernelManager:
        """A kernel manager for attempt `attempt` (1, 2 …), connection files in `folder`."""
        ...

    def kill(self) -> None:
        """Stop the kernel now, without waiting (the worker is being stopped)."""
        ...

    def close(self) -> None:
        """Release what was not used; the job is over."""
        ...


def connection(folder: str, attempt: int) -> dict[str, str]:
    """Where a kernel's connection file and sockets go: inside the job's private folder, so
    nothing is left in the temporary folder whatever happens to the kernel (a killed kernel
    cannot remove its own files), and only this user can reach the sockets. Unix sockets where
    there are any: TCP ports are picked free and bound later by the kernel, so kernels started
    at once by different processes can pick the same port (seen on a LocalCluster: clients
    talking to another job's kernel, rejected by its signature as "DELIM not in msg_list")."""
    files = {"connection_file": os.path.join(folder, f"kernel-{attempt}.json")}
    if os.name == "posix":
        files |= {"transport": "ipc", "ip": os.path.join(folder, f"k{attempt}")}
    return files


class PlainKernels:
    """Kernels started the ordinary way: a new Python process per kernel."""

    def __init__(self) -> None:
        self._managers: list[JobKernelManager] = []

    def manager(self, folder: str, attempt: int) -> JobKernelManager:
        """A manager that starts a new kernel process, connection files in `folder`."""
        km = JobKernelManager(kernel_name=KERNEL_NAME, **connection(folder, attempt))
        self._managers.append(km)
        return km

    def kill(self) -> None:
        """SIGKILL every kernel started, with its process group."""
        for km in self._managers:
            pid = getattr(km.provisioner, "pid", None)
            if pid:
                try:
                    os.killpg(pid, signal.SIGKILL)  # jupyter_client starts a kernel in its own group
                except (ProcessLookupError, PermissionError):
                    pass

    def close(self) -> None:
        """Forget the managers (the job has shut their kernels down)."""
        self._managers.clear()


class ForkedKernels:
    """The first attempt's kernel forked from this process (see the module docstring); a retry
    starts a plain one. Make it while this process is still one thread with no event loop or
    socket: the zygote is forked in the constructor. `close_in_child` are open files the
    kernel must not keep (the batch's result pipe, the outputs lock of `kam run`)."""

    def __init__(self, close_in_child: tuple[Any, ...] = ()) -> None:
        self.zygote = Zygote(close_in_child)
        self._plain = PlainKernels()

    @classmethod
    def here(cls, modules: list[str], close_in_child: tuple[Any, ...] = ()) -> ForkedKernels | None:
        """Forked kernels for a one-off run (`kam run`, `kam portfolio`), or None where forking
        this process is not safe: another thread (a Jupyter kernel calling kamlib) or a running
        event loop would be copied in an unknown state. `modules` are imported first, so the
        kernel starts with them."""
        if os.name != "posix" or threading.active_count() > 1:
            return None
        try:
            asyncio.get_running_loop()
            return None
        except RuntimeError:
            pass
        for module in modules:
            importlib.import_module(module)
        return cls(close_in_child)

    def manager(self, folder: str, attempt: int) -> JobKernelManager:
        """A manager whose kernel is the zygote forked beforehand; once that is used (a retry), a plain one."""
        if self.zygote.used:
            return self._plain.manager(folder, attempt)
        km = JobKernelManager(kernel_name=KERNEL_NAME, **connection(folder, attempt))
        # jupyter_client makes a provisioner only when the manager has none (as on a restart)
        km.kernel_id = str(uuid.uuid4())
        provisioner = ForkedProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
        provisioner.zygote = self.zygote
        km.provisioner = provisioner
        return km

    def kill(self) -> None:
        """Stop the forked kernel, or the zygote waiting to become one, and any plain kernel, now."""
        self.zygote.kill()
        self._plain.kill()

    def close(self) -> None:
        """End the zygote if no kernel was made of it, and forget the plain kernels."""
        self.zygote.discard()
        self._plain.close()


def kernel_source(modules: list[str], close_in_child: tuple[Any, ...] = (), here: bool = False) -> KernelSource:
    """The kernels the `KAM_FORK_KERNELS` setting asks for: forked (from a batch worker, or with
    `here` from this process when that is safe) or plain."""
    if fork_kernels():
        forked = ForkedKernels.here(modules, close_in_child) if here else ForkedKernels(close_in_child)
        if forked is not None:
            return forked
    return PlainKernels()


class Zygote:
    """A forked copy of this process that will become one kernel, once told how."""

    def __init__(self, close_in_child: tuple[Any, ...] = ()) -> None:
        read, write = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the zygote
            code = 1
            try:
                os.close(write)
                _die_with(parent)
                os.setsid()  # its own process group, as jupyter_client gives a kernel
                for thing in close_in_child:  # closing a copy keeps the parent's lock and pipe
                    thing.close()
                code = _become_kernel(read, parent)
            except BaseException:  # noqa: BLE001 - nothing may escape a forked child
                import traceback

                traceback.print_exc()
            finally:
                os._exit(code)
        os.close(read)
        self.pid = pid
        self._write = write
        self.used = False
        self.reaped = False

    def launch(self, argv: list[str], env: dict[str, str], cwd: str | None) -> int:
        """Send the zygote its kernel command line; returns the kernel's pid."""
        self.used = True
        with os.fdopen(self._write, "wb") as pipe:
            pickle.dump((argv, env, cwd), pipe)
        return self.pid

    def discard(self) -> None:
        """An unused zygote exits when its pipe closes; reap it."""
        if not self.used:
            self.used = True
            os.close(self._write)
            self._reap()

    def kill(self) -> None:
        """Stop the zygote, or the kernel it became, at once (the worker is being stopped)."""
        if not self.reaped:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()

    def _reap(self) -> None:
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:  # already reaped by jupyter_client, as a kernel
            pass
        self.reaped = True


def _die_with(parent: int) -> None:
    """Make sure this forked process does not outlive `parent`, however the parent ends (even
    by SIGKILL): on Linux the operating system kills it when the parent goes; and if the parent
    is already gone, it stops now. (Elsewhere a kernel's own parent poller, `parent_handle`,
    still ends it within a second.)"""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def _become_kernel(read: int, parent: int) -> int:
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    if not data:
        return 0  # not needed after all
    argv, env, cwd = pickle.loads(data)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.clear()
    os.environ.update(env)
    if cwd:
        os.chdir(cwd)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    from ipykernel.kernelapp import IPKernelApp

    # Defaults that ipykernel and matplotlib read from the environment when they are imported,
    # which was before this kernel had its environment: set them as a fresh kernel would have.
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].rcParams["backend"] = (os.environ.get("MPLBACKEND")
                                                         or "module://matplotlib_inline.backend_inline")
    argv = [*argv, f"--IPKernelApp.parent_handle={parent}"]  # exit with the worker; no banner
    sys.argv = ["ipykernel_launcher", *argv]
    IPKernelApp.launch_instance(argv=argv)
    return 0


def forkable(cmd: list[str]) -> bool:
    """Only a kernel of this very Python and ipykernel can be forked from this process."""
    try:
        same_python = os.path.realpath(cmd[0]) == os.path.realpath(sys.executable) or cmd[0] == "python"
    except (IndexError, OSError):
        return False
    return same_python and cmd[1:3] == ["-m", "ipykernel_launcher"]


class _Forked:
    """The few `subprocess.Popen` methods jupyter_client uses, for a zygote become kernel."""

    def __init__(self, zygote: Zygote) -> None:
        self.zygote = zygote
        self.pid = zygote.pid
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self._wait(os.WNOHANG)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """As jupyter_client calls it: only once `poll` found the process ended."""
        if self.returncode is None:
            self._wait(0)
        return self.returncode or 0

    def _wait(self, flags: int) -> None:
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:
            self.returncode = 0
        else:
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        if self.returncode is not None:
            self.zygote.reaped = True  # its pid may now be reused: `Zygote.kill` must not signal it

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkedProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, but the kernel comes from a zygote, not `Popen`.
    (jupyter_client makes provisioners itself too, with its own arguments: the zygote is set
    after construction.)"""

    zygote: Zygote | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        """Turn the zygote into the kernel for `cmd` and return its connection info.

        A kernel spec for another Python, or a zygote already used, starts the ordinary way.
        """
        if self.zygote is None or self.zygote.used or not forkable(cmd):  # a kernel spec for another Python: the ordinary way
            if self.zygote is not None:
                self.zygote.discard()
            return await super().launch_kernel(cmd, **kwargs)
        argv = cmd[cmd.index("ipykernel_launcher") + 1:]  # [python, -m, ipykernel_launcher, -f, FILE, ...]
        pid = self.zygote.launch(argv, dict(kwargs.get("env") or os.environ), kwargs.get("cwd"))
        # jupyter_client annotates `process` as a Popen; it only polls, waits and signals it, as _Forked does
        self.process = _Forked(self.zygote)  # type: ignore[assignment]
        self.pid = pid
        self.pgid = pid
        self.cwd = kwargs.get("cwd") or os.getcwd()
        return self.connection_info
