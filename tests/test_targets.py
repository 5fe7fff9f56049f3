"""Targets against the latest actuals: the target year, the gap per measure, forecast years labelled."""

from datetime import date

import pandas as pd
import pytest

from kamlib.method import targets
from tests.helpers import tiny, variant

AS_OF = date(2026, 11, 24)
# tiny's latest year is 2025 (closed): revenue 2,650,000; profit 2,650,000 × 0.29 − 335,000 = 433,500;
# share of wallet 2,650,000 / 9,400,000 = 0.281915
TARGETS = [{"year": 2027, "revenue": 2_500_000},
           {"year": 2026, "revenue": 3_000_000, "profit": 500_000, "share_of_wallet": 0.30}]


def _with_targets(rows=TARGETS, **changes):
    account, _ = tiny()
    return variant(account, targets=rows, **changes)


def test_target_year_is_the_earliest_target_on_or_after_the_planning_year():
    account = _with_targets()
    assert targets.target_year(account, AS_OF).year == 2026
    assert targets.target_year(account, date(2026, 1, 1)).year == 2026
    assert targets.target_year(account, date(2025, 6, 1)).year == 2026  # earliest >= 2025
    assert targets.target_year(account, date(2027, 1, 1)).year == 2027
    assert targets.target_year(account, date(2028, 1, 1)) is None
    assert targets.target_year(tiny()[0], AS_OF) is None  # no targets at all


def test_revenue_gap_is_target_minus_latest_revenue_negative_when_ahead():
    account = _with_targets()
    assert targets.revenue_gap(account, AS_OF) == pytest.approx(350_000)  # 3,000,000 − 2,650,000
    assert targets.revenue_gap(account, date(2027, 3, 1)) == pytest.approx(-150_000)  # 2,500,000 − 2,650,000
    assert targets.revenue_gap(account, date(2028, 3, 1)) is None
    assert targets.revenue_gap(tiny()[0], AS_OF) is None


def test_targets_table_has_one_row_per_year_and_named_measure_in_year_order():
    table = _with_targets()
    table = targets.targets_table(table)
    assert list(zip(table["year"], table["measure"])) == [
        (2026, "revenue"), (2026, "profit"), (2026, "share_of_wallet"), (2027, "revenue")]
    rows = table.set_index(["year", "measure"])
    assert rows.loc[(2026, "revenue"), "gap"] == pytest.approx(350_000)
    assert rows.loc[(2026, "profit"), "latest"] == pytest.approx(433_500)
    assert rows.loc[(2026, "profit"), "gap"] == pytest.approx(66_500)  # 500,000 − 433,500
    assert rows.loc[(2026, "share_of_wallet"), "gap"] == pytest.approx(0.30 - 2_650_000 / 9_400_000)  # 0.018085
    assert rows.loc[(2027, "revenue"), "gap"] == pytest.approx(-150_000)
    assert rows.loc[(2026, "profit"), "label"] == "profit after cost to serve"
    assert set(table["latest_label"]) == {"2025"} and not table["latest_forecast"].any()


def test_a_forecast_latest_year_is_the_basis_and_is_labelled():
    account, _ = tiny()
    forecast = dict(account.financials[-1].model_dump(), year=2026, revenue=2_900_000, forecast=True)
    account = _with_targets([{"year": 2026, "revenue": 3_000_000}],
                            financials=[f.model_dump() for f in account.financials] + [forecast])
    table = targets.targets_table(account)
    assert table.iloc[0]["latest"] == 2_900_000 and table.iloc[0]["gap"] == pytest.approx(100_000)
    assert table.iloc[0]["latest_forecast"] and table.iloc[0]["latest_label"] == "2026 (forecast)"
    assert targets.year_label(account.financials[-1]) == "2026 (forecast)"
    assert targets.year_label(account.financials[0]) == "2024"


def test_share_of_wallet_gap_is_unknown_when_the_wallet_is_zero():
    account, _ = tiny()
    rows = [dict(f.model_dump(), revenue=0, wallet=0) for f in account.financials]
    account = _with_targets([{"year": 2026, "revenue": 100, "share_of_wallet": 0.1}], financials=rows)
    rows = targets.targets_table(account).set_index("measure")
    assert pd.isna(rows.loc["share_of_wallet", "latest"]) and pd.isna(rows.loc["share_of_wallet", "gap"])
    assert rows.loc["revenue", "gap"] == 100


def test_no_targets_give_an_empty_table_with_the_columns():
    table = targets.targets_table(tiny()[0])
    assert table.empty and list(table.columns) == targets.TARGET_COLUMNS
