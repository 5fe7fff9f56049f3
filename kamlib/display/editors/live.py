"""Widgets for strategists working a plan in JupyterLab: edit, see the plan react, save back.

Each editor is a pure "what if" function (tested, and timed in `benchmarks/widgets.py`) and
a thin ipywidgets panel around it. Charts that follow a slider are bqplot marks, redrawn in
the browser from the new numbers; the project editor's Gantt is the documents' matplotlib
chart, redrawn on each change. Nothing is written until the strategist presses *Save to
parameters*, which goes through `kamlib.parameters.yaml_editing.AccountFile`: validated first, comments
kept, written atomically, previous file kept as `.bak`, refused if the file changed on disk since
the editor loaded it.

In a batch run (`KAM_BATCH=1`, set by the runner for its kernels) every editor returns None,
so the executed notebook and the plan document carry the static analysis only and nothing
waits for input. ipywidgets is imported only when an editor is built.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from kamlib.display import charts
from kamlib.errors import InputError, KamError
from kamlib.method import action_plan, portfolio, scorecard
from kamlib.parameters import workbook, yaml_editing
from kamlib.parameters.loader import Portfolio
from kamlib.parameters.model import (
    Account,
    AccountClass,
    Assessment,
    AttractivenessWeights,
    PortfolioSettings,
    ScorecardWeights,
    readable,
)

CUSTOMER_ATTRIBUTES = ("willingness_to_partner", "transparency", "growth_potential", "responsiveness")
SUPPLIER_ATTRIBUTES = ("willingness_to_partner", "transparency", "contribution_to_growth")
STATUSES = ("planned", "in_progress", "done", "blocked", "cancelled")


def in_batch() -> bool:
    """Whether this kernel runs in a batch (`KAM_BATCH=1`, set by the runner), where editors show nothing."""
    return os.environ.get("KAM_BATCH") == "1"


# --- what-if functions ------------------------------------------------------------------------

@dataclass(frozen=True)
class AssessmentPreview:
    """What a new assessment would do: the account with it in place, both sides' scores, the
    class it gives, and the class of the latest assessment before it."""
    account: Account  # with the edited assessment in place
    customer_score: float
    supplier_score: float
    klass: str
    previous_class: str | None


def preview_assessment(account: Account, weights: ScorecardWeights, classes: list[AccountClass],
                       assessment: Assessment) -> AssessmentPreview:
    """The account with `assessment` added (or replacing the one of the same date), its scores
    and class, and the class of the latest assessment before it."""
    kept = [a for a in account.scorecard if a.date != assessment.date]
    before = [a for a in kept if a.date < assessment.date]
    card = sorted([*kept, assessment], key=lambda a: a.date)
    customer, supplier = scorecard.side_scores(assessment, weights)
    previous = None
    if before:
        previous = scorecard.classify(*scorecard.side_scores(before[-1], weights), classes)
    return AssessmentPreview(account.model_copy(update={"scorecard": card}), round(customer, 4), round(supplier, 4),
                             scorecard.classify(customer, supplier, classes), previous)


def reclassify(whole: Portfolio, as_of: date, weights: ScorecardWeights, classes: list[AccountClass]) -> pd.DataFrame:
    """Every account's class now and under other weights or thresholds; `changed` marks the movers."""
    now = whole.settings.scorecard
    rows = []
    for account in sorted(whole.accounts.values(), key=lambda a: a.id):
        latest = scorecard.latest_assessment(account, as_of)
        if latest is None:
            continue
        c0, s0 = scorecard.side_scores(latest, now.weights)
        c1, s1 = scorecard.side_scores(latest, weights)
        before, after = scorecard.classify(c0, s0, now.classes), scorecard.classify(c1, s1, classes)
        rows.append({"account": account.id, "customer_score": round(c1, 2), "supplier_score": round(s1, 2),
                     "class_now": before, "class_what_if": after, "changed": before != after})
    return pd.DataFrame(rows, columns=["account", "customer_score", "supplier_score", "class_now", "class_what_if",
                                       "changed"])


def attractiveness_what_if(whole: Portfolio, as_of: date, weights: AttractivenessWeights) -> pd.DataFrame:
    """The portfolio table with quadrants under other attractiveness weights."""
    settings = whole.settings.model_copy(update={"attractiveness": weights})
    return portfolio.with_quadrants(portfolio.portfolio_table(Portfolio(settings, whole.accounts, whole.params_dir),
                                                              as_of))


def with_project(account: Account, project: dict[str, Any]) -> Account:
    """The account with the project of this id updated (only the keys given) or added; validated."""
    projects = [p.model_dump() for p in account.joint_plan.projects]
    for existing in projects:
        if existing["id"] == project["id"]:
            existing.update(project)
            break
    else:
        projects.append(project)
    data = account.model_dump()
    data["joint_plan"]["projects"] = projects
    return Account.model_validate(data, strict=False)


# --- widgets ----------------------------------------------------------------------------------

LIVE_DPI = 64  # live previews are redrawn on every move: small and plain (the documents use 100, tight)


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=LIVE_DPI)
    return buffer.getvalue()


class _LiveTrend:
    """The scorecard trend as a bqplot chart: a slider move sends the new scores to the browser,
    which redraws them; nothing is rendered in the kernel (a matplotlib redraw of this chart
    takes 80-120 ms, measured; `benchmarks/widgets.py`)."""

    def __init__(self, settings: PortfolioSettings) -> None:
        import bqplot as bq
        import numpy as np

        classes, colours = settings.scorecard.classes, scorecard.class_colours(settings)

        self.np = np
        x, y = bq.DateScale(), bq.LinearScale(min=1, max=5.2)
        self.lines = bq.Lines(x=[], y=[], scales={"x": x, "y": y}, colors=[charts.CUSTOMER_COLOR, charts.US_COLOR],
                              marker="circle", labels=["customer side (toward us)", "our side (toward the customer)"],
                              display_legend=True)
        self.thresholds = [bq.Lines(x=[], y=[], scales={"x": x, "y": y}, colors=[colours[c.name]],
                                    line_style="dashed", labels=[f"{readable(c.name)} (customer ≥ {c.customer_min:g})"],
                                    display_legend=True, stroke_width=1) for c in classes[:-1]]
        self.classes = classes[:-1]
        self.figure = bq.Figure(marks=[self.lines, *self.thresholds], title="Mutual scorecard over time",
                                axes=[bq.Axis(scale=x, label="assessment"),
                                      bq.Axis(scale=y, side="left", label="weighted score (1-5)")],
                                legend_location="bottom-right", fig_margin={"top": 50, "bottom": 50, "left": 60,
                                                                            "right": 20},
                                layout={"width": "640px", "height": "320px"})

    def update(self, table: pd.DataFrame) -> None:
        dates = self.np.array(pd.to_datetime(table["date"]).to_numpy(), dtype="datetime64[ms]")
        with self.lines.hold_sync():
            self.lines.x = dates
            self.lines.y = [table["customer_score"].to_numpy(float), table["supplier_score"].to_numpy(float)]
        ends = self.np.array([dates.min(), dates.max()], dtype="datetime64[ms]") if len(dates) else dates
        for line, klass in zip(self.thresholds, self.classes):
            with line.hold_sync():
                line.x, line.y = ends, [klass.customer_min] * len(ends)


class _LiveMatrix:
    """The portfolio matrix as a bqplot scatter: new weights move the points in the browser."""

    def __init__(self, table: pd.DataFrame, settings: PortfolioSettings) -> None:
        import bqplot as bq

        colours = scorecard.class_colours(settings)

        # An account of unknown relative strength (no competitor scored) is not placed, never put at 1.0.
        table = table.dropna(subset=["relative_strength"])
        x = bq.LinearScale(min=0.5, max=max(1.5, float(table["relative_strength"].max() or 1) + 0.1))
        y = bq.LinearScale(min=0, max=1)
        strength = table["relative_strength"].to_numpy(float)
        self.scatter = bq.Scatter(x=strength, y=table["attractiveness"].fillna(0).to_numpy(float),
                                  names=table["account"].tolist(), display_names=True,
                                  colors=[colours.get(c, charts.NO_CLASS_COLOR) for c in table["class"]],
                                  scales={"x": x, "y": y}, default_size=64)
        self.split = bq.Lines(x=[0.5, 3], y=[0.5, 0.5], scales={"x": x, "y": y}, colors=["#555"],
                              line_style="dashed")
        level = bq.Lines(x=[1, 1], y=[0, 1], scales={"x": x, "y": y}, colors=["#555"], line_style="dashed")
        self.figure = bq.Figure(marks=[self.scatter, self.split, level], title="Portfolio matrix (what if)",
                                axes=[bq.Axis(scale=x, label="our relative strength"),
                                      bq.Axis(scale=y, side="left", label="attractiveness (0-1)")],
                                layout={"width": "640px", "height": "480px"})

    def update(self, table: pd.DataFrame, split: float) -> None:
        by_id = dict(zip(table["account"], table["attractiveness"].fillna(0)))
        with self.scatter.hold_sync():
            self.scatter.y = [float(by_id.get(name, 0)) for name in self.scatter.names]
        self.split.y = [split, split]


def _problems(err: KamError) -> str:
    from html import escape

    if isinstance(err, InputError):
        return "<br>".join(escape(str(p)) for p in err.problems)
    return escape(str(err))


def _slider(widgets: Any, label: str, value: float, low: float = 1, high: float = 5, step: float = 1) -> Any:
    """A score slider (whole numbers 1..5) or a weight/threshold slider (fractions)."""
    kind = widgets.IntSlider if step == 1 and float(value).is_integer() else widgets.FloatSlider
    return kind(value=value, min=low, max=high, step=step, description=label.replace("_", " "),
                continuous_update=False, style={"description_width": "180px"}, layout=widgets.Layout(width="460px"))


class AssessmentEditor:
    """Sliders for both sides of a new (or revised) assessment, live scores, class and trend."""

    def __init__(self, plan_: workbook.AccountPlan, assessment_date: date | None = None) -> None:
        import ipywidgets as widgets

        self.plan = plan_
        self.file = yaml_editing.AccountFile(plan_.params_dir, plan_.account.id)
        settings = plan_.settings
        latest = scorecard.latest_assessment(plan_.account, plan_.as_of) or plan_.account.scorecard[-1]
        self.date = widgets.DatePicker(value=assessment_date or plan_.as_of, description="date")
        self.customer = {k: _slider(widgets, k, getattr(latest.customer, k)) for k in CUSTOMER_ATTRIBUTES}
        self.supplier = {k: _slider(widgets, k, getattr(latest.supplier, k)) for k in SUPPLIER_ATTRIBUTES}
        self.evidence = widgets.Textarea(value="", placeholder="What you saw that justifies these scores",
                                         description="evidence", layout=widgets.Layout(width="460px", height="70px"))
        self.summary = widgets.HTML()
        self.trend = _LiveTrend(settings)
        self.chart = self.trend.figure
        self.save = save_button(widgets)
        self.reload_button = _reload_button(widgets, self)
        self.message = widgets.HTML()
        for control in [self.date, *self.customer.values(), *self.supplier.values()]:
            control.observe(lambda _change: self.update(), names="value")
        self.save.on_click(lambda _button: self.write())
        self.weights, self.classes = settings.scorecard.weights, settings.scorecard.classes
        self.panel = widgets.VBox([
            widgets.HTML("<b>The customer's side</b> (how they treat us)"), *self.customer.values(),
            widgets.HTML("<b>Our side</b> (how we treat them)"), *self.supplier.values(),
            self.date, self.evidence, self.summary, self.chart, widgets.HBox([self.save, self.reload_button]),
            self.message])
        self.update()

    def reload(self) -> None:
        """Read the account file again (after a refusal: it changed on disk) and redraw with it."""
        self.plan = replace(self.plan, account=self.file.reload())
        self.update()

    def assessment(self) -> Assessment:
        """The assessment the sliders, date and evidence say now (a placeholder evidence until one is written)."""
        return Assessment.model_validate({
            "date": self.date.value or self.plan.as_of,
            "customer": {k: int(s.value) for k, s in self.customer.items()},
            "supplier": {k: int(s.value) for k, s in self.supplier.items()},
            "evidence": self.evidence.value.strip() or "(evidence to add)"}, strict=False)

    def update(self) -> AssessmentPreview:
        """Recompute scores and class from the sliders and redraw the trend; returns the preview shown."""
        preview = preview_assessment(self.plan.account, self.weights, self.classes, self.assessment())
        moved = "" if preview.previous_class in (None, preview.klass) else f" (was {readable(preview.previous_class)})"
        self.summary.value = (f"Customer side <b>{preview.customer_score:.2f}</b> · our side "
                              f"<b>{preview.supplier_score:.2f}</b> · class <b>{readable(preview.klass)}</b>{moved}")
        table = scorecard.scorecard_table(preview.account, self.plan.settings, max(self.plan.as_of, self.date.value
                                                                                   or self.plan.as_of))
        self.trend.update(table)
        return preview

    def write(self) -> None:
        """Save the assessment into the account file (validated, comments and a `.bak` kept);
        refused without evidence."""
        if not self.evidence.value.strip():
            self.message.value = "<span style='color:#b2182b'>Not saved: write the evidence for these scores.</span>"
            return
        assessment = self.assessment().model_dump(mode="python")
        _saved(self, lambda: self.file.change(yaml_editing.assessment_edit(assessment), section="scorecard"))


class ProjectEditor:
    """Pick a project (or a new id), change status, dates and owners; Gantt and plan health react."""

    def __init__(self, plan_: workbook.AccountPlan) -> None:
        import ipywidgets as widgets

        self.plan = plan_
        self.file = yaml_editing.AccountFile(plan_.params_dir, plan_.account.id)
        account = plan_.account
        projects = account.joint_plan.projects
        team = [m.name for m in account.team]
        strategies = [s.id for s in account.joint_plan.strategies]
        first = projects[0] if projects else None
        self.pick = widgets.Dropdown(options=[p.id for p in projects] + ["(new project)"],
                                     value=first.id if first else "(new project)", description="project")
        self.new_id = widgets.Text(value=f"P{len(projects) + 1}", description="new id")
        self.title = widgets.Text(description="title", layout=widgets.Layout(width="460px"))
        self.strategy = widgets.Dropdown(options=strategies, description="strategy")
        self.owner = widgets.Dropdown(options=team, description="our owner")
        self.customer_owner = widgets.Text(description="their owner")
        self.start = widgets.DatePicker(description="start")
        self.due = widgets.DatePicker(description="due")
        self.status = widgets.Dropdown(options=STATUSES, description="status")
        self.shared = widgets.Checkbox(description="shared with the customer")
        self.summary = widgets.HTML()
        self.chart = widgets.Image(format="png", layout=widgets.Layout(width="640px"))
        self.save = save_button(widgets)
        self.reload_button = _reload_button(widgets, self)
        self.message = widgets.HTML()
        self.fields = [self.title, self.strategy, self.owner, self.customer_owner, self.start, self.due, self.status,
                       self.shared]
        self.pick.observe(lambda _change: self.load(), names="value")
        for control in [*self.fields, self.new_id]:
            control.observe(lambda _change: self.update(), names="value")
        self.save.on_click(lambda _button: self.write())
        self.panel = widgets.VBox([self.pick, self.new_id, *self.fields, self.summary, self.chart,
                                   widgets.HBox([self.save, self.reload_button]), self.message])
        self.load()

    def reload(self) -> None:
        """Read the account file again (after a refusal: it changed on disk) and show the project picked as it is now."""
        self.plan = replace(self.plan, account=self.file.reload())
        self.load()

    def load(self) -> None:
        """Fill the fields from the project picked, or blank ones (dated the plan date) for a new project."""
        chosen = next((p for p in self.plan.account.joint_plan.projects if p.id == self.pick.value), None)
        self.new_id.layout.display = "none" if chosen else ""
        self._loading = True
        if chosen is not None:
            for name in ("title", "strategy", "owner", "customer_owner", "start", "due", "status", "shared"):
                getattr(self, name).value = getattr(chosen, name)
        else:
            self.title.value, self.customer_owner.value = "", ""
            self.start.value, self.due.value, self.status.value = self.plan.as_of, self.plan.as_of, "planned"
        self._loading = False
        self.update()

    def project(self) -> dict[str, Any]:
        """The project as the fields say now, as the account file writes it."""
        project_id = self.pick.value if self.pick.value != "(new project)" else self.new_id.value.strip()
        return {"id": project_id, "title": self.title.value.strip(), "strategy": self.strategy.value,
                "owner": self.owner.value, "customer_owner": self.customer_owner.value.strip(),
                "start": self.start.value, "due": self.due.value, "status": self.status.value,
                "shared": bool(self.shared.value)}

    def update(self) -> Account | None:
        """Plan health and the Gantt with the edited project in place; returns the account, or None
        while the fields are loading or the project is not valid yet."""
        if getattr(self, "_loading", False):
            return None
        try:
            account = with_project(self.plan.account, self.project())
        except Exception as err:  # noqa: BLE001 - pydantic explains what is missing; shown, not raised
            self.summary.value = f"<span style='color:#b2182b'>Not a valid project yet: {_first_error(err)}</span>"
            return None
        health = action_plan.plan_health(account, self.plan.as_of)
        self.summary.value = f"Plan health <b>{health.score} / 100</b>" + "".join(
            f"<br>−{points}: {reason}" for points, reason in health.deductions)
        self.chart.value = _png(charts.gantt(action_plan.projects_table(account, self.plan.as_of), self.plan.as_of))
        return account

    def write(self) -> None:
        """Save the project into the account file (validated, comments kept, `.bak` kept), or show why not."""
        _saved(self, lambda: self.file.change(yaml_editing.project_edit(self.project()), section="joint_plan"))


def save_button(widgets: Any) -> Any:
    """*Save to parameters*, as wide as its words."""
    return widgets.Button(description="Save to parameters", button_style="primary", icon="save",
                          layout=widgets.Layout(width="auto"))


def _reload_button(widgets: Any, editor: Any) -> Any:
    """*Reload*, shown when a save was refused because the file changed on disk since it was loaded."""
    button = widgets.Button(description="Reload", icon="refresh", layout=widgets.Layout(display="none", width="auto"))

    def reload(_button: Any) -> None:
        try:
            editor.reload()
        except KamError as err:
            editor.message.value = f"<span style='color:#b2182b'>Could not reload:<br>{_problems(err)}</span>"
            return
        button.layout.display = "none"
        editor.message.value = "Reloaded from the file: make your change again if it is still needed, then save."

    button.on_click(reload)
    return button


def _saved(editor: Any, save: Callable[[], yaml_editing.Change]) -> yaml_editing.Change | None:
    """Save through the editor's account file and say so; on a refusal say why (with *Reload* when
    the file changed on disk since it was loaded) and return None."""
    try:
        change = save()
    except yaml_editing.StaleFile as err:
        editor.reload_button.layout.display = ""
        editor.message.value = f"<span style='color:#b2182b'>Not saved: {_problems(err)}</span>"
        return None
    except KamError as err:
        editor.message.value = f"<span style='color:#b2182b'>Not saved:<br>{_problems(err)}</span>"
        return None
    editor.reload_button.layout.display = "none"
    name = escape(change.path.name)
    editor.message.value = (f"Saved to {name} (previous file kept as {name}.bak)." if change.written
                            else "Nothing to save: the file already says this.")
    return change


def _first_error(err: Exception) -> str:
    from html import escape

    errors = getattr(err, "errors", None)
    if callable(errors):
        first = errors()[0]
        return escape(f"{'.'.join(str(p) for p in first['loc'][-2:])}: {first['msg']}")
    return escape(str(err))


class ScorecardWhatIf:
    """Sliders on the scorecard weights and class thresholds; the accounts that would change class."""

    def __init__(self, whole: Portfolio, as_of: date) -> None:
        import ipywidgets as widgets

        self.whole, self.as_of = whole, as_of
        now = whole.settings.scorecard
        self.customer = {k: _slider(widgets, f"customer {k}", getattr(now.weights.customer, k), 0, 1, 0.05)
                         for k in CUSTOMER_ATTRIBUTES}
        self.supplier = {k: _slider(widgets, f"our {k}", getattr(now.weights.supplier, k), 0, 1, 0.05)
                         for k in SUPPLIER_ATTRIBUTES}
        self.thresholds = {c.name: (_slider(widgets, f"{c.name} customer ≥", c.customer_min, 0, 5, 0.1),
                                    _slider(widgets, f"{c.name} ours ≥", c.supplier_min, 0, 5, 0.1))
                           for c in now.classes[:-1]}
        self.result = widgets.HTML()
        controls = [*self.customer.values(), *self.supplier.values(), *(s for pair in self.thresholds.values()
                                                                        for s in pair)]
        for control in controls:
            control.observe(lambda _change: self.update(), names="value")
        self.panel = widgets.VBox([widgets.HTML("<b>Weights</b> (each side is normalised to sum to 1)"),
                                   *self.customer.values(), *self.supplier.values(),
                                   widgets.HTML("<b>Class thresholds</b>"),
                                   *(s for pair in self.thresholds.values() for s in pair), self.result])
        self.update()

    def settings(self) -> tuple[ScorecardWeights, list[AccountClass]]:
        """The weights (each side normalised to sum to 1) and classes the sliders say now."""
        def normalised(sliders: dict[str, Any]) -> dict[str, float]:
            total = sum(s.value for s in sliders.values()) or 1.0
            return {k: s.value / total for k, s in sliders.items()}

        weights = ScorecardWeights.model_validate({"customer": normalised(self.customer),
                                                   "supplier": normalised(self.supplier)}, strict=False)
        classes = [c.model_copy(update={"customer_min": self.thresholds[c.name][0].value,
                                        "supplier_min": self.thresholds[c.name][1].value})
                   if c.name in self.thresholds else c for c in self.whole.settings.scorecard.classes]
        return weights, classes

    def update(self) -> pd.DataFrame:
        """Reclassify the portfolio with the sliders' settings and list the accounts that change
        class; returns the table of every account."""
        from kamlib.display import tables

        table = reclassify(self.whole, self.as_of, *self.settings())
        movers = table[table["changed"]]
        self.result.value = (f"<p><b>{len(movers)}</b> of {len(table)} accounts would change class.</p>"
                             + (tables.styled(movers.drop(columns=["changed"])).to_html() if len(movers) else ""))
        return table


class AttractivenessWhatIf:
    """Sliders on the attractiveness weights; the portfolio matrix redrawn."""

    def __init__(self, whole: Portfolio, as_of: date) -> None:
        import ipywidgets as widgets

        self.whole, self.as_of = whole, as_of
        now = whole.settings.attractiveness
        self.sliders = {k: _slider(widgets, k, getattr(now, k), 0, 1, 0.05) for k in AttractivenessWeights.model_fields}
        self.matrix = _LiveMatrix(attractiveness_what_if(whole, as_of, now), whole.settings)
        self.chart = self.matrix.figure
        self.result = widgets.HTML()
        for control in self.sliders.values():
            control.observe(lambda _change: self.update(), names="value")
        self.panel = widgets.VBox([widgets.HTML("<b>Attractiveness weights</b> (normalised to sum to 1)"),
                                   *self.sliders.values(), self.chart, self.result])
        self.update()

    def weights(self) -> AttractivenessWeights:
        """The attractiveness weights the sliders say, normalised to sum to 1."""
        total = sum(s.value for s in self.sliders.values()) or 1.0
        return AttractivenessWeights.model_validate({k: s.value / total for k, s in self.sliders.items()},
                                                    strict=False)

    def update(self) -> pd.DataFrame:
        """Re-rank the portfolio with the sliders' weights and redraw the matrix; returns the ranked table."""
        table = attractiveness_what_if(self.whole, self.as_of, self.weights())
        self.matrix.update(table, portfolio.attractiveness_split(table))
        self.result.value = "Top five: " + ", ".join(table["account"].head(5))
        return table


def _panel(editor: Any) -> Any:
    return None if editor is None else editor.panel


def assessment_editor(plan_: workbook.AccountPlan) -> Any:
    """The assessment editor for a notebook cell (None in a batch run)."""
    return None if in_batch() else _panel(AssessmentEditor(plan_))


def project_editor(plan_: workbook.AccountPlan) -> Any:
    """The project editor for a notebook cell (None in a batch run)."""
    return None if in_batch() else _panel(ProjectEditor(plan_))


def scorecard_what_if(params_dir: str | Path, as_of: str | date | None = None) -> Any:
    """Portfolio-wide what-if of scorecard weights and thresholds. It reads every account file,
    so in a batch run (one account per kernel) it returns before reading anything."""
    if in_batch():
        return None
    whole, plan_date = workbook.open_portfolio(params_dir, as_of)
    return _panel(ScorecardWhatIf(whole, plan_date))


def attractiveness_sliders(params_dir: str | Path, as_of: str | date | None = None) -> Any:
    """Portfolio-wide what-if of the attractiveness weights, the matrix redrawn as they move. It reads
    every account file, so in a batch run it returns None before reading anything.
    """
    if in_batch():
        return None
    whole, plan_date = workbook.open_portfolio(params_dir, as_of)
    return _panel(AttractivenessWhatIf(whole, plan_date))
