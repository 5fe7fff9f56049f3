"""Versioned publishing: atomic versions, `latest`, skip unchanged, force, failures kept apart."""

import json
import os
from pathlib import Path

import pytest

from kamlib.errors import OutputsLocked, RunError
from kamlib.execution import runner
from kamlib.publishing import versions
from tests.conftest import write_notebooks


def _stage(outputs: Path, owner: str, text: str) -> Path:
    staging = versions.new_staging(outputs, owner)
    (staging / "plan.html").write_text(text)
    return staging


def test_publish_numbers_versions_and_points_latest(outputs):
    v1 = versions.publish(outputs, "acme", _stage(outputs, "acme", "one"), {"input_hash": "a"})
    v2 = versions.publish(outputs, "acme", _stage(outputs, "acme", "two"), {"input_hash": "b"})
    assert (v1.name, v2.name) == ("v0001", "v0002")
    assert os.readlink(outputs / "acme" / "latest") == "v0002"
    assert (outputs / "acme" / "latest" / "plan.html").read_text() == "two"
    assert (v1.path / "plan.html").read_text() == "one"
    assert json.loads((v2.path / "manifest.json").read_text())["version"] == 2
    assert [v.number for v in versions.list_versions(outputs, "acme")] == [1, 2]
    assert not any((outputs / versions.STAGING).iterdir())


def test_a_half_written_folder_is_not_a_version(outputs):
    (outputs / "acme" / "v0007").mkdir(parents=True)  # no manifest: never completed
    assert versions.list_versions(outputs, "acme") == []
    v = versions.publish(outputs, "acme", _stage(outputs, "acme", "x"), {})
    assert v.name == "v0001" and v.path.is_dir()


def test_latest_falls_back_to_newest_version_without_pointer(outputs):
    versions.publish(outputs, "acme", _stage(outputs, "acme", "one"), {})
    (outputs / "acme" / "latest").unlink()
    assert versions.latest_version(outputs, "acme").number == 1


def test_lock_refuses_a_second_writer_and_cleans_staging(outputs):
    leftover = versions.new_staging(outputs, "acme")
    with versions.outputs_lock(outputs):
        assert not leftover.exists()  # a killed run's staging is cleaned by the next run
        with pytest.raises(OutputsLocked, match="in use by another kam run"), versions.outputs_lock(outputs):
            pass


def test_run_publishes_then_skips_unchanged_then_forces(tiny_params, outputs, fake_notebooks):
    first = runner.run_account(tiny_params, outputs, "northwind-foods", notebooks_dir=fake_notebooks)
    assert first.status == "published" and first.version.name == "v0001"
    manifest = first.version.manifest()
    assert manifest["headline"]["class"] == "key_account"
    assert manifest["inputs"]["as_of"] == "2026-11-24"
    assert set(manifest["inputs"]["notebooks"]) == set(runner.ACCOUNT_NOTEBOOKS)
    for name in runner.ACCOUNT_NOTEBOOKS:
        assert (first.version.path / f"{name}.ipynb").is_file()
    assert (first.version.path / "plan.html").is_file()

    again = runner.run_account(tiny_params, outputs, "northwind-foods", notebooks_dir=fake_notebooks)
    assert again.status == "unchanged" and again.version.name == "v0001"

    forced = runner.run_account(tiny_params, outputs, "northwind-foods", force=True, notebooks_dir=fake_notebooks)
    assert forced.version.name == "v0002"
    assert forced.version.manifest()["input_hash"] == manifest["input_hash"]


def test_changed_input_or_date_publishes_a_new_version(tiny_params, outputs, fake_notebooks):
    runner.run_account(tiny_params, outputs, "northwind-foods", notebooks_dir=fake_notebooks)
    other_date = runner.run_account(tiny_params, outputs, "northwind-foods", as_of="2026-12-31",
                                    notebooks_dir=fake_notebooks)
    assert other_date.status == "published" and other_date.version.name == "v0002"
    path = tiny_params / "accounts" / "northwind-foods.yaml"
    path.write_text(path.read_text().replace("revenue: 2650000", "revenue: 2700000"))
    changed = runner.run_account(tiny_params, outputs, "northwind-foods", as_of="2026-12-31",
                                 notebooks_dir=fake_notebooks)
    assert changed.version.name == "v0003"
    assert changed.version.manifest()["headline"]["revenue"] == 2_700_000


def test_failure_keeps_earlier_versions_intact_and_the_failed_notebook_apart(tiny_params, outputs, tmp_path):
    good = write_notebooks(tmp_path / "good")
    v1 = runner.run_account(tiny_params, outputs, "northwind-foods", notebooks_dir=good).version
    before = {p.relative_to(v1.path): p.read_bytes() for p in v1.path.rglob("*") if p.is_file()}

    broken = write_notebooks(tmp_path / "broken", fail_in="03_scorecard")
    with pytest.raises(RunError) as caught:
        runner.run_account(tiny_params, outputs, "northwind-foods", notebooks_dir=broken)
    err = caught.value
    assert (err.account, err.notebook) == ("northwind-foods", "03_scorecard")
    assert err.cell is not None and "deliberate failure" in err.error
    kept = Path(err.kept)
    assert (kept / "03_scorecard.ipynb").is_file()
    assert "deliberate failure" in (kept / "03_scorecard.ipynb").read_text()

    assert [v.name for v in versions.list_versions(outputs, "northwind-foods")] == ["v0001"]
    assert os.readlink(outputs / "northwind-foods" / "latest") == "v0001"
    after = {p.relative_to(v1.path): p.read_bytes() for p in v1.path.rglob("*") if p.is_file()}
    assert after == before


def test_source_fingerprint_follows_code_and_templates_only(tmp_path):
    from kamlib.execution.runner import source_fingerprint

    (tmp_path / "templates").mkdir()
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "templates" / "plan.html.j2").write_text("<p>{{ x }}</p>")
    first = source_fingerprint(tmp_path)
    (tmp_path / "notes.txt").write_text("not code")
    assert source_fingerprint(tmp_path) == first
    (tmp_path / "templates" / "plan.html.j2").write_text("<p>{{ x }}!</p>")
    second = source_fingerprint(tmp_path)
    assert second != first
    (tmp_path / "a.py").write_text("x = 2\n")
    assert source_fingerprint(tmp_path) not in (first, second)
