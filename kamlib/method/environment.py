"""Step 1 of the method: the forces acting on the customer's business.

A force's priority is |impact| × likelihood: a certain, strong force (±2, 1.0) scores 2, an
unlikely or mild one near 0. The sign of the impact says whether it helps or hurts the
customer; the implication says what it means for us.
"""

from __future__ import annotations

import re

import pandas as pd

from kamlib.parameters.model import Account

FORCE_LABELS = {
    "technology": "Technology", "mergers_acquisitions": "Mergers & acquisitions",
    "investor_pressure": "Investor pressure", "consumer_demand": "End-consumer demand",
    "globalisation": "Globalisation", "complexity": "Complexity",
    "purchasing_dynamics": "Purchasing dynamics", "regulation": "Regulation", "other": "Other",
}
HORIZONS = ("short", "medium", "long")


def forces_table(account: Account) -> pd.DataFrame:
    """The forces ranked by priority (|impact| × likelihood), highest first; ties keep file order."""
    rows = [{
        "force": f.force, "label": FORCE_LABELS[f.force], "description": f.description,
        "impact": f.impact, "likelihood": f.likelihood, "horizon": f.horizon,
        "priority": abs(f.impact) * f.likelihood, "implication": f.implication,
    } for f in account.environment]
    columns = ["force", "label", "description", "impact", "likelihood", "horizon", "priority", "implication"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values("priority", ascending=False, kind="stable").reset_index(drop=True)


LIKELIHOOD_LABELS = ("0–20%", "20–40%", "40–60%", "60–80%", "80–100%")


def heatmap_grid(forces: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per horizon, a grid of impact (rows, +2 at the top) × likelihood band (columns) holding the
    summed priority of the forces in each cell (0 where there is none)."""
    grids = {}
    for horizon in HORIZONS:
        grid = pd.DataFrame(0.0, index=[2, 1, 0, -1, -2], columns=list(LIKELIHOOD_LABELS))
        for row in forces[forces["horizon"] == horizon].itertuples():
            band = min(int(row.likelihood / 0.2), 4)  # 1.0 falls in the top band
            grid.loc[row.impact, LIKELIHOOD_LABELS[band]] += row.priority
        grids[horizon] = grid
    return grids


def swot(account: Account) -> dict[str, list[str]]:
    """A SWOT of the account (the customer's position), in the method's terms.

    Strengths and weaknesses are the customer's advantages and disadvantages against its own
    competitors; opportunities and threats are the forces that help (impact > 0) or hurt
    (impact < 0) it, highest priority first, each with what it means for us.
    """
    forces = forces_table(account)
    def lines(part: pd.DataFrame) -> list[str]:
        return [f"{r.label}: {r.description} — for us: {r.implication}" for r in part.itertuples()]
    return {
        "strengths": list(account.business.advantages),
        "weaknesses": list(account.business.disadvantages),
        "opportunities": lines(forces[forces["impact"] > 0]),
        "threats": lines(forces[forces["impact"] < 0]),
    }


_STOPWORDS = frozenset("""
about above after again against their there these those which while where would could should
with within without into onto from that this than then them they have has had been being will
shall our ours your more most less over under across between through during before because
other such only also very every each both same just like many much some what when whom whose
were does make made need needs want wants year years than them they then into onto been
must well able down high higher highest lower lowest three first second next last least
""".split())


def _stems(text: str) -> set[str]:
    """Content words of a text (four letters or more), singular and cut to five letters, so that
    pack/packs and recycle/recyclable/recycling meet."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    return {(w[:-1] if w.endswith("s") and len(w) > 4 else w)[:5] for w in words
            if len(w) >= 4 and w not in _STOPWORDS}


def unanswered_forces(account: Account, min_priority: float = 0.5) -> pd.DataFrame:
    """Forces of at least `min_priority` that no objective or strategy of the joint plan refers to.

    "Refers to" is read from the words: a force is answered when an objective (statement,
    metric, target) or strategy statement shares at least two content words with the force's
    description and implication, or names the force itself (e.g. "regulation"). It is a prompt
    for the team, not a verdict.
    """
    forces = forces_table(account)
    plan = account.joint_plan
    texts = [_stems(f"{o.statement} {o.metric} {o.target}") for o in plan.objectives] + \
            [_stems(s.statement) for s in plan.strategies]
    gaps = []
    for row in forces[forces["priority"] >= min_priority].itertuples():
        words = _stems(f"{row.description} {row.implication}")
        label = _stems(row.label)
        if not any(len(words & t) >= 2 or (label and label <= t) for t in texts):
            gaps.append(row.Index)
    return forces.loc[gaps].reset_index(drop=True)
