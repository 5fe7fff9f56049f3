"""Practice that builds a plan, and the portfolio and confidentiality exercises.

- `check_plan_addition` (T5): the student writes a strategy that answers a force and serves an
  objective, a project staffed on both sides, and a risk with its mitigation. The check judges
  structure and consistency (links to existing objectives and forces, owners on our team and a
  named contact at the customer, dates inside the planning window and before the objective is
  due) and computes the consequences of the student's own choices with the method's functions:
  the plan's gaps and health, the forces left unanswered, the risk's score and rank.
- `check_profit` (T6): the most profitable account after cost to serve, and the loss-makers.
- `check_confidentiality` (T7): what may cross between the teams of two competing accounts.

Every check follows `exercises`' rules: slips get a sentence, hints grow, answers show late.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from pydantic import ValidationError

from kamlib.method import action_plan, environment, risks
from kamlib.method.wording import and_list, money
from kamlib.parameters import workbook
from kamlib.parameters.loader import Portfolio
from kamlib.parameters.model import Account, Project, Risk, Strategy
from kamlib.training import session
from kamlib.training.exercises import REVEAL_AFTER, TRAINING_DIR, Feedback, _cap, _kind, _norm, _slip, _start

MIN_WORDS = 6  # a strategy, a mitigation: a sentence, not a placeholder


def open_training_portfolio() -> tuple[Portfolio, date]:
    """The course's portfolio of accounts (`case/`, as `exercises.open_case` finds it) and its date."""
    from pathlib import Path

    folder = Path("case") if (Path("case") / "portfolio.yaml").is_file() else TRAINING_DIR / "case"
    session.friendly_errors()
    return workbook.open_portfolio(folder)


# --- T5: build a piece of the plan -----------------------------------------------------------------

PARTS = ("strategy", "project", "risk")


def _field(part: dict, *names: str) -> Any:
    by_norm = {_norm(k): v for k, v in part.items() if isinstance(k, str)}
    return next((by_norm[_norm(n)] for n in names if _norm(n) in by_norm), None)


def _next_id(prefix: str, taken: list[str]) -> str:
    numbers = [int(m.group(1)) for t in taken if (m := re.fullmatch(rf"{prefix}(\d+)", t))]
    return f"{prefix}{max(numbers, default=0) + 1}"


def _built(account: Account, answer: dict) -> tuple[Strategy, Project, Risk] | str:
    """The student's three parts as the format's models (ids given), or a sentence on what to fix."""
    plan = account.joint_plan
    s_id, p_id = _next_id("S", [s.id for s in plan.strategies]), _next_id("P", [p.id for p in plan.projects])
    r_id = _next_id("R", [r.id for r in account.risks])
    strategy, project, risk = (answer[p] for p in PARTS)
    drafts: dict[str, tuple[type[Strategy] | type[Project] | type[Risk], dict[str, Any]]] = {
        "strategy": (Strategy, {"id": s_id, "statement": _field(strategy, "statement"), "shared": True,
                                "objectives": _field(strategy, "objectives") or [],
                                "answers": _field(strategy, "answers") or []}),
        "project": (Project, {"id": p_id, "title": _field(project, "title"), "strategy": s_id,
                              "owner": _field(project, "owner"), "customer_owner": _field(project, "customer owner"),
                              "start": _field(project, "start"), "due": _field(project, "due"),
                              "status": "planned", "shared": True}),
        "risk": (Risk, {"id": r_id, "risk": _field(risk, "risk"), "likelihood": _field(risk, "likelihood"),
                        "impact": _field(risk, "impact"), "owner": _field(risk, "owner"),
                        "mitigation": _field(risk, "mitigation"), "status": "open", "force": _field(risk, "force")}),
    }
    built: list[Strategy | Project | Risk] = []
    for part, (model, values) in drafts.items():
        for key in ("objectives", "answers"):
            if isinstance(values.get(key), str):
                return f'In the {part}, {key} is a list of ids, even one: ["{values[key]}"], not "{values[key]}".'
        try:
            built.append(model.model_validate(values, strict=False))
        except ValidationError as err:
            first = err.errors()[0]
            field = str(first["loc"][0])
            name = {"start": "start date", "due": "due date"}.get(field, field.replace("_", " "))
            given = values.get(field)
            if given is None:
                return f"In the {part}, the {name} is missing: add it."
            if field in ("start", "due"):
                return f'In the {part}, the {name} is {_kind(given)}: write a date as "YYYY-MM-DD", in quotes.'
            return f"In the {part}, the {name} is {_kind(given)}: {first['msg'].lower()}."
    strategy_, project_, risk_ = built
    assert isinstance(strategy_, Strategy) and isinstance(project_, Project) and isinstance(risk_, Risk)
    return strategy_, project_, risk_


def check_plan_addition(account: Account, as_of: date, answer: Any, *, attempt: int | None = None) -> Feedback:
    """A strategy, a project and a risk added to the plan, judged on structure and consistency,
    with the consequences for the plan computed from the student's own choices."""
    exercise = "plan-addition"
    return _start(exercise, answer) or session.judged(
        exercise, answer, lambda level: _plan_addition(account, as_of, answer, level), attempt)


def _plan_addition(account: Account, as_of: date, answer: Any, level: int) -> Feedback:
    example = '{"strategy": {…}, "project": {…}, "risk": {…}}'
    if not isinstance(answer, dict):
        return _slip(f"You gave {_kind(answer)}: give a dictionary with a strategy, a project and a risk, like {example}.")
    parts = {next((p for p in PARTS if isinstance(k, str) and _norm(k) == p), None): v for k, v in answer.items()}
    missing = [p for p in PARTS if p not in parts]
    if missing or None in parts:
        return _slip(f"Give exactly the three parts strategy, project and risk; missing: {and_list(missing) or 'none'}.")
    bad = [p for p in PARTS if not isinstance(parts[p], dict)]
    if bad:
        return _slip(f"The {bad[0]} is {_kind(parts[bad[0]])}: give it as a dictionary of its fields, in curly brackets.")
    built = _built(account, {p: parts[p] for p in PARTS})
    if isinstance(built, str):
        return _slip(built)
    strategy, project, risk = built
    problems = _strategy_problems(account, strategy, level) + _project_problems(account, as_of, strategy, project) \
        + _risk_problems(account, risk)
    good = _good_points(account, strategy, project, risk) if not problems else []
    return Feedback(not problems, [*problems, *good, *_consequences(account, as_of, strategy, project, risk)])


def _strategy_problems(account: Account, strategy: Strategy, level: int) -> list[str]:
    plan, lines = account.joint_plan, []
    objectives = {o.id: o for o in plan.objectives}
    unknown = [o for o in strategy.objectives if o not in objectives]
    if unknown:
        lines.append(f"The strategy serves {and_list(unknown)}, which the plan does not have; its objectives are "
                     f"{and_list(objectives)}.")
    no_strategy, _ = action_plan.plan_gaps(account)
    if not unknown and not set(strategy.objectives) & set(no_strategy):
        served = and_list(strategy.objectives)
        line = f"The strategy serves {served}, which a strategy already serves: a new strategy should close a gap."
        if level >= 2:
            line += " Which objective has no strategy at all? (Your first exercise in this notebook found it.)"
        if level >= REVEAL_AFTER:
            line += f" It is {and_list(no_strategy)}."
        lines.append(line)
    if len(objectives) > 1 and set(strategy.objectives) >= set(objectives):
        lines.append("The strategy claims to serve every objective: a strategy says how one objective, or a few "
                     "related ones, will be achieved. Name the ones it really serves.")
    forces = environment.forces_table(account).set_index("id")
    open_forces = environment.unanswered_forces(account)
    if len(account.environment) > 2 and len(strategy.answers) >= len(account.environment):
        lines.append("The strategy claims to answer every force: name the force it is the answer to.")
    if not strategy.answers:
        lines.append("The strategy answers no force: name the id of the force it answers (F1, F2 …), so the plan "
                     "shows why it exists.")
    for f in strategy.answers:
        if f not in forces.index:
            lines.append(f"There is no force {f}; the forces are {and_list(forces.index)}.")
        elif f not in set(open_forces["id"]):
            why = f"its priority is {forces.loc[f, 'priority']:.2f}, below 0.50" if forces.loc[f, "priority"] < 0.5 \
                else "a strategy already answers it"
            lines.append(f"{f} ({forces.loc[f, 'label'].lower()}) is not a force left open: {why}. Answer one that "
                         f"matters and that nothing answers yet" + (
                             f": {and_list(open_forces['id'])}." if level >= 2 else "."))
    if len(strategy.statement.split()) < MIN_WORDS:
        lines.append(f"The strategy says \"{strategy.statement}\": write how, in a sentence of at least "
                     f"{MIN_WORDS} words.")
    if _norm(strategy.statement) in {_norm(s.statement) for s in plan.strategies}:
        lines.append("The strategy copies one the plan already has: write your own.")
    return lines


def _project_problems(account: Account, as_of: date, strategy: Strategy, project: Project) -> list[str]:
    team = [m.name for m in account.team]
    contacts = [c.name for c in account.relationships]
    lines = []
    if project.owner not in team:
        lines.append(f"The project's owner, {project.owner}, is not on our team: it is {and_list(team)}.")
    if project.customer_owner in team:
        lines.append(f"{project.customer_owner} is ours: the customer owner is a person at {account.name}.")
    elif project.customer_owner not in contacts or action_plan.missing_customer_owner(account.model_copy(
            update={"joint_plan": account.joint_plan.model_copy(update={"projects": [project]})})):
        lines.append(f'"{project.customer_owner}" is not a named contact at the customer: a project staffed on both '
                     f"sides has a person we know there, one of {and_list(contacts)}.")
    if project.start < as_of:
        lines.append(f"The project starts on {project.start}, before the planning date {as_of}: plan forward.")
    if project.due <= project.start:
        lines.append(f"The project is due on {project.due}, not after it starts ({project.start}).")
    deadline = min((o.due for o in account.joint_plan.objectives if o.id in strategy.objectives), default=None)
    if deadline and project.due > deadline:
        lines.append(f"The project is due on {project.due}, after the objective it serves ({deadline}): it cannot "
                     "deliver it in time.")
    return lines


def _risk_problems(account: Account, risk: Risk) -> list[str]:
    team = [m.name for m in account.team]
    lines = []
    if risk.owner not in team:
        lines.append(f"The risk's owner, {risk.owner}, is not on our team: it is {and_list(team)}.")
    if len(risk.mitigation.split()) < MIN_WORDS or _norm(risk.mitigation) == _norm(risk.risk):
        lines.append(f"The mitigation says \"{risk.mitigation}\": write what we will do, by when and with whom, in "
                     f"a sentence of at least {MIN_WORDS} words.")
    if len(risk.risk.split()) < MIN_WORDS:
        lines.append(f"The risk says \"{risk.risk}\": say what could happen, in a sentence.")
    ids = [f.id for f in account.environment if f.id]
    if risk.force is not None and risk.force not in ids:
        lines.append(f"The risk names force {risk.force}, which the analysis does not have: {and_list(ids)}.")
    return lines


def _good_points(account: Account, strategy: Strategy, project: Project, risk: Risk) -> list[str]:
    contact = next(c for c in account.relationships if c.name == project.customer_owner)
    lines = [f"The strategy serves {and_list(strategy.objectives)} and answers {and_list(strategy.answers)}; "
             f"the project is carried by {project.owner} and, at the customer, {contact.name} ({contact.title}), "
             f"from {project.start} to {project.due}."]
    if risk.force and risk.force in strategy.answers:
        lines.append(f"The risk hangs on the force your strategy answers ({risk.force}): the plan and the register "
                     "tell one story.")
    return lines


def _consequences(account: Account, as_of: date, strategy: Strategy, project: Project, risk: Risk) -> list[str]:
    plan = account.joint_plan
    after = account.model_copy(update={
        "joint_plan": plan.model_copy(update={"strategies": [*plan.strategies, strategy],
                                              "projects": [*plan.projects, project]}),
        "risks": [*account.risks, risk]})
    gaps_before, gaps_after = action_plan.plan_gaps(account), action_plan.plan_gaps(after)
    open_before = list(environment.unanswered_forces(account)["id"])
    open_after = list(environment.unanswered_forces(after)["id"])
    health_before = action_plan.plan_health(account, as_of).score
    health_after = action_plan.plan_health(after, as_of).score
    rank = [r.id for r in risks.ranked(after) if r.status == "open"].index(risk.id) + 1
    return [
        f"With your additions: objectives without a strategy {and_list(gaps_before[0]) or 'none'} → "
        f"{and_list(gaps_after[0]) or 'none'}; forces that matter left unanswered {and_list(open_before) or 'none'} → "
        f"{and_list(open_after) or 'none'}; plan health {health_before} → {health_after} of 100.",
        f"Your risk scores {risk.likelihood:g} × {risk.impact} = {risks.score(risk):.2f}: number {rank} of "
        f"{sum(r.status == 'open' for r in after.risks)} open risks in the register.",
    ]


# --- T6: the most profitable account, and the ones that lose money ----------------------------------

def check_profit(table: pd.DataFrame, answer: Any, currency: str = "", *, attempt: int | None = None) -> Feedback:
    """The account with the most profit after cost to serve, and the loss-makers, by name
    (`table`: `portfolio.portfolio_table`)."""
    exercise = "profit"
    return _start(exercise, answer) or session.judged(
        exercise, answer, lambda level: _profit(table, answer, currency, level), attempt)


def _account_name(table: pd.DataFrame, given: Any, where: str) -> str:
    """The portfolio name the student meant (`Harrow Bakeries` for `harrow bakeries ltd`), or raise ValueError."""
    if not isinstance(given, str):
        raise ValueError(f"{_cap(where)} is {_kind(given)}: write the account's name in quotes.")
    names = {_norm(n): n for n in table["name"]} | {_norm(re.sub(r"\s+(ltd|plc)$", "", n, flags=re.I)): n
                                                    for n in table["name"]}
    if _norm(given) not in names:
        raise ValueError(f'"{given}" ({where}) is not an account of the portfolio; they are '
                         f"{and_list(table['name'])}.")
    return names[_norm(given)]


def _profit(table: pd.DataFrame, answer: Any, currency: str, level: int) -> Feedback:
    example = '{"most profitable": "…", "losing money": ["…"]}'
    if not isinstance(answer, dict):
        return _slip(f"You gave {_kind(answer)}: give a dictionary like {example}.")
    most, losing = _field(answer, "most profitable"), _field(answer, "losing money")
    if most is None or losing is None:
        return _slip(f'Give both parts, "most profitable" and "losing money", like {example}.')
    if isinstance(losing, str):
        return _slip(f'Put the loss-makers in a list, even one: ["{losing}"], not "{losing}" ([] for none).')
    if not isinstance(losing, (list, tuple, set)):
        return _slip(f"The loss-makers are {_kind(losing)}: give a list of names in quotes.")
    try:
        top = _account_name(table, most, "the most profitable")
        losers = {_account_name(table, n, "a loss-maker") for n in losing}
    except ValueError as err:
        return _slip(str(err))
    by_profit = table.sort_values("profit", ascending=False)
    best, biggest = by_profit.iloc[0], table.sort_values("revenue", ascending=False).iloc[0]
    wanted = set(table.loc[table["profit"] < 0, "name"])
    row = table.set_index("name")

    def sum_(name: str) -> str:
        r = row.loc[name]
        return (f"{money(r['revenue'], currency)} × {r['gross_margin']:.0%} − {money(r['cost_to_serve'], currency)} = "
                f"{money(r['profit'], currency)}")

    lines, correct = [], True
    if len(losers) >= len(table) - 1 and len(table) > 2:
        return Feedback(False, ["You named nearly every account as a loss-maker: work out each one's profit after "
                                "cost to serve, revenue × gross margin − cost to serve, and name only those below 0."])
    if top == best["name"]:
        lines.append(f"{top} earns the most: {sum_(top)}.")
    else:
        correct = False
        lines.append(f"{top} earns {money(row.loc[top, 'profit'], currency)} after cost to serve"
                     + (f" ({sum_(top)})" if level >= 2 else "") + ": another account earns more.")
        if top == biggest["name"]:
            lines.append("It is the biggest by revenue — but revenue is not profit: take the cost to serve off the "
                         "gross margin.")
        if level >= REVEAL_AFTER:
            lines.append(f"The most profitable is {best['name']}: {sum_(best['name'])}.")
    for n in sorted(losers & wanted):
        lines.append(f"{n} loses money: {sum_(n)}.")
    for n in sorted(losers - wanted):
        correct = False
        lines.append(f"{n} does not lose money" + (f": {sum_(n)}." if level >= 2 else "."))
    if wanted - losers:
        correct = False
        missed = sorted(wanted - losers)
        lines.append(f"You missed {len(missed)} loss-making account" + ("s" if len(missed) > 1 else "") + (
            f": {and_list(f'{n} ({sum_(n)})' for n in missed)}." if level >= REVEAL_AFTER else
            ": check the accounts with a high cost to serve against their gross margin."))
    if correct and biggest["name"] in wanted:
        lines.append(f"The lesson: {biggest['name']} is the biggest account by revenue, and it destroys value; "
                     f"{best['name']}, {money(biggest['revenue'] - best['revenue'], currency)} smaller, earns the most.")
    return Feedback(correct, lines)


def worked_profit(table: pd.DataFrame, account_id: str, currency: str = "") -> str:
    """One account's profit after cost to serve, worked in words from the portfolio table."""
    r = table.set_index("account").loc[account_id]
    return (f"{r['name']}: revenue {money(r['revenue'], currency)} × gross margin {r['gross_margin']:.0%} − cost to "
            f"serve {money(r['cost_to_serve'], currency)} = {money(r['profit'], currency)}")


# --- T7: what may cross between two competing accounts' teams ---------------------------------------

@dataclass(frozen=True)
class Item:
    """A piece of information one team holds, and whose it is."""

    text: str
    whose: str      # "ours", or the customer's name
    why: str


def confidentiality_items(whole: Portfolio, account_id: str) -> tuple[str, list[Item]]:
    """The competing account's name and the items the exercise asks about, lettered a, b, c …"""
    account = whole.accounts[account_id]
    rival = whole.accounts[account.competes_with[0]]
    plan = account.joint_plan
    trial = next(p for p in plan.projects if "trial" in p.title.lower())
    return rival.name, [
        Item(f"{account.name}'s volume forecasts for its lines", account.name,
             "the customer shared them with us to plan supply"),
        Item(f"The launch date of {account.name}'s plant-based range", account.name,
             "an unannounced plan of the customer's"),
        Item("Brightfold's published price list for mono-material trays", "ours", "our own, and public"),
        Item(f"The results of the joint trial ({trial.title})", account.name,
             f"measured on the customer's line with {trial.customer_owner}"),
        Item("Our recyclable tray's technical specification", "ours", "our own product, sold to both"),
        Item(f"{rival.name}'s request for our tray for its own plant-based range", rival.name,
             "what the rival asked us in confidence"),
    ]


def check_confidentiality(whole: Portfolio, account_id: str, answer: Any, *, attempt: int | None = None) -> Feedback:
    """The letters of the items that may cross between the two teams: only our own information."""
    exercise = "confidentiality"
    return _start(exercise, answer) or session.judged(
        exercise, answer, lambda level: _confidentiality(whole, account_id, answer, level), attempt)


def _confidentiality(whole: Portfolio, account_id: str, answer: Any, level: int) -> Feedback:
    rival, items = confidentiality_items(whole, account_id)
    letters = "abcdefghij"[:len(items)]
    if isinstance(answer, str):
        return _slip(f'You wrote the text "{answer}": give the letters in a list, each in quotes, like ["x", "y"].')
    if not isinstance(answer, (list, tuple, set)):
        return _slip(f"You gave {_kind(answer)}: give the letters of the items that may cross, in a list.")
    given = set()
    for x in answer:
        if not isinstance(x, str) or x.strip().lower() not in letters:
            return _slip(f"{_cap(_kind(x))} is not one of the items: they are lettered {and_list(letters)}.")
        given.add(x.strip().lower())
    if given == set(letters):
        return Feedback(False, ["You let everything cross: then the wall between the two teams is no wall. Keep "
                                "back what is not ours to share."])
    lines, correct = [], True
    for letter, item in zip(letters, items):
        crosses, may = letter in given, item.whose == "ours"
        if crosses and may:
            lines.append(f"{letter}: may cross, right: {item.why}.")
        elif crosses:
            correct = False
            lines.append(f"{letter}: must not cross: it is {item.whose}'s information" +
                         (f" — {item.why}." if level >= 2 else "."))
        elif may and level >= REVEAL_AFTER:
            correct = False
            lines.append(f"{letter}: may cross: {item.why}.")
        elif may:
            correct = False
    held = [letter for letter, item in zip(letters, items) if item.whose == "ours" and letter not in given]
    if held and level < REVEAL_AFTER:
        lines.append(f"You kept back {len(held)} item{'s' if len(held) > 1 else ''} that may cross: information "
                     "that is ours to give.")
    if correct:
        lines.append(f"Only our own information crosses. What {rival} or the customer told us stays with the team "
                     "it was told to, and the person on both teams answers to that rule, in writing.")
    return Feedback(correct, lines)
