"""The mutual scorecard: weighted scores per side, latest assessment, class."""

from datetime import date

import pytest

from kamlib.method import scorecard
from kamlib.parameters.model import AccountClass
from tests.helpers import OWN_CLASSES, settings_variant, tiny, variant

AS_OF = date(2026, 11, 24)


def test_weighted_side_scores_match_hand_computation():
    account, settings = tiny()
    first, latest = account.scorecard
    # customer: .3*3 + .2*2 + .3*4 + .2*3 = 3.1; ours: .4*4 + .3*4 + .3*3 = 3.7
    assert scorecard.side_scores(first, settings.scorecard.weights) == pytest.approx((3.1, 3.7))
    # customer: .3*4 + .2*3 + .3*4 + .2*4 = 3.8; ours: .4*4 + .3*4 + .3*4 = 4.0
    assert scorecard.side_scores(latest, settings.scorecard.weights) == pytest.approx((3.8, 4.0))


def test_latest_assessment_is_the_newest_on_or_before_the_planning_date():
    account, _ = tiny()
    assert scorecard.latest_assessment(account, AS_OF).date == date(2026, 9, 30)
    assert scorecard.latest_assessment(account, date(2026, 9, 30)).date == date(2026, 9, 30)
    assert scorecard.latest_assessment(account, date(2026, 9, 29)).date == date(2026, 3, 31)
    assert scorecard.latest_assessment(account, date(2026, 1, 1)) is None


def test_first_class_whose_both_thresholds_hold_wins():
    _, settings = tiny()
    classes = settings.scorecard.classes
    assert scorecard.classify(4.0, 3.5, classes) == "strategic_partner"
    assert scorecard.classify(4.5, 3.4, classes) == "key_account"  # ours too low for partner
    assert scorecard.classify(3.8, 4.0, classes) == "key_account"
    assert scorecard.classify(3.1, 3.7, classes) == "develop"
    assert scorecard.classify(3.1, 0.0, classes) == "develop"
    assert scorecard.classify(2.49, 5.0, classes) == "maintain"


def test_classify_falls_back_to_the_last_class():
    classes = [AccountClass(name="a", customer_min=3, supplier_min=3), AccountClass(name="b", customer_min=2, supplier_min=2)]
    assert scorecard.classify(1.0, 1.0, classes) == "b"


def test_scorecard_table_lists_assessments_up_to_the_planning_date():
    account, settings = tiny()
    table = scorecard.scorecard_table(account, settings, AS_OF)
    assert list(table["class"]) == ["develop", "key_account"]
    assert list(table["customer_score"]) == pytest.approx([3.1, 3.8])
    assert len(scorecard.scorecard_table(account, settings, date(2026, 6, 1))) == 1
    assert scorecard.scorecard_table(account, settings, date(2025, 1, 1)).empty


def test_resource_table_shows_each_class_s_own_settings():
    _, settings = tiny()
    own = settings_variant(settings, OWN_CLASSES)
    table = scorecard.resource_table(own).set_index("class")
    assert list(table.index) == ["platinum", "gold", "silver", "bronze", "watch"]
    # key: platinum and gold by default (first 2 of 5), silver by its setting
    assert list(table["key"]) == [True, True, True, False, False]
    assert table.loc["platinum", "resources"] == "Executive sponsor and a dedicated team"
    assert table.loc["platinum", "team_size"] == 5 and table.loc["watch", "team_size"] == 0
    # bronze sets neither: nothing is made up for it
    assert table.loc["bronze", "resources"] == "not set in portfolio.yaml" and table.loc["bronze", "team_size"] is None
    assert table.loc["gold", "colour"] == "#123456"


def test_resource_guidance_does_not_come_from_a_class_s_name():
    _, settings = tiny()  # the tiny portfolio's classes carry no resources or team size
    table = scorecard.resource_table(settings)
    assert list(table["class"]) == ["strategic_partner", "key_account", "develop", "maintain"]
    assert set(table["resources"]) == {"not set in portfolio.yaml"}
    assert list(table["key"]) == [True, True, False, False]


def test_class_colours_come_from_settings_else_the_palette_by_rank():
    _, settings = tiny()
    colours = scorecard.class_colours(settings_variant(settings, OWN_CLASSES))
    palette = scorecard.CLASS_PALETTE
    assert colours == {"platinum": palette[0], "gold": "#123456", "silver": palette[2], "bronze": palette[3],
                       "watch": palette[4]}
    # a renamed class keeps the colour of its rank
    renamed = settings_variant(settings, [dict(c.model_dump(), name=f"tier_{i}")
                                          for i, c in enumerate(settings.scorecard.classes)])
    assert list(scorecard.class_colours(renamed).values()) == list(scorecard.class_colours(settings).values())
    many = settings_variant(settings, [{"name": f"c{i}", "customer_min": 0, "supplier_min": 0}
                                       for i in range(len(palette) + 1)])
    assert scorecard.class_colours(many)[f"c{len(palette)}"] == palette[0]  # the palette repeats


def test_single_assessment_account_has_one_row():
    account, settings = tiny()
    thin = variant(account, scorecard=[account.scorecard[0].model_dump()])
    assert len(scorecard.scorecard_table(thin, settings, AS_OF)) == 1


def test_assessment_matrix_has_attributes_as_rows_and_dates_as_columns():
    account, settings = tiny()
    matrix = scorecard.assessment_matrix(scorecard.scorecard_table(account, settings, AS_OF))
    assert list(matrix.columns) == ["attribute", "2026-03-31", "2026-09-30"]
    rows = matrix.set_index("attribute")
    assert rows.loc["customer: transparency", "2026-03-31"] == 2
    assert rows.loc["us: contribution to growth", "2026-09-30"] == 4
    assert rows.loc["class", "2026-09-30"] == "key_account"


def _assessments(account, *pairs):
    """Assessments built from (customer dict, supplier dict) pairs, half a year apart."""
    out = []
    for i, (customer, supplier) in enumerate(pairs):
        base = account.scorecard[0].model_dump()
        base["date"] = date(2025 + i // 2, 3 if i % 2 == 0 else 9, 30)
        base["customer"].update(customer)
        base["supplier"].update(supplier)
        out.append(base)
    return out


def test_no_mismatch_on_the_example():
    account, settings = tiny()
    # latest: customer 3.8 vs ours 4.0; willingness 4 vs 4; transparency 2 then 3
    assert scorecard.mismatch_flags(account, settings, AS_OF) == []


def test_customer_more_willing_than_us_flags_under_investing():
    account, settings = tiny()
    keen = variant(account, scorecard=_assessments(
        account, ({"willingness_to_partner": 5, "transparency": 4, "growth_potential": 4, "responsiveness": 4},
                  {"willingness_to_partner": 3, "transparency": 3, "contribution_to_growth": 3})))
    # customer .3*5+.2*4+.3*4+.2*4 = 4.3; ours .4*3+.3*3+.3*3 = 3.0: gap 1.3
    flags = scorecard.mismatch_flags(keen, settings, AS_OF)
    assert [f.kind for f in flags] == ["under_investing"]
    assert "4.30" in flags[0].message and "3.00" in flags[0].message


def test_guarded_customer_over_two_assessments_while_we_invest_is_flagged():
    account, settings = tiny()
    guarded = {"willingness_to_partner": 3, "transparency": 2, "growth_potential": 4, "responsiveness": 3}
    invest = {"willingness_to_partner": 4, "transparency": 4, "contribution_to_growth": 4}
    two = variant(account, scorecard=_assessments(account, (guarded, invest), (guarded, invest)))
    assert [f.kind for f in scorecard.mismatch_flags(two, settings, AS_OF)] == ["opportunistic_customer"]
    # only the latest guarded: not yet a pattern
    open_then_guarded = variant(account, scorecard=_assessments(
        account, (dict(guarded, transparency=4), invest), (guarded, invest)))
    assert scorecard.mismatch_flags(open_then_guarded, settings, AS_OF) == []
    # guarded twice but we do not invest either (ours 3.0): no flag
    low = {"willingness_to_partner": 3, "transparency": 3, "contribution_to_growth": 3}
    both_low = variant(account, scorecard=_assessments(account, (guarded, low), (guarded, low)))
    assert scorecard.mismatch_flags(both_low, settings, AS_OF) == []
