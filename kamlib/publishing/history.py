"""What changed between two published versions of an account's plan, in readable lines.

Each version keeps the account file it was built from (`account.yaml`), so the comparison
covers the content (assessments, projects, relationships, targets, the pipeline, risks, next
steps, governance, decisions on resources and insights) as well as the headline figures.

Items are matched by their ids (a target by its year, a next step by its project and action):
an opportunity whose id changed reads as one removed and one added.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kamlib.errors import UsageError
from kamlib.method import governance, wording
from kamlib.parameters.loader import load_account_file
from kamlib.parameters.model import Account, Decision, readable
from kamlib.publishing import versions

SNAPSHOT = "account.yaml"
_HEADLINE = [("class", "class", None), ("customer_score", "customer score", ".2f"),
             ("supplier_score", "our score", ".2f"), ("relative_strength", "relative strength", ".2f"),
             ("share_of_wallet", "share of wallet", ".0%"), ("revenue", "revenue", ",.0f"),
             ("profit", "profit", ",.0f"), ("attractiveness", "attractiveness", ".2f"),
             ("plan_health", "plan health", None), ("overdue_projects", "overdue projects", None),
             ("target_revenue", "revenue target", ",.0f"), ("revenue_gap", "revenue gap", ",.0f"),
             ("pipeline_open", "open pipeline", ",.0f"), ("pipeline_weighted", "weighted pipeline", ",.0f"),
             ("pipeline_coverage", "pipeline coverage of the gap", ".0%"),
             ("pipeline_stale", "stale opportunities", None), ("open_risks", "open risks", None),
             ("top_risk_score", "top risk score", ".2f"), ("overdue_next_steps", "overdue next steps", None)]


def pick(outputs: Path, account_id: str, old: str | None, new: str | None) -> tuple[versions.Version, versions.Version]:
    """The two versions to compare: by default the latest and the one before it."""
    found = {v.name: v for v in versions.list_versions(outputs, account_id)}
    if len(found) < 2 and not (old and new):
        raise UsageError(f"{account_id}: need two published versions to compare, found {len(found)}")
    names = sorted(found)

    def get(name: str) -> versions.Version:
        key = name if name.startswith("v") else f"v{int(name):04d}" if name.isdigit() else name
        if key not in found:
            raise UsageError(f"{account_id}: no version '{name}' (have {', '.join(names) or 'none'})")
        return found[key]

    new_v = get(new) if new else versions.latest_version(outputs, account_id) or found[names[-1]]
    old_v = get(old) if old else found[names[names.index(new_v.name) - 1]] if names.index(new_v.name) else None
    if old_v is None:
        raise UsageError(f"{account_id}: {new_v.name} is the first version; name one to compare with")
    return old_v, new_v


def _fmt(value: Any, spec: str | None) -> str:
    if value is None:
        return "none"
    return format(value, spec) if spec else str(value)


def _snapshot(version: versions.Version) -> Account | None:
    path = version.path / SNAPSHOT
    if not path.is_file():
        return None
    account, _ = load_account_file(path, file_id=version.owner)
    return account


def diff_lines(old: versions.Version, new: versions.Version) -> list[str]:
    """Readable lines of what changed from `old` to `new` (empty when nothing did)."""
    lines: list[str] = []
    a, b = old.manifest(), new.manifest()
    if a.get("as_of") != b.get("as_of"):
        lines.append(f"plan date: {a.get('as_of')} → {b.get('as_of')}")
    ha, hb = a.get("headline", {}), b.get("headline", {})
    for key, label, spec in _HEADLINE:
        if ha.get(key) != hb.get(key):
            lines.append(f"{label}: {_fmt(ha.get(key), spec)} → {_fmt(hb.get(key), spec)}")
    before, after = _snapshot(old), _snapshot(new)
    if before is None or after is None:
        return lines
    old_dates = {s.date for s in before.scorecard}
    for s in after.scorecard:
        if s.date not in old_dates:
            lines.append(f"scorecard: new assessment {s.date}")
    old_projects = {p.id: p for p in before.joint_plan.projects}
    new_projects = {p.id: p for p in after.joint_plan.projects}
    for pid, p in new_projects.items():
        if pid not in old_projects:
            lines.append(f"project {pid} added: {p.title} ({p.status}, due {p.due})")
        elif old_projects[pid].status != p.status:
            verb = "finished" if p.status == "done" else f"{old_projects[pid].status} → {p.status}"
            lines.append(f"project {pid} {verb}: {p.title}")
        elif old_projects[pid].due != p.due:
            lines.append(f"project {pid} due date moved: {old_projects[pid].due} → {p.due}")
    for pid in old_projects.keys() - new_projects.keys():
        lines.append(f"project {pid} removed: {old_projects[pid].title}")
    old_overdue = set(ha.get("overdue_project_ids") or [])
    for pid in sorted(set(hb.get("overdue_project_ids") or []) - old_overdue):
        lines.append(f"project {pid} is now overdue")
    old_contacts = {c.name: c for c in before.relationships}
    new_contacts = {c.name: c for c in after.relationships}
    for name in sorted(new_contacts.keys() - old_contacts.keys()):
        lines.append(f"relationship added: {name}, {new_contacts[name].title}")
    for name in sorted(old_contacts.keys() - new_contacts.keys()):
        lines.append(f"relationship removed: {name}")
    for name in sorted(new_contacts.keys() & old_contacts.keys()):
        o, n = old_contacts[name], new_contacts[name]
        if o.attitude != n.attitude:
            lines.append(f"relationship {name}: attitude {o.attitude:+d} → {n.attitude:+d}")
        if o.owner != n.owner:
            lines.append(f"relationship {name}: owner {o.owner} → {n.owner}")
    return lines + plan_lines(before, after)


def plan_lines(before: Account, after: Account) -> list[str]:
    """What changed in running the plan: targets, pipeline, risks, next steps, governance, and
    the team's memory (new decisions on resources and new insights)."""
    return [*_targets(before, after), *_pipeline(before, after), *_risks(before, after),
            *_next_steps(before, after), *_governance(before, after), *_memory(before, after)]


def _memory(before: Account, after: Account) -> list[str]:
    """Decisions and insights in the new version that the old one did not hold (matched by all
    their fields: an edited one reads as new), oldest first; and how many were removed."""
    def decisions(account: Account) -> list[Decision]:
        return [] if account.governance is None else account.governance.decisions

    old_decisions, new_decisions = decisions(before), decisions(after)
    lines = [f"decision on resources ({d.date}, by {', '.join(d.decided_by)}): {d.decision}"
             for d in sorted((d for d in new_decisions if d not in old_decisions), key=lambda d: d.date)]
    gone = sum(1 for d in old_decisions if d not in new_decisions)
    lines += [f"{wording.plural(gone, 'decision')} removed or edited"] if gone else []
    lines += [f"insight ({i.date}, {readable(i.source)}, {i.kind}): {i.insight}"
              for i in sorted((i for i in after.insights if i not in before.insights), key=lambda i: i.date)]
    gone = sum(1 for i in before.insights if i not in after.insights)
    return lines + ([f"{wording.plural(gone, 'insight')} removed or edited"] if gone else [])


def _money(x: float | None) -> str:
    return "none" if x is None else f"{x:,.0f}"


def _percent(x: float | None) -> str:
    return "none" if x is None else f"{x:.0%}"


_TARGET_MEASURES = (("revenue", "revenue", _money), ("profit", "profit", _money),
                    ("share_of_wallet", "share of wallet", _percent))


def _targets(before: Account, after: Account) -> list[str]:
    old, new = {t.year: t for t in before.targets}, {t.year: t for t in after.targets}
    lines = []
    for year in sorted(old.keys() | new.keys()):
        if year not in old:
            t = new[year]
            given = [f"{label} {shown(getattr(t, key))}" for key, label, shown in _TARGET_MEASURES
                     if getattr(t, key) is not None]
            lines.append(f"target {year} added: {', '.join(given)}")
        elif year not in new:
            lines.append(f"target {year} removed")
        else:
            for key, label, shown in _TARGET_MEASURES:
                a, b = getattr(old[year], key), getattr(new[year], key)
                if a != b:
                    lines.append(f"target {year} {label}: {shown(a)} → {shown(b)}")
    return lines


def _pipeline(before: Account, after: Account) -> list[str]:
    old, new = {o.id: o for o in before.opportunities}, {o.id: o for o in after.opportunities}
    lines = []
    for oid, o in new.items():
        if oid not in old:
            lines.append(f"opportunity {oid} added: {o.title} ({o.stage}, {_money(o.value)} at {_percent(o.probability)}, "
                         f"close {o.close})")
            continue
        was = old[oid]
        if was.stage != o.stage:
            verb = o.stage if o.stage in ("won", "lost") else f"{was.stage} → {o.stage}"
            lines.append(f"opportunity {oid} {verb}: {o.title}")
        if was.value != o.value:
            lines.append(f"opportunity {oid} value: {_money(was.value)} → {_money(o.value)}")
        if was.probability != o.probability and o.stage not in ("won", "lost"):
            lines.append(f"opportunity {oid} probability: {_percent(was.probability)} → {_percent(o.probability)}")
        if was.close != o.close:
            lines.append(f"opportunity {oid} close date moved: {was.close} → {o.close}")
    for oid in sorted(old.keys() - new.keys()):
        lines.append(f"opportunity {oid} removed: {old[oid].title}")
    return lines


def _risks(before: Account, after: Account) -> list[str]:
    old, new = {r.id: r for r in before.risks}, {r.id: r for r in after.risks}
    lines = []
    for rid, r in new.items():
        if rid not in old:
            lines.append(f"risk {rid} added: {r.risk} (likelihood {_percent(r.likelihood)}, impact {r.impact}, "
                         f"{r.status})")
        elif old[rid].status != r.status:
            verb = "closed" if r.status == "closed" else f"{old[rid].status} → {r.status}"
            lines.append(f"risk {rid} {verb}: {r.risk}")
    for rid in sorted(old.keys() - new.keys()):
        lines.append(f"risk {rid} removed: {old[rid].risk}")
    return lines


def _next_steps(before: Account, after: Account) -> list[str]:
    def steps(account: Account) -> dict[tuple[str, str], Any]:
        return {(p.id, s.action): s for p in account.joint_plan.projects for s in p.next_steps}

    old, new = steps(before), steps(after)
    lines = []
    for (pid, action), s in new.items():
        if (pid, action) not in old:
            done = ", done" if s.done else ""
            lines.append(f"next step added ({pid}): {action} — {s.owner}, due {s.due}{done}")
        elif s.done and not old[(pid, action)].done:
            lines.append(f"next step done ({pid}): {action}")
        elif not s.done and old[(pid, action)].done:
            lines.append(f"next step reopened ({pid}): {action}")
        elif s.due != old[(pid, action)].due:
            lines.append(f"next step due date moved ({pid}): {action}: {old[(pid, action)].due} → {s.due}")
    for pid, action in sorted(old.keys() - new.keys()):
        lines.append(f"next step removed ({pid}): {action}")
    return lines


def _governance(before_account: Account, after_account: Account) -> list[str]:
    """Plan status (no governance reads as draft), reviews, and when the next one is due
    (`next_review`, else the last review + the cadence)."""
    lines = []
    before, after = before_account.governance, after_account.governance
    old_status, new_status = governance.plan_status(before_account), governance.plan_status(after_account)
    if old_status != new_status:
        agreed = ""
        if new_status == governance.AGREED and after is not None:
            agreed = "".join([f" with {after.agreed_with}" if after.agreed_with else "",
                              f" on {after.agreed_on}" if after.agreed_on else ""])
        lines.append(f"plan status: {old_status} → {new_status}{agreed}")
    if before and after and before.last_review != after.last_review and after.last_review:
        lines.append(f"plan reviewed: {after.last_review} (before: {before.last_review or 'never'})")
    old_due, new_due = governance.review_due(before_account), governance.review_due(after_account)
    if old_due != new_due:
        lines.append(f"next review: {old_due or 'none'} → {new_due or 'none'}")
    if before and after and before.review_every_days != after.review_every_days:
        lines.append(f"review every {before.review_every_days} → {after.review_every_days} days")
    return lines
