"""Writing a file in one step: the content, the permissions kept, nothing left behind on failure."""

from __future__ import annotations

import shutil
import stat
from datetime import date
from pathlib import Path
from typing import BinaryIO

import pytest

from kamlib.parameters import yaml_editing
from kamlib.parameters.atomic import NEW_FILE_MODE, write_atomically
from tests.conftest import DATA


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_text_bytes_and_a_writer_are_written_whole(tmp_path: Path) -> None:
    write_atomically(tmp_path / "a.yaml", "name: Café\n")
    write_atomically(tmp_path / "b.bin", b"\x00\x01")
    write_atomically(tmp_path / "c.bin", lambda out: out.write(b"written by a function"))
    assert (tmp_path / "a.yaml").read_bytes() == "name: Café\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "c.bin").read_bytes() == b"written by a function"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.bin", "c.bin"]  # no temporary file


def test_a_new_file_is_readable_by_everyone_not_private(tmp_path: Path) -> None:
    write_atomically(tmp_path / "new.json", "{}\n")
    assert _mode(tmp_path / "new.json") == NEW_FILE_MODE == 0o644


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_a_replaced_file_keeps_its_permissions(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "account.yaml"
    path.write_text("old\n", encoding="utf-8")
    path.chmod(mode)
    write_atomically(path, "new\n")
    assert path.read_text(encoding="utf-8") == "new\n" and _mode(path) == mode


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "portfolio.xlsx"
    path.write_bytes(b"the old workbook")

    def broken(out: BinaryIO) -> None:
        out.write(b"half a work")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomically(path, broken)
    assert path.read_bytes() == b"the old workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["portfolio.xlsx"]


def test_a_failed_first_write_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        write_atomically(tmp_path / "new.yaml", 42)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_an_account_saved_through_the_workbook_keeps_its_permissions(tmp_path: Path) -> None:
    folder = tmp_path / "parameters"
    shutil.copytree(DATA / "tiny", folder)
    path = folder / "accounts" / "northwind-foods.yaml"
    path.chmod(0o664)  # shared with the team
    change = yaml_editing.upsert_project(folder, "northwind-foods", {"id": "P1", "due": date(2027, 6, 30)})
    assert change.written and _mode(path) == 0o664
    assert path.read_text(encoding="utf-8") == change.after
