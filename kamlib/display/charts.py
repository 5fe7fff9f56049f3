"""The workbook's figures: one function per chart, same colours for the same things everywhere.

Each function takes analysis results (DataFrames from the step modules) and returns a
matplotlib Figure; notebooks display it. Nothing here computes a figure of the method.
The workbook's look (`STYLE`) is applied to each figure as it is drawn, never to the caller's
`matplotlib.rcParams`: importing kamlib leaves a user's own figures as they were.
"""

from __future__ import annotations

import functools
import math
import textwrap
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.ticker import FuncFormatter, PercentFormatter
from matplotlib.transforms import Bbox

from kamlib.method import portfolio, scorecard, wording
from kamlib.parameters.model import LADDER_ORDER, PortfolioSettings, readable

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
        shell.display_formatter.formatters["image/png"].for_type(Figure, _png_with_alt_text)
        _SHELLS_SET_UP.add(id(shell))


_ALT_TEXT: weakref.WeakKeyDictionary[Figure, str] = weakref.WeakKeyDictionary()


def alt_text(fig: Figure) -> str:
    """What a chart shows, in a sentence or two, for a reader who cannot see it: the image's
    alternative text in the notebook and the documents ("" for a figure not made here)."""
    return _ALT_TEXT.get(fig, "")


def _described(fig: Figure, text: str) -> Figure:
    _ALT_TEXT[fig] = " ".join(text.split()).rstrip(".") + "."   # one full stop, also after "S.A."
    return fig


def _png_with_alt_text(fig: Figure) -> Any:
    """The PNG IPython shows for a figure, with its alt text in the output's metadata (nbconvert
    writes it as the image's `alt`)."""
    from IPython.core.pylabtools import print_figure

    data = print_figure(fig, fmt="png", base64=True, bbox_inches="tight")
    return (data, {"alt": alt_text(fig)}) if alt_text(fig) else data


def _renderer(fig: Any) -> Any:
    """The renderer of a figure made by `_figure` (an Agg canvas), to measure text with."""
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg), "a figure made by _figure()"
    return canvas.get_renderer()


def _figure(**kwargs: Any) -> Figure:
    _show_figures_in_notebooks()
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)  # a renderer to measure text with (label placement), whatever the backend
    return fig


# Labels that never overlap: adjustText spreads them, a last pass settles any it left touching.
LABEL_ITERATIONS = 300   # adjustText's iterations: a fixed number, never a time limit (same inputs, same figure)
LABEL_PAD = 3.0          # pixels kept free around each label
LEADER_MIN = 6.0         # a label further than this (pixels) from its point is joined to it by a thin line


def _spread_labels(ax: Any, texts: list[Any], xs: Sequence[float], ys: Sequence[float], obstacles: list[Any] | None = None,
                   only_move: str = "xy", leaders: bool = True) -> None:
    """Move `texts` (the labels of the points `xs`, `ys`, in data units) until no two overlap, none covers
    an `obstacle` (other text on the axes) and all stay inside the axes; a label moved away from its
    point is joined to it by a thin line.

    adjustText spreads the labels (a fixed number of iterations, so the same inputs give the same
    figure); any label it leaves touching another, an obstacle or the axes' edge is then moved to
    the nearest free place (a spiral search around it, in display pixels). Call it last: after the
    axes' limits and the figure's layout are final."""
    if not texts:
        return
    from adjustText import adjust_text  # type: ignore[import-untyped]
    obstacles = obstacles or []
    if not _crowded(ax, texts, obstacles):
        return
    adjust_text(texts, x=list(xs), y=list(ys), ax=ax, objects=obstacles or None, time_lim=None,
                iter_lim=LABEL_ITERATIONS, force_text=(1.0, 1.0), force_explode=(0.5, 1.0), expand=(1.3, 1.6),
                only_move={"text": only_move, "static": only_move, "explode": only_move, "pull": only_move})
    renderer = _renderer(ax.figure)
    area = ax.get_window_extent(renderer)
    taken = [o.get_window_extent(renderer).padded(LABEL_PAD) for o in obstacles]
    points = ax.transData.transform(list(zip(xs, ys)))
    dots = [Bbox.from_extents(x - 4, y - 4, x + 4, y + 4) for x, y in points]
    for text in texts:
        box = text.get_window_extent(renderer).padded(LABEL_PAD)
        if _inside(box, area) and not any(box.overlaps(t) for t in taken):
            taken.append(box)
            continue
        dx, dy = _free_spot(box, taken, dots, area, only_move)
        x, y = ax.transData.transform(text.get_position())
        text.set_position(ax.transData.inverted().transform((x + dx, y + dy)))
        taken.append(box.translated(dx, dy))
    if leaders:
        for text, (px, py) in zip(texts, points):
            box = text.get_window_extent(renderer)
            nx, ny = min(max(px, box.x0), box.x1), min(max(py, box.y0), box.y1)
            if math.hypot(nx - px, ny - py) > LEADER_MIN:
                line = ax.transData.inverted().transform([(px, py), (nx, ny)])
                ax.plot(line[:, 0], line[:, 1], color="#888", lw=0.6, zorder=1.5)


def _crowded(ax: Any, texts: list[Any], obstacles: list[Any]) -> bool:
    """Whether any of `texts` overlaps another, an obstacle, or the axes' edge (then they need spreading)."""
    renderer = _renderer(ax.figure)
    area = ax.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer).padded(LABEL_PAD) for t in texts]
    fixed = [o.get_window_extent(renderer) for o in obstacles]
    return any(not _inside(b, area) or any(b.overlaps(f) for f in fixed) or any(b.overlaps(c) for c in boxes[k + 1:])
               for k, b in enumerate(boxes))


def _nudged(ax: Any, x: float, y: float, dx: float, dy: float) -> tuple[float, float]:
    """The data point (x, y) moved by (dx, dy) pixels: where a label starts, beside its point."""
    moved = ax.transData.inverted().transform(ax.transData.transform((x, y)) + (dx, dy))
    return float(moved[0]), float(moved[1])


def _inside(box: Bbox, area: Bbox) -> bool:
    return area.x0 <= box.x0 and box.x1 <= area.x1 and area.y0 <= box.y0 and box.y1 <= area.y1


def _free_spot(box: Bbox, taken: list[Bbox], dots: list[Bbox], area: Bbox, only_move: str) -> tuple[float, float]:
    """The smallest shift (a spiral of growing rings, 16 directions each) that puts `box` inside `area`
    clear of every box in `taken` and every point in `dots`; no shift when there is none."""
    free_of_dots: tuple[float, float] | None = None
    for ring in range(1, 120):
        radius = 4.0 * ring
        for k in range(16):
            angle = 2 * math.pi * k / 16
            dx = radius * math.cos(angle) if "x" in only_move else 0.0
            dy = radius * math.sin(angle) if "y" in only_move else 0.0
            moved = box.translated(dx, dy)
            if not _inside(moved, area) or any(moved.overlaps(t) for t in taken):
                continue
            if not any(moved.overlaps(d) for d in dots):
                return dx, dy
            free_of_dots = free_of_dots or (dx, dy)
    return free_of_dots or (0.0, 0.0)


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


FORCES_NAMED = 12   # up to this many forces, a force's label carries its name; more, only its id (or rank)


@styled
def forces_map(forces: pd.DataFrame) -> Figure:
    """Impact on the customer × likelihood; marker by horizon, size by priority. Each force is labelled
    with its id (its rank by priority when it has none) and, up to `FORCES_NAMED` forces, its name;
    the labels are spread so that none overlaps another, and the figure grows with the forces."""
    named = len(forces) <= FORCES_NAMED
    fig = _figure(figsize=(8, 4.5 if named else min(4.5 + 0.1 * (len(forces) - FORCES_NAMED), 8.0)))
    ax = fig.subplots()
    ax.axhspan(-2.6, 0, color="#fbeeee", zorder=0)
    ax.axhspan(0, 2.6, color="#eef6ee", zorder=0)
    fixed = [ax.text(1.09, 2.45, "helps the customer", ha="right", va="top", fontsize=8, color="#3a7a3a"),
             ax.text(1.09, -2.45, "hurts the customer", ha="right", va="bottom", fontsize=8, color="#a33")]
    for horizon, marker in HORIZON_MARKERS.items():
        part = forces[forces["horizon"] == horizon]
        if part.empty:
            continue
        ax.scatter(part["likelihood"], part["impact"], s=80 + 220 * part["priority"], marker=marker,
                   color=US_COLOR, alpha=0.75, edgecolor="white", label=f"{horizon} term")
    ax.set(xlim=(-0.02, 1.1), ylim=(-2.6, 2.6), xlabel="Likelihood (0 to 1)",
           ylabel="Impact on the customer (−2 to +2)", title="Forces acting on the customer")
    ax.axhline(0, color="#555", lw=0.8)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14 if named else -0.09), ncol=3, fontsize=8, frameon=False)
    fig.tight_layout()
    keys = [str(row.id) if isinstance(row.id, str) and row.id else f"{rank}." for rank, row in
            enumerate(forces.itertuples(), start=1)] if "id" in forces else \
        [f"{rank}." for rank in range(1, len(forces) + 1)]
    labels = [f"{key} {row.label}" if named else key.rstrip(".") for key, row in zip(keys, forces.itertuples())]
    texts = [ax.text(*_nudged(ax, row.likelihood, row.impact, 7, 5), label, fontsize=8, zorder=4)
             for label, row in zip(labels, forces.itertuples())]
    _spread_labels(ax, texts, list(forces["likelihood"]), list(forces["impact"]), obstacles=fixed)
    top = ""
    if len(forces):
        first = forces.iloc[0]
        top = (f"; the highest priority is {labels[0].rstrip('.')} {'' if named else first['label']} (impact "
               f"{int(first['impact']):+d}, likelihood {first['likelihood']:.0%})").replace("  ", " ").replace("-", "−")
    return _described(fig, f"Forces acting on the customer: {wording.plural(len(forces), 'force')} by likelihood and impact on "
                              f"the customer{top}.")


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
    return _described(fig, f"Buying criteria: how the customer rates {wording.and_list(players)} on "
                              f"{wording.plural(len(criteria), 'criterion', 'criteria')}, 1 (poor) to 5 (excellent).")


@styled
def wallet_bar(shares: pd.DataFrame, currency: str) -> Figure:
    """The customer's category spend split between us, competitors and unallocated. A player's name and
    share sit inside its part of the bar when they fit there, else above it, spread so that no two
    labels overlap and each joined to its part by a thin line."""
    rivals = [p for p in shares["player"] if p not in ("us", "unallocated")]
    fig = _figure(figsize=(8, 2.6))
    ax = fig.subplots()
    left, outside, centres = 0.0, [], []
    ax.set(xlim=(0, 1), ylim=(-0.45, 1.6), yticks=[], title=f"Share of wallet (customer's category spend, {currency})")
    ax.spines["left"].set_visible(False)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    fig.tight_layout()
    renderer = _renderer(fig)
    for row in shares.itertuples():
        color = UNALLOCATED_COLOR if row.player == "unallocated" else player_color(row.player, rivals)
        ax.barh(0, row.share, left=left, height=0.8, color=color, edgecolor="white")
        label = f"{row.player}\n{row.share:.0%}"
        ink = "white" if row.player != "unallocated" else "#333"
        inside = ax.text(left + row.share / 2, 0, label, ha="center", va="center", fontsize=8, color=ink)
        box = inside.get_window_extent(renderer)
        width = ax.transData.transform((left + row.share, 0))[0] - ax.transData.transform((left, 0))[0]
        if row.share > 0 and box.width + 4 > width:
            inside.remove()
            outside.append(ax.text(left + row.share / 2, 0.7, label, ha="center", va="bottom", fontsize=8,
                                   color="#333"))
            centres.append(left + row.share / 2)
        left += row.share
    if not outside:
        ax.set_ylim(-0.5, 0.5)
    _spread_labels(ax, outside, centres, [0.4] * len(centres), only_move="x")
    return _described(fig, "Share of wallet: " + "; ".join(f"{p} {v:.0%}" for p, v in zip(shares["player"], shares["share"])) + ".")


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
        ax.text(dates.iloc[0], cls.customer_min + 0.04, f"{readable(cls.name)} (customer ≥ {cls.customer_min:g})",
                fontsize=8, color="#555", va="bottom", zorder=4,
                bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=0.5))
    ax.set(ylim=(1, 5.2), ylabel="Weighted score (1 to 5)", title="Mutual scorecard over time")
    if len(dates) == 1:
        ax.set_xlim(dates.iloc[0] - pd.Timedelta(days=60), dates.iloc[0] + pd.Timedelta(days=60))
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    fig.autofmt_xdate()
    fig.tight_layout()
    return _described(fig, f"Mutual scorecard over {wording.plural(len(table), 'assessment')}" + (
        f": latest customer side {table['customer_score'].iloc[-1]:.2f}, our side {table['supplier_score'].iloc[-1]:.2f} "
        "(1 to 5)." if len(table) else "."))


@styled
def financials_chart(table: pd.DataFrame, currency: str) -> Figure:
    """Revenue, cost to serve and profit after cost to serve by year; a forecast year is labelled so."""
    fig = _figure(figsize=(8, 3.9))
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
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
    fig.tight_layout()
    return _described(fig, "Revenue, cost to serve and profit by year: " + "; ".join(
        f"{y}: revenue {wording.money(r, currency)}, profit {wording.money(p, currency)}"
        for y, r, p in zip(table["year"], table["revenue"], table["profit"])) + ".")


GANTT_ROWS = 25           # projects per figure of `gantt_pages`: a figure then fits an A4 page
GANTT_TITLE_CHARS = 34    # a project's title wraps at this many characters, on at most two lines
_GANTT_ROW = 0.36         # inches per project


def _gantt_label(project_id: str, title: str) -> str:
    """"P12  Roll out the recyclable…": the id, then the title on at most two lines (cut with …)."""
    return f"{project_id}  {_card_text(title, GANTT_TITLE_CHARS, 2)}"


def _gantt_span(projects: pd.DataFrame, as_of: date) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The dates every project and the planning date fit in, with a margin on either side."""
    first = min([pd.Timestamp(d) for d in projects["start"]] + [pd.Timestamp(as_of)])
    last = max([pd.Timestamp(d) for d in projects["due"]] + [pd.Timestamp(as_of)])
    margin = max(pd.Timedelta(days=14), (last - first) * 0.04)
    return first - margin, last + margin + pd.Timedelta(days=1)


@styled
def gantt(projects: pd.DataFrame, as_of: date, span: tuple[pd.Timestamp, pd.Timestamp] | None = None,
          numbered: tuple[int, int] | None = None) -> Figure:
    """Projects as bars from start to due, coloured by status, an overdue one outlined in red and
    marked so, with the planning date marked. Each row names the project's id and its title (wrapped
    to two lines, never cut off by the figure's edge); the figure grows with the projects.
    `span` fixes the dates shown, `numbered` (first, total) names the part of a longer list
    (`gantt_pages`)."""
    rows = max(len(projects), 1)
    fig = _figure(figsize=(8, _GANTT_ROW * rows + 1.5))
    ax = fig.subplots()
    for i, row in enumerate(projects.itertuples()):
        start, due = pd.Timestamp(row.start), pd.Timestamp(row.due)
        ax.barh(i, (due - start).days + 1, left=start, height=0.62, color=STATUS_COLORS[row.status],
                edgecolor="#a50f15" if row.overdue else "white", linewidth=2 if row.overdue else 0.5)
        if row.overdue:
            ax.text(due + pd.Timedelta(days=4), i, "overdue", va="center", fontsize=8, color="#a50f15", zorder=4,
                    bbox=dict(facecolor="white", edgecolor="none", pad=0.6))
    ax.axvline(pd.Timestamp(as_of), color="#333", ls="--", lw=1)
    ax.set_yticks(range(len(projects)), [_gantt_label(str(i), str(t)) for i, t in zip(projects["id"], projects["title"])],
                  fontsize=8, linespacing=1.05)
    for label in ax.get_yticklabels():
        label.set_multialignment("left")
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_xlim(*(span or _gantt_span(projects, as_of)))
    ax.tick_params(axis="y", length=0)
    handles: list[Any] = [Rectangle((0, 0), 1, 1, color=c) for c in STATUS_COLORS.values()]
    handles += [Rectangle((0, 0), 1, 1, facecolor="white", edgecolor="#a50f15", linewidth=2),
                Line2D([], [], color="#333", ls="--", lw=1)]
    names = [readable(s) for s in STATUS_COLORS] + ["overdue", f"plan date {as_of}"]
    ax.legend(handles, names, fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=4,
              handlelength=1.2, columnspacing=1.2, borderaxespad=0.2)
    part = ""
    if numbered:
        first, total = numbered
        part = f", {first} to {first + len(projects) - 1} of {total}"
    ax.set_title(f"Joint plan projects{part}", pad=38)
    locator = AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(axis="x", color="#eee")
    ax.set_axisbelow(True)
    fig.tight_layout()
    return _described(fig, f"Timeline of {wording.plural(len(projects), 'project')}{part}, from start to due date, coloured by "
                              f"status; {wording.plural(int(projects['overdue'].sum()) if len(projects) else 0, 'project')} "
                              f"overdue; planning date {as_of}.")


def gantt_pages(projects: pd.DataFrame, as_of: date, rows: int = GANTT_ROWS) -> list[Figure]:
    """The `gantt` of many projects in parts of at most `rows` projects each (the parts as even as can
    be), all over the same dates: each part fits a printed page, and titles stay legible however
    many projects there are. One figure when they fit in one, none when there are no projects."""
    if not len(projects):
        return []
    parts = math.ceil(len(projects) / rows)
    if parts == 1:
        return [gantt(projects, as_of)]
    size = math.ceil(len(projects) / parts)
    span = _gantt_span(projects, as_of)
    return [gantt(projects.iloc[i:i + size], as_of, span=span, numbered=(i + 1, len(projects)))
            for i in range(0, len(projects), size)]


@styled
def portfolio_matrix(table: pd.DataFrame, split: float, settings: PortfolioSettings) -> Figure:
    """Attractiveness × our relative strength, bubbles sized by wallet, coloured by class (the
    classes' colours of `settings`), with the four quadrants named (split: attractiveness where
    "high" starts)."""
    colours = scorecard.class_colours(settings)
    fig = _figure(figsize=(8, 6.5))
    ax = fig.subplots()
    # An account whose attractiveness or relative strength is unknown is left off and named below:
    # placing it at strength 1.0 would say we are level with a competitor nobody has scored.
    data = table.dropna(subset=["attractiveness", "relative_strength"]).copy()
    data["strength"] = data["relative_strength"].astype(float)
    off = portfolio.unplaced(table)
    size = 40 + 900 * (data["wallet"] / data["wallet"].max()) if len(data) else []
    ax.scatter(data["strength"], data["attractiveness"], s=size, alpha=0.7, edgecolor="white",
               color=[colours.get(c, NO_CLASS_COLOR) for c in data["class"]])
    lo_x, hi_x = min(0.7, data["strength"].min() - 0.05), max(1.4, data["strength"].max() + 0.05)
    lo_y, hi_y = min(split - 0.15, data["attractiveness"].min() - 0.05), max(split + 0.15, data["attractiveness"].max() + 0.05)
    ax.set(xlim=(lo_x, hi_x), ylim=(max(0, lo_y), min(1, hi_y)))
    ax.axvline(1.0, color="#555", lw=0.8, ls="--")
    ax.axhline(split, color="#555", lw=0.8, ls="--")
    style: dict[str, Any] = dict(fontsize=9, color="#555", fontweight="bold", alpha=0.8)
    quadrants = [ax.text(hi_x - 0.01, ax.get_ylim()[1] - 0.01, "Invest to partner", ha="right", va="top", **style),
                 ax.text(lo_x + 0.01, ax.get_ylim()[1] - 0.01, "Build strength", ha="left", va="top", **style),
                 ax.text(hi_x - 0.01, ax.get_ylim()[0] + 0.01, "Maintain efficiently", ha="right", va="bottom", **style),
                 ax.text(lo_x + 0.01, ax.get_ylim()[0] + 0.01, "Reconsider", ha="left", va="bottom", **style)]
    ax.set(xlabel="Our relative strength (1 = level with the best competitor)",
           ylabel=f"Account attractiveness (0 to 1; split at the median {split:.2f})",
           title="Portfolio matrix (bubble size: customer's category spend)")
    handles = [Line2D([], [], marker="o", ls="", color=c, label=readable(n)) for n, c in colours.items()]
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=4)
    fig.tight_layout()
    if len(off):
        fig.subplots_adjust(bottom=fig.subplotpars.bottom + 0.06)
        note = "; ".join(f"{reason}: {', '.join(_names(part))}" for reason, part in off.groupby("reason", sort=False))
        fig.text(0.01, 0.01, f"Not placed, {note}",
                 fontsize=8, color="#555", ha="left", va="bottom", wrap=True)
    names = _names(data)
    texts = [ax.text(row.strength, row.attractiveness, name, fontsize=8, ha="center", va="center", zorder=4)
             for name, row in zip(names, data.itertuples())]
    _spread_labels(ax, texts, list(data["strength"]), list(data["attractiveness"]), obstacles=quadrants)
    quadrant_counts = [
        ("invest to partner", int(((data["strength"] >= 1) & (data["attractiveness"] >= split)).sum())),
        ("build strength", int(((data["strength"] < 1) & (data["attractiveness"] >= split)).sum())),
        ("maintain efficiently", int(((data["strength"] >= 1) & (data["attractiveness"] < split)).sum())),
        ("reconsider", int(((data["strength"] < 1) & (data["attractiveness"] < split)).sum()))]
    return _described(fig, f"Portfolio matrix: {wording.plural(len(data), 'account')} by our relative strength and "
                              f"attractiveness, " + "; ".join(f"{q}: {n}" for q, n in quadrant_counts) + (
                              f"; not placed: {wording.and_list(_names(off))}" if len(off) else "") + ".")


def _names(table: pd.DataFrame) -> list[str]:
    """Each account's name for a label (its id when it has no name)."""
    if "name" not in table:
        return [str(a) for a in table["account"]]
    return [str(n) if isinstance(n, str) and n else str(a) for n, a in zip(table["name"], table["account"])]


@styled
def revenue_vs_cost(table: pd.DataFrame, currency: str) -> Figure:
    """Revenue against cost to serve per account, each named (labels spread so none overlaps); red:
    the account loses money after cost to serve."""
    fig = _figure(figsize=(8, 5))
    ax = fig.subplots()
    colors = ["#31a354" if p >= 0 else "#de2d26" for p in table["profit"]]
    ax.scatter(table["revenue"], table["cost_to_serve"], color=colors, s=50, alpha=0.8, edgecolor="white")
    ax.xaxis.set_major_formatter(money_formatter())
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set(xlabel=f"Revenue ({currency})", ylabel=f"Cost to serve ({currency})",
           title="Revenue against cost to serve (red: loses money after cost to serve)")
    ax.margins(0.08)
    fig.tight_layout()
    texts = [ax.text(*_nudged(ax, row.revenue, row.cost_to_serve, 4, 2), name, fontsize=8, zorder=4)
             for name, row in zip(_names(table), table.itertuples())]
    _spread_labels(ax, texts, list(table["revenue"]), list(table["cost_to_serve"]))
    return _described(fig, f"Revenue against cost to serve for {wording.plural(len(table), 'account')}" + (
        f"; losing money after cost to serve: {wording.and_list(_names(table[table['profit'] < 0]))}."
        if (table["profit"] < 0).any() else "; none loses money after cost to serve."))


@styled
def health_bars(table: pd.DataFrame) -> Figure:
    """Plan health per account, lowest first, with overdue projects noted; coloured red below
    `portfolio.HEALTH_LOW`, green from `portfolio.HEALTH_GOOD`, amber between. A loss-making
    account's bar is hatched and its label says so (`portfolio.health_note`): a healthy plan is
    never a plain green beside a loss."""
    data = table.sort_values("plan_health", kind="stable")
    profits = data["profit"] if "profit" in data else pd.Series([None] * len(data), index=data.index)
    notes = [portfolio.health_note(h, p) for h, p in zip(data["plan_health"], profits, strict=True)]
    fig = _figure(figsize=(8, 0.28 * len(data) + 1.6))
    ax = fig.subplots()
    colors = ["#de2d26" if h < portfolio.HEALTH_LOW else "#f1a340" if h < portfolio.HEALTH_GOOD else "#31a354"
              for h in data["plan_health"]]
    bars = ax.barh(range(len(data)), data["plan_health"], color=colors)
    for bar, note in zip(bars, notes, strict=True):
        if note:
            bar.set_hatch("////")
            bar.set_edgecolor("#7f0000")
    labels = [f"{a} ({o} overdue)" if o else a for a, o in zip(_names(data), data["overdue_projects"], strict=True)]
    ax.set_yticks(range(len(data)), [f"{label} — {note}" if note else label for label, note in
                                     zip(labels, notes, strict=True)], fontsize=8)
    ax.set(xlim=(0, 100), title="Plan health across the portfolio",
           xlabel="Plan health (0 to 100)" + ("; hatched: loses money after cost to serve"
                                              if any(notes) else ""))
    fig.tight_layout()
    losing = [a for a, n in zip(_names(data), notes, strict=True) if n]
    return _described(fig, f"Plan health (0 to 100) of {wording.plural(len(data), 'account')}; the lowest: " + "; ".join(
        f"{a} {h:.0f}" for a, h in list(zip(_names(data), data["plan_health"]))[:5]) + "."
        + (f" Loss-making after cost to serve: {wording.and_list(losing)}." if losing else ""))


@styled
def whale_curve(curve: pd.DataFrame, currency: str) -> Figure:
    """Cumulative profit with accounts ranked by profit: the hump shows who destroys value. Each
    account is named under its bar (upright, so the names never overlap however many accounts)."""
    names = _names(curve)
    longest = max((len(n) for n in names), default=0)
    fig = _figure(figsize=(max(8.0, 0.14 * len(curve) + 1.5), 4.0 + 0.065 * min(longest, 40)))
    ax = fig.subplots()
    x = list(range(1, len(curve) + 1))
    ax.plot(x, curve["cumulative_profit"], marker="o", color=US_COLOR, label="cumulative profit")
    ax.bar(x, curve["profit"], color=["#31a354" if p >= 0 else "#de2d26" for p in curve["profit"]], alpha=0.5)
    ax.axhline(0, color="#555", lw=0.8)
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set_xticks(x, [textwrap.shorten(n, 40, placeholder="…") for n in names], rotation=90, fontsize=8)
    ax.set_xlim(0.3, len(curve) + 0.7)
    ax.set(xlabel="Accounts ranked by profit after cost to serve (most profitable first)",
           ylabel=f"Profit ({currency})", title="Whale curve: cumulative profit across accounts")
    handles = [Line2D([], [], marker="o", color=US_COLOR), Rectangle((0, 0), 1, 1, color="#31a354", alpha=0.5),
               Rectangle((0, 0), 1, 1, color="#de2d26", alpha=0.5)]
    ax.legend(handles, ["cumulative profit", "account's profit", "account's loss"], fontsize=8, frameon=False,
              loc="best")
    fig.tight_layout()
    return _described(fig, f"Whale curve: cumulative profit across {wording.plural(len(curve), 'account')} ranked by profit" + (
        f", peaking at {wording.money(curve['cumulative_profit'].max(), currency, 1000)} and ending at "
        f"{wording.money(curve['cumulative_profit'].iloc[-1], currency, 1000)}; "
        f"{wording.plural(int((curve['profit'] < 0).sum()), 'account')} losing money." if len(curve) else "."))


@styled
def forces_heatmap(grids: dict[str, pd.DataFrame]) -> Figure:
    """Impact × likelihood per horizon; a cell's shade is the summed priority of its forces."""
    fig = _figure(figsize=(8, 3.8))
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
        ax.set_xticks(range(grid.shape[1]), list(grid.columns), rotation=45, fontsize=8)
        ax.set_yticks(range(grid.shape[0]), [f"{i:+d}".replace("-", "−") if i else "0" for i in grid.index])
        ax.set_title(f"{horizon} term", fontsize=10)
        ax.set_xlabel("Likelihood")
    axes[0].set_ylabel("Impact on the customer")
    fig.suptitle("Where the forces sit (cell value: summed priority = |impact| × likelihood)", fontsize=11,
                 fontweight="bold")
    fig.tight_layout()
    return _described(fig, "Where the forces sit: for each horizon (" + ", ".join(grids) + "), the summed priority of the "
                              "forces by impact on the customer and likelihood.")


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
    column = 6.0 / max(len(matrix.columns), 1)   # inches per offering, about: its name wraps to fit
    ax.set_xticks([j + 0.475 for j in range(len(matrix.columns))],
                  [_card_text(str(c), max(6, int(column / 0.065)), 3) for c in matrix.columns], fontsize=8)
    ax.set_yticks([i + 0.45 for i in range(len(matrix))], [_card_text(str(u), 26, 2) for u in matrix.index], fontsize=8)
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return _described(fig, f"Whitespace: {wording.plural(len(matrix), 'customer unit')} by {wording.plural(len(matrix.columns), 'offering')}; " + "; ".join(
        f"{state} {int((matrix == state).to_numpy().sum())}" for state in WHITESPACE_COLORS) + ".")


@styled
def ladder_chart(ladder: pd.DataFrame) -> Figure:
    """Each player on the relationship ladder: vendor → preferred supplier → strategic partner (names
    spread so that none overlaps another)."""
    rivals = [p for p in ladder["player"] if p != "us"]
    crowd = max([int((ladder["rung"] == rung).sum()) for rung in (1, 2, 3)] + [1])
    half = max(2.5, crowd / 2 + 0.5)
    fig = _figure(figsize=(8, 2.6))
    ax = fig.subplots()
    texts, xs, ys = [], [], []
    for rung in (1, 2, 3):
        players = ladder[ladder["rung"] == rung]["player"].tolist()
        for k, player in enumerate(players):
            x = k - (len(players) - 1) / 2
            ax.scatter(x, rung, s=300 if player == "us" else 180, color=player_color(player, rivals), zorder=3)
            texts.append(ax.text(x, rung + 0.28, player, ha="center", fontsize=8, zorder=4))
            xs.append(x)
            ys.append(rung)
    ax.set_yticks([1, 2, 3], [readable(rung) for rung in LADDER_ORDER])
    ax.set(xlim=(-half, half), ylim=(0.5, 3.7), xticks=[], title="The relationship ladder")
    ax.grid(axis="y", color="#eee")
    fig.tight_layout()
    _spread_labels(ax, texts, xs, ys)
    return _described(fig, "The relationship ladder: " + "; ".join(
        f"{readable(rung)}: {wording.and_list([str(p) for p in ladder[ladder['rung'] == k]['player']]) or 'nobody'}"
        for k, rung in enumerate(LADDER_ORDER, start=1)) + ".")


# One palette for a contact's attitude toward us, in the relationship map and the organisation chart:
# red for a detractor to blue for a champion (readable with red-green colour blindness).
ATTITUDE_COLORS = {-2: "#b2182b", -1: "#d6604d", 0: "#8c8c8c", 1: "#4393c3", 2: "#2166ac"}
ATTITUDE_FILLS = {-2: "#f6d3d0", -1: "#fbe3d8", 0: "#eeeeee", 1: "#dbe9f4", 2: "#c9dcef"}   # a card's background
ATTITUDE_INK = {-2: "#8e1322", -1: "#8f3a22", 0: "#4d4d4d", 1: "#1d5a86", 2: "#163f70"}     # text on that background
ATTITUDE_LABELS = {-2: "−2 detractor", -1: "−1", 0: "0 neutral", 1: "+1", 2: "+2 champion"}
LEVELS = ("operational", "management", "executive")


def _attitude(value: int) -> str:
    """"attitude −2", "attitude 0", "attitude +1" (a true minus sign)."""
    return f"attitude {value:+d}".replace("-", "−") if value else "attitude 0"


@styled
def relationship_map(contacts: pd.DataFrame) -> Figure:
    """Contacts by function (columns) and level (rows), sized by influence, coloured by attitude. The
    people of a cell sit side by side and wrap into more rows, most influential first, each named
    under their dot: the figure grows with the contacts and no name overlaps another."""
    functions = sorted(contacts["function"].unique())
    left, width = 1.1, 6.7
    column = width / max(len(functions), 1)
    slots = max(1, min(8, int(column // 0.55)))          # people side by side in a cell
    slot, row_h = column / slots, 0.66
    cells: dict[tuple[str, str], list[Any]] = {}
    for person in contacts.sort_values("influence", ascending=False, kind="stable").itertuples():
        cells.setdefault((person.function, person.level), []).append(person)
    bands = {level: max([math.ceil(len(cells.get((f, level), [])) / slots) for f in functions] + [1]) * row_h + 0.15
             for level in LEVELS}
    head, foot = 0.95, 0.45
    height = sum(bands.values())
    fig = _figure(figsize=(left + width + 0.2, head + height + foot))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, left + width + 0.2)
    ax.set_ylim(head + height + foot, 0)
    ax.axis("off")
    ax.text(0.1, 0.12, "Who we know at the customer", fontsize=12, fontweight="bold", va="top")
    for k, function in enumerate(functions):
        ax.text(left + (k + 0.5) * column, head - 0.08, _card_text(readable(function), int(column / 0.065), 2),
                ha="center", va="bottom", fontsize=8, linespacing=1.05)
    top = head
    for band, level in enumerate(reversed(LEVELS)):   # executive at the top
        ax.add_patch(Rectangle((left, top), width, bands[level], facecolor="#f6f7f9" if band % 2 == 0 else "white",
                               edgecolor="none", zorder=0))
        ax.text(left - 0.1, top + bands[level] / 2, level, ha="right", va="center", fontsize=9)
        for k, function in enumerate(functions):
            people = cells.get((function, level), [])
            for n, person in enumerate(people):
                in_row = min(slots, len(people) - n // slots * slots)   # a short last row is centred
                x = left + k * column + (n % slots + 0.5 + (slots - in_row) / 2) * slot
                y = top + 0.2 + (n // slots) * row_h
                ax.scatter([x], [y], s=25 * person.influence, color=ATTITUDE_COLORS[person.attitude],
                           edgecolor="#333", linewidth=0.5, zorder=3)
                _fitted_text(ax, x, y + 0.13, str(person.name), slot - 0.06, 2, ha="center", va="top", fontsize=8,
                             linespacing=1.0, zorder=4)
        top += bands[level]
    for k in range(1, len(functions)):
        ax.plot([left + k * column] * 2, [head, head + height], color="#d8dee6", lw=0.6, zorder=1)
    handles = [Line2D([], [], marker="o", ls="", color=c) for c in ATTITUDE_COLORS.values()]
    ax.legend(handles, [f"attitude {t}" for t in ATTITUDE_LABELS.values()], fontsize=8, frameon=False,
              loc="lower center", bbox_to_anchor=(0.5, 0.0), bbox_transform=fig.transFigure, ncol=5)
    ax.text(left + width, 0.12, "dot size: influence (1 to 5)", ha="right", va="top", fontsize=8, color="#555")
    return _described(fig, f"Who we know at the customer: {wording.plural(len(contacts), 'contact')} by function and level, "
                              f"coloured by attitude: {int((contacts['attitude'] > 0).sum())} positive, "
                              f"{int((contacts['attitude'] == 0).sum())} neutral, {int((contacts['attitude'] < 0).sum())} negative.")


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
    return _described(fig, "Pipeline by stage: " + "; ".join(
        f"{readable(str(r.stage))} {wording.money(r.value, currency)} in {wording.plural(int(r.opportunities), 'opportunity', 'opportunities')}"
        for r in stages.itertuples()) + ".")


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
    return _described(fig, "Revenue by year against the revenue targets: " + "; ".join(
        [f"{y}: {wording.money(r, currency)}" for y, r in zip(financials["year"], financials["revenue"])]
        + [f"{int(r.year)} target {wording.money(r.target, currency)}" for r in goals.itertuples()]) + ".")


# The organisation chart: a card per contact, laid out in inches (1 data unit = 1 inch of figure).
_CARD_W, _CARD_H = 1.5, 1.0    # a contact's card
_GAP_X, _GAP_Y = 0.15, 0.34     # between cards side by side; between a card and the row below
_INDENT = 0.3                   # a wrapped or stacked team sits right of its manager's trunk line
_STACK_GAP = 0.14               # between cards stacked in a column
_STACK_MAX = 4                  # a team of more people without reports wraps into rows instead of a column
_CHART_WIDTH = 4 * _CARD_W + 3 * _GAP_X + _INDENT   # four cards a row (the figure fits an A4 page at full size)
_ORG_HEAD, _ORG_FOOT, _ORG_SIDE = 0.75, 0.55, 0.15   # title above the cards, legend below, margin beside
_NOTE_H = 0.24                  # a note ("reporting to …") above a team whose manager is drawn elsewhere
ORG_PAGE_HEIGHT = 8.0           # inches of cards on one figure of `org_chart_pages` (an A4 page with its heading)


@dataclass
class _Block:
    """A contact and everyone below them, laid out: card positions (row of the table, left, top),
    connector lines and notes ("reports to …" above a card whose manager is drawn elsewhere),
    relative to the block's top left corner."""

    width: float
    height: float
    cards: list[tuple[int, float, float]]
    lines: list[list[tuple[float, float]]]
    root_x: float   # the centre of the top card
    notes: list[tuple[float, float, str]] = field(default_factory=list)


def _shifted(block: _Block, dx: float, dy: float) -> _Block:
    return _Block(block.width, block.height, [(i, x + dx, y + dy) for i, x, y in block.cards],
                  [[(x + dx, y + dy) for x, y in line] for line in block.lines], block.root_x + dx,
                  [(x + dx, y + dy, t) for x, y, t in block.notes])


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
    small teams of people with no reports of their own are stacked (`stack`), and what still does not
    fit wraps into rows hanging from a trunk line on the left."""
    team = reports[i]
    if stack and 2 <= len(team) <= _STACK_MAX and not any(reports[r] for r in team):
        return _stacked_team(i, team)
    below = [_team_block(r, reports, width - _INDENT, stack) for r in team]
    if not below:
        return _Block(_CARD_W, _CARD_H, [(i, 0.0, 0.0)], [], _CARD_W / 2)
    side_by_side = sum(b.width for b in below) + _GAP_X * (len(below) - 1)
    if side_by_side > width and not stack:
        return _team_block(i, reports, width, stack=True)
    cards: list[tuple[int, float, float]] = []
    lines: list[list[tuple[float, float]]] = []
    notes: list[tuple[float, float, str]] = []
    top = _CARD_H + _GAP_Y

    def place(b: _Block, x: float, y: float) -> float:
        moved = _shifted(b, x, y)
        cards.extend(moved.cards)
        lines.extend(moved.lines)
        notes.extend(moved.notes)
        return moved.root_x

    if side_by_side <= width:
        total = max(_CARD_W, side_by_side)
        x, roots = (total - side_by_side) / 2, []
        for b in below:
            roots.append(place(b, x, top))
            x += b.width + _GAP_X
        centre = min(max((roots[0] + roots[-1]) / 2, _CARD_W / 2), total - _CARD_W / 2)
        channel = _CARD_H + _GAP_Y / 2
        lines.append([(centre, _CARD_H), (centre, channel)])
        lines.append([(min(roots[0], centre), channel), (max(roots[-1], centre), channel)])
        lines += [[(r, channel), (r, top)] for r in roots]
        height = top + max(b.height for b in below)
        return _Block(total, height, [(i, centre - _CARD_W / 2, 0.0), *cards], lines, centre, notes)
    trunk, y, total, channel = _INDENT / 2, top, _CARD_W, top
    for row in _rows_of(below, width - _INDENT):
        x, roots = _INDENT, []
        for b in row:
            roots.append(place(b, x, y))
            x += b.width + _GAP_X
        channel = y - _GAP_Y / 2
        lines.append([(trunk, channel), (roots[-1], channel)])
        lines += [[(r, channel), (r, y)] for r in roots]
        total = max(total, x - _GAP_X)
        y += max(b.height for b in row) + _GAP_Y
    lines.append([(trunk, _CARD_H), (trunk, channel)])
    return _Block(total, y - _GAP_Y, [(i, 0.0, 0.0), *cards], lines, _CARD_W / 2, notes)


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


def _headless(block: _Block, note: str) -> _Block:
    """A team block without its top card (drawn elsewhere): the lines that hung from the card hang
    from a note naming whom the team reports to."""
    lift = _CARD_H - _NOTE_H
    moved = _shifted(replace(block, cards=block.cards[1:]), 0.0, -lift)
    notes = [*moved.notes, (max(0.0, block.root_x - _CARD_W / 2), _NOTE_H - 0.03, note)]
    return replace(moved, height=block.height - lift, notes=notes)


def _team_parts(i: int, reports: dict[int, list[int]], names: list[str], height: float) -> list[_Block]:
    """The people below contact `i` (whose card is drawn elsewhere) as blocks no taller than `height`,
    each under a note "reporting to" `i`: the whole team when it fits; else `i`'s direct reports (in
    groups that fit), then each of their teams in the same way."""
    note = f"reporting to {names[i]}"
    whole = _headless(_team_block(i, reports, _CHART_WIDTH, stack=True), note)
    if whole.height <= height:
        return [whole]
    team = reports[i]
    rows = max(1, int((height - _NOTE_H) // (_CARD_H + _GAP_Y)))
    per_row = max(1, int((_CHART_WIDTH - _INDENT + _GAP_X) // (_CARD_W + _GAP_X)))
    blocks = []
    for k in range(0, len(team), rows * per_row):
        group = team[k:k + rows * per_row]
        flat = {**reports, i: group, **{r: [] for r in group}}
        blocks.append(_headless(_team_block(i, flat, _CHART_WIDTH, stack=True), note + (" (continued)" if k else "")))
    return blocks + [part for r in team if reports[r] for part in _team_parts(r, reports, names, height)]


def _page_blocks(i: int, reports: dict[int, list[int]], names: list[str], height: float) -> list[_Block]:
    """Contact `i` (reporting to nobody we know) and their team as blocks no taller than `height`: the
    whole team when it fits; else `i` above their direct reports, then each direct report's team
    (`_team_parts`); a team of more direct reports than a page holds continues under a note."""
    whole = _team_block(i, reports, _CHART_WIDTH)
    if whole.height > height:
        whole = _team_block(i, reports, _CHART_WIDTH, stack=True)
    if whole.height <= height or not reports[i]:
        return [whole]
    team = reports[i]
    heads = [part for r in team if reports[r] for part in _team_parts(r, reports, names, height)]
    flat = {**reports, **{r: [] for r in team}}
    top = _team_block(i, flat, _CHART_WIDTH, stack=True)
    if top.height <= height:
        return [top, *heads]
    return [_team_block(i, {**flat, i: []}, _CHART_WIDTH), *_team_parts(i, flat, names, height), *heads]


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
        rest = " ".join(wrapped[lines - 1:])   # the last line holds as much of the rest as fits
        wrapped = [*wrapped[:lines - 1], rest[: width - 1].rstrip() + "…"]
    return "\n".join(wrapped)


def _fitted_text(ax: Any, x: float, y: float, text: str, width: float, lines: int, **style: Any) -> Any:
    """`text` drawn at (x, y), wrapped to at most `lines` lines no wider than `width` inches (measured
    with the renderer; the last line cut with … when the text is longer)."""
    artist = ax.text(x, y, text, **style)
    renderer = _renderer(ax.figure)
    limit = width * ax.figure.dpi
    size = float(style.get("fontsize", 10))
    chars = int(width / (0.5 * size / 72)) + 2   # a little more than fits at an average letter width
    while chars > 4:
        artist.set_text(_card_text(text, chars, lines))
        if artist.get_window_extent(renderer).width <= limit:
            break
        chars -= 1
    return artist


def _draw_card(ax: Any, person: Any, x: float, y: float) -> None:
    attitude = int(person.attitude)
    ax.add_patch(FancyBboxPatch((x, y), _CARD_W, _CARD_H, boxstyle="round,pad=0,rounding_size=0.05",
                                facecolor=ATTITUDE_FILLS[attitude], edgecolor=ATTITUDE_COLORS[attitude],
                                linewidth=1.6, zorder=2))
    footer = 0.19
    ax.add_patch(Rectangle((x + 0.03, y + _CARD_H - footer), _CARD_W - 0.06, footer - 0.03, facecolor="white",
                           edgecolor="none", zorder=3))
    left, inner = x + 0.07, _CARD_W - 0.14
    _fitted_text(ax, left, y + 0.05, str(person.name), inner, 1, fontsize=8, fontweight="bold", va="top", zorder=4)
    _fitted_text(ax, left, y + 0.185, str(person.title), inner, 2, fontsize=7, va="top", color="#333", zorder=4,
                 linespacing=1.05)
    if isinstance(person.buying_role, str) and person.buying_role:
        ax.text(left, y + 0.405, readable(person.buying_role), fontsize=7, va="top", color="#333",
                style="italic", zorder=4)
    ax.text(left, y + 0.52, f"influence {person.influence} of 5", fontsize=7, va="top", color="#333", zorder=4)
    words = ATTITUDE_LABELS[attitude].split(" ", 1)
    ax.text(left, y + 0.635, _attitude(attitude) + (f" {words[1]}" if len(words) > 1 else ""), fontsize=7, va="top",
            color=ATTITUDE_INK[attitude], fontweight="bold", zorder=4)
    _fitted_text(ax, left, y + _CARD_H - footer / 2 - 0.015, f"ours: {person.owner}", inner, 1, fontsize=7,
                 va="center", color="#444", style="italic", zorder=4)


def _org_structure(chart: pd.DataFrame) -> tuple[list[Any], list[int | None], dict[int, list[int]], list[int]]:
    """The chart's people, each one's manager (a row number), each one's direct reports, and the roots."""
    people = list(chart.itertuples(index=False))
    managers = _managers([int(level) for level in chart["chart_level"]])
    reports: dict[int, list[int]] = {i: [] for i in range(len(people))}
    for i, boss in enumerate(managers):
        if boss is not None:
            reports[boss].append(i)
    return people, managers, reports, [i for i, boss in enumerate(managers) if boss is None]


def _org_tops(reports: dict[int, list[int]], roots: list[int]) -> list[_Block]:
    """The whole chart's blocks, one per person reporting to nobody we know (teams stacked when the
    blocks side by side would be wider than the chart)."""
    tops = [_team_block(i, reports, _CHART_WIDTH) for i in roots]
    if sum(b.width for b in tops) + _GAP_X * (len(tops) - 1) > _CHART_WIDTH:
        tops = [_team_block(i, reports, _CHART_WIDTH, stack=True) for i in roots]
    return tops


def _org_height(blocks: list[_Block]) -> float:
    """Inches of cards the blocks take, in rows."""
    rows = _rows_of(blocks, _CHART_WIDTH)
    return max(sum(max(b.height for b in row) for row in rows) + _GAP_Y * 1.5 * (len(rows) - 1), _CARD_H)


def _org_figure(people: list[Any], blocks: list[_Block], note: str, title: str) -> Figure:
    """One figure of the organisation chart: the blocks in rows, the title and note above, the legend below."""
    rows = _rows_of(blocks, _CHART_WIDTH)
    width = max([_CARD_W] + [sum(b.width for b in row) + _GAP_X * (len(row) - 1) for row in rows])
    placed: list[_Block] = []
    y = 0.0
    for row in rows:
        used = sum(b.width for b in row) + _GAP_X * (len(row) - 1)
        x = (width - used) / 2
        for b in row:
            placed.append(_shifted(b, x, y))
            x += b.width + _GAP_X
        y += max(b.height for b in row) + _GAP_Y * 1.5
    height = max(y - _GAP_Y * 1.5, _CARD_H)
    fig_width = max(width, 6.0) + 2 * _ORG_SIDE
    fig = _figure(figsize=(fig_width, height + _ORG_HEAD + _ORG_FOOT))
    ax = fig.add_axes((0, 0, 1, 1))
    left = -(fig_width - width) / 2
    ax.set_xlim(left, left + fig_width)
    ax.set_ylim(height + _ORG_FOOT, -_ORG_HEAD)
    ax.axis("off")
    for block in placed:
        for line in block.lines:
            xs, ys = zip(*line)
            ax.plot(xs, ys, color="#777", lw=0.9, zorder=1, solid_capstyle="butt")
        for i, x, top in block.cards:
            _draw_card(ax, people[i], x, top)
        for x, bottom, text in block.notes:
            ax.text(x, bottom, text, fontsize=7, style="italic", color="#444", va="bottom", zorder=4)
    ax.text(left + _ORG_SIDE, -_ORG_HEAD + 0.12, title, fontsize=12, fontweight="bold", va="top")
    ax.text(left + _ORG_SIDE, -_ORG_HEAD + 0.42, note, fontsize=8, color="#444", va="top")
    handles = [Rectangle((0, 0), 1, 1, facecolor=ATTITUDE_FILLS[a], edgecolor=ATTITUDE_COLORS[a], linewidth=1.5)
               for a in ATTITUDE_LABELS]
    ax.legend(handles, list(ATTITUDE_LABELS.values()), loc="lower center", ncol=5, fontsize=7, frameon=False,
              bbox_to_anchor=(0.5, 0.0), bbox_transform=fig.transFigure, title="attitude toward us",
              title_fontsize=7)
    shown = [people[i] for block in placed for i, _, _ in block.cards]
    tops = [str(p.name) for block in placed for i, _, _ in block.cards[:1] for p in [people[i]]]
    return _described(fig, f"{title}: {wording.plural(len(shown), 'contact')} on cards with title, buying role, "
                           f"influence, attitude toward us and our owner; at the top of "
                           f"{'each team' if len(placed) > 1 else 'the chart'}: {wording.and_list(tops)}.")


ORG_TITLE = "Organisation chart: who reports to whom at the customer"


def _org_note(people: list[Any], managers: list[int | None]) -> str:
    if not people:
        return "no contacts recorded yet"
    if any(b is not None for b in managers):
        return "card colour: attitude toward us; ours: who on our team owns the relationship"
    return "no reporting lines recorded yet (reports_to): contacts side by side, most influential first"


@styled
def org_chart(chart: pd.DataFrame) -> Figure:
    """The customer's organisation chart (`organisation.org_chart_table`) on one figure: a card per
    contact with name, title, buying role, influence and attitude (the card's colour, the attitude
    palette of the relationship map: detractor red to champion blue), our owner at the foot; lines
    run to each person's manager. People who report to nobody we know are at the top. A team wider
    than four cards wraps into rows hanging from its manager's line, so the figure grows with the
    contacts (taller, never wider than a page) instead of shrinking the cards."""
    people, managers, reports, roots = _org_structure(chart)
    return _org_figure(people, _org_tops(reports, roots), _org_note(people, managers), ORG_TITLE)


def org_chart_pages(chart: pd.DataFrame, page_height: float = ORG_PAGE_HEIGHT) -> list[Figure]:
    """The organisation chart (`org_chart`) in parts that each fit a printed page (`page_height`
    inches of cards): whole teams where they fit; a team too tall for a page continues on the next,
    each manager drawn once with a note "reports to …" above them. Every contact is on exactly one
    card; one figure when the chart fits one page."""
    people, managers, reports, roots = _org_structure(chart)
    if _org_height(_org_tops(reports, roots)) <= page_height:
        return [org_chart(chart)]
    names = [str(p.name) for p in people]
    blocks = [b for i in roots for b in _page_blocks(i, reports, names, page_height)]
    pages: list[list[_Block]] = [[]]
    used = 0.0
    for row in _rows_of(blocks, _CHART_WIDTH):
        need = max(b.height for b in row)
        if pages[-1] and used + need > page_height:
            pages.append([])
            used = 0.0
        pages[-1] += row
        used += need + _GAP_Y * 1.5
    note = _org_note(people, managers)
    with matplotlib.rc_context(STYLE):
        return [_org_figure(people, page, note, f"Organisation chart, part {k} of {len(pages)}: who reports to whom")
                for k, page in enumerate(pages, 1)]
