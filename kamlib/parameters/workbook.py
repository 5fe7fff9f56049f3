"""What a planning notebook opens: one account (or the portfolio) with its settings and date.

Notebooks receive only plain parameters (`account_id`, `params_dir`, `as_of`) and load the
account's content from its file here; nothing from a parameter file is pasted into code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kamlib.parameters import loader
from kamlib.parameters.model import Account, PortfolioSettings

WORKBOOK_SETTING = "KAM_WORKBOOK"


def workbook_dir() -> Path:
    """The folder with the step notebooks (and the course in `training/`).

    The `KAM_WORKBOOK` setting when it is set; else, when kamlib runs from a checkout (an
    editable install), the checkout's top-level `notebooks/`; else the copy installed with
    kamlib as package data (`kamlib/notebooks/`, see pyproject.toml)."""
    setting = os.environ.get(WORKBOOK_SETTING)
    if setting:
        return Path(setting).expanduser().resolve()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / "notebooks").is_dir():
        return checkout / "notebooks"
    from importlib import resources

    return Path(str(resources.files("kamlib").joinpath("notebooks")))


# Read once, when kamlib is imported: a run's default notebooks (`kam --notebooks` overrides).
NOTEBOOKS_DIR = workbook_dir()


@dataclass(frozen=True)
class AccountPlan:
    """One account being planned: its file, the supplier's settings and the planning date."""

    account: Account
    settings: PortfolioSettings
    as_of: date
    params_dir: Path

    @property
    def currency(self) -> str:
        """The portfolio's currency (ISO 4217 code), in which every figure of the account is given."""
        return self.settings.currency


def resolve_params_dir(params_dir: str | Path) -> Path:
    """An absolute folder, or one relative to the working folder; a relative path that does
    not exist there is tried relative to `notebooks/` (where the defaults are written for),
    so `papermill notebooks/01_….ipynb out.ipynb` works from the project root too. Only a
    parameters folder is taken from there: installed, `notebooks/../parameters` is kamlib's
    own `parameters` package, and an error should name the folder the user gave."""
    path = Path(params_dir).expanduser()
    if path.is_absolute() or path.exists():
        return path
    candidate = NOTEBOOKS_DIR / path
    return candidate if (candidate / loader.PORTFOLIO_FILE).is_file() else path


def open_account(account_id: str, params_dir: str | Path = "../parameters", as_of: str | date | None = None) -> AccountPlan:
    """Load and validate one account and the portfolio settings (no other account is read)."""
    folder = resolve_params_dir(params_dir)
    settings = loader.load_settings(folder)
    account = loader.load_account(folder, account_id)
    return AccountPlan(account, settings, loader.parse_as_of(as_of) or settings.as_of, folder)


def open_portfolio(params_dir: str | Path = "../parameters", as_of: str | date | None = None) -> tuple[loader.Portfolio, date]:
    """Load and validate every account of the portfolio, with the planning date. Accounts not filled
    in yet (values still marked TODO) are left out, and named in the portfolio's `left_out`."""
    portfolio = loader.load_portfolio(resolve_params_dir(params_dir)).filled_in()
    return portfolio, portfolio.planning_date(as_of)
