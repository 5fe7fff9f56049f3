"""Writing a file whole or not at all: whoever reads it sees the old content or the new, never half.

The data goes to a temporary file in the target's folder, is flushed to disk, and is renamed
over the target in one step (`os.replace`). The file keeps the permissions it had, so an account
file edited through the workbook stays as readable as before (a temporary file is created
private); a new file gets `NEW_FILE_MODE`. If anything fails, the target is untouched and the
temporary file is removed. Account files changed by the workbook or `kam import`, the schemas
and the spreadsheets are written this way.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

NEW_FILE_MODE = 0o644  # readable by everyone, like a file saved from an editor

Data = bytes | str | Callable[[BinaryIO], object]


def write_atomically(path: Path, data: Data, *, encoding: str = "utf-8") -> None:
    """Replace the file at `path` with `data` in one step, keeping its permissions.

    `data` is text (written in `encoding`), bytes, or a function that writes into the open binary
    file (such as an openpyxl workbook's `save`). The folder must exist.
    """
    path = Path(path)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), mode)
            if callable(data):
                data(out)
            else:
                out.write(data.encode(encoding) if isinstance(data, str) else data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
