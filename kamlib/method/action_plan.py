"""Step 4 of the method: the joint business plan and how healthy it is.

Objectives are achieved by strategies, strategies by projects; projects are staffed from
both sides and have deadlines. Plan health (0..100) starts at 100 and loses points for what
makes a plan unreliable; every deduction is reported with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import pandas as pd

from kamlib.method.scorecard import latest_assessment
from kamlib.method.wording import plural
from kamlib.parameters.model import Account, NextStep

OPEN_STATUSES = ("planned", "in_progress", "blocked")
STALE_ASSESSMENT_DAYS = 180
STALE_CONTACT_DAYS = 90
PAIRED_FUNCTIONS = ("operations", "finance", "product_development")
# A customer-side owner written as one of these is not a person yet: the plan is not joint.
_PLACEHOLDER = re.compile(r"\b(tbd|tba|tbc|to be (named|confirmed|decided|appointed)|todo|unknown|n/?a|none|vacant)\b|\?",
                          re.IGNORECASE)


@dataclass(frozen=True)
class Health:
    """Plan health: the score and the deductions that lowered it, largest first."""

    score: int
    deductions: list[tuple[int, str]] = field(default_factory=list)


def overdue_projects(account: Account, as_of: date) -> list[str]:
    """Ids of projects not done or cancelled whose due date is before the planning date."""
    return [p.id for p in account.joint_plan.projects if p.status in OPEN_STATUSES and p.due < as_of]


def blocked_projects(account: Account) -> list[str]:
    """Ids of the projects whose status is blocked."""
    return [p.id for p in account.joint_plan.projects if p.status == "blocked"]


def overdue_next_steps(account: Account, as_of: date) -> list[tuple[str, NextStep]]:
    """(project id, step) for each next step not done and due before the planning date, of the
    projects neither done nor cancelled; oldest due first, ties in file order."""
    steps = [(p.id, s) for p in account.joint_plan.projects if p.status in OPEN_STATUSES
             for s in p.next_steps if not s.done and s.due < as_of]
    return sorted(steps, key=lambda step: step[1].due)


def objectives_table(account: Account) -> pd.DataFrame:
    """The joint plan's objectives with measure, target, date and whether the customer sees them."""
    rows = [{"id": o.id, "statement": o.statement, "metric": o.metric, "target": o.target, "due": o.due,
             "shared": o.shared} for o in account.joint_plan.objectives]
    return pd.DataFrame(rows, columns=["id", "statement", "metric", "target", "due", "shared"])


def strategies_table(account: Account) -> pd.DataFrame:
    """The strategies, the objectives each serves, how many projects carry it, and whether shared."""
    plan = account.joint_plan
    rows = [{"id": s.id, "statement": s.statement, "objectives": ", ".join(s.objectives),
             "projects": sum(1 for p in plan.projects if p.strategy == s.id), "shared": s.shared}
            for s in plan.strategies]
    return pd.DataFrame(rows, columns=["id", "statement", "objectives", "projects", "shared"])


def traceability_table(account: Account, as_of: date) -> pd.DataFrame:
    """Objective → strategy → project, one row per link; gaps appear as empty cells."""
    plan = account.joint_plan
    rows: list[dict[str, Any]] = []
    for o in plan.objectives:
        strategies = [s for s in plan.strategies if o.id in s.objectives]
        if not strategies:
            rows.append({"objective": o.id, "objective_statement": o.statement, "strategy": None, "project": None,
                         "status": None, "due": None, "overdue": False})
        for s in strategies:
            projects = [p for p in plan.projects if p.strategy == s.id]
            if not projects:
                rows.append({"objective": o.id, "objective_statement": o.statement, "strategy": s.id,
                             "project": None, "status": None, "due": None, "overdue": False})
            for p in projects:
                rows.append({"objective": o.id, "objective_statement": o.statement, "strategy": s.id,
                             "project": p.id, "status": p.status, "due": p.due,
                             "overdue": p.status in OPEN_STATUSES and p.due < as_of})
    return pd.DataFrame(rows, columns=["objective", "objective_statement", "strategy", "project",
                                       "status", "due", "overdue"])


def plan_gaps(account: Account) -> tuple[list[str], list[str]]:
    """(objectives with no strategy, strategies with no project)."""
    plan = account.joint_plan
    served = {ref for s in plan.strategies for ref in s.objectives}
    staffed = {p.strategy for p in plan.projects}
    return ([o.id for o in plan.objectives if o.id not in served],
            [s.id for s in plan.strategies if s.id not in staffed])


def stale_contacts(account: Account, as_of: date) -> list[str]:
    """Contacts not touched for more than 90 days before the planning date."""
    return [c.name for c in account.relationships if (as_of - c.last_contact).days > STALE_CONTACT_DAYS]


def missing_customer_owner(account: Account) -> list[str]:
    """Ids of open shared projects whose customer-side owner is a placeholder ("TBD", "to be named", …).

    Only shared projects (`shared: true`, the joint plan the customer sees) need an owner at the
    customer; an internal project is ours alone, so a placeholder there is no gap in the joint plan.
    """
    return [p.id for p in account.joint_plan.projects
            if p.shared and p.status in OPEN_STATUSES and _PLACEHOLDER.search(p.customer_owner)]


def coverage_matrix(account: Account) -> pd.DataFrame:
    """Our functions (rows, from each contact's owner) × the customer's functions (columns):
    how many contacts each pairing covers. "Zippering" shows as counts off the sales ×
    procurement cell."""
    ours = {m.name: m.function for m in account.team}
    pairs = pd.DataFrame([{"our function": ours.get(c.owner, "other"), "their function": c.function}
                          for c in account.relationships], columns=["our function", "their function"])
    if pairs.empty:
        return pd.DataFrame()
    return pd.crosstab(pairs["our function"], pairs["their function"])


def key_players(account: Account) -> pd.DataFrame:
    """The key-player check: a decision maker, a sponsor or champion, and an executive contact."""
    contacts = account.relationships
    checks = [
        ("decision maker identified", [c.name for c in contacts if c.buying_role == "decision_maker"]),
        ("sponsor or champion (attitude +2)",
         [c.name for c in contacts if c.buying_role == "sponsor" or c.attitude == 2]),
        ("executive-level contact", [c.name for c in contacts if c.level == "executive"]),
    ]
    return pd.DataFrame([{"check": name, "met": bool(who), "who": ", ".join(who)} for name, who in checks])


def plan_health(account: Account, as_of: date) -> Health:
    """Plan health 0..100. Deductions (each capped as shown):

    - no assessment on or before the planning date: −25; latest one older than 180 days: −15
    - overdue projects: −10 each, at most −30
    - blocked projects: −5 each, at most −15 (a blocked project that is also overdue loses both)
    - overdue next steps (not done, due before the planning date, of projects neither done nor
      cancelled): −3 each, at most −15
    - objectives without a strategy and strategies without a project: −5 each, at most −20
    - no executive-level contact at the customer: −10
    - no decision maker identified among the contacts: −5
    - fewer than two of operations, finance and product development covered: −10
    - no sponsor or champion (buying role sponsor, or attitude +2): −5
    - open shared projects without a named customer-side owner: −5 each, at most −15 (internal
      projects have no owner at the customer)
    - contacts not touched for more than 90 days: −2 each, at most −10
    """
    deductions: list[tuple[int, str]] = []
    latest = latest_assessment(account, as_of)
    if latest is None:
        deductions.append((25, "no scorecard assessment on or before the planning date"))
    elif (as_of - latest.date).days > STALE_ASSESSMENT_DAYS:
        deductions.append((15, f"latest assessment is {(as_of - latest.date).days} days old"))
    overdue = overdue_projects(account, as_of)
    if overdue:
        deductions.append((min(30, 10 * len(overdue)), f"{plural(len(overdue), 'overdue project')}: {', '.join(overdue)}"))
    blocked = blocked_projects(account)
    if blocked:
        deductions.append((min(15, 5 * len(blocked)), f"{plural(len(blocked), 'blocked project')}: {', '.join(blocked)}"))
    late_steps = overdue_next_steps(account, as_of)
    if late_steps:
        project, oldest = late_steps[0]
        deductions.append((min(15, 3 * len(late_steps)),
                           f"{plural(len(late_steps), 'overdue next step')}, the oldest {project}'s \"{oldest.action}\" "
                           f"({oldest.owner}, due {oldest.due.isoformat()})"))
    orphans, idle = plan_gaps(account)
    if orphans or idle:
        parts = ([f"objectives without a strategy: {', '.join(orphans)}"] if orphans else []) + \
                ([f"strategies without a project: {', '.join(idle)}"] if idle else [])
        deductions.append((min(20, 5 * (len(orphans) + len(idle))), "; ".join(parts)))
    contacts = account.relationships
    if not any(c.level == "executive" for c in contacts):
        deductions.append((10, "no executive-level contact at the customer"))
    if not any(c.buying_role == "decision_maker" for c in contacts):
        deductions.append((5, "no decision maker identified"))
    if not any(c.buying_role == "sponsor" or c.attitude == 2 for c in contacts):
        deductions.append((5, "no sponsor or champion at the customer"))
    unowned = missing_customer_owner(account)
    if unowned:
        deductions.append((min(15, 5 * len(unowned)),
                           f"{plural(len(unowned), 'shared project')} without a named customer-side owner: "
                           f"{', '.join(unowned)}"))
    covered = {c.function for c in contacts} & set(PAIRED_FUNCTIONS)
    if len(covered) < 2:
        deductions.append((10, f"relationships cover {len(covered)} of operations, finance and product development"))
    stale = stale_contacts(account, as_of)
    if stale:
        deductions.append((min(10, 2 * len(stale)), f"{plural(len(stale), 'contact')} not touched for over {STALE_CONTACT_DAYS} days"))
    deductions.sort(key=lambda d: -d[0])
    return Health(max(0, 100 - sum(d[0] for d in deductions)), deductions)


def projects_table(account: Account, as_of: date) -> pd.DataFrame:
    """Projects with both owners, dates and status; `overdue` marks open projects past due."""
    rows = [{"id": p.id, "title": p.title, "strategy": p.strategy, "owner": p.owner,
             "customer_owner": p.customer_owner, "start": p.start, "due": p.due, "status": p.status,
             "overdue": p.status in OPEN_STATUSES and p.due < as_of, "shared": p.shared}
            for p in account.joint_plan.projects]
    return pd.DataFrame(rows, columns=["id", "title", "strategy", "owner", "customer_owner", "start", "due",
                                       "status", "overdue", "shared"])


def projects_in_order(table: pd.DataFrame) -> pd.DataFrame:
    """`projects_table` in reading order: open projects (planned, in progress, blocked) before
    done and cancelled ones; within each, soonest due first, then by id."""
    closed = ~table["status"].isin(OPEN_STATUSES)
    order = table.assign(_closed=closed).sort_values(["_closed", "due", "id"], kind="stable")
    return order.drop(columns="_closed").reset_index(drop=True)


def contacts_table(account: Account, as_of: date) -> pd.DataFrame:
    """Contacts at the customer with influence, attitude, our owner and days since last contact."""
    rows = [{"name": c.name, "title": c.title, "function": c.function, "level": c.level,
             "influence": c.influence, "buying_role": c.buying_role or "", "attitude": c.attitude,
             "owner": c.owner, "last_contact": c.last_contact, "days_since_contact": (as_of - c.last_contact).days}
            for c in account.relationships]
    return pd.DataFrame(rows, columns=["name", "title", "function", "level", "influence", "buying_role",
                                       "attitude", "owner", "last_contact", "days_since_contact"])


def contacts_in_order(table: pd.DataFrame) -> pd.DataFrame:
    """`contacts_table` in reading order: most influential first, then by name."""
    return table.sort_values(["influence", "name"], ascending=[False, True], kind="stable").reset_index(drop=True)


class ObjectiveStatus(StrEnum):
    """Where an objective with a measure stands (see `objective_progress`)."""

    DONE = "done"
    ON_TRACK = "on track"
    BEHIND = "behind"
    OVERDUE = "overdue"


PROGRESS_COLUMNS = ["id", "statement", "baseline", "current", "goal", "direction", "progress_raw", "progress",
                    "due", "elapsed", "status", "on_track"]


def elapsed_share(start: date, due: date, as_of: date) -> float:
    """The share of the time from `start` to `due` that has passed by `as_of`, 0..1 (when due is not
    after start: 1 once due is reached, else 0)."""
    if due <= start:
        return 1.0 if as_of >= due else 0.0
    return min(1.0, max(0.0, (as_of - start).days / (due - start).days))


def objective_progress(account: Account, as_of: date) -> pd.DataFrame:
    """Progress of each objective that has a `measure`, from baseline to goal, direction-aware.

    - progress_raw = (current − baseline) / (goal − baseline): 0 at the baseline, 1 at the goal,
      whichever way the goal lies (a goal below the baseline means lower is better); negative when
      the metric moved the wrong way, above 1 beyond the goal. `progress` is it clipped to 0..1 for
      display. A goal equal to the baseline leaves progress and status undefined (None).
    - elapsed = the share of the time from the first scorecard assessment (when the account's plan
      is first on record; the format has no plan start date) to `due` that has passed by `as_of`.
    - status: done when progress_raw ≥ 1; else overdue when `due` is before `as_of`; else on track
      when progress_raw ≥ elapsed, behind otherwise. `on_track` is true for done and on track.
    """
    start = min(a.date for a in account.scorecard)
    rows = []
    for o in account.joint_plan.objectives:
        m = o.measure
        if m is None:
            continue
        elapsed = elapsed_share(start, o.due, as_of)
        raw = None if m.goal == m.baseline else (m.current - m.baseline) / (m.goal - m.baseline)
        status = None
        if raw is not None:
            status = (ObjectiveStatus.DONE if raw >= 1 - 1e-9 else ObjectiveStatus.OVERDUE if o.due < as_of
                      else ObjectiveStatus.ON_TRACK if raw >= elapsed - 1e-9 else ObjectiveStatus.BEHIND)
        rows.append({"id": o.id, "statement": o.statement, "baseline": m.baseline, "current": m.current,
                     "goal": m.goal, "direction": _direction(m.baseline, m.goal),
                     "progress_raw": raw, "progress": None if raw is None else min(1.0, max(0.0, raw)),
                     "due": o.due, "elapsed": elapsed, "status": status,
                     "on_track": status in (ObjectiveStatus.DONE, ObjectiveStatus.ON_TRACK)})
    return pd.DataFrame(rows, columns=PROGRESS_COLUMNS)


def _direction(baseline: float, goal: float) -> str:
    return "lower is better" if goal < baseline else "higher is better" if goal > baseline else "hold the level"


VALUE_COLUMNS = ["date", "result", "value", "project", "project_title", "shared"]


def value_delivered_table(account: Account) -> pd.DataFrame:
    """What the partnership has already achieved for the customer, newest first: each result with
    its money value to the customer (when written), the project that delivered it and whether the
    customer-facing plan shows it."""
    titles = {p.id: p.title for p in account.joint_plan.projects}
    rows = [{"date": v.date, "result": v.result, "value": v.value, "project": v.project,
             "project_title": titles.get(v.project) if v.project else None, "shared": v.shared}
            for v in account.joint_plan.value_delivered]
    table = pd.DataFrame(rows, columns=VALUE_COLUMNS)
    return table.sort_values("date", ascending=False, kind="stable").reset_index(drop=True)


def value_delivered_total(account: Account) -> tuple[float, int]:
    """(Σ value over the results that carry one, how many results carry none): the money the
    partnership has delivered to the customer so far, and what that figure leaves out."""
    results = account.joint_plan.value_delivered
    return sum(v.value for v in results if v.value is not None), sum(1 for v in results if v.value is None)
