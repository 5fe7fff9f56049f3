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
from kamlib.exchange import crm
from kamlib.parameters import loader


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
    assert "updated 5 file(s)" in out
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
    assert "dry run: 5 file(s) would change; nothing written" in out
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
    assert "column(s) 'Account Name', 'Title', 'Department', 'Last Activity' of mapping 'salesforce-contacts' not found" in err


def test_a_mistake_in_a_mapping_file_names_file_line_and_field(demo: Path, tmp_path: Path, capsys) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("kind: financials\naccount:\n  column: Kunde\ncolumns:\n  revenu: Umsatz\n", encoding="utf-8")
    assert run("import", "accounts", "parameters/samples/erp-actuals.csv", "--mapping", str(mapping)) == 2
    assert "m.yaml:5: columns.revenu: unknown key (did you mean 'revenue'?)" in capsys.readouterr().err
    mapping.write_text("kind: finances\n", encoding="utf-8")
    assert run("import", "accounts", "parameters/samples/erp-actuals.csv", "--mapping", str(mapping)) == 2
    assert "m.yaml:1: kind: expected one of 'financials', 'contacts', got 'finances'" in capsys.readouterr().err


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
    assert book.sheetnames == ["Headline", "Financials", "Scorecard", "Projects", "Contacts"]
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
