"""`kam history` and `kam diff` on hand-made versions."""

from pathlib import Path

import pytest

from kamlib.cli import main
from kamlib.errors import UsageError
from kamlib.publishing import history, versions
from tests.helpers import TINY

ACCOUNT = TINY / "accounts" / "northwind-foods.yaml"


def _version(outputs: Path, text: str, headline: dict, as_of: str = "2026-11-24") -> versions.Version:
    staging = versions.new_staging(outputs, "northwind-foods")
    (staging / "account.yaml").write_text(text)
    return versions.publish(outputs, "northwind-foods", staging,
                            {"as_of": as_of, "status": "published", "input_hash": "x", "headline": headline})


@pytest.fixture
def two_versions(outputs):
    text = ACCOUNT.read_text()
    _version(outputs, text, {"class": "develop", "customer_score": 3.1, "plan_health": 90, "overdue_project_ids": []})
    changed = (text.replace("status: in_progress", "status: done")
                   .replace("attitude: -1 ", "attitude: 1 ")
                   .replace("    title: Quarterly cost review with Northwind finance",
                            "    title: Quarterly cost review with Northwind finance team"))
    _version(outputs, changed, {"class": "key_account", "customer_score": 3.8, "plan_health": 85,
                                "overdue_project_ids": ["P2"]}, as_of="2027-04-01")
    return outputs


def test_diff_reports_headline_projects_and_relationships(two_versions):
    old, new = history.pick(two_versions, "northwind-foods", None, None)
    assert (old.name, new.name) == ("v0001", "v0002")
    lines = history.diff_lines(old, new)
    assert "plan date: 2026-11-24 → 2027-04-01" in lines
    assert "class: develop → key_account" in lines
    assert "customer score: 3.10 → 3.80" in lines
    assert "plan health: 90 → 85" in lines
    assert "project P1 finished: Line 4 down-gauging trial" in lines
    assert "project P2 is now overdue" in lines
    assert "relationship Helen Shaw: attitude -1 → +1" in lines


def test_diff_of_identical_versions_is_empty_and_versions_can_be_named(two_versions):
    v1 = versions.list_versions(two_versions, "northwind-foods")[0]
    assert history.diff_lines(v1, v1) == []
    old, new = history.pick(two_versions, "northwind-foods", "1", "v0002")
    assert (old.name, new.name) == ("v0001", "v0002")
    with pytest.raises(UsageError, match="no version 'v0009'"):
        history.pick(two_versions, "northwind-foods", "v0009", None)


def test_diff_needs_two_versions(outputs):
    _version(outputs, ACCOUNT.read_text(), {})
    with pytest.raises(UsageError, match="need two published versions"):
        history.pick(outputs, "northwind-foods", None, None)


def test_cli_history_and_diff(two_versions, capsys):
    assert main(["--outputs", str(two_versions), "history", "northwind-foods"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("v0001") and "develop" in out[1]
    assert out[2].startswith("v0002") and "<- latest" in out[2]
    assert main(["--outputs", str(two_versions), "diff", "northwind-foods"]) == 0
    text = capsys.readouterr().out
    assert "northwind-foods: v0001 → v0002" in text and "class: develop → key_account" in text
    assert main(["--outputs", str(two_versions), "diff", "northwind-foods", "v0007"]) == 2
