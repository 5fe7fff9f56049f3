"""Reading CRM and spreadsheet exports: which column holds which account field, and every row
as typed values, with the file, row and column of anything that cannot be read.

An export is a CSV file (any of `,` `;` tab as delimiter, UTF-8 or the encoding the mapping
names) or an XLSX workbook. A *mapping* says which kind of table it is (`financials`: our
revenue, gross margin, cost to serve and the customer's wallet per account and year;
`contacts`: people at the customer with their last activity date), which column names the
account, and which column holds each field. `opportunities` (the pipeline: a row per
sale we are pursuing, with its stage, value, probability, close date and owner) is read by
`kam import opportunities`; its mapping also translates the CRM's stage names into the
workbook's (`stages:`). Built-in mappings cover a Salesforce report export, a HubSpot export and
the workbook `kam export` writes (`kamlib/exchange/mappings/`); a user writes a mapping file of
the same shape for anything else.

Rows are read as the tool wrote them: Salesforce's "GBP 1,234.00" and "31.00%", a HubSpot date
with a time ("2026-07-08 14:03"), European "1.234,50" with `decimal: ","`, and a report's
footer after the first empty row (ignored).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from difflib import get_close_matches
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from kamlib.errors import InputError, Problem, UsageError
from kamlib.parameters import loader, rules
from kamlib.parameters.model import Slug, Stage, Strict, Text
from kamlib.parameters.yaml_source import SourceFile, display_path, read_yaml

MONEY_FIELDS = ("revenue", "cost_to_serve", "wallet")
FINANCIAL_FIELDS = ("revenue", "gross_margin", "cost_to_serve", "wallet")
MAX_EXPORT_BYTES = 50_000_000
MAX_ROWS = 200_000
# Legal forms left out when comparing account names: "Northwind Foods plc" = "Northwind Foods".
LEGAL_FORMS = {"ltd", "limited", "plc", "inc", "incorporated", "llc", "llp", "gmbh", "ag", "sa", "sl", "slu",
               "srl", "spa", "bv", "nv", "sas", "sarl", "ab", "as", "asa", "oy", "oyj", "aps", "co", "corp",
               "corporation", "company", "kg", "kgaa", "se", "pty", "sro", "sp", "z", "oo", "zoo", "kft", "doo"}


# --- the mapping file -------------------------------------------------------------------------

class AccountColumn(Strict):
    """The export's column naming the account, and whether it holds our account id or the customer's name."""

    column: Text
    match: Literal["id", "name"] = "name"


class FinancialColumns(Strict):
    """The columns of a financials export holding the year and each figure (one left out is not imported)."""

    year: Text | None = None
    revenue: Text | None = None
    gross_margin: Text | None = None
    cost_to_serve: Text | None = None
    wallet: Text | None = None


class ContactColumns(Strict):
    """The columns of a contacts export: the name (one column, or up to four joined, e.g. first and
    last name), title, department and the date of the last activity."""

    name: Text | Annotated[list[Text], Field(min_length=1, max_length=4)]
    title: Text | None = None
    department: Text | None = None
    last_contact: Text


class _Mapping(Strict):
    sheet: Text | None = None
    header_row: Annotated[int, Field(ge=1, le=100)] = 1
    date_format: Text | None = None
    decimal: Literal[".", ","] = "."
    encoding: Text = "utf-8-sig"
    account: AccountColumn
    accounts: dict[str, Slug] = {}


class FinancialsMapping(_Mapping):
    """A mapping of a financials export: a row per account and year (`year` if it has no year column)."""

    kind: Literal["financials"]
    columns: FinancialColumns
    year: Annotated[int, Field(ge=1900, le=2200)] | None = None


class ContactsMapping(_Mapping):
    """A mapping of a contacts export: one row per person at a customer."""

    kind: Literal["contacts"]
    columns: ContactColumns


class OpportunityColumns(Strict):
    """The columns of an opportunities export. Rows are matched to the account's opportunities by
    `crm_id`, then by `id` (a mapping names at least one of the two)."""

    title: Text
    value: Text
    probability: Text
    stage: Text
    close: Text
    owner: Text
    crm_id: Text | None = None
    id: Text | None = None
    strategy: Text | None = None
    unit: Text | None = None
    offering: Text | None = None


class OpportunitiesMapping(_Mapping):
    """A mapping of an opportunities export (a CRM's pipeline report): one row per opportunity.

    `probability_unit: percent` reads a bare 40 as 40%; with `fraction` (the default) a bare
    number is 0..1. A cell written with `%` is a percentage either way. `stages` translates the
    CRM's stage names (compared without case, spaces or punctuation) into the workbook's.
    """

    kind: Literal["opportunities"]
    columns: OpportunityColumns
    probability_unit: Literal["fraction", "percent"] = "fraction"
    stages: dict[Text, Stage] = {}


Mapping = FinancialsMapping | ContactsMapping | OpportunitiesMapping
OPPORTUNITY_FIELDS = ("title", "value", "probability", "stage", "close", "owner", "strategy", "unit", "offering")
STAGES: tuple[str, ...] = ("identified", "qualified", "proposal", "negotiation", "won", "lost")


@dataclass(frozen=True)
class NamedMapping:
    """A mapping and where it comes from: a built-in name or a file."""

    name: str
    mapping: Mapping

    def required_columns(self) -> list[str]:
        """Every column the mapping names, in the order the mapping file gives them."""
        m = self.mapping
        names = [m.account.column]
        if isinstance(m, (FinancialsMapping, OpportunitiesMapping)):
            names += [c for c in m.columns.model_dump().values() if c]
        else:
            names += [m.columns.name] if isinstance(m.columns.name, str) else list(m.columns.name)
            names += [c for c in (m.columns.title, m.columns.department, m.columns.last_contact) if c]
        return names


BUILT_IN: dict[str, tuple[str, ...]] = {
    "kam-export": ("kam-export-financials", "kam-export-contacts"),
    "salesforce-accounts": ("salesforce-accounts",),
    "salesforce-contacts": ("salesforce-contacts",),
    "hubspot-companies": ("hubspot-companies",),
    "hubspot-contacts": ("hubspot-contacts",),
}
# `kam import opportunities`: the pipeline. `kam-export` here is the Pipeline sheet.
BUILT_IN_OPPORTUNITIES: dict[str, tuple[str, ...]] = {
    "kam-export": ("kam-export-opportunities",),
    "salesforce-opportunities": ("salesforce-opportunities",),
    "hubspot-deals": ("hubspot-deals",),
}
# What each `kam import` command reads, and its built-in mappings.
IMPORTS: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]]]] = {
    "accounts": (("financials", "contacts"), BUILT_IN),
    "opportunities": (("opportunities",), BUILT_IN_OPPORTUNITIES)}


def built_in_mapping(name: str) -> NamedMapping:
    """The built-in mapping of this name (a file in `kamlib/exchange/mappings/`)."""
    text = resources.files("kamlib.exchange").joinpath(f"mappings/{name}.yaml").read_text(encoding="utf-8")
    return NamedMapping(name, _mapping_from_source(_source_of_text(text, f"(built-in mapping {name})")))


def load_mappings(spec: str, what: str = "accounts") -> list[NamedMapping]:
    """`--mapping` of `kam import WHAT`: a built-in name (`salesforce-contacts`) or a mapping file
    of a kind that command reads."""
    kinds, built_in = IMPORTS[what]
    if spec in built_in:
        return [built_in_mapping(n) for n in built_in[spec]]
    path = Path(spec)
    if not path.is_file():
        other = next((w for w, (_, names) in IMPORTS.items() if w != what and spec in names), None)
        if other:
            raise UsageError(f"--mapping {spec}: a built-in mapping of {other}; use kam import {other}")
        raise UsageError(f"--mapping {spec}: no such file, and not a built-in mapping "
                         f"({', '.join(built_in)}){rules.suggest(spec, built_in)}")
    mapping = _mapping_from_source(read_yaml(path))
    if mapping.kind not in kinds:
        other = next(w for w, (k, _) in IMPORTS.items() if mapping.kind in k)
        raise UsageError(f"--mapping {spec}: a mapping of kind '{mapping.kind}', which kam import {what} does not "
                         f"read; use kam import {other}")
    return [NamedMapping(display_path(path), mapping)]


def _source_of_text(text: str, display: str) -> SourceFile:
    from ruamel.yaml import YAML

    return SourceFile(Path(display), display, YAML(typ="rt").load(text))


_MAPPING_MODELS: dict[str, type[Mapping]] = {
    "financials": FinancialsMapping, "contacts": ContactsMapping, "opportunities": OpportunitiesMapping}


def _mapping_from_source(source: SourceFile) -> Mapping:
    kind = source.data.get("kind") if hasattr(source.data, "get") else None
    model = _MAPPING_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        got = "nothing" if kind is None else repr(kind)
        raise InputError([source.problem(("kind",), "expected one of 'financials', 'contacts', 'opportunities', "
                                         f"got {got}")])
    mapping, problems = loader.validate_source(model, source)
    if problems:
        raise InputError(problems)
    assert mapping is not None
    if isinstance(mapping, OpportunitiesMapping):
        problems = _opportunity_mapping_problems(mapping, source)
        if problems:
            raise InputError(problems)
    return mapping


def _opportunity_mapping_problems(mapping: OpportunitiesMapping, source: SourceFile) -> list[Problem]:
    """An opportunities mapping needs a column to match rows by, and a stages table that says one thing per stage."""
    problems = []
    if mapping.columns.crm_id is None and mapping.columns.id is None:
        problems.append(source.problem(("columns",), "expected a crm_id or an id column (or both): rows are "
                                       "matched to the account's opportunities by them, else every import adds "
                                       "them again"))
    seen: dict[str, tuple[str, str]] = {}
    for name, stage in mapping.stages.items():
        key = stage_key(name)
        if not key:
            problems.append(source.problem(("stages", name), f"expected a stage name, got '{name}'"))
            continue
        first = seen.setdefault(key, (name, stage))
        if first[1] != stage:
            problems.append(source.problem(("stages", name), f"'{name}' is '{first[0]}' (compared without case, "
                                           f"spaces or punctuation), which is already {first[1]}; got {stage}"))
    return problems


def stage_key(name: str) -> str:
    """How stage names compare: "Closed Won", "closedwon" and "Closed-Won" are one stage."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^0-9a-z]+", "", text)


def stage_of(value: str, mapping: OpportunitiesMapping) -> str:
    """The workbook's stage for an export's stage cell; ValueError naming the stages the mapping knows."""
    table = {stage_key(k): v for k, v in mapping.stages.items()}
    key = stage_key(value)
    if key in table:
        return table[key]
    if key in STAGES:
        return key
    close = get_close_matches(key, list(table) + list(STAGES), n=1, cutoff=0.6)
    hint = ""
    if close:
        hint = f" (did you mean '{next((k for k in mapping.stages if stage_key(k) == close[0]), close[0])}'?)"
    known = "".join(f"'{k}', " for k in mapping.stages)
    raise ValueError(f"stage '{value}' is not one the mapping knows{hint} ({known}or the workbook's own "
                     f"{', '.join(STAGES)}); name it under stages: in a mapping file")


# --- reading the export -----------------------------------------------------------------------

@dataclass(frozen=True)
class RowProblem(Problem):
    """A cell of an export that cannot be imported: file (and sheet), row, column, what is wrong."""

    def __str__(self) -> str:
        where = f"{self.file}: row {self.line}" if self.line else self.file
        return f"{where}, column '{self.field}': {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class ExportTable:
    """The rows of one sheet (or CSV file) below its header row."""

    source: str
    columns: list[str]
    rows: list[tuple[int, dict[str, Any]]]
    footer_rows: int = 0

    def problem(self, row: int | None, column: str, message: str) -> RowProblem:
        """A problem with a cell of this table, naming its file (and sheet), row and column."""
        return RowProblem(self.source, row, column, message)


def sheet_names(path: Path) -> list[str | None]:
    """The sheets of an XLSX file, or [None] for a CSV file."""
    if not is_workbook(path):
        return [None]
    book = _workbook(path)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def is_workbook(path: Path) -> bool:
    """An XLSX workbook (by its name); anything else is read as CSV."""
    return path.suffix.lower() in (".xlsx", ".xlsm")


def _workbook(path: Path) -> Any:
    """The workbook, read-only (rows are streamed); the caller closes it."""
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise InputError([Problem(display_path(path), None, "", f"not a readable XLSX workbook ({err})")]) from None


def read_table(path: Path, sheet: str | None = None, header_row: int = 1, encoding: str = "utf-8-sig") -> ExportTable:
    """The header and rows of a CSV file or of one sheet of an XLSX workbook."""
    display = display_path(path)
    if not path.is_file():
        raise UsageError(f"{display}: file not found")
    if path.stat().st_size > MAX_EXPORT_BYTES:
        raise InputError([Problem(display, None, "", f"file is {path.stat().st_size:,} bytes; an export to import "
                                  f"must be under {MAX_EXPORT_BYTES:,} (split it, or filter the report)")])
    if not is_workbook(path):
        return _table(display, _csv_records(path, display, encoding), header_row)
    book = _workbook(path)
    try:
        name = sheet or book.sheetnames[0]
        if name not in book.sheetnames:
            raise InputError([Problem(display, None, "", f"no sheet '{name}'; the workbook has "
                                      f"{', '.join(repr(s) for s in book.sheetnames)}")])
        records = ((i, list(values)) for i, values in enumerate(book[name].iter_rows(values_only=True), start=1))
        return _table(f"{display} (sheet {name})", records, header_row)
    finally:
        book.close()


def _csv_records(path: Path, display: str, encoding: str) -> Any:
    data = path.read_bytes()
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        shown = "UTF-8" if encoding.lower().replace("_", "-") in ("utf-8-sig", "utf-8", "utf8") else encoding
        raise InputError([RowProblem(display, line, "", f"not {shown} text (byte 0x{data[err.start]:02x}); "
                                     "save the export as UTF-8, or name its encoding in a mapping "
                                     "(encoding: cp1252)")]) from None
    except LookupError:
        raise UsageError(f"encoding '{encoding}' is not known to Python") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for values in reader:
            yield start, values
            start = reader.line_num + 1
    except csv.Error as err:
        raise InputError([RowProblem(display, reader.line_num, "", f"CSV error: {err}")]) from None


def _table(source: str, records: Any, header_row: int) -> ExportTable:
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, Any]]] = []
    footer = 0
    ended = False
    for number, values in records:
        if header is None:
            if number == header_row:
                header = [_header_name(v) for v in values]
                while header and not header[-1]:
                    header.pop()
            continue
        empty = all(_blank(v) for v in values)
        if ended or empty:
            ended = ended or (empty and bool(rows))
            footer += 0 if empty else 1
            continue
        if len(rows) >= MAX_ROWS:
            raise InputError([RowProblem(source, number, "", f"more than {MAX_ROWS:,} rows; split the export")])
        rows.append((number, {name: values[i] if i < len(values) else None for i, name in enumerate(header) if name}))
    if header is None or not any(header):
        raise InputError([RowProblem(source, header_row, "", "no column names in this row (the header row; "
                                     "set header_row in a mapping if the names are lower down)")])
    return ExportTable(source, header, rows, footer)


def _header_name(value: Any) -> str:
    return "" if value is None else " ".join(str(value).replace("\ufeff", "").split())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- choosing a mapping -----------------------------------------------------------------------

def missing_columns(table: ExportTable, mapping: NamedMapping) -> list[str]:
    """The columns the mapping needs that the table's header row lacks."""
    present = set(table.columns)
    return [c for c in mapping.required_columns() if c not in present]


def detect(path: Path, tables: dict[str | None, ExportTable],
           what: str = "accounts") -> list[tuple[NamedMapping, ExportTable]]:
    """The built-in mapping(s) of `kam import WHAT` whose columns are all in the export; else a
    `UsageError` that names the missing columns for each built-in mapping and a mapping that would fit."""
    built_in = IMPORTS[what][1]
    found: list[tuple[NamedMapping, ExportTable]] = []
    for group in built_in.values():
        for name in group:
            mapping = built_in_mapping(name)
            sheet = mapping.mapping.sheet if mapping.mapping.sheet in tables else None
            table = tables.get(sheet) or (next(iter(tables.values())) if sheet is None else None)
            if table is not None and not missing_columns(table, mapping):
                found.append((mapping, table))
        if found:
            return found
    first = next(iter(tables.values()))
    lines = [f"{display_path(path)}: no built-in mapping fits its columns "
             f"({', '.join(repr(c) for c in first.columns if c)})"]
    for group in built_in.values():
        for name in group:
            mapping = built_in_mapping(name)
            lines.append(f"  {name}: missing {', '.join(repr(c) for c in missing_columns(first, mapping))}")
    lines.append("Write a mapping file for this export and pass it with --mapping FILE, e.g.:")
    lines.append(suggest_mapping(first, what))
    raise UsageError("\n".join(lines))


_FIELD_WORDS = {
    "account": ["account name", "account", "company name", "company", "customer", "customer name", "account id",
                "associated company"],
    "year": ["fiscal year", "year", "fy"],
    "revenue": ["revenue", "amount", "total revenue", "sales", "net sales"],
    "gross_margin": ["gross margin", "gross margin %", "margin", "gm %"],
    "cost_to_serve": ["cost to serve", "cost-to-serve", "service cost"],
    "wallet": ["wallet", "category wallet", "category spend", "total spend"],
    "name": ["full name", "name", "contact name", "contact"],
    "title": ["title", "job title", "position"],
    "last_contact": ["last activity", "last activity date", "last contacted", "last contact", "last meeting"],
    "opportunity_title": ["opportunity name", "deal name", "opportunity", "deal", "title", "name"],
    "opportunity_value": ["amount", "deal amount", "value", "opportunity amount", "expected revenue"],
    "probability": ["probability (%)", "probability", "deal probability", "win probability"],
    "stage": ["stage", "deal stage", "sales stage", "opportunity stage"],
    "close": ["close date", "expected close date", "closing date", "close"],
    "owner": ["opportunity owner", "deal owner", "owner", "sales rep", "account manager"],
    "crm_id": ["opportunity id", "record id", "deal id", "id"],
}


def suggest_mapping(table: ExportTable, what: str = "accounts") -> str:
    """A mapping file that fits the export's columns as well as their names allow (for
    `kam import WHAT`)."""
    columns = [c for c in table.columns if c]
    lowered = {c.lower(): c for c in columns}

    def best(fieldname: str) -> str:
        for word in _FIELD_WORDS[fieldname]:
            if word in lowered:
                return lowered[word]
        close = get_close_matches(_FIELD_WORDS[fieldname][0], list(lowered), n=1, cutoff=0.5)
        return lowered[close[0]] if close else f"TODO column for {fieldname}"

    if what == "opportunities":
        return "\n".join("    " + line for line in _suggest_opportunities(table, best))
    contacts = any(w in lowered for w in _FIELD_WORDS["last_contact"] + ["first name", "last name", "email"])
    out = ["kind: contacts" if contacts else "kind: financials", "account:",
           f"  column: {_quote(best('account'))}", "  match: name      # id | name", "columns:"]
    if contacts:
        if "first name" in lowered and "last name" in lowered:
            out.append(f"  name: [{_quote(lowered['first name'])}, {_quote(lowered['last name'])}]")
        else:
            out.append(f"  name: {_quote(best('name'))}")
        out += [f"  title: {_quote(best('title'))}", f"  last_contact: {_quote(best('last_contact'))}"]
    else:
        out += [f"  {f}: {_quote(best(f))}" for f in ("year", *FINANCIAL_FIELDS)]
    return "\n".join("    " + line for line in out)


def _suggest_opportunities(table: ExportTable, best: Any) -> list[str]:
    """An opportunities mapping: the columns by their names, and every stage the export uses
    with the workbook stage a built-in mapping gives it (TODO where none does)."""
    stage_column = best("stage")
    known: dict[str, str] = {}
    for names in BUILT_IN_OPPORTUNITIES.values():
        for name in names:
            mapping = built_in_mapping(name).mapping
            assert isinstance(mapping, OpportunitiesMapping)
            known.update({stage_key(k): v for k, v in mapping.stages.items()})
    stages: list[str] = []
    for _, values in table.rows:
        text = cell_text(values.get(stage_column))
        if text and text not in stages and len(stages) < 40:
            stages.append(text)
    probability = best("probability")
    out = ["kind: opportunities", "account:", f"  column: {_quote(best('account'))}",
           "  match: name      # id | name", "columns:",
           *(f"  {f}: {_quote(best('opportunity_' + f if f in ('title', 'value') else f))}"
             for f in ("crm_id", "title", "value", "probability", "stage", "close", "owner")),
           f"probability_unit: {'percent' if '%' in probability or 'percent' in probability.lower() else 'fraction'}"
           "   # percent: 40 is 40% | fraction: 0.4"]
    if stages:
        out.append("stages:           # the export's stages → identified | qualified | proposal | negotiation | won | lost")
        out += [f"  {_quote(s)}: {known.get(stage_key(s)) or (stage_key(s) if stage_key(s) in STAGES else 'TODO')}"
                for s in stages]
    return out


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


# --- cells → values ---------------------------------------------------------------------------

_CURRENCY = re.compile(r"^(?:[A-Z]{3}|[$€£¥₹])\s*|\s*(?:[A-Z]{3}|[$€£¥₹])$")


def parse_number(value: Any, decimal: str = ".") -> float | None:
    """A number as exports write it: 1234.5, "1,234.50", "GBP 1,234", "(1,234)", "31%" (→ 0.31).
    None for an empty cell; ValueError for anything else."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value}")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a number, got {value!r}")
    text = value.strip().replace("\u00a0", " ").replace("\u202f", " ")
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()").strip()
    text = _CURRENCY.sub("", text).strip()
    percent = text.endswith("%")
    text = text.rstrip("%").strip()
    thousands = "," if decimal == "." else "."
    integer = text.split(decimal, 1)[0]
    groups = re.split(r"[ '" + re.escape(thousands) + "]", integer)
    if len(groups) > 1 and not (re.fullmatch(r"[-+]?\d{1,3}", groups[0]) and all(re.fullmatch(r"\d{3}", g) for g in groups[1:])):
        # "1,5" read with decimal "." is not 15: it is a number written the other way
        raise ValueError(f"expected a number, got {value.strip()!r} (digit groups of three after a "
                         f"'{thousands}'; set decimal: \"{thousands}\" in a mapping if {thousands!r} is the decimal mark)")
    text = text.replace(" ", "").replace("'", "").replace(thousands, "")
    if decimal == ",":
        text = text.replace(",", ".")
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise ValueError(f"expected a number, got {value.strip()!r}")
    number = float(text)
    number = -number if negative else number
    return number / 100 if percent else number


def parse_fraction(value: Any, decimal: str = ".") -> float | None:
    """A margin: 0.31, "31%", "31.0 %". A bare 31 is refused: is it 31% or 3100%?"""
    number = parse_number(value, decimal)
    if number is None:
        return None
    written_as_percent = isinstance(value, str) and "%" in value
    if not written_as_percent and abs(number) > 1:
        raise ValueError(f"expected a fraction such as 0.31 or a percentage such as 31%, got {_shown(value)}")
    return number


def parse_probability(value: Any, unit: str = "fraction", decimal: str = ".") -> float | None:
    """A probability as 0..1: 0.4 or "40%"; a bare 40 is 40% when `unit` is "percent" and refused
    when it is "fraction" (as a margin of 31 is). None for an empty cell."""
    number = parse_number(value, decimal)
    if number is None:
        return None
    if not (isinstance(value, str) and "%" in value):
        if unit == "percent":
            number = number / 100
        elif abs(number) > 1:
            raise ValueError(f"expected a probability such as 0.4 or 40%, got {_shown(value)} (if the export "
                             "writes percentages without %, set probability_unit: percent in a mapping)")
    if not 0 <= number <= 1:
        raise ValueError(f"must be between 0% and 100%, got {number:.0%}")
    return round(number, 10)


def parse_year(value: Any) -> int | None:
    """A year: 2026, "FY2026", 2026.0 or a date cell (None for an empty cell); ValueError otherwise."""
    if _blank(value):
        return None
    if isinstance(value, (datetime, date)):
        return value.year
    text = str(value).strip()
    match = re.fullmatch(r"(?:FY\s*)?(\d{4})(?:\.0)?", text, flags=re.IGNORECASE)
    if not match or not 1900 <= int(match.group(1)) <= 2200:
        raise ValueError(f"expected a year such as 2026, got {_shown(value)}")
    return int(match.group(1))


def parse_date(value: Any, date_format: str | None = None) -> date | None:
    """A date: an XLSX date cell, YYYY-MM-DD (a time after it is dropped), or `date_format`."""
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    iso = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[ T].*)?$", text)
    try:
        if iso:
            return date.fromisoformat(iso.group(1))
        if date_format:
            return datetime.strptime(text.split(" ")[0] if " " not in date_format else text, date_format).date()
    except ValueError:
        pass
    expected = f"a date as {date_format} or YYYY-MM-DD" if date_format else "a date as YYYY-MM-DD (or set date_format in a mapping)"
    raise ValueError(f"expected {expected}, got {_shown(value)}")


def _shown(value: Any) -> str:
    text = str(value).strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")


def cell_text(value: Any) -> str:
    """A cell as text: empty for a blank cell, 12.0 as "12", runs of whitespace as one space."""
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


# --- matching an export's accounts and contacts to ours ---------------------------------------

def name_key(name: str) -> str:
    """How names are compared: accents, case, punctuation and legal forms do not matter."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace(".", "")
    words = re.sub(r"[^0-9a-z]+", " ", text).split()
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        words.pop()
    return " ".join(words)


HONORIFICS = {"dr", "prof", "mr", "mrs", "ms", "mx", "sir", "dame", "ing", "mag", "dipl"}


def person_key(name: str) -> str:
    """How people are compared: as `name_key`, and "Dr. Katrin Vogel" is "Katrin Vogel"."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace(".", " ")
    words = re.sub(r"[^0-9a-z]+", " ", text).split()
    while len(words) > 1 and words[0] in HONORIFICS:
        words.pop(0)
    return " ".join(words)


@dataclass
class AccountIndex:
    """Our accounts by id and by name key, for matching an export's account column."""

    ids: set[str]
    by_name: dict[str, list[str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, accounts: dict[str, str]) -> AccountIndex:
        """The index of accounts given as id → name; an account is found by its name or by its id read as words."""
        index = cls(set(accounts))
        for account_id, name in accounts.items():
            index.names[account_id] = name
            for key in {name_key(name), name_key(account_id.replace("-", " "))}:
                index.by_name.setdefault(key, []).append(account_id)
        return index

    def match(self, value: str, mapping: Mapping) -> str:
        """The account id for an export's account cell; ValueError saying why there is none."""
        if value in mapping.accounts:
            return mapping.accounts[value]
        if mapping.account.match == "id":
            if value in self.ids:
                return value
            raise ValueError(f"no account with id '{value}'{rules.suggest(value, self.ids)}")
        found = sorted(set(self.by_name.get(name_key(value), [])))
        if len(found) == 1:
            return found[0]
        if found:
            raise ValueError(f"'{value}' matches several accounts ({', '.join(found)}); name the one it is "
                             "in the mapping's accounts: section")
        close = get_close_matches(name_key(value), list(self.by_name), n=1, cutoff=0.75)
        hint = f" (did you mean '{self.names[self.by_name[close[0]][0]]}'?)" if close else ""
        raise ValueError(f"no account named '{value}' in the portfolio{hint}")
