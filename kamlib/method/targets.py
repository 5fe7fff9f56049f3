"""Running the plan: targets for the coming years against the latest actuals.

The latest actuals are the newest `financials` row (it may be a forecast year: the row says so,
and everything that shows it labels it). For each target year and each measure it names:

- revenue: our revenue with the account;
- profit: revenue × gross margin − cost to serve (profit after cost to serve);
- share of wallet: revenue / wallet;

the gap is target − latest (positive: still to win; negative: the latest year is already ahead).

The target year of a plan is the earliest `targets` year on or after the calendar year of the
planning date; the revenue gap is that year's revenue target − the latest revenue (None without
a target year).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from kamlib.parameters.model import Account, Target, YearFinancials

# The measures a target may name: (the Target field, its label for a reader).
MEASURES = (("revenue", "revenue"), ("profit", "profit after cost to serve"), ("share_of_wallet", "share of wallet"))
TARGET_COLUMNS = ["year", "measure", "label", "target", "latest", "gap", "latest_year", "latest_forecast",
                  "latest_label"]


def latest_actuals(account: Account) -> YearFinancials:
    """The newest financials row: the latest year, closed or forecast."""
    return account.financials[-1]


def year_label(row: YearFinancials) -> str:
    """A financials year as a reader sees it: "2025", or "2026 (forecast)" for a forecast year."""
    return f"{row.year} (forecast)" if row.forecast else str(row.year)


def latest_value(row: YearFinancials, measure: str) -> float | None:
    """The latest year's value of a target measure (share of wallet: None when the wallet is 0)."""
    if measure == "revenue":
        return row.revenue
    if measure == "profit":
        return row.profit
    return row.revenue / row.wallet if row.wallet else None


def target_year(account: Account, as_of: date) -> Target | None:
    """The plan's target: the earliest `targets` year >= the calendar year of `as_of` (None: none)."""
    coming = [t for t in account.targets if t.year >= as_of.year]
    return min(coming, key=lambda t: t.year) if coming else None


def revenue_gap(account: Account, as_of: date) -> float | None:
    """Revenue target of the target year − revenue of the latest year (negative when ahead; None
    without a target year)."""
    target = target_year(account, as_of)
    return None if target is None else target.revenue - latest_actuals(account).revenue


def targets_table(account: Account) -> pd.DataFrame:
    """Every target year against the latest actuals: one row per year and measure the target names.

    Columns: year, measure (the field), label (in words), target, latest, gap (target − latest,
    None when the latest value is unknown), latest_year, latest_forecast (whether the latest row
    is a forecast) and latest_label ("2026 (forecast)"). Years in order; measures as `MEASURES`.
    """
    latest = latest_actuals(account)
    rows = []
    for t in sorted(account.targets, key=lambda t: t.year):
        for measure, label in MEASURES:
            goal = getattr(t, measure)
            if goal is None:
                continue
            now = latest_value(latest, measure)
            rows.append({"year": t.year, "measure": measure, "label": label, "target": goal, "latest": now,
                         "gap": None if now is None else goal - now, "latest_year": latest.year,
                         "latest_forecast": latest.forecast, "latest_label": year_label(latest)})
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)
