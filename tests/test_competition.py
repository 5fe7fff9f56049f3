"""Competitor positioning: weighted scores, relative strength, gaps, share of wallet."""

import pytest

from kamlib.method import competition
from tests.helpers import tiny, variant


def test_weighted_scores_per_player():
    account, _ = tiny()
    scores = competition.weighted_scores(account)
    # us: .3*3 + .25*5 + .25*4 + .2*3 = 3.75; Alpha: 1.2+.75+.75+.8 = 3.5; CartonCo: .9+.5+1+.6 = 3.0
    assert scores.to_dict() == pytest.approx({"us": 3.75, "Alpha Packaging": 3.5, "CartonCo": 3.0})


def test_relative_strength_divides_by_the_best_competitor():
    account, _ = tiny()
    assert competition.relative_strength(account) == pytest.approx(3.75 / 3.5)


def test_relative_strength_is_none_without_competitors():
    account, _ = tiny()
    alone = variant(account,
                    competitors=[{"name": "us", "ladder": "vendor"}],
                    buying_criteria=[{"criterion": "price", "weight": 1.0, "scores": {"us": 3}}])
    assert competition.relative_strength(alone) is None
    assert competition.criteria_table(alone)["gap_to_best"].isna().all()


def test_gap_to_best_competitor_weighted_by_importance():
    account, _ = tiny()
    table = competition.criteria_table(account).set_index("criterion")
    assert table["gap_to_best"].to_dict() == {"price": -1, "innovation": 2, "responsiveness": 0,
                                              "ease_of_doing_business": -1}
    assert table["weighted_gap"].to_dict() == pytest.approx({"price": -0.3, "innovation": 0.5, "responsiveness": 0.0,
                                                             "ease_of_doing_business": -0.2})


def test_share_of_wallet_ours_from_financials_rest_unallocated():
    account, _ = tiny()
    shares = competition.share_of_wallet(account).set_index("player")
    ours = 2_650_000 / 9_400_000
    assert shares.loc["us", "share"] == pytest.approx(ours)
    assert shares.loc["Alpha Packaging", "share"] == pytest.approx(0.45)
    assert shares.loc["unallocated", "share"] == pytest.approx(1 - ours - 0.45 - 0.15)
    assert shares["share"].sum() == pytest.approx(1.0)
    assert shares.loc["Alpha Packaging", "rung"] == 3 and shares.loc["us", "rung"] == 2
    assert shares.loc["CartonCo", "spend"] == pytest.approx(0.15 * 9_400_000)


def test_whitespace_matrix_and_counts():
    account, _ = tiny()
    matrix = competition.whitespace_matrix(account)
    assert list(matrix.columns) == ["flexible film", "labels", "design service"]
    assert matrix.loc["Chilled ready meals"].tolist() == ["won", "competitor", "open"]
    assert matrix.loc["Bakery"].tolist() == ["competitor", "none", "none"]
    assert competition.whitespace_counts(matrix) == {"won": 1, "open": 1, "competitor": 2, "none": 2}


def test_whitespace_targets_open_cells_first_then_competitor_held_in_file_order():
    account, _ = tiny()
    targets = competition.whitespace_targets(competition.whitespace_matrix(account))
    # by hand from the example: Chilled ready meals {film won, labels competitor, design open},
    # Bakery {film competitor, labels none, design none}
    assert targets.values.tolist() == [["Chilled ready meals", "design service", "open"],
                                       ["Chilled ready meals", "labels", "competitor"],
                                       ["Bakery", "flexible film", "competitor"]]
    none_left = competition.whitespace_matrix(account).replace({"open": "won", "competitor": "none"})
    assert competition.whitespace_targets(none_left).empty


def test_whitespace_cell_left_out_is_none_and_missing_section_is_none():
    account, _ = tiny()
    ws = account.whitespace.model_dump()
    ws["units"][0]["cells"].pop("labels")
    matrix = competition.whitespace_matrix(variant(account, whitespace=ws))
    assert matrix.loc["Chilled ready meals", "labels"] == "none"
    assert competition.whitespace_matrix(variant(account, whitespace=None)) is None


def test_ladder_table_rungs():
    account, _ = tiny()
    ladder = competition.ladder_table(account).set_index("player")["rung"].to_dict()
    assert ladder == {"us": 2, "Alpha Packaging": 3, "CartonCo": 1}
