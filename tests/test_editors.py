"""Section editors: each section's what-if worked by hand on the tiny account, saving back with
only the edited lines changed (ints stay ints, dates stay dates, comments kept), the refusals
(a bad value is located and writes nothing; a file changed on disk is never overwritten), the
widgets driven in-process as a strategist would, and a new account started from the form."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from kamlib.display import editors
from kamlib.display.editors import fields, what_if
from kamlib.errors import InputError
from kamlib.parameters import loader, workbook, yaml_editing
from tests.conftest import DATA, DEMO_PARAMS
from tests.helpers import large_account, tiny

ACCOUNT = "northwind-foods"
AS_OF = date(2026, 11, 24)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "parameters"
    shutil.copytree(DATA / "tiny", target)
    return target


def _file(folder: Path) -> Path:
    return folder / "accounts" / f"{ACCOUNT}.yaml"


def _after(section: str, value, account=None):
    account_, settings = tiny()
    return what_if.preview(section, account or account_, value, settings, AS_OF)


def _changed_lines(change: yaml_editing.Change) -> list[str]:
    return [line for line in change.diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]


# --- what each section's change does, by hand ---------------------------------------------------

def test_buying_criteria_scores_move_relative_strength():
    account, _ = tiny()
    criteria = what_if.section_value(account, "buying_criteria")
    criteria[0]["scores"]["us"] = 3.5  # price, weight 0.30
    preview = _after("buying_criteria", criteria)
    # before: us 0.3×3 + 0.25×5 + 0.25×4 + 0.2×3 = 3.75; Alpha 0.3×4 + 0.25×3 + 0.25×3 + 0.2×4 = 3.5
    assert preview.before["relative strength"][1] == pytest.approx(3.75 / 3.5)
    # after: us 3.75 + 0.3 × 0.5 = 3.9 → 3.9 / 3.5
    assert preview.after["our weighted score"][1] == pytest.approx(3.9)
    assert preview.after["relative strength"][1] == pytest.approx(3.9 / 3.5)
    assert preview.changed() == ["our weighted score", "relative strength"]


def test_opportunities_close_the_target_gap():
    account, settings = tiny()
    with_target = what_if.with_section(account, "targets", [{"year": 2027, "revenue": 3_000_000}])
    opportunity = {"id": "OP1", "title": "Labels for ready meals", "value": 400_000, "probability": 0.5,
                   "stage": "proposal", "close": date(2027, 3, 31), "owner": "Priya Raman"}
    preview = what_if.preview("opportunities", with_target, [opportunity], settings, AS_OF)
    # gap = 3,000,000 − 2,650,000 (2025) = 350,000; weighted = 400,000 × 0.5 = 200,000 → coverage 0.571
    assert preview.before["revenue gap"][1] == 350_000 and preview.before["coverage of the gap"][1] == 0
    assert preview.after["weighted pipeline"][1] == 200_000
    assert preview.after["coverage of the gap"][1] == pytest.approx(200_000 / 350_000)
    targets = what_if.preview("targets", account, [{"year": 2027, "revenue": 3_000_000}], settings, AS_OF)
    assert targets.after["target year"] == ("text", "2027") and targets.after["revenue gap"][1] == 350_000


def test_risks_exposure_and_overdue_mitigations():
    risks = [{"id": "R1", "risk": "The CPO moves the tender forward", "likelihood": 0.5, "impact": 3,
              "owner": "Priya Raman", "mitigation": "Executive sponsor meets the CPO", "status": "open"},
             {"id": "R2", "risk": "Line 4 trial slips", "likelihood": 0.2, "impact": 2, "owner": "Tom Becker",
              "mitigation": "Second trial slot", "status": "open", "due": date(2026, 11, 1)},
             {"id": "R3", "risk": "Film price spike", "likelihood": 0.9, "impact": 3, "owner": "Ana Costa",
              "mitigation": "Hedged", "status": "mitigated"}]
    after = _after("risks", risks).after
    # open: R1 (0.5 × 3 = 1.5) and R2 (0.2 × 2 = 0.4); R3 is mitigated; R2's mitigation was due 1 Nov
    assert after["open risks"][1] == 2 and after["top risk score (of 3)"][1] == pytest.approx(1.5)
    assert after["exposure (Σ likelihood × impact)"][1] == pytest.approx(1.9)
    assert after["overdue mitigations"][1] == 1


def test_contacts_attitude_clears_a_hostile_decision_maker():
    account, _ = tiny()
    contacts = what_if.section_value(account, "relationships")
    assert contacts[0]["name"] == "Helen Shaw" and contacts[0]["attitude"] == -1  # decision maker, influence 5
    contacts[0]["attitude"] = 0
    preview = _after("relationships", contacts)
    assert preview.before["hostile decision makers"][1] == 1 and preview.after["hostile decision makers"][1] == 0
    assert preview.changed() == ["hostile decision makers"]


def test_competitor_shares_and_financials():
    account, _ = tiny()
    rivals = what_if.section_value(account, "competitors")
    rivals[1]["share_of_wallet"] = 0.5  # Alpha 0.45 → 0.5; CartonCo 0.15; ours 2,650,000 / 9,400,000
    after = _after("competitors", rivals).after
    assert after["competitors' shares"][1] == pytest.approx(0.65)
    assert after["unallocated"][1] == pytest.approx(1 - 2.65 / 9.4 - 0.65)
    years = what_if.section_value(account, "financials")
    years[-1]["revenue"] = 2_800_000
    after = _after("financials", years).after
    assert after["share of wallet"][1] == pytest.approx(2.8 / 9.4)
    assert after["profit after cost to serve"][1] == pytest.approx(2_800_000 * 0.29 - 335_000)  # 477,000


def test_plan_sections_move_plan_health_and_gaps():
    account, settings = tiny()
    projects = what_if.section_value(account, "projects")
    projects[0]["status"] = "done"  # P1 was due 2027-02-28: overdue on 10 March
    preview = what_if.preview("projects", account, projects, settings, date(2027, 3, 10))
    assert preview.before["overdue projects"][1] == 1 and preview.after["overdue projects"][1] == 0
    assert preview.after["plan health"][1] - preview.before["plan health"][1] == 10  # −10 per overdue project
    strategies = what_if.section_value(account, "strategies")
    only_s1 = _after("strategies", strategies[:1])  # S2 serves O2 and carries P2: P2 would point nowhere
    assert only_s1.account is None
    assert any(p.startswith("joint_plan.projects[1].strategy:") and "S2" in p for p in only_s1.problems)
    objectives = what_if.section_value(account, "objectives")
    objectives[0]["measure"] = {"baseline": 100, "current": 96, "goal": 94}
    after = _after("objectives", objectives).after
    # progress (96 − 100) / (94 − 100) = 0.67 ≥ time elapsed 238 / 456 days (31 Mar 2026 → 30 Jun 2027)
    assert after["measured"][1] == 1 and after["measured and on track"][1] == 1


def test_environment_business_governance_value_whitespace_team():
    account, _ = tiny()
    forces = what_if.section_value(account, "environment")
    forces[0]["id"], forces[0]["for_us"] = "F1", "threat"
    after = _after("environment", forces).after
    assert after["threats to us"][1] == 1 and after["highest priority"][1] == "Purchasing dynamics (1.80)"
    business = what_if.section_value(account, "business")
    business["advantages"].append("Own design studio")
    assert _after("business", business).after["strengths"][1] == 2
    governance = {"status": "reviewed", "review_every_days": 90, "last_review": date(2026, 9, 1)}
    after = _after("governance", governance).after
    assert after["review due"][1] == date(2026, 11, 30) and after["days to the review"][1] == 6
    assert after["plan status"][1] == "reviewed"
    values = [{"date": date(2026, 6, 30), "result": "Film down-gauged on line 2", "value": 120_000, "shared": True},
              {"date": date(2026, 9, 30), "result": "Fewer line stops", "shared": False}]
    after = _after("value_delivered", values).after
    assert after["value delivered"][1] == 120_000 and after["results without a value"][1] == 1
    whitespace = what_if.section_value(account, "whitespace")
    whitespace["units"][0]["potential"] = {"labels": 150_000}  # a competitor's cell
    after = _after("whitespace", whitespace).after
    assert (after["potential"][1], after["covered by the pipeline"][1], after["not covered"][1]) == (150_000, 0, 150_000)
    team = what_if.section_value(account, "team") + [{"name": "Lea Wong", "role": "Quality lead",
                                                      "function": "service"}]
    assert _after("team", team).after["people on the team"][1] == 4


def test_a_field_error_is_named_as_in_the_file():
    account, _ = tiny()
    contacts = what_if.section_value(account, "relationships")
    contacts[1]["influence"] = 7
    preview = _after("relationships", contacts)
    assert preview.account is None and preview.problems[0].startswith("relationships[1].influence:")


def test_field_specs_follow_the_model():
    kinds = {s.name: (s.kind, s.source) for s in fields.field_specs(editors.SECTION_SPECS["projects"].model)}
    assert kinds["owner"] == ("pick", "team") and kinds["customer_owner"] == ("suggest", "contacts")
    assert kinds["status"][0] == "choice" and kinds["start"][0] == "date" and kinds["shared"][0] == "bool"
    assert kinds["next_steps"][0] == "records"
    contact = {s.name: s for s in fields.field_specs(editors.SECTION_SPECS["relationships"].model)}
    assert (contact["influence"].kind, contact["influence"].lo, contact["influence"].hi) == ("int", 1, 5)
    assert contact["influence"].slider and contact["reports_to"].source == "contacts"
    strategy = {s.name: (s.kind, s.source) for s in fields.field_specs(editors.SECTION_SPECS["strategies"].model)}
    assert strategy["objectives"] == ("some", "objectives") and strategy["answers"] == ("some", "forces")
    scores = fields.spec_of(editors.SECTION_SPECS["buying_criteria"].model, "scores")
    assert (scores.kind, scores.source, scores.inner.kind, scores.inner.lo, scores.inner.hi) == \
        ("keys", "players", "float", 1, 5)
    assert editors.sections.next_id(["P1", "P2", "P10"]) == "P11" and editors.sections.next_id([]) == "1"


# --- saving sections ---------------------------------------------------------------------------

def test_every_section_of_every_demo_file_saves_back_unchanged(tmp_path):
    target = tmp_path / "parameters"
    shutil.copytree(DEMO_PARAMS, target)
    for path in sorted((target / "accounts").glob("*.yaml")):
        document = yaml_editing.AccountFile(target, path.stem)
        values = {s.path: what_if.section_value(document.account, s.key) for s in editors.SECTION_SPECS.values()}

        def every_section(tree, values=values):
            for where, value in values.items():
                yaml_editing.set_section(tree, where, value)

        change = document.change(every_section, write=False)
        assert change.after == change.before, path.name


def test_writing_one_section_again_gives_the_text_of_writing_the_whole_file():
    exact = 0
    for path in sorted((DEMO_PARAMS / "accounts").glob("*.yaml")) + [_file(DATA / "tiny")]:
        parsed = yaml_editing._parse(path.read_text(encoding="utf-8"))
        exact += sum(yaml_editing._dump_changed(parsed, (key,)) == parsed.dumped for key in list(parsed.tree)[1:])
    # all but the few beside a list written in brackets ([a, b]), which a save then writes whole
    assert exact >= 0.95 * sum(len(yaml_editing._parse(p.read_text()).tree) - 1
                               for p in sorted((DEMO_PARAMS / "accounts").glob("*.yaml")) + [_file(DATA / "tiny")])


def test_one_item_changed_changes_its_lines_only_and_keeps_ints(folder):
    document = yaml_editing.AccountFile(folder, ACCOUNT)
    criteria = what_if.section_value(document.account, "buying_criteria")
    criteria[1]["scores"]["us"] = 4.0  # as a slider gives it
    change = document.save(("buying_criteria",), criteria)
    assert _changed_lines(change) == ["-    scores: {us: 5, Alpha Packaging: 3, CartonCo: 2}",
                                      "+    scores: {us: 4, Alpha Packaging: 3, CartonCo: 2}"]
    assert (folder / "accounts" / f"{ACCOUNT}.yaml.bak").read_text() == change.before
    raw = YAML(typ="safe").load(_file(folder).read_text())
    assert raw["buying_criteria"][1]["scores"]["us"] == 4 and isinstance(raw["buying_criteria"][1]["scores"]["us"], int)


def test_a_new_section_goes_in_the_formats_order_with_dates_kept(folder):
    document = yaml_editing.AccountFile(folder, ACCOUNT)
    change = document.save(("governance",), {"status": "reviewed", "review_every_days": 90,
                                              "last_review": date(2026, 9, 1)})
    added = [line[1:] for line in _changed_lines(change)]
    assert added == ["governance:", "  status: reviewed", "  review_every_days: 90", "  last_review: 2026-09-01", ""]
    text = _file(folder).read_text()
    assert text.index("governance:") < text.index("joint_plan:") and "\n\ngovernance:" in text
    assert loader.load_account(folder, ACCOUNT).governance.last_review == date(2026, 9, 1)
    assert all(line in text for line in change.before.splitlines())  # every other line, comments too, kept


def test_removing_the_last_item_keeps_the_blank_line_before_the_next_section(folder):
    document = yaml_editing.AccountFile(folder, ACCOUNT)
    projects = what_if.section_value(document.account, "projects")
    change = document.save(("joint_plan", "projects"), projects[:1])
    removed = [line for line in _changed_lines(change)]
    assert len(removed) == 9 and all(line.startswith("-") for line in removed)
    assert "      shared: true\n\nnotes:" in _file(folder).read_text()


def test_a_folded_text_changed_is_folded_again(folder):
    document = yaml_editing.AccountFile(folder, ACCOUNT)
    business = what_if.section_value(document.account, "business")
    business["strategy"] += " Export to the Nordics from 2028."
    change = document.save(("business",), business)
    assert _changed_lines(change) == [
        "-    conversion cost by 8% over three years.",
        "+    conversion cost by 8% over three years. Export to the Nordics from 2028."]


def test_untouched_lines_stay_as_written_even_where_ruamel_would_rewrap(folder):
    path = _file(folder)
    text = path.read_text().replace(
        "  operations: Four plants in the UK and one in Poland; central procurement in Leeds.",
        "  operations: Four plants in the UK and one in Poland;\n    central procurement in Leeds.")
    path.write_text(text)  # a plain text wrapped by hand, which ruamel would join on one line
    document = yaml_editing.AccountFile(folder, ACCOUNT)
    contacts = what_if.section_value(document.account, "relationships")
    contacts[1]["attitude"] = 1
    change = document.save(("relationships",), contacts)
    assert _changed_lines(change) == ["-    attitude: 2", "+    attitude: 1"]
    assert "Poland;\n    central procurement" in path.read_text()


def test_the_large_account_saves_one_contact_as_two_lines(tmp_path):
    target = tmp_path / "parameters"
    shutil.copytree(DEMO_PARAMS, target)
    data = large_account()
    buffer = __import__("io").StringIO()
    YAML().dump(data, buffer)
    _file(target).write_text(buffer.getvalue())
    document = yaml_editing.AccountFile(target, ACCOUNT)
    assert len(document.account.relationships) == 60
    contacts = what_if.section_value(document.account, "relationships")
    contacts[41]["attitude"] = 2 if contacts[41]["attitude"] != 2 else 1
    change = document.save(("relationships",), contacts)
    assert len(_changed_lines(change)) == 2 and "attitude" in _changed_lines(change)[0]
    projects = what_if.section_value(document.account, "projects")
    projects[70]["next_steps"][1]["done"] = True
    change = document.save(("joint_plan", "projects"), projects)
    assert len(_changed_lines(change)) == 2 and _changed_lines(change)[1].endswith("done: true")
    parsed = document._tree
    assert yaml_editing._dump(parsed.yaml, parsed.tree) == parsed.dumped and document.text == _file(target).read_text()


# --- refusals -----------------------------------------------------------------------------------

def test_a_bad_value_is_located_and_writes_nothing(folder):
    before = _file(folder).read_text()
    document = yaml_editing.AccountFile(folder, ACCOUNT)
    contacts = what_if.section_value(document.account, "relationships")
    contacts[1]["owner"] = "Nobody Here"
    contacts[0]["influence"] = 9
    with pytest.raises(InputError) as caught:
        document.save(("relationships",), contacts)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 1  # the field error first; the cross-field rules run on a valid file
    assert "accounts/northwind-foods.yaml:114: relationships[0].influence: must be between 1 and 5, got 9" in messages[0]
    assert _file(folder).read_text() == before and not (folder / "accounts" / f"{ACCOUNT}.yaml.bak").exists()
    contacts[0]["influence"] = 5
    with pytest.raises(InputError) as caught:
        document.save(("relationships",), contacts)
    assert "relationships[1].owner" in str(caught.value) and ":125:" in str(caught.value)
    assert _file(folder).read_text() == before
    contacts[1]["owner"] = "Tom Becker"
    assert not document.save(("relationships",), contacts).written  # the tree is read again after a refusal


def test_a_file_changed_on_disk_is_never_overwritten(folder):
    first = yaml_editing.AccountFile(folder, ACCOUNT)
    second = yaml_editing.AccountFile(folder, ACCOUNT)
    risks = [{"id": "R1", "risk": "Tender moved forward", "likelihood": 0.5, "impact": 3, "owner": "Priya Raman",
              "mitigation": "Sponsor meeting", "status": "open"}]
    assert first.save(("risks",), risks).written
    saved = _file(folder).read_text()
    contacts = what_if.section_value(second.account, "relationships")
    contacts[0]["attitude"] = 0
    with pytest.raises(yaml_editing.StaleFile) as caught:
        second.save(("relationships",), contacts)
    assert "changed on disk since this editor loaded it" in str(caught.value) and "Reload" in str(caught.value)
    assert _file(folder).read_text() == saved
    second.reload()
    assert second.save(("relationships",), contacts).written
    account = loader.load_account(folder, ACCOUNT)
    assert account.risks[0].id == "R1" and account.relationships[0].attitude == 0  # both changes kept
    _file(folder).write_text(_file(folder).read_text() + "\n# a colleague's note\n")  # as a git pull would
    with pytest.raises(yaml_editing.StaleFile):
        first.save(("risks",), [])
    with pytest.raises(yaml_editing.StaleFile):
        yaml_editing.replace_section(folder, ACCOUNT, ("risks",), [], expected=first.fingerprint)


# --- the widgets, driven as a strategist would ----------------------------------------------------

@pytest.fixture
def plan(folder):
    pytest.importorskip("ipywidgets")
    return workbook.open_account(ACCOUNT, folder, AS_OF.isoformat())


def test_contact_editor_moves_the_figures_and_saves_one_line(plan, folder):
    editor = editors.SectionEditor(plan, "relationships")
    form = editor.control.form
    assert editor.control.pick.value == 0 and form.controls["name"].widget.value == "Helen Shaw"
    assert "<b>" not in editor.figures.value  # nothing moved yet
    form.controls["attitude"].widget.value = 1
    assert editor.last.after["hostile decision makers"][1] == 0 and "<b>0</b>" in editor.figures.value
    change = editor.write()
    assert "Saved to northwind-foods.yaml" in editor.message.value
    assert _changed_lines(change) == ["-    attitude: -1               # -2 detractor .. 2 champion",
                                      "+    attitude: 1                # -2 detractor .. 2 champion"]
    editor.control.pick.value = 1  # Raj Patel: reports to Helen Shaw
    form.controls["reports_to"].widget.value = "Helen Shaw"
    assert editor.write().written and loader.load_account(folder, ACCOUNT).relationships[1].reports_to == "Helen Shaw"


def test_a_new_risk_is_added_filled_in_and_saved(plan, folder):
    editor = editors.SectionEditor(plan, "risks")
    assert editor.control.items == []
    editor.control.add_item()
    form = editor.control.form
    assert form.controls["id"].widget.value == "1" and form.controls["owner"].widget.value == "Priya Raman"
    assert editor.last.account is None  # the risk and its mitigation are still empty
    form.controls["id"].widget.value = "R1"
    form.controls["risk"].widget.value = "The CPO moves the tender forward"
    form.controls["mitigation"].widget.value = "Executive sponsor meets the CPO"
    form.controls["likelihood"].widget.value = 0.6
    form.controls["impact"].widget.value = 3
    form.controls["contact"].widget.value = "Helen Shaw"
    assert editor.last.account is not None and editor.last.after["top risk score (of 3)"][1] == pytest.approx(1.8)
    assert editor.control.pick.options[0][0] == "1. R1 · The CPO moves the tender forward"
    editor.write()
    risk = loader.load_account(folder, ACCOUNT).risks[0]
    assert (risk.id, risk.impact, risk.status, risk.contact, risk.due) == ("R1", 3, "open", "Helen Shaw", None)
    editor.control.remove_item()
    assert editor.last.after["open risks"][1] == 0
    editor.write()
    assert loader.load_account(folder, ACCOUNT).risks == [] and "risks:" not in _file(folder).read_text()


def test_buying_criteria_sliders_and_a_refused_weight(plan, folder):
    editor = editors.SectionEditor(plan, "buying_criteria")
    scores = editor.control.form.controls["scores"].rows
    assert list(scores) == ["us", "Alpha Packaging", "CartonCo"]
    scores["us"].widget.value = 4.0  # price 3 → 4
    assert editor.last.after["relative strength"][1] == pytest.approx(4.05 / 3.5)
    editor.control.form.controls["weight"].widget.value = 0.4  # weights now sum to 1.1
    assert editor.last.account is None and "buying_criteria" in editor.last.problems[0]
    before = _file(folder).read_text()
    editor.write()
    assert "Not saved" in editor.message.value and "accounts/northwind-foods.yaml:" in editor.message.value
    assert _file(folder).read_text() == before
    editor.control.form.controls["weight"].widget.value = 0.3
    editor.write()
    assert "us: 4, Alpha Packaging: 4" in _file(folder).read_text()


def test_nested_next_steps_and_an_objectives_measure(plan, folder):
    projects = editors.SectionEditor(plan, "projects")
    steps = projects.control.form.controls["next_steps"]
    steps.add_item()
    steps.form.controls["action"].widget.value = "Book the line 4 trial slot"
    steps.form.controls["owner"].widget.value = "Raj Patel"  # the customer's side may own a step
    steps.form.controls["due"].widget.value = date(2026, 12, 5)
    assert projects.last.account is not None and steps.pick.options[0][0] == "1. Book the line 4 trial slot"
    projects.write()
    step = loader.load_account(folder, ACCOUNT).joint_plan.projects[0].next_steps[0]
    assert (step.owner, step.due, step.done) == ("Raj Patel", date(2026, 12, 5), False)
    assert "done:" not in _file(folder).read_text()  # a default left alone stays out of the file
    objectives = editors.SectionEditor(workbook.open_account(ACCOUNT, folder, AS_OF.isoformat()), "objectives")
    measure = objectives.control.form.controls["measure"]
    measure.include.value = True
    for name, value in (("baseline", "100"), ("current", "96"), ("goal", "94")):
        measure.controls[name].widget.value = value
    assert objectives.last.after["measured and on track"][1] == 1
    objectives.write()
    assert loader.load_account(folder, ACCOUNT).joint_plan.objectives[0].measure.current == 96
    assert "      measure:\n        baseline: 100\n        current: 96\n" in _file(folder).read_text()


def test_two_editors_on_one_file(plan, folder):
    first = editors.SectionEditor(plan, "governance")
    second = editors.SectionEditor(plan, "relationships")
    first.control.include.value = True
    first.control.controls["review_every_days"].widget.value = 91
    assert first.write().written
    second.control.form.controls["attitude"].widget.value = 0
    assert second.write() is None
    assert "changed on disk since this editor loaded it" in second.message.value
    assert second.reload_button.layout.display == ""
    second.reload_button.click()
    assert second.reload_button.layout.display == "none"
    assert second.control.form.controls["attitude"].widget.value == -1  # the file as it is now
    second.control.form.controls["attitude"].widget.value = 0
    assert second.write().written
    account = loader.load_account(folder, ACCOUNT)
    assert account.governance.review_every_days == 91 and account.relationships[0].attitude == 0


def test_every_section_editor_saves_nothing_when_nothing_changed(tmp_path):
    pytest.importorskip("ipywidgets")
    target = tmp_path / "parameters"
    shutil.copytree(DEMO_PARAMS, target)
    for account_id in ("northwind-foods", "kestrel-dairy", "boxora-retail"):
        plan_ = workbook.open_account(account_id, target)
        panels = editors.step_editors(plan_, "04_action_plan")
        assert len(panels.children) == len(editors.STEP_SECTIONS["04_action_plan"]) and panels.editors == {}
        panels.selected_index = 2  # a fold's editor is built when it first opens
        assert list(panels.editors) == ["strategies"] and panels.children[2].children == (
            panels.editors["strategies"].panel,)
        for section in editors.SECTIONS:
            editor = editors.sections._editor(plan_, section, None)
            if isinstance(editor, editors.SectionEditor):
                assert editor.last.problems == () and editor.last.changed() == [], (account_id, section)
                assert editor.write() is not None and not editor.write().written, (account_id, section)


def test_an_editor_reads_its_own_account_file_only(plan, folder, monkeypatch):
    shutil.copy(_file(folder), folder / "accounts" / "rival-foods.yaml")
    read = []
    original = loader.load_account_file
    monkeypatch.setattr(loader, "load_account_file", lambda path, *a, **k: read.append(Path(path).name)
                        or original(path, *a, **k))
    panels = editors.step_editors(plan, "02_competitor_positioning")
    for index in range(len(panels.children)):
        panels.selected_index = index
    editor = editors.SectionEditor(plan, "relationships")
    editor.control.form.controls["attitude"].widget.value = 0
    editor.write()
    assert panels is not None and set(read) <= {f"{ACCOUNT}.yaml"}


def test_steps_sections_and_batch_mode(plan, monkeypatch):
    steps = {p.stem for p in (Path(__file__).resolve().parents[1] / "notebooks").glob("0*.ipynb")}
    assert set(editors.STEP_SECTIONS) == steps
    assert {s for sections in editors.STEP_SECTIONS.values() for s in sections} == set(editors.SECTIONS)
    assert editors.section_editor(plan, "whitespace") is not None
    with pytest.raises(Exception, match="no section 'forces'"):
        editors.section_editor(plan, "forces")
    monkeypatch.setenv("KAM_BATCH", "1")
    monkeypatch.setattr(yaml_editing, "AccountFile", lambda *a: pytest.fail("read a file in a batch"))
    assert editors.section_editor(plan, "risks") is None and editors.step_editors(plan, "04_action_plan") is None
    assert editors.new_account_form(plan.params_dir) is None


def test_new_account_form_starts_an_account_as_kam_new_does(folder):
    pytest.importorskip("ipywidgets")
    form = editors.NewAccountForm(folder)
    form.account_id.value, form.name.value, form.country.value = "harbour-fresh", "Harbour Fresh Ltd", "ie"
    change = form.write()
    assert change is not None and "Created accounts/harbour-fresh.yaml" in form.message.value
    account = loader.load_account(folder, "harbour-fresh")
    assert (account.name, account.country) == ("Harbour Fresh Ltd", "IE")
    assert _file(folder).parent.joinpath("harbour-fresh.yaml").read_text().count("#") > 20  # the template's comments
    form.write()
    assert "already exists; not overwriting it" in form.message.value
    form.account_id.value, form.country.value = "second-one", "Ireland"
    form.write()
    assert "country: expected an ISO 3166 alpha-2 country code" in form.message.value
    assert not (folder / "accounts" / "second-one.yaml").exists()


def test_the_assessment_editor_writes_whole_scores_and_refuses_a_stale_file(plan, folder):
    editor = editors.AssessmentEditor(plan)
    project = editors.ProjectEditor(plan)
    editor.customer["willingness_to_partner"].value = 5
    editor.evidence.value = "Opened the 2027 budget to us."
    editor.write()
    assert "Saved to northwind-foods.yaml" in editor.message.value
    text = _file(folder).read_text()
    assert "  - date: 2026-11-24\n    customer:\n      willingness_to_partner: 5\n      transparency: 3\n" in text
    assert "4.0" not in text and "5.0" not in text  # a score of 4 is written 4
    project.status.value = "blocked"
    project.write()
    assert "changed on disk since this editor loaded it" in project.message.value
    assert project.reload_button.layout.display == "" and "status: in_progress" in _file(folder).read_text()
    project.reload_button.click()
    project.status.value = "blocked"
    project.write()
    assert "Saved" in project.message.value and loader.load_account(folder, ACCOUNT).joint_plan.projects[0].status == \
        "blocked"
    assert len(loader.load_account(folder, ACCOUNT).scorecard) == 3  # the assessment saved before is kept


def test_insights_and_decisions_feed_the_teams_memory():
    account, settings = tiny()
    insights = [{"date": date(2026, 10, 1), "source": "operations", "by": "Tom Becker", "kind": "observed",
                 "insight": "Line 4 runs 6% slower on the thinner film", "contact": "Raj Patel"},
                {"date": date(2026, 6, 1), "source": "sales", "kind": "rumour", "insight": "A new CPO from Alpha"},
                {"date": date(2026, 1, 5), "source": "finance", "kind": "data", "insight": "Results published"}]
    after = _after("insights", insights).after
    # the window is the 180 days up to 24 Nov 2026 (after 28 May): the January insight is older
    assert after["insights in the last 180 days"][1] == 2 and after["of which rumours"][1] == 1
    assert after["our functions that fed none"][1] == "finance" and after["contacts with an insight"][1] == 1
    decision = {"date": date(2026, 10, 15), "decision": "Move the design engineer to another account",
                "decided_by": ["Priya Raman"], "why": "Budget", "resources": "withdrawn"}
    refused = _after("decisions", [decision])
    assert refused.account is None and refused.problems[0].startswith("governance: fill in")
    governed = what_if.with_section(account, "governance", {"status": "draft", "review_every_days": 90})
    after = what_if.preview("decisions", governed, [decision], settings, AS_OF).after
    # the class rose on 30 Sep (develop → key account), and one person decided to withdraw resources
    assert (after["decisions"][1], after["taken by one person"][1],
            after["resources against the class's direction"][1]) == (1, 1, 1)


def test_the_governance_editor_leaves_the_decisions_to_their_own(tmp_path):
    pytest.importorskip("ipywidgets")
    target = tmp_path / "parameters"
    shutil.copytree(DEMO_PARAMS, target)
    plan_ = workbook.open_account(ACCOUNT, target)
    decisions_before = plan_.account.governance.decisions
    editor = editors.SectionEditor(plan_, "governance")
    assert "decisions" not in editor.control.controls and len(decisions_before) > 0
    editor.control.controls["review_every_days"].widget.value = 60
    change = editor.write()
    assert len(_changed_lines(change)) == 2
    account = loader.load_account(target, ACCOUNT)
    assert account.governance.review_every_days == 60 and account.governance.decisions == decisions_before
    decisions = editors.SectionEditor(workbook.open_account(ACCOUNT, target), "decisions")
    assert decisions.control.form.controls["decided_by"].widget.options[:1] == ("Priya Raman",)


def test_vision_and_mission_leave_the_plans_lists_alone(plan, folder):
    editor = editors.SectionEditor(plan, "vision")
    assert set(editor.control.controls) == {"vision", "mission"} and editor.control.include is None
    assert editor.last.before["objectives the customer sees"][1] == 1  # O1 is shared, O2 is not
    editor.control.controls["mission"].widget.value = "Take cost and waste out of Northwind's packaging together."
    assert editor.last.changed() == ["mission"]
    change = editor.write()
    assert _changed_lines(change) == [
        "-  mission: Take cost and waste out of Northwind's packaging together, every quarter.",
        "+  mission: Take cost and waste out of Northwind's packaging together."]


def test_a_new_financials_row_is_the_next_year(plan, folder):
    editor = editors.SectionEditor(plan, "financials")
    editor.control.add_item()
    form = editor.control.form
    assert form.controls["year"].widget.value == 2026 and form.controls["forecast"].widget.value is False
    for name, value in (("revenue", 2_900_000), ("gross_margin", 0.3), ("cost_to_serve", 350_000),
                        ("wallet", 9_600_000)):
        form.controls[name].widget.value = value
    form.controls["forecast"].widget.value = True
    assert editor.last.after["year"][1] == "2026 (forecast)"
    assert editor.last.after["revenue"][1] == 2_900_000
    change = editor.write()
    assert [line[1:] for line in _changed_lines(change)] == [
        "  - year: 2026", "    revenue: 2900000", "    gross_margin: 0.3", "    cost_to_serve: 350000",
        "    wallet: 9600000", "    forecast: true"]


def test_a_competitor_added_renamed_or_removed_carries_into_the_buying_criteria():
    account, _ = tiny()
    rivals = what_if.section_value(account, "competitors")
    added = _after("competitors", [*rivals, {"name": "FlexiPack", "share_of_wallet": 0.05, "ladder": "vendor"}])
    assert added.account is not None and [c.scores["FlexiPack"] for c in added.account.buying_criteria] == [3] * 4
    assert added.notes == ("FlexiPack is scored 3 on every buying criterion until you score it there",)
    # FlexiPack's weighted score is 3.0, below Alpha's 3.5: relative strength stays 3.75 / 3.5
    assert added.after["relative strength"][1] == pytest.approx(3.75 / 3.5)
    assert added.after["unallocated"][1] == pytest.approx(1 - 2.65 / 9.4 - 0.65)
    renamed = [dict(r) for r in rivals]
    renamed[2]["name"] = "Carton Company"
    preview = _after("competitors", renamed)
    assert [c.scores["Carton Company"] for c in preview.account.buying_criteria] == [3, 2, 4, 3]
    assert preview.notes == ("CartonCo is renamed Carton Company wherever the file names it",)
    removed = _after("competitors", rivals[:2])
    assert all("CartonCo" not in c.scores for c in removed.account.buying_criteria)
    assert removed.after["unallocated"][1] == pytest.approx(1 - 2.65 / 9.4 - 0.45)


def test_the_competitors_editor_saves_the_scores_it_carries(plan, folder):
    editor = editors.SectionEditor(plan, "competitors")
    editor.control.add_item()
    form = editor.control.form
    form.controls["name"].widget.value = "FlexiPack"
    form.controls["share_of_wallet"].widget.value = "0.05"
    assert "FlexiPack is scored 3 on every buying criterion" in editor.figures.value
    change = editor.write()
    assert change.written
    assert "    scores: {us: 3, Alpha Packaging: 4, CartonCo: 3, FlexiPack: 3}" in _file(folder).read_text()
    assert loader.load_account(folder, ACCOUNT).competitors[-1].share_of_wallet == 0.05


def test_renaming_a_team_member_renames_every_owner_in_one_save(plan, folder):
    editor = editors.SectionEditor(plan, "team")
    editor.control.pick.value = 1
    editor.control.form.controls["name"].widget.value = "Thomas Becker"
    assert editor.last.account is not None and editor.last.notes == (
        "Tom Becker is renamed Thomas Becker wherever the file names it",)
    change = editor.write()
    assert [line for line in _changed_lines(change) if line.startswith("+")] == [
        "+  - name: Thomas Becker", "+    owner: Thomas Becker", "+      owner: Thomas Becker     # ours: a name in team"]  # the comment keeps its column
    account = loader.load_account(folder, ACCOUNT)
    assert account.relationships[1].owner == account.joint_plan.projects[0].owner == "Thomas Becker"


def test_renaming_a_contact_renames_who_reports_to_them_and_the_risks_on_them():
    account, settings = tiny()
    contacts = what_if.section_value(account, "relationships")
    contacts[1]["reports_to"] = "Helen Shaw"
    account = what_if.with_section(account, "relationships", contacts)
    account = what_if.with_section(account, "risks", [
        {"id": "R1", "risk": "CPO leaves", "likelihood": 0.2, "impact": 2, "owner": "Priya Raman",
         "mitigation": "Know her deputy", "status": "open", "contact": "Helen Shaw"}])
    contacts[0]["name"] = "Helen Shaw-Okafor"
    more, notes = what_if.carried("relationships", account, contacts)
    assert set(more) == {"relationships", "risks"}
    preview = what_if.preview("relationships", account, contacts, settings, AS_OF)
    assert preview.account.relationships[1].reports_to == "Helen Shaw-Okafor"
    assert preview.account.risks[0].contact == "Helen Shaw-Okafor" and preview.problems == ()


def test_the_account_editor_changes_its_own_fields_and_leaves_the_rest(plan, folder):
    shutil.copy(_file(folder), folder / "accounts" / "rival-foods.yaml")  # a name in the folder, never read
    editor = editors.SectionEditor(plan, "account")
    assert set(editor.control.controls) == {"name", "industry", "country", "competes_with", "notes"}
    assert editor.control.controls["competes_with"].widget.options == ("rival-foods",)
    editor.control.controls["industry"].widget.value = "Packaged and chilled food manufacturing"
    assert editor.last.changed() == ["industry"] and editor.last.account.industry.startswith("Packaged and")
    editor.control.controls["notes"].widget.value += "\nAsk for the Q1 tender dates."
    assert editor.last.after["internal notes (characters)"][1] == len(plan.account.notes) + 29  # a line break and 28
    change = editor.write()
    assert [line[1:] for line in _changed_lines(change)] == [
        "industry: Packaged food manufacturing", "industry: Packaged and chilled food manufacturing",
        "  Ask for the Q1 tender dates."]  # `competes_with: []` as the file wrote it, the notes' old line kept
    assert loader.load_account(folder, ACCOUNT).notes.endswith("keep the cost workshop on track.\nAsk for the Q1 "
                                                                "tender dates.")
