"""The customer's view of the plan (customer_view.shared_view), worked by hand on a small plan.

The plan (planning date 2026-11-24; the first assessment, where progress is counted from, is 2026-03-31):

    objectives  O1 shared (41.2 → 38.7, now 40.1)   O2 internal   O3 shared (64 → 100, now 82)   O4 shared
    strategies  S1 internal → O2    S2 shared → O3    S3 shared → O4, O2, O1
    projects    P1 internal (S1)    P2 shared (S2, in progress)    P3 shared (S1, done)    P4 shared (S3, blocked)

The customer sees O1, O3, O4 as O1, O2, O3; S2, S3 as S1, S2; P2, P3, P4 as P1, P2, P3.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kamlib.method import customer_view
from kamlib.parameters import loader
from kamlib.parameters.model import Account, PortfolioSettings
from tests.conftest import DATA
from tests.helpers import variant

AS_OF = date(2026, 11, 24)


def example() -> tuple[Account, PortfolioSettings]:
    """The format's full example (governance, pipeline, risks, targets) and its settings."""
    folder = DATA / "format-example"
    return loader.load_account(folder, "northwind-foods", check_references=False), loader.load_settings(folder)


def joint_plan_data(base: Account) -> dict[str, Any]:
    """The hand-worked joint plan of the module docstring, as data for `variant`."""
    plan = base.joint_plan.model_dump()
    plan["objectives"] = [
        {"id": "O1", "statement": "Cut packaging cost per unit by 6%", "metric": "GBP per 1,000 packs",
         "target": "38.7", "due": date(2027, 6, 30), "shared": True,
         "measure": {"baseline": 41.2, "current": 40.1, "goal": 38.7}},
        {"id": "O2", "statement": "Internal objective", "metric": "Share", "target": "40%",
         "due": date(2027, 12, 31), "shared": False},
        {"id": "O3", "statement": "Every ready-meal pack recyclable", "metric": "% of SKUs", "target": "100%",
         "due": date(2027, 12, 31), "shared": True, "measure": {"baseline": 64, "current": 82, "goal": 100}},
        {"id": "O4", "statement": "Launch the plant-based range", "metric": "Launch week", "target": "week 14",
         "due": date(2027, 4, 5), "shared": True},
    ]
    plan["strategies"] = [
        {"id": "S1", "statement": "Internal strategy", "objectives": ["O2"], "shared": False},
        {"id": "S2", "statement": "Convert lidding to mono-PP", "objectives": ["O3"], "shared": True},
        {"id": "S3", "statement": "Down-gauge film", "objectives": ["O4", "O2", "O1"], "shared": True},
    ]
    plan["projects"] = [
        {"id": "P1", "title": "Internal project", "strategy": "S1", "owner": "Ana Costa",
         "customer_owner": "Finance director", "start": date(2026, 10, 1), "due": date(2027, 3, 31),
         "status": "planned", "shared": False, "decision_needed": "Internal decision",
         "next_steps": [{"action": "Internal step", "owner": "Ana Costa", "due": date(2026, 12, 1)}]},
        {"id": "P2", "title": "Lidding trial", "strategy": "S2", "owner": "Tom Becker", "customer_owner": "Raj Patel",
         "start": date(2026, 11, 1), "due": date(2027, 2, 28), "status": "in_progress", "shared": True,
         "decision_needed": "A downtime slot in January",
         "next_steps": [{"action": "Agree the specification", "owner": "Tom Becker", "due": date(2026, 11, 10),
                         "done": True},
                        {"action": "Release the line for trials", "owner": "Raj Patel", "due": date(2026, 12, 5)},
                        {"action": "Book the trial crew", "owner": "Tom Becker", "due": date(2026, 11, 20)}]},
        {"id": "P3", "title": "Recyclability audit", "strategy": "S1", "owner": "Priya Raman",
         "customer_owner": "Raj Patel", "start": date(2026, 4, 1), "due": date(2026, 7, 31), "status": "done",
         "shared": True, "decision_needed": "A decision already taken",
         "next_steps": [{"action": "A step of a finished project", "owner": "Priya Raman", "due": date(2026, 12, 1)}]},
        {"id": "P4", "title": "Sealing jaws", "strategy": "S3", "owner": "Tom Becker",
         "customer_owner": "Works manager (to be named)", "start": date(2026, 8, 15), "due": date(2026, 11, 1),
         "status": "blocked", "shared": True, "decision_needed": "Approve the sealing jaws",
         "next_steps": [{"action": "Cost the jaws", "owner": "Ana Costa", "due": date(2026, 11, 27)}]},
    ]
    plan["value_delivered"] = [
        {"date": date(2026, 7, 31), "result": "Audit found EPR savings", "value": 180000, "project": "P3",
         "shared": True},
        {"date": date(2026, 3, 20), "result": "Fewer line stoppages", "value": 95000, "shared": True},
        {"date": date(2026, 9, 1), "result": "A result of an internal project", "project": "P1", "shared": True},
        {"date": date(2026, 10, 15), "result": "Our own cost cut", "value": 18000, "shared": False},
    ]
    return plan


def joint_account() -> tuple[Account, PortfolioSettings]:
    """The format's example with the hand-worked joint plan and an agreed governance without a next review."""
    base, settings = example()
    governance = {"status": "agreed", "review_every_days": 90, "last_review": date(2026, 9, 30),
                  "approved_by": "Grace Whitfield", "agreed_with": "Helen Shaw", "agreed_on": date(2026, 10, 15)}
    return variant(base, joint_plan=joint_plan_data(base), governance=governance), settings


@pytest.fixture(scope="module")
def view() -> customer_view.SharedPlan:
    account, settings = joint_account()
    return customer_view.shared_view(account, settings, AS_OF)


def test_shared_items_are_renumbered_in_file_order_and_every_reference_follows(view):
    assert [(o.id, o.statement) for o in view.objectives] == [
        ("O1", "Cut packaging cost per unit by 6%"), ("O2", "Every ready-meal pack recyclable"),
        ("O3", "Launch the plant-based range")]
    # S2 serves O3 → the customer's S1 serves O2; S3 serves O4, O2 (internal), O1 → S2 serves O1, O3
    assert [(s.id, s.statement, s.objectives) for s in view.strategies] == [
        ("S1", "Convert lidding to mono-PP", ("O2",)), ("S2", "Down-gauge film", ("O1", "O3"))]
    # P2 (S2) → P1 of S1; P3 of the internal S1 → P2 with no strategy; P4 (S3) → P3 of S2
    assert [(p.id, p.title, p.strategy) for p in view.projects] == [
        ("P1", "Lidding trial", "S1"), ("P2", "Recyclability audit", None), ("P3", "Sealing jaws", "S2")]


def test_customer_ids_map_file_ids_to_the_customers():
    account, _ = joint_account()
    assert customer_view.customer_ids(account) == {
        "objectives": {"O1": "O1", "O3": "O2", "O4": "O3"}, "strategies": {"S2": "S1", "S3": "S2"},
        "projects": {"P2": "P1", "P3": "P2", "P4": "P3"}}


def test_objective_progress_comes_with_the_shared_objectives(view):
    o1, o2, o3 = view.objectives
    # O1: (40.1 − 41.2) / (38.7 − 41.2) = 0.44; 238 of 456 days gone (0.52): behind
    assert o1.progress is not None and o1.progress.share == pytest.approx(0.44) and o1.progress.status == "behind"
    assert (o1.progress.baseline, o1.progress.current, o1.progress.goal) == (41.2, 40.1, 38.7)
    # O3 (the customer's O2): (82 − 64) / (100 − 64) = 0.5; 238 of 640 days gone (0.37): on track
    assert o2.progress is not None and o2.progress.share == pytest.approx(0.5) and o2.progress.status == "on track"
    assert o3.progress is None  # no measure


def test_value_delivered_keeps_the_shared_results_and_drops_links_to_internal_projects(view):
    assert [(v.date, v.value, v.project, v.project_title) for v in view.values] == [
        (date(2026, 9, 1), None, None, None),            # its project P1 is internal: no link, no title
        (date(2026, 7, 31), 180000.0, "P2", "Recyclability audit"),
        (date(2026, 3, 20), 95000.0, None, None)]
    assert view.value_total == 275000  # 180,000 + 95,000; our own 18,000 is internal
    assert view.values_without_value == 1


def test_next_steps_are_the_pending_steps_of_open_shared_projects_with_their_side(view):
    steps = [(s.project, s.action, s.owner, s.owner_title, s.ours, s.due, s.overdue) for s in view.next_steps]
    assert steps == [
        ("P1", "Book the trial crew", "Tom Becker", "Supply chain lead", True, date(2026, 11, 20), True),
        ("P3", "Cost the jaws", "Ana Costa", "Finance business partner", True, date(2026, 11, 27), False),
        ("P1", "Release the line for trials", "Raj Patel", "Head of Packaging Technology", False,
         date(2026, 12, 5), False)]
    assert [len(p.next_steps) for p in view.projects] == [2, 0, 1]  # done steps and done projects have none


def test_decisions_needed_are_those_of_open_shared_projects_soonest_first(view):
    assert [(d.project, d.decision, d.customer_owner, d.due) for d in view.decisions] == [
        ("P3", "Approve the sealing jaws", "Works manager (to be named)", date(2026, 11, 1)),
        ("P1", "A downtime slot in January", "Raj Patel", date(2027, 2, 28))]
    assert [p.decision_needed for p in view.projects] == ["A downtime slot in January", None,
                                                           "Approve the sealing jaws"]


def test_projects_carry_both_owners_status_and_overdue(view):
    p1, p2, p3 = view.projects
    assert (p1.owner, p1.owner_role, p1.customer_owner, p1.customer_owner_title) == (
        "Tom Becker", "Supply chain lead", "Raj Patel", "Head of Packaging Technology")
    assert (p1.status_text, p1.open, p1.overdue) == ("in progress", True, False)
    assert (p2.open, p2.overdue) == (False, False)
    assert (p3.status_text, p3.overdue, p3.customer_owner_title) == ("blocked", True, "")  # due 2026-11-01


def test_governance_names_the_signatories_with_role_and_title(view):
    g = view.governance
    assert g is not None
    # no next_review written: the last review (2026-09-30) + 90 days = 2026-12-29
    assert (g.status, g.agreed, g.review_every_days, g.next_review, g.review_overdue) == (
        "agreed", True, 90, date(2026, 12, 29), False)
    assert (g.approved_by, g.approved_role, g.agreed_with, g.agreed_title, g.agreed_on) == (
        "Grace Whitfield", "Commercial director", "Helen Shaw", "Chief Procurement Officer", date(2026, 10, 15))


def test_a_plan_without_governance_has_none_and_a_strategy_serving_only_internal_objectives_serves_none():
    account, settings = joint_account()
    plan = joint_plan_data(account)
    plan["strategies"][0]["shared"] = True  # S1 serves only the internal O2
    view = customer_view.shared_view(variant(account, joint_plan=plan, governance=None), settings, AS_OF)
    assert view.governance is None
    assert [(s.id, s.objectives) for s in view.strategies][0] == ("S1", ())
    assert view.projects[1].strategy == "S1"  # the audit's strategy is shared now


def test_the_view_holds_no_internal_field():
    """The allow-list, pinned: a field added to a view class must be added here on purpose."""
    fields = {cls.__name__: set(cls.__dataclass_fields__) for cls in (
        customer_view.SharedPlan, customer_view.SharedObjective, customer_view.SharedProgress,
        customer_view.SharedStrategy, customer_view.SharedProject, customer_view.SharedStep,
        customer_view.SharedValue, customer_view.SharedDecision, customer_view.RelationshipPair,
        customer_view.SharedGovernance)}
    assert fields == {
        "SharedPlan": {"customer", "supplier", "as_of", "vision", "mission", "objectives", "strategies", "projects",
                       "pairs", "currency", "values", "decisions", "governance"},
        "SharedObjective": {"id", "statement", "metric", "target", "due", "progress"},
        "SharedProgress": {"baseline", "current", "goal", "share", "status"},
        "SharedStrategy": {"id", "statement", "objectives"},
        "SharedProject": {"id", "title", "strategy", "owner", "owner_role", "customer_owner", "start", "due",
                          "status", "overdue", "customer_owner_title", "next_steps", "decision_needed"},
        "SharedStep": {"project", "action", "owner", "owner_title", "ours", "due", "overdue"},
        "SharedValue": {"date", "result", "value", "project", "project_title"},
        "SharedDecision": {"project", "project_title", "decision", "customer_owner", "due"},
        "RelationshipPair": {"customer_name", "customer_title", "our_name", "our_role"},
        "SharedGovernance": {"status", "agreed", "review_every_days", "next_review", "review_overdue",
                             "approved_by", "approved_role", "agreed_with", "agreed_title", "agreed_on"},
    }
