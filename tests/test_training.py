"""The training course: every exercise's check against wrong, partial, gaming, right and slipped
answers, with the substance of the feedback; hints that grow; answers that show only when earned;
student copies that run without answers."""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from kamlib.cli import main
from kamlib.method import portfolio
from kamlib.parameters.model import Assessment
from kamlib.training import exercises, practice, session

COURSE = exercises.TRAINING_DIR
NOTEBOOKS = sorted(COURSE.glob("T*.ipynb"))
STATED = ["supply_reliability", "price", "recyclability", "speed_of_new_designs"]


@pytest.fixture(scope="module")
def case():
    return exercises.open_case()


@pytest.fixture(autouse=True)
def fresh_session():
    session.reset()
    yield
    session.reset()


def text(feedback) -> str:
    return str(feedback)


def test_the_course_has_its_notebooks_and_one_answer_cell_per_exercise():
    assert [p.stem for p in NOTEBOOKS] == ["T1_the_method_and_the_case", "T2_environment",
                                           "T3_competitor_positioning", "T4_scorecard", "T5_joint_business_plan",
                                           "T6_portfolio_and_profitability", "T7_relationships_and_confidentiality"]
    for exercise in exercises.EXERCISES.values():
        nb = nbformat.read(COURSE / f"{exercise.notebook}.ipynb", as_version=4)
        answers = [c for c in nb.cells if exercises.ANSWER_TAG in c.metadata.get("tags", [])
                   and re.match(rf"\s*(#.*\n)*{exercise.answer} =", c.source)]
        assert len(answers) == 1 and "..." in answers[0].metadata["kam"]["student"], exercise
        assert any(f'"{exercise.id}"' in c.source or exercise.answer in c.source for c in nb.cells
                   if c.cell_type == "code" and "check_" in c.source), exercise
    assert (COURSE / "TRAINER_GUIDE.md").is_file()


def _hint(exercise: exercises.Exercise):
    """The example the student copy's answer cell shows (`e.g. …`), as Python."""
    nb = nbformat.read(COURSE / f"{exercise.notebook}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if exercises.ANSWER_TAG in c.metadata.get("tags", [])
                and f"{exercise.answer} =" in c.metadata["kam"]["student"])
    student = cell.metadata["kam"]["student"]
    found = re.search(r"e\.g\. (.+)$", student, re.M)
    assert found, f"{exercise.id}: the student cell shows no example"
    more = []   # an example that runs on over comment lines
    for line in student[found.end():].splitlines()[1:]:
        if not line.startswith("#   "):
            break
        more.append(line)
    return eval(" ".join([found.group(1), *(line.lstrip("# ") for line in more)]))  # noqa: S307 - our literal


def _checks(case):
    """Every exercise's check, as the notebooks call it, by exercise id."""
    whole, as_of = practice.open_training_portfolio()
    table = portfolio.portfolio_table(whole, as_of)
    return {
        "for-us": lambda a: exercises.check_for_us(case.account, a),
        "plan-addition": lambda a: practice.check_plan_addition(case.account, case.as_of, a),
        "profit": lambda a: practice.check_profit(table, a),
        "confidentiality": lambda a: practice.check_confidentiality(whole, "tidewater-chilled", a),"top-forces": lambda a: exercises.check_top_forces(case.account, a),
              "criteria-weights": lambda a: exercises.check_criteria_weights(case.account, a, STATED),
              "classes": lambda a: exercises.check_classes(a, _three(), case.settings.scorecard.weights,
                                                           case.settings.scorecard.classes),
              "plan-gaps": lambda a: exercises.check_plan_gaps(case.account, a)}


def test_no_hint_in_an_answer_cell_is_a_right_answer(case):
    checks = _checks(case)
    assert set(checks) == set(exercises.EXERCISES)
    for exercise in exercises.EXERCISES.values():
        verdict = checks[exercise.id](_hint(exercise))
        assert verdict.correct is False, (exercise.id, str(verdict))


# --- T2: which forces matter most ------------------------------------------------------------------
# priorities: 1 → |−2| × 0.9 = 1.80, 2 → 2 × 0.2 = 0.40, 3 → 1 × 0.8 = 0.80, 4 → 1 × 0.7 = 0.70

def test_forces_right_answer_explains_from_the_case(case):
    right = exercises.check_top_forces(case.account, [3, 1])
    assert right.correct is True
    assert "Force 1 (regulation): |−2| × 90% = 1.80: it hurts the customer a lot and is likely." in text(right)
    assert "Force 3 (end-consumer demand): |+1| × 80% = 0.80: it helps the customer and is likely." in text(right)
    assert "larger impact (+2) than force 3" in text(right) and "unlikely (20%): 0.40" in text(right)
    assert "hit the customer hard" not in text(right)


def test_forces_defensible_alternative_is_accepted_with_its_trade_off(case):
    alternative = exercises.check_top_forces(case.account, [1, 4])
    assert alternative.correct is True
    assert "Force 4 (purchasing dynamics) instead of force 3 (end-consumer demand) is defensible" in text(alternative)
    assert "its priority (0.70) is close to 0.80, it is a threat to us and it bites short term" in text(alternative)
    assert "force 3 (end-consumer demand) ranks higher" in text(alternative)
    # the alternative does not stand in for force 1, which nothing comes close to
    assert exercises.check_top_forces(case.account, [3, 4]).correct is False


def test_forces_hints_grow_and_the_answer_shows_only_at_the_third_try(case):
    first = text(exercises.check_top_forces(case.account, [1, 2]))
    assert "Force 2 (mergers & acquisitions): not among the two that matter most." in first
    assert "You left out one force that matters more" in first and "0.80" not in first and "force 3" not in first
    second = text(exercises.check_top_forces(case.account, [2, 4]))
    assert "|+2| × 20% = 0.40" in second and "above 0.70: compute forces 1 and 3" in second
    assert "matter most are" not in second
    third = text(exercises.check_top_forces(case.account, [4, 2]))  # same set, new order: a new try
    assert "You left out force 1 (regulation): |−2| × 90% = 1.80" in third
    assert "The two forces that matter most are 1 and 3." in third
    record = session.record_of("top-forces")
    assert (record.attempts, record.tries, record.right) == (3, 3, False) and record.revealed


def test_running_the_same_wrong_answer_again_is_no_new_try(case):
    for _ in range(5):
        again = exercises.check_top_forces(case.account, [1, 2])
    assert "matter most are" not in text(again) and session.record_of("top-forces").tries == 1
    assert isinstance(exercises.reveal("top-forces", lambda: "the table"), session.Locked)


@pytest.mark.parametrize("slip, says", [
    ("13", 'You wrote the text "13". Without quotes, give 2 force numbers in square brackets'),
    (13, "You gave the number 13, a single value"),
    ([1, "3"], '"3" is text: write the force number without quotes.'),
    ([1, 1], "Pick exactly 2 different forces; you gave 1 (one of them twice)."),
    ([1, 9], "There is no force 9: the forces are numbered 1 to 4."),
    (float("nan"), "You gave nan (not a number)"),
    ([1.5, 2], "The number 1.5 is not a force number"),
    ({1: 3}, "You gave a dictionary"),
])
def test_forces_slips_get_a_friendly_sentence_and_never_the_answer(case, slip, says):
    feedback = exercises.check_top_forces(case.account, slip)
    assert feedback.correct is False and feedback.slip and feedback.headline == "Not readable yet."
    assert says in text(feedback)
    assert "[1, 3]" not in text(feedback) and "[3, 1]" not in text(feedback)
    assert session.record_of("top-forces").tries == 0   # a slip is no try towards the reveal


def test_every_check_and_reveal_says_not_answered_to_a_student_copys_placeholder(case):
    from kamlib.training import quiz

    for exercise, check in _checks(case).items():
        feedback = check(...)
        assert feedback.correct is None and "Replace the `...`" in text(feedback), exercise
        assert feedback._repr_mimebundle_()[1][session.METADATA_KEY]["attempts"] == 0
        assert isinstance(exercises.reveal(exercise, lambda: "the answer"), session.Locked)
    assert quiz.check_quiz("before", ...).correct is None and quiz.check_quiz("after", ...).correct is None


def test_unanswered_and_none_are_not_answered(case):
    assert exercises.check_top_forces(case.account, ...).correct is None
    nothing = exercises.check_top_forces(case.account, None)
    assert nothing.correct is None and "None, which is Python for nothing" in text(nothing)
    assert session.record_of("top-forces").attempts == 0


# --- T3: weight the buying criteria -----------------------------------------------------------------

def test_weights_right_answer_computes_relative_strength_with_the_students_weights(case):
    right = exercises.check_criteria_weights(case.account, {"supply_reliability": .4, "price": .3,
                                                            "recyclability": .2, "speed_of_new_designs": .1}, STATED)
    assert right.correct is True
    # ours 0.4×4 + 0.3×3 + 0.2×5 + 0.1×4 = 3.90; Kelso 0.4×4 + 0.3×4 + 0.2×2 + 0.1×3 = 3.50; 3.90/3.50 = 1.11
    assert "we score 3.90 and Kelso Trays, the strongest competitor, 3.50: relative strength 1.11 (1.16" in text(right)
    assert "so our lead shrinks" in text(right)
    assert "more weight on supply reliability (we only match the best, 4 against 4)" in text(right)
    other = exercises.check_criteria_weights(case.account, {"supply_reliability": .35, "price": .3,
                                                            "recyclability": .25, "speed_of_new_designs": .1}, STATED)
    # ours 1.40 + 0.90 + 1.25 + 0.40 = 3.95; Kelso 1.40 + 1.20 + 0.50 + 0.30 = 3.40; 1.16
    assert other.correct is True and "we score 3.95 and Kelso Trays, the strongest competitor, 3.40" in text(other)


def test_weights_wrong_order_names_the_inversion(case):
    inverted = exercises.check_criteria_weights(case.account, {"supply_reliability": .2, "price": .4,
                                                               "recyclability": .3, "speed_of_new_designs": .1}, STATED)
    assert inverted.correct is False
    assert ("The customer ranks supply reliability above price, but you weighted supply reliability 0.20 < "
            "price 0.40") in text(inverted)
    assert "supply_reliability" not in text(inverted)   # words, not keys


def test_weights_partial_sum_and_missing(case):
    short = exercises.check_criteria_weights(case.account, {"Supply reliability": .4, "Price": .3,
                                                            "recyclability": .2, "speed of new designs": .05}, STATED)
    assert short.correct is False and "The weights add up to 0.95; they must add up to 1" in text(short)
    missing = exercises.check_criteria_weights(case.account, {"supply_reliability": .6, "price": .4}, STATED)
    assert "missing: recyclability and speed of new designs" in text(missing)


@pytest.mark.parametrize("gaming, says", [
    ({"supply_reliability": .25, "price": .25, "recyclability": .25, "speed_of_new_designs": .25},
     "You weighted supply reliability and price the same (0.25), but the customer put supply reliability before "
     "price: a strict order"),
    ({"supply_reliability": 1, "price": 0, "recyclability": 0, "speed_of_new_designs": 0},
     "A weight of 0.00 says the customer ignores price; they ranked it second, not irrelevant."),
    ({"supply_reliability": .7, "price": .15, "recyclability": .1, "speed_of_new_designs": .05},
     "With 0.70 on supply reliability, the other criteria together decide only 30% of the choice"),
    ({"supply_reliability": .94, "price": .03, "recyclability": .02, "speed_of_new_designs": .01},
     "A weight of 0.01 says the customer ignores speed of new designs"),
])
def test_weights_degenerate_answers_are_refused_with_a_reason(case, gaming, says):
    feedback = exercises.check_criteria_weights(case.account, gaming, STATED)
    assert feedback.correct is False and says in text(feedback)


def test_weights_example_shows_only_at_the_third_try(case):
    tries = [{"supply_reliability": .25, "price": .25, "recyclability": .25, "speed_of_new_designs": .25},
             {"supply_reliability": .3, "price": .3, "recyclability": .2, "speed_of_new_designs": .2},
             {"supply_reliability": .3, "price": .4, "recyclability": .2, "speed_of_new_designs": .1}]
    said = [text(exercises.check_criteria_weights(case.account, t, STATED)) for t in tries]
    assert "One weighting that fits" not in said[0] + said[1] and "Read the customer's words again" in said[1]
    assert ("Read the customer's words again: supply reliability first, then price, then recyclability, then "
            "speed of new designs") in said[1]
    assert "One weighting that fits: 0.40, 0.30, 0.20 and 0.10" in said[2]


@pytest.mark.parametrize("slip, says", [
    ([.4, .3, .2, .1], "You gave a list: give a weight per criterion in curly brackets"),
    ({"supply_reliability": .4, "price": "0.3", "recyclability": .2, "speed_of_new_designs": .1},
     'The weight of price is the text "0.3": write the number without quotes.'),
    ({"supply_reliability": float("nan"), "price": .3, "recyclability": .2, "speed_of_new_designs": .1},
     "The weight of supply reliability is nan, not a number you can weigh with"),
    ({"reliability": .4}, '"reliability" is not one of this customer\'s criteria; they are supply reliability, '
                          'price, recyclability and speed of new designs.'),
    ({"supply_reliability": None}, "The weight of supply reliability is None (nothing): give a number between 0 and 1."),
])
def test_weights_slips(case, slip, says):
    feedback = exercises.check_criteria_weights(case.account, slip, STATED)
    assert feedback.slip and says in text(feedback), text(feedback)
    assert "add up to nan" not in text(feedback) and ": good" not in text(feedback)


# --- T4: classify three accounts --------------------------------------------------------------------

def _assessment(customer, supplier) -> Assessment:
    return exercises.assessed(customer, supplier)


def test_the_three_accounts_are_those_of_the_training_portfolio():
    whole, _ = practice.open_training_portfolio()
    for account_id, (customer, supplier) in {"harrow-bakeries": ((5, 4, 4, 4), (4, 4, 3)),
                                             "lindell-dairy": ((3, 3, 4, 3), (2, 3, 2)),
                                             "copse-drinks": ((2, 2, 3, 2), (4, 4, 4))}.items():
        assert whole.accounts[account_id].scorecard[-1] == _assessment(customer, supplier).model_copy(
            update={"evidence": whole.accounts[account_id].scorecard[-1].evidence})
    assert exercises.described("X", _assessment((5, 4, 4, 4), (4, 4, 3))) == (
        "X: customer side willingness to partner 5, transparency 4, growth potential 4, responsiveness 4; "
        "our side willingness to partner 4, transparency 4, contribution to growth 3")


def _three() -> dict[str, Assessment]:
    return {"Harrow Bakeries": _assessment((5, 4, 4, 4), (4, 4, 3)),   # 4.30 / 3.70 → strategic partner
            "Lindell Dairy": _assessment((3, 3, 4, 3), (2, 3, 2)),     # 3.30 / 2.30 → develop
            "Copse Drinks": _assessment((2, 2, 3, 2), (4, 4, 4))}      # 2.30 / 4.00 → maintain


def _classes(case, answer, **kw):
    return exercises.check_classes(answer, _three(), case.settings.scorecard.weights,
                                   case.settings.scorecard.classes, **kw)


def test_classes_right_in_any_case_or_spelling(case):
    right = _classes(case, {"harrow bakeries": "Strategic partner", "Lindell Dairy": "develop",
                            "Copse Drinks": "MAINTAIN"})
    assert right.correct is True
    assert "Harrow Bakeries: strategic partner, right (customer side 4.30, our side 3.70)." in text(right)
    assert "strategic_partner" not in text(right)


def test_classes_wrong_answer_does_not_print_every_class_until_the_third_try(case):
    hint = {"Harrow Bakeries": "key_account", "Lindell Dairy": "key_account", "Copse Drinks": "key_account"}
    first = text(_classes(case, hint, attempt=1))
    assert "Lindell Dairy: not key account: our side falls short of what key account needs." in first
    assert "Copse Drinks: not key account: the customer side falls short" in first
    assert "a class higher in the table clears too" in first
    assert "It is" not in first and "2.30" not in first
    second = text(_classes(case, hint, attempt=2))
    assert "our side 0.40 × 2 + 0.30 × 3 + 0.30 × 2 = 2.30 < 3, and key account needs both." in second
    assert "It is" not in second
    third = text(_classes(case, hint, attempt=3))
    assert "It is develop." in third and "It is maintain." in third and "It is strategic partner." in third


def test_classes_partial_answer(case):
    partial = _classes(case, {"Harrow Bakeries": "strategic_partner", "Lindell Dairy": None})
    assert partial.correct is False
    assert "Harrow Bakeries: strategic partner, right" in text(partial)
    assert "Lindell Dairy: no class given yet (None)." in text(partial) and "Copse Drinks: no class given." in text(partial)
    assert "'None' is not a class" not in text(partial)


@pytest.mark.parametrize("slip, says", [
    ({"Harrow Bakeries": "gold"}, '"gold" is not a class; the classes are strategic partner, key account, develop '
                                  'and maintain.'),
    ({"Harrow Bakery": "develop"}, 'The text "Harrow Bakery" is not one of the accounts to classify: they are '
                                   'Harrow Bakeries, Lindell Dairy and Copse Drinks. Did you mean "Harrow Bakeries"?'),
    ("key_account", 'You gave the text "key_account": give a class per account in curly brackets'),
    ({"Harrow Bakeries": 3}, "The class of Harrow Bakeries is the number 3: write the class's name in quotes"),
])
def test_classes_slips(case, slip, says):
    feedback = _classes(case, slip)
    assert feedback.slip and says in text(feedback)


def test_a_name_without_quotes_gets_a_sentence_not_a_traceback():
    try:
        eval("{'Harrow Bakeries': strategic_partner}")  # noqa: S307 - the slip itself
    except NameError as error:
        said = session.name_error_message(error)
    assert said.startswith("Python does not know the name `strategic_partner`. If you meant it as text")
    assert 'put it in quotes: "strategic_partner"' in said
    try:
        eval("classes")  # noqa: S307 - the answer cell not run
    except NameError as error:
        assert "`classes` has no value yet: run the answer cell above first" in session.name_error_message(error)


# --- T5: find the gaps in the joint plan ------------------------------------------------------------

def test_gaps_right_answer_and_the_o3_alternative(case):
    right = exercises.check_plan_gaps(case.account, {"objectives": ["O2"], "strategies": ["S2"], "projects": ["P2"]})
    assert right.correct is True
    assert "Strategies: S2, right: 1 strategy that no project carries." in text(right)
    assert "You could also name O3: it has a strategy (S2) but no project carries it" in text(right)
    with_o3 = exercises.check_plan_gaps(case.account, {"objectives": ["o2", "O3"], "strategies": ["S2"],
                                                       "projects": ["P2"]})
    assert with_o3.correct is True
    assert ("O3 has a strategy, S2, but no project carries it, so O3 cannot be achieved either: listing it is fair. "
            "The root gap is S2") in text(with_o3)


def test_gaps_partial_and_wrong_with_growing_hints(case):
    partial = exercises.check_plan_gaps(case.account, {"objectives": ["O2", "O1"], "strategies": []}, attempt=1)
    said = text(partial)
    assert partial.correct is False and "Objectives: O2, right" in said and "O1 is not a gap of this kind: S1 serves it." in said
    assert "Strategies: you missed 1 strategy that no project carries." in said and "S2" not in said
    second = text(exercises.check_plan_gaps(case.account, {"objectives": ["O1"]}, attempt=2))
    assert "Read the strategy column of the projects table: which strategy never appears?" in second
    assert "It is" not in second
    third = text(exercises.check_plan_gaps(case.account, {"objectives": ["O1"]}, attempt=3))
    assert "It is O2." in third and "It is S2." in third and "It is P2." in third


def test_gaps_listing_everything_is_refused_without_telling_which_are_right(case):
    everything = exercises.check_plan_gaps(case.account, {"objectives": ["O1", "O2", "O3"], "strategies": ["S1", "S2"],
                                                          "projects": ["P1", "P2"]}, attempt=1)
    assert everything.correct is False
    assert "You listed every one of the objectives, strategies and projects: a list of everything is no analysis" \
        in text(everything)
    assert "right" not in text(everything).split("\n", 1)[1]


@pytest.mark.parametrize("slip, says", [
    ({"objectives": "O2"}, 'Under objectives, put the ids in a list, even one: ["O2"], not "O2"'),
    ({"objectives": ["S2"]}, "S2 is one of the strategies: list it under strategies, not objectives."),
    ({"objectives": ["O9"]}, "There is no O9 in the plan; the objectives are O1, O2 and O3."),
    (["O2"], "You gave a list: give a dictionary with a list of ids per kind of gap"),
    ({"goals": []}, 'The text "goals" is no kind of gap: the keys are objectives, strategies and projects.'),
    ({"objectives": [2]}, "The number 2 under objectives is not an id: write ids in quotes"),
])
def test_gaps_slips(case, slip, says):
    feedback = exercises.check_plan_gaps(case.account, slip)
    assert feedback.slip and says in text(feedback), text(feedback)


# --- what the executed notebook keeps --------------------------------------------------------------

def test_feedback_carries_its_record_in_the_output_metadata(case):
    exercises.check_top_forces(case.account, [1, 2])
    data, metadata = exercises.check_top_forces(case.account, [1, 3])._repr_mimebundle_()
    assert "Right." in data["text/plain"] and "Right." in data["text/html"]
    assert metadata[session.METADATA_KEY] == {"exercise": "top-forces", "correct": True, "attempts": 2, "tries": 2,
                                              "ever_right": True}
    assert exercises.reveal("top-forces", lambda: "the table") == "the table"


def test_worked_examples_are_computed_from_the_case_not_typed(case):
    from kamlib.training import worked

    assert worked.share_of_wallet(case.account, case.settings)[1] == "Our share of wallet: 2,100,000 / 7,600,000 = 27.6%."
    assert worked.force_priorities(case.account) == ["Force 1 (regulation): |−2| × 90% = 1.80",
                                                     "Force 2 (mergers & acquisitions): |+2| × 20% = 0.40"]
    assert worked.weighted_scores(case.account) == [
        "Our weighted score: 0.35 × 3 + 0.25 × 5 + 0.25 × 4 + 0.15 × 4 = 3.90",
        "Kelso Trays: 0.35 × 4 + 0.25 × 2 + 0.25 × 4 + 0.15 × 3 = 3.35",
        "Our relative strength: 3.90 / 3.35 = 1.16: we lead."]
    assert worked.side_scores(case.account.scorecard[-1], case.settings) == [
        "Customer side: 0.30 × 4 + 0.20 × 3 + 0.30 × 4 + 0.20 × 3 = 3.60",
        "Our side: 0.40 × 4 + 0.30 × 4 + 0.30 × 4 = 4.00",
        "Strategic partner needs 4 and 3.5: not met.",
        "Key account needs 3.2 and 3: both met, so this is the class."]
    for path in NOTEBOOKS:   # no figure typed into the text: numbers with decimals or thousands come from code
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                assert not re.search(r"\d[.,]\d\d\b|\d,\d{3}", cell.source), (path.name, cell.source)


# --- student copies ------------------------------------------------------------------------------

@pytest.mark.slow
def test_student_copy_removes_answers_and_runs_saying_not_answered(tmp_path):
    import papermill

    written = exercises.student_copy(tmp_path / "students")
    assert len(written) == len(NOTEBOOKS)
    assert (tmp_path / "students" / "case" / "accounts" / "tidewater-chilled.yaml").is_file()
    # three notebooks that between them hold every kind of cell that follows an answer (two
    # exercises in one, reveals, the quiz); each check's placeholder answer is tested without a kernel
    for path in [p for p in written if p.stem.split("_")[0] in ("T2", "T5", "T7")]:
        text_ = path.read_text()
        assert "top_forces = [1, 3]" not in text_ and '"O2"], "strategies": ["S2"]' not in text_
        out = tmp_path / f"run-{path.name}"
        papermill.execute_notebook(str(path), str(out), cwd=str(path.parent), progress_bar=False, kernel_name="python3")
        cells = json.loads(out.read_text())["cells"]
        outputs = json.dumps([c.get("outputs") for c in cells])
        assert "Not answered yet." in outputs and '"output_type": "error"' not in outputs
        assert "Right." not in outputs
        kept = [o["metadata"][session.METADATA_KEY] for c in cells for o in c.get("outputs", [])
                if session.METADATA_KEY in o.get("metadata", {})]
        assert kept and all(k["correct"] is None and k["attempts"] == 0 for k in kept)
        if any(t in path.name for t in ("T2", "T5")):
            assert "This shows once your answer is right" in outputs
    # the trainer's course still has its answers
    assert "top_forces = [1, 3]" in (COURSE / "T2_environment.ipynb").read_text()


def test_cli_student_copy_refuses_a_non_empty_folder(tmp_path, capsys):
    assert main(["training", "student-copy", str(tmp_path / "a")]) == 0
    assert f"wrote {len(NOTEBOOKS)} notebooks" in capsys.readouterr().out
    assert main(["training", "student-copy", str(tmp_path / "a")]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["training", "student-copy", str(tmp_path / "a"), "--force"]) == 0


def test_the_notebook_shows_a_name_error_as_that_sentence(monkeypatch):
    import IPython
    import IPython.display

    installed, shown = {}, []

    class Shell:
        def set_custom_exc(self, kinds, handler):
            installed[kinds] = handler

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    monkeypatch.setattr(IPython.display, "display", shown.append)
    session.friendly_errors()
    handler = installed[(NameError,)]
    assert handler(Shell(), NameError, NameError("name 'develop' is not defined"), None) == []
    assert shown[0].slip and 'put it in quotes: "develop"' in str(shown[0])
    assert shown[0]._repr_mimebundle_()[1] == {}   # no exercise: nothing for the cohort report


# --- T2: what each force means for us ---------------------------------------------------------------

FOR_US = {1: "opportunity", 2: "threat", 3: "opportunity", 4: "threat"}


def test_for_us_right_answer_quotes_the_case_and_teaches_impact_is_not_meaning(case):
    right = text(exercises.check_for_us(case.account, {1: "Opportunity", 2: "threat", 3: "opportunity", 4: "THREAT"}))
    assert right.startswith("Right.")
    assert ("Force 1 (regulation): opportunity, right — it hurts the customer a lot (impact −2); for us: Our "
            "recyclable mono-material tray is the answer; lead with the fee saving.") in right
    assert "A force that hurts the customer can be our opportunity" in right


def test_for_us_wrong_answers_get_a_count_then_the_forces_then_the_answer(case):
    flipped = {1: "threat", 2: "opportunity", 3: "threat", 4: "opportunity"}
    first = text(exercises.check_for_us(case.account, flipped, attempt=1))
    assert "Four of your answers are not what the analysis says." in first and "Force 1" not in first
    second = text(exercises.check_for_us(case.account, flipped, attempt=2))
    assert "Force 1 (regulation): not threat. It hurts the customer a lot (impact −2) — but ask what it does" in second
    assert "opportunity" not in second.replace("not opportunity", "")
    third = text(exercises.check_for_us(case.account, flipped, attempt=3))
    assert "Force 1 (regulation): not threat but opportunity" in third


def test_for_us_partial_gaming_and_slips(case):
    partial = text(exercises.check_for_us(case.account, {1: "opportunity", 2: "threat"}, attempt=1))
    assert partial.startswith("Not quite yet.") and "missing: 3 and 4" in partial
    both = text(exercises.check_for_us(case.account, dict.fromkeys(range(1, 5), "both")))
    assert "You called every force both: that decides nothing." in both
    assert exercises.check_for_us(case.account, {"1": "threat"}).slip
    odd = exercises.check_for_us(case.account, {1: "good"})
    assert odd.slip and 'For force 1 you gave the text "good": write opportunity, threat or both' in text(odd)


# --- the quiz before and after -----------------------------------------------------------------------

def test_quiz_before_gives_the_score_only_and_after_the_answers():
    from kamlib.training import quiz

    answers = {n: "a" for n in range(1, 11)}   # right only for question 5
    before = quiz.check_quiz("before", answers)
    assert before.headline == "You scored 1 of 10." and "Question" not in text(before)
    assert before._repr_mimebundle_()[1][session.METADATA_KEY]["score"] == 1
    after = text(quiz.check_quiz("after", answers))
    assert after.startswith("You scored 1 of 10.")
    assert ("Question 2: c, we judged it strategic and work with it to create value together (you said a). Key "
            "account management is not large account management") in after
    perfect = {n: q.right for n, q in enumerate(quiz.QUESTIONS, start=1)}
    assert quiz.check_quiz("after", perfect).correct is True
    assert quiz.check_quiz("after", {1: "d"}).slip and quiz.check_quiz("after", {"1": "a"}).slip
    assert quiz.check_quiz("before", ...).correct is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_course_notebooks_are_short_clean_and_in_words(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert len(cell.source.splitlines()) <= 12, cell.source
            assert len(cell.metadata.get("kam", {}).get("student", "").splitlines()) <= 12
            assert not cell.outputs and cell.execution_count is None
        else:
            prose = re.sub(r"`[^`]*`", "", cell.source)
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", prose), prose   # no file keys in the text students read
            assert "(s)" not in prose


def test_the_case_carries_the_teams_memory_with_a_silent_function_and_a_lone_decision(case):
    from kamlib.method import memory

    found = memory.in_window(case.account, case.as_of)
    assert len(found) == 5 and {i.source for i in found} == {"sales", "product_development"}
    assert [(s.function, s.people) for s in memory.silent_functions(case.account, case.as_of)] == [
        ("operations", ("Farah Siddiqui",))]
    checks = memory.decisions_table(case.account, case.settings, case.as_of)["check"].tolist()
    assert checks[0] is None and checks[1] == "taken by one person: the team decides resources"
