"""`kam app`: the workbook's notebooks served as a web app by Voilà, code hidden, on localhost.

The same notebooks serve JupyterLab, the app and the batch. Voilà runs each page it is asked for
in a fresh kernel, top to bottom, and shows the outputs and widgets only; a step page reads its
account from the address (`?account=…`, see `kamlib.display.pages`), and a reload runs it again
with what an editor saved.

The server listens on localhost only, fetches nothing (the widgets' scripts come from the
installed packages), runs as root as well (Voilà's own server has no root check), and stops on
Ctrl-C or SIGTERM: it runs in a process group of its own, is asked to stop (SIGINT, on which
Voilà shuts its kernels down), and the group is killed if it is still there after `GRACE` seconds.
A kernel left behind notices its parent is gone and exits (ipykernel's parent poller).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from kamlib.display.pages import APP_PARAMS
from kamlib.errors import UsageError
from kamlib.execution.stopping import StopSignals
from kamlib.parameters import loader

DEFAULT_PORT = 8866
GRACE = 10.0          # seconds Voilà has to shut its kernels down before its group is killed
HOST = "localhost"
FIRST_PAGE = "00_portfolio_overview.ipynb"
# A Jupyter data folder with the app's Voilà template `kam`: the lab template without its CDN links
TEMPLATES = Path(__file__).resolve().parent / "app_template"
TEMPLATE = "kam"


def page_url(port: int, page: str = FIRST_PAGE) -> str:
    """The address of a page of the app (by default the portfolio page, where one starts)."""
    return f"http://{HOST}:{port}/voila/render/{page}"


def voila_command(notebooks: Path, port: int) -> list[str]:
    """The Voilà command line serving the folder `notebooks`: code hidden (Voilà strips the
    sources), nothing fetched from outside (`TEMPLATE`), errors shown on the page (a workbook
    error as its message alone, see `pages.app_parameters`), one port (no silent move to
    another), no browser opened, and no kernel started in advance (a preheated kernel would
    not see the page's query string)."""
    return [sys.executable, "-m", "voila", str(notebooks), "--no-browser", f"--port={port}",
            f"--Voila.ip={HOST}", "--Voila.port_retries=0", "--show_tracebacks=True", "--theme=light",
            f"--template={TEMPLATE}",
            "--VoilaConfiguration.preheat_kernel=False", "--Voila.log_level=ERROR"]


def check_port(port: int) -> None:
    """A UsageError when `port` is not a port number or something already listens on it."""
    if not 1 <= port <= 65535:
        raise UsageError(f"port: expected a number from 1 to 65535, got {port}")
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise UsageError(f"port {port} is in use: choose another (kam app --port N, make app PORT=N)") from None


def app_environment(params_dir: Path) -> dict[str, str]:
    """The server's environment, which its kernels inherit: the parameters folder to serve, the
    folder of the app's template first on the Jupyter data path, and no batch flag (the editors
    must show)."""
    data_path = os.pathsep.join(p for p in (str(TEMPLATES), os.environ.get("JUPYTER_PATH", "")) if p)
    env = {**os.environ, APP_PARAMS: str(params_dir.resolve()), "JUPYTER_PATH": data_path}
    env.pop("KAM_BATCH", None)
    return env


def start(params_dir: Path, notebooks: Path, port: int = DEFAULT_PORT) -> subprocess.Popen[bytes]:
    """Start Voilà in a process group of its own (so that `stop` reaches all of it) and return it.
    Checks first that the parameters folder holds a portfolio and that the port is free."""
    params_dir, notebooks = Path(params_dir), Path(notebooks)
    if not (params_dir / loader.PORTFOLIO_FILE).is_file():
        raise UsageError(f"{params_dir}: no {loader.PORTFOLIO_FILE} here (kam --params FOLDER app)")
    if not (notebooks / FIRST_PAGE).is_file():
        raise UsageError(f"{notebooks}: no {FIRST_PAGE} here (kam --notebooks FOLDER app)")
    check_port(port)
    return subprocess.Popen(voila_command(notebooks.resolve(), port), cwd=notebooks, env=app_environment(params_dir),
                            start_new_session=True)


def stop(server: subprocess.Popen[bytes], grace: float = GRACE) -> int:
    """Stop the server: SIGINT (Voilà shuts its kernels down and exits), then, if it is still
    running after `grace` seconds, SIGKILL to its whole process group. Returns its exit code."""
    for sig, wait in ((signal.SIGINT, grace), (signal.SIGKILL, grace)):
        if server.poll() is not None:
            break
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            break
        try:
            server.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    try:
        os.killpg(server.pid, signal.SIGKILL)  # anything of the group still running (none, as a rule)
    except (ProcessLookupError, PermissionError):
        pass
    return server.wait()


def _listening(server: subprocess.Popen[bytes], port: int, timeout: float = 120.0) -> bool:
    """Wait until the server accepts connections on `port` (True), or has exited (False)."""
    deadline = time.monotonic() + timeout
    while server.poll() is None and time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return server.poll() is None


def serve(params_dir: Path, notebooks: Path, port: int = DEFAULT_PORT) -> int:
    """Serve the app until Ctrl-C or SIGTERM, then stop it and its kernels; returns Voilà's exit
    code (0 after a stop asked for)."""
    server = start(params_dir, notebooks, port)
    with StopSignals().installed():
        try:
            if _listening(server, port):
                print(f"The workbook app: {page_url(port)} (parameters: {params_dir}; Ctrl-C stops it)", flush=True)
            return server.wait()
        except KeyboardInterrupt:
            print("Stopping the app…", file=sys.stderr, flush=True)
            stop(server)
            return 0
        finally:
            if server.poll() is None:
                stop(server)
