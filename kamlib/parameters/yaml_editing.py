"""Changing an account file in place: comments, key order and formatting elsewhere are kept.

Every change goes the same way: read the file with ruamel's round-trip loader, apply the change
to that tree, render the new text, validate it exactly as `kam validate` would (the same
messages, naming the field), and only then write it — to a temporary file in the same folder,
renamed over the original, with the previous content kept as `<id>.yaml.bak`. A change that
does not validate writes nothing and raises `InputError` with the problems.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import io
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

from kamlib.errors import InputError, UsageError
from kamlib.parameters import loader, rules
from kamlib.parameters.atomic import write_atomically
from kamlib.parameters.model import Account
from kamlib.parameters.yaml_source import SourceFile, display_path

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
    return change_account(params_dir, account_id, assessment_edit(assessment), write)


def assessment_edit(assessment: dict[str, Any]) -> Callable[[CommentedMap], None]:
    """The change that adds an assessment (or replaces the one of its date), oldest first; its
    whole-number scores written as whole numbers."""
    def edit(tree: CommentedMap) -> None:
        card = tree.setdefault("scorecard", [])
        entry = to_node({key: assessment[key] for key in ("date", "customer", "supplier", "evidence")})
        for i, existing in enumerate(card):
            if str(existing.get("date")) == str(assessment["date"]):
                card[i] = merge(existing, assessment)
                return
        later = [i for i, existing in enumerate(card) if str(existing.get("date")) > str(assessment["date"])]
        card.insert(later[0] if later else len(card), entry)

    return edit


PROJECT_KEYS = ("id", "title", "strategy", "owner", "customer_owner", "start", "due", "status", "shared")


def upsert_project(params_dir: Path, account_id: str, project: dict[str, Any], write: bool = True) -> Change:
    """Update the project with this id (only the keys given), or add it at the end."""
    return change_account(params_dir, account_id, project_edit(project), write)


def project_edit(project: dict[str, Any]) -> Callable[[CommentedMap], None]:
    """The change that updates the project of this id (only the keys given) or adds it at the end."""
    def edit(tree: CommentedMap) -> None:
        projects = tree["joint_plan"].setdefault("projects", [])
        for existing in projects:
            if str(existing.get("id")) == str(project["id"]):
                for key in PROJECT_KEYS:
                    if key in project and existing.get(key) != project[key]:
                        existing[key] = _scalar(project[key], existing.get(key))
                return
        projects.append(to_node({key: project[key] for key in PROJECT_KEYS if key in project}))

    return edit


# --- whole sections, as the section editors change them ----------------------------------------
#
# A section editor sends a section's new value as plain data (mappings, lists, text, numbers,
# dates; a key left out or None is not written). `set_section` changes the round-trip tree only
# where the value differs: an unchanged value keeps its node (its quotes, `0.30`, a folded text,
# its end-of-line comment), a changed mapping keeps its keys' comments, and a list is matched
# item by item (by id, name, criterion, unit, year or date, else by content) so that editing one
# item rewrites that item's lines only. A whole number is written as one (a score of 4 stays
# `4`, never `4.0`), dates stay dates.

IDENTITY_KEYS = ("id", "name", "criterion", "unit", "year", "date")
NUMBER_TYPES = (int, float)


class StaleFile(UsageError):
    """The account file changed on disk since the editor loaded it; nothing was written."""

    def __init__(self, path: Path):
        self.path = Path(path)
        super().__init__(f"{display_path(path)} changed on disk since this editor loaded it (another editor, "
                         "kam import or a git pull); nothing was saved. Reload to see the file as it is now, "
                         "then make your change again.")

    def __reduce__(self) -> tuple[Any, ...]:  # pickles whole, as every error of the workbook
        return type(self), (self.path,)


def fingerprint(text: str) -> str:
    """The SHA-256 of a file's text: what an editor remembers of the file it loaded."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise UsageError(f"no account file {display_path(path)}")
    return path.read_bytes().decode("utf-8-sig")


def to_node(value: Any, like: Any = None) -> Any:
    """Plain data as round-trip nodes; a whole float becomes an int; `like` (an existing sibling)
    lends its flow style (`{us: 3, ...}`) to the nested mappings and lists of the same keys."""
    if isinstance(value, dict):
        node = CommentedMap()
        for key, item in value.items():
            if item is not None:
                node[key] = to_node(item, like.get(key) if isinstance(like, dict) else None)
        _same_style(node, like)
        return node
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq(to_node(item, like[0] if isinstance(like, list) and like else None) for item in value)
        _same_style(seq, like)
        return seq
    return _scalar(value)


def _same_style(node: Any, like: Any) -> None:
    if isinstance(like, (CommentedMap, CommentedSeq)) and like.fa.flow_style():
        node.fa.set_flow_style()


def _scalar(value: Any, old: Any = None) -> Any:
    if isinstance(value, bool) or not isinstance(value, NUMBER_TYPES + (str,)):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, str):
        text = value
        if isinstance(old, (FoldedScalarString, LiteralScalarString)):
            kept = type(old)(text + ("\n" if str(old).endswith("\n") else ""))
            if isinstance(kept, FoldedScalarString):
                kept.fold_pos = _folds(text)  # type: ignore[attr-defined]
            return kept
        if "\n" in text:
            return LiteralScalarString(text)
    return value


FOLD_WIDTH = 84  # a folded text (`>`) changed by an editor is folded again at about this width


def _folds(text: str, width: int = FOLD_WIDTH) -> list[int]:
    """Where a folded text breaks its lines: the spaces at which a line would pass `width`."""
    folds, line_start, last_space = [], 0, -1
    for i, ch in enumerate(text):
        if ch == "\n":
            line_start, last_space = i + 1, -1
        elif ch == " " and i + 1 < len(text) and text[i + 1] != " " and i > 0 and text[i - 1] != " ":
            if i - line_start > width and last_space > line_start:
                folds.append(last_space)
                line_start = last_space + 1
            last_space = i
    if len(text) - line_start > width and last_space > line_start:
        folds.append(last_space)
    return folds


def _same(old: Any, new: Any) -> bool:
    """Whether a scalar node already says `new` (text compared as the model reads it: stripped)."""
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool) and bool(old) == bool(new)
    if isinstance(old, str) and isinstance(new, str):
        return str(old).strip() == new.strip()
    if isinstance(old, NUMBER_TYPES) and isinstance(new, NUMBER_TYPES):
        return float(old) == float(new)
    return type(old) is type(new) and old == new


def _identity(item: Any) -> str:
    if isinstance(item, dict):
        for key in IDENTITY_KEYS:
            if item.get(key) is not None:
                return f"{key}={item[key]}"
    return json.dumps(_plain_data(item), sort_keys=True, default=str)


def _plain_data(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain_data(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain_data(v) for v in node]
    if isinstance(node, str):
        return str(node).strip()
    if isinstance(node, float) and node.is_integer():
        return int(node)
    return node


def merge(old: Any, new: Any) -> Any:
    """`new` in place of `old`, reusing `old`'s nodes (and so its comments and style) where they
    still hold; returns the node to put where `old` was (`old` itself when it could be changed in place)."""
    if isinstance(new, dict) and isinstance(old, CommentedMap):
        for key in [k for k in old if new.get(k) is None]:
            del old[key]
        for position, (key, value) in enumerate((k, v) for k, v in new.items() if v is not None):
            if key in old:
                merged = merge(old[key], value)
                if merged is not old[key]:
                    old[key] = merged
            else:
                old.insert(min(position, len(old)), key, to_node(value))
        return old
    if isinstance(new, (list, tuple)) and isinstance(old, CommentedSeq):
        _merge_list(old, list(new))
        return old
    if isinstance(new, (dict, list, tuple)) or isinstance(old, (CommentedMap, CommentedSeq)):
        return to_node(new)
    return old if _same(old, new) else _scalar(new, old)


def _merge_list(old: CommentedSeq, new: list[Any]) -> None:
    """Match items by identity (else content); merge the matched ones, drop and insert the rest."""
    matcher = difflib.SequenceMatcher(None, [_identity(x) for x in old], [_identity(x) for x in new],
                                      autojunk=False)
    like = old[0] if len(old) else None
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
        paired = min(i2 - i1, j2 - j1) if tag in ("equal", "replace") else 0
        for k in range(paired):
            merged = merge(old[i1 + k], new[j1 + k])
            if merged is not old[i1 + k]:
                old[i1 + k] = merged
        for i in reversed(range(i1 + paired, i2)):
            _delete_item(old, i)
        for offset, j in enumerate(range(j1 + paired, j2)):
            old.insert(i1 + paired + offset, to_node(new[j], like))


def _delete_item(seq: CommentedSeq, index: int) -> None:
    """Delete one item; the blank line or comment that followed the list's last item moves to the new last."""
    trailing = _eol(*_last_line(seq[index], seq, index)) if index == len(seq) - 1 and index > 0 else None
    del seq[index]
    if trailing is not None:
        holder, key = _last_line(seq[-1], seq, len(seq) - 1)
        if _eol(holder, key) is None:
            _set_eol(holder, key, trailing)


def _last_line(node: Any, parent: Any, key: Any) -> tuple[Any, Any]:
    """The container and key (or index) of the scalar on a node's last line, where ruamel keeps
    the comment or blank line that follows the node."""
    while isinstance(node, (CommentedMap, CommentedSeq)) and len(node):
        parent, key = node, (list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1)
        node = parent[key]
    return parent, key


def _eol(holder: Any, key: Any) -> Any:
    entry = holder.ca.items.get(key)
    if not entry:
        return None
    return entry[2] if isinstance(holder, CommentedMap) else entry[0]


def _set_eol(holder: Any, key: Any, token: Any) -> None:
    holder.ca.items[key] = [None, None, token, None] if isinstance(holder, CommentedMap) else [token, None, None, None]


def _blank_line_after(node: Any, parent: Any, key: Any) -> None:
    """A blank line after a section added to the file, as between the file's other sections."""
    holder, last = _last_line(node, parent, key)
    if _eol(holder, last) is None and not str(holder[last]).endswith("\n"):
        _set_eol(holder, last, CommentToken("\n\n", CommentMark(0), None))


def set_section(tree: CommentedMap, path: tuple[str, ...], value: Any) -> None:
    """Put `value` at `path` (e.g. `("joint_plan", "projects")`) in an account file's tree, changing
    only what differs; None (or an empty list for a section the file leaves out) removes or skips it.
    A section the file did not have is placed in the format's order."""
    if not path:  # the whole file (the account section: its name, industry ... beside every other key)
        merge(tree, value)
        return
    parent = tree
    key = path[-1]
    empty = value is None or (isinstance(value, (list, dict)) and not value)
    for step in path[:-1]:
        if step not in parent:  # a section inside one the file leaves out (the governance's decisions)
            if empty:
                return
            raise UsageError(f"{step}: fill in this section first, then {'.'.join(path)}")
        parent = parent[step]
    if key not in parent:
        if not empty:
            position = _position(parent, path)
            parent.insert(position, key, to_node(value))
            if len(path) == 1 and position < len(parent) - 1:
                _blank_line_after(parent[key], parent, key)
        return
    if value is None or (empty and not _required(path) and parent[key]):
        del parent[key]  # an optional section emptied leaves the file (one the file wrote empty stays)
        return
    merged = merge(parent[key], value)
    if merged is not parent[key]:
        parent[key] = merged


def _position(parent: CommentedMap, path: tuple[str, ...]) -> int:
    """Where a new key goes: after the keys the format puts before it."""
    model: Any = Account
    for key in path[:-1]:
        model = _field_model(model, key)
    order = list(getattr(model, "model_fields", {}))
    if path[-1] not in order:
        return len(parent)
    before = set(order[: order.index(path[-1])])
    existing = list(parent)
    last = max((i for i, k in enumerate(existing) if k in before), default=-1)
    return last + 1


def _required(path: tuple[str, ...]) -> bool:
    """Whether the format requires the key at `path` (an empty list is written then: `environment: []`)."""
    model: Any = Account
    for key in path[:-1]:
        model = _field_model(model, key)
    info = getattr(model, "model_fields", {}).get(path[-1])
    return info is None or info.is_required()


def _field_model(model: Any, key: str) -> Any:
    from typing import get_args

    annotation = model.model_fields[key].annotation
    stack = [annotation]
    while stack:
        candidate = stack.pop()
        if isinstance(candidate, type) and hasattr(candidate, "model_fields"):
            return candidate
        stack.extend(get_args(candidate))
    return None


class AccountFile:
    """An account file as an editor loaded it: its text and fingerprint, the validated account and
    the round-trip tree (kept, so a save does not parse the file again).

    `save` refuses (`StaleFile`, nothing written) when the file on disk is no longer the text
    loaded, so no change made meanwhile (another editor, `kam import`, a `git pull`) is silently
    overwritten. Only this account's file is read (and the names of the other files, for
    `competes_with`)."""

    def __init__(self, params_dir: Path, account_id: str) -> None:
        self.params_dir = Path(params_dir)
        self.account_id = loader.check_account_id(account_id)
        self.path = loader.account_path(self.params_dir, account_id)
        self.text = ""
        self.fingerprint = ""
        self.account: Account
        self._tree: _Parsed | None = None
        self.reload()

    def reload(self) -> Account:
        """Read the file again (as it is on disk now): its text, fingerprint, account and tree."""
        for _attempt in range(3):
            text = _read_text(self.path)
            account = loader.load_account(self.params_dir, self.account_id)
            if _read_text(self.path) == text:
                break
        self.text, self.fingerprint, self.account = text, fingerprint(text), account
        self._tree = _cached_tree(self.path, text)
        return account

    def changed_on_disk(self) -> bool:
        """Whether the file's text is no longer the one loaded (or saved) by this object."""
        try:
            return fingerprint(_read_text(self.path)) != self.fingerprint
        except UsageError:
            return True

    def save(self, path: tuple[str, ...], value: Any, write: bool = True) -> Change:
        """Replace the section at `path` with `value` (see `set_section`); validate as `kam
        validate` would; write atomically with a `.bak`. Raises `StaleFile` when the file changed
        on disk since it was loaded, `InputError` (one located message per problem) when the
        result does not validate; in both cases nothing is written."""
        return self.change(lambda tree: set_section(tree, path, value), write, section=path[0] if path else None)

    def change(self, edit: Callable[[CommentedMap], None], write: bool = True,
               section: str | tuple[str, ...] | None = None) -> Change:
        """Apply `edit` to the loaded tree, as `save` does for a section (`section`: the only
        top-level keys the edit may change, so only their part of the text is written again)."""
        if self.changed_on_disk():
            raise StaleFile(self.path)
        parsed = self._tree if self._tree is not None else _parse(self.text)
        if write:  # the tree is changed in place: kept again only if the change holds
            self._tree = None
            _TREES.pop((str(self.path), self.fingerprint), None)
        else:  # a dry run changes a copy
            parsed = _Parsed(parsed.yaml, copy.deepcopy(parsed.tree), parsed.dumped, set(parsed.verified))
        keys = list(parsed.tree)
        sections = (section,) if isinstance(section, str) else tuple(section or ())
        for key in sections:
            if key not in parsed.verified and _dump_changed(parsed, (key,)) == parsed.dumped:
                parsed.verified.add(key)  # writing this section alone gives the file's text: safe to do so
        edit(parsed.tree)
        alone = sections and all(k in parsed.verified for k in sections) and list(parsed.tree) == keys
        dumped = _dump_changed(parsed, sections) if alone else None
        if dumped is None:
            dumped = _dump(parsed.yaml, parsed.tree)
        after = keep_untouched(self.text, parsed.dumped, dumped)
        account = _quick_validate(self.params_dir, self.path, self.account_id, parsed.tree) if after == dumped \
            else None
        if account is None:  # problems (or a file ruamel lays out otherwise): check the new text itself
            account = _validate(self.params_dir, self.path, self.account_id, after)
        change = Change(self.path, self.text, after, False)
        if write:
            change = write_change(change)
            self.text, self.fingerprint, self.account = after, fingerprint(after), account
            self._tree = _Parsed(parsed.yaml, parsed.tree, dumped, parsed.verified)
            _remember_tree(self.path, after, self._tree)
        return change


def _dump(yaml: YAML, tree: CommentedMap) -> str:
    buffer = io.StringIO()
    yaml.dump(tree, buffer)
    return buffer.getvalue()


def _dump_changed(parsed: _Parsed, changed: tuple[str, ...]) -> str | None:
    """The whole text with only the `changed` top-level keys' parts written again, or None when that
    cannot be done (the first key, which carries the file's opening comments; a key not found once
    at the start of a line). Writing a 2,700-line file takes ~120 ms; one section of it, a fraction."""
    tree, lines = parsed.tree, parsed.dumped.splitlines(keepends=True)
    keys = list(tree)
    if not changed or any(k not in keys or keys.index(k) == 0 for k in changed):
        return None
    starts = _key_lines(lines, keys)
    if starts is None:
        return None
    out, at = [], 0
    for i, key in sorted((keys.index(k), k) for k in set(changed)):
        end = starts[i + 1] if i + 1 < len(keys) else len(lines)
        single = CommentedMap()
        single[key] = tree[key]
        if key in tree.ca.items:
            single.ca.items[key] = tree.ca.items[key]
        # A key after it, as in the file, so that what follows the section (a blank line, a comment)
        # is written as in the whole file, not as the end of a document; its line is then cut off.
        single[_NEXT] = 0
        part = _dump(parsed.yaml, single).splitlines(keepends=True)
        if not part or not part[-1].startswith(f"{_NEXT}:"):
            return None
        out += lines[at:starts[i]] + part[:-1]
        at = end
    return "".join(out + lines[at:])


_NEXT = "kam-next-key"


def _key_lines(lines: list[str], keys: list[Any]) -> list[int] | None:
    """The line where each top-level key starts, in order (None if one is not found as expected)."""
    starts, at = [], 0
    for key in keys:
        pattern = re.compile(rf"^{re.escape(str(key))}\s*:")
        while at < len(lines) and not pattern.match(lines[at]):
            at += 1
        if at == len(lines):
            return None
        starts.append(at)
        at += 1
    return starts


def keep_untouched(original: str, dumped_before: str, dumped_after: str) -> str:
    """The new text with every line the change did not touch as the file wrote it.

    ruamel writes back exactly what it read, except a plain text the user wrapped over several
    lines, which it joins. Where `dumped_before` (the unchanged tree, as ruamel writes it) differs
    from the file, the lines the edit left alone are taken from the file, so untouched parts stay
    byte-identical."""
    if dumped_before == original:
        return dumped_after
    a, n, b = (t.splitlines(keepends=True) for t in (original, dumped_before, dumped_after))
    groups = difflib.SequenceMatcher(None, n, a, autojunk=False).get_opcodes()
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, n, b, autojunk=False).get_opcodes():
        if tag != "equal":
            out += b[j1:j2]
            continue
        for g_tag, g1, g2, h1, h2 in groups:
            if g2 <= i1 and not (g1 == g2 == i1) or g1 >= i2:
                continue
            if g_tag == "equal":
                lo, hi = max(g1, i1), min(g2, i2)
                out += a[h1 + lo - g1:h1 + hi - g1]
            elif i1 <= g1 and g2 <= i2:
                out += a[h1:h2]
            else:
                out += n[max(g1, i1):min(g2, i2)]
    return "".join(out)


def replace_section(params_dir: Path, account_id: str, path: tuple[str, ...], value: Any,
                    expected: str | None = None, write: bool = True) -> Change:
    """Replace one section of an account file (see `set_section`); with `expected` (the
    fingerprint of the text the caller loaded), refused with `StaleFile` if the file changed since."""
    document = AccountFile(params_dir, account_id)
    if expected is not None and document.fingerprint != expected:
        raise StaleFile(document.path)
    return document.save(path, value, write)


# Round-trip trees by file and text: parsing a large account file takes ~250 ms, so the editors of
# one file share it, and a save keeps the tree it changed for the next save.
@dataclass
class _Parsed:
    """A file's round-trip tree, the dumper set to the file's indentation, and the text the dumper
    writes for the tree as it stands (equal to the file's text when it round-trips exactly)."""

    yaml: YAML
    tree: CommentedMap
    dumped: str
    verified: set[str] = field(default_factory=set)  # keys written alone exactly as in the whole text


_TREES: dict[tuple[str, str], _Parsed] = {}
_TREES_LIMIT = 8


def _parse(text: str) -> _Parsed:
    yaml = _yaml()
    sequence, offset = _detect_indent(text)
    yaml.indent(mapping=2, sequence=sequence, offset=offset)
    tree = yaml.load(text)
    return _Parsed(yaml, tree, _dump(yaml, tree))


def _cached_tree(path: Path, text: str) -> _Parsed:
    key = (str(path), fingerprint(text))
    if key not in _TREES:
        _remember_tree(path, text, _parse(text))
    return _TREES[key]


def _remember_tree(path: Path, text: str, parsed: _Parsed) -> None:
    if len(_TREES) >= _TREES_LIMIT:
        _TREES.pop(next(iter(_TREES)))
    _TREES[(str(path), fingerprint(text))] = parsed


def forget_trees() -> None:
    """Drop the kept round-trip trees (a long-lived process keeps no account's data)."""
    _TREES.clear()


def _quick_validate(params_dir: Path, path: Path, account_id: str, tree: CommentedMap) -> Account | None:
    """The account the changed tree says, checked by the model and the cross-field rules; None when
    anything is wrong (then the new text is parsed again to locate each problem by line)."""
    data = SourceFile(path, display_path(path), tree).data
    try:
        account = Account.model_validate(data)
    except ValidationError:
        return None
    known = set(loader.account_ids(params_dir)) | {account_id}
    return None if rules.check_account(account, account_id, known) else account


def new_account(params_dir: Path, account_id: str, values: dict[str, Any] | None = None) -> Change:
    """Start a new account as `kam new` does: the commented template with the id (and the
    top-level `values` given, e.g. name, industry, country) filled in, validated, written only if
    no file of that id exists (the schemas beside it when missing)."""
    from kamlib.parameters import scaffold

    params_dir = Path(params_dir)
    path = loader.account_path(params_dir, account_id)
    if account_id in rules.RESERVED_IDS:
        raise UsageError(f"'{account_id}' is reserved for the portfolio overview; choose another id")
    if path.exists():
        raise UsageError(f"{display_path(path)} already exists; not overwriting it")
    template = scaffold.account_template(account_id)

    def edit(tree: CommentedMap) -> None:
        for key, value in (values or {}).items():
            set_section(tree, (key,), value)

    change = edited(params_dir, account_id, template, edit)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:  # "x": never clobber a file created meanwhile
        handle.write(change.after)
    scaffold.write_missing_schemas(params_dir)
    return Change(path, "", change.after, True)
