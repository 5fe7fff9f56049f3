"""`kam import accounts`: bring financial years and contact dates from an export into the
account files, changing nothing else.

The import reads every row first and lists every bad one (file, row, column). Only when all
rows are good (or `--skip-bad-rows`) does it work out the new text of each account file —
through `kamlib.parameters.yaml_editing`, so comments and hand-written sections stay byte for byte — and
validate each as `kam validate` would. Only when every file validates is anything written,
each file atomically with its previous text kept as `<id>.yaml.bak`. `--dry-run` stops before
writing and shows the same diff.

What an import may change, and nothing else:
- `financials`: the fields the export has for a year the file already has; a year the file
  does not have yet is added (in year order) when the export has all four fields for it.
- `relationships`: a contact's `last_contact` when the export's date is later, and `title`
  when the export has one and it differs. Contacts the file does not have are listed, not
  added: their influence, attitude and level are judgements a CRM does not hold.
- with `--create`, an account the portfolio does not have yet gets a new file from the
  `kam new` template with its name and financial years filled in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from kamlib.errors import InputError, Problem, UsageError
from kamlib.exchange import crm
from kamlib.parameters import loader, scaffold, yaml_editing
from kamlib.parameters.rules import amount
from kamlib.parameters.yaml_source import display_path


@dataclass(frozen=True)
class YearRow:
    """One account's figures for one year, from one row of the export."""

    table: crm.ExportTable
    row: int
    account: str
    year: int
    values: dict[str, float]
    year_column: str


@dataclass(frozen=True)
class ContactRow:
    """One person at a customer, from one row of a contacts export."""

    table: crm.ExportTable
    row: int
    account: str
    name: str
    title: str | None
    department: str | None
    last_contact: date | None


@dataclass
class Rows:
    """What an export holds, sorted out: good rows, bad rows, accounts to create."""

    years: list[YearRow] = field(default_factory=list)
    contacts: list[ContactRow] = field(default_factory=list)
    problems: list[crm.RowProblem] = field(default_factory=list)
    new_accounts: dict[str, str] = field(default_factory=dict)   # id → name, with --create
    used: list[str] = field(default_factory=list)                # "mapping name on table"


@dataclass
class ImportOutcome:
    """The result of an import: the changes (written or not), and what was left out."""

    changes: list[yaml_editing.Change]
    summaries: dict[str, list[str]]
    skipped_rows: list[crm.RowProblem]
    unknown_contacts: list[ContactRow]
    used: list[str]
    written: bool


def read_rows(path: Path, mapping_spec: str | None, index: crm.AccountIndex, year: int | None = None,
              create: bool = False) -> Rows:
    """Every row of the export as typed values matched to our accounts, or the problems."""
    path = Path(path)
    if mapping_spec:
        mappings = crm.load_mappings(mapping_spec)
        pairs = []
        for named in mappings:
            table = crm.read_table(path, named.mapping.sheet if crm.is_workbook(path) else None,
                                   named.mapping.header_row, named.mapping.encoding)
            missing = crm.missing_columns(table, named)
            if missing:
                raise UsageError(f"{table.source}: column(s) {', '.join(repr(c) for c in missing)} of mapping "
                                 f"'{named.name}' not found; the export has "
                                 f"{', '.join(repr(c) for c in table.columns if c)}.\n"
                                 "A mapping that fits these columns (save it as a file, check it, and pass "
                                 "--mapping FILE):\n" + crm.suggest_mapping(table))
            pairs.append((named, table))
    else:
        tables = {sheet: crm.read_table(path, sheet) for sheet in crm.sheet_names(path)}
        pairs = crm.detect(path, tables)
    rows = Rows()
    for named, table in pairs:
        rows.used.append(f"{named.name} ({table.source}, {len(table.rows)} rows)")
        if isinstance(named.mapping, crm.FinancialsMapping):
            _year_rows(table, named.mapping, index, year, create, rows)
        else:
            _contact_rows(table, named.mapping, index, rows)
    _check_duplicates(rows)
    return rows


def _account(table: crm.ExportTable, number: int, values: dict[str, Any], mapping: crm.Mapping,
             index: crm.AccountIndex, rows: Rows, create: bool) -> str | None:
    column = mapping.account.column
    text = crm.cell_text(values.get(column))
    if not text:
        rows.problems.append(table.problem(number, column, "no account given"))
        return None
    try:
        return index.match(text, mapping)
    except ValueError as err:
        if create and mapping.account.match == "name" and isinstance(mapping, crm.FinancialsMapping):
            new_id = slug_for(text)
            if new_id and new_id not in index.ids:
                rows.new_accounts.setdefault(new_id, text)
                return new_id
        hint = "" if create else "; add it with --create, or map the name in the mapping's accounts: section"
        rows.problems.append(table.problem(number, column, f"{err}{hint if mapping.account.match == 'name' else ''}"))
        return None


def _year_rows(table: crm.ExportTable, mapping: crm.FinancialsMapping, index: crm.AccountIndex, year: int | None,
               create: bool, rows: Rows) -> None:
    columns = mapping.columns
    fixed_year = year or mapping.year
    if columns.year is None and fixed_year is None:
        raise UsageError(f"{table.source}: the export has no year column; say which year its figures are for "
                         "with --year YYYY (or year: in the mapping)")
    for number, values in table.rows:
        account = _account(table, number, values, mapping, index, rows, create)
        problems_before = len(rows.problems)
        row_year = fixed_year
        if columns.year is not None and year is None:
            try:
                row_year = crm.parse_year(values.get(columns.year))
            except ValueError as err:
                rows.problems.append(table.problem(number, columns.year, str(err)))
            if row_year is None and len(rows.problems) == problems_before:
                rows.problems.append(table.problem(number, columns.year, "no year given"))
        figures: dict[str, float] = {}
        for name in crm.FINANCIAL_FIELDS:
            column = getattr(columns, name)
            if column is None:
                continue
            try:
                parse = crm.parse_fraction if name == "gross_margin" else crm.parse_number
                value = parse(values.get(column), mapping.decimal)
            except ValueError as err:
                rows.problems.append(table.problem(number, column, str(err)))
                continue
            if value is None:
                continue
            if name in crm.MONEY_FIELDS and value < 0:
                rows.problems.append(table.problem(number, column, f"must be at least 0, got {amount(value)}"))
                continue
            if name == "gross_margin" and not -1 <= value <= 1:
                rows.problems.append(table.problem(number, column, f"must be between -100% and 100%, got {value:.1%}"))
                continue
            figures[name] = value
        if account and row_year and len(rows.problems) == problems_before:
            rows.years.append(YearRow(table, number, account, row_year, figures, columns.year or mapping.account.column))


def _contact_rows(table: crm.ExportTable, mapping: crm.ContactsMapping, index: crm.AccountIndex, rows: Rows) -> None:
    columns = mapping.columns
    name_columns = [columns.name] if isinstance(columns.name, str) else list(columns.name)
    for number, values in table.rows:
        account = _account(table, number, values, mapping, index, rows, create=False)
        problems_before = len(rows.problems)
        name = " ".join(part for part in (crm.cell_text(values.get(c)) for c in name_columns) if part)
        if not name:
            rows.problems.append(table.problem(number, name_columns[0], "no contact name given"))
        try:
            last = crm.parse_date(values.get(columns.last_contact), mapping.date_format)
        except ValueError as err:
            rows.problems.append(table.problem(number, columns.last_contact, str(err)))
            last = None
        title = crm.cell_text(values.get(columns.title)) if columns.title else ""
        department = crm.cell_text(values.get(columns.department)) if columns.department else ""
        if account and len(rows.problems) == problems_before:
            rows.contacts.append(ContactRow(table, number, account, name, title or None, department or None, last))


def _check_duplicates(rows: Rows) -> None:
    """The same account and year twice, or the same contact twice: which one is right?"""
    seen: dict[tuple[str, int], YearRow] = {}
    for r in rows.years:
        first = seen.setdefault((r.account, r.year), r)
        if first is not r:
            rows.problems.append(r.table.problem(r.row, r.year_column, f"duplicate year {r.year} for "
                                                 f"{r.account} (also on row {first.row}); keep one row"))
    rows.years = [r for r in rows.years if seen[(r.account, r.year)] is r]
    people: dict[tuple[str, str], ContactRow] = {}
    for c in rows.contacts:
        first_c = people.setdefault((c.account, crm.person_key(c.name)), c)
        if first_c is not c:
            rows.problems.append(c.table.problem(c.row, "", f"contact '{c.name}' of {c.account} listed twice "
                                                 f"(also on row {first_c.row}); keep one row"))
    rows.contacts = [c for c in rows.contacts if people[(c.account, crm.person_key(c.name))] is c]
    rows.problems.sort(key=lambda p: (p.file, p.line or 0))


def slug_for(name: str) -> str:
    """An account id for a new account: the name as a lower-case slug, without its legal form."""
    words = crm.name_key(name).split() or [
        unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()]
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(words)).strip("-")[:64].strip("-")
    return slug if len(slug) >= 2 else ""


# --- from rows to changed account files -------------------------------------------------------

def import_accounts(params_dir: Path, path: Path, mapping_spec: str | None = None, year: int | None = None,
                    dry_run: bool = False, skip_bad_rows: bool = False, create: bool = False) -> ImportOutcome:
    """Import an export into the account files; see the module docstring for what may change."""
    params_dir = Path(params_dir)
    whole = loader.load_portfolio(params_dir)
    index = crm.AccountIndex.of({a.id: a.name for a in whole.accounts.values()})
    rows = read_rows(Path(path), mapping_spec, index, year, create)
    if rows.problems and not skip_bad_rows:
        raise ImportRefused(rows.problems)
    known_contacts = {a.id: {crm.person_key(c.name) for c in a.relationships} for a in whole.accounts.values()}
    unknown = [c for c in rows.contacts if crm.person_key(c.name) not in known_contacts.get(c.account, set())]
    incomplete = _incomplete_new_years(rows, whole)
    if incomplete and not skip_bad_rows:
        raise ImportRefused(incomplete)
    skipped = rows.problems + incomplete
    changes, summaries, problems = [], {}, []
    for account_id in sorted({r.account for r in rows.years} | {c.account for c in rows.contacts}):
        years = [r for r in rows.years if r.account == account_id and r not in _rows_of(incomplete, rows)]
        contacts = [c for c in rows.contacts if c.account == account_id and c not in unknown]
        summary: list[str] = []
        edit = _edit(years, contacts, summary, rows.new_accounts.get(account_id))
        try:
            if account_id in rows.new_accounts:
                before = scaffold.account_template(account_id)
                change = yaml_editing.edited(params_dir, account_id, before, edit)
            else:
                change = yaml_editing.change_account(params_dir, account_id, edit, write=False)
        except InputError as err:
            problems += err.problems
            continue
        if change.after != change.before:
            changes.append(change)
            summaries[account_id] = summary
    if problems:
        raise InputError(problems)
    if not dry_run:
        changes = [yaml_editing.write_change(c) for c in changes]
    return ImportOutcome(changes, summaries, skipped, unknown, rows.used, not dry_run and bool(changes))


class ImportRefused(InputError):
    """Bad rows in the export: nothing was written."""


def _rows_of(problems: Iterable[Problem], rows: Rows) -> list[YearRow]:
    keys = {(p.file, p.line) for p in problems}
    return [r for r in rows.years if (r.table.source, r.row) in keys]


def _incomplete_new_years(rows: Rows, whole: loader.Portfolio) -> list[crm.RowProblem]:
    """A year the account file does not have needs all four figures; a new account too."""
    found = []
    for r in rows.years:
        account = whole.accounts.get(r.account)
        has_year = account is not None and any(y.year == r.year for y in account.financials)
        missing = [f for f in crm.FINANCIAL_FIELDS if f not in r.values]
        if not has_year and missing:
            what = "the new account" if account is None else f"{r.account}, which has no {r.year} yet"
            found.append(r.table.problem(r.row, "", f"{r.year} would be added to {what}, but the row has no "
                                         f"{', '.join(missing)}; give every figure for a new year"))
    return found


def _edit(years: list[YearRow], contacts: list[ContactRow], summary: list[str],
          new_name: str | None) -> Callable[[CommentedMap], None]:
    def edit(tree: CommentedMap) -> None:
        if new_name is not None:
            tree["name"] = new_name
            tree["financials"].clear()
            summary.append(f"new account file for '{new_name}' from the template: fill in the TODOs")
        _apply_years(tree["financials"], years, summary)
        _apply_contacts(tree.get("relationships") or [], contacts, summary)
    return edit


def _apply_years(financials: list, years: list[YearRow], summary: list[str]) -> None:
    for r in sorted(years, key=lambda r: r.year):
        entry = next((e for e in financials if e.get("year") == r.year), None)
        if entry is None:
            entry = CommentedMap([("year", r.year), *((f, _plain_number(r.values[f])) for f in crm.FINANCIAL_FIELDS)])
            later = [i for i, e in enumerate(financials) if isinstance(e.get("year"), int) and e["year"] > r.year]
            financials.insert(later[0] if later else len(financials), entry)
            summary.append(f"financials {r.year}: added ({_figures(r.values)})")
            continue
        for name, value in r.values.items():
            if not _same(entry.get(name), value):
                old = entry.get(name)
                entry[name] = _plain_number(value)
                summary.append(f"financials {r.year} {name}: {_shown(name, old)} → {_shown(name, value)}")


def _apply_contacts(relationships: list, contacts: list[ContactRow], summary: list[str]) -> None:
    by_key = {crm.person_key(str(c.get("name", ""))): c for c in relationships}
    for row in contacts:
        entry = by_key.get(crm.person_key(row.name))
        if entry is None:
            continue
        name = entry.get("name")
        if row.last_contact is not None:
            current = entry.get("last_contact")
            if not isinstance(current, date) or row.last_contact > current:
                entry["last_contact"] = row.last_contact
                summary.append(f"{name}: last contact {current} → {row.last_contact}")
        if row.title and row.title != entry.get("title"):
            summary.append(f"{name}: title '{entry.get('title')}' → '{row.title}'")
            entry["title"] = row.title


def _plain_number(value: float) -> int | float:
    """310000.0 → 310000, so the file reads as a person wrote it; 0.31 stays 0.31."""
    return int(value) if float(value).is_integer() else round(value, 10)


def _same(old: Any, new: float) -> bool:
    return isinstance(old, (int, float)) and not isinstance(old, bool) and abs(float(old) - new) < 1e-9


def _shown(name: str, value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    return f"{value:.1%}" if name == "gross_margin" else amount(value)


def _figures(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {_shown(k, v)}" for k, v in values.items())


def describe(outcome: ImportOutcome) -> list[str]:
    """The lines `kam import` prints after the diffs."""
    lines = []
    for account_id, summary in outcome.summaries.items():
        lines.append(f"{account_id}:")
        lines += [f"  {line}" for line in summary]
    if outcome.unknown_contacts:
        lines.append(f"{len(outcome.unknown_contacts)} contact(s) in the export are not in their account file "
                     "(not added: influence, attitude and level are yours to judge; add them under relationships:)")
        for c in outcome.unknown_contacts:
            extra = ", ".join(x for x in (c.title, c.department) if x)
            lines.append(f"  {c.account}: {c.name}{f' ({extra})' if extra else ''}, last activity "
                         f"{c.last_contact or 'unknown'} — row {c.row} of {c.table.source}")
    for p in outcome.skipped_rows:
        lines.append(f"skipped: {p}")
    return lines


def changed_paths(outcome: ImportOutcome) -> list[str]:
    """The account files the import changed (or would change), as the user names them."""
    return [display_path(c.path) for c in outcome.changes]
