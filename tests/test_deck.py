"""The review deck (`joint-plan.pptx`): the same shared view as the joint plan, as slides.

Checked: no internal field in any part of the file (slides, notes, properties); the slides and
their text read back; legible (no text under 12 pt, long lists split across slides whose tables
stay on the slide); the same bytes for the same inputs; hostile text kept as text; and, where
LibreOffice is installed, that it converts the deck to a PDF page per slide.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Pt

from kamlib.method import customer_view
from kamlib.parameters import loader
from kamlib.parameters.model import Account
from kamlib.publishing import deck
from tests.conftest import DATA
from tests.helpers import large_account, variant
from tests.test_customer_view import AS_OF, joint_account
from tests.test_joint_plan import canary_account, leaks

TITLES = ["Northwind Foods plc and Acme Flexible Packaging Ltd", "The plan on a page", "Objectives and progress",
          "Joint projects", "Next steps", "Value delivered", "Decisions needed", "Next review and sign-off"]


def slide_texts(path: Path) -> list[list[str]]:
    """Per slide: the text of every shape, table cell and the notes, in order."""
    out = []
    for slide in Presentation(str(path)).slides:
        texts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
        if slide.has_notes_slide:
            texts.append(slide.notes_slide.notes_text_frame.text)
        out.append(texts)
    return out


def all_runs(path: Path):
    """Every text run of every slide, table cells included."""
    for slide in Presentation(str(path)).slides:
        for shape in slide.shapes:
            frames = [shape.text_frame] if shape.has_text_frame else []
            if shape.has_table:
                frames += [cell.text_frame for row in shape.table.rows for cell in row.cells]
            for frame in frames:
                for paragraph in frame.paragraphs:
                    yield from paragraph.runs


@pytest.fixture(scope="module")
def canary_deck(tmp_path_factory) -> Path:
    account, settings = canary_account()
    path = tmp_path_factory.mktemp("deck") / deck.DECK_FILE
    deck.write_deck(path, customer_view.shared_view(account, settings, AS_OF), "v0007")
    return path


def test_no_internal_field_in_any_part_of_the_deck_notes_included(canary_deck):
    with zipfile.ZipFile(canary_deck) as package:
        parts = {name: package.read(name).decode("utf-8", "replace") for name in package.namelist()}
    assert any("notesSlide" in name for name in parts)  # the notes are there, and scanned with the rest
    visible = "\n".join(text for slide in slide_texts(canary_deck) for text in slide)
    for name, raw in parts.items():
        if name.endswith((".xml", ".rels")):  # the thumbnail is the template's own picture
            assert leaks(raw, "") == [], name
    assert leaks("", visible) == []


def test_the_deck_reads_back_slide_by_slide(canary_deck):
    slides = Presentation(str(canary_deck)).slides
    assert [s.shapes.title.text for s in slides] == TITLES
    texts = [" ".join(" ".join(t) for t in [slide]).replace("\n", " ") for slide in slide_texts(canary_deck)]
    title, summary, objectives, projects, steps, values, decisions, review = texts
    assert "Joint business plan" in title and "Agreed on 15 Oct 2026" in title and "v0007" in title
    assert "The lowest-cost, lowest-waste packaging supply" in summary and "GBP 275,000" in summary
    assert "Next review 29 Dec 2026 in 35 days" in summary and "Open projects 2 of 3 joint projects" in summary
    assert "Decisions needed 2 3 next steps planned" in summary
    assert "44% of the way: 40.1 now (from 41.2, goal 38.7)" in objectives and "on track" in objectives
    assert "Lidding trial" in projects and "In progress" in projects and "Blocked (overdue)" in projects
    assert "Book the trial crew" in steps and "26 Nov 2026" not in steps and "20 Nov 2026 (overdue)" in steps
    assert "GBP 275,000 delivered so far, from 3 results (1 not valued)" in values and "not valued" in values
    assert "Approve the sealing jaws" in decisions and "A downtime slot in January" in decisions
    assert "Next review: 29 Dec 2026 (in 35 days)" in review and "Helen Shaw" in review and "Grace Whitfield" in review
    assert "Built from the joint business plan v0007" in title  # the notes


def test_the_customers_numbering_reaches_the_slides(canary_deck):
    import re

    text = " ".join(t for slide in slide_texts(canary_deck) for t in slide)
    assert set(re.findall(r"\bO\d+\b", text)) == {"O1", "O2", "O3"}
    assert set(re.findall(r"\bP\d+\b", text)) == {"P1", "P2", "P3"}


def test_no_text_is_under_12_points(canary_deck):
    sizes = [run.font.size for run in all_runs(canary_deck)]
    assert sizes and all(size is not None and size >= Pt(12) for size in sizes)


def test_long_lists_run_over_several_slides_in_the_same_font_and_each_table_fits(tmp_path):
    data = large_account()
    data["competes_with"] = []
    shared = customer_view.shared_view(Account.model_validate(data, strict=False), loader.load_settings(DATA / "tiny"),
                                       AS_OF)
    path = tmp_path / deck.DECK_FILE
    deck.write_deck(path, shared, "v0001")
    presentation = Presentation(str(path))
    titles = [s.shapes.title.text for s in presentation.slides]
    project_slides = [t for t in titles if t.startswith("Joint projects")]
    assert len(project_slides) > 1 and project_slides[-1] == f"Joint projects ({len(project_slides)} of {len(project_slides)})"
    assert any(t.startswith("Next steps (1 of ") for t in titles)
    rows = 0
    for slide in presentation.slides:
        for shape in slide.shapes:
            if shape.has_table:
                assert shape.top + shape.height <= deck.TABLE_BOTTOM  # the estimated rows fit above the footer
                if slide.shapes.title.text.startswith("Joint projects"):
                    rows += len(shape.table.rows) - 1
    assert rows == len(shared.projects) == 54
    assert all(run.font.size >= Pt(12) for run in all_runs(path))


def test_the_same_inputs_give_the_same_bytes(tmp_path, monkeypatch):
    account, settings = joint_account()
    shared = customer_view.shared_view(account, settings, AS_OF)
    deck.write_deck(tmp_path / "a.pptx", shared, "v0001")
    later = time.time() + 7 * 24 * 3600  # a week later: zip entry times and "modified" would differ
    monkeypatch.setattr(time, "time", lambda: later)
    deck.write_deck(tmp_path / "b.pptx", shared, "v0001")
    assert (tmp_path / "a.pptx").read_bytes() == (tmp_path / "b.pptx").read_bytes()
    props = Presentation(str(tmp_path / "a.pptx")).core_properties
    assert (props.created.date(), props.modified.date(), props.author) == (AS_OF, AS_OF, "Acme Flexible Packaging Ltd")
    with zipfile.ZipFile(tmp_path / "a.pptx") as package:
        assert {info.date_time for info in package.infolist()} == {(2026, 11, 24, 0, 0, 0)}


HOSTILE = "<b>&amp; \x00\x01\x0b\x1f ]]> \u202e Ünïcode & Co <script>"


def test_hostile_text_stays_text_and_long_text_is_cut(tmp_path):
    account, settings = joint_account()
    plan = account.joint_plan.model_dump()
    plan["vision"] = HOSTILE
    plan["objectives"][0]["statement"] = HOSTILE
    plan["projects"][1]["title"] = "word " * 1000
    plan["projects"][1]["next_steps"][1]["action"] = HOSTILE
    plan["value_delivered"][0]["result"] = "x" * 5000
    hostile = variant(account, name="Name & <Co>\x07", joint_plan=plan)
    path = tmp_path / deck.DECK_FILE
    deck.write_deck(path, customer_view.shared_view(hostile, settings, AS_OF), "v0001")
    text = "\n".join(t for slide in slide_texts(path) for t in slide)
    assert "<b>&amp;  ]]> \u202e Ünïcode & Co <script>" in text  # control characters dropped
    assert "Name & <Co> and Acme Flexible Packaging Ltd" in text
    cells = [t for slide in slide_texts(path) for t in slide]
    assert any(t.startswith("word word") and t.endswith("…") and len(t) <= deck.MAX_CELL for t in cells)
    assert any(t.startswith("xxx") and t.endswith("…") and len(t) == deck.MAX_CELL for t in cells)
    assert deck.clean("a\x00b\ud800c") == "abc" and deck.clean("short") == "short"


def test_the_page_estimate_splits_rows_by_their_height():
    columns = [deck.TableColumn("A", 2.2), deck.TableColumn("B", 4.2)]
    # 2.2 in at 14 pt: (2.2 − 0.2) × 72 / (14 × 0.55) = 18 characters a line
    assert deck.lines("x" * 18, 2.2) == 1 and deck.lines("x" * 19, 2.2) == 2 and deck.lines("a\nb", 2.2) == 2
    one = deck.row_height(["x", "y"], columns)
    assert deck.row_height(["x" * 40, "y"], columns) == 3 * (one - int(deck.Inches(0.12))) + int(deck.Inches(0.12))
    rows = [["x", "y"]] * 10
    header = deck.row_height(["A", "B"], columns)
    assert [len(p) for p in deck.pages(rows, columns, header + 4 * one)] == [4, 4, 2]
    assert [len(p) for p in deck.pages([["x" * 2000, "y"]], columns, header + one)] == [1]  # too tall: a slide of its own


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice is not installed")
def test_libreoffice_converts_the_deck_to_a_page_per_slide(canary_deck, tmp_path):
    from pypdf import PdfReader

    office = shutil.which("soffice") or shutil.which("libreoffice")
    profile = (tmp_path / "profile").as_uri()
    subprocess.run([office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir",
                    str(tmp_path), str(canary_deck)], check=True, capture_output=True, timeout=180)
    reader = PdfReader(tmp_path / "joint-plan.pdf")
    assert len(reader.pages) == len(TITLES)
    text = " ".join(page.extract_text() for page in reader.pages)
    for title in TITLES[1:]:
        assert title in text
