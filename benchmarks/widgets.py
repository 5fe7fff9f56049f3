"""Latency of the strategists' editors: time from one slider move to the updated panel.

    .venv/bin/python benchmarks/widgets.py [--moves 30]

Each editor is built on the demo data and driven as a user would (setting a control's value
fires the same handler a slider move in JupyterLab does); the time covers the what-if
computation, the scores, the table and the chart re-rendered as PNG. Side by side, the naive
way of seeing the same change: edit the file, then re-run the notebook's cells for that section
(reload and revalidate the account file, recompute, redraw the full-size figure). The goal is
under 100 ms per move. Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

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
    args = parser.parse_args()

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
        median, worst = timed(move, args.moves)
        naive_text = ""
        if naive is not None:
            naive_median, _ = timed(naive, max(5, args.moves // 3))
            naive_text = f"{naive_median:8.0f} ms median"
        print(f"{label:<38} {median:6.0f} ms {worst:6.0f} ms   {naive_text:>24}")
    print("goal: under 100 ms per move")


if __name__ == "__main__":
    main()
