"""Running the plan: its status, the review cadence and the sign-off.

- plan status = the `status` of the `governance` section; a plan without one is a draft;
- review due = `next_review` when written, else `last_review` + `review_every_days`, else None
  (a cadence but no review yet: nothing to count from);
- review overdue = review due before the planning date (False when there is no review due);
- approved = our approver is named (`approved_by`); agreed = status agreed and `agreed_on`
  written (signed off with the customer, `agreed_with` being its signatory).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from kamlib.parameters.model import Account, PlanStatus

DRAFT: PlanStatus = "draft"      # the status of a plan without governance
AGREED: PlanStatus = "agreed"    # signed off with the customer


def plan_status(account: Account) -> PlanStatus:
    """The `status` of the `governance` section, or draft without one."""
    return DRAFT if account.governance is None else account.governance.status


def review_due(account: Account) -> date | None:
    """`next_review`, else `last_review` + `review_every_days`, else None."""
    g = account.governance
    if g is None:
        return None
    if g.next_review is not None:
        return g.next_review
    return None if g.last_review is None else g.last_review + timedelta(days=g.review_every_days)


def review_overdue(account: Account, as_of: date) -> bool:
    """Whether the review due date is before the planning date."""
    due = review_due(account)
    return due is not None and due < as_of


@dataclass(frozen=True)
class PlanGovernance:
    """How the plan is run, as of the planning date."""

    status: PlanStatus
    review_every_days: int | None
    last_review: date | None
    review_due: date | None
    review_overdue: bool
    days_to_review: int | None     # review due − planning date (negative: overdue)
    approved_by: str | None
    agreed_with: str | None
    agreed_on: date | None

    @property
    def approved(self) -> bool:
        """Our approver is named."""
        return self.approved_by is not None

    @property
    def agreed(self) -> bool:
        """Signed off with the customer: status agreed, with the date."""
        return self.status == AGREED and self.agreed_on is not None


def plan_governance(account: Account, as_of: date) -> PlanGovernance:
    """The plan's status, review cadence and dates, and its sign-off."""
    g = account.governance
    due = review_due(account)
    return PlanGovernance(plan_status(account), None if g is None else g.review_every_days,
                          None if g is None else g.last_review, due, review_overdue(account, as_of),
                          None if due is None else (due - as_of).days, None if g is None else g.approved_by,
                          None if g is None else g.agreed_with, None if g is None else g.agreed_on)


def governance_table(account: Account, as_of: date) -> pd.DataFrame:
    """The governance for display: one row per item (in words) with its value; unknowns are None."""
    g = plan_governance(account, as_of)
    cadence = None if g.review_every_days is None else f"every {g.review_every_days} days"
    due_text = None
    if g.review_due is not None and g.days_to_review is not None:
        days = g.days_to_review
        when = ("today" if days == 0 else f"overdue by {_days(-days)}" if days < 0 else f"in {_days(days)}")
        due_text = f"{g.review_due.isoformat()} ({when})"
    items = [("plan status", g.status), ("review cadence", cadence),
             ("last review", g.last_review.isoformat() if g.last_review else None), ("review due", due_text),
             ("approved by (us)", g.approved_by), ("agreed with (customer)", g.agreed_with),
             ("agreed on", g.agreed_on.isoformat() if g.agreed_on else None)]
    return pd.DataFrame({"item": [i for i, _ in items], "value": pd.Series([v for _, v in items], dtype=object)})


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"
