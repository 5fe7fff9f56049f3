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


# A portfolio's own class names (nothing may depend on a class's name): five classes, so by
# default the first two (platinum, gold) are key; silver is made key by its setting.
OWN_CLASSES = [
    {"name": "platinum", "customer_min": 4.0, "supplier_min": 3.5, "team_size": 5,
     "resources": "Executive sponsor and a dedicated team"},
    {"name": "gold", "customer_min": 3.5, "supplier_min": 3.0, "team_size": 3, "colour": "#123456",
     "resources": "Named manager with cross-functional cover"},
    {"name": "silver", "customer_min": 3.0, "supplier_min": 0, "key": True, "team_size": 2,
     "resources": "Selective investment"},
    {"name": "bronze", "customer_min": 2.0, "supplier_min": 0},
    {"name": "watch", "customer_min": 0, "supplier_min": 0, "team_size": 0, "resources": "Standard terms"},
]


def settings_variant(settings: PortfolioSettings, classes: list[dict[str, Any]] | None = None,
                     **changes: Any) -> PortfolioSettings:
    """A copy of the portfolio settings with other classes and/or top-level fields, validated again."""
    data = settings.model_dump()
    if classes is not None:
        data["scorecard"]["classes"] = classes
    data.update(changes)
    return PortfolioSettings.model_validate(data, strict=False)
