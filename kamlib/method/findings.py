""""What this means for the plan": findings drawn from each step's results.

Each function returns three to six sentences computed from the analysis, never canned text:
when the data does not support a finding, the finding is left out, and when there is not
enough data yet the finding says so.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from kamlib.method import action_plan, competition, economics, environment, portfolio, scorecard
from kamlib.parameters.loader import Portfolio
from kamlib.parameters.model import US, Account, PortfolioSettings, readable


def _strongest_answer(account: Account) -> str | None:
    """"our strongest answer is innovation, where we lead Alpha Packaging by 2 points"."""
    criteria = competition.criteria_table(account)
    if criteria["gap_to_best"].isna().all():
        return None
    lead = criteria.sort_values(["weighted_gap", "weight"], ascending=False).iloc[0]
    if lead["gap_to_best"] <= 0:
        return None
    rivals = [c.name for c in account.rivals]
    best = max(rivals, key=lambda r: lead[r])
    return (f"our strongest answer is {readable(lead['criterion'])}, where we lead {best} by "
            f"{lead['gap_to_best']:g} point(s)")


def environment_findings(account: Account) -> list[str]:
    """Step 1's findings: the highest-priority force, the likely threats and the forces that help
    the customer; what the forces mean for us (by `for_us`, or that they are not yet judged); and
    the forces the joint plan does not answer yet.
    """
    forces = environment.forces_table(account)
    if forces.empty:
        return ["No forces are recorded yet: the environment analysis is the first gap in this plan."]
    found = []
    top = forces.iloc[0]
    effect = "threatens" if top["impact"] < 0 else ("helps" if top["impact"] > 0 else "touches")
    answer = _strongest_answer(account)
    found.append(f"{top['label']} is the highest-priority force ({top['horizon']} term, likelihood "
                 f"{top['likelihood']:.0%}, impact {top['impact']:+d}): it {effect} the customer"
                 + (f"; {answer}." if answer else "."))
    threats = forces[(forces["impact"] < 0) & (forces["likelihood"] >= 0.5)]
    if len(threats):
        found.append(f"{len(threats)} of {len(forces)} forces are likely (≥ 50%) and hurt the customer "
                     f"({', '.join(threats['label'].str.lower())}): our offer should help it answer them.")
    helps = forces[forces["impact"] > 0]
    if len(helps):
        found.append(f"{len(helps)} force(s) help the customer ({', '.join(helps['label'].str.lower())}).")
    found += _for_us(forces)
    gaps = environment.unanswered_forces(account)
    linkable, unlinked = gaps[gaps["id"].notna()], gaps[gaps["id"].isna()]
    if len(linkable):
        found.append(f"The joint plan does not yet answer {_forces(linkable)}: no strategy lists "
                     f"{'it' if len(linkable) == 1 else 'them'} in its answers.")
    if len(unlinked):
        names, one = _forces(unlinked, ids=False), len(unlinked) == 1
        found.append(f"{names[0].upper()}{names[1:]} {'has' if one else 'have'} no id, so no strategy can answer "
                     f"{'it' if one else 'them'} yet: give each force an id and list it in the answers of the "
                     "strategy that meets it.")
    if gaps.empty:
        found.append("Every force of priority 0.5 or more is answered: a strategy of the joint plan lists it in its "
                     "answers.")
    return found


def _for_us(forces: pd.DataFrame) -> list[str]:
    """Our side of the forces, from `for_us` (never guessed from the impact on the customer): which
    are our opportunities and threats, noting where that runs against the customer's side, and
    which are not yet judged."""
    def part(rows: pd.DataFrame, one: str, many: str, against: int, first: bool) -> str:
        notes = [f" (though it {'hurts' if against < 0 else 'helps'} the customer)"
                 if (r.impact > 0) - (r.impact < 0) == against else "" for r in rows.itertuples()]
        labels = rows["label"].str.lower().tolist()
        if len(labels) == 1:
            return f"{labels[0]}{' is' if first else ''} {one}{notes[0]}"
        return f"{', '.join(label + note for label, note in zip(labels, notes))} {'are ' if first else ''}{many}"

    found = []
    ours = forces[forces["for_us"].isin(["opportunity", "both"])]
    theirs = forces[forces["for_us"].isin(["threat", "both"])]
    parts = ([part(ours, "an opportunity", "opportunities", -1, True)] if len(ours) else []) + \
            ([part(theirs, "a threat", "threats", 1, ours.empty)] if len(theirs) else [])
    if parts:
        found.append(f"For us, {' and '.join(parts)}.")
    unjudged = forces[forces["for_us"].isna()]
    if len(unjudged):
        found.append(f"{len(unjudged)} force(s) are not yet judged for us ({', '.join(unjudged['label'].str.lower())}): "
                     "set for_us to say which are our opportunities and which our threats.")
    return found


def _forces(forces: pd.DataFrame, ids: bool = True) -> str:
    """"investor pressure (F9), regulation (F2)": the forces' labels in lower case, with their ids."""
    return ", ".join(f"{label.lower()} ({i})" if ids else label.lower() for label, i in zip(forces["label"], forces["id"]))


def competition_findings(account: Account) -> list[str]:
    """Step 2's findings: our relative strength against the best competitor, where we lead and where
    we lose most (weighted by the criterion's importance), share of wallet, and the whitespace.
    """
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
        answer = _strongest_answer(account)
        if answer:
            found.append(answer[0].upper() + answer[1:] + ".")
        lag = criteria.sort_values("weighted_gap").iloc[0]
        if lag["gap_to_best"] < 0:
            found.append(f"We lose most on {readable(lag['criterion'])} (weight {lag['weight']:.0%}), "
                         f"{-lag['gap_to_best']:g} point(s) behind the best competitor: closing it is worth "
                         f"{-lag['weighted_gap']:.2f} of the customer's weighted score.")
    shares = competition.share_of_wallet(account)
    ours = shares.iloc[0]
    leader = shares.iloc[1:-1].sort_values("share", ascending=False)
    lead_text = (f"; {leader.iloc[0]['player']} holds {leader.iloc[0]['share']:.0%} as a "
                 f"{readable(leader.iloc[0]['ladder'])}" if len(leader) else "")
    latest = account.financials[-1]
    when = f"In {latest.year} (forecast) we" if latest.forecast else "We"
    found.append(f"{when} hold {ours['share']:.0%} of the customer's category spend as a "
                 f"{readable(account.us.ladder)}{lead_text}; {shares.iloc[-1]['share']:.0%} is not held by any named "
                 "supplier.")
    matrix = competition.whitespace_matrix(account)
    if matrix is not None:
        counts = competition.whitespace_counts(matrix)
        found.append(f"The whitespace map shows {counts['open']} open cell(s) to pursue, {counts['won']} won and "
                     f"{counts['competitor']} held by competitors.")
    return found


def _guidance(settings: PortfolioSettings, class_name: str) -> str:
    """What the class's settings say it gets: " — named manager … (a team of 3)", or that they say nothing."""
    klass = scorecard.class_settings(settings, class_name)
    team = None if klass is None or klass.team_size is None else f"a team of {klass.team_size}"
    if klass is not None and klass.resources:
        text = klass.resources.strip().rstrip(".")
        text = text[0].lower() + text[1:] if len(text) > 1 and not text[1].isupper() else text
        return f" — {text}" + (f" ({team})" if team else "")
    key = "a key class" if scorecard.class_is_key(settings, class_name) else "not a key class"
    return f" ({', '.join(filter(None, [key, team]))}; no resources set for it in portfolio.yaml)"


def scorecard_findings(account: Account, settings: PortfolioSettings, as_of: date) -> list[str]:
    """Step 3's findings, at most six: the class and what it calls for, the trend of the customer's
    side, mismatch flags, the latest year's profit after cost to serve and the lifetime value.
    """
    table = scorecard.scorecard_table(account, settings, as_of)
    if table.empty:
        return ["No assessment is dated on or before the planning date: score the relationship first."]
    latest = table.iloc[-1]
    found = [f"The latest assessment ({latest['date']}) scores the customer {latest['customer_score']:.2f} and us "
             f"{latest['supplier_score']:.2f}: class {readable(latest['class'])}{_guidance(settings, latest['class'])}."]
    if len(table) >= 2:
        first = table.iloc[0]
        delta = latest["customer_score"] - first["customer_score"]
        trend = "improved" if delta > 0.05 else ("declined" if delta < -0.05 else "held steady")
        moved = " (class moved from " + readable(first["class"]) + ")" if first["class"] != latest["class"] else ""
        found.append(f"Since {first['date']} the customer's side has {trend} ({delta:+.2f}){moved}.")
    else:
        found.append("Only one assessment so far: the trend will show from the next cycle.")
    found += [flag.message for flag in scorecard.mismatch_flags(account, settings, as_of)]
    money = economics.financials_table(account).iloc[-1]
    verdict = "makes money" if money["profit"] >= 0 else "loses money"
    year = f"{int(money['year'])}" + (" (forecast)" if money["forecast"] else "")
    found.append(f"In {year} the account {verdict} after cost to serve: profit "
                 f"{settings.currency} {money['profit']:,.0f} on revenue {settings.currency} {money['revenue']:,.0f} "
                 f"({money['profit_margin']:.0%})." if money["revenue"] else
                 f"No revenue recorded for {year} yet.")
    ltv = economics.lifetime_value(account)
    found.append(f"Over the next {ltv.years} years the relationship is worth about {settings.currency} "
                 f"{ltv.value:,.0f} in today's money (see the assumptions above).")
    return found[:6]


def plan_findings(account: Account, as_of: date) -> list[str]:
    """Step 4's findings, at most six: plan health, projects by status, overdue projects, gaps in the
    plan, projects without a customer owner, missing key players, unpaired functions, stale contacts.
    """
    health = action_plan.plan_health(account, as_of)
    found = [f"Plan health is {health.score}/100."
             + (f" The largest deduction: {health.deductions[0][1]}." if health.deductions else "")]
    projects = account.joint_plan.projects
    if projects:
        by_status = pd.Series([p.status for p in projects]).value_counts()
        found.append(f"{len(projects)} project(s) in the joint plan: "
                     + ", ".join(f"{n} {readable(s)}" for s, n in by_status.items()) + ".")
    else:
        found.append("The joint plan has no projects yet: nothing will happen until it does.")
    overdue = action_plan.overdue_projects(account, as_of)
    if overdue:
        found.append(f"{len(overdue)} project(s) are overdue ({', '.join(overdue)}): re-plan or close them "
                     "with the customer.")
    orphans, idle = action_plan.plan_gaps(account)
    if orphans or idle:
        parts = ([f"objective(s) {', '.join(orphans)} have no strategy"] if orphans else []) + \
                ([f"strategy(ies) {', '.join(idle)} have no project"] if idle else [])
        found.append("The plan has gaps: " + "; ".join(parts) + ".")
    unowned = action_plan.missing_customer_owner(account)
    if unowned:
        found.append(f"Project(s) {', '.join(unowned)} have no named owner at the customer: the plan is not yet joint.")
    missing = action_plan.key_players(account)
    missing = missing[~missing["met"]]["check"].tolist()
    if missing:
        found.append(f"Key players missing: {', '.join(missing)}.")
    coverage = action_plan.coverage_matrix(account)
    if not coverage.empty:
        theirs = set(coverage.columns)
        unpaired = [f.replace("_", " ") for f in action_plan.PAIRED_FUNCTIONS if f not in theirs]
        if unpaired:
            found.append(f"No relationship yet with the customer's {', '.join(unpaired)}: zipper these functions, "
                         "not only sales with purchasing.")
    stale = action_plan.stale_contacts(account, as_of)
    if stale:
        found.append(f"{len(stale)} contact(s) not touched for over {action_plan.STALE_CONTACT_DAYS} days: {', '.join(stale)}.")
    return found[:6]


def portfolio_findings(whole: Portfolio, table: pd.DataFrame) -> list[str]:
    """The overview's findings, at most six: key accounts against capacity, where to invest,
    loss-making accounts, the largest gap between revenue and profit rank, team members on competing
    accounts, overdue projects. `table` is `portfolio.portfolio_table`'s.
    """
    settings = whole.settings
    if table.empty:
        return ["The portfolio has no accounts yet."]
    currency = settings.currency
    found = []
    key_classes = portfolio.key_classes(settings)
    keys = table[table["class"].isin(key_classes)]
    room = settings.capacity - len(keys)
    found.append(f"{len(keys)} of {len(table)} accounts qualify as key ({', '.join(map(readable, key_classes)) or 'no class is key'}) "
                 f"against a capacity of {settings.capacity}: "
                 + (f"room for {room} more." if room >= 0 else f"{-room} too many to serve well."))
    quads = portfolio.with_quadrants(table)
    invest = quads[quads["quadrant"] == "Invest to partner"]["name"].tolist()
    if invest:
        found.append(f"{len(invest)} account(s) are attractive and led by us (invest to partner), "
                     f"led by {', '.join(invest[:3])}.")
    off = portfolio.unplaced(table)
    for reason, part in off.groupby("reason", sort=False):
        names = part["name"].tolist()
        found.append(f"{', '.join(names[:5])}{f' and {len(names) - 5} more' if len(names) > 5 else ''} "
                     f"{'is' if len(names) == 1 else 'are'} not placed on the portfolio matrix: {reason}.")
    losing = table[table["profit"] < 0].sort_values("profit")
    if len(losing):
        forecast = losing.loc[losing["forecast_year"].eq(True), "name"].tolist() if "forecast_year" in losing else []
        found.append(f"{len(losing)} account(s) lose money after cost to serve, worst {losing.iloc[0]['name']} "
                     f"({currency} {losing.iloc[0]['profit']:,.0f}); together they cost "
                     f"{currency} {-losing['profit'].sum():,.0f}"
                     + (f" (figures of a forecast year for {', '.join(forecast)})." if forecast else "."))
    ranks = portfolio.rank_differences(table, top=1)
    if len(ranks) and ranks.iloc[0]["difference"] != 0:
        r = ranks.iloc[0]
        found.append(f"{r['name']} is number {r['revenue_rank']} by revenue but number {r['profit_rank']} by profit.")
    conflicts = portfolio.competing_team_members(whole)
    if len(conflicts):
        people = sorted(set(conflicts["person"]))
        found.append(f"{', '.join(people)} serve(s) two accounts that compete with each other: decide whether to "
                     "separate the teams.")
    overdue = int(table["overdue_projects"].sum())
    if overdue:
        found.append(f"{overdue} project(s) are overdue across the portfolio; the weakest plan is "
                     f"{table.sort_values('plan_health').iloc[0]['name']} (health "
                     f"{int(table['plan_health'].min())}).")
    return found[:6]
