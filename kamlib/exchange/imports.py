"""`kam import accounts` and `kam import opportunities`: bring financial years, contact dates
and the pipeline from an export into the account files, changing nothing else.

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

`kam import opportunities` changes `opportunities` only. A row is matched to one of the
account's opportunities by `crm_id` first, then by `id` (a row with neither, by its title);
the fields the row gives replace the file's (a blank cell changes nothing), and a matched
opportunity without a `crm_id` gets the row's. A row that matches none is added with the next
free id (OP1, OP2, ...) and its `crm_id`; it must give every required field. Stages are
translated by the mapping's `stages:` table, probabilities written in percent are read as
fractions, and the owner must be a name in the account's team. Opportunities the export does
not have are left as they are: an export may be filtered.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from kamlib.errors import InputError, Problem, UsageError
from kamlib.exchange import crm
from kamlib.method.wording import plural
from kamlib.parameters import loader, scaffold, yaml_editing
from kamlib.parameters.model import Account
from kamlib.parameters.rules import amount, suggest
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


@dataclass(frozen=True)
class OpportunityRow:
    """One opportunity of a pipeline export: the fields its cells give (blank ones left out),
    typed, and the keys it is matched by."""

    table: crm.ExportTable
    row: int
    account: str
    fields: dict[str, Any]
    crm_id: str | None
    id: str | None


@dataclass
class Rows:
    """What an export holds, sorted out: good rows, bad rows, accounts to create."""

    years: list[YearRow] = field(default_factory=list)
    contacts: list[ContactRow] = field(default_factory=list)
    opportunities: list[OpportunityRow] = field(default_factory=list)
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
    notes: list[str] = field(default_factory=list)


def read_rows(path: Path, mapping_spec: str | None, index: crm.AccountIndex, year: int | None = None,
              create: bool = False) -> Rows:
    """Every row of the export as typed values matched to our accounts, or the problems."""
    rows = Rows()
    for named, table in _tables(Path(path), mapping_spec, "accounts"):
        rows.used.append(f"{named.name} ({table.source}, {len(table.rows)} rows)")
        if isinstance(named.mapping, crm.FinancialsMapping):
            _year_rows(table, named.mapping, index, year, create, rows)
        elif isinstance(named.mapping, crm.ContactsMapping):
            _contact_rows(table, named.mapping, index, rows)
    _check_duplicates(rows)
    return rows


def _tables(path: Path, mapping_spec: str | None, what: str) -> list[tuple[crm.NamedMapping, crm.ExportTable]]:
    """The mapping(s) for `kam import WHAT` (given, or the built-in one that fits) with the table each reads."""
    if mapping_spec:
        mappings = crm.load_mappings(mapping_spec, what)
        pairs = []
        for named in mappings:
            table = crm.read_table(path, named.mapping.sheet if crm.is_workbook(path) else None,
                                   named.mapping.header_row, named.mapping.encoding)
            missing = crm.missing_columns(table, named)
            if missing:
                raise UsageError(f"{table.source}: {'column' if len(missing) == 1 else 'columns'} "
                                 f"{', '.join(repr(c) for c in missing)} of mapping "
                                 f"'{named.name}' not found; the export has "
                                 f"{', '.join(repr(c) for c in table.columns if c)}.\n"
                                 "A mapping that fits these columns (save it as a file, check it, and pass "
                                 "--mapping FILE):\n" + crm.suggest_mapping(table, what))
            pairs.append((named, table))
        return pairs
    tables = {sheet: crm.read_table(path, sheet) for sheet in crm.sheet_names(path)}
    return crm.detect(path, tables, what)


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
        hint = ""
        if mapping.account.match == "name" and not create:
            # only a financials export can start an account file (--create)
            hint = (f"; {'add it with --create, or ' if isinstance(mapping, crm.FinancialsMapping) else ''}"
                    "map the name in the mapping's accounts: section")
        rows.problems.append(table.problem(number, column, f"{err}{hint}"))
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
    changes = _written(changes, problems, dry_run)
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
        unknown = len(outcome.unknown_contacts)
        lines.append(f"{plural(unknown, 'contact')} in the export {'is' if unknown == 1 else 'are'} not in their account file "
                     "(not added: influence, attitude and level are yours to judge; add them under relationships:)")
        for c in outcome.unknown_contacts:
            extra = ", ".join(x for x in (c.title, c.department) if x)
            lines.append(f"  {c.account}: {c.name}{f' ({extra})' if extra else ''}, last activity "
                         f"{c.last_contact or 'unknown'} — row {c.row} of {c.table.source}")
    for p in outcome.skipped_rows:
        lines.append(f"skipped: {p}")
    lines += [f"note: {note}" for note in outcome.notes]
    return lines


def changed_paths(outcome: ImportOutcome) -> list[str]:
    """The account files the import changed (or would change), as the user names them."""
    return [display_path(c.path) for c in outcome.changes]


# --- kam import opportunities: the pipeline ---------------------------------------------------

REQUIRED_OPPORTUNITY_FIELDS = ("title", "value", "probability", "stage", "close", "owner")
# Where a new `opportunities:` section goes: before the first of these keys the file has (the format's order).
_AFTER_OPPORTUNITIES = ("risks", "governance", "insights", "joint_plan", "notes")
_OPPORTUNITY_KEYS = ("id", "title", "value", "probability", "stage", "close", "owner", "strategy", "unit", "offering",
                     "crm_id")


@dataclass(frozen=True)
class Match:
    """What a row of a pipeline export does: update the opportunity `existing`, or add one as `new_id`."""

    row: OpportunityRow
    existing: str | None
    new_id: str | None


def import_opportunities(params_dir: Path, path: Path, mapping_spec: str | None = None, dry_run: bool = False,
                         skip_bad_rows: bool = False) -> ImportOutcome:
    """Import a pipeline export into the account files' `opportunities`; see the module docstring."""
    params_dir = Path(params_dir)
    whole = loader.load_portfolio(params_dir)
    index = crm.AccountIndex.of({a.id: a.name for a in whole.accounts.values()})
    rows = Rows()
    for named, table in _tables(Path(path), mapping_spec, "opportunities"):
        rows.used.append(f"{named.name} ({table.source}, {len(table.rows)} rows)")
        if isinstance(named.mapping, crm.OpportunitiesMapping):
            _opportunity_rows(table, named.mapping, index, whole.accounts, rows)
    matches, problems = match_opportunities(rows.opportunities, whole.accounts)
    bad = sorted(rows.problems + problems, key=lambda p: (p.file, p.line or 0))
    if bad and not skip_bad_rows:
        raise ImportRefused(bad)
    changes, summaries, invalid = [], {}, []
    notes: list[str] = []
    for account_id in sorted({m.row.account for m in matches}):
        summary: list[str] = []
        mine = [m for m in matches if m.row.account == account_id]
        try:
            change = yaml_editing.change_account(params_dir, account_id, _pipeline_edit(mine, summary), write=False)
        except InputError as err:
            invalid += err.problems
            continue
        notes += _possible_duplicates(whole.accounts[account_id], mine)
        if change.after != change.before:
            changes.append(change)
            summaries[account_id] = summary
    changes = _written(changes, invalid, dry_run)
    return ImportOutcome(changes, summaries, bad, [], rows.used, not dry_run and bool(changes), notes)


def _opportunity_rows(table: crm.ExportTable, mapping: crm.OpportunitiesMapping, index: crm.AccountIndex,
                      accounts: dict[str, Account], rows: Rows) -> None:
    columns = mapping.columns
    for number, values in table.rows:
        account_id = _account(table, number, values, mapping, index, rows, create=False)
        account = accounts.get(account_id) if account_id else None
        problems_before = len(rows.problems)
        fields: dict[str, Any] = {}
        for name in crm.OPPORTUNITY_FIELDS:
            column = getattr(columns, name)
            if column is None or not crm.cell_text(values.get(column)):
                continue
            try:
                fields[name] = _opportunity_field(name, values[column], mapping, account)
            except ValueError as err:
                rows.problems.append(table.problem(number, column, str(err)))
        keys = {k: crm.cell_text(values.get(c)) or None if c else None
                for k, c in (("crm_id", columns.crm_id), ("id", columns.id))}
        if account_id and len(rows.problems) == problems_before:
            rows.opportunities.append(OpportunityRow(table, number, account_id, fields, keys["crm_id"], keys["id"]))


def _opportunity_field(name: str, value: Any, mapping: crm.OpportunitiesMapping, account: Account | None) -> Any:
    """One cell of a pipeline export as the field's value; ValueError saying what is wrong."""
    if name == "value":
        number = crm.parse_number(value, mapping.decimal)
        assert number is not None
        if number <= 0:
            raise ValueError(f"must be more than 0, got {amount(number)}")
        return number
    if name == "probability":
        return crm.parse_probability(value, mapping.probability_unit, mapping.decimal)
    if name == "stage":
        return crm.stage_of(crm.cell_text(value), mapping)
    if name == "close":
        return crm.parse_date(value, mapping.date_format)
    text = crm.cell_text(value)
    if account is None or name == "title":
        return text
    if name == "owner":
        team = [m.name for m in account.team]
        found = [m for m in team if crm.person_key(m) == crm.person_key(text)]
        if not found:
            raise ValueError(f"'{text}' is not in the team of {account.id}{suggest(text, team)}; owners are names "
                             "in the account's team")
        return found[0]
    if name == "strategy":
        ids = [s.id for s in account.joint_plan.strategies]
        if text not in ids:
            raise ValueError(f"expected a strategy id of {account.id}'s plan, got '{text}'{suggest(text, ids)}")
        return text
    whitespace = account.whitespace
    known = [u.unit for u in whitespace.units] if whitespace and name == "unit" else (
        list(whitespace.offerings) if whitespace else [])
    if text not in known:
        raise ValueError(f"expected a whitespace {name} of {account.id}, got '{text}'{suggest(text, known)}")
    return text


def match_opportunities(rows: list[OpportunityRow], accounts: dict[str, Account]) -> tuple[list[Match], list[crm.RowProblem]]:
    """Each row's opportunity: by crm_id, then by id, then (a row with neither) by title; else a new
    one with the next free id. The problems: a CRM id of another account or listed twice, an id
    whose CRM id differs, two rows on one opportunity, a new opportunity missing a field."""
    owner_of = {o.crm_id: (a.id, o.id) for a in accounts.values() for o in a.opportunities if o.crm_id}
    matches: list[Match] = []
    problems: list[crm.RowProblem] = []
    taken: dict[tuple[str, str], OpportunityRow] = {}      # (account, opportunity id) → the row on it
    seen_crm: dict[str, OpportunityRow] = {}
    used_ids = {a.id: {o.id for o in a.opportunities} for a in accounts.values()}
    for r in rows:
        account = accounts[r.account]
        by_id = {o.id: o for o in account.opportunities}

        def bad(column: str | None, message: str, r: OpportunityRow = r) -> None:
            problems.append(r.table.problem(r.row, column or "", message))

        if r.crm_id is not None:
            first = seen_crm.setdefault(r.crm_id, r)
            if first is not r:
                bad(None, f"CRM id {r.crm_id} listed twice (also on row {first.row}); keep one row")
                continue
        existing: str | None = None
        if r.crm_id is not None and r.crm_id in owner_of:
            other_account, existing = owner_of[r.crm_id]
            if other_account != r.account:
                bad(None, f"CRM id {r.crm_id} is {existing} of {other_account}, but the row puts it in {r.account}; "
                          "move it between the account files by hand")
                continue
        if existing is None and r.id is not None and r.id in by_id:
            known = by_id[r.id].crm_id
            if known and r.crm_id and known != r.crm_id:
                bad(None, f"{r.id} of {r.account} has CRM id {known}, the row {r.crm_id}; which is it?")
                continue
            existing = r.id
        if existing is None and r.id is None and r.crm_id is None and "title" in r.fields:
            same = [o.id for o in account.opportunities if crm.name_key(o.title) == crm.name_key(r.fields["title"])]
            existing = same[0] if len(same) == 1 else None
        if existing is not None:
            first = taken.setdefault((r.account, existing), r)
            if first is not r:
                bad(None, f"row {first.row} is already {existing} of {r.account}; keep one row")
                continue
            matches.append(Match(r, existing, None))
            continue
        missing = [f for f in REQUIRED_OPPORTUNITY_FIELDS if f not in r.fields
                   and not (f == "probability" and r.fields.get("stage") in ("won", "lost"))]
        if missing:
            bad(None, f"a new opportunity for {r.account}, but the row has no {', '.join(missing)}; give every "
                      "field for a new opportunity")
            continue
        new_id = r.id if r.id is not None and r.id not in used_ids[r.account] else next_opportunity_id(
            used_ids[r.account])
        used_ids[r.account].add(new_id)
        matches.append(Match(r, None, new_id))
    return matches, problems


def next_opportunity_id(ids: Iterable[str]) -> str:
    """The next free id: OP followed by one more than the largest OP number in use (OP1 in an empty pipeline)."""
    ids = set(ids)
    numbers = [int(m.group(1)) for i in ids if (m := re.fullmatch(r"OP(\d+)", i))]
    n = max(numbers, default=0) + 1
    while f"OP{n}" in ids:
        n += 1
    return f"OP{n}"


def _pipeline_edit(matches: list[Match], summary: list[str]) -> Callable[[CommentedMap], None]:
    def edit(tree: CommentedMap) -> None:
        pipeline = tree.get("opportunities")
        if not isinstance(pipeline, list):
            pipeline = CommentedSeq()
            later = [i for i, k in enumerate(tree) if k in _AFTER_OPPORTUNITIES]
            if "opportunities" in tree:
                tree["opportunities"] = pipeline
            else:
                tree.insert(later[0] if later else len(tree), "opportunities", pipeline)
        if isinstance(pipeline, CommentedSeq):
            pipeline.fa.set_block_style()
        by_id = {str(o.get("id")): o for o in pipeline if isinstance(o, CommentedMap)}
        for m in matches:
            if m.existing is not None:
                _update_opportunity(by_id[m.existing], m.row, summary)
                continue
            assert m.new_id is not None
            values = {"id": m.new_id, **m.row.fields, "crm_id": m.row.crm_id}
            if "probability" not in values:
                values["probability"] = 1.0 if values["stage"] == "won" else 0.0
            entry = CommentedMap([(k, _yaml_value(values[k])) for k in _OPPORTUNITY_KEYS if values.get(k) is not None])
            _append_entry(tree, pipeline, entry, blank_line_after=_last(tree) != "opportunities")
            summary.append(f"opportunity {m.new_id} added: {_opportunity_text(values)}")
    return edit


def _update_opportunity(entry: CommentedMap, r: OpportunityRow, summary: list[str]) -> None:
    oid = entry.get("id")
    for name, value in r.fields.items():
        old = entry.get(name)
        same = _same(old, value) if name in ("value", "probability") else old == value
        if same:
            continue
        if name in entry:
            entry[name] = _yaml_value(value)
        else:
            _add_key(entry, name, _yaml_value(value))
        summary.append(f"opportunity {oid} {name}: {_opportunity_shown(name, old)} → {_opportunity_shown(name, value)}")
    if r.crm_id is not None and entry.get("crm_id") is None:
        _add_key(entry, "crm_id", r.crm_id)
        summary.append(f"opportunity {oid}: CRM id {r.crm_id} recorded")


def _yaml_value(value: Any) -> Any:
    return _plain_number(value) if isinstance(value, float) else value


def _opportunity_shown(name: str, value: Any) -> str:
    if value is None:
        return "none"
    if name == "value" and isinstance(value, (int, float)):
        return amount(value)
    if name == "probability" and isinstance(value, (int, float)):
        return f"{value:.0%}"
    return str(value)


def _opportunity_text(values: dict[str, Any]) -> str:
    crm_id = f", CRM id {values['crm_id']}" if values.get("crm_id") else ""
    return (f"{values['title']} ({values['stage']}, {amount(values['value'])} at {values['probability']:.0%}, "
            f"close {values['close']}, {values['owner']}{crm_id})")


def _possible_duplicates(account: Account, matches: list[Match]) -> list[str]:
    """A new opportunity from the CRM with the title of one the file has without a CRM id: perhaps the same one."""
    notes = []
    for m in matches:
        if m.new_id is None or m.row.crm_id is None:
            continue
        for o in account.opportunities:
            if o.crm_id is None and crm.name_key(o.title) == crm.name_key(str(m.row.fields.get("title", ""))):
                notes.append(f"{account.id}: {m.new_id} has the title of {o.id}, which has no crm_id; if they are "
                             f"one opportunity, give {o.id} crm_id: {m.row.crm_id} and delete {m.new_id}")
    return notes


# --- keeping blank lines where they were when a list or map grows ----------------------------

def _trailer(node: CommentedMap, key: Any) -> CommentToken | None:
    """The comment token after `key`'s value: its end-of-line comment and the blank or comment
    lines that follow it."""
    tokens = node.ca.items.get(key)
    return tokens[2] if tokens and len(tokens) > 2 else None


def _move_trailer(src: CommentedMap, src_key: Any, dst: CommentedMap, dst_key: Any) -> None:
    """The lines after `src_key`'s value (a blank line before the next section) move to after
    `dst_key`'s value; an end-of-line comment stays where it is."""
    token = _trailer(src, src_key)
    if token is None or "\n" not in token.value:
        return
    head, rest = token.value.split("\n", 1)
    if not rest:
        return
    if head.strip():
        token.value = head + "\n"
    else:
        src.ca.items[src_key][2] = None
    dst.ca.items.setdefault(dst_key, [None, None, None, None])[2] = CommentToken("\n" + rest, CommentMark(0), None)


def _last(node: CommentedMap) -> Any:
    return list(node.keys())[-1]


def _append_entry(tree: CommentedMap, pipeline: CommentedSeq, entry: CommentedMap, blank_line_after: bool) -> None:
    """A new last item of the list, taking over the blank line that ended the old last one (or, in
    a list written `[]`, the one after the key); the first item of a new list gets one."""
    if len(pipeline) and isinstance(pipeline[-1], CommentedMap) and len(pipeline[-1]):
        _move_trailer(pipeline[-1], _last(pipeline[-1]), entry, _last(entry))
    elif not len(pipeline) and _trailer(tree, "opportunities") is not None:
        _move_trailer(tree, "opportunities", entry, _last(entry))
    elif not len(pipeline) and blank_line_after:
        entry.ca.items[_last(entry)] = [None, None, CommentToken("\n\n", CommentMark(0), None), None]
    pipeline.append(entry)


def _add_key(entry: CommentedMap, key: str, value: Any) -> None:
    """A new last key of a map, after the lines that followed the old last one."""
    old = _last(entry) if len(entry) else None
    entry[key] = value
    if old is not None:
        _move_trailer(entry, old, entry, key)


def _written(changes: list[yaml_editing.Change], problems: list[Problem], dry_run: bool) -> list[yaml_editing.Change]:
    """All or nothing: with any problem nothing is written (InputError); else the changes are
    written, unless this is a dry run."""
    if problems:
        raise InputError(problems)
    return changes if dry_run else [yaml_editing.write_change(c) for c in changes]
