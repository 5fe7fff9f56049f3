"""Account economics: profit after cost to serve, margins, share of wallet by year."""

import pytest

from kamlib.method import economics
from tests.helpers import tiny


def test_financials_table_by_year():
    account, _ = tiny()
    table = economics.financials_table(account).set_index("year")
    # 2024: 2.4m × 31% − 310k = 434k; 2025: 2.65m × 29% − 335k = 433.5k
    assert table.loc[2024, "profit"] == pytest.approx(434_000)
    assert table.loc[2025, "profit"] == pytest.approx(433_500)
    assert table.loc[2025, "gross_profit"] == pytest.approx(768_500)
    assert table.loc[2024, "profit_margin"] == pytest.approx(434_000 / 2_400_000)
    assert table.loc[2024, "share_of_wallet"] == pytest.approx(2.4 / 9.0)
    assert table["forecast"].tolist() == [False, False]


def test_forecast_years_are_labelled():
    account, _ = tiny()
    from tests.helpers import variant
    rows = [r.model_dump() for r in account.financials]
    rows.append(dict(rows[-1], year=2026, revenue=2_900_000, wallet=9_800_000, forecast=True))
    ahead = variant(account, financials=rows)
    table = economics.financials_table(ahead)
    assert table[["year", "forecast"]].values.tolist() == [[2024, False], [2025, False], [2026, True]]
    ltv = economics.lifetime_value(ahead)
    assert "the latest year's (2026, a forecast)" in ltv.assumptions[1]


def test_loss_after_cost_to_serve_is_negative_profit():
    account, _ = tiny()
    data = account.financials[-1].model_copy(update={"cost_to_serve": 900_000})
    assert data.profit == pytest.approx(2_650_000 * 0.29 - 900_000)
    assert data.profit < 0


def test_revenue_growth_is_compound_and_capped():
    account, _ = tiny()
    assert economics.revenue_growth(account) == pytest.approx(2.65 / 2.4 - 1)
    rows = [dict(r.model_dump()) for r in account.financials]
    rows[0]["revenue"], rows[0]["wallet"] = 1_000_000, 9_000_000
    rows[1]["revenue"] = 4_000_000  # +300 % in a year → capped at +20 %
    from tests.helpers import variant
    assert economics.revenue_growth(variant(account, financials=rows)) == pytest.approx(0.20)
    assert economics.revenue_growth(variant(account, financials=rows[-1:])) == 0.0


def test_lifetime_value_discounts_five_years_of_growing_profit():
    account, _ = tiny()
    ltv = economics.lifetime_value(account)
    g = 2.65 / 2.4 - 1
    q = (1 + g) / 1.10
    expected = 433_500 * sum(q ** t for t in range(1, 6))  # 2,192,255.xx
    assert 2_192_000 < expected < 2_192_500
    assert ltv.value == 2_192_000  # to the thousand: the estimate is not good to the pound
    assert len(ltv.assumptions) == 4 and "10%" in ltv.assumptions[-1]


def test_lifetime_value_without_growth_is_an_annuity():
    account, _ = tiny()
    from tests.helpers import variant
    single = variant(account, financials=[account.financials[-1].model_dump()])
    ltv = economics.lifetime_value(single, years=3, discount=0.0)
    assert ltv.value == 1_300_000  # 3 × 433,500 = 1,300,500, to the thousand (half to even)
    assert "no growth assumed" in ltv.assumptions[2]
