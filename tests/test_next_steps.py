"""Next steps: overdue, due in the next 30 and 90 days, by owner on each side; decisions needed."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.method import next_steps
from kamlib.method.next_steps import Side
from tests.helpers import tiny, variant

AS_OF = date(2026, 11, 24)


def _step(action, owner, due, done=False):
    return {"action": action, "owner": owner, "due": due, "done": done}


def _account():
    """tiny's P1 (in progress) and P2 (planned) with next steps, and a done P3 whose steps no longer count."""
    account, _ = tiny()
    p1, p2 = (p.model_dump() for p in account.joint_plan.projects)
    p1.update(decision_needed="Line 4 downtime slot", next_steps=[
        _step("a", "Tom Becker", date(2026, 11, 20)),               # ours, 4 days late: overdue
        _step("b", "Raj Patel", date(2026, 12, 5)),                 # theirs, in 11 days
        _step("c", "Tom Becker", date(2026, 11, 10), done=True),    # done: never overdue
        _step("d", "Raj Patel", date(2027, 2, 1))])                 # theirs, in 69 days
    p2.update(decision_needed="Name the finance director", next_steps=[
        _step("e", "Ana Costa", date(2026, 11, 24)),                # due today: due, not overdue
        _step("f", "Helen Shaw", date(2026, 10, 1))])               # theirs, 54 days late
    p3 = dict(p1, id="P3", status="done", decision_needed="Sign the report",
              next_steps=[_step("g", "Priya Raman", date(2026, 1, 1))])
    return variant(account, joint_plan=dict(account.joint_plan.model_dump(), projects=[p1, p2, p3]))


def test_table_lists_steps_of_open_projects_soonest_first_with_side_and_days():
    table = next_steps.next_steps_table(_account(), AS_OF)
    assert list(table["action"]) == ["f", "c", "a", "e", "b", "d"]  # g: its project is done
    assert list(table["side"]) == [Side.CUSTOMER, Side.OURS, Side.OURS, Side.OURS, Side.CUSTOMER, Side.CUSTOMER]
    assert list(table["days"]) == [-54, -14, -4, 0, 11, 69]


def test_overdue_steps_are_not_done_due_before_the_planning_date_of_open_projects():
    overdue = next_steps.overdue_table(_account(), AS_OF)
    assert list(overdue["action"]) == ["f", "a"]
    assert list(next_steps.overdue_table(tiny()[0], AS_OF)["action"]) == []


def test_due_in_the_next_30_and_90_days():
    assert list(next_steps.due_within(_account(), AS_OF, 30)["action"]) == ["e", "b"]
    assert list(next_steps.due_within(_account(), AS_OF, 90)["action"]) == ["e", "b", "d"]


def test_by_owner_on_each_side_ours_first_most_overdue_first():
    table = next_steps.by_owner(_account(), AS_OF)
    rows = [tuple(r) for r in table[["side", "owner", "open", "overdue", "due_in_30_days", "due_in_90_days"]]
            .itertuples(index=False)]
    assert rows == [("ours", "Tom Becker", 1, 1, 0, 0), ("ours", "Ana Costa", 1, 0, 1, 1),
                    ("customer", "Helen Shaw", 1, 1, 0, 0), ("customer", "Raj Patel", 2, 0, 1, 2)]
    assert next_steps.by_owner(tiny()[0], AS_OF).empty


def test_side_is_ours_for_the_team_the_customers_for_contacts():
    account = _account()
    assert next_steps.side(account, "Priya Raman") is Side.OURS
    assert next_steps.side(account, "Helen Shaw") is Side.CUSTOMER
    assert next_steps.side(account, "Nobody") is Side.UNKNOWN


def test_decisions_needed_come_from_open_projects_soonest_due_first():
    table = next_steps.decisions_needed(_account())
    assert list(table["project"]) == ["P1", "P2"]  # P3 is done
    assert list(table["decision"]) == ["Line 4 downtime slot", "Name the finance director"]
    assert table.iloc[0]["customer_owner"] == "Raj Patel"
    assert next_steps.decisions_needed(tiny()[0]).empty


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(-120, 200), st.booleans(), st.sampled_from(["Tom Becker", "Raj Patel"])),
                max_size=10))
def test_a_pending_step_is_overdue_or_due_within_the_window_never_both(drawn):
    account, _ = tiny()
    p1 = account.joint_plan.projects[0].model_dump()
    p1["next_steps"] = [_step(f"s{i}", owner, AS_OF + timedelta(days=days), done)
                        for i, (days, done, owner) in enumerate(drawn)]
    account = variant(account, joint_plan=dict(account.joint_plan.model_dump(), projects=[p1]))
    overdue = set(next_steps.overdue_table(account, AS_OF)["action"])
    soon = set(next_steps.due_within(account, AS_OF, 30)["action"])
    later = set(next_steps.due_within(account, AS_OF, 90)["action"])
    assert not overdue & later and soon <= later
    assert overdue == {f"s{i}" for i, (days, done, _) in enumerate(drawn) if not done and days < 0}
    owners = next_steps.by_owner(account, AS_OF)
    assert owners["open"].sum() == sum(1 for _, done, _ in drawn if not done)
    assert owners["overdue"].sum() == len(overdue)
