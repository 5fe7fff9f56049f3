"""`kam batch --scheduler`: plan jobs on a Dask cluster, published by the client alone."""

import dataclasses
import shutil
from pathlib import Path

import pytest

from kamlib.cli import main
from kamlib.errors import RunError
from kamlib.execution import batch, cluster, runner
from kamlib.publishing import versions
from tests.conftest import DEMO_PARAMS, write_notebooks

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed")

PAIR = ["harbor-snacks", "northwind-foods"]  # they compete: each names the other in competes_with


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    target = tmp_path / "parameters"
    shutil.copytree(DEMO_PARAMS, target)
    return target


@pytest.fixture(scope="module")
def local_cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as running:
        yield running


def test_cluster_batch_publishes_the_same_documents_as_a_local_batch(demo, tmp_path, local_cluster):
    on_cluster, local = tmp_path / "cluster", tmp_path / "local"
    seen = []
    with versions.outputs_lock(on_cluster):
        outcomes = batch.run_batch(demo, on_cluster, PAIR + ["carrow-health"], scheduler=local_cluster.scheduler_address,
                                   report=lambda outcome, progress: seen.append((outcome.account, progress.done)))
    assert [o.status for o in outcomes.accounts] == ["published"] * 3
    assert sorted(done for _, done in seen) == [1, 2, 3]
    with versions.outputs_lock(local):
        batch.run_batch(demo, local, PAIR, workers=2)
    for account_id in PAIR:
        a, b = on_cluster / account_id / "latest", local / account_id / "latest"
        assert (a / "plan.html").read_bytes() == (b / "plan.html").read_bytes()
        assert (a / "account.yaml").read_bytes() == (demo / "accounts" / f"{account_id}.yaml").read_bytes()
        ma, mb = versions.read_manifest(a), versions.read_manifest(b)
        assert ma["input_hash"] == mb["input_hash"] and ma["headline"] == mb["headline"]
    assert not (on_cluster / "_staging").exists() or not any((on_cluster / "_staging").iterdir())
    # nothing changed: decided on the client, nothing is sent to the cluster
    with versions.outputs_lock(on_cluster):
        again = batch.run_batch(demo, on_cluster, PAIR, scheduler="tcp://127.0.0.1:1").accounts
    assert [o.status for o in again] == ["unchanged", "unchanged"]


def test_a_failing_account_on_the_cluster_is_kept_apart_and_the_others_publish(demo, tmp_path, local_cluster):
    notebooks = write_notebooks(tmp_path / "nb", fail_in="02_competitor_positioning", fail_for="harbor-snacks")
    outputs = tmp_path / "out"
    with versions.outputs_lock(outputs):
        outcomes = batch.run_batch(demo, outputs, PAIR, notebooks_dir=notebooks,
                                   scheduler=local_cluster.scheduler_address)
    harbor, northwind = outcomes.accounts
    assert northwind.status == "published" and harbor.status == "failed"
    assert harbor.error.notebook == "02_competitor_positioning" and "deliberate failure" in harbor.error.error
    assert "deliberate failure" in (outputs / "_failed" / "harbor-snacks" / "02_competitor_positioning.ipynb").read_text()
    assert not (outputs / "harbor-snacks").exists()


def test_cli_batch_with_a_scheduler(demo, tmp_path, local_cluster, capsys):
    notebooks = write_notebooks(tmp_path / "nb")
    code = main(["--params", str(demo), "--outputs", str(tmp_path / "out"), "--notebooks", str(notebooks),
                 "batch", *PAIR, "--scheduler", local_cluster.scheduler_address])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "harbor-snacks: published v0001" in out and "northwind-foods: published v0001" in out
    assert (tmp_path / "out" / "portfolio" / "latest" / "portfolio.html").is_file()


def test_a_parcel_carries_only_the_accounts_own_file(demo, tmp_path):
    canary = "CANARY-harbor-7f3a"
    harbor = demo / "accounts" / "harbor-snacks.yaml"
    harbor.write_text(harbor.read_text().replace("Harbor Snacks", canary, 1))
    job = runner.plan_account(demo, tmp_path / "out", "northwind-foods")
    parcel = cluster.pack(job)
    assert set(parcel.files) == {
        "params/portfolio.yaml", "params/accounts/northwind-foods.yaml", "params/accounts/harbor-snacks.yaml",
        *(f"notebooks/{n}.ipynb" for n in runner.ACCOUNT_NOTEBOOKS)}
    assert parcel.files["params/accounts/harbor-snacks.yaml"] == b""  # a stand-in for the name, no content
    assert not any(canary.encode() in data for data in parcel.files.values())


def test_a_worker_with_another_kamlib_refuses_the_job(demo, tmp_path):
    job = runner.plan_account(demo, tmp_path / "out", "carrow-health")
    parcel = dataclasses.replace(cluster.pack(job), kamlib_source="0" * 64)
    returned = cluster.execute(parcel)
    assert isinstance(returned.result, RunError) and returned.files == {}
    assert "install the same kamlib on every worker" in returned.result.error


def test_returned_files_cannot_escape_the_staging_folder(tmp_path):
    with pytest.raises(ValueError, match="outside"):
        cluster._write_tree(tmp_path / "staging", {"../../evil.txt": b"x"})
    assert not (tmp_path / "evil.txt").exists()


def test_cli_refuses_an_unreachable_scheduler_and_workers_with_scheduler(demo, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 2)
    code = main(["--params", str(demo), "--outputs", str(tmp_path / "out"), "batch", "carrow-health",
                 "--scheduler", "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach a Dask scheduler at tcp://127.0.0.1:1" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "carrow-health").exists()
    code = main(["--params", str(demo), "batch", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 2 and "not both" in capsys.readouterr().err
