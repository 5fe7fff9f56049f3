"""The course's practice: building a piece of the plan (T5), profit across the portfolio (T6),
confidentiality between competing accounts (T7) — wrong, partial, gaming, right and slipped answers."""

from __future__ import annotations

import copy

import pytest

from kamlib.method import portfolio
from kamlib.training import exercises, practice, session


@pytest.fixture(scope="module")
def case():
    return exercises.open_case()


@pytest.fixture(scope="module")
def whole():
    return practice.open_training_portfolio()


@pytest.fixture(scope="module")
def table(whole):
    return portfolio.portfolio_table(*whole)


@pytest.fixture(autouse=True)
def fresh_session():
    session.reset()
    yield
    session.reset()


RIGHT = {"strategy": {"statement": "Prove total packaging cost per meal with operations before the tender",
                      "objectives": ["O2"], "answers": ["F4"]},
         "project": {"title": "Total-cost study", "owner": "Farah Siddiqui", "customer owner": "Priya Nair",
                     "start": "2026-10-12", "due": "2026-12-18"},
         "risk": {"risk": "The tender is decided on unit price before the study ends", "likelihood": 0.5,
                  "impact": 3, "owner": "Maya Lindqvist", "force": "F4",
                  "mitigation": "Ask Grace Okonkwo to put total cost in the tender criteria by November"}}


def _with(**changes):
    answer = copy.deepcopy(RIGHT)
    for where, value in changes.items():
        part, field = where.split("__")
        answer[part][field.replace("_", " ")] = value
    return answer


def _addition(case, answer, **kw):
    return str(practice.check_plan_addition(case.account, case.as_of, answer, **kw))


# --- T5: a strategy, a project and a risk ----------------------------------------------------------

def test_a_consistent_addition_is_right_and_its_consequences_are_computed(case):
    said = _addition(case, RIGHT)
    assert said.startswith("Right.")
    assert ("the project is carried by Farah Siddiqui and, at the customer, Priya Nair (Operations Manager, "
            "Grimsby), from 2026-10-12 to 2026-12-18") in said
    # O2 gets a strategy; F4 is answered, F3 (0.80) is still open; health +5 for the closed gap
    assert ("objectives without a strategy O2 → none; forces that matter left unanswered F3 and F4 → F3; "
            "plan health 80 → 85 of 100") in said
    # 0.5 × 3 = 1.50, behind R1 (0.7 × 3 = 2.10), ahead of R2 (1.00) and R3 (0.60)
    assert "Your risk scores 0.5 × 3 = 1.50: number 2 of 4 open risks in the register." in said
    assert "The risk hangs on the force your strategy answers (F4)" in said


def test_a_strategy_answering_the_other_open_force_is_right_too(case):
    said = _addition(case, _with(strategy__answers=["F3"], risk__force="F3"))
    assert said.startswith("Right.") and "forces that matter left unanswered F3 and F4 → F4" in said


def test_an_inconsistent_addition_is_told_each_problem_with_hints_that_grow(case):
    wrong = _with(strategy__objectives=["O1"], strategy__answers=["F1"], project__customer_owner="to be named",
                  risk__mitigation="TBD")
    first = _addition(case, wrong, attempt=1)
    assert "The strategy serves O1, which a strategy already serves: a new strategy should close a gap." in first
    assert "F1 (regulation) is not a force left open: a strategy already answers it." in first
    assert '"to be named" is not a named contact at the customer' in first
    assert 'The mitigation says "TBD": write what we will do' in first
    assert "plan health 80 → 75 of 100" in first   # a strategy with a placeholder owner costs health
    assert "It is O2" not in first and "F3 and F4." not in first
    second = _addition(case, wrong, attempt=2)
    assert "Which objective has no strategy at all?" in second and "nothing answers yet: F3 and F4." in second
    assert "It is O2." in _addition(case, wrong, attempt=3)


def test_dates_owners_and_links_must_hold_together(case):
    late = _addition(case, _with(project__due="2027-09-30"))
    assert "The project is due on 2027-09-30, after the objective it serves (2027-06-30)" in late
    early = _addition(case, _with(project__start="2026-09-01"))
    assert "starts on 2026-09-01, before the planning date 2026-10-01" in early
    backwards = _addition(case, _with(project__due="2026-10-01"))
    assert "The project is due on 2026-10-01, not after it starts (2026-10-12)." in backwards
    ours = _addition(case, _with(project__customer_owner="Owen Price"))
    assert "Owen Price is ours: the customer owner is a person at Tidewater Chilled Meals Ltd." in ours
    stranger = _addition(case, _with(project__owner="Grace Okonkwo"))
    assert "The project's owner, Grace Okonkwo, is not on our team" in stranger
    unlikely = _addition(case, _with(strategy__answers=["F2"]))
    assert "F2 (mergers & acquisitions) is not a force left open: its priority is 0.40, below 0.50." in unlikely


def test_a_strategy_that_claims_everything_is_refused(case):
    everything = _addition(case, _with(strategy__objectives=["O1", "O2", "O3"],
                                       strategy__answers=["F1", "F2", "F3", "F4"]))
    assert everything.startswith("Not quite yet.")
    assert "The strategy claims to serve every objective" in everything
    assert "The strategy claims to answer every force" in everything


def test_copying_the_plan_or_writing_placeholders_is_refused(case):
    copied = _addition(case, _with(strategy__statement=case.account.joint_plan.strategies[0].statement))
    assert "The strategy copies one the plan already has" in copied
    short = _addition(case, _with(strategy__statement="Win the tender"))
    assert 'The strategy says "Win the tender": write how, in a sentence of at least 6 words.' in short


@pytest.mark.parametrize("slip, says", [
    ("a strategy", 'You gave the text "a strategy": give a dictionary with a strategy, a project and a risk'),
    ({"strategy": {}, "project": {}}, "Give exactly the three parts strategy, project and risk; missing: risk."),
    (_with(project__due="next spring"), 'In the project, the due date is the text "next spring": write a date as '
                                        '"YYYY-MM-DD", in quotes.'),
    (_with(strategy__objectives="O2"), 'In the strategy, objectives is a list of ids, even one: ["O2"], not "O2".'),
    (_with(risk__impact=5), "In the risk, the impact is the number 5: "),
    (_with(risk__likelihood=float("nan")), "In the risk, the likelihood is nan (not a number)"),
    ({**RIGHT, "risk": "none"}, 'The risk is the text "none": give it as a dictionary of its fields'),
])
def test_addition_slips(case, slip, says):
    feedback = practice.check_plan_addition(case.account, case.as_of, slip)
    assert feedback.slip and says in str(feedback), str(feedback)


def test_a_missing_field_is_named(case):
    answer = copy.deepcopy(RIGHT)
    del answer["risk"]["owner"]
    assert "In the risk, the owner is missing: add it." in _addition(case, answer)


# --- T6: profit, not revenue ------------------------------------------------------------------------

def test_profit_right_answer_teaches_the_biggest_is_not_the_most_profitable(table):
    right = str(practice.check_profit(table, {"most profitable": "Harrow Bakeries",
                                              "losing money": ["greystone foodservice ltd", "Copse Drinks"]}, "GBP"))
    assert right.startswith("Right.")
    # 1,500,000 × 33% − 110,000 = 385,000; 4,800,000 × 15% − 900,000 = −180,000; 1,800,000 × 18% − 420,000 = −96,000
    assert "Harrow Bakeries Ltd earns the most: GBP 1,500,000 × 33% − GBP 110,000 = GBP 385,000." in right
    assert "Greystone Foodservice Ltd loses money: GBP 4,800,000 × 15% − GBP 900,000 = GBP −180,000." in right
    assert ("The lesson: Greystone Foodservice Ltd is the biggest account by revenue, and it destroys value; "
            "Harrow Bakeries Ltd, GBP 3,300,000 smaller, earns the most.") in right


def test_profit_the_biggest_account_is_the_natural_wrong_answer(table):
    wrong = str(practice.check_profit(table, {"most profitable": "Greystone Foodservice", "losing money": []},
                                      "GBP", attempt=1))
    assert "Greystone Foodservice Ltd earns GBP −180,000 after cost to serve: another account earns more." in wrong
    assert "It is the biggest by revenue — but revenue is not profit" in wrong
    assert "You missed 2 loss-making accounts: check the accounts with a high cost to serve" in wrong
    assert "Harrow" not in wrong
    third = str(practice.check_profit(table, {"most profitable": "Greystone Foodservice", "losing money": []},
                                      "GBP", attempt=3))
    assert "The most profitable is Harrow Bakeries Ltd" in third and "Copse Drinks Ltd (GBP 1,800,000" in third


def test_profit_partial_and_gaming(table):
    partial = str(practice.check_profit(table, {"most profitable": "Harrow Bakeries", "losing money":
                                                ["Greystone Foodservice", "Oakridge Snacks"]}, "GBP", attempt=2))
    assert "Oakridge Snacks Ltd does not lose money: GBP 500,000 × 22% − GBP 80,000 = GBP 30,000." in partial
    assert "You missed 1 loss-making account" in partial
    everyone = list(table["name"])
    gaming = str(practice.check_profit(table, {"most profitable": "Harrow Bakeries", "losing money": everyone}))
    assert "You named nearly every account as a loss-maker" in gaming and "Greystone" not in gaming


@pytest.mark.parametrize("slip, says", [
    ({"most profitable": "Harrow", "losing money": []}, '"Harrow" (the most profitable) is not an account'),
    ({"most profitable": "Harrow Bakeries", "losing money": "Copse Drinks"},
     'Put the loss-makers in a list, even one: ["Copse Drinks"]'),
    ({"most profitable": 385000, "losing money": []}, "The most profitable is the number 385000: write the account's "
                                                      "name in quotes."),
    (["Harrow Bakeries"], "You gave a list: give a dictionary like"),
    ({"best": "Harrow Bakeries"}, 'Give both parts, "most profitable" and "losing money"'),
])
def test_profit_slips(table, slip, says):
    feedback = practice.check_profit(table, slip, "GBP")
    assert feedback.slip and says in str(feedback), str(feedback)


def test_worked_example_is_the_portfolio_tables_figure(table):
    assert practice.worked_profit(table, "tidewater-chilled", "GBP") == (
        "Tidewater Chilled Meals Ltd: revenue GBP 2,100,000 × gross margin 28% − cost to serve GBP 250,000 = "
        "GBP 338,000")


# --- T7: what may cross -----------------------------------------------------------------------------

def _cross(whole, answer, **kw):
    return practice.check_confidentiality(whole[0], "tidewater-chilled", answer, **kw)


def test_confidentiality_items_come_from_the_case(whole):
    rival, items = practice.confidentiality_items(whole[0], "tidewater-chilled")
    assert rival == "Saltmarsh Kitchen Ltd"
    assert items[3].text == "The results of the joint trial (Mono-material tray trial on the Grimsby lasagne line)"
    assert [i.whose for i in items].count("ours") == 2
    assert list(portfolio.competing_team_members(whole[0])["person"]) == ["Owen Price"]


def test_confidentiality_right_wrong_partial_and_gaming(whole):
    right = str(_cross(whole, ["C", "e"]))
    assert right.startswith("Right.") and "Only our own information crosses" in right
    wrong = str(_cross(whole, ["a", "c", "e"], attempt=1))
    assert "a: must not cross: it is Tidewater Chilled Meals Ltd's information." in wrong
    assert "the customer shared them" not in wrong
    assert "shared them with us to plan supply" in str(_cross(whole, ["a", "c", "e"], attempt=2))
    partial = str(_cross(whole, ["c"], attempt=1))
    assert partial.startswith("Not quite yet.") and "You kept back 1 item that may cross" in partial
    assert "e: may cross: our own product, sold to both." in str(_cross(whole, ["c"], attempt=3))
    everything = str(_cross(whole, list("abcdef")))
    assert "You let everything cross" in everything and "c:" not in everything


@pytest.mark.parametrize("slip, says", [
    ("ce", 'You wrote the text "ce": give the letters in a list, each in quotes'),
    (["z"], 'The text "z" is not one of the items: they are lettered a, b, c, d, e and f.'),
    ({"c": True}, "You gave a dictionary"),
])
def test_confidentiality_slips(whole, slip, says):
    feedback = _cross(whole, slip)
    assert feedback.slip and says in str(feedback), str(feedback)
