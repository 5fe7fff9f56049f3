"""Running the plan: the risk register, and the risks the data shows but nobody recorded.

A risk's score is likelihood (0..1) × impact (1 low, 2 medium, 3 high), so 0..3; the register
is ranked by score, highest first, ties by id. A mitigation is overdue when the risk is open and
its `due` is before the planning date.

Two situations are risks whether or not anyone wrote them down (`unrecorded_risks`):

- a hostile, influential decision maker: a contact with buying role decision maker, attitude
  −1 or lower and influence 4 or higher, whom no risk names as its `contact`;
- an opportunistic customer: the scorecard raises the opportunistic-customer flag
  (`scorecard.mismatch_flags`) while the account has no open risk at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from kamlib.method import scorecard
from kamlib.parameters.model import Account, PortfolioSettings, Risk

OPEN = "open"                  # the risk status that still threatens the plan
HOSTILE_ATTITUDE = -1          # attitude at or below: hostile
INFLUENTIAL = 4                # influence at or above: influential
DECISION_MAKER = "decision_maker"
OPPORTUNISTIC = "opportunistic_customer"   # scorecard.Flag.kind

REGISTER_COLUMNS = ["id", "risk", "likelihood", "impact", "score", "status", "owner", "mitigation", "due",
                    "overdue", "force", "force_description", "contact", "contact_title"]


def score(risk: Risk) -> float:
    """likelihood × impact, 0..3."""
    return risk.likelihood * risk.impact


def ranked(account: Account) -> list[Risk]:
    """Every risk, highest score first; equal scores by id."""
    return sorted(account.risks, key=lambda r: (-score(r), r.id))


def open_risks(account: Account) -> list[Risk]:
    """The open risks, ranked."""
    return [r for r in ranked(account) if r.status == OPEN]


def top_risk_score(account: Account) -> float | None:
    """The largest score among the open risks (None: no open risk)."""
    scores = [score(r) for r in open_risks(account)]
    return max(scores) if scores else None


def is_overdue(risk: Risk, as_of: date) -> bool:
    """Open, with a mitigation due before the planning date."""
    return risk.status == OPEN and risk.due is not None and risk.due < as_of


def overdue_mitigations(account: Account, as_of: date) -> list[Risk]:
    """Open risks whose mitigation was due before the planning date, ranked."""
    return [r for r in ranked(account) if is_overdue(r, as_of)]


def register(account: Account, as_of: date) -> pd.DataFrame:
    """The risk register, ranked: each risk with its score, whether its mitigation is overdue, and
    the force (with its description) or the person (with their title) it is tied to."""
    forces = {f.id: f.description for f in account.environment if f.id is not None}
    titles = {c.name: c.title for c in account.relationships}
    rows = [{"id": r.id, "risk": r.risk, "likelihood": r.likelihood, "impact": r.impact, "score": score(r),
             "status": r.status, "owner": r.owner, "mitigation": r.mitigation, "due": r.due,
             "overdue": is_overdue(r, as_of), "force": r.force, "force_description": forces.get(r.force or ""),
             "contact": r.contact, "contact_title": titles.get(r.contact or "")}
            for r in ranked(account)]
    return pd.DataFrame(rows, columns=REGISTER_COLUMNS)


def linked_risks(account: Account, as_of: date) -> pd.DataFrame:
    """The register's risks tied to a force or a person."""
    table = register(account, as_of)
    return table[table["force"].notna() | table["contact"].notna()].reset_index(drop=True)


@dataclass(frozen=True)
class UnrecordedRisk:
    """A risk the data shows and the register does not: what kind, whom it is about (a contact's
    name, or None for the account as a whole) and the evidence."""

    kind: str      # "hostile_decision_maker" | "opportunistic_customer"
    contact: str | None
    evidence: str


def hostile_decision_makers(account: Account) -> list[str]:
    """Decision makers with attitude ≤ −1 and influence ≥ 4, most influential first (then most hostile)."""
    hostile = [c for c in account.relationships
               if c.buying_role == DECISION_MAKER and c.attitude <= HOSTILE_ATTITUDE and c.influence >= INFLUENTIAL]
    return [c.name for c in sorted(hostile, key=lambda c: (-c.influence, c.attitude))]


def unrecorded_risks(account: Account, settings: PortfolioSettings, as_of: date) -> list[UnrecordedRisk]:
    """Hostile, influential decision makers no risk names as its contact (any status: a risk that
    names them is recorded), then the opportunistic-customer flag when no risk is open."""
    named = {r.contact for r in account.risks if r.contact is not None}
    contacts = {c.name: c for c in account.relationships}
    found = []
    for name in hostile_decision_makers(account):
        if name in named:
            continue
        c = contacts[name]
        found.append(UnrecordedRisk("hostile_decision_maker", name,
                                    f"{name} ({c.title}) is a decision maker with influence {c.influence} of 5 and "
                                    f"attitude {c.attitude:+d}, and no risk names them."))
    flags = [f for f in scorecard.mismatch_flags(account, settings, as_of) if f.kind == OPPORTUNISTIC]
    if flags and not open_risks(account):
        found.append(UnrecordedRisk(OPPORTUNISTIC, None, f"{flags[0].message} No open risk is recorded."))
    return found
