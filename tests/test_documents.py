"""Plan documents: the internal plan, the customer's joint plan, the portfolio workbook, PDFs.

The canary tests put a unique string into every internal field of an account: the internal
plan must show them all, the joint plan none, and no account's documents another account's.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from kamlib.cli import main
from kamlib.execution import runner
from kamlib.method import customer_view
from kamlib.parameters import loader
from kamlib.publishing import joint_plan, pdf, spreadsheet, versions
from tests.conftest import DATA, DEMO_PARAMS
from tests.helpers import tiny, variant

yaml = YAML(typ="safe")
yaml.default_flow_style = False


# --- the shared view, by hand on the format's example --------------------------------------

def test_shared_view_keeps_only_what_is_marked_shared():
    account, settings = tiny()
    view = customer_view.shared_view(account, settings, date(2026, 11, 24))
    assert (view.customer, view.supplier) == ("Northwind Foods plc", settings.supplier)
    assert [o.id for o in view.objectives] == ["O1"]  # O2 is shared: false
    assert [(s.id, s.objectives) for s in view.strategies] == [("S1", ("O1",))]  # S2 not shared
    assert [p.id for p in view.projects] == ["P1"]
    p1 = view.projects[0]
    assert (p1.strategy, p1.owner, p1.owner_role, p1.customer_owner) == ("S1", "Tom Becker", "Supply chain lead",
                                                                         "Raj Patel")
    assert (p1.start, p1.due, p1.status, p1.overdue) == (date(2026, 11, 1), date(2027, 2, 28), "in_progress", False)
    assert [(r.customer_name, r.our_name, r.our_role) for r in view.pairs] == [
        ("Helen Shaw", "Priya Raman", "Key account director"), ("Raj Patel", "Tom Becker", "Supply chain lead")]


def test_a_shared_strategy_lists_only_shared_objectives_and_a_project_hides_an_unshared_strategy():
    account, settings = tiny()
    plan = account.joint_plan.model_dump()
    plan["strategies"][1]["shared"] = True  # S2 serves O1 and O2; O2 stays internal
    plan["projects"][0]["strategy"] = "S2"
    plan["strategies"][1]["shared"] = True
    shared_s2 = customer_view.shared_view(variant(account, joint_plan=plan), settings, date(2027, 3, 1))
    assert [(s.id, s.objectives) for s in shared_s2.strategies] == [("S1", ("O1",)), ("S2", ("O1",))]
    assert shared_s2.projects[0].overdue  # in progress, due 2027-02-28, plan date after it
    plan["strategies"][1]["shared"] = False
    hidden = customer_view.shared_view(variant(account, joint_plan=plan), settings, date(2026, 11, 24))
    assert hidden.projects[0].strategy is None


# --- canaries through a real run -------------------------------------------------------------

INTERNAL = {  # field → canary; each must appear in plan.html and never in joint-plan.html
    "industry": "CANARYindustry",
    "business.strategy": "CANARYbizstrategy", "business.operations": "CANARYoperations",
    "business.advantages": "CANARYadvantage", "business.disadvantages": "CANARYdisadvantage",
    "environment.description": "CANARYforce", "environment.implication": "CANARYimplication",
    "buying_criteria.criterion": "CANARYcriterion", "competitors.name": "CANARYrival",
    "scorecard.evidence": "CANARYevidence", "whitespace.unit": "CANARYunit", "whitespace.offering": "CANARYoffering",
    "objective.statement": "CANARYobjective", "strategy.statement": "CANARYstrategy",
    "project.title": "CANARYproject", "notes": "CANARYnotes",
    "insights.insight": "CANARYinsight", "governance.decisions.decision": "CANARYresdecision",
}
SHARED = {"vision": "SHAREDvision", "mission": "SHAREDmission", "objective": "SHAREDobjective",
          "project": "SHAREDproject"}


def canary_account(source: Path, target_dir: Path, account_id: str, tag: str = "") -> None:
    """A copy of the example account with a canary string in every internal text field."""
    data = yaml.load(source.read_text())
    c = {k: v + tag for k, v in INTERNAL.items()}
    data["id"] = account_id
    data["name"] = f"Canary Account {tag}".strip()
    data["industry"] = c["industry"]
    data["business"] = {"strategy": c["business.strategy"], "operations": c["business.operations"],
                        "advantages": [c["business.advantages"]], "disadvantages": [c["business.disadvantages"]]}
    for force in data["environment"]:
        force["description"], force["implication"] = c["environment.description"], c["environment.implication"]
    rival = data["competitors"][1]["name"]
    data["competitors"][1]["name"] = c["competitors.name"]
    for criterion in data["buying_criteria"]:
        criterion["criterion"] = f"{c['buying_criteria.criterion']} {criterion['criterion']}"
        criterion["scores"][c["competitors.name"]] = criterion["scores"].pop(rival)
    for assessment in data["scorecard"]:
        assessment["evidence"] = c["scorecard.evidence"]
    data["whitespace"]["units"][0]["unit"] = c["whitespace.unit"]
    old_offering = data["whitespace"]["offerings"][0]
    data["whitespace"]["offerings"][0] = c["whitespace.offering"]
    for unit in data["whitespace"]["units"]:
        unit["cells"][c["whitespace.offering"]] = unit["cells"].pop(old_offering)
    plan = data["joint_plan"]
    plan["vision"], plan["mission"] = SHARED["vision"] + tag, SHARED["mission"] + tag
    for o in plan["objectives"]:
        o["statement"] = (SHARED["objective"] + tag) if o["shared"] else c["objective.statement"]
    for s in plan["strategies"]:
        if not s["shared"]:
            s["statement"] = c["strategy.statement"]
    for p in plan["projects"]:
        p["title"] = (SHARED["project"] + tag) if p["shared"] else c["project.title"]
    data["notes"] = c["notes"]
    data["insights"] = [{"date": date(2026, 10, 12), "source": "operations", "kind": "observed",
                         "insight": c["insights.insight"]}]
    governance = data.setdefault("governance", {"status": "reviewed", "review_every_days": 90})
    governance["decisions"] = [{"date": date(2026, 10, 1), "decision": c["governance.decisions.decision"],
                                "decided_by": [m["name"] for m in data["team"][:2]], "why": "Trial volume doubles"}]
    (target_dir / "accounts").mkdir(parents=True, exist_ok=True)
    with (target_dir / "accounts" / f"{account_id}.yaml").open("w") as handle:
        yaml.dump(data, handle)


@pytest.fixture(scope="module")
def canary_run(tmp_path_factory) -> tuple[Path, Path]:
    """Two competing canary accounts, published by a real batch (PDFs as configured)."""
    root = tmp_path_factory.mktemp("canary")
    folder = root / "parameters"
    folder.mkdir()
    shutil.copyfile(DATA / "tiny" / "portfolio.yaml", folder / "portfolio.yaml")
    source = DATA / "tiny" / "accounts" / "northwind-foods.yaml"
    canary_account(source, folder, "canary-a", "A")
    canary_account(source, folder, "canary-b", "B")
    outputs = root / "outputs"
    code = main(["--params", str(folder), "--outputs", str(outputs), "batch", "--workers", "2"])
    assert code == 0
    return folder, outputs


def visible_text(page: str) -> str:
    """What a reader sees: no style sheet, no tags."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S))


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.slow
def test_internal_plan_shows_every_internal_field_and_the_joint_plan_none(canary_run):
    _, outputs = canary_run
    latest = outputs / "canary-a" / "latest"
    internal, joint = _text(latest / "plan.html"), _text(latest / "joint-plan.html")
    for field, canary in INTERNAL.items():
        assert canary + "A" in internal, f"{field} missing from the internal plan"
        assert canary not in joint, f"{field} leaked into the joint plan"
    for canary in SHARED.values():
        assert canary + "A" in joint
    visible = visible_text(joint).lower()
    for word in ("scorecard", "attitude", "champion", "detractor", "influence", "profit", "margin", "wallet",
                 "strategic partner", "competitor", "plan health"):
        assert word not in visible, word
    for number in ("2,650,000", "2650000", "9,400,000", "335,000"):  # revenue, wallet, cost to serve
        assert number not in joint


@pytest.mark.slow
def test_no_account_sees_another_accounts_strings(canary_run):
    _, outputs = canary_run
    for mine, other in (("canary-a", "B"), ("canary-b", "A")):
        for document in (outputs / mine / "latest").glob("*.html"):
            text = _text(document)
            for canary in [*INTERNAL.values(), *SHARED.values()]:
                assert canary + other not in text, f"{mine}/{document.name} contains {canary + other}"
        for notebook in (outputs / mine / "latest").glob("*.ipynb"):
            assert f"Account {other}" not in _text(notebook)


@pytest.mark.slow
def test_documents_are_the_same_bytes_for_the_same_inputs(canary_run, tmp_path):
    folder, outputs = canary_run
    again = tmp_path / "again"
    with versions.outputs_lock(again):
        runner.run_account(folder, again, "canary-a")
    for name in ("plan.html", "joint-plan.html", "joint-plan.pptx"):
        assert (again / "canary-a" / "v0001" / name).read_bytes() == (outputs / "canary-a" / "v0001" / name).read_bytes()


@pytest.mark.slow
def test_the_portfolio_version_carries_the_workbook(canary_run):
    _, outputs = canary_run
    latest = outputs / "portfolio" / "latest"
    assert (latest / "portfolio.html").is_file() and (latest / "portfolio.xlsx").is_file()
    manifest = versions.read_manifest(latest)
    assert "portfolio.xlsx" in manifest["documents"]


# --- escaping ---------------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script> & Co =HYPERLINK("http://evil")'


def test_hostile_text_is_escaped_in_the_joint_plan_and_never_a_formula_in_the_workbook(tmp_path):
    account, settings = tiny()
    plan = account.joint_plan.model_dump()
    plan["vision"] = HOSTILE
    plan["projects"][0]["customer_owner"] = "=1+2"
    hostile = variant(account, name=HOSTILE, joint_plan=plan)

    joint_plan.write_joint_plan(tmp_path, customer_view.shared_view(hostile, settings, date(2026, 11, 24)), "v0001")
    page = _text(tmp_path / "joint-plan.html")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "&amp; Co" in page

    folder = tmp_path / "parameters"
    shutil.copytree(DATA / "tiny", folder)
    path = folder / "accounts" / "northwind-foods.yaml"
    path.write_text(path.read_text().replace("name: Northwind Foods plc", "name: '=HYPERLINK(\"http://evil\")'")
                    .replace("owner: Tom Becker\n    customer_owner: Raj Patel", "owner: Tom Becker\n"
                             "    customer_owner: '-2+3'"))
    whole = loader.load_portfolio(folder)
    spreadsheet.write_portfolio_workbook(tmp_path / "p.xlsx", whole, date(2026, 11, 24))
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "p.xlsx")
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == '=HYPERLINK("http://evil")' and c.data_type == "s" for c in cells)


# --- the workbook, by hand ---------------------------------------------------------------------

def test_workbook_cells_are_typed_and_figures_match_the_headline(tmp_path):
    folder = tmp_path / "parameters"
    shutil.copytree(DATA / "tiny", folder)
    whole = loader.load_portfolio(folder)
    spreadsheet.write_portfolio_workbook(tmp_path / "p.xlsx", whole, date(2026, 11, 24))
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "p.xlsx")
    assert book.sheetnames == ["Accounts", "Classes", "Profitability", "Overdue projects", "Team conflicts"]
    accounts = book["Accounts"]
    header = [c.value for c in accounts[1]]
    row = {h: c for h, c in zip(header, accounts[2])}
    assert row["Account id"].value == "northwind-foods"
    assert row["Revenue (GBP)"].value == 2650000 and row["Revenue (GBP)"].data_type == "n"
    assert row["Profit (GBP)"].value == pytest.approx(2650000 * 0.29 - 335000)  # 433,500 by hand
    assert row["Share of wallet"].value == pytest.approx(round(2650000 / 9400000, 4))
    assert row["Share of wallet"].number_format == "0.0%"
    assert row["Latest assessment"].is_date and row["Latest assessment"].value.date() == date(2026, 9, 30)
    profitability = book["Profitability"]
    values = [c.value for c in profitability[2]]
    assert values[:4] == ["northwind-foods", "Northwind Foods plc", 2025, 2650000]
    assert values[-1] == pytest.approx(433500)  # cumulative profit of the only account
    classes = {r[0].value: r[1].value for r in book["Classes"].iter_rows(min_row=2)}
    assert classes["key account"] == 1 and sum(classes.values()) == 1
    assert book.properties.created.date() == date(2026, 11, 24)


def test_workbook_lists_overdue_projects_with_days_late(tmp_path):
    folder = tmp_path / "parameters"
    shutil.copytree(DATA / "tiny", folder)
    whole = loader.load_portfolio(folder)
    spreadsheet.write_portfolio_workbook(tmp_path / "p.xlsx", whole, date(2027, 3, 10))
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "p.xlsx")["Overdue projects"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    # P1 due 2027-02-28 in progress: 10 days late; P2 due 2027-03-31 not yet
    assert [(r[2], r[7], r[8]) for r in rows] == [("P1", 10, "in progress")]
    assert sheet["G2"].is_date


def test_demo_portfolio_workbook_has_a_row_per_account(tmp_path):
    whole = loader.load_portfolio(DEMO_PARAMS)
    spreadsheet.write_portfolio_workbook(tmp_path / "p.xlsx", whole, whole.settings.as_of)
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "p.xlsx")
    assert book["Accounts"].max_row == len(whole.accounts) + 1
    assert book["Team conflicts"]["A2"].value == "Daniel Okafor"


# --- PDFs: finding Chromium, and the message when there is none ------------------------------

def test_find_chromium_follows_the_setting(monkeypatch, tmp_path):
    monkeypatch.setenv(pdf.SETTING, "off")
    assert pdf.find_chromium() == pdf.Browser(None, "PDFs are turned off (KAM_CHROMIUM=off)", turned_off=True)
    monkeypatch.setenv(pdf.SETTING, str(tmp_path / "no-such-browser"))
    assert "is not an executable program" in pdf.find_chromium().reason
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv(pdf.SETTING, str(fake))
    assert pdf.find_chromium().path == str(fake)
    monkeypatch.delenv(pdf.SETTING)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert pdf.find_chromium().reason.startswith("no Chromium found on PATH")


def test_a_browser_that_prints_nothing_is_a_clear_failure(tmp_path):
    fake = tmp_path / "broken-chromium"
    fake.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 1\n")
    fake.chmod(0o755)
    page = tmp_path / "page.html"
    page.write_text("<p>hi</p>")
    try:
        with pytest.raises(pdf.PdfError, match="did not print page.html: cannot open display"):
            pdf.print_pdfs([(page, tmp_path / "page.pdf")], str(fake))
    finally:
        pdf.close_printer()  # no idle printer thread left for the tests that follow


def test_without_chromium_the_run_publishes_html_and_says_so_once(tiny_params, tmp_path, fake_notebooks, monkeypatch,
                                                                  capsys):
    monkeypatch.setenv(pdf.SETTING, str(tmp_path / "missing"))
    code = main(["--params", str(tiny_params), "--outputs", str(tmp_path / "out"), "--notebooks", str(fake_notebooks),
                 "run", "northwind-foods"])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err.count("note: PDFs were skipped") == 1 and "KAM_CHROMIUM" in captured.err
    latest = tmp_path / "out" / "northwind-foods" / "latest"
    assert (latest / "plan.html").is_file() and (latest / "joint-plan.html").is_file()
    assert not list(latest.glob("*.pdf"))
    assert versions.read_manifest(latest)["pdf"].startswith("skipped: KAM_CHROMIUM=")
    monkeypatch.setenv(pdf.SETTING, "off")
    main(["--params", str(tiny_params), "--outputs", str(tmp_path / "out"), "--notebooks", str(fake_notebooks),
          "run", "northwind-foods", "--force"])
    assert "PDFs were skipped" not in capsys.readouterr().err
