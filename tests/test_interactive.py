"""Strategists' editors: the what-if functions by hand, the widgets driven as a user would, and
saving back into the YAML file with its comments kept."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from kamlib.display import editors
from kamlib.errors import InputError
from kamlib.parameters import loader, workbook, yaml_editing
from kamlib.parameters.model import AccountClass, Assessment, AttractivenessWeights
from tests.conftest import DATA, DEMO_PARAMS
from tests.helpers import tiny

ACCOUNT = "northwind-foods"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "parameters"
    shutil.copytree(DATA / "tiny", target)
    return target


def _assessment(day: date, customer: tuple[int, int, int, int], supplier: tuple[int, int, int],
                evidence: str = "seen in the Q4 review") -> Assessment:
    return Assessment.model_validate({
        "date": day, "customer": dict(zip(editors.CUSTOMER_ATTRIBUTES, customer)),
        "supplier": dict(zip(editors.SUPPLIER_ATTRIBUTES, supplier)), "evidence": evidence}, strict=False)


# --- what-if functions, by hand -----------------------------------------------------------------

def test_preview_of_a_new_assessment_moves_the_class():
    account, settings = tiny()
    card = settings.scorecard
    # customer 0.3×5 + 0.2×4 + 0.3×4 + 0.2×4 = 4.3; ours 0.4×4 + 0.3×4 + 0.3×4 = 4.0 → strategic partner
    preview = editors.preview_assessment(account, card.weights, card.classes,
                                             _assessment(date(2026, 11, 24), (5, 4, 4, 4), (4, 4, 4)))
    assert (preview.customer_score, preview.supplier_score) == (4.3, 4.0)
    assert (preview.klass, preview.previous_class) == ("strategic_partner", "key_account")
    assert [a.date for a in preview.account.scorecard] == [date(2026, 3, 31), date(2026, 9, 30), date(2026, 11, 24)]
    assert len(account.scorecard) == 2  # the account itself is untouched


def test_preview_replaces_the_assessment_of_the_same_date():
    account, settings = tiny()
    card = settings.scorecard
    preview = editors.preview_assessment(account, card.weights, card.classes,
                                             _assessment(date(2026, 9, 30), (1, 1, 1, 1), (1, 1, 1)))
    assert len(preview.account.scorecard) == 2
    assert (preview.customer_score, preview.klass, preview.previous_class) == (1.0, "maintain", "develop")


def test_reclassify_names_the_accounts_that_change_class():
    whole = loader.load_portfolio(DATA / "tiny")
    card = whole.settings.scorecard
    same = editors.reclassify(whole, date(2026, 11, 24), card.weights, card.classes)
    assert same.values.tolist() == [["northwind-foods", 3.8, 4.0, "key_account", "key_account", False]]
    lower = [AccountClass(name="strategic_partner", customer_min=3.8, supplier_min=3.5), *card.classes[1:]]
    moved = editors.reclassify(whole, date(2026, 11, 24), card.weights, lower)
    assert moved.loc[0, "class_what_if"] == "strategic_partner" and moved.loc[0, "changed"]


def test_attractiveness_what_if_reorders_the_demo_portfolio():
    from kamlib.method import portfolio

    whole = loader.load_portfolio(DEMO_PARAMS)
    as_of = whole.settings.as_of
    on_margin = editors.attractiveness_what_if(whole, as_of, AttractivenessWeights(margin=1.0))
    # with all the weight on margin, attractiveness is the margin factor itself, highest first
    expected = {a.id: round(portfolio.attractiveness_factors(a, as_of)["margin"], 4) for a in whole.accounts.values()}
    assert dict(zip(on_margin["account"], on_margin["attractiveness"])) == expected
    assert on_margin["attractiveness"].is_monotonic_decreasing
    usual = portfolio.portfolio_table(whole, as_of)
    assert on_margin["account"].tolist() != usual["account"].tolist()


def test_with_project_updates_one_project_or_adds_one():
    account, _ = tiny()
    done = editors.with_project(account, {"id": "P1", "status": "done"})
    assert [p.status for p in done.joint_plan.projects] == ["done", "planned"]
    added = editors.with_project(account, {"id": "P3", "title": "Label audit", "strategy": "S1",
                                               "owner": "Tom Becker", "customer_owner": "Raj Patel",
                                               "start": date(2026, 12, 1), "due": date(2027, 1, 31),
                                               "status": "planned", "shared": True})
    assert [p.id for p in added.joint_plan.projects] == ["P1", "P2", "P3"]
    with pytest.raises(ValueError):
        editors.with_project(account, {"id": "P1", "status": "finished"})


# --- saving back ----------------------------------------------------------------------------------

def test_saving_an_assessment_keeps_every_comment_and_backs_up(folder):
    path = folder / "accounts" / f"{ACCOUNT}.yaml"
    before = path.read_text()
    assessment = _assessment(date(2026, 11, 24), (5, 4, 4, 4), (4, 4, 4)).model_dump(mode="python")
    change = yaml_editing.add_assessment(folder, ACCOUNT, assessment)
    after = path.read_text()
    assert change.written and after == change.after
    assert (folder / "accounts" / f"{ACCOUNT}.yaml.bak").read_text() == before
    kept = [line for line in before.splitlines() if "#" in line]
    assert all(line in after for line in kept)  # every commented line is still there, verbatim
    added = [line[1:] for line in change.diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    removed = [line for line in change.diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert removed == [] and "  - date: 2026-11-24" in added and "    evidence: seen in the Q4 review" in added
    account = loader.load_account(folder, ACCOUNT)
    assert account.scorecard[-1].customer.willingness_to_partner == 5


def test_a_change_that_does_not_validate_writes_nothing(folder):
    path = folder / "accounts" / f"{ACCOUNT}.yaml"
    before = path.read_text()
    project = {"id": "P1", "strategy": "S9"}  # no such strategy
    with pytest.raises(InputError) as caught:
        yaml_editing.upsert_project(folder, ACCOUNT, project)
    message = str(caught.value.problems[0])
    assert "accounts/northwind-foods.yaml:" in message and "joint_plan.projects[0].strategy" in message
    assert "S9" in message
    assert path.read_text() == before and not (folder / "accounts" / f"{ACCOUNT}.yaml.bak").exists()


def test_updating_a_project_status_changes_one_line(folder):
    change = yaml_editing.upsert_project(folder, ACCOUNT, {"id": "P1", "status": "blocked"})
    changed = [line for line in change.diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert len(changed) == 2
    assert changed[0].startswith("-      status: in_progress") and changed[1].startswith("+      status: blocked")
    assert changed[0].split("#")[1] == changed[1].split("#")[1]  # the comment on that line is kept
    assert loader.load_account(folder, ACCOUNT).joint_plan.projects[0].status == "blocked"


def test_round_trip_of_every_demo_file_is_exact(tmp_path):
    target = tmp_path / "parameters"
    shutil.copytree(DEMO_PARAMS, target)
    for path in sorted((target / "accounts").glob("*.yaml")):
        change = yaml_editing.change_account(target, path.stem, lambda tree: None, write=False)
        assert change.after == change.before, path.name


# --- the widgets, driven like a user -------------------------------------------------------------

def test_assessment_editor_reacts_to_a_slider_and_saves(folder):
    pytest.importorskip("ipywidgets")
    plan = workbook.open_account(ACCOUNT, folder, "2026-11-24")
    editor = editors.AssessmentEditor(plan)
    assert "class <b>key account</b>" in editor.summary.value  # starts from the latest assessment
    # 2026-03-31: 0.3×3 + 0.2×2 + 0.3×4 + 0.2×3 = 3.1; 2026-09-30: 3.8; the draft starts as the latest
    assert list(editor.trend.lines.y[0]) == pytest.approx([3.1, 3.8, 3.8])
    editor.customer["willingness_to_partner"].value = 5
    assert "Customer side <b>4.10</b>" in editor.summary.value  # 3.8 + 0.3 × (5 − 4)
    assert "class <b>strategic partner</b> (was key account)" in editor.summary.value
    assert list(editor.trend.lines.y[0]) == pytest.approx([3.1, 3.8, 4.1])
    assert list(editor.trend.lines.y[1]) == pytest.approx([3.7, 4.0, 4.0])
    editor.write()
    assert "Not saved: write the evidence" in editor.message.value
    editor.evidence.value = "Opened the 2027 budget to us."
    editor.write()
    assert "Saved to northwind-foods.yaml" in editor.message.value
    assert loader.load_account(folder, ACCOUNT).scorecard[-1].evidence == "Opened the 2027 budget to us."


def test_project_editor_updates_plan_health_and_saves(folder):
    pytest.importorskip("ipywidgets")
    plan = workbook.open_account(ACCOUNT, folder, "2027-03-10")
    editor = editors.ProjectEditor(plan)
    assert editor.pick.value == "P1" and editor.status.value == "in_progress"
    before = editor.summary.value
    assert "overdue" in before.lower()  # P1 was due 2027-02-28
    editor.status.value = "done"
    assert editor.summary.value != before and "P1" not in editor.summary.value
    editor.write()
    assert "Saved" in editor.message.value
    assert loader.load_account(folder, ACCOUNT).joint_plan.projects[0].status == "done"


def test_what_if_panels_and_batch_mode(monkeypatch):
    pytest.importorskip("ipywidgets")
    whole = loader.load_portfolio(DEMO_PARAMS)
    what_if = editors.ScorecardWhatIf(whole, whole.settings.as_of)
    assert "<b>0</b> of" in what_if.result.value
    what_if.thresholds["strategic_partner"][0].value = 2.0
    assert "<b>0</b> of" not in what_if.result.value
    sliders = editors.AttractivenessWhatIf(whole, whole.settings.as_of)
    top_before = sliders.result.value
    points_before = list(sliders.matrix.scatter.y)
    for name, slider in sliders.sliders.items():
        slider.value = 1.0 if name == "margin" else 0.0
    assert sliders.result.value != top_before and list(sliders.matrix.scatter.y) != points_before
    assert editors.scorecard_what_if(DEMO_PARAMS) is not None
    monkeypatch.setenv("KAM_BATCH", "1")
    monkeypatch.setattr(workbook, "open_portfolio", lambda *a: pytest.fail("read the portfolio in a batch"))
    assert editors.scorecard_what_if(DEMO_PARAMS) is None
    assert editors.attractiveness_sliders(DEMO_PARAMS) is None
    assert editors.assessment_editor(None) is None and editors.project_editor(None) is None


def test_the_live_matrix_leaves_off_accounts_of_unknown_strength():
    pytest.importorskip("bqplot")
    from kamlib.method import portfolio

    whole = loader.load_portfolio(DEMO_PARAMS)
    table = portfolio.with_quadrants(portfolio.portfolio_table(whole, whole.settings.as_of))
    table.loc[[0, 2], "relative_strength"] = None  # as for an account whose competitors are not scored
    unknown = table[table["relative_strength"].isna()]["account"].tolist()
    matrix = editors._LiveMatrix(table, whole.settings)
    assert not set(unknown) & set(matrix.scatter.names)
    assert len(matrix.scatter.names) == len(table) - len(unknown)
