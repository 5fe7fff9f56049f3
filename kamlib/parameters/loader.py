"""Loading and validating the parameter files: `portfolio.yaml` and `accounts/<id>.yaml`.

Every mistake becomes one `Problem` naming file, line and field; all problems of all files
are gathered before an `InputError` is raised, so the user fixes them in one pass.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kamlib.errors import InputError, Problem, UsageError
from kamlib.parameters import rules
from kamlib.parameters.model import SLUG_PATTERN, Account, PortfolioSettings
from kamlib.parameters.yaml_source import MAX_FILE_BYTES, SourceFile, TooManyDigits, display_path, read_yaml

PORTFOLIO_FILE = "portfolio.yaml"
ACCOUNTS_DIR = "accounts"
M = TypeVar("M", bound=BaseModel)

_TYPE_NAMES = {
    "int_type": "an integer", "int_from_float": "an integer", "float_type": "a number",
    "string_type": "text", "bool_type": "true or false", "date_type": "a date (YYYY-MM-DD)",
    "list_type": "a list", "dict_type": "a mapping of keys", "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys", "date_from_datetime_inexact": "a date (YYYY-MM-DD)",
}


@dataclass(frozen=True)
class Portfolio:
    """The supplier's settings and every account of the portfolio, validated."""

    settings: PortfolioSettings
    accounts: dict[str, Account] = field(default_factory=dict)
    params_dir: Path = Path("parameters")
    left_out: dict[str, int] = field(default_factory=dict)  # accounts not filled in: id → values marked TODO

    def planning_date(self, as_of: date | str | None = None) -> date:
        """The planning date: `as_of` if given (a date or YYYY-MM-DD), else the portfolio's `as_of`."""
        return parse_as_of(as_of) or self.settings.as_of

    def filled_in(self) -> Portfolio:
        """The portfolio whose plans are published: the accounts with no value still marked TODO
        (`rules.todo_marks`); the others are in `left_out`, with how many values are marked."""
        marks = {i: len(rules.todo_marks(a)) for i, a in self.accounts.items()}
        return Portfolio(self.settings, {i: a for i, a in self.accounts.items() if not marks[i]}, self.params_dir,
                         {**self.left_out, **{i: n for i, n in marks.items() if n}})


def parse_as_of(value: date | str | None) -> date | None:
    """A planning date given as a date, an ISO string, or None (the portfolio's `as_of`)."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"as_of: expected a date (YYYY-MM-DD), got '{value}'") from None


def check_account_id(account_id: str) -> str:
    """An id is a slug: this also keeps `../` and absolute paths out of file names."""
    if not isinstance(account_id, str) or not re.match(SLUG_PATTERN, account_id):
        raise UsageError(f"account id: expected a lower-case slug of 2-64 characters [a-z0-9-], got '{account_id}'")
    return account_id


def account_path(params_dir: Path, account_id: str) -> Path:
    """`accounts/<id>.yaml` in the parameters folder; a `UsageError` for an id that is not a slug."""
    return Path(params_dir) / ACCOUNTS_DIR / f"{check_account_id(account_id)}.yaml"


def account_ids(params_dir: Path) -> list[str]:
    """The ids of the portfolio's accounts, from the file names (no file is read)."""
    folder = Path(params_dir) / ACCOUNTS_DIR
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml") if not p.name.startswith("."))


def validate_source(model: type[M], source: SourceFile) -> tuple[M | None, list[Problem]]:
    """The model built from a parsed file, or the problems with it (file, line, field, message)."""
    try:
        return model.model_validate(source.data), []
    except ValidationError as err:
        problems = [source.problem(e["loc"], _message(e, model)) for e in err.errors()]
        return None, sorted(problems, key=lambda p: p.line or 0)


def _message(error: Any, model: type[BaseModel]) -> str:
    kind, loc, got = error["type"], error["loc"], error.get("input")
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        parent = _keys_at(model, loc[:-1])
        hint = rules.suggest(str(loc[-1]), parent) if parent else ""
        return f"unknown key{hint}"
    if kind == "literal_error":
        return f"expected one of {error['ctx']['expected'].replace(' or ', ', ')}, got {_show(got)}"
    if kind in ("range", "string_pattern_mismatch") or kind.startswith("string_too"):
        if kind == "string_pattern_mismatch":
            return f"expected {_PATTERN_NAMES.get(error['ctx']['pattern'], 'text matching ' + error['ctx']['pattern'])}, got {_show(got)}"
        if kind == "string_too_short":
            return "expected text, got an empty value"
        if kind == "string_too_long":
            return (f"text of {len(got):,} characters; at most {error['ctx']['max_length']:,} are allowed here "
                    "(keep long material in a document and refer to it)")
        return error["msg"]
    if kind == "too_short":
        least = error["ctx"]["min_length"]
        return f"expected at least {least} {'item' if least == 1 else 'items'}, got {_count(got)}"
    if kind in _TYPE_NAMES:
        return f"expected {_TYPE_NAMES[kind]}, got {_show(got)}"
    return f"{error['msg']}, got {_show(got)}"


_PATTERN_NAMES = {
    SLUG_PATTERN: "a lower-case slug of 2-64 characters [a-z0-9-]",
    r"^[A-Z]{2}$": "an ISO 3166 alpha-2 country code (e.g. GB)",
    r"^[A-Z]{3}$": "an ISO 4217 currency code (e.g. GBP)",
    r"^[a-z][a-z0-9_]*$": "a lower-case name [a-z0-9_]",
}


def _count(value: Any) -> int:
    return len(value) if isinstance(value, (list, dict)) else 0


def _show(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, TooManyDigits):
        return repr(value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) > 30:
        return f"a number of {len(str(abs(value))):,} digits"
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return repr(text)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _keys_at(model: Any, loc: tuple) -> list[str]:
    """The keys the format allows at `loc`, for "did you mean" hints."""
    for part in loc:
        if isinstance(part, int):
            continue
        info = getattr(model, "model_fields", {}).get(part)
        if info is None:
            return []
        model = _inner_model(info.annotation)
        if model is None:
            return []
    return list(getattr(model, "model_fields", {}))


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


# Parsed files by content: a batch reads every file for validation, then again per job, and
# YAML parsing is most of the cost of a run with nothing to do. Callers get their own copy.
_PARSED: dict[tuple[Any, ...], tuple[Any, list[Problem]]] = {}
_PARSED_LIMIT = 1024


def forget_parsed() -> None:
    """Drop the memo of parsed files: a long-lived process (a cluster worker) keeps no account's
    data from one job to the next."""
    _PARSED.clear()


def _memo(kind: str, path: Path, extra: tuple[Any, ...], parse: Callable[[], tuple[M | None, list[Problem]]],
          ) -> tuple[M | None, list[Problem]]:
    try:
        data = path.read_bytes() if path.is_file() and path.stat().st_size <= MAX_FILE_BYTES else None
    except OSError:
        data = None
    if data is None:
        return parse()
    key = (kind, display_path(path), path.stem, hashlib.sha256(data).digest(), *extra)
    if key not in _PARSED:
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        _PARSED[key] = parse()
    model, problems = _PARSED[key]
    return (model.model_copy(deep=True) if model is not None else None), list(problems)


def load_settings_file(path: Path) -> tuple[PortfolioSettings | None, list[Problem]]:
    """Parse and validate a `portfolio.yaml`; returns the settings or the problems."""
    return _memo("settings", Path(path), (), lambda: _load_settings_file(Path(path)))


def _load_settings_file(path: Path) -> tuple[PortfolioSettings | None, list[Problem]]:
    try:
        source = read_yaml(path)
    except InputError as err:
        return None, err.problems
    settings, problems = validate_source(PortfolioSettings, source)
    if settings is not None:
        problems = [source.problem(loc, msg) for loc, msg in rules.check_portfolio(settings)]
    return (settings if not problems else None), problems


def load_account_file(path: Path, known_ids: set[str] | None = None,
                      file_id: str | None = None) -> tuple[Account | None, list[Problem]]:
    """Parse and validate one account file; the id must equal the file name (or `file_id`,
    for a copy kept under another name)."""
    path = Path(path)
    references = frozenset(known_ids) if known_ids is not None else None
    return _memo("account", path, (references, file_id), lambda: _load_account_file(path, known_ids, file_id))


def _load_account_file(path: Path, known_ids: set[str] | None,
                       file_id: str | None) -> tuple[Account | None, list[Problem]]:
    try:
        source = read_yaml(path)
    except InputError as err:
        return None, err.problems
    account, problems = validate_source(Account, source)
    if account is not None:
        problems = [source.problem(loc, msg) for loc, msg in rules.check_account(account, file_id or path.stem, known_ids)]
    return (account if not problems else None), problems


def outside_links(params_dir: Path, paths: list[Path]) -> list[Problem]:
    """Files that are symbolic links to somewhere outside the parameters folder: refused, so a
    run reads only what lies in the folder it was given (and `kam import` writes only there)."""
    root = Path(params_dir).resolve()
    found = []
    for path in paths:
        if path.is_symlink() or (path.parent.is_symlink()):
            target = path.resolve()
            if not target.is_relative_to(root):
                found.append(Problem(display_path(path), None, "", f"is a symbolic link to {target}, outside the "
                                     f"parameters folder {display_path(root)}; copy the file in instead"))
    return found


def _refuse_outside_links(params_dir: Path, *paths: Path) -> None:
    problems = outside_links(params_dir, list(paths))
    if problems:
        raise InputError(problems)


def load_settings(params_dir: Path) -> PortfolioSettings:
    """The supplier's settings; raises `InputError` if the file is missing or wrong."""
    _refuse_outside_links(params_dir, Path(params_dir) / PORTFOLIO_FILE)
    settings, problems = load_settings_file(Path(params_dir) / PORTFOLIO_FILE)
    if problems:
        raise InputError(problems)
    assert settings is not None
    return settings


def load_account(params_dir: Path, account_id: str, check_references: bool = True) -> Account:
    """One account, read from its own file only (a plan job never reads another account).

    `competes_with` ids are checked against the file names of the portfolio, which reveals
    no other account's content.
    """
    path = account_path(Path(params_dir), account_id)
    if not path.is_file():
        known = account_ids(params_dir)
        raise UsageError(f"no account '{account_id}' in {display_path(path.parent)}{rules.suggest(account_id, known)}")
    _refuse_outside_links(params_dir, path)
    known_ids = set(account_ids(params_dir)) if check_references else None
    account, problems = load_account_file(path, known_ids)
    if problems:
        raise InputError(problems)
    assert account is not None
    return account


def load_portfolio(params_dir: Path) -> Portfolio:
    """The settings and every account; all problems of all files are raised together."""
    params_dir = Path(params_dir)
    ids = account_ids(params_dir)
    _refuse_outside_links(params_dir, params_dir / PORTFOLIO_FILE,
                          *(params_dir / ACCOUNTS_DIR / f"{i}.yaml" for i in ids))
    settings, problems = load_settings_file(params_dir / PORTFOLIO_FILE)
    accounts: dict[str, Account] = {}
    for account_id in ids:
        account, found = load_account_file(params_dir / ACCOUNTS_DIR / f"{account_id}.yaml", set(ids))
        problems += found
        if account is not None:
            accounts[account_id] = account
    problems += _stray_files(params_dir)
    if problems:
        raise InputError(problems)
    assert settings is not None
    return Portfolio(settings, accounts, params_dir)


def _stray_files(params_dir: Path) -> list[Problem]:
    """`.yml` files in accounts/ would be silently left out of every run: say so."""
    return [Problem(display_path(stray), None, "", f"account files must end in .yaml; rename it to {stray.stem}.yaml")
            for stray in sorted((Path(params_dir) / ACCOUNTS_DIR).glob("*.yml"))]


def validate_paths(paths: list[Path]) -> tuple[int, list[Problem]]:
    """Check parameter files or folders (a folder holds portfolio.yaml and accounts/).

    Returns the number of files checked and every problem found.
    """
    problems: list[Problem] = []
    checked = 0
    for path in paths:
        if path.is_dir():
            settings_file = path / PORTFOLIO_FILE
            ids = account_ids(path)
            if not settings_file.exists() and not ids and path.name == ACCOUNTS_DIR:
                found, more = validate_paths(sorted(path.glob("*.yaml")))
                checked += found
                problems += more
                continue
            problems += outside_links(path, [settings_file, *(path / ACCOUNTS_DIR / f"{i}.yaml" for i in ids)])
            problems += load_settings_file(settings_file)[1]
            checked += 1
            for account_id in ids:
                problems += load_account_file(path / ACCOUNTS_DIR / f"{account_id}.yaml", set(ids))[1]
                checked += 1
            problems += _stray_files(path)
        elif path.name == PORTFOLIO_FILE and path.parent.name != ACCOUNTS_DIR:
            problems += load_settings_file(path)[1]
            checked += 1
        else:
            known = set(account_ids(path.parent.parent)) if path.parent.name == ACCOUNTS_DIR else None
            if known is not None and path.stem not in known:
                known = None
            problems += load_account_file(path, known)[1]
            checked += 1
    return checked, problems
