"""kamlib's layers: imports point one way (README, Project layout), as the import-linter contract
in pyproject.toml says — and the contract catches an import that goes the wrong way."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def lint_imports(checkout: Path) -> subprocess.CompletedProcess:
    """`lint-imports` of this environment on a checkout's kamlib and pyproject.toml (no cache
    written). import-linter is in the test extra: without it this test fails, it does not skip."""
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.fail("import-linter is not installed in this environment (it is in the test extra): "
                    "pip install -e '.[test,distributed]', or make install")
    return subprocess.run([command, "--no-cache", "--no-logo"], cwd=checkout, capture_output=True, text=True,
                          timeout=120, env=os.environ | {"COLUMNS": "200"})  # one import a line, not wrapped


def test_kamlib_imports_point_one_way():
    done = lint_imports(ROOT)
    assert done.returncode == 0 and " 0 broken" in done.stdout, \
        f"kamlib's layers are broken (contract: pyproject.toml, [tool.importlinter]):\n{done.stdout}{done.stderr}"


# An import added to a copy of kamlib, and what lint-imports must then report.
WRONG_WAY = {
    "method imports display": ("method/scorecard.py", "from kamlib.display import charts\n",
                               "kamlib.method.scorecard -> kamlib.display.charts"),
    "display imports publishing inside a function": (
        "display/tables.py", "def _late():\n    from kamlib.publishing import versions\n    return versions\n",
        "kamlib.display.tables -> kamlib.publishing.versions"),
    "exchange imports its sibling execution": ("exchange/crm.py", "from kamlib.execution import runner\n",
                                               "kamlib.exchange.crm -> kamlib.execution.runner"),
    "a module in no layer": ("helpers.py", '"""A module that names no layer."""\n', "- kamlib.helpers"),
}


@pytest.mark.parametrize("case", WRONG_WAY)
def test_the_contract_refuses_an_import_the_wrong_way(case, tmp_path):
    file, added, reported = WRONG_WAY[case]
    shutil.copytree(ROOT / "kamlib", tmp_path / "kamlib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", tmp_path)
    path = tmp_path / "kamlib" / file
    path.write_text((path.read_text() + "\n\n" if path.exists() else "") + added)
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert reported in done.stdout, done.stdout  # the copy was checked, and the import named
