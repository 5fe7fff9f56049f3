"""The team's memory (insights and decisions on resources) and accounts not filled in yet.

The small cases are the tiny account (team: Priya Raman sales, Tom Becker operations, Ana Costa
finance; contacts Helen Shaw and Raj Patel; assessments 2026-03-31 develop and 2026-09-30
key account; planning date 2026-11-24, so the 180-day window opens after 2026-05-28), with
insights, decisions and a third assessment added by hand.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kamlib.method import findings, memory, portfolio
from kamlib.parameters import loader, rules, scaffold
from kamlib.parameters.model import Account
from kamlib.publishing import history
from tests.helpers import tiny, variant
from tests.test_cli import kam

AS_OF = date(2026, 11, 24)


def insight(day: str, source: str, kind: str, text: str, contact: str | None = None, by: str | None = None) -> dict:
    return {"date": date.fromisoformat(day), "source": source, "kind": kind, "insight": text, "contact": contact,
            "by": by}


INSIGHTS = [
    insight("2026-05-29", "sales", "rumour", "Older word from Helen", "Helen Shaw"),   # first day in the window
    insight("2026-11-24", "sales", "said", "Helen wants total cost per pack", "Helen Shaw", "Priya Raman"),  # as_of
    insight("2026-05-28", "finance", "data", "Half-year margin down 3 points"),       # 180 days before: outside
    insight("2026-11-25", "operations", "observed", "Not known yet", "Raj Patel"),    # after the planning date
    insight("2026-10-01", "executive", "observed", "Board wants less waste", "Raj Patel"),  # not a team function
]


def with_memory(insights: list[dict] | None = None, decisions: list[dict] | None = None,
                fall: bool = False) -> tuple[Account, Any]:
    """The tiny account with these insights and decisions; `fall`: a third assessment on
    2026-11-01 scoring every attribute 2 (customer 2.0 → maintain: the class falls from key account)."""
    account, settings = tiny()
    data = account.model_dump()
    data["insights"] = insights or []
    data["governance"] = {"status": "reviewed", "review_every_days": 90, "decisions": decisions or []}
    if fall:
        data["scorecard"].append({"date": date(2026, 11, 1), "evidence": "Went quiet after the tender notice.",
                                  "customer": dict.fromkeys(data["scorecard"][0]["customer"], 2),
                                  "supplier": dict.fromkeys(data["scorecard"][0]["supplier"], 2)})
    return Account.model_validate(data, strict=False), settings


def decision(day: str, by: list[str], resources: str | None, text: str = "A decision") -> dict:
    return {"date": date.fromisoformat(day), "decision": text, "decided_by": by, "why": "Because", "resources": resources}


# --- insights -----------------------------------------------------------------------------------

def test_coverage_counts_the_window_by_function_and_kind_team_functions_first():
    account, _ = with_memory(INSIGHTS)
    table = memory.coverage(account, AS_OF)
    # in the window: 2026-05-29 sales rumour, 2026-11-24 sales said, 2026-10-01 executive observed;
    # 2026-05-28 (exactly 180 days) and 2026-11-25 (after the planning date) are not counted
    assert list(table.index) == ["sales", "operations", "finance", "executive"]
    assert table.loc["sales"].to_dict() == {"said": 1, "observed": 0, "data": 0, "rumour": 1, "total": 2}
    assert table.loc["operations", "total"] == 0 and table.loc["finance", "total"] == 0
    assert table.loc["executive"].to_dict() == {"said": 0, "observed": 1, "data": 0, "rumour": 0, "total": 1}
    assert table["total"].sum() == 3


def test_silent_functions_are_the_teams_with_no_insight_in_the_window_with_their_last():
    account, _ = with_memory(INSIGHTS)
    silent = memory.silent_functions(account, AS_OF)
    assert silent == [memory.Silent("operations", ("Tom Becker",), None),          # its only one is after as_of
                      memory.Silent("finance", ("Ana Costa",), date(2026, 5, 28))]  # just outside the window
    # a later planning date moves the window: on 2026-11-25 operations has spoken
    later = memory.silent_functions(account, date(2026, 11, 25))
    assert [s.function for s in later] == ["finance"]


def test_the_log_and_the_newest_insight_per_contact_end_at_the_planning_date():
    account, _ = with_memory(INSIGHTS)
    log = memory.insights_table(account, AS_OF)
    assert [str(d) for d in log["date"]] == ["2026-11-24", "2026-10-01", "2026-05-29", "2026-05-28"]
    newest = memory.newest_per_contact(account, AS_OF)
    assert newest[["contact", "insight"]].values.tolist() == [
        ["Helen Shaw", "Helen wants total cost per pack"], ["Raj Patel", "Board wants less waste"]]


def test_insight_findings_name_silent_functions_rumour_and_what_was_heard():
    account, _ = with_memory(INSIGHTS)
    found = findings.insight_findings(account, AS_OF)
    assert found[0].text == ("Operations (Tom Becker) and finance (Ana Costa) have told us nothing about this customer "
                             "in the last 180 days: ask what they see there; a team beyond sales hears what sales "
                             "does not.")
    assert found[0].evidence == "never from operations; the last from finance 2026-05-28"
    assert found[0].priority == findings.PLAN + 4
    assert found[-1].text.startswith("3 insights in the last 180 days, from sales and executive; the newest "
                                     "(2026-11-24, sales): “Helen wants total cost per pack”")
    assert not any("rumour" in f.text for f in found)  # 1 of 3 is rumour: not most
    rumours = [insight("2026-11-01", s, "rumour", f"Heard {s}") for s in ("sales", "operations", "finance")]
    found = findings.insight_findings(with_memory(rumours + INSIGHTS[1:2])[0], AS_OF)
    assert [f.text for f in found if "rumour" in f.text] == [
        "3 of the last 180 days' 4 insights are rumour: confirm them before the plan rests on them."]
    assert not any("told us nothing" in f.text for f in found)  # every team function spoke


def test_no_insight_at_all_is_one_finding_and_plan_findings_carry_it():
    account, settings = with_memory([])
    found = findings.insight_findings(account, AS_OF)
    assert len(found) == 1 and found[0].text.startswith("No insight is recorded")
    assert found[0] in findings.plan_findings(account, settings, AS_OF, limit=None)


# --- decisions on resources ---------------------------------------------------------------------

DECISIONS = [
    decision("2026-10-01", ["Priya Raman"], "added", "Second engineer"),        # one person; class just rose
    decision("2026-04-01", ["Priya Raman", "Ana Costa"], "withdrawn", "Fewer visits"),  # one assessment by then
    decision("2026-11-15", ["Priya Raman", "Tom Becker"], "added", "Extra trials"),  # the class fell on 11-01
    decision("2026-11-10", ["Priya Raman", "Ana Costa"], "withdrawn", "Cut the studio"),  # fits the fall
    decision("2026-10-05", ["Priya Raman", "Ana Costa"], None, "Review in Q1"),  # says nothing on resources
    decision("2026-12-01", ["Priya Raman"], "added", "Not yet taken"),            # after the planning date
]


def test_decisions_come_oldest_first_with_the_class_then_and_the_methods_flags():
    account, settings = with_memory(decisions=DECISIONS, fall=True)
    checks = memory.decision_checks(account, settings, AS_OF)
    assert [(c.decision.decision, c.too_few, c.against_class) for c in checks] == [
        ("Fewer visits", False, False), ("Second engineer", True, False), ("Review in Q1", False, False),
        ("Cut the studio", False, False), ("Extra trials", False, True)]
    assert checks[0].move is None                      # only the 2026-03-31 assessment by 2026-04-01
    assert checks[1].move == memory.ClassMove("develop", "key_account", memory.UP, date(2026, 9, 30))
    assert checks[4].move == memory.ClassMove("key_account", "maintain", memory.DOWN, date(2026, 11, 1))
    table = memory.decisions_table(account, settings, AS_OF)
    assert table["class_then"].tolist() == [None, "key account (up from develop)", "key account (up from develop)",
                                            "maintain (down from key account)", "maintain (down from key account)"]
    assert table["check"].tolist() == [None, "taken by one person: the team decides resources", None, None,
                                       "resources added while the class fell: discuss"]


def test_withdrawing_while_the_class_rose_is_flagged_too():
    account, settings = with_memory(decisions=[decision("2026-10-10", ["Priya Raman", "Tom Becker"], "withdrawn")])
    (check,) = memory.decision_checks(account, settings, AS_OF)
    assert check.against_class and check.move is not None and check.move.direction == memory.UP


def test_decision_findings_quote_the_decision_and_who_took_it():
    account, settings = with_memory(decisions=DECISIONS, fall=True)
    texts = [f.text for f in findings.decision_findings(account, settings, AS_OF)]
    assert texts == [
        "On 2026-11-15 resources were added (“Extra trials”) while the class fell from key account to maintain: "
        "discuss whether it fits the class, the strategy and the customer's responsiveness.",
        "The decision of 2026-10-01, “Second engineer”, was taken by Priya Raman alone: resources are the account "
        "team's decision, not one manager's; confirm it with the team at the next review."]


def test_a_class_that_moved_with_no_decision_since_asks_the_team_to_decide():
    account, settings = with_memory(decisions=DECISIONS[:2])  # both before the 2026-09-30 rise... one after it
    texts = [f.text for f in findings.decision_findings(account, settings, AS_OF)]
    assert not any("no decision on resources is recorded since" in t for t in texts)  # 2026-10-01 came after
    account, settings = with_memory(decisions=DECISIONS[1:2])
    (found,) = findings.decision_findings(account, settings, AS_OF)
    assert found.text == ("The class moved up from develop to key account on 2026-09-30 and no decision on resources "
                          "is recorded since: the team should decide what the account gets now (governance, "
                          "decisions).")
    assert found.priority == findings.PLAN + 8 and found in findings.scorecard_findings(account, settings, AS_OF,
                                                                                        limit=None)


def test_kam_diff_lines_report_new_decisions_and_insights_and_removed_ones():
    before, _ = with_memory(INSIGHTS[:1], DECISIONS[:1])
    after, _ = with_memory(INSIGHTS[:2], DECISIONS[1:3])
    assert history.plan_lines(before, after)[-5:] == [
        "decision on resources (2026-04-01, by Priya Raman, Ana Costa): Fewer visits",
        "decision on resources (2026-11-15, by Priya Raman, Tom Becker): Extra trials",
        "1 decision removed or edited",
        "insight (2026-11-24, sales, said): Helen wants total cost per pack"]


# --- not filled in ------------------------------------------------------------------------------

def test_every_value_marked_todo_in_the_template_is_found_keys_included(tmp_path: Path):
    path = scaffold.write_account_template(tmp_path, "acme-industrial")
    account = loader.load_account(tmp_path, "acme-industrial")
    marks = rules.todo_marks(account)
    values = [line for line in path.read_text().splitlines() if "TODO" in line and not line.lstrip().startswith("#")]
    assert len(marks) == len(values) == 17
    # a key marked TODO (a whitespace cell's offering) counts as well
    whitespace = {"offerings": ["TODO offering A", "Labels"],
                  "units": [{"unit": "Bakery", "cells": {"TODO offering A": "won", "Labels": "open"}}]}
    marked = variant(account, whitespace=whitespace)
    extra = [loc for loc, _ in rules.todo_marks(marked) if loc[0] == "whitespace"]
    assert extra == [("whitespace", "offerings", 0), ("whitespace", "units", 0, "cells", "TODO offering A")]
    assert rules.todo_marks(tiny()[0]) == []


def test_filled_in_portfolio_leaves_out_the_marked_accounts_and_says_which(tiny_params: Path):
    scaffold.write_account_template(tiny_params, "acme-industrial")
    whole = loader.load_portfolio(tiny_params)
    assert sorted(whole.accounts) == ["acme-industrial", "northwind-foods"]   # imports still see it
    kept = whole.filled_in()
    assert list(kept.accounts) == ["northwind-foods"] and kept.left_out == {"acme-industrial": 17}
    assert portfolio.left_out(kept) == "acme-industrial (17 values marked TODO)"
    assert portfolio.summary(kept, AS_OF).left_out == "acme-industrial (17 values marked TODO)"
    assert portfolio.left_out(whole) is None


def test_validate_warns_once_per_todo_value_with_its_line_and_exits_0(tiny_params: Path):
    workdir = tiny_params.parent
    made = kam("new", "acme-industrial", cwd=workdir)
    assert "not filled in" in made.stdout and "publish no plan" in made.stdout
    checked = kam("validate", cwd=workdir)
    assert checked.returncode == 0 and "ok: 3 files valid; 17 warnings" in checked.stdout
    lines = (tiny_params / "accounts" / "acme-industrial.yaml").read_text().splitlines()
    warnings = [w for w in checked.stderr.splitlines() if "still marked TODO" in w]
    assert len(warnings) == 17
    for w in warnings:
        line = int(re.match(r"parameters/accounts/acme-industrial\.yaml:(\d+): warning: ", w).group(1))
        assert "TODO" in lines[line - 1], w
    assert "parameters/accounts/acme-industrial.yaml:8: warning: name: still marked TODO: 'TODO Customer name'" \
        in checked.stderr


def test_run_refuses_an_account_not_filled_in_before_touching_outputs(tiny_params: Path):
    workdir = tiny_params.parent
    kam("new", "acme-industrial", cwd=workdir)
    run = kam("run", "acme-industrial", cwd=workdir)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "[1/1] acme-industrial: not filled in (17 values marked TODO)" in run.stdout
    assert not (workdir / "outputs").exists()


@pytest.mark.slow
def test_batch_publishes_the_others_lists_it_and_the_overview_leaves_it_out(tiny_params: Path):
    from tests.conftest import write_notebooks

    workdir = tiny_params.parent
    kam("new", "acme-industrial", cwd=workdir)
    notebooks = write_notebooks(workdir / "nb")
    shutil.copy(Path(__file__).resolve().parents[1] / "notebooks" / "00_portfolio_overview.ipynb", notebooks)
    batch = kam("--notebooks", str(notebooks), "batch", cwd=workdir)
    assert batch.returncode == 1, batch.stderr
    assert re.search(r"acme-industrial +not filled in \(17 values marked TODO\)", batch.stdout)
    assert "2 accounts: 1 ok, 0 failed, 1 not filled in" in batch.stdout
    assert not (workdir / "outputs" / "acme-industrial").exists()
    assert (workdir / "outputs" / "northwind-foods" / "v0001").is_dir()
    report = (workdir / "outputs" / "portfolio" / "v0001" / "portfolio.html").read_text()
    assert "Left out of this report, not filled in yet: acme-industrial (17 values marked TODO)" in report
    assert "TODO Customer name" not in report


def test_with_no_account_filled_in_there_is_no_overview_to_publish(tmp_path: Path, capsys: pytest.CaptureFixture):
    from kamlib import cli

    params, outputs = tmp_path / "parameters", tmp_path / "outputs"
    params.mkdir()
    shutil.copy(Path(__file__).resolve().parent / "data" / "tiny" / "portfolio.yaml", params)
    scaffold.write_account_template(params, "acme-industrial")
    assert cli.main(["--params", str(params), "--outputs", str(outputs), "batch"]) == 1
    out = capsys.readouterr().out
    assert "1 account: 0 ok, 0 failed, 1 not filled in" in out
    assert ("portfolio overview: nothing to publish: no account is filled in yet (17 values marked TODO in 1 account "
            "file)") in out
    assert not (outputs / "portfolio").exists() and not (outputs / "acme-industrial").exists()
    assert cli.main(["--params", str(params), "--outputs", str(tmp_path / "elsewhere"), "portfolio"]) == 1
    assert "nothing to publish" in capsys.readouterr().err and not (tmp_path / "elsewhere").exists()


def test_across_accounts_puts_the_blind_spots_first_and_counts_flagged_decisions():
    quiet, settings = with_memory()
    heard, _ = with_memory(INSIGHTS, DECISIONS, fall=True)
    whole = loader.Portfolio(settings, {"b-heard": heard.model_copy(update={"id": "b-heard"}),
                                        "a-quiet": quiet.model_copy(update={"id": "a-quiet"})})
    table = memory.across_accounts(whole, AS_OF)
    assert table["account"].tolist() == ["a-quiet", "b-heard"]
    assert table.iloc[0][["insights", "silent_functions", "newest_insight", "decisions"]].tolist() == [
        0, "sales, operations, finance", None, 0]
    # heard: 3 insights in the window; operations and finance silent; 5 decisions up to as_of, 2 flagged
    assert table.iloc[1][["insights", "silent_functions", "newest_insight", "decisions", "decisions_flagged"]].tolist() \
        == [3, "operations, finance", date(2026, 11, 24), 5, 2]
