"""Spreadsheets: `portfolio.xlsx` of the overview, and the workbooks of `kam export`.

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

from kamlib.method import action_plan, next_steps, pipeline, portfolio, risks, scorecard
from kamlib.parameters.atomic import write_atomically
from kamlib.parameters.loader import Portfolio
from kamlib.parameters.model import Account, PortfolioSettings

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
        late = set(action_plan.overdue_projects(account, as_of))
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


Sheets = dict[str, tuple[pd.DataFrame, dict[str, str]]]


def account_tables(accounts: list[Account], settings: PortfolioSettings, as_of: date) -> Sheets:
    """The sheets of `kam export`: headline figures, financials, scorecard history, projects,
    contacts, pipeline, risks and next steps of the accounts given, one row per account / year /
    assessment / project / person / opportunity / risk / next step.

    The Financials and Contacts sheets are read back by `kam import accounts`, the Pipeline sheet
    by `kam import opportunities` (built-in mappings `kam-export`): their column names are part
    of that contract. Columns marked "(computed)" are not read back.
    """
    money = f'#,##0 "{settings.currency}"'
    headline = pd.DataFrame([_headline_row(a, settings, as_of) for a in accounts], columns=_HEADLINE_COLUMNS)
    years = pd.DataFrame(
        [{"Account id": a.id, "Account": a.name, "Year": y.year, "Revenue": y.revenue, "Gross margin": y.gross_margin,
          "Cost to serve": y.cost_to_serve, "Wallet": y.wallet, "Profit (computed)": y.profit,
          "Share of wallet (computed)": y.revenue / y.wallet if y.wallet else None}
         for a in accounts for y in a.financials],
        columns=["Account id", "Account", "Year", "Revenue", "Gross margin", "Cost to serve", "Wallet",
                 "Profit (computed)", "Share of wallet (computed)"])
    cards = []
    for a in accounts:
        for _, row in scorecard.scorecard_table(a, settings, as_of).iterrows():
            cards.append({"Account id": a.id, "Date": row["date"],
                          **{_label(k): row[k] for k in row.index if k.startswith(("customer.", "supplier."))},
                          "Customer score": row["customer_score"], "Our score": row["supplier_score"],
                          "Class": str(row["class"]).replace("_", " "), "Evidence": row["evidence"]})
    card_table = pd.DataFrame(cards)
    late = {a.id: set(action_plan.overdue_projects(a, as_of)) for a in accounts}
    projects = pd.DataFrame(
        [{"Account id": a.id, "Project": p.id, "Title": p.title, "Strategy": p.strategy, "Our owner": p.owner,
          "Customer owner": p.customer_owner, "Start": p.start, "Due": p.due, "Status": p.status.replace("_", " "),
          "Overdue": p.id in late[a.id], "Shared with customer": p.shared}
         for a in accounts for p in a.joint_plan.projects],
        columns=["Account id", "Project", "Title", "Strategy", "Our owner", "Customer owner", "Start", "Due",
                 "Status", "Overdue", "Shared with customer"])
    contacts = pd.DataFrame(
        [{"Account id": a.id, "Name": c.name, "Title": c.title, "Function": c.function.replace("_", " "),
          "Level": c.level, "Influence (1-5)": c.influence, "Attitude (-2..2)": c.attitude,
          "Buying role": (c.buying_role or "").replace("_", " "), "Our owner": c.owner,
          "Last contact": c.last_contact, "Days since contact": (as_of - c.last_contact).days}
         for a in accounts for c in a.relationships],
        columns=["Account id", "Name", "Title", "Function", "Level", "Influence (1-5)", "Attitude (-2..2)",
                 "Buying role", "Our owner", "Last contact", "Days since contact"])
    score_columns = {c: SCORE for c in card_table.columns if c not in ("Account id", "Date", "Class", "Evidence")}
    pipeline_sheet, risk_sheet, step_sheet = _pipeline(accounts, as_of), _risks(accounts, as_of), _next_steps(
        accounts, as_of)
    return {
        "Headline": (headline, {"Revenue": money, "Wallet": money, "Profit": money, "Share of wallet": PERCENT,
                                "Gross margin": PERCENT, "Customer score": SCORE, "Our score": SCORE,
                                "Attractiveness": SCORE, "Latest assessment": DATE}),
        "Financials": (years, {"Revenue": money, "Cost to serve": money, "Wallet": money,
                               "Profit (computed)": money, "Gross margin": PERCENT,
                               "Share of wallet (computed)": PERCENT}),
        "Scorecard": (card_table, {"Date": DATE, **score_columns}),
        "Projects": (projects, {"Start": DATE, "Due": DATE}),
        "Contacts": (contacts, {"Last contact": DATE}),
        "Pipeline": (pipeline_sheet, {"Value": money, "Probability": PERCENT, "Close": DATE,
                                "Weighted value (computed)": money}),
        "Risks": (risk_sheet, {"Likelihood": PERCENT, "Score (computed)": SCORE, "Due": DATE}),
        "Next steps": (step_sheet, {"Due": DATE}),
    }


PIPELINE_COLUMNS = ["Account id", "Account", "Opportunity", "Title", "Value", "Probability", "Stage", "Close", "Owner",
                    "Strategy", "Unit", "Offering", "CRM id", "Weighted value (computed)", "Stale (computed)"]


def _pipeline(accounts: list[Account], as_of: date) -> pd.DataFrame:
    """One row per opportunity. Weighted value = value × probability and stale = the close date
    has passed, for an open opportunity (not won or lost); blank for a closed one."""
    rows = []
    for a in accounts:
        for o in a.opportunities:
            is_open = pipeline.is_open(o)
            rows.append(dict(zip(PIPELINE_COLUMNS, [
                a.id, a.name, o.id, o.title, o.value, o.probability, o.stage, o.close, o.owner, o.strategy, o.unit,
                o.offering, o.crm_id, o.value * o.probability if is_open else None,
                o.close < as_of if is_open else None])))
    return pd.DataFrame(rows, columns=PIPELINE_COLUMNS)


RISK_COLUMNS = ["Account id", "Account", "Risk", "What could happen", "Likelihood", "Impact (1-3)", "Score (computed)",
                "Owner", "Mitigation", "Status", "Due", "Overdue (computed)", "Force", "Contact"]


def _risks(accounts: list[Account], as_of: date) -> pd.DataFrame:
    """One row per risk, ranked in each account by score = likelihood × impact (highest first);
    overdue = an open risk whose mitigation was due before the planning date."""
    rows = []
    for a in accounts:
        for r in risks.ranked(a):
            rows.append(dict(zip(RISK_COLUMNS, [
                a.id, a.name, r.id, r.risk, r.likelihood, r.impact, risks.score(r), r.owner, r.mitigation,
                r.status, r.due, risks.is_overdue(r, as_of), r.force, r.contact])))
    return pd.DataFrame(rows, columns=RISK_COLUMNS)


NEXT_STEP_COLUMNS = ["Account id", "Account", "Project", "Project title", "Action", "Owner", "Side", "Due", "Done",
                     "Overdue (computed)", "Days overdue (computed)"]


def _next_steps(accounts: list[Account], as_of: date) -> pd.DataFrame:
    """One row per next step of every project (done and cancelled ones too: the sheet is the
    record), by due date. Side: ours when the owner is in the team, the customer's when in
    relationships. Overdue: not done, due before the planning date, of a project neither done
    nor cancelled."""
    rows = []
    for a in accounts:
        late = set(action_plan.overdue_next_steps(a, as_of))
        steps = [(p, s) for p in a.joint_plan.projects for s in p.next_steps]
        for p, s in sorted(steps, key=lambda ps: ps[1].due):
            overdue = (p.id, s) in late
            rows.append(dict(zip(NEXT_STEP_COLUMNS, [
                a.id, a.name, p.id, p.title, s.action, s.owner, str(next_steps.side(a, s.owner)), s.due,
                s.done, overdue, (as_of - s.due).days if overdue else None])))
    return pd.DataFrame(rows, columns=NEXT_STEP_COLUMNS)


_HEADLINE_COLUMNS = ["Account id", "Account", "Class", "Customer score", "Our score", "Latest assessment", "Year",
                     "Revenue", "Wallet", "Share of wallet", "Gross margin", "Profit", "Attractiveness",
                     "Plan health (0-100)", "Overdue projects"]


def _headline_row(account: Account, settings: PortfolioSettings, as_of: date) -> dict[str, Any]:
    h = portfolio.headline(account, settings, as_of)
    return dict(zip(_HEADLINE_COLUMNS, [
        h["account"], h["name"], (h["class"] or "not assessed").replace("_", " "), h["customer_score"],
        h["supplier_score"], _date(h["assessment_date"]), h["year"], h["revenue"], h["wallet"], h["share_of_wallet"],
        h["gross_margin"], h["profit"], h["attractiveness"], h["plan_health"], h["overdue_projects"]]))


def _label(key: str) -> str:
    side, name = key.split(".", 1)
    return f"{'Customer' if side == 'customer' else 'Our'}: {name.replace('_', ' ')}"


def write_portfolio_workbook(path: Path, whole: Portfolio, as_of: date) -> None:
    """`portfolio.xlsx` of the overview: the portfolio's tables."""
    write_workbook(path, tables(whole, as_of), as_of, f"Key account portfolio {as_of.isoformat()}",
                   whole.settings.supplier)


def write_workbook(path: Path, sheets: Sheets, as_of: date, title: str, creator: str) -> None:
    """Write the sheets with typed cells (text never becomes a formula), atomically: the file
    appears complete or not at all."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    stamp = datetime(as_of.year, as_of.month, as_of.day)
    book.properties.created = book.properties.modified = stamp
    book.properties.creator = creator
    book.properties.title = title
    for name, (frame, formats) in sheets.items():
        sheet = book.create_sheet(name)
        for column, heading in enumerate(frame.columns, start=1):
            cell = sheet.cell(row=1, column=column)
            _put(cell, str(heading))
            cell.font = Font(bold=True)
        for row, values in enumerate(frame.itertuples(index=False), start=2):
            for column, (heading, value) in enumerate(zip(frame.columns, values, strict=True), start=1):
                cell = sheet.cell(row=row, column=column)
                _put(cell, value)
                if heading in formats and (cell.data_type == "n" or cell.is_date):
                    cell.number_format = formats[heading]
        for column, heading in enumerate(frame.columns, start=1):
            width = max([len(str(heading))] + [len(str(v)) for v in frame.iloc[:, column - 1]]) + 2
            sheet.column_dimensions[get_column_letter(column)].width = min(width, 60)
        sheet.freeze_panes = "A2"
        if len(frame.columns):
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{max(len(frame) + 1, 1)}"
    write_atomically(Path(path), book.save)


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
