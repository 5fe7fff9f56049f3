"""Text from parameter files, shown safely: everything is HTML-escaped before display.

Notebooks show user text through these functions (never as Markdown, which would let a
pasted link, image or `<script>` act); the results display as HTML in JupyterLab and in the
plan documents.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from IPython.display import HTML

from kamlib.method import wording
from kamlib.method.findings import Finding


def escape(value: object) -> str:
    """Any value as text safe inside HTML, quotes included (`<` → `&lt;`, `"` → `&quot;`)."""
    return html.escape(str(value), quote=True)


def bullets(items: Iterable[str], title: str = "", empty: str = "None recorded yet.") -> HTML:
    """An escaped bullet list under an optional bold title; `empty` shows when there is nothing."""
    items = list(items)
    head = f"<p><strong>{escape(title)}</strong></p>" if title else ""
    if not items:
        return HTML(f"{head}<p><em>{escape(empty)}</em></p>")
    return HTML(head + "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")


def facts(pairs: Iterable[tuple[str, object]]) -> HTML:
    """Label / value pairs as a definition list (values escaped; a key of the file's vocabulary, such
    as `in_progress`, as words)."""
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(wording.as_words(v))}</dd>" for k, v in pairs)
    return HTML(f'<dl class="kam-facts">{rows}</dl>')


EVIDENCE_STYLE = "color:#5b6673;font-size:90%"   # the documents' muted ink: lighter, still readable (AA contrast)


def findings(items: Iterable[Finding | str]) -> HTML:
    """The "what this means for the plan" list, numbered, most pressing first: each finding's text
    and, below it in a lighter style, the evidence it rests on (plain strings show as text alone)."""
    items = list(items)
    if not items:
        return HTML("<p><em>Not enough data yet to draw conclusions.</em></p>")

    def item(finding: Finding | str) -> str:
        evidence = finding.evidence if isinstance(finding, Finding) else ""
        below = f'<br><small class="kam-evidence" style="{EVIDENCE_STYLE}">{escape(evidence)}</small>' if evidence else ""
        return f"<li>{escape(finding)}{below}</li>"
    return HTML('<ol class="kam-findings">' + "".join(item(i) for i in items) + "</ol>")


def note(message: str) -> HTML:
    """A short remark, e.g. "not enough data yet"."""
    return HTML(f"<p><em>{escape(message)}</em></p>")


def swot(quadrants: dict[str, list[str]]) -> HTML:
    """A 2 × 2 SWOT grid (strengths, weaknesses, opportunities, threats), escaped."""
    def cell(title: str, items: list[str]) -> str:
        body = "".join(f"<li>{escape(i)}</li>" for i in items) or "<li><em>none recorded yet</em></li>"
        return f'<td style="vertical-align:top;width:50%"><strong>{escape(title)}</strong><ul>{body}</ul></td>'
    q = quadrants
    return HTML('<table class="kam-swot"><tr>' + cell("Strengths", q["strengths"]) + cell("Weaknesses", q["weaknesses"])
                + "</tr><tr>" + cell("Opportunities", q["opportunities"]) + cell("Threats", q["threats"])
                + "</tr></table>")
