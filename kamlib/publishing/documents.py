"""Plan documents: executed notebooks → self-contained, readable HTML pages per audience.

`plan.html` is the internal plan (every step); `joint-plan.html` is for the customer and is
rendered from `customer_view.shared_view`, never from the account itself.

Code is hidden, figures are embedded as images, nothing is fetched from the internet, and the
page is the same bytes for the same inputs (papermill's injected cell, execution counts and
timing metadata are left out).
"""

from __future__ import annotations

import base64
import copy
import functools
import io
from datetime import date
from pathlib import Path
from typing import Any

import nbformat
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from kamlib.method import customer_view, portfolio, summary, wording
from kamlib.method.wording import change, plural
from kamlib.method.wording import figure as figure_value
from kamlib.method.wording import short_money as money
from kamlib.parameters.loader import Portfolio
from kamlib.parameters.model import Account, PortfolioSettings, readable
from kamlib.publishing import joint_plan

_env = Environment(loader=PackageLoader("kamlib.publishing", "templates"), autoescape=select_autoescape(["html", "j2"]),
                   trim_blocks=True, lstrip_blocks=True)


def template(name: str):  # noqa: ANN201 - a jinja2 Template
    """A document template, compiled once per process."""
    return _env.get_template(name)


def css_string(text: str) -> Markup:
    """A quoted CSS string whose every character but letters, digits and spaces is a CSS escape,
    so text from a parameter file cannot end the string or the style sheet."""
    body = "".join(c if c.isalnum() and c.isascii() or c == " " else f"\\{ord(c):x} " for c in str(text))
    return Markup(f'"{body}"')


_env.filters["css_string"] = css_string


_env.filters.update(money=money, change=change, figure=figure_value, day=lambda when: wording.day(when, missing="—"),
                    words=readable, plural=plural)
_env.globals["plural"] = plural


@functools.cache
def exporter():  # imported late: nbconvert is slow to import and only publishing needs it
    """One HTML exporter per process: its templates are compiled once."""
    from nbconvert import HTMLExporter

    html = HTMLExporter(template_name="basic")
    html.exclude_input = True
    html.exclude_input_prompt = True
    html.exclude_output_prompt = True
    html.exclude_anchor_links = True  # an empty ¶ link is a link without text to a screen reader
    return html


LEFT_OUT = {"injected-parameters", "parameters", "papermill-error-cell-tag", "interactive", "notebook-only"}
FIRST = "findings"   # the tag of a step's "what this means for the plan": first in the document


def _reading_order(cells: list[nbformat.NotebookNode]) -> list[nbformat.NotebookNode]:
    """The step's introduction (the cells before its first `## ` section), then its findings
    (cells tagged `findings`), then the rest: a reader of the plan gets the conclusions first."""
    first = [c for c in cells if FIRST in c.metadata.get("tags", [])]
    rest = [c for c in cells if FIRST not in c.metadata.get("tags", [])]
    split = next((i for i, c in enumerate(rest) if c.cell_type == "markdown" and c.source.startswith("## ")),
                 len(rest))
    return rest[:split] + first + rest[split:]


def _appendix_html(alt: str, data: dict[str, Any]) -> str:
    """An output sent to the appendix as HTML: a table as it is, a figure as an image with `alt`
    as its alternative text."""
    if "text/html" in data:
        return str(data["text/html"])
    if "image/png" in data:
        return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data["image/png"]}">'
    return ""


def _clean(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[tuple[str, str]]]:
    """Drop what varies between runs or is not for readers: parameter cells, the interactive
    editors (tagged `interactive`), what only the notebook shows (`notebook-only`), prompts,
    timings; put the findings first. Returns the cleaned notebook and the lists marked for the
    appendix (title, html), taken out of it."""
    from kamlib.display.lists import APPENDIX_KEY

    nb = copy.deepcopy(nb)
    nb.cells = _reading_order([c for c in nb.cells if not LEFT_OUT & set(c.metadata.get("tags", []))])
    appendix: list[tuple[str, str]] = []
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
        cell.metadata = {}
        if cell.cell_type == "code":
            cell.execution_count = None
            kept = []
            for out in cell.get("outputs", []):
                title = out.get("metadata", {}).get(APPENDIX_KEY)
                alt = out.get("metadata", {}).get("image/png", {}).get("alt")
                if title is not None:
                    appendix.append((str(title), _appendix_html(str(alt or title), out.get("data", {}))))
                    continue
                if "execution_count" in out:
                    out["execution_count"] = None
                out["metadata"] = {"image/png": {"alt": alt}} if alt else {}  # a figure says what it shows
                kept.append(out)
            cell.outputs = kept
    nb.metadata = {"language_info": {"name": "python"}}
    return nb, appendix


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The first markdown heading of a notebook."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return fallback


def section_html(nb: nbformat.NotebookNode) -> tuple[str, list[tuple[str, str]]]:
    """An executed notebook as the HTML body of a document section (outputs and text only), and
    the lists it sends to the appendix (title, html)."""
    cleaned, appendix = _clean(nb)
    body, _ = exporter().from_notebook_node(cleaned)
    return body, appendix


def render_sections(folder: Path, notebooks: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    """Each executed notebook as an HTML section: id, title, body (outputs and text only) and
    appendix (the long lists it sends to the plan's appendix, as (title, html) pairs)."""
    sections = []
    for name in notebooks:
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        body, appendix = section_html(nb)
        sections.append({"id": name, "title": notebook_title(nb, name), "body": body, "appendix": appendix})
    return sections


def png_base64(fig: Any) -> str:
    """A figure as base64 PNG for embedding (same bytes for the same figure)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def write_account_documents(folder: Path, account: Account, settings: PortfolioSettings, as_of: date,
                            notebooks: tuple[str, ...], version: int, input_hash: str,
                            previous: dict[str, Any] | None = None, previous_name: str | None = None) -> list[str]:
    """Write `plan.html` (the internal plan, the plan on a page first) and the customer-facing
    documents into a staging folder; returns the file names. `previous` is the previous
    version's manifest headline (page one shows the change on it) and `previous_name` its name."""
    name = f"v{version:04d}"
    page = template("plan.html.j2").render(
        title=f"Account plan: {account.name}", kind="Internal account plan — confidential",
        supplier=settings.supplier, version=name,
        summary=summary.plan_on_a_page(account, settings, as_of, previous, previous_name),
        sections=render_sections(folder, notebooks), input_hash=input_hash, notes=account.notes,
        footer_text=f"{account.name} · account plan {name} · {as_of.isoformat()} · internal, confidential",
    )
    (folder / "plan.html").write_text(page, encoding="utf-8")
    joint = joint_plan.write_joint_documents(folder, customer_view.shared_view(account, settings, as_of), name)
    return ["plan.html", *joint]


def write_portfolio_document(folder: Path, settings: PortfolioSettings, as_of: date, notebook: str,
                             version: int, input_hash: str, whole: Portfolio | None = None) -> list[str]:
    """Write `portfolio.html`, the cross-account overview, into a staging folder: page one from
    `portfolio.summary` of `whole` (totals with the change on the year before, accounts per class
    against capacity, where to act first), then the executed overview notebook. Without `whole`
    the page opens on the notebook."""
    name = f"v{version:04d}"
    page = template("portfolio.html.j2").render(
        title=f"Key account portfolio: {settings.supplier}", kind="Portfolio overview — internal",
        supplier=settings.supplier, as_of=as_of, version=name,
        summary=None if whole is None else portfolio.summary(whole, as_of),
        sections=render_sections(folder, [notebook]), input_hash=input_hash,
        footer_text=f"{settings.supplier} · key account portfolio {name} · {as_of.isoformat()} · internal, confidential",
    )
    (folder / "portfolio.html").write_text(page, encoding="utf-8")
    return ["portfolio.html"]
