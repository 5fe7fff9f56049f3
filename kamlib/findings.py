""""What this means for the plan": findings drawn from each step's results.

Each function returns a few sentences computed from the analysis, never canned text: when
the data does not support a finding, the finding is left out.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from kamlib import competition, economics, environment, plan, scorecard
from kamlib.model import US, Account, PortfolioSettings
from kamlib.tables import readable


def environment_findings(account: Account) -> list[str]:
    forces = environment.forces_table(account)
    if forces.empty:
        return ["No forces are recorded yet: the environment analysis is the first gap in this plan."]
    found = []
    top = forces.iloc[0]
    effect = "threatens" if top["impact"] < 0 else "helps"
    found.append(f"The highest-priority force is {top['label'].lower()} ({top['horizon']} term, likelihood "
                 f"{top['likelihood']:.0%}): it {effect} the customer. For us: {top['implication']}")
    threats = forces[(forces["impact"] < 0) & (forces["likelihood"] >= 0.5)]
    if len(threats):
        found.append(f"{len(threats)} of {len(forces)} forces are likely (≥ 50%) and hurt the customer; "
                     "our offer should help it answer them.")
    short = forces[forces["horizon"] == "short"]
    if len(short):
        found.append(f"{len(short)} force(s) act within a year ({', '.join(short['label'].str.lower())}): "
                     "they belong in this cycle's projects.")
    return found


def competition_findings(account: Account) -> list[str]:
    found = []
    strength = competition.relative_strength(account)
    criteria = competition.criteria_table(account)
    if strength is None:
        found.append("No competitor is listed in this account: relative strength cannot be judged yet.")
    else:
        scores = competition.weighted_scores(account)
        best = scores.drop(US).idxmax()
        verb = "ahead of" if strength > 1.0 else ("level with" if strength == 1.0 else "behind")
        found.append(f"On the customer's weighted buying criteria we score {scores[US]:.2f} against "
                     f"{best}'s {scores[best]:.2f}: a relative strength of {strength:.2f}, {verb} the best competitor.")
        lead = criteria.sort_values("weighted_gap", ascending=False).iloc[0]
        lag = criteria.sort_values("weighted_gap").iloc[0]
        if lead["gap_to_best"] > 0:
            found.append(f"Our strongest answer is {readable(lead['criterion'])} (weight {lead['weight']:.0%}), "
                         f"where we lead the best competitor by {lead['gap_to_best']:g} point(s).")
        if lag["gap_to_best"] < 0:
            found.append(f"We lose most on {readable(lag['criterion'])} (weight {lag['weight']:.0%}), "
                         f"{-lag['gap_to_best']:g} point(s) behind the best competitor.")
    shares = competition.share_of_wallet(account)
    ours = shares.iloc[0]
    found.append(f"We hold {ours['share']:.0%} of the customer's category spend as a "
                 f"{readable(account.us.ladder)}; {shares.iloc[-1]['share']:.0%} is not allocated to any named supplier.")
    return found


def scorecard_findings(account: Account, settings: PortfolioSettings, as_of: date) -> list[str]:
    table = scorecard.scorecard_table(account, settings, as_of)
    if table.empty:
        return ["No assessment is dated on or before the planning date: score the relationship first."]
    latest = table.iloc[-1]
    found = [f"The latest assessment ({latest['date']}) scores the customer {latest['customer_score']:.2f} and us "
             f"{latest['supplier_score']:.2f}: class {readable(latest['class'])} — "
             f"{scorecard.RESOURCE_GUIDE.get(latest['class'], 'see the class table').lower()}."]
    if len(table) >= 2:
        first = table.iloc[0]
        delta = latest["customer_score"] - first["customer_score"]
        trend = "improved" if delta > 0.05 else ("declined" if delta < -0.05 else "held steady")
        found.append(f"Since {first['date']} the customer's side has {trend} ({delta:+.2f}).")
    else:
        found.append("Only one assessment so far: the trend will show from the next cycle.")
    gap = latest["customer_score"] - latest["supplier_score"]
    if gap >= 0.5:
        found.append(f"The customer is more willing than we are (by {gap:.2f}): we may be under-investing.")
    elif gap <= -0.5:
        found.append(f"We invest more than the customer returns (by {-gap:.2f}): watch for opportunistic buying.")
    money = economics.financials_table(account).iloc[-1]
    verdict = "makes money" if money["profit"] >= 0 else "loses money"
    found.append(f"In {int(money['year'])} the account {verdict} after cost to serve: profit "
                 f"{settings.currency} {money['profit']:,.0f} on revenue {settings.currency} {money['revenue']:,.0f}.")
    return found


def plan_findings(account: Account, as_of: date) -> list[str]:
    health = plan.plan_health(account, as_of)
    found = [f"Plan health is {health.score}/100."
             + (f" The largest deduction: {health.deductions[0][1]}." if health.deductions else "")]
    overdue = plan.overdue_projects(account, as_of)
    if overdue:
        found.append(f"{len(overdue)} project(s) are overdue ({', '.join(overdue)}): re-plan or close them "
                     "with the customer.")
    orphans, idle = plan.plan_gaps(account)
    if orphans:
        found.append(f"Objective(s) {', '.join(orphans)} have no strategy yet.")
    if idle:
        found.append(f"Strategy(ies) {', '.join(idle)} have no project: nothing will happen without one.")
    stale = plan.stale_contacts(account, as_of)
    if stale:
        found.append(f"{len(stale)} contact(s) have not been touched for over {plan.STALE_CONTACT_DAYS} days.")
    return found


def portfolio_findings(table: pd.DataFrame, capacity: int, currency: str) -> list[str]:
    if table.empty:
        return ["The portfolio has no accounts yet."]
    found = []
    keys = table[table["class"].isin(["strategic_partner", "key_account"])]
    found.append(f"{len(keys)} of {len(table)} accounts qualify as strategic partner or key account, against a "
                 f"capacity of {capacity}.")
    losing = table[table["profit"] < 0].sort_values("profit")
    if len(losing):
        found.append(f"{len(losing)} account(s) lose money after cost to serve, worst {losing.iloc[0]['name']} "
                     f"({currency} {losing.iloc[0]['profit']:,.0f}).")
    top_revenue = table.sort_values("revenue", ascending=False).iloc[0]
    top_profit = table.sort_values("profit", ascending=False).iloc[0]
    if top_revenue["account"] != top_profit["account"]:
        found.append(f"The biggest account by revenue ({top_revenue['name']}) is not the most profitable "
                     f"({top_profit['name']}).")
    overdue = int(table["overdue_projects"].sum())
    if overdue:
        found.append(f"{overdue} project(s) are overdue across the portfolio.")
    return found
