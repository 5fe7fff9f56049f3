"""Headline figures (as the README's "Headline figures" defines them), attractiveness and portfolio tables."""

import math
from datetime import date

import pytest

from kamlib.method import portfolio
from kamlib.parameters import loader
from tests.helpers import OWN_CLASSES, TINY, settings_variant, tiny, variant

AS_OF = date(2026, 11, 24)


def test_headline_follows_the_design_definitions():
    account, settings = tiny()
    h = portfolio.headline(account, settings, AS_OF)
    assert h["customer_score"] == pytest.approx(3.8)
    assert h["supplier_score"] == pytest.approx(4.0)
    assert h["class"] == "key_account"
    assert h["relative_strength"] == pytest.approx(round(3.75 / 3.5, 4))
    assert h["share_of_wallet"] == pytest.approx(round(2_650_000 / 9_400_000, 4))
    assert h["profit"] == pytest.approx(433_500)
    assert h["overdue_projects"] == 0
    assert h["plan_health"] == 90  # coverage −10 (P2's unnamed customer owner costs nothing: P2 is internal)
    assert h["assessment_date"] == "2026-09-30" and h["year"] == 2025


def test_headline_uses_the_assessment_valid_at_the_planning_date():
    account, settings = tiny()
    h = portfolio.headline(account, settings, date(2026, 6, 30))
    assert (h["customer_score"], h["supplier_score"], h["class"]) == (pytest.approx(3.1), pytest.approx(3.7), "develop")
    early = portfolio.headline(account, settings, date(2026, 1, 1))
    assert early["class"] is None and early["customer_score"] is None and early["attractiveness"] is None


def test_attractiveness_factors_and_weighted_sum():
    account, settings = tiny()
    f = portfolio.attractiveness_factors(account, AS_OF)
    assert f["wallet"] == pytest.approx(math.log10(9_400_000 / 1e5) / 3)
    assert f["growth_potential"] == pytest.approx(0.75)
    assert f["willingness_to_partner"] == pytest.approx(0.75)
    assert f["margin"] == pytest.approx((433_500 / 2_650_000 + 0.10) / 0.40)
    expected = 0.30 * f["wallet"] + 0.25 * 0.75 + 0.20 * f["margin"] + 0.25 * 0.75
    assert portfolio.attractiveness(account, settings, AS_OF) == pytest.approx(expected)
    assert 0.70 < expected < 0.71


def test_attractiveness_factors_are_clipped_to_0_1():
    account, settings = tiny()
    rows = [dict(r.model_dump(), wallet=5e9, revenue=5e9, gross_margin=0.9, cost_to_serve=0) for r in account.financials]
    big = variant(account, financials=rows, competitors=[{"name": "us", "ladder": "vendor"}],
                  buying_criteria=[{"criterion": "price", "weight": 1.0, "scores": {"us": 3}}])
    f = portfolio.attractiveness_factors(big, AS_OF)
    assert f["wallet"] == 1.0 and f["margin"] == 1.0
    rows = [dict(r.model_dump(), wallet=50_000, revenue=10_000, gross_margin=-0.5) for r in account.financials]
    small = variant(account, financials=rows)
    f = portfolio.attractiveness_factors(small, AS_OF)
    assert f["wallet"] == 0.0 and f["margin"] == 0.0


def test_whale_curve_ends_at_total_profit():
    import pandas as pd
    table = pd.DataFrame({"account": ["a", "b", "c"], "name": ["A", "B", "C"],
                          "revenue": [10.0, 50.0, 20.0], "profit": [5.0, -3.0, 8.0]})
    curve = portfolio.whale_curve(table)
    assert list(curve["account"]) == ["c", "a", "b"]
    assert list(curve["cumulative_profit"]) == [8.0, 13.0, 10.0]


def test_competing_team_members_are_found_in_either_direction(tmp_path):
    import shutil
    shutil.copytree(TINY, tmp_path / "p")
    src = (tmp_path / "p" / "accounts" / "northwind-foods.yaml").read_text()
    (tmp_path / "p" / "accounts" / "harbor-snacks.yaml").write_text(
        src.replace("id: northwind-foods", "id: harbor-snacks").replace("Priya Raman", "Sam Ode"))
    (tmp_path / "p" / "accounts" / "northwind-foods.yaml").write_text(
        src.replace("competes_with: []", "competes_with: [harbor-snacks]"))
    whole = loader.load_portfolio(tmp_path / "p")
    conflicts = portfolio.competing_team_members(whole)
    # Tom Becker and Ana Costa are on both teams; Priya only on northwind
    assert sorted(conflicts["person"]) == ["Ana Costa", "Tom Becker"]
    assert set(zip(conflicts["account"], conflicts["competing_account"])) == {("harbor-snacks", "northwind-foods")}


def test_portfolio_table_orders_by_attractiveness(tmp_path):
    whole = loader.load_portfolio(TINY)
    table = portfolio.portfolio_table(whole, AS_OF)
    assert list(table["account"]) == ["northwind-foods"]


def test_quadrants_split_on_median_attractiveness_and_strength_one():
    assert portfolio.quadrant(0.7, 1.2, split=0.6) == "Invest to partner"
    assert portfolio.quadrant(0.6, 0.9, split=0.6) == "Build strength"  # at the split counts as high
    assert portfolio.quadrant(0.5, 1.0, split=0.6) == "Maintain efficiently"  # level counts as strong
    assert portfolio.quadrant(0.5, 0.99, split=0.6) == "Reconsider"
    assert portfolio.quadrant(0.5, None, split=0.6) is None  # no scored competitor: unknown, not level
    assert portfolio.quadrant(None, 1.2, split=0.6) is None
    import pandas as pd
    table = pd.DataFrame({"attractiveness": [0.2, 0.4, 0.9, None], "relative_strength": [1.1, 0.9, 1.0, 1.0]})
    assert portfolio.attractiveness_split(table) == pytest.approx(0.4)
    quads = portfolio.with_quadrants(table)["quadrant"].tolist()
    assert quads[:3] == ["Maintain efficiently", "Build strength", "Invest to partner"]
    assert pd.isna(quads[3])


def test_unknown_relative_strength_is_never_placed_as_if_it_were_one():
    import pandas as pd
    for missing in (None, float("nan")):
        for attractiveness in (0.1, 0.9):
            assert portfolio.quadrant(attractiveness, missing, split=0.5) is None
    table = pd.DataFrame({"account": ["a", "b", "c"], "name": ["A", "B", "C"],
                          "attractiveness": [0.2, 0.9, None], "relative_strength": [None, 1.2, 1.0]})
    assert portfolio.with_quadrants(table)["quadrant"].tolist() == [None, "Invest to partner", None]
    off = portfolio.unplaced(table)
    assert off.values.tolist() == [["a", "A", "relative strength unknown (no competitor scored on the buying criteria)"],
                                   ["c", "C", "attractiveness unknown"]]
    assert portfolio.unplaced(table.iloc[[1]]).empty


def _table():
    import pandas as pd
    return pd.DataFrame({"account": ["a", "b", "c", "d"], "name": ["A", "B", "C", "D"],
                         "class": ["strategic_partner", "key_account", "develop", None],
                         "revenue": [100.0, 50.0, 10.0, 5.0], "profit": [-5.0, 10.0, 8.0, 1.0]})


def test_capacity_check_counts_key_accounts_against_capacity():
    _, settings = tiny()
    check = portfolio.capacity_check(_table(), settings_variant(settings, capacity=3)).set_index("item")["accounts"]
    # the first half of four classes is key by default: strategic_partner and key_account
    assert check["qualify as key (strategic partner + key account)"] == 2
    assert check["headroom (capacity − qualifying)"] == 1
    assert check["class: not assessed"] == 1


def test_capacity_check_counts_key_classes_by_their_setting_not_their_name():
    import pandas as pd
    _, settings = tiny()
    own = settings_variant(settings, OWN_CLASSES, capacity=2)
    table = pd.DataFrame({"class": ["platinum", "gold", "silver", "silver", "bronze", "watch", None]})
    check = portfolio.capacity_check(table, own).set_index("item")["accounts"]
    # platinum and gold are key by default (first 2 of 5), silver by its setting: 1 + 1 + 2 = 4
    assert check["qualify as key (platinum + gold + silver)"] == 4
    assert check["headroom (capacity − qualifying)"] == -2
    assert check["class: silver"] == 2 and check["class: not assessed"] == 1
    # key: false overrides the default
    classes = [dict(c, key=False) if c["name"] == "gold" else c for c in OWN_CLASSES]
    check = portfolio.capacity_check(table, settings_variant(settings, classes)).set_index("item")["accounts"]
    assert check["qualify as key (platinum + silver)"] == 3


def test_rank_differences_largest_first():
    diffs = portfolio.rank_differences(_table(), top=2)
    # a: revenue rank 1, profit rank 4 (+3); b: 2 vs 1 (−1); c: 3 vs 2 (−1); d: 4 vs 3 (−1)
    assert diffs.iloc[0]["account"] == "a" and diffs.iloc[0]["difference"] == 3
    assert len(diffs) == 2


def test_resource_allocation_compares_team_with_the_class_s_team_size():
    from kamlib.parameters.loader import Portfolio
    whole = loader.load_portfolio(TINY)
    own = Portfolio(settings_variant(whole.settings, OWN_CLASSES), whole.accounts, whole.params_dir)
    table = portfolio.portfolio_table(own, AS_OF)  # northwind: customer 3.8, ours 4.0 → gold (team_size 3); team of 3
    row = portfolio.resource_allocation(own, table).iloc[0]
    assert (row["class"], row["team"], row["recommended"], row["difference"], row["verdict"]) == (
        "gold", 3, 3, 0, "as recommended")
    small = Portfolio(settings_variant(whole.settings, [dict(c, team_size=5) if c["name"] == "gold" else c
                                                        for c in OWN_CLASSES]), whole.accounts, whole.params_dir)
    row = portfolio.resource_allocation(small, table).iloc[0]
    assert (row["recommended"], row["difference"], row["verdict"]) == (5, -2, "under-staffed")


def test_resource_allocation_without_a_team_size_recommends_nothing():
    whole = loader.load_portfolio(TINY)  # the tiny portfolio's classes set no team_size
    table = portfolio.portfolio_table(whole, AS_OF)
    row = portfolio.resource_allocation(whole, table).iloc[0]
    assert row["class"] == "key_account" and row["team"] == 3
    assert row["recommended"] is None and row["difference"] is None
    assert row["verdict"] == "no team size set for this class"  # words, not the key


def test_class_is_key_follows_the_setting_else_the_first_half_rounded_down():
    from kamlib.method import scorecard
    from kamlib.parameters.model import PortfolioSettings
    _, settings = tiny()  # four classes, no `key` written: the first two are key
    assert [scorecard.class_is_key(settings, c.name) for c in settings.scorecard.classes] == [True, True, False, False]
    assert scorecard.class_is_key(settings, None) is False
    assert scorecard.class_is_key(settings, "no_such_class") is False

    def with_classes(*classes):
        data = settings.model_dump()
        data["scorecard"]["classes"] = [dict(name=n, customer_min=m, supplier_min=0, **extra) for n, m, extra in classes]
        return PortfolioSettings.model_validate(data, strict=False)

    three = with_classes(("gold", 4, {}), ("silver", 3, {}), ("bronze", 0, {}))  # 3 // 2 = 1 key class
    assert [scorecard.class_is_key(three, n) for n in ("gold", "silver", "bronze")] == [True, False, False]
    five = with_classes(("platinum", 4.5, {}), ("gold", 4, {}), ("silver", 3, {}), ("bronze", 2, {}), ("watch", 0, {}))
    assert [scorecard.class_is_key(five, n) for n in ("platinum", "gold", "silver", "bronze", "watch")] == \
        [True, True, False, False, False]
    written = with_classes(("gold", 4, {"key": False}), ("silver", 3, {"key": True}), ("bronze", 0, {}))
    assert [scorecard.class_is_key(written, n) for n in ("gold", "silver", "bronze")] == [False, True, False]
    single = with_classes(("all", 0, {}))  # 1 // 2 = 0: no key class by default
    assert scorecard.class_is_key(single, "all") is False


# --- The headline's second-cycle figures (DESIGN "Outputs") and the roll-ups ------------------

def _step(action, due, done=False):
    return {"action": action, "owner": "Tom Becker", "due": due, "done": done}


def _rich(account_id="rich"):
    """tiny with every section of the second cycle, each figure worked by hand in the test below."""
    account, _ = tiny()
    forecast = {"year": 2026, "revenue": 2_900_000, "gross_margin": 0.30, "cost_to_serve": 340_000,
                "wallet": 9_800_000, "forecast": True}
    opp = {"title": "x", "owner": "Priya Raman"}
    p1, p2 = (p.model_dump() for p in account.joint_plan.projects)
    p1["next_steps"] = [_step("late", date(2026, 11, 20)), _step("done", date(2026, 11, 1), done=True)]
    p2.update(status="cancelled", next_steps=[_step("of a cancelled project", date(2026, 11, 1))])
    return variant(
        account, id=account_id,
        financials=[f.model_dump() for f in account.financials] + [forecast],
        targets=[{"year": 2027, "revenue": 3_400_000}],
        opportunities=[
            dict(opp, id="OP1", value=450_000, probability=0.4, stage="proposal", close=date(2027, 3, 31)),
            dict(opp, id="OP2", value=200_000, probability=0.5, stage="negotiation", close=date(2026, 10, 31)),
            dict(opp, id="OP3", value=100_000, probability=0.25, stage="qualified", close=date(2028, 2, 1)),
            dict(opp, id="OP4", value=300_000, probability=0.2, stage="won", close=date(2026, 6, 30))],
        risks=[{"id": "R1", "risk": "Tender moves bakery film", "likelihood": 0.5, "impact": 3, "owner": "Priya Raman",
                "mitigation": "m", "status": "open", "due": date(2026, 11, 1), "contact": "Helen Shaw"},
               {"id": "R2", "risk": "r2", "likelihood": 0.7, "impact": 3, "owner": "Priya Raman", "mitigation": "m",
                "status": "mitigated"},
               {"id": "R3", "risk": "r3", "likelihood": 0.6, "impact": 2, "owner": "Tom Becker", "mitigation": "m",
                "status": "open"}],
        governance={"status": "reviewed", "review_every_days": 90, "last_review": date(2026, 8, 1)},
        joint_plan=dict(account.joint_plan.model_dump(), projects=[p1, p2]))


def test_headline_second_cycle_figures_on_a_crafted_account():
    _, settings = tiny()
    h = portfolio.headline(_rich(), settings, AS_OF)
    assert h["class"] == "key_account" and h["key_account"] is True  # 2nd of 4 classes: key by default
    # latest row 2026 is a forecast: revenue 2,900,000; profit 2,900,000 × 0.30 − 340,000 = 530,000
    assert (h["year"], h["forecast_year"], h["revenue"], h["profit"]) == (2026, True, 2_900_000, 530_000)
    # target year: earliest >= 2026 → 2027; gap 3,400,000 − 2,900,000 = 500,000
    assert (h["target_year"], h["target_revenue"], h["revenue_gap"]) == (2027, 3_400_000, 500_000)
    # open: OP1 + OP2 + OP3 = 750,000; weighted: OP1 450,000 × 0.4 = 180,000 (OP2 stale, OP3 closes
    # after 2027-12-31, OP4 won); coverage 180,000 / 500,000 = 0.36
    assert (h["pipeline_open"], h["pipeline_weighted"], h["pipeline_stale"], h["pipeline_coverage"]) == (
        750_000, 180_000, 1, 0.36)
    # open: R1 0.5 × 3 = 1.5 and R3 0.6 × 2 = 1.2 (R2's 2.1 is mitigated)
    assert (h["open_risks"], h["top_risk_score"]) == (2, 1.5)
    assert h["overdue_next_steps"] == 1  # P1's "late"; P2 is cancelled
    # review due 2026-08-01 + 90 days = 2026-10-30, before 2026-11-24
    assert (h["plan_status"], h["review_due"], h["review_overdue"]) == ("reviewed", "2026-10-30", True)


def test_headline_second_cycle_figures_without_the_new_sections():
    import json
    account, settings = tiny()
    h = portfolio.headline(account, settings, AS_OF)
    assert (h["key_account"], h["forecast_year"]) == (True, False)
    assert (h["target_year"], h["target_revenue"], h["revenue_gap"]) == (None, None, None)
    assert (h["pipeline_open"], h["pipeline_weighted"], h["pipeline_stale"], h["pipeline_coverage"]) == (0, 0, 0, None)
    assert (h["open_risks"], h["top_risk_score"], h["overdue_next_steps"]) == (0, None, 0)
    assert (h["plan_status"], h["review_due"], h["review_overdue"]) == ("draft", None, False)
    assert portfolio.headline(account, settings, date(2026, 1, 1))["key_account"] is None  # not assessed: no class
    json.dumps(portfolio.headline(_rich(), settings, AS_OF))  # the manifest carries it as JSON


def test_headline_key_account_follows_the_class_setting():
    from kamlib.parameters.model import PortfolioSettings
    account, settings = tiny()
    data = settings.model_dump()
    data["scorecard"]["classes"][1]["key"] = False  # key_account, written false
    h = portfolio.headline(account, PortfolioSettings.model_validate(data, strict=False), AS_OF)
    assert (h["class"], h["key_account"]) == ("key_account", False)


def _rollup_portfolio():
    """rich (key account, target 2027), plain (key account, no target), ahead (develop, ahead of its
    target), new (not assessed, target 2027, no pipeline)."""
    from kamlib.parameters.loader import Portfolio
    account, settings = tiny()
    plain = variant(account, id="plain")
    ahead = variant(account, id="ahead", scorecard=[account.scorecard[0].model_dump()],  # 3.1 / 3.7: develop
                    targets=[{"year": 2026, "revenue": 2_500_000}])
    new = variant(account, id="new", scorecard=[dict(account.scorecard[0].model_dump(), date=date(2027, 1, 1))],
                  targets=[{"year": 2027, "revenue": 3_000_000}])
    return Portfolio(settings, {a.id: a for a in (_rich(), plain, ahead, new)})


def test_totals_per_class_and_for_the_portfolio():
    whole = _rollup_portfolio()
    table = portfolio.portfolio_table(whole, AS_OF)
    totals = portfolio.totals_table(table, whole.settings).set_index("class")
    assert list(totals.index) == ["strategic_partner", "key_account", "develop", "maintain", "not assessed",
                                  "all accounts"]
    assert totals.loc["strategic_partner"].tolist() == [0, 0, 0, 0, 0, 0, 0, 0]
    # key_account: rich 2,900,000 + plain 2,650,000; profit 530,000 + 433,500; only rich has a target
    assert totals.loc["key_account"].tolist() == pytest.approx(
        [2, 5_550_000, 963_500, 750_000, 180_000, 1, 3_400_000, 500_000])
    assert totals.loc["develop"].tolist() == pytest.approx([1, 2_650_000, 433_500, 0, 0, 1, 2_500_000, -150_000])
    assert totals.loc["not assessed"].tolist() == pytest.approx([1, 2_650_000, 433_500, 0, 0, 1, 3_000_000, 350_000])
    # all: gaps 500,000 − 150,000 + 350,000 = 700,000
    assert totals.loc["all accounts"].tolist() == pytest.approx(
        [4, 10_850_000, 1_830_500, 750_000, 180_000, 3, 8_900_000, 700_000])


def test_target_coverage_largest_shortfall_first():
    whole = _rollup_portfolio()
    cover = portfolio.target_coverage(portfolio.portfolio_table(whole, AS_OF))
    # new: 350,000 − 0; rich: 500,000 − 180,000 = 320,000; ahead: gap −150,000 → 0; plain has no target
    assert list(cover["account"]) == ["new", "rich", "ahead"]
    assert list(cover["shortfall"]) == pytest.approx([350_000, 320_000, 0])
    assert cover.iloc[1]["pipeline_coverage"] == pytest.approx(0.36)


def test_risks_across_accounts_highest_top_score_first():
    whole = _rollup_portfolio()
    table = portfolio.risks_across_accounts(whole, AS_OF)
    assert list(table["account"]) == ["rich", "ahead", "new", "plain"]  # no open risk: by account
    rich = table.iloc[0]
    assert (rich["open_risks"], rich["top_risk_score"], rich["top_risk"], rich["overdue_mitigations"]) == (
        2, 1.5, "Tender moves bakery film", 1)
    # Helen Shaw (decision maker, influence 5, attitude −1): named by rich's R1, nobody else's
    assert list(table["unrecorded_risks"]) == [0, 1, 1, 1]
    assert table["top_risk_score"].isna().tolist() == [False, True, True, True]


def _by_the_definitions(raw: dict, as_of: date) -> dict:
    """DESIGN's definitions of the second-cycle headline figures, computed again from the raw YAML
    (plain dicts, no kamlib), to check the headline on files these tests were not written for."""
    from datetime import timedelta
    latest = raw["financials"][-1]
    years = [t for t in raw.get("targets", []) if t["year"] >= as_of.year]
    target = min(years, key=lambda t: t["year"]) if years else None
    gap = None if target is None else target["revenue"] - latest["revenue"]
    opps = raw.get("opportunities", [])
    still_open = [o for o in opps if o["stage"] not in ("won", "lost")]
    end = None if target is None else date(target["year"], 12, 31)
    weighted = sum(o["value"] * o["probability"] for o in still_open
                   if o["close"] >= as_of and (end is None or o["close"] <= end))
    open_risks = [r for r in raw.get("risks", []) if r["status"] == "open"]
    steps = [s for p in raw["joint_plan"]["projects"] if p["status"] not in ("done", "cancelled")
             for s in p.get("next_steps", []) if not s.get("done", False) and s["due"] < as_of]
    g = raw.get("governance")
    due = None if g is None else g.get("next_review") or (
        g["last_review"] + timedelta(days=g["review_every_days"]) if g.get("last_review") else None)
    return {"forecast_year": latest.get("forecast", False), "target_year": None if target is None else target["year"],
            "target_revenue": None if target is None else target["revenue"], "revenue_gap": gap,
            "pipeline_open": sum(o["value"] for o in still_open), "pipeline_weighted": weighted,
            "pipeline_stale": sum(1 for o in still_open if o["close"] < as_of),
            "pipeline_coverage": weighted / gap if gap is not None and gap > 0 else None,
            "open_risks": len(open_risks),
            "top_risk_score": max((r["likelihood"] * r["impact"] for r in open_risks), default=None),
            "overdue_next_steps": len(steps), "plan_status": "draft" if g is None else g["status"],
            "review_due": None if due is None else due.isoformat(), "review_overdue": due is not None and due < as_of}


@pytest.mark.parametrize("folder", ["parameters", "tests/data/format-example", "tests/data/tiny"])
def test_headline_matches_the_definitions_on_every_shipped_account(folder):
    import yaml

    from tests.conftest import ROOT
    if not (ROOT / folder / "portfolio.yaml").is_file():
        pytest.skip(f"{folder} is not shipped in this checkout")
    whole = loader.load_portfolio(ROOT / folder)
    for as_of in (whole.settings.as_of, date(2027, 6, 30)):
        for account_id, account in whole.accounts.items():
            raw = yaml.safe_load((ROOT / folder / "accounts" / f"{account_id}.yaml").read_text(encoding="utf-8"))
            h = portfolio.headline(account, whole.settings, as_of)
            for key, value in _by_the_definitions(raw, as_of).items():
                expected = round(value, 4) if isinstance(value, float) else value
                assert h[key] == pytest.approx(expected) if isinstance(expected, float) else h[key] == expected, \
                    f"{folder} {account_id} {as_of} {key}: {h[key]!r} != {expected!r}"


def _crossed_table():
    """Accounts where the class (OWN_CLASSES: platinum, gold, silver key; bronze, watch not) and the
    quadrant agree or not. Known attractiveness 0.2 0.3 0.4 0.7 0.8 0.9: median split 0.55."""
    import pandas as pd
    rows = [  # account, class, customer, ours, attractiveness, relative strength
        ("a", "platinum", 4.2, 3.8, 0.3, 0.8),   # key, low and weak: Reconsider
        ("b", "bronze", 2.6, 3.2, 0.9, 1.2),     # not key, high and strong: Invest to partner
        ("c", "gold", 3.6, 3.1, 0.8, 1.1),       # key, Invest to partner: agree
        ("d", "watch", 1.8, 2.0, 0.2, 1.3),      # not key, Maintain efficiently: agree
        ("e", "gold", 3.7, 3.4, 0.4, 1.3),       # key, low and strong: Maintain efficiently
        ("f", None, None, None, None, 1.0),      # not assessed
        ("g", "gold", 3.9, 3.2, 0.7, None),      # no competitor scored: not placed
    ]
    return pd.DataFrame([{"account": r[0], "name": r[0].upper(), "class": r[1], "customer_score": r[2],
                          "supplier_score": r[3], "attractiveness": r[4], "relative_strength": r[5]} for r in rows])


def test_class_against_quadrant_says_where_they_disagree_and_what_to_do():
    _, settings = tiny()
    own = settings_variant(settings, OWN_CLASSES, capacity=20)
    out = portfolio.class_vs_quadrant(_crossed_table(), own).set_index("account")
    assert out["quadrant"].tolist() == ["Reconsider", "Invest to partner", "Invest to partner", "Maintain efficiently",
                                        "Maintain efficiently", None, None]
    assert out["agree"].tolist() == [False, False, True, True, False, None, None]
    assert out.loc["a", "class_advice"] == "platinum: a key class, a team of 5 — Executive sponsor and a dedicated team"
    assert out.loc["b", "class_advice"] == "bronze: not a key class; no team size or resources set"
    assert out.loc["a", "quadrant_advice"] == portfolio.QUADRANTS[("low", "weak")][1]
    # a key class where the matrix says reconsider: 0.30 against the median 0.55, strength 0.80
    assert out.loc["a", "what_to_do"] == (
        "Its class (platinum) is a key class, but the account is less attractive than the portfolio's median "
        "(0.30 against 0.55) and a competitor leads (relative strength 0.80): add no resources; by the next review "
        "either close the gap on the criteria that weigh most or move it out of the key classes.")
    # a non-key class where the matrix says invest: silver (3.0, no minimum for us) is the nearest key class;
    # the customer's side must rise from 2.60 to 3.00, ours already meets it
    assert out.loc["b", "what_to_do"] == (
        "Attractive (0.90 against the median 0.55) and we lead (relative strength 1.20), but the scorecard keeps it "
        "out of the key classes (bronze): invest in the relationship, not just the offer — to reach silver the "
        "customer's score must rise from 2.60 to 3.00; ours already meets it.")
    assert out.loc["e", "what_to_do"] == (
        "Its class (gold) is a key class, but the account is less attractive than the portfolio's median "
        "(0.40 against 0.55) while we lead (relative strength 1.30): protect the lead at a lower cost to serve, "
        "with a team of 3 or fewer, and decide at the next review whether it should hold one of the 20 key places.")
    assert out.loc["c", "what_to_do"].startswith("Class and quadrant agree")
    level = _crossed_table()
    level.loc[1, "relative_strength"] = 1.0  # b, level with the best competitor: still "strong"
    text = portfolio.class_vs_quadrant(level, own).set_index("account").loc["b", "what_to_do"]
    assert text.startswith("Attractive (0.90 against the median 0.55) and we are level with the best competitor "
                           "(relative strength 1.00)")
    assert out.loc["f", "what_to_do"] == "Not assessed yet: score the relationship before comparing class and quadrant."
    assert out.loc["g", "what_to_do"] == ("Not on the portfolio matrix: relative strength unknown (no competitor scored "
                                          "on the buying criteria). Score the competitors to compare.")


def test_class_against_quadrant_uses_the_key_setting_not_the_name():
    _, settings = tiny()
    # the same accounts, with platinum made not key: its Reconsider no longer disagrees
    classes = [dict(c, key=False) if c["name"] == "platinum" else c for c in OWN_CLASSES]
    out = portfolio.class_vs_quadrant(_crossed_table(), settings_variant(settings, classes)).set_index("account")
    assert out.loc["a", "agree"] is True
    assert out.loc["a", "class_advice"].startswith("platinum: not a key class")


# --- Page one of the portfolio report ---------------------------------------------------------

def _team(*members):
    return [{"name": n, "role": r, "function": f} for n, r, f in members]


def test_key_account_director_is_named_by_role_then_sales_then_the_first_member():
    account, _ = tiny()
    assert portfolio.key_account_director(account).name == "Priya Raman"  # "Key account director"

    def lead(*roles):
        names = ("Priya Raman", "Tom Becker", "Ana Costa")  # the owners named elsewhere in the file stay
        return portfolio.key_account_director(variant(account, team=_team(*[(n, *r) for n, r in zip(names, roles)])))

    # a key account manager, in any case and anywhere in the role, before a head of sales
    assert lead(("Head of sales", "sales"), ("Global KEY ACCOUNT Manager, Food", "sales"), ("Finance", "finance")
                ).name == "Tom Becker"
    # a key account director before an earlier key account manager
    assert lead(("Key account manager", "sales"), ("Key account director", "executive"), ("Finance", "finance")
                ).name == "Tom Becker"
    # no such role: the first sales member; no sales member: the first of the team
    assert lead(("Supply chain lead", "operations"), ("Finance", "finance"), ("Inside sales", "sales")
                ).name == "Ana Costa"
    assert lead(("Marketing", "other"), ("Supply chain lead", "operations"), ("Finance", "finance")
                ).name == "Priya Raman"


def test_year_on_year_compares_the_latest_year_with_the_calendar_year_before():
    account, _ = tiny()
    y = portfolio.year_on_year(account)
    # 2025: 2,650,000 × 0.29 − 335,000 = 433,500; 2024: 2,400,000 × 0.31 − 310,000 = 434,000
    assert (y.year, y.forecast, y.revenue, y.previous_revenue) == (2025, False, 2_650_000, 2_400_000)
    assert (y.profit, y.previous_profit) == (pytest.approx(433_500), pytest.approx(434_000))
    gap = [dict(account.financials[0].model_dump(), year=2023), account.financials[1].model_dump()]
    y = portfolio.year_on_year(variant(account, financials=gap))  # 2023 then 2025: no 2024 to compare with
    assert (y.year, y.has_previous, y.previous_revenue, y.previous_profit) == (2025, False, None, None)


def _five():
    """The roll-up portfolio with names, and `single`: one year only, losing money (2025: 2,650,000
    × 0.10 − 335,000 = −70,000), relationship scored as tiny's (key_account)."""
    from kamlib.parameters.loader import Portfolio
    whole = _rollup_portfolio()
    named = [variant(a, name=f"Account {a.id}") for a in whole.accounts.values()]
    account, _ = tiny()
    single = variant(account, id="single", name="Account single",
                     financials=[dict(account.financials[1].model_dump(), gross_margin=0.10)])
    return Portfolio(whole.settings, {a.id: a for a in [*named, single]})


def test_portfolio_totals_with_the_change_on_the_year_before():
    whole = _five()
    t = portfolio.portfolio_totals(whole, portfolio.portfolio_table(whole, AS_OF))
    assert t.accounts == 5 and t.latest_years == (2025, 2026) and t.previous_years == (2024, 2025)
    assert t.forecast == ("Account rich",) and t.without_previous == ("Account single",)
    # revenue: rich 2,900,000 (2026, forecast) + plain, ahead, new 2,650,000 each + single 2,650,000
    assert (t.revenue.total, t.revenue.latest, t.revenue.previous) == (13_500_000, 10_850_000, 9_850_000)
    assert t.revenue.change == 1_000_000 and t.revenue.change_share == pytest.approx(1_000_000 / 9_850_000)
    # profit: 530,000 + 3 × 433,500 − 70,000 = 1,760,500; compared: 1,830,500 against 433,500 + 3 × 434,000
    assert (t.profit.total, t.profit.latest, t.profit.previous) == pytest.approx((1_760_500, 1_830_500, 1_735_500))
    assert t.profit.change == pytest.approx(95_000)
    assert (t.pipeline_open, t.pipeline_weighted) == (750_000, 180_000)
    # targets: rich 3,400,000 (gap 500,000, weighted 180,000), ahead 2,500,000 (gap −150,000), new 3,000,000
    # (gap 350,000, nothing weighted): net gap 700,000; 2 behind by 850,000; 320,000 + 350,000 not covered
    assert (t.with_target, t.target_years, t.target_revenue, t.revenue_gap) == (3, (2026, 2027), 8_900_000, 700_000)
    assert (t.behind, t.shortfall_gross, t.uncovered) == (2, 850_000, 670_000)


def test_a_loss_in_the_year_before_gives_no_share_of_change():
    total = portfolio.Total(total=50.0, latest=50.0, previous=-20.0)
    assert total.change == 70.0 and total.change_share is None
    assert portfolio.Total(10.0, 10.0, 0.0).change_share is None
    assert portfolio.Total(90.0, 90.0, 60.0).change_share == pytest.approx(0.5)


def test_an_empty_portfolio_totals_nothing():
    from kamlib.parameters.loader import Portfolio
    _, settings = tiny()
    s = portfolio.summary(Portfolio(settings, {}), AS_OF)
    assert (s.totals.accounts, s.totals.revenue.total, s.totals.with_target) == (0, 0, 0)
    assert s.actions == () and s.more == () and s.capacity.key_accounts == 0


def test_classes_against_capacity_counts_every_class_in_order():
    whole = _five()
    use = portfolio.classes_against_capacity(portfolio.portfolio_table(whole, AS_OF), whole.settings)
    # rich, plain, single: key_account; ahead: develop; new: not assessed on the planning date
    assert [(c.name, c.accounts, c.key) for c in use.classes] == [
        ("strategic_partner", 0, True), ("key_account", 3, True), ("develop", 1, False), ("maintain", 0, False)]
    assert (use.not_assessed, use.key_accounts, use.capacity, use.headroom) == (1, 3, 25, 22)
    own = settings_variant(whole.settings, capacity=2)
    assert portfolio.classes_against_capacity(portfolio.portfolio_table(whole, AS_OF), own).headroom == -1


def test_health_beside_a_loss_is_never_left_unsaid():
    assert portfolio.health_note(75, -1.0) == "healthy plan, loss-making account"  # green starts at 75
    assert portfolio.health_note(74, -1.0) == "loss-making account"
    assert portfolio.health_note(95, 0.0) is None and portfolio.health_note(95, None) is None
    import pandas as pd
    table = pd.DataFrame({"account": ["a", "b", "c"], "name": ["A", "B", "C"], "plan_health": [90, 40, 80],
                          "profit": [-5.0, -20.0, 3.0]})
    losing = portfolio.health_beside_losses(table)
    assert losing.values.tolist() == [["b", "B", 40, -20.0, "loss-making account"],
                                      ["a", "A", 90, -5.0, "healthy plan, loss-making account"]]


def test_accounts_overview_names_the_director_and_the_health_note():
    whole = _five()
    overview = portfolio.accounts_overview(whole, portfolio.portfolio_table(whole, AS_OF)).set_index("account")
    assert set(overview["director"]) == {"Priya Raman"}
    assert overview.loc["single", "health_note"] == "healthy plan, loss-making account"  # health 90, −70,000
    assert overview.loc["plain", "health_note"] is None


def test_quadrant_overview_says_not_placed_and_whether_class_and_quadrant_agree():
    _, settings = tiny()
    out = portfolio.quadrant_overview(_crossed_table(), settings_variant(settings, OWN_CLASSES))
    assert out["quadrant"].tolist() == ["Reconsider", "Invest to partner", "Invest to partner", "Maintain efficiently",
                                        "Maintain efficiently", "not placed", "not placed"]
    assert out["class_and_quadrant"].tolist() == ["disagree", "disagree", "agree", "agree", "disagree", "not compared",
                                                  "not compared"]
    assert out["relative_strength"].isna().tolist() == [False] * 6 + [True]  # unknown stays unknown, never 1.0


def _acting():
    """Six accounts (OWN_CLASSES: gold and silver key, bronze and watch not); known attractiveness
    0.3 0.9 0.8 0.2 0.7 0.6: median 0.65."""
    import pandas as pd

    from kamlib.parameters.loader import Portfolio
    account, settings = tiny()
    rows = [  # account, class, attractiveness, strength, revenue, profit, year, forecast, target, gap, weighted,
        #         health, review due (overdue when before 2026-11-24)
        ("aa", "gold", 0.3, 0.8, 800_000, -50_000, 2026, True, None, None, 0, 80, None),
        ("bb", "bronze", 0.9, 1.2, 700_000, 90_000, 2025, False, 2027, 100_000, 40_000, 85, None),
        ("cc", "gold", 0.8, 1.1, 600_000, -10_000, 2025, False, None, None, 0, 40, None),
        ("dd", "watch", 0.2, 1.3, 500_000, 20_000, 2025, False, None, None, 0, 70, "2026-10-30"),
        ("ee", "gold", 0.7, None, 900_000, 80_000, 2025, False, 2027, -10_000, 0, 90, "2026-12-01"),
        ("ff", "watch", 0.6, 1.0, 400_000, 10_000, 2025, False, 2027, 50_000, 60_000, 75, None),
    ]
    table = pd.DataFrame([{"account": r[0], "name": r[0].upper(), "class": r[1], "customer_score": 3.0,
                           "supplier_score": 3.0, "attractiveness": r[2], "relative_strength": r[3], "revenue": r[4],
                           "profit": r[5], "year": r[6], "forecast_year": r[7], "target_year": r[8],
                           "revenue_gap": r[9], "pipeline_weighted": r[10], "plan_health": r[11], "review_due": r[12],
                           "review_overdue": r[12] is not None and r[12] < "2026-11-24"} for r in rows])
    team = _team(("Priya Raman", "Head of sales", "sales"), ("Tom Becker", "Supply chain lead", "operations"),
                 ("Ana Costa", "Key account manager", "sales"))
    accounts = {r[0]: variant(account, id=r[0], team=team if r[0] == "bb" else account.team.copy()) for r in rows}
    return Portfolio(settings_variant(settings, OWN_CLASSES, capacity=20), accounts), table


def test_the_accounts_to_act_on_first_each_with_why():
    whole, table = _acting()
    acts = portfolio.actions_first(whole, table)
    # aa: loss 3 + class against quadrant 2 = 5, 50,000 at stake; cc: loss 3 + health below 50 2 = 5, 10,000;
    # bb: target 2 + class against quadrant 2 = 4; ee: strength unknown 1 (revenue 900,000); dd: review overdue 1
    # (500,000); ff agrees, covers its gap (60,000 ≥ 50,000), is healthy and not yet due: not listed
    assert [(x.account, x.weight, x.at_stake) for x in acts] == [("aa", 5, 50_000), ("cc", 5, 10_000), ("bb", 4, 60_000),
                                                                  ("ee", 1, 0), ("dd", 1, 0)]
    a, c, b, e, d = acts
    assert [r.kind for r in a.reasons] == ["loss", "class_vs_quadrant"]
    assert a.reasons[0].text == ("Loses GBP 50,000 after cost to serve in 2026 (forecast), though its plan is healthy "
                                 "(plan health 80 of 100).")
    assert a.reasons[1].text == ("Its class (gold) is key but the matrix says reconsider: add no resources; close the "
                                 "gap or move it out of the key classes.")
    assert [r.text for r in c.reasons] == ["Loses GBP 10,000 after cost to serve in 2025.",
                                           "Plan health 40 of 100: the plan needs work."]
    assert [r.text for r in b.reasons] == [
        "GBP 100,000 short of its 2027 target; the weighted pipeline covers GBP 40,000: GBP 60,000 still to find.",
        "The matrix says invest to partner but its class (bronze) is not key: invest in the relationship so the "
        "scorecard can follow."]
    assert (b.director, b.klass, a.director) == ("Ana Costa", "bronze", "Priya Raman")
    assert [r.text for r in e.reasons] == ["Relative strength unknown: score the competitors on the buying criteria."]
    assert [r.text for r in d.reasons] == ["Plan review overdue since 30 Oct 2026."]


def test_a_target_without_weighted_pipeline_says_so():
    whole, table = _acting()
    table.loc[table["account"] == "ff", "pipeline_weighted"] = 0
    f = next(x for x in portfolio.actions_first(whole, table) if x.account == "ff")
    assert [r.text for r in f.reasons] == [
        "GBP 50,000 short of its 2027 target, with no weighted pipeline to cover any of it."]
    assert f.at_stake == 50_000


def test_page_one_shows_as_many_accounts_as_its_budgets_allow_and_names_the_rest():
    whole = _five()
    everyone = portfolio.actions_first(whole, portfolio.portfolio_table(whole, AS_OF))
    assert len(everyone) >= 3
    s = portfolio.summary(whole, AS_OF, top=2)
    assert s.actions == tuple(everyone[:2]) and s.more == tuple(x.name for x in everyone[2:])
    first = len(everyone[0].reasons)
    tight = portfolio.summary(whole, AS_OF, max_reasons=first)  # the first account fills the budget
    assert len(tight.actions) == 1 and len(tight.more) == len(everyone) - 1
    assert len(portfolio.summary(whole, AS_OF, max_reasons=0).actions) == 1  # the first always shows


def _overview_notebook(folder):
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Portfolio overview\n\nThe analysis.")]
    nbformat.write(nb, folder / "00_portfolio_overview.ipynb")


def test_the_portfolio_report_opens_on_page_one(tmp_path):
    import re

    from kamlib.parameters.loader import Portfolio
    from kamlib.publishing import documents
    whole = _five()
    hostile = variant(whole.accounts["single"], name='<script>alert("x")</script> & Co')
    whole = Portfolio(whole.settings, {**whole.accounts, "single": hostile})
    _overview_notebook(tmp_path)
    assert documents.write_portfolio_document(tmp_path, whole.settings, AS_OF, "00_portfolio_overview", 3, "f" * 40,
                                              whole=whole) == ["portfolio.html"]
    page = (tmp_path / "portfolio.html").read_text(encoding="utf-8")
    visible = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S)))
    assert visible.index("How the portfolio is doing") < visible.index("Where to act first") < visible.index(
        "The analysis.")
    # totals (see test_portfolio_totals_with_the_change_on_the_year_before): 13,500,000 and +1,000,000 over
    # 9,850,000 = +10.2 %; latest years 2025 and 2026, so the change is on "the year before"
    assert "GBP 13.50m" in visible and "+GBP 1.00m (+10.2%) on the year before" in visible
    assert "(partly forecast)" in visible and "The latest year of 1 account is a forecast" in visible
    assert "1 account has no previous year" in visible and "GBP 670k not covered by the weighted pipeline" in visible
    assert "3 accounts in key classes against a capacity of 25: room for 22 more." in visible
    assert "key account" in visible and "key_account" not in visible  # words, never keys
    assert "Priya Raman" in visible and "though its plan is healthy (plan health 90 of 100)" in visible
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page
    assert "v0003" in visible and "<main>" in page


def test_the_portfolio_report_without_the_accounts_opens_on_the_notebook(tmp_path):
    from kamlib.publishing import documents
    _, settings = tiny()
    _overview_notebook(tmp_path)
    documents.write_portfolio_document(tmp_path, settings, AS_OF, "00_portfolio_overview", 1, "f" * 40)
    page = (tmp_path / "portfolio.html").read_text(encoding="utf-8")
    assert "The analysis." in page and "How the portfolio is doing" not in page


@pytest.mark.slow
def test_page_one_of_the_demo_portfolio_fits_one_page(tmp_path):
    """Printed at full scale (a one-cell notebook: no wide table shrinks the page to fit)."""
    import os
    import shutil
    import unicodedata

    from pypdf import PdfReader

    from kamlib.publishing import documents, pdf
    browser = next(filter(None, map(shutil.which, pdf.CANDIDATES)), None)
    if browser is None:
        if os.environ.get("KAM_REQUIRE_BROWSER") == "1":
            pytest.fail("KAM_REQUIRE_BROWSER=1 but no Chromium on PATH")
        pytest.skip("no Chromium on PATH (apt-get install chromium): no PDF to measure")
    from tests.conftest import DEMO_PARAMS
    whole = loader.load_portfolio(DEMO_PARAMS)
    _overview_notebook(tmp_path)
    documents.write_portfolio_document(tmp_path, whole.settings, whole.settings.as_of, "00_portfolio_overview", 1,
                                       "f" * 40, whole=whole)
    pdf.print_pdfs([(tmp_path / "portfolio.html", tmp_path / "portfolio.pdf")], browser)
    pages = [" ".join(unicodedata.normalize("NFKC", p.extract_text()).split())  # ﬁ → fi
             for p in PdfReader(tmp_path / "portfolio.pdf").pages]
    shown = portfolio.summary(whole, whole.settings.as_of)
    assert len(shown.actions) >= 5 and shown.more
    for part in ("How the portfolio is doing", "Accounts per class, against capacity", "Where to act first",
                 shown.actions[-1].director, "Also to act on", "page 1 of"):
        assert part in pages[0], part
    assert "Portfolio overview" in pages[1] and "Where to act first" not in pages[1]
