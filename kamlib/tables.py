"""Tables for people: analysis DataFrames formatted for notebooks and plan documents.

Values are formatted (currency, percentages, scores) and every text cell is HTML-escaped,
since text comes from parameter files that users type or paste.
"""

from __future__ import annotations

import hashlib

import pandas as pd
from pandas.io.formats.style import Styler


def styled(frame: pd.DataFrame, *, money: tuple[str, ...] = (), percent: tuple[str, ...] = (),
           score: tuple[str, ...] = (), number: tuple[str, ...] = (), currency: str = "", labels: dict[str, str] | None = None,
           caption: str | None = None) -> Styler:
    """A formatted, escaped table without the index; `labels` renames columns for reading."""
    formats = {c: (lambda v, cur=currency: "" if pd.isna(v) else f"{cur} {v:,.0f}".strip()) for c in money}
    formats |= {c: (lambda v: "" if pd.isna(v) else f"{v:.0%}") for c in percent}
    formats |= {c: (lambda v: "" if pd.isna(v) else f"{v:.2f}") for c in score}
    formats |= {c: (lambda v: "" if pd.isna(v) else f"{v:g}") for c in number}
    shown = frame.rename(columns=labels or {})
    renamed = {(labels or {}).get(c, c): f for c, f in formats.items()}
    style = shown.style.format(renamed, escape="html", na_rep="").format_index(escape="html", axis=1).hide(axis="index")
    # Styler picks a random id per table by default: derive it from the content instead, so the
    # same inputs give the same documents.
    digest = hashlib.sha1(pd.util.hash_pandas_object(shown.astype(str), index=False).values.tobytes()
                          + "|".join(map(str, shown.columns)).encode()).hexdigest()[:10]
    style = style.set_uuid(digest).set_table_attributes('class="kam-table"')
    return style.set_caption(caption) if caption else style


def readable(name: str) -> str:
    """`willingness_to_partner` → `willingness to partner`."""
    return name.replace("_", " ")
