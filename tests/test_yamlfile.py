"""Reading a parameter file: YAML syntax, encoding, size, and the line of every field.

Bad files are the tiny example account (tests/data/tiny) with ONE thing changed, so the
expected line is known by hand from that file; the numbers below are written out literally.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kamlib.errors import InputError, Problem
from kamlib.parameters.yaml_source import MAX_FILE_BYTES, field_path, read_yaml

TINY_ACCOUNT = Path(__file__).resolve().parent / "data" / "tiny" / "accounts" / "northwind-foods.yaml"
NAME = "northwind-foods.yaml"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in tmp_path so problems name the file as the user typed it: `northwind-foods.yaml`."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def account_text(old: str = "", new: str = "") -> str:
    """The tiny account's text with `old` (which must occur exactly once) replaced by `new`."""
    text = TINY_ACCOUNT.read_text(encoding="utf-8")
    if old:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the tiny account"
        text = text.replace(old, new)
    return text


def read_problem(data: str | bytes, name: str = NAME) -> Problem:
    """Write `data` to a file, read it, and return the single problem reported."""
    path = Path(name)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        read_yaml(path)
    problems = caught.value.problems
    assert len(problems) == 1, "\n".join(map(str, problems))
    assert problems[0].file == name
    return problems[0]


# --- syntax ----------------------------------------------------------------------------------

def test_valid_account_file_is_read_with_its_data() -> None:
    Path(NAME).write_text(account_text(), encoding="utf-8")
    source = read_yaml(Path(NAME))
    assert source.data["id"] == "northwind-foods"
    assert source.data["competitors"][1] == {"name": "Alpha Packaging", "share_of_wallet": 0.45,
                                             "ladder": "strategic_partner"}


def test_bad_indentation_is_a_syntax_error_with_its_line() -> None:
    # line 15 "    role: Supply chain lead" indented one space too far
    problem = read_problem(account_text("    role: Supply chain lead", "     role: Supply chain lead"))
    assert problem.line == 15
    assert problem.field == ""
    assert problem.message.startswith("YAML syntax error:")
    assert str(problem).startswith("northwind-foods.yaml:15: YAML syntax error")


def test_bad_indentation_in_a_small_file_points_at_the_misindented_line() -> None:
    problem = read_problem("a: 1\n b: 2\nc: 3\n")
    assert problem.line == 2
    assert "YAML syntax error" in problem.message


def test_unclosed_quote_is_reported_at_the_line_where_the_quote_opens() -> None:
    # line 164 "      strategy: S1" -> "      strategy: 'S1"; no quote follows it in the file
    problem = read_problem(account_text("strategy: S1", "strategy: 'S1"))
    assert problem.message.startswith("YAML syntax error:")
    assert "quot" in problem.message
    assert problem.line == 164


def test_tab_indentation_is_a_syntax_error_with_its_line() -> None:
    # line 15 "    role: Supply chain lead" indented with a tab
    problem = read_problem(account_text("    role: Supply chain lead", "\trole: Supply chain lead"))
    assert problem.line == 15
    assert problem.message.startswith("YAML syntax error:")


def test_tab_indentation_message_says_tabs_are_not_allowed() -> None:
    problem = read_problem(account_text("    role: Supply chain lead", "\trole: Supply chain lead"))
    assert problem.line == 15
    assert "tab" in problem.message.lower().replace("\\t", "")


@pytest.mark.parametrize(("old", "new", "line", "key"), [
    # a second `name:` inserted as line 9, after "industry: ..." (line 8)
    pytest.param("industry: Packaged food manufacturing\n",
                 "industry: Packaged food manufacturing\nname: Someone else\n", 9, "name", id="top-level"),
    # a second `transparency:` inserted as line 90 inside scorecard[0].customer
    pytest.param("      transparency: 2\n", "      transparency: 2\n      transparency: 3\n", 90,
                 "transparency", id="nested"),
    # inside the flow mapping of buying_criteria[0].scores (line 62)
    pytest.param("{us: 3, Alpha Packaging: 4, CartonCo: 3}   #", "{us: 3, us: 4, Alpha Packaging: 4, CartonCo: 3}   #", 62,
                 "us", id="flow-mapping"),
])
def test_duplicated_key_is_rejected(old: str, new: str, line: int, key: str) -> None:
    problem = read_problem(account_text(old, new))
    assert problem.line == line
    assert f"duplicate key '{key}'" in problem.message


@pytest.mark.parametrize("text", [
    pytest.param("", id="no-bytes"),
    pytest.param("# only a comment\n\n", id="only-comments"),
])
def test_empty_file_is_rejected(text: str) -> None:
    problem = read_problem(text)
    assert problem.line is None
    assert "file is empty" in problem.message
    assert "expected a mapping of keys" in problem.message


def test_list_at_the_top_level_is_rejected() -> None:
    problem = read_problem("- id: northwind-foods\n- name: Northwind Foods plc\n")
    assert problem.line == 1
    assert "expected a mapping of keys at the top level" in problem.message
    assert "got a list" in problem.message


# --- bytes on disk ---------------------------------------------------------------------------

def test_control_character_is_reported_on_one_line_with_its_line() -> None:
    # line 7 "name: Northwind Foods plc" with a NUL byte in it (valid UTF-8, but not allowed in YAML)
    problem = read_problem(account_text("name: Northwind Foods plc", "name: Northwind\x00Foods plc"))
    assert "control character (0x00)" in problem.message
    assert "\n" not in problem.message
    assert problem.line == 7


def test_non_utf8_bytes_are_rejected_with_their_line() -> None:
    # line 7 "name: Northwind Foods plc" saved as Latin-1 with an e-acute (byte 0xe9)
    data = account_text("name: Northwind Foods plc", "name: Northwind Foods Caf\u00e9").encode("latin-1")
    problem = read_problem(data)
    assert problem.line == 7
    assert "not UTF-8" in problem.message
    assert "0xe9" in problem.message


def test_utf8_byte_order_mark_is_accepted() -> None:
    Path(NAME).write_bytes(b"\xef\xbb\xbf" + account_text().encode("utf-8"))
    source = read_yaml(Path(NAME))
    assert source.data["id"] == "northwind-foods"          # not "\ufeffid"
    assert source.line_of(("competitors", 1, "share_of_wallet")) == 79


def test_missing_file_is_reported() -> None:
    with pytest.raises(InputError) as caught:
        read_yaml(Path("no-such-account.yaml"))
    [problem] = caught.value.problems
    assert problem.file == "no-such-account.yaml"
    assert problem.line is None
    assert "file not found" in problem.message


def test_too_large_file_is_rejected() -> None:
    text = account_text()
    padding = MAX_FILE_BYTES + 1 - len(text.encode("utf-8")) - 1
    problem = read_problem(text + "#" * padding + "\n")
    assert Path(NAME).stat().st_size == MAX_FILE_BYTES + 1
    assert problem.line is None
    assert f"{MAX_FILE_BYTES + 1:,} bytes" in problem.message
    assert f"under {MAX_FILE_BYTES:,}" in problem.message


def test_file_of_exactly_the_size_limit_is_accepted() -> None:
    text = account_text()
    Path(NAME).write_text(text + "#" * (MAX_FILE_BYTES - len(text.encode("utf-8")) - 1) + "\n", encoding="utf-8")
    assert Path(NAME).stat().st_size == MAX_FILE_BYTES
    assert read_yaml(Path(NAME)).data["id"] == "northwind-foods"


def test_windows_line_endings_keep_the_line_numbers() -> None:
    Path(NAME).write_bytes(account_text().replace("\n", "\r\n").encode("utf-8"))
    source = read_yaml(Path(NAME))
    assert source.line_of(("environment", 1, "impact")) == 54


# --- from a field path to its line -----------------------------------------------------------

def test_impossible_date_is_kept_as_text_for_validation() -> None:
    # line 144 "      due: 2027-06-30" -> 2027-02-30: no crash, the text reaches validation
    Path(NAME).write_text(account_text("due: 2027-06-30", "due: 2027-02-30"), encoding="utf-8")
    source = read_yaml(Path(NAME))
    assert source.data["joint_plan"]["objectives"][0]["due"] == "2027-02-30"


@pytest.mark.parametrize(("loc", "line"), [
    pytest.param(("id",), 6, id="top-level-key"),
    pytest.param(("competitors", 2, "share_of_wallet"), 82, id="key-in-list-item"),
    pytest.param(("buying_criteria", 1, "scores", "CartonCo"), 65, id="key-in-flow-mapping"),
    pytest.param(("joint_plan", "strategies", 1, "objectives", 1), 159, id="item-in-flow-list"),
    pytest.param(("environment", 0, "likelihood", "nothing-below"), 49, id="deeper-than-the-file"),
    pytest.param(("relationships", 1, "buying_role"), 119, id="absent-key-gives-its-parent"),
    pytest.param(("no_such_key",), 1, id="absent-top-level-key"),
])
def test_line_of_a_field_path_is_the_deepest_existing_node(loc: tuple, line: int) -> None:
    Path(NAME).write_text(account_text(), encoding="utf-8")
    assert read_yaml(Path(NAME)).line_of(loc) == line


def test_field_path_is_written_with_dots_and_indexes() -> None:
    assert field_path(("competitors", 2, "share_of_wallet")) == "competitors[2].share_of_wallet"
    assert field_path(("whitespace", "units", 0, "cells", "flexible film")) == "whitespace.units[0].cells.flexible film"
    assert field_path(()) == ""
