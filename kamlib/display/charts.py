"""The workbook's figures: one function per chart, same colours for the same things everywhere.

Each function takes analysis results (DataFrames from the step modules) and returns a
matplotlib Figure; notebooks display it. Nothing here computes a figure of the method.
The workbook's look (`STYLE`) is applied to each figure as it is drawn, never to the caller's
`matplotlib.rcParams`: importing kamlib leaves a user's own figures as they were.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import matplotlib
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
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
