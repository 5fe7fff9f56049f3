"""Governance: plan status, review due and overdue, sign-off."""

from datetime import date

from kamlib.method import governance
from tests.helpers import tiny, variant

AS_OF = date(2026, 11, 24)


def _account(**fields):
    account, _ = tiny()
    return variant(account, governance={"status": "reviewed", "review_every_days": 90, **fields})


def test_without_governance_the_plan_is_a_draft_with_no_review_due():
    account, _ = tiny()
    assert governance.plan_status(account) == "draft"
    assert governance.review_due(account) is None and governance.review_overdue(account, AS_OF) is False
    g = governance.plan_governance(account, AS_OF)
    assert (g.review_every_days, g.days_to_review, g.approved, g.agreed) == (None, None, False, False)


def test_review_due_is_next_review_else_last_review_plus_the_cadence():
    both = _account(last_review=date(2026, 9, 30), next_review=date(2026, 12, 15))
    assert governance.review_due(both) == date(2026, 12, 15)
    last_only = _account(last_review=date(2026, 8, 1))  # 2026-08-01 + 90 days = 2026-10-30
    assert governance.review_due(last_only) == date(2026, 10, 30)
    assert governance.review_due(_account()) is None  # a cadence, but nothing to count from


def test_review_is_overdue_when_due_before_the_planning_date():
    last_only = _account(last_review=date(2026, 8, 1))
    assert governance.review_overdue(last_only, AS_OF) is True
    assert governance.review_overdue(last_only, date(2026, 10, 30)) is False  # due that day
    assert governance.plan_governance(last_only, AS_OF).days_to_review == -25  # 2026-10-30 − 2026-11-24
    assert governance.review_overdue(_account(), AS_OF) is False


def test_sign_off_needs_status_agreed_with_its_date():
    agreed = _account(status="agreed", agreed_on=date(2026, 10, 15), agreed_with="Helen Shaw", approved_by="Priya Raman")
    g = governance.plan_governance(agreed, AS_OF)
    assert (g.status, g.approved, g.agreed, g.agreed_with) == ("agreed", True, True, "Helen Shaw")
    assert governance.plan_governance(_account(approved_by="Priya Raman"), AS_OF).agreed is False


def test_governance_table_reads_in_words():
    account = _account(last_review=date(2026, 9, 30), next_review=date(2026, 11, 25), approved_by="Priya Raman")
    rows = dict(governance.governance_table(account, AS_OF).values.tolist())
    assert rows["plan status"] == "reviewed" and rows["review cadence"] == "every 90 days"
    assert rows["review due"] == "2026-11-25 (in 1 day)" and rows["last review"] == "2026-09-30"
    assert rows["agreed on"] is None
    late = dict(governance.governance_table(_account(last_review=date(2026, 8, 1)), AS_OF).values.tolist())
    assert late["review due"] == "2026-10-30 (overdue by 25 days)"
    draft = dict(governance.governance_table(tiny()[0], AS_OF).values.tolist())
    assert draft["plan status"] == "draft" and draft["review due"] is None
