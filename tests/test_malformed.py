"""A corpus of malformed parameter files, run through `kam` as a user would run it.

Each folder of tests/data/malformed/ is one case: files that replace or add to a copy of
tests/data/tiny (the hand-checked example), an optional `remove.txt` (paths to delete from
that copy, one a line) and `expected.txt`, the exact lines `kam validate` prints on stderr.
`kam batch` must print the same problem lines, without validate's summary line. A folder
with an `expect-ok` file instead is a file kam must accept; it holds validate's stdout.

Every case runs in a copy of a workspace that already holds one published version, so the
test also checks that refusing bad input writes nothing under outputs/.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from kamlib.cli import main
from tests.conftest import DATA, write_notebooks

CASES_DIR = DATA / "malformed"
TINY = DATA / "tiny"
ACCOUNT = Path("accounts") / "northwind-foods.yaml"
CONTROL_FILES = {"expected.txt", "remove.txt", "expect-ok"}
SUMMARY = re.compile(r"^(1 problem in 1 file|\d+ problems in \d+ files?)$")
# path:LINE: field: message, or path:LINE: message for a problem with no field
LOCATED = re.compile(r"^(?P<file>parameters/[^:]+\.yaml):(?P<line>[1-9]\d*): (?P<rest>.+)$")
# Problems with no field: the file could not be read as a mapping of keys at all.
NO_FIELD = ("YAML syntax error: ", "not UTF-8 text ", "contains a control character ",
            "expected a mapping of keys at the top level")
# Problems of the whole file carry no line (kam's convention, see tests/test_yamlfile.py).
WHOLE_FILE = re.compile(r"^parameters/[^:]+\.ya?ml: (file (is |not found)|account files must end in \.yaml)")
FIELD = re.compile(r"^(?P<field>[^:\s][^:]*?): (?P<message>\S.*)$")


def _case_dirs() -> list[Path]:
    return sorted(p for p in CASES_DIR.iterdir() if p.is_dir())


# --- cases generated here: files that cannot be committed ------------------------------------

def _huge_account(parameters: Path) -> None:
    """GENERATED: the tiny account padded with comment lines to 2,100,000 bytes (limit: 2,000,000)."""
    text = (TINY / ACCOUNT).read_bytes()
    line = b"# " + b"x" * 97 + b"\n"
    padding = 2_100_000 - len(text)
    data = text + line * (padding // len(line)) + b"#" * (padding % len(line) - 1) + b"\n"
    assert len(data) == 2_100_000
    (parameters / ACCOUNT).write_bytes(data)


GENERATED: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "generated-huge-file": (_huge_account, [
        "parameters/accounts/northwind-foods.yaml: file is 2,100,000 bytes; a parameter file must be under 2,000,000",
        "1 problem in 1 file",
    ]),
}


# --- running kam -------------------------------------------------------------------------------

def kam(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`kam ARGS` in this process: exit code, stdout, stderr. A crash is reported like Python would."""
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as err:
        code = err.code if isinstance(err.code, int) else 1
    except Exception:  # a crash is what some cases look for
        traceback.print_exc(file=sys.stderr)
        code = 1
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, str]:
    """Every file, folder and link under `folder`: relative path → sha256 of the bytes (or what it is)."""
    found: dict[str, str] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[rel] = f"link -> {os.readlink(path)}"
            elif path.is_dir():
                found[rel] = "folder"
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A workspace `work/` with parameters/ (tiny) and outputs/ holding one published version."""
    base = tmp_path_factory.mktemp("malformed")
    notebooks = write_notebooks(base / "notebooks")
    work = base / "work"
    shutil.copytree(TINY, work / "parameters")
    old = Path.cwd()
    os.chdir(work)
    try:
        code = main(["--params", "parameters", "--outputs", "outputs", "--notebooks", str(notebooks),
                     "run", "northwind-foods"])
    finally:
        os.chdir(old)
    assert code == 0
    assert (work / "outputs" / "northwind-foods" / "v0001" / "manifest.json").is_file()
    return work, notebooks


@pytest.fixture
def workspace(published: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the published workspace, as the working directory."""
    work = tmp_path / "work"
    shutil.copytree(published[0], work, symlinks=True)
    monkeypatch.chdir(work)
    return work


def overlay(case: Path, parameters: Path) -> None:
    """Apply a case folder to a copy of tiny: delete what remove.txt lists, then copy its files over."""
    remove = case / "remove.txt"
    if remove.exists():
        for rel in remove.read_text(encoding="utf-8").split():
            (parameters / rel).unlink()
    for path in sorted(case.rglob("*")):
        if path.is_file() and path.name not in CONTROL_FILES:
            target = parameters / path.relative_to(case)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def check_refused(capsys: pytest.CaptureFixture[str], work: Path, notebooks: Path, expected: list[str]) -> None:
    """`kam batch` and `kam validate` both refuse with exit 2, the expected lines and nothing written."""
    assert expected and SUMMARY.match(expected[-1]), "expected.txt must end with validate's summary line"
    problems = expected[:-1]
    for line in problems:  # the corpus itself: every problem is located
        if WHOLE_FILE.match(line):
            continue
        located = LOCATED.match(line)
        assert located, f"problem without path:LINE: {line!r}"
        rest = located["rest"]
        if not rest.startswith(NO_FIELD):
            assert FIELD.match(rest), f"problem without a field: {line!r}"

    before = snapshot(work / "outputs")
    runs = {
        "batch": (["--params", "parameters", "--outputs", "outputs", "--notebooks", str(notebooks), "batch"],
                  problems),
        "validate": (["--params", "parameters", "validate"], expected),
    }
    failures = []
    for name, (args, lines) in runs.items():
        code, out, err = kam(capsys, *args)
        if "Traceback" in out + err:
            tail = "\n".join(err.splitlines()[-3:])  # the traceback's end: where and what
            failures.append(f"kam {name} crashed (exit {code}) with a traceback ending in:\n{tail}")
            continue
        if code != 2:
            failures.append(f"kam {name}: exit {code}, expected 2\nstdout: {out}\nstderr: {err}")
        if err.splitlines() != lines:
            failures.append(f"kam {name} printed on stderr:\n{err}expected:\n" + "\n".join(lines))
        if snapshot(work / "outputs") != before:
            failures.append(f"kam {name} changed outputs/")
    assert not failures, "\n\n".join(failures)


# --- the tests ------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", _case_dirs(), ids=lambda p: p.name)
def test_malformed_parameters_are_refused_with_their_exact_problems(case: Path, workspace: Path,
                                                                     published: tuple[Path, Path],
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    overlay(case, workspace / "parameters")
    if (case / "expect-ok").exists():
        before = snapshot(workspace / "outputs")
        code, out, err = kam(capsys, "--params", "parameters", "validate")
        assert (code, err) == (0, ""), err
        assert out.splitlines() == (case / "expect-ok").read_text(encoding="utf-8").splitlines()
        assert snapshot(workspace / "outputs") == before
        return
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    check_refused(capsys, workspace, published[1], expected)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_malformed_parameters_are_refused(name: str, workspace: Path, published: tuple[Path, Path],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    make, expected = GENERATED[name]
    make(workspace / "parameters")
    check_refused(capsys, workspace, published[1], expected)


def test_the_corpus_is_complete() -> None:
    """Every case folder says what kam must print, and each breaks something of its own."""
    cases = _case_dirs()
    assert len(cases) + len(GENERATED) >= 45
    numbers = [c.name.split("-", 1)[0] for c in cases]
    assert numbers == [f"{i:02d}" for i in range(1, len(cases) + 1)]
    contents = set()
    for case in cases:
        control = {p.name for p in case.iterdir() if p.is_file()} & CONTROL_FILES
        assert ("expected.txt" in control) != ("expect-ok" in control), case.name
        data = tuple((p.relative_to(case).as_posix(), p.read_bytes()) for p in sorted(case.rglob("*"))
                     if p.is_file() and p.name not in CONTROL_FILES)
        assert data or (case / "remove.txt").exists(), case.name
        assert all(size < 2_000_000 for size in (len(d) for _, d in data)), case.name
        assert data not in contents, f"{case.name} repeats another case"
        contents.add(data)
