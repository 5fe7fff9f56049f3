"""Invariants of the analysis on generated valid accounts (hypothesis)."""

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamlib.method import action_plan, competition, economics, environment, portfolio, scorecard
from kamlib.parameters.model import Account
from tests.helpers import tiny

AS_OF = date(2026, 11, 24)
score = st.integers(1, 5)
RIVALS = ["Alpha", "Beta", "Gamma"]


def _weights(n: int):
    """n weights that sum to exactly 1 (integer percentages)."""
    return st.lists(st.integers(1, 100), min_size=n, max_size=n).map(
        lambda xs: [x / sum(xs) for x in xs]).map(lambda ws: ws[:-1] + [1 - sum(ws[:-1])])


@st.composite
def accounts(draw) -> Account:
    base, _ = tiny()
    data = base.model_dump()
    n_rivals = draw(st.integers(0, 3))
    rivals = RIVALS[:n_rivals]
    years = draw(st.integers(1, 4))
    financials = []
    for i in range(years):
        revenue = draw(st.floats(0, 5e7, allow_nan=False))
        financials.append({"year": 2022 + i, "revenue": revenue, "gross_margin": draw(st.floats(-1, 1)),
                           "cost_to_serve": draw(st.floats(0, 1e7)), "wallet": revenue * draw(st.floats(1, 10))})
    data["financials"] = financials
    latest = financials[-1]
    ours = latest["revenue"] / latest["wallet"] if latest["wallet"] else 0
    room = max(0.0, 1 - ours)
    shares = [draw(st.floats(0, room / max(n_rivals, 1))) for _ in rivals]
    data["competitors"] = [{"name": "us", "ladder": draw(st.sampled_from(["vendor", "preferred_supplier",
                                                                          "strategic_partner"]))}] + \
        [{"name": r, "share_of_wallet": s, "ladder": "vendor"} for r, s in zip(rivals, shares)]
    n_criteria = draw(st.integers(1, 5))
    weights = draw(_weights(n_criteria))
    data["buying_criteria"] = [{"criterion": f"c{i}", "weight": w,
                                "scores": {p: draw(score) for p in ["us", *rivals]}} for i, w in enumerate(weights)]
    n_assess = draw(st.integers(1, 4))
    data["scorecard"] = [{"date": date(2024, 1, 1) + timedelta(days=120 * i),
                          "customer": {k: draw(score) for k in ("willingness_to_partner", "transparency",
                                                                "growth_potential", "responsiveness")},
                          "supplier": {k: draw(score) for k in ("willingness_to_partner", "transparency",
                                                                "contribution_to_growth")},
                          "evidence": "generated"} for i in range(n_assess)]
    data["environment"] = [{"force": "technology", "description": f"force {i}", "impact": draw(st.integers(-2, 2)),
                            "likelihood": draw(st.floats(0, 1)), "horizon": draw(st.sampled_from(["short", "medium",
                                                                                                  "long"])),
                            "implication": "x"} for i in range(draw(st.integers(0, 6)))]
    statuses = st.sampled_from(["planned", "in_progress", "done", "blocked", "cancelled"])
    data["joint_plan"]["projects"] = [dict(p, status=draw(statuses)) for p in data["joint_plan"]["projects"]]
    return Account.model_validate(data, strict=False)


common = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(accounts())
def test_weighted_scores_stay_within_1_and_5(account):
    _, s = tiny()
    for a in account.scorecard:
        customer, supplier = scorecard.side_scores(a, s.scorecard.weights)
        assert 1 - 1e-9 <= customer <= 5 + 1e-9 and 1 - 1e-9 <= supplier <= 5 + 1e-9
    assert competition.weighted_scores(account).between(1 - 1e-9, 5 + 1e-9).all()


@common
@given(accounts())
def test_shares_of_wallet_sum_to_one_with_nothing_negative(account):
    shares = competition.share_of_wallet(account)
    assert shares["share"].sum() == pytest.approx(1.0)
    assert (shares["share"] >= 0).all()


@common
@given(accounts())
def test_relative_strength_is_positive_or_absent(account):
    strength = competition.relative_strength(account)
    assert strength is None if not account.rivals else 0.2 <= strength <= 5


@common
@given(accounts())
def test_attractiveness_and_plan_health_stay_in_range(account):
    _, s = tiny()
    value = portfolio.attractiveness(account, s, AS_OF)
    assert value is None or 0 <= value <= 1
    assert 0 <= action_plan.plan_health(account, AS_OF).score <= 100


@common
@given(accounts())
def test_heatmap_holds_every_force_priority(account):
    forces = environment.forces_table(account)
    total = sum(g.to_numpy().sum() for g in environment.heatmap_grid(forces).values())
    assert total == pytest.approx(forces["priority"].sum())


@common
@given(accounts())
def test_lifetime_value_has_the_sign_of_latest_profit(account):
    ltv = economics.lifetime_value(account)
    profit = account.financials[-1].profit
    # rounded to the thousand, a small value may show as 0, but never with the opposite sign
    assert ltv.value * profit >= 0 and ltv.value % 1000 == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e7), st.floats(-1e6, 1e6)), min_size=1, max_size=30))
def test_whale_curve_ends_at_total_profit_and_peaks_at_the_positive_sum(rows):
    table = pd.DataFrame({"account": [f"a{i}" for i in range(len(rows))], "name": [f"A{i}" for i in range(len(rows))],
                          "revenue": [r for r, _ in rows], "profit": [p for _, p in rows]})
    curve = portfolio.whale_curve(table)
    assert curve["cumulative_profit"].iloc[-1] == pytest.approx(table["profit"].sum(), abs=1e-3)
    positive = table["profit"][table["profit"] > 0].sum()
    peak = positive if positive > 0 else curve["profit"].iloc[0]
    assert curve["cumulative_profit"].max() == pytest.approx(peak, abs=1e-3)
    assert curve["profit"].is_monotonic_decreasing
