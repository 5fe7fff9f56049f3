"""Step 1 of the method: the forces acting on the customer's business.

A force's priority is |impact| × likelihood: a certain, strong force (±2, 1.0) scores 2, an
unlikely or mild one near 0. The sign of the impact says whether it helps or hurts the
customer; the implication says what it means for us.

A force is answered by the joint plan when a strategy lists the force's id in its `answers`:
a link the team makes on purpose, never read from shared words. Word overlap only *suggests*
strategies or objectives that might answer a force (`suggested_answers`), for the team to
confirm by writing the link.
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
        "id": f.id, "force": f.force, "label": FORCE_LABELS[f.force], "description": f.description,
        "impact": f.impact, "likelihood": f.likelihood, "horizon": f.horizon,
        "priority": abs(f.impact) * f.likelihood, "for_us": f.for_us, "implication": f.implication,
    } for f in account.environment]
    columns = ["id", "force", "label", "description", "impact", "likelihood", "horizon", "priority", "for_us",
               "implication"]
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
    """The customer's SWOT, from the customer's side only.

    Strengths and weaknesses are the customer's advantages and disadvantages against its own
    competitors; opportunities and threats are the forces that help (impact > 0) or hurt
    (impact < 0) the customer, highest priority first. What a force means for us is another
    view (`what_it_means_for_us`): a force that hurts the customer may be our opportunity.
    """
    forces = forces_table(account)

    def lines(part: pd.DataFrame) -> list[str]:
        return [f"{r.label}: {r.description}" for r in part.itertuples()]
    return {
        "strengths": list(account.business.advantages),
        "weaknesses": list(account.business.disadvantages),
        "opportunities": lines(forces[forces["impact"] > 0]),
        "threats": lines(forces[forces["impact"] < 0]),
    }


def what_it_means_for_us(account: Account) -> dict[str, list[str]]:
    """The forces from our side, by their `for_us` (not by the impact on the customer), highest
    priority first: `opportunities` (opportunity or both), `threats` (threat or both), and
    `not_judged` (no `for_us` yet: listed as such, never guessed from the impact). Each line gives
    the implication for us and, for contrast, what the force does to the customer.
    """
    forces = forces_table(account)

    def lines(part: pd.DataFrame) -> list[str]:
        effect = {1: "helps it", -1: "hurts it", 0: "neither helps nor hurts it"}
        return [f"{r.label}: {r.implication} (For the customer: {effect[(r.impact > 0) - (r.impact < 0)]}, "
                f"impact {r.impact:+d}.)" for r in part.itertuples()]
    return {
        "opportunities": lines(forces[forces["for_us"].isin(["opportunity", "both"])]),
        "threats": lines(forces[forces["for_us"].isin(["threat", "both"])]),
        "not_judged": [f"{r.label}: not yet judged for us (set for_us: opportunity, threat or both)."
                       for r in forces[forces["for_us"].isna()].itertuples()],
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


def answers(account: Account) -> dict[str, list[str]]:
    """Force id → the ids of the strategies that list it in their `answers` (file order)."""
    linked: dict[str, list[str]] = {}
    for strategy in account.joint_plan.strategies:
        for force_id in strategy.answers:
            linked.setdefault(force_id, []).append(strategy.id)
    return linked


NO_ID = "no id: a strategy cannot list it in its answers"


def unanswered_forces(account: Account, min_priority: float = 0.5) -> pd.DataFrame:
    """Forces of at least `min_priority` that no strategy answers, highest priority first.

    A force is answered when a strategy lists its id in `answers`. A force without an id cannot
    be linked, so it is listed too, and `why` says so; otherwise `why` says no strategy lists it.
    """
    forces = forces_table(account)
    linked = answers(account)
    gaps = forces[(forces["priority"] >= min_priority) & ~forces["id"].isin(linked)].reset_index(drop=True)
    gaps["why"] = [NO_ID if pd.isna(i) else f"no strategy lists {i} in its answers" for i in gaps["id"]]
    return gaps


SUGGESTION_COLUMNS = ["force_id", "label", "priority", "candidate", "kind", "statement", "shared_words", "status"]


def suggested_answers(account: Account, min_priority: float = 0.5) -> pd.DataFrame:
    """Suggestions, not answers: for each unanswered force (`unanswered_forces`), the strategies and
    objectives whose words meet the force's — at least two content words shared with its
    description and implication, or the force's name (e.g. "regulation") — with those words.

    Words mislead ("shareholders" meets "share of wallet"), so each row is labelled a suggestion
    and says how to make it an answer: list the force's id in the strategy's `answers` (for an
    objective, in a strategy serving it).
    """
    plan = account.joint_plan
    candidates = [("strategy", s.id, s.statement, _stems(s.statement)) for s in plan.strategies] + \
                 [("objective", o.id, o.statement, _stems(f"{o.statement} {o.metric} {o.target}")) for o in plan.objectives]
    rows = []
    for force in unanswered_forces(account, min_priority).itertuples():
        words, label = _stems(f"{force.description} {force.implication}"), _stems(force.label)
        force_id = None if pd.isna(force.id) else force.id
        for kind, ref, statement, theirs in candidates:
            shared = words & theirs
            if len(shared) < 2 and not (label and label <= theirs):
                continue
            where = f"{ref}'s answers" if kind == "strategy" else f"the answers of a strategy serving {ref}"
            how = f"list {force_id} in {where}" if force_id else f"give the force an id, then list it in {where}"
            rows.append({"force_id": force_id, "label": force.label, "priority": force.priority, "candidate": ref,
                         "kind": kind, "statement": statement, "shared_words": ", ".join(sorted(shared | (label & theirs))),
                         "status": f"suggestion: {how} if it really answers it"})
    table = pd.DataFrame(rows, columns=SUGGESTION_COLUMNS)
    table["force_id"] = table["force_id"].astype(object)
    return table
