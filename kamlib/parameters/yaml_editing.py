"""Changing an account file in place: comments, key order and formatting elsewhere are kept.

Every change goes the same way: read the file with ruamel's round-trip loader, apply the change
to that tree, render the new text, validate it exactly as `kam validate` would (the same
messages, naming the field), and only then write it — to a temporary file in the same folder,
renamed over the original, with the previous content kept as `<id>.yaml.bak`. A change that
does not validate writes nothing and raises `InputError` with the problems.
"""

from __future__ import annotations

import difflib
import io
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from kamlib.errors import InputError, UsageError
from kamlib.parameters import loader
from kamlib.parameters.atomic import write_atomically
from kamlib.parameters.model import Account
from kamlib.parameters.yaml_source import display_path

BACKUP_SUFFIX = ".bak"


@dataclass(frozen=True)
class Change:
    """The result of a change: the new text, a unified diff, and whether it was written."""

    path: Path
    before: str
    after: str
    written: bool

    @property
    def diff(self) -> str:
        """The change as a unified diff of the file, before and after."""
        return "".join(difflib.unified_diff(self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
                                            fromfile=f"{display_path(self.path)} (before)",
                                            tofile=f"{display_path(self.path)} (after)"))


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1_000_000  # never re-wrap a long line the user wrote on one line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _detect_indent(text: str) -> tuple[int, int]:
    """(sequence indent, dash offset) as the file writes its lists: `- x` under a key at +0 or +2."""
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        stripped = line.rstrip()
        if stripped.endswith(":") and not stripped.lstrip().startswith("#"):
            nxt = lines[i + 1]
            if nxt.lstrip().startswith("- "):
                offset = (len(nxt) - len(nxt.lstrip())) - (len(line) - len(line.lstrip()))
                return offset + 2, offset
    return 4, 2


def change_account(params_dir: Path, account_id: str, edit: Callable[[CommentedMap], None],
                   write: bool = True) -> Change:
    """Apply `edit` to the account file's round-trip tree; validate; write atomically with a backup.

    Raises `InputError` (nothing written) if the changed file does not validate.
    """
    params_dir = Path(params_dir)
    path = loader.account_path(params_dir, account_id)
    if not path.is_file():
        raise UsageError(f"no account file {display_path(path)}")
    change = edited(params_dir, account_id, path.read_text(encoding="utf-8-sig"), edit)
    if write:
        return write_change(change)
    return change


def edited(params_dir: Path, account_id: str, before: str, edit: Callable[[CommentedMap], None]) -> Change:
    """The validated result of `edit` on an account file's text (`before`), not yet written.

    `before` may be the text of a file that does not exist yet (a new account from a template).
    """
    path = loader.account_path(Path(params_dir), account_id)
    yaml = _yaml()
    sequence, offset = _detect_indent(before)
    yaml.indent(mapping=2, sequence=sequence, offset=offset)
    tree = yaml.load(before)
    edit(tree)
    buffer = io.StringIO()
    yaml.dump(tree, buffer)
    after = buffer.getvalue()
    _validate(Path(params_dir), path, account_id, after)
    return Change(path, before if path.exists() else "", after, False)


def write_change(change: Change) -> Change:
    """Write a validated change atomically (a changed file keeps its old text as `.bak`)."""
    if change.after == change.before:
        return change
    _write_with_backup(change.path, change.after)
    return Change(change.path, change.before, change.after, True)


def _validate(params_dir: Path, path: Path, account_id: str, text: str) -> Account:
    """Validate the new text as the file it will become (same messages and line numbers)."""
    known = set(loader.account_ids(params_dir)) | {account_id}
    with tempfile.TemporaryDirectory(prefix="kam-check-") as tmp:
        candidate = Path(tmp) / path.name
        candidate.write_text(text, encoding="utf-8")
        account, problems = loader.load_account_file(candidate, known, file_id=account_id)
    if problems:
        shown = display_path(path)
        raise InputError([p.__class__(shown, p.line, p.field, p.message) for p in problems])
    assert account is not None
    return account


def _write_with_backup(path: Path, text: str) -> None:
    """Keep the old text as `<name>.bak`, then replace the file in one step (its permissions kept)."""
    if path.exists():
        shutil.copy2(path, path.with_name(path.name + BACKUP_SUFFIX))
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text)


# --- the changes the workbook makes ---------------------------------------------------------

def add_assessment(params_dir: Path, account_id: str, assessment: dict[str, Any], write: bool = True) -> Change:
    """Add a scorecard assessment (or replace the one with the same date)."""
    def edit(tree: CommentedMap) -> None:
        card = tree.setdefault("scorecard", [])
        entry = CommentedMap()
        entry["date"] = assessment["date"]
        entry["customer"] = CommentedMap(assessment["customer"])
        entry["supplier"] = CommentedMap(assessment["supplier"])
        entry["evidence"] = assessment["evidence"]
        for i, existing in enumerate(card):
            if str(existing.get("date")) == str(assessment["date"]):
                card[i] = entry
                return
        later = [i for i, existing in enumerate(card) if str(existing.get("date")) > str(assessment["date"])]
        card.insert(later[0] if later else len(card), entry)

    return change_account(params_dir, account_id, edit, write)


PROJECT_KEYS = ("id", "title", "strategy", "owner", "customer_owner", "start", "due", "status", "shared")


def upsert_project(params_dir: Path, account_id: str, project: dict[str, Any], write: bool = True) -> Change:
    """Update the project with this id (only the keys given), or add it at the end."""
    def edit(tree: CommentedMap) -> None:
        projects = tree["joint_plan"].setdefault("projects", [])
        for existing in projects:
            if str(existing.get("id")) == str(project["id"]):
                for key in PROJECT_KEYS:
                    if key in project and existing.get(key) != project[key]:
                        existing[key] = project[key]
                return
        entry = CommentedMap()
        for key in PROJECT_KEYS:
            if key in project:
                entry[key] = project[key]
        projects.append(entry)

    return change_account(params_dir, account_id, edit, write)
