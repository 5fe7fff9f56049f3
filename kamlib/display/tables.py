"""Tables for people: analysis DataFrames formatted for notebooks and plan documents.

Values are formatted (currency, percentages, scores) and every text cell is HTML-escaped,
since text comes from parameter files that users type or paste.
"""

from __future__ import annotations

import hashlib

import pandas as pd
from pandas.io.formats.style import Styler

from kamlib.method import wording
from kamlib.parameters.model import readable

SMALL_TABLE = 10          # rows: a table this short (and with this little text) is never split across pages
SMALL_TABLE_TEXT = 600    # characters in its cells: more wraps to lines enough to leave a page half blank


class Table(Styler):
    """A Styler whose plain-text form is the table itself, not `<Styler at 0x7f…>`: executed
    notebooks then hold no memory addresses and the same inputs give the same files."""

    def __repr__(self) -> str:
        return self.data.to_string(index=False)


def styled(frame: pd.DataFrame, *, money: tuple[str, ...] = (), percent: tuple[str, ...] = (),
           score: tuple[str, ...] = (), number: tuple[str, ...] = (), currency: str = "",
           labels: dict[str, str] | None = None, caption: str | None = None) -> Styler:
    """A formatted, escaped table without the index.

    Money columns show plain amounts with the currency in the header; percentages and scores
    are rounded; yes/no columns read as words; column names lose their underscores (or take
    `labels`); a text cell that is a key of the file's vocabulary (`in_progress`,
    `strategic_partner`, a class or criterion named with underscores) reads as words.
    """
    formats = {c: (lambda v: "" if pd.isna(v) else _minus(f"{v:,.0f}")) for c in money}
    formats |= {c: (lambda v: "" if pd.isna(v) else _minus(f"{v:.0%}")) for c in percent}
    formats |= {c: (lambda v: "" if pd.isna(v) else _minus(f"{v:.2f}")) for c in score}
    formats |= {c: _number for c in number}
    formats |= {c: (lambda v: "yes" if v is True else ("no" if v is False else "")) for c in frame.columns
                if frame[c].dtype == bool}
    formats |= {c: _words for c in frame.columns if c not in formats and _all_text(frame[c])}
    names = {c: (labels or {}).get(c, readable(str(c))) + (f" ({currency})" if c in money and currency else "")
             for c in frame.columns}
    shown = frame.rename(columns=names)
    style = Table(shown).format({names[c]: f for c, f in formats.items()}, escape="html", na_rep="")
    style = style.format_index(escape="html", axis=1).hide(axis="index")
    # Styler picks a random id per table by default: derive it from the content instead, so the
    # same inputs give the same documents.
    digest = hashlib.sha1(pd.util.hash_pandas_object(shown.astype(str), index=False).values.tobytes()
                          + "|".join(map(str, shown.columns)).encode()).hexdigest()[:10]
    # a small table is kept on one page when printed (class keep); a long one may break between rows
    kept = " keep" if _small(shown) else ""
    style = style.set_uuid(digest).set_table_attributes(f'class="kam-table{kept}"')
    return style.set_caption(caption) if caption else style


def _small(frame: pd.DataFrame) -> bool:
    """Whether a table is short enough to keep on one printed page: at most SMALL_TABLE rows and
    SMALL_TABLE_TEXT characters (kept whole, a tall table would leave the page before it half blank)."""
    return len(frame) <= SMALL_TABLE and sum(len(str(v)) for v in frame.to_numpy().ravel()) <= SMALL_TABLE_TEXT


def _number(value: object) -> str:
    """A score or count as people write it: 3, 3.5, 3.25 (text passes through, a key as words)."""
    if isinstance(value, str):
        return str(wording.as_words(value))
    if value is None or pd.isna(value):
        return ""
    return _minus(wording.score(float(value)))  # type: ignore[arg-type]


def _minus(text: str) -> str:
    """A negative number with a true minus sign (−3, not -3): the hyphen is shorter and breaks lines."""
    return "−" + text[1:] if text.startswith("-") else text


def _all_text(column: pd.Series) -> bool:
    """Whether every value of a column is text (or missing): such a column's keys read as words."""
    values = column.dropna()
    return len(values) > 0 and all(isinstance(v, str) for v in values)


def _words(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(wording.as_words(value))


SHARE_MEASURES = ("share_of_wallet",)   # target measures that are shares (0..1); the others are money


def targets_against_latest(table: pd.DataFrame, currency: str, caption: str | None = None) -> Styler:
    """`targets.targets_table` for people: per target year and measure, the target, the latest
    year's value and the gap, each in its unit — money in `currency` (named with the measure), a
    share in percent with its gap in percentage points. The header names the latest year, marked
    "(forecast)" when it is one."""

    def amount(value: float | None, share: bool, gap: bool = False) -> str:
        if value is None or pd.isna(value):
            return "unknown"
        number = float(value)
        sign = ("+" if number > 0 else "−" if number < 0 else "") if gap else ("−" if number < 0 else "")
        return f"{sign}{abs(number) * 100:.1f} pts" if share and gap else \
            f"{sign}{abs(number):.0%}" if share else f"{sign}{abs(number):,.0f}"

    rows = []
    for r in table.itertuples():
        share = r.measure in SHARE_MEASURES
        rows.append({"year": str(r.year), "measure": r.label if share else f"{r.label} ({currency})",
                     "target": amount(r.target, share), "latest": amount(r.latest, share),
                     "gap": amount(r.gap, share, gap=True)})
    latest = str(table["latest_label"].iloc[0]) if len(table) else "latest year"
    shown = pd.DataFrame(rows, columns=["year", "measure", "target", "latest", "gap"])
    return styled(shown, labels={"latest": f"latest, {latest}", "gap": "gap (target − latest)"}, caption=caption)
