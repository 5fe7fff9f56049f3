"""The plan on a page (kamlib.method.summary): every figure worked out by hand on the tiny account.

The tiny account (tests/data/tiny): financials 2024 revenue 2,400,000 × margin 0.31 − cost to
serve 310,000 = profit 434,000, wallet 9,000,000; 2025 revenue 2,650,000 × 0.29 − 335,000 =
433,500, wallet 9,400,000. Scorecard weights customer 0.3/0.2/0.3/0.2, supplier 0.4/0.3/0.3.
Assessment 2026-03-31: customer 3, 2, 4, 3 → 0.9 + 0.4 + 1.2 + 0.6 = 3.1 (develop: below
key_account's 3.2); 2026-09-30: customer 4, 3, 4, 4 → 1.2 + 0.6 + 1.2 + 0.8 = 3.8, supplier
4, 4, 4 → 4.0: key_account; strategic_partner needs customer ≥ 4.0 (short by 0.2) and supplier
≥ 3.5 (met).
"""

from datetime import date

import pytest

from kamlib.method import findings, summary
from tests.helpers import tiny, variant

AS_OF = date(2026, 11, 24)


def _team(*members):
    return [{"name": n, "role": r, "function": f} for n, r, f in members]


def test_account_director_is_named_by_role_then_sales_then_first_member():
    account, _ = tiny()
    assert summary.account_director(account).name == "Priya Raman"          # "Key account director"
    sales_last = variant(account, team=_team(("Tom Becker", "Supply chain lead", "operations"),
                                             ("Ana Costa", "Finance business partner", "finance"),
                                             ("Priya Raman", "Head of sales", "sales")))
    assert summary.account_director(sales_last).name == "Priya Raman"        # the sales member
    managed = variant(account, team=_team(("Tom Becker", "Supply chain lead", "sales"),
                                          ("Priya Raman", "Global Account Manager", "sales")))
    assert summary.account_director(managed).name == "Priya Raman"           # role before function
    nobody = variant(account, team=_team(("Tom Becker", "Supply chain lead", "operations"),
                                         ("Priya Raman", "Analyst", "finance")))
    assert summary.account_director(nobody).name == "Tom Becker"             # the first member


def test_class_standing_trend_and_distance_to_the_next_class():
    account, settings = tiny()
    standing = summary.class_standing(account, settings, AS_OF)
    assert (standing.name, standing.previous_name, standing.trend) == ("key_account", "develop", "up")
    assert standing.customer_score == pytest.approx(3.8)
    assert standing.supplier_score == pytest.approx(4.0)
    assert standing.next_name == "strategic_partner"
    assert standing.customer_shortfall == pytest.approx(0.2)
    assert standing.supplier_shortfall is None
    assert standing.key is True


def test_class_standing_before_the_second_assessment_and_before_any():
    account, settings = tiny()
    first = summary.class_standing(account, settings, date(2026, 6, 30))
    assert (first.name, first.trend, first.previous_name) == ("develop", "first", None)
    # develop → key_account needs customer ≥ 3.2 (3.1: short by 0.1) and supplier ≥ 3.0 (met)
    assert first.next_name == "key_account"
    assert first.customer_shortfall == pytest.approx(0.1)
    none = summary.class_standing(account, settings, date(2026, 1, 1))
    assert (none.name, none.trend, none.next_name) == (None, "none", None)


def test_class_moving_down_reads_down():
    account, settings = tiny()
    rows = [a.model_dump() for a in account.scorecard]
    rows[0], rows[1] = dict(rows[1], date=rows[0]["date"]), dict(rows[0], date=rows[1]["date"])
    assert summary.class_standing(variant(account, scorecard=rows), settings, AS_OF).trend == "down"


def test_headline_figures_change_on_the_year_and_on_the_previous_version():
    account, settings = tiny()
    previous = {"revenue": 2_500_000, "profit": 400_000, "share_of_wallet": 0.25, "relative_strength": 1.2,
                "plan_health": 50}
    figures = {f.label: f for f in summary.headline_figures(account, settings, AS_OF, previous)}
    revenue = figures["Revenue"]
    assert (revenue.value, revenue.previous_year, revenue.previous_version) == (2_650_000, 2_400_000, 2_500_000)
    assert revenue.change_on_year == 250_000 and revenue.change_on_version == 150_000
    profit = figures["Profit after cost to serve"]
    assert profit.value == pytest.approx(433_500) and profit.change_on_year == pytest.approx(-500)
    assert profit.change_on_version == pytest.approx(33_500)
    margin = figures["Profit margin"]
    assert margin.value == pytest.approx(433_500 / 2_650_000)
    assert margin.previous_year == pytest.approx(434_000 / 2_400_000)
    assert margin.previous_version == pytest.approx(400_000 / 2_500_000)
    wallet = figures["Share of wallet"]
    assert wallet.change_on_year == pytest.approx(2_650_000 / 9_400_000 - 2_400_000 / 9_000_000)
    assert wallet.change_on_version == pytest.approx(2_650_000 / 9_400_000 - 0.25)
    assert figures["Relative strength"].previous_year is None          # no yearly history of it
    assert figures["Plan health"].change_on_version == figures["Plan health"].value - 50


def test_a_first_version_and_a_single_year_have_no_changes():
    account, settings = tiny()
    one_year = variant(account, financials=[account.financials[-1].model_dump()])
    for figure in summary.headline_figures(one_year, settings, AS_OF):
        assert figure.change_on_year is None and figure.change_on_version is None


def test_target_gap_and_pipeline_coverage():
    account, _ = tiny()
    assert summary.target_gap(account, AS_OF) is None                  # the tiny account sets no target
    opportunity = {"id": "OP1", "title": "film", "value": 400_000, "probability": 0.5, "stage": "proposal",
                   "close": date(2027, 3, 31), "owner": "Priya Raman"}
    late = dict(opportunity, id="OP2", close=date(2028, 3, 31))       # closes after the target year
    aimed = variant(account, targets=[{"year": 2027, "revenue": 3_000_000}], opportunities=[opportunity, late])
    gap = summary.target_gap(aimed, AS_OF)
    # gap 3,000,000 − 2,650,000 = 350,000; weighted in the window 400,000 × 0.5 = 200,000
    assert (gap.year, gap.revenue, gap.gap, gap.weighted_pipeline) == (2027, 3_000_000, 350_000, 200_000)
    assert gap.coverage == pytest.approx(200_000 / 350_000)


def _risk(id, likelihood, impact, status="open", due=None):
    return {"id": id, "risk": f"risk {id}", "likelihood": likelihood, "impact": impact, "owner": "Priya Raman",
            "mitigation": "act", "status": status, "due": due}


def test_top_risks_are_the_three_open_ones_with_the_highest_score():
    account, _ = tiny()
    rows = [_risk("R1", 0.2, 3), _risk("R2", 0.9, 3, "closed"), _risk("R3", 0.5, 2, due=date(2026, 11, 1)),
            _risk("R4", 0.9, 1), _risk("R5", 0.1, 1)]
    top = summary.top_risks(variant(account, risks=rows), AS_OF)
    # open scores: R1 0.6, R3 1.0, R4 0.9, R5 0.1 (R2 closed)
    assert [r.id for r in top] == ["R3", "R4", "R1"]
    assert [r.score for r in top] == pytest.approx([1.0, 0.9, 0.6])
    assert [r.overdue for r in top] == [True, False, False]


def _with_steps(account, steps, status="in_progress", decision=None):
    plan = account.joint_plan.model_dump()
    plan["projects"][0].update(status=status, next_steps=steps, decision_needed=decision)
    return variant(account, joint_plan=plan)


def test_steps_due_overdue_first_then_within_ninety_days():
    account, _ = tiny()
    steps = [{"action": "far", "owner": "Tom Becker", "due": date(2027, 3, 1)},          # 97 days: out
             {"action": "soon", "owner": "Raj Patel", "due": date(2026, 12, 5)},         # 11 days
             {"action": "late", "owner": "Tom Becker", "due": date(2026, 11, 1)},        # −23: overdue
             {"action": "edge", "owner": "Tom Becker", "due": date(2027, 2, 22)},        # 90 days: in
             {"action": "done", "owner": "Tom Becker", "due": date(2026, 11, 30), "done": True}]
    due = summary.steps_due(_with_steps(account, steps), AS_OF)
    assert [(s.action, s.days, s.side) for s in due] == [("late", -23, "ours"), ("soon", 11, "customer"),
                                                         ("edge", 90, "ours")]
    assert summary.steps_due(_with_steps(account, steps, status="done"), AS_OF) == ()


def test_plan_on_a_page_gathers_the_parts():
    account, settings = tiny()
    steps = [{"action": "late", "owner": "Tom Becker", "due": date(2026, 11, 1)},
             {"action": "soon", "owner": "Raj Patel", "due": date(2026, 12, 5)}]
    page = summary.plan_on_a_page(_with_steps(account, steps, decision="A downtime slot"), settings, AS_OF,
                                  previous={"revenue": 2_000_000}, previous_version="v0001 of 2026-08-31")
    assert (page.director, page.year, page.currency, page.previous_version) == (
        "Priya Raman", 2025, settings.currency, "v0001 of 2026-08-31")
    assert page.figures[0].change_on_version == 650_000
    assert page.overdue_steps == 1 and len(page.next_steps) == 2
    assert [(d.project, d.decision) for d in page.decisions] == [("P1", "A downtime slot")]
    assert page.plan.status == "draft"                                   # no governance
    assert summary.MIN_FINDINGS <= len(page.findings) <= summary.MAX_FINDINGS
    assert [f.priority for f in page.findings] == sorted((f.priority for f in page.findings), reverse=True)
    first = summary.plan_on_a_page(account, settings, AS_OF, previous=None, previous_version="v0009")
    assert first.previous_version is None                               # no headline: nothing to compare


@pytest.mark.parametrize(("priorities", "shown"), [
    ([85, 70, 60, 50, 30], [85, 70, 60, 50]),      # four to act on: the context finding stays out
    ([85, 45, 30, 20, 10], [85, 45, 30]),          # only two: filled up to three
    ([30, 20], [30, 20]),                          # fewer than three found at all
])
def test_findings_below_the_plan_band_only_to_reach_three(monkeypatch, priorities, shown):
    account, settings = tiny()
    made = [findings.Finding(f"f{p}", p, "", findings.Step.PLAN) for p in priorities]
    monkeypatch.setattr(findings, "top_findings", lambda *args, n: made[:n])
    page = summary.plan_on_a_page(account, settings, AS_OF)
    assert [f.priority for f in page.findings] == shown
