"""The plan on a page: what an account director needs first, computed for page one of the plan.

`plan_on_a_page` gathers, for one account on the planning date:

- the account and who leads it (`account_director`, the rule of `portfolio.key_account_director`);
- its class, the trend since the previous assessment and the distance to the next class up
  (each side's shortfall against that class's minimum);
- the headline figures of the latest year — revenue, profit after cost to serve, profit margin,
  share of wallet, relative strength, plan health — each with its change on the year before
  (from `financials`) and on the previous published version (from that version's manifest
  headline, passed in as `previous`);
- the target of the target year and the gap to it, and how much of the gap the weighted
  pipeline covers;
- the plan's status and its next review;
- the three open risks with the highest score;
- the decisions we need from the customer;
- the next steps due in the next `HORIZON_DAYS` days, the overdue ones first;
- the few findings that most need action (`findings.top_findings`): at most `MAX_FINDINGS`, and
  those below the "plan for it" band only when fewer than `MIN_FINDINGS` are above it.

Nothing here is formatted for a page: the template decides how values read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kamlib.method import (
    action_plan,
    competition,
    findings,
    governance,
    next_steps,
    pipeline,
    portfolio,
    risks,
    scorecard,
    targets,
)
from kamlib.parameters.model import Account, PortfolioSettings, Risk, TeamMember

HORIZON_DAYS = 90     # next steps shown on page one: due within this many days (and every overdue one)
TOP_RISKS = 3
MAX_FINDINGS = 5
MIN_FINDINGS = 3


def account_director(account: Account) -> TeamMember:
    """Who leads the account on our side (`portfolio.key_account_director`'s rule: the portfolio
    report names the same person)."""
    return portfolio.key_account_director(account)


@dataclass(frozen=True)
class Figure:
    """One headline figure with its change on the year before and on the previous version.

    `kind` tells how it reads: money, fraction (shown as a percentage), ratio, score (0..100).
    A change is None when there is nothing to compare with."""

    label: str
    kind: str
    value: float | None
    previous_year: float | None = None
    previous_version: float | None = None

    @property
    def change_on_year(self) -> float | None:
        """value − the year before's value (None: either is missing)."""
        return _difference(self.value, self.previous_year)

    @property
    def change_on_version(self) -> float | None:
        """value − the previous version's value (None: either is missing)."""
        return _difference(self.value, self.previous_version)


def _difference(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


@dataclass(frozen=True)
class ClassStanding:
    """The class of the latest assessment, the class of the one before and the way to the next
    class up. Scores are each side's weighted score (1..5); None before any assessment."""

    name: str | None
    key: bool | None
    assessed: date | None
    customer_score: float | None
    supplier_score: float | None
    previous_name: str | None          # the class at the assessment before (None: only one)
    previous_assessed: date | None
    trend: str                         # "up" | "down" | "held" | "first" | "none"
    next_name: str | None              # the class above (None: top class or not assessed)
    customer_shortfall: float | None   # points the customer's side lacks for the next class (None: meets it)
    supplier_shortfall: float | None


@dataclass(frozen=True)
class TargetGap:
    """The target of the target year against the latest year's revenue, and the pipeline on it."""

    year: int
    revenue: float
    profit: float | None
    share_of_wallet: float | None
    gap: float                          # target revenue − latest revenue (negative: ahead)
    weighted_pipeline: float            # closing by the end of the target year
    coverage: float | None              # weighted pipeline / gap when the gap is > 0


@dataclass(frozen=True)
class RiskLine:
    """An open risk for page one."""

    id: str
    risk: str
    score: float
    owner: str
    mitigation: str
    due: date | None
    overdue: bool


@dataclass(frozen=True)
class DecisionLine:
    """A decision we need from the customer, for an open project."""

    project: str
    project_title: str
    decision: str
    customer_owner: str
    project_due: date


@dataclass(frozen=True)
class StepLine:
    """A next step that is due soon or overdue."""

    project: str
    action: str
    owner: str
    side: str
    due: date
    days: int                            # due − planning date (negative: overdue)


@dataclass(frozen=True)
class PlanOnAPage:
    """Page one of the internal plan (see the module docstring)."""

    account_id: str
    name: str
    industry: str
    country: str
    director: str
    director_role: str
    as_of: date
    currency: str
    year: int
    forecast_year: bool
    previous_version: str | None         # e.g. "v0003 of 2026-08-31"; None for a first version
    standing: ClassStanding
    figures: tuple[Figure, ...]
    target: TargetGap | None
    pipeline_open: float
    pipeline_weighted: float
    pipeline_stale: int
    plan: governance.PlanGovernance
    plan_health: int
    open_risks: int
    top_risks: tuple[RiskLine, ...]
    decisions: tuple[DecisionLine, ...]
    next_steps: tuple[StepLine, ...]
    overdue_steps: int
    findings: tuple[findings.Finding, ...]


def class_standing(account: Account, settings: PortfolioSettings, as_of: date) -> ClassStanding:
    """The class now and at the assessment before, the trend between them, and each side's
    shortfall against the next class up (shortfall = that class's minimum − the side's score,
    None when the side already meets it)."""
    classes = settings.scorecard.classes
    weights = settings.scorecard.weights
    dated = [a for a in account.scorecard if a.date <= as_of]
    if not dated:
        return ClassStanding(None, None, None, None, None, None, None, "none", None, None, None)
    latest = dated[-1]
    customer, supplier = scorecard.side_scores(latest, weights)
    name = scorecard.classify(customer, supplier, classes)
    rank = {c.name: i for i, c in enumerate(classes)}
    previous_name, previous_assessed, trend = None, None, "first"
    if len(dated) > 1:
        before = dated[-2]
        previous_name = scorecard.classify(*scorecard.side_scores(before, weights), classes)
        previous_assessed = before.date
        moved = rank[name] - rank[previous_name]
        trend = "held" if moved == 0 else ("down" if moved > 0 else "up")
    next_name = customer_short = supplier_short = None
    if rank[name] > 0:
        above = classes[rank[name] - 1]
        next_name = above.name
        customer_short = above.customer_min - customer if customer < above.customer_min else None
        supplier_short = above.supplier_min - supplier if supplier < above.supplier_min else None
    return ClassStanding(name, scorecard.class_is_key(settings, name), latest.date, customer, supplier,
                         previous_name, previous_assessed, trend, next_name, customer_short, supplier_short)


def headline_figures(account: Account, settings: PortfolioSettings, as_of: date,
                     previous: dict[str, Any] | None = None) -> tuple[Figure, ...]:
    """Revenue, profit, profit margin, share of wallet, relative strength and plan health, each
    with the year before (from `financials`; relative strength and health have none) and the
    previous version's headline (`previous`, a manifest `headline`; None for a first version)."""
    rows = account.financials
    latest, before = rows[-1], (rows[-2] if len(rows) > 1 else None)

    def margin(row: Any) -> float | None:
        return row.profit / row.revenue if row.revenue else None

    def wallet(row: Any) -> float | None:
        return row.revenue / row.wallet if row.wallet else None

    def year_before(value: Any) -> float | None:
        return None if before is None else value(before)

    old = previous or {}
    old_margin = (old["profit"] / old["revenue"] if old.get("profit") is not None and old.get("revenue")
                  else None)
    return (
        Figure("Revenue", "money", latest.revenue, year_before(lambda r: r.revenue), old.get("revenue")),
        Figure("Profit after cost to serve", "money", latest.profit, year_before(lambda r: r.profit),
               old.get("profit")),
        Figure("Profit margin", "fraction", margin(latest), year_before(margin), old_margin),
        Figure("Share of wallet", "fraction", wallet(latest), year_before(wallet), old.get("share_of_wallet")),
        Figure("Relative strength", "ratio", competition.relative_strength(account), None,
               old.get("relative_strength")),
        Figure("Plan health", "score", float(action_plan.plan_health(account, as_of).score), None,
               old.get("plan_health")),
    )


def target_gap(account: Account, as_of: date) -> TargetGap | None:
    """The target year's target against the latest revenue (`targets.revenue_gap`) and the
    weighted pipeline closing by its end (`pipeline.summary`); None without a target."""
    target = targets.target_year(account, as_of)
    if target is None:
        return None
    pipe = pipeline.summary(account, as_of)
    gap = targets.revenue_gap(account, as_of)
    assert gap is not None  # there is a target
    return TargetGap(target.year, target.revenue, target.profit, target.share_of_wallet, gap, pipe.weighted,
                     pipe.coverage)


def top_risks(account: Account, as_of: date, n: int = TOP_RISKS) -> tuple[RiskLine, ...]:
    """The n open risks with the highest score (likelihood × impact), ties by id."""
    late = {r.id for r in risks.overdue_mitigations(account, as_of)}

    def line(r: Risk) -> RiskLine:
        return RiskLine(r.id, r.risk, risks.score(r), r.owner, r.mitigation, r.due, r.id in late)

    return tuple(line(r) for r in risks.ranked(account) if r.status == risks.OPEN)[:n]


def steps_due(account: Account, as_of: date, days: int = HORIZON_DAYS) -> tuple[StepLine, ...]:
    """Next steps not done of open projects: every overdue one, then those due within `days`,
    soonest first."""
    table = next_steps.next_steps_table(account, as_of)
    due = table[~table["done"] & (table["overdue"] | table["days"].between(0, days))]
    return tuple(StepLine(r.project, r.action, r.owner, str(r.side), r.due, int(r.days))
                 for r in due.itertuples())


def _findings(account: Account, settings: PortfolioSettings, as_of: date) -> tuple[findings.Finding, ...]:
    found = findings.top_findings(account, settings, as_of, n=MAX_FINDINGS)
    urgent = [f for f in found if f.priority >= findings.PLAN]
    return tuple(urgent if len(urgent) >= MIN_FINDINGS else found[:MIN_FINDINGS])


def plan_on_a_page(account: Account, settings: PortfolioSettings, as_of: date,
                   previous: dict[str, Any] | None = None, previous_version: str | None = None) -> PlanOnAPage:
    """Page one of the plan for `account` on `as_of`; `previous` is the previous version's
    manifest headline and `previous_version` how to name it (None for a first version)."""
    lead = account_director(account)
    pipe = pipeline.summary(account, as_of)
    decisions = next_steps.decisions_needed(account)
    steps = steps_due(account, as_of)
    return PlanOnAPage(
        account.id, account.name, account.industry, account.country, lead.name, lead.role, as_of,
        settings.currency, account.financials[-1].year, account.financials[-1].forecast,
        previous_version if previous else None,
        class_standing(account, settings, as_of),
        headline_figures(account, settings, as_of, previous),
        target_gap(account, as_of), pipe.open, pipe.weighted, len(pipe.stale),
        governance.plan_governance(account, as_of), action_plan.plan_health(account, as_of).score,
        len(risks.open_risks(account)), top_risks(account, as_of),
        tuple(DecisionLine(r.project, r.project_title, r.decision, r.customer_owner, r.project_due)
              for r in decisions.itertuples()),
        steps, sum(1 for s in steps if s.days < 0), _findings(account, settings, as_of),
    )
