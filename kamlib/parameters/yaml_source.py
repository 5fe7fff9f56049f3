"""Reading a YAML parameter file with the line of every key, and turning a field path into a line."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from kamlib.errors import InputError, Problem

MAX_FILE_BYTES = 2_000_000  # a hand-written account file is a few kB; anything this big is a mistake
MAX_VALUES = 100_000  # values after YAML aliases (*x) are expanded; a rich account file has ~1,000
Loc = tuple[str | int, ...]


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that keeps an impossible date (2027-02-30) as text.

    ruamel raises a bare ValueError for those; as text, validation reports them by field.
    """

    def construct_yaml_timestamp(self, node, values=None):
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError:
            return self.construct_scalar(node)


    def construct_yaml_int(self, node):
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # Python refuses to convert integers of more than 4,300 digits
            return TooManyDigits(self.construct_scalar(node))


class TooManyDigits(str):
    """An integer too long to be a number in any parameter file; validation names it."""

    def __repr__(self) -> str:
        return f"{len(self.strip('+-')):,} digits (too many to be an amount)"


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)
_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)
MAX_DEPTH = 50  # lists and mappings inside each other; an account file needs six


class SourceFile:
    """A parsed YAML file: the plain data and a way back from a field path to its line."""

    def __init__(self, path: Path, display: str, tree: Any):
        self.path = path
        self.display = display
        self.tree = tree
        self.data = _plain(tree)

    def line_of(self, loc: Loc) -> int:
        """The line of the deepest node of `loc` that exists in the file (1-based)."""
        node, line = self.tree, 1
        for part in loc:
            if isinstance(node, CommentedMap) and isinstance(part, str) and _key(node, part) is not _MISSING:
                key = _key(node, part)
                line = node.lc.key(key)[0] + 1
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                line = node.lc.item(part)[0] + 1
                node = node[part]
            else:
                break
        return line

    def problem(self, loc: Loc, message: str) -> Problem:
        """A problem at the field `loc`, with this file's name and the line of the field (or of its nearest parent)."""
        return Problem(self.display, self.line_of(loc), field_path(loc), message)


_MISSING = object()


def _key(node: CommentedMap, name: str) -> Any:
    """The key of `node` that reads as `name` (keys may be numbers, dates or empty in YAML)."""
    if name in node:
        return name
    return next((k for k in node if (str(k) if k is not None else "null") == name), _MISSING)


def field_path(loc: Loc) -> str:
    """`("competitors", 2, "share_of_wallet")` → `competitors[2].share_of_wallet`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it (a
    symbolic link is shown as the link, not as where it points)."""
    absolute = Path(os.path.abspath(path))
    for base in (Path.cwd(), Path.cwd().resolve()):
        try:
            return str(absolute.relative_to(base))
        except ValueError:
            continue
    return str(path)


def read_yaml(path: Path) -> SourceFile:
    """Parse one parameter file; any reading or syntax problem becomes an `InputError`."""
    display = display_path(path)

    def fail(message: str, line: int | None = None) -> InputError:
        return InputError([Problem(display, line, "", message)])

    if not path.is_file():
        raise fail("file not found")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise fail(f"file is {size:,} bytes; a parameter file must be under {MAX_FILE_BYTES:,}")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise fail(f"not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset {err.start}); "
                   "save the file as UTF-8", line) from None
    deep = _too_deep(text)
    if deep:
        raise fail(f"YAML syntax error: lists or mappings nested more than {MAX_DEPTH} deep; "
                   "a parameter file needs only a few levels", deep)
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    try:
        tree = yaml.load(text)
    except RecursionError:
        raise fail(f"YAML syntax error: lists or mappings nested more than {MAX_DEPTH} deep; "
                   "a parameter file needs only a few levels") from None
    except MarkedYAMLError as err:
        where, what = _syntax_error(err, text)
        raise fail(f"YAML syntax error: {what}", where) from None
    except ReaderError as err:
        line = text[: err.position].count("\n") + 1
        raise fail(f"contains a control character (0x{ord(err.character) if isinstance(err.character, str) else err.character:02x}) "
                   "that YAML does not allow; remove it", line) from None
    except YAMLError as err:
        raise fail(f"YAML syntax error: {str(err).splitlines()[0]}") from None
    if tree is None:
        raise fail("file is empty; expected a mapping of keys (see `kam new`)")
    if not isinstance(tree, CommentedMap):
        got = "a list" if isinstance(tree, list) else repr(str(tree)[:60])
        raise fail(f"expected a mapping of keys at the top level, got {got}", 1)
    _check_expansion(tree, display)
    source = SourceFile(path, display, tree)
    tagged = _first_tag(tree, ())
    if tagged:
        loc, tag = tagged
        raise InputError([source.problem(loc, f"YAML tags such as {tag} are not supported; write the value itself")])
    return source


def _too_deep(text: str) -> int | None:
    """The line where flow brackets ([ {) nest deeper than MAX_DEPTH, if they do."""
    depth, line = 0, 1
    for ch in text:  # quotes are not tracked: fifty brackets inside text are no more plausible
        if ch == "\n":
            line += 1
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif ch in "]}":
            depth = max(depth - 1, 0)
    return None


def _first_tag(node: Any, loc: Loc) -> tuple[Loc, str] | None:
    """The first value carrying an explicit YAML tag (!include, !!python/...), with its field."""
    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(tag, str) and tag.startswith("!"):
        return loc, tag
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        found = _first_tag(child, (*loc, key if isinstance(key, int) and isinstance(node, list) else str(key)))
        if found:
            return found
    return None


def _check_expansion(tree: CommentedMap, display: str) -> None:
    """Refuse aliases that refer to themselves or expand to an absurd number of values.

    ruamel shares one object per anchor, so loading an "alias bomb" is cheap; expanding it (as
    converting and validating do) would not be. Sizes are counted once per shared object.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: Any) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _SelfReference
        open_nodes.add(key)
        children = node.values() if isinstance(node, dict) else node
        sizes[key] = total = 1 + sum(size(child) for child in children)
        open_nodes.discard(key)
        return total

    total = 0
    for name in tree:
        line = tree.lc.key(name)[0] + 1
        try:
            total += size(tree[name])
        except _SelfReference:
            raise InputError([Problem(display, line, str(name), "an alias (*name) refers to the value that "
                                      "contains it, so the value would never end; remove the alias")]) from None
        if total > MAX_VALUES:
            raise InputError([Problem(display, line, str(name), f"YAML aliases (*name) expand the file to more than "
                                      f"{MAX_VALUES:,} values; a parameter file needs far fewer, so it is refused")])


class _SelfReference(Exception):
    pass


def _syntax_error(err: MarkedYAMLError, text: str) -> tuple[int | None, str]:
    """The line to point at and a one-line explanation of a YAML syntax error."""
    lines = text.count("\n") + 1
    problem, context = str(err.problem or ""), str(err.context or "")
    mark = err.problem_mark
    if "quoted scalar" in context and err.context_mark is not None:
        # An unclosed quote runs to the end of the file: point at where it opens.
        return err.context_mark.line + 1, "a quote opened here is never closed"
    if mark is None or mark.line + 1 > lines:
        mark = err.context_mark or mark
    line = mark.line + 1 if mark is not None else None
    if "duplicate key" in str(err):
        key = str(err).split('duplicate key "', 1)[-1].split('"', 1)[0]
        return line, f"duplicate key '{key}' (a key may appear only once in a mapping)"
    source_lines = text.splitlines()
    if context.startswith("while parsing a flow") and err.context_mark is not None:
        bracket = "[" if "sequence" in context else "{"
        return err.context_mark.line + 1, f"a '{bracket}' opened here is never closed"
    if "mapping values are not allowed" in problem and line is not None:
        quote = _unclosed_quote(source_lines[: line - 1])
        if quote and quote[1] >= line - 1:  # it closed just before the colon that fails
            opened, closed = quote
            return opened, f"a quote opened here runs on to line {closed}; close it on the line where it opens"
        return line, "a colon followed by a space (': ') inside a value; put the value in quotes"
    if problem.startswith("expected <block end>") and line is not None and line <= len(source_lines):
        key = source_lines[line - 1].strip().split(":", 1)[0]
        if "found '?'" in problem:
            return line, f"expected a list item ('- ...') at this indentation, got the key '{key}'"
        return line, ("this line is indented differently from the lines above it; keys of one mapping "
                      "must start in the same column")
    what = problem or context or "invalid YAML"
    if "\\t" in what or "\t" in what or "tab" in what:
        what = "a tab character; YAML does not allow tabs for indentation, use spaces"
    elif context:
        what = f"{context}: {what}"
    return line, what


def _unclosed_quote(lines: list[str]) -> tuple[int, int] | None:
    """(line opened, line closed) of a quoted value that does not close on its own line."""
    for i, line in enumerate(lines):
        match = re.match(r"""^\s*(?:-\s+)?[^#'"]*?:\s+(["'])(.*)$""", line) or re.match(r"""^\s*-\s+(["'])(.*)$""", line)
        if not match:
            continue
        quote, rest = match.groups()
        if rest.replace(quote * 2, "").count(quote) if quote == "'" else rest.replace('\\"', "").count('"'):
            continue
        for j in range(i + 1, len(lines)):
            if quote in lines[j]:
                return i + 1, j + 1
        return i + 1, len(lines) + 1
    return None


def _plain(node: Any) -> Any:
    """ruamel's round-trip types → plain Python (dict, list, str, int, float, bool, date)."""
    if isinstance(node, dict):
        # Keys are names: `2024:` is the (unknown) key "2024", not a number.
        return {str(_plain(k)) if k is not None else "null": _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, TooManyDigits):
        return node
    if isinstance(node, str):
        return str(node)
    return node
