"""Attacks: hostile text, ids and paths, and links out of the folders kam reads and writes.

Text users paste (from e-mails, CRM exports, web pages) must reach the notebooks as data and
appear inert in every document and notebook output; ids and paths must never lead kam outside
`parameters/` or `outputs/`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from kamlib.cli import main
from tests.conftest import DATA

PAYLOADS = [
    '<script>alert("{tag}")</script>',
    '<img src=x onerror=alert("{tag}")>',
    "[click {tag}](javascript:alert(1)) ![{tag}](http://evil.example/x.png)",
    '"""; import os; os._exit(3) # {tag}',
    "'; raise SystemExit('{tag}') #",
    "{{account_id}} %(x)s %s {{{tag}}} \\ back\\slash",
    "line one {tag}\nline two <b>bold</b> <a href=\"http://evil.example\">link</a>",
]
LIVE = [  # what must never appear as markup in a document or a notebook output
    re.compile(r"<script>alert"), re.compile(r"<img src=x"), re.compile(r"<a [^>]*href=\"?javascript:", re.I),
    re.compile(r"<img [^>]*src=\"?http://evil"), re.compile(r"<b>bold</b>"), re.compile(r"<a href=\"http://evil"),
]


def hostile(i: int, field: str) -> str:
    return PAYLOADS[i % len(PAYLOADS)].format(tag=f"kam-{field}")


def hostile_account(folder: Path) -> dict[str, str]:
    """The example account with a hostile payload in every text field a document shows."""
    yaml = YAML(typ="safe")
    path = folder / "accounts" / "northwind-foods.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"))
    put: dict[str, str] = {}

    def set_(container, key, field):
        container[key] = put[field] = hostile(len(put), field)

    set_(data, "name", "name")
    set_(data, "industry", "industry")
    for key in ("strategy", "operations"):
        set_(data["business"], key, f"business-{key}")
    data["business"]["advantages"] = [hostile(len(put), "adv")]
    put["adv"] = data["business"]["advantages"][0]
    for i, force in enumerate(data["environment"]):
        set_(force, "description", f"force{i}")
        set_(force, "implication", f"implication{i}")
    rival_old = data["competitors"][1]["name"]
    set_(data["competitors"][1], "name", "rival")
    for i, criterion in enumerate(data["buying_criteria"]):
        criterion["scores"][put["rival"]] = criterion["scores"].pop(rival_old)
        set_(criterion, "criterion", f"criterion{i}")
    for i, assessment in enumerate(data["scorecard"]):
        set_(assessment, "evidence", f"evidence{i}")
    for i, person in enumerate(data["relationships"]):
        old = person["name"]
        set_(person, "name", f"contact{i}")
        set_(person, "title", f"title{i}")
        for project in data["joint_plan"]["projects"]:
            if project["customer_owner"] == old:
                project["customer_owner"] = person["name"]
    plan = data["joint_plan"]
    set_(plan, "vision", "vision")
    set_(plan, "mission", "mission")
    for i, objective in enumerate(plan["objectives"]):
        set_(objective, "statement", f"objective{i}")
        set_(objective, "target", f"target{i}")
    for i, strategy in enumerate(plan["strategies"]):
        set_(strategy, "statement", f"strategy{i}")
    for i, project in enumerate(plan["projects"]):
        set_(project, "title", f"project{i}")
    set_(data, "notes", "notes")
    yaml.default_flow_style = False
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    return put


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> tuple[Path, dict[str, str], int]:
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "parameters"
    import shutil

    shutil.copytree(DATA / "tiny", folder)
    put = hostile_account(folder)
    code = main(["--params", str(folder), "--outputs", str(root / "outputs"), "run", "northwind-foods"])
    return root / "outputs" / "northwind-foods" / "latest", put, code


@pytest.mark.slow
def test_hostile_text_is_data_the_run_succeeds(hostile_run) -> None:
    latest, put, code = hostile_run
    assert code == 0  # os._exit(3) or SystemExit in a text field would have killed a notebook
    assert len(put) >= 25


@pytest.mark.slow
@pytest.mark.parametrize("document", ["plan.html", "joint-plan.html"])
def test_hostile_text_is_inert_in_the_documents(hostile_run, document: str) -> None:
    latest, put, _ = hostile_run
    page = (latest / document).read_text(encoding="utf-8")
    for pattern in LIVE:
        assert not pattern.search(page), f"{pattern.pattern} is live in {document}"
    escaped = "&lt;script&gt;alert(&quot;kam-" if document == "plan.html" else "&lt;script&gt;alert("
    assert escaped in page or "&lt;script&gt;alert(&#34;kam-" in page  # present, and as text


@pytest.mark.slow
def test_every_internal_payload_reaches_the_internal_plan_as_text(hostile_run) -> None:
    latest, put, _ = hostile_run
    page = (latest / "plan.html").read_text(encoding="utf-8")
    missing = [field for field in put if f"kam-{field}" not in page and not field.startswith("title")]
    assert not missing, f"payloads not shown at all: {missing}"


@pytest.mark.slow
def test_hostile_text_is_inert_in_every_notebook_output(hostile_run) -> None:
    latest, _, _ = hostile_run
    notebooks = sorted(latest.glob("*.ipynb"))
    assert len(notebooks) == 4
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                assert not any("kam-" in "".join(v) for k, v in data.items() if k == "text/markdown"), path.name
                html = "".join(data.get("text/html", []))
                for pattern in LIVE:
                    assert not pattern.search(html), f"{pattern.pattern} live in {path.name}"


# --- ids and paths ----------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["run", "../etc"], ["run", "/etc/passwd"], ["new", "../../escape"], ["new", "Upper Case"],
    ["history", "../northwind-foods"], ["diff", "..", "v0001"], ["batch", "../x"],
    ["export", "account", "../northwind-foods", "x.xlsx"], ["run", "northwind-foods/../../x"],
])
def test_ids_that_are_paths_are_refused(tiny_params: Path, outputs: Path, tmp_path: Path, capsys, argv) -> None:
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(["--params", str(tiny_params), "--outputs", str(outputs), *argv]) == 2
    err = capsys.readouterr().err
    assert "lower-case slug" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_an_account_file_linked_from_outside_parameters_is_refused(tiny_params, outputs, elsewhere, capsys) -> None:
    account = tiny_params / "accounts" / "northwind-foods.yaml"
    os.replace(account, elsewhere / "northwind-foods.yaml")
    account.symlink_to(elsewhere / "northwind-foods.yaml")
    for argv in (["validate"], ["run", "northwind-foods"], ["batch"], ["export", "portfolio", str(elsewhere / "x.xlsx")]):
        assert main(["--params", str(tiny_params), "--outputs", str(outputs), *argv]) == 2, argv
        err = capsys.readouterr().err
        assert "is a symbolic link to" in err and "outside the parameters folder" in err, argv
    assert list(outputs.iterdir()) == [] and not (elsewhere / "x.xlsx").exists()


def test_a_link_that_stays_inside_parameters_is_fine(tiny_params, outputs, capsys) -> None:
    shared = tiny_params / "shared"
    shared.mkdir()
    account = tiny_params / "accounts" / "northwind-foods.yaml"
    os.replace(account, shared / "northwind-foods.yaml")
    account.symlink_to(Path("..") / "shared" / "northwind-foods.yaml")
    assert main(["--params", str(tiny_params), "validate"]) == 0


def test_an_account_folder_in_outputs_linked_elsewhere_is_refused_before_any_kernel(
        tiny_params, outputs, elsewhere, fake_notebooks, capsys) -> None:
    (outputs / "northwind-foods").symlink_to(elsewhere)
    code = main(["--params", str(tiny_params), "--outputs", str(outputs), "--notebooks", str(fake_notebooks),
                 "run", "northwind-foods"])
    assert code == 2
    assert "is a symbolic link" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []
    assert not (outputs / "_staging").exists() or list((outputs / "_staging").iterdir()) == []


def test_a_failed_folder_linked_elsewhere_is_not_followed(tiny_params, outputs, elsewhere, tmp_path, capsys) -> None:
    from tests.conftest import write_notebooks

    broken = write_notebooks(tmp_path / "broken", fail_in="03_scorecard")
    (outputs / "_failed").mkdir()
    keep = elsewhere / "northwind-foods"
    keep.mkdir()
    (keep / "precious.txt").write_text("do not delete")
    (outputs / "_failed" / "northwind-foods").symlink_to(keep)
    code = main(["--params", str(tiny_params), "--outputs", str(outputs), "--notebooks", str(broken),
                 "run", "northwind-foods"])
    assert code in (1, 2)
    assert (keep / "precious.txt").read_text() == "do not delete"
    assert "Traceback" not in capsys.readouterr().err


def test_a_staging_folder_linked_elsewhere_is_unlinked_not_emptied(tiny_params, outputs, elsewhere, fake_notebooks) -> None:
    (elsewhere / "precious.txt").write_text("do not delete")
    (outputs / "_staging").symlink_to(elsewhere)
    code = main(["--params", str(tiny_params), "--outputs", str(outputs), "--notebooks", str(fake_notebooks),
                 "run", "northwind-foods"])
    assert code == 0
    assert (elsewhere / "precious.txt").read_text() == "do not delete"
    assert not (outputs / "_staging").is_symlink()
