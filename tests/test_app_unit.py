"""The app's pieces without a server: which account a page plans, its links, the portfolio
page's list, and what `kam app` checks and starts (the browser tests are tests/test_app.py)."""

from __future__ import annotations

import json
import os
import socket
import sys

import pytest

from kamlib.cli import main
from kamlib.display import pages
from kamlib.errors import UsageError
from kamlib.execution import app
from kamlib.method import portfolio
from kamlib.parameters import workbook
from tests.conftest import DEMO_PARAMS, NOTEBOOKS


@pytest.fixture
def in_app(monkeypatch):
    """A kernel of the app: Voilà names itself and passes the page's query string."""
    monkeypatch.delenv("KAM_BATCH", raising=False)
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    monkeypatch.setenv("QUERY_STRING", "account=harbor-snacks")
    monkeypatch.setenv(pages.APP_PARAMS, "/srv/plans/parameters")
    return monkeypatch


def test_outside_the_app_the_notebooks_parameters_stand(monkeypatch):
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    monkeypatch.setenv("QUERY_STRING", "account=harbor-snacks")  # set by something else: ignored
    assert pages.app_parameters("northwind-foods", "../parameters") == ("northwind-foods", "../parameters")
    assert pages.app_params_dir("../parameters") == "../parameters"
    assert pages.step_bar("northwind-foods", "01_environment_analysis") is None


def test_in_the_app_the_address_chooses_the_account_and_kam_app_the_folder(in_app):
    assert pages.app_parameters("northwind-foods", "../parameters") == ("harbor-snacks", "/srv/plans/parameters")
    assert pages.app_params_dir("../parameters") == "/srv/plans/parameters"
    in_app.setenv("QUERY_STRING", "account=&theme=dark")  # no account given: the default stands
    assert pages.app_parameters("northwind-foods", "../parameters")[0] == "northwind-foods"
    in_app.setenv("QUERY_STRING", "account=a&account=kestrel-dairy")  # the last one given
    assert pages.requested("account") == "kestrel-dairy"


def test_a_batch_run_never_reads_the_address(in_app):
    in_app.setenv("KAM_BATCH", "1")
    assert pages.app_parameters("northwind-foods", "../parameters") == ("northwind-foods", "../parameters")
    assert pages.account_index(None, None) is None  # returns before reading anything


def test_links_keep_the_account_and_open_in_the_same_tab(in_app):
    assert pages.step_link("03_scorecard", "harbor snacks") == "03_scorecard.ipynb?account=harbor%20snacks"
    bar = pages.step_bar("harbor-snacks", "02_competitor_positioning").data
    assert bar.count('target="_self"') == 5  # portfolio, the three other steps, re-run
    assert '<strong aria-current="page">2 Competitors</strong>' in bar
    assert bar.count('href="02_competitor_positioning.ipynb?account=harbor-snacks"') == 1  # re-run: this page
    assert 'href="00_portfolio_overview.ipynb"' in bar and "— <strong>harbor-snacks</strong>" in bar


def test_the_portfolio_page_lists_every_account_with_its_class_health_and_reasons(in_app):
    whole, as_of = workbook.open_portfolio(DEMO_PARAMS)
    html = pages.account_index(whole, as_of).data
    table = portfolio.portfolio_table(whole, as_of)
    assert html.count("<tr>") == len(whole.accounts) + 1  # the head and one row per account
    for item in portfolio.actions_first(whole, table):
        for reason in item.reasons:
            assert reason.text.replace("'", "&#x27;") in html, reason.text
    assert html.count("<em>nothing pressing</em>") == len(whole.accounts) - len(portfolio.actions_first(whole, table))
    row = html[html.index("Northwind Foods plc"):].split("</tr>")[0]
    for step, _ in pages.STEPS:
        assert f'href="{step}.ipynb?account=northwind-foods"' in row
    assert "key account" in row and "key_account" not in html


def test_kam_app_refuses_a_port_in_use_or_out_of_range():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(UsageError, match=f"port {taken.getsockname()[1]} is in use"):
            app.check_port(taken.getsockname()[1])
    for wrong in (0, 65536):
        with pytest.raises(UsageError, match="expected a number from 1 to 65535"):
            app.check_port(wrong)


def test_kam_app_refuses_a_folder_without_a_portfolio_before_starting_anything(tmp_path, capsys):
    assert main(["--params", str(tmp_path), "app", "--port", "8866"]) == 2
    assert "no portfolio.yaml here" in capsys.readouterr().err


def test_voila_is_started_hidden_local_offline_and_on_the_folder_served(tmp_path, monkeypatch):
    command = app.voila_command(NOTEBOOKS, 8901)
    assert command[:3] == [sys.executable, "-m", "voila"] and command[3] == str(NOTEBOOKS)
    for option in ("--no-browser", "--port=8901", "--Voila.ip=localhost", "--Voila.port_retries=0",
                   "--template=kam", "--VoilaConfiguration.preheat_kernel=False"):
        assert option in command
    monkeypatch.setenv("KAM_BATCH", "1")
    monkeypatch.setenv("JUPYTER_PATH", "/opt/jupyter")
    env = app.app_environment(tmp_path)
    assert "KAM_BATCH" not in env and env[pages.APP_PARAMS] == str(tmp_path.resolve())
    assert env["JUPYTER_PATH"].split(os.pathsep) == [str(app.TEMPLATES), "/opt/jupyter"]
    template = app.TEMPLATES / "voila" / "templates" / app.TEMPLATE
    assert json.loads((template / "conf.json").read_text()) == {"base_template": "lab"}
    assert "'://' in line" in (template / "index.html.j2").read_text()  # the CDN links are dropped
    assert "://" not in (template / "page.html").read_text()  # the folder list and error pages' frame


def test_an_account_started_but_not_filled_in_is_listed_with_the_way_to_its_steps(in_app, tmp_path):
    import shutil

    from kamlib.parameters import yaml_editing

    params = tmp_path / "parameters"
    shutil.copytree(DEMO_PARAMS, params)
    yaml_editing.new_account(params, "zz-new-co", {"name": "ZZ New Co", "industry": "Food", "country": "GB"})
    whole, as_of = workbook.open_portfolio(params)
    assert "zz-new-co" in whole.left_out and "zz-new-co" not in whole.accounts
    html = pages.account_index(whole, as_of).data
    row = html[html.index(">zz-new-co</a>"):].split("</tr>")[0]
    assert "not filled in yet" in row and f"{whole.left_out['zz-new-co']} values still marked TODO" in row
    assert 'href="04_action_plan.ipynb?account=zz-new-co"' in row


def test_in_jupyterlab_the_list_names_the_accounts_without_links(monkeypatch):
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    monkeypatch.delenv("KAM_BATCH", raising=False)
    whole, as_of = workbook.open_portfolio(DEMO_PARAMS)
    html = pages.account_index(whole, as_of).data
    assert "<a " not in html and "<strong>Northwind Foods plc</strong>" in html


def test_in_the_app_a_workbook_error_shows_as_its_message_not_a_traceback(in_app, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        pages.app_parameters("northwind-foods", "../parameters")
        shell.run_cell("from kamlib.errors import UsageError\nraise UsageError(\"no account 'nope' in parameters/accounts\")")
        shown = capsys.readouterr().out
        assert "This page stopped here:\nno account 'nope' in parameters/accounts" in shown
        assert "Traceback" not in shown and "raise UsageError" not in shown
        shell.run_cell("1 / 0")  # any other error keeps its traceback: it is a defect to report
        assert "ZeroDivisionError" in capsys.readouterr().out
    finally:
        InteractiveShell.clear_instance()
