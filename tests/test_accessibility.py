"""The published documents checked for accessibility by axe-core, the engine browsers' own tools
use: plan.html, joint-plan.html and portfolio.html have no serious or critical violation.

axe-core comes from the npm registry, pinned and integrity-checked, fetched into .venv when the
tests are set up (`make axe`, a prerequisite of `make test`, which names the file in KAM_AXE); it is
injected with Playwright into the system Chromium. Without Chromium or the axe-core file these
tests skip, unless KAM_REQUIRE_BROWSER=1 (CI): there they must run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from kamlib.execution import runner
from kamlib.method import wording
from kamlib.publishing import versions
from tests.conftest import DEMO_PARAMS, ROOT
from tests.test_browser import _chromium, launch

pytestmark = pytest.mark.slow

ACCOUNT = "northwind-foods"
AXE_SETTING = "KAM_AXE"           # the axe.min.js to use; else the newest under .venv/axe-core/
BLOCKING = ("serious", "critical")  # axe's impact levels a document may not have


def _version(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in path.parent.name.split(".") if part.isdigit())


def axe_script() -> str:
    """The text of axe.min.js (KAM_AXE, else the newest fetched by `make axe`); skip, or fail under
    KAM_REQUIRE_BROWSER=1, when there is none."""
    setting = os.environ.get(AXE_SETTING)
    found = [Path(setting)] if setting else sorted(ROOT.glob(".venv/axe-core/*/axe.min.js"), key=_version)[-1:]
    if found and found[0].is_file():
        return found[0].read_text(encoding="utf-8")
    why = f"no axe-core at {found[0]}" if found else "no axe-core in .venv/axe-core (run `make axe`)"
    if os.environ.get("KAM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"KAM_REQUIRE_BROWSER=1 but {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def axe() -> str:
    return axe_script()


@pytest.fixture(scope="module")
def browser(axe):
    chromium = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = launch(playwright, chromium)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """A rich demo account and the portfolio, freshly published (HTML only)."""
    outputs = tmp_path_factory.mktemp("accessibility") / "outputs"
    with versions.outputs_lock(outputs):
        runner.run_account(DEMO_PARAMS, outputs, ACCOUNT)
        runner.run_portfolio(DEMO_PARAMS, outputs)
    return outputs


def violations(browser, axe: str, document: Path) -> list[dict]:
    """axe-core's serious and critical violations of a document, as it reports them."""
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(document.resolve().as_uri(), wait_until="load")
        page.add_script_tag(content=axe)
        results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    finally:
        context.close()
    return [v for v in results["violations"] if v.get("impact") in BLOCKING]


def describe(found: list[dict]) -> str:
    """One line per violation: its rule, what it asks, and where (the first few elements)."""
    lines = []
    for v in found:
        where = "; ".join(" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                          for n in v["nodes"][:3])
        more = f" (and {len(v['nodes']) - 3} more)" if len(v["nodes"]) > 3 else ""
        lines.append(f"{v['impact']} {v['id']}: {v['help']} — {wording.plural(len(v['nodes']), 'element')}: {where}{more}")
    return "\n".join(lines)


DOCUMENTS = [(ACCOUNT, "plan.html"), (ACCOUNT, "joint-plan.html"), ("portfolio", "portfolio.html")]


@pytest.mark.parametrize(("owner", "name"), DOCUMENTS, ids=[f"{o}/{n}" for o, n in DOCUMENTS])
def test_document_has_no_serious_or_critical_accessibility_violation(published, browser, axe, owner, name):
    found = violations(browser, axe, published / owner / "latest" / name)
    assert not found, f"axe-core finds in {owner}/{name}:\n{describe(found)}"


def test_axe_finds_what_it_should(browser, axe, tmp_path):
    """The check can fail: a page with an empty link and an image without alt text is caught."""
    page = tmp_path / "bad.html"
    page.write_text('<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
                    '<a href="#x"></a><img src="data:image/png;base64,iVBORw0KGgo="></main></body></html>',
                    encoding="utf-8")
    found = {v["id"] for v in violations(browser, axe, page)}
    assert {"link-name", "image-alt"} <= found


NO_DESCRIPTION = "No description has been provided for this image"   # nbconvert's alt when it has none


@pytest.mark.parametrize(("owner", "name"), DOCUMENTS, ids=[f"{o}/{n}" for o, n in DOCUMENTS])
def test_every_figure_says_what_it_shows(published, owner, name):
    page = (published / owner / "latest" / name).read_text(encoding="utf-8")
    images = re.findall(r"<img\b[^>]*>", page)
    alts = [re.search(r'alt="([^"]*)"', img) for img in images]
    bare = [img[:80] for img, alt in zip(images, alts) if alt is None or not alt.group(1).strip()
            or alt.group(1) == NO_DESCRIPTION]
    assert images and not bare, f"{owner}/{name}: {len(bare)} of {len(images)} images say nothing of what they show"
