"""The `kam` command end to end, in a temporary folder, as a user would run it."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_notebooks


def kam(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kamlib", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture
def workdir(tmp_path: Path, tiny_params: Path) -> Path:
    return tiny_params.parent


def test_validate_ok_and_bad_input_exit_2_without_traceback(workdir):
    ok = kam("validate", cwd=workdir)
    assert ok.returncode == 0 and "ok: 2 files valid" in ok.stdout
    path = workdir / "parameters" / "accounts" / "northwind-foods.yaml"
    path.write_text(path.read_text().replace("likelihood: 0.9", "likelihood: 1.9"))
    bad = kam("validate", cwd=workdir)
    assert bad.returncode == 2
    assert "parameters/accounts/northwind-foods.yaml:49: environment[0].likelihood: must be between 0 and 1, got 1.9" \
        in bad.stderr
    assert "Traceback" not in bad.stderr
    run = kam("run", "northwind-foods", cwd=workdir)
    assert run.returncode == 2 and "likelihood" in run.stderr and "Traceback" not in run.stderr
    assert not (workdir / "outputs" / "northwind-foods").exists()


def test_new_writes_a_template_that_validates_and_never_overwrites(workdir):
    made = kam("new", "acme-ltd", cwd=workdir)
    assert made.returncode == 0, made.stderr
    path = workdir / "parameters" / "accounts" / "acme-ltd.yaml"
    text = path.read_text()
    assert "id: acme-ltd" in text and "# " in text
    assert kam("validate", str(path), cwd=workdir).returncode == 0
    assert kam("validate", cwd=workdir).returncode == 0
    again = kam("new", "acme-ltd", cwd=workdir)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert path.read_text() == text
    assert kam("new", "../escape", cwd=workdir).returncode == 2
    assert kam("new", "portfolio", cwd=workdir).returncode == 2


def test_new_links_the_file_to_a_schema_it_writes_beside_accounts(workdir):
    import jsonschema
    from ruamel.yaml import YAML

    schemas = workdir / "parameters" / "schemas"
    assert not schemas.exists()  # the tiny folder ships none
    made = kam("new", "acme-ltd", cwd=workdir)
    assert made.returncode == 0, made.stderr
    assert "parameters/schemas/account.schema.json" in made.stdout
    path = workdir / "parameters" / "accounts" / "acme-ltd.yaml"
    first = path.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/account.schema.json"
    linked = (path.parent / first.split("$schema=")[1]).resolve()
    assert linked == (schemas / "account.schema.json").resolve()
    assert sorted(p.name for p in schemas.iterdir()) == ["account.schema.json", "portfolio.schema.json"]
    # the linked schema is the model's, and the new file is valid against it as an editor reads it
    found = json.loads(linked.read_text())
    assert found == json.loads(kam("schema", cwd=workdir).stdout)
    data = json.loads(json.dumps(YAML(typ="safe").load(path), default=str))  # dates as the strings typed
    jsonschema.validate(data, found, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    # a second account leaves the schemas as they are (they may be the user's own)
    (schemas / "portfolio.schema.json").write_text("{}\n")
    assert kam("new", "beta-ltd", cwd=workdir).returncode == 0
    assert (schemas / "portfolio.schema.json").read_text() == "{}\n"


def test_schema_prints_the_json_schema_of_either_file(workdir):
    from kamlib.parameters.schema import account_schema, portfolio_schema

    default = kam("schema", cwd=workdir)
    assert default.returncode == 0, default.stderr
    assert json.loads(default.stdout) == account_schema() and default.stdout.endswith("}\n")
    assert json.loads(default.stdout)["properties"]["financials"]["minItems"] == 1
    account = kam("schema", "account", cwd=workdir)
    assert account.stdout == default.stdout
    portfolio = kam("schema", "portfolio", cwd=workdir)
    assert portfolio.returncode == 0 and json.loads(portfolio.stdout) == portfolio_schema()
    assert "capacity" in json.loads(portfolio.stdout)["properties"]
    bad = kam("schema", "accounts", cwd=workdir)
    assert bad.returncode == 2 and bad.stdout == ""
    assert "invalid choice: 'accounts'" in bad.stderr and "Traceback" not in bad.stderr
    assert kam("schema", "account", "portfolio", cwd=workdir).returncode == 2


def test_unknown_account_and_bad_date_are_usage_errors(workdir):
    unknown = kam("run", "northwind-food", cwd=workdir)
    assert unknown.returncode == 2 and "did you mean 'northwind-foods'" in unknown.stderr
    bad_date = kam("run", "northwind-foods", "--as-of", "2026-13-01", cwd=workdir)
    assert bad_date.returncode == 2 and "expected a date" in bad_date.stderr
    assert kam("history", "../x", cwd=workdir).returncode == 2
    assert kam("frobnicate", cwd=workdir).returncode == 2


@pytest.mark.slow
def test_run_publishes_the_real_notebooks_then_skips_then_forces(workdir):
    first = kam("run", "northwind-foods", cwd=workdir)
    assert first.returncode == 0, first.stderr
    assert "published v0001" in first.stdout
    version = workdir / "outputs" / "northwind-foods" / "v0001"
    manifest = json.loads((version / "manifest.json").read_text())
    assert manifest["status"] == "published" and manifest["headline"]["class"] == "key_account"
    assert {"python", "kamlib", "papermill"} <= set(manifest["software"])
    for name in ("01_environment_analysis", "02_competitor_positioning", "03_scorecard", "04_action_plan"):
        nb = json.loads((version / f"{name}.ipynb").read_text())
        outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
        assert any("image/png" in o.get("data", {}) for o in outputs), f"{name} has no figure"
        assert not any(o.get("output_type") == "error" for o in outputs)
    html = (version / "plan.html").read_text()
    assert html.count("data:image/png;base64") >= 4
    assert "Northwind Foods plc" in html and "Step 1" in html and "Step 4" in html
    assert "<script" not in html and "https://" not in html
    assert os.readlink(workdir / "outputs" / "northwind-foods" / "latest") == "v0001"

    again = kam("run", "northwind-foods", cwd=workdir)
    assert again.returncode == 0 and "unchanged" in again.stdout
    forced = kam("run", "northwind-foods", "--force", cwd=workdir)
    assert forced.returncode == 0 and "published v0002" in forced.stdout
    # same inputs, same outputs in every executed notebook (no memory addresses, no random ids)
    for name in ("01_environment_analysis", "02_competitor_positioning", "03_scorecard", "04_action_plan"):
        cells = [json.loads((workdir / "outputs" / "northwind-foods" / v / f"{name}.ipynb").read_text())["cells"]
                 for v in ("v0001", "v0002")]
        outs = [[o.get("data", o.get("text")) for c in nb for o in c.get("outputs", [])] for nb in cells]
        assert outs[0] == outs[1], name
    # same inputs, same document: past page one only the version label differs; page one of v0002
    # compares with v0001, and nothing changed
    second = (workdir / "outputs" / "northwind-foods" / "v0002" / "plan.html").read_text()
    steps = html.index('<nav class="toc"')
    assert html[steps:].count("v0001") == 1  # the print footer (and the page footer, past the steps)
    assert second[second.index('<nav class="toc"'):] == html[steps:].replace("v0001", "v0002")
    assert "first version" in html and "changes on v0001 of 2026-11-24" in second
    changes = re.findall(r"([±+−][^<>]*?) on the previous version", second)
    assert changes and all(c.startswith("±") for c in changes), changes

    history = kam("history", "northwind-foods", cwd=workdir)
    assert history.returncode == 0
    lines = history.stdout.splitlines()
    assert lines[1].startswith("v0001") and "key_account" in lines[1]
    assert lines[2].startswith("v0002") and "<- latest" in lines[2]


def test_a_failing_notebook_exits_1_names_account_notebook_cell(workdir):
    broken = write_notebooks(workdir / "broken", fail_in="02_competitor_positioning")
    run = kam("--notebooks", str(broken), "run", "northwind-foods", cwd=workdir)
    assert run.returncode == 1
    assert "northwind-foods: 02_competitor_positioning, cell" in run.stderr
    assert "ValueError: deliberate failure" in run.stderr and "Traceback" not in run.stderr
    assert not (workdir / "outputs" / "northwind-foods" / "v0001").exists()
    assert (workdir / "outputs" / "_failed" / "northwind-foods" / "02_competitor_positioning.ipynb").is_file()


@pytest.mark.slow
def test_batch_runs_every_account_and_portfolio_publishes_overview(workdir):
    notebooks = write_notebooks(workdir / "nb")
    batch = kam("--notebooks", str(notebooks), "batch", cwd=workdir)
    assert batch.returncode == 0, batch.stderr
    assert "[1/1] northwind-foods: published v0001" in batch.stdout
    overview = kam("portfolio", cwd=workdir)  # the real overview notebook
    assert overview.returncode == 0, overview.stderr
    assert (workdir / "outputs" / "portfolio" / "v0001" / "portfolio.html").is_file()
    assert "unchanged" in kam("portfolio", cwd=workdir).stdout


def test_batch_of_a_portfolio_without_account_files_exits_2_without_traceback(tiny_params, outputs, capsys):
    from kamlib import cli
    (tiny_params / "accounts" / "northwind-foods.yaml").unlink()
    assert cli.main(["--params", str(tiny_params), "--outputs", str(outputs), "batch"]) == 2
    err = capsys.readouterr().err
    assert "no account files in" in err and "kam new" in err
    assert list(outputs.iterdir()) == []
