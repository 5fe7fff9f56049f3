"""The risk register: ranked by likelihood × impact, overdue mitigations, links, and unrecorded risks."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.method import risks
from tests.helpers import tiny, variant

AS_OF = date(2026, 11, 24)


def _risk(id, likelihood, impact, status="open", **extra):
    return {"id": id, "risk": f"risk {id}", "likelihood": likelihood, "impact": impact, "owner": "Priya Raman",
            "mitigation": "act", "status": status, **extra}


# scores: R1 0.5 × 3 = 1.5; R3 0.75 × 2 = 1.5 (tie: by id); R2 0.9 × 1 = 0.9; R4 0.3 × 3 = 0.9
RISKS = [
    _risk("R4", 0.3, 3, "closed"),
    _risk("R2", 0.9, 1, due=date(2026, 11, 1)),                                    # open, mitigation overdue
    _risk("R3", 0.75, 2, "mitigated", due=date(2026, 10, 1)),                       # past due but mitigated
    _risk("R1", 0.5, 3, due=date(2026, 12, 15), force="F1", contact="Helen Shaw"),  # open, due after as_of
]


def _account(risk_rows=RISKS, **changes):
    account, _ = tiny()
    forces = [dict(f.model_dump(), id=f"F{i + 1}") for i, f in enumerate(account.environment)]
    return variant(account, risks=risk_rows, environment=forces, **changes)


def test_register_is_ranked_by_score_ties_by_id():
    table = risks.register(_account(), AS_OF)
    assert list(table["id"]) == ["R1", "R3", "R2", "R4"]
    assert list(table["score"]) == pytest.approx([1.5, 1.5, 0.9, 0.9])


def test_open_risks_and_the_top_score():
    account = _account()
    assert [r.id for r in risks.open_risks(account)] == ["R1", "R2"]
    assert risks.top_risk_score(account) == pytest.approx(1.5)
    assert risks.top_risk_score(_account([RISKS[0]])) is None  # only a closed risk
    assert risks.top_risk_score(_account([])) is None


def test_overdue_mitigations_are_open_risks_due_before_the_planning_date():
    account = _account()
    assert [r.id for r in risks.overdue_mitigations(account, AS_OF)] == ["R2"]
    assert [r.id for r in risks.overdue_mitigations(account, date(2026, 12, 15))] == ["R2"]  # due that day: not yet
    assert [r.id for r in risks.overdue_mitigations(account, date(2027, 1, 1))] == ["R1", "R2"]
    assert risks.register(account, AS_OF).set_index("id")["overdue"].to_dict() == {
        "R1": False, "R3": False, "R2": True, "R4": False}


def test_linked_risks_carry_the_force_description_and_the_contact_title():
    linked = risks.linked_risks(_account(), AS_OF)
    assert list(linked["id"]) == ["R1"]
    row = linked.iloc[0]
    assert row["force"] == "F1" and row["force_description"].startswith("New chief procurement officer")
    assert row["contact"] == "Helen Shaw" and row["contact_title"] == "Chief Procurement Officer"


def _contact(name, role, attitude, influence):
    return {"name": name, "title": "Director", "function": "operations", "level": "executive",
            "influence": influence, "buying_role": role, "attitude": attitude, "owner": "Tom Becker",
            "last_contact": date(2026, 11, 1)}


def test_a_hostile_influential_decision_maker_no_risk_names_is_itself_a_finding():
    account, settings = tiny()
    # Helen Shaw: decision maker, attitude −1, influence 5 → hostile and influential
    others = [_contact("Mild Mo", "decision_maker", -2, 3),      # not influential enough
              _contact("Neutral Ned", "decision_maker", 0, 5),   # not hostile
              _contact("Loud Lou", "influencer", -2, 5),         # not a decision maker
              _contact("Harsh Hal", "decision_maker", -2, 4)]
    contacts = [c.model_dump() for c in account.relationships] + others
    assert risks.hostile_decision_makers(_account(relationships=contacts)) == ["Helen Shaw", "Harsh Hal"]
    found = risks.unrecorded_risks(_account(relationships=contacts), settings, AS_OF)
    assert [(f.kind, f.contact) for f in found] == [("hostile_decision_maker", "Harsh Hal")]  # R1 names Helen
    assert "influence 4 of 5" in found[0].evidence and "attitude -2" in found[0].evidence
    # a mitigated or closed risk that names the person still records them
    named = [_risk("R9", 0.2, 1, "mitigated", contact="Harsh Hal")]
    assert risks.unrecorded_risks(_account(RISKS + named, relationships=contacts), settings, AS_OF) == []
    assert [f.contact for f in risks.unrecorded_risks(_account([]), settings, AS_OF)] == ["Helen Shaw"]


def _opportunistic(account):
    """Both assessments guarded (transparency 2) while our side scores ≥ 3.5: the flag is raised."""
    rows = [a.model_dump() for a in account.scorecard]
    rows[1]["customer"]["transparency"] = 2
    return rows


def test_an_opportunistic_customer_with_no_open_risk_is_itself_a_finding():
    account, settings = tiny()
    helen_named = [_risk("R1", 0.5, 3, "closed", contact="Helen Shaw")]
    flagged = _account(helen_named, scorecard=_opportunistic(account))
    found = risks.unrecorded_risks(flagged, settings, AS_OF)
    assert [(f.kind, f.contact) for f in found] == [("opportunistic_customer", None)]
    assert "No open risk is recorded" in found[0].evidence
    with_open = _account(helen_named + [_risk("R2", 0.4, 2)], scorecard=_opportunistic(account))
    assert risks.unrecorded_risks(with_open, settings, AS_OF) == []
    assert risks.unrecorded_risks(_account(helen_named), settings, AS_OF) == []  # tiny's scorecard: no flag


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.integers(1, 3), st.sampled_from(["open", "mitigated", "closed",
                                                                             "occurred"]),
                          st.none() | st.integers(-60, 60)), max_size=8))
def test_register_invariants(drawn):
    rows = [_risk(f"R{i}", likelihood, impact, status,
                  **({} if days is None else {"due": AS_OF + timedelta(days=days)}))
            for i, (likelihood, impact, status, days) in enumerate(drawn)]
    account = _account(rows)
    table = risks.register(account, AS_OF)
    assert list(table["score"]) == sorted(table["score"], reverse=True)
    assert ((table["score"] >= 0) & (table["score"] <= 3)).all()
    open_scores = [r[0] * r[1] for r in drawn if r[2] == "open"]
    assert risks.top_risk_score(account) == (max(open_scores) if open_scores else None)
    overdue = {r.id for r in risks.overdue_mitigations(account, AS_OF)}
    assert overdue <= {r.id for r in risks.open_risks(account)}
