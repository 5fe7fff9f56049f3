"""Rules that span fields of a parameter file: sums, uniqueness and references between ids.

Each check returns `(field path, message)` pairs; `kamlib.parameters.loader` turns them into located problems.
An account's findings come in the order of the file's sections, so the user reads them top to bottom.

Warnings are findings of the same shape that never refuse a file: what a valid file holds but
its author should hear of before a document goes out (`account_warnings`). `located_warnings`
gives them file, line and field as problems have; `kam validate` prints them and still exits 0,
and `kam run` / `kam batch` are not stopped by them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from kamlib.errors import Problem
from kamlib.parameters.model import US, Account, Contact, PortfolioSettings
from kamlib.parameters.yaml_source import read_yaml

WEIGHT_TOLERANCE = 0.01
RESERVED_IDS = ("portfolio",)  # outputs/portfolio/ holds the cross-account overview
TODO = re.compile(r"\bTODO\b")  # the mark `kam new`'s template puts on every value still to fill in
Finding = tuple[tuple[str | int, ...], str]


def suggest(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` when a close match exists, else an empty string."""
    match = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def amount(x: float) -> str:
    """Money as a user wrote it: 2400000 → 2,400,000 (no scientific notation)."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _weights_sum(loc: tuple, weights: dict[str, float]) -> Iterator[Finding]:
    total = sum(weights.values())
    if abs(total - 1) > WEIGHT_TOLERANCE:
        yield loc, f"weights must sum to 1 (±{WEIGHT_TOLERANCE}), got {total:.3g}"


def _duplicates(loc: tuple, items: list, key: str, what: str) -> Iterator[Finding]:
    """The second and later items whose `key` repeats an earlier one; an item without one (None) is skipped."""
    seen: set[object] = set()
    for i, item in enumerate(items):
        value = getattr(item, key)
        if value is None:
            continue
        if value in seen:
            shown = value if isinstance(value, int) else f"'{value}'"
            yield (*loc, i, key), f"duplicate {what} {shown}"
        seen.add(value)


def check_portfolio(settings: PortfolioSettings) -> list[Finding]:
    """The rules of `portfolio.yaml` across fields: each set of weights sums to 1, class names are
    unique, and the last class takes every account left (both minimums 0).
    """
    found: list[Finding] = []
    weights = settings.scorecard.weights
    found += _weights_sum(("scorecard", "weights", "customer"), weights.customer.model_dump())
    found += _weights_sum(("scorecard", "weights", "supplier"), weights.supplier.model_dump())
    found += _weights_sum(("attractiveness",), settings.attractiveness.model_dump())
    classes = settings.scorecard.classes
    found += _duplicates(("scorecard", "classes"), classes, "name", "class")
    last = classes[-1]
    if last.customer_min != 0 or last.supplier_min != 0:
        found.append((("scorecard", "classes", len(classes) - 1),
                      "the last class must take every account left: expected customer_min 0 and "
                      f"supplier_min 0, got {last.customer_min:g} and {last.supplier_min:g}"))
    return found


def check_account(account: Account, file_id: str, known_ids: set[str] | None = None) -> list[Finding]:
    """Every cross-field rule of an account file; `known_ids` are the portfolio's other accounts."""
    found: list[Finding] = []
    if account.id in RESERVED_IDS:
        found.append((("id",), f"'{account.id}' is reserved for the portfolio overview; choose another id"))
    if account.id != file_id:
        found.append((("id",), f"must equal the file name: expected '{file_id}', got '{account.id}'"))
    team = [m.name for m in account.team]
    found += _duplicates(("team",), account.team, "name", "team member")
    found += _competes_with(account, known_ids)
    found += _financials(account)
    found += _targets(account)
    found += _duplicates(("environment",), account.environment, "id", "force id")
    found += _competition(account)
    for i, (a, b) in enumerate(zip(account.scorecard, account.scorecard[1:]), start=1):
        if b.date <= a.date:
            found.append((("scorecard", i, "date"),
                          f"assessments must be oldest first: expected a date after {a.date}, got {b.date}"))
    for i, contact in enumerate(account.relationships):
        if contact.owner not in team:
            found.append((("relationships", i, "owner"), _not_in_team(contact.owner, team)))
    found += _reporting_lines(account.relationships)
    found += _whitespace(account)
    found += _opportunities(account, team)
    found += _risks(account, team)
    found += _governance(account, team)
    found += _insights(account, team)
    found += _joint_plan(account, team)
    return found


def _not_in_team(name: str, team: list[str]) -> str:
    return f"expected a name in team, got '{name}'{suggest(name, team)}"


def _not_a_contact(name: str, contacts: list[str]) -> str:
    return f"expected a name in relationships, got '{name}'{suggest(name, contacts)}"


def _not_a_force(ref: str, force_ids: list[str]) -> str:
    return f"expected a force id in environment, got '{ref}'{suggest(ref, force_ids)}"


def _force_ids(account: Account) -> list[str]:
    return [f.id for f in account.environment if f.id is not None]


def _competes_with(account: Account, known_ids: set[str] | None) -> Iterator[Finding]:
    seen: set[str] = set()
    for i, other in enumerate(account.competes_with):
        loc = ("competes_with", i)
        if other == account.id:
            yield loc, "an account cannot compete with itself"
        elif other in seen:
            yield loc, f"duplicate account '{other}'"
        elif known_ids is not None and other not in known_ids:
            yield loc, f"expected the id of an account in the portfolio, got '{other}'{suggest(other, known_ids)}"
        seen.add(other)


def _financials(account: Account) -> Iterator[Finding]:
    rows = account.financials
    for i, row in enumerate(rows):
        if row.wallet < row.revenue:
            yield (("financials", i, "wallet"),
                   f"the customer's category spend must be at least our revenue ({amount(row.revenue)}), "
                   f"got {amount(row.wallet)}")
        if i and row.year <= rows[i - 1].year:
            yield (("financials", i, "year"),
                   f"years must be oldest first and unique: expected a year after {rows[i - 1].year}, got {row.year}")


def _targets(account: Account) -> Iterator[Finding]:
    """Target years are unique and come after the latest closed (non-forecast) financials year:
    a target for a year already closed is an actual, not a target."""
    yield from _duplicates(("targets",), account.targets, "year", "target year")
    closed = [row.year for row in account.financials if not row.forecast]
    if not closed:
        return
    latest = max(closed)
    for i, target in enumerate(account.targets):
        if target.year <= latest:
            yield (("targets", i, "year"),
                   f"expected a year after {latest} (the latest closed financials year), got {target.year}")


def _reporting_lines(contacts: list[Contact]) -> Iterator[Finding]:
    """`reports_to` names another contact, and the reporting lines form no cycle.

    A cycle is reported once, at the contact whose line closes it when the file is read top to
    bottom (the cycle's member that comes last), naming the chain from that contact round to itself.
    """
    names = [c.name for c in contacts]
    boss: dict[str, str] = {}
    for i, contact in enumerate(contacts):
        ref = contact.reports_to
        if ref is None:
            continue
        loc = ("relationships", i, "reports_to")
        if ref == contact.name:
            yield loc, f"expected another name in relationships, got '{ref}', the contact itself"
            continue
        if ref not in names:
            others = [n for n in names if n != contact.name]
            yield loc, f"expected another name in relationships, got '{ref}'{suggest(ref, others)}"
            continue
        boss.setdefault(contact.name, ref)
        chain = [contact.name, ref]
        while chain[-1] in boss and chain[-1] != contact.name and len(chain) <= len(names) + 1:
            chain.append(boss[chain[-1]])
        if chain[-1] == contact.name:
            yield loc, f"expected reporting lines without a cycle, got {' → '.join(chain)}"


def _competition(account: Account) -> Iterator[Finding]:
    names = [c.name for c in account.competitors]
    yield from _duplicates(("competitors",), account.competitors, "name", "competitor")
    if US not in names:
        yield ("competitors",), "expected an entry named 'us' (our own ladder position), got none"
    rival_names = [n for n in names if n != US]
    for i, comp in enumerate(account.competitors):
        if comp.name == US and comp.share_of_wallet is not None:
            yield (("competitors", i, "share_of_wallet"),
                   "must be left out for 'us': our share is computed from financials (revenue / wallet)")
        if comp.name != US and comp.share_of_wallet is None:
            yield ("competitors", i), "share_of_wallet is missing (required for every competitor but 'us')"
    latest = account.financials[-1]
    ours = latest.revenue / latest.wallet if latest.wallet else 0.0
    total = ours + sum(c.share_of_wallet or 0 for c in account.competitors if c.name != US)
    if total > 1 + 1e-9:
        yield (("competitors",),
               f"shares of wallet must sum to at most 1 (ours {ours:.2f} from {latest.year} financials "
               f"+ competitors'), got {total:.2f}")

    yield from _duplicates(("buying_criteria",), account.buying_criteria, "criterion", "criterion")
    yield from _weights_sum(("buying_criteria",), {str(i): c.weight for i, c in enumerate(account.buying_criteria)})
    for i, crit in enumerate(account.buying_criteria):
        loc = ("buying_criteria", i, "scores")
        if US not in crit.scores:
            yield loc, "expected a score for 'us', got none"
        for name in crit.scores:
            if name != US and name not in rival_names:
                yield (*loc, name), f"expected a name listed in competitors, got '{name}'{suggest(name, rival_names)}"
        for name in rival_names:
            if name not in crit.scores:
                yield loc, f"expected a score for competitor '{name}', got none"


def _whitespace(account: Account) -> Iterator[Finding]:
    ws = account.whitespace
    if ws is None:
        return
    seen: set[str] = set()
    for i, offering in enumerate(ws.offerings):
        if offering in seen:
            yield ("whitespace", "offerings", i), f"duplicate offering '{offering}'"
        seen.add(offering)
    yield from _duplicates(("whitespace", "units"), ws.units, "unit", "unit")
    for i, unit in enumerate(ws.units):
        for offering in unit.cells:
            if offering not in ws.offerings:
                yield (("whitespace", "units", i, "cells", offering),
                       f"expected an offering listed in whitespace.offerings, got '{offering}'"
                       f"{suggest(offering, ws.offerings)}")
        # A potential is revenue still to win: only where nobody or a competitor supplies the cell.
        for offering in unit.potential:
            loc = ("whitespace", "units", i, "potential", offering)
            if offering not in ws.offerings:
                yield (loc, f"expected an offering listed in whitespace.offerings, got '{offering}'"
                            f"{suggest(offering, ws.offerings)}")
            elif offering not in unit.cells:
                yield loc, "expected a potential only on an open or competitor cell, got a cell left out (read as 'none')"
            elif unit.cells[offering] not in ("open", "competitor"):
                yield loc, f"expected a potential only on an open or competitor cell, got a '{unit.cells[offering]}' cell"


def _opportunities(account: Account, team: list[str]) -> Iterator[Finding]:
    """Opportunity ids are unique; owner, strategy and whitespace cell refer to what the file holds."""
    yield from _duplicates(("opportunities",), account.opportunities, "id", "opportunity id")
    strategy_ids = [s.id for s in account.joint_plan.strategies]
    ws = account.whitespace
    units = [u.unit for u in ws.units] if ws else []
    offerings = list(ws.offerings) if ws else []
    no_map = "" if ws else " (this account has no whitespace)"
    for i, opp in enumerate(account.opportunities):
        loc = ("opportunities", i)
        if opp.owner not in team:
            yield (*loc, "owner"), _not_in_team(opp.owner, team)
        if opp.strategy is not None and opp.strategy not in strategy_ids:
            yield ((*loc, "strategy"),
                   f"expected a strategy id of this plan, got '{opp.strategy}'{suggest(opp.strategy, strategy_ids)}")
        if (opp.unit is None) != (opp.offering is None):
            given, missing = ("unit", "offering") if opp.offering is None else ("offering", "unit")
            yield loc, f"expected unit and offering together (the whitespace cell it fills), got {given} without {missing}"
            continue
        if opp.unit is not None and opp.unit not in units:
            yield ((*loc, "unit"),
                   f"expected a unit listed in whitespace.units, got '{opp.unit}'{suggest(opp.unit, units) or no_map}")
        if opp.offering is not None and opp.offering not in offerings:
            yield ((*loc, "offering"), f"expected an offering listed in whitespace.offerings, got '{opp.offering}'"
                                       f"{suggest(opp.offering, offerings) or no_map}")


def _risks(account: Account, team: list[str]) -> Iterator[Finding]:
    """Risk ids are unique; each risk's owner is in the team, its force and contact exist."""
    yield from _duplicates(("risks",), account.risks, "id", "risk id")
    force_ids = _force_ids(account)
    contacts = [c.name for c in account.relationships]
    for i, risk in enumerate(account.risks):
        loc = ("risks", i)
        if risk.owner not in team:
            yield (*loc, "owner"), _not_in_team(risk.owner, team)
        if risk.force is not None and risk.force not in force_ids:
            yield (*loc, "force"), _not_a_force(risk.force, force_ids)
        if risk.contact is not None and risk.contact not in contacts:
            yield (*loc, "contact"), _not_a_contact(risk.contact, contacts)


def _governance(account: Account, team: list[str]) -> Iterator[Finding]:
    """Sign-off names our approver in the team and their signatory in relationships; an agreed
    plan says when; the next review is not before the last."""
    gov = account.governance
    if gov is None:
        return
    if gov.approved_by is not None and gov.approved_by not in team:
        yield ("governance", "approved_by"), _not_in_team(gov.approved_by, team)
    contacts = [c.name for c in account.relationships]
    if gov.agreed_with is not None and gov.agreed_with not in contacts:
        yield ("governance", "agreed_with"), _not_a_contact(gov.agreed_with, contacts)
    if gov.status == "agreed" and gov.agreed_on is None:
        yield ("governance",), "expected agreed_on (when the plan was agreed) with status agreed, got none"
    if gov.last_review is not None and gov.next_review is not None and gov.next_review < gov.last_review:
        yield (("governance", "next_review"),
               f"expected a date on or after last_review ({gov.last_review}), got {gov.next_review}")
    for i, decision in enumerate(gov.decisions):
        for j, name in enumerate(decision.decided_by):
            if name not in team:
                yield ("governance", "decisions", i, "decided_by", j), _not_in_team(name, team)
        for j, name in enumerate(decision.decided_by):
            if name in decision.decided_by[:j]:
                yield ("governance", "decisions", i, "decided_by", j), f"duplicate name '{name}'"


def _insights(account: Account, team: list[str]) -> Iterator[Finding]:
    """Who learned an insight is in the team, who said or showed it is in relationships."""
    contacts = [c.name for c in account.relationships]
    for i, insight in enumerate(account.insights):
        if insight.by is not None and insight.by not in team:
            yield ("insights", i, "by"), _not_in_team(insight.by, team)
        if insight.contact is not None and insight.contact not in contacts:
            yield ("insights", i, "contact"), _not_a_contact(insight.contact, contacts)


def _joint_plan(account: Account, team: list[str]) -> Iterator[Finding]:
    plan = account.joint_plan
    base = ("joint_plan",)
    yield from _duplicates((*base, "objectives"), plan.objectives, "id", "objective id")
    yield from _duplicates((*base, "strategies"), plan.strategies, "id", "strategy id")
    yield from _duplicates((*base, "projects"), plan.projects, "id", "project id")
    objective_ids = [o.id for o in plan.objectives]
    strategy_ids = [s.id for s in plan.strategies]
    project_ids = [p.id for p in plan.projects]
    force_ids = _force_ids(account)
    people = team + [c.name for c in account.relationships if c.name not in team]
    for i, strategy in enumerate(plan.strategies):
        for j, ref in enumerate(strategy.objectives):
            if ref not in objective_ids:
                yield ((*base, "strategies", i, "objectives", j),
                       f"expected an objective id of this plan, got '{ref}'{suggest(ref, objective_ids)}")
        for j, ref in enumerate(strategy.answers):
            if ref not in force_ids:
                yield (*base, "strategies", i, "answers", j), _not_a_force(ref, force_ids)
    for i, project in enumerate(plan.projects):
        loc = (*base, "projects", i)
        if project.strategy not in strategy_ids:
            yield ((*loc, "strategy"),
                   f"expected a strategy id of this plan, got '{project.strategy}'{suggest(project.strategy, strategy_ids)}")
        if project.owner not in team:
            yield (*loc, "owner"), _not_in_team(project.owner, team)
        if project.due < project.start:
            yield (*loc, "due"), f"expected a date on or after start ({project.start}), got {project.due}"
        # A next step is done by either side; its due date may be past (that is overdue, not wrong).
        for j, step in enumerate(project.next_steps):
            if step.owner not in people:
                yield ((*loc, "next_steps", j, "owner"),
                       f"expected a name in team or relationships, got '{step.owner}'{suggest(step.owner, people)}")
    for i, value in enumerate(plan.value_delivered):
        if value.project is not None and value.project not in project_ids:
            yield ((*base, "value_delivered", i, "project"),
                   f"expected a project id of this plan, got '{value.project}'{suggest(value.project, project_ids)}")


# --- warnings: the file is valid, but its author should know -----------------------------------

def account_warnings(account: Account) -> list[Finding]:
    """Every warning of a valid account file, as `(field path, message)` pairs: the values still
    marked TODO (in the file's order), then the rest."""
    found: list[Finding] = [(loc, f"still marked TODO: '{_short(text)}'") for loc, text in todo_marks(account)]
    found += _shared_strategies_serving_only_internal_objectives(account)
    return found


def todo_marks(account: Account) -> list[Finding]:
    """The values (and mapping keys, such as a whitespace cell's offering) still marked TODO, as
    `(field path, the text)` pairs in the file's order. An account with any is not filled in: it
    validates, but no plan of it is published."""
    return list(_marked(account.model_dump(exclude_defaults=True), ()))


def _short(text: str, width: int = 60) -> str:
    """The text on one line, cut to `width` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[:width - 1] + "…"


def _marked(value: Any, loc: tuple[str | int, ...]) -> Iterator[Finding]:
    if isinstance(value, str):
        if TODO.search(value):
            yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and TODO.search(key):
                yield (*loc, key), key
            else:
                yield from _marked(item, (*loc, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _marked(item, (*loc, i))


def located_warnings(path: Path, account: Account) -> list[Problem]:
    """The warnings of the account file at `path` (already loaded as `account`), each with the
    file, the line of its field and the field, as problems are located."""
    found = account_warnings(account)
    if not found:
        return []
    source = read_yaml(Path(path))
    return [source.problem(loc, message) for loc, message in found]


def _shared_strategies_serving_only_internal_objectives(account: Account) -> Iterator[Finding]:
    """A shared strategy whose objectives are all internal serves nothing the customer sees: the
    joint plan shows it serving no objective."""
    plan = account.joint_plan
    shared = {o.id for o in plan.objectives if o.shared}
    for i, strategy in enumerate(plan.strategies):
        if strategy.shared and not shared & set(strategy.objectives):
            internal = ", ".join(strategy.objectives)
            yield (("joint_plan", "strategies", i, "objectives"),
                   f"shared strategy '{strategy.id}' serves only internal objectives ({internal}): the joint plan "
                   "shows it serving no objective; share one of them, serve a shared objective too, or keep the "
                   "strategy internal")
