"""The organisation chart from reports_to: levels, managers, direct reports, chart order."""

from datetime import date

import pandas as pd

from kamlib.method import organisation
from tests.helpers import tiny, variant


def _contact(name, influence, reports_to=None, attitude=0):
    row = {"name": name, "title": f"{name}'s title", "function": "operations", "level": "management",
           "influence": influence, "attitude": attitude, "owner": "Tom Becker", "last_contact": date(2026, 11, 1)}
    return row if reports_to is None else {**row, "reports_to": reports_to}


def _account(contacts):
    return variant(tiny()[0], relationships=contacts)


FIVE = [_contact("Ann", 5), _contact("Cat", 4, "Ann"), _contact("Dan", 3, "Bob", attitude=-1),
        _contact("Bob", 5, "Ann"), _contact("Eve", 2, "Zed"), _contact("Fay", 5)]


def test_chart_is_depth_first_roots_and_siblings_most_influential_first():
    table = organisation.org_chart_table(_account(FIVE))
    # roots: Ann 5, Fay 5 (tie: file order), Eve 2 (reports to nobody we know); under Ann: Bob 5 before Cat 4
    assert list(zip(table["name"], table["chart_level"])) == [
        ("Ann", 0), ("Bob", 1), ("Dan", 2), ("Cat", 1), ("Fay", 0), ("Eve", 0)]
    rows = table.set_index("name")
    assert rows.loc["Ann", "direct_reports"] == "Bob, Cat" and rows.loc["Bob", "direct_reports"] == "Dan"
    assert rows.loc["Dan", "manager"] == "Bob" and pd.isna(rows.loc["Eve", "manager"])
    assert (rows.loc["Dan", "owner"], rows.loc["Dan", "attitude"], rows.loc["Dan", "influence"]) == ("Tom Becker", -1, 3)


def test_tinys_contacts_without_reports_to_are_all_roots():
    table = organisation.org_chart_table(tiny()[0])
    assert list(zip(table["name"], table["chart_level"])) == [("Helen Shaw", 0), ("Raj Patel", 0)]


def test_a_cycle_is_shown_not_lost():
    people = organisation.org_chart(_account([_contact("X", 3, "Y"), _contact("Y", 4, "X")]))
    assert [(p.contact.name, p.chart_level, p.manager) for p in people] == [("X", 0, None), ("Y", 1, "X")]


def test_sixty_contacts_in_a_three_way_tree():
    # contact i reports to contact (i − 1) // 3: 1 + 3 + 9 + 27 = 40 people on levels 0..3, 20 on level 4
    contacts = [_contact(f"C{i:02d}", 1 + i % 5, None if i == 0 else f"C{(i - 1) // 3:02d}") for i in range(60)]
    people = organisation.org_chart(_account(contacts))
    assert sorted(p.contact.name for p in people) == sorted(c["name"] for c in contacts)
    level = {p.contact.name: p.chart_level for p in people}
    assert [sum(1 for v in level.values() if v == k) for k in range(5)] == [1, 3, 9, 27, 20]
    for p in people:
        if p.manager is not None:
            assert level[p.contact.name] == level[p.manager] + 1
        for r in p.direct_reports:
            assert next(q for q in people if q.contact.name == r).manager == p.contact.name
    # depth first: everyone comes after their manager
    position = {p.contact.name: i for i, p in enumerate(people)}
    assert all(position[p.manager] < position[p.contact.name] for p in people if p.manager)


def test_a_long_reporting_line_does_not_hit_the_recursion_limit():
    contacts = [_contact(f"L{i}", 3, None if i == 0 else f"L{i - 1}") for i in range(1500)]
    people = organisation.org_chart(_account(contacts))
    assert people[-1].chart_level == 1499
