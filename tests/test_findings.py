"""The "what this means for the plan" findings: typed, ranked by priority, computed from the data.

Each finding is pinned on a crafted account (its text or its key figures, worked by hand in the
comments), with a check that it is not produced when the data contradicts it.
"""

from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from kamlib.display import text
from kamlib.method import findings, portfolio
from kamlib.method.findings import Finding, Step
from kamlib.parameters import loader
from kamlib.parameters.loader import Portfolio
from tests.helpers import OWN_CLASSES, TINY, settings_variant, tiny, variant

AS_OF = date(2026, 11, 24)


def _texts(found):
    return [f.text for f in found]


def _one(found, part):
    """The one finding whose text contains `part`."""
    hits = [f for f in found if part in f.text]
    assert len(hits) == 1, (part, _texts(found))
    return hits[0]


def _none(found, part):
    assert not any(part in f.text for f in found), (part, _texts(found))


def _with_plan(account, **changes):
    return variant(account, joint_plan=dict(account.joint_plan.model_dump(), **changes))


def _projects(account, **by_id):
    """The account's projects with some fields replaced, keyed by project id."""
    return [dict(p.model_dump(), **by_id.get(p.id, {})) for p in account.joint_plan.projects]


def _risk(id, likelihood, impact, status="open", **extra):
    return {"id": id, "risk": f"risk {id}", "likelihood": likelihood, "impact": impact, "owner": "Priya Raman",
            "mitigation": "act", "status": status, **extra}


def _opportunity(id, value, probability, stage, close, **extra):
    return {"id": id, "title": f"deal {id}", "value": value, "probability": probability, "stage": stage,
            "close": close, "owner": "Priya Raman", **extra}


def _classes(**team_sizes):
    """The tiny portfolio's four classes, with team sizes for some."""
    _, settings = tiny()
    return settings_variant(settings, [dict(c.model_dump(), team_size=team_sizes.get(c.name))
                                       for c in settings.scorecard.classes])


# --- The finding and how it shows ----------------------------------------------------------------

def test_a_finding_reads_as_its_text_and_each_step_puts_the_most_pressing_first():
    account, settings = tiny()
    steps = {Step.ENVIRONMENT: findings.environment_findings(account),
             Step.COMPETITION: findings.competition_findings(account, settings),
             Step.SCORECARD: findings.scorecard_findings(account, settings, AS_OF),
             Step.PLAN: findings.plan_findings(account, settings, AS_OF)}
    for step, found in steps.items():
        assert 3 <= len(found) <= findings.MAX_FINDINGS
        assert [f.priority for f in found] == sorted((f.priority for f in found), reverse=True)
        assert all(isinstance(f, Finding) and f.step == step and str(f) == f.text for f in found)
    with pytest.raises(FrozenInstanceError):
        steps[Step.PLAN][0].priority = 0
    # the step's full list, unlimited, holds more than the six that most need action
    assert len(findings.plan_findings(account, settings, AS_OF, limit=None)) > findings.MAX_FINDINGS


def test_findings_show_their_evidence_in_a_lighter_style_escaped():
    html = text.findings([Finding("Act <now>", 85, "score 1.50 & due", Step.PLAN), "a plain sentence"]).data
    assert html.startswith('<ol class="kam-findings">')
    assert ('<li>Act &lt;now&gt;<br><small class="kam-evidence" style="color:#5b6673;font-size:90%">score 1.50 &amp; '
            "due</small></li>") in html
    assert "<li>a plain sentence</li>" in html  # plain strings still show, without evidence
    assert "Not enough data yet" in text.findings([]).data


# --- Step 1: environment -------------------------------------------------------------------------

def _judged(account, answers=(("F1",), ())):
    """tiny's forces with ids F1 (purchasing dynamics, -2 × 0.9) and F2 (consumer demand, +1 × 0.7),
    judged for us (a threat, an opportunity), and strategies S1, S2 answering as given."""
    forces = [dict(f.model_dump(), id=f"F{i}", for_us=judged)
              for i, (f, judged) in enumerate(zip(account.environment, ("threat", "opportunity")), start=1)]
    strategies = [dict(s.model_dump(), answers=list(a)) for s, a in zip(account.joint_plan.strategies, answers)]
    return _with_plan(variant(account, environment=forces), strategies=strategies)


def test_the_top_force_says_what_it_means_for_us_and_whether_it_is_answered():
    account, _ = tiny()
    top = findings.environment_findings(_judged(account))[0]
    # priority |−2| × 0.9 = 1.80: 40 + round(5 × 1.8) = 49
    assert top.text == ("Purchasing dynamics, the highest-priority force, hurts the customer and is a threat for us: "
                        "“Price pressure on us; answer with total-cost savings rather than price cuts”.")
    assert top.evidence == "priority 1.80 = |impact -2| × likelihood 90%, short term; answered by S1"
    assert top.priority == 49
    # not judged: said so, never guessed from the impact on the customer
    unjudged = findings.environment_findings(account)
    assert _one(unjudged, "highest-priority force").text.endswith(
        "hurts the customer; what it means for us is not yet judged (set its for_us).")
    assert "2 forces are not yet judged for us (purchasing dynamics and end-consumer demand)" in \
        _one(unjudged, "not yet judged for us").text


def test_a_force_is_answered_only_by_a_link_and_shared_words_only_suggest():
    account, _ = tiny()
    judged = _judged(account, answers=(("F1", "F2"), ()))
    # the capex-freeze case: "Shareholders" and "Northwind" meet O2's "share of wallet" and "Northwind's"
    capex = {"id": "F3", "force": "investor_pressure", "impact": -1, "likelihood": 0.6, "horizon": "short",
             "description": "Shareholders press Northwind for margin; capital spending is frozen.",
             "implication": "Projects that need its capital stall.", "for_us": "threat"}
    frozen = variant(judged, environment=[f.model_dump() for f in judged.environment] + [capex])
    gap = _one(findings.environment_findings(frozen), "does not yet answer")
    assert gap.text == ("The joint plan does not yet answer investor pressure (F3): no strategy lists it in its "
                        "answers. Suggestions only, from shared words: a strategy serving O2 for F3; list the force's "
                        "id in that strategy's answers if it really answers it.")
    assert gap.evidence == "F3 priority 0.60 — shared words: O2: north, share"
    _none(findings.environment_findings(frozen), "Every force")
    # once S2 lists F3 in its answers, every force is answered
    linked = _with_plan(frozen, strategies=[dict(s.model_dump(), answers=a) for s, a in
                                            zip(frozen.joint_plan.strategies, (["F1", "F2"], ["F3"]))])
    found = findings.environment_findings(linked)
    _none(found, "does not yet answer")
    assert _one(found, "Every force").text.startswith("Every force of priority 0.5 or more is answered")


def test_forces_without_an_id_cannot_be_answered_and_the_finding_says_so():
    account, _ = tiny()
    assert _one(findings.environment_findings(account), "no id").text == (
        "Purchasing dynamics and end-consumer demand have no id, so no strategy can answer them yet: give each force "
        "an id and list it in the answers of the strategy that meets it.")
    _none(findings.environment_findings(_judged(account)), "no id")


def test_environment_findings_state_both_perspectives():
    account, _ = tiny()
    found = findings.environment_findings(account)
    assert "1 force helps the customer (end-consumer demand)." in _texts(found)
    forces = [dict(f.model_dump(), for_us=judged) for f, judged in zip(account.environment, ("opportunity", "threat"))]
    found = findings.environment_findings(variant(account, environment=forces))
    # purchasing dynamics hurts the customer yet is our opportunity; consumer demand helps it yet is our threat
    assert ("For us, purchasing dynamics (though it hurts the customer) is an opportunity; end-consumer demand "
            "(though it helps the customer) is a threat.") in _texts(found)
    _none(found, "not yet judged")


def test_environment_findings_without_forces_say_so():
    account, _ = tiny()
    found = findings.environment_findings(variant(account, environment=[]))
    assert len(found) == 1 and found[0].text.startswith("No forces are recorded yet")


# --- Step 2: competition -------------------------------------------------------------------------

def test_a_lead_on_the_criteria_without_the_share_or_rung_is_named():
    account, _ = tiny()
    # us 0.30×3 + 0.25×5 + 0.25×4 + 0.20×3 = 3.75; Alpha 1.20 + 0.75 + 0.75 + 0.80 = 3.50: strength 1.07;
    # our share 2,650,000 / 9,400,000 = 28% against Alpha's 45%, and Alpha is a strategic partner.
    # Where we lead Alpha most: innovation 0.25 × 2 = 0.50, responsiveness 0.25 × 1 = 0.25
    lead = _one(findings.competition_findings(account), "We lead on what the customer says matters")
    assert lead.text == ("We lead on what the customer says matters (relative strength 1.07) but Alpha Packaging holds "
                         "more of the wallet (45% against our 28%) and a higher rung (strategic partner against our "
                         "preferred supplier): turn the lead into share, starting with innovation and responsiveness, "
                         "where we lead Alpha Packaging most.")
    assert lead.priority == 65
    # not when no rival holds more share or a higher rung
    level = variant(account, competitors=[{"name": "us", "ladder": "strategic_partner"},
                                          {"name": "Alpha Packaging", "share_of_wallet": 0.20, "ladder": "vendor"},
                                          {"name": "CartonCo", "share_of_wallet": 0.15, "ladder": "vendor"}])
    _none(findings.competition_findings(level), "We lead")
    # not when we do not lead on the criteria
    _none(findings.competition_findings(_behind(account)), "We lead")


def _behind(account, alpha_share=0.45):
    """tiny with our innovation score 3 instead of 5: us 3.75 − 0.25 × 2 = 3.25 against Alpha's 3.50 (strength 0.93)."""
    criteria = [dict(c.model_dump(), scores={**c.scores, "us": 3}) if c.criterion == "innovation" else c.model_dump()
                for c in account.buying_criteria]
    competitors = [dict(c.model_dump(), share_of_wallet=alpha_share) if c.name == "Alpha Packaging" else c.model_dump()
                   for c in account.competitors]
    return variant(account, buying_criteria=criteria, competitors=competitors)


def test_share_held_without_the_lead_is_called_exposed():
    account, _ = tiny()
    exposed = _one(findings.competition_findings(_behind(account, alpha_share=0.20)), "exposed")
    assert exposed.text == ("Alpha Packaging scores higher on the customer's criteria (3.50 against our 3.25) yet we "
                            "hold more of the wallet (28% against 20%): our share is exposed at the next award unless we "
                            "close the gap on the criteria.")
    _none(findings.competition_findings(_behind(account)), "exposed")  # Alpha holds 45%: we hold less
    _none(findings.competition_findings(account), "exposed")           # we lead


def test_the_criterion_that_costs_most_and_what_closing_it_would_do():
    account, _ = tiny()
    # price: 0.30 × (3 − 4) = −0.30; closing it: (3.75 + 0.30) / 3.50 = 1.16; priority 40 + 20 × 0.30 = 46
    lag = _one(findings.competition_findings(account), "We lose most")
    assert lag.text == ("We lose most on price (weight 30%): one point behind Alpha Packaging, which costs 0.30 of the "
                        "customer's weighted score; closing it would take our relative strength from 1.07 to 1.16.")
    assert lag.priority == 46
    # behind (3.25 against 3.50), closing price puts us ahead: (3.25 + 0.30) / 3.50 = 1.01 — this cycle's work
    behind = _one(findings.competition_findings(_behind(account)), "We lose most")
    assert behind.text.endswith("from 0.93 to 1.01, ahead of the best competitor.") and behind.priority == 60
    # level or ahead on every criterion: nothing costs us
    ahead = [dict(c.model_dump(), scores={**c.scores, "us": max(c.scores.values())}) for c in account.buying_criteria]
    _none(findings.competition_findings(variant(account, buying_criteria=ahead)), "We lose most")


def test_unknown_relative_strength_is_said_to_be_unknown_never_level():
    account, _ = tiny()
    alone = variant(account, competitors=[{"name": "us", "ladder": "vendor"}],
                    buying_criteria=[{"criterion": "price", "weight": 1.0, "scores": {"us": 3}}])
    found = findings.competition_findings(alone)
    assert found[0].text.startswith("No competitor is scored on the buying criteria: our relative strength is "
                                    "unknown, not level")
    for wrong in ("relative strength of", "level with", "We lead", "We lose most", "strongest answer"):
        _none(found, wrong)


def test_the_valued_whitespace_and_how_much_the_pipeline_covers():
    account, settings = tiny()
    ws = account.whitespace.model_dump()
    ws["units"][0]["potential"] = {"labels": 380000, "design service": 150000}
    ws["units"][1]["potential"] = {"flexible film": 200000}
    valued = variant(account, whitespace=ws, opportunities=[_opportunity(
        "OP1", 300000, 0.5, "proposal", date(2027, 3, 31), unit="Chilled ready meals", offering="labels")])
    # potential 380,000 + 150,000 + 200,000 = 730,000; covered min(300,000, 380,000) = 300,000 (41%);
    # uncovered: Bakery flexible film 200,000, design service 150,000, labels 80,000
    found = _one(findings.competition_findings(valued, settings), "whitespace")
    assert found.text == ("The whitespace is worth GBP 730,000 a year in its 3 valued open or competitor cells; the "
                          "pipeline covers GBP 300,000 of it (41%), leaving the most uncovered in flexible film for "
                          "Bakery (GBP 200,000) and design service for Chilled ready meals (GBP 150,000).")
    # without potentials nothing is valued, and the finding says so instead of inventing a prize
    assert "none of them valued yet" in _one(findings.competition_findings(account), "whitespace").text
    assert _one(findings.competition_findings(variant(account, whitespace=None)), "whitespace").text.startswith(
        "No whitespace map yet")


# --- Step 3: scorecard ---------------------------------------------------------------------------

def test_the_next_class_and_the_smallest_change_that_reaches_it():
    account, settings = tiny()
    # latest: customer 0.3×4 + 0.2×3 + 0.3×4 + 0.2×4 = 3.80 (key account); strategic partner needs 4.00:
    # 0.20 short, and one point on any attribute adds 0.20 or 0.30; ours 4.00 already meets 3.50
    move = findings.next_class(account, settings, AS_OF)
    assert (move.current, move.target, move.supplier) == ("key_account", "strategic_partner", None)
    assert move.customer.shortfall == pytest.approx(0.20)
    assert [(r.attribute, r.score, r.to) for r in move.customer.raises] == [("willingness_to_partner", 4, 5)]
    assert move.customer.alternatives == ["growth_potential", "transparency", "responsiveness"]  # by weight, then order
    found = _one(findings.scorecard_findings(account, settings, AS_OF), "To move up")
    assert found.text == ("To move up from key account to strategic partner, the customer's side must rise 0.20 "
                          "(3.80 → 4.00): one point more on any of its willingness to partner, growth potential, "
                          "transparency or responsiveness would do it; ours already meets its 3.50.")
    assert found.priority == 52  # 40 + 15 − 3 × 1 point


def _latest(account, customer=None, supplier=None):
    """tiny with its latest assessment's scores replaced."""
    card = [a.model_dump() for a in account.scorecard]
    card[-1]["customer"].update(customer or {})
    card[-1]["supplier"].update(supplier or {})
    return variant(account, scorecard=card)


def test_the_next_class_names_the_one_attribute_that_closes_the_gap_alone():
    account, settings = tiny()
    # customer 0.3×5 + 0.2×3 + 0.3×4 + 0.2×2 = 3.70, 0.30 short of 4.00: willingness is at 5 already; growth
    # potential +1 adds 0.30 (enough); transparency and responsiveness need 2 points each (0.2 × 2 = 0.40)
    one = _latest(account, customer={"willingness_to_partner": 5, "growth_potential": 4, "responsiveness": 2})
    assert _one(findings.scorecard_findings(one, settings, AS_OF), "To move up").text.startswith(
        "To move up from key account to strategic partner, the customer's side must rise 0.30 (3.70 → 4.00): one "
        "point more on its growth potential (4 → 5, weight 30%) would do it")


def test_the_next_class_names_the_fewest_attributes_when_none_can_alone():
    account, settings = tiny()
    own = settings_variant(settings, [{"name": "partner", "customer_min": 0, "supplier_min": 4.6},
                                      {"name": "rest", "customer_min": 0, "supplier_min": 0}])
    # ours 4.00 needs +0.60: one point on any attribute adds at most 0.40 (each is at 4, the top is 5); the
    # fewest: willingness 4 → 5 (+0.40), then transparency 4 → 5 (+0.30, of which 0.20 are needed)
    move = findings.next_class(account, own, AS_OF)
    assert [(r.attribute, r.to) for r in move.supplier.raises] == [("willingness_to_partner", 5),
                                                                   ("transparency", 5)]
    assert _one(findings.scorecard_findings(account, own, AS_OF), "To move up").text == (
        "To move up from rest to partner, our side must rise 0.60 (4.00 → 4.60): no single attribute can close it; the "
        "fewest that can are our willingness to partner 4 → 5 and transparency 4 → 5.")


def test_no_next_class_in_the_top_class():
    account, settings = tiny()
    top = settings_variant(settings, [{"name": "key_account", "customer_min": 3.2, "supplier_min": 3.0},
                                      {"name": "rest", "customer_min": 0, "supplier_min": 0}])
    assert findings.next_class(account, top, AS_OF) is None
    _none(findings.scorecard_findings(account, top, AS_OF, limit=None), "To move up")


def test_the_team_committed_against_the_class_team_size():
    account, _ = tiny()  # a team of 3 (Priya Raman, Tom Becker, Ana Costa), class key account
    short = _one(findings.scorecard_findings(account, _classes(key_account=5), AS_OF), "on the team")
    assert short.text == ("3 people are on the team against the 5 that key account commits: name 2 more, or the "
                          "class's commitments will not be met.")
    assert short.priority == 66  # 60 + 3 × 2
    over = _one(findings.scorecard_findings(account, _classes(key_account=1), AS_OF), "on the team")
    assert over.text.startswith("3 people are on the team against the 1 that key account commits: 2 more than the "
                                "class calls for")
    _none(findings.scorecard_findings(account, _classes(key_account=3), AS_OF, limit=None), "on the team")  # as set
    _none(findings.scorecard_findings(account, _classes(), AS_OF, limit=None), "on the team")  # no team_size set


def test_the_trend_since_the_previous_assessment():
    account, settings = tiny()
    up = _one(findings.scorecard_findings(account, settings, AS_OF), "previous assessment")
    # 2026-03-31: customer 0.9 + 0.4 + 1.2 + 0.6 = 3.10 (develop), ours 1.6 + 1.2 + 0.9 = 3.70
    assert up.text == ("Since the previous assessment (2026-03-31) the class moved up from develop to key account: the "
                       "customer's side 3.10 → 3.80, ours 3.70 → 4.00.")
    card = [a.model_dump() for a in account.scorecard]
    card[0]["customer"], card[1]["customer"] = card[1]["customer"], card[0]["customer"]  # the reverse story
    down = _one(findings.scorecard_findings(variant(account, scorecard=card), settings, AS_OF), "previous assessment")
    assert down.text.startswith("Since the previous assessment (2026-03-31) the class moved down from key account to "
                                "develop") and down.priority == 70
    card[0]["customer"] = card[1]["customer"]  # the same scores twice: the class holds, nothing "moved"
    held = _one(findings.scorecard_findings(variant(account, scorecard=card), settings, AS_OF), "previous assessment")
    assert held.text.startswith("The class holds at develop since the previous assessment (2026-03-31)")
    assert "moved" not in held.text


def test_mismatch_flags_and_a_stale_assessment_are_findings():
    account, settings = tiny()
    # transparency 2 in both assessments while our side scores 3.70 and 4.00: the customer stays guarded
    guarded = _latest(account, customer={"transparency": 2})
    flag = _one(findings.scorecard_findings(guarded, settings, AS_OF), "We invest")
    assert flag.priority == 68 and flag.text.startswith("We invest (our side ≥ 3.5) while the customer stays guarded")
    _none(findings.scorecard_findings(account, settings, AS_OF, limit=None), "We invest")
    # 2026-09-30 to 2027-05-01: 213 days, older than 180
    assert _one(findings.scorecard_findings(account, settings, date(2027, 5, 1)), "days old").text.startswith(
        "The latest assessment is 213 days old: reassess the relationship this cycle")
    _none(findings.scorecard_findings(account, settings, AS_OF, limit=None), "days old")


def test_scorecard_findings_report_class_economics_and_value():
    account, settings = tiny()
    found = findings.scorecard_findings(account, settings, AS_OF, limit=None)
    assert _one(found, "latest assessment (").text.startswith(
        "The latest assessment (2026-09-30) scores the customer 3.80 and us 4.00: class key account")
    # 2,650,000 × 0.29 − 335,000 = 433,500
    assert "profit GBP 433,500 on revenue GBP 2,650,000 (16%)" in _one(found, "makes money").text
    assert _one(found, "worth about").text == ("Over the next 5 years the relationship is worth about GBP 2,192,000 in "
                                               "today's money.")  # to the thousand, not GBP 2,192,255
    rows = [dict(r.model_dump(), cost_to_serve=900000) if r.year == 2025 else r.model_dump() for r in account.financials]
    losing = _one(findings.scorecard_findings(variant(account, financials=rows), settings, AS_OF), "loses money")
    assert losing.priority == 70  # 2,650,000 × 0.29 − 900,000 = −131,500
    assert "profit GBP −131,500 on revenue GBP 2,650,000 (−5%)" in losing.text  # a true minus sign


def test_findings_label_a_forecast_year():
    account, settings = tiny()
    rows = [r.model_dump() for r in account.financials]
    rows.append(dict(rows[-1], year=2026, forecast=True))
    ahead = variant(account, financials=rows)
    found = findings.scorecard_findings(ahead, settings, AS_OF, limit=None)
    assert _one(found, "makes money").text.startswith("In 2026 (forecast) the account makes money after cost to serve")
    assert _one(findings.competition_findings(ahead), "category spend").text.startswith(
        "In 2026 (forecast) we hold 28% of the customer's")
    rows[-1]["cost_to_serve"] = 900_000  # the forecast year loses money
    whole = Portfolio(settings, {account.id: variant(account, financials=rows)}, TINY)
    table = portfolio.portfolio_table(whole, AS_OF)
    # 2,650,000 × 0.29 − 900,000 = −131,500 in the forecast year
    assert _one(findings.portfolio_findings(whole, table), "loses money").text == (
        "Northwind Foods plc loses money after cost to serve: GBP −131,500 in a forecast year.")


def test_scorecard_findings_before_any_assessment():
    account, settings = tiny()
    found = findings.scorecard_findings(account, settings, date(2025, 1, 1))
    assert found[0].text.startswith("No assessment is dated on or before the planning date")
    _none(found, "To move up")


# --- Step 4: the action plan ---------------------------------------------------------------------

def test_an_influential_detractor_who_decides_is_a_finding_with_or_without_a_risk():
    account, settings = tiny()  # Helen Shaw: decision maker, influence 5, attitude −1; no risk recorded
    found = findings.plan_findings(account, settings, AS_OF)
    assert found[0].text == ("Helen Shaw, Chief Procurement Officer, a decision maker with influence 5 of 5, is a "
                             "detractor (attitude -1) and no risk names them: record the risk, with an owner and a "
                             "mitigation.")
    assert found[0].priority == 87  # 80 + 5 + 2 × (5 − 4)
    named = variant(account, risks=[_risk("R1", 0.5, 3, due=date(2026, 12, 15), contact="Helen Shaw")])
    recorded = _one(findings.plan_findings(named, settings, AS_OF, limit=None), "Helen Shaw")
    assert recorded.text.endswith("is a detractor (attitude -1); R1 records the risk (open, score 1.50, owner Priya "
                                  "Raman, mitigation due 2026-12-15).")
    # not a detractor, or not influential: no finding
    for change in ({"attitude": 0}, {"influence": 3}):
        people = [dict(c.model_dump(), **change) if c.name == "Helen Shaw" else c.model_dump()
                  for c in account.relationships]
        _none(findings.plan_findings(variant(account, relationships=people), settings, AS_OF, limit=None),
              "detractor")


def test_an_opportunistic_customer_without_an_open_risk_is_a_finding():
    account, settings = tiny()
    guarded = _latest(account, customer={"transparency": 2})
    found = _one(findings.plan_findings(guarded, settings, AS_OF, limit=None), "opportunistic")
    assert found.priority == 80
    with_risk = variant(guarded, risks=[_risk("R1", 0.5, 2)])
    _none(findings.plan_findings(with_risk, settings, AS_OF, limit=None), "opportunistic")


def test_the_top_three_risks_with_an_overdue_mitigation():
    account, settings = tiny()
    # scores: R1 0.5 × 3 = 1.50, R3 0.4 × 3 = 1.20, R2 0.9 × 1 = 0.90, R4 0.2 × 2 = 0.40; R5 is mitigated
    late = [_risk("R2", 0.9, 1, due=date(2026, 11, 10)), _risk("R4", 0.2, 2, due=date(2026, 11, 1)),
            _risk("R1", 0.5, 3, due=date(2026, 11, 1)), _risk("R3", 0.4, 3, due=date(2026, 10, 1)),
            _risk("R5", 0.9, 3, "mitigated", due=date(2026, 10, 1))]
    found = _one(findings.plan_findings(variant(account, risks=late), settings, AS_OF), "mitigation overdue")
    assert found.text == ("4 open risks have their mitigation overdue, the largest R1 (score 1.50 of 3): “risk R1” — "
                          "Priya Raman, due 2026-11-01 (23 days ago).")
    assert found.evidence == ("R1 score 1.50, Priya Raman, due 2026-11-01; R3 score 1.20, Priya Raman, due 2026-10-01; "
                              "R2 score 0.90, Priya Raman, due 2026-11-10 — R1's mitigation: “act”")
    assert found.priority == 88  # 80 + round(5 × 1.5)
    # due after the planning date: nothing overdue, the largest open risk instead
    later = variant(account, risks=[_risk("R1", 0.5, 3, due=date(2026, 12, 15))])
    found = findings.plan_findings(later, settings, AS_OF, limit=None)
    _none(found, "overdue")
    assert _one(found, "largest open risk").text.startswith("The largest open risk is R1 (score 1.50 of 3)")


def _steps(account, **p1):
    steps = [{"action": "Send the trial plan", "owner": "Tom Becker", "due": date(2026, 10, 25)},
             {"action": "Release Line 4", "owner": "Raj Patel", "due": date(2026, 11, 10)},
             {"action": "Sign the brief", "owner": "Tom Becker", "due": date(2026, 10, 1), "done": True},
             {"action": "Book the review", "owner": "Priya Raman", "due": date(2026, 12, 1)}]
    return _with_plan(account, projects=_projects(account, P1={"next_steps": steps, **p1}))


def test_overdue_next_steps_with_the_oldest_and_the_owners_on_each_side():
    account, settings = tiny()
    found = _one(findings.plan_findings(_steps(account), settings, AS_OF), "next step")
    # overdue: 2026-10-25 (30 days) and 2026-11-10 (14 days); the done one does not count; 2026-12-01 is due soon
    assert found.text == ("2 next steps are overdue, the oldest P1's “Send the trial plan” (Tom Becker, due 2026-10-25, "
                          "30 days ago); owners: Tom Becker (ours); Raj Patel (the customer's).")
    assert found.evidence.endswith("; 1 other due in the next 30 days")
    assert found.priority == 84  # 80 + 2 steps + 30 // 14
    # a project done has no live next steps
    _none(findings.plan_findings(_steps(account, status="done"), settings, AS_OF, limit=None), "overdue, the oldest")


def _pipeline(account, target, *opportunities):
    return variant(account, targets=[{"year": 2027, "revenue": target}], opportunities=list(opportunities))


PROPOSAL = _opportunity("OP1", 450000, 0.4, "proposal", date(2027, 3, 31))
STALE = _opportunity("OP2", 200000, 0.5, "qualified", date(2026, 10, 31))
WON = _opportunity("OP3", 300000, 1.0, "won", date(2026, 5, 29))


def test_pipeline_coverage_of_the_revenue_gap_and_stale_opportunities():
    account, settings = tiny()
    # gap 3,120,000 − 2,650,000 = 470,000; weighted 450,000 × 0.4 = 180,000 (the stale and the won one do not
    # count): 38%, 290,000 still to find; priority 60 + round(19 × 0.62) = 72
    found = findings.plan_findings(_pipeline(account, 3120000, PROPOSAL, STALE, WON), settings, AS_OF, limit=None)
    cover = _one(found, "weighted pipeline")
    assert cover.text == ("The weighted pipeline covers 38% of the GBP 470,000 gap to the 2027 revenue target "
                          "(GBP 3,120,000): GBP 290,000 still to find.")
    assert cover.priority == 72
    assert _one(found, "close date").text == ("OP2 “deal OP2” (GBP 200,000) is past its close date (2026-10-31) and "
                                              "neither won nor lost: move the date or close it.")
    # 180,000 + 800,000 × 0.5 = 580,000 ≥ 470,000: covered, nothing "still to find"
    more = _opportunity("OP4", 800000, 0.5, "negotiation", date(2027, 6, 30))
    covered = _one(findings.plan_findings(_pipeline(account, 3120000, PROPOSAL, more), settings, AS_OF, limit=None),
                   "weighted pipeline")
    assert covered.text == ("The weighted pipeline (GBP 580,000) covers the GBP 470,000 gap to the 2027 revenue target "
                            "(GBP 3,120,000): 123%.")
    # only a stale opportunity: nothing weighted can land by the end of the target year
    empty = _one(findings.plan_findings(_pipeline(account, 3120000, STALE), settings, AS_OF, limit=None), "pipeline")
    assert empty.text == ("Nothing in the pipeline can close the GBP 470,000 gap to the 2027 revenue target "
                          "(GBP 3,120,000): no open opportunity with a chance above 0 closes between 2026-11-24 and "
                          "2027-12-31.")
    assert empty.priority == 79
    # the latest year already meets the target: no gap, no coverage claimed
    met = findings.plan_findings(_pipeline(account, 2500000, PROPOSAL), settings, AS_OF, limit=None)
    assert _one(met, "already meets").text.startswith("2025 revenue (GBP 2,650,000) already meets the 2027 revenue target")
    _none(met, "still to find")
    _none(met, "close date")


def test_decisions_needed_from_the_customer_the_most_pressing_first():
    account, settings = tiny()
    asked = _with_plan(account, projects=_projects(account, P1={"decision_needed": "A Line 4 downtime slot"},
                                                   P2={"decision_needed": "Name the finance owner"}))
    found = _one(findings.plan_findings(asked, settings, AS_OF, limit=None), "needed from the customer")
    assert found.text == ("2 decisions are needed from the customer, the most pressing for P1 (due 2027-02-28): "
                          "“A Line 4 downtime slot”, from Raj Patel.")
    assert found.priority == 45
    blocked = _with_plan(asked, projects=_projects(asked, P2={"status": "blocked"}))
    found = _one(findings.plan_findings(blocked, settings, AS_OF, limit=None), "needed from the customer")
    assert "the most pressing for P2 (blocked)" in found.text and found.priority == 60
    _none(findings.plan_findings(account, settings, AS_OF, limit=None), "needed from the customer")


def test_governance_review_overdue_draft_and_sign_off():
    account, settings = tiny()
    draft = variant(account, governance={"status": "draft", "review_every_days": 180, "last_review": date(2026, 3, 31)})
    found = _one(findings.plan_findings(draft, settings, AS_OF), "The plan is")
    # 2026-03-31 + 180 days = 2026-09-27, 58 days before the planning date; 80 + 58 // 14
    assert found.text == ("The plan is still a draft, nobody on our side has approved it; its review is overdue: due "
                          "2026-09-27 (58 days ago).")
    assert found.priority == 84
    agreed = variant(account, governance={"status": "agreed", "review_every_days": 90, "last_review": date(2026, 10, 1),
                                          "approved_by": "Priya Raman", "agreed_with": "Helen Shaw",
                                          "agreed_on": date(2026, 10, 5)})
    found = _one(findings.plan_findings(agreed, settings, AS_OF, limit=None), "The plan is")
    assert found.text == ("The plan is agreed with Helen Shaw (on 2026-10-05), approved by Priya Raman; next review "
                          "2026-12-30 (in 36 days).")
    assert found.priority == 20
    assert _one(findings.plan_findings(account, settings, AS_OF, limit=None), "governance").text.startswith(
        "No governance is recorded: the plan counts as a draft")


def test_objectives_behind_by_their_measure():
    account, settings = tiny()

    def measured(current):
        objectives = [dict(o.model_dump(), measure={"baseline": 41.2, "current": current, "goal": 38.7})
                      if o.id == "O1" else o.model_dump() for o in account.joint_plan.objectives]
        return _with_plan(account, objectives=objectives)
    # lower is better: (40.1 − 41.2) / (38.7 − 41.2) = 0.44 of the way; time from the first assessment
    # (2026-03-31) to 2027-06-30 is 456 days, 238 of them gone: 0.52. Behind; 60 + round(20 × 0.08) = 62
    found = _one(findings.plan_findings(measured(40.1), settings, AS_OF, limit=None), "behind")
    assert found.text == ("1 of 1 measured objective is behind, furthest O1 “Cut packaging cost per unit by 6% without "
                          "slowing the lines”: it is 44% of the way to its goal with 52% of the time to 2027-06-30 "
                          "gone.")
    assert found.priority == 62
    wrong = _one(findings.plan_findings(measured(42.0), settings, AS_OF, limit=None), "behind")
    assert "has moved away from its goal (41.2 → 42, goal 38.7)" in wrong.text
    # (39.0 − 41.2) / −2.5 = 0.88 ≥ 0.52: on track
    on_track = findings.plan_findings(measured(39.0), settings, AS_OF, limit=None)
    _none(on_track, "behind")
    assert "The measured objective (O1) is done or on track." in _texts(on_track)
    assert "1 objective (O2) has no measure" in _one(on_track, "no measure").text


def test_plan_health_with_its_largest_deduction_and_internal_projects_are_not_called_unjoint():
    account, settings = tiny()
    found = findings.plan_findings(account, settings, AS_OF, limit=None)
    assert _one(found, "Plan health").text == ("Plan health is 90/100; the largest deduction (−10): relationships cover 1 "
                                               "of operations, finance and product development.")
    # P2's customer owner is a placeholder, but P2 is internal: the plan is not called "not yet joint" for it
    _none(found, "not joint")
    _none(found, "no named owner")
    shared = _with_plan(account, projects=[dict(p.model_dump(), shared=True) for p in account.joint_plan.projects])
    assert _one(findings.plan_findings(shared, settings, AS_OF, limit=None), "no named owner").text.startswith(
        "Shared project P2 has no named owner at the customer")
    late = findings.plan_findings(account, settings, date(2027, 3, 1), limit=None)
    assert _one(late, "is overdue:").text.startswith("P1 “Line 4 down-gauging trial” is overdue: due 2027-02-28 (1 day "
                                                     "ago); re-plan or close it with the customer.")
    assert "operations and finance: zipper these functions" in _one(found, "zipper").text


# --- Page one ------------------------------------------------------------------------------------

def test_top_findings_take_the_most_pressing_across_the_four_steps():
    account, settings = tiny()
    top = findings.top_findings(account, settings, AS_OF)
    # the unrecorded detractor (87), the lead not turned into share (65), the next class (52), no governance
    # (50), the top force not yet judged for us (49)
    assert [(f.step, f.priority) for f in top] == [(Step.PLAN, 87), (Step.COMPETITION, 65), (Step.SCORECARD, 52),
                                                    (Step.PLAN, 50), (Step.ENVIRONMENT, 49)]
    assert top[0].text.startswith("Helen Shaw, Chief Procurement Officer, a decision maker")
    assert [f.text for f in findings.top_findings(account, settings, AS_OF, n=2)] == [f.text for f in top[:2]]


# --- The portfolio -------------------------------------------------------------------------------

def _two(whole, second=None, **first):
    """A portfolio of tiny's account (changed by `first`) and a second account (southwind-foods)."""
    account = whole.accounts["northwind-foods"]
    other = variant(account, id="southwind-foods", name="Southwind Foods Ltd", **(second or {}))
    return Portfolio(whole.settings, {account.id: variant(account, **first), other.id: other}, whole.params_dir)


def test_key_accounts_against_capacity_from_the_class_settings():
    whole = loader.load_portfolio(TINY)
    found = findings.portfolio_findings(whole, portfolio.portfolio_table(whole, AS_OF))
    assert _one(found, "qualifies as key").text == ("1 of 1 account qualifies as key (strategic partner and key account) "
                                                     "against a capacity of 25: room for 24 more.")
    own = Portfolio(settings_variant(whole.settings, OWN_CLASSES, capacity=1), whole.accounts, whole.params_dir)
    found = findings.portfolio_findings(own, portfolio.portfolio_table(own, AS_OF))
    # northwind is gold (customer 3.8, ours 4.0): key by default as one of the first two of five classes
    assert _one(found, "as key").text == ("1 of 1 account qualifies as key (platinum, gold and silver) against a "
                                          "capacity of 1: room for 0 more.")
    two = _two(own)
    over = _one(findings.portfolio_findings(two, portfolio.portfolio_table(two, AS_OF)), "as key")
    assert over.text.endswith("against a capacity of 1: 1 too many to serve well.") and over.priority == 85
    account = whole.accounts["northwind-foods"]
    first = findings.scorecard_findings(account, own.settings, AS_OF, limit=None)
    assert _one(first, "latest assessment (").text.endswith(
        "class gold — named manager with cross-functional cover (a team of 3).")
    # a class without resources or team size gets no made-up guidance
    bare = findings.scorecard_findings(account, whole.settings, AS_OF, limit=None)
    assert _one(bare, "latest assessment (").text.endswith(
        "class key account (a key class; no resources set for it in portfolio.yaml).")


def test_class_against_quadrant_conflicts_are_named():
    whole = loader.load_portfolio(TINY)
    # one account: its attractiveness is the median (high); strength 1.07 (we lead): invest to partner. Its class
    # under these settings is "rest", which is not key: class and quadrant disagree
    split = settings_variant(whole.settings, [{"name": "top", "customer_min": 4.5, "supplier_min": 0, "key": True},
                                              {"name": "rest", "customer_min": 0, "supplier_min": 0, "key": False}])
    apart = Portfolio(split, whole.accounts, whole.params_dir)
    found = _one(findings.portfolio_findings(apart, portfolio.portfolio_table(apart, AS_OF)), "different advice")
    assert found.text.startswith("1 account gets different advice from its scorecard class and portfolio quadrant: "
                                 "Northwind Foods plc (rest, a non-key class, yet invest to partner)")
    _none(findings.portfolio_findings(whole, portfolio.portfolio_table(whole, AS_OF), limit=None), "different advice")


def test_the_portfolio_revenue_gap_and_how_much_the_pipeline_covers():
    whole = loader.load_portfolio(TINY)
    # northwind: gap 3,120,000 − 2,650,000 = 470,000, weighted 180,000, shortfall 290,000; southwind: gap 200,000,
    # weighted 500,000 × 0.5 = 250,000, shortfall 0 (its surplus does not cover northwind's gap).
    # Σ gaps 670,000; covered 1 − 290,000 / 670,000 = 57%
    two = _two(whole, {"targets": [{"year": 2027, "revenue": 2850000}],
                       "opportunities": [_opportunity("OP1", 500000, 0.5, "proposal", date(2027, 5, 31))]},
               targets=[{"year": 2027, "revenue": 3120000}], opportunities=[PROPOSAL])
    found = _one(findings.portfolio_findings(two, portfolio.portfolio_table(two, AS_OF)), "short of it")
    assert found.text == ("2 of the 2 accounts with a target are short of it by GBP 670,000 in all; their weighted "
                          "pipeline covers 57% of that: GBP 290,000 still to find, most at Northwind Foods plc "
                          "(GBP 290,000).")
    ahead = _two(whole, {"targets": [{"year": 2027, "revenue": 2500000}]}, targets=[{"year": 2027, "revenue": 2600000}])
    found = findings.portfolio_findings(ahead, portfolio.portfolio_table(ahead, AS_OF), limit=None)
    _none(found, "short of it")
    assert "All 2 accounts with a target already meet their target-year revenue." in _texts(found)


def test_the_accounts_with_the_most_open_risk():
    whole = loader.load_portfolio(TINY)
    found = findings.portfolio_findings(whole, portfolio.portfolio_table(whole, AS_OF), limit=None)
    # no register, but Helen Shaw is a hostile, influential decision maker nobody recorded
    assert _one(found, "open risk").text == ("No account has an open risk recorded, yet 1 account shows a risk nobody "
                                             "recorded (a hostile, influential decision maker or an opportunistic "
                                             "customer).")
    two = _two(whole, {"risks": [_risk("R1", 0.3, 2)]},
               risks=[_risk("R1", 0.5, 3, due=date(2026, 11, 1), contact="Helen Shaw")])
    found = _one(findings.portfolio_findings(two, portfolio.portfolio_table(two, AS_OF), limit=None), "open risk")
    # southwind's Helen Shaw has no risk naming her: one account shows an unrecorded risk
    assert found.text == ("Northwind Foods plc carries the largest open risk (score 1.50 of 3, owner Priya Raman): "
                          "“risk R1”; then Southwind Foods Ltd (0.60); 1 account has a mitigation overdue and 1 account "
                          "shows a risk nobody recorded.")


def test_portfolio_findings_say_an_account_of_unknown_strength_is_not_placed():
    whole = loader.load_portfolio(TINY)
    account = whole.accounts["northwind-foods"]
    alone = variant(account, competitors=[{"name": "us", "ladder": "vendor"}],
                    buying_criteria=[{"criterion": "price", "weight": 1.0, "scores": {"us": 3}}])
    solo = Portfolio(whole.settings, {"northwind-foods": alone}, whole.params_dir)
    found = findings.portfolio_findings(solo, portfolio.portfolio_table(solo, AS_OF), limit=None)
    assert ("Northwind Foods plc is not placed on the portfolio matrix: relative strength unknown (no competitor "
            "scored on the buying criteria).") in _texts(found)
    _none(found, "invest to partner")
