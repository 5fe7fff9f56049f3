"""The internal plan as a document: page one, the reading order, long lists and the appendix,
the change on the previous version, and page one on one page for a large account."""

from __future__ import annotations

import os
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
import yaml

from kamlib.cli import main
from kamlib.display import lists
from kamlib.method import action_plan, summary, wording
from kamlib.parameters.model import Account
from kamlib.publishing import documents, pdf
from tests.conftest import DEMO_PARAMS
from tests.helpers import large_account

# --- formatting for readers ------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "text"), [(2_930_000, "GBP 2.93m"), (537_000, "GBP 537k"), (12_345, "GBP 12k"),
                                              (980, "GBP 980"), (-1_250_000, "GBP −1.25m"), (-144_000, "GBP −144k"), (-0.2, "GBP 0"),
                                              (None, "—")])
def test_money_reads_in_thousands_and_millions(amount, text):
    assert documents.money(amount, "GBP") == text


@pytest.mark.parametrize(("delta", "kind", "text"), [
    (280_000, "money", "+GBP 280k"), (-500, "money", "−GBP 500"), (0.017, "fraction", "+1.7 points"),
    (-0.0203, "fraction", "−2.0 points"), (0.05, "ratio", "+0.05"), (4, "score", "+4"), (0, "score", "±0"),
    (0.0001, "ratio", "±0.00"), (-0.2, "money", "±GBP 0"), (0.00001, "fraction", "±0.0 points"), (None, "money", "")])
def test_change_has_its_sign_and_unit(delta, kind, text):
    assert documents.change(delta, kind, "GBP") == text


def test_figures_days_and_plurals():
    assert documents.figure_value(0.18327, "fraction") == "18%"
    assert documents.figure_value(0.053, "fraction") == "5.3%"
    assert documents.figure_value(-0.015, "fraction") == "−1.5%"
    assert documents.figure_value(None, "ratio") == "unknown"
    assert documents.figure_value(66.0, "score") == "66 / 100"
    assert wording.day(date(2026, 12, 5)) == "5 Dec 2026" and wording.day(None, missing="—") == "—"
    assert [wording.plural(n, "risk") for n in (0, 1, 2)] == ["0 risks", "1 risk", "2 risks"]
    assert wording.plural(3, "opportunity", "opportunities") == "3 opportunities"


# --- reading order and the appendix, on a notebook made by hand -----------------------------


def _notebook() -> nbformat.NotebookNode:
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [md("# Step 9 — A step"), code("setup", metadata={"tags": ["parameters"]}), md("Intro text."),
             md("## First section"), code("x"), md("### Heatmap", metadata={"tags": ["notebook-only"]}),
             code("heat", metadata={"tags": ["notebook-only"]}), md("## Second section"),
             code("long", outputs=[
                 nbformat.v4.new_output("display_data", data={"text/html": "<table><caption>short</caption></table>",
                                                              "text/plain": "short"}),
                 nbformat.v4.new_output("display_data", data={"text/html": "<table><caption>WHOLE</caption></table>",
                                                              "text/plain": "whole"},
                                        metadata={lists.APPENDIX_KEY: "Projects"})]),
             md("## What this means for the plan", metadata={"tags": ["findings"]}),
             code("findings", metadata={"tags": ["findings"]})]
    return nbformat.v4.new_notebook(cells=cells)


def test_findings_come_after_the_introduction_and_notebook_only_cells_stay_out():
    cleaned, _ = documents._clean(_notebook())
    assert [c.source for c in cleaned.cells] == [
        "# Step 9 — A step", "Intro text.", "## What this means for the plan", "findings", "## First section", "x",
        "## Second section", "long"]


def test_lists_marked_for_the_appendix_leave_the_step():
    cleaned, appendix = documents._clean(_notebook())
    assert appendix == [("Projects", "<table><caption>WHOLE</caption></table>")]
    (long_cell,) = [c for c in cleaned.cells if c.source == "long"]
    assert [o["data"]["text/plain"] for o in long_cell.outputs] == ["short"]
    body, moved = documents.section_html(_notebook())
    assert "short" in body and "WHOLE" not in body and moved == appendix


def test_long_list_shortens_past_the_limit_and_marks_the_whole(monkeypatch):
    shown = []
    monkeypatch.setattr(lists, "display", lambda obj, metadata=None: shown.append((obj, metadata)))
    frame = pd.DataFrame({"id": ["P1", "P2", "P3"], "title": ["a", "b", "c"]})
    lists.long_list(frame, "Projects", keep=3)
    assert len(shown) == 1 and shown[0][1] is None and shown[0][0].data.shape == (3, 2)
    shown.clear()
    lists.long_list(frame, "Projects", keep=2)
    (short, none), (whole, marked) = shown
    assert none is None and short.data.shape == (2, 2) and "the first 2 of 3, all 3 in the appendix" in short.caption
    assert marked == {lists.APPENDIX_KEY: "Projects"}
    assert all(p in whole.data for p in ("P1", "P2", "P3"))


def test_projects_read_open_first_then_by_due_date():
    table = pd.DataFrame({
        "id": ["P1", "P2", "P3", "P4", "P5"],
        "status": ["done", "planned", "cancelled", "blocked", "in_progress"],
        "due": [date(2026, 1, 1), date(2027, 3, 1), date(2025, 1, 1), date(2027, 3, 1), date(2026, 12, 1)]})
    # open: P5 (Dec 2026), then P2 and P4 (both Mar 2027, by id); closed: P3 (2025), P1 (2026)
    assert list(action_plan.projects_in_order(table)["id"]) == ["P5", "P2", "P4", "P3", "P1"]


# --- through real runs --------------------------------------------------------------------------


def _visible(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'src="data:[^"]*"', "", page)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _large_params(folder: Path) -> Path:
    (folder / "accounts").mkdir(parents=True)
    (folder / "portfolio.yaml").write_text((DEMO_PARAMS / "portfolio.yaml").read_text())
    data = large_account()
    data.update(id="big-account", competes_with=[])
    (folder / "accounts" / "big-account.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return folder


def _publish(params: Path, out: Path, account: str) -> Path:
    """One account published, with its PDFs when a Chromium is on PATH."""
    browser = next(filter(None, map(shutil.which, pdf.CANDIDATES)), None)
    previous = os.environ.get(pdf.SETTING)
    os.environ[pdf.SETTING] = browser or "off"
    try:
        assert main(["--params", str(params), "--outputs", str(out), "run", account]) == 0
    finally:
        os.environ[pdf.SETTING] = previous or "off"
    return out / account / "latest"


@pytest.fixture(scope="module")
def large_run(tmp_path_factory) -> Path:
    """The large account published, with its PDFs when a Chromium is on PATH."""
    folder = tmp_path_factory.mktemp("large")
    return _publish(_large_params(folder / "params"), folder / "out", "big-account")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    """A rich demo account published, with its PDFs when a Chromium is on PATH."""
    return _publish(DEMO_PARAMS, tmp_path_factory.mktemp("demo") / "out", "northwind-foods")


@pytest.mark.slow
def test_a_large_account_sends_its_long_lists_to_the_appendix(large_run):
    text = _visible(large_run / "plan.html")
    step, appendix = text.split("Appendix: the full lists The lists")
    assert "Projects, open first, soonest due first: the first 15 of 80, all 80 in the appendix" in step
    assert "Contacts, most influential first: the first 15 of 60" in step
    assert "Forces, highest priority first: the first 15 of 40" in step
    assert "Projects, open first, soonest due first: all 80" in appendix
    assert all(f"Joint project {n}:" in appendix for n in range(1, 81))
    assert all(f"Contact {n:02d} Surname" in appendix for n in range(1, 61))


@pytest.mark.slow
def test_page_one_of_a_large_account_fits_one_page(large_run):
    from pypdf import PdfReader

    if not (large_run / "plan.pdf").is_file():
        if os.environ.get("KAM_REQUIRE_BROWSER") == "1" or any(map(shutil.which, pdf.CANDIDATES)):
            pytest.fail("Chromium is required or on PATH, but the plan has no PDF")
        pytest.skip("no Chromium on PATH (apt-get install chromium): no PDF to measure")
    pages = [p.extract_text() for p in PdfReader(large_run / "plan.pdf").pages]
    one = pages[0]
    last_step = summary.steps_due(Account.model_validate(yaml.safe_load((large_run / "account.yaml").read_text()),
                                                         strict=False), date(2026, 11, 24))[5].action
    for part in ("INTERNAL ACCOUNT PLAN", "What needs action", "Top risks", "Decisions we need from",
                 "Next steps, the next 90 days", last_step):
        assert part in one, part
    assert "Contents" in pages[1] and "What needs action" not in pages[1]
    assert "page 1 of" in one


@pytest.mark.slow
def test_page_one_compares_with_the_previous_version(tmp_path):
    params = tmp_path / "params"
    (params / "accounts").mkdir(parents=True)
    (params / "portfolio.yaml").write_text((DEMO_PARAMS / "portfolio.yaml").read_text())
    source = (DEMO_PARAMS / "accounts" / "kestrel-dairy.yaml").read_text()
    account_file = params / "accounts" / "kestrel-dairy.yaml"
    account_file.write_text(source)
    out = tmp_path / "out"
    env = ["--params", str(params), "--outputs", str(out)]
    assert main([*env, "run", "kestrel-dairy"]) == 0
    first = _visible(out / "kestrel-dairy" / "latest" / "plan.html")
    assert "first version" in first and "on the previous version" not in first
    data = yaml.safe_load(account_file.read_text())
    data["financials"][-1]["revenue"] += 100_000
    account_file.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    assert main([*env, "run", "kestrel-dairy"]) == 0
    second = _visible(out / "kestrel-dairy" / "latest" / "plan.html")
    assert "changes on v0001 of " in second
    assert "+GBP 100k on the previous version" in second       # the revenue tile


def page_fill(path: Path) -> list[dict[str, Any]]:
    """Per page of a PDF: `fill`, how much of its height holds text or figures (0..1, from the top
    margin down to the lowest text or image above the running footer); `first`, its first line of
    text; `opens_with_figure`, the height (0..1 of the page's) of the figure the page opens with,
    or 0 when it opens with text."""
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(path).pages:
        height = float(page.mediabox.height)
        top, bottom = height - 16 / 25.4 * 72, 18 / 25.4 * 72      # the @page margins: 16 mm and 18 mm
        found: list[tuple[float, float, str, float]] = []             # (top, bottom, text, figure height)

        def text(t, cm, tm, font, size, found=found, bottom=bottom):
            y = tm[5] * cm[3] + cm[5]
            if t.strip() and y > bottom:
                found.append((y + size, y, t.strip(), 0.0))

        def operator(op, args, cm, tm, found=found):
            if op == b"Do":                                        # an image drawn in cm's box
                found.append((cm[5] + cm[3], cm[5], "", cm[3]))

        page.extract_text(visitor_text=text, visitor_operand_before=operator)
        usable = top - bottom
        lowest = min((f[1] for f in found), default=top)
        first = max(found, default=(0.0, 0.0, "", 0.0))
        lines = [f for f in found if f[2]]
        pages.append({"fill": (top - lowest) / usable, "first": max(lines)[2] if lines else "",
                      "opens_with_figure": first[3] / usable})
    return pages


def _mostly_blank_inside_a_step(path: Path) -> list[str]:
    """Pages less than half full whose next page goes on with the same step, unless that page
    opens with a figure taller than the space left (it could not have been put there)."""
    pages = page_fill(path)
    starts = re.compile(r"^(Step \d|Appendix|Contents)")
    return [f"page {n + 1} is {page['fill']:.0%} full, and page {n + 2} goes on with the same step "
            f"({nxt['first'][:40]!r})"
            for n, (page, nxt) in enumerate(zip(pages, pages[1:], strict=False))
            if page["fill"] < 0.5 and not starts.match(nxt["first"])
            and nxt["opens_with_figure"] <= 1 - page["fill"]]


@pytest.mark.slow
@pytest.mark.parametrize("run", ["large_run", "demo_run"])
def test_no_page_of_a_plan_is_mostly_blank_inside_a_step(run, request):
    latest = request.getfixturevalue(run)
    if not (latest / "plan.pdf").is_file():
        pytest.skip("no PDF (see the page-one test)")
    assert _mostly_blank_inside_a_step(latest / "plan.pdf") == []
