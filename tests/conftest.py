"""Shared fixtures: small hand-checked parameter folders copied into a temporary directory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Printing PDFs takes a browser a few seconds per document: off for the suite, on in the tests
# that are about PDFs (they set KAM_CHROMIUM themselves).
os.environ["KAM_CHROMIUM"] = "off"

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
DEMO_PARAMS = ROOT / "parameters"
NOTEBOOKS = ROOT / "notebooks"


@pytest.fixture
def tiny_params(tmp_path: Path) -> Path:
    """A copy of tests/data/tiny: the format's own example (portfolio + northwind-foods)."""
    target = tmp_path / "parameters"
    shutil.copytree(DATA / "tiny", target)
    return target


@pytest.fixture
def outputs(tmp_path: Path) -> Path:
    folder = tmp_path / "outputs"
    folder.mkdir()
    return folder


def write_notebooks(folder: Path, fail_in: str | None = None, names: tuple[str, ...] | None = None,
                    fail_for: str | None = None, extra: str | None = None) -> Path:
    """Minimal step notebooks (same names as the real ones) for fast runner tests.

    Each takes the standard parameters and prints them; `fail_in` names one that raises (for
    every account, or only for account `fail_for`); `extra` is a code cell added to each.
    """
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from kamlib.execution.runner import ACCOUNT_NOTEBOOKS, PORTFOLIO_NOTEBOOK

    folder.mkdir(parents=True, exist_ok=True)
    for name in names or (*ACCOUNT_NOTEBOOKS, PORTFOLIO_NOTEBOOK):
        nb = new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        params = new_code_cell('account_id = "x"\nparams_dir = "."\nas_of = None')
        params.metadata["tags"] = ["parameters"]
        nb.cells = [new_markdown_cell(f"# {name}"), params, new_code_cell("print('planning', as_of)")]
        if extra:
            nb.cells.append(new_code_cell(extra))
        if name == fail_in:
            condition = f"if account_id == {fail_for!r}:\n    " if fail_for else ""
            nb.cells.append(new_code_cell(f"{condition}raise ValueError('deliberate failure')"))
        for i, cell in enumerate(nb.cells):
            cell.id = f"{name[:2]}-{i}"
        nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


@pytest.fixture
def fake_notebooks(tmp_path: Path) -> Path:
    return write_notebooks(tmp_path / "notebooks")
