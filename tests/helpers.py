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


def large_account(forces: int = 40, contacts: int = 60, projects: int = 80) -> dict[str, Any]:
    """The demo's northwind-foods account grown to `forces` forces, `contacts` contacts (in a
    reporting tree) and `projects` projects (two next steps each, every fifth one with a decision
    needed), with opportunities and risks to match: for tests of documents at scale. A dict ready
    to write as the account's YAML file with `yaml.safe_dump` (it validates)."""
    from datetime import date, timedelta

    root = Path(__file__).resolve().parents[1] / "parameters"
    base = loader.load_account(root, "northwind-foods").model_dump(exclude_none=True)
    kinds = ["technology", "mergers_acquisitions", "investor_pressure", "consumer_demand", "globalisation",
             "complexity", "purchasing_dynamics", "regulation"]
    base["environment"] = [
        {"id": f"F{i + 1}", "force": kinds[i % len(kinds)], "impact": (i % 5) - 2, "likelihood": round(0.1 + (i % 9) / 10, 2),
         "horizon": ["short", "medium", "long"][i % 3],
         "description": f"Force number {i + 1}: a change in the customer's market that needs watching",
         "implication": f"What force {i + 1} means for the customer's packaging"} for i in range(forces)]
    team = [m["name"] for m in base["team"]]
    functions = ["executive", "procurement", "operations", "finance", "product_development", "quality", "marketing"]
    people = []
    for i in range(contacts):
        person = {"name": f"Contact {i + 1:02d} Surname", "title": f"Title of contact {i + 1}",
                  "function": functions[i % len(functions)],
                  "level": "executive" if i < 3 else ("management" if i < 15 else "operational"),
                  "influence": 5 - (i % 5), "attitude": (i % 5) - 2, "owner": team[i % len(team)],
                  "last_contact": (date(2026, 11, 20) - timedelta(days=7 * i))}
        if i:
            person["reports_to"] = f"Contact {(i - 1) // 4 + 1:02d} Surname"
        people.append(person)
    base["relationships"] = people
    plan = base["joint_plan"]
    strategies = [s["id"] for s in plan["strategies"]]
    statuses = ["planned", "in_progress", "in_progress", "done", "blocked", "cancelled"]
    plan["projects"] = [
        {"id": f"P{i + 1}", "title": f"Joint project {i + 1}: improving one packaging line with the customer's team",
         "strategy": strategies[i % len(strategies)], "owner": team[i % len(team)],
         "customer_owner": people[i % contacts]["name"],
         "start": (date(2026, 1, 1) + timedelta(days=5 * i)),
         "due": (date(2026, 10, 1) + timedelta(days=7 * i)),
         "status": statuses[i % len(statuses)], "shared": i % 3 != 2,
         "next_steps": [{"action": f"Step {k + 1} of project {i + 1}", "owner": (team + [people[i % contacts]["name"]])[k % 4],
                         "due": (date(2026, 11, 1) + timedelta(days=3 * i + 20 * k)), "done": k == 0 and i % 4 == 0}
                        for k in range(2)],
         **({"decision_needed": f"A decision the customer owes on project {i + 1}"} if i % 5 == 0 else {})}
        for i in range(projects)]
    plan["value_delivered"] = [v for v in plan.get("value_delivered", []) if not v.get("project")]
    for item in [*base.get("risks", []), *base.get("insights", [])]:  # their contacts are gone
        item.pop("contact", None)
    return base
