"""Running the plan: the next steps under each project, and the decisions we need from the customer.

Only projects that are neither done nor cancelled have live next steps. For each step:

- its side is ours when the owner is a name in the team, the customer's when it is a name in
  relationships (unknown otherwise; validation rejects such a file);
- days = due − planning date; it is overdue when not done and due before the planning date
  (`action_plan.overdue_next_steps`, the one definition, which the headline counts), and due in
  the next N days when not done and 0 ≤ days ≤ N (so the 90-day list includes the 30-day one;
  due today counts as due, not overdue).

A decision needed is an open project's `decision_needed`: what the customer must decide for the
project to go on.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import pandas as pd

from kamlib.method import action_plan
from kamlib.method.action_plan import OPEN_STATUSES
from kamlib.parameters.model import Account

SOON_DAYS = 30
LATER_DAYS = 90
STEP_COLUMNS = ["project", "project_title", "action", "owner", "side", "due", "days", "done", "overdue"]
OWNER_COLUMNS = ["side", "owner", "open", "overdue", f"due_in_{SOON_DAYS}_days", f"due_in_{LATER_DAYS}_days"]
DECISION_COLUMNS = ["project", "project_title", "decision", "customer_owner", "project_due"]


class Side(StrEnum):
    """Whose step it is: ours (a team member) or the customer's (a contact)."""

    OURS = "ours"
    CUSTOMER = "customer"
    UNKNOWN = "unknown"


def side(account: Account, owner: str) -> Side:
    """Ours when the owner is in the team, the customer's when in relationships (team first)."""
    if owner in {m.name for m in account.team}:
        return Side.OURS
    if owner in {c.name for c in account.relationships}:
        return Side.CUSTOMER
    return Side.UNKNOWN


def next_steps_table(account: Account, as_of: date) -> pd.DataFrame:
    """Every next step of the projects neither done nor cancelled, soonest due first (ties in
    file order), with its side, days to due and whether it is overdue."""
    late = set(action_plan.overdue_next_steps(account, as_of))
    rows = []
    for p in account.joint_plan.projects:
        if p.status not in OPEN_STATUSES:
            continue
        for s in p.next_steps:
            rows.append({"project": p.id, "project_title": p.title, "action": s.action, "owner": s.owner,
                         "side": side(account, s.owner), "due": s.due, "days": (s.due - as_of).days,
                         "done": s.done, "overdue": (p.id, s) in late})
    # Typed even when empty, so the boolean filters below select rows, not columns.
    table = pd.DataFrame(rows, columns=STEP_COLUMNS).astype({"days": int, "done": bool, "overdue": bool})
    return table.sort_values("due", kind="stable").reset_index(drop=True)


def overdue_table(account: Account, as_of: date) -> pd.DataFrame:
    """The table's overdue steps: not done, due before the planning date, of projects neither done
    nor cancelled (`action_plan.overdue_next_steps`)."""
    table = next_steps_table(account, as_of)
    return table[table["overdue"]].reset_index(drop=True)


def due_within(account: Account, as_of: date, days: int) -> pd.DataFrame:
    """Next steps not done that fall due in the next `days` days (0 ≤ due − planning date ≤ days)."""
    table = next_steps_table(account, as_of)
    return table[~table["done"] & table["days"].between(0, days)].reset_index(drop=True)


def by_owner(account: Account, as_of: date) -> pd.DataFrame:
    """Per owner, on each side (ours first): steps open (not done), overdue, due in the next 30 and
    in the next 90 days; within a side, most overdue first, then by name."""
    table = next_steps_table(account, as_of)
    pending = table[~table["done"]]
    rows = []
    for (who_side, owner), steps in pending.groupby(["side", "owner"], sort=False):
        rows.append({"side": who_side, "owner": owner, "open": len(steps), "overdue": int(steps["overdue"].sum()),
                     f"due_in_{SOON_DAYS}_days": int(steps["days"].between(0, SOON_DAYS).sum()),
                     f"due_in_{LATER_DAYS}_days": int(steps["days"].between(0, LATER_DAYS).sum())})
    out = pd.DataFrame(rows, columns=OWNER_COLUMNS)
    order = {s: i for i, s in enumerate(Side)}
    out["_side"] = out["side"].map(order)
    out["_overdue"] = -out["overdue"]
    return (out.sort_values(["_side", "_overdue", "owner"], kind="stable")
            .drop(columns=["_side", "_overdue"]).reset_index(drop=True))


def decisions_needed(account: Account) -> pd.DataFrame:
    """The decisions we need from the customer: `decision_needed` of projects neither done nor
    cancelled, with the project's customer-side owner and due date, soonest due first."""
    rows = [{"project": p.id, "project_title": p.title, "decision": p.decision_needed,
             "customer_owner": p.customer_owner, "project_due": p.due}
            for p in account.joint_plan.projects if p.status in OPEN_STATUSES and p.decision_needed]
    table = pd.DataFrame(rows, columns=DECISION_COLUMNS)
    return table.sort_values("project_due", kind="stable").reset_index(drop=True)
