"""The JSON Schema of the parameter files: generated from the model, shipped, and true to it.

Files are read as a YAML language server reads them (YAML 1.2: `2026-03-31` is a string) and
checked with the `jsonschema` package, as an editor would check them while they are typed.
"""

from __future__ import annotations

import copy
import json
import stat
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML

from kamlib.parameters import scaffold, schema
from kamlib.parameters.model import Account, PortfolioSettings
from tests.conftest import DEMO_PARAMS, NOTEBOOKS, ROOT

CASE = NOTEBOOKS / "training" / "case"
SCHEMA_FOLDERS = [DEMO_PARAMS / "schemas", CASE / "schemas"]
ACCOUNT_FILES = sorted([*(DEMO_PARAMS / "accounts").glob("*.yaml"), *(CASE / "accounts").glob("*.yaml")])
PORTFOLIO_FILES = [DEMO_PARAMS / "portfolio.yaml", CASE / "portfolio.yaml"]
TEMPLATE = ROOT / "kamlib" / "parameters" / "templates" / "account.yaml"
NORTHWIND = DEMO_PARAMS / "accounts" / "northwind-foods.yaml"


def as_an_editor_reads(data: Any) -> Any:
    """YAML data as a YAML language server has it: dates are the strings they were written as."""
    if isinstance(data, dict):
        return {str(k): as_an_editor_reads(v) for k, v in data.items()}
    if isinstance(data, list):
        return [as_an_editor_reads(v) for v in data]
    if isinstance(data, (date, datetime)):
        return data.isoformat()
    return data


def read(path: Path) -> Any:
    return as_an_editor_reads(YAML(typ="safe").load(path))


def errors(kind: schema.Kind, data: Any) -> list[str]:
    """Every schema violation in `data`, as `path: message`; empty when the file is valid."""
    found = schema.account_schema() if kind == "account" else schema.portfolio_schema()
    validator_class = jsonschema.validators.validator_for(found)
    validator = validator_class(found, format_checker=validator_class.FORMAT_CHECKER)
    return sorted(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data))


# --- the schema itself ---------------------------------------------------------------------

@pytest.mark.parametrize("folder", SCHEMA_FOLDERS, ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.parametrize("kind", schema.KINDS)
def test_shipped_schema_is_what_the_model_generates(folder: Path, kind: schema.Kind) -> None:
    path = folder / schema.FILE_NAMES[kind]
    shipped = path.read_text(encoding="utf-8") if path.is_file() else "(missing)"
    assert shipped == schema.schema_text(kind), \
        f"{path.relative_to(ROOT)} is not what the model generates: run `make schema` and commit the result"


@pytest.mark.parametrize("kind", schema.KINDS)
def test_schema_is_draft_7_with_a_title_and_no_id(kind: schema.Kind) -> None:
    found = json.loads(schema.schema_text(kind))
    assert found["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(found)
    assert found["title"].startswith(("Account file (accounts/<id>.yaml)", "Portfolio settings (portfolio.yaml)"))
    assert "$id" not in schema.schema_text(kind) and "$defs" not in schema.schema_text(kind)


@pytest.mark.parametrize("kind", schema.KINDS)
def test_every_part_and_every_key_is_described(kind: schema.Kind) -> None:
    found = json.loads(schema.schema_text(kind))
    parts = {"(the file)": found, **found["definitions"]}
    undescribed = [name for name, part in parts.items() if not part.get("description")]
    undescribed += [f"{name}.{key}" for name, part in parts.items()
                    for key, field in part.get("properties", {}).items() if len(field.get("description", "")) < 10]
    assert undescribed == []


def test_ranges_enumerations_and_dates_reach_the_schema() -> None:
    found = schema.account_schema()
    parts = found["definitions"]
    assert parts["CustomerSide"]["properties"]["transparency"] | {"description": ""} == {
        "description": "", "maximum": 5, "minimum": 1, "title": "Transparency", "type": "number"}
    assert parts["Force"]["properties"]["impact"]["type"] == "integer"
    assert (parts["Force"]["properties"]["impact"]["minimum"], parts["Force"]["properties"]["impact"]["maximum"]) \
        == (-2, 2)
    assert parts["YearFinancials"]["properties"]["revenue"]["minimum"] == 0
    assert "maximum" not in parts["YearFinancials"]["properties"]["revenue"]
    assert parts["Competitor"]["properties"]["ladder"]["enum"] == ["vendor", "preferred_supplier", "strategic_partner"]
    assert parts["Assessment"]["properties"]["date"] | {"description": ""} == {
        "description": "", "format": "date", "title": "Date", "type": "string"}
    assert "capacity" not in schema.portfolio_schema()["required"]  # a default keeps a key optional


# --- files checked against it ---------------------------------------------------------------

@pytest.mark.parametrize("path", ACCOUNT_FILES, ids=lambda p: p.name)
def test_every_demo_and_case_account_is_valid(path: Path) -> None:
    assert errors("account", read(path)) == []


@pytest.mark.parametrize("path", PORTFOLIO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_portfolio_file_is_valid(path: Path) -> None:
    assert errors("portfolio", read(path)) == []


def test_the_new_account_template_is_valid() -> None:
    data = as_an_editor_reads(YAML(typ="safe").load(scaffold.account_template("acme-ltd")))
    assert errors("account", data) == []


def test_a_broken_account_fails_with_the_path_of_each_mistake() -> None:
    data = read(NORTHWIND)
    data["industy"] = data.pop("industry")                         # a typo
    data["buying_criteria"][0]["scores"]["us"] = 7                  # a score out of 1..5
    data["scorecard"][0]["date"] = "2026-02-30"                     # no such day
    assert errors("account", data) == [
        ": 'industry' is a required property",
        ": Additional properties are not allowed ('industy' was unexpected)",
        "buying_criteria.0.scores.us: 7 is greater than the maximum of 5",
        "scorecard.0.date: '2026-02-30' is not a 'date'",
    ]


# (path, value, accepted): the schema and the model agree, at the edges of every kind of range
EDGES = [
    (("competitors", 1, "share_of_wallet"), 1.0, True),
    (("competitors", 1, "share_of_wallet"), 1.4, False),
    (("environment", 0, "impact"), -2, True),
    (("environment", 0, "impact"), 3, False),
    (("environment", 0, "horizon"), "someday", False),
    (("relationships", 0, "influence"), 0, False),
    (("financials", 0, "gross_margin"), -1, True),
    (("financials", 0, "gross_margin"), -1.5, False),
    (("financials", 0, "cost_to_serve"), -1, False),
    (("financials", 0, "year"), 1899, False),
    (("country",), "gb", False),
    (("id",), "Northwind", False),
    (("joint_plan", "objectives", 0, "target"), 40, True),  # a number is text to the model
    (("joint_plan", "objectives", 0, "target"), True, False),
    (("joint_plan", "objectives", 0, "target"), "", False),
    (("notes",), None, True),
    (("scorecard", 0, "supplier", "transparency"), 0.5, False),
]


@pytest.mark.parametrize(("path", "value", "accepted"), EDGES, ids=lambda x: str(x))
def test_schema_and_model_agree_on_what_an_account_may_hold(path: tuple, value: Any, accepted: bool) -> None:
    data = read(NORTHWIND)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert (errors("account", data) == []) is accepted
    try:  # the model takes dates as kam's YAML loader gives them: as dates
        Account.model_validate(_dates(copy.deepcopy(data)))
        model_accepts = True
    except ValidationError:
        model_accepts = False
    assert model_accepts is accepted


def test_schema_and_model_agree_on_the_portfolio_capacity() -> None:
    data = read(DEMO_PARAMS / "portfolio.yaml")
    for capacity, accepted in ((1, True), (1000, True), (0, False), (1001, False), (2.5, False)):
        data["capacity"] = capacity
        assert (errors("portfolio", data) == []) is accepted, capacity
        model_data = {**data, "as_of": date.fromisoformat(data["as_of"])}
        try:
            PortfolioSettings.model_validate(model_data)
            assert accepted, capacity
        except ValidationError:
            assert not accepted, capacity


def _dates(data: Any) -> Any:
    """ISO strings back to dates wherever the account model has a date."""
    data["scorecard"] = [{**a, "date": _date(a["date"])} for a in data["scorecard"]]
    data["relationships"] = [{**c, "last_contact": _date(c["last_contact"])} for c in data["relationships"]]
    plan = data["joint_plan"]
    plan["objectives"] = [{**o, "due": _date(o["due"])} for o in plan["objectives"]]
    plan["projects"] = [{**p, "start": _date(p["start"]), "due": _date(p["due"]),
                         "next_steps": [{**s, "due": _date(s["due"])} for s in p.get("next_steps", [])]}
                        for p in plan["projects"]]
    plan["value_delivered"] = [{**v, "date": _date(v["date"])} for v in plan.get("value_delivered", [])]
    data["opportunities"] = [{**o, "close": _date(o["close"])} for o in data.get("opportunities", [])]
    data["risks"] = [{**r, "due": _date(r.get("due"))} for r in data.get("risks", [])]
    if data.get("governance"):
        data["governance"] = {k: _date(v) if k in ("last_review", "next_review", "agreed_on") else v
                              for k, v in data["governance"].items()}
        data["governance"]["decisions"] = [{**d, "date": _date(d["date"])}
                                           for d in data["governance"].get("decisions", [])]
    data["insights"] = [{**i, "date": _date(i["date"])} for i in data.get("insights", [])]
    return data


def _date(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


# --- the first line of every file, and where the schemas are written ------------------------

@pytest.mark.parametrize("path", [*ACCOUNT_FILES, *PORTFOLIO_FILES], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_file_points_at_a_schema_that_exists(path: Path) -> None:
    kind = "portfolio" if path.name == "portfolio.yaml" else "account"
    relative = ("" if kind == "portfolio" else "../") + f"schemas/{schema.FILE_NAMES[kind]}"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == schema.schema_line(relative) == f"# yaml-language-server: $schema={relative}"
    assert (path.parent / relative).is_file()


def test_the_template_starts_with_the_schema_line_of_an_account_file() -> None:
    assert TEMPLATE.read_text(encoding="utf-8").splitlines()[0] == schema.schema_line("../schemas/account.schema.json")


def test_write_schemas_writes_both_files_readable_and_nothing_else(tmp_path: Path) -> None:
    written = schema.write_schemas(tmp_path / "new" / "schemas")
    assert [p.name for p in written] == ["account.schema.json", "portfolio.schema.json"]
    assert sorted(p.name for p in (tmp_path / "new" / "schemas").iterdir()) == [p.name for p in written]
    for path, kind in zip(written, schema.KINDS):
        text = path.read_text(encoding="utf-8")
        assert text == schema.schema_text(kind) and text.endswith("}\n") and text.isascii()
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        assert list(json.loads(text)) == sorted(json.loads(text))  # keys sorted


def test_missing_schemas_are_written_and_present_ones_left_alone(tmp_path: Path) -> None:
    assert [p.name for p in scaffold.write_missing_schemas(tmp_path)] == ["account.schema.json",
                                                                           "portfolio.schema.json"]
    account = tmp_path / "schemas" / "account.schema.json"
    account.write_text("{}\n", encoding="utf-8")  # the user's own: both files are there, nothing is written
    assert scaffold.write_missing_schemas(tmp_path) == []
    assert account.read_text(encoding="utf-8") == "{}\n"
    (tmp_path / "schemas" / "portfolio.schema.json").unlink()  # one missing: both are written again
    assert len(scaffold.write_missing_schemas(tmp_path)) == 2
    assert account.read_text(encoding="utf-8") == schema.schema_text("account")
