"""The project's own files: dependencies agree, notebooks are committed clean and parameterised."""

import json
import re
import subprocess
import tomllib

import pytest
from ruamel.yaml import YAML

from tests.conftest import NOTEBOOKS, ROOT

STEP_NOTEBOOKS = sorted(NOTEBOOKS.glob("0*.ipynb"))


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _spec(requirement: str) -> str:
    return requirement[len(re.split(r"[<>=!~ ]", requirement, maxsplit=1)[0]):].replace(" ", "")


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = project["dependencies"] + extras["test"] + extras["distributed"]
    env = YAML(typ="safe").load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    conda_specs = {_name(d): _spec(d) for d in conda}
    for requirement in wanted:
        assert _name(requirement) in conda_specs, f"{requirement} missing from environment.yml"
        assert conda_specs[_name(requirement)] == _spec(requirement), f"{requirement}: versions differ"
    extra = set(conda_specs) - {_name(r) for r in wanted} - {"python", "pip"}
    assert not extra, f"environment.yml has packages pyproject.toml does not: {extra}"
    python = project["requires-python"]
    assert conda_specs["python"] == python
    pip_part = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    assert "-e ." in pip_part


def test_the_five_step_notebooks_exist():
    assert [p.stem for p in STEP_NOTEBOOKS] == ["00_portfolio_overview", "01_environment_analysis",
                                                 "02_competitor_positioning", "03_scorecard", "04_action_plan"]


def test_committed_notebooks_have_no_outputs():
    tracked = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    for path in tracked:
        if path.startswith(("outputs/", "tests/")):
            continue
        nb = json.loads((ROOT / path).read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, f"{path} has outputs"


@pytest.mark.parametrize("path", STEP_NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_has_one_parameters_cell_with_the_contract_names(path):
    nb = json.loads(path.read_text())
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    names = re.findall(r"^(\w+)\s*=", "".join(tagged[0]["source"]), flags=re.MULTILINE)
    expected = ["params_dir", "as_of"] if path.stem.startswith("00") else ["account_id", "params_dir", "as_of"]
    assert names == expected
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", STEP_NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_code_cells_are_short(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert len("".join(cell["source"]).splitlines()) <= 12


def test_readme_shows_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make plans" in readme and "make test" in readme


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
