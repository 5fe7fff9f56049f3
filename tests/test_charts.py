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
    both = pd.concat([table, table.assign(account="harbor-snacks", relative_strength=None)], ignore_index=True)
    fig = charts.portfolio_matrix(both, 0.5, settings)
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == 1  # only northwind is placed
    assert [t.get_text() for t in ax.texts if t.get_text() in ("northwind-foods", "harbor-snacks")] == ["northwind-foods"]
    notes = " ".join(t.get_text() for t in fig.texts)
    assert "Not placed, relative strength unknown (no competitor scored on the buying criteria): harbor-snacks" in notes


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
    assert edges == {"Ann": charts.ORG_ATTITUDE_EDGES[-2], "Dan": charts.ORG_ATTITUDE_EDGES[2],
                     "Eve": charts.ORG_ATTITUDE_EDGES[0]}
    assert {"decision maker", "influence 5 of 5", "attitude −2", "attitude +2", "attitude 0"} <= set(texts)
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
