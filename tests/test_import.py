"""`kam import accounts` and `kam export`: CRM and spreadsheet exports in, typed workbooks out.

The sample exports in parameters/samples/ are read against a copy of the demo portfolio; the
expected figures were read off the sample files by hand (e.g. Salesforce's "GBP 3,010,000.00"
for Northwind's 2026 revenue, which the account file has as 2930000).
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import DEMO_PARAMS
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from ruamel.yaml import YAML

from kamlib import cli
from kamlib.exchange import crm, imports
from kamlib.parameters import loader, yaml_editing


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo parameters; the working folder is its parent."""
    target = tmp_path / "parameters"
    shutil.copytree(DEMO_PARAMS, target)
    monkeypatch.chdir(tmp_path)
    return target


def run(*argv: str) -> int:
    return cli.main(["--params", "parameters", *argv])


def account_text(demo: Path, account_id: str) -> str:
    return (demo / "accounts" / f"{account_id}.yaml").read_text(encoding="utf-8")


def year(demo: Path, account_id: str, which: int) -> dict:
    data = YAML(typ="safe").load(account_text(demo, account_id))
    return next(y for y in data["financials"] if y["year"] == which)


def contact(demo: Path, account_id: str, name: str) -> dict:
    data = YAML(typ="safe").load(account_text(demo, account_id))
    return next(c for c in data["relationships"] if c["name"] == name)


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    """(old, new) for every line that differs; the files must have the same number of lines."""
    old, new = before.splitlines(), after.splitlines()
    assert len(old) == len(new), "an update must not add or remove lines"
    return [(a, b) for a, b in zip(old, new) if a != b]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def without_sections(params: Path, *sections: str) -> None:
    """Take top-level sections out of every account file of a copy (no backup left), so a test does
    not depend on what the demo portfolio holds in them."""
    def edit(tree) -> None:
        for key in sections:
            tree.pop(key, None)

    for account_id in loader.account_ids(params):
        path = params / "accounts" / f"{account_id}.yaml"
        change = yaml_editing.edited(params, account_id, path.read_text(encoding="utf-8"), edit)
        path.write_text(change.after, encoding="utf-8")


# --- built-in mappings on their sample files --------------------------------------------------

def test_salesforce_account_report_updates_only_the_figures_that_differ(demo: Path, capsys) -> None:
    before = account_text(demo, "northwind-foods")
    assert run("import", "accounts", "parameters/samples/salesforce-account-revenue.csv") == 0
    out = capsys.readouterr().out
    assert "read with mapping salesforce-accounts" in out
    # "Northwind Foods PLC","2026","GBP 3,010,000.00","29.50%","GBP 351,000.00","GBP 9,800,000.00"
    assert changed_lines(before, account_text(demo, "northwind-foods")) == [
        ("    revenue: 2930000", "    revenue: 3010000"),
        ("    gross_margin: 0.30", "    gross_margin: 0.295"),
        ("    cost_to_serve: 342000", "    cost_to_serve: 351000"),
    ]
    # "Lumen Cosmetiques SAS" (no accent, legal form) is lumen-cosmetics: 2,760,000 → 2,810,000
    assert year(demo, "lumen-cosmetics", 2026)["revenue"] == 2810000
    # Kestrel's row equals its file: not touched, no backup
    assert not (demo / "accounts" / "kestrel-dairy.yaml.bak").exists()
    assert (demo / "accounts" / "northwind-foods.yaml.bak").read_text(encoding="utf-8") == before
    assert "updated 5 files" in out
    assert "northwind-foods:\n  financials 2026 revenue: 2,930,000 → 3,010,000" in out
    loader.load_portfolio(demo)  # everything still valid


def test_salesforce_contacts_update_last_contact_and_title_and_list_new_people(demo: Path, capsys) -> None:
    before = account_text(demo, "northwind-foods")
    assert run("import", "accounts", "parameters/samples/salesforce-contacts.csv") == 0
    out = capsys.readouterr().out
    assert contact(demo, "northwind-foods", "Helen Shaw")["last_contact"] == date(2026, 11, 20)  # 11/20/2026 > 10-02
    assert contact(demo, "northwind-foods", "Sarah Ng")["last_contact"] == date(2026, 11, 3)
    assert contact(demo, "northwind-foods", "Emma Lloyd")["title"] == "Category Buyer, Packaging"
    # "Katrin" "Vogel" in the CRM is "Dr. Katrin Vogel" in the file
    assert contact(demo, "vantor-pharma", "Dr. Katrin Vogel")["last_contact"] == date(2026, 11, 18)
    assert contact(demo, "harbor-snacks", "Rob Stanton")["last_contact"] == date(2026, 11, 17)
    lines = changed_lines(before, account_text(demo, "northwind-foods"))
    assert len(lines) == 3  # Helen's date, Sarah's date, Emma's title; Martin Cole's date is the same
    assert "Oliver Grant (Sustainability Manager, Sustainability), last activity 2026-11-12" in out
    assert "Oliver Grant" not in account_text(demo, "northwind-foods")


def test_an_older_crm_date_does_not_overwrite_a_later_one_in_the_file(demo: Path, tmp_path: Path) -> None:
    export = tmp_path / "old.csv"
    export.write_text("First Name,Last Name,Title,Department,Account Name,Last Activity\n"
                      "Raj,Patel,Head of Packaging Technology,R&D,Northwind Foods plc,1/15/2026\n", encoding="utf-8")
    assert run("import", "accounts", str(export)) == 0
    assert contact(demo, "northwind-foods", "Raj Patel")["last_contact"] == date(2026, 11, 10)


def test_hubspot_companies_xlsx_needs_a_year_and_then_imports(demo: Path, capsys) -> None:
    assert run("import", "accounts", "parameters/samples/hubspot-companies.xlsx") == 2
    assert "no year column" in capsys.readouterr().err
    assert run("import", "accounts", "parameters/samples/hubspot-companies.xlsx", "--year", "2026") == 0
    # Pawsome: Total Revenue 2,310,000, Gross margin 0.29 (unchanged), Cost to serve 226,000
    assert year(demo, "pawsome-nutrition", 2026) == {"year": 2026, "revenue": 2310000, "gross_margin": 0.29,
                                                     "cost_to_serve": 226000, "wallet": 6900000}
    # "Zielony Ogród Foods S.A." → zielony-ogrod-foods: gross margin 0.255 from an Excel percentage cell
    assert year(demo, "zielony-ogrod-foods", 2026)["gross_margin"] == 0.255


def test_hubspot_contacts_dates_with_a_time(demo: Path) -> None:
    assert run("import", "accounts", "parameters/samples/hubspot-contacts.csv") == 0
    assert contact(demo, "pawsome-nutrition", "Sanne Bakker")["last_contact"] == date(2026, 11, 20)
    assert contact(demo, "nordhav-frozen", "Mette Sørensen")["last_contact"] == date(2026, 11, 21)
    assert contact(demo, "nordhav-frozen", "Lars Nielsen")["last_contact"] == date(2026, 10, 1)  # CRM's is older


def test_a_user_mapping_reads_semicolons_decimal_commas_cp1252_and_erp_numbers(demo: Path) -> None:
    before = account_text(demo, "vltava-beverages")
    assert run("import", "accounts", "parameters/samples/erp-actuals.csv",
               "--mapping", "parameters/samples/erp-mapping.yaml") == 0
    # K-10450;Vltava Beverages a.s.;2026;11.720.000,00;12,2 %;1.550.000,00;18.000.000,00
    assert changed_lines(before, account_text(demo, "vltava-beverages")) == [
        ("    revenue: 11800000", "    revenue: 11720000"),
        ("    gross_margin: 0.12          # e-auction price plus resin surcharge not passed on",
         "    gross_margin: 0.122         # e-auction price plus resin surcharge not passed on"),
    ]
    assert year(demo, "cleanhaus-home-care", 2026)["revenue"] == 9650000


def test_dry_run_prints_the_diff_and_writes_nothing(demo: Path, capsys) -> None:
    before = snapshot(demo)
    assert run("import", "accounts", "parameters/samples/salesforce-account-revenue.csv", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "-    revenue: 2930000" in out.splitlines() and "+    revenue: 3010000" in out.splitlines()
    assert "--- parameters/accounts/northwind-foods.yaml (before)" in out
    assert "dry run: 5 files would change; nothing written" in out
    assert snapshot(demo) == before


def test_importing_the_same_export_twice_changes_nothing_the_second_time(demo: Path, capsys) -> None:
    assert run("import", "accounts", "parameters/samples/salesforce-account-revenue.csv") == 0
    after = snapshot(demo)
    capsys.readouterr()
    assert run("import", "accounts", "parameters/samples/salesforce-account-revenue.csv") == 0
    assert "nothing to change" in capsys.readouterr().out
    assert snapshot(demo) == after


# --- bad rows ---------------------------------------------------------------------------------

HEADER = "Account Name,Fiscal Year,Amount,Gross Margin %,Cost to Serve,Category Wallet\n"


@pytest.mark.parametrize(("row", "message"), [
    ("Northwind Foods plc,2026,n/a,30%,342000,9800000",
     "bad.csv: row 3, column 'Amount': expected a number, got 'n/a'"),
    ("Northwind Foods plc,2026,1,5,30%,342000",  # a decimal comma in a comma-separated file shifts the columns
     "bad.csv: row 3, column 'Gross Margin %': expected a fraction such as 0.31 or a percentage such as 31%, got '5'"),
    ("Norhtwind Foods plc,2026,3000000,30%,342000,9800000",
     "bad.csv: row 3, column 'Account Name': no account named 'Norhtwind Foods plc' in the portfolio "
     "(did you mean 'Northwind Foods plc'?); add it with --create, or map the name in the mapping's accounts: section"),
    ("Northwind Foods plc,2026,3000000,30%,342000,9800000",
     "bad.csv: row 3, column 'Fiscal Year': duplicate year 2026 for northwind-foods (also on row 2); keep one row"),
    ("Northwind Foods plc,next year,3000000,30%,342000,9800000",
     "bad.csv: row 3, column 'Fiscal Year': expected a year such as 2026, got 'next year'"),
    ("Northwind Foods plc,2025,3000000,30,342000,9800000",
     "bad.csv: row 3, column 'Gross Margin %': expected a fraction such as 0.31 or a percentage such as 31%, got '30'"),
    ("Northwind Foods plc,2025,-3000000,30%,342000,9800000",
     "bad.csv: row 3, column 'Amount': must be at least 0, got -3,000,000"),
    (",2025,3000000,30%,342000,9800000",
     "bad.csv: row 3, column 'Account Name': no account given"),
    ("Northwind Foods plc,2027,3000000,,342000,",
     "bad.csv: row 3: 2027 would be added to northwind-foods, which has no 2027 yet, but the row has no "
     "gross_margin, wallet; give every figure for a new year"),
])
def test_a_bad_row_is_named_with_file_row_and_column_and_nothing_is_written(demo: Path, tmp_path: Path, capsys,
                                                                             row: str, message: str) -> None:
    export = tmp_path / "bad.csv"
    export.write_text(HEADER + "Northwind Foods plc,2026,2950000,30%,342000,9800000\n" + row + "\n", encoding="utf-8")
    before = snapshot(demo)
    assert run("import", "accounts", str(export)) == 2
    err = capsys.readouterr().err
    assert message in err.splitlines()
    assert "nothing written" in err and "Traceback" not in err
    assert snapshot(demo) == before  # not even the good row 2, and no .bak


def test_skip_bad_rows_imports_the_good_ones_and_lists_the_others(demo: Path, tmp_path: Path, capsys) -> None:
    export = tmp_path / "mixed.csv"
    export.write_text(HEADER + "Northwind Foods plc,2026,2950000,30%,342000,9800000\n"
                      "Unknown Ltd,2026,1,30%,1,1\n", encoding="utf-8")
    assert run("import", "accounts", str(export), "--skip-bad-rows") == 0
    out = capsys.readouterr().out
    assert "skipped: mixed.csv: row 3, column 'Account Name': no account named 'Unknown Ltd'" in out
    assert year(demo, "northwind-foods", 2026)["revenue"] == 2950000


def test_a_new_year_with_every_figure_is_added_in_year_order(demo: Path, tmp_path: Path) -> None:
    without_sections(demo, "targets")  # a closed 2027 would clash with a 2027 target (targets come after closed years)
    export = tmp_path / "plan.csv"
    export.write_text(HEADER + "Northwind Foods plc,2027,3100000,31%,350000,10000000\n", encoding="utf-8")
    assert run("import", "accounts", str(export)) == 0
    data = YAML(typ="safe").load(account_text(demo, "northwind-foods"))
    assert [y["year"] for y in data["financials"]][-2:] == [2026, 2027]
    assert data["financials"][-1] == {"year": 2027, "revenue": 3100000, "gross_margin": 0.31,
                                      "cost_to_serve": 350000, "wallet": 10000000}


def test_an_import_that_breaks_a_rule_of_the_file_writes_nothing(demo: Path, tmp_path: Path, capsys) -> None:
    export = tmp_path / "over.csv"  # revenue above the wallet: every cell fine, the account file not
    export.write_text(HEADER + "Northwind Foods plc,2026,12000000,30%,342000,9800000\n", encoding="utf-8")
    before = snapshot(demo)
    assert run("import", "accounts", str(export)) == 2
    err = capsys.readouterr().err
    assert "parameters/accounts/northwind-foods.yaml:" in err and "financials[3].wallet" in err
    assert snapshot(demo) == before


def test_create_starts_a_new_account_file_that_validates(demo: Path, tmp_path: Path, capsys) -> None:
    export = tmp_path / "new.csv"
    export.write_text(HEADER + "Fenwick Ferments Ltd,2026,120000,33%,15000,900000\n", encoding="utf-8")
    assert run("import", "accounts", str(export)) == 2
    assert run("import", "accounts", str(export), "--create") == 0
    assert "new account file for 'Fenwick Ferments Ltd'" in capsys.readouterr().out
    account = loader.load_account(demo, "fenwick-ferments")
    assert account.name == "Fenwick Ferments Ltd"
    assert [(y.year, y.revenue, y.gross_margin, y.cost_to_serve, y.wallet) for y in account.financials] == [
        (2026, 120000, 0.33, 15000, 900000)]
    assert "TODO" in account_text(demo, "fenwick-ferments")  # the rest is the kam new template, to fill in


# --- columns and mappings ---------------------------------------------------------------------

def test_an_export_no_mapping_fits_names_the_missing_columns_and_suggests_a_mapping(demo: Path, tmp_path: Path,
                                                                                    capsys) -> None:
    export = tmp_path / "odd.csv"
    export.write_text("Customer,FY,Net Sales,Margin\nNorthwind Foods plc,2026,1,0.3\n", encoding="utf-8")
    assert run("import", "accounts", str(export)) == 2
    err = capsys.readouterr().err
    assert "odd.csv: no built-in mapping fits its columns ('Customer', 'FY', 'Net Sales', 'Margin')" in err
    assert "  salesforce-accounts: missing 'Account Name', 'Fiscal Year', 'Amount'" in err
    assert 'column: "Customer"' in err and 'year: "FY"' in err and 'revenue: "Net Sales"' in err


def test_a_named_mapping_whose_columns_are_missing_says_which(demo: Path, capsys) -> None:
    assert run("import", "accounts", "parameters/samples/hubspot-contacts.csv", "--mapping", "salesforce-contacts") == 2
    err = capsys.readouterr().err
    assert "columns 'Account Name', 'Title', 'Department', 'Last Activity' of mapping 'salesforce-contacts' not found" in err


def test_a_mistake_in_a_mapping_file_names_file_line_and_field(demo: Path, tmp_path: Path, capsys) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("kind: financials\naccount:\n  column: Kunde\ncolumns:\n  revenu: Umsatz\n", encoding="utf-8")
    assert run("import", "accounts", "parameters/samples/erp-actuals.csv", "--mapping", str(mapping)) == 2
    assert "m.yaml:5: columns.revenu: unknown key (did you mean 'revenue'?)" in capsys.readouterr().err
    mapping.write_text("kind: finances\n", encoding="utf-8")
    assert run("import", "accounts", "parameters/samples/erp-actuals.csv", "--mapping", str(mapping)) == 2
    assert ("m.yaml:1: kind: expected one of 'financials', 'contacts', 'opportunities', got 'finances'"
            in capsys.readouterr().err)


def test_an_unknown_built_in_mapping_name_is_a_usage_error(demo: Path, capsys) -> None:
    assert run("import", "accounts", "parameters/samples/hubspot-contacts.csv", "--mapping", "hubspot-contact") == 2
    assert "did you mean 'hubspot-contacts'?" in capsys.readouterr().err


def test_an_export_that_is_not_utf8_names_the_line(demo: Path, tmp_path: Path, capsys) -> None:
    export = tmp_path / "latin.csv"
    export.write_bytes(HEADER.encode() + "Caf\xe9 Ltd,2026,1,30%,1,1\n".encode("latin-1"))
    assert run("import", "accounts", str(export)) == 2
    assert "latin.csv: row 2: not UTF-8 text (byte 0xe9)" in capsys.readouterr().err


# --- export, and the round trip ---------------------------------------------------------------

def test_export_account_writes_typed_sheets(demo: Path, capsys) -> None:
    assert run("export", "account", "northwind-foods", "nw.xlsx") == 0
    book = load_workbook("nw.xlsx")
    assert book.sheetnames == ["Headline", "Financials", "Scorecard", "Projects", "Contacts", "Pipeline", "Risks",
                               "Next steps"]
    money = book["Financials"]
    assert [c.value for c in money[1]][:7] == ["Account id", "Account", "Year", "Revenue", "Gross margin",
                                               "Cost to serve", "Wallet"]
    last = [c for c in money[money.max_row]]
    assert last[2].value == 2026 and last[3].value == 2930000 and last[3].number_format == '#,##0 "GBP"'
    assert last[4].value == 0.3 and last[4].number_format == "0.0%"
    contacts = book["Contacts"]
    helen = next(r for r in contacts.iter_rows(min_row=2) if r[1].value == "Helen Shaw")
    assert helen[9].value == datetime(2026, 10, 2) and helen[9].number_format == "yyyy-mm-dd"
    headline = book["Headline"]
    assert headline["C2"].value == "key account" and headline["D2"].value == 3.8  # class, customer score


def test_export_portfolio_has_the_portfolio_tables_and_every_account(demo: Path) -> None:
    assert run("export", "portfolio", "all.xlsx") == 0
    book = load_workbook("all.xlsx")
    assert book.sheetnames[:2] == ["Accounts", "Classes"] and "Contacts" in book.sheetnames
    ids = {row[0].value for row in book["Headline"].iter_rows(min_row=2)}
    assert ids == set(loader.account_ids(demo))


def test_round_trip_export_edit_one_number_import_changes_only_that_line(demo: Path, capsys) -> None:
    before = account_text(demo, "northwind-foods")
    assert run("export", "account", "northwind-foods", "nw.xlsx") == 0
    book = load_workbook("nw.xlsx")
    sheet = book["Financials"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[2].value == 2025)
    row[5].value = 333333  # cost to serve 2025
    book.save("nw.xlsx")
    assert run("import", "accounts", "nw.xlsx") == 0
    assert "read with mapping kam-export-financials" in capsys.readouterr().out
    assert changed_lines(before, account_text(demo, "northwind-foods")) == [
        ("    cost_to_serve: 335000", "    cost_to_serve: 333333")]


def test_exported_text_never_becomes_a_formula(demo: Path) -> None:
    path = demo / "accounts" / "northwind-foods.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: Northwind Foods plc", "name: '=HYPERLINK(\"http://x\",\"y\")'", 1), encoding="utf-8")
    assert run("export", "account", "northwind-foods", "nw.xlsx") == 0
    cell = load_workbook("nw.xlsx")["Headline"]["B2"]
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"


def test_export_of_an_unknown_account_or_a_wrong_suffix_exits_2(demo: Path, capsys) -> None:
    assert run("export", "account", "northwnd-foods", "x.xlsx") == 2
    assert "did you mean 'northwind-foods'?" in capsys.readouterr().err
    assert run("export", "portfolio", "x.csv") == 2
    assert not Path("x.xlsx").exists()


# --- reading cells ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "decimal", "value"), [
    ("GBP 1,234.50", ".", 1234.5), ("$1,234", ".", 1234.0), ("(1,234)", ".", -1234.0), ("31.00%", ".", 0.31),
    ("1.234,5", ",", 1234.5), ("12 345", ".", 12345.0), ("€ 12", ".", 12.0), ("", ".", None), (None, ".", None),
    (12, ".", 12.0), ("-5", ".", -5.0), ("1.234", ".", 1.234),
])
def test_parse_number(text, decimal: str, value) -> None:
    assert crm.parse_number(text, decimal) == value


@pytest.mark.parametrize(("text", "decimal"), [("n/a", "."), ("1,5", "."), ("1.5", ","), ("12,34", "."), (True, ".")])
def test_parse_number_refuses_what_is_not_one_number(text, decimal: str) -> None:
    with pytest.raises(ValueError):
        crm.parse_number(text, decimal)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=99),
       st.sampled_from([("{:,}.{:02d}", "."), ("{:,}.{:02d}", "."), ("EUR {:,}.{:02d}", ".")]))
def test_formatted_money_reads_back_as_its_value(whole: int, cents: int, pattern: tuple[str, str]) -> None:
    text = pattern[0].format(whole, cents)
    assert crm.parse_number(text, pattern[1]) == pytest.approx(whole + cents / 100)
    european = f"{whole:,}".replace(",", ".") + f",{cents:02d}"
    assert crm.parse_number(european, ",") == pytest.approx(whole + cents / 100)


def test_parse_date_and_year() -> None:
    assert crm.parse_date("2026-07-08 14:03") == date(2026, 7, 8)
    assert crm.parse_date("7/8/2026", "%m/%d/%Y") == date(2026, 7, 8)
    assert crm.parse_date("08.07.2026", "%d.%m.%Y") == date(2026, 7, 8)
    assert crm.parse_date(datetime(2026, 7, 8, 9, 0)) == date(2026, 7, 8)
    with pytest.raises(ValueError, match="expected a date"):
        crm.parse_date("7/8/2026")  # without a date_format, US or European? refused
    assert crm.parse_year("FY2026") == 2026 and crm.parse_year(2026.0) == 2026
    with pytest.raises(ValueError):
        crm.parse_year("26")


def test_names_compare_without_case_accents_punctuation_legal_form_or_honorific() -> None:
    assert crm.name_key("Lumen Cosmétiques SAS") == crm.name_key("LUMEN COSMETIQUES") == "lumen cosmetiques"
    assert crm.name_key("Boxora Sp. z o.o.") == "boxora"
    assert crm.name_key("Molenaar Bakkerijen Groep B.V.") == "molenaar bakkerijen groep"
    assert crm.person_key("Dr. Katrin Vogel") == crm.person_key("katrin vogel")
    assert crm.person_key("Declan O'Sullivan") == "declan o sullivan"


def test_two_accounts_with_the_same_name_key_are_not_guessed() -> None:
    index = crm.AccountIndex.of({"acme-uk": "Acme Ltd", "acme-de": "Acme GmbH"})
    mapping = crm.built_in_mapping("salesforce-accounts").mapping
    with pytest.raises(ValueError, match="matches several accounts"):
        index.match("ACME", mapping)


def test_a_report_footer_after_the_first_empty_row_is_ignored(tmp_path: Path) -> None:
    export = tmp_path / "r.csv"
    export.write_text('"A","B"\r\n"1","2"\r\n\r\n"Report"\r\n"Copyright (c) salesforce.com"\r\n', encoding="utf-8")
    table = crm.read_table(export)
    assert table.rows == [(2, {"A": "1", "B": "2"})] and table.footer_rows == 2


def test_xlsx_rows_keep_their_types(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["Account id", "When"])
    book.active.append(["x", datetime(2026, 1, 2)])
    book.save(tmp_path / "b.xlsx")
    table = crm.read_table(tmp_path / "b.xlsx")
    assert table.rows == [(2, {"Account id": "x", "When": datetime(2026, 1, 2)})]


# --- kam import opportunities: the pipeline ---------------------------------------------------

@pytest.fixture
def no_pipeline(demo: Path) -> Path:
    """The demo copy without any opportunities, so every sample row is new and the ids are known."""
    without_sections(demo, "opportunities")
    return demo


def pipeline(params: Path, account_id: str) -> list[dict]:
    data = YAML(typ="safe").load((params / "accounts" / f"{account_id}.yaml").read_text(encoding="utf-8"))
    return data.get("opportunities") or []


def test_salesforce_opportunities_report_builds_the_pipeline(no_pipeline: Path, capsys) -> None:
    assert run("import", "opportunities", "parameters/samples/salesforce-opportunities.csv") == 0
    out = capsys.readouterr().out
    assert "read with mapping salesforce-opportunities" in out
    # "Mono-PP lidding film, ready meals","Northwind Foods PLC","GBP 450,000.00","40%","Proposal/Price Quote",
    # "3/31/2027","Priya Raman","0068d00000NWF01AAB": the first new opportunity of the account is OP1
    northwind = pipeline(no_pipeline, "northwind-foods")
    assert northwind[0] == {"id": "OP1", "title": "Mono-PP lidding film, ready meals", "value": 450000,
                            "probability": 0.4, "stage": "proposal", "close": date(2027, 3, 31),
                            "owner": "Priya Raman", "crm_id": "0068d00000NWF01AAB"}
    # Needs Analysis → qualified, Prospecting → identified, Closed Won (100%) → won at 1
    assert [(o["id"], o["stage"], o["probability"]) for o in northwind] == [
        ("OP1", "proposal", 0.4), ("OP2", "qualified", 0.2), ("OP3", "identified", 0.1), ("OP4", "won", 1)]
    assert [(o["stage"], o["probability"], o["owner"]) for o in pipeline(no_pipeline, "harbor-snacks")] == [
        ("negotiation", 0.6, "Marcus Hale"), ("lost", 0, "Kevin Marsh")]  # Negotiation/Review, Closed Lost
    # "Lumen Cosmetiques SAS" (no accent, legal form) is lumen-cosmetics; Qualification → qualified
    assert [(o["title"], o["stage"]) for o in pipeline(no_pipeline, "lumen-cosmetics")] == [
        ("US launch cartons and labels", "qualified"), ("Body-care refill pouches", "proposal")]
    assert "northwind-foods:\n  opportunity OP1 added: Mono-PP lidding film, ready meals (proposal, 450,000 at 40%, " \
           "close 2027-03-31, Priya Raman, CRM id 0068d00000NWF01AAB)" in out
    assert "updated 4 files" in out
    assert len(loader.load_account(no_pipeline, "vantor-pharma").opportunities) == 1
    loader.load_portfolio(no_pipeline)  # everything still valid


def test_hubspot_deals_labels_and_internal_stage_names(no_pipeline: Path, tmp_path: Path) -> None:
    assert run("import", "opportunities", "parameters/samples/hubspot-deals.csv") == 0
    # 9876500101,German plant stand-up pouches,Pawsome Nutrition B.V.,620000,Presentation Scheduled,0.4,
    # 2027-04-30 00:00,Pieter de Vries: the record id is kept as text, the time of the close date dropped
    pawsome = pipeline(no_pipeline, "pawsome-nutrition")
    assert pawsome[0] == {"id": "OP1", "title": "German plant stand-up pouches", "value": 620000, "probability": 0.4,
                          "stage": "proposal", "close": date(2027, 4, 30), "owner": "Pieter de Vries",
                          "crm_id": "9876500101"}
    assert [o["stage"] for o in pawsome] == ["proposal", "qualified", "won"]  # Qualified To Buy, Closed Won
    assert [o["stage"] for o in pipeline(no_pipeline, "nordhav-frozen")] == ["negotiation", "qualified"]
    # "Zielony Ogród Foods S.A.", Decision Maker Bought-In, owner with an accent
    assert [(o["stage"], o["owner"]) for o in pipeline(no_pipeline, "zielony-ogrod-foods")] == [
        ("proposal", "Agnieszka Wójcik")]
    # HubSpot's internal names read as its labels: contractsent is Contract Sent
    export = tmp_path / "deals.csv"
    export.write_text("Record ID,Deal Name,Associated Company,Amount,Deal Stage,Deal probability,Close Date,Deal owner\n"
                      "9876500201,\"Steam bags, ready meals\",Nordhav Frozen Foods A/S,310000,closedwon,1,2026-12-18,"
                      "Sofia Lindqvist\n", encoding="utf-8")
    assert run("import", "opportunities", str(export)) == 0
    assert pipeline(no_pipeline, "nordhav-frozen")[0]["stage"] == "won"


def test_importing_the_pipeline_twice_changes_nothing_and_a_dry_run_writes_nothing(no_pipeline: Path, capsys) -> None:
    before = snapshot(no_pipeline)
    assert run("import", "opportunities", "parameters/samples/salesforce-opportunities.csv", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "+  - id: OP1" in out.splitlines() and "dry run: 4 files would change; nothing written" in out
    assert snapshot(no_pipeline) == before
    assert run("import", "opportunities", "parameters/samples/salesforce-opportunities.csv") == 0
    after = snapshot(no_pipeline)
    capsys.readouterr()
    assert run("import", "opportunities", "parameters/samples/salesforce-opportunities.csv") == 0
    assert "nothing to change" in capsys.readouterr().out
    assert snapshot(no_pipeline) == after


def test_the_samples_import_into_the_demo_as_shipped(demo: Path, capsys) -> None:
    """Whatever pipeline the demo holds, the samples fit it: no bad row, and a second import changes nothing."""
    for sample in ("salesforce-opportunities.csv", "hubspot-deals.csv"):
        assert run("import", "opportunities", f"parameters/samples/{sample}") == 0
        after = snapshot(demo)
        assert run("import", "opportunities", f"parameters/samples/{sample}") == 0
        assert snapshot(demo) == after
    assert "skipped" not in capsys.readouterr().out
    loader.load_portfolio(demo)


SF_HEADER = "Opportunity Name,Account Name,Amount,Probability (%),Stage,Close Date,Opportunity Owner,Opportunity ID\n"
COMMENTED_PIPELINE = """opportunities:                   # the pipeline, from Salesforce
  - id: OP1
    title: Mono-PP lidding film, ready meals
    value: 400000                  # first quote
    probability: 0.3
    stage: qualified
    close: 2027-03-31
    owner: Priya Raman
    crm_id: 0068d00000NWF01AAB
  - id: OP7
    title: Plant-based range labels
    value: 180000
    probability: 0.2
    stage: qualified
    close: 2027-06-30
    owner: Nikhil Shah             # no crm_id yet

"""


def with_pipeline(params: Path, text: str = COMMENTED_PIPELINE) -> str:
    path = params / "accounts" / "northwind-foods.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("\njoint_plan:", "\n" + text + "joint_plan:", 1),
                    encoding="utf-8")
    return path.read_text(encoding="utf-8")


def test_an_opportunity_matched_by_crm_id_changes_on_its_lines_only_comments_kept(no_pipeline: Path,
                                                                                  tmp_path: Path) -> None:
    before = with_pipeline(no_pipeline)
    export = tmp_path / "sf.csv"
    # the row's name is written differently: the CRM id decides, and the title follows the CRM
    export.write_text(SF_HEADER + "\"Mono-PP lidding film, ready meals\",Northwind Foods PLC,\"GBP 450,000.00\",40,"
                      "Proposal/Price Quote,3/31/2027,priya raman,0068d00000NWF01AAB\n", encoding="utf-8")
    assert run("import", "opportunities", str(export)) == 0
    assert changed_lines(before, account_text(no_pipeline, "northwind-foods")) == [
        ("    value: 400000                  # first quote", "    value: 450000                  # first quote"),
        ("    probability: 0.3", "    probability: 0.4"),   # a bare 40 in "Probability (%)" is 40%
        ("    stage: qualified", "    stage: proposal"),
    ]


def test_a_blank_cell_keeps_the_file_value_and_an_id_match_records_the_crm_id(no_pipeline: Path,
                                                                             tmp_path: Path) -> None:
    before = with_pipeline(no_pipeline)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("kind: opportunities\naccount: {column: Account Name}\ncolumns:\n  id: Id\n"
                       "  crm_id: Opportunity ID\n  title: Opportunity Name\n  value: Amount\n"
                       "  probability: Probability (%)\n  stage: Stage\n  close: Close Date\n"
                       "  owner: Opportunity Owner\nprobability_unit: percent\n", encoding="utf-8")
    export = tmp_path / "x.csv"
    export.write_text("Id," + SF_HEADER + "OP7,Plant-based range labels,Northwind Foods plc,,25,qualified,2027-06-30,"
                      "Nikhil Shah,0068d00000NWF02AAB\n", encoding="utf-8")
    assert run("import", "opportunities", str(export), "--mapping", str(mapping)) == 0
    after = account_text(no_pipeline, "northwind-foods")
    # the blank Amount leaves 180000; crm_id goes after the owner, before the blank line that ends the section
    assert "    value: 180000\n    probability: 0.25\n" in after
    assert ("    owner: Nikhil Shah             # no crm_id yet\n    crm_id: 0068d00000NWF02AAB\n\njoint_plan:"
            in after)
    assert len(after.splitlines()) == len(before.splitlines()) + 1


def test_a_new_opportunity_gets_the_next_free_id_and_a_same_title_is_pointed_out(no_pipeline: Path, capsys) -> None:
    with_pipeline(no_pipeline)  # OP1 (with the CRM id of the sample's first row) and OP7 (no crm_id)
    assert run("import", "opportunities", "parameters/samples/salesforce-opportunities.csv") == 0
    out = capsys.readouterr().out
    ids = [(o["id"], o.get("crm_id")) for o in pipeline(no_pipeline, "northwind-foods")]
    assert ids == [("OP1", "0068d00000NWF01AAB"), ("OP7", None), ("OP8", "0068d00000NWF02AAB"),
                   ("OP9", "0068d00000NWF03AAB"), ("OP10", "0068d00000NWF04AAB")]
    assert ("note: northwind-foods: OP8 has the title of OP7, which has no crm_id; if they are one opportunity, "
            "give OP7 crm_id: 0068d00000NWF02AAB and delete OP8") in out.splitlines()
    text = account_text(no_pipeline, "northwind-foods")
    assert "    crm_id: 0068d00000NWF04AAB\n\njoint_plan:" in text  # the section still ends with its blank line


GOOD_ROW = "Multipack labels,Harbor Snacks Ltd,210000,60,Negotiation/Review,1/31/2027,Marcus Hale,006A1"


@pytest.mark.parametrize(("row", "message"), [
    ("Multipack film,Harbor Snacks Ltd,210000,60,Negotiation/Review,1/31/2027,Marcus Hail,006A2",
     "bad.csv: row 3, column 'Opportunity Owner': 'Marcus Hail' is not in the team of harbor-snacks "
     "(did you mean 'Marcus Hale'?); owners are names in the account's team"),
    ("Multipack film,Harbor Snacks Ltd,210000,60,Closed Wonn,1/31/2027,Marcus Hale,006A2",
     "bad.csv: row 3, column 'Stage': stage 'Closed Wonn' is not one the mapping knows (did you mean 'Closed Won'?)"),
    ("Multipack film,Harbor Snacks Ltd,210000,140,Negotiation/Review,1/31/2027,Marcus Hale,006A2",
     "bad.csv: row 3, column 'Probability (%)': must be between 0% and 100%, got 140%"),
    ("Multipack film,Harbor Snacks Ltd,0,60,Negotiation/Review,1/31/2027,Marcus Hale,006A2",
     "bad.csv: row 3, column 'Amount': must be more than 0, got 0"),
    ("Multipack film,Harbor Snacks Ltd,n/a,60,Negotiation/Review,1/31/2027,Marcus Hale,006A2",
     "bad.csv: row 3, column 'Amount': expected a number, got 'n/a'"),
    ("Multipack film,Harbor Snacks Ltd,210000,60,Negotiation/Review,31/1/2027,Marcus Hale,006A2",
     "bad.csv: row 3, column 'Close Date': expected a date as %m/%d/%Y or YYYY-MM-DD, got '31/1/2027'"),
    ("Multipack film,Harbour Snacks,210000,60,Negotiation/Review,1/31/2027,Marcus Hale,006A2",
     "bad.csv: row 3, column 'Account Name': no account named 'Harbour Snacks' in the portfolio "
     "(did you mean 'Harbor Snacks Ltd'?); map the name in the mapping's accounts: section"),
    ("Multipack film,Harbor Snacks Ltd,210000,60,Negotiation/Review,1/31/2027,Marcus Hale,006A1",
     "bad.csv: row 3: CRM id 006A1 listed twice (also on row 2); keep one row"),
    ("Multipack film,Harbor Snacks Ltd,210000,60,Negotiation/Review,,Marcus Hale,006A2",
     "bad.csv: row 3: a new opportunity for harbor-snacks, but the row has no close; give every field for a new "
     "opportunity"),
    ("Multipack film,Harbor Snacks Ltd,210000,,Negotiation/Review,1/31/2027,,006A2",
     "bad.csv: row 3: a new opportunity for harbor-snacks, but the row has no probability, owner; give every field "
     "for a new opportunity"),
])
def test_a_bad_pipeline_row_is_named_and_nothing_is_written(no_pipeline: Path, tmp_path: Path, capsys,
                                                            row: str, message: str) -> None:
    export = tmp_path / "bad.csv"
    export.write_text(SF_HEADER + GOOD_ROW + "\n" + row + "\n", encoding="utf-8")
    before = snapshot(no_pipeline)
    assert run("import", "opportunities", str(export)) == 2
    err = capsys.readouterr().err.splitlines()
    assert any(line.startswith(message) for line in err), err
    assert "1 bad row: nothing written (fix them, or import the others with --skip-bad-rows)" in err
    assert snapshot(no_pipeline) == before  # not even the good row 2


def test_strategy_unit_and_offering_must_be_the_accounts_own(no_pipeline: Path, tmp_path: Path, capsys) -> None:
    export = tmp_path / "sheet.csv"  # the Pipeline sheet's columns, saved as CSV
    export.write_text("Account id,Opportunity,Title,Value,Probability,Stage,Close,Owner,Strategy,Unit,Offering,CRM id\n"
                      "northwind-foods,OP1,Film,1000,0.5,proposal,2027-01-31,Priya Raman,S9,Bakry,flexible film,\n",
                      encoding="utf-8")
    assert run("import", "opportunities", str(export), "--mapping", "kam-export") == 2
    err = capsys.readouterr().err.splitlines()
    assert "sheet.csv: row 2, column 'Strategy': expected a strategy id of northwind-foods's plan, got 'S9'" in err
    assert ("sheet.csv: row 2, column 'Unit': expected a whitespace unit of northwind-foods, got 'Bakry' "
            "(did you mean 'Bakery'?)") in err


def test_a_won_or_lost_row_needs_no_probability(no_pipeline: Path, tmp_path: Path) -> None:
    export = tmp_path / "closed.csv"
    export.write_text(SF_HEADER + "Multipack labels,Harbor Snacks Ltd,210000,,Closed Won,10/1/2026,Marcus Hale,006A1\n"
                      "Popcorn film,Harbor Snacks Ltd,90000,,Closed Lost,9/1/2026,Kevin Marsh,006A2\n", encoding="utf-8")
    assert run("import", "opportunities", str(export)) == 0
    assert [(o["stage"], o["probability"]) for o in pipeline(no_pipeline, "harbor-snacks")] == [("won", 1), ("lost", 0)]


def test_a_crm_id_of_another_account_is_a_bad_row(no_pipeline: Path, tmp_path: Path, capsys) -> None:
    assert run("import", "opportunities", "parameters/samples/salesforce-opportunities.csv") == 0
    export = tmp_path / "moved.csv"
    export.write_text(SF_HEADER + "Mono-PP lidding film,Harbor Snacks Ltd,450000,40,Proposal/Price Quote,3/31/2027,"
                      "Marcus Hale,0068d00000NWF01AAB\n", encoding="utf-8")
    assert run("import", "opportunities", str(export)) == 2
    assert ("moved.csv: row 2: CRM id 0068d00000NWF01AAB is OP1 of northwind-foods, but the row puts it in "
            "harbor-snacks; move it between the account files by hand") in capsys.readouterr().err.splitlines()


def test_skip_bad_rows_imports_the_good_pipeline_rows(no_pipeline: Path, tmp_path: Path, capsys) -> None:
    export = tmp_path / "mixed.csv"
    export.write_text(SF_HEADER + GOOD_ROW + "\nPopcorn film,Harbor Snacks Ltd,90000,20,Discovery,9/1/2027,"
                      "Kevin Marsh,006A2\n", encoding="utf-8")
    assert run("import", "opportunities", str(export), "--skip-bad-rows") == 0
    out = capsys.readouterr().out
    assert "skipped: mixed.csv: row 3, column 'Stage': stage 'Discovery' is not one the mapping knows" in out
    assert [o["crm_id"] for o in pipeline(no_pipeline, "harbor-snacks")] == ["006A1"]


def test_a_percentage_without_a_percent_sign_needs_probability_unit_percent(no_pipeline: Path, tmp_path: Path,
                                                                          capsys) -> None:
    export = tmp_path / "deals.csv"
    export.write_text("Record ID,Deal Name,Associated Company,Amount,Deal Stage,Deal probability,Close Date,Deal owner\n"
                      "1,Steam bags,Nordhav Frozen Foods A/S,310000,contractsent,80,2026-12-18,Sofia Lindqvist\n",
                      encoding="utf-8")
    assert run("import", "opportunities", str(export)) == 2
    assert ("deals.csv: row 2, column 'Deal probability': expected a probability such as 0.4 or 40%, got '80' "
            "(if the export writes percentages without %, set probability_unit: percent in a mapping)"
            ) in capsys.readouterr().err.splitlines()


OPPORTUNITY_MAPPING = """kind: opportunities
account:
  column: Account Name
columns:
  title: Opportunity Name
  value: Amount
  probability: Probability (%)
  stage: Stage
  close: Close Date
  owner: Opportunity Owner
stages:
  Closed Won: won
  closed-won: lost
  Discovery: {discovery}
"""


def test_a_mistake_in_an_opportunities_mapping_names_file_line_and_field(no_pipeline: Path, tmp_path: Path,
                                                                        capsys) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(OPPORTUNITY_MAPPING.format(discovery="discovery"), encoding="utf-8")
    sample = "parameters/samples/salesforce-opportunities.csv"
    assert run("import", "opportunities", sample, "--mapping", str(mapping)) == 2
    assert ("m.yaml:14: stages.Discovery: expected one of 'identified', 'qualified', 'proposal', 'negotiation', "
            "'won', 'lost', got 'discovery'") in capsys.readouterr().err
    mapping.write_text(OPPORTUNITY_MAPPING.format(discovery="identified"), encoding="utf-8")
    assert run("import", "opportunities", sample, "--mapping", str(mapping)) == 2
    err = capsys.readouterr().err.splitlines()
    assert ("m.yaml:4: columns: expected a crm_id or an id column (or both): rows are matched to the account's "
            "opportunities by them, else every import adds them again") in err
    assert ("m.yaml:13: stages.closed-won: 'closed-won' is 'Closed Won' (compared without case, spaces or "
            "punctuation), which is already won; got lost") in err


def test_a_mapping_of_the_other_kind_is_a_usage_error(no_pipeline: Path, capsys) -> None:
    assert run("import", "accounts", "parameters/samples/hubspot-deals.csv", "--mapping", "hubspot-deals") == 2
    assert "--mapping hubspot-deals: a built-in mapping of opportunities; use kam import opportunities" in \
        capsys.readouterr().err
    assert run("import", "opportunities", "parameters/samples/erp-actuals.csv",
               "--mapping", "parameters/samples/erp-mapping.yaml") == 2
    assert ("a mapping of kind 'financials', which kam import opportunities does not read; use kam import accounts"
            in capsys.readouterr().err)
    # a financials export is not a pipeline: the opportunities mappings are the ones tried
    assert run("import", "opportunities", "parameters/samples/salesforce-account-revenue.csv") == 2
    assert "  salesforce-opportunities: missing 'Opportunity Name'" in capsys.readouterr().err


def test_a_pipeline_export_no_mapping_fits_gets_a_mapping_with_its_stages(no_pipeline: Path, tmp_path: Path,
                                                                        capsys) -> None:
    export = tmp_path / "crm.csv"
    export.write_text("Deal,Customer,Value,Chance,Stage,Expected close date,Rep,Deal ID\n"
                      "Film,Harbor Snacks Ltd,1000,50%,Discovery,2027-01-01,Marcus Hale,7\n"
                      "Labels,Harbor Snacks Ltd,1000,100%,Closed Won,2026-10-01,Marcus Hale,8\n", encoding="utf-8")
    assert run("import", "opportunities", str(export)) == 2
    err = capsys.readouterr().err
    assert "crm.csv: no built-in mapping fits its columns" in err
    assert "  hubspot-deals: missing 'Associated Company', 'Deal Name', 'Amount'" in err
    for line in ("kind: opportunities", 'column: "Customer"', 'crm_id: "Deal ID"', 'title: "Deal"', 'value: "Value"',
                 'stage: "Stage"', 'close: "Expected close date"', '"Discovery": TODO', '"Closed Won": won'):
        assert line in err, line


def test_next_opportunity_id() -> None:
    assert imports.next_opportunity_id([]) == "OP1"
    assert imports.next_opportunity_id(["OP1", "OP7"]) == "OP8"
    assert imports.next_opportunity_id(["X", "op3", "OP2a"]) == "OP1"


@pytest.mark.parametrize(("cell", "unit", "value"), [
    ("40", "percent", 0.4), ("40%", "percent", 0.4), (12.5, "percent", 0.125), ("0", "percent", 0.0),
    (0.4, "fraction", 0.4), ("40%", "fraction", 0.4), ("1", "fraction", 1.0), ("35 %", "fraction", 0.35),
])
def test_parse_probability(cell, unit: str, value: float) -> None:
    assert crm.parse_probability(cell, unit) == value


def test_parse_probability_refuses_a_bare_percentage_as_a_fraction_and_more_than_100() -> None:
    with pytest.raises(ValueError, match="set probability_unit: percent"):
        crm.parse_probability(40, "fraction")
    with pytest.raises(ValueError, match="must be between 0% and 100%, got 120%"):
        crm.parse_probability("120%", "fraction")
    assert crm.parse_probability("", "percent") is None


def test_stages_compare_without_case_spaces_or_punctuation() -> None:
    hubspot = crm.built_in_mapping("hubspot-deals").mapping
    salesforce = crm.built_in_mapping("salesforce-opportunities").mapping
    assert isinstance(hubspot, crm.OpportunitiesMapping) and isinstance(salesforce, crm.OpportunitiesMapping)
    assert [crm.stage_of(s, hubspot) for s in ("Appointment Scheduled", "qualifiedtobuy", "Presentation scheduled",
                                               "Decision Maker Bought-In", "Contract Sent", "closedwon",
                                               "Closed Lost")] == [
        "qualified", "qualified", "proposal", "proposal", "negotiation", "won", "lost"]
    assert [crm.stage_of(s, salesforce) for s in ("Prospecting", "Qualification", "Needs Analysis",
                                                  "Proposal/Price Quote", "Negotiation/Review", "Closed Won",
                                                  "Closed Lost", "negotiation")] == [
        "identified", "qualified", "qualified", "proposal", "negotiation", "won", "lost", "negotiation"]
    with pytest.raises(ValueError, match="did you mean 'contractsent'"):
        crm.stage_of("contract send", hubspot)


# --- export: pipeline, risks and next steps; the pipeline's round trip ------------------------

def crafted(params: Path) -> Path:
    """The tiny northwind-foods with a pipeline, a risk register and next steps of our own (whatever
    the tiny file holds in them), planning date 2026-11-24."""
    def edit(tree) -> None:
        for key in ("opportunities", "risks", "governance"):
            tree.pop(key, None)
        _sections(tree)

    path = params / "accounts" / "northwind-foods.yaml"
    path.write_text(yaml_editing.edited(params, "northwind-foods", path.read_text(encoding="utf-8"), edit).after,
                    encoding="utf-8")
    return params


def _sections(tree) -> None:
    tree["opportunities"] = [
        {"id": "OP1", "title": "Mono-PP lidding film", "value": 450000, "probability": 0.4, "stage": "proposal",
         "close": date(2027, 3, 31), "owner": "Priya Raman", "strategy": "S1", "crm_id": "006A1"},
        {"id": "OP2", "title": "Bakery labels", "value": 200000, "probability": 0.5, "stage": "qualified",
         "close": date(2026, 10, 31), "owner": "Tom Becker"},
        {"id": "OP3", "title": "Design service", "value": 120000, "probability": 0.9, "stage": "won",
         "close": date(2026, 6, 30), "owner": "Priya Raman"}]
    tree["risks"] = [
        {"id": "R2", "risk": "The line trial fails", "likelihood": 0.3, "impact": 2, "owner": "Tom Becker",
         "mitigation": "Trial on one line first", "status": "mitigated", "due": date(2026, 10, 1)},
        {"id": "R1", "risk": "The tender moves the bakery film to Alpha", "likelihood": 0.5, "impact": 3,
         "owner": "Priya Raman", "mitigation": "Total-cost proposal before the tender", "status": "open",
         "due": date(2026, 11, 15), "contact": "Helen Shaw"}]
    project = tree["joint_plan"]["projects"][0]  # P1, in progress
    project["next_steps"] = [
        {"action": "Send the trial plan", "owner": "Tom Becker", "due": date(2026, 11, 1), "done": True},
        {"action": "Book the line 4 slot", "owner": "Raj Patel", "due": date(2026, 12, 5)},
        {"action": "Agree the trial specification", "owner": "Tom Becker", "due": date(2026, 11, 20)}]


def test_export_pipeline_risks_and_next_steps_sheets_are_typed(tiny_params: Path, monkeypatch) -> None:
    monkeypatch.chdir(tiny_params.parent)
    crafted(tiny_params)
    assert run("export", "account", "northwind-foods", "nw.xlsx") == 0
    book = load_workbook("nw.xlsx")
    sheet = book["Pipeline"]
    assert [c.value for c in sheet[1]] == ["Account id", "Account", "Opportunity", "Title", "Value", "Probability",
                                           "Stage", "Close", "Owner", "Strategy", "Unit", "Offering", "CRM id",
                                           "Weighted value (computed)", "Stale (computed)"]
    op1, op2, op3 = ([c for c in row] for row in sheet.iter_rows(min_row=2))
    assert op1[4].value == 450000 and op1[4].number_format == '#,##0 "GBP"'
    assert op1[5].value == 0.4 and op1[5].number_format == "0.0%"
    assert op1[7].value == datetime(2027, 3, 31) and op1[7].number_format == "yyyy-mm-dd"
    assert (op1[9].value, op1[12].value) == ("S1", "006A1")
    # weighted = value × probability of an open one: 450,000 × 0.4 = 180,000; 200,000 × 0.5 = 100,000
    assert (op1[13].value, op1[14].value) == (180000, False)
    assert (op2[13].value, op2[14].value) == (100000, True)      # closes 2026-10-31, before 2026-11-24: stale
    assert (op3[13].value, op3[14].value) == (None, None)        # won: neither weighted nor stale
    risks = [[c.value for c in row] for row in book["Risks"].iter_rows(min_row=2)]
    # ranked by likelihood × impact: R1 0.5 × 3 = 1.5, R2 0.3 × 2 = 0.6; R1 open and due 2026-11-15: overdue
    assert [(r[2], r[6], r[11]) for r in risks] == [("R1", 1.5, True), ("R2", pytest.approx(0.6), False)]
    assert risks[0][13] == "Helen Shaw" and book["Risks"]["E2"].number_format == "0.0%"
    steps = [[c.value for c in row] for row in book["Next steps"].iter_rows(min_row=2)]
    # by due date; "Agree" is due 2026-11-20, not done, P1 in progress: 4 days overdue on 2026-11-24
    assert [(s[4], s[6], s[8], s[9], s[10]) for s in steps] == [
        ("Send the trial plan", "ours", True, False, None),
        ("Agree the trial specification", "ours", False, True, 4),
        ("Book the line 4 slot", "customer", False, False, None)]


def test_pipeline_round_trip_changes_nothing_then_only_the_edited_cells(tiny_params: Path, monkeypatch,
                                                                         capsys) -> None:
    monkeypatch.chdir(tiny_params.parent)
    crafted(tiny_params)
    before = snapshot(tiny_params)
    text = account_text(tiny_params, "northwind-foods")
    assert run("export", "account", "northwind-foods", "nw.xlsx") == 0
    assert run("import", "opportunities", "nw.xlsx") == 0
    out = capsys.readouterr().out
    assert "read with mapping kam-export-opportunities" in out and "nothing to change" in out
    assert snapshot(tiny_params) == before

    book = load_workbook("nw.xlsx")
    sheet = book["Pipeline"]
    sheet["G3"].value, sheet["F3"].value = "negotiation", 0.7      # OP2 moves on
    sheet.append(["northwind-foods", None, None, "Cartons", 90000, 0.2, "identified", datetime(2027, 6, 1),
                  "Ana Costa"])                                     # a new row, no id: the next free id
    book.save("nw.xlsx")
    assert run("import", "opportunities", "nw.xlsx") == 0
    after = account_text(tiny_params, "northwind-foods")
    assert [o.id for o in loader.load_account(tiny_params, "northwind-foods").opportunities] == [
        "OP1", "OP2", "OP3", "OP4"]
    assert after.replace("""  - id: OP4
    title: Cartons
    value: 90000
    probability: 0.2
    stage: identified
    close: 2027-06-01
    owner: Ana Costa
""", "") == text.replace("probability: 0.5\n    stage: qualified", "probability: 0.7\n    stage: negotiation")
    capsys.readouterr()
    assert run("import", "opportunities", "nw.xlsx") == 0  # the id-less row is OP4 now, found by its title
    assert "nothing to change" in capsys.readouterr().out


def test_the_demo_portfolio_round_trips_through_its_export(demo: Path, capsys) -> None:
    """Whatever the demo's pipeline holds: export it, import it back, and no file changes."""
    before = snapshot(demo)
    assert run("export", "portfolio", "all.xlsx") == 0
    assert run("import", "opportunities", "all.xlsx") == 0
    assert "nothing to change" in capsys.readouterr().out
    assert snapshot(demo) == before
