"""`kam`: the command line, a thin face over the parameters, execution and publishing layers.

Exit codes: 0 all good; 1 some plans failed (the others still published); 2 bad input or usage.
Every mistake a user can make prints one line per problem and no traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from kamlib import __version__
from kamlib.errors import InputError, KamError, NotFilledIn, Problem, RunError, UsageError
from kamlib.method.wording import plural


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kam", description="Key account planning workbook: validate parameters, run plans, list versions.")
    parser.add_argument("--params", type=Path, default=Path("parameters"),
                        help="folder with portfolio.yaml and accounts/ (default: parameters)")
    parser.add_argument("--outputs", type=Path, default=Path("outputs"),
                        help="folder the plan versions are published in (default: outputs)")
    parser.add_argument("--notebooks", type=Path, default=None,
                        help="folder with the step notebooks (default: the workbook's notebooks/)")
    parser.add_argument("--version", action="version", version=f"kam {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = commands.add_parser("validate", help="check parameter files; exit 2 with one line per problem")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help="files or folders to check (default: the --params folder)")
    p.set_defaults(handler=cmd_validate)

    p = commands.add_parser("new", help="write a commented template account file to fill in")
    p.add_argument("account_id", metavar="ACCOUNT_ID")
    p.set_defaults(handler=cmd_new)

    p = commands.add_parser("schema", help="print the JSON Schema of the parameter files, for editors")
    p.add_argument("kind", nargs="?", choices=("account", "portfolio"), default="account",
                   help="which file: an account file or portfolio.yaml (default: account)")
    p.set_defaults(handler=cmd_schema)

    p = commands.add_parser("run", help="run the planning notebooks for one account and publish a version")
    p.add_argument("account_ids", nargs=1, metavar="ACCOUNT_ID")
    _run_options(p)
    p.set_defaults(handler=cmd_run)

    p = commands.add_parser("batch", help="run every account (or those named) in parallel, then the overview")
    p.add_argument("account_ids", nargs="*", metavar="ACCOUNT_ID")
    p.add_argument("--top", type=int, metavar="N", help="only the N most attractive accounts (portfolio matrix order)")
    p.add_argument("--workers", type=int, metavar="N", help="accounts run at once (default: the number of cores + 1)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the plan jobs on this Dask scheduler, e.g. tcp://10.0.0.5:8786 (extra [distributed])")
    _run_options(p)
    p.set_defaults(handler=cmd_batch)

    p = commands.add_parser("portfolio", help="run the cross-account overview and publish outputs/portfolio/")
    p.add_argument("--as-of", metavar="DATE")
    p.add_argument("--force", action="store_true")
    p.add_argument("--timeout", type=_seconds, default=600, metavar="SECONDS",
                   help="the longest one cell may run (default 600)")
    p.set_defaults(handler=cmd_portfolio)

    p = commands.add_parser("training", help="the training course in notebooks/training/")
    training_commands = p.add_subparsers(dest="training_command", required=True, metavar="COMMAND")
    q = training_commands.add_parser("student-copy", help="write the course notebooks without the answers into DIR")
    q.add_argument("target", metavar="DIR", type=Path)
    q.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    q.set_defaults(handler=cmd_training_student_copy)
    q = training_commands.add_parser("report", help="each student's progress per exercise, from a folder of their "
                                                    "executed notebooks, and the exercises the cohort found hardest")
    q.add_argument("folder", metavar="DIR", type=Path, help="the students' notebooks: one subfolder per student")
    q.add_argument("--out", type=Path, metavar="DIR",
                   help="where to write training-report.html and .csv (default: DIR)")
    q.set_defaults(handler=cmd_training_report)
    q = training_commands.add_parser("handouts", help="the trainer's printed kit from the case: case brief, quiz and "
                                                      "its key, role plays with observer checklists (HTML and PDF)")
    q.add_argument("target", metavar="DIR", type=Path)
    q.set_defaults(handler=cmd_training_handouts)

    p = commands.add_parser("import", help="bring figures, contact dates and the pipeline from a CRM or "
                                            "spreadsheet export")
    import_commands = p.add_subparsers(dest="import_command", required=True, metavar="WHAT")
    q = import_commands.add_parser(
        "accounts", help="update account files from a CSV/XLSX export (financial years, contacts' last contact)")
    q.add_argument("file", type=Path, metavar="FILE", help="the export: .csv or .xlsx")
    q.add_argument("--mapping", metavar="NAME|FILE",
                   help="built-in mapping (salesforce-accounts, salesforce-contacts, hubspot-companies, "
                        "hubspot-contacts, kam-export) or a mapping file; default: the built-in one that fits")
    q.add_argument("--year", type=int, metavar="YYYY", help="the year of every row (an export without a year column)")
    q.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    q.add_argument("--skip-bad-rows", action="store_true", help="import the good rows and list the bad ones")
    q.add_argument("--create", action="store_true",
                   help="start a new account file (from the kam new template) for an account the portfolio lacks")
    q.set_defaults(handler=cmd_import_accounts)
    q = import_commands.add_parser(
        "opportunities", help="update the pipeline (opportunities) of account files from a CRM export (CSV/XLSX)")
    q.add_argument("file", type=Path, metavar="FILE", help="the export: .csv or .xlsx")
    q.add_argument("--mapping", metavar="NAME|FILE",
                   help="built-in mapping (salesforce-opportunities, hubspot-deals, kam-export) or a mapping file; "
                        "default: the built-in one that fits")
    q.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    q.add_argument("--skip-bad-rows", action="store_true", help="import the good rows and list the bad ones")
    q.set_defaults(handler=cmd_import_opportunities)

    p = commands.add_parser("export", help="write a spreadsheet of the portfolio or of one account")
    export_commands = p.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    q = export_commands.add_parser("portfolio", help="every account: headline, financials, scorecard, projects, contacts, pipeline, risks, next steps")
    q.add_argument("file", type=Path, metavar="FILE.xlsx")
    q.add_argument("--as-of", metavar="DATE")
    q.set_defaults(handler=cmd_export, account_id=None)
    q = export_commands.add_parser("account", help="one account: headline, financials, scorecard, projects, contacts, pipeline, risks, next steps")
    q.add_argument("account_id", metavar="ACCOUNT_ID")
    q.add_argument("file", type=Path, metavar="FILE.xlsx")
    q.add_argument("--as-of", metavar="DATE")
    q.set_defaults(handler=cmd_export)

    p = commands.add_parser("history", help="list the published versions of an account")
    p.add_argument("account_id", metavar="ACCOUNT_ID")
    p.set_defaults(handler=cmd_history)

    p = commands.add_parser("diff", help="what changed between two versions (default: the latest two)")
    p.add_argument("account_id", metavar="ACCOUNT_ID")
    p.add_argument("old", nargs="?", metavar="OLD", help="e.g. v0001 or 1")
    p.add_argument("new", nargs="?", metavar="NEW", help="default: the latest version")
    p.set_defaults(handler=cmd_diff)

    p = commands.add_parser("app", help="serve the workbook as a web app on localhost (Voilà, code hidden); "
                                         "Ctrl-C stops it")
    p.add_argument("--port", type=int, default=8866, metavar="N", help="the port to listen on (default 8866)")
    p.set_defaults(handler=cmd_app)
    return parser


def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", metavar="DATE", help="planning date YYYY-MM-DD (default: portfolio's as_of)")
    p.add_argument("--force", action="store_true", help="publish a new version even if nothing changed")
    p.add_argument("--timeout", type=_seconds, default=600, metavar="SECONDS",
                   help="the longest one cell may run; a cell that hangs fails its notebook (default 600)")


def _seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of seconds, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 second, got {value}")
    return value


def cmd_validate(args: argparse.Namespace) -> int:
    """`kam validate [PATH ...]`: check parameter files; 2 with one line per problem, 0 if all are valid."""
    from kamlib.parameters import loader

    paths = args.paths or [args.params]
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    checked, problems = loader.validate_paths(paths)
    warnings = _warnings(paths, {p.file for p in problems})
    for problem in problems:
        print(problem, file=sys.stderr)
    for warning in warnings:
        where = f"{warning.file}:{warning.line}" if warning.line else warning.file
        print(f"{where}: warning: {warning.field}: {warning.message}", file=sys.stderr)
    if problems:
        print(f"{plural(len(problems), 'problem')} in {plural(len({p.file for p in problems}), 'file')}", file=sys.stderr)
        return 2
    count = len(warnings)
    print(f"ok: {plural(checked, 'file')} valid" + (f"; {plural(count, 'warning')}" if count else ""))
    return 0


def _warnings(paths: list[Path], refused: set[str]) -> list[Problem]:
    """The warnings of the valid account files among `paths` (files or folders, as `kam validate`
    takes them); a file with problems gets none (fix those first)."""
    from kamlib.parameters import loader, rules
    from kamlib.parameters.yaml_source import display_path

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            folder = path / loader.ACCOUNTS_DIR
            files += sorted(folder.glob("*.yaml") if folder.is_dir() else path.glob("*.yaml"))
        elif path.name != loader.PORTFOLIO_FILE or path.parent.name == loader.ACCOUNTS_DIR:
            files.append(path)
    found: list[Problem] = []
    for path in files:
        if path.name == loader.PORTFOLIO_FILE or path.name.startswith(".") or display_path(path) in refused:
            continue
        account, problems = loader.load_account_file(path)
        if account is not None and not problems:
            found += rules.located_warnings(path, account)
    return found


def cmd_new(args: argparse.Namespace) -> int:
    """`kam new ACCOUNT_ID`: write the commented template account file (and `schemas/` if missing)."""
    from kamlib.parameters import scaffold, schema

    path = scaffold.write_account_template(args.params, args.account_id)
    print(f"wrote {path}: fill it in, then run `kam validate {path}`")
    print("until no value is marked TODO, the account is not filled in: `kam validate` lists each such value, "
          "and `kam run` and `kam batch` publish no plan of it (the portfolio overview leaves it out)")
    print("an editor with a YAML language server checks it as you type against "
          f"{args.params / schema.SCHEMAS_DIR / schema.FILE_NAMES['account']} (see its first line)")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """`kam schema [account|portfolio]`: print the JSON Schema of an account file or of `portfolio.yaml`."""
    from kamlib.parameters import schema

    print(schema.schema_text(args.kind), end="")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """`kam run ACCOUNT_ID`: run the step notebooks for one account and publish a version (or say it is unchanged)."""
    from kamlib.execution import kernels, runner
    from kamlib.parameters import loader, rules
    from kamlib.publishing import versions

    account_id = args.account_ids[0]
    # bad input is refused before the outputs folder is touched (not even its lock file)
    kernels.fork_kernels()
    loader.load_settings(args.params)
    account = loader.load_account(args.params, account_id)
    loader.parse_as_of(args.as_of)
    notebooks = _notebooks(args)
    marks = rules.todo_marks(account)
    if marks:  # before the outputs folder is touched, as bad input is
        refused = NotFilledIn(account_id, len(marks))
        print(f"[1/1] {account_id}: {refused.summary}")
        raise refused
    with versions.outputs_lock(args.outputs) as lock:
        try:
            result = runner.run_account(args.params, args.outputs, account_id, args.as_of, args.force,
                                        notebooks_dir=notebooks, timeout=args.timeout, fork_kernel=True,
                                        close_in_child=(lock,), stop_check=args.stops.check)
        except RunError as err:
            print(f"[1/1] {account_id}: failed: {err.where}")
            raise
    outcome = (f"published {result.version.name}" if result.status is runner.JobStatus.PUBLISHED
               else f"unchanged (latest {result.version.name})")
    print(f"[1/1] {account_id}: {outcome} ({result.seconds:.1f} s)")
    latest = args.outputs / account_id / "latest"
    print(f"plan documents: {latest / 'plan.html'} (internal), {latest / 'joint-plan.html'} and joint-plan.pptx "
          "(for the customer)")
    _pdf_note([result.pdf])
    args.stops.check()  # a stop during the publish waited for the version; now it ends the run
    return 0


def _pdf_note(results: list[Any]) -> None:
    """Say once, after a run, if the versions it published have no PDFs, and how to get them.
    `results`: the `pdf.PdfResult` of each published version (None where nothing was built)."""
    from kamlib.publishing import pdf

    reasons = sorted({r.reason for r in results if isinstance(r, pdf.PdfResult) and not r.printed and not r.turned_off})
    if reasons:
        print(f"note: PDFs were skipped ({'; '.join(reasons)}); the HTML documents are published. "
              f"To get PDFs, {pdf.HOW_TO_ENABLE}.", file=sys.stderr)


def cmd_batch(args: argparse.Namespace) -> int:
    """`kam batch`: every account (or those named, or the top N) in parallel, then the overview; 1 if any failed."""
    from kamlib.execution import batch, kernels
    from kamlib.parameters import loader
    from kamlib.publishing import versions

    kernels.fork_kernels()  # a bad KAM_FORK_KERNELS is a usage error before anything runs
    if args.account_ids and args.top is not None:
        raise UsageError("give account ids or --top N, not both")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers: expected a number of at least 1, got {args.workers}")
    if args.workers is not None and args.scheduler:
        raise UsageError("give --workers or --scheduler, not both (the cluster decides how many run at once)")
    as_of = loader.parse_as_of(args.as_of)
    whole = loader.load_portfolio(args.params)  # validates every file before anything runs
    if not whole.accounts:
        raise UsageError(f"no account files in {args.params / loader.ACCOUNTS_DIR}; start one with `kam new ACCOUNT_ID`")
    ids = args.account_ids or sorted(whole.accounts)
    for account_id in ids:
        loader.check_account_id(account_id)
        if account_id not in whole.accounts:
            from kamlib.parameters.rules import suggest
            raise UsageError(f"no account '{account_id}' in {args.params}{suggest(account_id, whole.accounts)}")
    if args.top is not None:
        if args.top < 1:
            raise UsageError(f"--top: expected a number of at least 1, got {args.top}")
        from kamlib.method import portfolio
        ids = portfolio.portfolio_table(whole.filled_in(), whole.planning_date(as_of))["account"].head(args.top).tolist()

    tty = sys.stdout.isatty()

    def report(outcome: batch.AccountOutcome, progress: batch.Progress) -> None:
        if tty:
            print("\r\033[K", end="")
        print(f"[{progress.done}/{progress.total}] {outcome.account}: {outcome.summary} ({outcome.seconds:.1f} s)")
        if outcome.error is not None:
            print(f"error: {outcome.error}", file=sys.stderr)
        if tty and progress.done < progress.total:
            print(progress.line(), end="", flush=True)
        sys.stdout.flush()

    notebooks = _notebooks(args)
    started = time.perf_counter()
    with versions.outputs_lock(args.outputs):
        done = batch.run_batch(args.params, args.outputs, ids, as_of, args.force, args.workers, notebooks,
                               args.timeout, report, scheduler=args.scheduler, overview=True,
                               stop_check=args.stops.check)
    _summary(done.accounts)
    overview = done.overview
    assert overview is not None  # asked for
    if overview.error is not None:
        print(f"error: {overview.error}", file=sys.stderr)
    print(f"portfolio overview: {overview.summary}; total {time.perf_counter() - started:.1f} s")
    print(f"plan documents: {args.outputs}/<account>/latest/plan.html (internal), joint-plan.html and joint-plan.pptx "
          f"(for the customer); overview: {args.outputs / 'portfolio' / 'latest' / 'portfolio.html'} and "
          "portfolio.xlsx")
    _pdf_note([o.pdf for o in done.all])
    return 1 if done.failed else 0


def _notebooks(args: argparse.Namespace) -> Path:
    from kamlib.parameters.workbook import NOTEBOOKS_DIR

    folder = (args.notebooks or NOTEBOOKS_DIR).resolve()
    if not folder.is_dir():
        raise UsageError(f"--notebooks: no such folder {folder}")
    return folder


def _summary(outcomes: list[Any]) -> None:
    """The batch's summary table: one `batch.AccountOutcome` a line, then the counts."""
    from kamlib.execution.runner import JobStatus

    width = max(len(o.account) for o in outcomes)
    print(f"\n{'account':<{width}}  {'result':<40}  time")
    for o in outcomes:
        print(f"{o.account:<{width}}  {o.summary:<40}  {o.seconds:5.1f} s")
    failed = sum(1 for o in outcomes if o.status is JobStatus.FAILED)
    unfilled = sum(1 for o in outcomes if o.status is JobStatus.NOT_FILLED_IN)
    print(f"{plural(len(outcomes), 'account')}: {len(outcomes) - failed - unfilled} ok, {failed} failed"
          + (f", {unfilled} not filled in (not published; `kam validate` lists what is marked TODO)" if unfilled else ""))


def cmd_portfolio(args: argparse.Namespace) -> int:
    """`kam portfolio`: run the cross-account overview and publish it in `outputs/portfolio/`."""
    from kamlib.execution import kernels, runner
    from kamlib.parameters import loader
    from kamlib.publishing import versions

    whole = loader.load_portfolio(args.params)  # bad input is refused before the outputs folder is touched
    filled = whole.filled_in()
    if whole.accounts and not filled.accounts:  # so is a portfolio with nothing to report on
        raise NotFilledIn("portfolio", sum(filled.left_out.values()), len(filled.left_out))
    loader.parse_as_of(args.as_of)
    kernels.fork_kernels()
    notebooks = _notebooks(args)
    with versions.outputs_lock(args.outputs) as lock:
        result = runner.run_portfolio(args.params, args.outputs, args.as_of, args.force, notebooks_dir=notebooks,
                                      timeout=args.timeout, fork_kernel=True, close_in_child=(lock,),
                                      stop_check=args.stops.check)
    args.stops.check()  # a stop during the publish waited for the version; now it ends the run
    state = "published" if result.status is runner.JobStatus.PUBLISHED else "unchanged, latest is"
    print(f"portfolio: {state} {result.version.name} ({result.seconds:.1f} s)")
    print(f"portfolio documents: {result.version.path / 'portfolio.html'}, {result.version.path / 'portfolio.xlsx'}")
    _pdf_note([result.pdf])
    return 0


def cmd_training_student_copy(args: argparse.Namespace) -> int:
    """`kam training student-copy DIR`: write the course notebooks without the answers, with the case files."""
    from kamlib.training import exercises

    written = exercises.student_copy(args.target, force=args.force)
    print(f"wrote {len(written)} notebooks without the answers, and the case files, to {args.target}")
    print(f"students open it with: jupyter lab {args.target}")
    return 0


def cmd_training_report(args: argparse.Namespace) -> int:
    """`kam training report DIR`: print each student's progress per exercise and the hardest exercises;
    write them as HTML and CSV. No notebooks, or a file that is no notebook: exit 2, nothing written."""
    from kamlib.training import report

    cohort = report.read_cohort(args.folder)
    print(report.as_text(cohort))
    html, table = report.write_report(cohort, args.out or args.folder)
    print(f"\nwrote {html} and {table}")
    return 0


def cmd_training_handouts(args: argparse.Namespace) -> int:
    """`kam training handouts DIR`: write the handouts as HTML and, with a Chromium on the machine, as PDF."""
    from kamlib.publishing import pdf
    from kamlib.training import handouts

    written = handouts.write(handouts.build(), args.target)
    print(f"wrote {len(written)} handouts to {args.target}: {', '.join(p.name for p in written)}")
    browser = pdf.find_chromium()
    if browser.path is None:
        print(f"no PDFs: {browser.reason}. Open the HTML files in a browser to print them.")
        return 0
    pairs = [(p, p.with_suffix(".pdf")) for p in written]
    try:
        pdf.print_pdfs(pairs, browser.path)
    except pdf.PdfError as err:
        print(f"kam: the PDFs could not be printed: {err}", file=sys.stderr)
        return 1
    finally:
        pdf.close_printer()
    print(f"printed {', '.join(p.name for _, p in pairs)}")
    return 0


def cmd_import_accounts(args: argparse.Namespace) -> int:
    """`kam import accounts FILE`: update account files from a CRM export; 2 for bad rows (nothing written)."""
    from kamlib.exchange import imports

    return _import(args, lambda: imports.import_accounts(
        args.params, args.file, args.mapping, year=args.year, dry_run=args.dry_run,
        skip_bad_rows=args.skip_bad_rows, create=args.create))


def cmd_import_opportunities(args: argparse.Namespace) -> int:
    """`kam import opportunities FILE`: update the pipeline from a CRM export; 2 for bad rows (nothing written)."""
    from kamlib.exchange import imports

    return _import(args, lambda: imports.import_opportunities(
        args.params, args.file, args.mapping, dry_run=args.dry_run, skip_bad_rows=args.skip_bad_rows))


def _import(args: argparse.Namespace, run: Callable[[], Any]) -> int:
    """Run an import and print what it did: the mapping used, the diffs, a summary per account."""
    from kamlib.exchange import imports

    try:
        outcome = run()
    except imports.ImportRefused as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        print(f"{plural(len(err.problems), 'bad row')}: nothing written (fix them, or import the others with "
              "--skip-bad-rows)", file=sys.stderr)
        return 2
    for used in outcome.used:
        print(f"read with mapping {used}")
    for change in outcome.changes:
        print(change.diff, end="")
    for line in imports.describe(outcome):
        print(line)
    if not outcome.changes:
        print("nothing to change: the account files already hold these figures")
    elif args.dry_run:
        print(f"dry run: {plural(len(outcome.changes), 'file')} would change; nothing written")
    else:
        print(f"updated {plural(len(outcome.changes), 'file')}: {', '.join(imports.changed_paths(outcome))} "
              "(the previous text of each is kept as .yaml.bak)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """`kam export portfolio|account ...`: write a spreadsheet of the portfolio or of one account."""
    from kamlib.parameters import loader
    from kamlib.publishing import spreadsheet

    target: Path = args.file
    if target.suffix.lower() != ".xlsx":
        raise UsageError(f"{target}: the export is an Excel workbook; name it FILE.xlsx")
    if not target.parent.is_dir():
        raise UsageError(f"{target.parent}: no such folder")
    settings = loader.load_settings(args.params)
    as_of = loader.parse_as_of(args.as_of) or settings.as_of
    if args.account_id is None:
        whole = loader.load_portfolio(args.params).filled_in()
        if whole.left_out:
            print(f"left out, not filled in: {_left_out(whole.left_out)}", file=sys.stderr)
        sheets = {**spreadsheet.tables(whole, as_of), **spreadsheet.account_tables(
            sorted(whole.accounts.values(), key=lambda a: a.id), settings, as_of)}
        title, count = f"Key account portfolio {as_of.isoformat()}", len(whole.accounts)
    else:
        account = loader.load_account(args.params, args.account_id)
        sheets = spreadsheet.account_tables([account], settings, as_of)
        title, count = f"{account.name}: account plan figures {as_of.isoformat()}", 1
    try:
        spreadsheet.write_workbook(target, sheets, as_of, title, settings.supplier)
    except OSError as err:
        raise UsageError(f"{target}: cannot write ({err.strerror})") from None
    print(f"wrote {target}: {plural(count, 'account')}, sheets {', '.join(sheets)} (as of {as_of.isoformat()})")
    return 0


def _left_out(marks: dict[str, int]) -> str:
    """`acme (3 values marked TODO), beta (1 value marked TODO)`."""
    return ", ".join(f"{i} ({plural(n, 'value')} marked TODO)" for i, n in sorted(marks.items()))


def cmd_history(args: argparse.Namespace) -> int:
    """`kam history ACCOUNT_ID`: list the published versions with their headline figures."""
    from kamlib.parameters import loader
    from kamlib.publishing import versions

    loader.check_account_id(args.account_id)
    found = versions.list_versions(args.outputs, args.account_id)
    if not found:
        print(f"{args.account_id}: no published versions in {args.outputs}")
        return 0
    latest = versions.latest_version(args.outputs, args.account_id)
    print(f"{'version':<8} {'as of':<10}  {'status':<9}  {'class':<17} {'cust':>5} {'ours':>5} {'health':>6} "
          f"{'overdue':>7}  inputs")
    for v in found:
        m = v.manifest()
        h = m.get("headline", {})
        mark = " <- latest" if latest and v.number == latest.number else ""
        print(f"{v.name:<8} {m.get('as_of', '?'):<10}  {m.get('status', '?'):<9}  {h.get('class')!s:<17} "
              f"{_num(h.get('customer_score')):>5} {_num(h.get('supplier_score')):>5} {h.get('plan_health')!s:>6} "
              f"{h.get('overdue_projects')!s:>7}  {str(m.get('input_hash', ''))[:12]}{mark}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    """`kam diff ACCOUNT_ID [OLD [NEW]]`: what changed between two versions (default: the latest two)."""
    from kamlib.parameters import loader
    from kamlib.publishing import history

    loader.check_account_id(args.account_id)
    old, new = history.pick(args.outputs, args.account_id, args.old, args.new)
    lines = history.diff_lines(old, new)
    print(f"{args.account_id}: {old.name} → {new.name}")
    for line in lines or ["no change in the headline figures, assessments, projects, relationships, targets, "
                          "pipeline, risks, next steps or governance"]:
        print(f"  {line}")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """`kam app [--port N]`: serve the step notebooks as a web app (Voilà) on the --params folder
    until Ctrl-C; the portfolio page lists the accounts, each step page edits its sections."""
    from kamlib.execution import app

    return app.serve(args.params, _notebooks(args), args.port)


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def main(argv: list[str] | None = None) -> int:
    """Run `kam` on `argv` (default: the command line) and return its exit code.

    A user's mistake (`InputError`, any other `KamError`) prints one line per problem and returns
    its exit code, never a traceback; Ctrl-C returns 130, SIGTERM 143.
    """
    from kamlib.execution.stopping import StopSignals, Terminated

    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    stops = StopSignals()
    args.stops = stops
    try:
        with stops.installed():
            return handler(args)
    except InputError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        return 2
    except KamError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt as err:
        print("interrupted: nothing half-written was published", file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130


def run() -> NoReturn:
    """The `kam` program. A SIGTERM stops it as Ctrl-C does — a batch stops its workers and their
    kernels and publishes nothing half-written — instead of ending it on the spot, which would
    leave the workers running on (`main` handles both while a command runs)."""
    sys.exit(main())


if __name__ == "__main__":
    run()
