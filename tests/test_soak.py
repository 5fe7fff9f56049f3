"""The soak: ten consecutive batches over the demo portfolio with random failures injected.

Each round changes the inputs of a few accounts, makes some accounts' notebooks raise or
their kernels die (os._exit), and in two rounds kills the batch itself (SIGKILL, SIGINT) while
it runs. After every round, and at the end, every published version must be complete and
valid, and the number of versions of each account must equal the number of its successful
runs with changed inputs. The fast stand-in notebooks keep this to about two minutes; the
real ones are run by tests/test_notebooks.py and tests/test_batch.py.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kamlib.cli import main
from kamlib.execution import runner
from kamlib.publishing import versions
from tests.conftest import DEMO_PARAMS, ROOT, write_notebooks

pytestmark = pytest.mark.slow

ROUNDS = 10
KILLED = {4: signal.SIGKILL, 7: signal.SIGINT}  # rounds in which the batch itself is stopped
INJECT = """
import json, os, pathlib
plan = pathlib.Path(params_dir) / "soak.json"  # not an input of any plan: changing it changes no hash
injected = json.loads(plan.read_text()) if plan.is_file() else {}
if account_id in injected.get("raise", []):
    raise RuntimeError("injected failure")
if account_id in injected.get("die", []):
    os._exit(1)
"""


def current_hash(params: Path, notebooks: Path, account_id: str, as_of) -> str:
    return runner.input_hash(runner.account_inputs(params, account_id, as_of, notebooks))


def descendants(pid: int) -> list[int]:
    """The processes below `pid` (workers, fork server, kernels), from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def stacks_of_stuck(child: subprocess.Popen) -> str:
    """For a batch that did not end: which processes were left, and where each was stuck
    (`-X faulthandler` prints every thread's stack on SIGABRT)."""
    stuck = [child.pid, *descendants(child.pid)]
    listing = subprocess.run(["ps", "-o", "pid,ppid,stat,etimes,args", "-p", ",".join(map(str, stuck))],
                             capture_output=True, text=True).stdout
    for pid in stuck:
        try:
            os.kill(pid, signal.SIGABRT)
        except ProcessLookupError:
            pass
    try:
        out, err = child.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        for pid in stuck:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        out, err = child.communicate()
    listing = "\n".join(line[:200] for line in listing.splitlines())
    return f"processes:\n{listing}\nstdout:\n{out[-3000:]}\nstderr and stacks:\n{err[-30000:]}"


def check_version(version: versions.Version, known_states: set[str]) -> None:
    """Complete, valid, and built from inputs the account really had."""
    manifest = version.manifest()
    assert manifest["status"] == "published" and manifest["version"] == version.number
    assert manifest["input_hash"] == runner.input_hash(manifest["inputs"])
    assert manifest["input_hash"] in known_states, f"{version.path} built from inputs never given"
    for document in manifest["documents"]:
        assert (version.path / document).stat().st_size > 0, f"{version.path}/{document} empty"
    for notebook in manifest["notebooks"]:
        json.loads((version.path / notebook).read_text())  # a whole notebook, not a torn write
    assert runner.sha256_bytes((version.path / "account.yaml").read_bytes()) == manifest["inputs"]["account_file"]


def test_ten_batches_with_random_failures_leave_every_account_complete_and_counted(tmp_path: Path, capsys) -> None:
    params = tmp_path / "parameters"
    shutil.copytree(DEMO_PARAMS, params, ignore=shutil.ignore_patterns("samples"))
    notebooks = write_notebooks(tmp_path / "notebooks", extra=INJECT)
    outputs = tmp_path / "outputs"
    ids = sorted(p.stem for p in (params / "accounts").glob("*.yaml"))
    from kamlib.parameters import loader as kam_params

    as_of = kam_params.load_settings(params).as_of
    rng = random.Random(20261124)
    states = {a: {current_hash(params, notebooks, a, as_of)} for a in ids}
    expected = dict.fromkeys(ids, 0)  # successful runs with changed inputs, per account
    failures = 0  # injected failures that hit an account with work to do
    for round_ in range(1, ROUNDS + 1):
        changed = ids if round_ == 1 else rng.sample(ids, 6 if round_ in KILLED else rng.randint(2, 6))
        for account_id in changed if round_ > 1 else []:
            path = params / "accounts" / f"{account_id}.yaml"
            text = path.read_text(encoding="utf-8")
            path.write_text(re.sub(r"^industry: (.*)$", rf"industry: \1 (round {round_})", text, count=1,
                                   flags=re.M), encoding="utf-8")
            states[account_id].add(current_hash(params, notebooks, account_id, as_of))
        # which accounts have inputs their latest version was not built from, before the round
        stale = {a for a in ids if (latest := versions.latest_version(outputs, a)) is None
                 or latest.manifest()["input_hash"] != current_hash(params, notebooks, a, as_of)}
        # failures aimed mostly at accounts with work to do (a failure of a skipped account is moot)
        failing = rng.sample(sorted(stale), min(2, len(stale) - 1)) + rng.sample(ids, 1)
        injected = {"raise": failing[:1] + failing[2:], "die": failing[1:2]}
        (params / "soak.json").write_text(json.dumps(injected))
        before = {a: len(versions.list_versions(outputs, a)) for a in ids}
        failures += len(stale & set(failing))
        command = [sys.executable, "-X", "faulthandler", "-m", "kamlib", "--params", str(params),
                   "--outputs", str(outputs), "--notebooks", str(notebooks), "batch", "--workers", "3"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if round_ in KILLED:
            child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                     start_new_session=True)
            deadline = time.monotonic() + 120
            while not any((outputs / "_staging").glob("*/01_environment_analysis.ipynb")):
                assert time.monotonic() < deadline and child.poll() is None, child.communicate()
                time.sleep(0.05)
            time.sleep(rng.uniform(0, 1.5))  # somewhere in the middle: building, publishing, between jobs
            if KILLED[round_] == signal.SIGKILL:
                os.killpg(child.pid, signal.SIGKILL)  # the batch and its workers; their kernels end with them
            else:
                child.send_signal(signal.SIGINT)  # Ctrl-C
            try:
                _, err = child.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                pytest.fail(f"round {round_}: the stopped batch did not end: {stacks_of_stuck(child)}")
            assert "Traceback" not in err, err
            published = {a for a in ids if len(versions.list_versions(outputs, a)) > before[a]}
            assert published <= stale - set(failing), (published, stale, failing)
        else:  # in this process: its fork server, with the imports done, serves every round
            code = main(command[5:])
            out, err = capsys.readouterr()
            assert "Traceback" not in err, err
            published = set(re.findall(r"\] ([a-z0-9-]+): published v\d{4}", out))
            assert published == stale - set(failing), (round_, published, stale, failing, out)
            assert code == (1 if stale & set(failing) else 0), out + err
            for account_id in stale & set(failing):
                assert (outputs / "_failed" / account_id).is_dir()
        for account_id in published:
            expected[account_id] += 1
        for account_id in ids:
            found = versions.list_versions(outputs, account_id)
            assert len(found) == expected[account_id], (round_, account_id)
            for version in found:
                check_version(version, states[account_id])
            hashes = [v.manifest()["input_hash"] for v in found]
            assert len(set(hashes)) == len(hashes), f"{account_id}: the same inputs published twice"
    # a last, quiet batch: everything ends complete and up to date, nothing left over
    (params / "soak.json").unlink()
    code = main(["--params", str(params), "--outputs", str(outputs), "--notebooks", str(notebooks), "batch"])
    final_out, final_err = capsys.readouterr()
    assert code == 0, final_out + final_err
    for account_id in ids:
        latest = versions.latest_version(outputs, account_id)
        assert latest is not None and os.readlink(outputs / account_id / "latest") == latest.name
        assert latest.manifest()["input_hash"] == current_hash(params, notebooks, account_id, as_of)
        check_version(latest, states[account_id])
    staging = outputs / "_staging"
    assert not staging.exists() or list(staging.iterdir()) == []
    recovered = set(re.findall(r"\] ([a-z0-9-]+): published v\d{4}", final_out))
    with capsys.disabled():
        print(f"soak: {ROUNDS} batches ({len(KILLED)} killed), {failures} injected failures, "
              f"{sum(expected.values())} versions published under failures, {len(recovered)} accounts caught up "
              f"by the last batch, {sum(len(versions.list_versions(outputs, a)) for a in ids)} versions in the end")
