"""Work every batch worker would otherwise repeat: done once, in the fork server, on made-up data.

A batch worker is a fresh fork of the fork server and ends with its account, so whatever a
library compiles or loads on first use is paid again by every account unless the fork server
did it first: nbconvert's templates, the CSS selectors and HTML entity tables of the alt-text
pass (BeautifulSoup and soupsieve compile about 200 regular expressions), nbformat's schema
validators, kamlib's document templates, matplotlib's fonts. Measured: a worker's CPU per
account falls from about 0.93 s to 0.68 s (median of 8 accounts, each in a fresh fork).
Then everything the fork server holds is frozen for the garbage collector (see the end).

`warm_up()` does the work; importing this module does nothing. The batch's fork server calls
it through `kamlib.execution.forkserver`, since a fork server's only hook is importing modules.
It touches no parameter file and no account: the notebook and figure below are made up here,
so nothing of any account is in the memory the workers inherit.
"""

from __future__ import annotations

import gc

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from kamlib.publishing import documents


def _figure_png() -> str:
    """A made-up chart in the workbook's style: loads the fonts and warms text layout."""
    import matplotlib
    from matplotlib.figure import Figure

    from kamlib.display import charts

    with matplotlib.rc_context(charts.STYLE):  # the fonts and sizes the workers will draw with
        fig = Figure(figsize=(4, 2))
        ax = fig.subplots()
        ax.bar(["a", "b"], [1.0, 2.0], label="made up")
        ax.set_title("Warm-up")
        ax.set_xlabel("x")
        ax.legend(fontsize=8, frameon=False)
        fig.tight_layout()
        return documents.png_base64(fig)


def _notebook() -> nbformat.NotebookNode:
    """One of each kind of cell and output the step notebooks produce."""
    png = _figure_png()
    outputs = [
        new_output("display_data", data={"text/html": "<table><tr><th>a</th><td>1</td></tr></table>",
                                         "text/plain": "table"}),
        new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
        new_output("stream", name="stdout", text="text\n"),
        new_output("execute_result", data={"text/markdown": "**bold**", "text/plain": "bold"}, execution_count=1),
    ]
    return new_notebook(cells=[
        new_markdown_cell("# Warm-up\n\nSome *text*, a [link](#x), a list:\n\n- one\n- two\n\n| a | b |\n|---|---|\n"
                          "| 1 | 2 |\n\n> a quote"),
        new_code_cell("x = 1", outputs=outputs, execution_count=1),
    ])


def warm_up(freeze: bool = True) -> None:
    """Do the first-use work of a plan job once, on made-up data; then (`freeze`) move
    everything this process holds out of the garbage collector's sight.

    Freezing is for a fork server: what it imported and warmed lives as long as each worker,
    and out of the collector's sight a collection in a worker or its kernel no longer walks
    (and, by writing to every object's header, copies) the whole inherited heap. Measured on
    12 accounts and the overview: about 0.45 s of CPU less per job (74.3 → 68.6 s of CPU, mean
    of 4 runs each)."""
    notebook = _notebook()
    nbformat.validate(notebook)
    nbformat.reads(nbformat.writes(notebook), as_version=4)
    documents.section_html(notebook)
    for name in ("plan.html.j2", "joint-plan.html.j2"):
        documents.template(name)
    if freeze:
        gc.collect()
        gc.freeze()
