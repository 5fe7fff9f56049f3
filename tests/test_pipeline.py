"""The pipeline: open, weighted and stale; by stage; coverage of the revenue gap; valued whitespace."""

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamlib.method import pipeline
from tests.helpers import tiny, variant

AS_OF = date(2026, 11, 24)
TEAM = "Priya Raman"


def _opp(id, stage, value, probability, close, **extra):
    return {"id": id, "title": f"opportunity {id}", "value": value, "probability": probability, "stage": stage,
            "close": close, "owner": TEAM, **extra}


# tiny's latest revenue is 2,650,000 (2025); a 2026 target of 3,000,000 leaves a gap of 350,000 and
# the weighted window runs from 2026-11-24 to 2026-12-31.
OPPORTUNITIES = [
    _opp("OP1", "proposal", 400_000, 0.5, date(2026, 12, 15), unit="Chilled ready meals", offering="design service"),
    _opp("OP2", "qualified", 300_000, 0.2, date(2027, 3, 31)),             # open, closes after the window
    _opp("OP3", "negotiation", 100_000, 0.8, date(2026, 10, 31)),          # open, close date passed: stale
    _opp("OP4", "won", 250_000, 0.3, date(2026, 9, 30), unit="Bakery", offering="flexible film"),
    _opp("OP5", "lost", 80_000, 0.6, date(2026, 8, 31), unit="Chilled ready meals", offering="labels"),
    _opp("OP6", "identified", 50_000, 0.1, date(2026, 11, 24)),            # closes on the planning date: counts
]
TARGET_2026 = [{"year": 2026, "revenue": 3_000_000}]


def _account(opportunities=OPPORTUNITIES, targets=TARGET_2026, **changes):
    account, _ = tiny()
    return variant(account, opportunities=opportunities, targets=targets, **changes)


def test_open_pipeline_sums_every_opportunity_not_won_or_lost():
    assert pipeline.open_pipeline(_account()) == pytest.approx(850_000)  # 400 + 300 + 100 + 50 thousand


def test_weighted_pipeline_counts_open_opportunities_closing_by_the_end_of_the_target_year():
    # OP1 400,000 × 0.5 + OP6 50,000 × 0.1 = 205,000; OP2 closes in 2027, OP3 is stale, OP4/OP5 are closed
    assert pipeline.weighted_pipeline(_account(), AS_OF) == pytest.approx(205_000)
    assert pipeline.window_end(_account(), AS_OF) == date(2026, 12, 31)


def test_without_a_target_year_the_window_has_no_end():
    # + OP2 300,000 × 0.2 = 60,000 → 265,000
    assert pipeline.weighted_pipeline(_account(targets=[]), AS_OF) == pytest.approx(265_000)
    assert pipeline.window_end(_account(targets=[]), AS_OF) is None
    later = _account(targets=[{"year": 2027, "revenue": 2_000_000}])  # target year 2027: window ends 2027-12-31
    assert pipeline.weighted_pipeline(later, AS_OF) == pytest.approx(265_000)


def test_stale_opportunities_are_open_ones_whose_close_date_has_passed():
    assert pipeline.stale_opportunities(_account(), AS_OF) == ["OP3"]
    assert pipeline.stale_opportunities(_account(), date(2027, 1, 1)) == ["OP1", "OP3", "OP6"]


def test_coverage_is_weighted_pipeline_over_a_positive_gap_else_none():
    assert pipeline.coverage(_account(), AS_OF) == pytest.approx(205_000 / 350_000)  # 0.5857
    assert pipeline.coverage(_account(targets=[]), AS_OF) is None
    ahead = _account(targets=[{"year": 2026, "revenue": 2_650_000}])  # gap 0: nothing to cover
    assert pipeline.coverage(ahead, AS_OF) is None
    s = pipeline.summary(_account(), AS_OF)
    assert (s.open, s.weighted, s.stale, s.target_year, s.revenue_gap) == (
        pytest.approx(850_000), pytest.approx(205_000), ["OP3"], 2026, pytest.approx(350_000))


def test_won_counts_with_probability_one_and_lost_with_zero_whatever_is_written():
    table = pipeline.opportunities_table(_account(), AS_OF).set_index("id")
    assert table.loc["OP4", "probability"] == 1.0 and table.loc["OP4", "expected"] == 250_000
    assert table.loc["OP5", "probability"] == 0.0 and table.loc["OP5", "expected"] == 0
    assert table.loc["OP1", "weighted"] == 200_000 and table.loc["OP2", "weighted"] == 0
    assert list(pipeline.opportunities_table(_account(), AS_OF)["id"]) == ["OP5", "OP4", "OP3", "OP6", "OP1", "OP2"]


def test_by_stage_lists_every_stage_in_the_format_order():
    table = pipeline.by_stage(_account())
    assert list(table["stage"]) == ["identified", "qualified", "proposal", "negotiation", "won", "lost"]
    # expected: 50,000 × 0.1; 300,000 × 0.2; 400,000 × 0.5; 100,000 × 0.8; 250,000 × 1; 80,000 × 0
    assert list(table["expected"]) == pytest.approx([5_000, 60_000, 200_000, 80_000, 250_000, 0])
    assert list(table["opportunities"]) == [1] * 6 and table["value"].sum() == 1_180_000
    empty = pipeline.by_stage(_account(opportunities=[]))
    assert len(empty) == 6 and empty["value"].sum() == 0


def test_no_opportunities_give_zeros_and_empty_tables():
    account = _account(opportunities=[])
    assert pipeline.open_pipeline(account) == 0 and pipeline.weighted_pipeline(account, AS_OF) == 0
    assert pipeline.coverage(account, AS_OF) == 0  # a gap of 350,000 and nothing to cover it
    assert pipeline.opportunities_table(account, AS_OF).empty


POTENTIAL_UNITS = [
    {"unit": "Chilled ready meals", "cells": {"flexible film": "won", "labels": "competitor", "design service": "open"},
     "potential": {"labels": 200_000, "design service": 250_000}},
    {"unit": "Bakery", "cells": {"flexible film": "competitor", "labels": "none", "design service": "none"},
     "potential": {"flexible film": 500_000}},
]


def _whitespace(units=POTENTIAL_UNITS):
    return {"offerings": ["flexible film", "labels", "design service"], "units": units}


def test_valued_whitespace_shows_potential_and_how_much_the_pipeline_covers():
    table = pipeline.valued_whitespace(_account(whitespace=_whitespace()))
    # open or competitor cells only, map order; OP5 (lost) does not cover the labels cell
    assert list(zip(table["unit"], table["offering"], table["cell"])) == [
        ("Chilled ready meals", "labels", "competitor"), ("Chilled ready meals", "design service", "open"),
        ("Bakery", "flexible film", "competitor")]
    assert list(table["pipeline"]) == [0, 400_000, 250_000]        # OP1 (open), OP4 (won)
    assert list(table["covered"]) == [0, 250_000, 250_000]         # capped at the potential
    assert list(table["uncovered"]) == [200_000, 0, 250_000]
    totals = pipeline.whitespace_totals(_account(whitespace=_whitespace()))
    assert (totals.cells, totals.valued_cells, totals.potential, totals.covered, totals.uncovered) == (
        3, 3, 950_000, 500_000, 450_000)
    assert totals.covered_share == pytest.approx(500_000 / 950_000)


def test_cells_without_a_potential_are_listed_but_not_summed():
    units = [dict(POTENTIAL_UNITS[0], potential={"design service": 250_000}), POTENTIAL_UNITS[1]]
    table = pipeline.valued_whitespace(_account(whitespace=_whitespace(units)))
    assert pd.isna(table.iloc[0]["potential"]) and pd.isna(table.iloc[0]["uncovered"])
    totals = pipeline.whitespace_totals(_account(whitespace=_whitespace(units)))
    assert (totals.cells, totals.valued_cells, totals.potential) == (3, 2, 750_000)
    assert pipeline.whitespace_totals(_account(whitespace=None)).covered_share is None


@st.composite
def opportunity_lists(draw):
    n = draw(st.integers(0, 8))
    return [_opp(f"OP{i}", draw(st.sampled_from(pipeline.STAGES)), draw(st.floats(0.01, 1e7)),
                 draw(st.floats(0, 1)), AS_OF + timedelta(days=draw(st.integers(-400, 900))),
                 **draw(st.sampled_from([{}, {"unit": "Bakery", "offering": "flexible film"},
                                         {"unit": "Chilled ready meals", "offering": "labels"}])))
            for i in range(n)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(opportunity_lists(), st.sampled_from([[], TARGET_2026, [{"year": 2027, "revenue": 1e6}]]),
       st.integers(0, 2_000_000))
def test_pipeline_invariants(opportunities, targets, potential):
    units = [dict(POTENTIAL_UNITS[0], potential={"labels": potential}), POTENTIAL_UNITS[1]]
    account = _account(opportunities, targets, whitespace=_whitespace(units))
    weighted, total = pipeline.weighted_pipeline(account, AS_OF), pipeline.open_pipeline(account)
    assert 0 <= weighted <= total + 1e-6
    cover = pipeline.coverage(account, AS_OF)
    assert cover is None or cover >= 0
    stages = pipeline.by_stage(account)
    assert stages["value"].sum() == pytest.approx(sum(o["value"] for o in opportunities))
    assert (stages["expected"] <= stages["value"] + 1e-6).all()
    table = pipeline.opportunities_table(account, AS_OF)
    assert table["weighted"].sum() == pytest.approx(weighted)
    valued = pipeline.valued_whitespace(account).dropna(subset=["potential"])
    assert ((valued["covered"] <= valued["potential"]) & (valued["covered"] >= 0)).all()
    assert (valued["covered"] + valued["uncovered"]).tolist() == pytest.approx(valued["potential"].tolist())
