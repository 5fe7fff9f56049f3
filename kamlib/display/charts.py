"""The workbook's figures: one function per chart, same colours for the same things everywhere.

Each function takes analysis results (DataFrames from the step modules) and returns a
matplotlib Figure; notebooks display it. Nothing here computes a figure of the method.
The workbook's look (`STYLE`) is applied to each figure as it is drawn, never to the caller's
`matplotlib.rcParams`: importing kamlib leaves a user's own figures as they were.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import matplotlib
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.ticker import FuncFormatter, PercentFormatter

from kamlib.method import portfolio, scorecard
from kamlib.parameters.model import PortfolioSettings, readable

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

US_COLOR = "#1f5fa8"
RIVAL_COLORS = ["#d9822b", "#7a7a7a", "#8e5ea2", "#3a9a6c", "#c44e52"]
UNALLOCATED_COLOR = "#d9d9d9"
CUSTOMER_COLOR = "#17a2b8"  # the customer's side of the scorecard: never a competitor's colour
NO_CLASS_COLOR = "#999999"  # an account not assessed yet has no class
STATUS_COLORS = {"planned": "#9ecae1", "in_progress": "#3182bd", "done": "#31a354",
                 "blocked": "#de2d26", "cancelled": "#bdbdbd"}
HORIZON_MARKERS = {"short": "o", "medium": "s", "long": "^"}

STYLE: dict[RcKeyType, Any] = {
    "figure.dpi": 100, "savefig.dpi": 100, "font.size": 10, "axes.titlesize": 12,
    "axes.titleweight": "bold", "axes.spines.top": False, "axes.spines.right": False,
    "svg.hashsalt": "kam",
}

Chart = TypeVar("Chart", bound=Callable[..., Figure])


def styled(chart: Chart) -> Chart:
    """Draw `chart` in the workbook's style: sizes, fonts and spines are read from `STYLE`
    while the figure is built (matplotlib reads them as each artist is made)."""

    @functools.wraps(chart)
    def drawn(*args: Any, **kwargs: Any) -> Figure:
        with matplotlib.rc_context(STYLE):
            return chart(*args, **kwargs)

    return drawn  # type: ignore[return-value]


_SHELLS_SET_UP: set[int] = set()


def _show_figures_in_notebooks() -> None:
    """Figures are built without pyplot (no global state, no double display); tell IPython
    to render a returned Figure as PNG whatever backend the environment set (MPLBACKEND=Agg
    would otherwise leave executed notebooks without images). Done for each shell when it makes
    its first figure: kamlib may have been imported before the shell existed (batch kernels are
    forked from a process that imported it)."""
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and id(shell) not in _SHELLS_SET_UP:
        select_figure_formats(shell, {"png"}, bbox_inches="tight")
        _SHELLS_SET_UP.add(id(shell))


def _figure(**kwargs: Any) -> Figure:
    _show_figures_in_notebooks()
    return Figure(**kwargs)


def player_color(name: str, rivals: list[str]) -> str:
    """Us in blue; each competitor keeps its colour within an account."""
    return US_COLOR if name == "us" else RIVAL_COLORS[rivals.index(name) % len(RIVAL_COLORS)]


def money_formatter() -> FuncFormatter:
    """Axis ticks in thousands and millions (`250k`, `1.2m`); the axis label names the currency."""

    def fmt(x: float, _pos: int) -> str:
        if abs(x) >= 1e6:
            return f"{x / 1e6:.1f}m"
        if abs(x) >= 1e3:
            return f"{x / 1e3:.0f}k"
        return f"{x:.0f}"
    return FuncFormatter(fmt)


@styled
def forces_map(forces: pd.DataFrame) -> Figure:
    """Impact on the customer × likelihood; marker by horizon, size by priority."""
    fig = _figure(figsize=(8, 4.5))
    ax = fig.subplots()
    ax.axhspan(-2.6, 0, color="#fbeeee", zorder=0)
    ax.axhspan(0, 2.6, color="#eef6ee", zorder=0)
    ax.text(1.09, 2.45, "helps the customer", ha="right", va="top", fontsize=8, color="#3a7a3a")
    ax.text(1.09, -2.45, "hurts the customer", ha="right", va="bottom", fontsize=8, color="#a33")
    for horizon, marker in HORIZON_MARKERS.items():
        part = forces[forces["horizon"] == horizon]
        if part.empty:
            continue
        ax.scatter(part["likelihood"], part["impact"], s=80 + 220 * part["priority"], marker=marker,
                   color=US_COLOR, alpha=0.75, edgecolor="white", label=f"{horizon} term")
    for rank, row in enumerate(forces.itertuples(), start=1):
        ax.annotate(f"{rank}. {row.label}", (row.likelihood, row.impact), xytext=(7, 5),
                    textcoords="offset points", fontsize=8)
    ax.set(xlim=(-0.02, 1.1), ylim=(-2.6, 2.6), xlabel="Likelihood (0 to 1)",
           ylabel="Impact on the customer (−2 to +2)", title="Forces acting on the customer")
    ax.axhline(0, color="#555", lw=0.8)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


@styled
def criteria_dots(criteria: pd.DataFrame, players: list[str]) -> Figure:
    """Each player's score (1..5) per buying criterion, the criterion's weight in its label."""
    rivals = [p for p in players if p != "us"]
    fig = _figure(figsize=(8, 0.6 * len(criteria) + 1.5))
    ax = fig.subplots()
    y = range(len(criteria))
    for offset, player in enumerate(players):
        ax.scatter(criteria[player], [i + 0.12 * (offset - (len(players) - 1) / 2) for i in y],
                   s=90 if player == "us" else 60, color=player_color(player, rivals),
                   label="us" if player == "us" else player, zorder=3)
    ax.set_yticks(list(y), [f"{c.replace('_', ' ')} ({w:.0%})" for c, w in zip(criteria["criterion"], criteria["weight"])])
    ax.invert_yaxis()
    ax.set(xlim=(0.7, 5.3), xlabel="Score (1 = poor, 5 = excellent)",
           title="Buying criteria: how the customer rates each supplier")
    ax.grid(axis="x", color="#eee")
    ax.legend(loc="upper center", fontsize=8, frameon=False, bbox_to_anchor=(0.5, -0.18), ncol=min(len(players), 5))
    fig.tight_layout()
    return fig


@styled
def wallet_bar(shares: pd.DataFrame, currency: str) -> Figure:
    """The customer's category spend split between us, competitors and unallocated."""
    rivals = [p for p in shares["player"] if p not in ("us", "unallocated")]
    fig = _figure(figsize=(8, 1.8))
    ax = fig.subplots()
    left = 0.0
    for row in shares.itertuples():
        color = UNALLOCATED_COLOR if row.player == "unallocated" else player_color(row.player, rivals)
        ax.barh(0, row.share, left=left, color=color, edgecolor="white")
        if row.share >= 0.06:
            ax.text(left + row.share / 2, 0, f"{row.player}\n{row.share:.0%}", ha="center", va="center",
                    fontsize=8, color="white" if row.player != "unallocated" else "#333")
        left += row.share
    ax.set(xlim=(0, 1), yticks=[], title=f"Share of wallet (customer's category spend, {currency})")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    fig.tight_layout()
    return fig


@styled
def scorecard_trend(table: pd.DataFrame, settings: PortfolioSettings) -> Figure:
    """Customer-side and our-side weighted scores over the assessments, with the class thresholds
    in the classes' colours (`scorecard.class_colours`)."""
    classes, colours = settings.scorecard.classes, scorecard.class_colours(settings)
    fig = _figure(figsize=(8, 3.8))
    ax = fig.subplots()
    dates = pd.to_datetime(table["date"])
    ax.plot(dates, table["customer_score"], marker="o", color=CUSTOMER_COLOR, label="customer side (toward us)")
    ax.plot(dates, table["supplier_score"], marker="s", color=US_COLOR, label="our side (toward the customer)")
    for cls in classes[:-1]:
        ax.axhline(cls.customer_min, color=colours[cls.name], lw=0.8, ls="--")
        ax.text(dates.iloc[0], cls.customer_min + 0.03, f"{readable(cls.name)} (customer ≥ {cls.customer_min:g})",
                fontsize=7, color="#555")
    ax.set(ylim=(1, 5.2), ylabel="Weighted score (1 to 5)", title="Mutual scorecard over time")
    if len(dates) == 1:
        ax.set_xlim(dates.iloc[0] - pd.Timedelta(days=60), dates.iloc[0] + pd.Timedelta(days=60))
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


@styled
def financials_chart(table: pd.DataFrame, currency: str) -> Figure:
    """Revenue, cost to serve and profit after cost to serve by year; a forecast year is labelled so."""
    fig = _figure(figsize=(8, 3.6))
    ax = fig.subplots()
    x = range(len(table))
    ax.bar([i - 0.27 for i in x], table["revenue"], width=0.27, color=US_COLOR, label="revenue")
    ax.bar(list(x), table["cost_to_serve"], width=0.27, color="#d9822b", label="cost to serve")
    ax.bar([i + 0.27 for i in x], table["profit"], width=0.27,
           color=["#31a354" if p >= 0 else "#de2d26" for p in table["profit"]], label="profit after cost to serve")
    ax.axhline(0, color="#555", lw=0.8)
    forecast = table["forecast"] if "forecast" in table else [False] * len(table)
    ax.set_xticks(list(x), [f"{y}\n(forecast)" if f else str(y) for y, f in zip(table["year"], forecast)])
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set(ylabel=f"{currency}", title="Revenue, cost to serve and profit by year")
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


@styled
def gantt(projects: pd.DataFrame, as_of: date) -> Figure:
    """Projects as bars from start to due, coloured by status, with the planning date marked."""
    fig = _figure(figsize=(8, 0.45 * max(len(projects), 1) + 1.6))
    ax = fig.subplots()
    for i, row in enumerate(projects.itertuples()):
        start, due = pd.Timestamp(row.start), pd.Timestamp(row.due)
        ax.barh(i, (due - start).days + 1, left=start, color=STATUS_COLORS[row.status],
                edgecolor="#de2d26" if row.overdue else "white", linewidth=2 if row.overdue else 0.5)
        ax.text(start, i, f" {row.id}", va="center", fontsize=8)
    ax.axvline(pd.Timestamp(as_of), color="#333", ls="--", lw=1)
    ax.text(pd.Timestamp(as_of), len(projects) - 0.45, f" plan date {as_of}", fontsize=8, va="bottom")
    ax.set_yticks(range(len(projects)), [t[:40] for t in projects["title"]])
    ax.invert_yaxis()
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in STATUS_COLORS.values()]
    ax.legend(handles, [s.replace("_", " ") for s in STATUS_COLORS], fontsize=8, frameon=False,
              loc="upper left", bbox_to_anchor=(1.01, 1.0), title="status", title_fontsize=8)
    ax.set_title("Joint plan projects (red outline: overdue)")
    locator = AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    fig.tight_layout()
    return fig


@styled
def portfolio_matrix(table: pd.DataFrame, split: float, settings: PortfolioSettings) -> Figure:
    """Attractiveness × our relative strength, bubbles sized by wallet, coloured by class (the
    classes' colours of `settings`), with the four quadrants named (split: attractiveness where
    "high" starts)."""
    colours = scorecard.class_colours(settings)
    fig = _figure(figsize=(8.5, 6.5))
    ax = fig.subplots()
    # An account whose attractiveness or relative strength is unknown is left off and named below:
    # placing it at strength 1.0 would say we are level with a competitor nobody has scored.
    data = table.dropna(subset=["attractiveness", "relative_strength"]).copy()
    data["strength"] = data["relative_strength"].astype(float)
    off = portfolio.unplaced(table)
    size = 40 + 900 * (data["wallet"] / data["wallet"].max()) if len(data) else []
    ax.scatter(data["strength"], data["attractiveness"], s=size, alpha=0.7, edgecolor="white",
               color=[colours.get(c, NO_CLASS_COLOR) for c in data["class"]])
    for row in data.itertuples():
        ax.annotate(row.account, (row.strength, row.attractiveness), fontsize=7, ha="center", va="center")
    lo_x, hi_x = min(0.7, data["strength"].min() - 0.05), max(1.4, data["strength"].max() + 0.05)
    lo_y, hi_y = min(split - 0.15, data["attractiveness"].min() - 0.05), max(split + 0.15, data["attractiveness"].max() + 0.05)
    ax.set(xlim=(lo_x, hi_x), ylim=(max(0, lo_y), min(1, hi_y)))
    ax.axvline(1.0, color="#555", lw=0.8, ls="--")
    ax.axhline(split, color="#555", lw=0.8, ls="--")
    style: dict[str, Any] = dict(fontsize=9, color="#555", fontweight="bold", alpha=0.8)
    ax.text(hi_x - 0.01, ax.get_ylim()[1] - 0.01, "Invest to partner", ha="right", va="top", **style)
    ax.text(lo_x + 0.01, ax.get_ylim()[1] - 0.01, "Build strength", ha="left", va="top", **style)
    ax.text(hi_x - 0.01, ax.get_ylim()[0] + 0.01, "Maintain efficiently", ha="right", va="bottom", **style)
    ax.text(lo_x + 0.01, ax.get_ylim()[0] + 0.01, "Reconsider", ha="left", va="bottom", **style)
    ax.set(xlabel="Our relative strength (1 = level with the best competitor)",
           ylabel=f"Account attractiveness (0 to 1; split at the median {split:.2f})",
           title="Portfolio matrix (bubble size: customer's category spend)")
    handles = [Line2D([], [], marker="o", ls="", color=c, label=readable(n)) for n, c in colours.items()]
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=4)
    fig.tight_layout()
    if len(off):
        fig.subplots_adjust(bottom=fig.subplotpars.bottom + 0.06)
        note = "; ".join(f"{reason}: {', '.join(part['account'])}" for reason, part in off.groupby("reason", sort=False))
        fig.text(0.01, 0.01, f"Not placed, {note}",
                 fontsize=7, color="#555", ha="left", va="bottom", wrap=True)
    return fig


@styled
def revenue_vs_cost(table: pd.DataFrame, currency: str) -> Figure:
    """Revenue against cost to serve per account; above the line cost to serve exceeds gross profit."""
    fig = _figure(figsize=(8, 5))
    ax = fig.subplots()
    colors = ["#31a354" if p >= 0 else "#de2d26" for p in table["profit"]]
    ax.scatter(table["revenue"], table["cost_to_serve"], color=colors, s=50, alpha=0.8, edgecolor="white")
    for row in table.itertuples():
        ax.annotate(row.account, (row.revenue, row.cost_to_serve), fontsize=7, xytext=(4, 2), textcoords="offset points")
    ax.xaxis.set_major_formatter(money_formatter())
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set(xlabel=f"Revenue ({currency})", ylabel=f"Cost to serve ({currency})",
           title="Revenue against cost to serve (red: loses money after cost to serve)")
    fig.tight_layout()
    return fig


@styled
def health_bars(table: pd.DataFrame) -> Figure:
    """Plan health per account, lowest first, with overdue projects noted."""
    data = table.sort_values("plan_health", kind="stable")
    fig = _figure(figsize=(8, 0.28 * len(data) + 1.4))
    ax = fig.subplots()
    colors = ["#de2d26" if h < 50 else "#f1a340" if h < 75 else "#31a354" for h in data["plan_health"]]
    ax.barh(range(len(data)), data["plan_health"], color=colors)
    ax.set_yticks(range(len(data)), [f"{a} ({o} overdue)" if o else a for a, o in
                                     zip(data["account"], data["overdue_projects"])], fontsize=8)
    ax.set(xlim=(0, 100), xlabel="Plan health (0 to 100)", title="Plan health across the portfolio")
    fig.tight_layout()
    return fig


@styled
def whale_curve(curve: pd.DataFrame, currency: str) -> Figure:
    """Cumulative profit with accounts ranked by profit: the hump shows who destroys value."""
    fig = _figure(figsize=(8, 4))
    ax = fig.subplots()
    x = range(1, len(curve) + 1)
    ax.plot(list(x), curve["cumulative_profit"], marker="o", color=US_COLOR)
    ax.bar(list(x), curve["profit"], color=["#31a354" if p >= 0 else "#de2d26" for p in curve["profit"]], alpha=0.5)
    ax.axhline(0, color="#555", lw=0.8)
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set(xlabel="Accounts ranked by profit after cost to serve (1 = most profitable)",
           ylabel=f"Profit ({currency})", title="Whale curve: cumulative profit across accounts")
    fig.tight_layout()
    return fig


@styled
def forces_heatmap(grids: dict[str, pd.DataFrame]) -> Figure:
    """Impact × likelihood per horizon; a cell's shade is the summed priority of its forces."""
    fig = _figure(figsize=(9, 3.6))
    axes = fig.subplots(1, len(grids), sharey=True)
    top = max(1.0, max(float(g.to_numpy().max()) for g in grids.values()))
    for ax, (horizon, grid) in zip(axes, grids.items()):
        ax.imshow(grid.to_numpy(), cmap="OrRd", vmin=0, vmax=top, aspect="auto")
        for (i, j), value in pd.DataFrame(grid.to_numpy()).stack().items():
            if value:
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8,
                        color="white" if value > 0.6 * top else "#222")
        if not grid.to_numpy().any():
            ax.text(2, 2, "no forces", ha="center", va="center", fontsize=9, color="#888")
        ax.set_xticks(range(grid.shape[1]), list(grid.columns), rotation=45, fontsize=7)
        ax.set_yticks(range(grid.shape[0]), [f"{i:+d}" if i else "0" for i in grid.index])
        ax.set_title(f"{horizon} term", fontsize=10)
        ax.set_xlabel("Likelihood")
    axes[0].set_ylabel("Impact on the customer")
    fig.suptitle("Where the forces sit (cell value: summed priority = |impact| × likelihood)", fontsize=11,
                 fontweight="bold")
    fig.tight_layout()
    return fig


WHITESPACE_COLORS = {"won": "#1f5fa8", "open": "#f1a340", "competitor": "#7a7a7a", "none": "#eeeeee"}


@styled
def whitespace_map(matrix: pd.DataFrame) -> Figure:
    """The customer's units × our offerings, coloured by won / open / competitor / none."""
    fig = _figure(figsize=(8, 0.5 * len(matrix) + 2))
    ax = fig.subplots()
    for i, unit in enumerate(matrix.index):
        for j, offering in enumerate(matrix.columns):
            state = matrix.loc[unit, offering]
            ax.add_patch(Rectangle((j, i), 0.95, 0.9, color=WHITESPACE_COLORS[state]))
            ax.text(j + 0.475, i + 0.45, state, ha="center", va="center", fontsize=8,
                    color="white" if state in ("won", "competitor") else "#333")
    ax.set(xlim=(0, len(matrix.columns)), ylim=(len(matrix), 0), title="Whitespace: where we could sell more")
    ax.set_xticks([j + 0.475 for j in range(len(matrix.columns))], list(matrix.columns), fontsize=8)
    ax.set_yticks([i + 0.45 for i in range(len(matrix))], list(matrix.index), fontsize=8)
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


@styled
def ladder_chart(ladder: pd.DataFrame) -> Figure:
    """Each player on the relationship ladder: vendor → preferred supplier → strategic partner."""
    rivals = [p for p in ladder["player"] if p != "us"]
    fig = _figure(figsize=(8, 2.6))
    ax = fig.subplots()
    for rung in (1, 2, 3):
        players = ladder[ladder["rung"] == rung]["player"].tolist()
        for k, player in enumerate(players):
            x = k - (len(players) - 1) / 2
            ax.scatter(x, rung, s=300 if player == "us" else 180, color=player_color(player, rivals), zorder=3)
            ax.annotate(player, (x, rung), xytext=(0, 11), textcoords="offset points", ha="center", fontsize=8)
    ax.set_yticks([1, 2, 3], ["vendor", "preferred supplier", "strategic partner"])
    ax.set(xlim=(-2.5, 2.5), ylim=(0.5, 3.7), xticks=[], title="The relationship ladder")
    ax.grid(axis="y", color="#eee")
    fig.tight_layout()
    return fig


ATTITUDE_COLORS = {-2: "#b2182b", -1: "#ef8a62", 0: "#bdbdbd", 1: "#67a9cf", 2: "#2166ac"}
LEVELS = ("operational", "management", "executive")


@styled
def relationship_map(contacts: pd.DataFrame) -> Figure:
    """Contacts by function (x) and level (y), sized by influence, coloured by attitude."""
    functions = sorted(contacts["function"].unique())
    fig = _figure(figsize=(8.5, 4))
    ax = fig.subplots()
    placed: dict[tuple[int, int], int] = {}
    for row in contacts.itertuples():
        x, y = functions.index(row.function), LEVELS.index(row.level)
        k = placed.get((x, y), 0)
        placed[(x, y)] = k + 1
        ax.scatter(x + 0.18 * k, y, s=60 * row.influence, color=ATTITUDE_COLORS[row.attitude], edgecolor="#333",
                   linewidth=0.5, zorder=3)
        ax.annotate(row.name, (x + 0.18 * k, y), xytext=(0, -14 - 2 * row.influence), textcoords="offset points",
                    ha="center", fontsize=7)
    ax.set_xticks(range(len(functions)), [f.replace("_", " ") for f in functions], fontsize=8)
    ax.set_yticks(range(3), list(LEVELS))
    ax.set(xlim=(-0.6, len(functions) - 0.2), ylim=(-0.7, 2.5), title="Who we know at the customer")
    handles = [Line2D([], [], marker="o", ls="", color=c, label=f"attitude {a:+d}" if a else "attitude 0")
               for a, c in ATTITUDE_COLORS.items()]
    ax.legend(handles=handles, fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=5)
    ax.grid(color="#f0f0f0")
    fig.tight_layout()
    return fig


PIPELINE_COLOR = "#6baed6"
STAGE_COLORS = {"identified": "#c6dbef", "qualified": "#9ecae1", "proposal": "#6baed6", "negotiation": "#3182bd",
                "won": "#31a354", "lost": "#bdbdbd"}


@styled
def pipeline_by_stage(stages: pd.DataFrame, currency: str) -> Figure:
    """Opportunities per stage (`pipeline.by_stage`): the value in a light bar, the expected value
    (value × probability; won 1, lost 0) in a dark one over it, and how many opportunities."""
    fig = _figure(figsize=(8, 0.42 * max(len(stages), 1) + 1.6))
    ax = fig.subplots()
    y = list(range(len(stages)))
    colours = [STAGE_COLORS.get(s, "#9ecae1") for s in stages["stage"]]
    ax.barh(y, stages["value"], color=colours, alpha=0.45)
    ax.barh(y, stages["expected"], height=0.4, color=colours, edgecolor="#333", linewidth=0.4)
    top = float(stages["value"].max()) if len(stages) else 0.0
    for i, row in enumerate(stages.itertuples()):
        count = f"{row.opportunities} opportunit{'y' if row.opportunities == 1 else 'ies'}"
        ax.text(row.value + 0.01 * max(top, 1.0), i, count, va="center", fontsize=8, color="#333")
    ax.set_yticks(y, [readable(s) for s in stages["stage"]])
    ax.invert_yaxis()
    ax.set_xlim(0, max(top, 1.0) * 1.22)
    ax.xaxis.set_major_formatter(money_formatter())
    ax.set(xlabel=f"Value ({currency})", title="Pipeline by stage")
    handles = [Rectangle((0, 0), 1, 1, facecolor="#9e9e9e", alpha=0.45),
               Rectangle((0, 0), 1, 1, facecolor="#9e9e9e", edgecolor="#333", linewidth=0.4)]
    ax.legend(handles, ["value", "expected value (value × probability; won 1, lost 0)"], fontsize=8, frameon=False,
              loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    fig.tight_layout()
    return fig


@styled
def revenue_against_targets(financials: pd.DataFrame, targets: pd.DataFrame, currency: str,
                            weighted_pipeline: float | None = None, target_year: int | None = None) -> Figure:
    """Revenue by year (a forecast year hatched and labelled so) and the revenue targets of the
    coming years as outlined bars, each with its gap to the latest year (`targets.targets_table`).
    With `weighted_pipeline` and `target_year` (`pipeline.summary`), the target year's bar is filled
    from the latest revenue up by the weighted pipeline: how much of the gap it covers."""
    goals = targets[targets["measure"] == "revenue"]
    years = [int(y) for y in financials["year"]] + [int(y) for y in goals["year"] if int(y) not in set(financials["year"])]
    fig = _figure(figsize=(8, 4.4))
    ax = fig.subplots()
    forecast = financials["forecast"] if "forecast" in financials else pd.Series([False] * len(financials))
    for year, revenue, is_forecast in zip(financials["year"], financials["revenue"], forecast):
        ax.bar(years.index(int(year)), revenue, width=0.6, color="white" if is_forecast else US_COLOR,
               edgecolor=US_COLOR, hatch="///" if is_forecast else None, linewidth=1)
    latest = float(financials["revenue"].iloc[-1]) if len(financials) else 0.0
    for row in goals.itertuples():
        x = years.index(int(row.year))
        if weighted_pipeline and int(row.year) == target_year:
            ax.bar(x, weighted_pipeline, bottom=latest, width=0.6, color=PIPELINE_COLOR, alpha=0.6)
        ax.bar(x, row.target, width=0.6, fill=False, edgecolor="#d9822b", linestyle="--", linewidth=1.5)
        ax.annotate("", xy=(x + 0.36, row.target), xytext=(x + 0.36, latest),
                    arrowprops=dict(arrowstyle="<->", color="#555", lw=0.8))
        gap = "unknown" if pd.isna(row.gap) else money_formatter()(abs(row.gap), 0)
        ahead = pd.notna(row.gap) and row.gap < 0
        ax.text(x + 0.42, (row.target + latest) / 2, f"{'ahead by' if ahead else 'gap'}\n{gap}", fontsize=8,
                va="center", color="#555")
    ax.axhline(latest, color="#555", lw=0.6, ls=":")
    labels = [f"{y}\n(forecast)" if y in set(financials.loc[forecast.values, "year"]) else
              (f"{y}\n(target)" if y not in set(financials["year"]) else str(y)) for y in years]
    ax.set_xticks(range(len(years)), labels)
    ax.set_xlim(-0.6, len(years) - 0.1)
    ax.yaxis.set_major_formatter(money_formatter())
    handles = [Rectangle((0, 0), 1, 1, facecolor=US_COLOR, edgecolor=US_COLOR),
               Rectangle((0, 0), 1, 1, facecolor="white", edgecolor=US_COLOR, hatch="///"),
               Rectangle((0, 0), 1, 1, fill=False, edgecolor="#d9822b", linestyle="--"),
               Line2D([], [], color="#555", lw=0.6, ls=":")]
    names = ["revenue, closed year", "revenue, forecast year", "revenue target", "latest year's revenue"]
    if weighted_pipeline and target_year in set(goals["year"]):
        handles.append(Rectangle((0, 0), 1, 1, color=PIPELINE_COLOR, alpha=0.6))
        names.append(f"weighted pipeline closing by the end of {target_year}")
    ax.legend(handles, names, fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
    ax.set(ylabel=f"Revenue ({currency})", title="Revenue against the targets (gap to the latest year)")
    fig.tight_layout()
    return fig


# The organisation chart: a card per contact, laid out in inches (1 data unit = 1 inch of figure).
ORG_ATTITUDE_EDGES = {-2: "#c0392b", -1: "#e67e22", 0: "#8c8c8c", 1: "#7cb342", 2: "#1e8449"}
ORG_ATTITUDE_FILLS = {-2: "#f6d5d1", -1: "#fbe5d0", 0: "#f0f0f0", 1: "#e5f1d6", 2: "#d2ebd9"}
ORG_ATTITUDE_LABELS = {-2: "−2 detractor", -1: "−1", 0: "0 neutral", 1: "+1", 2: "+2 champion"}
_CARD_W, _CARD_H = 1.55, 1.0   # a contact's card
_GAP_X, _GAP_Y = 0.18, 0.42     # between cards side by side; between a card and the row below
_INDENT = 0.3                   # a wrapped or stacked team sits right of its manager's trunk line
_STACK_GAP = 0.14               # between cards stacked in a column
_CHART_WIDTH = 5 * _CARD_W + 4 * _GAP_X + _INDENT   # five cards a row: wider teams wrap into rows


@dataclass
class _Block:
    """A contact and everyone below them, laid out: card positions (row of the table, left, top)
    and connector lines, relative to the block's top left corner."""

    width: float
    height: float
    cards: list[tuple[int, float, float]]
    lines: list[list[tuple[float, float]]]
    root_x: float   # the centre of the top card


def _shifted(block: _Block, dx: float, dy: float) -> tuple[list[tuple[int, float, float]], list[list[tuple[float, float]]]]:
    return ([(i, x + dx, y + dy) for i, x, y in block.cards],
            [[(x + dx, y + dy) for x, y in line] for line in block.lines])


def _rows_of(blocks: list[_Block], width: float) -> list[list[_Block]]:
    """Blocks in order, filled into rows no wider than `width` (a block wider than that has a row to itself)."""
    rows: list[list[_Block]] = [[]]
    used = 0.0
    for block in blocks:
        need = block.width if not rows[-1] else used + _GAP_X + block.width
        if rows[-1] and need > width:
            rows.append([block])
            used = block.width
        else:
            rows[-1].append(block)
            used = need
    return [row for row in rows if row]


def _team_block(i: int, reports: dict[int, list[int]], width: float, stack: bool = False) -> _Block:
    """Contact `i` above their direct reports' blocks: side by side when they fit in `width`; if not,
    teams of people with no reports of their own are stacked (`stack`), and what still does not fit
    wraps into rows hanging from a trunk line on the left."""
    team = reports[i]
    if stack and len(team) >= 2 and not any(reports[r] for r in team):
        return _stacked_team(i, team)
    below = [_team_block(r, reports, width - _INDENT, stack) for r in team]
    if not below:
        return _Block(_CARD_W, _CARD_H, [(i, 0.0, 0.0)], [], _CARD_W / 2)
    side_by_side = sum(b.width for b in below) + _GAP_X * (len(below) - 1)
    if side_by_side > width and not stack:
        return _team_block(i, reports, width, stack=True)
    cards: list[tuple[int, float, float]] = []
    lines: list[list[tuple[float, float]]] = []
    top = _CARD_H + _GAP_Y
    if side_by_side <= width:
        total = max(_CARD_W, side_by_side)
        x, roots = (total - side_by_side) / 2, []
        for b in below:
            moved_cards, moved_lines = _shifted(b, x, top)
            cards += moved_cards
            lines += moved_lines
            roots.append(x + b.root_x)
            x += b.width + _GAP_X
        centre = min(max((roots[0] + roots[-1]) / 2, _CARD_W / 2), total - _CARD_W / 2)
        channel = _CARD_H + _GAP_Y / 2
        lines.append([(centre, _CARD_H), (centre, channel)])
        lines.append([(min(roots[0], centre), channel), (max(roots[-1], centre), channel)])
        lines += [[(r, channel), (r, top)] for r in roots]
        height = top + max(b.height for b in below)
        return _Block(total, height, [(i, centre - _CARD_W / 2, 0.0), *cards], lines, centre)
    trunk, y, total, channel = _INDENT / 2, top, _CARD_W, top
    for row in _rows_of(below, width - _INDENT):
        x, roots = _INDENT, []
        for b in row:
            moved_cards, moved_lines = _shifted(b, x, y)
            cards += moved_cards
            lines += moved_lines
            roots.append(x + b.root_x)
            x += b.width + _GAP_X
        channel = y - _GAP_Y / 2
        lines.append([(trunk, channel), (roots[-1], channel)])
        lines += [[(r, channel), (r, y)] for r in roots]
        total = max(total, x - _GAP_X)
        y += max(b.height for b in row) + _GAP_Y
    lines.append([(trunk, _CARD_H), (trunk, channel)])
    return _Block(total, y - _GAP_Y, [(i, 0.0, 0.0), *cards], lines, _CARD_W / 2)


def _stacked_team(i: int, team: list[int]) -> _Block:
    """Contact `i` with their direct reports (none of whom has reports) in a column below, each
    joined from the left to a trunk line under `i`."""
    cards, lines = [(i, 0.0, 0.0)], []
    trunk, y, middle = _INDENT / 2, _CARD_H + _STACK_GAP, 0.0
    for r in team:
        middle = y + _CARD_H / 2
        cards.append((r, _INDENT, y))
        lines.append([(trunk, middle), (_INDENT, middle)])
        y += _CARD_H + _STACK_GAP
    lines.append([(trunk, _CARD_H), (trunk, middle)])
    return _Block(_INDENT + _CARD_W, y - _STACK_GAP, cards, lines, _CARD_W / 2)


def _managers(levels: list[int]) -> list[int | None]:
    """Each row's manager as a row number: the chart is depth first, so a person's manager is the
    nearest row above them one level up (names may repeat; positions do not)."""
    last: dict[int, int] = {}
    out: list[int | None] = []
    for i, level in enumerate(levels):
        out.append(last.get(level - 1) if level > 0 else None)
        last[level] = i
    return out


def _card_text(text: str, width: int, lines: int) -> str:
    """Text wrapped to `width` characters, at most `lines` lines (the last one cut with …)."""
    wrapped = textwrap.wrap(str(text), width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped)


def _draw_card(ax: Any, person: Any, x: float, y: float) -> None:
    attitude = int(person.attitude)
    ax.add_patch(FancyBboxPatch((x, y), _CARD_W, _CARD_H, boxstyle="round,pad=0,rounding_size=0.05",
                                facecolor=ORG_ATTITUDE_FILLS[attitude], edgecolor=ORG_ATTITUDE_EDGES[attitude],
                                linewidth=1.6, zorder=2))
    footer = 0.2
    ax.add_patch(Rectangle((x + 0.03, y + _CARD_H - footer), _CARD_W - 0.06, footer - 0.03, facecolor="white",
                           edgecolor="none", zorder=3))
    left, right = x + 0.07, x + _CARD_W - 0.07
    ax.text(left, y + 0.06, _card_text(person.name, 21, 1), fontsize=8, fontweight="bold", va="top", zorder=4)
    ax.text(left, y + 0.2, _card_text(person.title, 27, 2), fontsize=6.5, va="top", color="#333", zorder=4,
            linespacing=1.1)
    if isinstance(person.buying_role, str) and person.buying_role:
        ax.text(left, y + 0.49, readable(person.buying_role), fontsize=6.5, va="top", color="#333",
                style="italic", zorder=4)
    ax.text(left, y + 0.635, f"influence {person.influence} of 5", fontsize=6.5, va="top", color="#333", zorder=4)
    sign = f"{attitude:+d}".replace("-", "−") if attitude else "0"
    ax.text(right, y + 0.635, f"attitude {sign}", fontsize=6.5, va="top", ha="right",
            color=ORG_ATTITUDE_EDGES[attitude], fontweight="bold", zorder=4)
    ax.text(left, y + _CARD_H - footer / 2 - 0.015, _card_text(f"ours: {person.owner}", 29, 1), fontsize=6.5,
            va="center", color="#555", style="italic", zorder=4)


@styled
def org_chart(chart: pd.DataFrame) -> Figure:
    """The customer's organisation chart (`organisation.org_chart_table`): a card per contact with
    name, title, influence, buying role and attitude (the card's colour: detractor red to champion
    green), our owner at the foot; lines run to each person's manager. People who report to nobody
    we know are at the top. A team wider than five cards wraps into rows hanging from its manager's
    line, so the figure grows with the number of contacts instead of shrinking the cards."""
    people = list(chart.itertuples(index=False))
    levels = [int(level) for level in chart["chart_level"]]
    managers = _managers(levels)
    reports: dict[int, list[int]] = {i: [] for i in range(len(people))}
    for i, boss in enumerate(managers):
        if boss is not None:
            reports[boss].append(i)
    roots = [i for i, boss in enumerate(managers) if boss is None]
    tops = [_team_block(i, reports, _CHART_WIDTH) for i in roots]
    if sum(b.width for b in tops) + _GAP_X * (len(tops) - 1) > _CHART_WIDTH:
        tops = [_team_block(i, reports, _CHART_WIDTH, stack=True) for i in roots]
    cards: list[tuple[int, float, float]] = []
    lines: list[list[tuple[float, float]]] = []
    rows = _rows_of(tops, _CHART_WIDTH)
    width = max([_CARD_W] + [sum(b.width for b in row) + _GAP_X * (len(row) - 1) for row in rows])
    y = 0.0
    for row in rows:
        used = sum(b.width for b in row) + _GAP_X * (len(row) - 1)
        x = (width - used) / 2
        for b in row:
            moved_cards, moved_lines = _shifted(b, x, y)
            cards += moved_cards
            lines += moved_lines
            x += b.width + _GAP_X
        y += max(b.height for b in row) + _GAP_Y * 1.5
    height = max(y - _GAP_Y * 1.5, _CARD_H)
    head, foot, side = 0.75, 0.55, 0.25
    fig_width = max(width, 6.0) + 2 * side
    fig = _figure(figsize=(fig_width, height + head + foot))
    ax = fig.add_axes((0, 0, 1, 1))
    left = -(fig_width - width) / 2
    ax.set_xlim(left, left + fig_width)
    ax.set_ylim(height + foot, -head)
    ax.axis("off")
    for line in lines:
        xs, ys = zip(*line)
        ax.plot(xs, ys, color="#777", lw=0.9, zorder=1, solid_capstyle="butt")
    for i, x, top in cards:
        _draw_card(ax, people[i], x, top)
    ax.text(left + side, -head + 0.12, "Organisation chart: who reports to whom at the customer", fontsize=12,
            fontweight="bold", va="top")
    note = ("card colour: attitude toward us; ours: who on our team owns the relationship"
            if any(b is not None for b in managers) else
            "no reporting lines recorded yet (reports_to): contacts side by side, most influential first")
    if not people:
        note = "no contacts recorded yet"
    ax.text(left + side, -head + 0.42, note, fontsize=8, color="#555", va="top")
    handles = [Rectangle((0, 0), 1, 1, facecolor=ORG_ATTITUDE_FILLS[a], edgecolor=ORG_ATTITUDE_EDGES[a], linewidth=1.5)
               for a in ORG_ATTITUDE_LABELS]
    ax.legend(handles, [f"attitude {t}" for t in ORG_ATTITUDE_LABELS.values()], loc="lower center", ncol=5,
              fontsize=7, frameon=False, bbox_to_anchor=(0.5, 0.0), bbox_transform=fig.transFigure)
    return fig
