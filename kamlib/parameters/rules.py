"""Rules that span fields of a parameter file: sums, uniqueness and references between ids.

Each check returns `(field path, message)` pairs; `kamlib.parameters.loader` turns them into located problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from difflib import get_close_matches

from kamlib.parameters.model import US, Account, PortfolioSettings

WEIGHT_TOLERANCE = 0.01
RESERVED_IDS = ("portfolio",)  # outputs/portfolio/ holds the cross-account overview
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
    seen: set[str] = set()
    for i, item in enumerate(items):
        value = getattr(item, key)
        if value in seen:
            yield (*loc, i, key), f"duplicate {what} '{value}'"
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
    found += _competition(account)
    for i, (a, b) in enumerate(zip(account.scorecard, account.scorecard[1:]), start=1):
        if b.date <= a.date:
            found.append((("scorecard", i, "date"),
                          f"assessments must be oldest first: expected a date after {a.date}, got {b.date}"))
    for i, contact in enumerate(account.relationships):
        if contact.owner not in team:
            found.append((("relationships", i, "owner"), _not_in_team(contact.owner, team)))
    found += _whitespace(account)
    found += _joint_plan(account, team)
    return found


def _not_in_team(name: str, team: list[str]) -> str:
    return f"expected a name in team, got '{name}'{suggest(name, team)}"


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


def _joint_plan(account: Account, team: list[str]) -> Iterator[Finding]:
    plan = account.joint_plan
    base = ("joint_plan",)
    yield from _duplicates((*base, "objectives"), plan.objectives, "id", "objective id")
    yield from _duplicates((*base, "strategies"), plan.strategies, "id", "strategy id")
    yield from _duplicates((*base, "projects"), plan.projects, "id", "project id")
    objective_ids = [o.id for o in plan.objectives]
    strategy_ids = [s.id for s in plan.strategies]
    for i, strategy in enumerate(plan.strategies):
        for j, ref in enumerate(strategy.objectives):
            if ref not in objective_ids:
                yield ((*base, "strategies", i, "objectives", j),
                       f"expected an objective id of this plan, got '{ref}'{suggest(ref, objective_ids)}")
    for i, project in enumerate(plan.projects):
        loc = (*base, "projects", i)
        if project.strategy not in strategy_ids:
            yield ((*loc, "strategy"),
                   f"expected a strategy id of this plan, got '{project.strategy}'{suggest(project.strategy, strategy_ids)}")
        if project.owner not in team:
            yield (*loc, "owner"), _not_in_team(project.owner, team)
        if project.due < project.start:
            yield (*loc, "due"), f"expected a date on or after start ({project.start}), got {project.due}"
