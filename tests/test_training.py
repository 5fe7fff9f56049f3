"""The training course: exercise checks give specific feedback; student copies run without answers."""

from __future__ import annotations

import json
from datetime import date

import nbformat
import pytest

from kamlib.cli import main
from kamlib.parameters.model import Assessment
from kamlib.training import exercises

COURSE = exercises.TRAINING_DIR
NOTEBOOKS = sorted(COURSE.glob("T*.ipynb"))


@pytest.fixture(scope="module")
def case():
    return exercises.open_case()


def test_the_course_has_five_notebooks_each_with_an_exercise_but_the_first():
    assert [p.stem for p in NOTEBOOKS] == ["T1_the_method_and_the_case", "T2_environment",
                                           "T3_competitor_positioning", "T4_scorecard", "T5_joint_business_plan"]
    for path in NOTEBOOKS[1:]:
        nb = nbformat.read(path, as_version=4)
        answers = [c for c in nb.cells if exercises.ANSWER_TAG in c.metadata.get("tags", [])]
        assert len(answers) == 1 and "..." in answers[0].metadata["kam"]["student"], path.name
    assert (COURSE / "TRAINER_GUIDE.md").is_file()


# --- the checks, by hand on the case ---------------------------------------------------------------

def test_top_forces_right_wrong_and_unanswered(case):
    # priorities: 1 → |−2|×0.9 = 1.8, 2 → 2×0.2 = 0.4, 3 → 1×0.8 = 0.8, 4 → 1×0.7 = 0.7
    right = exercises.check_top_forces(case.account, [3, 1])
    assert right.correct and any("1.80" in line for line in right.lines)
    wrong = exercises.check_top_forces(case.account, [1, 2])
    assert wrong.correct is False
    assert any("Force 2 (mergers acquisitions): priority |2| × 20% = 0.40: not among" in line for line in wrong.lines)
    assert any("You left out force 3" in line and "0.80" in line for line in wrong.lines)
    assert exercises.check_top_forces(case.account, ...).correct is None
    assert "no force 9" in str(exercises.check_top_forces(case.account, [1, 9]))
    assert exercises.check_top_forces(case.account, "one and three").correct is False


def test_criteria_weights_feedback_names_the_inversion_and_the_sum():
    order = ["supply_reliability", "price", "recyclability", "speed_of_new_designs"]
    assert exercises.check_criteria_weights({"supply_reliability": .4, "price": .3, "recyclability": .2,
                                            "speed_of_new_designs": .1}, order).correct
    inverted = exercises.check_criteria_weights({"supply_reliability": .2, "price": .4, "recyclability": .3,
                                                "speed_of_new_designs": .1}, order)
    assert inverted.correct is False
    assert any("ranks 'supply_reliability' above 'price'" in line and "0.20 < price 0.40" in line
               for line in inverted.lines)
    short = exercises.check_criteria_weights({"supply_reliability": .4, "price": .3, "recyclability": .2,
                                             "speed_of_new_designs": .05}, order)
    assert short.correct is False and any("add up to 0.95" in line for line in short.lines)
    missing = exercises.check_criteria_weights({"price": 1.0, "colour": 0}, order)
    assert any("missing for: supply_reliability, recyclability, speed_of_new_designs" in line for line in missing.lines)
    assert any("Not criteria of this customer: colour" in line for line in missing.lines)
    assert exercises.check_criteria_weights(..., order).correct is None


def _assessment(customer, supplier) -> Assessment:
    c = ["willingness_to_partner", "transparency", "growth_potential", "responsiveness"]
    s = ["willingness_to_partner", "transparency", "contribution_to_growth"]
    return Assessment.model_validate({"date": date(2026, 9, 30), "customer": dict(zip(c, customer)),
                                      "supplier": dict(zip(s, supplier)), "evidence": "x"}, strict=False)


def test_classes_feedback_explains_the_threshold_that_fails(case):
    weights, classes = case.settings.scorecard.weights, case.settings.scorecard.classes
    three = {"A": _assessment((5, 4, 4, 4), (4, 4, 3)),   # 4.3 / 3.7 → strategic_partner
             "B": _assessment((3, 3, 4, 3), (2, 3, 2)),   # 3.3 / 2.3 → develop
             "C": _assessment((2, 2, 3, 2), (4, 4, 4))}   # 2.3 / 4.0 → maintain
    right = exercises.check_classes({"A": "strategic_partner", "B": "develop", "C": "maintain"}, three, weights, classes)
    assert right.correct, right
    wrong = exercises.check_classes({"A": "strategic_partner", "B": "key_account", "C": "develop"}, three, weights,
                                   classes)
    assert wrong.correct is False
    assert "B: not key_account — our side 2.30 < 3, so it is not key_account. It is develop" in str(wrong)
    assert "C: not develop — customer side 2.30 < 2.5" in str(wrong)
    assert "'gold' is not a class" in str(exercises.check_classes({"A": "gold"}, {"A": three["A"]}, weights, classes))


def test_plan_gaps_feedback(case):
    right = exercises.check_plan_gaps(case.account, {"objectives": ["O2"], "strategies": ["S2"], "projects": ["P2"]})
    assert right.correct, right
    partial = exercises.check_plan_gaps(case.account, {"objectives": ["O2", "O1"], "strategies": []})
    assert partial.correct is False
    text = str(partial)
    assert "objectives: found O2" in text and "O1 is not a gap" in text
    assert "strategies: you missed 1" in text and "projects: you missed 1" in text


# --- student copies ------------------------------------------------------------------------------

@pytest.mark.slow
def test_student_copy_removes_answers_and_runs_saying_not_answered(tmp_path):
    import papermill

    written = exercises.student_copy(tmp_path / "students")
    assert len(written) == 5 and (tmp_path / "students" / "case" / "accounts" / "tidewater-chilled.yaml").is_file()
    for path in written[1:]:
        text = path.read_text()
        assert "top_forces = [1, 3]" not in text and '"O2"], "strategies": ["S2"]' not in text
        out = tmp_path / f"run-{path.name}"
        papermill.execute_notebook(str(path), str(out), cwd=str(path.parent), progress_bar=False, kernel_name="python3")
        outputs = json.dumps([c.get("outputs") for c in json.loads(out.read_text())["cells"]])
        assert "Not answered yet." in outputs and '"output_type": "error"' not in outputs
    # the trainer's course still has its answers
    assert "top_forces = [1, 3]" in (COURSE / "T2_environment.ipynb").read_text()


def test_cli_student_copy_refuses_a_non_empty_folder(tmp_path, capsys):
    assert main(["training", "student-copy", str(tmp_path / "a")]) == 0
    assert "wrote 5 notebooks" in capsys.readouterr().out
    assert main(["training", "student-copy", str(tmp_path / "a")]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["training", "student-copy", str(tmp_path / "a"), "--force"]) == 0
