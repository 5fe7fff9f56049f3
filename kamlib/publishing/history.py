"""What changed between two published versions of an account's plan, in readable lines.

Each version keeps the account file it was built from (`account.yaml`), so the comparison
covers the content (assessments, projects, relationships) as well as the headline figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kamlib.errors import UsageError
from kamlib.parameters.loader import load_account_file
from kamlib.parameters.model import Account
from kamlib.publishing import versions

SNAPSHOT = "account.yaml"
_HEADLINE = [("class", "class", None), ("customer_score", "customer score", ".2f"),
             ("supplier_score", "our score", ".2f"), ("relative_strength", "relative strength", ".2f"),
             ("share_of_wallet", "share of wallet", ".0%"), ("revenue", "revenue", ",.0f"),
             ("profit", "profit", ",.0f"), ("attractiveness", "attractiveness", ".2f"),
             ("plan_health", "plan health", None), ("overdue_projects", "overdue projects", None)]


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
    return lines
