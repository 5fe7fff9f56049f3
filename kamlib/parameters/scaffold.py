"""`kam new`: a commented template account file that validates as written, ready to fill in.

The template's first line points an editor at `../schemas/account.schema.json`; the schemas are
written beside `accounts/` when the folder lacks them, so the link works in any parameters folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from kamlib.errors import UsageError
from kamlib.parameters import loader, schema
from kamlib.parameters.rules import RESERVED_IDS
from kamlib.parameters.yaml_source import display_path

PLACEHOLDER_ID = "new-account-id"


def account_template(account_id: str) -> str:
    """The template text with the id filled in."""
    text = resources.files("kamlib.parameters").joinpath("templates/account.yaml").read_text(encoding="utf-8")
    return text.replace(PLACEHOLDER_ID, loader.check_account_id(account_id))


def write_account_template(params_dir: Path, account_id: str) -> Path:
    """Write `accounts/<id>.yaml` (and `schemas/` if missing); refuses to overwrite an existing file."""
    path = loader.account_path(Path(params_dir), account_id)
    if account_id in RESERVED_IDS:
        raise UsageError(f"'{account_id}' is reserved for the portfolio overview; choose another id")
    if path.exists():
        raise UsageError(f"{display_path(path)} already exists; not overwriting it")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:  # "x": never clobber a file created meanwhile
        handle.write(account_template(account_id))
    write_missing_schemas(params_dir)
    return path


def write_missing_schemas(params_dir: Path) -> list[Path]:
    """Write `schemas/` (account and portfolio) into the parameters folder unless both files are there."""
    folder = Path(params_dir) / schema.SCHEMAS_DIR
    if all((folder / name).is_file() for name in schema.FILE_NAMES.values()):
        return []
    return schema.write_schemas(folder)
