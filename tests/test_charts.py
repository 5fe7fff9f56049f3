"""Every chart: a titled figure with labelled axes (units and currency), built from the analysis."""

from datetime import date

import pandas as pd
import pytest
from matplotlib.figure import Figure

from kamlib.display import charts
from kamlib.method import action_plan, competition, economics, environment, portfolio, scorecard
from kamlib.parameters import loader
from tests.helpers import OWN_CLASSES, TINY, settings_variant, tiny

AS_OF = date(2026, 11, 24)


def _texts(fig: Figure) -> str:
    parts = [fig._suptitle.get_text() if fig._suptitle else ""]
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        parts += [t.get_text() for t in ax.texts]  # charts drawn on a bare canvas title themselves in text
    return " | ".join(parts)


def _figures():
    account, settings = tiny()
    forces = environment.forces_table(account)
    criteria = competition.criteria_table(account)
    table = portfolio.portfolio_table(loader.load_portfolio(TINY), AS_OF)
    return {
        "forces_map": (charts.forces_map(forces), ["Forces", "Likelihood", "Impact"]),
        "forces_heatmap": (charts.forces_heatmap(environment.heatmap_grid(forces)), ["priority", "Likelihood"]),
        "criteria_dots": (charts.criteria_dots(criteria, ["us", "Alpha Packaging", "CartonCo"]), ["Buying criteria", "Score"]),
        "wallet_bar": (charts.wallet_bar(competition.share_of_wallet(account), "GBP"), ["Share of wallet", "GBP"]),
        "ladder_chart": (charts.ladder_chart(competition.ladder_table(account)), ["ladder"]),
        "whitespace_map": (charts.whitespace_map(competition.whitespace_matrix(account)), ["Whitespace"]),
        "scorecard_trend": (charts.scorecard_trend(scorecard.scorecard_table(account, settings, AS_OF), settings),
                            ["scorecard", "Weighted score"]),
        "financials_chart": (charts.financials_chart(economics.financials_table(account), "GBP"), ["profit", "GBP"]),
        "gantt": (charts.gantt(action_plan.projects_table(account, AS_OF), AS_OF), ["projects"]),
        "relationship_map": (charts.relationship_map(action_plan.contacts_table(account, AS_OF)), ["customer"]),
        "portfolio_matrix": (charts.portfolio_matrix(table, 0.5, settings), ["Portfolio matrix", "relative strength",
                                                                   "attractiveness"]),
        "whale_curve": (charts.whale_curve(portfolio.whale_curve(table), "GBP"), ["Whale curve", "GBP"]),
        "revenue_vs_cost": (charts.revenue_vs_cost(table, "GBP"), ["cost to serve", "GBP"]),
        "health_bars": (charts.health_bars(table), ["Plan health"]),
    }


FIGURES = _figures()


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_chart_is_titled_and_labelled(name):
    fig, words = FIGURES[name]
    assert isinstance(fig, Figure)
    text = _texts(fig).lower()
    for word in words:
        assert word.lower() in text, f"{name}: '{word}' not in {text!r}"


def test_us_and_competitors_keep_their_colours():
    assert charts.player_color("us", ["A", "B"]) == charts.US_COLOR
    assert charts.player_color("B", ["A", "B"]) == charts.RIVAL_COLORS[1]
    assert charts.CUSTOMER_COLOR not in charts.RIVAL_COLORS and charts.US_COLOR not in charts.RIVAL_COLORS


def test_figures_render_to_png_deterministically(tmp_path):
    import io
    fig, _ = FIGURES["scorecard_trend"]
    first, second = io.BytesIO(), io.BytesIO()
    fig.savefig(first, format="png")
    fig.savefig(second, format="png")
    assert first.getvalue() == second.getvalue()


def test_class_colours_follow_the_settings_not_the_names():
    from matplotlib.colors import to_hex
    account, settings = tiny()
    own = settings_variant(settings, OWN_CLASSES)
    whole = loader.load_portfolio(TINY)
    table = portfolio.portfolio_table(whole, AS_OF).assign(**{"class": ["gold"]})
    fig = charts.portfolio_matrix(table, 0.5, own)
    ax = fig.axes[0]
    assert [to_hex(c) for c in ax.collections[0].get_facecolors()] == ["#123456"]
    legend = {t.get_text(): to_hex(h.get_color()) for t, h in zip(ax.get_legend().get_texts(),
                                                                  ax.get_legend().legend_handles)}
    assert legend == {"platinum": scorecard.CLASS_PALETTE[0], "gold": "#123456", "silver": scorecard.CLASS_PALETTE[2],
                      "bronze": scorecard.CLASS_PALETTE[3], "watch": scorecard.CLASS_PALETTE[4]}
    trend = charts.scorecard_trend(scorecard.scorecard_table(account, own, AS_OF), own)
    dashed = [to_hex(line.get_color()) for line in trend.axes[0].get_lines() if line.get_linestyle() == "--"]
    assert dashed == [scorecard.CLASS_PALETTE[0], "#123456", scorecard.CLASS_PALETTE[2], scorecard.CLASS_PALETTE[3]]


def test_the_matrix_leaves_off_accounts_of_unknown_strength_and_names_them():
    _, settings = tiny()
    table = portfolio.portfolio_table(loader.load_portfolio(TINY), AS_OF)
    both = pd.concat([table, table.assign(account="harbor-snacks", name="Harbor", relative_strength=None)],
                     ignore_index=True)
    fig = charts.portfolio_matrix(both, 0.5, settings)
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == 1  # only northwind is placed
    # accounts are named by their names (ids when they have none)
    assert [t.get_text() for t in ax.texts if t.get_text() in ("Northwind Foods plc", "Harbor")] == ["Northwind Foods plc"]
    notes = " ".join(t.get_text() for t in fig.texts)
    assert "Not placed, relative strength unknown (no competitor scored on the buying criteria): Harbor" in notes


def test_the_financials_chart_labels_forecast_years():
    account, _ = tiny()
    table = economics.financials_table(account)
    table.loc[table.index[-1], "forecast"] = True
    fig = charts.financials_chart(table, "GBP")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["2024", "2025\n(forecast)"]


def _contact(name, influence, reports_to=None, attitude=0, role=None):
    row = {"name": name, "title": f"Head of {name}'s department, with a long title", "function": "operations",
           "level": "management", "influence": influence, "attitude": attitude, "owner": "Tom Becker",
           "last_contact": date(2026, 11, 1)}
    return row | ({"reports_to": reports_to} if reports_to else {}) | ({"buying_role": role} if role else {})


def _org_chart(contacts):
    from kamlib.method import organisation
    from tests.helpers import variant
    return charts.org_chart(organisation.org_chart_table(variant(tiny()[0], relationships=contacts)))


FIVE = [_contact("Ann", 5, role="decision_maker", attitude=-2), _contact("Cat", 4, "Ann"),
        _contact("Dan", 3, "Bob", attitude=2), _contact("Bob", 5, "Ann"), _contact("Eve", 2)]
# contact i reports to contact (i − 1) // 3: a three-way tree of 60 people, five levels deep
SIXTY = [_contact(f"C{i:02d}", 1 + i % 5, None if i == 0 else f"C{(i - 1) // 3:02d}", attitude=i % 5 - 2)
         for i in range(60)]


def _cards(fig):
    from matplotlib.patches import FancyBboxPatch
    return [p.get_bbox() for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]


@pytest.mark.parametrize("contacts", [FIVE, SIXTY], ids=["5 contacts", "60 contacts"])
def test_the_org_chart_shows_every_contact_once_on_a_card_no_two_cards_overlapping(contacts):
    fig = _org_chart(contacts)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert sorted(t for t in texts if t in {c["name"] for c in contacts}) == sorted(c["name"] for c in contacts)
    assert texts.count("ours: Tom Becker") == len(contacts)
    cards = _cards(fig)
    assert len(cards) == len(contacts)
    for i, a in enumerate(cards):
        for b in cards[i + 1:]:
            assert a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0, "two cards overlap"
    left, right = fig.axes[0].get_xlim()
    assert all(left <= c.x0 and c.x1 <= right for c in cards), "a card falls off the figure"


def test_the_org_chart_grows_with_the_contacts_instead_of_shrinking_the_cards():
    small, large = _org_chart(FIVE), _org_chart(SIXTY)
    (_, h5), (w60, h60) = small.get_size_inches(), large.get_size_inches()
    assert h60 > 3 * h5 and w60 <= 10  # wide teams wrap into rows: taller, never wider than the page
    widths = {round(c.width, 3) for c in _cards(small) + _cards(large)}
    assert len(widths) == 1  # the same card size whatever the number of contacts


def test_the_org_chart_colours_cards_by_attitude_and_names_what_each_card_says():
    from matplotlib.colors import to_hex
    from matplotlib.patches import FancyBboxPatch
    fig = _org_chart(FIVE)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    name_at = {t.get_text(): t.get_position() for t in ax.texts}
    edges = {}
    for patch in (p for p in ax.patches if isinstance(p, FancyBboxPatch)):
        box = patch.get_bbox()
        for name in ("Ann", "Dan", "Eve"):
            x, y = name_at[name]
            if box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1:
                edges[name] = to_hex(patch.get_edgecolor())
    assert edges == {"Ann": charts.ATTITUDE_COLORS[-2], "Dan": charts.ATTITUDE_COLORS[2],
                     "Eve": charts.ATTITUDE_COLORS[0]}
    assert {"decision maker", "influence 5 of 5", "attitude −2 detractor", "attitude +2 champion",
            "attitude 0 neutral"} <= set(texts)
    # Ann (top) is above Bob and Cat, who are above Dan: y grows downwards on the chart's axes
    assert name_at["Ann"][1] < name_at["Bob"][1] == name_at["Cat"][1] < name_at["Dan"][1]
    assert "Organisation chart" in " ".join(texts)


def test_the_org_chart_says_when_there_are_no_reporting_lines_or_no_contacts():
    alone = _org_chart([_contact("Ann", 5), _contact("Bob", 3)])
    assert any("no reporting lines recorded yet" in t.get_text() for t in alone.axes[0].texts)
    from kamlib.method import organisation
    empty = charts.org_chart(organisation.org_chart_table(tiny()[0]).iloc[0:0])
    assert any("no contacts recorded yet" in t.get_text() for t in empty.axes[0].texts)


def test_the_org_chart_renders_to_the_same_png_twice():
    import io
    first, second = io.BytesIO(), io.BytesIO()
    _org_chart(FIVE).savefig(first, format="png")
    _org_chart(FIVE).savefig(second, format="png")
    assert first.getvalue() == second.getvalue()


def _pipeline_account():
    from tests.helpers import variant
    account, _ = tiny()
    opportunities = [
        {"id": "OP1", "title": "Lidding film", "value": 400000, "probability": 0.5, "stage": "proposal",
         "close": date(2027, 3, 31), "owner": "Priya Raman"},
        {"id": "OP2", "title": "Labels", "value": 100000, "probability": 0.9, "stage": "won",
         "close": date(2026, 6, 30), "owner": "Priya Raman"}]
    return variant(account, opportunities=opportunities, targets=[{"year": 2027, "revenue": 3000000}])


def test_the_pipeline_chart_shows_value_and_expected_value_per_stage():
    from kamlib.method import pipeline
    fig = charts.pipeline_by_stage(pipeline.by_stage(_pipeline_account()), "GBP")
    ax = fig.axes[0]
    assert "Pipeline by stage" in ax.get_title() and "GBP" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["identified", "qualified", "proposal", "negotiation",
                                                           "won", "lost"]
    # proposal: value 400,000, expected 400,000 × 0.5 = 200,000; won counts with probability 1: 100,000
    widths = [round(p.get_width()) for p in ax.patches if p.get_width() > 0]
    assert widths == [400000, 100000, 200000, 100000]
    assert "1 opportunity" in [t.get_text() for t in ax.texts]


def test_the_targets_chart_marks_forecast_and_target_years_and_the_covered_gap():
    from kamlib.method import pipeline, targets
    account = _pipeline_account()
    table = economics.financials_table(account)
    table.loc[table.index[-1], "forecast"] = True
    summary = pipeline.summary(account, AS_OF)
    # gap = 3,000,000 − 2,650,000 = 350,000; weighted = OP1 400,000 × 0.5 = 200,000 (OP2 is won: not pipeline)
    assert (summary.revenue_gap, summary.weighted, summary.target_year) == (350000, 200000, 2027)
    fig = charts.revenue_against_targets(table, targets.targets_table(account), "GBP", summary.weighted,
                                         summary.target_year)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024", "2025\n(forecast)", "2027\n(target)"]
    assert "gap\n350k" in [t.get_text() for t in ax.texts]
    filled = [p for p in ax.patches if p.get_fill() and round(p.get_y()) == 2650000]
    assert [round(p.get_height()) for p in filled] == [200000]  # the weighted pipeline from the latest revenue up
    assert "weighted pipeline closing by the end of 2027" in [t.get_text() for t in ax.get_legend().get_texts()]


# --- Labels that do not overlap, text that is not cut off, at scale ----------------------------
# Each chart is drawn with the renderer, and every piece of text it shows is measured: no two
# boxes overlap (by more than a pixel either way) and none reaches past the figure's edge.

def _drawn_texts(fig: Figure) -> list:
    """Every piece of text the figure shows: titles, labels, notes, legends and the tick labels matplotlib
    draws (a tick outside the axes' limits is not drawn)."""
    from matplotlib.text import Text
    fig.canvas.draw()
    shown = []
    for ax in fig.axes:
        for axis, (low, high) in ((ax.xaxis, sorted(ax.get_xlim())), (ax.yaxis, sorted(ax.get_ylim()))):
            shown += [t.label1 for t in axis.get_major_ticks() if t.label1.get_visible() and low <= t.get_loc() <= high]
    skip = {id(t.label1) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for t in axis.get_major_ticks()}
    shown += [t for t in fig.findobj(Text) if id(t) not in skip and t.get_visible()]
    return [t for t in shown if t.get_text().strip()]


def _overlapping(fig: Figure) -> list[tuple[str, str]]:
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _drawn_texts(fig)]
    return [(a, b) for i, (a, one) in enumerate(boxes) for b, two in boxes[i + 1:]
            if min(one.x1, two.x1) - max(one.x0, two.x0) > 1 and min(one.y1, two.y1) - max(one.y0, two.y0) > 1]


def _cut_off(fig: Figure) -> list[str]:
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    return [t.get_text() for t in _drawn_texts(fig) for box in [t.get_window_extent(renderer)]
            if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1]


def _assert_legible(fig: Figure) -> None:
    assert _overlapping(fig) == [], "labels overlap"
    assert _cut_off(fig) == [], "text runs off the figure"


def _forces(n: int) -> list[dict]:
    """n forces crowded on a few spots: impact takes five values, likelihood seven close ones."""
    kinds = ["technology", "regulation", "consumer_demand", "purchasing_dynamics", "complexity"]
    return [{"id": f"F{i + 1}", "force": kinds[i % 5], "description": "d", "impact": i % 5 - 2,
             "likelihood": round(0.3 + 0.01 * (i % 7), 2), "horizon": ("short", "medium", "long")[i % 3],
             "implication": "i"} for i in range(n)]


def _accounts(n: int) -> pd.DataFrame:
    """n accounts with nearly the same figures: a crowd in the middle of every chart."""
    return pd.DataFrame({"account": [f"account-{i:02d}" for i in range(n)],
                         "name": [f"Customer {i:02d} Holdings Ltd" for i in range(n)],
                         "attractiveness": [0.5 + 0.001 * i for i in range(n)],
                         "relative_strength": [1.0 + 0.002 * (i % 7) for i in range(n)],
                         "wallet": [1e6 + 1e4 * i for i in range(n)], "class": ["key_account"] * n,
                         "revenue": [1e6 + 5e3 * i for i in range(n)], "cost_to_serve": [2e5 + 1e3 * i for i in range(n)],
                         "profit": [1e5 - 9e3 * i for i in range(n)]})


def test_forty_forces_are_labelled_without_overlap_and_the_figure_grows():
    from tests.helpers import variant
    account = variant(tiny()[0], environment=_forces(40))
    fig = charts.forces_map(environment.forces_table(account))
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert sorted(f"F{i}" for i in range(1, 41)) == sorted(t for t in labels if t.startswith("F"))
    assert fig.get_size_inches()[1] > 4.5
    _assert_legible(fig)


def test_a_few_forces_are_labelled_with_id_and_name_or_their_rank_without_an_id():
    from tests.helpers import variant
    account = tiny()[0]
    labels = {t.get_text() for t in FIGURES["forces_map"][0].axes[0].texts}
    assert {"1. Purchasing dynamics", "2. End-consumer demand"} <= labels   # the tiny account's forces have no ids
    with_ids = variant(account, environment=_forces(3))
    labels = {t.get_text() for t in charts.forces_map(environment.forces_table(with_ids)).axes[0].texts}
    assert {"F1 Technology", "F2 Regulation", "F3 End-consumer demand"} <= labels


def test_the_crowded_forces_chart_is_the_same_png_twice():
    import io

    from tests.helpers import variant
    account = variant(tiny()[0], environment=_forces(40))
    first, second = io.BytesIO(), io.BytesIO()
    charts.forces_map(environment.forces_table(account)).savefig(first, format="png")
    charts.forces_map(environment.forces_table(account)).savefig(second, format="png")
    assert first.getvalue() == second.getvalue()


def test_share_of_wallet_labels_of_thin_parts_sit_above_the_bar_without_overlap():
    shares = pd.DataFrame({"player": ["us", "Alpha Packaging Group", "CartonCo", "Beta", "Gamma Ltd", "Delta",
                                      "unallocated"], "share": [0.30, 0.07, 0.065, 0.03, 0.02, 0.015, 0.5]})
    fig = charts.wallet_bar(shares, "GBP")
    labels = [t.get_text() for t in fig.axes[0].texts]
    # every player is named with its share, none left out for want of room
    assert sorted(labels) == sorted(["us\n30%", "Alpha Packaging Group\n7%", "CartonCo\n6%", "Beta\n3%", "Gamma Ltd\n2%",
                                     "Delta\n2%", "unallocated\n50%"])
    _assert_legible(fig)


def test_thirty_similar_accounts_are_named_on_the_matrix_without_overlap():
    _, settings = tiny()
    fig = charts.portfolio_matrix(_accounts(30), 0.5, settings)
    names = [t.get_text() for t in fig.axes[0].texts if t.get_text().startswith("Customer")]
    assert len(names) == 30
    _assert_legible(fig)


def test_the_whale_curve_names_every_account_without_overlap():
    table = _accounts(30)
    fig = charts.whale_curve(portfolio.whale_curve(table), "GBP")
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    # ranked by profit, highest first: account 00 has the largest profit
    assert ticks[0] == "Customer 00 Holdings Ltd" and ticks[-1] == "Customer 29 Holdings Ltd" and len(ticks) == 30
    _assert_legible(fig)


def test_revenue_against_cost_names_thirty_accounts_without_overlap():
    fig = charts.revenue_vs_cost(_accounts(30), "GBP")
    assert len([t for t in fig.axes[0].texts if t.get_text().startswith("Customer")]) == 30
    _assert_legible(fig)


def test_a_crowded_ladder_names_every_player_without_overlap():
    ladder = pd.DataFrame({"player": ["us", *[f"Competitor number {i}" for i in range(8)]],
                           "rung": [2, 1, 1, 1, 1, 1, 1, 3, 3]})
    fig = charts.ladder_chart(ladder)
    assert len(fig.axes[0].texts) == 9
    _assert_legible(fig)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_demo_chart_is_legible(name):
    _assert_legible(FIGURES[name][0])


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_no_chart_text_prints_smaller_than_seven_points(name):
    fig = FIGURES[name][0]
    small = [(t.get_text(), t.get_fontsize()) for t in _drawn_texts(fig) if _printed_points(fig, t.get_fontsize()) < 6.9]
    assert small == [], f"{name}: printed below 7 pt"


def _projects(n: int) -> pd.DataFrame:
    long = "Roll out the recyclable mono-material lidding film across every chilled ready-meal line"
    return pd.DataFrame([{"id": f"P{i + 1}", "title": long if i % 3 == 0 else f"Pilot {i}", "strategy": "S1",
                          "owner": "Tom", "customer_owner": "Ann", "start": date(2026, 1, 1) + pd.Timedelta(days=7 * i),
                          "due": date(2026, 6, 1) + pd.Timedelta(days=9 * i), "status": "in_progress",
                          "overdue": False, "shared": True} for i in range(n)])


def test_gantt_titles_wrap_to_two_lines_with_the_id_and_are_never_cut_off():
    fig = charts.gantt(_projects(6), AS_OF)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "P1  Roll out the recyclable mono-\nmaterial lidding film across ever…"
    assert labels[1] == "P2  Pilot 1"
    assert all(label.count("\n") <= 1 for label in labels)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "in progress" in legend and "in_progress" not in legend
    _assert_legible(fig)


def test_eighty_projects_make_four_gantt_figures_of_twenty_that_each_fit_a_page():
    figures = charts.gantt_pages(_projects(80), AS_OF)
    assert len(figures) == 4
    ids = [t.get_text().split()[0] for fig in figures for t in fig.axes[0].get_yticklabels()]
    assert ids == [f"P{i}" for i in range(1, 81)]   # every project once, in order
    assert "Joint plan projects, 21 to 40 of 80" in _texts(figures[1])
    assert {tuple(fig.axes[0].get_xlim()) for fig in figures} == {tuple(figures[0].axes[0].get_xlim())}  # same dates
    for fig in figures:
        assert fig.get_size_inches()[1] <= PAGE_HEIGHT
        _assert_legible(fig)
    assert len(charts.gantt_pages(_projects(5), AS_OF)) == 1
    assert charts.gantt_pages(_projects(0), AS_OF) == []


PAGE_HEIGHT = 10.0   # inches of an A4 page inside its margins, about (a figure taller than this is cut in print)
PRINT_WIDTH = 680    # CSS pixels across an A4 page inside its margins: a wider image is scaled down to it


def _printed_points(fig: Figure, size: float) -> float:
    """A font size as printed: the PNG is shown at 96 pixels an inch, scaled down when wider than the page."""
    pixels = fig.get_size_inches()[0] * fig.dpi
    return size * fig.dpi / 96 * min(1.0, PRINT_WIDTH / pixels)


def _contacts(n: int) -> list[dict]:
    """A chief executive, six directors (one per function) and their managers: n people in all."""
    functions = ["procurement", "operations", "finance", "product_development", "quality", "marketing"]
    people = [_contact("Chief", 5, attitude=1) | {"function": "executive", "level": "executive"}]
    for d, function in enumerate(functions):
        people.append(_contact(f"Director {d}", 4, "Chief", attitude=d % 5 - 2)
                      | {"function": function, "level": "executive"})
    k = 0
    while len(people) < n:
        d = k % len(functions)
        people.append(_contact(f"Manager {k:02d}", 1 + k % 5, f"Director {d}", attitude=k % 5 - 2)
                      | {"function": functions[d], "level": ("management", "operational")[k % 2]})
        k += 1
    return people[:n]


@pytest.mark.parametrize("contacts", [FIVE, SIXTY, _contacts(60)], ids=["5", "60 in a deep tree", "60 under directors"])
def test_the_org_chart_in_pages_shows_every_contact_once_legibly_on_pages_that_fit(contacts):
    from kamlib.method import organisation
    from tests.helpers import variant
    table = organisation.org_chart_table(variant(tiny()[0], relationships=contacts))
    pages = charts.org_chart_pages(table)
    names = {c["name"] for c in contacts}
    shown = [t.get_text() for fig in pages for t in fig.axes[0].texts if t.get_text() in names]
    assert sorted(shown) == sorted(names)
    smallest = min(t.get_fontsize() for fig in pages for t in _drawn_texts(fig))
    for fig in pages:
        assert fig.get_size_inches()[1] <= PAGE_HEIGHT
        assert _printed_points(fig, smallest) >= 6.9, "text smaller than 7 pt in print"
        _assert_legible(fig)
    # a team continued on a later page says whom it reports to, and that person is on a card
    notes = [t.get_text() for fig in pages for t in fig.axes[0].texts if t.get_text().startswith("reporting to ")]
    assert all(n.removeprefix("reporting to ").removesuffix(" (continued)") in names for n in notes)
    assert (len(pages) == 1) == (len(contacts) == 5)


def test_no_text_runs_past_its_card():
    from matplotlib.patches import FancyBboxPatch

    from kamlib.method import organisation
    from tests.helpers import variant
    long = _contact("Maximilian Alexander Featherstonehaugh-Worthington", 5, role="decision_maker") | {
        "title": "Global Vice President, Procurement, Packaging and Indirect Materials, Europe and Africa",
        "owner": "Bartholomew Christopherson-Smythe"}
    fig = charts.org_chart(organisation.org_chart_table(variant(tiny()[0], relationships=[long])))
    renderer = fig.canvas.get_renderer()
    card = next(p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)).get_window_extent(renderer)
    inside = [t for t in fig.axes[0].texts if card.contains(*t.get_window_extent(renderer).p0)]
    assert len(inside) >= 5
    for text in inside:
        box = text.get_window_extent(renderer)
        assert card.x0 <= box.x0 and box.x1 <= card.x1 and card.y0 <= box.y0 and box.y1 <= card.y1, \
            f"{text.get_text()!r} runs past the card"
    assert any(t.get_text().endswith("…") for t in inside)  # cut, and says so


def test_the_relationship_map_places_sixty_contacts_without_overlap_and_grows():
    people = _contacts(60)
    fig = charts.relationship_map(action_plan.contacts_table(variant_with(people), AS_OF))
    names = [t.get_text().replace("\n", " ") for t in fig.axes[0].texts]
    assert sum(n.startswith(("Manager", "Director", "Chief")) for n in names) == 60
    assert fig.get_size_inches()[1] > FIGURES["relationship_map"][0].get_size_inches()[1]
    _assert_legible(fig)


def variant_with(contacts):
    from tests.helpers import variant
    return variant(tiny()[0], relationships=contacts)


def test_one_attitude_palette_for_the_org_chart_and_the_relationship_map():
    from matplotlib.colors import to_hex
    fig = charts.relationship_map(action_plan.contacts_table(variant_with(FIVE), AS_OF))
    dots = {to_hex(c.get_facecolor()[0]) for c in fig.axes[0].collections}
    # FIVE's attitudes are −2, 0 and +2
    assert dots == {charts.ATTITUDE_COLORS[-2], charts.ATTITUDE_COLORS[0], charts.ATTITUDE_COLORS[2]}
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [f"attitude {t}" for t in charts.ATTITUDE_LABELS.values()]


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_chart_says_what_it_shows_for_a_reader_who_cannot_see_it(name):
    alt = charts.alt_text(FIGURES[name][0])
    assert len(alt) > 30 and alt.endswith(".") and not alt.endswith("..")


def test_alt_texts_carry_the_charts_figures():
    account, _ = tiny()
    forces = environment.forces_table(account)
    assert charts.alt_text(FIGURES["forces_map"][0]).startswith(f"Forces acting on the customer: {len(forces)} forces")
    shares = competition.share_of_wallet(account)
    wallet = charts.alt_text(FIGURES["wallet_bar"][0])
    assert all(f"{p} {v:.0%}" in wallet for p, v in zip(shares["player"], shares["share"]))
    assert charts.alt_text(Figure()) == ""   # a figure not made here has none


def test_health_bars_never_show_a_plain_green_beside_a_loss():
    table = pd.DataFrame({"account": ["a", "b", "c"], "name": ["Alpha Ltd", "Beta plc", "Gamma SA"],
                          "plan_health": [90, 40, 60], "overdue_projects": [0, 2, 0], "profit": [-5000, 100, -1]})
    fig = charts.health_bars(table)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]      # lowest first: Beta 40, Gamma 60, Alpha 90
    assert labels == ["Beta plc (2 overdue)", "Gamma SA — loss-making account",
                      "Alpha Ltd — healthy plan, loss-making account"]
    hatches = [bar.get_hatch() for bar in ax.patches]
    assert [bool(h) for h in hatches] == [False, True, True]
    assert "hatched: loses money" in ax.get_xlabel()
    assert "Loss-making after cost to serve: Gamma SA and Alpha Ltd" in charts.alt_text(fig)
