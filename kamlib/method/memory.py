"""The team's memory: what every function learns about the customer, and what the team decides.

Institutional intelligence (`insights`): anyone on the account team — operations on the
customer's lines, finance with its controllers, service in the field — learns things sales never
hears. Kept dated, by function and kind, they blend figures with human observation. As of the
planning date:

- the window is the `WINDOW_DAYS` (180) days up to and including the planning date
  (planning date − 180 < date ≤ planning date); insights dated after the planning date are not
  counted anywhere (they are not known yet on that date);
- coverage = insights in the window by our function (source) and kind;
- silent functions = the functions of our account team (in team order) that fed no insight in
  the window, each with the people who hold it;
- the newest insight per contact = for each contact an insight names, the newest on or before
  the planning date.

Decisions on resources (the `decisions` of the governance section) are the team's, never one account manager's:

- decisions dated on or before the planning date, oldest first;
- a decision taken by fewer than two people is flagged against the method;
- a decision that says what it does to resources (`resources`) is checked against the class:
  the class of the latest assessment on or before the decision's date against the class of the
  assessment before it. Resources added while the class fell, or withdrawn while it rose, are
  flagged for discussion; the class's direction is unknown (and nothing is flagged) with fewer
  than two assessments by then, or without `resources`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from kamlib.method import scorecard
from kamlib.parameters.loader import Portfolio
from kamlib.parameters.model import Account, Decision, Insight, PortfolioSettings, readable

WINDOW_DAYS = 180          # how far back coverage and silent functions look
KINDS = ("said", "observed", "data", "rumour")
MIN_DECIDERS = 2           # the method: the team decides, not one manager
UP, DOWN, HELD = "up", "down", "held"


def known(account: Account, as_of: date) -> list[Insight]:
    """The insights dated on or before the planning date, newest first (equal dates: the file's order)."""
    dated = [i for i in account.insights if i.date <= as_of]
    return sorted(dated, key=lambda i: i.date, reverse=True)


def in_window(account: Account, as_of: date, days: int = WINDOW_DAYS) -> list[Insight]:
    """The insights of the `days` days up to and including the planning date, newest first."""
    start = as_of - timedelta(days=days)
    return [i for i in known(account, as_of) if i.date > start]


def insights_table(account: Account, as_of: date) -> pd.DataFrame:
    """The insights log up to the planning date, newest first: date, source, by, kind, insight, contact."""
    columns = ["date", "source", "by", "kind", "insight", "contact"]
    rows = [{"date": i.date, "source": i.source, "by": i.by, "kind": i.kind, "insight": i.insight,
             "contact": i.contact} for i in known(account, as_of)]
    return pd.DataFrame(rows, columns=columns)


def coverage(account: Account, as_of: date, days: int = WINDOW_DAYS) -> pd.DataFrame:
    """Insights in the window by our function (rows) and kind (columns, in `KINDS` order), with a
    `total` column. Rows: the team's functions in team order, then any other function that fed an
    insight; a function of the team with none shows zeros."""
    recent = in_window(account, as_of, days)
    functions = list(dict.fromkeys([m.function for m in account.team] + [i.source for i in recent]))
    counts = {f: {k: 0 for k in KINDS} for f in functions}
    for insight in recent:
        counts[insight.source][insight.kind] += 1
    table = pd.DataFrame.from_dict(counts, orient="index", columns=list(KINDS)).astype(int)
    table.index.name = "function"
    table["total"] = table.sum(axis=1)
    return table


@dataclass(frozen=True)
class Silent:
    """A function of our account team that fed no insight in the window, and who holds it."""

    function: str
    people: tuple[str, ...]
    last: date | None      # its newest insight on or before the planning date (None: never)


def silent_functions(account: Account, as_of: date, days: int = WINDOW_DAYS) -> list[Silent]:
    """The team's functions with no insight in the window, in team order."""
    heard = {i.source for i in in_window(account, as_of, days)}
    ever = known(account, as_of)
    found = []
    for function in dict.fromkeys(m.function for m in account.team):
        if function in heard:
            continue
        people = tuple(m.name for m in account.team if m.function == function)
        last = next((i.date for i in ever if i.source == function), None)
        found.append(Silent(function, people, last))
    return found


def newest_per_contact(account: Account, as_of: date) -> pd.DataFrame:
    """For each contact an insight names, its newest insight on or before the planning date,
    newest first: contact, date, source, kind, insight."""
    columns = ["contact", "date", "source", "kind", "insight"]
    newest: dict[str, Insight] = {}
    for insight in known(account, as_of):       # newest first: the first seen is kept
        if insight.contact is not None:
            newest.setdefault(insight.contact, insight)
    rows = [{"contact": c, "date": i.date, "source": i.source, "kind": i.kind, "insight": i.insight}
            for c, i in newest.items()]
    return pd.DataFrame(rows, columns=columns)


# --- decisions --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClassMove:
    """The class's direction at a date: the latest assessment on or before it against the one before."""

    before: str
    after: str
    direction: str          # UP, DOWN or HELD
    assessed: date          # the date of the latest assessment


@dataclass(frozen=True)
class DecisionCheck:
    """A decision with the method's checks on it."""

    decision: Decision
    too_few: bool                  # taken by fewer than MIN_DECIDERS people
    move: ClassMove | None         # the class's direction when it was taken (None: unknown)
    against_class: bool            # resources added while the class fell, or withdrawn while it rose


def class_move(account: Account, settings: PortfolioSettings, when: date) -> ClassMove | None:
    """The class of the latest assessment on or before `when` against the assessment before it
    (None with fewer than two assessments by then). Classes rank as listed in portfolio.yaml,
    the most demanding first."""
    table = scorecard.scorecard_table(account, settings, when)
    if len(table) < 2:
        return None
    table = table.sort_values("date", kind="stable")
    before, after = table.iloc[-2]["class"], table.iloc[-1]["class"]
    rank = {c.name: i for i, c in enumerate(settings.scorecard.classes)}
    direction = HELD if before == after else DOWN if rank[after] > rank[before] else UP
    return ClassMove(before, after, direction, table.iloc[-1]["date"])


def decision_checks(account: Account, settings: PortfolioSettings, as_of: date) -> list[DecisionCheck]:
    """The decisions on or before the planning date, oldest first, each with the method's checks."""
    decisions = [] if account.governance is None else account.governance.decisions
    checks = []
    for d in sorted((d for d in decisions if d.date <= as_of), key=lambda d: d.date):
        move = class_move(account, settings, d.date)
        against = move is not None and ((d.resources == "added" and move.direction == DOWN)
                                        or (d.resources == "withdrawn" and move.direction == UP))
        checks.append(DecisionCheck(d, len(set(d.decided_by)) < MIN_DECIDERS, move, against))
    return checks


def decisions_table(account: Account, settings: PortfolioSettings, as_of: date) -> pd.DataFrame:
    """The decisions for display, oldest first: date, decision, decided by, resources, the class
    then (with its direction) and the method's flag in words (None when there is nothing to flag)."""
    columns = ["date", "decision", "decided_by", "resources", "class_then", "check"]
    rows = []
    for c in decision_checks(account, settings, as_of):
        flags = []
        if c.too_few:
            flags.append("taken by one person: the team decides resources")
        if c.against_class and c.move is not None:
            flags.append(f"resources {c.decision.resources} while the class {'fell' if c.move.direction == DOWN else 'rose'}"
                         ": discuss")
        then = None if c.move is None else (
            readable(c.move.after) if c.move.direction == HELD
            else f"{readable(c.move.after)} ({c.move.direction} from {readable(c.move.before)})")
        rows.append({"date": c.decision.date, "decision": c.decision.decision,
                     "decided_by": ", ".join(c.decision.decided_by), "resources": c.decision.resources,
                     "class_then": then, "check": "; ".join(flags) or None})
    return pd.DataFrame(rows, columns=columns, dtype=object)  # object: a missing value stays None


def across_accounts(portfolio: Portfolio, as_of: date) -> pd.DataFrame:
    """The team's memory account by account: insights in the window, the team's functions silent in
    it (in words), the date of the newest insight, decisions on resources up to the planning date
    and how many the method flags (one person, or against the class). Fewest insights first (the
    blind spots), then by account."""
    rows = []
    for account in portfolio.accounts.values():
        checks = decision_checks(account, portfolio.settings, as_of)
        newest = known(account, as_of)
        rows.append({"account": account.id, "name": account.name, "insights": len(in_window(account, as_of)),
                     "silent_functions": ", ".join(readable(s.function) for s in silent_functions(account, as_of))
                     or None, "newest_insight": newest[0].date if newest else None, "decisions": len(checks),
                     "decisions_flagged": sum(1 for c in checks if c.too_few or c.against_class)})
    columns = ["account", "name", "insights", "silent_functions", "newest_insight", "decisions", "decisions_flagged"]
    out = pd.DataFrame(rows, columns=columns).astype({"silent_functions": object, "newest_insight": object})
    return out.sort_values(["insights", "account"], kind="stable").reset_index(drop=True)
