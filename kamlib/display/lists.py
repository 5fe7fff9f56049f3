"""Long lists in the plan: the first rows where the reader is, the whole list in the appendix.

A step shows at most `LONG` rows of a list (projects, contacts, next steps, opportunities,
risks, forces) in the order the reader needs them; a longer list is shortened there, with a
caption saying how many rows are left out and where they are, and the whole list is displayed
once more, marked for the appendix (`APPENDIX_KEY` in the output's metadata). The plan document
moves marked outputs into its appendix (kamlib.publishing.documents); a notebook shows them in
place, under the shortened list.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from IPython.display import HTML, display

from kamlib.display import tables

LONG = 15                        # rows a step shows of a list before it sends the whole list to the appendix
APPENDIX_KEY = "kam_appendix"    # output metadata: the title of the list in the plan's appendix
TIMELINE = 12                    # projects a step's timeline shows: the figure then takes under half a page


def long_list(frame: pd.DataFrame, title: str, *, keep: int = LONG, **style: Any) -> None:
    """Display `frame` (already in reading order) as a table titled `title`: whole when it has at
    most `keep` rows; else its first `keep` rows here and every row in the appendix. `style`
    goes to `tables.styled` (money, percent, labels …)."""
    style.pop("caption", None)
    if len(frame) <= keep:
        display(tables.styled(frame, caption=title, **style))
        return
    display(tables.styled(frame.head(keep), caption=f"{title}: the first {keep} of {len(frame)}, "
                                                     f"all {len(frame)} in the appendix", **style))
    whole = tables.styled(frame, caption=f"{title}: all {len(frame)}", **style)
    display(HTML(whole.to_html()), metadata={APPENDIX_KEY: title})


def long_figures(figures: list[Any], title: str, *, keep: int = 1) -> None:
    """Display the first `keep` of a chart's page-sized parts here and mark the others for the
    appendix under `title` (a notebook shows them all, in order)."""
    for i, figure in enumerate(figures):
        display(figure, metadata={APPENDIX_KEY: f"{title} (part {i + 1} of {len(figures)})"} if i >= keep else None)
