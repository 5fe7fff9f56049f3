"""Words for people: counts with the right plural, keys as words, figures in their units — in the
helpers (`kamlib.method.wording`), in every chart, and in the published documents."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from kamlib.display import charts
from kamlib.method import (
    action_plan,
    competition,
    economics,
    environment,
    organisation,
    pipeline,
    portfolio,
    scorecard,
    targets,
    wording,
)
from kamlib.parameters import loader
from tests.conftest import DEMO_PARAMS

AS_OF = date(2026, 11, 24)
RICH = ("northwind-foods", "cleanhaus-home-care")


# --- the helpers -------------------------------------------------------------------------------

def test_plural_is_singular_for_exactly_one():
    assert wording.plural(1, "force") == "1 force"
    assert wording.plural(3, "force") == "3 forces"
    assert wording.plural(0, "project") == "0 projects"
    assert wording.plural(2, "opportunity", "opportunities") == "2 opportunities"
    assert wording.plural(1, "person", "people") == "1 person"
    assert wording.plural(0.5, "point") == "0.5 points"


def test_keys_read_as_words_and_nothing_else_changes():
    assert wording.as_words("in_progress") == "in progress"
    assert wording.as_words("ease_of_doing_business") == "ease of doing business"
    assert wording.as_words("done") == "done"
    assert wording.as_words("Head of R_D") == "Head of R_D"        # a user's words, not a key
    assert wording.as_words("plan_v2.xlsx") == "plan_v2.xlsx"
    assert wording.as_words(3.5) == 3.5
    assert wording.is_key("decision_maker") and not wording.is_key("decision maker")


def test_lists_join_with_and():
    assert wording.and_list([]) == ""
    assert wording.and_list(["a"]) == "a"
    assert wording.and_list(["a", "b"]) == "a and b"
    assert wording.and_list(["a", "b", "c"]) == "a, b and c"


def test_money_percent_and_scores_in_their_units():
    assert wording.money(2_650_000, "GBP") == "GBP 2,650,000"
    assert wording.money(2_192_255, "GBP", nearest=1000) == "GBP 2,192,000"   # to the thousand
    assert wording.money(-131_500, "GBP") == "GBP −131,500"                    # a true minus sign
    assert wording.percent(0.2819) == "28%"
    assert wording.percent(0.2819, 1) == "28.2%"
    assert wording.percent(-0.05) == "−5%"
    assert [wording.score(v) for v in (3.0, 3.5, 3.25, 3.456)] == ["3", "3.5", "3.25", "3.46"]


def test_the_vocabulary_is_the_formats_keys_with_underscores():
    words = wording.vocabulary()
    assert {"in_progress", "decision_maker", "strategic_partner", "preferred_supplier", "product_development",
            "purchasing_dynamics", "willingness_to_partner"} <= words
    assert "done" not in words and all("_" in w for w in words)


# --- the charts --------------------------------------------------------------------------------

def _chart_texts(fig: Figure) -> list[str]:
    from matplotlib.text import Text
    return [t.get_text() for t in fig.findobj(Text) if t.get_text().strip()]


def _keys(text: str, also: set[str]) -> list[str]:
    """The vocabulary keys (and `also`: the user's own keys) that appear in `text` as keys."""
    return sorted(w for w in wording.vocabulary() | also if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text))


def _user_keys(whole) -> set[str]:
    """The user's own names written as keys: class names and buying criteria with underscores."""
    keys = {c.name for c in whole.settings.scorecard.classes}
    keys |= {c.criterion for a in whole.accounts.values() for c in a.buying_criteria}
    return {k for k in keys if wording.is_key(k)}


def test_no_chart_shows_a_key_or_a_bracketed_plural():
    whole = loader.load_portfolio(DEMO_PARAMS)
    settings = whole.settings
    table = portfolio.portfolio_table(whole, AS_OF)
    figures = {"matrix": charts.portfolio_matrix(table, portfolio.attractiveness_split(table), settings),
               "whale": charts.whale_curve(portfolio.whale_curve(table), settings.currency),
               "health": charts.health_bars(table)}
    for account_id in RICH:
        account = whole.accounts[account_id]
        forces = environment.forces_table(account)
        figures |= {
            f"{account_id} forces": charts.forces_map(forces),
            f"{account_id} heatmap": charts.forces_heatmap(environment.heatmap_grid(forces)),
            f"{account_id} criteria": charts.criteria_dots(competition.criteria_table(account),
                                                            ["us", *[c.name for c in account.rivals]]),
            f"{account_id} wallet": charts.wallet_bar(competition.share_of_wallet(account), settings.currency),
            f"{account_id} ladder": charts.ladder_chart(competition.ladder_table(account)),
            f"{account_id} trend": charts.scorecard_trend(scorecard.scorecard_table(account, settings, AS_OF), settings),
            f"{account_id} gantt": charts.gantt(action_plan.projects_table(account, AS_OF), AS_OF),
            f"{account_id} contacts": charts.relationship_map(action_plan.contacts_table(account, AS_OF)),
            f"{account_id} org": charts.org_chart(organisation.org_chart_table(account)),
            f"{account_id} stages": charts.pipeline_by_stage(pipeline.by_stage(account), settings.currency),
            f"{account_id} targets": charts.revenue_against_targets(economics.financials_table(account),
                                                                    targets.targets_table(account), settings.currency),
        }
    also = _user_keys(whole)
    found = {name: _keys(" | ".join(_chart_texts(fig)), also) for name, fig in figures.items()}
    assert {name: keys for name, keys in found.items() if keys} == {}
    plurals = {name: [t for t in _chart_texts(fig) if "(s)" in t] for name, fig in figures.items()}
    assert {name: texts for name, texts in plurals.items() if texts} == {}


# --- the documents -----------------------------------------------------------------------------

def visible_text(page: str) -> str:
    """What a reader sees or hears: the text without style sheets, scripts, images' data and tags,
    with the alternative texts and labels a screen reader reads out."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
    spoken = " ".join(re.findall(r'(?:alt|aria-label|title)="([^"]*)"', page))
    return html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + spoken)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """Two rich demo accounts and the portfolio, published (no PDFs)."""
    from kamlib.execution import runner
    from kamlib.publishing import versions
    outputs = tmp_path_factory.mktemp("words") / "outputs"
    with versions.outputs_lock(outputs):
        for account_id in RICH:
            runner.run_account(DEMO_PARAMS, outputs, account_id)
        runner.run_portfolio(DEMO_PARAMS, outputs)
    return outputs


DOCUMENTS = [(a, name) for a in RICH for name in ("plan.html", "joint-plan.html")] + [("portfolio", "portfolio.html")]


@pytest.mark.slow
@pytest.mark.parametrize(("owner", "name"), DOCUMENTS, ids=[f"{o}/{n}" for o, n in DOCUMENTS])
def test_documents_show_words_not_keys_and_no_bracketed_plurals(published, owner, name):
    text = visible_text((published / owner / "latest" / name).read_text(encoding="utf-8"))
    also = _user_keys(loader.load_portfolio(DEMO_PARAMS))
    keys = _keys(text, also)
    assert keys == [], f"{owner}/{name} shows keys: " + "; ".join(
        f"{k} in “…{text[m.start() - 60:m.end() + 30]}…”".replace("\n", " ")
        for k in keys for m in [re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", text)] if m)
    plurals = [text[max(0, m.start() - 50):m.end() + 20].replace("\n", " ") for m in re.finditer(r"\w\(s\)", text)]
    assert plurals == [], f"{owner}/{name} writes plurals with (s): {plurals}"
