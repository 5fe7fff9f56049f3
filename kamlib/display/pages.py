"""The workbook as an app (`kam app`, served by Voilà): which account a step page plans, the
portfolio page's list of accounts with links to their steps, and the bar that links the steps.

Voilà runs each page in its own kernel and hands it the page's query string as the `QUERY_STRING`
setting (CGI style), so `01_environment_analysis.ipynb?account=northwind-foods` plans that
account. `kam app` also tells the kernels which parameters folder to read (`APP_PARAMS`). In
JupyterLab neither is set and the notebook's parameters stand (the demo account); in a batch run
(`KAM_BATCH=1`) papermill's parameters always stand. The same notebooks serve all three.
"""

from __future__ import annotations

import os
from datetime import date
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, quote

from IPython.display import HTML

from kamlib.errors import KamError
from kamlib.method import portfolio, wording
from kamlib.parameters.loader import Portfolio

APP_PARAMS = "KAM_APP_PARAMS"   # set by `kam app` for its kernels: the parameters folder it serves
PORTFOLIO_PAGE = "00_portfolio_overview"
STEPS = (("01_environment_analysis", "1 Environment"), ("02_competitor_positioning", "2 Competitors"),
         ("03_scorecard", "3 Scorecard"), ("04_action_plan", "4 Action plan"))
RERUN_HINT = "Saved a change? Run this step again to see the plan with it (the same as reloading the page)."


def _batch() -> bool:
    return os.environ.get("KAM_BATCH") == "1"


def in_app() -> bool:
    """Whether this kernel runs a page of the app (Voilà names itself in `SERVER_SOFTWARE`)."""
    return not _batch() and os.environ.get("SERVER_SOFTWARE", "").startswith("voila/")


def requested(name: str) -> str | None:
    """The value of `name` in the app page's query string (the last one given), or None: outside
    the app, in a batch run, or when the page's address does not give it."""
    if not in_app():
        return None
    values = parse_qs(os.environ.get("QUERY_STRING", "")).get(name)
    return (values[-1].strip() or None) if values else None


def app_parameters(account_id: str, params_dir: str | Path) -> tuple[str, str | Path]:
    """The account and parameters folder a step page plans: in the app, the page's `?account=`
    and the folder `kam app` serves; anywhere else the notebook's own parameters, unchanged."""
    if not in_app():
        return account_id, params_dir
    _short_errors()
    return requested("account") or account_id, os.environ.get(APP_PARAMS) or params_dir


def _short_errors() -> None:
    """In the app, a workbook error (a bad parameter file, an unknown account) shows as its message
    alone, one line per problem, not as a Python traceback: the reader is not a programmer."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((KamError,), lambda shell, etype, value, _tb, tb_offset=None:
                             shell._showtraceback(etype, value, [f"This page stopped here:\n{value}"]))


def app_params_dir(params_dir: str | Path) -> str | Path:
    """The parameters folder of the portfolio page: the one `kam app` serves, else `params_dir`."""
    if not in_app():
        return params_dir
    _short_errors()
    return os.environ.get(APP_PARAMS) or params_dir


def _a(href: str, label: str, **attributes: str) -> str:
    """A link that opens in the same tab (JupyterLab's renderer opens any link without a target
    in a new one)."""
    more = "".join(f' {k}="{escape(v)}"' for k, v in attributes.items())
    return f'<a href="{escape(href)}" target="_self"{more}>{escape(label)}</a>'


def step_link(step: str, account_id: str) -> str:
    """The address of a step page for an account, relative to the page linking to it (the app
    serves every notebook of the workbook from the same folder)."""
    return f"{step}.ipynb?account={quote(account_id)}"


def step_bar(account_id: str, step: str) -> HTML | None:
    """The app's navigation at the top of a step page: back to the portfolio, and the account's
    four steps (this one in bold). None outside the app, where the links would not keep the account."""
    if not in_app():
        return None
    links = [_a(f"{PORTFOLIO_PAGE}.ipynb", "Portfolio")]
    for name, label in STEPS:
        links.append(f'<strong aria-current="page">{escape(label)}</strong>' if name == step else
                     _a(step_link(name, account_id), label))
    rerun = _a(step_link(step, account_id), "↻ Re-run this step", title=RERUN_HINT, **{"class": "kam-rerun"})
    return HTML(f'<nav class="kam-steps" aria-label="Steps of the plan">{" · ".join(links)}'
                f" — <strong>{escape(account_id)}</strong> {rerun}</nav>")


LIST = 'style="margin:0;padding-left:1.1em"'   # a row's reasons start level with its name


def account_index(whole: Portfolio, as_of: date) -> HTML | None:
    """The portfolio page's list of accounts, most attractive first: class, plan health and what
    needs action (`portfolio.actions_first`), each name linking (in the app) to the account's four step pages;
    then the accounts started but not filled in yet (`whole.left_out`), so that their step pages
    can be reached to fill them in. None in a batch run (the documents leave this list out: its
    links lead into the app)."""
    if _batch():
        return None
    table = portfolio.portfolio_table(whole, as_of)
    overview = portfolio.accounts_overview(whole, table)
    reasons = {item.account: item.reasons for item in portfolio.actions_first(whole, table)}
    cell = '<td style="text-align:left;vertical-align:top">'
    linked = in_app()  # in JupyterLab the links would lose the account: the names only

    def name_and_steps(account: str, name: str) -> str:
        if not linked:
            return f"<strong>{escape(name)}</strong>"
        steps = " · ".join(_a(step_link(step, account), label) for step, label in STEPS)
        return (f"<strong>{_a(step_link(STEPS[0][0], account), name)}</strong>"
                f'<br><small style="white-space:nowrap">{steps}</small>')

    rows = []
    for r in overview.to_dict("records"):
        account = str(r["account"])
        klass = wording.as_words(r["class"]) if isinstance(r["class"], str) else "not assessed"
        todo = "".join(f"<li>{escape(reason.text)}</li>" for reason in reasons.get(account, ()))
        rows.append(f"<tr>{cell}{name_and_steps(account, str(r['name']))}</td>{cell}{escape(str(klass))}</td>"
                    f'<td style="text-align:right;vertical-align:top">{int(r["plan_health"])}</td>'
                    f"{cell}{f'<ul {LIST}>{todo}</ul>' if todo else '<em>nothing pressing</em>'}</td></tr>")
    for account, marks in sorted(whole.left_out.items()):  # started, not filled in: reached only from here
        rows.append(f"<tr>{cell}{name_and_steps(account, account)}</td>{cell}not filled in yet</td>"
                    f'<td style="text-align:right;vertical-align:top">—</td>'
                    f"{cell}<ul {LIST}><li>{escape(wording.plural(marks, 'value'))} still marked TODO: fill them in on its "
                    "step pages; until then its plan is not published.</li></ul></td></tr>")
    head = "".join(f'<th scope="col" style="text-align:{align}">{h}</th>' for h, align in (
        ("Account and its steps", "left"), ("Class", "left"), ("Plan health", "right"), ("What needs action", "left")))
    return HTML(f'<table class="kam-accounts"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')

