"""Latency of the strategists' editors: time from one slider move to the updated panel.

    .venv/bin/python benchmarks/widgets.py [--moves 30] [--sections-only]

Each editor is built on the demo data and driven as a user would (setting a control's value
fires the same handler a slider move in JupyterLab does); the time covers the what-if
computation, the scores, the table and the chart re-rendered as PNG. Side by side, the naive
way of seeing the same change: edit the file, then re-run the notebook's cells for that section
(reload and revalidate the account file, recompute, redraw the full-size figure). The goal is
under 100 ms per move. Nothing here is a test: it prints figures.

The second table times every section editor on the demo's northwind-foods grown to 60 contacts,
40 forces and 80 projects (`tests/helpers.large_account`): one change of a field (the preview of
the figures the section feeds recomputed) and one save (validated, written with a `.bak`, the form
refilled), beside the naive way — per change, reload and revalidate the whole portfolio and
recompute; per save, parse the file again and validate the new text from scratch
(`yaml_editing.change_account`). The goals: under 100 ms per change, under 300 ms per save.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "parameters"


def timed(action: Callable[[int], None], moves: int) -> tuple[float, float]:
    action(0)  # warm-up: first-use imports and font cache
    seconds = []
    for i in range(1, moves + 1):
        started = time.perf_counter()
        action(i)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000, max(seconds) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=30)
    parser.add_argument("--sections-only", action="store_true", help="time the section editors only")
    args = parser.parse_args()
    if not args.sections_only:
        live_editors(args.moves)
    section_editors(max(5, args.moves // 3))


def live_editors(moves: int) -> None:
    """The assessment, project and portfolio editors on the demo data, against re-running the cells."""

    from kamlib.display import charts, editors
    from kamlib.method import action_plan, scorecard
    from kamlib.parameters import loader, workbook

    account_plan = workbook.open_account("northwind-foods", PARAMS)
    whole, as_of = workbook.open_portfolio(PARAMS)
    assessment = editors.AssessmentEditor(account_plan)
    project = editors.ProjectEditor(account_plan)
    what_if = editors.ScorecardWhatIf(whole, as_of)
    sliders = editors.AttractivenessWhatIf(whole, as_of)
    statuses = ["planned", "in_progress", "done", "blocked"]

    def naive_scorecard(i: int) -> None:
        reloaded = loader.load_account(PARAMS, "northwind-foods")
        table = scorecard.scorecard_table(reloaded, account_plan.settings, account_plan.as_of)
        charts.scorecard_trend(table, account_plan.settings).savefig(
            io.BytesIO(), format="png", bbox_inches="tight")

    def naive_projects(i: int) -> None:
        reloaded = loader.load_account(PARAMS, "northwind-foods")
        action_plan.plan_health(reloaded, account_plan.as_of)
        charts.gantt(action_plan.projects_table(reloaded, account_plan.as_of), account_plan.as_of).savefig(
            io.BytesIO(), format="png", bbox_inches="tight")

    def naive_portfolio(i: int) -> None:
        reloaded = loader.load_portfolio(PARAMS)
        from kamlib.method import portfolio

        table = portfolio.portfolio_table(reloaded, as_of)
        charts.portfolio_matrix(table, portfolio.attractiveness_split(table), reloaded.settings).savefig(
            io.BytesIO(), format="png", bbox_inches="tight")

    rows = [
        ("assessment editor: one slider", lambda i: setattr(assessment.customer["transparency"], "value", 1 + i % 5),
         naive_scorecard),
        ("project editor: status", lambda i: setattr(project.status, "value", statuses[i % 4]), naive_projects),
        ("class what-if: one threshold", lambda i: setattr(what_if.thresholds["strategic_partner"][0], "value",
                                                           3.0 + (i % 10) / 10), None),
        ("attractiveness what-if: one weight", lambda i: setattr(sliders.sliders["margin"], "value", (i % 10) / 10),
         naive_portfolio),
    ]
    print(f"{'one move':<38} {'median':>8} {'max':>8}   {'naive: re-run the cells':>24}")
    for label, move, naive in rows:
        median, worst = timed(move, moves)
        naive_text = ""
        if naive is not None:
            naive_median, _ = timed(naive, max(5, moves // 3))
            naive_text = f"{naive_median:8.0f} ms median"
        print(f"{label:<38} {median:6.0f} ms {worst:6.0f} ms   {naive_text:>24}")
    print("goal: under 100 ms per move")


# One field each section's benchmark changes, and two values it moves between.
MOVES: dict[str, tuple[str, tuple[Any, Any]]] = {
    "account": ("industry", ("Food manufacturing", "Chilled food manufacturing")),
    "team": ("role", ("Key account director", "Account director")),
    "business": ("strategy", ("Grow premium private label.", "Grow premium private label, and export.")),
    "financials": ("revenue", (2_650_000, 2_700_000)),
    "targets": ("revenue", (3_300_000, 3_400_000)),
    "environment": ("impact", (1, 2)),
    "buying_criteria": ("weight", (0.30, 0.30)),
    "competitors": ("ladder", ("vendor", "preferred_supplier")),
    "scorecard": ("", (1, 2)),  # the assessment editor: one slider of the customer's side
    "relationships": ("attitude", (1, 2)),
    "whitespace": ("offerings", ("", "\ntrays")),  # an offering added at the end, and taken off
    "opportunities": ("probability", (0.4, 0.6)),
    "risks": ("status", ("open", "mitigated")),
    "governance": ("review_every_days", (90, 91)),
    "decisions": ("why", ("The class rose.", "The class rose twice.")),
    "insights": ("kind", ("said", "observed")),
    "vision": ("mission", ("Take cost and waste out together.", "Take cost and waste out together, every quarter.")),
    "objectives": ("shared", (True, False)),
    "strategies": ("shared", (True, False)),
    "projects": ("status", ("planned", "in_progress")),
    "value_delivered": ("shared", (True, False)),
}


def _large_folder() -> Path:
    """A copy of the demo parameters whose northwind-foods has 60 contacts, 40 forces, 80 projects
    (written as the workbook writes YAML, so a save rewrites only what changed)."""
    import shutil
    import sys
    import tempfile

    from ruamel.yaml import YAML

    sys.path.insert(0, str(ROOT))
    from tests.helpers import large_account

    folder = Path(tempfile.mkdtemp(prefix="kam-bench-")) / "parameters"
    shutil.copytree(PARAMS, folder)
    data = large_account()
    yaml = YAML()
    yaml.width = 1_000_000  # as yaml_editing writes: a long text on one line
    with open(folder / "accounts" / "northwind-foods.yaml", "w", encoding="utf-8") as out:
        yaml.dump(data, out)
    return folder


def section_editors(moves: int) -> None:
    """Every section editor on the 60-contact account: one change, one save, against the naive way."""
    from kamlib.display import editors
    from kamlib.display.editors import what_if
    from kamlib.method import portfolio as method_portfolio
    from kamlib.parameters import loader, workbook, yaml_editing

    folder = _large_folder()
    plan = workbook.open_account("northwind-foods", folder)

    def control(editor: Any, name: str) -> Any:
        form = editor.control.form if hasattr(editor.control, "form") else editor.control
        return form.controls[name].widget

    def naive_change(section: str) -> Callable[[int], None]:
        spec = editors.SECTION_SPECS[section]

        def run(i: int) -> None:
            loader.forget_parsed()
            whole = loader.load_portfolio(folder)
            spec.figures(whole.accounts["northwind-foods"], whole.settings, plan.as_of)
            method_portfolio.portfolio_table(whole, plan.as_of)
        return run

    def naive_save(section: str, value: Any) -> Callable[[int], None]:
        path = editors.SECTION_SPECS[section].path
        return lambda i: yaml_editing.change_account(folder, "northwind-foods",
                                                     lambda tree: yaml_editing.set_section(tree, path, value),
                                                     write=False)

    print()
    print("section editors, northwind-foods with 60 contacts, 40 forces, 80 projects (ms)")
    print(f"{'section':<18} {'change':>8} {'max':>6} {'naive':>7}   {'save':>6} {'max':>6} {'naive':>7}")
    for section, (name, values) in MOVES.items():
        if section == "scorecard":
            editor = editors.AssessmentEditor(plan)
            editor.evidence.value = "Seen at the quarterly review."
            widget = editor.customer["transparency"]
        else:
            editor = editors.SectionEditor(plan, section)
            widget = control(editor, name)
        if section == "buying_criteria":
            widget = editor.control.form.controls["scores"].rows["us"].widget
            values = (3.0, 4.0)
        if section == "whitespace":
            values = (widget.value, widget.value + values[1])

        def change(i: int, widget: Any = widget, values: Any = values) -> None:
            widget.value = values[i % 2]

        def save(i: int, editor: Any = editor, change: Any = change, section: str = section) -> None:
            change(i)
            editor.write()
            if "Not saved" in editor.message.value:
                raise RuntimeError(f"{section}: {editor.message.value}")

        change_ms, change_max = timed(change, moves)
        naive_change_ms, _ = timed(naive_change(section), max(3, moves // 3))
        save_ms, save_max = timed(save, moves)
        value = editor.value() if section != "scorecard" else what_if.section_value(editor.file.account, section)
        naive_save_ms, _ = timed(naive_save(section, value), max(3, moves // 3))
        print(f"{section:<18} {change_ms:8.1f} {change_max:6.0f} {naive_change_ms:7.0f}   "
              f"{save_ms:6.0f} {save_max:6.0f} {naive_save_ms:7.0f}")
    print("goals: a change under 100 ms, a save under 300 ms")


if __name__ == "__main__":
    main()
