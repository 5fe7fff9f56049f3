"""Step 2 of the method: where we stand against competitors inside the account.

The customer's buying criteria are weighted; each player's weighted score is
Σ weight × score. Our relative strength is our weighted score divided by the best
competitor's (above 1: we lead; below 1: someone is preferred on the criteria that count).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kamlib.parameters.model import LADDER_ORDER, US, Account


def weighted_scores(account: Account) -> pd.Series:
    """Σ weight × score per player (us first, then competitors in file order)."""
    players = [US] + [c.name for c in account.rivals]
    return pd.Series({p: sum(c.weight * c.scores[p] for c in account.buying_criteria) for p in players},
                     name="weighted_score")


def relative_strength(account: Account) -> float | None:
    """Our weighted score / the best competitor's; None when no competitor is listed."""
    scores = weighted_scores(account)
    rivals = scores.drop(US)
    return None if rivals.empty else float(scores[US] / rivals.max())


def criteria_table(account: Account) -> pd.DataFrame:
    """Per criterion: weight, every player's score, and our gap to the best competitor.

    `weighted_gap` = weight × (our score − best competitor's score): how many points of the
    weighted total we win or lose on that criterion.
    """
    rivals = [c.name for c in account.rivals]
    rows = []
    for c in account.buying_criteria:
        best = max((c.scores[r] for r in rivals), default=None)
        gap = None if best is None else c.scores[US] - best
        rows.append({"criterion": c.criterion, "weight": c.weight, US: c.scores[US],
                     **{r: c.scores[r] for r in rivals},
                     "gap_to_best": gap, "weighted_gap": None if gap is None else c.weight * gap})
    return pd.DataFrame(rows)


def share_of_wallet(account: Account) -> pd.DataFrame:
    """Who holds the customer's category spend in the latest year, with the unallocated rest.

    Our share is revenue / wallet from the latest financials; competitors' are as given.
    """
    latest = account.financials[-1]
    ours = latest.revenue / latest.wallet if latest.wallet else 0.0
    rows: list[dict[str, Any]] = [{"player": US, "share": ours, "spend": latest.revenue, "ladder": account.us.ladder}]
    for c in account.rivals:
        share = c.share_of_wallet or 0.0
        rows.append({"player": c.name, "share": share, "spend": share * latest.wallet, "ladder": c.ladder})
    rest = max(0.0, 1 - sum(r["share"] for r in rows))
    rows.append({"player": "unallocated", "share": rest, "spend": rest * latest.wallet, "ladder": None})
    table = pd.DataFrame(rows)
    table["rung"] = table["ladder"].map({rung: i for i, rung in enumerate(LADDER_ORDER, start=1)})
    return table


CELL_STATES = ("won", "open", "competitor", "none")


def whitespace_matrix(account: Account) -> pd.DataFrame | None:
    """Units (rows) × offerings (columns) with the state of each cell; a cell the file leaves out
    is "none". None when the account has no whitespace section."""
    ws = account.whitespace
    if ws is None:
        return None
    rows = {u.unit: [u.cells.get(o, "none") for o in ws.offerings] for u in ws.units}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(ws.offerings)).rename_axis("unit")


def whitespace_counts(matrix: pd.DataFrame) -> dict[str, int]:
    """How many cells are won, open, held by a competitor, or of no use."""
    values = matrix.to_numpy().ravel().tolist()
    return {state: values.count(state) for state in CELL_STATES}


def whitespace_targets(matrix: pd.DataFrame) -> pd.DataFrame:
    """The cells to go after: open ones (nobody supplies them yet) first, then those a competitor
    holds; in the file's order of units and offerings within each."""
    rows = [{"unit": unit, "offering": offering, "state": state}
            for wanted in ("open", "competitor")
            for unit, cells in matrix.iterrows()
            for offering, state in cells.items() if state == wanted]
    return pd.DataFrame(rows, columns=["unit", "offering", "state"])


def ladder_table(account: Account) -> pd.DataFrame:
    """Each player's rung: 1 vendor, 2 preferred supplier, 3 strategic partner (us first)."""
    rows = [{"player": c.name, "ladder": c.ladder, "rung": LADDER_ORDER.index(c.ladder) + 1}
            for c in [account.us, *account.rivals]]
    return pd.DataFrame(rows)
