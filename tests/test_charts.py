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
