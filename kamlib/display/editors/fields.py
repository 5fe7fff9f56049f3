"""What control each field of the account file gets, read from the pydantic model (no widgets here).

A field's type decides its control: text (a box; a text area for sentences), whole numbers and
numbers (a slider when the range is short, else a box), true/false (a checkbox), dates (a date
picker), one of a list of words (a dropdown), a list of texts (one per line), a record or a list of
records (a nested form). Where the format says a field names something defined elsewhere in the
file — an owner in the team, a strategy's id, the forces a strategy answers — the control offers
only the names that exist (`REFERENCES`), and `options` lists them for an account.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from kamlib.parameters import model as m
from kamlib.parameters.model import Account

# Fields written as sentences get a text area.
LONG_TEXT = frozenset({"strategy", "operations", "description", "implication", "statement", "mitigation", "evidence",
                       "result", "risk", "action", "decision_needed", "notes", "insight", "decision", "why"})

# (model, field) → the option list of `options` its values come from. "pick": one of them; "pick
# or write": a suggestion (another value may be written); "some of": a list of them; "keys": a
# mapping with one entry per option.
REFERENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("Account", "competes_with"): ("some of", "accounts"),
    ("Contact", "owner"): ("pick", "team"),
    ("Contact", "reports_to"): ("pick", "contacts"),
    ("Project", "strategy"): ("pick", "strategies"),
    ("Project", "owner"): ("pick", "team"),
    ("Project", "customer_owner"): ("pick or write", "contacts"),
    ("NextStep", "owner"): ("pick", "people"),
    ("Opportunity", "owner"): ("pick", "team"),
    ("Opportunity", "strategy"): ("pick", "strategies"),
    ("Opportunity", "unit"): ("pick", "units"),
    ("Opportunity", "offering"): ("pick", "offerings"),
    ("Risk", "owner"): ("pick", "team"),
    ("Risk", "force"): ("pick", "forces"),
    ("Risk", "contact"): ("pick", "contacts"),
    ("Governance", "approved_by"): ("pick", "team"),
    ("Governance", "agreed_with"): ("pick", "contacts"),
    ("Strategy", "objectives"): ("some of", "objectives"),
    ("Strategy", "answers"): ("some of", "forces"),
    ("ValueDelivered", "project"): ("pick", "projects"),
    ("Decision", "decided_by"): ("some of", "team"),
    ("Insight", "by"): ("pick", "team"),
    ("Insight", "contact"): ("pick", "contacts"),
    ("BuyingCriterion", "scores"): ("keys", "players"),
    ("WhitespaceUnit", "cells"): ("keys", "offerings"),
    ("WhitespaceUnit", "potential"): ("keys", "offerings"),
}

SLIDER_SPAN = 10  # a whole number with a range this short (impact −2..2, influence 1..5) gets a slider


@dataclass(frozen=True)
class FieldSpec:
    """One field as an editor sees it.

    kind: text, long, int, float, bool, date, choice (one of `choices`), pick (one of the option
    list `source`), suggest (free text, `source` suggested), some (several of `source`), lines (a
    list of texts), record / records (a nested `model`), keys (a mapping with an entry per option of
    `source`, each of kind `inner`)."""

    name: str
    kind: str
    required: bool
    default: Any = None
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    source: str | None = None
    model: type[BaseModel] | None = None
    inner: FieldSpec | None = None
    help: str = ""

    @property
    def label(self) -> str:
        """The field's name in words."""
        return m.readable(self.name)

    @property
    def slider(self) -> bool:
        """A number with a short range, shown as a slider."""
        if self.lo is None or self.hi is None or self.kind not in ("int", "float"):
            return False
        return self.hi - self.lo <= SLIDER_SPAN


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """(the type, whether None is allowed, the constraints such as a range) of an annotation."""
    optional, metadata = False, []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *more = get_args(annotation)
            metadata += more
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            annotation = args[0]
        else:
            return annotation, optional, metadata


def _bounds(metadata: list[Any]) -> tuple[float | None, float | None]:
    for item in metadata:
        if hasattr(item, "lo") and hasattr(item, "check"):
            return item.lo, item.hi
    return None, None


@cache
def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    """The fields of a model in the file's order, each with the control it gets (computed once per model)."""
    return [spec_of(model, name) for name in model.model_fields]


def spec_of(model: type[BaseModel], name: str) -> FieldSpec:
    """One field's spec (see `FieldSpec`)."""
    info = model.model_fields[name]
    kind, optional, metadata = _unwrap(info.annotation)
    optional = optional or not info.is_required()
    lo, hi = _bounds([*info.metadata, *metadata])
    default = None if info.default is PydanticUndefined else info.default
    base = FieldSpec(name, "text", info.is_required(), default, lo, hi, help=info.description or "")
    reference = REFERENCES.get((model.__name__, name))
    if reference is not None and reference[0] == "keys":
        value_type, _, value_metadata = _unwrap(get_args(kind)[1])
        return replace(base, kind="keys", source=reference[1], inner=_scalar_spec("value", value_type, value_metadata))
    if reference is not None:
        return replace(base, kind={"pick": "pick", "pick or write": "suggest", "some of": "some"}[reference[0]],
                       source=reference[1])
    if get_origin(kind) is list:
        item, _, _ = _unwrap(get_args(kind)[0])
        if isinstance(item, type) and issubclass(item, BaseModel):
            return replace(base, kind="records", model=item)
        return replace(base, kind="lines")
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return replace(base, kind="record", model=kind)
    scalar = _scalar_spec(name, kind, [*info.metadata, *metadata])
    return replace(base, kind=scalar.kind, choices=scalar.choices)


def _scalar_spec(name: str, kind: Any, metadata: list[Any]) -> FieldSpec:
    lo, hi = _bounds(metadata)
    if get_origin(kind) is Literal:
        return FieldSpec(name, "choice", True, choices=tuple(str(c) for c in get_args(kind)))
    if kind is bool:
        return FieldSpec(name, "bool", True)
    if kind is int:
        return FieldSpec(name, "int", True, lo=lo, hi=hi)
    if kind is float:
        return FieldSpec(name, "float", True, lo=lo, hi=hi)
    if kind is date:
        return FieldSpec(name, "date", True)
    return FieldSpec(name, "long" if name in LONG_TEXT else "text", True)


def options(account: Account, accounts: list[str] | None = None) -> dict[str, list[str]]:
    """The names and ids defined in the account, for the fields that refer to them; `accounts`: the
    ids of the portfolio's other accounts (their file names: nothing of theirs is read)."""
    plan = account.joint_plan
    team = [t.name for t in account.team]
    contacts = [c.name for c in account.relationships]
    whitespace = account.whitespace
    return {
        "team": team,
        "contacts": contacts,
        "people": team + [c for c in contacts if c not in team],
        "strategies": [s.id for s in plan.strategies],
        "objectives": [o.id for o in plan.objectives],
        "projects": [p.id for p in plan.projects],
        "forces": [f.id for f in account.environment if f.id],
        "players": [c.name for c in account.competitors],
        "offerings": list(whitespace.offerings) if whitespace else [],
        "units": [u.unit for u in whitespace.units] if whitespace else [],
        "accounts": [a for a in accounts or [] if a != account.id],
    }


def label_of(item: dict[str, Any], model: type[BaseModel]) -> str:
    """How an item is named in a list: its id, name or other key field, and a few words of its first text."""
    keys = ("id", "name", "criterion", "unit", "year", "date")
    key_name = next((k for k in keys if item.get(k) is not None), None)
    key = None if key_name is None else str(item[key_name])
    text = next((str(item[s.name]) for s in field_specs(model)
                 if s.kind in ("text", "long", "choice") and s.name != key_name and item.get(s.name)), "")
    words = text if len(text) <= 48 else text[:47] + "…"
    return " · ".join(part for part in (key, m.readable(words) if words == text and "_" in words else words)
                      if part) or "(new)"
