"""Benchmark of the portfolio batch, side by side with the naive way, in one run.

    .venv/bin/python benchmarks/batch.py [--accounts 30] [--skip-naive]
    .venv/bin/python benchmarks/batch.py --scaling 30 100 300 [--workers 2]

Builds a portfolio of N accounts in a temporary folder (copies of the demo accounts under new
ids) and prints the time of:
  (a) the naive way: the `papermill` CLI in a shell loop, one process and kernel per notebook,
      for the four step notebooks of every account and the overview;
  (b) `kam batch` from cold;
  (c) `kam batch` again with nothing changed;
  (d) `kam run` of one account;
  (e) the floor: the same analysis, figures and tables computed in one Python process without
      notebooks or kernels;
  (b+pdf) when Chromium is installed, (b) again with the PDFs printed (the naive loop makes none);
and the ratios a/b and b/e. With --scaling it instead runs `kam batch --scheduler` on a Dask
LocalCluster for each portfolio size and prints the time, accounts per minute and the peak
memory of each worker process. Nothing here is a test: it prints
figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STEPS = ("01_environment_analysis", "02_competitor_positioning", "03_scorecard", "04_action_plan")


def make_portfolio(folder: Path, count: int) -> list[str]:
    """N accounts: the demo accounts, then copies under new ids (competes_with dropped in copies)."""
    shutil.copytree(ROOT / "parameters", folder)
    demo = sorted(p.stem for p in (folder / "accounts").glob("*.yaml"))
    ids = list(demo[:count])
    n = 0
    while len(ids) < count:
        source = demo[n % len(demo)]
        new_id = f"{source}-copy{n // len(demo) + 1}"
        text = (folder / "accounts" / f"{source}.yaml").read_text()
        text = text.replace(f"id: {source}", f"id: {new_id}", 1)
        lines = [line for line in text.splitlines() if not line.startswith("competes_with:")]
        (folder / "accounts" / f"{new_id}.yaml").write_text("\n".join(lines) + "\n")
        ids.append(new_id)
        n += 1
    for extra in demo[count:]:
        (folder / "accounts" / f"{extra}.yaml").unlink()
        for other in (folder / "accounts").glob("*.yaml"):  # keep competes_with pointing at existing ids
            text = other.read_text()
            if extra in text:
                other.write_text(text.replace(f"[{extra}]", "[]").replace(f", {extra}", "").replace(f"{extra}, ", ""))
    return ids


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def naive(params: Path, ids: list[str], work: Path) -> float:
    out = work / "naive"
    out.mkdir()
    lines = [f'"{BIN / "papermill"}" "{ROOT}/notebooks/{nb}.ipynb" "{out}/{i}-{nb}.ipynb" -p account_id {i} '
             f'-p params_dir "{params}" --no-progress-bar -k python3' for i in ids for nb in STEPS]
    lines.append(f'"{BIN / "papermill"}" "{ROOT}/notebooks/00_portfolio_overview.ipynb" "{out}/overview.ipynb" '
                 f'-p params_dir "{params}" --no-progress-bar -k python3')
    script = work / "naive.sh"
    script.write_text("set -e\n" + "\n".join(lines) + "\n")
    return timed(["bash", str(script)], work)


def floor(params: Path, ids: list[str]) -> float:
    """Every analysis, chart and table of the step notebooks, in this process, no kernels."""
    import io

    from kamlib.display import charts, tables
    from kamlib.method import action_plan, competition, economics, environment, findings, scorecard
    from kamlib.parameters import workbook

    started = time.perf_counter()
    for account_id in ids:
        p = workbook.open_account(account_id, params)
        a, s, d = p.account, p.settings, p.as_of
        forces = environment.forces_table(a)
        criteria = competition.criteria_table(a)
        card = scorecard.scorecard_table(a, s, d)
        money = economics.financials_table(a)
        projects = action_plan.projects_table(a, d)
        contacts = action_plan.contacts_table(a, d)
        figures = [charts.forces_map(forces), charts.forces_heatmap(environment.heatmap_grid(forces)),
                   charts.criteria_dots(criteria, ["us"] + [c.name for c in a.rivals]),
                   charts.wallet_bar(competition.share_of_wallet(a), s.currency),
                   charts.ladder_chart(competition.ladder_table(a)),
                   charts.scorecard_trend(card, s), charts.financials_chart(money, s.currency)]
        if len(projects):
            figures.append(charts.gantt(projects, d))
        if len(contacts):
            figures.append(charts.relationship_map(contacts))
        for fig in figures:
            fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")
        for frame in (forces, criteria, money, projects, contacts, scorecard.assessment_matrix(card)):
            tables.styled(frame).to_html()
        findings.environment_findings(a), findings.competition_findings(a)
        findings.scorecard_findings(a, s, d), findings.plan_findings(a, s, d)
    return time.perf_counter() - started


def _peak_memory() -> float:
    """Peak resident memory (MB) of this worker process. (Its kernels are separate processes of
    about 150-200 MB each, one at a time per worker thread; RUSAGE_CHILDREN would report the
    worker's own size at fork time, not theirs.)"""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scaling(sizes: list[int], workers: int) -> None:
    from distributed import Client, LocalCluster

    os.environ["KAM_CHROMIUM"] = "off"  # like (b): HTML documents, no PDFs; the workers inherit it
    print(f"scaling on a Dask LocalCluster: {workers} worker processes × 1 thread; {os.cpu_count()} cores")
    print(f"{'accounts':>8}  {'time':>8}  {'per minute':>10}  peak memory of each worker process")
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp, \
                LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            work = Path(tmp)
            params = work / "parameters"
            make_portfolio(params, size)
            seconds = timed([str(BIN / "kam"), "--params", str(params), "--outputs", str(work / "outputs"), "batch",
                             "--scheduler", cluster.scheduler_address], work)
            with Client(cluster) as client:
                memory = client.run(_peak_memory)
            peaks = ", ".join(f"{w:.0f} MB" for w in memory.values())
            print(f"{size:>8}  {seconds:>6.1f} s  {size / seconds * 60:>10.1f}  {peaks}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=30)
    parser.add_argument("--skip-naive", action="store_true", help="leave out (a), the slow part")
    parser.add_argument("--scaling", type=int, nargs="+", metavar="N", help="portfolio sizes to run on a LocalCluster")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="LocalCluster worker processes")
    args = parser.parse_args()
    if args.scaling:
        scaling(args.scaling, args.workers)
        return
    kam = [str(BIN / "kam")]
    # (a) makes neither HTML documents nor PDFs; (b)-(d) make the HTML documents, and PDFs only
    # in the extra row (b+pdf), so the comparison is like for like
    with_pdfs = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    os.environ["KAM_CHROMIUM"] = "off"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        params = work / "parameters"
        ids = make_portfolio(params, args.accounts)
        base = kam + ["--params", str(params), "--outputs", str(work / "outputs")]
        print(f"portfolio: {len(ids)} accounts × {len(STEPS)} notebooks + overview; {os.cpu_count()} cores")
        a = None if args.skip_naive else naive(params, ids, work)
        b = timed(base + ["batch"], work)
        c = timed(base + ["batch"], work)
        d = timed(kam + ["--params", str(params), "--outputs", str(work / "single"), "run", ids[0]], work)
        e = floor(params, ids)
        f = None
        if with_pdfs:
            os.environ["KAM_CHROMIUM"] = with_pdfs
            f = timed(kam + ["--params", str(params), "--outputs", str(work / "pdfs"), "batch"], work)
        rows = [("(a) naive papermill CLI loop", a), ("(b) kam batch, cold", b), ("(c) kam batch, nothing changed", c),
                ("(d) kam run, one account", d), ("(e) floor: analysis in one process", e),
                ("(b+pdf) kam batch, cold, with 2 PDFs/account", f)]
        for label, seconds in rows:
            print(f"{label:<40} {'skipped' if seconds is None else f'{seconds:8.1f} s'}")
        if a is not None:
            print(f"a/b = {a / b:.1f}  (goal ≥ 10)")
        print(f"b/e = {b / e:.1f}")


if __name__ == "__main__":
    main()
