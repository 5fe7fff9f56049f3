"""Kernels forked from a batch worker instead of started from scratch.

A plain kernel start runs a new Python that imports ipykernel, pandas, matplotlib and kamlib
before the first cell: about 1.3 s of CPU per account, a third of an account's cost in a
batch. A batch worker is forked from a server that has already imported all of these, so the
worker forks its account's kernel from itself instead: a *zygote* is forked the moment the
worker starts — one thread, no event loop, no sockets, no account data — and waits on a
pipe; when jupyter_client launches the kernel, the zygote receives the kernel command line,
environment and folder and becomes an ordinary ipykernel (`IPKernelApp`) on the connection
file jupyter_client wrote. Everything after that (channels, interrupts, shutdown, death
detection) is jupyter_client's own, through `ForkedProvisioner`.

Each zygote serves one kernel for one account and exits; it is never reused.
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
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

from kamlib.publishing.versions import HELD_LOCKS

PR_SET_PDEATHSIG = 1  # linux/prctl.h
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None  # loaded before any fork


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
                for thing in (*close_in_child, *HELD_LOCKS):  # closing a copy keeps the parent's lock
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


def zygote_here(modules: list[str]) -> Zygote | None:
    """A zygote for a one-off run (`kam run`, `kam portfolio`), or None where forking this process
    is not safe: another thread (a Jupyter kernel calling kamlib) or a running event loop would
    be copied in an unknown state. `modules` are imported first, so the kernel starts with them."""
    if os.name != "posix" or threading.active_count() > 1:
        return None
    try:
        asyncio.get_running_loop()
        return None
    except RuntimeError:
        pass
    for module in modules:
        importlib.import_module(module)
    return Zygote()


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
    """jupyter_client's local provisioner, but the kernel comes from a zygote, not `Popen`."""

    zygote: Zygote | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        assert self.zygote is not None and not self.zygote.used
        if not forkable(cmd):  # a kernel spec for another Python: start it the ordinary way
            self.zygote.discard()
            return await super().launch_kernel(cmd, **kwargs)
        argv = cmd[cmd.index("ipykernel_launcher") + 1:]  # [python, -m, ipykernel_launcher, -f, FILE, ...]
        pid = self.zygote.launch(argv, dict(kwargs.get("env") or os.environ), kwargs.get("cwd"))
        self.process = _Forked(self.zygote)  # type: ignore[assignment]
        self.pid = pid
        self.pgid = pid
        self.cwd = kwargs.get("cwd") or os.getcwd()
        return self.connection_info
