"""Memory of one long-lived process that runs plan jobs back to back, as a Dask worker does.

    .venv/bin/python benchmarks/worker_memory.py [--jobs 20]

Runs `cluster.execute` on the demo accounts in turn (fast stand-in notebooks, so the figure is
about what a job leaves behind, not about the analysis) twice, in fresh processes: the way kam
does it (the kernel clients nbclient makes are stopped with the kernel), and the naive way
(they are left to the garbage collector, as nbclient does when it did not start the kernel).
Prints resident memory every five jobs, growth per job, and the zmq contexts and threads left.
Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(jobs: int, naive: bool) -> None:
    os.environ["KAM_CHROMIUM"] = "off"
    sys.path.insert(0, str(ROOT))
    import zmq
    from jupyter_client.manager import AsyncKernelManager

    from kamlib.execution import cluster, kernels, runner
    from kamlib.parameters import loader
    from tests.conftest import write_notebooks

    if naive:  # leave nbclient's clients running, as it does: kam's manager no longer remembers them
        kernels.JobKernelManager.client = AsyncKernelManager.client  # type: ignore[method-assign]
    root = Path(tempfile.mkdtemp(prefix="kam-memory-"))
    shutil.copytree(ROOT / "parameters", root / "parameters", ignore=shutil.ignore_patterns("samples"))
    notebooks = write_notebooks(root / "notebooks")
    outputs = root / "outputs"
    outputs.mkdir()
    ids = loader.account_ids(root / "parameters")
    sizes = []
    for i in range(jobs):
        job = runner.plan_account(root / "parameters", outputs, ids[i % len(ids)], force=True,
                                  notebooks_dir=notebooks)
        cluster.execute(cluster.pack(job))
        sizes.append(_rss_mb())
        if (i + 1) % 5 == 0:
            print(f"  after {i + 1:3d} jobs: {sizes[-1]:6.0f} MB", flush=True)
    gc.collect()
    contexts = sum(1 for o in gc.get_objects() if isinstance(o, zmq.Context) and not o.closed)
    growth = (sizes[-1] - sizes[4]) / (len(sizes) - 5) if len(sizes) > 5 else float("nan")
    print(f"  growth {growth:.2f} MB per job after the first five; open zmq contexts {contexts}; "
          f"threads {threading.active_count()}")
    shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--mode", choices=["kam", "naive"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        run(args.jobs, args.mode == "naive")
        return
    for mode, title in (("kam", "kam (clients stopped with the kernel)"), ("naive", "naive (clients left running)")):
        print(title, flush=True)
        subprocess.run([sys.executable, __file__, "--jobs", str(args.jobs), "--mode", mode], check=True,
                       stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
