"""kamlib documents itself, and its documentation points at things that exist.

Every module, and every public function, class and method (no leading underscore, of a public
class) has a docstring. No docstring or comment of kamlib, the tests or the benchmarks, and
nothing in README.md or the trainer's guide, names in backticks a file (`….py`, `.j2`, `.yaml`,
`.ipynb`, `.md`), a folder of the package (`kamlib/…/`) or a kamlib module or attribute
(`kamlib.method.scorecard`, `scorecard.classify`) that is not there — as happens when a module
moves.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

import kamlib

PACKAGE = Path(kamlib.__file__).resolve().parent
ROOT = PACKAGE.parent
SOURCES = sorted([*PACKAGE.rglob("*.py"), *(ROOT / "tests").glob("*.py"), *(ROOT / "benchmarks").glob("*.py")])
DOCUMENTS = [ROOT / "README.md", ROOT / "notebooks" / "training" / "TRAINER_GUIDE.md"]
NOT_IN_THE_CHECKOUT = {".git", ".venv", "outputs", "kamlib.egg-info", "__pycache__"}

# Examples of what a user writes (the README's `kam new` and papermill commands), not files of
# the project.
EXAMPLES = {"parameters/accounts/acme.yaml", "out.ipynb"}
# `scorecard.classes` in the README is a key of portfolio.yaml (scorecard → classes), not an
# attribute of the scorecard module.
NOT_ATTRIBUTES = {"scorecard.classes"}
# The package's data folders as an installed kamlib has them: pyproject.toml installs the
# checkout's notebooks/ as kamlib/notebooks/.
INSTALLED_AS = {"kamlib/notebooks/": "notebooks/"}

FILE = re.compile(r"^[\w.<>*/-]+\.(py|j2|yaml|ipynb|md)$")
BARE_FILE = re.compile(r"(?<![\w./<>*-])[\w./-]*\w\.(?:py|j2|yaml|ipynb|md)\b(?![\w/-])")
PACKAGE_FOLDER = re.compile(r"^kamlib/[\w/-]*/$")
DOTTED = re.compile(r"^kamlib(\.\w+)+$")
MODULE_ATTRIBUTE = re.compile(r"^([a-z_]+)\.([A-Za-z_]\w*)$")
FILE_SUFFIXES = {"html", "pdf", "xlsx", "json", "csv", "css", "png", "txt", "toml", "yml", "yaml", "py", "md",
                 "ipynb", "j2", "bak", "tmp"}


# --- docstrings ---------------------------------------------------------------------------------

def _module_name(path: Path) -> str:
    return ".".join(("kamlib", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")


def _undocumented(body: list[ast.stmt], prefix: str) -> Iterator[str]:
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            if ast.get_docstring(node) is None:
                yield f"{prefix}{node.name} (line {node.lineno})"
            if isinstance(node, ast.ClassDef):
                yield from _undocumented(node.body, f"{prefix}{node.name}.")


def test_every_module_has_a_docstring() -> None:
    missing = [_module_name(path) for path in sorted(PACKAGE.rglob("*.py"))
               if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None]
    assert not missing, "modules without a docstring:\n" + "\n".join(missing)


def test_every_public_function_and_class_has_a_docstring() -> None:
    missing = [f"{_module_name(path)}.{name}" for path in sorted(PACKAGE.rglob("*.py"))
               for name in _undocumented(ast.parse(path.read_text(encoding="utf-8")).body, "")]
    assert not missing, "public functions and classes without a docstring:\n" + "\n".join(missing)


# --- what the documentation names ---------------------------------------------------------------

def _docstrings_and_comments(path: Path) -> Iterator[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            text = ast.get_docstring(node, clean=False)
            if text is not None:
                yield node.body[0].lineno, text
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string


def _names_in(text: str) -> Iterator[str]:
    """What a text names in backticks, and the file names it writes without them."""
    yield from re.findall(r"`([^`\n]+)`", text)
    yield from BARE_FILE.findall(re.sub(r"`[^`\n]+`", " ", text))


def _named() -> Iterator[tuple[str, Path, str]]:
    """(where, the file it is in, what it names)."""
    for path in SOURCES:
        for line, text in _docstrings_and_comments(path):
            for name in _names_in(text):
                yield f"{path.relative_to(ROOT)}:{line}", path, name
    for path in DOCUMENTS:
        for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for name in _names_in(text):
                yield f"{path.relative_to(ROOT)}:{line}", path, name


def _checkout() -> list[str]:
    """Every file and folder of the checkout, relative to it (folders end in /)."""
    found = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if not NOT_IN_THE_CHECKOUT.intersection(relative.parts):
            found.append(relative.as_posix() + ("/" if path.is_dir() else ""))
    return found


def _exists(name: str, named_in: Path, checkout: list[str]) -> bool:
    """The file or folder is there: from the top of the checkout, from the folder of the file
    naming it, or as the end of a path (`templates/account.yaml`, said inside its layer)."""
    for installed, source in INSTALLED_AS.items():
        if name.startswith(installed):
            name = source + name.removeprefix(installed)
    pattern = re.sub(r"<[^>]+>", "*", name)  # accounts/<id>.yaml: any account file
    here = named_in.parent.relative_to(ROOT).as_posix()
    candidates = [pattern, f"{here}/{pattern}" if here != "." else pattern]
    return any(fnmatch.fnmatch(path, candidate) or fnmatch.fnmatch(path, f"*/{candidate}")
               for path in checkout for candidate in candidates)


def _resolves(dotted: str) -> bool:
    """An importable module, or an attribute of one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def _modules_by_short_name() -> dict[str, str]:
    """`scorecard` → `kamlib.method.scorecard`, for every module whose short name is kamlib's only one."""
    names: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.stem != "__init__":
            names.setdefault(path.stem, []).append(_module_name(path))
    return {short: full[0] for short, full in names.items() if len(full) == 1}


def test_every_file_and_package_folder_named_exists() -> None:
    checkout = _checkout()
    missing = [f"{where}: {name}" for where, path, name in _named()
               if (FILE.match(name) or PACKAGE_FOLDER.match(name)) and name not in EXAMPLES
               and not _exists(name, path, checkout)]
    assert not missing, "files named that do not exist:\n" + "\n".join(missing)


def test_every_kamlib_module_and_attribute_named_exists() -> None:
    modules = _modules_by_short_name()
    missing = []
    for where, _path, name in _named():
        name = name.removesuffix("()")
        short = MODULE_ATTRIBUTE.match(name)
        if DOTTED.match(name):
            found = _resolves(name)
        elif short and short.group(1) in modules and short.group(2) not in FILE_SUFFIXES and name not in NOT_ATTRIBUTES:
            found = _resolves(f"{modules[short.group(1)]}.{short.group(2)}")
        else:
            continue
        if not found:
            missing.append(f"{where}: {name}")
    assert not missing, "kamlib names that do not exist:\n" + "\n".join(missing)


def test_the_reference_check_sees_a_moved_module() -> None:
    """The checks above would catch the restructure's old names (they do not pass vacuously)."""
    checkout = _checkout()
    readme = ROOT / "README.md"
    assert not _exists("kamlib/warmup.py", readme, checkout) and _exists("kamlib/execution/warmup.py", readme, checkout)
    assert not _exists("kamlib/mappings/*.yaml", readme, checkout)
    assert _exists("kamlib/exchange/mappings/*.yaml", readme, checkout)
    assert _exists("accounts/<id>.yaml", readme, checkout) and _exists("case/", readme, checkout)
    assert not _resolves("kamlib.jointplan") and _resolves("kamlib.method.customer_view.shared_view")
    assert "scorecard" in _modules_by_short_name() and not _resolves("kamlib.method.scorecard.no_such_function")
