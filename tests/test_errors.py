"""Errors cross process boundaries whole: a batch worker or a cluster worker sends them back."""

import pickle
from pathlib import Path

import pytest

from kamlib.errors import (
    InputError,
    KamError,
    NotFilledIn,
    OutputsLocked,
    Problem,
    PublishError,
    RunError,
    UsageError,
)
from kamlib.exchange.crm import RowProblem
from kamlib.exchange.imports import ImportRefused
from kamlib.parameters.yaml_editing import StaleFile

EVERY_ERROR = [
    KamError("plain"),
    InputError([Problem("parameters/accounts/acme.yaml", 42, "competitors[2].share_of_wallet",
                        "must be between 0 and 1, got 1.4"), Problem("parameters/portfolio.yaml", None, "", "empty")]),
    UsageError("no account 'acme' in parameters"),
    RunError("acme", "03_scorecard", 12, "ZeroDivisionError: division by zero", kept="outputs/_failed/acme"),
    RunError("acme", "(worker)", None, "worker process died (exit code -9)"),
    OutputsLocked("outputs folder outputs is in use by another kam run (pid 12)"),
    PublishError("acme: could not publish: No space left on device"),
    NotFilledIn("acme-industrial", 17),
    # defined outside errors.py: listed here so that the module is imported whatever ran before
    ImportRefused([RowProblem("export.csv", 3, "Revenue", "expected a number, got 'n/a'")]),
    StaleFile(Path("parameters/accounts/acme.yaml")),
]


def test_the_list_covers_every_error_class():
    def subclasses(cls):
        return {cls} | {s for c in cls.__subclasses__() for s in subclasses(c)}

    assert subclasses(KamError) == {type(e) for e in EVERY_ERROR}


@pytest.mark.parametrize("error", EVERY_ERROR, ids=lambda e: type(e).__name__)
def test_every_error_pickles_whole(error):
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert str(back) == str(error) and back.exit_code == error.exit_code
    assert vars(back) == vars(error)  # every field, not only the message


def test_a_run_error_names_the_notebook_and_cell_and_where_the_notebook_was_kept():
    error = RunError("acme", "03_scorecard", 12, "ZeroDivisionError: division by zero", kept="outputs/_failed/acme")
    assert str(error) == ("acme: 03_scorecard, cell 12: ZeroDivisionError: division by zero "
                          "(executed notebook kept in outputs/_failed/acme)")
    assert error.where == "03_scorecard, cell 12"
    assert RunError("acme", "(worker)", None, "died").where == "(worker)"
