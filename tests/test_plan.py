"""The joint plan: overdue projects, gaps, traceability, stale contacts and plan health."""

from datetime import date

from kamlib.method import action_plan
from tests.helpers import tiny, variant

AS_OF = date(2026, 11, 24)


def _projects(account, **by_id):
    """The account's projects with some fields replaced, keyed by project id."""
    out = []
    for p in account.joint_plan.projects:
        out.append(dict(p.model_dump(), **by_id.get(p.id, {})))
    return out


def _with_plan(account, **plan_changes):
    return variant(account, joint_plan=dict(account.joint_plan.model_dump(), **plan_changes))


def test_no_project_is_overdue_before_its_due_date():
    account, _ = tiny()
    assert action_plan.overdue_projects(account, AS_OF) == []


def test_open_projects_past_due_are_overdue_done_and_cancelled_are_not():
    account, _ = tiny()
    assert action_plan.overdue_projects(account, date(2027, 3, 1)) == ["P1"]  # due 2027-02-28, in progress
    assert action_plan.overdue_projects(account, date(2027, 4, 1)) == ["P1", "P2"]
    done = _with_plan(account, projects=_projects(account, P1={"status": "done"}, P2={"status": "cancelled"}))
    assert action_plan.overdue_projects(done, date(2027, 4, 1)) == []
    blocked = _with_plan(account, projects=_projects(account, P1={"status": "blocked"}))
    assert action_plan.overdue_projects(blocked, date(2027, 3, 1)) == ["P1"]
    # due on the planning date itself is not yet overdue
    assert action_plan.overdue_projects(account, date(2027, 2, 28)) == []


def test_plan_gaps_find_objectives_without_strategy_and_strategies_without_project():
    account, _ = tiny()
    assert action_plan.plan_gaps(account) == ([], [])
    data = account.joint_plan.model_dump()
    data["objectives"].append(dict(data["objectives"][0], id="O3"))
    data["strategies"].append({"id": "S3", "statement": "x", "objectives": ["O1"], "shared": False})
    gappy = variant(account, joint_plan=data)
    assert action_plan.plan_gaps(gappy) == (["O3"], ["S3"])


def test_traceability_has_one_row_per_link_and_rows_for_gaps():
    account, _ = tiny()
    table = action_plan.traceability_table(account, AS_OF)
    # O1 -> S1 -> P1, O1 -> S2 -> P2, O2 -> S2 -> P2
    assert list(zip(table["objective"], table["strategy"], table["project"])) == [
        ("O1", "S1", "P1"), ("O1", "S2", "P2"), ("O2", "S2", "P2")]


def test_stale_contacts_are_those_untouched_for_over_90_days():
    account, _ = tiny()
    assert action_plan.stale_contacts(account, AS_OF) == []
    # Helen Shaw last contacted 2026-10-02: 91 days later is 2027-01-01
    assert action_plan.stale_contacts(account, date(2026, 12, 31)) == []
    assert action_plan.stale_contacts(account, date(2027, 1, 1)) == ["Helen Shaw"]


def test_plan_health_of_the_example_loses_coverage_only():
    account, _ = tiny()
    health = action_plan.plan_health(account, AS_OF)
    # contacts cover procurement and product development: only 1 of the 3 paired functions (−10);
    # P2's customer owner is "Finance director (to be named)", but P2 is internal (shared: false): no deduction
    assert health.score == 90
    assert [points for points, _ in health.deductions] == [10]
    shared = _with_plan(account, projects=_projects(account, P2={"shared": True}))
    health = action_plan.plan_health(shared, AS_OF)
    assert health.score == 85 and "P2" in health.deductions[1][1]  # a shared project needs a customer owner: −5


def test_plan_health_deductions_add_up_and_are_capped():
    account, _ = tiny()
    as_of = date(2027, 6, 1)
    health = action_plan.plan_health(account, as_of)
    # stale assessment (244 days) −15, two overdue −20, coverage −10, two contacts stale −4
    # (P2's unnamed owner costs nothing: P2 is internal)
    assert sorted(p for p, _ in health.deductions) == [4, 10, 15, 20]
    assert health.score == 100 - 49
    thin = variant(account, relationships=[])
    reasons = " | ".join(r for _, r in action_plan.plan_health(thin, AS_OF).deductions)
    assert "no executive-level contact" in reasons and "no decision maker" in reasons


def _steps(*rows):
    return [{"action": a, "owner": o, "due": d, "done": done} for a, o, d, done in rows]


def _busy(account):
    """P1 (in progress) with four next steps, two of them overdue at AS_OF; P2 cancelled with one
    step past due (a cancelled project's steps are not live)."""
    return _with_plan(account, projects=_projects(account, P1={"next_steps": _steps(
        ("Send the trial spec", "Tom Becker", date(2026, 11, 1), False),
        ("Agree the KPIs", "Tom Becker", date(2026, 10, 1), True),
        ("Book line time", "Raj Patel", date(2026, 11, 20), False),
        ("Review the results", "Raj Patel", date(2026, 12, 15), False))},
        P2={"status": "cancelled", "next_steps": _steps(("Invite finance", "Ana Costa", date(2026, 11, 2), False))}))


def test_overdue_next_steps_are_open_past_due_steps_of_live_projects():
    account, _ = tiny()
    assert action_plan.overdue_next_steps(account, AS_OF) == []
    busy = _busy(account)
    # not done and due before 2026-11-24, of a project neither done nor cancelled; oldest first
    assert [(p, s.action) for p, s in action_plan.overdue_next_steps(busy, AS_OF)] == [
        ("P1", "Send the trial spec"), ("P1", "Book line time")]
    # due on the planning date itself is not yet overdue
    assert [s.action for _, s in action_plan.overdue_next_steps(busy, date(2026, 11, 20))] == ["Send the trial spec"]
    blocked = _with_plan(busy, projects=_projects(busy, P1={"status": "blocked"}))
    assert len(action_plan.overdue_next_steps(blocked, AS_OF)) == 2  # a blocked project is still live
    done = _with_plan(busy, projects=_projects(busy, P1={"status": "done"}))
    assert action_plan.overdue_next_steps(done, AS_OF) == []


def test_plan_health_counts_blocked_projects_and_overdue_next_steps():
    account, _ = tiny()
    busy = _with_plan(_busy(account), projects=_projects(_busy(account), P1={"status": "blocked"}))
    health = action_plan.plan_health(busy, AS_OF)
    # coverage −10; P1 blocked −5; two overdue next steps −3 each = −6: 100 − 21 = 79
    assert health.score == 79
    assert [p for p, _ in health.deductions] == [10, 6, 5]
    assert "2 overdue next steps" in health.deductions[1][1] and "Send the trial spec" in health.deductions[1][1]
    assert health.deductions[2][1] == "1 blocked project: P1"


def test_blocked_and_overdue_step_deductions_are_capped_at_15():
    account, _ = tiny()
    steps = _steps(*[(f"Step {i}", "Tom Becker", date(2026, 11, i), False) for i in range(1, 8)])  # 7 overdue
    projects = [dict(p, id=f"P{i}", status="blocked", shared=True, customer_owner="Raj Patel", next_steps=steps)
                for i, p in enumerate(_projects(account, P1={}) * 2, start=1)]  # 4 blocked projects, 28 steps
    health = action_plan.plan_health(_with_plan(account, projects=projects), AS_OF)
    # coverage −10, 4 blocked −20 → −15, 28 overdue steps −84 → −15: 100 − 40 = 60
    assert health.score == 60
    assert sorted(p for p, _ in health.deductions) == [10, 15, 15]


def test_plan_health_without_any_assessment_before_the_date():
    account, _ = tiny()
    health = action_plan.plan_health(account, date(2026, 1, 1))
    assert (25, "no scorecard assessment on or before the planning date") in health.deductions


def test_projects_table_marks_overdue():
    account, _ = tiny()
    table = action_plan.projects_table(account, date(2027, 3, 1))
    assert list(table["overdue"]) == [True, False]
    assert list(table["customer_owner"]) == ["Raj Patel", "Finance director (to be named)"]


def test_placeholder_customer_owners_are_flagged_only_on_open_shared_projects():
    account, _ = tiny()
    # P2 ("Finance director (to be named)") is internal: nobody at the customer owns an internal project
    assert action_plan.missing_customer_owner(account) == []
    account = _with_plan(account, projects=_projects(account, P2={"shared": True}))
    assert action_plan.missing_customer_owner(account) == ["P2"]
    named = _with_plan(account, projects=_projects(account, P2={"customer_owner": "Grace Lin"},
                                                   P1={"customer_owner": "TBD"}))
    assert action_plan.missing_customer_owner(named) == ["P1"]
    done = _with_plan(account, projects=_projects(account, P2={"status": "done"}))
    assert action_plan.missing_customer_owner(done) == []
    for placeholder in ("?", "n/a", "To be confirmed", "vacant"):
        odd = _with_plan(account, projects=_projects(account, P1={"customer_owner": placeholder}))
        assert "P1" in action_plan.missing_customer_owner(odd), placeholder
    # a real name containing "na" or "none" inside a word is not a placeholder
    real = _with_plan(account, projects=_projects(account, P1={"customer_owner": "Nanna Noneman"},
                                                  P2={"customer_owner": "Anna Smith"}))
    assert action_plan.missing_customer_owner(real) == []


def test_coverage_matrix_pairs_our_owner_function_with_theirs():
    account, _ = tiny()
    matrix = action_plan.coverage_matrix(account)
    # Helen Shaw (procurement) is owned by Priya (sales); Raj Patel (product development) by Tom (operations)
    assert matrix.loc["sales", "procurement"] == 1
    assert matrix.loc["operations", "product_development"] == 1
    assert int(matrix.to_numpy().sum()) == 2
    assert action_plan.coverage_matrix(variant(account, relationships=[])).empty


def test_key_players_check():
    account, _ = tiny()
    checks = action_plan.key_players(account).set_index("check")
    assert checks["met"].all()
    assert checks.loc["decision maker identified", "who"] == "Helen Shaw"
    assert checks.loc["sponsor or champion (attitude +2)", "who"] == "Raj Patel"
    none = action_plan.key_players(variant(account, relationships=[]))
    assert not none["met"].any()


def test_contacts_table_counts_days_since_contact():
    account, _ = tiny()
    table = action_plan.contacts_table(account, AS_OF).set_index("name")
    assert table.loc["Helen Shaw", "days_since_contact"] == 53  # 2026-10-02 → 2026-11-24
    assert table.loc["Raj Patel", "days_since_contact"] == 14
    assert table.loc["Raj Patel", "buying_role"] == ""


def test_objectives_and_strategies_tables_by_hand():
    account, _ = tiny()
    objectives = action_plan.objectives_table(account)
    assert objectives[["id", "shared"]].values.tolist() == [["O1", True], ["O2", False]]
    assert objectives.loc[0, "target"] == "6% below the 2025 baseline"
    strategies = action_plan.strategies_table(account)
    # S1 serves O1 and carries P1; S2 serves O1 and O2 and carries P2
    assert strategies.values.tolist() == [
        ["S1", "Down-gauge film on the three highest-volume lines", "O1", 1, True],
        ["S2", "Pair our operations and finance with theirs, not only sales with purchasing", "O1, O2", 1, False]]
