"""The customer's organisation chart, from `relationships[].reports_to`: the data a chart is drawn from.

Each contact sits at a level of the chart: 0 for the people who report to nobody we know (the
roots: no `reports_to`, or one naming nobody among the contacts), 1 for their direct reports, and
so on. The chart is read top down, depth first: roots most influential first, and under each
person their direct reports, most influential first (ties in file order). Validation rejects a
`reports_to` cycle; should one reach this module anyway, the people in it are shown as roots
rather than lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kamlib.parameters.model import Account, Contact

CHART_COLUMNS = ["name", "title", "function", "level", "chart_level", "manager", "direct_reports", "owner",
                 "attitude", "influence", "buying_role"]


@dataclass(frozen=True)
class Person:
    """A contact placed in the organisation chart."""

    contact: Contact
    chart_level: int              # 0 = top (reports to nobody we know)
    manager: str | None           # the contact they report to
    direct_reports: list[str]     # the contacts reporting to them, in chart order


def org_chart(account: Account) -> list[Person]:
    """Every contact once, in chart order (depth first, roots and siblings most influential first)."""
    people = account.relationships
    # A name shared by two contacts resolves to the first (the format asks for one name per person);
    # both are still placed.
    first: dict[str, int] = {}
    for i, c in enumerate(people):
        first.setdefault(c.name, i)

    def manager(i: int) -> int | None:
        boss = first.get(people[i].reports_to or "")
        return None if boss is None or boss == i else boss

    def by_influence(ids: list[int]) -> list[int]:
        return sorted(ids, key=lambda i: (-people[i].influence, i))

    reports: dict[int, list[int]] = {i: [] for i in range(len(people))}
    for i in range(len(people)):
        boss = manager(i)
        if boss is not None:
            reports[boss].append(i)
    placed: list[Person] = []
    seen: set[int] = set()

    def place(top: int) -> None:
        # Depth first without recursion: a long reporting line cannot hit Python's recursion limit.
        stack: list[tuple[int, int, int | None]] = [(top, 0, None)]
        while stack:
            i, level, boss = stack.pop()
            if i in seen:
                continue
            seen.add(i)
            below = [r for r in by_influence(reports[i]) if r not in seen]
            placed.append(Person(people[i], level, None if boss is None else people[boss].name,
                                 [people[r].name for r in below]))
            stack.extend((r, level + 1, i) for r in reversed(below))

    for root in by_influence([i for i in range(len(people)) if manager(i) is None]):
        place(root)
    # Only a reports_to cycle leaves people unplaced: show them as roots, in file order.
    for i in range(len(people)):
        if i not in seen:
            place(i)
    return placed


def org_chart_table(account: Account) -> pd.DataFrame:
    """The organisation chart as a table, in chart order: each contact with their chart level, manager,
    direct reports (comma-separated), our owner, attitude, influence and buying role."""
    rows = [{"name": p.contact.name, "title": p.contact.title, "function": p.contact.function,
             "level": p.contact.level, "chart_level": p.chart_level, "manager": p.manager,
             "direct_reports": ", ".join(p.direct_reports), "owner": p.contact.owner,
             "attitude": p.contact.attitude, "influence": p.contact.influence,
             "buying_role": p.contact.buying_role} for p in org_chart(account)]
    return pd.DataFrame(rows, columns=CHART_COLUMNS)
