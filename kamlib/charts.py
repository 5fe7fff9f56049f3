"""The workbook's figures: one function per chart, same colours for the same things everywhere.

Each function takes analysis results (DataFrames from the step modules) and returns a
matplotlib Figure; notebooks display it. Nothing here computes a figure of the method.
"""

from __future__ import annotations

from datetime import date

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, PercentFormatter

US_COLOR = "#1f5fa8"
RIVAL_COLORS = ["#d9822b", "#7a7a7a", "#8e5ea2", "#3a9a6c", "#c44e52"]
UNALLOCATED_COLOR = "#d9d9d9"
CLASS_COLORS = {"strategic_partner": "#1b7837", "key_account": "#5aae61", "develop": "#f1a340", "maintain": "#b2abd2"}
STATUS_COLORS = {"planned": "#9ecae1", "in_progress": "#3182bd", "done": "#31a354",
                 "blocked": "#de2d26", "cancelled": "#bdbdbd"}
HORIZON_MARKERS = {"short": "o", "medium": "s", "long": "^"}

matplotlib.rcParams.update({
    "figure.dpi": 100, "savefig.dpi": 100, "font.size": 10, "axes.titlesize": 12,
    "axes.titleweight": "bold", "axes.spines.top": False, "axes.spines.right": False,
    "svg.hashsalt": "kam", "figure.max_open_warning": 0,
})


def _show_figures_in_notebooks() -> None:
    """Figures are built without pyplot (no global state, no double display); tell IPython
    to render a returned Figure as PNG whatever backend the environment set (MPLBACKEND=Agg
    would otherwise leave executed notebooks without images)."""
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        select_figure_formats(shell, {"png"}, bbox_inches="tight")


_show_figures_in_notebooks()


def player_color(name: str, rivals: list[str]) -> str:
    """Us in blue; each competitor keeps its colour within an account."""
    return US_COLOR if name == "us" else RIVAL_COLORS[rivals.index(name) % len(RIVAL_COLORS)]


def money_formatter(currency: str) -> FuncFormatter:
    def fmt(x: float, _pos: int) -> str:
        if abs(x) >= 1e6:
            return f"{x / 1e6:.1f}m"
        if abs(x) >= 1e3:
            return f"{x / 1e3:.0f}k"
        return f"{x:.0f}"
    return FuncFormatter(fmt)


def forces_map(forces: pd.DataFrame) -> Figure:
    """Impact on the customer × likelihood; marker by horizon, size by priority."""
    fig = Figure(figsize=(8, 4.5))
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


def criteria_dots(criteria: pd.DataFrame, players: list[str]) -> Figure:
    """Each player's score (1..5) per buying criterion, the criterion's weight in its label."""
    rivals = [p for p in players if p != "us"]
    fig = Figure(figsize=(8, 0.6 * len(criteria) + 1.5))
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


def wallet_bar(shares: pd.DataFrame, currency: str) -> Figure:
    """The customer's category spend split between us, competitors and unallocated."""
    rivals = [p for p in shares["player"] if p not in ("us", "unallocated")]
    fig = Figure(figsize=(8, 1.8))
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


def scorecard_trend(table: pd.DataFrame, classes: list) -> Figure:
    """Customer-side and our-side weighted scores over the assessments, with class thresholds."""
    fig = Figure(figsize=(8, 3.8))
    ax = fig.subplots()
    dates = pd.to_datetime(table["date"])
    ax.plot(dates, table["customer_score"], marker="o", color="#d9822b", label="customer side (toward us)")
    ax.plot(dates, table["supplier_score"], marker="s", color=US_COLOR, label="our side (toward the customer)")
    for cls in classes[:-1]:
        ax.axhline(cls.customer_min, color=CLASS_COLORS.get(cls.name, "#999"), lw=0.8, ls="--")
        ax.text(dates.iloc[0], cls.customer_min + 0.03, f"{cls.name} (customer ≥ {cls.customer_min:g})",
                fontsize=7, color="#555")
    ax.set(ylim=(1, 5.2), ylabel="Weighted score (1 to 5)", title="Mutual scorecard over time")
    if len(dates) == 1:
        ax.set_xlim(dates.iloc[0] - pd.Timedelta(days=60), dates.iloc[0] + pd.Timedelta(days=60))
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def financials_chart(table: pd.DataFrame, currency: str) -> Figure:
    """Revenue, cost to serve and profit after cost to serve by year."""
    fig = Figure(figsize=(8, 3.6))
    ax = fig.subplots()
    x = range(len(table))
    ax.bar([i - 0.27 for i in x], table["revenue"], width=0.27, color=US_COLOR, label="revenue")
    ax.bar(list(x), table["cost_to_serve"], width=0.27, color="#d9822b", label="cost to serve")
    ax.bar([i + 0.27 for i in x], table["profit"], width=0.27,
           color=["#31a354" if p >= 0 else "#de2d26" for p in table["profit"]], label="profit after cost to serve")
    ax.axhline(0, color="#555", lw=0.8)
    ax.set_xticks(list(x), [str(y) for y in table["year"]])
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.set(ylabel=f"{currency}", title="Revenue, cost to serve and profit by year")
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def gantt(projects: pd.DataFrame, as_of: date) -> Figure:
    """Projects as bars from start to due, coloured by status, with the planning date marked."""
    fig = Figure(figsize=(8, 0.45 * max(len(projects), 1) + 1.6))
    ax = fig.subplots()
    for i, row in enumerate(projects.itertuples()):
        start, due = pd.Timestamp(row.start), pd.Timestamp(row.due)
        ax.barh(i, (due - start).days + 1, left=start, color=STATUS_COLORS[row.status],
                edgecolor="#de2d26" if row.overdue else "white", linewidth=2 if row.overdue else 0.5)
        ax.text(start, i, f" {row.id}", va="center", fontsize=8)
    ax.axvline(pd.Timestamp(as_of), color="#333", ls="--", lw=1)
    ax.text(pd.Timestamp(as_of), -0.7, f" plan date {as_of}", fontsize=8)
    ax.set_yticks(range(len(projects)), [t[:40] for t in projects["title"]])
    ax.invert_yaxis()
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in STATUS_COLORS.values()]
    ax.legend(handles, list(STATUS_COLORS), fontsize=8, frameon=False, ncol=5, loc="upper center",
              bbox_to_anchor=(0.5, -0.12))
    ax.set_title("Joint plan projects (red outline: overdue)")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def portfolio_matrix(table: pd.DataFrame) -> Figure:
    """Attractiveness × our relative strength, bubbles sized by wallet, coloured by class."""
    fig = Figure(figsize=(8, 6))
    ax = fig.subplots()
    data = table.dropna(subset=["attractiveness"]).copy()
    data["strength"] = data["relative_strength"].fillna(1.0)
    size = 40 + 900 * (data["wallet"] / data["wallet"].max()) if len(data) else []
    ax.scatter(data["strength"], data["attractiveness"], s=size, alpha=0.7, edgecolor="white",
               color=[CLASS_COLORS.get(c, "#999") for c in data["class"]])
    for row in data.itertuples():
        ax.annotate(row.account, (row.strength, row.attractiveness), fontsize=7, ha="center", va="center")
    ax.axvline(1.0, color="#555", lw=0.8, ls="--")
    ax.axhline(0.5, color="#555", lw=0.8, ls="--")
    ax.set(xlabel="Our relative strength (1 = level with the best competitor)",
           ylabel="Account attractiveness (0 to 1)", title="Portfolio matrix (bubble size: wallet)")
    handles = [Line2D([], [], marker="o", ls="", color=c, label=n) for n, c in CLASS_COLORS.items()]
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="lower right")
    fig.tight_layout()
    return fig


def whale_curve(curve: pd.DataFrame, currency: str) -> Figure:
    """Cumulative profit with accounts ranked by profit: the hump shows who destroys value."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    x = range(1, len(curve) + 1)
    ax.plot(list(x), curve["cumulative_profit"], marker="o", color=US_COLOR)
    ax.bar(list(x), curve["profit"], color=["#31a354" if p >= 0 else "#de2d26" for p in curve["profit"]], alpha=0.5)
    ax.axhline(0, color="#555", lw=0.8)
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.set(xlabel="Accounts ranked by profit after cost to serve (1 = most profitable)",
           ylabel=f"Profit ({currency})", title="Whale curve: cumulative profit across accounts")
    fig.tight_layout()
    return fig
