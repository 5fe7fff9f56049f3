"""The trainer's printed kit: built from the case (figures through the method), written by
`kam training handouts DIR`, printed to PDF when a Chromium is on the machine."""

from __future__ import annotations

import pytest

from kamlib.cli import main
from kamlib.training import handouts, quiz
from tests.test_browser import _chromium


@pytest.fixture(scope="module")
def kit():
    return {h.name: h for h in handouts.build()}


def test_the_case_brief_carries_the_cases_figures(kit):
    brief = kit["case-brief"].html
    # 2,100,000 / 7,600,000 = 27.6%; Kelso 40% of 7,600,000 = 3,040,000
    assert "<td>Brightfold Packaging Ltd</td><td class='num'>27.6%</td><td class='num'>GBP 2,100,000</td>" in brief
    assert "<td class='num'>GBP 3,040,000</td>" in brief
    assert "<td>profit after cost to serve</td><td class='num'>GBP 400,000</td><td class='num'>GBP 338,000</td>" in brief
    assert "<td>F1</td><td>regulation</td>" in brief and "<td class='num'>−2</td>" in brief
    assert "to be named" in brief   # the plan's gaps are the students' to find
    # the portfolio with profit left blank for the students (nine accounts, biggest first)
    assert "training portfolio (9 accounts)" in brief and brief.index("Greystone") < brief.index("Oakridge")
    assert "GBP −180,000" not in brief and "The team can run 4 key accounts." in brief
    assert "_" not in brief.split("<main>")[1].replace("class='num'", "")


def test_the_quiz_sheet_has_no_answers_and_the_key_has_them_all(kit):
    sheet, key = kit["quiz"].html, kit["quiz-key"].html
    assert sheet.count("Your answer:") == len(quiz.QUESTIONS)
    for q in quiz.QUESTIONS:
        why = q.why.replace("'", "&#x27;")
        assert why in key and why not in sheet


def test_role_plays_are_built_from_the_case_with_observer_checklists(kit):
    plays = kit["role-plays"].html
    assert "Role play 1: Grace Okonkwo announces the tender" in plays     # the decision maker
    assert "Kelso Trays is cheaper on price" in plays                      # their edge, from the criteria
    assert "We lead on recyclability and speed of new designs" in plays
    assert "a meeting on total cost with Tom Hartley" in plays              # the champion, attitude +2
    assert plays.count("<h2>Observer's checklist</h2>") == 2 and plays.count("☐") == 12


@pytest.mark.slow
def test_cli_writes_the_handouts_and_prints_them_when_chromium_is_there(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KAM_CHROMIUM", _chromium())   # skips without Chromium, unless KAM_REQUIRE_BROWSER=1
    assert main(["training", "handouts", str(tmp_path / "kit")]) == 0
    out = capsys.readouterr().out
    assert "wrote 4 handouts" in out and "printed case-brief.pdf, quiz.pdf, quiz-key.pdf, role-plays.pdf" in out
    for name in ("case-brief", "quiz", "quiz-key", "role-plays"):
        assert (tmp_path / "kit" / f"{name}.pdf").read_bytes().startswith(b"%PDF")


def test_cli_without_a_browser_writes_the_html_and_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KAM_CHROMIUM", "off")
    assert main(["training", "handouts", str(tmp_path / "kit")]) == 0
    assert "no PDFs: PDFs are turned off" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "kit").iterdir()) == ["case-brief.html", "quiz-key.html", "quiz.html",
                                                                      "role-plays.html"]
