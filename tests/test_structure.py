"""The package's shape: importing it changes nothing of the caller's world, and every class
name says one thing."""

import ast
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import kamlib

PACKAGE = Path(kamlib.__file__).parent
MODULES = sorted(
    "kamlib." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
    for p in PACKAGE.rglob("*.py")
    if p.name != "__main__.py" and p.stem != "forkserver"  # the fork server's hook runs the warm-up, on purpose
)


def test_no_two_classes_share_a_name():
    names = Counter(node.name for path in PACKAGE.rglob("*.py")
                    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.ClassDef))
    assert [name for name, n in names.items() if n > 1] == []


def test_importing_every_module_leaves_matplotlib_settings_alone_and_does_no_work():
    """No global chart style, no warm-up, no file read at import (the templates are read when a
    document is made)."""
    script = (
        "import json, sys, matplotlib\n"
        "before = {k: repr(v) for k, v in matplotlib.rcParams.items()}\n"
        "opened = []\n"
        "sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == 'open' else None)\n"
        f"for name in {MODULES!r}:\n"
        "    __import__(name)\n"
        "after = {k: repr(v) for k, v in matplotlib.rcParams.items()}\n"
        "print(json.dumps({'changed': sorted(k for k in before if before[k] != after[k]),\n"
        "                  'templates': [p for p in opened if p.endswith(('.j2', '.ipynb'))]}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen == {"changed": [], "templates": []}
    assert len(MODULES) > 30  # the list really holds the package


def test_a_chart_is_drawn_in_the_workbook_style_without_changing_the_callers_settings():
    import matplotlib
    import pandas as pd

    from kamlib.display import charts

    before = matplotlib.rcParams["axes.titleweight"]
    fig = charts.health_bars(pd.DataFrame({"account": ["a", "b"], "plan_health": [80, 40], "overdue_projects": [0, 2]}))
    assert fig.axes[0].title.get_fontweight() == "bold" and fig.axes[0].spines["top"].get_visible() is False
    assert matplotlib.rcParams["axes.titleweight"] == before
