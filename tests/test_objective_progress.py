"""Objective progress (action_plan.objective_progress): baseline → goal, direction-aware, on track by due."""

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.method import action_plan
from kamlib.method.action_plan import ObjectiveStatus
from tests.helpers import tiny, variant

AS_OF = date(2026, 11, 24)
# tiny's first assessment is 2026-03-31 and O1 is due 2027-06-30: 456 days, of which 238 have passed
# by 2026-11-24, so elapsed = 238 / 456 = 0.5219.
ELAPSED = 238 / 456


def _account(o1=None, o2=None):
    account, _ = tiny()
    o = [x.model_dump() for x in account.joint_plan.objectives]
    if o1 is not None:
        o[0]["measure"] = o1
    if o2 is not None:
        o[1]["measure"] = o2
    return variant(account, joint_plan=dict(account.joint_plan.model_dump(), objectives=o))


def _row(account, as_of=AS_OF, id="O1"):
    return action_plan.objective_progress(account, as_of).set_index("id").loc[id]


def test_lower_is_better_progress_runs_from_baseline_to_goal():
    row = _row(_account({"baseline": 41.2, "current": 40.1, "goal": 38.7}))
    # (40.1 − 41.2) / (38.7 − 41.2) = −1.1 / −2.5 = 0.44 < 0.5219 elapsed: behind
    assert row["progress_raw"] == pytest.approx(0.44) and row["direction"] == "lower is better"
    assert row["elapsed"] == pytest.approx(ELAPSED)
    assert row["status"] == ObjectiveStatus.BEHIND and not row["on_track"]


def test_on_track_when_progress_keeps_up_with_the_time_elapsed():
    row = _row(_account({"baseline": 41.2, "current": 39.8, "goal": 38.7}))  # 1.4 / 2.5 = 0.56 ≥ 0.5219
    assert row["progress_raw"] == pytest.approx(0.56) and row["status"] == ObjectiveStatus.ON_TRACK and row["on_track"]


def test_higher_is_better_and_the_measure_is_optional():
    table = action_plan.objective_progress(_account(o2={"baseline": 0.28, "current": 0.31, "goal": 0.40}), AS_OF)
    assert list(table["id"]) == ["O2"]  # O1 has no measure
    row = table.iloc[0]
    # (0.31 − 0.28) / (0.40 − 0.28) = 0.25; O2 due 2027-12-31: 640 days from 2026-03-31, 238 passed → 0.3719
    assert row["progress_raw"] == pytest.approx(0.25) and row["direction"] == "higher is better"
    assert row["elapsed"] == pytest.approx(238 / 640) and row["status"] == ObjectiveStatus.BEHIND


def test_done_beyond_the_goal_and_raw_progress_kept_beside_the_clipped_one():
    row = _row(_account({"baseline": 41.2, "current": 38.5, "goal": 38.7}))  # 2.7 / 2.5 = 1.08
    assert row["progress_raw"] == pytest.approx(1.08) and row["progress"] == 1.0 and row["status"] == ObjectiveStatus.DONE
    wrong_way = _row(_account({"baseline": 41.2, "current": 42.0, "goal": 38.7}))  # 0.8 / −2.5 = −0.32
    assert wrong_way["progress_raw"] == pytest.approx(-0.32) and wrong_way["progress"] == 0.0


def test_overdue_when_due_has_passed_short_of_the_goal():
    account = _account({"baseline": 41.2, "current": 40.1, "goal": 38.7})
    row = _row(account, date(2027, 7, 1))
    assert row["status"] == ObjectiveStatus.OVERDUE and row["elapsed"] == 1.0
    assert _row(account, date(2027, 6, 30))["status"] == ObjectiveStatus.BEHIND  # due that day: not yet overdue


def test_a_goal_equal_to_the_baseline_leaves_progress_undefined():
    row = _row(_account({"baseline": 5, "current": 6, "goal": 5}))
    assert pd.isna(row["progress_raw"]) and row["status"] is None and row["direction"] == "hold the level"


def test_elapsed_share_edges():
    assert action_plan.elapsed_share(date(2026, 1, 1), date(2026, 1, 11), date(2026, 1, 6)) == 0.5
    assert action_plan.elapsed_share(date(2026, 1, 1), date(2026, 1, 11), date(2025, 1, 1)) == 0.0
    assert action_plan.elapsed_share(date(2026, 1, 1), date(2026, 1, 11), date(2027, 1, 1)) == 1.0
    assert action_plan.elapsed_share(date(2026, 5, 1), date(2026, 1, 1), date(2026, 1, 1)) == 1.0  # due before start
    assert action_plan.elapsed_share(date(2026, 5, 1), date(2026, 1, 1), date(2025, 12, 31)) == 0.0


@settings(deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_progress_is_clipped_and_zero_at_the_baseline_one_at_the_goal(baseline, current, goal):
    account = _account({"baseline": baseline, "current": current, "goal": goal})
    row = _row(account)
    if goal == baseline:
        assert row["status"] is None
        return
    assert 0.0 <= row["progress"] <= 1.0
    at_goal = _row(_account({"baseline": baseline, "current": goal, "goal": goal}))
    assert at_goal["progress_raw"] == pytest.approx(1.0) and at_goal["status"] == ObjectiveStatus.DONE


def test_value_delivered_is_listed_newest_first_with_its_project_and_summed_where_valued():
    account, _ = tiny()
    plan = account.joint_plan.model_dump()
    plan["value_delivered"] = [
        {"date": date(2026, 3, 31), "result": "Line trial saved 4% film", "value": 120000, "project": "P1",
         "shared": True},
        {"date": date(2026, 7, 31), "result": "Recyclability audit done", "shared": False},
        {"date": date(2026, 5, 15), "result": "Joint cost workshop", "value": 30000, "shared": True},
    ]
    account = variant(account, joint_plan=plan)
    table = action_plan.value_delivered_table(account)
    assert list(table["result"]) == ["Recyclability audit done", "Joint cost workshop", "Line trial saved 4% film"]
    assert table.loc[2, "project_title"] == account.joint_plan.projects[0].title  # P1's title
    assert pd.isna(table.loc[0, "project"]) and not table.loc[0, "shared"]
    # 120,000 + 30,000; the audit carries no value and is counted as such
    assert action_plan.value_delivered_total(account) == (150000, 1)


def test_no_value_delivered_gives_an_empty_table_and_zero():
    account, _ = tiny()
    assert action_plan.value_delivered_table(account).empty
    assert list(action_plan.value_delivered_table(account).columns) == action_plan.VALUE_COLUMNS
    assert action_plan.value_delivered_total(account) == (0, 0)
