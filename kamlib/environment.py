"""Step 1 of the method: the forces acting on the customer's business.

A force's priority is |impact| × likelihood: a certain, strong force (±2, 1.0) scores 2, an
unlikely or mild one near 0. The sign of the impact says whether it helps or hurts the
customer; the implication says what it means for us.
"""

from __future__ import annotations

import pandas as pd

from kamlib.model import Account

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
