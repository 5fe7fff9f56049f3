"""The customer's joint plan (`joint-plan.html`): nothing internal in it, the customer's numbering
throughout, page one as the plan on a page, words for labels, and the validation warning for a
shared strategy that serves no shared objective.

The canary account puts a distinct string (or number) into every internal field of the format's
full example; none may reach the joint plan (here) or the review deck (tests/test_deck.py).
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kamlib.cli import main
from kamlib.method import customer_view, wording
from kamlib.parameters import loader
from kamlib.parameters.model import Account, PortfolioSettings
from kamlib.publishing import joint_plan
from tests.conftest import DATA
from tests.helpers import large_account, settings_variant, variant
from tests.test_customer_view import AS_OF, joint_account

# --- the canary account ------------------------------------------------------------------------

CANARY_TEXT = {  # an internal text field → its canary
    "industry": "CANARYindustry", "business.strategy": "CANARYbizstrategy", "business.operations": "CANARYoperations",
    "business.advantages": "CANARYadvantage", "business.disadvantages": "CANARYdisadvantage",
    "environment.description": "CANARYforce", "environment.implication": "CANARYimplication",
    "buying_criteria.criterion": "CANARYcriterion", "competitors.name": "CANARYrival",
    "scorecard.evidence": "CANARYevidence", "whitespace.unit": "CANARYunit", "whitespace.offering": "CANARYoffering",
    "opportunities.title": "CANARYopportunity", "opportunities.id": "CANARYOP1", "opportunities.crm_id": "CANARYcrm",
    "risks.id": "CANARYR1", "risks.risk": "CANARYrisk", "risks.mitigation": "CANARYmitigation",
    "objective.statement": "CANARYobjective", "objective.metric": "CANARYmetric", "objective.target": "CANARYtarget",
    "strategy.statement": "CANARYstrategy", "project.title": "CANARYproject",
    "project.customer_owner": "CANARYcustowner", "project.next_step": "CANARYstep",
    "project.decision_needed": "CANARYdecision", "value_delivered.result": "CANARYvalue", "notes": "CANARYnotes",
    "insights.insight": "CANARYinsight", "governance.decisions.decision": "CANARYresdecision",
    "governance.decisions.why": "CANARYreswhy",
    "scorecard.class": "canary_class_top",
}
CANARY_NUMBERS = {  # internal figures, written as a reader or a file would show them
    "financials.revenue": 2654321, "financials.cost_to_serve": 335791, "financials.wallet": 9412345,
    "targets.revenue": 3456789, "targets.profit": 712345, "opportunities.value": 456789,
    "whitespace.potential": 234567, "value_delivered.value (internal)": 18765,
}
CANARY_WORDS = ("attitude", "champion", "detractor", "influence", "decision maker", "decision_maker", "buying role",
                "scorecard", "profit", "margin", "wallet", "pipeline", "competitor", "risk", "class", "plan health",
                "probability", "2026-10-02", "2 Oct 2026", "2026-11-10", "10 Nov 2026")


def canary_account() -> tuple[Account, PortfolioSettings]:
    """The hand-worked joint plan on the full example, with a canary in every internal field."""
    account, settings = joint_account()
    c = CANARY_TEXT
    n = CANARY_NUMBERS
    data: dict[str, Any] = account.model_dump()
    data["industry"] = c["industry"]
    data["business"] = {"strategy": c["business.strategy"], "operations": c["business.operations"],
                        "advantages": [c["business.advantages"]], "disadvantages": [c["business.disadvantages"]]}
    for row in data["financials"]:
        row.update(revenue=n["financials.revenue"], cost_to_serve=n["financials.cost_to_serve"],
                   wallet=n["financials.wallet"])
    data["targets"] = [{"year": 2027, "revenue": n["targets.revenue"], "profit": n["targets.profit"],
                        "share_of_wallet": 0.37}]
    for force in data["environment"]:
        force.update(description=c["environment.description"], implication=c["environment.implication"])
    rival = data["competitors"][1]["name"]
    data["competitors"][1]["name"] = c["competitors.name"]
    for criterion in data["buying_criteria"]:
        criterion["criterion"] = f"{c['buying_criteria.criterion']} {criterion['criterion']}"
        criterion["scores"][c["competitors.name"]] = criterion["scores"].pop(rival)
    for assessment in data["scorecard"]:
        assessment["evidence"] = c["scorecard.evidence"]
    ws = data["whitespace"]
    old_unit, old_offering = ws["units"][0]["unit"], ws["offerings"][0]
    ws["units"][0]["unit"], ws["offerings"][0] = c["whitespace.unit"], c["whitespace.offering"]
    for unit in ws["units"]:
        unit["cells"][c["whitespace.offering"]] = unit["cells"].pop(old_offering)
        unit["potential"] = {k: n["whitespace.potential"] for k in unit.get("potential", {})}
    for opp in data["opportunities"]:
        opp.update(id=c["opportunities.id"], title=c["opportunities.title"], crm_id=c["opportunities.crm_id"],
                   value=n["opportunities.value"])
        if opp.get("unit") == old_unit:
            opp.update(unit=c["whitespace.unit"], offering=c["whitespace.offering"])
    for risk in data["risks"]:
        risk.update(id=c["risks.id"], risk=c["risks.risk"], mitigation=c["risks.mitigation"])
    plan = data["joint_plan"]
    for o in plan["objectives"]:
        if not o["shared"]:
            o.update(statement=c["objective.statement"], metric=c["objective.metric"], target=c["objective.target"])
    for s in plan["strategies"]:
        if not s["shared"]:
            s["statement"] = c["strategy.statement"]
    for p in plan["projects"]:
        if not p["shared"]:
            p.update(title=c["project.title"], customer_owner=c["project.customer_owner"],
                     decision_needed=c["project.decision_needed"])
            for step in p["next_steps"]:
                step["action"] = c["project.next_step"]
    for v in plan["value_delivered"]:
        if not v["shared"]:
            v.update(result=c["value_delivered.result"], value=n["value_delivered.value (internal)"])
    data["notes"] = c["notes"]
    data["insights"] = [{"date": date(2026, 10, 12), "source": "operations", "by": "Tom Becker", "kind": "observed",
                         "insight": c["insights.insight"], "contact": "Helen Shaw"}]
    data["governance"]["decisions"] = [{"date": date(2026, 10, 1), "decision": c["governance.decisions.decision"],
                                        "decided_by": ["Priya Raman"], "why": c["governance.decisions.why"],
                                        "resources": "added"}]
    classes = [dict(k.model_dump(), name=f"{c['scorecard.class']}_{i}" if i else c["scorecard.class"])
               for i, k in enumerate(settings.scorecard.classes)]
    return Account.model_validate(data, strict=False), settings_variant(settings, classes=classes)


def leaks(raw: str, visible: str) -> list[str]:
    """Every canary or internal figure found in the document's `raw` text (markup included), and
    every internal word in what a reader sees (`visible`); case-insensitive."""
    lowered = raw.lower()
    found = [f"{field}: {canary}" for field, canary in CANARY_TEXT.items()
             if canary.lower() in lowered or canary.replace("_", " ").lower() in lowered]
    for field, number in CANARY_NUMBERS.items():
        found += [f"{field}: {shown}" for shown in (str(number), f"{number:,}") if shown in raw]
    found += [f"word: {word}" for word in CANARY_WORDS if word.lower() in visible.lower()]
    return found


def visible_text(page: str) -> str:
    """What a reader sees: no style sheet, no tags, entities as characters."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S)))


@pytest.fixture(scope="module")
def canary_documents(tmp_path_factory) -> Path:
    """The customer documents of the canary account, written as a run writes them."""
    folder = tmp_path_factory.mktemp("canary-joint")
    account, settings = canary_account()
    names = joint_plan.write_joint_documents(folder, customer_view.shared_view(account, settings, AS_OF), "v0007")
    assert names == ["joint-plan.html", "joint-plan.pptx"]
    return folder


def test_the_canary_account_holds_every_canary():
    """A canary that is not in the account proves nothing: check they all went in."""
    account, settings = canary_account()
    dumped = str(account.model_dump()) + str(settings.model_dump())
    assert all(canary in dumped for canary in CANARY_TEXT.values())
    assert all(str(float(n)) in dumped or str(n) in dumped for n in CANARY_NUMBERS.values())


def test_no_internal_field_reaches_the_joint_plan(canary_documents):
    page = (canary_documents / "joint-plan.html").read_text(encoding="utf-8")
    assert leaks(page, visible_text(page)) == []
    # and the shared text is all there
    for shown in ("Cut packaging cost per unit by 6%", "Convert lidding to mono-PP", "Lidding trial",
                  "Book the trial crew", "Approve the sealing jaws", "Audit found EPR savings", "Grace Whitfield",
                  "Helen Shaw", "Chief Procurement Officer", "Commercial director"):
        assert shown in visible_text(page), shown


# --- the customer's numbering ---------------------------------------------------------------------

def _ids(text: str, letter: str) -> set[str]:
    return set(re.findall(rf"\b{letter}\d+\b", text))


def test_the_joint_plan_uses_the_customers_numbering_throughout(canary_documents):
    text = visible_text((canary_documents / "joint-plan.html").read_text(encoding="utf-8"))
    # O1, O3, O4 are shown as O1, O2, O3; S2, S3 as S1, S2; P2, P3, P4 as P1, P2, P3
    assert _ids(text, "O") == {"O1", "O2", "O3"}
    assert _ids(text, "S") == {"S1", "S2"}
    assert _ids(text, "P") == {"P1", "P2", "P3"}
    # the strategy serving the file's O3 serves the customer's O2; the one serving O4, O2, O1 serves O1, O3
    assert "Serves O2 · 1 project" in text and "Serves O1, O3 · 1 project" in text
    # the result of the file's P3 names the customer's P2
    assert re.search(r"Audit found EPR savings\s+P2\s+180,000", text)


# --- page one --------------------------------------------------------------------------------------

def _summary(page: str) -> str:
    start = page.index('<section class="summary"')
    return visible_text(page[start:page.index("</section>", start)])


def test_page_one_is_the_plan_on_a_page(canary_documents):
    summary = " ".join(_summary((canary_documents / "joint-plan.html").read_text(encoding="utf-8")).split())
    assert "The lowest-cost, lowest-waste packaging supply in UK private label." in summary  # the vision
    assert "GBP 275,000" in summary and "3 results, 1 not valued" in summary  # 180,000 + 95,000
    assert "29 Dec 2026" in summary and "in 35 days" in summary  # last review 30 Sep + 90 days; 24 Nov + 35
    assert "44% behind" in summary and "50% on track" in summary and "target: week 14" in summary
    assert "Open projects 2 of 3 joint projects" in summary and "Decisions needed 2" in summary
    assert "Agreed on 15 Oct 2026" in visible_text((canary_documents / "joint-plan.html").read_text())


def test_labels_are_words_and_plurals_agree(canary_documents):
    text = visible_text((canary_documents / "joint-plan.html").read_text(encoding="utf-8"))
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", text)  # no in_progress, no decision_maker
    assert "In progress" in text and "(s)" not in text
    assert "1 project" in text and "3 next steps planned" in text and "1 projects" not in text


def test_governance_and_a_sign_off_block_with_names_role_title_and_date(canary_documents):
    page = (canary_documents / "joint-plan.html").read_text(encoding="utf-8")
    part = visible_text(page[page.index('id="governance"'):])
    flat = " ".join(part.split())
    assert "Joint review every 90 days" in flat and "Next review 29 Dec 2026 (in 35 days)" in flat
    assert "For Northwind Foods plc Name Helen Shaw Title Chief Procurement Officer Signature Date 15 Oct 2026" in flat
    assert ("For Acme Flexible Packaging Ltd Name Grace Whitfield Role Commercial director Signature Date 15 Oct 2026"
            in flat)


def test_a_plan_without_governance_leaves_the_sign_off_to_fill_in(tmp_path):
    account, settings = joint_account()
    shared = customer_view.shared_view(variant(account, governance=None), settings, AS_OF)
    joint_plan.write_joint_plan(tmp_path, shared, "v0001")
    flat = " ".join(visible_text((tmp_path / "joint-plan.html").read_text()).split())
    assert "Plan status Draft for discussion between Northwind Foods plc and Acme Flexible Packaging Ltd" in flat
    assert "Joint review not yet set Next review not yet set" in flat
    assert "Name Title Signature Date" in flat


# --- validation: a shared strategy serving only internal objectives --------------------------------

@pytest.fixture
def strategy_serving_internal(tmp_path, monkeypatch) -> Path:
    """tiny, with the shared S1 serving only the internal O2; the working folder is tmp_path."""
    shutil.copytree(DATA / "tiny", tmp_path / "parameters")
    path = tmp_path / "parameters" / "accounts" / "northwind-foods.yaml"
    text = path.read_text()
    assert text.count("objectives: [O1]\n") == 1
    path.write_text(text.replace("objectives: [O1]\n", "objectives: [O2]\n"))
    monkeypatch.chdir(tmp_path)
    return path


def test_validate_warns_with_file_line_and_field_and_exits_0(strategy_serving_internal, capsys):
    line = strategy_serving_internal.read_text().splitlines().index("      objectives: [O2]") + 1
    assert main(["--params", "parameters", "validate"]) == 0
    out, err = capsys.readouterr()
    assert out == "ok: 2 files valid; 1 warning\n"
    assert err.splitlines() == [
        f"parameters/accounts/northwind-foods.yaml:{line}: warning: joint_plan.strategies[0].objectives: shared "
        "strategy 'S1' serves only internal objectives (O2): the joint plan shows it serving no objective; share "
        "one of them, serve a shared objective too, or keep the strategy internal"]
    assert main(["--params", "parameters", "validate", "parameters/accounts/northwind-foods.yaml"]) == 0
    assert capsys.readouterr().err.count(": warning: ") == 1


def test_a_file_with_errors_gets_its_errors_and_no_warnings(strategy_serving_internal, capsys):
    strategy_serving_internal.write_text(strategy_serving_internal.read_text().replace("weight: 0.30", "weight: 0.9"))
    assert main(["--params", "parameters", "validate"]) == 2
    err = capsys.readouterr().err
    assert "weights must sum to 1" in err and "warning" not in err


def test_a_warning_does_not_stop_a_run_and_the_plan_prints_no_blank_serves(strategy_serving_internal, tmp_path,
                                                                            fake_notebooks, capsys):
    loader.load_portfolio(Path("parameters"))  # what run and batch validate with: no error
    code = main(["--params", "parameters", "--outputs", str(tmp_path / "out"), "--notebooks", str(fake_notebooks),
                 "run", "northwind-foods"])
    assert code == 0
    latest = tmp_path / "out" / "northwind-foods" / "latest"
    assert (latest / "joint-plan.pptx").is_file()
    text = " ".join(visible_text((latest / "joint-plan.html").read_text()).split())
    assert "S1 Down-gauge film on the three highest-volume lines 1 project" in text
    assert "Serves" not in text


def test_the_warning_rule_is_quiet_when_a_shared_objective_is_served():
    from kamlib.parameters import rules

    account, _ = joint_account()
    assert rules.account_warnings(account) == []  # S2 and S3 each serve a shared objective; S1 is internal
    plan = account.joint_plan.model_dump()
    plan["strategies"][0]["shared"] = True
    assert rules.account_warnings(variant(account, joint_plan=plan)) == [
        (("joint_plan", "strategies", 0, "objectives"),
         "shared strategy 'S1' serves only internal objectives (O2): the joint plan shows it serving no objective; "
         "share one of them, serve a shared objective too, or keep the strategy internal")]


# --- escaping and scale -----------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script> & Co </td></table> {{ 7*7 }} \u202e'


def test_hostile_text_is_escaped_everywhere_in_the_joint_plan(tmp_path):
    account, settings = joint_account()
    plan = account.joint_plan.model_dump()
    plan["vision"] = HOSTILE
    plan["objectives"][0]["statement"] = HOSTILE
    plan["projects"][1]["title"] = HOSTILE
    plan["projects"][1]["next_steps"][1]["action"] = HOSTILE
    plan["value_delivered"][0]["result"] = HOSTILE
    hostile = variant(account, name=HOSTILE, joint_plan=plan)
    joint_plan.write_joint_plan(tmp_path, customer_view.shared_view(hostile, settings, AS_OF), "v0001")
    page = (tmp_path / "joint-plan.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "</td></table> {{" not in page
    assert page.count("&lt;script&gt;") >= 6 and "{{ 7*7 }}" in page and "49" not in visible_text(page)


def test_a_large_plan_is_grouped_by_strategy_and_its_timeline_stays_one_page(tmp_path):
    data = large_account()
    data["competes_with"] = []
    account = Account.model_validate(data, strict=False)
    settings = loader.load_settings(DATA / "tiny")
    shared = customer_view.shared_view(account, settings, AS_OF)
    assert len(shared.projects) == 54  # 80 projects, every third one internal
    groups = joint_plan.project_groups(shared)
    assert sum(len(g.projects) for g in groups) == 54
    for g in groups:
        opened = [p.open for p in g.projects]
        assert opened == sorted(opened, reverse=True)  # open projects first
        dues = [p.due for p in g.projects if p.open]
        assert dues == sorted(dues)
    drawn, note = joint_plan.timeline_projects(shared)
    assert len(drawn) == joint_plan.TIMELINE_PROJECTS and note.startswith("The timeline shows the 15 open projects")
    joint_plan.write_joint_plan(tmp_path, shared, "v0001")
    text = visible_text((tmp_path / "joint-plan.html").read_text())
    assert "Other joint projects" in text and "their titles are in" in text


def test_words_for_figures():
    assert [wording.day(date(2026, 12, 5)), wording.day(None)] == ["5 Dec 2026", ""]
    assert [joint_plan.number(x) for x in (41.2, 78.0, 0.28, 1250.4, 0)] == ["41.2", "78", "0.28", "1,250", "0"]
    assert joint_plan.cadence(customer_view.shared_view(*joint_account(), AS_OF)) == "every 90 days"


def test_the_next_review_says_how_far_off_it_is():
    account, settings = joint_account()  # review due 2026-12-29 (last review + 90 days)
    when = {as_of: joint_plan.next_review(customer_view.shared_view(account, settings, as_of))
            for as_of in (date(2026, 12, 28), date(2026, 12, 29), date(2027, 1, 8))}
    assert when == {date(2026, 12, 28): "29 Dec 2026 (in 1 day)", date(2026, 12, 29): "29 Dec 2026 (today)",
                    date(2027, 1, 8): "29 Dec 2026 (overdue by 10 days)"}
    assert joint_plan.next_review(customer_view.shared_view(variant(account, governance=None), settings, AS_OF)) == (
        "not yet set")
