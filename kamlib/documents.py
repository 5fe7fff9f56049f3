"""Plan documents: executed notebooks → one self-contained, readable HTML page.

Code is hidden, figures are embedded as images, nothing is fetched from the internet, and the
page is the same bytes for the same inputs (papermill's injected cell, execution counts and
timing metadata are left out).
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import nbformat
from jinja2 import Environment, PackageLoader, select_autoescape

from kamlib import plan, scorecard
from kamlib.model import Account, PortfolioSettings

_env = Environment(loader=PackageLoader("kamlib", "templates"), autoescape=select_autoescape(["html", "j2"]),
                   trim_blocks=True, lstrip_blocks=True)


def _exporter():  # imported late: nbconvert is slow to import and only publishing needs it
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="basic")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.anchor_link_text = ""
    return exporter


def _clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what varies between runs or is not for readers: parameter cells, prompts, timings."""
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells
                if not {"injected-parameters", "parameters", "papermill-error-cell-tag"} & set(c.metadata.get("tags", []))]
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
        cell.metadata = {}
        if cell.cell_type == "code":
            cell.execution_count = None
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = None
                out.get("metadata", {}).clear()
    nb.metadata = {"language_info": {"name": "python"}}
    return nb


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The first markdown heading of a notebook."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return fallback


def render_sections(folder: Path, notebooks: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    """Each executed notebook as an HTML section body (outputs and text only)."""
    exporter = _exporter()
    sections = []
    for name in notebooks:
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        body, _ = exporter.from_notebook_node(_clean(nb))
        sections.append({"id": name, "title": notebook_title(nb, name), "body": body})
    return sections


def write_account_documents(folder: Path, account: Account, settings: PortfolioSettings, as_of: date,
                            notebooks: tuple[str, ...], version: int, input_hash: str) -> list[str]:
    """Write `plan.html` (the internal plan) into a staging folder; returns the file names."""
    latest = scorecard.latest_assessment(account, as_of)
    klass = None
    if latest is not None:
        klass = scorecard.classify(*scorecard.side_scores(latest, settings.scorecard.weights),
                                   settings.scorecard.classes)
    page = _env.get_template("plan.html.j2").render(
        title=f"Account plan: {account.name}", kind="Internal account plan — confidential",
        subject=account.name, supplier=settings.supplier, as_of=as_of.isoformat(), version=f"v{version:04d}",
        facts=[("Industry", account.industry), ("Country", account.country),
               ("Class", (klass or "not assessed").replace("_", " ")),
               ("Plan health", f"{plan.plan_health(account, as_of).score} / 100")],
        sections=render_sections(folder, notebooks), input_hash=input_hash,
    )
    (folder / "plan.html").write_text(page, encoding="utf-8")
    return ["plan.html"]


def write_portfolio_document(folder: Path, settings: PortfolioSettings, as_of: date, notebook: str,
                             version: int, input_hash: str) -> list[str]:
    """Write `portfolio.html`, the cross-account overview, into a staging folder."""
    page = _env.get_template("plan.html.j2").render(
        title=f"Key account portfolio: {settings.supplier}", kind="Portfolio overview — internal",
        subject="Key account portfolio", supplier=settings.supplier, as_of=as_of.isoformat(),
        version=f"v{version:04d}", facts=[("Capacity", f"{settings.capacity} key accounts")],
        sections=render_sections(folder, [notebook]), input_hash=input_hash,
    )
    (folder / "portfolio.html").write_text(page, encoding="utf-8")
    return ["portfolio.html"]
