"""Test helpers: the tiny hand-checked account, and small variations of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kamlib.parameters import loader
from kamlib.parameters.model import Account, PortfolioSettings

TINY = Path(__file__).resolve().parent / "data" / "tiny"


def tiny() -> tuple[Account, PortfolioSettings]:
    """The format's example account (northwind-foods) and portfolio settings, validated."""
    return loader.load_account(TINY, "northwind-foods"), loader.load_settings(TINY)


def variant(account: Account, **changes: Any) -> Account:
    """A copy of an account with some top-level fields replaced, validated again."""
    data = account.model_dump()
    data.update(changes)
    return Account.model_validate(data, strict=False)
