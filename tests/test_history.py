"""`kam history` and `kam diff` on hand-made versions."""

from datetime import date
from pathlib import Path

import pytest

from kamlib.cli import main
from kamlib.errors import UsageError
from kamlib.parameters import yaml_editing
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


# --- running the plan: targets, pipeline, risks, next steps, governance -----------------------

def _plan(text: str, targets: list, opportunities: list, risks: list, steps: list, governance: dict | None) -> str:
    """The tiny account with these sections (replacing whatever it has), as the workbook would write it."""
    def edit(tree) -> None:
        for key in ("targets", "opportunities", "risks", "governance"):
            tree.pop(key, None)
        tree["targets"], tree["opportunities"], tree["risks"] = targets, opportunities, risks
        if governance is not None:
            tree["governance"] = governance
        tree["joint_plan"]["projects"][0]["next_steps"] = steps  # P1

    return yaml_editing.edited(TINY, "northwind-foods", text, edit).after


def _opportunity(oid: str, title: str, value: int, probability: float, stage: str, close: date) -> dict:
    return {"id": oid, "title": title, "value": value, "probability": probability, "stage": stage, "close": close,
            "owner": "Priya Raman"}


def _risk(rid: str, risk: str, status: str, likelihood: float = 0.5, impact: int = 3) -> dict:
    return {"id": rid, "risk": risk, "likelihood": likelihood, "impact": impact, "owner": "Tom Becker",
            "mitigation": "Agreed with the team", "status": status}


def _step(action: str, due: date, done: bool = False) -> dict:
    return {"action": action, "owner": "Tom Becker", "due": due, "done": done}


@pytest.fixture
def plan_versions(outputs):
    text = ACCOUNT.read_text()
    _version(outputs, _plan(
        text,
        targets=[{"year": 2027, "revenue": 3000000, "profit": 500000}, {"year": 2028, "revenue": 3300000}],
        opportunities=[_opportunity("OP1", "Mono-PP lidding film", 450000, 0.4, "proposal", date(2027, 3, 31)),
                       _opportunity("OP2", "Bakery labels", 200000, 0.5, "qualified", date(2027, 1, 31)),
                       _opportunity("OP3", "Wrocław film", 100000, 0.1, "identified", date(2027, 9, 30))],
        risks=[_risk("R1", "The tender moves the bakery film to Alpha", "open"),
               _risk("R2", "The line trial fails", "open")],
        steps=[_step("Agree the trial specification", date(2026, 12, 5)),
               _step("Book the line 4 slot", date(2026, 12, 10))],
        governance={"status": "draft", "review_every_days": 90, "last_review": date(2026, 9, 30)}),
        {"open_risks": 2, "pipeline_weighted": 280000})
    _version(outputs, _plan(
        text,
        targets=[{"year": 2027, "revenue": 3200000, "profit": 500000},
                 {"year": 2029, "revenue": 3800000, "share_of_wallet": 0.4}],
        opportunities=[_opportunity("OP1", "Mono-PP lidding film", 470000, 0.6, "negotiation", date(2027, 4, 30)),
                       _opportunity("OP2", "Bakery labels", 200000, 1.0, "won", date(2027, 1, 31)),
                       _opportunity("OP4", "Cartons", 90000, 0.2, "identified", date(2027, 6, 1))],
        risks=[_risk("R1", "The tender moves the bakery film to Alpha", "closed"),
               _risk("R2", "The line trial fails", "mitigated"),
               _risk("R3", "Helen Shaw leaves", "open", likelihood=0.2, impact=2)],
        steps=[_step("Agree the trial specification", date(2026, 12, 5), done=True),
               _step("Book the line 4 slot", date(2026, 12, 10)),
               _step("Send the trial report", date(2027, 1, 15))],
        governance={"status": "agreed", "review_every_days": 90, "last_review": date(2026, 11, 20),
                    "next_review": date(2027, 2, 15), "approved_by": "Priya Raman", "agreed_with": "Helen Shaw",
                    "agreed_on": date(2026, 11, 20)}),
        {"open_risks": 1, "pipeline_weighted": 300000}, as_of="2026-12-01")
    return outputs


def test_diff_reports_targets_pipeline_risks_next_steps_and_governance(plan_versions):
    lines = history.diff_lines(*history.pick(plan_versions, "northwind-foods", None, None))
    # headline figures from the manifests; 280,000 = 450,000 × 0.4 + 200,000 × 0.5
    assert "open risks: 2 → 1" in lines and "weighted pipeline: 280,000 → 300,000" in lines
    plan = lines[lines.index("target 2027 revenue: 3,000,000 → 3,200,000"):]
    assert plan == [
        "target 2027 revenue: 3,000,000 → 3,200,000",
        "target 2028 removed",
        "target 2029 added: revenue 3,800,000, share of wallet 40%",
        "opportunity OP1 proposal → negotiation: Mono-PP lidding film",
        "opportunity OP1 value: 450,000 → 470,000",
        "opportunity OP1 probability: 40% → 60%",
        "opportunity OP1 close date moved: 2027-03-31 → 2027-04-30",
        "opportunity OP2 won: Bakery labels",                      # no probability line: won counts as 1
        "opportunity OP4 added: Cartons (identified, 90,000 at 20%, close 2027-06-01)",
        "opportunity OP3 removed: Wrocław film",
        "risk R1 closed: The tender moves the bakery film to Alpha",
        "risk R2 open → mitigated: The line trial fails",
        "risk R3 added: Helen Shaw leaves (likelihood 20%, impact 2, open)",
        "next step done (P1): Agree the trial specification",
        "next step added (P1): Send the trial report — Tom Becker, due 2027-01-15",
        "plan status: draft → agreed with Helen Shaw on 2026-11-20",
        "plan reviewed: 2026-11-20 (before: 2026-09-30)",
        # before: no next_review, so the last review + 90 days: 2026-09-30 + 90 = 2026-12-29
        "next review: 2026-12-29 → 2027-02-15",
    ]


def test_diff_from_a_file_without_the_new_sections(outputs):
    text = ACCOUNT.read_text()
    old_text = _plan(text, [], [], [], [], None)  # an older file: none of the sections, no governance
    _version(outputs, old_text, {})
    _version(outputs, _plan(text, [{"year": 2027, "revenue": 3000000}],
                            [_opportunity("OP1", "Mono-PP lidding film", 450000, 0.4, "proposal", date(2027, 3, 31))],
                            [], [_step("Agree the trial specification", date(2026, 12, 5))],
                            {"status": "reviewed", "review_every_days": 60, "next_review": date(2027, 1, 20)}), {})
    lines = history.diff_lines(*history.pick(outputs, "northwind-foods", None, None))
    assert lines == [
        "target 2027 added: revenue 3,000,000",
        "opportunity OP1 added: Mono-PP lidding film (proposal, 450,000 at 40%, close 2027-03-31)",
        "next step added (P1): Agree the trial specification — Tom Becker, due 2026-12-05",
        "plan status: draft → reviewed",              # no governance reads as a draft plan
        "next review: none → 2027-01-20",
    ]


def test_cli_diff_shows_the_plan_lines(plan_versions, capsys):
    assert main(["--outputs", str(plan_versions), "diff", "northwind-foods"]) == 0
    out = capsys.readouterr().out
    assert "opportunity OP2 won: Bakery labels" in out and "plan status: draft → agreed" in out
