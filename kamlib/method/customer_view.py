"""The customer-facing joint business plan: a view of the account that holds only what may be
shared with the customer.

The view is built field by field from an allow-list, never by removing internal fields from a
copy: a field added to the model later stays out of the customer's document until someone
decides here that it belongs in it. What is left out, on purpose: the scorecard and the
class, targets, the pipeline and every financial figure of ours, risks, competitors and their
scores, buying criteria, the environment analysis, whitespace, relationship attitudes,
influence, buying roles and contact dates, internal notes, and every objective, strategy,
project and result not marked `shared: true`.

Ids are renumbered for the customer: the shared objectives become O1, O2, O3 … in file order,
the shared strategies S1 …, the shared projects P1 …, and every reference (a strategy's
objectives, a project's strategy, a next step's or a result's project) uses the new ids, so
gaps in the numbering never hint at internal items. A reference to something not shared is
dropped (a project of an internal strategy has no strategy; a strategy serving only internal
objectives serves none in the view, which validation warns of).

What the view carries beyond the plan's text:

- objective progress: `action_plan.objective_progress` of the shared objectives with a measure;
- value delivered: the shared results, newest first (`action_plan.value_delivered_table`); the
  total is Σ value over the shared results that carry one, as `action_plan.value_delivered_total`
  counts it over all of them, with how many carry none;
- next steps: the steps not done of the shared projects neither done nor cancelled
  (`next_steps.next_steps_table`), soonest first, each with its owner's side (ours or the
  customer's), role or title;
- decisions needed: `next_steps.decisions_needed` of the shared projects;
- governance: the plan's status, review cadence, next review (`governance.review_due`) and the
  sign-off (our approver with their role, the customer's signatory with their title, the date).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd

from kamlib.method import action_plan, governance, next_steps
from kamlib.parameters.model import Account, PortfolioSettings, ProjectStatus, readable


@dataclass(frozen=True)
class SharedProgress:
    """An objective's measure as numbers and how far it has come from baseline to goal."""

    baseline: float
    current: float
    goal: float
    share: float | None   # 0..1, clipped; None when the goal equals the baseline
    status: str | None    # the words of `action_plan.ObjectiveStatus` (on track, behind, done, overdue)


@dataclass(frozen=True)
class SharedObjective:
    """An objective marked shared: what it says, how it is measured, the target, the date, and its
    progress when it has a measure."""

    id: str
    statement: str
    metric: str
    target: str
    due: date
    progress: SharedProgress | None = None


@dataclass(frozen=True)
class SharedStrategy:
    """A strategy marked shared, with the shared objectives it serves (their customer ids, in order)."""

    id: str
    statement: str
    objectives: tuple[str, ...]  # shared objectives only; may be empty


@dataclass(frozen=True)
class SharedStep:
    """A next step of a shared project: what, who (on which side, with role or title), by when."""

    project: str          # the project's customer id
    action: str
    owner: str
    owner_title: str      # our person's role, or the customer's person's job title
    ours: bool            # True: a person of ours; False: the customer's
    due: date
    overdue: bool


@dataclass(frozen=True)
class SharedProject:
    """A project marked shared: its owner on each side (ours with their role), dates, status, whether
    it is overdue, its next steps and the decision it waits for."""

    id: str
    title: str
    strategy: str | None  # None when the strategy itself is not shared
    owner: str
    owner_role: str
    customer_owner: str
    start: date
    due: date
    status: ProjectStatus
    overdue: bool
    customer_owner_title: str = ""   # the job title when the customer owner is a known contact
    next_steps: tuple[SharedStep, ...] = ()
    decision_needed: str | None = None  # only while the project is neither done nor cancelled

    @property
    def status_text(self) -> str:
        """The status in words (in progress, not in_progress)."""
        return readable(self.status)

    @property
    def open(self) -> bool:
        """Neither done nor cancelled."""
        return self.status in action_plan.OPEN_STATUSES


@dataclass(frozen=True)
class SharedValue:
    """A shared result of the partnership, with the shared project that delivered it (if any)."""

    date: date
    result: str
    value: float | None
    project: str | None       # the project's customer id; None when none is named or it is not shared
    project_title: str | None


@dataclass(frozen=True)
class SharedDecision:
    """A decision needed from the customer for a shared project to go on."""

    project: str
    project_title: str
    decision: str
    customer_owner: str
    due: date


@dataclass(frozen=True)
class RelationshipPair:
    """One agreed pairing: a person at the customer and the person on our side who covers them."""

    customer_name: str
    customer_title: str
    our_name: str
    our_role: str


@dataclass(frozen=True)
class SharedGovernance:
    """How the plan is run with the customer: status, cadence, next review and the sign-off."""

    status: str                    # the plan status (`governance.plan_status`)
    agreed: bool                   # signed off with the customer (status agreed, with the date)
    review_every_days: int | None
    next_review: date | None
    review_overdue: bool
    approved_by: str | None
    approved_role: str
    agreed_with: str | None
    agreed_title: str
    agreed_on: date | None


@dataclass(frozen=True)
class SharedPlan:
    """The joint business plan as the customer may see it: vision, mission, what is shared, what it
    has delivered, what comes next, who works with whom and how the plan is run."""

    customer: str
    supplier: str
    as_of: date
    vision: str
    mission: str
    objectives: tuple[SharedObjective, ...]
    strategies: tuple[SharedStrategy, ...]
    projects: tuple[SharedProject, ...]
    pairs: tuple[RelationshipPair, ...]
    currency: str = ""
    values: tuple[SharedValue, ...] = ()
    decisions: tuple[SharedDecision, ...] = ()
    governance: SharedGovernance | None = None

    @property
    def value_total(self) -> float:
        """Σ value of the shared results that carry one."""
        return sum(v.value for v in self.values if v.value is not None)

    @property
    def values_without_value(self) -> int:
        """How many shared results carry no money value (left out of the total)."""
        return sum(1 for v in self.values if v.value is None)

    @property
    def next_steps(self) -> tuple[SharedStep, ...]:
        """Every pending next step of the shared projects, soonest due first (ties in file order)."""
        steps = [s for p in self.projects for s in p.next_steps]
        return tuple(sorted(steps, key=lambda s: s.due))

    def projects_frame(self) -> pd.DataFrame:
        """The shared projects in the shape `charts.gantt` draws."""
        rows = [{"id": p.id, "title": p.title, "start": p.start, "due": p.due, "status": p.status,
                 "overdue": p.overdue} for p in self.projects]
        return pd.DataFrame(rows, columns=["id", "title", "start", "due", "status", "overdue"])


def customer_ids(account: Account) -> dict[str, dict[str, str]]:
    """The customer's ids of the shared objectives, strategies and projects: file id → O1, O2 … /
    S1 … / P1 …, numbered in file order, keyed by 'objectives', 'strategies' and 'projects'."""
    plan = account.joint_plan
    return {
        "objectives": {o.id: f"O{n}" for n, o in enumerate((o for o in plan.objectives if o.shared), start=1)},
        "strategies": {s.id: f"S{n}" for n, s in enumerate((s for s in plan.strategies if s.shared), start=1)},
        "projects": {p.id: f"P{n}" for n, p in enumerate((p for p in plan.projects if p.shared), start=1)},
    }


def shared_view(account: Account, settings: PortfolioSettings, as_of: date) -> SharedPlan:
    """Only the shareable parts of the joint plan, copied field by field, with the customer's ids."""
    plan = account.joint_plan
    ids = customer_ids(account)
    roles = {m.name: m.role for m in account.team}
    titles = {c.name: c.title for c in account.relationships}
    objectives = _objectives(account, ids["objectives"], as_of)
    strategies = tuple(
        SharedStrategy(ids["strategies"][s.id], s.statement, _in_order(s.objectives, ids["objectives"]))
        for s in plan.strategies if s.shared)
    steps = _steps(account, ids["projects"], roles, titles, as_of)
    decisions = _decisions(account, ids["projects"])
    wanted = {d.project: d.decision for d in decisions}
    late = set(action_plan.overdue_projects(account, as_of))
    projects = tuple(
        SharedProject(ids["projects"][p.id], p.title, ids["strategies"].get(p.strategy), p.owner,
                      roles.get(p.owner, ""), p.customer_owner, p.start, p.due, p.status, p.id in late,
                      titles.get(p.customer_owner, ""), steps.get(ids["projects"][p.id], ()),
                      wanted.get(ids["projects"][p.id]))
        for p in plan.projects if p.shared)
    pairs = tuple(RelationshipPair(c.name, c.title, c.owner, roles.get(c.owner, "")) for c in account.relationships)
    return SharedPlan(account.name, settings.supplier, as_of, plan.vision, plan.mission, objectives, strategies,
                      projects, pairs, settings.currency, _values(account, ids["projects"]), decisions,
                      _governance(account, roles, titles, as_of))


def _in_order(refs: list[str], renumbered: dict[str, str]) -> tuple[str, ...]:
    """The customer ids of the shared ones among `refs`, once each, in the customer's order."""
    order = list(renumbered.values())
    return tuple(sorted({renumbered[r] for r in refs if r in renumbered}, key=order.index))


def _objectives(account: Account, renumbered: dict[str, str], as_of: date) -> tuple[SharedObjective, ...]:
    progress: dict[str, SharedProgress] = {}
    for row in action_plan.objective_progress(account, as_of).itertuples():
        if row.id in renumbered:
            share = None if row.progress is None or _missing(row.progress) else float(row.progress)
            status = None if row.status is None or _missing(row.status) else str(row.status)
            progress[row.id] = SharedProgress(float(row.baseline), float(row.current), float(row.goal), share, status)
    return tuple(SharedObjective(renumbered[o.id], o.statement, o.metric, o.target, o.due, progress.get(o.id))
                 for o in account.joint_plan.objectives if o.shared)


def _missing(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _steps(account: Account, renumbered: dict[str, str], roles: dict[str, str], titles: dict[str, str],
           as_of: date) -> dict[str, tuple[SharedStep, ...]]:
    """The pending steps of the shared open projects by the project's customer id, soonest first."""
    out: dict[str, list[SharedStep]] = {}
    for row in next_steps.next_steps_table(account, as_of).itertuples():
        if row.project not in renumbered or row.done:
            continue
        ours = row.side == next_steps.Side.OURS
        title = roles.get(row.owner, "") if ours else titles.get(row.owner, "")
        project = renumbered[row.project]
        out.setdefault(project, []).append(SharedStep(project, row.action, row.owner, title, ours, row.due,
                                                      bool(row.overdue)))
    return {k: tuple(v) for k, v in out.items()}


def _decisions(account: Account, renumbered: dict[str, str]) -> tuple[SharedDecision, ...]:
    return tuple(SharedDecision(renumbered[row.project], row.project_title, row.decision, row.customer_owner,
                                row.project_due)
                 for row in next_steps.decisions_needed(account).itertuples() if row.project in renumbered)


def _values(account: Account, renumbered: dict[str, str]) -> tuple[SharedValue, ...]:
    table = action_plan.value_delivered_table(account)
    rows = []
    for row in table[table["shared"]].itertuples():
        value = None if row.value is None or _missing(row.value) else float(row.value)
        project = renumbered.get(row.project) if isinstance(row.project, str) else None
        rows.append(SharedValue(row.date, row.result, value, project, row.project_title if project else None))
    return tuple(rows)


def _governance(account: Account, roles: dict[str, str], titles: dict[str, str],
                as_of: date) -> SharedGovernance | None:
    if account.governance is None:
        return None
    g = governance.plan_governance(account, as_of)
    return SharedGovernance(g.status, g.agreed, g.review_every_days, g.review_due, g.review_overdue,
                            g.approved_by, roles.get(g.approved_by or "", ""), g.agreed_with,
                            titles.get(g.agreed_with or "", ""), g.agreed_on)
