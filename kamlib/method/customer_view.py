"""The customer-facing joint business plan: a view of the account that holds only what may be
shared with the customer.

The view is built field by field from an allow-list, never by removing internal fields from a
copy: a field added to the model later stays out of the customer's document until someone
decides here that it belongs in it. What is left out, on purpose: the scorecard and the
class, every financial figure, competitors and their scores, buying criteria, the environment
analysis, whitespace, relationship attitudes, influence, buying roles and contact dates,
internal notes, and every objective, strategy and project not marked `shared: true`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from kamlib.method.action_plan import overdue_projects
from kamlib.parameters.model import Account, PortfolioSettings


@dataclass(frozen=True)
class SharedObjective:
    """An objective marked shared: what it says, how it is measured, the target and the date."""

    id: str
    statement: str
    metric: str
    target: str
    due: date


@dataclass(frozen=True)
class SharedStrategy:
    """A strategy marked shared, with the shared objectives it serves."""

    id: str
    statement: str
    objectives: tuple[str, ...]  # shared objectives only


@dataclass(frozen=True)
class SharedProject:
    """A project marked shared: its owner on each side (ours with their role), dates, status, and
    whether it is overdue."""

    id: str
    title: str
    strategy: str | None  # None when the strategy itself is not shared
    owner: str
    owner_role: str
    customer_owner: str
    start: date
    due: date
    status: str
    overdue: bool


@dataclass(frozen=True)
class RelationshipPair:
    """One agreed pairing: a person at the customer and the person on our side who covers them."""

    customer_name: str
    customer_title: str
    our_name: str
    our_role: str


@dataclass(frozen=True)
class SharedPlan:
    """The joint business plan as the customer may see it: vision, mission, what is shared, who works with whom."""

    customer: str
    supplier: str
    as_of: date
    vision: str
    mission: str
    objectives: tuple[SharedObjective, ...]
    strategies: tuple[SharedStrategy, ...]
    projects: tuple[SharedProject, ...]
    pairs: tuple[RelationshipPair, ...]

    def projects_frame(self) -> pd.DataFrame:
        """The shared projects in the shape `charts.gantt` draws."""
        rows = [{"id": p.id, "title": p.title, "start": p.start, "due": p.due, "status": p.status,
                 "overdue": p.overdue} for p in self.projects]
        return pd.DataFrame(rows, columns=["id", "title", "start", "due", "status", "overdue"])


def shared_view(account: Account, settings: PortfolioSettings, as_of: date) -> SharedPlan:
    """Only the shareable parts of the joint plan, copied field by field."""
    plan = account.joint_plan
    roles = {m.name: m.role for m in account.team}
    objectives = tuple(SharedObjective(o.id, o.statement, o.metric, o.target, o.due)
                       for o in plan.objectives if o.shared)
    shared_objectives = {o.id for o in objectives}
    strategies = tuple(SharedStrategy(s.id, s.statement, tuple(i for i in s.objectives if i in shared_objectives))
                       for s in plan.strategies if s.shared)
    shared_strategies = {s.id for s in strategies}
    late = set(overdue_projects(account, as_of))
    projects = tuple(
        SharedProject(p.id, p.title, p.strategy if p.strategy in shared_strategies else None, p.owner,
                      roles.get(p.owner, ""), p.customer_owner, p.start, p.due, p.status, p.id in late)
        for p in plan.projects if p.shared)
    pairs = tuple(RelationshipPair(c.name, c.title, c.owner, roles.get(c.owner, "")) for c in account.relationships)
    return SharedPlan(account.name, settings.supplier, as_of, plan.vision, plan.mission, objectives, strategies,
                      projects, pairs)
