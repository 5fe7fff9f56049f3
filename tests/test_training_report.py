"""`kam training report DIR`: a cohort's progress from the students' executed notebooks, end to end."""

from __future__ import annotations

import csv

import nbformat

from kamlib.cli import main
from kamlib.training import exercises, report, session

STATED = ["supply_reliability", "price", "recyclability", "speed_of_new_designs"]
RIGHT_WEIGHTS = {"supply_reliability": .4, "price": .3, "recyclability": .2, "speed_of_new_designs": .1}


def _executed(path, *feedback) -> None:
    """A notebook as papermill leaves it: one output per check, with the feedback's own mime bundle."""
    nb = nbformat.v4.new_notebook()
    for f in feedback:
        data, metadata = f._repr_mimebundle_()
        cell = nbformat.v4.new_code_cell("exercises.check_…(…)")
        cell.outputs = [nbformat.v4.new_output("execute_result", data=data, metadata=metadata, execution_count=1)]
        nb.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def _cohort(root) -> None:
    case = exercises.open_case()
    account = case.account
    session.reset()   # alice: forces right at the second try, weights right first time, gaps not answered
    exercises.check_top_forces(account, [1, 2])
    _executed(root / "alice" / "T2_environment.ipynb", exercises.check_top_forces(account, [1, 3]))
    _executed(root / "alice" / "T3_competitor_positioning.ipynb",
              exercises.check_criteria_weights(account, RIGHT_WEIGHTS, STATED))
    _executed(root / "alice" / "T5_joint_business_plan.ipynb", exercises.check_plan_gaps(account, ...))
    session.reset()   # bob: three wrong weightings, forces wrong once
    _executed(root / "bob" / "T2_environment.ipynb", exercises.check_top_forces(account, [2, 4]))
    for weights in ({"price": 1}, {"supply_reliability": .25, "price": .25, "recyclability": .25,
                                   "speed_of_new_designs": .25}):
        exercises.check_criteria_weights(account, weights, STATED)
    _executed(root / "bob" / "T3_competitor_positioning.ipynb", exercises.check_criteria_weights(
        account, {"supply_reliability": .2, "price": .4, "recyclability": .3, "speed_of_new_designs": .1}, STATED))
    from kamlib.training import quiz

    _executed(root / "bob" / "T1_the_method_and_the_case.ipynb", quiz.check_quiz("before", {1: "b", 2: "c"}))
    _executed(root / "bob" / "T7_relationships_and_confidentiality.ipynb",
              quiz.check_quiz("after", {n: q.right for n, q in enumerate(quiz.QUESTIONS, start=1)}))
    session.reset()   # carol hands in one notebook, named after her
    _executed(root / "carol-T3_competitor_positioning.ipynb",
              exercises.check_criteria_weights(account, RIGHT_WEIGHTS, STATED))
    session.reset()


def test_report_prints_and_writes_each_students_progress_and_the_hardest(tmp_path, capsys):
    _cohort(tmp_path / "cohort")
    out = tmp_path / "report"
    assert main(["training", "report", str(tmp_path / "cohort"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    rows = {line.split()[0]: line for line in printed.splitlines() if line.split()[:1] in (["alice"], ["bob"], ["carol"])}
    assert rows["alice"].split("  ")[0] == "alice"
    assert "right (2 tries)" in rows["alice"] and "right (1 try)" in rows["alice"]
    assert "attempted (1 try)" in rows["bob"] and "attempted (3 tries)" in rows["bob"]
    assert rows["carol"].count("not answered") == len(exercises.EXERCISES) - 1 and "right (1 try)" in rows["carol"]
    assert printed.splitlines()[0].split() == ["student", "T2.1", "T2.2", "T3", "T4", "T5.1", "T5.2", "T6", "T7",
                                               "quiz", "before", "quiz", "after"]
    assert rows["bob"].endswith("2 of 10      10 of 10") and rows["alice"].endswith("not taken    not taken")
    assert "Quiz, mean score: before 2.0 of 10; after 10.0 of 10" in printed
    hardest = printed.split("Hardest for this cohort:")[1].strip().splitlines()
    # T2: 1 right of 2 who answered (2 and 1 tries); T3: 2 of 3 (1, 3, 1 tries); T4, T5: not reached
    assert hardest[0].strip() == ("T2.1 Which two forces matter most: 1 of 3 students right, 1 still trying, "
                                  "1 not answered, 1.5 tries on average")
    assert hardest[1].strip().startswith("T3 Weight the buying criteria: 2 of 3 students right, 1 still trying, 0 not "
                                         "answered, 1.7 tries on average")
    assert hardest[2].strip() == "T2.2 Opportunity or threat for us: nobody has answered it yet"
    with open(out / "training-report.csv", newline="") as f:
        table = list(csv.DictReader(f))
    assert len(table) == 3 * (len(exercises.EXERCISES) + 2)
    assert {"student": "bob", "notebook": "", "exercise": "quiz after the course", "status": "taken",
            "attempts": "10"} in table
    bob_weights = next(r for r in table if r["student"] == "bob" and r["notebook"] == "T3_competitor_positioning")
    assert (bob_weights["status"], bob_weights["attempts"]) == ("attempted", "3")
    html = (out / "training-report.html").read_text()
    assert "<th>bob</th>" in html and "attempted (3 tries)" in html and "Hardest first" in html


def test_report_refuses_a_folder_without_notebooks_or_with_a_broken_one(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["training", "report", str(tmp_path / "empty")]) == 2
    assert "no notebooks (.ipynb) in" in capsys.readouterr().err
    _cohort(tmp_path / "cohort")
    broken = tmp_path / "cohort" / "dan" / "T2_environment.ipynb"
    broken.parent.mkdir()
    broken.write_text('{"cells": [')
    assert main(["training", "report", str(tmp_path / "cohort")]) == 2
    err = capsys.readouterr().err
    assert f"{broken}: not a readable notebook (JSONDecodeError" in err and "Traceback" not in err
    assert not (tmp_path / "cohort" / "training-report.html").exists()
    assert main(["training", "report", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_whose_notebook_it_is(tmp_path):
    assert report.student_of(tmp_path / "alice" / "T2_environment.ipynb", tmp_path) == "alice"
    assert report.student_of(tmp_path / "bob-T4_scorecard.ipynb", tmp_path) == "bob"
    assert report.student_of(tmp_path / "T4_scorecard.ipynb", tmp_path) == tmp_path.name
