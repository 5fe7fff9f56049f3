"""Account economics: profit after cost to serve, margins, share of wallet by year."""

import pytest

from kamlib import economics
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


def test_loss_after_cost_to_serve_is_negative_profit():
    account, _ = tiny()
    data = account.financials[-1].model_copy(update={"cost_to_serve": 900_000})
    assert data.profit == pytest.approx(2_650_000 * 0.29 - 900_000)
    assert data.profit < 0
