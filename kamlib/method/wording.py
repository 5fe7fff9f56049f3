"""Words and numbers for people: counts with the right plural, keys as words, amounts in their units.

The workbook writes for an account director, not for the parameter file: `3 forces`, never
`3 force(s)`; `in progress`, never `in_progress`; `GBP 1,250,000`; `28%`; a score as `3.5`.
Everything that turns a count, a key or a figure into text for a document goes through here, so
one rule holds everywhere (findings, tables, charts).

The format's own vocabulary (`vocabulary()`) is every value of the model's `Literal` types that is
written with underscores (`ease_of_doing_business` is a criterion the user types; `in_progress`,
`decision_maker`, `strategic_partner` are the format's): none of them may reach a document as a key.
"""

from __future__ import annotations

import functools
import math
import re
import typing
from collections.abc import Iterable
from datetime import date

from kamlib.parameters import model

KEY = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)+")   # one word of a file's vocabulary: lower case joined by _


def plural(count: int | float, one: str, many: str | None = None) -> str:
    """A count and its noun, singular for exactly one: `1 force`, `3 forces`, `0 forces`,
    `2 opportunities` (`many` for an irregular plural: `plural(2, "person", "people")`)."""
    number = f"{count:g}" if isinstance(count, float) else str(count)
    return f"{number} {one if count == 1 else (many or one + 's')}"


def is_key(text: object) -> bool:
    """Whether `text` is one key of a file's vocabulary (`in_progress`), not words (`in progress`)."""
    return isinstance(text, str) and KEY.fullmatch(text) is not None


def as_words(value: object) -> object:
    """A key as words (`product_development` → `product development`); anything else as it is:
    a user's sentence keeps its underscores, a number stays a number."""
    return model.readable(value) if isinstance(value, str) and is_key(value) else value


def and_list(items: Iterable[str]) -> str:
    """`a`, `a and b`, `a, b and c` (empty: "")."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def money(amount: float, currency: str, nearest: int = 1) -> str:
    """An amount with its currency and thousands separators, rounded to the `nearest` unit
    (`money(12_345_678, "GBP", 1000)` → `GBP 12,346,000`); a loss keeps its minus sign (−)."""
    rounded = round(amount / nearest) * nearest
    sign = "−" if rounded < 0 else ""
    return f"{currency} {sign}{abs(rounded):,.0f}".strip()


def percent(share: float, digits: int = 0) -> str:
    """A share (0..1) in percent: `0.2819` → `28%` (`digits` after the point)."""
    return f"{share * 100:.{digits}f}%".replace("-", "−")


def score(value: float) -> str:
    """A score or weighted score with at most two decimals and no trailing zeros: 3, 3.5, 3.25."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".")


# Models whose field names are shown as labels: the scorecard's attributes, the attractiveness factors.
LABELLED_FIELDS = (model.CustomerSide, model.SupplierSide, model.AttractivenessWeights)


@functools.cache
def vocabulary() -> frozenset[str]:
    """Every value of the parameter format's `Literal` types written with underscores (`in_progress`,
    `decision_maker`, `strategic_partner`, …) and the scorecard's attributes and attractiveness
    factors (`willingness_to_partner`): what a document must show as words."""
    found: set[str] = {name for labelled in LABELLED_FIELDS for name in labelled.model_fields if is_key(name)}

    def collect(annotation: object) -> None:
        if typing.get_origin(annotation) is typing.Literal:
            found.update(arg for arg in typing.get_args(annotation) if is_key(arg))
        for inner in typing.get_args(annotation):   # Optional[...], list[...], Annotated[...]
            collect(inner)

    for value in vars(model).values():
        collect(value)
        if isinstance(value, type) and issubclass(value, model.BaseModel):
            for field in value.model_fields.values():
                collect(field.annotation)
    return frozenset(found)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(when: date | None, missing: str = "") -> str:
    """A date as a reader writes it, the same in any locale: `15 Dec 2026` (`missing` for None)."""
    return missing if when is None else f"{when.day} {MONTHS[when.month - 1]} {when.year}"


def short_money(amount: float | None, currency: str = "") -> str:
    """An amount in short, for headline figures: GBP 2.93m, GBP 537k, GBP 980, a loss GBP −144k (None: "—")."""
    if amount is None:
        return "—"
    size = abs(amount)
    if size >= 1e6:
        text = f"{size / 1e6:,.2f}m"
    elif size >= 1e4:
        text = f"{size / 1e3:,.0f}k"
    else:
        text = f"{size:,.0f}"
    sign = "−" if amount < 0 and text.strip("0.,km") else ""
    return f"{currency} {sign}{text}".strip()


def change(delta: float | None, kind: str, currency: str = "") -> str:
    """A change with its sign, in the figure's unit: +GBP 280k, −1.7 points (of a percentage),
    +0.05 (a ratio), +4 (a score of 100); a change too small to show at that precision is ±
    (the previous version's headline is rounded)."""
    if delta is None:
        return ""
    size = abs(delta)
    if kind == "money":
        shown, zero, nothing = short_money(size, currency), size < 0.5, short_money(0, currency)
    elif kind == "fraction":
        shown, zero, nothing = f"{size * 100:.1f} points", size < 0.0005, "0.0 points"
    elif kind == "ratio":
        shown, zero, nothing = f"{size:.2f}", size < 0.005, "0.00"
    else:
        shown, zero, nothing = f"{size:.0f}", size < 0.5, "0"
    return "±" + nothing if zero else ("+" if delta > 0 else "−") + shown


def figure(value: float | None, kind: str, currency: str = "") -> str:
    """A headline figure in its unit: `kind` money (`short_money`), fraction (a percentage), ratio
    (two decimals) or score (of 100); None is "unknown"."""
    if value is None:
        return "unknown"
    if kind == "money":
        return short_money(value, currency)
    if kind == "fraction":
        shown = f"{abs(value):.0%}" if abs(value) >= 0.1 else f"{abs(value):.1%}"
        return ("−" if value < 0 and shown.strip("0.%") else "") + shown
    if kind == "ratio":
        return f"{value:.2f}"
    return f"{value:.0f} / 100"
