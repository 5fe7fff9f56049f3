"""The workbook's errors: one base class, each carrying what a user needs to act."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


class KamError(Exception):
    """Base of every error the workbook raises on purpose; the CLI prints it in one line."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a parameter file: where it is, and what was expected and found."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class InputError(KamError):
    """Parameter files that do not follow the format; carries one `Problem` per mistake."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[Any, ...]:  # pickles whole across processes (a batch worker, a cluster)
        return type(self), (self.problems,)


class UsageError(KamError):
    """A command used wrongly: an unknown account, an existing file, a bad option value."""


class RunError(KamError):
    """A plan notebook failed: names the account, the notebook and the cell."""

    exit_code = 1

    def __init__(self, account: str, notebook: str, cell: int | None, error: str, kept: str | None = None):
        self.account, self.notebook, self.cell, self.error, self.kept = account, notebook, cell, error, kept
        where = f", cell {cell}" if cell is not None else ""
        message = f"{account}: {notebook}{where}: {error}"
        if kept:
            message += f" (executed notebook kept in {kept})"
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:  # a worker sends it to the batch whole, not as a tuple
        return type(self), (self.account, self.notebook, self.cell, self.error, self.kept)

    @property
    def where(self) -> str:
        """The notebook, and the cell when known: `03_scorecard, cell 12`."""
        return f"{self.notebook}, cell {self.cell}" if self.cell is not None else self.notebook


class NotFilledIn(KamError):
    """An account file still holds values marked TODO (`kam new`'s template): it validates, but it
    is not a plan yet, so nothing of it is published. With `files`, the portfolio overview's case:
    no account of the portfolio is filled in (`files` account files hold `marks` values in all)."""

    exit_code = 1

    def __init__(self, account: str, marks: int, files: int | None = None):
        self.account, self.marks, self.files = account, marks, files
        super().__init__(f"{account}: {self.summary}; replace them (`kam validate` lists each with its line), "
                         "then run again")

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.account, self.marks, self.files)

    @property
    def summary(self) -> str:
        """`not filled in (3 values marked TODO)`, or for the overview `nothing to publish: no account
        is filled in yet (17 values marked TODO in 1 account file)`."""
        values = f"{self.marks} value{'' if self.marks == 1 else 's'} marked TODO"
        if self.files is None:
            return f"not filled in ({values})"
        return (f"nothing to publish: no account is filled in yet ({values} in {self.files} account "
                f"file{'' if self.files == 1 else 's'})")


class OutputsLocked(KamError):
    """Another run holds the outputs folder."""


class PublishError(KamError):
    """The outputs folder refused a write (a full disk, a read-only folder): the plan was not
    published, and the versions published before are untouched."""

    exit_code = 1
