"""Across the portfolio: account attractiveness, the headline figures and the overview tables.

Attractiveness (0..1) is Σ weight × factor with the weights of `portfolio.yaml`; each factor
is scaled to 0..1 from the account's own file, so a plan job never needs another account:

- `wallet`: the customer's category spend in the latest year on a log scale, 100 thousand
  → 0 and 100 million → 1 in the portfolio's currency (a tenfold bigger wallet adds 1/3);
- `growth_potential` and `willingness_to_partner`: the latest assessment's customer-side
  score, (score − 1) / 4;
- `margin`: the latest year's profit margin after cost to serve, −10 % → 0 and +30 % → 1.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from kamlib import competition, plan, scorecard
from kamlib.model import Account, PortfolioSettings
from kamlib.params import Portfolio

WALLET_FLOOR, WALLET_CEILING = 1e5, 1e8
MARGIN_FLOOR, MARGIN_CEILING = -0.10, 0.30


def _clip(x: float) -> float:
    return min(1.0, max(0.0, x))


def attractiveness_factors(account: Account, as_of: date) -> dict[str, float | None]:
    """Each factor of attractiveness scaled to 0..1 (None when the data is not there yet)."""
    latest_year = account.financials[-1]
    wallet = latest_year.wallet
    wallet_factor = 0.0 if wallet <= WALLET_FLOOR else _clip(
        math.log10(wallet / WALLET_FLOOR) / math.log10(WALLET_CEILING / WALLET_FLOOR))
    margin = latest_year.profit / latest_year.revenue if latest_year.revenue else None
    margin_factor = None if margin is None else _clip((margin - MARGIN_FLOOR) / (MARGIN_CEILING - MARGIN_FLOOR))
    latest = scorecard.latest_assessment(account, as_of)
    return {
        "wallet": wallet_factor,
        "growth_potential": None if latest is None else (latest.customer.growth_potential - 1) / 4,
        "margin": margin_factor,
        "willingness_to_partner": None if latest is None else (latest.customer.willingness_to_partner - 1) / 4,
    }


def attractiveness(account: Account, settings: PortfolioSettings, as_of: date) -> float | None:
    """Σ weight × factor; None if a weighted factor is unknown."""
    factors = attractiveness_factors(account, as_of)
    total = 0.0
    for name, weight in settings.attractiveness.model_dump().items():
        if weight == 0:
            continue
        if factors[name] is None:
            return None
        total += weight * factors[name]  # type: ignore[operator]
    return total


def headline(account: Account, settings: PortfolioSettings, as_of: date) -> dict[str, Any]:
    """The account's key figures as of the plan date, as defined in DESIGN.md (manifest `headline`)."""
    latest = scorecard.latest_assessment(account, as_of)
    customer = supplier = klass = None
    if latest is not None:
        customer, supplier = scorecard.side_scores(latest, settings.scorecard.weights)
        klass = scorecard.classify(customer, supplier, settings.scorecard.classes)
    year = account.financials[-1]
    overdue = plan.overdue_projects(account, as_of)
    return {
        "account": account.id,
        "name": account.name,
        "as_of": as_of.isoformat(),
        "assessment_date": latest.date.isoformat() if latest else None,
        "customer_score": _round(customer),
        "supplier_score": _round(supplier),
        "class": klass,
        "relative_strength": _round(competition.relative_strength(account)),
        "year": year.year,
        "revenue": _round(year.revenue),
        "wallet": _round(year.wallet),
        "share_of_wallet": _round(year.revenue / year.wallet if year.wallet else None),
        "profit": _round(year.profit),
        "attractiveness": _round(attractiveness(account, settings, as_of)),
        "plan_health": plan.plan_health(account, as_of).score,
        "overdue_projects": len(overdue),
        "overdue_project_ids": overdue,
    }


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def portfolio_table(portfolio: Portfolio, as_of: date) -> pd.DataFrame:
    """The headline figures of every account, most attractive first."""
    rows = [headline(a, portfolio.settings, as_of) for a in portfolio.accounts.values()]
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    return table.sort_values(["attractiveness", "account"], ascending=[False, True],
                             na_position="last", kind="stable").reset_index(drop=True)


def whale_curve(table: pd.DataFrame) -> pd.DataFrame:
    """Accounts ranked by profit, highest first, with cumulative profit (ends at the total)."""
    ranked = table.sort_values(["profit", "account"], ascending=[False, True], kind="stable").reset_index(drop=True)
    ranked["cumulative_profit"] = ranked["profit"].cumsum()
    return ranked[["account", "name", "revenue", "profit", "cumulative_profit"]]


def competing_team_members(portfolio: Portfolio) -> pd.DataFrame:
    """People on the teams of two accounts that compete with each other (a confidentiality risk)."""
    accounts = portfolio.accounts
    pairs = sorted({tuple(sorted((a_id, b_id))) for a_id, a in accounts.items()
                    for b_id in a.competes_with if b_id in accounts})
    rows = []
    for a_id, b_id in pairs:
        shared = sorted({m.name for m in accounts[a_id].team} & {m.name for m in accounts[b_id].team})
        rows += [{"person": name, "account": a_id, "competing_account": b_id} for name in shared]
    return pd.DataFrame(rows, columns=["person", "account", "competing_account"])
