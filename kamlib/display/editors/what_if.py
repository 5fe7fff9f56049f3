"""The sections of an account file an editor can change, and what a change does to the analysis.

Pure functions, no widgets: `with_section` puts a section's new value into the account (validated
by the model, as the file would be), `problems` lists what the cross-field rules say of it, and
each section's `figures` computes, with the method's own functions, the figures the section feeds
(relative strength as buying-criteria scores move, the gap and coverage as opportunities change,
risk exposure, plan health, ...). `preview` puts them side by side: as the file says, and with the
change. The section editors (`kamlib.display.editors.sections`) show exactly this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any, get_args

from pydantic import BaseModel, TypeAdapter, ValidationError

from kamlib.method import (
    action_plan,
    competition,
    customer_view,
    economics,
    environment,
    governance,
    memory,
    next_steps,
    pipeline,
    risks,
    scorecard,
    targets,
    wording,
)
from kamlib.parameters import model as m
from kamlib.parameters import rules
from kamlib.parameters.model import Account, PortfolioSettings
from kamlib.parameters.yaml_source import field_path

# A figure: its kind (how it reads: money, percent, ratio, score, count, days, text) and its value.
Figure = tuple[str, Any]
Figures = dict[str, Figure]


@dataclass(frozen=True)
class Section:
    """One editable section of an account file: where it sits, what it holds, what it feeds."""

    key: str                       # as in SECTIONS
    title: str                     # in words, for the editor's heading
    path: tuple[str, ...]          # where it sits in the file
    model: type[BaseModel]         # the model of one item (a list section) or of the section
    many: bool                     # a list of items (else one mapping)
    feeds: str                     # what its preview shows, in words
    figures: Callable[[Account, PortfolioSettings, date], Figures]
    leave: tuple[str, ...] = ()    # fields another section edits (the governance's decisions)


# --- the figures each section feeds ------------------------------------------------------------

def _health(account: Account, as_of: date) -> Figure:
    return ("count", action_plan.plan_health(account, as_of).score)


ACCOUNT_FIELDS = ("name", "industry", "country", "competes_with", "notes")  # what the account section edits


def account_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """What the documents call the customer, and what the account file keeps beside it: the
    accounts named as its competitors (whose teams must not overlap) and the internal notes."""
    return {"customer on the documents": ("text", account.name), "industry": ("text", account.industry),
            "country": ("text", account.country),
            "portfolio accounts named as its competitors": ("count", len(account.competes_with)),
            "internal notes (characters)": ("count", len(account.notes or ""))}


def team_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """The team's size and functions, and how many pairings of our functions with theirs the contacts make."""
    matrix = action_plan.coverage_matrix(account)
    pairs = int((matrix > 0).to_numpy().sum()) if not matrix.empty else 0
    return {"people on the team": ("count", len(account.team)),
            "our functions on the team": ("count", len({t.function for t in account.team})),
            "pairings of our functions with theirs": ("count", pairs),
            "plan health": _health(account, as_of)}


def business_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """The customer's SWOT: strengths and weaknesses from its business, opportunities and threats from the forces."""
    found = environment.swot(account)
    return {name: ("count", len(items)) for name, items in found.items()}


def financials_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """The latest year's revenue, profit after cost to serve, margin and share of wallet; growth, lifetime value, gap."""
    latest = account.financials[-1]
    ltv = economics.lifetime_value(account)
    return {"year": ("text", targets.year_label(latest)),
            "revenue": ("money", latest.revenue),
            "profit after cost to serve": ("money", latest.profit),
            "profit margin": ("percent", latest.profit / latest.revenue if latest.revenue else None),
            "share of wallet": ("percent", latest.revenue / latest.wallet if latest.wallet else None),
            "revenue growth a year": ("percent", economics.revenue_growth(account)),
            "lifetime value": ("money", ltv.value),
            "revenue gap to target": ("money", targets.revenue_gap(account, as_of))}


def targets_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """The target year, its revenue target, the gap to the latest year and the pipeline's coverage of it."""
    target = targets.target_year(account, as_of)
    return {"target year": ("text", None if target is None else str(target.year)),
            "revenue target": ("money", None if target is None else target.revenue),
            "revenue gap": ("money", targets.revenue_gap(account, as_of)),
            "weighted pipeline": ("money", pipeline.weighted_pipeline(account, as_of)),
            "pipeline coverage of the gap": ("ratio", pipeline.coverage(account, as_of))}


def environment_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """The forces: the one of highest priority (|impact| × likelihood), those no strategy answers, threats and opportunities for us."""
    table = environment.forces_table(account)
    top = None if table.empty else f"{table.loc[0, 'label']} ({table.loc[0, 'priority']:.2f})"
    for_us = [f.for_us for f in account.environment]
    return {"forces": ("count", len(account.environment)),
            "highest priority": ("text", top),
            "forces of priority 0.5 or more no strategy answers": ("count", len(environment.unanswered_forces(account))),
            "opportunities for us": ("count", sum(f in ("opportunity", "both") for f in for_us)),
            "threats to us": ("count", sum(f in ("threat", "both") for f in for_us))}


def buying_criteria_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """Weighted scores (Σ weight × score), the best competitor and our relative strength."""
    scores = competition.weighted_scores(account)
    rivals = scores.drop(m.US)
    best = None if rivals.empty else str(rivals.idxmax())
    return {"weights add up to": ("ratio", sum(c.weight for c in account.buying_criteria)),
            "our weighted score": ("score", float(scores[m.US])),
            "best competitor": ("text", best),
            "its weighted score": ("score", None if best is None else float(rivals[best])),
            "relative strength": ("ratio", competition.relative_strength(account))}


def competitors_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """Shares of wallet (ours from the financials), what is left unallocated, our rung and relative strength."""
    table = competition.share_of_wallet(account)
    shares = dict(zip(table["player"], table["share"]))
    return {"our share of wallet": ("percent", shares[m.US]),
            "competitors' shares": ("percent", sum(v for k, v in shares.items() if k not in (m.US, "unallocated"))),
            "unallocated": ("percent", shares["unallocated"]),
            "our rung": ("text", m.readable(account.us.ladder)),
            "relative strength": ("ratio", competition.relative_strength(account))}


def scorecard_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """The latest assessment's two weighted scores and the class they give."""
    latest = scorecard.latest_assessment(account, as_of)
    if latest is None:
        return {"class": ("text", None)}
    customer, supplier = scorecard.side_scores(latest, settings.scorecard.weights)
    return {"customer side": ("score", customer), "our side": ("score", supplier),
            "class": ("text", m.readable(scorecard.classify(customer, supplier, settings.scorecard.classes)))}


def relationships_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """Who we know: executives, decision makers (hostile ones apart), champions, contacts gone quiet, plan health."""
    contacts = account.relationships
    return {"contacts": ("count", len(contacts)),
            "executive-level contacts": ("count", sum(c.level == "executive" for c in contacts)),
            "decision makers": ("count", sum(c.buying_role == "decision_maker" for c in contacts)),
            "hostile decision makers": ("count", len(risks.hostile_decision_makers(account))),
            "champions (attitude +2)": ("count", sum(c.attitude == 2 for c in contacts)),
            "not touched for over 90 days": ("count", len(action_plan.stale_contacts(account, as_of))),
            "plan health": _health(account, as_of)}


CELL_WORDS = {"won": "cells we supply", "open": "open cells", "competitor": "cells a competitor holds",
              "none": "cells of no use"}


def whitespace_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """The map's cells by state and the valued whitespace: potential, what the pipeline covers, what it does not."""
    matrix = competition.whitespace_matrix(account)
    counts = competition.whitespace_counts(matrix) if matrix is not None else {}
    totals = pipeline.whitespace_totals(account) if account.whitespace is not None else None
    return {**{CELL_WORDS[state]: ("count", counts.get(state, 0)) for state in competition.CELL_STATES},
            "potential": ("money", None if totals is None else totals.potential),
            "covered by the pipeline": ("money", None if totals is None else totals.covered),
            "not covered": ("money", None if totals is None else totals.uncovered)}


def opportunities_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """The pipeline: open and weighted, the revenue gap it should close, its coverage, stale opportunities."""
    found = pipeline.summary(account, as_of)
    return {"open pipeline": ("money", found.open), "weighted pipeline": ("money", found.weighted),
            "revenue gap": ("money", found.revenue_gap), "coverage of the gap": ("ratio", found.coverage),
            "stale opportunities": ("count", len(found.stale))}


def risks_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """Open risks, the top score and the exposure (Σ likelihood × impact over the open risks), overdue mitigations."""
    open_ = risks.open_risks(account)
    return {"open risks": ("count", len(open_)),
            "top risk score (of 3)": ("score", risks.top_risk_score(account)),
            "exposure (Σ likelihood × impact)": ("score", sum(risks.score(r) for r in open_)),
            "overdue mitigations": ("count", len(risks.overdue_mitigations(account, as_of)))}


def governance_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """The plan's status, when it is next reviewed (and whether that is overdue), whether it is agreed."""
    found = governance.plan_governance(account, as_of)
    return {"plan status": ("text", found.status),
            "review due": ("date", found.review_due),
            "days to the review": ("days", found.days_to_review),
            "review overdue": ("yes", found.review_overdue),
            "agreed with the customer": ("yes", found.agreed)}


def objectives_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """Objectives, those the customer sees, progress on the measured ones, those no strategy serves, plan health."""
    plan = account.joint_plan
    progress = action_plan.objective_progress(account, as_of)
    orphans, _idle = action_plan.plan_gaps(account)
    return {"objectives": ("count", len(plan.objectives)),
            "shared with the customer": ("count", sum(o.shared for o in plan.objectives)),
            "measured": ("count", len(progress)),
            "measured and on track": ("count", int(progress["on_track"].sum()) if len(progress) else 0),
            "without a strategy": ("count", len(orphans)),
            "plan health": _health(account, as_of)}


def strategies_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """Strategies, the plan's gaps (objectives without one, strategies without a project), forces unanswered, plan health."""
    orphans, idle = action_plan.plan_gaps(account)
    return {"strategies": ("count", len(account.joint_plan.strategies)),
            "objectives without a strategy": ("count", len(orphans)),
            "strategies without a project": ("count", len(idle)),
            "forces no strategy answers": ("count", len(environment.unanswered_forces(account))),
            "plan health": _health(account, as_of)}


def projects_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """Plan health with the projects' part of it: overdue and blocked projects, overdue next steps, decisions owed."""
    return {"plan health": _health(account, as_of),
            "overdue projects": ("count", len(action_plan.overdue_projects(account, as_of))),
            "blocked projects": ("count", len(action_plan.blocked_projects(account))),
            "overdue next steps": ("count", len(action_plan.overdue_next_steps(account, as_of))),
            "decisions we need from the customer": ("count", len(next_steps.decisions_needed(account)))}


def value_delivered_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """The value the partnership has delivered to the customer, results without a value, results the customer sees."""
    total, unvalued = action_plan.value_delivered_total(account)
    results = account.joint_plan.value_delivered
    return {"value delivered": ("money", total), "results without a value": ("count", unvalued),
            "results shared with the customer": ("count", sum(v.shared for v in results))}


def insights_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """The team's memory over the 180 days before the planning date: insights, rumours among them,
    the team's functions that fed none, the contacts an insight names."""
    recent = memory.in_window(account, as_of)
    silent = memory.silent_functions(account, as_of)
    return {"insights in the last 180 days": ("count", len(recent)),
            "of which rumours": ("count", sum(i.kind == "rumour" for i in recent)),
            "our functions that fed none": ("text", wording.and_list(m.readable(s.function) for s in silent) or None),
            "contacts with an insight": ("count", len(memory.newest_per_contact(account, as_of)))}


def decisions_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """Decisions on resources up to the planning date and the method's flags on them."""
    checks = memory.decision_checks(account, settings, as_of)
    return {"decisions": ("count", len(checks)),
            "taken by one person": ("count", sum(c.too_few for c in checks)),
            "resources against the class's direction": ("count", sum(c.against_class for c in checks))}


def vision_figures(account: Account, settings: PortfolioSettings, as_of: date) -> Figures:
    """The joint plan's page one as the customer reads it: the vision and mission, and how much of the plan is shared."""
    shared = customer_view.shared_view(account, settings, as_of)
    return {"vision": ("text", shared.vision), "mission": ("text", shared.mission),
            "objectives the customer sees": ("count", len(shared.objectives)),
            "projects the customer sees": ("count", len(shared.projects))}


def _section(key: str, title: str, path: tuple[str, ...], model: type[BaseModel], many: bool, feeds: str,
             figures: Callable[[Account, PortfolioSettings, date], Figures], leave: tuple[str, ...] = ()) -> Section:
    return Section(key, title, path, model, many, feeds, figures, leave)


# In the order of the account file.
SECTION_SPECS: dict[str, Section] = {s.key: s for s in [
    _section("account", "The account", (), Account, False,
             "the customer's name on the documents, the competing accounts named, the internal notes",
             account_figures, leave=tuple(f for f in Account.model_fields if f not in ACCOUNT_FIELDS)),
    _section("team", "Our account team", ("team",), m.TeamMember, True,
             "team size, functions and their pairing with the customer's, plan health", team_figures),
    _section("business", "The customer's business", ("business",), m.Business, False,
             "the SWOT's strengths and weaknesses", business_figures),
    _section("financials", "Financials", ("financials",), m.YearFinancials, True,
             "revenue, profit after cost to serve, margin, share of wallet, growth, lifetime value", financials_figures),
    _section("targets", "Targets", ("targets",), m.Target, True,
             "target year, revenue gap and pipeline coverage", targets_figures),
    _section("environment", "Forces acting on the customer", ("environment",), m.Force, True,
             "highest priority force, forces no strategy answers, threats and opportunities for us",
             environment_figures),
    _section("buying_criteria", "Buying criteria and scores", ("buying_criteria",), m.BuyingCriterion, True,
             "weighted scores, the best competitor, relative strength", buying_criteria_figures),
    _section("competitors", "Competitors and the ladder", ("competitors",), m.Competitor, True,
             "shares of wallet, unallocated spend, our rung, relative strength", competitors_figures),
    _section("scorecard", "Scorecard assessments", ("scorecard",), m.Assessment, True,
             "both weighted scores, the class and the trend", scorecard_figures),
    _section("relationships", "Contacts at the customer", ("relationships",), m.Contact, True,
             "executives, decision makers (hostile ones), champions, contacts gone quiet, plan health",
             relationships_figures),
    _section("whitespace", "Whitespace", ("whitespace",), m.Whitespace, False,
             "cells by state, potential and what the pipeline covers", whitespace_figures),
    _section("opportunities", "Opportunities", ("opportunities",), m.Opportunity, True,
             "open and weighted pipeline, the revenue gap and its coverage", opportunities_figures),
    _section("risks", "Risks", ("risks",), m.Risk, True,
             "open risks, top score, exposure, overdue mitigations", risks_figures),
    _section("governance", "Governance", ("governance",), m.Governance, False,
             "plan status, review due (or overdue), agreement", governance_figures, leave=("decisions",)),
    _section("decisions", "Decisions on resources", ("governance", "decisions"), m.Decision, True,
             "decisions taken by one person, resources against the class's direction", decisions_figures),
    _section("insights", "What the team has learned", ("insights",), m.Insight, True,
             "insights of the last 180 days, rumours, our functions that fed none", insights_figures),
    _section("vision", "Vision and mission", ("joint_plan",), m.JointPlan, False,
             "the joint plan's vision and mission as the customer reads them", vision_figures,
             leave=("objectives", "strategies", "projects", "value_delivered")),
    _section("objectives", "Objectives", ("joint_plan", "objectives"), m.Objective, True,
             "measured objectives on track, objectives without a strategy, plan health", objectives_figures),
    _section("strategies", "Strategies", ("joint_plan", "strategies"), m.Strategy, True,
             "the plan's gaps, forces no strategy answers, plan health", strategies_figures),
    _section("projects", "Projects and next steps", ("joint_plan", "projects"), m.Project, True,
             "plan health, overdue and blocked projects, overdue next steps, decisions owed", projects_figures),
    _section("value_delivered", "Value delivered", ("joint_plan", "value_delivered"), m.ValueDelivered, True,
             "value delivered to the customer", value_delivered_figures),
]}


# --- a change, and what it does ----------------------------------------------------------------

def required(section: str) -> bool:
    """Whether the format requires the section (else the file may leave it out)."""
    model: Any = Account
    path = SECTION_SPECS[section].path
    if not path:
        return True
    for key in path[:-1]:
        annotation = model.model_fields[key].annotation
        model = next(a for a in (annotation, *get_args(annotation)) if isinstance(a, type) and issubclass(a, BaseModel))
    return bool(model.model_fields[path[-1]].is_required())


def section_value(account: Account, section: str) -> Any:
    """The section as the file writes it: plain data with only the keys the file has."""
    node: Any = account
    for key in SECTION_SPECS[section].path:
        node = getattr(node, key) if node is not None else None
    if node is None:
        return None
    if isinstance(node, list):
        return [item.model_dump(mode="python", exclude_unset=True, exclude_none=True) for item in node]
    return node.model_dump(mode="python", exclude_unset=True, exclude_none=True)


def with_section(account: Account, section: str, value: Any) -> Account:
    """The account with the section replaced by `value`, each item validated by the model as in
    the file (raises pydantic's ValidationError); the account itself is untouched."""
    spec = SECTION_SPECS[section]
    new = _adapter(section).validate_python(value if value is not None or not spec.many else [])
    return _replaced(account, spec.path, new)


@cache
def _adapter(section: str) -> TypeAdapter[Any]:
    spec = SECTION_SPECS[section]
    kind: Any = list[spec.model] if spec.many else spec.model | None  # type: ignore[name-defined]
    return TypeAdapter(kind)


def _replaced(node: Any, path: tuple[str, ...], value: Any) -> Any:
    if not path:  # the account file itself (its name, industry, country ...)
        return value
    if len(path) == 1:
        return node.model_copy(update={path[0]: value})
    inner = getattr(node, path[0])
    if inner is None:  # a section inside one the file leaves out (the governance's decisions)
        if value:
            raise ValueError(f"{path[0]}: fill in this section first (its own editor), then {'.'.join(path)}")
        return node
    return node.model_copy(update={path[0]: _replaced(inner, path[1:], value)})


def problems(account: Account) -> list[str]:
    """What the cross-field rules say of the account (the references, sums and orders `kam
    validate` checks beyond each field), one line per problem: `field: message`."""
    return [f"{field_path(loc)}: {message}" for loc, message in rules.check_account(account, account.id)]


def validation_messages(err: ValidationError, section: str) -> list[str]:
    """pydantic's errors as `field: message` lines, the field named as in the file."""
    path = SECTION_SPECS[section].path
    return [f"{field_path((*path, *e['loc']))}: {e['msg']}" for e in err.errors()]


@dataclass(frozen=True)
class Preview:
    """A section's figures as the file says and with the change; `account` is the account with the
    change (None while the change is not valid yet, then `problems` says why)."""

    account: Account | None
    problems: tuple[str, ...]
    before: Figures
    after: Figures = field(default_factory=dict)
    notes: tuple[str, ...] = ()    # what the change carries into other sections

    def changed(self) -> list[str]:
        """The figures the change moves."""
        return [name for name, value in self.after.items() if self.before.get(name) != value]


NEW_COMPETITOR_SCORE = 3  # a competitor added gets this score on each criterion until the strategist scores it

# The sections whose items others name, the option list of `fields.REFERENCES` those names fill,
# and the key that names an item.
NAMED_BY: dict[str, tuple[tuple[str, ...], str]] = {
    "team": (("team", "people"), "name"),
    "relationships": (("contacts", "people"), "name"),
    "competitors": (("players",), "name"),
    "environment": (("forces",), "id"),
    "objectives": (("objectives",), "id"),
    "strategies": (("strategies",), "id"),
    "projects": (("projects",), "id"),
}


def renames(section: str, account: Account, value: Any) -> dict[str, str]:
    """The items of a list section renamed by the change (old name → new name): the same number of
    items, and an item whose name changed where it stood."""
    if section not in NAMED_BY or not isinstance(value, list):
        return {}
    key = NAMED_BY[section][1]
    old = [item.get(key) for item in section_value(account, section) or []]
    new = [item.get(key) for item in value]
    if len(old) != len(new):
        return {}
    return {str(a): str(b) for a, b in zip(old, new) if a and b and a != b}


def _renamed(data: Any, model: type[BaseModel], sources: tuple[str, ...], names: dict[str, str]) -> Any:
    """`data` (items of `model`) with every name the `sources` option lists give renamed."""
    from kamlib.display.editors import fields  # the field specs: which fields name what

    if isinstance(data, list):
        return [_renamed(item, model, sources, names) for item in data]
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for spec in fields.field_specs(model):
        value = out.get(spec.name)
        if value is None:
            continue
        if spec.model is not None:
            out[spec.name] = _renamed(value, spec.model, sources, names)
        elif spec.source in sources and spec.kind == "keys":
            out[spec.name] = {names.get(k, k): v for k, v in value.items()}
        elif spec.source in sources and spec.kind == "some":
            out[spec.name] = [names.get(v, v) for v in value]
        elif spec.source in sources and isinstance(value, str):
            out[spec.name] = names.get(value, value)
    return out


def carried(section: str, account: Account, value: Any) -> tuple[dict[str, Any], list[str]]:
    """What a change carries into other sections, which the format ties to it, with a note for each.

    - An item renamed (a team member, a contact, a competitor, a force's, objective's, strategy's
      or project's id) is renamed wherever the file names it: owners, who reports to whom, the
      forces a strategy answers, a project's strategy, the players each criterion scores …
    - A competitor removed takes its scores out of the buying criteria; one added is scored
      `NEW_COMPETITOR_SCORE` on every criterion (said in the note, to be set there).
    Returns ({section: its new value}, notes)."""
    names = renames(section, account, value)
    more: dict[str, Any] = {}
    notes = [f"{old} is renamed {new} wherever the file names it" for old, new in names.items()]
    if names:
        sources = NAMED_BY[section][0]
        own = _renamed(value, SECTION_SPECS[section].model, sources, names)
        if own != value:  # the section names its own items too (who a contact reports to)
            more[section] = own
        for other, spec in SECTION_SPECS.items():
            if other in (section, "account", "vision", "decisions"):  # these hold lists that have their own
                continue
            current = section_value(account, other)
            if current is None:
                continue
            changed = _renamed(current, spec.model, sources, names)
            if changed != current:
                more[other] = changed
    if section == "competitors" and isinstance(value, list):
        new = [str(c.get("name", "")) for c in value]
        criteria = more.get("buying_criteria", section_value(account, "buying_criteria"))
        added: list[str] = []
        for criterion in criteria:
            criterion["scores"] = {k: v for k, v in criterion["scores"].items() if k in new}
            for name in new:
                if name and name not in criterion["scores"]:
                    criterion["scores"][name] = NEW_COMPETITOR_SCORE
                    added += [name] if name not in added else []
        gone = [c.name for c in account.competitors if c.name not in new and c.name not in names]
        if added or gone:
            more["buying_criteria"] = criteria
        notes += [f"{name} is scored {NEW_COMPETITOR_SCORE} on every buying criterion until you score it there"
                  for name in added]
        notes += [f"{name}'s scores leave the buying criteria" for name in gone]
    return more, notes


def preview(section: str, account: Account, value: Any, settings: PortfolioSettings, as_of: date,
            before: Figures | None = None) -> Preview:
    """What the section's new `value` does to the figures it feeds (`before`: the file's figures,
    when already computed), with what it carries into other sections (`carried`)."""
    spec = SECTION_SPECS[section]
    before = spec.figures(account, settings, as_of) if before is None else before
    more, notes = carried(section, account, value)
    try:
        changed = with_section(account, section, value)
        for other, other_value in more.items():
            changed = with_section(changed, other, other_value)
    except ValidationError as err:
        return Preview(None, tuple(validation_messages(err, section)), before)
    except ValueError as err:
        return Preview(None, (str(err),), before)
    found = problems(changed)
    if found:
        return Preview(None, tuple(found), before)
    return Preview(changed, (), before, spec.figures(changed, settings, as_of), tuple(notes))
