"""The customer-facing documents: `joint-plan.html` (printed to `joint-plan.pdf` with the plan)
and `joint-plan.pptx` (the review deck, `kamlib.publishing.deck`), both rendered from
`customer_view.shared_view` only: neither ever sees the account.

The words both documents use for the view's figures live here (counts, money and percentages
come from `method.wording`): dates as `15 Dec 2026`, measures as written, the plan's status and
when the next review falls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from kamlib.method import customer_view, governance, wording
from kamlib.method.action_plan import ObjectiveStatus
from kamlib.parameters.model import ProjectStatus, readable

TIMELINE_PROJECTS = 15   # the timeline draws at most this many projects (the open ones due soonest)
COMPACT_PROJECTS = 12    # beyond this many shared projects, owners are named without their titles
                         # (the titles are shown once, in who works with whom)
SUMMARY_OBJECTIVES = 6   # page one lists at most this many objectives; the rest follow in section 1
SUMMARY_RESULTS = 3      # page one names the most recent results; all are listed in their section
SMALL_TABLE = 10         # a table of at most this many rows is kept on one page


def write_joint_documents(folder: Path, shared: customer_view.SharedPlan, version: str) -> list[str]:
    """Write the customer-facing documents into a staging folder; returns the file names."""
    from kamlib.publishing import deck

    write_joint_plan(folder, shared, version)
    deck.write_deck(folder / deck.DECK_FILE, shared, version)
    return ["joint-plan.html", deck.DECK_FILE]


def write_joint_plan(folder: Path, shared: customer_view.SharedPlan, version: str) -> None:
    """The customer-facing joint business plan, rendered from the shared view only (the
    template never sees the account)."""
    from kamlib.display import charts
    from kamlib.publishing import documents

    projects, note = timeline_projects(shared)
    figure = charts.gantt(projects, shared.as_of) if len(projects) else None
    timeline = None if figure is None else documents.png_base64(figure)
    timeline_alt = "" if figure is None else charts.alt_text(figure)
    page = documents.template("joint-plan.html.j2").render(
        plan=shared, version=version, timeline=timeline, timeline_alt=timeline_alt, timeline_note=note, groups=project_groups(shared),
        status=plan_status(shared), review=next_review(shared), review_when=review_when(shared),
        cadence=cadence(shared), day=wording.day, money=wording.money, number=number, count=wording.plural,
        percent=wording.percent,
        objective_tone=objective_tone, project_tone=project_tone, compact=compact(shared),
        summary_objectives=SUMMARY_OBJECTIVES, summary_results=SUMMARY_RESULTS, small_table=SMALL_TABLE,
        footer_text=f"Joint business plan · {shared.customer} and {shared.supplier} · {version} · "
                    f"{shared.as_of.isoformat()}",
    )
    (folder / "joint-plan.html").write_text(page, encoding="utf-8")


# --- what both documents show -------------------------------------------------------------------

@dataclass(frozen=True)
class ProjectGroup:
    """The shared projects of one shared strategy (or, with no strategy, of strategies not shared)."""

    strategy: customer_view.SharedStrategy | None
    projects: tuple[customer_view.SharedProject, ...]


def project_order(project: customer_view.SharedProject) -> tuple[bool, date, str]:
    """Open projects before done or cancelled ones, then by due date (then id)."""
    return (not project.open, project.due, project.id)


def project_groups(shared: customer_view.SharedPlan) -> list[ProjectGroup]:
    """The shared projects under their strategy, strategies in the customer's order (each shown
    even without projects), then the projects whose strategy is not shared; within a group open
    projects first, soonest due first."""
    groups = [ProjectGroup(s, tuple(sorted((p for p in shared.projects if p.strategy == s.id), key=project_order)))
              for s in shared.strategies]
    others = tuple(sorted((p for p in shared.projects if p.strategy is None), key=project_order))
    return groups + ([ProjectGroup(None, others)] if others else [])


def compact(shared: customer_view.SharedPlan) -> bool:
    """Whether the plan has so many shared projects that owners are named without their titles."""
    return len(shared.projects) > COMPACT_PROJECTS


def timeline_projects(shared: customer_view.SharedPlan) -> tuple[pd.DataFrame, str]:
    """The projects the timeline draws and a note on what it leaves out: every project up to
    `TIMELINE_PROJECTS`, else the open ones due soonest."""
    frame = shared.projects_frame()
    if len(frame) <= TIMELINE_PROJECTS:
        return frame, ""
    open_ids = [p.id for p in sorted(shared.projects, key=project_order) if p.open][:TIMELINE_PROJECTS]
    drawn = frame[frame["id"].isin(open_ids)].set_index("id").loc[open_ids].reset_index()
    return drawn, (f"The timeline shows the {wording.plural(len(drawn), 'open project')} due soonest of "
                   f"{wording.plural(len(frame), 'project')}.")


def plan_status(shared: customer_view.SharedPlan) -> str:
    """The plan's status in a sentence: agreed on a date, or a draft / reviewed plan still to agree."""
    g = shared.governance
    if g is None or g.status == governance.DRAFT:
        return f"Draft for discussion between {shared.customer} and {shared.supplier}"
    if g.agreed and g.agreed_on is not None:
        return f"Agreed on {wording.day(g.agreed_on)}"
    return f"{readable(g.status).capitalize()} by {shared.supplier}, to be agreed with {shared.customer}"


def next_review(shared: customer_view.SharedPlan) -> str:
    """The next review's date and how far off it is (`15 Dec 2026 (in 21 days)`), or that none is set."""
    g = shared.governance
    if g is None or g.next_review is None:
        return "not yet set"
    return f"{wording.day(g.next_review)} ({review_when(shared)})"


def review_when(shared: customer_view.SharedPlan) -> str:
    """How far off the next review is from the plan date: `in 21 days`, `today`, `overdue by 3 days`
    (empty when none is set)."""
    g = shared.governance
    if g is None or g.next_review is None:
        return ""
    days = (g.next_review - shared.as_of).days
    return "today" if days == 0 else f"in {wording.plural(days, 'day')}" if days > 0 else f"overdue by {wording.plural(-days, 'day')}"


def cadence(shared: customer_view.SharedPlan) -> str:
    """The review cadence in words: every 90 days, or not yet set."""
    g = shared.governance
    return "not yet set" if g is None or g.review_every_days is None else f"every {wording.plural(g.review_every_days, 'day')}"


# A tone colours a status: good (done, on track), late (overdue, blocked), wait (behind); none is plain.
_OBJECTIVE_TONE = {ObjectiveStatus.DONE: "good", ObjectiveStatus.ON_TRACK: "good", ObjectiveStatus.BEHIND: "wait",
                   ObjectiveStatus.OVERDUE: "late"}
_PROJECT_TONE: dict[ProjectStatus, str] = {"done": "good", "blocked": "late"}


def objective_tone(progress: customer_view.SharedProgress | None) -> str:
    """The tone of an objective's progress status: good, wait, late, or empty."""
    return "" if progress is None or progress.status is None else _OBJECTIVE_TONE.get(ObjectiveStatus(progress.status), "")


def project_tone(project: customer_view.SharedProject) -> str:
    """The tone of a project's status: late when overdue or blocked, good when done, else empty."""
    return "late" if project.overdue else _PROJECT_TONE.get(project.status, "")


# --- words for figures ----------------------------------------------------------------------------

def number(value: float) -> str:
    """A measure as written: 41.2, 78, 0.28, 1,250 (no scientific notation, no trailing zeros)."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) < 1:
        return f"{value:.3g}" if value else "0"
    return f"{value:,.2f}".rstrip("0").rstrip(".")

