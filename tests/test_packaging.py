"""The project's own files: dependencies agree, notebooks are committed clean and parameterised,
and kamlib installs for real: a wheel carries the notebooks and templates, and `kam` works from it."""

import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from importlib import metadata
from pathlib import Path

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
    wanted = project["dependencies"] + extras["test"] + extras["distributed"] + extras["dev"]
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


# --- the package: what it lists, imports and ships ---------------------------------------------------

def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _tracked_package_files() -> list[tuple[str, Path]]:
    """(package, file) for every tracked file the wheel must carry: kamlib's own, and notebooks/,
    which installs as kamlib.notebooks."""
    tracked = subprocess.run(["git", "ls-files", "kamlib", "notebooks"], cwd=ROOT, capture_output=True,
                             text=True).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    found = []
    for name in tracked:
        top, *folders, _ = Path(name).parts
        package = ".".join(["kamlib", *folders] if top == "kamlib" else ["kamlib", "notebooks", *folders])
        found.append((package, ROOT / name))
    return found


def test_every_folder_of_kamlib_and_the_notebooks_is_a_listed_package():
    """The packages are listed, not found (the notebooks are mapped into kamlib): a new module or
    data folder must be added to the list, or the wheel goes without it."""
    setuptools = _pyproject()["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"kamlib.notebooks": "notebooks"}
    wanted = set()
    for package, _ in _tracked_package_files():
        parts = package.split(".")
        wanted |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    listed = set(setuptools["packages"])
    assert not wanted - listed, f"add to pyproject.toml's packages (and package-data): {sorted(wanted - listed)}"
    assert not listed - wanted, f"pyproject.toml lists packages with no files: {sorted(listed - wanted)}"


def test_every_file_of_kamlib_and_the_notebooks_is_shipped():
    """Every file that is not a module matches a package-data pattern of its package."""
    data = _pyproject()["tool"]["setuptools"]["package-data"]
    for package, path in _tracked_package_files():
        if path.suffix != ".py":
            assert any(path.match(pattern) for pattern in data.get(package, [])), f"{path} is not package data"


def _imported_distributions() -> dict[str, set[str]]:
    """The third-party modules kamlib imports (by statement, or by name into the kernels' parent)
    and the installed distributions that provide each."""
    from kamlib.execution.runner import KERNEL_MODULES

    names = {m.split(".")[0] for m in KERNEL_MODULES}
    for path in (ROOT / "kamlib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    owners = metadata.packages_distributions()
    return {name: {_name(d) for d in owners.get(name, [])}
            for name in names - set(sys.stdlib_module_names) - {"kamlib", "__future__"}}


def test_every_package_kamlib_imports_is_declared():
    project = _pyproject()["project"]
    declared = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["distributed"]}
    for module, distributions in sorted(_imported_distributions().items()):
        assert distributions & declared, f"kamlib imports {module} ({', '.join(distributions) or 'not installed'}), " \
                                         "which pyproject.toml does not declare"


def test_the_workbook_is_the_checkouts_notebooks_folder_unless_kam_workbook_names_one(monkeypatch, tmp_path):
    from kamlib.parameters import workbook
    from kamlib.training import exercises

    monkeypatch.delenv("KAM_WORKBOOK", raising=False)
    assert workbook.workbook_dir() == NOTEBOOKS
    monkeypatch.setenv("KAM_WORKBOOK", str(tmp_path / "my-workbook"))
    assert workbook.workbook_dir() == tmp_path / "my-workbook"
    assert exercises.TRAINING_DIR == workbook.NOTEBOOKS_DIR / "training"


def test_a_relative_params_dir_is_taken_beside_the_notebooks_only_when_it_holds_parameters(monkeypatch, tmp_path):
    """Installed, notebooks/../parameters is kamlib's own `parameters` package: never take that."""
    from kamlib.parameters.workbook import NOTEBOOKS_DIR, resolve_params_dir

    if NOTEBOOKS_DIR != NOTEBOOKS:
        pytest.skip("KAM_WORKBOOK names another workbook")
    elsewhere = tmp_path / "a" / "b"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    assert resolve_params_dir("../parameters") == NOTEBOOKS / "../parameters"  # the demo, as the notebooks say
    assert resolve_params_dir("../kamlib") == Path("../kamlib")  # a folder there, but no portfolio.yaml


# --- the wheel, installed away from the checkout -----------------------------------------------------

class Installed:
    """kamlib installed from its wheel into a fresh virtual environment, and how to run it."""

    def __init__(self, root: Path, source: Path) -> None:
        self.root, self.source = root, source
        self.python = root / "bin" / "python"
        self.kam = root / "bin" / "kam"
        self.site = Path(_ok([self.python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
        env = {k: v for k, v in os.environ.items() if k not in {"KAM_WORKBOOK", "PYTHONPATH", "VIRTUAL_ENV"}}
        # The dependencies come from the project environment (below), and so must their data files
        # (nbconvert's templates, the python3 kernel spec): a real install puts them in root/share.
        self.env = env | {"KAM_CHROMIUM": "off", "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
                          "PATH": f"{root / 'bin'}{os.pathsep}{env.get('PATH', '')}"}


def _ok(argv: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=300, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, argv))} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """Build the wheel from a copy of the checkout (setuptools would write build/ and *.egg-info into
    the checkout, and an old build/ can slip stale modules into the wheel), install it, not editable,
    into a new virtual environment, and nothing else. Offline: pip builds with this environment's
    setuptools (the test extra) and installs from the file. The environment sees the project
    environment's packages through a .pth line: a plain path, so that environment's own .pth files,
    the editable kamlib's finder among them, are not run."""
    if int(metadata.version("setuptools").split(".")[0]) < 77:
        pytest.fail("building the wheel needs setuptools>=77 (the test extra): make install")
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    ignore = shutil.ignore_patterns("__pycache__", ".*", "*.egg-info")
    shutil.copytree(ROOT / "kamlib", source / "kamlib", ignore=ignore)
    shutil.copytree(NOTEBOOKS, source / "notebooks", ignore=ignore)
    for path in [ROOT / "pyproject.toml", ROOT / "README.md", *ROOT.glob("LICEN[CS]E*")]:
        shutil.copy2(path, source)
    wheels = base / "wheels"
    _ok([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--wheel-dir", wheels, source], cwd=base)
    wheel, = wheels.glob("kamlib-*.whl")
    _ok([sys.executable, "-m", "venv", "--without-pip", base / "venv"], cwd=base)
    env = Installed(base / "venv", source)
    project = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (env.site / "project-environment.pth").write_text("".join(f"{p}\n" for p in project))
    # --ignore-installed: pip sees the project environment's (editable) kamlib and must leave it alone
    _ok([env.python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--ignore-installed", wheel],
        cwd=base, env=env.env)
    return env


PROBE = """
import json, kamlib
from jupyter_client.manager import KernelManager
from kamlib.execution import runner
from kamlib.parameters import workbook
from kamlib.training import exercises
print(json.dumps({"kamlib": kamlib.__file__, "notebooks": str(workbook.NOTEBOOKS_DIR),
                  "training": str(exercises.TRAINING_DIR), "fingerprint": runner.kamlib_fingerprint(),
                  "kernel": KernelManager(kernel_name="python3").format_kernel_cmd()[0]}))
"""


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.slow
def test_the_installed_kamlib_is_the_wheel_with_its_notebooks_and_templates(installed, tmp_path):
    from kamlib.execution import runner

    found = json.loads(_ok([installed.python, "-c", PROBE], cwd=tmp_path, env=installed.env).stdout)
    package = installed.site / "kamlib"
    assert Path(found["kamlib"]) == package / "__init__.py"  # not the checkout's
    assert Path(found["notebooks"]) == package / "notebooks"
    assert Path(found["training"]) == package / "notebooks" / "training"
    assert Path(found["kernel"]) == installed.python  # kernels import the same installed kamlib
    unshipped = _files(installed.source / "notebooks") - _files(package / "notebooks")
    unshipped |= {f for f in _files(installed.source / "kamlib") if not f.endswith(".py")} - _files(package)
    assert not unshipped, f"not in the wheel: {sorted(unshipped)} (pyproject.toml: packages, package-data)"
    # the same .py and .j2 files as the source, and the notebooks (not .py) add nothing to the hash
    assert found["fingerprint"] == runner.source_fingerprint(installed.source / "kamlib")


@pytest.mark.slow
def test_kam_run_and_batch_publish_from_the_wheel_outside_the_checkout(installed, tmp_path):
    shutil.copytree(ROOT / "parameters", tmp_path / "parameters")
    first, second, third = sorted(p.stem for p in (tmp_path / "parameters" / "accounts").glob("*.yaml"))[:3]
    kam = [installed.kam, "--params", "parameters", "--outputs", "outputs"]
    _ok([*kam, "run", first], cwd=tmp_path, env=installed.env)
    latest = tmp_path / "outputs" / first / "latest"
    assert (latest / "plan.html").is_file() and (latest / "joint-plan.html").is_file()
    manifest = json.loads((latest / "manifest.json").read_text())
    assert manifest["status"] == "published"
    for name, digest in manifest["inputs"]["notebooks"].items():  # the installed copies of the notebooks ran
        assert digest == hashlib.sha256((installed.source / "notebooks" / f"{name}.ipynb").read_bytes()).hexdigest()
    assert any("image/png" in p.read_text() for p in latest.glob("*.ipynb"))

    _ok([*kam, "batch", second, third], cwd=tmp_path, env=installed.env)
    for account in (second, third):
        assert (tmp_path / "outputs" / account / "latest" / "plan.html").is_file()
    assert (tmp_path / "outputs" / "portfolio" / "latest" / "portfolio.html").is_file()


@pytest.mark.slow
def test_kam_new_training_and_import_find_their_files_installed(installed, tmp_path):
    shutil.copytree(ROOT / "parameters", tmp_path / "parameters")
    kam = [installed.kam, "--params", "parameters"]
    _ok([*kam, "new", "packaged-account"], cwd=tmp_path, env=installed.env)
    written = tmp_path / "parameters" / "accounts" / "packaged-account.yaml"
    assert "id: packaged-account" in written.read_text()
    _ok([*kam, "validate", written], cwd=tmp_path, env=installed.env)

    _ok([installed.kam, "training", "student-copy", "course"], cwd=tmp_path, env=installed.env)
    course = installed.source / "notebooks" / "training"
    assert {p.name for p in (tmp_path / "course").glob("*.ipynb")} == {p.name for p in course.glob("*.ipynb")}
    assert (tmp_path / "course" / "case" / "portfolio.yaml").read_text() == (course / "case" / "portfolio.yaml").read_text()

    sample = tmp_path / "parameters" / "samples" / "salesforce-account-revenue.csv"  # picks a built-in mapping
    imported = _ok([*kam, "import", "accounts", sample, "--dry-run"], cwd=tmp_path, env=installed.env)
    assert "dry run" in imported.stdout
