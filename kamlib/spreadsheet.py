"""`portfolio.xlsx`: the portfolio's tables for people who work in a spreadsheet.

One sheet per table, cells typed (numbers as numbers, dates as dates, money and percentages
formatted), a frozen header row and filters. Text from parameter files is always written as a
text cell: a name beginning with `=`, `+`, `-` or `@` is shown as written and never becomes a
formula. The workbook's own timestamps are set to the plan date, so the same inputs give the
same sheets.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from kamlib import plan, portfolio
from kamlib.params import Portfolio

MONEY = "#,##0"
PERCENT = "0.0%"
SCORE = "0.00"
DATE = "yyyy-mm-dd"


def tables(whole: Portfolio, as_of: date) -> dict[str, tuple[pd.DataFrame, dict[str, str]]]:
    """The sheets: name → (table, number format per column)."""
    currency = whole.settings.currency
    table = portfolio.with_quadrants(portfolio.portfolio_table(whole, as_of)) if whole.accounts else pd.DataFrame()
    accounts = pd.DataFrame({
        "Account id": table.get("account", []), "Account": table.get("name", []),
        "Class": [str(c).replace("_", " ") if c else "not assessed" for c in table.get("class", [])],
        "Quadrant": table.get("quadrant", []),
        "Attractiveness (0-1)": table.get("attractiveness", []),
        "Relative strength": table.get("relative_strength", []),
        "Customer score (1-5)": table.get("customer_score", []), "Our score (1-5)": table.get("supplier_score", []),
        "Latest assessment": [_date(d) for d in table.get("assessment_date", [])],
        f"Revenue ({currency})": table.get("revenue", []), "Share of wallet": table.get("share_of_wallet", []),
        f"Profit ({currency})": table.get("profit", []), "Plan health (0-100)": table.get("plan_health", []),
        "Overdue projects": table.get("overdue_projects", []),
    })
    formats = {"Attractiveness (0-1)": SCORE, "Relative strength": SCORE, "Customer score (1-5)": SCORE,
               "Our score (1-5)": SCORE, "Latest assessment": DATE, f"Revenue ({currency})": MONEY,
               "Share of wallet": PERCENT, f"Profit ({currency})": MONEY}

    classes = [c.name for c in whole.settings.scorecard.classes] + [None]
    by_class = pd.DataFrame([
        {"Class": (k or "not assessed").replace("_", " "),
         "Accounts": int(_is(table, k).sum()) if len(table) else 0,
         f"Revenue ({currency})": float(table.loc[_is(table, k), "revenue"].sum()) if len(table) else 0.0,
         f"Profit ({currency})": float(table.loc[_is(table, k), "profit"].sum()) if len(table) else 0.0}
        for k in classes])

    rows = []
    for account in whole.accounts.values():
        latest = max(account.financials, key=lambda y: y.year)
        rows.append({"Account id": account.id, "Account": account.name, "Year": latest.year,
                     f"Revenue ({currency})": latest.revenue, "Gross margin": latest.gross_margin,
                     f"Gross profit ({currency})": latest.gross_profit,
                     f"Cost to serve ({currency})": latest.cost_to_serve, f"Profit ({currency})": latest.profit,
                     "Profit / revenue": latest.profit / latest.revenue if latest.revenue else None})
    profitability = pd.DataFrame(rows, columns=["Account id", "Account", "Year", f"Revenue ({currency})",
                                                "Gross margin", f"Gross profit ({currency})",
                                                f"Cost to serve ({currency})", f"Profit ({currency})",
                                                "Profit / revenue"])
    if len(profitability):
        profitability = profitability.sort_values([f"Profit ({currency})", "Account id"], ascending=[False, True],
                                                  kind="stable").reset_index(drop=True)
        profitability[f"Cumulative profit ({currency})"] = profitability[f"Profit ({currency})"].cumsum()
    money_columns = [c for c in profitability.columns if c.endswith(f"({currency})")]

    overdue = []
    for account in sorted(whole.accounts.values(), key=lambda a: a.id):
        late = set(plan.overdue_projects(account, as_of))
        for p in (p for p in account.joint_plan.projects if p.id in late):
            overdue.append({"Account id": account.id, "Account": account.name, "Project": p.id, "Title": p.title,
                            "Our owner": p.owner, "Customer owner": p.customer_owner, "Due": p.due,
                            "Days overdue": (as_of - p.due).days, "Status": p.status.replace("_", " ")})
    overdue_table = pd.DataFrame(overdue, columns=["Account id", "Account", "Project", "Title", "Our owner",
                                                   "Customer owner", "Due", "Days overdue", "Status"])
    conflicts = portfolio.competing_team_members(whole).rename(
        columns={"person": "Person", "account": "Account id", "competing_account": "Competing account id"})
    return {
        "Accounts": (accounts, formats),
        "Classes": (by_class, {f"Revenue ({currency})": MONEY, f"Profit ({currency})": MONEY}),
        "Profitability": (profitability, {**{c: MONEY for c in money_columns}, "Gross margin": PERCENT,
                                          "Profit / revenue": PERCENT}),
        "Overdue projects": (overdue_table, {"Due": DATE}),
        "Team conflicts": (conflicts, {}),
    }


def _is(table: pd.DataFrame, klass: str | None) -> pd.Series:
    return table["class"].isna() if klass is None else table["class"] == klass


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def write_portfolio_workbook(path: Path, whole: Portfolio, as_of: date) -> None:
    """Write the sheets with typed cells; text is never interpreted as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    stamp = datetime(as_of.year, as_of.month, as_of.day)
    book.properties.created = book.properties.modified = stamp
    book.properties.creator = whole.settings.supplier
    book.properties.title = f"Key account portfolio {as_of.isoformat()}"
    for title, (frame, formats) in tables(whole, as_of).items():
        sheet = book.create_sheet(title)
        for column, name in enumerate(frame.columns, start=1):
            cell = sheet.cell(row=1, column=column)
            _put(cell, str(name))
            cell.font = Font(bold=True)
        for row, values in enumerate(frame.itertuples(index=False), start=2):
            for column, (name, value) in enumerate(zip(frame.columns, values, strict=True), start=1):
                cell = sheet.cell(row=row, column=column)
                _put(cell, value)
                if name in formats and (cell.data_type == "n" or cell.is_date):
                    cell.number_format = formats[name]
        for column, name in enumerate(frame.columns, start=1):
            width = max([len(str(name))] + [len(str(v)) for v in frame.iloc[:, column - 1]]) + 2
            sheet.column_dimensions[get_column_letter(column)].width = min(width, 60)
        sheet.freeze_panes = "A2"
        if len(frame.columns):
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{max(len(frame) + 1, 1)}"
    book.save(path)


def _put(cell: Any, value: Any) -> None:
    """Typed value into a cell: None empty, numbers and dates as such, everything else text."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, bool):
        cell.value = value
    elif isinstance(value, (int, float)):
        cell.value = value
    elif isinstance(value, datetime):
        cell.value = value
    elif isinstance(value, date):
        cell.value = datetime(value.year, value.month, value.day)
    else:
        cell.value = str(value)
        cell.data_type = "s"  # openpyxl makes "=…" a formula; a parameter file's text never is
