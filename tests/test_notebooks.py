"""Every step notebook under papermill: every demo account, a non-default account, a thin one.

(`make test` also runs the notebooks as they are opened, under nbval: see pyproject.toml.)
"""

import json
import shutil
from pathlib import Path

import papermill
import pytest

from kamlib.execution.runner import ACCOUNT_NOTEBOOKS, PORTFOLIO_NOTEBOOK
from kamlib.parameters import loader, scaffold
from tests.conftest import DEMO_PARAMS, NOTEBOOKS

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]
DEMO_IDS = loader.account_ids(DEMO_PARAMS)


def execute(name: str, out_dir: Path, **parameters) -> dict:
    out = out_dir / f"{name}.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(out), parameters=parameters,
                               kernel_name="python3", progress_bar=False)
    return json.loads(out.read_text())


def outputs_of(nb: dict) -> list[dict]:
    return [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


def check_executed(nb: dict, name: str) -> None:
    outs = outputs_of(nb)
    assert not [o for o in outs if o["output_type"] == "error"], f"{name} raised"
    assert any("image/png" in o.get("data", {}) for o in outs), f"{name} shows no figure"
    assert any("<table" in "".join(o.get("data", {}).get("text/html", "")) for o in outs), f"{name} shows no table"
    stderr = "".join("".join(o.get("text", "")) for o in outs if o.get("name") == "stderr")
    assert "Warning" not in stderr, f"{name} printed warnings: {stderr[:300]}"


def test_the_demo_portfolio_is_valid_and_the_default_account_exists():
    whole = loader.load_portfolio(DEMO_PARAMS)
    assert len(whole.accounts) >= 25
    assert "northwind-foods" in whole.accounts


@pytest.fixture(scope="module")
def demo_batch(tmp_path_factory) -> Path:
    """The step notebooks executed on every demo account by one `kam batch` (papermill in forked
    kernels, one per account): a quarter of the time of one plain papermill call per notebook."""
    from kamlib.cli import main

    outputs = tmp_path_factory.mktemp("demo-batch") / "outputs"
    assert main(["--params", str(DEMO_PARAMS), "--outputs", str(outputs), "batch"]) == 0
    return outputs


@pytest.mark.parametrize("account_id", DEMO_IDS)
def test_step_notebooks_run_on_every_demo_account(account_id, demo_batch):
    for name in ACCOUNT_NOTEBOOKS:
        nb = json.loads((demo_batch / account_id / "latest" / f"{name}.ipynb").read_text())
        check_executed(nb, f"{name} on {account_id}")


@pytest.mark.parametrize("account_id", ["northwind-foods", "agrivera-crop-protection"])
def test_step_notebooks_run_under_a_plain_papermill_call(account_id, tmp_path):
    """The way a user's own script would run them: one papermill call, one kernel per notebook."""
    for name in ACCOUNT_NOTEBOOKS:
        nb = execute(name, tmp_path, account_id=account_id, params_dir=str(DEMO_PARAMS))
        check_executed(nb, f"{name} on {account_id}")


def test_notebooks_honour_a_non_default_date_and_folder(tmp_path):
    copy = tmp_path / "params"
    shutil.copytree(DEMO_PARAMS, copy)
    nb = execute("03_scorecard", tmp_path, account_id="harbor-snacks", params_dir=str(copy), as_of="2025-12-31")
    text = json.dumps(nb)
    assert "Harbor" in text and "2025-12-31" in text
    assert "2026-09-30" not in "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs_of(nb))


def test_notebooks_run_on_a_thin_account_from_the_template(tmp_path):
    copy = tmp_path / "params"
    (copy / "accounts").mkdir(parents=True)
    shutil.copy(DEMO_PARAMS / "portfolio.yaml", copy)
    scaffold.write_account_template(copy, "thin-account")
    for name in ACCOUNT_NOTEBOOKS:
        check_executed(execute(name, tmp_path, account_id="thin-account", params_dir=str(copy)), name)


def test_portfolio_overview_runs_on_the_demo_portfolio(tmp_path):
    nb = execute(PORTFOLIO_NOTEBOOK, tmp_path, params_dir=str(DEMO_PARAMS))
    check_executed(nb, PORTFOLIO_NOTEBOOK)
    assert "Daniel Okafor" in json.dumps(nb)  # the team member on two competing accounts
