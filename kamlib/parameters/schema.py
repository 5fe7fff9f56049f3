"""The JSON Schema of the parameter files, generated from the model.

An editor with a YAML language server (VS Code with Red Hat's YAML extension, JupyterLab with
jupyterlab-lsp) finds the schema through a file's first line,
`# yaml-language-server: $schema=../schemas/account.schema.json`, and then checks and completes
the file as it is typed, showing each field's description as help. The schema holds what a file
says on its own (types, ranges, enumerations, unknown keys); the rules across fields (weights
summing to 1, ids that must exist) are `kam validate`'s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from kamlib.parameters.atomic import write_atomically
from kamlib.parameters.model import Account, PortfolioSettings, Strict

# Draft 7: what the YAML language server implements. Pydantic's output uses nothing newer once its
# `$defs` are named `definitions`, draft 7's word for them.
DIALECT = "http://json-schema.org/draft-07/schema#"
SCHEMAS_DIR = "schemas"
Kind = Literal["account", "portfolio"]
KINDS: tuple[Kind, ...] = ("account", "portfolio")
FILE_NAMES: dict[Kind, str] = {"account": "account.schema.json", "portfolio": "portfolio.schema.json"}
_MODELS: dict[Kind, tuple[type[Strict], str]] = {
    "account": (Account, "Account file (accounts/<id>.yaml) of the key account planning workbook"),
    "portfolio": (PortfolioSettings, "Portfolio settings (portfolio.yaml) of the key account planning workbook"),
}


def schema_line(relative_path: str) -> str:
    """The first line of a parameter file that points an editor at its schema."""
    return f"# yaml-language-server: $schema={relative_path}"


def account_schema() -> dict[str, Any]:
    """The JSON Schema of an account file."""
    return _schema("account")


def portfolio_schema() -> dict[str, Any]:
    """The JSON Schema of `portfolio.yaml`."""
    return _schema("portfolio")


def _schema(kind: Kind) -> dict[str, Any]:
    model, title = _MODELS[kind]
    # mode="validation" describes what a file may hold: fields with a default stay optional, and
    # dates are strings in date format (a YAML language server reads 2026-03-31 as a string).
    schema = model.model_json_schema(mode="validation", ref_template="#/definitions/{model}")
    schema["definitions"] = schema.pop("$defs", {})
    return {"$schema": DIALECT, **schema, "title": title}


def schema_text(kind: Kind) -> str:
    """The schema as the shipped file holds it: sorted keys, indent 2, a trailing newline."""
    # ASCII only (→ is written \u2192): the same bytes on every platform, printable on any console.
    return json.dumps(_schema(kind), indent=2, sort_keys=True) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write `account.schema.json` and `portfolio.schema.json` into `folder`, each atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        path = folder / FILE_NAMES[kind]
        # an editor reading the schema while it is rewritten sees the old file or the new one, never half
        write_atomically(path, schema_text(kind))
        written.append(path)
    return written
