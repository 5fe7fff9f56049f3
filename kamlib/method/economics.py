"""The economics of an account: revenue, margin, cost to serve and profit by year.

Profit is after cost to serve (revenue × gross margin − cost to serve): the method ranks
accounts by profit, not revenue, because the biggest customers are often not the most
profitable ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kamlib.parameters.model import Account


def financials_table(account: Account) -> pd.DataFrame:
    """One row per year: revenue, gross margin, gross profit, cost to serve, profit,
    profit margin (profit / revenue), share of wallet (revenue / wallet), and `forecast`: true for
    a year still forecast (not closed), to be labelled so wherever its figures are shown."""
    rows = []
    for f in account.financials:
        rows.append({
            "year": f.year,
            "forecast": f.forecast,
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


LTV_YEARS = 5          # the method's horizon for a key account relationship: 3-5 years
LTV_DISCOUNT = 0.10    # a typical cost of capital
LTV_GROWTH_CAP = 0.20  # past growth is not extrapolated beyond ±20 % a year
LTV_ROUNDING = -3      # to the thousand: an estimate over five years is not good to the pound


@dataclass(frozen=True)
class LifetimeValue:
    """A simple lifetime value estimate (rounded to the thousand) and the assumptions behind it."""

    value: float
    annual_profit: float
    growth: float
    years: int
    discount: float
    assumptions: list[str]


def revenue_growth(account: Account) -> float:
    """Compound yearly revenue growth between the first and latest financial years (0 with one
    year or a zero start), capped at ±20 %."""
    first, last = account.financials[0], account.financials[-1]
    span = last.year - first.year
    if span <= 0 or first.revenue <= 0 or last.revenue <= 0:
        return 0.0
    growth = (last.revenue / first.revenue) ** (1 / span) - 1
    return max(-LTV_GROWTH_CAP, min(LTV_GROWTH_CAP, growth))


def lifetime_value(account: Account, years: int = LTV_YEARS, discount: float = LTV_DISCOUNT) -> LifetimeValue:
    """Σ over the next `years` of profit × (1 + g)^t / (1 + r)^t, t = 1..years.

    Profit is the latest year's profit after cost to serve (a forecast year when the latest is
    one, and the assumptions say so); g is past revenue growth (profit margin held constant); r
    the discount rate. The value is rounded to the thousand (Python's round: a tie goes to the even
    thousand): the estimate is not good to the pound.
    """
    latest = account.financials[-1]
    profit = latest.profit
    growth = revenue_growth(account)
    exact = sum(profit * ((1 + growth) / (1 + discount)) ** t for t in range(1, years + 1))
    value = round(exact, LTV_ROUNDING) + 0.0  # + 0.0: no "-0"
    which = f"latest year's ({latest.year}, a forecast)" if latest.forecast else "latest year's"
    assumptions = [
        f"the relationship lasts {years} more years (the method's 3-5 year horizon)",
        f"profit after cost to serve starts at the {which} {profit:,.0f}",
        f"it grows with past revenue growth of {growth:+.1%} a year"
        + (" (one year of data: no growth assumed)" if len(account.financials) == 1 else "")
        + ", margin held constant",
        f"future profit is discounted at {discount:.0%} a year",
    ]
    return LifetimeValue(value, profit, growth, years, discount, assumptions)
