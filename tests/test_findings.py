"""The "what this means for the plan" findings: computed from the results, 3-6 per step."""

from datetime import date

from kamlib.method import findings, portfolio
from kamlib.parameters import loader
from tests.helpers import OWN_CLASSES, TINY, settings_variant, tiny, variant

AS_OF = date(2026, 11, 24)


def test_environment_findings_link_the_top_force_to_our_strongest_answer():
    account, _ = tiny()
    found = findings.environment_findings(account)
    assert found[0] == ("Purchasing dynamics is the highest-priority force (short term, likelihood 90%, impact -2): "
                        "it threatens the customer; our strongest answer is innovation, where we lead Alpha "
                        "Packaging by 2 point(s).")
    # the tiny account's forces have no id: no strategy can answer them by link, and the finding says so
    assert found[-1] == ("Purchasing dynamics, end-consumer demand have no id, so no strategy can answer them yet: "
                         "give each force an id and list it in the answers of the strategy that meets it.")
    assert 3 <= len(found) <= 6


def test_environment_findings_call_a_force_answered_only_by_a_link():
    account, _ = tiny()
    forces = [dict(f.model_dump(), id=f"F{i}") for i, f in enumerate(account.environment, start=1)]
    plan = account.joint_plan.model_dump()
    plan["strategies"][0]["answers"] = ["F1"]
    found = findings.environment_findings(variant(account, environment=forces, joint_plan=plan))
    assert found[-1] == ("The joint plan does not yet answer end-consumer demand (F2): no strategy lists it in its "
                         "answers.")
    plan["strategies"][1]["answers"] = ["F2"]
    found = findings.environment_findings(variant(account, environment=forces, joint_plan=plan))
    assert found[-1].startswith("Every force of priority 0.5 or more is answered")


def test_environment_findings_state_both_perspectives():
    account, _ = tiny()
    found = findings.environment_findings(account)
    assert "1 force(s) help the customer (end-consumer demand)." in found
    assert ("2 force(s) are not yet judged for us (purchasing dynamics, end-consumer demand): set for_us to say "
            "which are our opportunities and which our threats." in found)
    forces = [dict(f.model_dump(), for_us=judged) for f, judged in zip(account.environment, ("opportunity", "threat"))]
    found = findings.environment_findings(variant(account, environment=forces))
    # purchasing dynamics hurts the customer yet is our opportunity; consumer demand helps it yet is our threat
    assert ("For us, purchasing dynamics is an opportunity (though it hurts the customer) and end-consumer demand a "
            "threat (though it helps the customer)." in found)
    assert not any("not yet judged" in f for f in found)


def test_environment_findings_without_forces_say_so():
    account, _ = tiny()
    assert "No forces are recorded yet" in findings.environment_findings(variant(account, environment=[]))[0]


def test_competition_findings_use_the_computed_figures():
    account, _ = tiny()
    found = findings.competition_findings(account)
    assert "we score 3.75 against Alpha Packaging's 3.50: a relative strength of 1.07, ahead" in found[0]
    assert "We lose most on price (weight 30%), 1 point(s) behind" in found[2]
    assert "We hold 28% of the customer's category spend as a preferred supplier; Alpha Packaging holds 45%" in found[3]
    assert "1 open cell(s)" in found[4]


def test_scorecard_findings_report_class_trend_economics_and_value():
    account, settings = tiny()
    found = findings.scorecard_findings(account, settings, AS_OF)
    assert found[0].startswith("The latest assessment (2026-09-30) scores the customer 3.80 and us 4.00: class key account")
    assert "improved (+0.70) (class moved from develop)" in found[1]
    assert "profit GBP 433,500 on revenue GBP 2,650,000 (16%)" in found[2]
    assert "worth about GBP 2,192,000 in today's money" in found[3]  # to the thousand, not GBP 2,192,255


def test_findings_label_a_forecast_year():
    from kamlib.parameters.loader import Portfolio
    account, settings = tiny()
    rows = [r.model_dump() for r in account.financials]
    rows.append(dict(rows[-1], year=2026, forecast=True))
    ahead = variant(account, financials=rows)
    found = findings.scorecard_findings(ahead, settings, AS_OF)
    assert any(f.startswith("In 2026 (forecast) the account makes money after cost to serve") for f in found)
    assert findings.competition_findings(ahead)[3].startswith("In 2026 (forecast) we hold 28% of the customer's")
    rows[-1]["cost_to_serve"] = 900_000  # the forecast year loses money
    whole = Portfolio(settings, {account.id: variant(account, financials=rows)}, TINY)
    table = portfolio.portfolio_table(whole, AS_OF)
    assert any(f.endswith("together they cost GBP 131,500 (figures of a forecast year for Northwind Foods plc).")
               for f in findings.portfolio_findings(whole, table))


def test_scorecard_findings_before_any_assessment():
    account, settings = tiny()
    assert "No assessment" in findings.scorecard_findings(account, settings, date(2025, 1, 1))[0]


def test_plan_findings_name_health_projects_owners_and_coverage():
    account, _ = tiny()
    found = findings.plan_findings(account, AS_OF)
    assert found[0].startswith("Plan health is 90/100.")
    assert found[1] == "2 project(s) in the joint plan: 1 in progress, 1 planned."
    # P2's customer owner is a placeholder, but P2 is internal: the plan is not called "not yet joint" for it
    assert not any("no named owner at the customer" in f or "not yet joint" in f for f in found)
    shared = variant(account, joint_plan=dict(account.joint_plan.model_dump(), projects=[
        dict(p.model_dump(), shared=True) for p in account.joint_plan.projects]))
    assert any("P2 have no named owner at the customer: the plan is not yet joint" in f
               for f in findings.plan_findings(shared, AS_OF))
    assert any("operations, finance: zipper these functions" in f for f in found)
    late = findings.plan_findings(account, date(2027, 3, 1))
    assert any("1 project(s) are overdue (P1)" in f for f in late)


def test_portfolio_findings_on_a_one_account_portfolio():
    whole = loader.load_portfolio(TINY)
    table = portfolio.portfolio_table(whole, AS_OF)
    found = findings.portfolio_findings(whole, table)
    assert found[0] == ("1 of 1 accounts qualify as key (strategic partner, key account) against a capacity of 25: "
                        "room for 24 more.")
    assert 1 <= len(found) <= 6


def test_findings_follow_the_class_settings_not_the_names():
    from kamlib.parameters.loader import Portfolio
    whole = loader.load_portfolio(TINY)
    own = Portfolio(settings_variant(whole.settings, OWN_CLASSES, capacity=1), whole.accounts, whole.params_dir)
    table = portfolio.portfolio_table(own, AS_OF)
    found = findings.portfolio_findings(own, table)
    # northwind is gold (customer 3.8, ours 4.0): key by default as one of the first two of five classes
    assert found[0] == "1 of 1 accounts qualify as key (platinum, gold, silver) against a capacity of 1: room for 0 more."
    account = whole.accounts["northwind-foods"]
    first = findings.scorecard_findings(account, own.settings, AS_OF)[0]
    assert first.endswith("class gold — named manager with cross-functional cover (a team of 3).")
    # a class without resources or team size gets no made-up guidance
    bare = findings.scorecard_findings(account, whole.settings, AS_OF)[0]
    assert bare.endswith("class key account (a key class; no resources set for it in portfolio.yaml).")


def test_portfolio_findings_say_an_account_of_unknown_strength_is_not_placed():
    from kamlib.parameters.loader import Portfolio
    whole = loader.load_portfolio(TINY)
    account = whole.accounts["northwind-foods"]
    alone = variant(account, competitors=[{"name": "us", "ladder": "vendor"}],
                    buying_criteria=[{"criterion": "price", "weight": 1.0, "scores": {"us": 3}}])
    solo = Portfolio(whole.settings, {"northwind-foods": alone}, whole.params_dir)
    table = portfolio.portfolio_table(solo, AS_OF)
    found = findings.portfolio_findings(solo, table)
    assert ("Northwind Foods plc is not placed on the portfolio matrix: relative strength unknown (no competitor "
            "scored on the buying criteria)." in found)
    assert not any("invest to partner" in f for f in found)
