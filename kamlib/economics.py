"""The economics of an account: revenue, margin, cost to serve and profit by year.

Profit is after cost to serve (revenue × gross margin − cost to serve): the method ranks
accounts by profit, not revenue, because the biggest customers are often not the most
profitable ones.
"""

from __future__ import annotations

import pandas as pd

from kamlib.model import Account


def financials_table(account: Account) -> pd.DataFrame:
    """One row per year: revenue, gross margin, gross profit, cost to serve, profit,
    profit margin (profit / revenue) and share of wallet (revenue / wallet)."""
    rows = []
    for f in account.financials:
        rows.append({
            "year": f.year,
            "revenue": f.revenue,
            "gross_margin": f.gross_margin,
            "gross_profit": f.gross_profit,
            "cost_to_serve": f.cost_to_serve,
            "profit": f.profit,
            "profit_margin": f.profit / f.revenue if f.revenue else None,
            "wallet": f.wallet,
            "share_of_wallet": f.revenue / f.wallet if f.wallet else None,
        })
    return pd.DataFrame(rows)
