"""The review deck, `joint-plan.pptx`: the customer's joint plan as a short deck for the quarterly
business review, built from the same shared view as `joint-plan.html` (never the account).

Slides: title; the plan on a page (vision, mission, value delivered, next review, open projects,
decisions); objectives and progress; projects with their owners; next steps; value delivered;
decisions needed; reviews and sign-off. A long list runs over as many slides as it needs
("2 of 3"), never in a smaller font: no text is under `MIN_PT` points. Rows are packed by an
estimate of the lines each cell wraps to (a character is taken as 0.55 of the font size wide,
a little wider than the average, so a slide holds less rather than overflows).

Text from the parameter files is made safe for XML (control characters and unpaired surrogates
removed) and cut at `MAX_CELL` characters with an ellipsis on a slide; the full text is in
`joint-plan.html`. The file is the same bytes for the same inputs: the core properties carry the
plan date, and the zip entries a fixed time.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.presentation import Presentation as Deck
from pptx.shapes.autoshape import Shape
from pptx.slide import Slide
from pptx.table import _Cell
from pptx.text.text import TextFrame, _Paragraph
from pptx.util import Emu, Inches, Pt

from kamlib.method import customer_view, wording
from kamlib.publishing import joint_plan

DECK_FILE = "joint-plan.pptx"
MIN_PT = 12          # no text on a slide is smaller
BODY_PT = 14         # table and body text
MAX_CELL = 280       # characters of one text on a slide; the HTML plan has the whole text
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)   # 16:9
MARGIN = Inches(0.5)
BAR = Inches(1.0)    # the title bar's height
TABLE_TOP = Inches(1.35)
TABLE_BOTTOM = Inches(6.85)   # the footer sits below
INK, BLUE, MUTED = RGBColor(0x1D, 0x27, 0x33), RGBColor(0x1F, 0x5F, 0xA8), RGBColor(0x5B, 0x66, 0x73)
BAND, WHITE, RULE = RGBColor(0xF4, 0xF6, 0xF9), RGBColor(0xFF, 0xFF, 0xFF), RGBColor(0xD8, 0xDE, 0xE6)
TITLE_ONLY = 5       # the default template's "Title Only" layout
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def write_deck(path: Path, shared: customer_view.SharedPlan, version: str) -> None:
    """Write the review deck to `path`, the same bytes for the same view and version."""
    deck = build_deck(shared, version)
    buffer = io.BytesIO()
    deck.save(buffer)
    Path(path).write_bytes(fixed_zip(buffer.getvalue(), shared.as_of))


def build_deck(shared: customer_view.SharedPlan, version: str) -> Deck:
    """The review deck as a python-pptx presentation, every slide from the shared view."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    footer = f"{shared.customer} and {shared.supplier} · joint business plan {version} · {wording.day(shared.as_of)}"
    _title_slide(deck, shared, version)
    _summary_slide(deck, shared, footer)
    _objectives(deck, shared, footer)
    _projects(deck, shared, footer)
    _next_steps(deck, shared, footer)
    _values(deck, shared, footer)
    _decisions(deck, shared, footer)
    _governance(deck, shared, footer)
    props = deck.core_properties
    moment = datetime(shared.as_of.year, shared.as_of.month, shared.as_of.day)
    props.title = clean(f"Joint business plan: {shared.customer} and {shared.supplier}")
    props.author = props.last_modified_by = clean(shared.supplier)
    props.subject, props.revision = "Business review", 1
    props.created = props.modified = moment
    return deck


def clean(text: object, limit: int = MAX_CELL) -> str:
    """Text safe for a slide's XML: no control characters or unpaired surrogates, at most `limit`
    characters (cut at a word with an ellipsis)."""
    value = _NOT_XML.sub("", str(text))
    if len(value) <= limit:
        return value
    cut = value[:limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2:] else cut).rstrip() + "…"


def fixed_zip(data: bytes, when: date) -> bytes:
    """The same package with every entry dated `when` (midnight) and fixed attributes, in the
    same order: python-pptx stamps each entry with the time of writing."""
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=stamp)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            target.writestr(entry, source.read(item.filename))
    return out.getvalue()


# --- slides ----------------------------------------------------------------------------------------

def _title_slide(deck: Deck, shared: customer_view.SharedPlan, version: str) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY])
    band = _rectangle(slide, 0, 0, WIDTH, HEIGHT)
    _fill(band, BLUE)
    _to_back(slide, band)
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = MARGIN, Inches(2.0), WIDTH - 2 * MARGIN, Inches(2.2)
    _text(title.text_frame, [clean(f"{shared.customer} and {shared.supplier}")], 40, WHITE, bold=True)
    title.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM
    box = _textbox(slide, MARGIN, Inches(4.4), WIDTH - 2 * MARGIN, Inches(1.6))
    _text(box.text_frame, ["Joint business plan · business review",
                           clean(f"{joint_plan.plan_status(shared)} · plan date {wording.day(shared.as_of)} · "
                                 f"{version}")], 20, WHITE)
    slide.notes_slide.notes_text_frame.text = clean(
        f"Built from the joint business plan {version} of {wording.day(shared.as_of)}, which holds only what "
        f"{shared.customer} and {shared.supplier} share; the full text of every item is in joint-plan.pdf.", 600)


def _summary_slide(deck: Deck, shared: customer_view.SharedPlan, footer: str) -> None:
    slide = _slide(deck, "The plan on a page", footer)
    box = _textbox(slide, MARGIN, TABLE_TOP, WIDTH - 2 * MARGIN, Inches(2.3))
    frame = box.text_frame
    _text(frame, ["Our shared vision", clean(shared.vision)], 24, INK)
    frame.paragraphs[0].runs[0].font.size, frame.paragraphs[0].runs[0].font.color.rgb = Pt(14), MUTED
    frame.paragraphs[1].runs[0].font.bold = True
    _paragraph(frame, clean(f"Mission: {shared.mission}"), 16, INK)
    open_projects = sum(1 for p in shared.projects if p.open)
    tiles = [
        ("Value delivered so far",
         wording.money(shared.value_total, shared.currency) if shared.values else "none yet",
         wording.plural(len(shared.values), "result")),
        ("Next review", wording.day(shared.governance.next_review)
         if shared.governance and shared.governance.next_review else "not yet set", joint_plan.review_when(shared)),
        ("Open projects", str(open_projects), f"of {wording.plural(len(shared.projects), 'joint project')}"),
        ("Decisions needed", str(len(shared.decisions)), wording.plural(len(shared.next_steps), "next step") + " planned"),
    ]
    gap = Inches(0.25)
    width = (WIDTH - 2 * MARGIN - 3 * gap) // 4
    for i, (label, value, sub) in enumerate(tiles):
        tile = _rectangle(slide, MARGIN + i * (width + gap), Inches(4.3), width, Inches(1.8))
        _fill(tile, BAND)
        tile.line.color.rgb = RULE
        frame = tile.text_frame
        frame.word_wrap, frame.vertical_anchor = True, MSO_ANCHOR.TOP
        _text(frame, [label], 14, MUTED)
        _paragraph(frame, clean(value, 60), 24, INK, bold=True)
        _paragraph(frame, clean(sub, 60), 14, MUTED)


def _objectives(deck: Deck, shared: customer_view.SharedPlan, footer: str) -> None:
    rows = []
    for o in shared.objectives:
        p = o.progress
        if p is None:
            progress, status = f"target: {o.target}", "not measured"
        else:
            share = "–" if p.share is None else wording.percent(p.share)
            progress = (f"{share} of the way: {joint_plan.number(p.current)} now "
                        f"(from {joint_plan.number(p.baseline)}, goal {joint_plan.number(p.goal)})")
            status = p.status or "–"
        rows.append([o.id, o.statement, progress, status, wording.day(o.due)])
    _table_slides(deck, "Objectives and progress", footer,
                  _columns(("Id", 0.7), ("Objective", 5.0), ("Progress", 3.6), ("Status", 1.6), ("By", 1.43)),
                  rows, "No shared objectives yet.")


def _projects(deck: Deck, shared: customer_view.SharedPlan, footer: str) -> None:
    rows = []
    titled = not joint_plan.compact(shared)
    for p in sorted(shared.projects, key=joint_plan.project_order):
        theirs = p.customer_owner + (f", {p.customer_owner_title}" if titled and p.customer_owner_title else "")
        ours = p.owner + (f", {p.owner_role}" if titled and p.owner_role else "")
        status = p.status_text.capitalize() + (" (overdue)" if p.overdue else "")
        rows.append([p.id, p.title, theirs, ours, wording.day(p.due), status])
    _table_slides(deck, "Joint projects", footer,
                  _columns(("Id", 0.7), ("Project", 3.93), (clean(shared.customer, 40), 2.45),
                           (clean(shared.supplier, 40), 2.45), ("Due", 1.5), ("Status", 1.3)),
                  rows, "No joint projects yet.")


def _next_steps(deck: Deck, shared: customer_view.SharedPlan, footer: str) -> None:
    rows = []
    for s in shared.next_steps:
        side = shared.supplier if s.ours else shared.customer
        title = f", {s.owner_title}" if s.owner_title and not joint_plan.compact(shared) else ""
        who = f"{s.owner}{title} ({side})"
        rows.append([wording.day(s.due) + (" (overdue)" if s.overdue else ""), s.action, who, s.project])
    _table_slides(deck, "Next steps", footer,
                  _columns(("Due", 1.6), ("Next step", 5.8), ("Who", 3.83), ("Project", 1.1)),
                  rows, "No next steps planned in the open projects.")


def _values(deck: Deck, shared: customer_view.SharedPlan, footer: str) -> None:
    rows = [[wording.day(v.date), v.result, v.project or "–",
             wording.money(v.value, shared.currency) if v.value is not None else "not valued"]
            for v in shared.values]
    total = (f"{wording.money(shared.value_total, shared.currency)} delivered so far, from "
             f"{wording.plural(len(shared.values), 'result')}"
             + (f" ({shared.values_without_value} not valued)" if shared.values_without_value else ""))
    _table_slides(deck, "Value delivered", footer,
                  _columns(("Date", 1.6), ("Result", 7.03), ("Project", 1.2), ("Value", 2.5)),
                  rows, "No results recorded yet.", lead=total if shared.values else "")


def _decisions(deck: Deck, shared: customer_view.SharedPlan, footer: str) -> None:
    rows = [[f"{d.project} {d.project_title}", d.decision, d.customer_owner, wording.day(d.due)]
            for d in shared.decisions]
    _table_slides(deck, "Decisions needed", footer,
                  _columns(("Project", 3.3), ("Decision", 5.2), (clean(f"Owner at {shared.customer}", 60), 2.3),
                           ("Project due", 1.53)),
                  rows, f"No decision is waiting on {shared.customer}.")


def _governance(deck: Deck, shared: customer_view.SharedPlan, footer: str) -> None:
    slide = _slide(deck, "Next review and sign-off", footer)
    box = _textbox(slide, MARGIN, TABLE_TOP, WIDTH - 2 * MARGIN, Inches(1.8))
    frame = box.text_frame
    frame.word_wrap = True
    _text(frame, [f"Next review: {joint_plan.next_review(shared)}"], 24, INK, bold=True)
    _paragraph(frame, f"Joint review {joint_plan.cadence(shared)}", 18, INK)
    _paragraph(frame, clean(joint_plan.plan_status(shared)), 18, INK)
    g = shared.governance
    sides = [(shared.customer, "Title", g.agreed_with if g else None, g.agreed_title if g else ""),
             (shared.supplier, "Role", g.approved_by if g else None, g.approved_role if g else "")]
    signed = wording.day(g.agreed_on) if g and g.agreed_on else ""
    width = (WIDTH - 2 * MARGIN - Inches(0.5)) // 2
    for i, (company, kind, name, title) in enumerate(sides):
        left = MARGIN + i * (width + Inches(0.5))
        head = _textbox(slide, left, Inches(3.4), width, Inches(0.5))
        _text(head.text_frame, [clean(f"For {company}", 80)], 18, BLUE, bold=True)
        for j, (label, value) in enumerate((("Name", name or ""), (kind, title if name else ""),
                                           ("Signature", ""), ("Date", signed))):
            top = Inches(4.0 + 0.62 * j)
            field = _textbox(slide, left, top, width, Inches(0.5))
            _text(field.text_frame, [f"{label}:  {clean(value, 80)}"], 16, INK)
            line = slide.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, Emu(left), Emu(top + Inches(0.5)), Emu(left + width),
                                              Emu(top + Inches(0.5)))
            line.line.color.rgb = MUTED
            line.shadow.inherit = False


# --- building blocks ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TableColumn:
    """A table column: its header and width in inches."""

    header: str
    inches: float


def _columns(*columns: tuple[str, float]) -> list[TableColumn]:
    return [TableColumn(header, inches) for header, inches in columns]


def lines(text: str, inches: float, points: float = BODY_PT) -> int:
    """How many lines `text` wraps to in a cell `inches` wide at `points` (a generous estimate)."""
    per_line = max(1, int((inches - 0.2) * 72 / (points * 0.55)))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def row_height(cells: Sequence[str], columns: Sequence[TableColumn], points: float = BODY_PT) -> int:
    """A row's height in EMU: its tallest cell's lines, plus the cell margins."""
    most = max(lines(text, col.inches, points) for text, col in zip(cells, columns))
    return int(Pt(points * 1.2) * most + Inches(0.12))


def pages(rows: Sequence[Sequence[str]], columns: Sequence[TableColumn], room: int) -> list[list[Sequence[str]]]:
    """The rows split into slides: each slide takes rows while their estimated heights fit in
    `room` (EMU, below the header row); a row taller than a slide still gets one of its own."""
    header = row_height([c.header for c in columns], columns)
    out: list[list[Sequence[str]]] = [[]]
    used = header
    for row in rows:
        height = row_height(row, columns)
        if out[-1] and used + height > room:
            out.append([])
            used = header
        out[-1].append(row)
        used += height
    return out


def _table_slides(deck: Deck, title: str, footer: str, columns: list[TableColumn], rows: list[list[str]],
                  empty: str, lead: str = "") -> None:
    rows = [[clean(cell) for cell in row] for row in rows]
    top = TABLE_TOP + (Inches(0.55) if lead else 0)
    if not rows:
        slide = _slide(deck, title, footer)
        box = _textbox(slide, MARGIN, TABLE_TOP, WIDTH - 2 * MARGIN, Inches(1))
        _text(box.text_frame, [clean(empty)], 20, MUTED)
        return
    chunks = pages(rows, columns, TABLE_BOTTOM - top)
    for n, chunk in enumerate(chunks, start=1):
        heading = title if len(chunks) == 1 else f"{title} ({n} of {len(chunks)})"
        slide = _slide(deck, heading, footer)
        if lead:
            box = _textbox(slide, MARGIN, TABLE_TOP - Inches(0.1), WIDTH - 2 * MARGIN, Inches(0.5))
            _text(box.text_frame, [clean(lead)], 18, INK, bold=True)
        _table(slide, columns, chunk, top)


def _table(slide: Slide, columns: list[TableColumn], rows: list[Sequence[str]], top: int) -> None:
    heights: list[int] = [row_height([c.header for c in columns], columns)] + [row_height(r, columns) for r in rows]
    shape = slide.shapes.add_table(len(rows) + 1, len(columns), MARGIN, Emu(top), Inches(sum(c.inches for c in columns)),
                                   Emu(sum(heights)))
    table = shape.table
    table.first_row, table.horz_banding = True, False
    for j, col in enumerate(columns):
        table.columns[j].width = Inches(col.inches)
    for i, height in enumerate(heights):
        table.rows[i].height = height
    for j, col in enumerate(columns):
        _cell(table.cell(0, j), col.header, BLUE, WHITE, bold=True)
    for i, row in enumerate(rows, start=1):
        for j, text in enumerate(row):
            _cell(table.cell(i, j), text, WHITE if i % 2 else BAND, INK)


def _cell(cell: _Cell, text: str, fill: RGBColor, colour: RGBColor, bold: bool = False) -> None:
    cell.fill.solid()
    cell.fill.fore_color.rgb = fill
    cell.margin_left = cell.margin_right = Inches(0.08)
    cell.margin_top = cell.margin_bottom = Inches(0.04)
    _text(cell.text_frame, [text], BODY_PT, colour, bold=bold)


def _slide(deck: Deck, title: str, footer: str) -> Slide:
    """A slide with its title in a blue bar across the top and the footer line at the foot."""
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY])
    head = slide.shapes.title
    head.left, head.top, head.width, head.height = 0, 0, WIDTH, BAR
    _fill(head, BLUE)
    frame = head.text_frame
    frame.margin_left = MARGIN
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    _text(frame, [clean(title, 120)], 28, WHITE, bold=True)
    foot = _textbox(slide, MARGIN, HEIGHT - Inches(0.55), WIDTH - 2 * MARGIN, Inches(0.4))
    _text(foot.text_frame, [clean(footer, 200)], MIN_PT, MUTED)
    return slide


def _textbox(slide: Slide, left: int, top: int, width: int, height: int) -> Shape:
    return slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height))


def _rectangle(slide: Slide, left: int, top: int, width: int, height: int) -> Shape:
    return slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Emu(left), Emu(top), Emu(width), Emu(height))


def _fill(shape: Shape, colour: RGBColor) -> None:
    shape.fill.solid()
    shape.fill.fore_color.rgb = colour
    shape.line.fill.background()
    shape.shadow.inherit = False  # no drop shadow from the theme


def _to_back(slide: Slide, shape: Shape) -> None:
    """Move a shape behind the others (the spTree's first shape is drawn first)."""
    tree = slide.shapes._spTree
    tree.remove(shape._element)
    tree.insert(2, shape._element)  # after the group's own properties


def _text(frame: TextFrame, paragraphs: list[str], points: float, colour: RGBColor, bold: bool = False) -> None:
    """Replace a text frame's text with `paragraphs`, each one left-aligned run in the given size and colour."""
    frame.clear()
    frame.word_wrap = True
    for i, text in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        _run(paragraph, text, points, colour, bold)


def _paragraph(frame: TextFrame, text: str, points: float, colour: RGBColor, bold: bool = False) -> None:
    paragraph = frame.add_paragraph()
    paragraph.space_before = Pt(8)
    _run(paragraph, text, points, colour, bold)


def _run(paragraph: _Paragraph, text: str, points: float, colour: RGBColor, bold: bool) -> None:
    paragraph.alignment = PP_ALIGN.LEFT
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(max(points, MIN_PT))
    run.font.bold = bold
    run.font.color.rgb = colour
