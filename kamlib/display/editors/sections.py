"""One editor for every section of an account file, built from the model's fields.

A list section (contacts, forces, projects, ...) shows a picker of its items with *Add* and
*Remove* and a form for the item picked; a mapping section (the business, governance, the
whitespace) shows its form. Each field gets the control its type calls for (`fields`). Every
change recomputes the figures the section feeds (`what_if`), shown beside the file's own.

*Save to parameters* replaces the section in the account file through
`kamlib.parameters.yaml_editing.AccountFile`: validated as `kam validate` would (one message per
problem naming file, line and field; nothing written on error), only the changed lines rewritten,
comments and layout kept, a `.bak` kept. An editor remembers the text of the file it loaded: if the
file changed on disk since (another editor, `kam import`, a `git pull`), saving is refused and
*Reload* reads the file again. An editor reads its own account's file and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from kamlib.display.editors import fields, what_if
from kamlib.display.editors.fields import FieldSpec
from kamlib.display.editors.live import (
    AssessmentEditor,
    _problems,
    _reload_button,
    _saved,
    in_batch,
    save_button,
)
from kamlib.errors import KamError
from kamlib.method import wording
from kamlib.parameters import loader, workbook, yaml_editing
from kamlib.parameters.model import readable

SECTIONS: tuple[str, ...] = tuple(what_if.SECTION_SPECS)

# Which sections each step notebook edits (the portfolio overview edits none: it starts accounts).
STEP_SECTIONS: dict[str, tuple[str, ...]] = {
    "00_portfolio_overview": (),
    "01_environment_analysis": ("account", "business", "environment"),
    "02_competitor_positioning": ("buying_criteria", "competitors", "whitespace", "opportunities"),
    "03_scorecard": ("scorecard", "decisions", "financials", "targets"),
    "04_action_plan": ("vision", "objectives", "strategies", "projects", "value_delivered", "relationships", "team", "insights",
                       "risks", "governance"),
}

WIDE = "520px"
LABEL_WIDTH = "170px"
RED = "#b2182b"
NONE = "—"


class _Context:
    """What every control of one editor shares: ipywidgets, the option lists, and the callback to
    run after a change (not while the editor fills its controls)."""

    def __init__(self, widgets: Any, options: dict[str, list[str]], changed: Callable[[], object]) -> None:
        self.widgets, self.options, self._changed = widgets, options, changed
        self.quiet = False
        self.as_of = date.today()  # the date a new item's dates start at (the editor sets the plan date)

    def changed(self, _change: Any = None) -> None:
        if not self.quiet:
            self._changed()

    def layout(self, width: str = WIDE, **more: Any) -> Any:
        return self.widgets.Layout(width=width, **more)

    def style(self) -> dict[str, str]:
        return {"description_width": LABEL_WIDTH}


class _Control:
    """A field's control: `widget` to show, `get` the value as the file would write it, `set` it."""

    widget: Any

    def get(self) -> Any:
        raise NotImplementedError

    def set(self, value: Any) -> None:
        raise NotImplementedError


class _Scalar(_Control):
    """Text, numbers, true/false, dates, a choice among words or among the names that exist."""

    def __init__(self, spec: FieldSpec, ctx: _Context, label: str | None = None) -> None:
        self.spec, self.ctx = spec, ctx
        w, kind = ctx.widgets, spec.kind
        common = {"description": label if label is not None else spec.label, "style": ctx.style(),
                  "layout": ctx.layout()}
        self.text_number = kind in ("int", "float") and (not spec.required or (not spec.slider and spec.lo is None))
        if kind == "long":
            self.widget = w.Textarea(**{**common, "layout": ctx.layout(height="64px")})
        elif kind in ("text", "suggest") or self.text_number:
            self.widget = (w.Combobox(options=ctx.options.get(spec.source or "", []), ensure_option=False, **common)
                           if kind == "suggest" else w.Text(**common))
        elif kind == "int":
            self.widget = (w.IntSlider(min=int(spec.lo), max=int(spec.hi), continuous_update=False, **common)
                           if spec.slider and spec.lo is not None and spec.hi is not None
                           else w.BoundedIntText(min=int(spec.lo or 0), max=int(spec.hi or 10**9), **common))
        elif kind == "float":
            if spec.slider and spec.lo is not None and spec.hi is not None:
                step = 0.5 if spec.lo >= 1 else 0.01
                self.widget = w.FloatSlider(min=spec.lo, max=spec.hi, step=step, continuous_update=False, **common)
            else:
                self.widget = w.BoundedFloatText(min=spec.lo or 0, max=spec.hi or 1e15, **common)
        elif kind == "bool":
            self.widget = w.Checkbox(description=common["description"], indent=False)
        elif kind == "date":
            self.widget = w.DatePicker(**common)
        else:  # choice, pick
            self.widget = w.Dropdown(options=self._choices(None), **common)
        self.widget.observe(ctx.changed, names="value")

    def _choices(self, current: Any) -> list[tuple[str, Any]]:
        names = list(self.spec.choices) if self.spec.kind == "choice" else list(self.ctx.options.get(self.spec.source
                                                                                                       or "", []))
        if current is not None and current not in names:
            names.append(current)
        shown = [(readable(n) if self.spec.kind == "choice" else n, n) for n in names]
        return shown if self.spec.required else [(NONE, None), *shown]

    def blank(self) -> Any:
        """The value a new item starts with."""
        spec = self.spec
        if spec.default is not None or not spec.required:
            return spec.default
        if spec.kind in ("int", "float") and spec.lo is not None and spec.hi is not None:
            middle = 3 if spec.lo >= 1 and spec.hi == 5 else 0 if spec.lo <= 0 <= spec.hi else spec.lo
            return int(middle) if spec.kind == "int" else float(middle)
        if spec.kind in ("choice", "pick"):
            choices = self._choices(None)
            return choices[0][1] if choices else None
        return {"bool": False, "date": self.ctx.as_of, "int": 0, "float": 0.0}.get(spec.kind, "")

    def set(self, value: Any) -> None:
        self._put(value)
        # A slider shows 0.333 as 0.33: until the strategist moves it, the value stays as the file wrote it.
        self.given, self.shown = value, self.widget.value

    def _put(self, value: Any) -> None:
        w, kind = self.widget, self.spec.kind
        if kind in ("choice", "pick"):
            w.options = self._choices(value)
            w.value = value if value is not None or not self.spec.required else w.options[0][1] if w.options else None
        elif kind == "suggest":
            w.options = self.ctx.options.get(self.spec.source or "", [])
            w.value = "" if value is None else str(value)
        elif self.text_number:
            w.value = "" if value is None else _number_text(value)
        elif kind in ("text", "long"):
            w.value = "" if value is None else str(value).strip()
        elif kind == "bool":
            w.value = bool(value)
        else:
            w.value = value

    def get(self) -> Any:
        value, kind = self.widget.value, self.spec.kind
        if value == getattr(self, "shown", object()) and kind in ("int", "float") and not self.text_number:
            return self.given
        if kind in ("text", "long", "suggest"):
            text = str(value).strip()
            return text if text or self.spec.required else None
        if self.text_number:
            return _parse_number(str(value), kind == "int")
        if kind == "float" and isinstance(value, float) and value.is_integer():
            return int(value)  # a whole number stays whole in the file (a score of 4, never 4.0)
        return value


def _number_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _parse_number(text: str, whole: bool) -> Any:
    """A number typed in a box: empty → None (left out), a number → int or float, else the text
    itself (validation then says what is expected)."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and (whole or "." not in text) else number


class _Lines(_Control):
    """A list of texts, one per line."""

    def __init__(self, spec: FieldSpec, ctx: _Context) -> None:
        self.widget = ctx.widgets.Textarea(description=spec.label, placeholder="one per line", style=ctx.style(),
                                           layout=ctx.layout(height="72px"))
        self.widget.observe(ctx.changed, names="value")

    def set(self, value: Any) -> None:
        self.widget.value = "\n".join(str(v) for v in value or [])

    def get(self) -> Any:
        return [line.strip() for line in self.widget.value.splitlines() if line.strip()]


class _Some(_Control):
    """Several of the ids or names that exist (a strategy's objectives, the forces it answers)."""

    def __init__(self, spec: FieldSpec, ctx: _Context) -> None:
        self.spec, self.ctx = spec, ctx
        self.order: list[str] = []
        self.widget = ctx.widgets.SelectMultiple(description=spec.label, style=ctx.style(),
                                                 layout=ctx.layout(height="84px"))
        self.widget.observe(ctx.changed, names="value")

    def set(self, value: Any) -> None:
        self.order = list(value or [])
        names = list(self.ctx.options.get(self.spec.source or "", []))
        self.widget.options = names + [v for v in self.order if v not in names]
        self.widget.value = tuple(self.order)

    def get(self) -> Any:
        chosen = list(self.widget.value)
        return [v for v in self.order if v in chosen] + [v for v in chosen if v not in self.order]


class _Keys(_Control):
    """A mapping with one entry per name that exists: every player's score on a criterion, a
    unit's cell and potential for each offering."""

    def __init__(self, spec: FieldSpec, ctx: _Context) -> None:
        self.spec, self.ctx = spec, ctx
        self.rows: dict[str, _Scalar] = {}
        self.widget = ctx.widgets.VBox(layout=ctx.layout(width="auto"))

    def set(self, value: Any) -> None:
        value = dict(value or {})
        keys = list(self.ctx.options.get(self.spec.source or "", []))
        keys += [k for k in value if k not in keys]
        assert self.spec.inner is not None
        inner = self.spec.inner
        if not self.spec.required or inner.kind != "float":  # potential (optional) or cells (a cell may be left out)
            inner = FieldSpec(inner.name, inner.kind, False, lo=inner.lo, hi=inner.hi, choices=inner.choices)
        if list(self.rows) != keys:
            self.rows = {k: _Scalar(inner, self.ctx, label=k) for k in keys}
            self.widget.children = [self.ctx.widgets.HTML(f"<i>{escape(self.spec.label)}</i>"),
                                    *(row.widget for row in self.rows.values())]
        for key, row in self.rows.items():
            row.set(value.get(key, row.blank() if inner.required else None))

    def get(self) -> Any:
        return {k: v for k, row in self.rows.items() if (v := row.get()) is not None}


class _Record(_Control):
    """A form for one record (a contact, a project, the governance ...): a control per field.

    A field the file leaves out and the form leaves at its default stays out of the file."""

    def __init__(self, model: type[BaseModel], ctx: _Context, optional_label: str | None = None,
                 leave: tuple[str, ...] = ()) -> None:
        self.model, self.ctx = model, ctx
        self.specs = [s for s in fields.field_specs(model) if s.name not in leave]
        self.controls: dict[str, Any] = {s.name: _control(s, ctx) for s in self.specs}
        self.present: set[str] = set()
        rows = [c.widget for c in self.controls.values()]
        self.include = None
        if optional_label is not None:  # an optional record (an objective's measure): a box to have it or not
            self.include = ctx.widgets.Checkbox(description=optional_label, indent=False)
            self.include.observe(self._toggle, names="value")
        self.body = ctx.widgets.VBox(rows)
        self.widget = ctx.widgets.VBox([self.include, self.body] if self.include is not None else [self.body])

    def _toggle(self, change: Any) -> None:
        self.body.layout.display = "" if change["new"] else "none"
        self.ctx.changed()

    def set(self, value: Any) -> None:
        if self.include is not None:
            self.include.value = value is not None
            self.body.layout.display = "" if value is not None else "none"
        value = value or {}
        self.present = set(value)
        for spec in self.specs:
            control = self.controls[spec.name]
            given = value.get(spec.name)
            control.set(given if spec.name in value else control.blank() if isinstance(control, _Scalar) else None)

    def blank(self) -> Any:
        """A new record has no value until the strategist fills it."""
        return None

    def get(self) -> Any:
        if self.include is not None and not self.include.value:
            return None
        out: dict[str, Any] = {}
        for spec in self.specs:
            value = self.controls[spec.name].get()
            if value is None:
                continue
            if spec.name not in self.present and not spec.required and value in (spec.default, [], {}):
                continue
            out[spec.name] = value
        return out


class _Records(_Control):
    """A list of records: pick one to change it, *Add* a new one, *Remove* the one picked."""

    def __init__(self, model: type[BaseModel], ctx: _Context, label: str = "item") -> None:
        w = ctx.widgets
        self.model, self.ctx = model, ctx
        self.items: list[dict[str, Any]] = []
        self.index = -1
        self.pick = w.Dropdown(description=label, style=ctx.style(), layout=ctx.layout())
        self.add = w.Button(description="Add", icon="plus", layout=w.Layout(width="auto"))
        self.remove = w.Button(description="Remove", icon="trash", layout=w.Layout(width="auto"))
        self.form = _Record(model, ctx)
        self.pick.observe(self._picked, names="value")
        self.add.on_click(lambda _b: self.add_item())
        self.remove.on_click(lambda _b: self.remove_item())
        self.widget = w.VBox([w.HBox([self.pick, self.add, self.remove]), self.form.widget],
                             layout=w.Layout(border="1px solid #ddd", padding="4px", margin="2px 0"))

    def _store(self) -> None:
        if 0 <= self.index < len(self.items):
            self.items[self.index] = self.form.get()

    def _show(self, index: int) -> None:
        quiet, self.ctx.quiet = self.ctx.quiet, True
        try:
            self.index = index
            self.pick.options = [(f"{i + 1}. {fields.label_of(item, self.model)}", i) for i, item in enumerate(self.items)]
            self.pick.value = index if self.items else None
            self.form.widget.layout.display = "" if self.items else "none"
            self.remove.disabled = not self.items
            if self.items:
                self.form.set(self.items[index])
        finally:
            self.ctx.quiet = quiet

    def _picked(self, change: Any) -> None:
        if self.ctx.quiet or change["new"] is None:
            return
        self._store()
        self._show(change["new"])

    def set(self, value: Any) -> None:
        self.items = [dict(item) for item in value or []]
        self._show(0 if self.items else -1)

    def blank(self) -> Any:
        """A new list is empty."""
        return []

    def get(self) -> Any:
        self._store()
        return [dict(item) for item in self.items]

    def add_item(self) -> None:
        """A new item at the end, its fields at their starting values (and a next id), shown to fill in."""
        self._store()
        quiet, self.ctx.quiet = self.ctx.quiet, True
        try:  # the blank form is read, not yet an item: nothing may store it over the item shown
            self.form.set({})
            item = self.form.get()
        finally:
            self.ctx.quiet = quiet
        if "id" in self.model.model_fields:
            item["id"] = next_id([str(i.get("id", "")) for i in self.items])
        if "year" in self.model.model_fields:  # the year after the last one (financials, targets)
            years = [int(i["year"]) for i in self.items if isinstance(i.get("year"), int)]
            item["year"] = max(years) + 1 if years else self.ctx.as_of.year
        self.items.append(item)
        self._show(len(self.items) - 1)
        self.ctx.changed()

    def remove_item(self) -> None:
        """Remove the item picked."""
        if not self.items:
            return
        del self.items[self.index]
        self._show(min(self.index, len(self.items) - 1))
        self.ctx.changed()

    def relabel(self) -> None:
        """Refresh the picked item's name in the picker (after its id or text changed), and those of
        the lists inside it (a project's next steps)."""
        _relabel_inside(self.form)
        if not self.items:
            return
        self._store()
        label = f"{self.index + 1}. {fields.label_of(self.items[self.index], self.model)}"
        if self.pick.options[self.index][0] != label:
            quiet, self.ctx.quiet = self.ctx.quiet, True
            try:
                options = list(self.pick.options)
                options[self.index] = (label, self.index)
                self.pick.options = options
                self.pick.value = self.index
            finally:
                self.ctx.quiet = quiet


def _relabel_inside(form: _Record) -> None:
    for control in form.controls.values():
        if isinstance(control, _Records):
            control.relabel()


def next_id(ids: list[str]) -> str:
    """The id after the existing ones: P1, P2 → P3 (the prefix most used; `1` when there is none)."""
    numbered = [m.groups() for i in ids if (m := re.fullmatch(r"([A-Za-z-]*)(\d+)", i))]
    if not numbered:
        return "1"
    prefixes = [p for p, _ in numbered]
    prefix = max(set(prefixes), key=prefixes.count)
    return f"{prefix}{max(int(n) for p, n in numbered if p == prefix) + 1}"


def _control(spec: FieldSpec, ctx: _Context) -> Any:
    if spec.kind == "lines":
        return _Lines(spec, ctx)
    if spec.kind == "some":
        return _Some(spec, ctx)
    if spec.kind == "keys":
        return _Keys(spec, ctx)
    if spec.kind == "record":
        assert spec.model is not None
        return _Record(spec.model, ctx, optional_label=None if spec.required else f"has a {spec.label}")
    if spec.kind == "records":
        assert spec.model is not None
        return _Records(spec.model, ctx, label=readable(spec.name).rstrip("s") or "item")
    return _Scalar(spec, ctx)


# --- the section editor -----------------------------------------------------------------------

def show(kind: str, value: Any, currency: str) -> str:
    """A figure as a reader reads it (None: a dash)."""
    if value is None:
        return NONE
    if kind == "money":
        return wording.money(value, currency)
    if kind == "percent":
        return wording.percent(value, 1)
    if kind in ("ratio", "score"):
        return f"{value:.2f}"
    if kind == "date":
        return wording.day(value)
    if kind == "yes":
        return "yes" if value else "no"
    return str(value)


class SectionEditor:
    """The editor of one section of one account's file: its form, the figures it feeds (the file's
    and with the change), *Save to parameters* and, when the file changed on disk, *Reload*."""

    def __init__(self, plan_: workbook.AccountPlan, section: str,
                 document: yaml_editing.AccountFile | None = None) -> None:
        import ipywidgets as widgets

        self.plan = plan_
        self.spec = what_if.SECTION_SPECS[section]
        self.file = document or yaml_editing.AccountFile(plan_.params_dir, plan_.account.id)
        self.ctx = _Context(widgets, {}, self.update)
        self.ctx.as_of = plan_.as_of
        self.control: Any = (_Records(self.spec.model, self.ctx) if self.spec.many
                             else _Record(self.spec.model, self.ctx,
                                          optional_label=None if what_if.required(section)
                                          else f"the account has {self.spec.title.lower()}",
                                          leave=self.spec.leave))
        self.figures = widgets.HTML()
        self.save = save_button(widgets)
        self.reload_button = _reload_button(widgets, self)
        self.message = widgets.HTML()
        self.save.on_click(lambda _b: self.write())
        self.panel = widgets.VBox([
            widgets.HTML(f"<b>{escape(self.spec.title)}</b> — the figures below follow your change: "
                         f"{escape(self.spec.feeds)}."),
            self.control.widget, self.figures, widgets.HBox([self.save, self.reload_button]), self.message])
        self.last: what_if.Preview | None = None
        self.load()

    def load(self) -> None:
        """Fill the form from the account file as loaded, and show its figures."""
        account = self.file.account
        self.before = self.spec.figures(account, self.plan.settings, self.plan.as_of)
        self.ctx.options.clear()
        self.ctx.options.update(fields.options(account, loader.account_ids(self.plan.params_dir)))
        self.ctx.quiet = True
        try:
            self.control.set(what_if.section_value(account, self.spec.key))
        finally:
            self.ctx.quiet = False
        self.update()

    def value(self) -> Any:
        """The section as the form says now, as the file would write it (with the fields another
        section edits as the file has them)."""
        value = self.control.get()
        if self.spec.leave and isinstance(value, dict):
            kept = what_if.section_value(self.file.account, self.spec.key) or {}
            value = {k: value[k] if k in value else kept[k] for k in self.spec.model.model_fields
                     if k in value or (k in self.spec.leave and k in kept)}  # in the format's order
        return value

    def update(self) -> what_if.Preview:
        """Recompute the section's figures with the change; returns the preview shown."""
        value = self.value()
        preview = what_if.preview(self.spec.key, self.file.account, value, self.plan.settings, self.plan.as_of,
                                  self.before)
        self.last = preview
        if isinstance(self.control, _Records):
            self.control.relabel()
        else:
            _relabel_inside(self.control)
        if self.spec.key == "whitespace" and preview.account is not None:
            self._follow_offerings(value)
        self.figures.value = self._render(preview)
        return preview

    def _follow_offerings(self, value: Any) -> None:
        """The whitespace's offerings are its cells' columns: a new offering gets a cell at once."""
        offerings = list((value or {}).get("offerings", []))
        if offerings != self.ctx.options.get("offerings"):
            self.ctx.options["offerings"] = offerings
            units = self.control.controls["units"]
            quiet, self.ctx.quiet = self.ctx.quiet, True
            try:
                units.set(units.get())
            finally:
                self.ctx.quiet = quiet

    def _render(self, preview: what_if.Preview) -> str:
        currency = self.plan.currency
        rows = []
        for name, (kind, was) in preview.before.items():
            now = preview.after.get(name, (kind, was))[1] if preview.after else None
            moved = preview.after and now != was
            after = show(kind, now, currency) if preview.after else ""
            rows.append(f"<tr><td style='padding:0 12px 0 0'>{escape(name)}</td>"
                        f"<td style='text-align:right;padding:0 12px'>{escape(show(kind, was, currency))}</td>"
                        f"<td style='text-align:right'>{'<b>' if moved else ''}{escape(after)}"
                        f"{'</b>' if moved else ''}</td></tr>")
        table = ("<table><tr><th></th><th style='text-align:right;padding:0 12px'>in the file</th>"
                 "<th style='text-align:right'>with your change</th></tr>" + "".join(rows) + "</table>")
        if preview.notes:
            table += "<div>With this change: " + "; ".join(escape(n) for n in preview.notes) + ".</div>"
        if preview.problems:
            shown = "".join(f"<li>{escape(p)}</li>" for p in preview.problems[:6])
            more = f"<li>and {len(preview.problems) - 6} more</li>" if len(preview.problems) > 6 else ""
            table += f"<div style='color:{RED}'>Not valid yet:<ul>{shown}{more}</ul></div>"
        return table

    def write(self) -> yaml_editing.Change | None:
        """Save the section into the account file (validated, only its lines changed, comments and a
        `.bak` kept); refused when the file changed on disk since it was loaded. Returns the change
        written, or None when nothing was."""
        value = self.value()
        more, _notes = what_if.carried(self.spec.key, self.file.account, value)
        paths: dict[tuple[str, ...], Any]
        if not self.spec.path:  # the account's own fields: each its own key of the file
            paths = {(k,): value.get(k) for k in what_if.ACCOUNT_FIELDS}
        else:  # with the sections the format ties to this one (a rename), in one save
            paths = {self.spec.path: value, **{what_if.SECTION_SPECS[k].path: v for k, v in more.items()}}

        def edit(tree: Any) -> None:
            for path, section_value in paths.items():
                yaml_editing.set_section(tree, path, section_value)

        keys = tuple(dict.fromkeys(path[0] for path in paths))
        change = _saved(self, lambda: self.file.change(edit, section=keys))
        if change is not None and change.written:
            self.load()
        return change

    def reload(self) -> None:
        """Read the account file again as it is on disk now; the form shows it (unsaved changes are dropped)."""
        self.file.reload()
        self.load()


# --- what the notebooks call --------------------------------------------------------------------

def _editor(plan_: workbook.AccountPlan, section: str, document: yaml_editing.AccountFile | None) -> Any:
    if section not in what_if.SECTION_SPECS:
        raise KamError(f"no section '{section}' to edit; the sections are {', '.join(SECTIONS)}")
    if section == "scorecard":
        return AssessmentEditor(plan_)
    return SectionEditor(plan_, section, document)


def section_editor(plan_: workbook.AccountPlan, section: str) -> Any:
    """One section's editor panel for a notebook cell (None in a batch run)."""
    if in_batch():
        return None
    return _editor(plan_, section, None).panel


def step_editors(plan_: workbook.AccountPlan, step: str) -> Any:
    """The sections a step notebook edits (`STEP_SECTIONS`), one fold each, its editor built when the
    fold first opens (None in a batch run, or for a step with no section). The editors share the
    file they loaded, so saving one section and then another is not refused as a change on disk."""
    if in_batch():
        return None
    sections = STEP_SECTIONS.get(step)
    if sections is None:
        raise KamError(f"no step '{step}'; the steps are {', '.join(STEP_SECTIONS)}")
    if not sections:
        return None
    import ipywidgets as widgets

    document = yaml_editing.AccountFile(plan_.params_dir, plan_.account.id)
    holders = [widgets.VBox() for _ in sections]
    folds = widgets.Accordion(children=holders, titles=tuple(what_if.SECTION_SPECS[s].title for s in sections))
    built: dict[str, Any] = {}

    def build(index: int | None) -> None:
        # A fold's editor is built when the fold first opens: a chart built in a closed fold is drawn
        # at no size and stays blank (bqplot), and a step shows at once however many sections it has.
        if index is None or sections[index] in built:
            return
        built[sections[index]] = editor = _editor(plan_, sections[index], document)
        holders[index].children = [editor.panel]

    folds.observe(lambda change: build(change["new"]), names="selected_index")
    folds.selected_index = None
    folds.editors = built  # the editors built so far, by section (for tests and the curious)
    return folds


class NewAccountForm:
    """Start a new account as `kam new` does: the commented template, with the id, name, industry
    and country filled in, validated and written to `accounts/<id>.yaml` (never over a file)."""

    def __init__(self, params_dir: str | Path) -> None:
        import ipywidgets as widgets

        self.params_dir = workbook.resolve_params_dir(params_dir)
        style, layout = {"description_width": LABEL_WIDTH}, widgets.Layout(width=WIDE)
        self.account_id = widgets.Text(description="account id", placeholder="lower-case-with-dashes",
                                       style=style, layout=layout)
        self.name = widgets.Text(description="customer's name", style=style, layout=layout)
        self.industry = widgets.Text(description="industry", style=style, layout=layout)
        self.country = widgets.Text(description="country (e.g. GB)", style=style, layout=layout)
        self.create = widgets.Button(description="Start the account", button_style="primary", icon="plus",
                                     layout=widgets.Layout(width="auto"))
        self.message = widgets.HTML()
        self.create.on_click(lambda _b: self.write())
        self.panel = widgets.VBox([widgets.HTML("<b>Start a new account</b> from the commented template"),
                                   self.account_id, self.name, self.industry, self.country, self.create,
                                   self.message])

    def write(self) -> yaml_editing.Change | None:
        """Write the new account file, or show why not (nothing written)."""
        values = {k: v for k, v in (("name", self.name.value.strip()), ("industry", self.industry.value.strip()),
                                    ("country", self.country.value.strip().upper())) if v}
        try:
            change = yaml_editing.new_account(self.params_dir, self.account_id.value.strip(), values)
        except KamError as err:
            self.message.value = f"<span style='color:{RED}'>Not created:<br>{_problems(err)}</span>"
            return None
        account_id = change.path.stem
        self.message.value = (f"Created {escape(str(Path(change.path.parent.name) / change.path.name))} from the "
                              f"template. Open the steps with account id <b>{escape(account_id)}</b> and fill in "
                              "each section with its editor.")
        return change


def new_account_form(params_dir: str | Path) -> Any:
    """The form that starts a new account, for a notebook cell (None in a batch run)."""
    return None if in_batch() else NewAccountForm(params_dir).panel
